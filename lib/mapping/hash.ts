/**
 * Content hash of a mapped record, stored on the link row: when a change notification brings an
 * item whose mapped fields hash the same as last time, the Zoho write is skipped. It must not
 * depend on key order (records are built in code order, metadata may reorder), and null must
 * differ from absent (null clears a Zoho field, absent leaves it alone).
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth; undefined properties dropped, as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // JSON.stringify gives undefined for undefined/functions; inside arrays JSON writes null.
    return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Hex SHA-256 of the canonical JSON. */
export function contentHash(record: unknown): string {
  return createHash('sha256').update(canonicalJson(record), 'utf8').digest('hex');
}
