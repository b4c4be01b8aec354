import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { manageDeprovision } from '../../functions/manage-deprovision';
import { manageProvision } from '../../functions/manage-provision';
import { manageStatus } from '../../functions/manage-status';
import { QUEUES } from '../../lib/queue';
import type { ProvisionAnswer, UserResult } from '../../lib/provision/provision';
import type { StatusAnswer } from '../../lib/provision/status';
import type { ResyncJobMessage } from '../../lib/sync/messages';
import { categoriesOf } from '../doubles/graph/users';
import { httpRequest, invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 5, provisioning half: POST/DELETE manage/provision and GET manage/status through the real
 * handlers, against the Graph double (which runs Graph's validation handshake against our own
 * webhook functions) and Azurite.
 */
let sys: System;
const logs: string[] = [];

type Handler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

async function call(handler: Handler, init: { method: string; path: string; body?: unknown; params?: Record<string, string> }): Promise<{ status: number; body: any }> {
  const { context, logs: log } = invocation('admin');
  const req = httpRequest({ method: init.method, url: `http://localhost/api/${init.path}`, body: init.body as object | string | undefined, params: init.params });
  const res = await handler(req, context);
  logs.push(log.text());
  return { status: res.status ?? 200, body: res.jsonBody };
}

const provision = (body: unknown) => call(manageProvision, { method: 'POST', path: 'manage/provision', body: body as object });
const deprovision = (user: string) => call(manageDeprovision, { method: 'DELETE', path: `manage/provision/${encodeURIComponent(user)}`, params: { user } });
const status = async (user?: string): Promise<StatusAnswer> => {
  const res = await call(manageStatus, { method: 'GET', path: `manage/status${user ? `?user=${encodeURIComponent(user)}` : ''}` });
  expect(res.status).toBe(200);
  return res.body as StatusAnswer;
};

function userResult(answer: ProvisionAnswer, id: string): UserResult {
  const found = answer.users.find((u) => u.user === id);
  if (!found) throw new Error(`no result for ${id}`);
  return found;
}

const graphSubsOf = (userId: string) => sys.graph.subscriptions.list().filter((s) => s.resource.includes(userId));
const resyncJobs = async () => (await sys.drain(QUEUES.resyncJobs)) as ResyncJobMessage[];

let adele: string;
let bianca: string;
let nomail: string;
let groupId: string;

beforeAll(async () => {
  sys = await startSystem();
  adele = sys.graph.addUser({ userPrincipalName: 'adele.vance@contoso.com' }).id;
  bianca = sys.graph.addUser({ userPrincipalName: 'bianca.pisani@contoso.com' }).id;
  nomail = sys.graph.addUser({ userPrincipalName: 'no.mailbox@contoso.com', hasMailbox: false }).id;
  // Bianca comes through a nested group: transitive members are what count.
  const nested = sys.graph.addGroup({ displayName: 'Sales Japan', members: [bianca] }).id;
  groupId = sys.graph.addGroup({ displayName: 'Sales', members: [adele, nested, nomail] }).id;
});

afterAll(async () => {
  await sys.close();
});

describe('POST manage/provision with a group of 3 (one without a mailbox)', () => {
  let answer: ProvisionAnswer;
  let firstRunCalls: Record<string, number>;

  beforeAll(async () => {
    firstRunCalls = await sys.graphCallsDuring(async () => {
      const res = await provision({ groupId });
      expect(res.status).toBe(200);
      answer = res.body;
    });
  });

  it('costs one category call, one To Do list read and one create per subscription per mailbox', () => {
    expect(firstRunCalls).toEqual({
      'GET /subscriptions': 1,
      'GET /groups/{id}/transitiveMembers/microsoft.graph.user': 1,
      'POST /users/{id}/outlook/masterCategories': 3,
      'GET /users/{id}/todo/lists': 2,
      'POST /subscriptions': 10,
    });
  });

  it('creates the category and every subscription for the two mailboxes', () => {
    expect(answer.summary).toEqual({ users: 3, provisioned: 2, refused: 1, failed: 0, left: 0 });
    for (const id of [adele, bianca]) {
      const r = userResult(answer, id);
      expect(r.result).toBe('provisioned');
      expect(r.category).toBe('created');
      expect(r.subscriptions.map((s) => `${s.module}:${s.result}`)).toEqual([
        'contacts:created', 'events:created', 'mail:created', 'tasks:created', 'tasks:created',
      ]);
      expect(categoriesOf(sys.graph.store.mailbox(id)).map((c) => c.displayName)).toEqual(['Zoho']);
    }
  });

  it('reports the account without a mailbox with Graph\'s reason, and does not stop the others', () => {
    const r = userResult(answer, nomail);
    expect(r).toMatchObject({ result: 'refused', code: 'MailboxNotEnabledForRESTAPI', category: 'refused', subscriptions: [] });
    expect(r.reason).toMatch(/no Exchange Online mailbox/);
    expect(graphSubsOf(nomail)).toEqual([]);
  });

  it('creates subscriptions the way the issue asks: object ids, lifecycle URL, fresh secrets, near-maximum expiry, immutable ids', async () => {
    const subs = [...graphSubsOf(adele), ...graphSubsOf(bianca)];
    expect(subs).toHaveLength(10);
    const rows = await sys.runtime().subscriptions.list();
    const secrets = new Set<string>();
    for (const s of subs) {
      expect(s.changeType).toBe('created,updated,deleted');
      expect(s.notificationUrl).toBe(`${sys.host.url}/api/graph/notifications`);
      expect(s.lifecycleNotificationUrl).toBe(`${sys.host.url}/api/graph/lifecycle`);
      expect(s.resource).toMatch(/^users\/[0-9a-f-]{36}\//);
      expect(s.clientState!.length).toBeLessThanOrEqual(128);
      secrets.add(s.clientState!);
      const row = rows.find((r) => r.id === s.id)!;
      expect(row.clientState).toBe(s.clientState);
      const max = s.kind === 'todoTask' ? 4230 : 10080;
      const minutesLeft = (s.expirationDateTime - Date.now()) / 60_000;
      expect(minutesLeft).toBeGreaterThan(max - 60);
      expect(minutesLeft).toBeLessThan(max);
      expect(s.prefer).toBe(s.kind === 'todoTask' ? null : 'IdType="ImmutableId"');
    }
    expect(secrets.size).toBe(10);
    expect(subs.filter((s) => s.resource.endsWith("mailFolders('sentitems')/messages"))).toHaveLength(2);
  });

  it('passed Graph\'s validation handshake through our own webhook, on both URLs', () => {
    const handshakes = sys.graph.subscriptions.handshakes;
    expect(handshakes).toHaveLength(20);
    expect(handshakes.every((h) => h.ok)).toBe(true);
    expect(handshakes.filter((h) => h.url.endsWith('/api/graph/notifications'))).toHaveLength(10);
    expect(handshakes.filter((h) => h.url.endsWith('/api/graph/lifecycle'))).toHaveLength(10);
  });

  it('queues one first full sync per provisioned mailbox on the resync-jobs queue', async () => {
    const jobs = await resyncJobs();
    expect(jobs).toHaveLength(2);
    for (const id of [adele, bianca]) {
      const job = jobs.find((j) => j.users?.[0] === id)!;
      expect(job).toMatchObject({ v: 1, mode: 'full', modules: ['contacts', 'tasks', 'events'], reason: 'provisioning' });
      expect(userResult(answer, id).sync).toEqual({ jobId: job.jobId, mode: 'full', modules: ['contacts', 'tasks', 'events'] });
      expect(await sys.runtime().runs.getRun(job.jobId)).toMatchObject({ kind: 'provisioning', state: 'queued' });
    }
  });

  it('notifications on the new subscriptions are accepted by the webhook', async () => {
    const contact = sys.graph.contacts.add(adele, { givenName: 'Pavel', surname: 'Bansky', categories: ['Zoho'] });
    const deliveries = await sys.graph.notifications.changes({ userId: adele, kind: 'contact', id: String(contact.id), changeType: 'created' });
    expect(deliveries.map((d) => d.status)).toEqual([202]);
    const queued = (await sys.drain(QUEUES.syncItems)) as { userId: string; module: string; itemId: string }[];
    expect(queued).toEqual([expect.objectContaining({ userId: adele, module: 'contacts', itemId: String(contact.id) })]);
    await sys.work(queued[0]);
  });

  it('GET manage/status lists users, subscriptions and expiries, and never a secret', async () => {
    const s = await status();
    expect(s.summary).toMatchObject({ users: 3, active: 2, refused: 1, failed: 0, subscriptions: 10 });
    expect(s.scopes).toEqual([expect.objectContaining({ kind: 'group', groupId })]);
    const a = s.users.find((u) => u.user === adele)!;
    expect(a).toMatchObject({ upn: 'adele.vance@contoso.com', sources: [`group:${groupId}`], state: 'active', category: 'created', polledLists: [] });
    // The notification handled just before, per module; none yet for Bianca.
    expect(Date.now() - Date.parse(a.lastNotificationAt.contacts!)).toBeLessThan(3_600_000);
    expect(s.users.find((u) => u.user === bianca)!.lastNotificationAt).toEqual({});
    expect(a.subscriptions).toHaveLength(5);
    for (const sub of a.subscriptions) expect(sub.expiresInMinutes).toBeGreaterThan(2000);
    expect(s.users.find((u) => u.user === nomail)).toMatchObject({ state: 'refused', code: 'MailboxNotEnabledForRESTAPI', subscriptions: [] });
    const text = JSON.stringify(s);
    const stored = await sys.runtime().subscriptions.list();
    expect(stored).toHaveLength(10);
    for (const row of stored) expect(text).not.toContain(row.clientState);
    expect((await status(bianca)).users.map((u) => u.user)).toEqual([bianca]);
    const one = await status('adele.vance@contoso.com');
    expect(one.users.map((u) => u.user)).toEqual([adele]);
    expect(one.users[0].lastNotificationAt).toEqual(a.lastNotificationAt);
  });

  it('running it again creates nothing and says what exists', async () => {
    let res!: { status: number; body: any };
    const again = await sys.graphCallsDuring(async () => {
      res = await provision({ groupId });
    });
    expect(res.status).toBe(200);
    expect(again).toEqual({
      'GET /subscriptions': 1,
      'GET /groups/{id}/transitiveMembers/microsoft.graph.user': 1,
      'POST /users/{id}/outlook/masterCategories': 3,
      'GET /users/{id}/todo/lists': 2,
    });
    expect(sys.graph.subscriptions.list()).toHaveLength(10);
    for (const id of [adele, bianca]) {
      const r = userResult(res.body, id);
      expect(r.category).toBe('existing');
      expect(r.subscriptions.every((s) => s.result === 'existing')).toBe(true);
      expect(r.sync).toBeUndefined();
    }
    expect(await resyncJobs()).toEqual([]);
  });

  it('never logs a UPN or a secret', async () => {
    const text = logs.join('\n');
    expect(text).not.toMatch(/@contoso\.com/);
    const stored = await sys.runtime().subscriptions.list();
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) expect(text).not.toContain(row.clientState);
  });
});

describe('POST manage/provision with users', () => {
  it('accepts object ids and UPNs, reports unknown users and mailboxes outside the RBAC scope per user', async () => {
    const scoped = sys.graph.addUser({ userPrincipalName: 'outside.scope@contoso.com', outsideAppScope: true }).id;
    const res = await provision({ users: ['outside.scope@contoso.com', 'nobody@contoso.com', adele, 'ADELE.VANCE@contoso.com'] });
    expect(res.status).toBe(200);
    const answer = res.body as ProvisionAnswer;
    expect(answer.summary).toMatchObject({ users: 3, provisioned: 1, refused: 2 });
    const refused = userResult(answer, scoped);
    expect(refused).toMatchObject({ result: 'refused', code: 'ErrorAccessDenied', upn: 'outside.scope@contoso.com' });
    expect(refused.reason).toMatch(/RBAC/);
    expect(refused.subscriptions.filter((s) => s.module !== 'tasks').every((s) => s.result === 'refused')).toBe(true);
    expect(refused.subscriptions.some((s) => s.module === 'tasks')).toBe(false);
    expect(userResult(answer, 'nobody@contoso.com')).toMatchObject({ result: 'refused', code: 'NotFound' });
    expect(userResult(answer, adele).subscriptions.every((s) => s.result === 'existing')).toBe(true);
    expect(graphSubsOf(scoped)).toEqual([]);
    expect((await sys.runtime().users.get(adele))?.sources.sort()).toEqual([`group:${groupId}`, 'ids'].sort());
  });

  it('provisions a new user named twice (object id and UPN) once, not twice side by side', async () => {
    const frank = sys.graph.addUser({ userPrincipalName: 'frank@contoso.com' }).id;
    const posts = sys.graph.calls.snapshot()['POST /subscriptions'] ?? 0;
    const res = await provision({ users: [frank, 'Frank@contoso.com'] });
    expect(res.body.summary).toMatchObject({ users: 1, provisioned: 1 });
    expect(userResult(res.body, frank).subscriptions.map((s) => s.result)).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect((sys.graph.calls.snapshot()['POST /subscriptions'] ?? 0) - posts).toBe(5);
    expect(await sys.runtime().subscriptions.list({ userId: frank })).toHaveLength(5);
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [frank], mode: 'full' })]);
  });

  it('records To Do lists Graph refuses as polled and still provisions the rest', async () => {
    const carol = sys.graph.addUser({ userPrincipalName: 'carol@contoso.com' }).id;
    sys.graph.subscriptions.refuseTodo = 'forbidden';
    try {
      const res = await provision({ users: [carol] });
      const r = userResult(res.body, carol);
      expect(r.result).toBe('provisioned');
      expect(r.subscriptions.map((s) => `${s.module}:${s.result}`)).toEqual(['contacts:created', 'events:created', 'mail:created', 'tasks:polled', 'tasks:polled']);
      expect(r.subscriptions.find((s) => s.result === 'polled')?.reason).toMatch(/polled with delta/);
      const row = await sys.runtime().users.get(carol);
      expect(row?.polledLists.sort()).toEqual(r.subscriptions.filter((s) => s.result === 'polled').map((s) => s.listId).sort());
      const [job] = await resyncJobs();
      expect(job).toMatchObject({ users: [carol], mode: 'full', modules: ['contacts', 'tasks', 'events'] });
    } finally {
      sys.graph.subscriptions.refuseTodo = false;
    }
    // Asked again with To Do accepted, the polled lists get their subscriptions.
    const again = await provision({ users: [carol] });
    expect(userResult(again.body, carol).subscriptions.filter((s) => s.module === 'tasks').map((s) => s.result)).toEqual(['created', 'created']);
    expect((await sys.runtime().users.get(carol))?.polledLists).toEqual([]);
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [carol], mode: 'delta', modules: ['tasks'], reason: 'provisioning' })]);
  });

  it.each([
    ['named in Graph\'s 409 message', 'events', false, 0],
    ['found in Graph\'s list when the 409 does not name it', 'mail', true, 1],
  ] as const)('adopts a subscription Graph has but we lost (%s): replaced with a fresh secret', async (_name, module, anonymousConflict, extraListings) => {
    const rt = sys.runtime();
    const lost = (await rt.subscriptions.list({ userId: bianca })).find((s) => s.module === module)!;
    await rt.subscriptions.delete(lost.id);
    if (anonymousConflict) sys.graph.inject('POST /subscriptions', { status: 409, code: 'Conflict', message: 'A subscription already exists.' });
    const listings = sys.graph.calls.snapshot()['GET /subscriptions'] ?? 0;
    const res = await provision({ users: [bianca] });
    const slot = userResult(res.body, bianca).subscriptions.find((s) => s.module === module)!;
    expect(slot.result).toBe('adopted');
    expect(slot.subscriptionId).not.toBe(lost.id);
    expect(sys.graph.subscriptions.get(lost.id)).toBeUndefined();
    const fresh = sys.graph.subscriptions.get(slot.subscriptionId!)!;
    expect(fresh.clientState).toBe((await rt.subscriptions.get(slot.subscriptionId!))?.clientState);
    expect(fresh.clientState).not.toBe(lost.clientState);
    expect(graphSubsOf(bianca).filter((s) => s.resource === lost.resource)).toHaveLength(1);
    expect((sys.graph.calls.snapshot()['GET /subscriptions'] ?? 0) - listings).toBe(1 + extraListings);
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [bianca], mode: 'delta', modules: [module] })]);
  });

  it('recreates a stored subscription that Graph no longer has', async () => {
    const rt = sys.runtime();
    const gone = (await rt.subscriptions.list({ userId: bianca })).find((s) => s.module === 'contacts')!;
    sys.graph.subscriptions.remove(gone.id);
    const res = await provision({ users: [bianca] });
    const slot = userResult(res.body, bianca).subscriptions.find((s) => s.module === 'contacts')!;
    expect(slot.result).toBe('created');
    expect(await rt.subscriptions.get(gone.id)).toBeUndefined();
    expect(sys.graph.subscriptions.get(slot.subscriptionId!)).toBeDefined();
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [bianca], mode: 'delta', modules: ['contacts'] })]);
  });

  it.each([
    ['not JSON', 'users=adele', /must be JSON/],
    ['two selections', { users: ['a@contoso.com'], all: true }, /exactly one of/],
    ['a group id that is not a GUID', { groupId: 'sales' }, /groupId/],
    ['an unknown field', { everyone: true }, /unknown field everyone/],
  ])('answers 400 to %s', async (_name, body, message) => {
    const res = await provision(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it('answers 404 for a group that does not exist', async () => {
    const res = await provision({ groupId: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(404);
  });
});

describe('DELETE manage/provision/{user}', () => {
  it('removes the subscriptions and every piece of sync state of that user', async () => {
    const rt = sys.runtime();
    await rt.links.claim(adele, 'contacts', 'c1', 't', new Date(), 60_000);
    await rt.links.claim(adele, 'events', 'e1', 't', new Date(), 60_000);
    await rt.deltaLinks.put(adele, 'contacts', 'folder-1', 'https://graph.example/delta?token=1');
    await rt.deltaLinks.put(adele, 'tasks', 'list-1', 'https://graph.example/delta?token=2');
    await rt.skipped.put({ userId: adele, module: 'contacts', itemId: 'c3', reason: 'x', runId: 'r', at: new Date().toISOString() });
    await rt.eventSeries.add(adele, 'master-1', ['occ-1', 'occ-2']);
    const subIds = (await rt.subscriptions.list({ userId: adele })).map((s) => s.id);
    expect(subIds).toHaveLength(5);

    const res = await deprovision('adele.vance@contoso.com');
    expect(res.status).toBe(200);
    // links: the two claims above and the contact synced from the notification earlier
    expect(res.body).toEqual({ user: adele, subscriptions: 5, links: 3, deltaLinks: 2, skipped: 1, excluded: true });
    for (const id of subIds) expect(sys.graph.subscriptions.get(id)).toBeUndefined();
    expect(graphSubsOf(adele)).toEqual([]);
    expect(await rt.subscriptions.list({ userId: adele })).toEqual([]);
    expect(await rt.links.list(adele, 'contacts')).toEqual([]);
    expect(await rt.links.list(adele, 'events')).toEqual([]);
    expect(await rt.deltaLinks.get(adele, 'contacts', 'folder-1')).toBeUndefined();
    expect(await rt.skipped.list(adele)).toEqual([]);
    expect(await rt.eventSeries.members(adele, 'master-1')).toEqual([]);
    expect(await rt.users.get(adele)).toBeUndefined();
    expect((await status()).users.map((u) => u.user)).not.toContain(adele);
    expect((await deprovision(adele)).status).toBe(404);
  });

  it('a Graph subscription already gone is fine; a Graph failure keeps the state for a retry', async () => {
    const rt = sys.runtime();
    const subs = await rt.subscriptions.list({ userId: bianca });
    sys.graph.subscriptions.remove(subs[0].id);
    sys.graph.inject('DELETE /subscriptions/{id}', { status: 500, code: 'generalException', message: 'boom' });
    const failed = await deprovision(bianca);
    expect(failed.status).toBe(502);
    expect(await rt.users.get(bianca)).toBeDefined();
    // The failure is on the subscription's row, where the status shows it.
    const shown = (await status(bianca)).users[0].subscriptions;
    expect(shown.filter((s) => /^delete failed/.test(s.lastError ?? ''))).toHaveLength(1);
    expect((await status()).summary.withErrors).toBeGreaterThanOrEqual(1);
    const done = await deprovision(bianca);
    expect(done.status).toBe(200);
    expect(graphSubsOf(bianca)).toEqual([]);
    expect(await rt.users.get(bianca)).toBeUndefined();
  });

  it('removing a group scope deprovisions the users it alone provisioned', async () => {
    const dan = sys.graph.addUser({ userPrincipalName: 'dan@contoso.com' }).id;
    const erin = sys.graph.addUser({ userPrincipalName: 'erin@contoso.com' }).id;
    const team = sys.graph.addGroup({ displayName: 'Team', members: [dan, erin] }).id;
    expect((await provision({ groupId: team })).body.summary.provisioned).toBe(2);
    expect((await provision({ users: [erin] })).status).toBe(200);
    await resyncJobs();
    const res = await deprovision(`group:${team}`);
    expect(res.status).toBe(200);
    expect(res.body.users).toEqual(expect.arrayContaining([{ user: dan, deprovisioned: true }, { user: erin, deprovisioned: false }]));
    expect(graphSubsOf(dan)).toEqual([]);
    expect(graphSubsOf(erin)).toHaveLength(5);
    expect((await sys.runtime().users.get(erin))?.sources).toEqual(['ids']);
    expect((await status()).scopes.map((s) => s.groupId)).not.toContain(team);
  });
});

describe('POST manage/provision with all: true', () => {
  it('selects every enabled member account with a mail address, and keeps the tenant as a scope', async () => {
    const guest = sys.graph.addUser({ userPrincipalName: 'guest_fabrikam.com#EXT#@contoso.onmicrosoft.com', mail: 'guest@fabrikam.com', userType: 'Guest' }).id;
    const disabled = sys.graph.addUser({ userPrincipalName: 'former@contoso.com', accountEnabled: false }).id;
    const res = await provision({ all: true });
    expect(res.status).toBe(200);
    const answer = res.body as ProvisionAnswer;
    expect(answer.selection).toBe('all');
    const selected = answer.users.map((u) => u.user);
    expect(selected).not.toContain(guest);
    expect(selected).not.toContain(disabled);
    expect(selected).not.toContain(nomail);
    const mailboxes = [...sys.graph.store.users.values()].filter((u) => u.accountEnabled && u.userType === 'Member' && u.mail);
    expect(selected.sort()).toEqual(mailboxes.map((u) => u.id).sort());
    expect(answer.users.filter((u) => u.result === 'refused').map((u) => u.code)).toEqual(['ErrorAccessDenied']);
    expect((await status()).scopes.map((s) => s.kind)).toContain('all');
    await resyncJobs();
  });
});
