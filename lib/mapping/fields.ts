/**
 * What Zoho accepts per field: maximum length, pick-list values, mandatory.
 *
 * The org's own metadata (GET /crm/v8/settings/fields?module=X) is the truth: orgs rename fields,
 * change lengths and edit pick lists. The seed's table (SPEC §2.1–2.3) is the fallback for when
 * the metadata has not been read yet or lacks a field, so a mapping never runs without limits.
 */
import { z } from 'zod';
import { cutToLength } from './text';

export interface FieldRule {
  maxLength?: number;
  /** `actual_value`s, in the org's order; what Zoho expects on write */
  pickList?: string[];
  mandatory?: boolean;
  /** Zoho `data_type` (text, textarea, phone, email, lookup, picklist, date, ...) */
  dataType?: string;
}

/** api_name → rule, for one module */
export type ModuleFieldRules = Record<string, FieldRule>;

/** module api_name (Contacts, Tasks, ...) → its field rules */
export type FieldRules = Record<string, ModuleFieldRules>;

export const DEFAULT_TASK_PRIORITIES = ['Highest', 'High', 'Normal', 'Low', 'Lowest'];
export const DEFAULT_TASK_STATUSES = ['Not Started', 'Deferred', 'In Progress', 'Completed', 'Waiting for input'];

const text = (maxLength: number, mandatory?: boolean): FieldRule =>
  mandatory ? { maxLength, mandatory, dataType: 'text' } : { maxLength, dataType: 'text' };
const phone = (maxLength: number): FieldRule => ({ maxLength, dataType: 'phone' });
const textarea = (maxLength: number): FieldRule => ({ maxLength, dataType: 'textarea' });

/**
 * The seed's lengths (SPEC §2.1–2.3) and Zoho's default pick lists (reference/zoho.md §4).
 * Accounts.Account_Name carries the company-name limit because Contacts.Account_Name is a lookup.
 * Reporting_To keeps the seed's 50 for the manager's name the engine resolves.
 */
export const DEFAULT_FIELD_RULES: FieldRules = {
  Contacts: {
    First_Name: text(40),
    Last_Name: text(80, true),
    Email: { dataType: 'email' },
    Title: text(100),
    Account_Name: { dataType: 'lookup' },
    Department: text(50),
    Phone: phone(50),
    Home_Phone: phone(30),
    Other_Phone: phone(30),
    Fax: phone(30),
    Mobile: phone(30),
    Assistant: text(50),
    Asst_Phone: phone(30),
    Reporting_To: { maxLength: 50, dataType: 'lookup' },
    Mailing_Street: text(250),
    Mailing_City: text(30),
    Mailing_State: text(30),
    Mailing_Zip: text(30),
    Mailing_Country: text(30),
    Other_Street: text(250),
    Other_City: text(30),
    Other_State: text(30),
    Other_Zip: text(30),
    Other_Country: text(30),
    Description: textarea(32000),
    Date_of_Birth: { dataType: 'date' },
  },
  Accounts: {
    Account_Name: text(200, true),
  },
  Tasks: {
    Subject: text(255, true),
    Due_Date: { dataType: 'date' },
    Priority: { pickList: DEFAULT_TASK_PRIORITIES, dataType: 'picklist' },
    Status: { pickList: DEFAULT_TASK_STATUSES, dataType: 'picklist' },
    Description: textarea(32000),
  },
  Events: {
    Event_Title: text(255, true),
    Venue: text(255),
    Description: textarea(32000),
  },
  // Zoho documents Company as "~100"; the org metadata replaces it once read.
  Leads: {
    First_Name: text(40),
    Last_Name: text(80, true),
    Email: { dataType: 'email' },
    Company: text(100),
    Description: textarea(32000),
  },
  Cases: {
    Subject: text(255, true),
    Description: textarea(32000),
  },
};

/**
 * Only text-like fields have a meaningful `length`; Zoho also reports one for lookups, dates and
 * pick lists, which must not override the seed's limit for the name a lookup is resolved from.
 */
const LENGTH_TYPES = new Set(['text', 'textarea', 'email', 'phone', 'website', 'fax']);

const pickListValueSchema = z.object({
  actual_value: z.string(),
  type: z.string().nullish(),
});

const fieldMetadataSchema = z.object({
  api_name: z.string(),
  data_type: z.string().nullish(),
  length: z.number().nullish(),
  system_mandatory: z.boolean().nullish(),
  pick_list_values: z.array(z.unknown()).nullish(),
});

function ruleFromMetadata(field: z.infer<typeof fieldMetadataSchema>): FieldRule {
  const rule: FieldRule = {};
  const dataType = field.data_type ?? undefined;
  if (dataType) rule.dataType = dataType;
  if (typeof field.length === 'number' && field.length > 0 && (!dataType || LENGTH_TYPES.has(dataType))) {
    rule.maxLength = field.length;
  }
  if (typeof field.system_mandatory === 'boolean') rule.mandatory = field.system_mandatory;
  if (field.pick_list_values && field.pick_list_values.length > 0) {
    // "unused" values are kept by Zoho for old records but are not offered for new data.
    const values = field.pick_list_values
      .map((v) => pickListValueSchema.safeParse(v))
      .filter((r) => r.success && r.data.type !== 'unused')
      .map((r) => r.data!.actual_value);
    if (values.length > 0) rule.pickList = values;
  }
  return rule;
}

