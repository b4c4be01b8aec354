/**
 * "Add the e-mail as a Case" (SPEC §3.1), the pure part: the operator's status checked against the
 * org's pick list, and the Case record. Values written (SPEC §3.1, zoho.md §4 Cases): Subject,
 * body → Description, sender address → Email, the contact → Related_To ("Contact Name"), the
 * chosen Status, Case_Origin = Email.
 */
import type { GraphMessage } from '../graph/resources/message';
import { choosePickListValue, RecordBuilder, type FieldRules } from '../mapping/fields';
import { bodyToText } from '../mapping/text';
import type { ZohoField, ZohoRecord } from '../zoho/types';

export const CASES_MODULE = 'Cases';
/** Zoho's default Case statuses, for an org whose metadata carries no pick list. */
export const DEFAULT_CASE_STATUSES = ['New', 'On Hold', 'Escalated', 'Closed'];

/** Pick-list values offered for new data: not "unused", not the empty "-None-". */
export function offeredValues(field: ZohoField | undefined): { actual: string; display: string }[] {
  return (field?.pick_list_values ?? [])
    .filter((v) => v.type !== 'unused' && v.actual_value.trim() !== '' && v.actual_value.trim().toLowerCase() !== '-none-')
    .map((v) => ({ actual: v.actual_value, display: v.display_value }));
}

export type StatusChoice = { ok: true; value: string } | { ok: false; valid: string[] };

/**
 * The org's value for the status the operator chose, by actual or display value, ignoring case
 * and surrounding spaces (an add-in may show display values).
 */
export function chooseCaseStatus(statusField: ZohoField | undefined, wanted: string): StatusChoice {
  const offered = offeredValues(statusField);
  return chooseOffered(offered.length > 0 ? offered : DEFAULT_CASE_STATUSES.map((v) => ({ actual: v, display: v })), wanted);
}

/** One of a pick list's values by actual or display value, ignoring case and surrounding spaces. */
export function chooseOffered(values: readonly { actual: string; display: string }[], wanted: string): StatusChoice {
  const key = wanted.trim().toLowerCase();
  const hit = values.find((v) => v.actual.toLowerCase() === key) ?? values.find((v) => v.display.toLowerCase() === key);
  return hit ? { ok: true, value: hit.actual } : { ok: false, valid: values.map((v) => v.actual) };
}

export interface CaseInput {
  message: Pick<GraphMessage, 'subject' | 'body'>;
  sender: string;
  contactId: string;
  status: string;
  /** the Case_Origin field's metadata, to write the org's own value for "Email" */
  originField?: ZohoField;
  rules?: FieldRules;
  ownerId?: string;
}

export interface CaseRecord {
  record: ZohoRecord;
  cutFields: string[];
  notes: string[];
}

export function buildCaseRecord(input: CaseInput): CaseRecord {
  const b = new RecordBuilder(CASES_MODULE, input.rules);
  const subject = (input.message.subject ?? '').replace(/\r?\n/g, ' ').trim();
  b.set('Subject', b.cut('Subject', subject || '(no subject)'));
  b.set('Email', input.sender);
  b.set('Related_To', { id: input.contactId });
  b.set('Status', input.status);
  const description = bodyToText(input.message.body);
  if (description) b.set('Description', b.cut('Description', description));

  const origins = offeredValues(input.originField).map((v) => v.actual);
  if (origins.length === 0) {
    b.set('Case_Origin', 'Email');
  } else {
    const choice = choosePickListValue(origins, ['Email', 'E-mail', 'Mail']);
    b.set('Case_Origin', choice.value ?? 'Email');
    if (choice.via === 'fallback') b.warn(`Case_Origin: the org has no "Email" origin; used "${choice.value}"`);
  }
  if (input.ownerId) b.set('Owner', { id: input.ownerId });
  return { record: b.record, cutFields: b.cutFields, notes: b.warnings };
}
