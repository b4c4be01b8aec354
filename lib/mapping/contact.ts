/**
 * Outlook contact → Zoho CRM Contacts record (SPEC §2.1).
 *
 * One-way sync of the mapped fields: Outlook is the source, so every mapped field is always
 * present in the record and a value that is empty or removed in Outlook is sent as null, which
 * clears it in Zoho on update (and is harmless on insert). Fields the seed does not map are never
 * touched. Extended-property fields (fax, other phone, assistant's phone) are the one exception:
 * when the contact was read without them, their state is unknown and they are left out.
 *
 * Input must be a full contact as read with CONTACT_SELECT (+ CONTACT_EXPAND), not a partial
 * delta item: an absent property means "empty" here.
 *
 * Lookups need I/O, so they are returned as names for the engine to resolve:
 * - company → `accountName` (Account_Name is a lookup to Accounts);
 * - manager → `managerName` (Reporting_To is a lookup to Contacts).
 * When the engine passes the resolved ids back in, the lookups are written; when the Outlook
 * value is empty they are cleared; otherwise they are left out of the record.
 *
 * Addresses: business → Mailing_*, other → Other_*. The home address is not mapped, as in the
 * seed: putting it into Other_* would make that CRM address mean two different things depending
 * on which Outlook fields happen to be filled, and the seed never sent home addresses to the CRM.
 *
 * Warnings name fields and sources, never values: they end up in the sync report.
 */
import { CONTACT_EXTENDED_PROPERTY_IDS, type GraphContact } from '../graph/resources/contact';
import { extendedPropertyValue, type GraphPhysicalAddress } from '../graph/resources/common';
import { contentHash } from './hash';
import { cleanText, type FieldRules, RecordBuilder } from './fields';
import { nameCandidates, nameIdentity, type NamePair } from './names';

export const CONTACTS_MODULE = 'Contacts';

export interface MapContactOptions {
  /** org field rules (fieldRulesFromMetadata); seed defaults when absent */
  rules?: FieldRules;
  /** Zoho user id for Owner; left out when absent (Zoho then keeps or assigns the owner) */
  ownerId?: string | null;
  /** resolved Accounts id for the company name */
  accountId?: string | null;
  /** resolved Contacts id for the manager name */
  reportingToId?: string | null;
}

export type LastNameSource = 'surname' | 'displayName' | 'email' | 'company' | 'givenName' | 'none';

export interface MappedContact {
  /** Zoho v8 API names → values; null clears the field */
  record: Record<string, unknown>;
  /** company name for the engine to resolve to Account_Name {id}; cut to Accounts.Account_Name */
  accountName: string | null;
  /** manager's name for the engine to resolve to Reporting_To {id} */
  managerName: string | null;
  /** where Last_Name came from; Zoho requires it */
  lastNameSource: LastNameSource;
  /** api names whose value was shortened to Zoho's limit */
  cutFields: string[];
  warnings: string[];
  /** set when the contact cannot be written at all; the engine records the item as skipped */
  skipReason?: string;
}

/** Zoho's address field suffixes and Graph's physicalAddress keys, in both directions. */
export const ADDRESS_PARTS = [
  ['Street', 'street'],
  ['City', 'city'],
  ['State', 'state'],
  ['Zip', 'postalCode'],
  ['Country', 'countryOrRegion'],
] as const;

function firstText(values: readonly (string | null | undefined)[] | null | undefined): string | null {
  for (const value of values ?? []) {
    const text = cleanText(value);
    if (text !== null) return text;
  }
  return null;
}

/**
 * First e-mail entry with a usable address. An entry without '@' (an Exchange legacy DN on a
 * contact picked from the address book) would make Zoho refuse the whole record, so it is skipped.
 */
function primaryEmail(contact: GraphContact, b: RecordBuilder): string | null {
  for (const entry of contact.emailAddresses ?? []) {
    const address = cleanText(entry.address);
    if (address === null) continue;
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      b.warn('Email: an Outlook e-mail address is not an SMTP address and was not synced');
      continue;
    }
    return address;
  }
  return null;
}

