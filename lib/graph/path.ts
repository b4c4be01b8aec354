/**
 * Graph path helpers shared by the client (and the test double, so that call counts and fault
 * rules use the very same labels).
 */

/** A value that cannot be one Graph path segment; callers map it to a 400 (it came from input). */
export class InvalidPathSegmentError extends Error {
  readonly status = 400;
  constructor(readonly reason: string) {
    super(`not a valid identifier for Microsoft Graph: ${reason}`);
    this.name = 'InvalidPathSegmentError';
  }
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * One value as one encoded path segment, the only way a value enters a Graph path. `.` and `..`
 * survive percent-encoding and would be resolved as "this" and "parent" (reading `/users/{id}/`
 * instead of a message); a lone surrogate makes encodeURIComponent throw.
 */
export function pathSegment(value: string | number): string {
  const s = String(value);
  if (s === '') throw new InvalidPathSegmentError('empty');
  if (s === '.' || s === '..') throw new InvalidPathSegmentError('a dot segment');
  if (CONTROL.test(s)) throw new InvalidPathSegmentError('control characters');
  if (LONE_SURROGATE.test(s)) throw new InvalidPathSegmentError('an unpaired surrogate');
  return encodeURIComponent(s);
}

/**
 * Builds a relative Graph path with every interpolated value percent-encoded as one segment.
 * Outlook ids may contain `/` and `+`, and UPNs contain `@`; pasting them raw would change the
 * path. `graphPath\`/users/${id}/contacts/${contactId}\``.
 */
export function graphPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = strings[0];
  values.forEach((value, i) => {
    out += pathSegment(value) + strings[i + 1];
  });
  return out;
}

/**
 * `Prefer` value that makes Outlook ids stable across folder moves. Subscriptions, reads and delta
 * must all use it (or none): ids from one form never match links stored in the other.
 */
export const IMMUTABLE_ID_PREFER = 'IdType="ImmutableId"';

const WORD = /^\$?[A-Za-z][A-Za-z.]*$/;
const KEY_CALL = /^([A-Za-z][A-Za-z.]*)\((.*)\)$/;

/**
 * The endpoint label used for call counts and logs: method + path with every id replaced by
 * `{id}`, without version and query ("GET /users/{id}/contacts/{id}"). A segment counts as a
 * name (kept) when it is letters only (`contacts`, `delta`, `$value`, `microsoft.graph.user`);
 * anything with digits, `@`, `=`, `-` and so on is an id. Well-known folder names in key syntax
 * (`mailFolders('sentitems')`) are kept because they name a resource, not a record.
 */
export function endpointLabel(method: string, pathOrUrl: string): string {
  return `${method.toUpperCase()} ${pathTemplate(pathOrUrl)}`;
}

export function pathTemplate(pathOrUrl: string): string {
  const path = stripVersion(pathOnly(pathOrUrl));
  const segments = path.split('/').filter((s) => s !== '');
  return '/' + segments.map(templateSegment).join('/');
}

function templateSegment(raw: string): string {
  const segment = safeDecode(raw);
  if (WORD.test(segment)) return segment;
  const call = KEY_CALL.exec(segment);
  if (call) {
    const key = call[2].replace(/^'(.*)'$/, '$1');
    if (key === '') return `${call[1]}()`;
    return WORD.test(key) ? `${call[1]}('${key}')` : `${call[1]}({id})`;
  }
  return '{id}';
}

/**
 * The mailbox a request is charged to by Outlook's per-mailbox limits: the `users/{id}` segment,
 * lower-cased. Requests that touch no mailbox (subscriptions, domains, groups) return undefined.
 */
export function mailboxKey(pathOrUrl: string): string | undefined {
  const path = stripVersion(pathOnly(pathOrUrl));
  const match = /^\/?users(?:\/([^/?]+)|\('([^']+)'\))/i.exec(path);
  if (!match) return undefined;
  return safeDecode(match[1] ?? match[2]).toLowerCase();
}

function pathOnly(pathOrUrl: string): string {
  let path = pathOrUrl;
  if (/^https?:\/\//i.test(path)) path = new URL(path).pathname;
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

function stripVersion(path: string): string {
  return path.replace(/^\/?(v1\.0|beta)(?=\/|$)/i, '');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
