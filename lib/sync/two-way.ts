/**
 * SYNC_*_DIRECTION=both on the forward path: an Outlook change is merged field by field with what
 * Zoho holds now (one read of the record), against the link's snapshot, instead of overwriting
 * Zoho. Fields changed in Outlook only are sent to Zoho; fields changed in Zoho only are patched
 * into Outlook; a field changed on both sides goes by SYNC_CONFLICTS and is reported.
 *
 * The comparison runs on the neutral values of lib/mapping/reverse.ts in the snapshot's compact
 * form. For contacts they are keyed exactly like the forward fields (Zoho API names, look-ups by
 * name), so the link's snapshot is their base.
 */
import type { ConflictPolicy } from '../config';
import { mergeFields, type FieldConflict } from '../mapping/merge';
import type { Link } from '../state/links';
import { compact, type Snapshot } from './snapshot';

export interface TwoWayPort {
  policy: ConflictPolicy;
  /** the linked record's neutral values and Modified_Time; undefined when Zoho no longer has it */
  readZoho(zohoId: string): Promise<{ values: Record<string, string | null>; modifiedTime?: string } | undefined>;
  /** the Outlook item's neutral values and lastModifiedDateTime */
  outlookValues(item: unknown): Promise<{ values: Record<string, string | null>; modifiedTime?: string | null }>;
  /** PATCH the Outlook item with Zoho's values of these fields */
  patchOutlook(link: Link, item: unknown, values: Record<string, string | null>): Promise<void>;
  /** the reverse index learns a link the forward path made, so Zoho's changes of the record find its item */
  indexLink(link: Link): Promise<void>;
}

export interface ForwardMerge {
  /** Outlook-changed fields to send to Zoho */
  send: string[];
  /** Zoho's values to patch into Outlook */
  toOutlook: Record<string, string | null>;
  conflicts: FieldConflict[];
  /** fields both sides now agree on (compact), for the snapshot */
  agreed: Snapshot;
}

const compactAll = (values: Record<string, string | null>): Record<string, string> => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, compact(v)]));

/**
 * Pure. `changed`: the fields Outlook changed since the snapshot (what the one-way path would send).
 * A field outside the neutral set keeps the one-way rule (sent when Outlook changed it).
 */
export function forwardMerge(
  snapshot: Snapshot,
  outlook: Record<string, string | null>,
  zoho: Record<string, string | null>,
  changed: readonly string[],
  policy: ConflictPolicy,
  times: { outlook?: string | null; zoho?: string | null },
): ForwardMerge {
  const o = compactAll(outlook);
  const z = compactAll(zoho);
  const merged = mergeFields(snapshot, o, z, policy, times);
  const send = changed.filter((k) => !(k in o) || !(k in z) || k in merged.toZoho);
  const toOutlook = Object.fromEntries(Object.keys(merged.toOutlook).map((k) => [k, zoho[k] ?? null]));
  const agreed: Snapshot = {};
  for (const k of Object.keys(o)) if (k in z && o[k] === z[k]) agreed[k] = o[k];
  for (const k of Object.keys(merged.toOutlook)) agreed[k] = z[k];
  return { send, toOutlook, conflicts: merged.conflicts, agreed };
}

export function conflictNotes(conflicts: readonly FieldConflict[]): string[] {
  return conflicts.map((c) => `conflict on ${c.field}: ${c.winner === 'zoho' ? 'Zoho' : 'Outlook'} wins (${c.rule === 'policy' ? 'SYNC_CONFLICTS' : c.rule === 'newest' ? 'the newer edit' : 'a tie goes to Zoho'})`);
}
