/** Small helpers the Graph and Zoho clients share for their HTTP answers and error texts. */

/**
 * What every vendor error says, whoever the vendor: the failure policy (lib/sync/failure.ts) reads
 * only this. Graph and Zoho subclass it (one class per HTTP status family each).
 */
export abstract class VendorApiError extends Error {
  abstract readonly vendor: 'graph' | 'zoho';
  /** HTTP status; 0 when no answer arrived */
  abstract readonly status: number;
  /** the vendor's machine-readable code */
  abstract readonly code: string;
  /** server-advised wait (Retry-After) in milliseconds */
  abstract readonly retryAfterMs?: number;
  /** true when the same request may succeed later without any change on our side */
  abstract get transient(): boolean;
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3); milliseconds, or undefined. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// Quotes are left out of the local part on purpose: vendors quote the address they echo.
const EMAIL = /[A-Za-z0-9._%+!#$&*/=?^`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/g;

/** Removes e-mail addresses (UPNs look the same) from vendor text that may end up in logs. */
export function redact(text: string): string {
  return text.replace(EMAIL, '<redacted>');
}
