/**
 * Typed Zoho CRM errors. The subclass is picked from the HTTP status the way stripe-node's
 * Error.ts does it, so callers branch with `instanceof`; the sync engine reads `transient` to
 * choose between "retry later" and "record as skipped with Zoho's reason".
 *
 * Zoho's request-level error body is `{ code, message, status: "error", details }` (zoho.md §6);
 * the accounts server answers `{ error, error_description? }` instead, often with HTTP 200
 * (zoho.md §1), which is why token errors have their own class.
 *
 * Messages carry the status, Zoho's code and Zoho's fixed message text with e-mail addresses
 * removed. `details` is kept as data, never put in the message: for COQL it can quote the query
 * (`near`), which may contain an address.
 */
import { parseRetryAfter, redact, VendorApiError } from '../vendor';
import type { ZohoRecordResult } from './types';

export { parseRetryAfter, redact };

export type ZohoErrorDetails = Record<string, unknown> & { api_name?: string };

export interface ZohoErrorInit {
  status: number;
  code: string;
  message: string;
  details?: ZohoErrorDetails;
  retryAfterMs?: number;
  endpoint?: string;
  zohoMessage?: string;
}

export class ZohoApiError extends VendorApiError {
  override readonly vendor = 'zoho' as const;
  /** HTTP status; 0 when no answer arrived (timeout, connection failure). */
  override readonly status: number;
  /** Zoho's machine-readable code: INVALID_TOKEN, NO_PERMISSION, INVALID_DATA, LIMIT_EXCEEDED... */
  override readonly code: string;
  /** Zoho's `details` object (may quote request data: log `apiName`, not this). */
  readonly details: ZohoErrorDetails;
  /** `details.api_name` when Zoho names the offending field or parameter. */
  readonly apiName?: string;
  /** Server-advised wait (Retry-After) in milliseconds. */
  override readonly retryAfterMs?: number;
  /** Endpoint label, e.g. "POST /crm/v8/Contacts". */
  readonly endpoint?: string;
  /** Zoho's own message text, e-mail addresses removed. */
  readonly zohoMessage?: string;
  /**
   * Results of the chunks that were applied before a later chunk of the same batch failed. A
   * caller must keep these (records were created) even though the call as a whole threw.
   */
  partialResults?: ZohoRecordResult[];

  constructor(init: ZohoErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.apiName = typeof this.details.api_name === 'string' ? this.details.api_name : undefined;
    this.retryAfterMs = init.retryAfterMs;
    this.endpoint = init.endpoint;
    this.zohoMessage = init.zohoMessage;
  }

  /** True when the same request may succeed later without any change on our side. */
  override get transient(): boolean {
    return TRANSIENT_CODES.has(this.code);
  }

  /** Safe properties for a log line: no details, no message text from Zoho. */
  toLogProps(): Record<string, unknown> {
    return { error: this.name, status: this.status, code: this.code, apiName: this.apiName, endpoint: this.endpoint, transient: this.transient };
  }

  /**
   * Builds the subclass for an error answer. `body` is the parsed JSON (or raw text). A body with
   * a per-record array (`data[]` or `Emails[]`) contributes its first item's code and details.
   */
  static fromResponse(status: number, body: unknown, init: { retryAfterMs?: number; endpoint?: string } = {}): ZohoApiError {
    const parsed = readErrorBody(body);
    const code = parsed.code ?? defaultCode(status);
    const zohoMessage = parsed.message === undefined ? undefined : redact(parsed.message).slice(0, 300);
    const where = init.endpoint ? ` on ${init.endpoint}` : '';
    const message = `Zoho ${status} ${code}${where}${zohoMessage ? `: ${zohoMessage}` : ''}`;
    const Type = classFor(status, code);
    return new Type({ status, code, message, details: parsed.details, retryAfterMs: init.retryAfterMs, endpoint: init.endpoint, zohoMessage });
  }
}

/** 400 and the other 4xx without a class of their own (405, 409, 412 ALREADY_MODIFIED, 413). */
export class ZohoInvalidRequestError extends ZohoApiError {}

/**
 * 401. INVALID_TOKEN / INVALID_OAUTHTOKEN are cured by a new access token (the client already
 * refreshed once before throwing this); OAUTH_SCOPE_MISMATCH and AUTHENTICATION_FAILURE need an
 * administrator.
 */
export class ZohoAuthenticationError extends ZohoApiError {
  override get transient(): boolean {
    return this.code === 'INVALID_TOKEN' || this.code === 'INVALID_OAUTHTOKEN';
  }
}

/** 403 or NO_PERMISSION: the profile or a sharing rule forbids it; report, never loop on it. */
export class ZohoPermissionError extends ZohoApiError {}

/** 404: INVALID_URL_PATTERN and friends. */
export class ZohoNotFoundError extends ZohoApiError {}

/**
 * 429 TOO_MANY_REQUESTS: concurrency or the 24 h credit budget (Zoho uses one code for both).
 * Thrown after the client's own short retries are spent.
 */
