/**
 * POST /crm/v8/coql: a parser and evaluator for the COQL subset the sync uses (coql.json; the v7
 * COQL doc; zoho.md §3):
 *
 *   select f1, f2 [as 'alias'] from Module where <cond>
 *     [order by f [asc|desc], ...] [limit n | limit n offset m | limit m, n]
 *
 * Conditions: `=`, `!=`, `<`, `<=`, `>`, `>=`, `in (...)`, `not in`, `like '%x%'`, `not like`,
 * `is null`, `is not null`, `between a and b`, `and`/`or` with parentheses. Lookup paths such as
 * `Account_Name.Account_Name` or `Owner.email` join (at most two joins).
 *
 * Zoho's rules that are enforced: WHERE is required; more than two conditions at one level are a
 * SYNTAX_ERROR (group them pairwise); LIMIT ≤ 2,000 (default 200); OFFSET + LIMIT ≤ 100,000;
 * `in` ≤ 100 values; ORDER BY ≤ 10 fields; no duplicate columns (DUPLICATE_DATA); unknown columns
 * are INVALID_QUERY. Text comparisons (=, !=, in, like) ignore case, as Zoho's do for e-mail and
 * text fields. String literals are single- or double-quoted; `\` escapes the next character.
 * `limit m, n` is read MySQL-style as offset m, count n.
 */
import type { FieldSpec } from './field-defs';
import { errors, json, noContent, zohoError, type Reply } from './respond';
import type { DoubleState, StoredRecord } from './state';

export const COQL_LIMITS = { maxLimit: 2000, defaultLimit: 200, maxRows: 100_000, maxIn: 100, maxSelect: 500, maxOrderBy: 10, maxJoins: 2 };

export class CoqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

type TokKind = 'ident' | 'string' | 'number' | 'punct' | 'kw' | 'eof';
interface Tok {
  kind: TokKind;
  value: string;
  pos: number;
}

const KEYWORDS = new Set(['select', 'from', 'where', 'and', 'or', 'not', 'in', 'like', 'is', 'null', 'between', 'order', 'by', 'asc', 'desc', 'limit', 'offset', 'as', 'group', 'true', 'false']);
const PUNCT = ['!=', '<>', '<=', '>=', '(', ')', ',', '=', '<', '>', '*'];

export type Literal = string | number | boolean;

export type Cond =
  | { kind: 'and' | 'or'; left: Cond; right: Cond }
  | { kind: 'cmp'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal }
  | { kind: 'in'; field: string; values: Literal[]; not: boolean }
  | { kind: 'like'; field: string; pattern: string; not: boolean }
  | { kind: 'null'; field: string; not: boolean }
  | { kind: 'between'; field: string; low: Literal; high: Literal; not: boolean };

export interface CoqlQuery {
  columns: { field: string; alias?: string }[];
  module: string;
  where: Cond;
  orderBy: { field: string; desc: boolean }[];
  limit?: number;
  offset?: number;
}

function syntax(tok: Tok | undefined, clause?: string): CoqlError {
  if (clause) return new CoqlError('SYNTAX_ERROR', 'invalid query formed', { clause });
  return new CoqlError('SYNTAX_ERROR', 'invalid query formed', { line: 1, column: (tok?.pos ?? 0) + 1, near: tok?.value ?? '' });
}

