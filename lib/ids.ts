/**
 * The identifiers callers hand to our HTTP routes, as zod types checked at the edge before any I/O
 * (issue 15). Each one is also a value that later becomes a Graph path segment or a Table key, so
 * the alphabets are deliberately narrow: what Microsoft issues, nothing else.
 */
import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Entra's user name rule: the part before `@` uses `A–Z a–z 0–9 ' . - _ ! # ^ ~` (guests carry
 * `#EXT#`), does not start or end with `.` and has no `..`; the part after is a domain name.
 */
const UPN_LOCAL = /^(?!\.)(?!.*\.\.)[A-Za-z0-9'._!#^~-]{1,113}(?<!\.)$/;
const DOMAIN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/;

/**
 * Outlook and To Do ids are base64 or base64url (`A–Z a–z 0–9 + / = - _`), a few hundred
 * characters at most. No `.`, `%`, quote, space or control character ever occurs in one.
 */
const GRAPH_ID = /^[A-Za-z0-9+/=_-]{1,512}$/;

export function isObjectId(value: string): boolean {
  return GUID.test(value);
}

export function isUpn(value: string): boolean {
  const at = value.lastIndexOf('@');
  return at > 0 && value.length <= 320 && UPN_LOCAL.test(value.slice(0, at)) && DOMAIN.test(value.slice(at + 1));
}

export function isGraphId(value: string): boolean {
  return GRAPH_ID.test(value);
}

const USER_REQUIRED = 'is required (an object id or a UPN)';

/** A user: an object id (GUID) or a UPN. Messages name no field: describeIssues() puts the path first. */
export const userRef = z
  .string({ error: USER_REQUIRED })
  .trim()
  .min(1, { error: USER_REQUIRED, abort: true })
  .refine((v) => isObjectId(v) || isUpn(v), 'must be an object id or a UPN (a GUID, or name@domain)');

/** An Outlook or To Do item id as Graph issues it. */
export const graphItemId = z
  .string({ error: 'is required' })
  .trim()
  .min(1, { error: 'is required', abort: true })
  .refine(isGraphId, 'is not a Microsoft Graph id (letters, digits, + / = - _; at most 512)');

/** The job ids this app issues: UUIDs (randomUUID). */
export const jobId = z.string().regex(GUID, 'must be the jobId that POST resync answered (a GUID)');

/**
 * Where a zod issue points, as a caller writes it: `users[2]`, `retrySkipped[0]`, `user`.
 * Used in 400 answers, which name fields and never echo values.
 */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Every problem of a failed parse, one line per field: `users[2]: users must be …`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    const where = fieldName(issue.path);
    if (!where || issue.message.startsWith(`${where} `)) return issue.message;
    return /^(is|must) /.test(issue.message) ? `${where} ${issue.message}` : `${where}: ${issue.message}`;
  });
}
