import { parseProvisionRequest } from '../../lib/provision/request';

const GROUP = '0b5c6d7e-1111-4222-8333-944455556666';

describe('parseProvisionRequest', () => {
  it.each([
    ['ids and UPNs', { users: ['adele@contoso.com', GROUP] }, { kind: 'users', users: ['adele@contoso.com', GROUP] }],
    ['duplicates collapse', { users: ['a@contoso.com', 'a@contoso.com'] }, { kind: 'users', users: ['a@contoso.com'] }],
    ['a group (id lower-cased)', { groupId: GROUP.toUpperCase() }, { kind: 'group', groupId: GROUP }],
    ['the tenant', { all: true }, { kind: 'all' }],
  ])('accepts %s', (_name, body, request) => {
    expect(parseProvisionRequest(body)).toEqual({ ok: true, request });
  });

  it.each([
    ['not an object', 'users', /not a JSON object/],
    ['an empty object', {}, /exactly one of/],
    ['two selections', { users: ['a@contoso.com'], all: true }, /exactly one of/],
    ['an empty user list', { users: [] }, /^users must list at least one/],
    ['a blank user', { users: ['  '] }, /users\[0\] is required/],
    ['a dot segment as user', { users: ['a@contoso.com', '..'] }, /users\[1\] must be an object id or a UPN/],
    ['a lone surrogate as user', { users: ['\ud800'] }, /users\[0\] must be an object id or a UPN/],
    ['an injection attempt as user', { users: ["x' or 1 eq 1"] }, /users\[0\] must be/],
    ['a group that is not a GUID', { groupId: 'sales' }, /^groupId must be the group object id/],
    ['all: false', { all: false }, /^all must be true/],
    ['an unknown field', { user: 'a@contoso.com' }, /unknown field user/],
    ['too many users', { users: Array.from({ length: 1001 }, (_, i) => `u${i}@contoso.com`) }, /at most 1000/],
  ])('refuses %s with a clear message', (_name, body, message) => {
    const parsed = parseProvisionRequest(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it('never echoes the values it refuses', () => {
    const parsed = parseProvisionRequest({ groupId: 'secret-sales@contoso.com' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).not.toContain('contoso.com');
  });
});
