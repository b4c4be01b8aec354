import { GraphHttpError } from './http';

/**
 * The slice of OData query syntax Graph clients use against users, directory objects and Outlook
 * items: comparisons (eq ne gt ge lt le), `in (...)`, and/or/not, parentheses, startswith /
 * endswith / contains, and lambdas (`emailAddresses/any(a:a/address eq 'x')`). String equality is
 * case-insensitive, as in Graph. Anything else is refused the way Graph refuses it (400).
 */
export type Predicate = (item: unknown) => boolean;

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'word'; v: string }
  | { t: '(' | ')' | ',' | ':' };

type Value = unknown;
type Expr = (scope: Scope) => Value;
interface Scope { root: unknown; vars: Record<string, unknown> }

export function parseFilter(text: string): Predicate {
  let tokens: Token[];
  let expr: Expr;
  try {
    tokens = tokenize(text);
    const p = new Parser(tokens);
    expr = p.parseExpr();
    p.expectEnd();
  } catch (err) {
    throw new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${err instanceof Error ? err.message : 'syntax error'}`);
  }
  return (item) => truthy(expr({ root: item, vars: {} }));
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')' || c === ',' || c === ':') { out.push({ t: c }); i++; continue; }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        v += text[i++];
      }
      out.push({ t: 'str', v });
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num && (c === '-' || /\d/.test(c))) {
      // A GUID or date literal starts with digits too; those are written as words.
      const word = /^[0-9A-Za-z\-.:]+/.exec(text.slice(i))![0];
      if (word === num[0]) { out.push({ t: 'num', v: Number(num[0]) }); i += num[0].length; continue; }
      out.push({ t: 'word', v: word });
      i += word.length;
      continue;
    }
    const word = /^[A-Za-z_$@][A-Za-z0-9_$@./]*/.exec(text.slice(i));
    if (!word) throw new Error(`unexpected character '${c}'`);
    out.push({ t: 'word', v: word[0] });
    i += word[0].length;
  }
  return out;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['startswith', 'endswith', 'contains', 'tolower', 'toupper']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  expectEnd(): void {
    if (this.pos !== this.tokens.length) throw new Error('unexpected trailing input');
  }

  parseExpr(): Expr {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.pos++;
      const a = left, b = this.parseAnd();
      left = (s) => truthy(a(s)) || truthy(b(s));
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseUnary();
    while (this.isWord('and')) {
      this.pos++;
      const a = left, b = this.parseUnary();
      left = (s) => truthy(a(s)) && truthy(b(s));
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isWord('not')) {
      this.pos++;
      const inner = this.parseUnary();
      return (s) => !truthy(inner(s));
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parsePrimary();
    const next = this.tokens[this.pos];
    if (next?.t === 'word' && COMPARISONS.has(next.v.toLowerCase())) {
      this.pos++;
      const op = next.v.toLowerCase();
      const right = this.parsePrimary();
      return (s) => compare(op, left(s), right(s));
    }
    if (this.isWord('in')) {
      this.pos++;
      this.expect('(');
      const options: Expr[] = [this.parsePrimary()];
      while (this.tokens[this.pos]?.t === ',') { this.pos++; options.push(this.parsePrimary()); }
      this.expect(')');
      return (s) => options.some((o) => compare('eq', left(s), o(s)));
    }
    return left;
  }

  private parsePrimary(): Expr {
    const tok = this.tokens[this.pos++];
    if (!tok) throw new Error('unexpected end of filter');
    if (tok.t === '(') {
      const inner = this.parseExpr();
      this.expect(')');
      return inner;
    }
    if (tok.t === 'str' || tok.t === 'num') { const v = tok.v; return () => v; }
    if (tok.t !== 'word') throw new Error(`unexpected '${tok.t}'`);
    const word = tok.v;
    const lower = word.toLowerCase();
    if (lower === 'true') return () => true;
    if (lower === 'false') return () => false;
    if (lower === 'null') return () => null;
    if (this.tokens[this.pos]?.t === '(') {
      if (FUNCTIONS.has(lower)) return this.parseFunction(lower);
      const lambda = /^(.*)\/(any|all)$/i.exec(word);
      if (lambda) return this.parseLambda(lambda[1], lambda[2].toLowerCase() as 'any' | 'all');
      throw new Error(`unknown function '${word}'`);
    }
    if (/^[0-9]/.test(word)) return () => word;
    return (s) => resolvePath(word, s);
  }

  private parseFunction(name: string): Expr {
    this.expect('(');
    const args: Expr[] = [this.parseExpr()];
    while (this.tokens[this.pos]?.t === ',') { this.pos++; args.push(this.parseExpr()); }
    this.expect(')');
    const str = (v: Value) => (typeof v === 'string' ? v.toLowerCase() : undefined);
    switch (name) {
      case 'tolower': return (s) => str(args[0](s));
      case 'toupper': return (s) => { const v = args[0](s); return typeof v === 'string' ? v.toUpperCase() : undefined; };
      default: {
        if (args.length !== 2) throw new Error(`${name} takes two arguments`);
        return (s) => {
          const a = str(args[0](s)), b = str(args[1](s));
          if (a === undefined || b === undefined) return false;
          return name === 'startswith' ? a.startsWith(b) : name === 'endswith' ? a.endsWith(b) : a.includes(b);
        };
      }
    }
  }

  private parseLambda(collectionPath: string, kind: 'any' | 'all'): Expr {
    this.expect('(');
    const v = this.tokens[this.pos++];
    if (v?.t !== 'word') throw new Error('lambda variable expected');
    this.expect(':');
    const body = this.parseExpr();
    this.expect(')');
    return (s) => {
      const coll = resolvePath(collectionPath, s);
      if (!Array.isArray(coll)) return false;
      const test = (el: unknown) => truthy(body({ root: s.root, vars: { ...s.vars, [v.v]: el } }));
      return kind === 'any' ? coll.some(test) : coll.every(test);
    };
  }

  private isWord(w: string): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === 'word' && tok.v.toLowerCase() === w;
  }

  private expect(t: '(' | ')' | ':'): void {
    if (this.tokens[this.pos]?.t !== t) throw new Error(`'${t}' expected`);
    this.pos++;
  }
}

function resolvePath(path: string, scope: Scope): unknown {
  const parts = path.split('/');
  let current: unknown;
  if (parts[0] in scope.vars) current = scope.vars[parts.shift()!];
  else current = scope.root;
  for (const part of parts) current = property(current, part);
  return current;
}

/** Property lookup, exact first and then case-insensitive (Graph property names are not case-sensitive). */
export function property(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const rec = obj as Record<string, unknown>;
  if (name in rec) return rec[name];
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : rec[key];
}

function compare(op: string, a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase(), y = b.toLowerCase();
    switch (op) {
      case 'eq': return x === y;
      case 'ne': return x !== y;
      case 'gt': return x > y;
      case 'ge': return x >= y;
      case 'lt': return x < y;
      case 'le': return x <= y;
    }
  }
  const x = a === undefined ? null : a, y = b === undefined ? null : b;
  switch (op) {
    case 'eq': return x === y;
    case 'ne': return x !== y;
    case 'gt': return (x as number) > (y as number);
    case 'ge': return (x as number) >= (y as number);
    case 'lt': return (x as number) < (y as number);
    case 'le': return (x as number) <= (y as number);
  }
  return false;
}

function truthy(v: Value): boolean {
  return v === true;
}

/** `$orderby=prop [asc|desc]` on one property, enough for Outlook and directory lists. */
export function orderBy<T>(items: T[], query: URLSearchParams): T[] {
  const raw = query.get('$orderby');
  if (!raw) return items;
  const [path, dir] = raw.trim().split(/\s+/);
  const sign = dir?.toLowerCase() === 'desc' ? -1 : 1;
  const value = (item: T) => path.split('/').reduce<unknown>((o, p) => property(o, p), item);
  return [...items].sort((a, b) => {
    const x = value(a), y = value(b);
    if (x === y) return 0;
    if (x === undefined || x === null) return 1;
    if (y === undefined || y === null) return -1;
    return (x < y ? -1 : 1) * sign;
  });
}

export function parseTop(query: URLSearchParams, max: number): number | undefined {
  const raw = query.get('$top');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new GraphHttpError(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  }
  return n;
}

/** Opaque state for $skiptoken / $deltatoken. Graph's are opaque too; nobody may parse them. */
export function encodeToken(state: unknown): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeToken<T>(token: string): T | undefined {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Builds a link on the double's own origin with the given query (already decoded values). */
export function link(origin: string, rawPath: string, params: [string, string][]): string {
  const qs = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${origin}${rawPath}${qs ? `?${qs}` : ''}`;
}