export class ZohoRateLimitError extends ZohoApiError {
  override get transient(): boolean {
    return true;
  }
}

export class ZohoServerError extends ZohoApiError {
  override get transient(): boolean {
    return this.status !== 501;
  }
}

/** No answer in time. For writes the request may or may not have been applied. */
export class ZohoTimeoutError extends ZohoApiError {
  override get transient(): boolean {
    return true;
  }
}

/** The connection failed before any HTTP answer (DNS, refused, reset). */
export class ZohoConnectionError extends ZohoApiError {
  override get transient(): boolean {
    return true;
  }
}

/** A 2xx answer that does not match the shape of Zoho's OpenAPI description. */
export class ZohoResponseValidationError extends ZohoApiError {}

/**
 * The accounts server refused a token request. `code` is Zoho's `error` value: `invalid_code`
 * (refresh token revoked or wrong), `invalid_client` (client id/secret), or `Access Denied` with
 * "too many requests" (more than 10 refreshes per 10 minutes for one refresh token).
 */
export class ZohoOAuthError extends ZohoApiError {
  /** The refresh rate limit: wait minutes, do not retry at once (each try extends the ban). */
  get rateLimited(): boolean {
    return refreshThrottled(this.code, this.zohoMessage);
  }

  override get transient(): boolean {
    return this.rateLimited || this.status >= 500 || this.status === 0;
  }

  static fromTokenResponse(status: number, body: unknown, endpoint?: string): ZohoOAuthError {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const code = typeof b.error === 'string' && b.error ? b.error : defaultCode(status);
    const description = typeof b.error_description === 'string' ? redact(b.error_description).slice(0, 300) : undefined;
    // Zoho's throttle answer has no Retry-After: the wait is its whole window.
    const retryAfterMs = refreshThrottled(code, description) ? REFRESH_THROTTLE_WINDOW_MS : undefined;
    const message = `Zoho accounts ${status} ${code}${description ? `: ${description}` : ''}`;
    return new ZohoOAuthError({ status, code, message, retryAfterMs, endpoint, zohoMessage: description });
  }
}

/** Zoho's window for access-token refreshes (ten per ten minutes per refresh token, zoho.md §1). */
export const REFRESH_THROTTLE_WINDOW_MS = 10 * 60_000;

function refreshThrottled(code: string, description: string | undefined): boolean {
  return code === 'Access Denied' || /too many requests/i.test(description ?? '');
}

const TRANSIENT_CODES = new Set(['INTERNAL_ERROR', 'INTERNAL_SERVER_ERROR', 'TOO_MANY_REQUESTS']);

type ErrorClass = new (init: ZohoErrorInit) => ZohoApiError;

function classFor(status: number, code: string): ErrorClass {
  // Zoho's code wins over the status for the three answers whose handling differs most.
  if (code === 'TOO_MANY_REQUESTS') return ZohoRateLimitError;
  if (code === 'NO_PERMISSION') return ZohoPermissionError;
  if (code === 'INVALID_TOKEN' || code === 'INVALID_OAUTHTOKEN') return ZohoAuthenticationError;
  switch (status) {
    case 401: return ZohoAuthenticationError;
    case 403: return ZohoPermissionError;
    case 404: return ZohoNotFoundError;
    case 429: return ZohoRateLimitError;
    default:
      if (status >= 500) return ZohoServerError;
      if (status >= 400) return ZohoInvalidRequestError;
      return ZohoApiError;
  }
}

function defaultCode(status: number): string {
  const names: Record<number, string> = {
    400: 'INVALID_REQUEST', 401: 'AUTHENTICATION_FAILURE', 403: 'NO_PERMISSION', 404: 'NOT_FOUND',
    429: 'TOO_MANY_REQUESTS', 500: 'INTERNAL_ERROR', 502: 'BAD_GATEWAY', 503: 'SERVICE_UNAVAILABLE',
    504: 'GATEWAY_TIMEOUT',
  };
  return names[status] ?? `HTTP_${status}`;
}

function readErrorBody(body: unknown): { code?: string; message?: string; details?: ZohoErrorDetails } {
  if (typeof body === 'string') {
    try {
      return readErrorBody(JSON.parse(body));
    } catch {
      return {};
    }
  }
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  for (const key of ['data', 'Emails', 'fields', 'users', 'org']) {
    const list = b[key];
    if (Array.isArray(list) && list.length > 0 && list[0] && typeof list[0] === 'object') return readErrorBody(list[0]);
  }
  return {
    code: typeof b.code === 'string' && b.code ? b.code : undefined,
    message: typeof b.message === 'string' ? b.message : undefined,
    details: asDetails(b.details),
  };
}

/** Zoho's `details` is an object, but MULTIPLE_OR_MULTI_ERRORS sends an array of errors. */
export function asDetails(value: unknown): ZohoErrorDetails {
  if (Array.isArray(value)) return { errors: value };
  if (value && typeof value === 'object') return value as ZohoErrorDetails;
  return {};
}
