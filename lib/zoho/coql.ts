/**
 * COQL: building safe queries and running them to the last row (coql.json; zoho.md §3).
 *
 * COQL reads the database, not the search index, so it sees a record the moment it exists: it is
 * the lookup used for dedup. Limits that shape this module (zoho.md §3, v7 COQL doc):
 * - `in (...)` takes at most 100 values: longer lists are split into several queries;
 * - LIMIT up to 2,000 rows per call (credits 1/2/3 for ≤200/≤1000/≤2000), OFFSET up to 100,000
 *   rows in total; pages default to 200 rows, the cheapest unit and the size the v8 OAS shows;
 * - more than two conditions must be grouped pairwise: `((a and b) and c)`;
 * - no rows → HTTP 204 with an empty body.
 *
 * String literals: single quotes, with `\` escaping `'` and `\` inside (Kaizen #171 answers this
 * for COQL; zoho.md marks the exact rule [verify], so the double implements the same rule and a
 * sandbox check is still owed before values with quotes are trusted).
 */
import { ZohoInvalidRequestError } from './errors';
import type { ZohoHttp } from './http';
import { parseOrThrow, recordsResponse } from './schemas';
import type { ZohoRecord } from './types';
import { assertModule, chunk } from './records';

export const COQL_MAX_IN_VALUES = 100;
export const COQL_MAX_LIMIT = 2000;
export const COQL_MAX_ROWS = 100_000;
export const COQL_DEFAULT_PAGE = 200;

const FIELD = /^[A-Za-z][A-Za-z0-9_$]*(\.[A-Za-z][A-Za-z0-9_$]*){0,2}$/;

/** A field reference: `Email`, or a lookup path such as `Account_Name.Account_Name`. */
export function coqlField(name: string): string {
  if (!FIELD.test(name)) throw new TypeError('invalid COQL field name');
  return name;
}

/** A quoted, escaped string literal. */
export function coqlString(value: string): string {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) throw new TypeError('control characters are not allowed in COQL literals');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export type CoqlValue = string | number | boolean;

export function coqlValue(value: CoqlValue): string {
  if (typeof value === 'string') return coqlString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('COQL numbers must be finite');
    return String(value);
  }
  return value ? "'true'" : "'false'";
}

/** A condition rendered to COQL; build with the `where` helpers so values are always escaped. */
export interface CoqlCondition {
  readonly sql: string;
}

const cond = (sql: string): CoqlCondition => ({ sql });

/** Joins with `op`, nesting pairwise because Zoho refuses three conditions at one level. */
function combine(op: 'and' | 'or', parts: readonly CoqlCondition[]): CoqlCondition {
  if (parts.length === 0) throw new TypeError(`${op} needs at least one condition`);
  return parts.slice(1).reduce((acc, next) => cond(`(${acc.sql} ${op} ${next.sql})`), parts[0]);
}

export const where = {
  eq: (field: string, value: CoqlValue) => cond(`${coqlField(field)} = ${coqlValue(value)}`),
  ne: (field: string, value: CoqlValue) => cond(`${coqlField(field)} != ${coqlValue(value)}`),
  /** Date-times compare as Zoho's `yyyy-MM-ddTHH:mm:ss±HH:mm` literals. */
  gte: (field: string, value: CoqlValue) => cond(`${coqlField(field)} >= ${coqlValue(value)}`),
  /** At most COQL_MAX_IN_VALUES values; use findByField for longer lists. */
  in: (field: string, values: readonly CoqlValue[]) => {
    if (values.length === 0) throw new TypeError('in needs at least one value');
    if (values.length > COQL_MAX_IN_VALUES) throw new RangeError(`in takes at most ${COQL_MAX_IN_VALUES} values`);
    return cond(`${coqlField(field)} in (${values.map(coqlValue).join(', ')})`);
  },
  /** `like` with the caller's own `%` wildcards. */
  like: (field: string, pattern: string) => cond(`${coqlField(field)} like ${coqlString(pattern)}`),
  isNull: (field: string) => cond(`${coqlField(field)} is null`),
  isNotNull: (field: string) => cond(`${coqlField(field)} is not null`),
  and: (...parts: CoqlCondition[]) => combine('and', parts),
  or: (...parts: CoqlCondition[]) => combine('or', parts),
};

export interface CoqlSelect {
  select: readonly string[];
  from: string;
  /** COQL requires a WHERE clause; use `where.isNotNull('id')` to mean "all". */
  where: CoqlCondition;
  orderBy?: readonly { field: string; direction?: 'asc' | 'desc' }[];
  limit?: number;
  offset?: number;
}

export function buildCoql(q: CoqlSelect): string {
  if (q.select.length === 0) throw new TypeError('select needs at least one field');
  let sql = `select ${q.select.map(coqlField).join(', ')} from ${assertModule(q.from)} where ${q.where.sql}`;
  if (q.orderBy && q.orderBy.length > 0) {
    sql += ` order by ${q.orderBy.map((o) => `${coqlField(o.field)} ${o.direction ?? 'asc'}`).join(', ')}`;
  }
  if (q.limit !== undefined) sql += ` limit ${int(q.limit)}`;
  if (q.offset !== undefined) sql += `${q.limit === undefined ? ` limit ${COQL_DEFAULT_PAGE}` : ''} offset ${int(q.offset)}`;
  return sql;
}

function int(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new TypeError('limit and offset must be non-negative integers');
  return n;
}

const TRAILING_LIMIT = /\s+limit\s+(\d+)(?:\s*,\s*(\d+)|\s+offset\s+(\d+))?\s*$/i;