export function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw syntax({ kind: 'string', value: text.slice(i, i + 20), pos: i });
        const ch = text[j];
        if (ch === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
        } else if (ch === c) {
          j += 1;
          break;
        } else {
          value += ch;
          j += 1;
        }
      }
      toks.push({ kind: 'string', value, pos: i });
      i = j;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num && (c !== '-' || /\d/.test(text[i + 1] ?? ''))) {
      toks.push({ kind: 'number', value: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*/.exec(text.slice(i));
    if (ident) {
      const lower = ident[0].toLowerCase();
      toks.push({ kind: KEYWORDS.has(lower) ? 'kw' : 'ident', value: KEYWORDS.has(lower) ? lower : ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const p = PUNCT.find((s) => text.startsWith(s, i));
    if (!p) throw syntax({ kind: 'punct', value: c, pos: i });
    toks.push({ kind: 'punct', value: p === '<>' ? '!=' : p, pos: i });
    i += p.length;
  }
  toks.push({ kind: 'eof', value: '', pos: text.length });
  return toks;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i += 1;
    return t;
  }
  private isKw(value: string): boolean {
    const t = this.peek();
    return t.kind === 'kw' && t.value === value;
  }
  private isPunct(value: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === value;
  }
  private expectKw(value: string, clause?: string): void {
    if (!this.isKw(value)) throw syntax(this.peek(), clause);
    this.next();
  }
  private expectPunct(value: string): void {
    if (!this.isPunct(value)) throw syntax(this.peek());
    this.next();
  }

  query(): CoqlQuery {
    this.expectKw('select', 'select');
    const columns: CoqlQuery['columns'] = [];
    do {
      const field = this.fieldName();
      let alias: string | undefined;
      if (this.isKw('as')) {
        this.next();
        const t = this.next();
        if (t.kind !== 'ident' && t.kind !== 'string') throw syntax(t);
        alias = t.value;
        if (alias === '') throw new CoqlError('INVALID_ALIAS', 'invalid alias', { alias });
      }
      columns.push({ field, alias });
    } while (this.isPunct(',') && this.next());
    this.expectKw('from', 'from');
    const m = this.next();
    if (m.kind !== 'ident') throw syntax(m);
    if (!this.isKw('where')) throw syntax(this.peek(), 'where');
    this.next();
    const where = this.condition();
    const orderBy: CoqlQuery['orderBy'] = [];
    if (this.isKw('group')) throw syntax(this.peek());
    if (this.isKw('order')) {
      this.next();
      this.expectKw('by');
      do {
        const field = this.fieldName();
        let desc = false;
        if (this.isKw('asc') || this.isKw('desc')) desc = this.next().value === 'desc';
        orderBy.push({ field, desc });
      } while (this.isPunct(',') && this.next());
    }
    let limit: number | undefined;
    let offset: number | undefined;
    if (this.isKw('limit')) {
      this.next();
      const first = this.integer();
      if (this.isPunct(',')) {
        this.next();
        offset = first;
        limit = this.integer();
      } else {
        limit = first;
        if (this.isKw('offset')) {
          this.next();
          offset = this.integer();
        }
      }
    }
    if (this.peek().kind !== 'eof') throw syntax(this.peek());
    return { columns, module: m.value, where, orderBy, limit, offset };
  }

  private integer(): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) throw syntax(t);
    return Number(t.value);
  }

  private fieldName(): string {
    const t = this.next();
    if (t.kind === 'ident' || (t.kind === 'string' && t.value !== '')) return t.value;
    throw syntax(t);
  }

  /** term [and|or term] — a third operand at the same level is refused, as Zoho does. */
  private condition(): Cond {
    const left = this.term();
    if (this.isKw('and') || this.isKw('or')) {
      const op = this.next().value as 'and' | 'or';
      const right = this.term();
      if (this.isKw('and') || this.isKw('or')) throw syntax(this.peek());
      return { kind: op, left, right };
    }
    return left;
  }

  private term(): Cond {
    if (this.isPunct('(')) {
      this.next();
      const c = this.condition();
      this.expectPunct(')');
      return c;
    }
    return this.predicate();
  }

  private predicate(): Cond {
    const field = this.fieldName();
    if (this.isKw('is')) {
      this.next();
      const not = this.isKw('not') ? (this.next(), true) : false;
      this.expectKw('null');
      return { kind: 'null', field, not };
    }
    const not = this.isKw('not') ? (this.next(), true) : false;
    if (this.isKw('in')) {
      this.next();
      this.expectPunct('(');
      const values: Literal[] = [];
      do values.push(this.literal());
      while (this.isPunct(',') && this.next());
      this.expectPunct(')');
      return { kind: 'in', field, values, not };
    }
    if (this.isKw('like')) {
      this.next();
      const t = this.next();
      if (t.kind !== 'string') throw syntax(t);
      return { kind: 'like', field, pattern: t.value, not };
    }
    if (this.isKw('between')) {
      this.next();
      const low = this.literal();
      this.expectKw('and');
      const high = this.literal();
      return { kind: 'between', field, low, high, not };
    }
    if (not) throw syntax(this.peek());
    const op = this.next();
    if (op.kind !== 'punct' || !['=', '!=', '<', '<=', '>', '>='].includes(op.value)) throw syntax(op);
    return { kind: 'cmp', field, op: op.value as '=', value: this.literal() };
  }

  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'string') return t.value;
    if (t.kind === 'number') return Number(t.value);
    if (t.kind === 'kw' && (t.value === 'true' || t.value === 'false')) return t.value === 'true';
    // Zoho's own samples compare pick lists with bare words (Lead_Source = Advertisement).
    if (t.kind === 'ident') return t.value;
    throw syntax(t);
  }
}

