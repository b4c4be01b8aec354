import {
  choosePickListValue,
  cleanText,
  DEFAULT_FIELD_RULES,
  DEFAULT_TASK_PRIORITIES,
  fieldRule,
  fieldRulesFromMetadata,
  moduleRulesFromMetadata,
} from '../../lib/mapping/fields';

/** Field entries in the shape of GET /crm/v8/settings/fields (zoho-oas fields.json `fields` schema). */
function field(apiName: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    api_name: apiName,
    field_label: apiName.replace(/_/g, ' '),
    display_label: apiName.replace(/_/g, ' '),
    id: `4876876000000${Math.abs(hashCode(apiName)) % 1000000}`,
    custom_field: false,
    visible: true,
    read_only: false,
    field_read_only: false,
    system_mandatory: false,
    json_type: 'string',
    ...extra,
  };
}

function hashCode(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

function pick(actual: string, type: 'used' | 'unused' = 'used', display = actual) {
  return { display_value: display, actual_value: actual, type, id: `id-${actual}`, sequence_number: 1, colour_code: null };
}

const contactsMetadata = {
  fields: [
    field('Last_Name', { data_type: 'text', length: 80, system_mandatory: true }),
    field('First_Name', { data_type: 'text', length: 40 }),
    field('Email', { data_type: 'email', length: 100 }),
    // An org that shortened Phone to 30.
    field('Phone', { data_type: 'phone', length: 30 }),
    field('Account_Name', { data_type: 'lookup', length: 120 }),
    field('Reporting_To', { data_type: 'lookup', length: 120 }),
    field('Date_of_Birth', { data_type: 'date', length: 20 }),
    // An older org whose Description is a small text area.
    field('Description', { data_type: 'textarea', length: 2000, textarea: { type: 'small' } }),
    field('Custom_Notes', { data_type: 'text', length: 255, custom_field: true }),
    { field_label: 'broken entry without api_name' },
  ],
};

const tasksMetadata = {
  fields: [
    field('Subject', { data_type: 'text', length: 255, system_mandatory: true }),
    field('Priority', {
      data_type: 'picklist',
      length: 120,
      pick_list_values: [pick('-None-'), pick('Urgent'), pick('Normal'), pick('Low'), pick('Obsolete', 'unused')],
    }),
    field('Status', {
      data_type: 'picklist',
      length: 120,
      pick_list_values: [pick('Not Started', 'used', '未着手'), pick('Completed', 'used', '完了'), { bogus: true }],
    }),
  ],
};

describe('fieldRulesFromMetadata', () => {
  const rules = fieldRulesFromMetadata({ Contacts: contactsMetadata, Tasks: tasksMetadata });

  test.each<[string, string, keyof ReturnType<typeof fieldRule>, unknown]>([
    ['Contacts', 'Last_Name', 'maxLength', 80],
    ['Contacts', 'Last_Name', 'mandatory', true],
    ['Contacts', 'Phone', 'maxLength', 30],
    ['Contacts', 'Email', 'maxLength', 100],
    ['Contacts', 'Description', 'maxLength', 2000],
    ['Contacts', 'Custom_Notes', 'maxLength', 255],
    // Lookup/date lengths are not text limits: the seed's limit stays.
    ['Contacts', 'Reporting_To', 'maxLength', 50],
    ['Contacts', 'Account_Name', 'maxLength', undefined],
    ['Contacts', 'Date_of_Birth', 'maxLength', undefined],
    ['Contacts', 'Reporting_To', 'dataType', 'lookup'],
    // Fields the org metadata did not list keep the seed defaults.
    ['Contacts', 'Mailing_Street', 'maxLength', 250],
    ['Contacts', 'Asst_Phone', 'maxLength', 30],
    ['Tasks', 'Priority', 'pickList', ['-None-', 'Urgent', 'Normal', 'Low']],
    ['Tasks', 'Status', 'pickList', ['Not Started', 'Completed']],
    ['Tasks', 'Priority', 'maxLength', undefined],
    ['Tasks', 'Description', 'maxLength', 32000],
    // Modules without an answer keep their defaults.
    ['Accounts', 'Account_Name', 'maxLength', 200],
    ['Events', 'Venue', 'maxLength', 255],
  ])('%s.%s %s', (module, apiName, key, expected) => {
    expect(rules[module]?.[apiName]?.[key]).toEqual(expected);
    expect(fieldRule(rules, module, apiName)[key]).toEqual(expected);
  });

  test('a 204 (no body) or a malformed answer yields the defaults', () => {
    expect(fieldRulesFromMetadata({ Contacts: undefined })).toEqual(DEFAULT_FIELD_RULES);
    expect(fieldRulesFromMetadata({ Contacts: { fields: 'nope' } })).toEqual(DEFAULT_FIELD_RULES);
    expect(moduleRulesFromMetadata(null, DEFAULT_FIELD_RULES.Tasks)).toEqual(DEFAULT_FIELD_RULES.Tasks);
  });

  test('does not mutate the defaults', () => {
    const before = JSON.stringify(DEFAULT_FIELD_RULES);
    fieldRulesFromMetadata({ Contacts: contactsMetadata, Tasks: tasksMetadata });
    expect(JSON.stringify(DEFAULT_FIELD_RULES)).toBe(before);
  });

  test('the bare field array (as the Zoho client returns it) works the same', () => {
    expect(fieldRulesFromMetadata({ Contacts: contactsMetadata.fields, Tasks: tasksMetadata.fields })).toEqual(rules);
  });

  test('modules only in the metadata are added', () => {
    const r = fieldRulesFromMetadata({ Deals: { fields: [field('Deal_Name', { data_type: 'text', length: 120, system_mandatory: true })] } });
    expect(r.Deals).toEqual({ Deal_Name: { dataType: 'text', maxLength: 120, mandatory: true } });
  });
});

describe('DEFAULT_FIELD_RULES: the seed table (SPEC §2.1, §2.2)', () => {
  test.each([
    ['First_Name', 40], ['Last_Name', 80], ['Title', 100], ['Department', 50], ['Phone', 50],
    ['Home_Phone', 30], ['Other_Phone', 30], ['Fax', 30], ['Mobile', 30], ['Assistant', 50],
    ['Asst_Phone', 30], ['Reporting_To', 50], ['Mailing_Street', 250], ['Mailing_City', 30],
    ['Mailing_State', 30], ['Mailing_Zip', 30], ['Mailing_Country', 30], ['Other_Street', 250],
    ['Other_City', 30], ['Other_State', 30], ['Other_Zip', 30], ['Other_Country', 30],
    ['Description', 32000],
  ])('Contacts.%s ≤ %d', (apiName, max) => {
    expect(DEFAULT_FIELD_RULES.Contacts![apiName]!.maxLength).toBe(max);
  });

  test('Account Name 200 (on Accounts, since Contacts.Account_Name is a lookup)', () => {
    expect(DEFAULT_FIELD_RULES.Accounts!.Account_Name!.maxLength).toBe(200);
  });

  test('Tasks', () => {
    expect(DEFAULT_FIELD_RULES.Tasks!.Subject).toMatchObject({ maxLength: 255, mandatory: true });
    expect(DEFAULT_FIELD_RULES.Tasks!.Description!.maxLength).toBe(32000);
    expect(DEFAULT_FIELD_RULES.Tasks!.Priority!.pickList).toEqual(['Highest', 'High', 'Normal', 'Low', 'Lowest']);
    expect(DEFAULT_FIELD_RULES.Tasks!.Status!.pickList).toEqual(['Not Started', 'Deferred', 'In Progress', 'Completed', 'Waiting for input']);
  });
});

describe('fieldRule', () => {
  test('partial rules fall back to the defaults per property', () => {
    expect(fieldRule({ Contacts: { Phone: { mandatory: true } } }, 'Contacts', 'Phone')).toEqual({ maxLength: 50, dataType: 'phone', mandatory: true });
    expect(fieldRule(undefined, 'Contacts', 'Phone').maxLength).toBe(50);
    expect(fieldRule({}, 'Nope', 'Nothing')).toEqual({});
  });
});

describe('choosePickListValue', () => {
  test.each<[string, string[], string[], string | null, string]>([
    ['exact', DEFAULT_TASK_PRIORITIES, ['High', 'Highest'], 'High', 'exact'],
    ['case-insensitive', ['high'], ['High'], 'high', 'exact'],
    ['synonym', ['Highest', 'Lowest'], ['High', 'Highest'], 'Highest', 'synonym'],
    ['fallback skips -None-', ['-None-', 'A', 'B'], ['High'], 'A', 'fallback'],
    ['nothing usable', ['-None-'], ['High'], null, 'none'],
    ['empty list', [], ['High'], null, 'none'],
  ])('%s', (_name, list, candidates, value, via) => {
    expect(choosePickListValue(list, candidates)).toEqual({ value, via });
  });
});

describe('cleanText', () => {
  test.each<[string | null | undefined, string | null]>([
    [undefined, null],
    [null, null],
    ['', null],
    [' \r\n\t ', null],
    ['  a\r\nb\rc  ', 'a\nb\nc'],
  ])('%j → %j', (input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });
});
