/**
 * Three-way field merge for two-way sync (SYNC_*_DIRECTION=both), against the snapshot of mapped
 * values stored on the link at the last sync.
 *
 * Values are compared in one neutral form per module (Zoho API names as keys, normalised text as
 * values; see the `*Values` functions of the reverse mappings), so "changed" means changed in
 * meaning, not in formatting. A key absent on one side means "unknown" there (e.g. Outlook's
 * extended properties were not read): that field neither flows nor conflicts, and the snapshot
 * keeps its old value. `null` is a real value: the field is empty.
 *
 * - changed on one side only → flows to the other side (a clear flows as null);
 * - changed on both sides to the same value → nothing to write;
 * - changed on both sides differently → a conflict, decided by SYNC_CONFLICTS and reported.
 *
 * Pure: no I/O, no clock.
 */
import type { ConflictPolicy } from '../config';
import { instantFromIso } from './timezones';

/** Neutral field values: key → normalised text, or null for an empty field. */
export type FieldValues = Readonly<Record<string, string | null>>;

export type Side = 'outlook' | 'zoho';

export interface FieldConflict {
  field: string;
  winner: Side;
  /** why the winner won, for the report line */
  rule: 'newest' | 'policy' | 'tie';
}

export interface MergeTimes {
  /** Graph lastModifiedDateTime of the Outlook item */
  outlook?: string | null;
  /** Zoho Modified_Time of the record */
  zoho?: string | null;
}

export interface MergeResult {
  /** fields to write to Outlook (null clears) */
  toOutlook: Record<string, string | null>;
  /** fields to write to Zoho (null clears) */
  toZoho: Record<string, string | null>;
  conflicts: FieldConflict[];
  /** what both sides hold after the writes: the link's next snapshot */
  snapshot: Record<string, string | null>;
}

/**
 * When both times are known and differ, `newest` picks the later edit. A tie or an unknown time
 * goes to Zoho: the CRM is the record the whole team shares, Outlook one person's copy.
 */
function conflictWinner(policy: ConflictPolicy, times: MergeTimes): { winner: Side; rule: FieldConflict['rule'] } {
  if (policy !== 'newest') return { winner: policy, rule: 'policy' };
  const o = instantFromIso(times.outlook ?? undefined) ?? parseLoose(times.outlook);
  const z = instantFromIso(times.zoho ?? undefined) ?? parseLoose(times.zoho);
  if (o === undefined || z === undefined || o === z) return { winner: 'zoho', rule: 'tie' };
  return { winner: o > z ? 'outlook' : 'zoho', rule: 'newest' };
}

/** Graph writes `2026-01-02T03:04:05.1234567Z`; instantFromIso takes it, Date.parse is the fallback. */
function parseLoose(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** '' (the compact form of an empty value) and a field the base never had are empty, like null. */
const empty = (value: string | null | undefined): string | null => (value === undefined || value === '' ? null : value);

export function mergeFields(
  snapshot: FieldValues | undefined,
  outlook: FieldValues,
  zoho: FieldValues,
  policy: ConflictPolicy,
  times: MergeTimes = {},
): MergeResult {
  const result: MergeResult = { toOutlook: {}, toZoho: {}, conflicts: [], snapshot: { ...snapshot } };
  const fields = [...new Set([...Object.keys(outlook), ...Object.keys(zoho)])].sort();
  for (const field of fields) {
    if (!(field in outlook) || !(field in zoho)) continue;
    const o = empty(outlook[field]);
    const z = empty(zoho[field]);
    const s = empty(snapshot?.[field]);
    if (o === z) {
      result.snapshot[field] = o;
      continue;
    }
    const outlookChanged = o !== s;
    const zohoChanged = z !== s;
    if (outlookChanged && !zohoChanged) {
      result.toZoho[field] = o;
      result.snapshot[field] = o;
    } else if (zohoChanged && !outlookChanged) {
      result.toOutlook[field] = z;
      result.snapshot[field] = z;
    } else {
      const { winner, rule } = conflictWinner(policy, times);
      result.conflicts.push({ field, winner, rule });
      if (winner === 'outlook') result.toZoho[field] = o;
      else result.toOutlook[field] = z;
      result.snapshot[field] = winner === 'outlook' ? o : z;
    }
  }
  return result;
}

/**
 * Linking an existing Outlook item to a Zoho record (Zoho → Outlook, first sight): Zoho's values
 * fill and correct the item, but a field Zoho has empty never clears what the person entered in
 * Outlook — the mirror of the forward rule that the sync never destroys data a person entered.
 */
export function linkPatch(outlook: FieldValues, zoho: FieldValues): Record<string, string> {
  const patch: Record<string, string> = {};
  for (const [field, value] of Object.entries(zoho)) {
    if (value === null) continue;
    if (value !== (outlook[field] ?? null)) patch[field] = value;
  }
  return patch;
}