/**
 * Splits a trailing `limit n`, `limit n offset m` or `limit m, n` (MySQL order: offset first)
 * off a query so pages can be requested with their own LIMIT/OFFSET.
 */
export function splitLimit(query: string): { base: string; limit?: number; offset: number } {
  const m = TRAILING_LIMIT.exec(query);
  if (!m) return { base: query.trim(), offset: 0 };
  const base = query.slice(0, m.index).trim();
  if (m[2] !== undefined) return { base, offset: Number(m[1]), limit: Number(m[2]) };
  return { base, limit: Number(m[1]), offset: m[3] !== undefined ? Number(m[3]) : 0 };
}

/**
 * Runs a query and follows `info.more_records`, rewriting LIMIT/OFFSET per page. A LIMIT in the
 * query caps the total; without one every row is read (up to Zoho's 100,000-row OFFSET ceiling,
 * beyond which this throws instead of returning a silently truncated list). Queries spanning
 * several pages should have an ORDER BY, or rows may shift between pages.
 */
export async function runCoql(http: ZohoHttp, query: string, pageSize = COQL_DEFAULT_PAGE): Promise<ZohoRecord[]> {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > COQL_MAX_LIMIT) throw new RangeError(`page size must be 1..${COQL_MAX_LIMIT}`);
  const { base, limit, offset } = splitLimit(query);
  const wanted = limit ?? Infinity;
  const rows: ZohoRecord[] = [];
  while (rows.length < wanted) {
    const start = offset + rows.length;
    const size = Math.min(pageSize, wanted - rows.length);
    if (start + size > COQL_MAX_ROWS) {
      throw new ZohoInvalidRequestError({
        status: 0,
        code: 'LIMIT_EXCEEDED',
        message: `COQL can read at most ${COQL_MAX_ROWS} rows of one query; narrow the WHERE clause`,
        details: { limit: COQL_MAX_ROWS },
        endpoint: 'POST /crm/v8/coql',
      });
    }
    const res = await http.send({ method: 'POST', path: '/coql', json: { select_query: `${base} limit ${size} offset ${start}` }, heavy: true, idempotent: true });
    if (res.status === 204 || res.body === undefined) break;
    const page = parseOrThrow(recordsResponse, res.body, 'POST /crm/v8/coql', res.status);
    rows.push(...page.data);
    if (page.info?.more_records !== true || page.data.length === 0) break;
  }
  return rows;
}

export interface FindByFieldOptions {
  /** Default: `Created_Time asc, id asc`, so the earliest-created duplicate comes first. */
  orderBy?: readonly { field: string; direction?: 'asc' | 'desc' }[];
  /** Extra condition combined with `and` (e.g. exclude converted leads). */
  and?: CoqlCondition;
  pageSize?: number;
}

/**
 * Every record whose `field` equals one of `values` (COQL compares text case-insensitively), in
 * as few queries as the IN limit allows. Values are deduplicated case-insensitively first; rows
 * are deduplicated by id.
 */
export async function findByField(
  http: ZohoHttp,
  module: string,
  field: string,
  values: readonly string[],
  selectFields: readonly string[],
  opts: FindByFieldOptions = {},
): Promise<ZohoRecord[]> {
  const unique = new Map<string, string>();
  for (const v of values) if (v !== '' && !unique.has(v.toLowerCase())) unique.set(v.toLowerCase(), v);
  const select = [...new Set(selectFields)].filter((f) => f !== 'id');
  const orderBy = opts.orderBy ?? [{ field: 'Created_Time', direction: 'asc' }, { field: 'id', direction: 'asc' }];
  const seen = new Set<string>();
  const rows: ZohoRecord[] = [];
  for (const part of chunk([...unique.values()], COQL_MAX_IN_VALUES)) {
    const inList = where.in(field, part);
    const query = buildCoql({ select: select.length > 0 ? select : ['id'], from: module, where: opts.and ? where.and(inList, opts.and) : inList, orderBy });
    for (const row of await runCoql(http, query, opts.pageSize)) {
      const id = String(row.id);
      if (!seen.has(id)) {
        seen.add(id);
        rows.push(row);
      }
    }
  }
  return rows;
}

/**
 * For each value, the record created first (the dedup rule for contacts sharing an address).
 * Keys are the lower-cased values; values with no record are absent.
 */
export async function earliestByField(
  http: ZohoHttp,
  module: string,
  field: string,
  values: readonly string[],
  selectFields: readonly string[],
  pageSize?: number,
): Promise<Map<string, ZohoRecord>> {
  const rows = await findByField(http, module, field, values, [...new Set([field, 'Created_Time', ...selectFields])], { pageSize });
  const best = new Map<string, ZohoRecord>();
  for (const row of rows) {
    const raw = row[field];
    if (typeof raw !== 'string') continue;
    const key = raw.toLowerCase();
    const current = best.get(key);
    if (!current || createdBefore(row, current)) best.set(key, row);
  }
  return best;
}

/** Whether `a` was created before `b` (Created_Time, then id): the dedup rule's tie-break. */
export function createdBefore(a: ZohoRecord, b: ZohoRecord): boolean {
  const ta = Date.parse(String(a.Created_Time));
  const tb = Date.parse(String(b.Created_Time));
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta < tb;
  // Zoho ids are increasing numbers of equal width; compare as such without BigInt parsing.
  const ia = String(a.id);
  const ib = String(b.id);
  return ia.length !== ib.length ? ia.length < ib.length : ia < ib;
}
