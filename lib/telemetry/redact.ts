/**
 * What may leave the process as telemetry. Log properties, span attributes and messages pass
 * through here: user ids become a short hash (`userHash`), properties that can hold a name, an
 * address, a body or a secret are dropped, and any e-mail address left inside a text is masked.
 */
import { createHash } from 'node:crypto';

/** A user's object id (or UPN) as it appears in telemetry; the admin computes it the same way. */
export function userHash(user: string): string {
  return createHash('sha256').update(user.trim().toLowerCase()).digest('hex').slice(0, 16);
}

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/g;

/** Property names whose values are personal or secret, whatever they hold (compared lower-case, without _ . -). */
const DROPPED = new Set([
  'label', 'name', 'displayname', 'givenname', 'surname', 'fullname', 'subject', 'title', 'body', 'description', 'notes', 'content',
  'email', 'emailaddress', 'address', 'addresses', 'upn', 'userprincipalname', 'mail', 'from', 'to', 'cc', 'bcc', 'recipients', 'sender', 'attendees', 'participants',
  'token', 'accesstoken', 'refreshtoken', 'secret', 'clientsecret', 'clientstate', 'password', 'authorization', 'cookie', 'apikey', 'key', 'code_verifier', 'connectionstring',
]);

/** Properties that name a user: replaced by their hash. */
const USER_KEYS = new Set(['userid', 'user']);

const MAX_TEXT = 1024;

export function scrubText(text: string): string {
  const masked = text.replace(EMAIL, '[email]');
  return masked.length > MAX_TEXT ? `${masked.slice(0, MAX_TEXT)}…` : masked;
}

type Primitive = string | number | boolean;
export type Attributes = Record<string, Primitive | Primitive[]>;

function flat(value: unknown): Primitive | Primitive[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    return value.map((v) => (typeof v === 'string' ? scrubText(v) : v)) as Primitive[];
  }
  if (value instanceof Error) return value.name;
  try {
    return scrubText(JSON.stringify(value));
  } catch {
    return undefined;
  }
}

const normal = (key: string) => key.toLowerCase().replace(/[_.-]/g, '');

/** Log properties → custom dimensions. */
export function scrubProperties(props: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(props)) {
    const k = normal(key);
    if (DROPPED.has(k) || DROPPED.has(k.replace(/s$/, ''))) continue;
    if (USER_KEYS.has(k)) {
      if (typeof value === 'string' && value) out.userHash = userHash(value);
      continue;
    }
    const v = flat(value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * Span attributes written by libraries (HTTP and Azure SDK instrumentation): URLs keep scheme,
 * host and path but lose the query, and Table keys in the path (`(PartitionKey='…',RowKey='…')`)
 * are masked, since look-up claims are keyed by address. Changes the attributes in place.
 */
export function scrubSpanAttributes(attributes: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') continue;
    const k = key.toLowerCase();
    if (k === 'url.full' || k === 'http.url' || k === 'url.query' || k === 'http.target' || k === 'url.path') {
      attributes[key] = scrubUrl(value);
    } else if (DROPPED.has(normal(key.split('.').pop() ?? key))) {
      delete attributes[key];
    } else {
      attributes[key] = scrubText(value);
    }
  }
}

export function scrubUrl(url: string): string {
  const noQuery = url.split('?')[0].split('#')[0];
  return scrubText(noQuery.replace(/\(([^)]*)\)/g, '(…)'));
}