/**
 * Rules for one module from its GET /settings/fields answer (`{ fields: [...] }`, or the bare
 * field array the Zoho client's fetchFields returns), over `defaults`. Malformed entries are
 * ignored field by field: a metadata oddity must not take the seed's limits away. A 204 (no
 * body) yields the defaults.
 */
export function moduleRulesFromMetadata(fieldsResponse: unknown, defaults: ModuleFieldRules = {}): ModuleFieldRules {
  const merged: ModuleFieldRules = {};
  for (const [apiName, rule] of Object.entries(defaults)) merged[apiName] = { ...rule };
  const fields = Array.isArray(fieldsResponse)
    ? fieldsResponse
    : (fieldsResponse as { fields?: unknown } | null | undefined)?.fields;
  if (!Array.isArray(fields)) return merged;
  for (const raw of fields) {
    const parsed = fieldMetadataSchema.safeParse(raw);
    if (!parsed.success) continue;
    const apiName = parsed.data.api_name;
    merged[apiName] = { ...merged[apiName], ...ruleFromMetadata(parsed.data) };
  }
  return merged;
}

/**
 * Rules for every module from the metadata answers the engine has cached, keyed by module api
 * name (`{ Contacts: <GET /settings/fields?module=Contacts body or field array>, Tasks: ... }`),
 * over the seed defaults. Modules without an answer keep their defaults.
 */
export function fieldRulesFromMetadata(
  fieldsResponses: Readonly<Record<string, unknown>>,
  defaults: FieldRules = DEFAULT_FIELD_RULES,
): FieldRules {
  const rules: FieldRules = {};
  for (const module of new Set([...Object.keys(defaults), ...Object.keys(fieldsResponses)])) {
    rules[module] = moduleRulesFromMetadata(fieldsResponses[module], defaults[module]);
  }
  return rules;
}

/** The rule for one field: `rules` over the seed defaults, so a partial `rules` object is safe. */
export function fieldRule(rules: FieldRules | undefined, module: string, apiName: string): FieldRule {
  const base = DEFAULT_FIELD_RULES[module]?.[apiName] ?? {};
  const own = rules?.[module]?.[apiName];
  if (!own) return base;
  const merged: FieldRule = { ...base };
  for (const key of Object.keys(own) as (keyof FieldRule)[]) {
    if (own[key] !== undefined) (merged as Record<string, unknown>)[key] = own[key];
  }
  return merged;
}

/**
 * Outlook text normalised for Zoho: CRLF → LF (Zoho counts each character, and a CR is one more),
 * surrounding whitespace dropped, and empty → null so a value removed in Outlook is cleared.
 */
export function cleanText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value.replace(/\r\n?/g, '\n').trim();
  return text === '' ? null : text;
}

/** Collects a Zoho record and reports which fields had to be shortened. */
export class RecordBuilder {
  readonly record: Record<string, unknown> = {};
  readonly cutFields: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly module: string,
    private readonly rules: FieldRules | undefined,
  ) {}

  /** Cuts `value` to the field's limit; records the field as cut when it was. */
  cut(apiName: string, value: string | null, ruleModule = this.module): string | null {
    if (value === null) return null;
    const max = fieldRule(this.rules, ruleModule, apiName).maxLength;
    if (max === undefined) return value;
    const result = cutToLength(value, max);
    if (result.cut) {
      if (!this.cutFields.includes(apiName)) this.cutFields.push(apiName);
      this.warnings.push(`${apiName}: shortened to ${max} characters`);
    }
    return result.value;
  }

  /** Sets a text field: cleaned, cut to the limit, null when empty (clears it in Zoho). */
  text(apiName: string, value: string | null | undefined): string | null {
    const out = this.cut(apiName, cleanText(value));
    this.record[apiName] = out;
    return out;
  }

  set(apiName: string, value: unknown): void {
    this.record[apiName] = value;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  rule(apiName: string): FieldRule {
    return fieldRule(this.rules, this.module, apiName);
  }
}

/** Pick-list matching ignores case, spaces and punctuation: "Not started" = "not-started" = "NotStarted". */
export function pickKey(value: string): string {
  return value.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Zoho's empty pick-list entry; choosing it would write "no value", never a fallback. */
const NONE_VALUE = '-none-';

export interface PickListChoice {
  value: string | null;
  /** how `value` was found: the preferred value, one of its synonyms, or the org's first value */
  via: 'exact' | 'synonym' | 'fallback' | 'none';
}

/**
 * The org's value for a concept: `candidates[0]` is the preferred (Zoho default) value, the rest
 * synonyms an org may have used instead. With no match the first real value is used, so the write
 * is still valid; the caller warns.
 */
export function choosePickListValue(pickList: readonly string[], candidates: readonly string[]): PickListChoice {
  const byKey = new Map<string, string>();
  for (const value of pickList) {
    const key = pickKey(value);
    if (!byKey.has(key)) byKey.set(key, value);
  }
  for (const [index, candidate] of candidates.entries()) {
    const hit = byKey.get(pickKey(candidate));
    if (hit !== undefined) return { value: hit, via: index === 0 ? 'exact' : 'synonym' };
  }
  const first = pickList.find((v) => v.trim().toLowerCase() !== NONE_VALUE && v.trim() !== '');
  return first === undefined ? { value: null, via: 'none' } : { value: first, via: 'fallback' };
}
