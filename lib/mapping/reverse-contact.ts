/**
 * Zoho CRM Contacts record → Outlook contact (SPEC §2.1 read backwards), and the neutral field
 * values both sides are compared in for the three-way merge (./merge.ts).
 *
 * Neutral values are keyed by Zoho API name and hold normalised text (cleanText: CRLF → LF,
 * trimmed, empty → null). The two lookups are compared by name: Account_Name holds the company
 * name, Reporting_To the manager's name. Outlook's values are taken from the forward mapping, so
 * a value Zoho would cut is compared cut, and a field is "changed" only when Zoho would see it so.
 *
 * Writes to Outlook never touch what the seed does not map, and keep what Outlook holds beyond a
 * mapped value: the second and later e-mail addresses and business/home phones, and address parts.
 * Other phone, business fax and assistant's phone are written as the same MAPI extended properties
 * the forward direction reads.
 */
import { CONTACT_EXTENDED_PROPERTY_IDS, type GraphContact } from '../graph/resources/contact';
import type { GraphPhysicalAddress } from '../graph/resources/common';
import { ADDRESS_PARTS, mapContact, type MapContactOptions } from './contact';
import { cleanText } from './fields';
import type { FieldValues } from './merge';

/** Mapped Zoho fields, in SPEC order. */
export const CONTACT_VALUE_FIELDS = [
  'First_Name', 'Last_Name', 'Email', 'Title', 'Account_Name', 'Department', 'Phone', 'Home_Phone', 'Other_Phone', 'Fax',
  'Mobile', 'Assistant', 'Asst_Phone', 'Reporting_To',
  'Mailing_Street', 'Mailing_City', 'Mailing_State', 'Mailing_Zip', 'Mailing_Country',
  'Other_Street', 'Other_City', 'Other_State', 'Other_Zip', 'Other_Country',
  'Description', 'Date_of_Birth',
] as const;

const EXTENDED: Record<string, string> = {
  Other_Phone: CONTACT_EXTENDED_PROPERTY_IDS.otherPhone,
  Fax: CONTACT_EXTENDED_PROPERTY_IDS.businessFax,
  Asst_Phone: CONTACT_EXTENDED_PROPERTY_IDS.assistantPhone,
};

const SIMPLE: Record<string, keyof GraphContact> = {
  First_Name: 'givenName',
  Last_Name: 'surname',
  Title: 'jobTitle',
  Account_Name: 'companyName',
  Department: 'department',
  Mobile: 'mobilePhone',
  Assistant: 'assistantName',
  Reporting_To: 'manager',
  Description: 'personalNotes',
};

/** A Zoho value as neutral text: strings cleaned, lookups by name, anything else absent. */
export function zohoText(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return cleanText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const name = (value as { name?: unknown }).name;
    return typeof name === 'string' ? cleanText(name) : null;
  }
  return undefined;
}

/** Neutral values of a Zoho record; a field the record was read without is left out (unknown). */
export function zohoValues(record: Record<string, unknown>, fields: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const field of fields) {
    if (!(field in record)) continue;
    const text = zohoText(record[field]);
    if (text !== undefined) out[field] = text;
  }
  return out;
}

export function contactValuesFromZoho(record: Record<string, unknown>): Record<string, string | null> {
  return zohoValues(record, CONTACT_VALUE_FIELDS);
}

/** The Outlook contact's neutral values, through the forward mapping (unread extended properties are unknown). */
export function contactValuesFromOutlook(contact: GraphContact, options: Pick<MapContactOptions, 'rules'> = {}): Record<string, string | null> {
  const mapped = mapContact(contact, { rules: options.rules });
  const out: Record<string, string | null> = {};
  for (const field of CONTACT_VALUE_FIELDS) {
    if (field === 'Account_Name') out[field] = mapped.accountName;
    else if (field === 'Reporting_To') out[field] = mapped.managerName;
    else if (field in mapped.record) out[field] = (mapped.record[field] as string | null) ?? null;
  }
  return out;
}