export function parseCoql(text: string): CoqlQuery {
  return new Parser(tokenize(text)).query();
}

// ---------------------------------------------------------------- evaluation

type Kind = 'id' | 'text' | 'number' | 'date' | 'datetime' | 'boolean' | 'lookup' | 'user' | 'unsupported';

interface Resolved {
  kind: Kind;
  spec?: FieldSpec;
  raw: unknown;
}

const USER_FIELDS: Record<string, Kind> = { id: 'id', email: 'text', full_name: 'text', first_name: 'text', last_name: 'text', status: 'text' };

function kindOf(spec: FieldSpec): Kind {
  switch (spec.type) {
    case 'text': case 'textarea': case 'email': case 'phone': case 'website': case 'picklist': case 'autonumber':
      return 'text';
    case 'integer': case 'currency':
      return 'number';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'boolean':
      return 'boolean';
    case 'lookup':
      return 'lookup';
    case 'ownerlookup':
      return 'user';
    default:
      return 'unsupported';
  }
}

/** Checks a path against metadata without a record; returns the final kind. */
function plan(state: DoubleState, module: string, path: string): Kind {
  const parts = path.split('.');
  if (parts.length - 1 > COQL_LIMITS.maxJoins) throw new CoqlError('LIMIT_EXCEEDED', 'limit exceeded', { clause: 'join', limit: COQL_LIMITS.maxJoins });
  let current: string | 'users' = module;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    const last = i === parts.length - 1;
    if (current === 'users') {
      const k = USER_FIELDS[part];
      if (!k || !last) throw invalidColumn(path);
      return k;
    }
    if (part === 'id') {
      if (!last) throw invalidColumn(path);
      return 'id';
    }
    const spec = state.spec(current, part);
    if (!spec) throw invalidColumn(path);
    const kind = kindOf(spec);
    if (last) return kind;
    if (kind === 'user') current = 'users';
    else if (kind === 'lookup' && spec.lookup) current = spec.lookup;
    else throw invalidColumn(path);
  }
  throw invalidColumn(path);
}

function invalidColumn(path: string): CoqlError {
  return new CoqlError('INVALID_QUERY', 'column given seems to be invalid', { column_name: path });
}

function resolve(state: DoubleState, module: string, rec: StoredRecord | undefined, path: string): Resolved {
  const parts = path.split('.');
  let current: string | 'users' = module;
  let obj: Record<string, unknown> | undefined = rec;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    const last = i === parts.length - 1;
    if (current === 'users') return { kind: USER_FIELDS[part] ?? 'unsupported', raw: obj?.[part] };
    if (part === 'id') return { kind: 'id', raw: obj?.id };
    const spec = state.spec(current, part)!;
    const kind = kindOf(spec);
    const raw = obj?.[part];
    if (last) return { kind, spec, raw };
    const id = raw && typeof raw === 'object' ? (raw as { id?: string }).id : undefined;
    if (kind === 'user') {
      current = 'users';
      obj = id ? state.user(id) : undefined;
    } else {
      current = spec.lookup!;
      obj = id ? state.get(current, id) : undefined;
    }
  }
  return { kind: 'unsupported', raw: undefined };
}

function isNull(r: Resolved): boolean {
  return r.raw === undefined || r.raw === null || r.raw === '' || (Array.isArray(r.raw) && r.raw.length === 0);
}

/** The comparable form of a stored value. */
function comparable(r: Resolved): string | number | boolean | undefined {
  if (isNull(r)) return undefined;
  switch (r.kind) {
    case 'lookup': case 'user':
      return (r.raw as { id?: string }).id;
    case 'text':
      return String(r.raw).toLowerCase();
    case 'datetime':
      return Date.parse(String(r.raw));
    case 'number':
      return Number(r.raw);
    case 'boolean':
      return r.raw === true;
    default:
      return String(r.raw);
  }
}

/** The comparable form of a literal for a field of `kind`. */
function literalFor(kind: Kind, value: Literal, field: string): string | number | boolean {
  const bad = () => new CoqlError('INVALID_QUERY', 'value given seems to be invalid for the column', { column_name: field });
  switch (kind) {
    case 'text':
      return String(value).toLowerCase();
    case 'datetime': {
      const t = Date.parse(String(value));
      if (Number.isNaN(t)) throw bad();
      return t;
    }
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(value))) throw bad();
      return String(value);
    case 'number':
      if (Number.isNaN(Number(value))) throw bad();
      return Number(value);
    case 'boolean':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw bad();
    default:
      return String(value);
  }
}

