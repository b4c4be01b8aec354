/** Small helpers the Graph and Zoho clients share for their HTTP answers and error texts. */

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
