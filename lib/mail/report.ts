/**
 * What filing one e-mail did, and how that reads in the sync report: one line per message for the
 * worker, one line per record for the operator actions. Pure.
 */
import type { ItemReport } from '../sync/engine';
import type { LeftOut } from './attachments';
import type { CreateUnknown, DecidedRecipient } from './recipients';

export interface RecordOutcome {
  module: string;
  id: string;
  name?: string;
  /** the address that led to the record; absent for a record the operator chose */
  via?: string;
  /** the sync created the record for this e-mail (now or in an earlier pass) */
  created?: boolean;
  /** attached now; already attached (by us earlier, or Zoho said DUPLICATE_DATA); failed */
  status: 'attached' | 'already' | 'failed';
  code?: string;
  reason?: string;
  /** a failure the next manual resync should retry */
  retryable?: boolean;
}

export interface RecipientOutcome extends DecidedRecipient {
  /** record the address ended up on (a match, or the record created for it) */
  record?: { module: string; id: string };
  /** creating the record failed */
  failure?: { code: string; reason: string; retryable: boolean };
}

export interface FilingOutcome {
  /** the subject, so the admin recognises the e-mail */
  label: string;
  records: RecordOutcome[];
  recipients: RecipientOutcome[];
  attachments: { attached: string[]; leftOut: LeftOut[]; inline: number };
  cutFields: string[];
  notes: string[];
  createUnknown?: CreateUnknown;
  /** the e-mail cannot be filed at all */
  skipReason?: string;
}

export function emptyOutcome(label: string): FilingOutcome {
  return { label, records: [], recipients: [], attachments: { attached: [], leftOut: [], inline: 0 }, cutFields: [], notes: [] };
}

function recordName(r: { module: string; id: string; name?: string }): string {
  return `${r.module} ${r.id}${r.name ? ` (${r.name})` : ''}`;
}

function recordText(r: RecordOutcome): string {
  const created = r.created ? 'created and ' : '';
  switch (r.status) {
    case 'attached':
      return `${created}attached to ${recordName(r)}`;
    case 'already':
      return `${created}already attached to ${recordName(r)}`;
    default:
      return `not attached to ${recordName(r)}: ${r.reason ?? r.code ?? 'failed'}`;
  }
}

/** One line per counterpart address: what happened for it. */
export function recipientText(p: RecipientOutcome, records: readonly RecordOutcome[], createUnknown: CreateUnknown | undefined): string {
  if (p.failure) return `${p.address}: no record, and creating a ${p.decision.kind === 'create' ? p.decision.module.replace(/s$/, '') : 'record'} failed: ${p.failure.reason}`;
  const rec = p.record && records.find((r) => r.module === p.record!.module && r.id === p.record!.id);
  if (rec) return `${p.address}: ${recordText(rec)}`;
  switch (p.decision.kind) {
    case 'self':
      return `${p.address}: the mailbox itself, not captured`;
    case 'internal':
      return `${p.address}: internal address, not captured`;
    case 'excluded':
      return `${p.address}: excluded by MAIL_EXCLUDE`;
    case 'no-record':
      return `${p.address}: no Zoho Contact or Lead${createUnknown ? ` (MAIL_CREATE_UNKNOWN=${createUnknown})` : ''}`;
    default:
      return `${p.address}: not attached`;
  }
}

export function attachmentNotes(o: FilingOutcome): string[] {
  const notes: string[] = [];
  if (o.attachments.attached.length > 0) notes.push(`attachments: ${o.attachments.attached.join(', ')}`);
  for (const l of o.attachments.leftOut) notes.push(`attachment left out: ${l.name}: ${l.why}`);
  if (o.attachments.inline > 0) notes.push(`${o.attachments.inline} inline image(s) left out (part of the body, not attached files)`);
  return notes;
}

/** The worker's line for the message. */
export function toItemReport(o: FilingOutcome): ItemReport {
  if (o.skipReason) return { result: 'skipped', label: o.label, reason: o.skipReason, retryable: false };
  const recipientNotes = o.recipients.filter((p) => p.decision.kind !== 'self').map((p) => recipientText(p, o.records, o.createUnknown));
  const chosen = o.records.filter((r) => r.via === undefined).map((r) => recordText(r));
  const notes = [...chosen, ...recipientNotes, ...attachmentNotes(o), ...o.notes];
  const attached = o.records.filter((r) => r.status === 'attached');
  const already = o.records.filter((r) => r.status === 'already');
  const failed = o.records.filter((r) => r.status === 'failed');
  const createFailures = o.recipients.filter((p) => p.failure);
  const first = attached[0] ?? already[0];
  const base: ItemReport = { result: 'added', label: o.label, notes, cutFields: o.cutFields.length ? [...o.cutFields] : undefined, zohoModule: first?.module, zohoId: first?.id };
  const total = o.records.length + createFailures.length;
  if (failed.length > 0 || createFailures.length > 0) {
    const why = [...failed.map((r) => `${r.module} ${r.id}: ${r.reason ?? r.code}`), ...createFailures.map((p) => `${p.address}: ${p.failure!.reason}`)];
    return {
      ...base,
      result: 'skipped',
      reason: `attached to ${attached.length + already.length} of ${total} records; ${why.join('; ')}`,
      code: failed[0]?.code ?? createFailures[0]?.failure?.code,
      retryable: true,
    };
  }
  if (attached.length > 0) {
    const created = attached.filter((r) => r.created).length;
    return { ...base, reason: `attached to ${attached.length} record(s)${created ? `, ${created} of them created for it` : ''}${already.length ? `; ${already.length} already had it` : ''}` };
  }
  if (already.length > 0) return { ...base, result: 'unchanged', reason: 'already attached to every matching record' };
  return { ...base, result: 'skipped', reason: 'no Zoho record matches any address of the e-mail', retryable: false };
}

export interface RecordLine extends Omit<ItemReport, 'retryable'> {
  /** what the line is about, appended to the message id to form the report's item id */
  subject: string;
}

/** The operator actions' answer: one line per record, and per address that found none. */
export function recordLines(o: FilingOutcome): RecordLine[] {
  if (o.skipReason) return [{ subject: 'message', result: 'skipped', label: o.label, reason: o.skipReason }];
  const extra = [...attachmentNotes(o), ...o.notes];
  const lines: RecordLine[] = o.records.map((r) => ({
    subject: `${r.module}/${r.id}`,
    result: r.status === 'attached' ? 'added' : r.status === 'already' ? 'unchanged' : 'skipped',
    label: o.label,
    reason: recordText(r) + (r.via ? ` (via ${r.via})` : ''),
    code: r.code,
    zohoModule: r.module,
    zohoId: r.id,
    cutFields: r.status === 'attached' && o.cutFields.length ? [...o.cutFields] : undefined,
    notes: r.status === 'failed' ? undefined : extra.length ? extra : undefined,
  }));
  for (const p of o.recipients) {
    if (p.record && !p.failure) continue;
    if (p.decision.kind === 'self') continue;
    lines.push({ subject: p.address, result: 'skipped', label: o.label, reason: recipientText(p, o.records, o.createUnknown), code: p.failure?.code });
  }
  if (lines.length === 0) lines.push({ subject: 'message', result: 'skipped', label: o.label, reason: 'no Zoho record matches any address of the e-mail' });
  return lines;
}