const ORDERED: Kind[] = ['number', 'date', 'datetime', 'id'];

function checkOperator(kind: Kind, op: string, field: string): void {
  const ok =
    kind === 'unsupported' ? false
    : op === 'null' ? true
    : kind === 'boolean' ? op === '='
    : op === 'like' ? kind === 'text'
    : ['<', '<=', '>', '>=', 'between'].includes(op) ? ORDERED.includes(kind)
    : true;
  if (!ok) {
    if (kind === 'unsupported') throw new CoqlError('INVALID_QUERY', 'data type not supported', { column_name: field });
    throw new CoqlError('INVALID_QUERY', 'invalid query formed', { column_name: field, operator: op });
  }
}

function compare(a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string' && /^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

function validateCond(state: DoubleState, module: string, c: Cond): void {
  switch (c.kind) {
    case 'and': case 'or':
      validateCond(state, module, c.left);
      validateCond(state, module, c.right);
      return;
    case 'in': {
      if (c.values.length > COQL_LIMITS.maxIn) throw new CoqlError('LIMIT_EXCEEDED', 'limit exceeded', { clause: 'in', limit: COQL_LIMITS.maxIn });
      const kind = plan(state, module, c.field);
      checkOperator(kind, 'in', c.field);
      c.values.forEach((v) => literalFor(kind, v, c.field));
      return;
    }
    case 'cmp': {
      const kind = plan(state, module, c.field);
      checkOperator(kind, c.op === '=' || c.op === '!=' ? '=' : c.op, c.field);
      literalFor(kind, c.value, c.field);
      return;
    }
    case 'between': {
      const kind = plan(state, module, c.field);
      checkOperator(kind, 'between', c.field);
      literalFor(kind, c.low, c.field);
      literalFor(kind, c.high, c.field);
      return;
    }
    case 'like':
      checkOperator(plan(state, module, c.field), 'like', c.field);
      return;
    case 'null':
      checkOperator(plan(state, module, c.field), 'null', c.field);
  }
}

/**
 * A condition's literal in the comparable form of a field kind, made once per query rather than
 * once per record: a query's condition is matched against every record of the module.
 */
const conversions = new WeakMap<Cond, Map<Kind, unknown>>();
function converted<T>(c: Cond, kind: Kind, make: () => T): T {
  let byKind = conversions.get(c);
  if (!byKind) conversions.set(c, (byKind = new Map()));
  if (!byKind.has(kind)) byKind.set(kind, make());
  return byKind.get(kind) as T;
}

function matches(state: DoubleState, module: string, rec: StoredRecord, c: Cond): boolean {
  switch (c.kind) {
    case 'and':
      return matches(state, module, rec, c.left) && matches(state, module, rec, c.right);
    case 'or':
      return matches(state, module, rec, c.left) || matches(state, module, rec, c.right);
    case 'null':
      return isNull(resolve(state, module, rec, c.field)) !== c.not;
    default:
      break;
  }
  const r = resolve(state, module, rec, c.field);
  const v = comparable(r);
  // SQL semantics: a missing value matches no comparison, negated or not.
  if (v === undefined) return false;
  switch (c.kind) {
    case 'cmp': {
      const d = compare(v, converted(c, r.kind, () => literalFor(r.kind, c.value, c.field)));
      return c.op === '=' ? d === 0 : c.op === '!=' ? d !== 0 : c.op === '<' ? d < 0 : c.op === '<=' ? d <= 0 : c.op === '>' ? d > 0 : d >= 0;
    }
    case 'in':
      // compare(a, b) === 0 exactly when both comparable forms print the same: a set of them.
      return converted(c, r.kind, () => new Set(c.values.map((x) => String(literalFor(r.kind, x, c.field))))).has(String(v)) !== c.not;
    case 'like':
      return converted(c, r.kind, () => likeRegex(c.pattern)).test(String(r.raw)) !== c.not;
    case 'between': {
      const [low, high] = converted(c, r.kind, () => [literalFor(r.kind, c.low, c.field), literalFor(r.kind, c.high, c.field)] as const);
      const inside = compare(v, low) >= 0 && compare(v, high) <= 0;
      return inside !== c.not;
    }
  }
}

function output(state: DoubleState, module: string, rec: StoredRecord, path: string): unknown {
  const r = resolve(state, module, rec, path);
  if (isNull(r)) return null;
  if (r.kind === 'lookup' || r.kind === 'user') {
    const ref = r.raw as { id: string; name?: unknown };
    // A lookup named directly shows its display name (v7+); one reached through a join shows the id only.
    if (path.includes('.')) return { id: ref.id };
    if (r.kind === 'user') return { name: state.user(ref.id)?.full_name ?? ref.name ?? null, id: ref.id };
    const target = r.spec?.lookup;
    return { name: target ? state.lookupRef(target, ref.id).name : ref.name ?? null, id: ref.id };
  }
  return r.raw;
}

/** Runs a query; throws CoqlError for what Zoho refuses. */
export function evaluate(state: DoubleState, text: string, maxLimit = COQL_LIMITS.maxLimit): { rows: Record<string, unknown>[]; more: boolean } {
  const q = parseCoql(text);
  if (!state.isModule(q.module)) throw new CoqlError('INVALID_QUERY', 'invalid query formed', { module: q.module, reason: 'invalid module' });
  if (q.columns.length > COQL_LIMITS.maxSelect) throw new CoqlError('LIMIT_EXCEEDED', 'limit exceeded', { clause: 'select', limit: COQL_LIMITS.maxSelect });
  const seen = new Set<string>();
  for (const col of q.columns) {
    const key = col.field.toLowerCase();
    if (seen.has(key)) throw new CoqlError('DUPLICATE_DATA', 'duplicate data', { column_name: col.field });
    seen.add(key);
    if (plan(state, q.module, col.field) === 'unsupported') throw new CoqlError('INVALID_QUERY', 'data type not supported', { column_name: col.field });
  }
  const aliases = q.columns.map((c) => c.alias).filter((a): a is string => a !== undefined);
  if (new Set(aliases).size !== aliases.length) throw new CoqlError('DUPLICATE_ALIAS', 'duplicate alias', {});
  validateCond(state, q.module, q.where);
  if (q.orderBy.length > COQL_LIMITS.maxOrderBy) throw new CoqlError('LIMIT_EXCEEDED', 'limit exceeded', { clause: 'order by', limit: COQL_LIMITS.maxOrderBy });
  const orderSeen = new Set<string>();
  for (const o of q.orderBy) {
    if (orderSeen.has(o.field.toLowerCase())) throw new CoqlError('DUPLICATE_DATA', 'duplicate data', { clause: 'order by', column_name: o.field });
    orderSeen.add(o.field.toLowerCase());
    plan(state, q.module, aliasTarget(q, o.field));
  }
  const limit = q.limit ?? COQL_LIMITS.defaultLimit;
  const offset = q.offset ?? 0;
  if (limit > maxLimit) throw new CoqlError('LIMIT_EXCEEDED', 'limit exceeded', { clause: 'limit', limit: maxLimit });
  if (offset + limit > COQL_LIMITS.maxRows) throw new CoqlError('LIMIT_EXCEEDED', 'limit exceeded', { clause: 'offset', limit: COQL_LIMITS.maxRows });

  const all = [...state.store(q.module).values()].filter((r) => matches(state, q.module, r, q.where));
  all.sort((a, b) => {
    for (const o of q.orderBy) {
      const va = comparable(resolve(state, q.module, a, aliasTarget(q, o.field)));
      const vb = comparable(resolve(state, q.module, b, aliasTarget(q, o.field)));
      // Nulls first in ascending order.
      const d = va === undefined ? (vb === undefined ? 0 : -1) : vb === undefined ? 1 : compare(va, vb);
      if (d !== 0) return o.desc ? -d : d;
    }
    return compare(a.id, b.id);
  });
  const page = all.slice(offset, offset + limit);
  const rows = page.map((rec) => {
    const row: Record<string, unknown> = {};
    for (const col of q.columns) row[col.alias ?? col.field] = output(state, q.module, rec, col.field);
    row.id = rec.id;
    return row;
  });
  return { rows, more: offset + page.length < all.length };
}

function aliasTarget(q: CoqlQuery, field: string): string {
  return q.columns.find((c) => c.alias === field)?.field ?? field;
}

export function coqlRoute(state: DoubleState, body: unknown, maxLimit?: number): Reply {
  const query = body && typeof body === 'object' ? (body as { select_query?: unknown }).select_query : undefined;
  if (typeof query !== 'string' || query.trim() === '') return errors.requiredParam('select_query');
  try {
    const { rows, more } = evaluate(state, query, maxLimit);
    if (rows.length === 0) return noContent();
    return json(200, { data: rows, info: { count: rows.length, more_records: more } });
  } catch (err) {
    if (err instanceof CoqlError) return zohoError(400, err.code, err.message, err.details);
    throw err;
  }
}

