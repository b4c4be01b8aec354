/**
 * Field metadata of the double's org: the modules the sync writes, with the lengths of the seed's
 * table (SPEC §2.1–2.3), Zoho's defaults from zoho.md §4 and Zoho's default pick lists.
 *
 * `toFieldMetadata` expands a compact spec into the full object GET /settings/fields returns. Its
 * keys are the `required` list of fields.json `fields`; values follow Zoho's own sample (the
 * Last_Name entry in test/fixtures/zoho/payloads/coql-include-meta.json), including the nulls
 * Zoho sends for unset sub-objects.
 */

export type DataType =
  | 'text' | 'textarea' | 'email' | 'phone' | 'website' | 'picklist' | 'lookup' | 'ownerlookup'
  | 'date' | 'datetime' | 'boolean' | 'integer' | 'currency' | 'autonumber' | 'multiselectlookup'
  | 'event_reminder' | 'RRULE';

export interface FieldSpec {
  api: string;
  label: string;
  type: DataType;
  length?: number;
  mandatory?: boolean;
  readOnly?: boolean;
  picklist?: string[];
  /** Target module of a lookup (absent for What_Id, whose target is `$se_module`). */
  lookup?: string;
}

const t = (api: string, label: string, length: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({ api, label, type: 'text', length, ...extra });
const ph = (api: string, label: string, length = 30): FieldSpec => ({ api, label, type: 'phone', length });
const em = (api: string, label: string): FieldSpec => ({ api, label, type: 'email', length: 100 });
const ta = (api: string, label: string, length = 32000): FieldSpec => ({ api, label, type: 'textarea', length });
const pl = (api: string, label: string, values: string[], extra: Partial<FieldSpec> = {}): FieldSpec => ({ api, label, type: 'picklist', picklist: values, ...extra });
const lk = (api: string, label: string, module?: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ api, label, type: 'lookup', lookup: module, ...extra });

const system: FieldSpec[] = [
  { api: 'Owner', label: 'Owner', type: 'ownerlookup' },
  { api: 'Created_By', label: 'Created By', type: 'ownerlookup', readOnly: true },
  { api: 'Modified_By', label: 'Modified By', type: 'ownerlookup', readOnly: true },
  { api: 'Created_Time', label: 'Created Time', type: 'datetime', readOnly: true },
  { api: 'Modified_Time', label: 'Modified Time', type: 'datetime', readOnly: true },
];

const address = (prefix: string, label: string, zip = 'Zip'): FieldSpec[] => [
  t(`${prefix}_Street`, `${label} Street`, 250),
  t(`${prefix}_City`, `${label} City`, 30),
  t(`${prefix}_State`, `${label} State`, 30),
  t(`${prefix}_${zip}`, `${label} ${zip}`, 30),
  t(`${prefix}_Country`, `${label} Country`, 30),
];

export const LEAD_SOURCES = ['-None-', 'Advertisement', 'Cold Call', 'Employee Referral', 'External Referral', 'Online Store', 'Partner', 'Public Relations', 'Sales Email Alias', 'Seminar Partner', 'Internal Seminar', 'Trade Show', 'Web Download', 'Web Research', 'Chat'];
export const TASK_STATUSES = ['Not Started', 'Deferred', 'In Progress', 'Completed', 'Waiting for input'];
export const TASK_PRIORITIES = ['Highest', 'High', 'Normal', 'Low', 'Lowest'];
export const CASE_STATUSES = ['New', 'On Hold', 'Escalated', 'Closed'];

