/**
 * An Outlook create whose answer was lost (a 5xx or timeout after Graph may have made the item):
 * the claim on the reverse index row carries what the create sends before the call, and the next
 * attempt looks for that item by the seed's duplicate key from what was sent, not from the record
 * as it is now. An item carrying the sync's category and made after the attempt began is the one
 * the attempt created: it is linked as created (so a Zoho delete still removes it), never as an
 * item the person had, and never created a second time. Pure.
 */
import { z } from 'zod';
import { parseStoredJson } from '../stored-json';

/** Outlook's createdDateTime and our clock may differ by this much. */
const CLOCK_SKEW_MS = 2 * 60_000;
/** Dedup keys use short fields only (e-mail, names, subject, times): long text is left out. */
const SHORT = 300;

export interface ReverseAttempt {
  /** the record's short fields the create was made from (its dedup key's source) */
  record: Record<string, unknown>;
  /** SYNC_CATEGORY, which every item the sync creates carries */
  category: string;
  at: string;
  /** the mailbox the item was created in */
  userId?: string;
}

const AttemptJson = z.object({ record: z.record(z.string(), z.unknown()), category: z.string(), at: z.string(), userId: z.string().optional() });

export function reverseAttempt(record: Record<string, unknown>, category: string, at: Date, userId?: string): string {
  const short: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if ((typeof value === 'string' && value.length <= SHORT) || typeof value === 'boolean' || typeof value === 'number') short[key] = value;
  }
  return JSON.stringify({ record: short, category, at: at.toISOString(), userId } satisfies ReverseAttempt);
}

export function parseReverseAttempt(json: string | undefined): ReverseAttempt | undefined {
  return parseStoredJson(AttemptJson, json);
}

/** Whether an Outlook item found by the attempt's duplicate key is the one that attempt created. */
export function createdByAttempt(item: { categories?: readonly (string | null)[] | null; createdDateTime?: string | null }, attempt: ReverseAttempt): boolean {
  const wanted = attempt.category.trim().toLowerCase();
  const tagged = (item.categories ?? []).some((c) => c?.trim().toLowerCase() === wanted);
  const created = Date.parse(item.createdDateTime ?? '');
  return tagged && !Number.isNaN(created) && created >= Date.parse(attempt.at) - CLOCK_SKEW_MS;
}
