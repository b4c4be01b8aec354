/**
 * SYNC_*_DIRECTION=both on the forward path, for contacts, tasks and events alike: an Outlook
 * change is merged field by field with what Zoho holds now (one read of the record), against the
 * base both sides last agreed on, instead of overwriting Zoho. Fields changed in Outlook only are
 * sent to Zoho; fields changed in Zoho only are patched into Outlook; a field changed on both sides
 * goes by SYNC_CONFLICTS and is reported.
 *
 * The comparison runs on each module's neutral values (lib/mapping/reverse.ts, compact form). The
 * base is the reverse index row's `values` (written by both directions after each sync); a link
 * made before it existed gets one derived from its forward snapshot (derivedBase). The forward
 * changed keys are the forward mapping's field names, which the neutral names match.
 */
import type { ConflictPolicy } from '../config';
import { mergeFields, type FieldConflict } from '../mapping/merge';
import type { Link } from '../state/links';
import type { ZohoRecord } from '../zoho/types';
import { compact, type Snapshot } from './snapshot';

export interface TwoWayPort {
  policy: ConflictPolicy;
  /** Zoho's values now, Outlook's, the base; undefined when Zoho no longer has the record */
  merge(link: Link, item: unknown, changed: readonly string[]): Promise<ForwardMerge | undefined>;
  /**
   * After the Zoho write: Zoho's winners are patched into Outlook and the base moves on. Answers the
   * forward snapshot entries the patch changed, so Graph's notification of it is "unchanged".
   */
  settle(link: Link, item: unknown, merge: ForwardMerge): Promise<Snapshot>;
  /**
   * The reverse index learns a link the forward path made, so Zoho's changes of the record find its
   * item, when the record is the mailbox owner's (the reverse direction's owner rule). `record`: the
   * record as this path knows it, with its Owner (the one sent on a create, the one the duplicate
   * look-up read on a link); another user's record keeps its forward link and gets no row.
   */
  indexLink(link: Link, item?: unknown, record?: ZohoRecord): Promise<void>;
}

export interface ForwardMerge {
  /** Outlook-changed fields to send to Zoho */
  send: string[];
  /** Zoho's values to patch into Outlook */
  toOutlook: Record<string, string | null>;
  conflicts: FieldConflict[];
  /** the base after the writes (compact), for the reverse index */
  base: Snapshot;
}

const compactAll = (values: Record<string, string | null>): Record<string, string> => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, compact(v)]));

/**
 * Pure. `changed`: the fields Outlook changed since the link's snapshot (what the one-way path would
 * send). A field outside the neutral set, or one Outlook only holds a copy of (`readOnly`: event
 * participants listed in the body), keeps the one-way rule (sent when Outlook changed it).
 */
export function forwardMerge(
  base: Snapshot,
  outlook: Record<string, string | null>,
  zoho: Record<string, string | null>,
  changed: readonly string[],
  policy: ConflictPolicy,
  times: { outlook?: string | null; zoho?: string | null },
  readOnly: ReadonlySet<string> = new Set(),
): ForwardMerge {
  const o = compactAll(outlook);
  const z = compactAll(zoho);
  const merged = mergeFields(base, o, z, policy, times);
  const send = changed.filter((k) => readOnly.has(k) || !(k in o) || !(k in z) || k in merged.toZoho);
  const toOutlook = Object.fromEntries(Object.keys(merged.toOutlook).map((k) => [k, zoho[k] ?? null]));
  const next: Snapshot = {};
  for (const [k, v] of Object.entries(merged.snapshot)) next[k] = v ?? '';
  // An Outlook value the forward mapping does not send now is not in Zoho yet: its base stays.
  for (const k of Object.keys(merged.toZoho)) {
    if (send.includes(k)) continue;
    if (k in base) next[k] = base[k];
    else delete next[k];
  }
  return { send, toOutlook, conflicts: merged.conflicts, base: next };
}

/**
 * The base of a link whose reverse index row has no values (made before SYNC_*_DIRECTION included
 * Outlook): a field Outlook did not change since the link's snapshot holds what was last synced, so
 * Outlook's value is the base; a changed one keeps the snapshot's value.
 */
export function derivedBase(snapshot: Snapshot | undefined, outlook: Record<string, string | null>, changed: readonly string[]): Snapshot {
  const out: Snapshot = {};
  if (!snapshot) return out;
  for (const [k, v] of Object.entries(outlook)) {
    if (k in snapshot) out[k] = changed.includes(k) ? snapshot[k] : compact(v);
  }
  return out;
}

export function conflictNotes(conflicts: readonly FieldConflict[]): string[] {
  return conflicts.map((c) => `conflict on ${c.field}: ${c.winner === 'zoho' ? 'Zoho' : 'Outlook'} wins (${c.rule === 'policy' ? 'SYNC_CONFLICTS' : c.rule === 'newest' ? 'the newer edit' : 'a tie goes to Zoho'})`);
}
