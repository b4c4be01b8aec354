/**
 * Typed Graph errors. One class per HTTP status family (the way stripe-node's Error.ts picks a
 * subclass from the response), so callers branch with `instanceof` and the sync engine reads
 * `transient` to decide between "retry later" and "record as skipped".
 *
 * Messages are built from the endpoint label (ids already replaced by `{id}`), the status and
 * Graph's error code. Graph's own message is kept only after e-mail addresses are redacted,
 * because some Graph messages quote the UPN they could not resolve.
 */
import { parseRetryAfter, redact, VendorApiError } from '../vendor';

export { parseRetryAfter, redact };

export type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined;

export interface GraphErrorInit {
  status: number;
  code: string;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
  endpoint?: string;
  graphMessage?: string;
}

export class GraphApiError extends VendorApiError {
  override readonly vendor = 'graph' as const;
  /** HTTP status; 0 when no response arrived (timeout, connection failure, token endpoint down). */
  override readonly status: number;
  /** Graph's `error.code` (e.g. ErrorItemNotFound, MailboxNotEnabledForRESTAPI, syncStateNotFound). */
  override readonly code: string;
  readonly requestId?: string;
  /** Server-advised wait (Retry-After), or our own estimate for a queue redelivery. */
  override readonly retryAfterMs?: number;
  /** Endpoint label, e.g. "GET /users/{id}/contacts/{id}". */
  readonly endpoint?: string;
  /** Graph's message with e-mail addresses redacted. */
  readonly graphMessage?: string;

  constructor(init: GraphErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.endpoint = init.endpoint;
    this.graphMessage = init.graphMessage;
  }

  /** True when the same request may succeed later without any change on our side. */
  override get transient(): boolean {
    return false;
  }

  /**
   * Builds the subclass that matches an HTTP error response. `body` is the parsed JSON body (or
   * the raw text when it was not JSON); Graph's shape is `{ error: { code, message, innerError } }`.
   */
  static fromResponse(status: number, body: unknown, headers?: HeaderSource, endpoint?: string): GraphApiError {
    const parsed = readErrorBody(body);
    const code = parsed.code ?? defaultCode(status);
    const graphMessage = parsed.message === undefined ? undefined : redact(parsed.message);
    const requestId = header(headers, 'request-id') ?? parsed.requestId ?? header(headers, 'client-request-id');
    const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'));
    const where = endpoint ? ` on ${endpoint}` : '';
    const message = `Graph ${status} ${code}${where}${graphMessage ? `: ${graphMessage}` : ''}`;
    const init: GraphErrorInit = { status, code, message, requestId, retryAfterMs, endpoint, graphMessage };
    const Type = classFor(status);
    return new Type(init);
  }
}

export class GraphBadRequestError extends GraphApiError {}
export class GraphPermissionError extends GraphApiError {}
export class GraphNotFoundError extends GraphApiError {}
export class GraphConflictError extends GraphApiError {}

/** 410: a delta token or other server-side state is gone; start over (full resync), do not retry. */
export class GraphGoneError extends GraphApiError {}

export class GraphAuthenticationError extends GraphApiError {
  /**
   * An expired or revoked access token is cured by fetching a new one; a wrong secret, unknown
   * client or tenant (the token endpoint's `invalid_client`, `unauthorized_client`...) is not.
   */
  override get transient(): boolean {
    return this.status === 401 && this.code === 'InvalidAuthenticationToken';
  }
}

export class GraphThrottledError extends GraphApiError {
  override get transient(): boolean {
    return true;
  }
}

export class GraphServerError extends GraphApiError {
  /** 501/505 say the request can never work; every other 5xx is worth another try. */
  override get transient(): boolean {
    return this.status !== 501 && this.status !== 505;
  }
}

/** No answer within the configured time. The request may or may not have been applied. */
export class GraphTimeoutError extends GraphApiError {
  override get transient(): boolean {
    return true;
  }
}

/** The connection failed before any HTTP answer (DNS, refused, reset, TLS). */
export class GraphConnectionError extends GraphApiError {
  override get transient(): boolean {
    return true;
  }
}

/**
 * A 2xx answer whose body does not match the schema the caller expects. Not transient: the same
 * item will fail the same way, so it must be recorded rather than retried.
 */
export class GraphResponseValidationError extends GraphApiError {}

/** True for errors that mean "your delta token is no longer valid: run a full sync". */
export function isResyncRequired(err: unknown): boolean {
  if (!(err instanceof GraphApiError)) return false;
  if (err instanceof GraphGoneError) return true;
  return /^(syncStateNotFound|syncStateInvalid|resyncRequired|ErrorInvalidSyncStateData)$/i.test(err.code);
}

type ErrorClass = new (init: GraphErrorInit) => GraphApiError;

function classFor(status: number): ErrorClass {
  switch (status) {
    case 400: return GraphBadRequestError;
    case 401: return GraphAuthenticationError;
    case 403: return GraphPermissionError;
    case 404: return GraphNotFoundError;
    case 409: return GraphConflictError;
    case 410: return GraphGoneError;
    case 429: return GraphThrottledError;
    default: return status >= 500 && status <= 599 ? GraphServerError : GraphApiError;
  }
}

function defaultCode(status: number): string {
  const names: Record<number, string> = {
    400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict',
    410: 'Gone', 429: 'TooManyRequests', 500: 'InternalServerError', 502: 'BadGateway',
    503: 'ServiceUnavailable', 504: 'GatewayTimeout',
  };
  return names[status] ?? `Http${status}`;
}

function readErrorBody(body: unknown): { code?: string; message?: string; requestId?: string } {
  if (typeof body === 'string') {
    try {
      return readErrorBody(JSON.parse(body));
    } catch {
      return {};
    }
  }
  if (!body || typeof body !== 'object') return {};
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return {};
  const e = error as { code?: unknown; message?: unknown; innerError?: unknown };
  const inner = (e.innerError && typeof e.innerError === 'object' ? e.innerError : {}) as Record<string, unknown>;
  return {
    code: typeof e.code === 'string' && e.code ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
    requestId: typeof inner['request-id'] === 'string' ? (inner['request-id'] as string) : undefined,
  };
}

export function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
