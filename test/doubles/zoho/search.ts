/**
 * GET /crm/v8/{module}/search (record.json; zoho.md §3): exactly one of `criteria`, `email`,
 * `phone`, `word`. Like Zoho's tokenised index, `equals` on text matches a contained word
 * (case-insensitive), so callers must post-filter for exact equality. Records written while the
 * index lag is switched on stay invisible until flushed. Results are sorted by id desc, at most
 * 2,000 in total (LIMIT_REACHED beyond), 204 when nothing matches.
 */
import { errors, json, noContent, zohoError, type Reply } from './respond';
import { project } from './records';
import type { DoubleState, StoredRecord } from './state';

export const SEARCH_MAX = 2000;
const MAX_CRITERIA = 10;

type Crit = { kind: 'and' | 'or'; parts: Crit[] } | { kind: 'crit'; field: string; op: string; values: string[] };

class CriteriaError extends Error {}

/**
 * `((A:equals:x)and(B:starts_with:y))`, by Zoho's documented rules (zoho.md §3): inside a value
 * `(`, `)` and `,` must be escaped with a backslash, and a backslash that ends a value must be
 * doubled. So `\\` followed by `(`, `)`, `,` or `\\` is an escape; before any other character it
 * is a literal backslash. An unescaped `(` inside a value, or an unescaped `,` outside an `in` or
 * `between` list, is a malformed criterion (INVALID_QUERY), as is a value that never closes.
 */
export function parseCriteria(text: string): Crit {
  let i = 0;
  const group = (): Crit => {
    if (text[i] !== '(') throw new CriteriaError();
    i += 1;
    let node: Crit;
    if (text[i] === '(') {
      node = sequence();
    } else {
      let head = '';
      while (i < text.length && (head.match(/:/g) ?? []).length < 2) {
        if ('()\\,'.includes(text[i])) throw new CriteriaError();
        head += text[i];
        i += 1;
      }
      const [field, op] = head.split(':');
      if (!field || !op) throw new CriteriaError();
      const list = ['in', 'between'].includes(op.toLowerCase());
      const values: string[] = [];
      let cur = '';
      while (i < text.length && text[i] !== ')') {
        const ch = text[i];
        if (ch === '\\' && i + 1 < text.length && '()\\,'.includes(text[i + 1])) {
          cur += text[i + 1];
          i += 2;
        } else if (ch === ',' && list) {
          values.push(cur);
          cur = '';
          i += 1;
        } else if (ch === '(' || ch === ',') {
          throw new CriteriaError();
        } else {
          cur += ch;
          i += 1;
        }
      }
      values.push(cur);
      node = { kind: 'crit', field, op: op.toLowerCase(), values };
    }
    if (text[i] !== ')') throw new CriteriaError();
    i += 1;
    return node;
  };
  const sequence = (): Crit => {
    const parts = [group()];
    let op: 'and' | 'or' | undefined;
    for (;;) {
      const m = /^(and|or)/i.exec(text.slice(i));
      if (!m) break;
      const next = m[1].toLowerCase() as 'and' | 'or';
      if (op && op !== next) throw new CriteriaError();
      op = next;
      i += m[1].length;
      parts.push(group());
    }
    return parts.length === 1 ? parts[0] : { kind: op!, parts };
  };
  const tree = sequence();
  if (i !== text.length) throw new CriteriaError();
  return tree;
}

function count(c: Crit): number {
  return c.kind === 'crit' ? 1 : c.parts.reduce((n, p) => n + count(p), 0);
}

function fieldText(state: DoubleState, module: string, rec: StoredRecord, field: string): string | undefined {
  const v = rec[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const ref = v as { id?: string; name?: string };
    return state.spec(module, field)?.type === 'lookup' || state.spec(module, field)?.type === 'ownerlookup' ? ref.id : undefined;
  }
  return String(v);
}