export const MODULE_FIELDS: Record<string, FieldSpec[]> = {
  Contacts: [
    ...system,
    pl('Salutation', 'Salutation', ['-None-', 'Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Prof.']),
    t('First_Name', 'First Name', 40),
    t('Last_Name', 'Last Name', 80, { mandatory: true }),
    t('Full_Name', 'Full Name', 121, { readOnly: true }),
    em('Email', 'Email'),
    em('Secondary_Email', 'Secondary Email'),
    t('Title', 'Title', 100),
    lk('Account_Name', 'Account Name', 'Accounts'),
    t('Department', 'Department', 50),
    ph('Phone', 'Phone', 50),
    ph('Home_Phone', 'Home Phone'),
    ph('Other_Phone', 'Other Phone'),
    ph('Fax', 'Fax'),
    ph('Mobile', 'Mobile'),
    t('Assistant', 'Assistant', 50),
    ph('Asst_Phone', 'Asst Phone'),
    lk('Reporting_To', 'Reporting To', 'Contacts'),
    ...address('Mailing', 'Mailing'),
    ...address('Other', 'Other'),
    ta('Description', 'Description'),
    { api: 'Date_of_Birth', label: 'Date of Birth', type: 'date' },
    pl('Lead_Source', 'Lead Source', LEAD_SOURCES),
    { api: 'Email_Opt_Out', label: 'Email Opt Out', type: 'boolean' },
  ],
  Leads: [
    ...system,
    pl('Salutation', 'Salutation', ['-None-', 'Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Prof.']),
    t('First_Name', 'First Name', 40),
    t('Last_Name', 'Last Name', 80, { mandatory: true }),
    t('Full_Name', 'Full Name', 121, { readOnly: true }),
    em('Email', 'Email'),
    em('Secondary_Email', 'Secondary Email'),
    t('Company', 'Company', 100),
    t('Designation', 'Title', 100),
    ph('Phone', 'Phone'),
    ph('Mobile', 'Mobile'),
    ph('Fax', 'Fax'),
    { api: 'Website', label: 'Website', type: 'website', length: 255 },
    t('Street', 'Street', 250),
    t('City', 'City', 30),
    t('State', 'State', 30),
    t('Zip_Code', 'Zip Code', 30),
    t('Country', 'Country', 30),
    ta('Description', 'Description'),
    pl('Lead_Source', 'Lead Source', LEAD_SOURCES),
    pl('Lead_Status', 'Lead Status', ['-None-', 'Attempted to Contact', 'Contact in Future', 'Contacted', 'Junk Lead', 'Lost Lead', 'Not Contacted', 'Pre-Qualified', 'Not Qualified']),
    { api: 'Email_Opt_Out', label: 'Email Opt Out', type: 'boolean' },
  ],
  Accounts: [
    ...system,
    t('Account_Name', 'Account Name', 200, { mandatory: true }),
    lk('Parent_Account', 'Parent Account', 'Accounts'),
    ph('Phone', 'Phone'),
    ph('Fax', 'Fax'),
    { api: 'Website', label: 'Website', type: 'website', length: 255 },
    pl('Account_Type', 'Account Type', ['-None-', 'Analyst', 'Competitor', 'Customer', 'Distributor', 'Integrator', 'Investor', 'Other', 'Partner', 'Press', 'Prospect', 'Reseller', 'Vendor']),
    ...address('Billing', 'Billing', 'Code'),
    ...address('Shipping', 'Shipping', 'Code'),
    ta('Description', 'Description'),
  ],
  Deals: [
    ...system,
    t('Deal_Name', 'Deal Name', 120, { mandatory: true }),
    pl('Stage', 'Stage', ['Qualification', 'Needs Analysis', 'Value Proposition', 'Identify Decision Makers', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost', 'Closed Lost to Competition'], { mandatory: true }),
    { api: 'Closing_Date', label: 'Closing Date', type: 'date' },
    { api: 'Amount', label: 'Amount', type: 'currency' },
    lk('Account_Name', 'Account Name', 'Accounts'),
    lk('Contact_Name', 'Contact Name', 'Contacts'),
    pl('Lead_Source', 'Lead Source', LEAD_SOURCES),
    ta('Description', 'Description'),
  ],
  Tasks: [
    ...system,
    t('Subject', 'Subject', 255, { mandatory: true }),
    { api: 'Due_Date', label: 'Due Date', type: 'date' },
    pl('Status', 'Status', TASK_STATUSES),
    pl('Priority', 'Priority', TASK_PRIORITIES),
    lk('What_Id', 'Related To'),
    lk('Who_Id', 'Contact Name', 'Contacts'),
    { api: 'Send_Notification_Email', label: 'Send Notification Email', type: 'boolean' },
    { api: 'Remind_At', label: 'Reminder', type: 'event_reminder' },
    { api: 'Recurring_Activity', label: 'Repeat', type: 'RRULE' },
    { api: 'Closed_Time', label: 'Closed Time', type: 'datetime', readOnly: true },
    ta('Description', 'Description'),
  ],
  Events: [
    ...system,
    t('Event_Title', 'Title', 255, { mandatory: true }),
    { api: 'Start_DateTime', label: 'From', type: 'datetime', mandatory: true },
    { api: 'End_DateTime', label: 'To', type: 'datetime', mandatory: true },
    { api: 'All_day', label: 'All day', type: 'boolean' },
    t('Venue', 'Location', 255),
    { api: 'Participants', label: 'Participants', type: 'multiselectlookup' },
    lk('What_Id', 'Related To'),
    lk('Who_Id', 'Contact Name', 'Contacts'),
    { api: 'Remind_At', label: 'Reminder', type: 'event_reminder' },
    { api: 'Recurring_Activity', label: 'Repeat', type: 'RRULE' },
    ta('Description', 'Description'),
  ],
  Cases: [
    ...system,
    { api: 'Case_Number', label: 'Case Number', type: 'autonumber', readOnly: true },
    t('Subject', 'Subject', 255, { mandatory: true }),
    pl('Status', 'Status', CASE_STATUSES, { mandatory: true }),
    pl('Case_Origin', 'Case Origin', ['-None-', 'Email', 'Phone', 'Web'], { mandatory: true }),
    pl('Priority', 'Priority', ['-None-', 'High', 'Medium', 'Low']),
    pl('Type', 'Type', ['-None-', 'Problem', 'Feature Request', 'Question']),
    pl('Case_Reason', 'Case Reason', ['-None-', 'User did not attend any training', 'Complex functionality', 'Existing problem', 'Instructions not clear', 'New problem']),
    { api: 'Email', label: 'Email', type: 'email', length: 100 },
    ph('Phone', 'Phone'),
    lk('Related_To', 'Contact Name', 'Contacts'),
    lk('Account_Name', 'Account Name', 'Accounts'),
    lk('Deal_Name', 'Deal Name', 'Deals'),
    ta('Description', 'Description'),
  ],
};

/** The field whose value names a record of the module (lookup `name`, COQL display value). */
export const NAME_FIELD: Record<string, string> = {
  Contacts: 'Full_Name', Leads: 'Full_Name', Accounts: 'Account_Name', Deals: 'Deal_Name',
  Tasks: 'Subject', Events: 'Event_Title', Cases: 'Subject',
};

/** System duplicate-check fields used by upsert when the request names none (zoho.md §2). */
export const SYSTEM_DUPLICATE_FIELDS: Record<string, string[]> = {
  Contacts: ['Email'], Leads: ['Email'], Accounts: ['Account_Name'], Deals: ['Deal_Name'], Cases: ['Subject'],
};

const DEFAULT_LENGTH: Partial<Record<DataType, number>> = {
  picklist: 120, lookup: 120, ownerlookup: 120, date: 20, datetime: 120, boolean: 5, integer: 9,
  currency: 16, autonumber: 255, multiselectlookup: 2000, event_reminder: 255, RRULE: 255,
};

const JSON_TYPE: Partial<Record<DataType, string>> = {
  lookup: 'jsonobject', ownerlookup: 'jsonobject', boolean: 'boolean', integer: 'integer', currency: 'double',
  multiselectlookup: 'jsonarray', event_reminder: 'jsonobject', RRULE: 'jsonobject',
};

let fieldSeq = 5725767000000002000n;

/** The full metadata object for one field, as GET /crm/v8/settings/fields returns it. */
export function toFieldMetadata(module: string, spec: FieldSpec, layoutId: string): Record<string, unknown> {
  fieldSeq += 1n;
  const readOnly = spec.readOnly === true;
  const minifiedModule = { api_name: null, id: null };
  return {
    associated_module: minifiedModule,
    data_type: spec.type,
    operation_type: { web_update: !readOnly, api_create: !readOnly, web_create: !readOnly, api_update: !readOnly },
    system_mandatory: spec.mandatory === true,
    webhook: true,
    blueprint_supported: !readOnly,
    virtual_field: false,
    field_read_only: readOnly,
    customizable_properties: [],
    read_only: readOnly,
    custom_field: false,
    businesscard_supported: true,
    filterable: true,
    visible: true,
    available_in_user_layout: true,
    display_field: spec.api === NAME_FIELD[module],
    pick_list_values_sorted_lexically: false,
    sortable: true,
    layout_associations: [{ api_name: 'Standard__s', name: 'Standard', id: layoutId }],
    separator: false,
    searchable: spec.type !== 'boolean',
    enable_colour_code: false,
    mass_update: !readOnly,
    json_type: JSON_TYPE[spec.type] ?? 'string',
    created_source: 'default',
    type: 'used',
    display_label: spec.label,
    column_name: spec.api.toUpperCase().replace(/_/g, ''),
    api_name: spec.api,
    display_type: -1,
    ui_type: spec.type === 'text' ? 1 : spec.type === 'picklist' ? 2 : 0,
    colour_code_enabled_by_system: false,
    length: spec.length ?? DEFAULT_LENGTH[spec.type] ?? 255,
    decimal_place: spec.type === 'currency' ? 2 : null,
    quick_sequence_number: '0',
    email_parser: { fields_update_supported: false, record_operations_supported: true },
    rollup_summary: {},
    refer_from_field: null,
    created_time: null,
    modified_time: null,
    show_type: 7,
    category: 0,
    id: String(fieldSeq),
    multi_module_lookup: {},
    sharing_properties: null,
    currency: {},
    file_upolad_optionlist: [],
    lookup:
      spec.type === 'lookup' && spec.lookup
        ? {
            display_label: spec.label,
            api_name: spec.api,
            module: { api_name: spec.lookup, id: null },
            query_details: {},
            revalidate_filter_during_edit: false,
            show_fields: [],
          }
        : {},
    profiles: [{ name: 'Administrator', id: '5725767000000026011', permission_type: readOnly ? 'read_only' : 'read_write' }],
    view_type: { view: true, edit: !readOnly, quick_create: spec.mandatory === true, create: !readOnly },
    unique: {},
    sub_module: null,
    subform: null,
    external: null,
    formula: {},
    private: null,
    convert_mapping: { Contacts: null, Deals: null, Accounts: null },
    multiselectlookup: {},
    multiuserlookup: null,
    autonumber: null,
    auto_number: {},
    pick_list_values: (spec.picklist ?? []).map((value, i) => ({
      colour_code: null,
      actual_value: value,
      type: 'used',
      id: String(fieldSeq * 100n + BigInt(i)),
      sequence_number: i + 1,
      display_value: value,
    })),
    crypt: null,
    tooltip: null,
    history_tracking: null,
    association_details: null,
    allowed_modules: [],
    additional_column: null,
    field_label: spec.label,
    'common.picklist': null,
    hipaa_compliance_enabled: false,
    hipaa_compliance: null,
    _update_existing_records: false,
    number_separator: false,
    textarea: spec.type === 'textarea' ? { type: (spec.length ?? 0) > 2000 ? 'large' : 'small' } : null,
    static_field: false,
  };
}
