/**
 * The mapped field values last synced, kept on the link row: the base of field-level writes. An
 * update sends only the fields whose Outlook value differs from this snapshot, so a value a CRM user
 * changed in Zoho stays unless the same field changed in Outlook. Values are compact: short text
 * as it is, long text (Description, up to 32,000 characters) and structured values as a hash, so a
 * row stays far inside Table Storage's 64 KiB per property.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../mapping/hash';
import { parseStoredJson } from '../stored-json';
import type { ZohoRecord } from '../zoho/types';

export type Snapshot = Record<string, string>;

/** A field whose last write is in doubt: equal to no value, so the next decision writes it again. */
export const UNKNOWN = '\u0000?';
const SHORT = 64;
const SnapshotJson = z.record(z.string(), z.string());

export function compact(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (Array.isArray(value) && value.length === 0) return '';
  const text = typeof value === 'string' ? value : canonicalJson(value);
  if (text.length <= SHORT && !text.startsWith('#')) return text;
  return `#${createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 22)}`;
}

export function snapshotOf(fields: Record<string, unknown>): Snapshot {
  const out: Snapshot = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = compact(value);
  return out;
}

/** Rows written before snapshots existed (or unreadable ones) have none: undefined. */
export function parseSnapshot(json: string | undefined): Snapshot | undefined {
  return parseStoredJson(SnapshotJson, json);
}

export function serializeSnapshot(snapshot: Snapshot): string {
  return JSON.stringify(snapshot);
}

/** Fields whose Outlook value differs from the snapshot. Fields no longer mapped are left alone. */
export function changedFields(snapshot: Snapshot, fields: Record<string, unknown>): string[] {
  return Object.entries(fields)
    .filter(([key, value]) => value !== undefined && (snapshot[key] ?? '') !== compact(value))
    .map(([key]) => key);
}

/** Empty as Zoho answers it: null, '', an empty list, or a look-up without id. */
export function emptyInZoho(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return !('id' in (value as object)) && Object.keys(value as object).length === 0;
  return false;
}

/** Linking a record that existed before: the fields Outlook has a value for and Zoho has none. */
export function fillableFields(existing: ZohoRecord, fields: Record<string, unknown>): string[] {
  return Object.entries(fields)
    .filter(([key, value]) => compact(value) !== '' && emptyInZoho(existing[key]))
    .map(([key]) => key);
}

/**
 * The write for `keys` out of the resolved record, plus the record's options (`$…`, e.g. no
 * invitations). A field cleared in Outlook is sent as null; one whose look-up found nothing is not
 * sent at all (it would clear Zoho's value for a name Zoho does not know).
 */
export function pickWrite(record: ZohoRecord, fields: Record<string, unknown>, keys: readonly string[]): ZohoRecord {
  const out: ZohoRecord = {};
  for (const key of keys) {
    if (key in record) out[key] = record[key];
    else if (compact(fields[key]) === '') out[key] = null;
  }
  for (const [key, value] of Object.entries(record)) if (key.startsWith('$')) out[key] = value;
  return out;
}

/** The snapshot after a write of `keys`: those fields now hold the Outlook values sent. */
export function withWritten(snapshot: Snapshot, fields: Record<string, unknown>, keys: readonly string[]): Snapshot {
  const out = { ...snapshot };
  for (const key of keys) out[key] = compact(fields[key]);
  return out;
}

/** The snapshot after a write of `keys` whose outcome is unknown: those fields are written again. */
export function withUnknown(snapshot: Snapshot, keys: readonly string[]): Snapshot {
  const out = { ...snapshot };
  for (const key of keys) out[key] = UNKNOWN;
  return out;
}

/**
 * What a create or link attempt sent, stored with its claim before the Zoho call: the dedup values
 * (short fields of the record), the snapshot, and whether it created or linked (and which record).
 */
export interface Attempt {
  record: ZohoRecord;
  snapshot: Snapshot;
  origin: 'created' | 'linked';
  target?: string;
  at: string;
}

const AttemptJson = z.object({
  record: z.record(z.string(), z.unknown()),
  snapshot: SnapshotJson,
  origin: z.enum(['created', 'linked']),
  target: z.string().optional(),
  at: z.string(),
});

/** Dedup rules use short fields only (e-mail, names, subject, times): long text is left out. */
export function attemptOf(record: ZohoRecord, fields: Record<string, unknown>, origin: Attempt['origin'], at: Date, target?: string): Attempt {
  const short: ZohoRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'string' || value.length <= 300) short[key] = value;
  }
  return { record: short, snapshot: snapshotOf(fields), origin, target, at: at.toISOString() };
}

export function parseAttempt(json: string | undefined): Attempt | undefined {
  return parseStoredJson(AttemptJson, json) as Attempt | undefined;
}

/**
 * An update of a linked record in flight: the fields it sends, stored on the link (with the
 * writer's claim token) before the Zoho call. Should the answer be lost, the next attempt marks
 * those fields unknown in the snapshot, so they are written again, whatever Outlook says then.
 */
const UpdateDoubtJson = z.object({ sent: z.array(z.string()), at: z.string() });
type UpdateDoubt = z.infer<typeof UpdateDoubtJson>;

export function updateDoubtOf(sent: readonly string[], at: string): string {
  return JSON.stringify({ sent: [...sent], at } satisfies UpdateDoubt);
}

export function parseUpdateDoubt(json: string | undefined): UpdateDoubt | undefined {
  return parseStoredJson(UpdateDoubtJson, json);
}
