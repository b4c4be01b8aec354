import { GraphApiError } from '../../lib/graph/errors';
import { DEFAULT_POLICY, onFailure, policyFor, type RetryPolicy } from '../../lib/sync/failure';
import { ItemBusyError, ZohoRecordRefused } from '../../lib/sync/outcome';
import { VendorApiError } from '../../lib/vendor';
import { ZohoApiError } from '../../lib/zoho/errors';

const policy: RetryPolicy = { ...DEFAULT_POLICY, maxAttempts: 5, busyRetryMs: 30_000 };
const zoho = (status: number, code: string, retryAfterMs?: number) => ZohoApiError.fromResponse(status, { code, message: 'x', status: 'error', details: {} }, { retryAfterMs });
const graph = (status: number, code: string, retryAfterMs?: number) =>
  GraphApiError.fromResponse(status, { error: { code, message: 'x' } }, retryAfterMs === undefined ? undefined : { 'retry-after': String(retryAfterMs / 1000) });

describe('onFailure(error, attempt) → retry | defer | give-up', () => {
  it.each([
    ['Zoho 429 without Retry-After, attempt 1', zoho(429, 'TOO_MANY_REQUESTS'), 1, 0, { do: 'retry', code: 'TOO_MANY_REQUESTS' }],
    ['Zoho 429 asking 120 s', zoho(429, 'TOO_MANY_REQUESTS', 120_000), 1, 0, { do: 'defer', ms: 120_000, code: 'TOO_MANY_REQUESTS', busy: false }],
    ['Zoho 429 asking 2 h: capped', zoho(429, 'TOO_MANY_REQUESTS', 7_200_000), 1, 0, { do: 'defer', ms: 900_000, code: 'TOO_MANY_REQUESTS', busy: false }],
    ['Zoho 429 asking 120 s, deferrals spent', zoho(429, 'TOO_MANY_REQUESTS', 120_000), 2, 20, { do: 'retry', code: 'TOO_MANY_REQUESTS' }],
    ['Zoho 500 on the last attempt', zoho(500, 'INTERNAL_ERROR'), 5, 0, { do: 'give-up', code: 'INTERNAL_ERROR', reason: 'gave up after 5 attempts (INTERNAL_ERROR)' }],
    ['Zoho NO_PERMISSION: no retry', zoho(403, 'NO_PERMISSION'), 1, 0, { do: 'give-up', code: 'NO_PERMISSION', reason: 'no permission' }],
    ['Zoho refusing the record', new ZohoRecordRefused({ status: 'error', code: 'MANDATORY_NOT_FOUND', message: 'm', field: 'Last_Name', details: {} }, 'Contacts'), 1, 0, { do: 'give-up', code: 'MANDATORY_NOT_FOUND', reason: 'mandatory field missing: Last_Name' }],
    ['Graph 503 asking 5 s', graph(503, 'ServiceUnavailable', 5_000), 1, 0, { do: 'retry', code: 'ServiceUnavailable' }],
    ['busy elsewhere', new ItemBusyError(), 1, 0, { do: 'defer', ms: 30_000, code: 'ItemBusyError', busy: true }],
    ['unknown (storage hiccup)', new Error('socket hang up'), 1, 0, { do: 'retry', code: 'Error' }],
  ])('%s', (_name, err, dequeueCount, deferrals, expected) => {
    expect(onFailure(err, { dequeueCount, deferrals }, policy)).toEqual(expected);
  });

  it('a worker that cannot defer lets the queue retry a long Retry-After', () => {
    const noDefer = policyFor({ SYNC_MAX_ATTEMPTS: 5, SYNC_BUSY_RETRY_SECONDS: 30 }, false);
    expect(onFailure(zoho(429, 'TOO_MANY_REQUESTS', 120_000), { dequeueCount: 1, deferrals: 0 }, noDefer)).toEqual({ do: 'retry', code: 'TOO_MANY_REQUESTS' });
  });

  it('every vendor error shares one base with vendor, status, code, transient and Retry-After', () => {
    for (const [err, vendor] of [[zoho(503, 'INTERNAL_ERROR', 1000), 'zoho'], [graph(503, 'ServiceUnavailable', 1000), 'graph']] as const) {
      expect(err).toBeInstanceOf(VendorApiError);
      expect({ vendor: err.vendor, status: err.status, transient: err.transient, retryAfterMs: err.retryAfterMs }).toEqual({ vendor, status: 503, transient: true, retryAfterMs: 1000 });
    }
  });
});
