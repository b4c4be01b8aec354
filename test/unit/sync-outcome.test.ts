import { GraphApiError } from '../../lib/graph/errors';
import { LinkConflictError } from '../../lib/state/links';
import { classify, ItemBusyError, StaleLookupError, ZohoRecordRefused, zohoReason } from '../../lib/sync/outcome';
import { ZohoApiError, ZohoOAuthError } from '../../lib/zoho/errors';

const refused = (code: string, field?: string, message = 'invalid data') =>
  new ZohoRecordRefused({ status: 'error', code, message, field, details: {} }, 'Contacts');

describe('classify: retry later or report as skipped', () => {
  it.each([
    ['another worker is creating it', new ItemBusyError(), { transient: true }],
    ['a link row changed under us', new LinkConflictError(), { transient: true }],
    ['a cached look-up Zoho no longer knows (forgotten, resolved again)', new StaleLookupError('Account_Name'), { transient: true, code: 'StaleLookupError' }],
    ['Zoho throttled token refreshes', ZohoOAuthError.fromTokenResponse(200, { error: 'Access Denied', error_description: 'You have made too many requests continuously.' }), { transient: true, retryAfterMs: 600_000 }],
    ['the Zoho refresh token was revoked', ZohoOAuthError.fromTokenResponse(200, { error: 'invalid_code' }), { transient: false }],
    ['Zoho 429', ZohoApiError.fromResponse(429, { code: 'TOO_MANY_REQUESTS', message: 'too many', status: 'error', details: {} }), { transient: true, code: 'TOO_MANY_REQUESTS' }],
    ['Zoho 500', ZohoApiError.fromResponse(500, { code: 'INTERNAL_ERROR', message: 'x', status: 'error', details: {} }), { transient: true }],
    ['Zoho expired token', ZohoApiError.fromResponse(401, { code: 'INVALID_TOKEN', message: 'invalid oauth token', status: 'error', details: {} }), { transient: true }],
    ['Zoho no permission', ZohoApiError.fromResponse(403, { code: 'NO_PERMISSION', message: 'permission denied', status: 'error', details: {} }), { transient: false, reason: 'no permission' }],
    ['Graph 429', GraphApiError.fromResponse(429, { error: { code: 'ApplicationThrottled', message: 'x' } }, { 'Retry-After': '3' }), { transient: true, retryAfterMs: 3000 }],
    ['Graph 503', GraphApiError.fromResponse(503, { error: { code: 'ServiceUnavailable', message: 'x' } }), { transient: true }],
    ['Graph 403 (mailbox outside the RBAC scope)', GraphApiError.fromResponse(403, { error: { code: 'ErrorAccessDenied', message: 'Access to OData is disabled.' } }), { transient: false, reason: expect.stringMatching(/refused access/) }],
    ['a record Zoho refuses for permission', refused('NO_PERMISSION'), { transient: false, reason: 'no permission', code: 'NO_PERMISSION' }],
    ['a record with invalid data in a field', refused('INVALID_DATA', 'Email'), { transient: false, reason: 'invalid data in Email (invalid data)' }],
    ['a record missing a mandatory field', refused('MANDATORY_NOT_FOUND', 'Last_Name'), { transient: false, reason: 'mandatory field missing: Last_Name' }],
    ['an unknown error (storage hiccup)', new Error('socket hang up'), { transient: true }],
  ])('%s', (_name, err, expected) => {
    expect(classify(err)).toMatchObject(expected);
  });
});

describe('zohoReason', () => {
  it.each([
    ['NO_PERMISSION', undefined, 'no permission'],
    ['RECORD_LOCKED', undefined, 'the Zoho record is locked (approval or review)'],
    ['DUPLICATE_DATA', 'Email', 'duplicate value in Email refused by Zoho'],
    ['SOMETHING_NEW', 'X', 'Zoho refused it: SOMETHING_NEW (X)'],
  ])('%s %s', (code, field, text) => {
    expect(zohoReason(code, field)).toBe(text);
  });
});