/**
 * Zoho needs a Last_Name; Outlook needs none. Fall back through what identifies the person best,
 * and say so in the report so a user knows why the CRM name looks different.
 */
function lastName(
  contact: GraphContact,
  email: string | null,
): { value: string | null; source: LastNameSource } {
  const surname = cleanText(contact.surname);
  if (surname) return { value: surname, source: 'surname' };
  const displayName = cleanText(contact.displayName);
  if (displayName) return { value: displayName, source: 'displayName' };
  const local = email ? cleanText(email.slice(0, email.lastIndexOf('@'))) : null;
  if (local) return { value: local, source: 'email' };
  const company = cleanText(contact.companyName);
  if (company) return { value: company, source: 'company' };
  const given = cleanText(contact.givenName);
  if (given) return { value: given, source: 'givenName' };
  return { value: null, source: 'none' };
}

const LAST_NAME_NOTE: Record<Exclude<LastNameSource, 'surname'>, string> = {
  displayName: 'Last_Name: the contact has no last name; used its display name',
  email: 'Last_Name: the contact has no last name or display name; used the e-mail address before the @',
  company: 'Last_Name: the contact has no last name, display name or e-mail address; used the company name',
  givenName: 'Last_Name: the contact has only a first name; used it as the last name',
  none: 'Last_Name: the contact has no name, e-mail address or company; Zoho requires a last name',
};

/**
 * Birthday → `yyyy-MM-dd`. Graph sends a UTC instant, normally midnight UTC of the birthday.
 * Converting it to any local zone would move the day for users west of UTC, so the UTC date is
 * used, rounded to the nearest UTC midnight: clients that stored local midnight (e.g. 15:00Z the
 * day before for UTC+9) still land on the right day, and midnight UTC is never shifted.
 */
export function birthdayToDate(value: string | null | undefined): { date: string | null; invalid: boolean } {
  const text = cleanText(value);
  if (text === null) return { date: null, invalid: false };
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) return { date: null, invalid: true };
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const check = new Date(Date.UTC(+y, +mo - 1, +d));
  if (check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59) return { date: null, invalid: true };
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const DAY = 86_400_000;
  const day = new Date(Math.floor((ms + DAY / 2 - 1) / DAY) * DAY);
  // MAPI's "no date" (4501-01-01) can surface on contacts migrated from old PSTs.
  if (day.getUTCFullYear() >= 4500) return { date: null, invalid: false };
  return { date: day.toISOString().slice(0, 10), invalid: false };
}

function mapAddress(b: RecordBuilder, prefix: 'Mailing' | 'Other', address: GraphPhysicalAddress | null | undefined): void {
  for (const [suffix, key] of ADDRESS_PARTS) b.text(`${prefix}_${suffix}`, address?.[key]);
}

