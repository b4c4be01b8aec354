import {
  GraphApiError,
  GraphAuthenticationError,
  GraphBadRequestError,
  GraphConflictError,
  GraphGoneError,
  GraphNotFoundError,
  GraphPermissionError,
  GraphServerError,
  GraphThrottledError,
  GraphTimeoutError,
  isResyncRequired,
  parseRetryAfter,
  redact,
} from '../../lib/graph/errors';
import { tokenError } from '../../lib/graph/credential';
import { nextDelay, withRetryHint, type RetryPolicy } from '../../lib/graph/retry';

const body = (code: string, message = 'x') => ({ error: { code, message, innerError: { 'request-id': 'req-1', date: '2024-01-01T00:00:00' } } });

describe('GraphApiError.fromResponse', () => {
  it.each([
    [400, 'ErrorInvalidIdMalformed', GraphBadRequestError, false],
    [401, 'InvalidAuthenticationToken', GraphAuthenticationError, true],
    [403, 'ErrorAccessDenied', GraphPermissionError, false],
    [404, 'ErrorItemNotFound', GraphNotFoundError, false],
    [404, 'MailboxNotEnabledForRESTAPI', GraphNotFoundError, false],
    [409, 'ErrorIrresolvableConflict', GraphConflictError, false],
    [410, 'syncStateNotFound', GraphGoneError, false],
    [429, 'TooManyRequests', GraphThrottledError, true],
    [500, 'generalException', GraphServerError, true],
    [503, 'ServiceUnavailable', GraphServerError, true],
    [504, 'UnknownError', GraphServerError, true],
    [501, 'notSupported', GraphServerError, false],
    [412, 'ErrorIrresolvableConflict', GraphApiError, false],
  ])('%i %s → %p (transient %p)', (status, code, type, transient) => {
    const err = GraphApiError.fromResponse(status, body(code), { 'request-id': 'hdr-1' }, 'GET /users/{id}');
    expect(err).toBeInstanceOf(type);
    expect(err).toBeInstanceOf(GraphApiError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ status, code, requestId: 'hdr-1', endpoint: 'GET /users/{id}', transient });
    expect(err.name).toBe(type.name);
  });

  it('treats only an expired/invalid token as a transient 401', () => {
    expect(GraphApiError.fromResponse(401, body('InvalidAuthenticationToken'), undefined).transient).toBe(true);
    expect(GraphApiError.fromResponse(401, body('Unauthorized'), undefined).transient).toBe(false);
    expect(new GraphAuthenticationError({ status: 401, code: 'invalid_client', message: 'm' }).transient).toBe(false);
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(GraphApiError.fromResponse(429, body('TooManyRequests'), { 'Retry-After': '7' }).retryAfterMs).toBe(7000);
    const headers = new Headers({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
    const ms = GraphApiError.fromResponse(503, body('ServiceUnavailable'), headers).retryAfterMs!;
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('falls back to the body request-id and to a status-derived code', () => {
    expect(GraphApiError.fromResponse(404, body('ErrorItemNotFound'), undefined).requestId).toBe('req-1');
    const bare = GraphApiError.fromResponse(502, '<html>Bad gateway</html>', undefined);
    expect(bare).toBeInstanceOf(GraphServerError);
    expect(bare.code).toBe('BadGateway');
    expect(GraphApiError.fromResponse(400, JSON.stringify(body('BadRequest')), undefined).code).toBe('BadRequest');
  });

  it('never carries e-mail addresses in its message', () => {
    const err = GraphApiError.fromResponse(404, body('Request_ResourceNotFound', "Resource 'adele.vance@contoso.com' does not exist"), undefined, 'GET /users/{id}');
    expect(err.message).toBe("Graph 404 Request_ResourceNotFound on GET /users/{id}: Resource '<redacted>' does not exist");
    expect(err.graphMessage).not.toContain('@');
    expect(redact('to a.b+c@sub.example.co.jp and x@y.org')).toBe('to <redacted> and <redacted>');
  });

  it('recognises delta resets', () => {
    expect(isResyncRequired(GraphApiError.fromResponse(410, body('resyncRequired'), undefined))).toBe(true);
    expect(isResyncRequired(GraphApiError.fromResponse(400, body('syncStateNotFound'), undefined))).toBe(true);
    expect(isResyncRequired(GraphApiError.fromResponse(404, body('ErrorItemNotFound'), undefined))).toBe(false);
    expect(isResyncRequired(new Error('x'))).toBe(false);
  });

  it('marks timeouts as transient', () => {
    expect(new GraphTimeoutError({ status: 0, code: 'Timeout', message: 't' }).transient).toBe(true);
  });
});

describe('tokenError', () => {
  it('keeps Entra error code and AADSTS number from identity messages only', () => {
    const wrapped = new Error("invalid_client: Error(s): 7000215 - Timestamp: 2026-01-01 - Description: AADSTS7000215: Invalid client secret provided for app 'x'.");
    wrapped.name = 'AuthenticationRequiredError';
    const err = tokenError(wrapped, 'GET /users/{id}');
    expect(err).toBeInstanceOf(GraphAuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_client', transient: false });
    expect(err.message).toBe('Token request for GET /users/{id} failed: invalid_client (AADSTS7000215)');
  });

  it('treats an unreachable authority and an unreadable failure as transient', () => {
    const down = new Error('endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details');
    down.name = 'CredentialUnavailableError';
    expect(tokenError(down, 'GET /x').transient).toBe(true);
    expect(tokenError(new Error('[object Object]: Error(s): Not Available'), 'GET /x').transient).toBe(true);
  });
});

describe('retry policy', () => {
  const policy: RetryPolicy = { maxRetries: 3, maxWaitMs: 5_000, baseDelayMs: 1_000 };
  const throttled = (retryAfter?: string) => GraphApiError.fromResponse(429, body('TooManyRequests'), retryAfter ? { 'retry-after': retryAfter } : {});

  it('waits Retry-After while it fits the budget', () => {
    expect(nextDelay(throttled('2'), 0, 0, policy)).toBe(2000);
    expect(nextDelay(throttled('2'), 1, 4000, policy)).toBeUndefined();
    expect(nextDelay(throttled('30'), 0, 0, policy)).toBeUndefined();
  });

  it('backs off exponentially without Retry-After and stops at maxRetries', () => {
    const d0 = nextDelay(throttled(), 0, 0, policy)!;
    const d1 = nextDelay(throttled(), 1, 0, policy)!;
    expect(d0).toBeGreaterThanOrEqual(800);
    expect(d0).toBeLessThanOrEqual(1200);
    expect(d1).toBeGreaterThanOrEqual(1600);
    expect(nextDelay(throttled(), 3, 0, policy)).toBeUndefined();
  });

  it('does not retry statuses that a retry cannot fix in-request', () => {
    expect(nextDelay(GraphApiError.fromResponse(500, body('generalException'), {}), 0, 0, policy)).toBeUndefined();
    expect(nextDelay(GraphApiError.fromResponse(404, body('ErrorItemNotFound'), {}), 0, 0, policy)).toBeUndefined();
    expect(nextDelay(GraphApiError.fromResponse(503, body('ServiceUnavailable'), {}), 0, 0, policy)).toBeDefined();
  });

  it('adds a retry hint to a throttled error that came without Retry-After', () => {
    const hinted = withRetryHint(throttled(), 2, policy);
    expect(hinted).toBeInstanceOf(GraphThrottledError);
    expect(hinted.retryAfterMs).toBeGreaterThan(0);
    const kept = throttled('9');
    expect(withRetryHint(kept, 0, policy)).toBe(kept);
  });
});