function test(state: DoubleState, module: string, rec: StoredRecord, c: Crit): boolean {
  if (c.kind !== 'crit') return c.kind === 'and' ? c.parts.every((p) => test(state, module, rec, p)) : c.parts.some((p) => test(state, module, rec, p));
  const actual = fieldText(state, module, rec, c.field)?.toLowerCase();
  const wanted = c.values.map((v) => v.toLowerCase());
  if (actual === undefined) return c.op === 'not_equal';
  const contains = (w: string) => actual === w || actual.split(/[\s@.,;:()\-_/]+/).includes(w) || actual.includes(w);
  switch (c.op) {
    case 'equals':
      return contains(wanted[0]);
    case 'not_equal':
      return !contains(wanted[0]);
    case 'starts_with':
      return actual.startsWith(wanted[0]);
    case 'in':
      return wanted.some(contains);
    case 'greater_than':
      return actual > wanted[0];
    case 'less_than':
      return actual < wanted[0];
    case 'between':
      return actual >= wanted[0] && actual <= (wanted[1] ?? wanted[0]);
    default:
      throw new CriteriaError();
  }
}

function fieldsOfType(state: DoubleState, module: string, types: string[]): string[] {
  return (state.fieldSpecs.get(module) ?? []).filter((f) => types.includes(f.type)).map((f) => f.api);
}

export function searchRoute(state: DoubleState, module: string, query: URLSearchParams): Reply {
  if (!state.isModule(module)) return errors.invalidModule();
  if (state.denied('read', module)) return errors.noPermission([`Crm_Implied_View_${module}`]);
  const given = ['criteria', 'email', 'phone', 'word'].filter((k) => query.has(k));
  if (given.length === 0) return errors.requiredParam('criteria');
  if (given.length > 1) return zohoError(400, 'INVALID_QUERY', 'invalid query formed', { reason: 'only one of criteria, email, phone, word' });
  let predicate: (r: StoredRecord) => boolean;
  if (query.has('criteria')) {
    let tree: Crit;
    try {
      tree = parseCriteria(query.get('criteria') ?? '');
      if (count(tree) > MAX_CRITERIA) return errors.limitExceeded({ limit: MAX_CRITERIA, param_name: 'criteria' });
      for (const r of state.store(module).values()) test(state, module, r, tree);
    } catch (err) {
      if (err instanceof CriteriaError) return zohoError(400, 'INVALID_QUERY', 'invalid query formed', { param_name: 'criteria' });
      throw err;
    }
    for (const c of flatten(tree)) if (!state.spec(module, c.field) && c.field !== 'id') return zohoError(400, 'INVALID_QUERY', 'invalid query formed', { api_name: c.field });
    predicate = (r) => test(state, module, r, tree);
  } else if (query.has('email')) {
    const wanted = (query.get('email') ?? '').toLowerCase();
    const fields = fieldsOfType(state, module, ['email']);
    predicate = (r) => fields.some((f) => typeof r[f] === 'string' && (r[f] as string).toLowerCase() === wanted);
  } else if (query.has('phone')) {
    const digits = (query.get('phone') ?? '').replace(/\D/g, '');
    const fields = fieldsOfType(state, module, ['phone']);
    predicate = (r) => digits !== '' && fields.some((f) => typeof r[f] === 'string' && (r[f] as string).replace(/\D/g, '').includes(digits));
  } else {
    const word = (query.get('word') ?? '').toLowerCase();
    if (word.length < 2) return zohoError(400, 'INVALID_QUERY', 'invalid query formed', { param_name: 'word' });
    const fields = fieldsOfType(state, module, ['text', 'textarea', 'email', 'phone', 'website', 'picklist']);
    predicate = (r) => fields.some((f) => typeof r[f] === 'string' && (r[f] as string).toLowerCase().includes(word));
  }
  const perPage = Math.min(Number(query.get('per_page') ?? 200) || 200, 200);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  if (page * perPage > SEARCH_MAX) return zohoError(400, 'LIMIT_REACHED', 'Search results exceed the limit', { limit: SEARCH_MAX });
  const hits = [...state.store(module).values()]
    .filter((r) => !state.unindexed.has(r.id) && predicate(r))
    .sort((a, b) => (a.id.length !== b.id.length ? b.id.length - a.id.length : a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const slice = hits.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return noContent();
  return json(200, {
    data: slice.map((r) => project(r, query.get('fields'))),
    info: { per_page: perPage, count: slice.length, page, sort_by: 'id', sort_order: 'desc', more_records: page * perPage < Math.min(hits.length, SEARCH_MAX) },
  });
}

function flatten(c: Crit): { field: string }[] {
  return c.kind === 'crit' ? [c] : c.parts.flatMap(flatten);
}