export function mapContact(contact: GraphContact, options: MapContactOptions = {}): MappedContact {
  const b = new RecordBuilder(CONTACTS_MODULE, options.rules);

  const email = primaryEmail(contact, b);
  const last = lastName(contact, email);
  if (last.source !== 'surname') b.warn(LAST_NAME_NOTE[last.source]);

  let firstName = cleanText(contact.givenName);
  // "Taro" + "Taro" would become the CRM full name "Taro Taro".
  if (last.source !== 'surname' && firstName !== null && last.value !== null && firstName.toLowerCase() === last.value.toLowerCase()) {
    firstName = null;
  }
  b.text('First_Name', firstName);
  b.text('Last_Name', last.value);

  // A cut e-mail address is a different address: never cut it. Zoho refuses it instead, and the
  // item is reported as skipped with Zoho's reason (SPEC §2.5).
  b.set('Email', email);
  const emailMax = b.rule('Email').maxLength;
  if (email !== null && emailMax !== undefined && Array.from(email).length > emailMax) {
    b.warn(`Email: longer than Zoho's ${emailMax} characters; Zoho may refuse the contact`);
  }

  b.text('Title', contact.jobTitle);
  b.text('Department', contact.department);
  b.text('Phone', firstText(contact.businessPhones));
  b.text('Home_Phone', firstText(contact.homePhones));
  b.text('Mobile', contact.mobilePhone);
  b.text('Assistant', contact.assistantName);

  const ext = contact.singleValueExtendedProperties;
  if (ext === undefined || ext === null) {
    b.warn('Other_Phone, Fax, Asst_Phone: extended properties were not read; left unchanged');
  } else {
    b.text('Other_Phone', extendedPropertyValue(ext, CONTACT_EXTENDED_PROPERTY_IDS.otherPhone));
    b.text('Fax', extendedPropertyValue(ext, CONTACT_EXTENDED_PROPERTY_IDS.businessFax));
    b.text('Asst_Phone', extendedPropertyValue(ext, CONTACT_EXTENDED_PROPERTY_IDS.assistantPhone));
  }

  mapAddress(b, 'Mailing', contact.businessAddress);
  mapAddress(b, 'Other', contact.otherAddress);

  b.text('Description', contact.personalNotes);

  const birthday = birthdayToDate(contact.birthday);
  if (birthday.invalid) b.warn('Date_of_Birth: the Outlook birthday is not a date; not synced');
  b.set('Date_of_Birth', birthday.date);

  // Company and manager: cut like any other field, and reported under the Zoho field they feed.
  const accountName = b.cut('Account_Name', cleanText(contact.companyName), 'Accounts');
  if (options.accountId) b.set('Account_Name', { id: options.accountId });
  else if (accountName === null) b.set('Account_Name', null);

  const managerName = b.cut('Reporting_To', cleanText(contact.manager));
  if (options.reportingToId) b.set('Reporting_To', { id: options.reportingToId });
  else if (managerName === null) b.set('Reporting_To', null);

  if (options.ownerId) b.set('Owner', { id: options.ownerId });

  const result: MappedContact = {
    record: b.record,
    accountName,
    managerName,
    lastNameSource: last.source,
    cutFields: b.cutFields,
    warnings: b.warnings,
  };
  if (last.value === null) result.skipReason = LAST_NAME_NOTE.none;
  return result;
}

export type ContactDedupKey =
  | { by: 'email'; email: string }
  | { by: 'name'; identity: string; candidates: NamePair[] };

function recordText(record: Record<string, unknown>, apiName: string): string | null {
  const value = record[apiName];
  return typeof value === 'string' ? cleanText(value) : null;
}

/**
 * SPEC §2.1 duplicate rule: same e-mail address (compared lowercased), or, without an address,
 * the same name, matched on First_Name and Last_Name in every reading of the name (lib/mapping/
 * names.ts), never on Zoho's composed Full_Name, whose order depends on the org's name format.
 * Built from the mapped record so it matches what is stored in Zoho, cut values included. Null
 * when the contact has neither (it cannot be written anyway).
 */
export function contactDedupKey(mapped: Pick<MappedContact, 'record'>): ContactDedupKey | null {
  const email = recordText(mapped.record, 'Email');
  if (email) return { by: 'email', email: email.toLowerCase() };
  const firstName = recordText(mapped.record, 'First_Name');
  const lastName = recordText(mapped.record, 'Last_Name');
  const candidates = nameCandidates(firstName, lastName);
  if (candidates.length === 0) return null;
  return { by: 'name', identity: nameIdentity(firstName, lastName), candidates };
}

/**
 * Hash for skipping no-op writes. It covers the lookup names rather than resolved ids, so an
 * unchanged contact is recognised before any lookup call, and a changed company still counts
 * as a change although Account_Name is left out of the record until the engine resolves it.
 */
export function contactContentHash(mapped: Pick<MappedContact, 'record' | 'accountName' | 'managerName'>): string {
  const { Account_Name: _account, Reporting_To: _manager, ...rest } = mapped.record;
  return contentHash({ record: rest, accountName: mapped.accountName, managerName: mapped.managerName });
}
