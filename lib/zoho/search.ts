/**
 * Search Records (GET /{module}/search; zoho.md §3). The search index lags writes and its
 * `equals` is a tokenised, contains-like match, so this is for the "search and add" UI, never for
 * dedup (use COQL). No match is HTTP 204 with an empty body.
 */
import type { ZohoHttp } from './http';
import { assertModule } from './records';
import { parseOrThrow, recordsResponse } from './schemas';
import type { ZohoRecord } from './types';

export interface ZohoSearchQuery {
  /** Every e-mail field of the module. */
  email?: string;
  /** Every phone field of the module. */
  phone?: string;
  /** Global text search, at least 2 characters. */
  word?: string;
  /** `(Field:operator:value)` groups; build values with searchValue(). */
  criteria?: string;
  fields?: readonly string[];
}

/** Zoho stops at 2,000 results per search (LIMIT_REACHED beyond). */
export const SEARCH_MAX_RESULTS = 2000;
const PER_PAGE = 200;

/**
 * Escapes a value for `criteria` (zoho.md §3): `(`, `)` and `,` get a backslash, and so does every
 * backslash. Zoho documents only the trailing one, but a typed `x\)` escaped as `x\\)` reads as an
 * escaped backslash and a closing bracket (the criterion ends early); doubling every backslash
 * reads back the same under Zoho's rule, where a backslash before any other character is literal.
 * `:` and `'` need nothing: the value runs from the second `:` to the closing bracket. URL
 * encoding is done by the client.
 */
export function searchValue(value: string): string {
  return value.replace(/[\\(),]/g, (c) => `\\${c}`);
}

export function searchCriterion(field: string, operator: 'equals' | 'not_equal' | 'starts_with' | 'in', value: string | readonly string[]): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(field)) throw new TypeError('invalid field name');
  const rendered = typeof value === 'string' ? searchValue(value) : value.map(searchValue).join(',');
  return `(${field}:${operator}:${rendered})`;
}

export async function searchRecords(http: ZohoHttp, module: string, q: ZohoSearchQuery, maxResults = PER_PAGE): Promise<ZohoRecord[]> {
  const given = [q.email, q.phone, q.word, q.criteria].filter((v) => v !== undefined);
  if (given.length !== 1) throw new TypeError('search takes exactly one of email, phone, word, criteria');
  if (q.word !== undefined && q.word.length < 2) throw new TypeError('word search needs at least 2 characters');
  const path = `/${assertModule(module)}/search`;
  const cap = Math.min(maxResults, SEARCH_MAX_RESULTS);
  const rows: ZohoRecord[] = [];
  for (let page = 1; rows.length < cap; page += 1) {
    const res = await http.send({
      method: 'GET',
      path,
      query: { email: q.email, phone: q.phone, word: q.word, criteria: q.criteria, fields: q.fields?.join(','), page, per_page: PER_PAGE },
    });
    if (res.status === 204 || res.body === undefined) break;
    const answer = parseOrThrow(recordsResponse, res.body, `GET /crm/v8${path}`, res.status);
    rows.push(...answer.data);
    if (answer.info?.more_records !== true || answer.data.length === 0) break;
  }
  return rows.slice(0, cap);
}
