import { jobMessage, parseResyncRequest } from '../../lib/resync/request';
import { ResyncJobMessage } from '../../lib/sync/messages';

describe('parseResyncRequest', () => {
  test.each<[string, string, Record<string, unknown>]>([
    ['empty body: every user and module, by delta', '', { mode: 'delta' }],
    ['empty object', '{}', { mode: 'delta' }],
    ['full list', '{"users":["a@contoso.com","6f1c0000-0000-4000-8000-000000000001"],"modules":["contacts","mail"],"mode":"full","retrySkipped":true,"force":true}', { users: ['a@contoso.com', '6f1c0000-0000-4000-8000-000000000001'], modules: ['contacts', 'mail'], mode: 'full', retrySkipped: true, force: true }],
    ['duplicates removed', '{"users":["a@contoso.com","a@contoso.com"],"modules":["tasks","tasks"]}', { users: ['a@contoso.com'], modules: ['tasks'] }],
    ['users trimmed', '{"users":["  a@contoso.com "]}', { users: ['a@contoso.com'] }],
    ['retrySkipped with item ids', '{"retrySkipped":["AAMk1","AAMk2"]}', { retrySkipped: ['AAMk1', 'AAMk2'] }],
    ['retrySkipped false', '{"retrySkipped":false}', { retrySkipped: false }],
  ])('accepts %s', (_name, body, expected) => {
    const r = parseResyncRequest(body);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.request).toMatchObject(expected);
  });

  test.each<[string, string, RegExp]>([
    ['not JSON', '{users:', /^The body is not valid JSON\.$/],
    ['an array', '[]', /^The body must be a JSON object\.$/],
    ['null', 'null', /^The body must be a JSON object\.$/],
    ['unknown field', '{"user":["a"]}', /unknown field user/],
    ['two unknown fields', '{"a":1,"b":2}', /unknown fields a, b/],
    ['empty users', '{"users":[]}', /users must list at least one user/],
    ['blank user', '{"users":[" "]}', /users\[0\] is required/],
    ['a dot-dot user, named by index', '{"users":["a@contoso.com","a@contoso.com",".."]}', /users\[2\] must be an object id or a UPN/],
    ['a lone surrogate user', '{"users":["\\ud800"]}', /users\[0\] must be/],
    ['a NUL in a user', '{"users":["a\\u0000@contoso.com"]}', /users\[0\] must be/],
    ['a path as user', '{"users":["../../etc/passwd"]}', /users\[0\] must be/],
    ['an OData injection as user', '{"users":["x\' or 1 eq 1"]}', /users\[0\] must be/],
    ['a retry id outside Graph\'s alphabet', '{"retrySkipped":["AAMk1","a\'b"]}', /retrySkipped\[1\] is not a Microsoft Graph id/],
    ['unknown module', '{"modules":["calendar"]}', /modules\[0\]: each module must be one of contacts, tasks, events, mail/],
    ['bad mode', '{"mode":"quick"}', /mode must be "delta", "full" or "preview"/],
    ['bad retrySkipped', '{"retrySkipped":"yes"}', /retrySkipped must be true, false, or a list of item ids/],
    ['empty retry list', '{"retrySkipped":[]}', /retrySkipped/],
    ['bad force', '{"force":1}', /force must be true or false/],
  ])('refuses %s', (_name, body, message) => {
    const r = parseResyncRequest(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  test('never echoes a value', () => {
    const r = parseResyncRequest('{"users":["secret.person@contoso.com", ""],"mode":"secret-mode"}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).not.toMatch(/secret/);
  });
});

describe('jobMessage', () => {
  test('is a valid resync-jobs message carrying the request', () => {
    const r = parseResyncRequest('{"users":["6f1c0000-0000-4000-8000-000000000001"],"modules":["contacts"],"mode":"full","retrySkipped":["x"],"force":true}');
    if (!r.ok) throw new Error(r.error);
    const msg = jobMessage('job-1', r.request);
    expect(ResyncJobMessage.parse(msg)).toEqual({ v: 1, jobId: 'job-1', users: ['6f1c0000-0000-4000-8000-000000000001'], modules: ['contacts'], mode: 'full', retrySkipped: ['x'], force: true, reason: 'request' });
  });
});
