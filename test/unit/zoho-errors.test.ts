/** Error classification from Zoho's documented bodies (test/fixtures/zoho/payloads). */
import accounts from '../fixtures/zoho/payloads/accounts.json';
import errorSamples from '../fixtures/zoho/payloads/errors.json';
import records from '../fixtures/zoho/payloads/records.json';
import {
  parseRetryAfter, redact, ZohoApiError, ZohoAuthenticationError, ZohoInvalidRequestError, ZohoNotFoundError, ZohoOAuthError,
  ZohoPermissionError, ZohoRateLimitError, ZohoServerError,
} from '../../lib/zoho/errors';

describe('ZohoApiError.fromResponse', () => {
  test.each([
    ['invalidToken', ZohoAuthenticationError, 'INVALID_TOKEN', true],
    ['scopeMismatch', ZohoAuthenticationError, 'OAUTH_SCOPE_MISMATCH', false],
    ['noPermission', ZohoPermissionError, 'NO_PERMISSION', false],
    ['limitExceeded', ZohoInvalidRequestError, 'LIMIT_EXCEEDED', false],
    ['tooManyRequests', ZohoRateLimitError, 'TOO_MANY_REQUESTS', true],
    ['invalidUrlPattern', ZohoNotFoundError, 'INVALID_URL_PATTERN', false],
    ['internalError', ZohoServerError, 'INTERNAL_ERROR', true],
    ['invalidModule', ZohoInvalidRequestError, 'INVALID_MODULE', false],
  ] as const)('%s → %p', (name, Type, code, transient) => {
    const sample = errorSamples[name];
    const err = ZohoApiError.fromResponse(sample.status, sample.body, { endpoint: 'GET /crm/v8/org' });
    expect(err).toBeInstanceOf(Type);
    expect(err).toBeInstanceOf(ZohoApiError);
    expect(err).toMatchObject({ status: sample.status, code, transient, endpoint: 'GET /crm/v8/org' });
    expect(err.name).toBe(Type.name);
    expect(err.message).toContain(code);
  });

  test('details and api_name are kept as data', () => {
    const err = ZohoApiError.fromResponse(400, { code: 'INVALID_DATA', details: { api_name: 'Email', json_path: '$.data[0].Email' }, message: 'invalid data', status: 'error' });
    expect(err.apiName).toBe('Email');
    expect(err.details).toEqual({ api_name: 'Email', json_path: '$.data[0].Email' });
  });

  test('a body with per-record entries is classified from its first entry', () => {
    const err = ZohoApiError.fromResponse(400, records.insertMixed);
    expect(err.code).toBe('SUCCESS');
    const refused = ZohoApiError.fromResponse(400, { data: [records.insertMixed.data[1]] });
    expect(refused).toMatchObject({ code: 'DUPLICATE_DATA', apiName: 'Email' });
  });

  test("Zoho's code wins over an unexpected status", () => {
    expect(ZohoApiError.fromResponse(400, { code: 'NO_PERMISSION', status: 'error' })).toBeInstanceOf(ZohoPermissionError);
    expect(ZohoApiError.fromResponse(400, { code: 'TOO_MANY_REQUESTS', status: 'error' })).toBeInstanceOf(ZohoRateLimitError);
    expect(ZohoApiError.fromResponse(400, { code: 'INVALID_OAUTHTOKEN', status: 'error' })).toBeInstanceOf(ZohoAuthenticationError);
  });

  test('non-JSON and empty bodies get a code from the status', () => {
    expect(ZohoApiError.fromResponse(502, '<html>Bad Gateway</html>')).toMatchObject({ code: 'BAD_GATEWAY', transient: true });
    expect(ZohoApiError.fromResponse(413, undefined)).toBeInstanceOf(ZohoInvalidRequestError);
    expect(ZohoApiError.fromResponse(501, undefined).transient).toBe(false);
  });

  test('Retry-After travels on the error', () => {
    expect(ZohoApiError.fromResponse(429, errorSamples.tooManyRequests.body, { retryAfterMs: 3000 }).retryAfterMs).toBe(3000);
  });

  test('no e-mail address reaches the message or the log properties', () => {
    const err = ZohoApiError.fromResponse(400, { code: 'INVALID_DATA', message: 'invalid email jane.doe@example.com', details: { near: "Email = 'jane.doe@example.com'" }, status: 'error' });
    expect(err.message).not.toContain('jane.doe');
    expect(JSON.stringify(err.toLogProps())).not.toContain('jane.doe');
    expect(err.details.near).toContain('jane.doe'); // data stays available to code, not to logs
  });
});

describe('ZohoOAuthError.fromTokenResponse', () => {
  test('the throttle answer (HTTP 200) is rate-limited and transient', () => {
    const err = ZohoOAuthError.fromTokenResponse(200, accounts.throttled);
    expect(err).toMatchObject({ code: 'Access Denied', rateLimited: true, transient: true, retryAfterMs: 600_000 });
    expect(err).toBeInstanceOf(ZohoApiError);
  });

  test.each([
    ['invalidCode', 'invalid_code'],
    ['invalidClient', 'invalid_client'],
  ] as const)('%s is permanent', (name, code) => {
    const err = ZohoOAuthError.fromTokenResponse(200, accounts[name]);
    expect(err).toMatchObject({ code, rateLimited: false, transient: false });
  });

  test('a 5xx from the accounts server is transient', () => {
    expect(ZohoOAuthError.fromTokenResponse(503, undefined)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', transient: true });
  });
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  expect(parseRetryAfter('2')).toBe(2000);
  expect(parseRetryAfter(null)).toBeUndefined();
  expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
  expect(parseRetryAfter('soon')).toBeUndefined();
});

test('redact removes addresses', () => {
  expect(redact('from a.b+c@example.co.jp to x@y.io')).toBe('from <redacted> to <redacted>');
});
