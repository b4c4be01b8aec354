import { createGraphClient, type GraphApi } from '../../lib/graph/client';
import { groupMembers, tenantMailboxUsers } from '../../lib/provision/graph-ops';
import { startGraphDouble, type GraphDouble } from '../doubles/graph';

/**
 * Who `POST manage/provision` selects for a group or `all`, past Graph's largest page (999): the
 * second page is read through the nextLink, so a big group or tenant is provisioned whole.
 */
let double: GraphDouble;
let graph: GraphApi;

beforeAll(async () => {
  double = await startGraphDouble();
  graph = createGraphClient(double.settings(), { timeoutMs: 5_000 });
});
afterAll(() => double.close());

const PAGE = 999;

describe('directory selection, every page', () => {
  it('reads every transitive member of a group bigger than one page, nested groups included', async () => {
    const direct = Array.from({ length: PAGE }, (_, i) => double.addUser({ userPrincipalName: `member${i}@contoso.com` }).id);
    const nestedMembers = Array.from({ length: 5 }, (_, i) => double.addUser({ userPrincipalName: `nested${i}@contoso.com` }).id);
    const nested = double.addGroup({ displayName: 'Nested', members: nestedMembers }).id;
    const group = double.addGroup({ displayName: 'Everyone in sales', members: [...direct, nested] }).id;
    const before = double.calls.snapshot()['GET /groups/{id}/transitiveMembers/microsoft.graph.user'] ?? 0;

    const members = await groupMembers(graph, group);

    expect(members.map((m) => m.id).sort()).toEqual([...direct, ...nestedMembers].sort());
    expect((double.calls.snapshot()['GET /groups/{id}/transitiveMembers/microsoft.graph.user'] ?? 0) - before).toBe(2);
  });

  it('reads every enabled member account with a mail address of a tenant bigger than one page', async () => {
    double.addUser({ userPrincipalName: 'guest_x#EXT#@contoso.onmicrosoft.com', userType: 'Guest' });
    double.addUser({ userPrincipalName: 'former@contoso.com', accountEnabled: false });
    double.addUser({ userPrincipalName: 'room.no.mail@contoso.com', hasMailbox: false });
    const before = double.calls.snapshot()['GET /users'] ?? 0;

    const users = await tenantMailboxUsers(graph);

    expect(users).toHaveLength(PAGE + 5);
    expect(users.every((u) => u.accountEnabled !== false && u.userType === 'Member' && u.mail)).toBe(true);
    expect((double.calls.snapshot()['GET /users'] ?? 0) - before).toBe(2);
  });
});