function address(values: FieldValues, prefix: 'Mailing' | 'Other', current: GraphPhysicalAddress | null | undefined): GraphPhysicalAddress | undefined {
  if (!ADDRESS_PARTS.some(([suffix]) => `${prefix}_${suffix}` in values)) return undefined;
  const out: GraphPhysicalAddress = {};
  for (const [suffix, key] of ADDRESS_PARTS) {
    const field = `${prefix}_${suffix}`;
    // Graph replaces a complex property as a whole: unchanged parts are sent again.
    out[key] = field in values ? values[field] ?? null : current?.[key] ?? null;
  }
  return out;
}

/** `[value, ...the rest Outlook had]`, or the rest alone when the value is cleared. */
function firstOf(value: string | null, current: readonly string[] | null | undefined): string[] {
  const rest = (current ?? []).slice(1);
  return value === null ? rest : [value, ...rest];
}

/**
 * Graph contact body (POST or PATCH) for the given neutral values. `current` is the Outlook
 * contact being updated, so that lists and addresses keep what the sync does not map.
 */
export function contactBodyFromValues(values: FieldValues, current?: GraphContact): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, property] of Object.entries(SIMPLE)) {
    if (field in values) body[property] = values[field] ?? null;
  }
  if ('Email' in values) {
    const rest = (current?.emailAddresses ?? []).slice(1);
    const email = values.Email ?? null;
    body.emailAddresses = email === null ? rest : [{ address: email, name: email }, ...rest];
  }
  if ('Phone' in values) body.businessPhones = firstOf(values.Phone ?? null, current?.businessPhones);
  if ('Home_Phone' in values) body.homePhones = firstOf(values.Home_Phone ?? null, current?.homePhones);
  const business = address(values, 'Mailing', current?.businessAddress);
  if (business) body.businessAddress = business;
  const other = address(values, 'Other', current?.otherAddress);
  if (other) body.otherAddress = other;
  if ('Date_of_Birth' in values) {
    const date = values.Date_of_Birth ?? null;
    body.birthday = date === null ? null : `${date}T00:00:00Z`;
  }
  const ext = Object.entries(EXTENDED).filter(([field]) => field in values);
  // Graph takes no null for an extended property value; an empty string reads back as empty.
  if (ext.length > 0) body.singleValueExtendedProperties = ext.map(([field, id]) => ({ id, value: values[field] ?? '' }));
  return body;
}

export interface ReverseOptions {
  /** SYNC_CATEGORY: every item the sync creates carries it */
  category: string;
}

/** A new Outlook contact for a Zoho record: the mapped fields that have a value, and the sync category. */
export function contactFromZoho(record: Record<string, unknown>, options: ReverseOptions): Record<string, unknown> {
  const values = Object.fromEntries(Object.entries(contactValuesFromZoho(record)).filter(([, v]) => v !== null));
  const body = contactBodyFromValues(values);
  const first = values.First_Name;
  const last = values.Last_Name;
  const displayName = cleanText(typeof record.Full_Name === 'string' ? record.Full_Name : [first, last].filter(Boolean).join(' '));
  if (displayName) body.displayName = displayName;
  body.categories = [options.category];
  return body;
}

/**
 * Zoho fields for neutral contact values (the merge's `toZoho`). The lookups come back as names
 * for the engine to resolve, exactly as the forward mapping returns them.
 */
export function contactPatchForZoho(values: FieldValues): { record: Record<string, unknown>; accountName?: string | null; managerName?: string | null } {
  const { Account_Name: accountName, Reporting_To: managerName, ...rest } = values;
  const out: { record: Record<string, unknown>; accountName?: string | null; managerName?: string | null } = { record: { ...rest } };
  if ('Account_Name' in values) {
    out.accountName = accountName ?? null;
    if (accountName === null) out.record.Account_Name = null;
  }
  if ('Reporting_To' in values) {
    out.managerName = managerName ?? null;
    if (managerName === null) out.record.Reporting_To = null;
  }
  return out;
}
