/**
 * Person names that match in every name format (SPEC §2.1 duplicate rule, seed: 同じ氏名).
 *
 * Zoho composes `Full_Name` from First_Name and Last_Name in the org's name format and locale: a
 * Western org shows "First Last", a Japanese one "Last First". Outlook in turn may hold a Japanese
 * name with the parts swapped, or the whole name in one field (display name only). A match on a
 * composed `Full_Name` string therefore fails for exactly the seed's users and creates duplicates.
 * Names are matched on First_Name and Last_Name separately instead, trying each reading of the
 * Outlook name: as given, swapped, and — for a name held in one field — split at each space in
 * both orders. Pure: no I/O.
 */
import { where, type CoqlCondition } from '../zoho/coql';
import { cleanText } from './fields';

/** One reading of a person's name as Zoho would store it. Zoho requires Last_Name. */
export interface NamePair {
  first: string | null;
  last: string;
}

/** Readings tried per name: enough for "given middle family" in both orders, bounded for COQL. */
const MAX_CANDIDATES = 9;

/** Trimmed, inner whitespace (ideographic space included) collapsed to one space; null when empty. */
export function normaliseName(value: unknown): string | null {
  const text = typeof value === 'string' ? cleanText(value) : null;
  return text === null ? null : text.replace(/\s+/g, ' ');
}

function pairKey(p: NamePair): string {
  return `${(p.first ?? '').toLowerCase()}\u0000${p.last.toLowerCase()}`;
}

/**
 * Every reading of (first, last) that names the same person in some name format, the given one
 * first. Empty when there is no name at all.
 */
export function nameCandidates(firstName: unknown, lastName: unknown): NamePair[] {
  let first = normaliseName(firstName);
  let last = normaliseName(lastName);
  if (last === null) [first, last] = [null, first];
  if (last === null) return [];
  const out = new Map<string, NamePair>();
  const add = (f: string | null, l: string) => {
    const pair = { first: f, last: l };
    if (out.size < MAX_CANDIDATES && !out.has(pairKey(pair))) out.set(pairKey(pair), pair);
  };
  add(first, last);
  if (first !== null) {
    add(last, first);
    add(null, `${first} ${last}`);
    add(null, `${last} ${first}`);
  } else {
    const parts = last.split(' ');
    for (let i = 1; i < parts.length; i++) {
      const head = parts.slice(0, i).join(' ');
      const tail = parts.slice(i).join(' ');
      add(head, tail);
      add(tail, head);
    }
  }
  return [...out.values()];
}

/** Whether a Zoho row's First_Name / Last_Name is one of the readings (case-insensitive). */
export function nameMatches(row: { First_Name?: unknown; Last_Name?: unknown }, candidates: readonly NamePair[]): boolean {
  const key = pairKey({ first: normaliseName(row.First_Name), last: normaliseName(row.Last_Name) ?? '' });
  return candidates.some((c) => pairKey(c) === key);
}

/**
 * The same person regardless of order and split: the name's words, lower-cased and sorted. Items
 * sharing it may be one Zoho record, so a bulk run writes them one at a time.
 */
export function nameIdentity(firstName: unknown, lastName: unknown): string {
  return [normaliseName(firstName), normaliseName(lastName)]
    .filter((s): s is string => s !== null)
    .join(' ')
    .toLowerCase()
    .split(' ')
    .sort()
    .join(' ');
}

/** COQL for "First_Name and Last_Name are one of the readings" (pairs nested as Zoho requires). */
export function nameCondition(candidates: readonly NamePair[]): CoqlCondition {
  if (candidates.length === 0) throw new TypeError('a name condition needs at least one reading');
  return where.or(
    ...candidates.map((c) => where.and(c.first === null ? where.isNull('First_Name') : where.eq('First_Name', c.first), where.eq('Last_Name', c.last))),
  );
}
