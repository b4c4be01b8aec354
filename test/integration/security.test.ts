import { manageDeprovision } from '../../functions/manage-deprovision';
import { manageProvision } from '../../functions/manage-provision';
import { manageStatus } from '../../functions/manage-status';
import { manageUsers } from '../../functions/manage-users';
import { mailAdd } from '../../functions/mail-add';
import { mailAddToken } from '../../functions/mail-add-token';
import { mailAttach } from '../../functions/mail-attach';
import { mailAttachToken } from '../../functions/mail-attach-token';
import { mailCase } from '../../functions/mail-case';
import { mailCaseToken } from '../../functions/mail-case-token';
import { mailSearch } from '../../functions/mail-search';
import { mailSearchToken } from '../../functions/mail-search-token';
import { EntraTokenValidator } from '../../lib/auth/entra-token';
import { resyncWorker } from '../../functions/resync-worker';
import { QUEUES } from '../../lib/queue';
import { getRuntime } from '../../lib/runtime';
import { startFunctionHost, type FunctionHost } from '../support/function-host';
import { httpRequest, invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 15, "Done when": every example of the hostile-client run answers 400/403/404 with a clear
 * message and causes no Graph or Zoho request and no queue message; Zoho search takes any text
 * literally; the mail routes act only for the signed-in user.
 */
let sys: System;
let host: FunctionHost;
let adele: string;
let megan: string;
let messageId: string;

const ADELE = 'adele.vance@contoso.com';
const MEGAN = 'megan.bowen@contoso.com';
const SUB_ID = '5d9a3c77-1111-4f7b-8b23-000000000015';
const QUEUE_NAMES = [QUEUES.syncItems, QUEUES.lifecycle, QUEUES.resyncJobs];

async function call(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const base = route.startsWith('resync') || route.startsWith('graph/') ? sys.host.url : host.url;
  const res = await fetch(`${base}/api/${route}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* text stays */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** What a request cost: Graph calls (token and key discovery left out), Zoho calls, queue messages. */
async function sideEffects(run: () => Promise<unknown>): Promise<{ graph: Record<string, number>; zoho: number; queued: number }> {
  const zohoBefore = sys.zoho.requests.length;
  const graph = await sys.graphCallsDuring(run);
  const zoho = sys.zoho.requests.length - zohoBefore;
  let queued = 0;
  for (const q of QUEUE_NAMES) queued += (await sys.drain(q)).length;
  return { graph, zoho, queued };
}

beforeAll(async () => {
  sys = await startSystem();
  host = await startFunctionHost([
    { method: 'POST', route: 'mail/add', handler: mailAdd },
    { method: 'GET', route: 'mail/search', handler: mailSearch },
    { method: 'POST', route: 'mail/attach', handler: mailAttach },
    { method: 'POST', route: 'mail/case', handler: mailCase },
    { method: 'POST', route: 'token/mail/add', handler: mailAddToken },
    { method: 'GET', route: 'token/mail/search', handler: mailSearchToken },
    { method: 'POST', route: 'token/mail/attach', handler: mailAttachToken },
    { method: 'POST', route: 'token/mail/case', handler: mailCaseToken },
    { method: 'POST', route: 'manage/provision', handler: manageProvision },
    { method: 'DELETE', route: 'manage/provision/{user}', handler: manageDeprovision },
    { method: 'GET', route: 'manage/status', handler: manageStatus },
    { method: 'PUT', route: 'manage/users/{user}', handler: manageUsers },
  ]);
  adele = sys.graph.addUser({ userPrincipalName: ADELE, displayName: 'Adele Vance' }).id;
  megan = sys.graph.addUser({ userPrincipalName: MEGAN, displayName: 'Megan Bowen' }).id;
  sys.zoho.addUser({ email: ADELE, first_name: 'Adele', last_name: 'Vance' });
  messageId = String(sys.graph.mail.add(adele, { subject: 'Hello', from: { emailAddress: { address: 'pavelb@fabrikam.com', name: 'Pavel' } }, toRecipients: [{ emailAddress: { address: ADELE } }] }, { folder: 'inbox' }).id);
  await getRuntime().subscriptions.put({ id: SUB_ID, userId: adele, module: 'contacts', resource: `users/${adele}/contacts`, clientState: 'cs-issue-15', expiresAt: '2030-01-01T00:00:00Z', createdAt: '2026-11-01T00:00:00Z' });
  for (const q of QUEUE_NAMES) await sys.drain(q);
});

afterAll(async () => {
  await host.close();
  await sys.close();
});

describe('bad ids answer 4xx before any Graph, Zoho or queue work', () => {
  it.each<[string, string, string, unknown, number, RegExp]>([
    ['messageId ..', 'POST', 'mail/add', () => ({ user: ADELE, messageId: '..' }), 400, /^messageId is not a Microsoft Graph id/],
    ['messageId .', 'POST', 'mail/attach', () => ({ user: ADELE, messageId: '.', module: 'Leads', recordId: '1' }), 400, /^messageId is not a Microsoft Graph id/],
    ['user ..', 'POST', 'mail/add', () => ({ user: '..', messageId }), 400, /^user must be an object id or a UPN/],
    ['user \\ud800', 'POST', 'mail/case', () => ({ user: '\ud800', messageId, status: 'New' }), 400, /^user must be an object id or a UPN/],
    ['messageId a\'b', 'POST', 'mail/add', () => ({ user: ADELE, messageId: "a'b" }), 400, /^messageId is not a Microsoft Graph id/],
    ['messageId <script>', 'POST', 'mail/add', () => ({ user: ADELE, messageId: '<script>' }), 400, /^messageId is not a Microsoft Graph id/],
    ['messageId \\ud800', 'POST', 'mail/add', () => ({ user: ADELE, messageId: 'AAMk\ud800' }), 400, /^messageId is not a Microsoft Graph id/],
    ['provision user ..', 'POST', 'manage/provision', () => ({ users: [ADELE, '..'] }), 400, /^users\[1\] must be an object id or a UPN/],
    ['provision user \\ud800', 'POST', 'manage/provision', () => ({ users: ['\ud800'] }), 400, /^users\[0\] must be an object id or a UPN/],
    ['status user ..', 'GET', 'manage/status?user=..', undefined, 400, /^user must be an object id or a UPN/],
    ['user settings user <script>', 'PUT', `manage/users/${encodeURIComponent('<script>')}`, () => ({ contacts: 'manual' }), 400, /^user must be an object id or a UPN/],
    ['status user <script>', 'GET', `manage/status?user=${encodeURIComponent('<script>')}`, undefined, 400, /^user must be/],
    ['resync user <script>', 'POST', 'resync', () => ({ users: [ADELE, '<script>'] }), 400, /users\[1\] must be an object id or a UPN/],
    ['resync user ..', 'POST', 'resync', () => ({ users: ['..'] }), 400, /users\[0\] must be/],
    ["resync user x' or 1 eq 1", 'POST', 'resync', () => ({ users: ["x' or 1 eq 1"] }), 400, /users\[0\] must be/],
    ['resync user with NUL', 'POST', 'resync', () => ({ users: ['a\u0000@contoso.com'] }), 400, /users\[0\] must be/],
    ['resync user ../../etc/passwd', 'POST', 'resync', () => ({ users: ['../../etc/passwd'] }), 400, /users\[0\] must be/],
    ['resync user \\ud800', 'POST', 'resync', () => ({ users: ['\ud800'] }), 400, /users\[0\] must be/],
    ['resync retry id <script>', 'POST', 'resync', () => ({ retrySkipped: ['<script>'] }), 400, /retrySkipped\[0\] is not a Microsoft Graph id/],
    ['resync-status job id ..x', 'GET', 'resync/..x', undefined, 400, /^jobId must be/],
    ['resync-status job id not issued', 'GET', 'resync/auto-2026-1-1', undefined, 400, /^jobId must be/],
  ])('%s: %s %s', async (_name, method, route, body, status, message) => {
    let res!: Awaited<ReturnType<typeof call>>;
    const effects = await sideEffects(async () => {
      res = await call(method, route, typeof body === 'function' ? body() : body);
    });
    expect({ status: res.status, error: res.body?.error }).toEqual({ status, error: expect.stringMatching(message) });
    expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(effects).toEqual({ graph: {}, zoho: 0, queued: 0 });
  });

  it.each([['..'], ['.'], ['\ud800'], ['<script>'], ['group:sales']])('DELETE manage/provision/%s → 400, nothing read', async (user) => {
    // Called directly: a client's URL parser would resolve `..` before it is sent.
    const { context } = invocation('manage-deprovision');
    let res!: Awaited<ReturnType<typeof manageDeprovision>>;
    const effects = await sideEffects(async () => {
      res = await manageDeprovision(httpRequest({ method: 'DELETE', url: 'http://localhost/api/manage/provision/x', params: { user } }), context);
    });
    expect(res.status).toBe(400);
    expect(effects).toEqual({ graph: {}, zoho: 0, queued: 0 });
  });

  it('a resync job that names a bad user (queued before this check existed) is dropped, not retried into the poison queue', async () => {
    const { context } = invocation('resync-worker', { triggerMetadata: { dequeueCount: 1 } });
    const effects = await sideEffects(() => resyncWorker({ v: 1, jobId: '0b5c6d7e-1111-4222-8333-944455556666', users: ['\ud800'], mode: 'delta' }, context));
    expect(effects).toEqual({ graph: {}, zoho: 0, queued: 0 });
  });

  it('a well-formed id that Graph refuses (400) or does not know (404) is answered 400/404, not 502', async () => {
    const unknown = 'AAMkAGI2TG93AAAunknown=';
    sys.graph.inject('GET /users/{id}/messages/{id}', { status: 400, code: 'ErrorInvalidIdMalformed', message: 'Id is malformed.' });
    const refused = await call('POST', 'mail/add', { user: ADELE, messageId: unknown });
    expect(refused).toMatchObject({ status: 400, body: { error: 'Microsoft 365 does not accept this messageId' } });
    const missing = await call('POST', 'mail/add', { user: ADELE, messageId: unknown });
    expect(missing).toMatchObject({ status: 404, body: { error: 'No such message in that mailbox' } });
    const nobody = await call('GET', `manage/status?user=${encodeURIComponent('nobody@contoso.com')}`);
    expect(nobody.status).toBe(404);
  });

  it('a vendor failure is still a 502/503', async () => {
    sys.graph.inject('GET /users/{id}/messages/{id}', { status: 500, code: 'generalException', message: 'boom' }, 10);
    try {
      const res = await call('POST', 'mail/add', { user: adele, messageId });
      expect([502, 503]).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    } finally {
      sys.graph.faults.reset();
    }
  });
});

describe('webhooks never throw on well-formed JSON', () => {
  const base = { clientState: 'cs-issue-15', tenantId: '', changeType: 'updated', resource: '' };
  const fill = (n: Record<string, unknown>) => ({ ...base, tenantId: sys.graph.tenantId, resource: `Users/${adele}/Contacts/X1=`, ...n });

  // Lifecycle events name no item: a valid one for our subscription is queued whatever `resource` says.
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a lone surrogate as subscription id', { subscriptionId: '\ud800' }, ['graph/notifications', 'graph/lifecycle']],
    ['a dot-dot subscription id', { subscriptionId: '..' }, ['graph/notifications', 'graph/lifecycle']],
    ['a subscription id that is not a GUID', { subscriptionId: "x' or 1 eq 1" }, ['graph/notifications', 'graph/lifecycle']],
    ['an item id of ..', { subscriptionId: SUB_ID, resource: 'Users/x/Contacts/..', resourceData: { id: '..' } }, ['graph/notifications']],
    ['an item id with a lone surrogate', { subscriptionId: SUB_ID, resourceData: { id: 'AAMk\ud800' } }, ['graph/notifications']],
    ['an item id <script> in the path only', { subscriptionId: SUB_ID, resource: 'Users/x/Contacts/<script>' }, ['graph/notifications']],
  ])('%s → 202 and nothing queued', async (_name, n, routes) => {
    for (const route of routes) {
      let res!: Awaited<ReturnType<typeof call>>;
      const body = { value: [fill(route === 'graph/lifecycle' ? { ...n, lifecycleEvent: 'missed' } : n)] };
      const effects = await sideEffects(async () => {
        res = await call('POST', route, body);
      });
      expect({ route, status: res.status }).toEqual({ route, status: 202 });
      expect(effects).toEqual({ graph: {}, zoho: 0, queued: 0 });
    }
  });

  it('malformed JSON is a 400', async () => {
    expect((await call('POST', 'graph/notifications', '{"value": [')).status).toBe(400);
  });
});

describe('mail/search sends a criterion Zoho accepts that matches the literal text', () => {
  it.each([['Zylker \\ (UK), \'Ltd\': x'], ['x\\)or(Email:y'], ['x\\,y'], ['ends with\\']])('Deals named %s', async (name) => {
    const [deal] = sys.zoho.seed('Deals', [{ Deal_Name: name, Stage: 'Qualification' }]);
    const res = await call('GET', `mail/search?module=Deals&q=${encodeURIComponent(name)}`);
    expect(res.status).toBe(200);
    expect(res.body.records[0]).toMatchObject({ id: deal, name });
  });

  it('a partial address with special characters stays one criterion', async () => {
    const [lead] = sys.zoho.seed('Leads', [{ Last_Name: 'Odd', Email: "o'dd(x),y@example.com" }]);
    const res = await call('GET', `mail/search?module=Leads&q=${encodeURIComponent("o'dd(x),y")}`);
    expect(res.status).toBe(200);
    expect(res.body.records.map((r: { id: string }) => r.id)).toContain(lead);
  });
});

describe('the mail routes act only for the signed-in user', () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('a user token files the user\'s own mail, with or without naming the user', async () => {
    const token = await sys.graph.signing.userToken(adele);
    const res = await call('POST', 'token/mail/add', { messageId }, bearer(token));
    expect(res.status).toBe(200);
    const named = await call('POST', 'token/mail/add', { user: ADELE, messageId }, bearer(token));
    expect(named.status).toBe(200);
    const byId = await call('POST', 'token/mail/add', { user: adele.toUpperCase(), messageId }, bearer(token));
    expect(byId.status).toBe(200);
  });

  it('a user token naming another mailbox → 403, before its mailbox is read', async () => {
    const token = await sys.graph.signing.userToken(adele);
    for (const route of ['token/mail/add', 'mail/add']) {
      let res!: Awaited<ReturnType<typeof call>>;
      const effects = await sideEffects(async () => {
        res = await call('POST', route, { user: megan, messageId }, bearer(token));
      });
      expect({ route, status: res.status, error: res.body.error }).toEqual({ route, status: 403, error: 'A signed-in user may act only on their own mailbox' });
      expect(effects).toEqual({ graph: {}, zoho: 0, queued: 0 });
    }
    const byUpn = await call('POST', 'token/mail/case', { user: MEGAN, messageId, status: 'New' }, bearer(token));
    expect(byUpn).toMatchObject({ status: 403 });
  });

  it.each<[string, () => Promise<string>, number]>([
    ['another tenant (tid)', () => sys.graph.signing.userToken(adele, { tid: '11111111-2222-4333-8444-555555555555' }), 401],
    ['another tenant (issuer)', () => sys.graph.signing.userToken(adele, {}, { issuer: 'https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/v2.0' }), 401],
    ['a wrong audience (a Graph token)', () => sys.graph.signing.userToken(adele, {}, { audience: 'https://graph.microsoft.com' }), 401],
    ['an expired token', () => sys.graph.signing.userToken(adele, {}, { expiresIn: -600 }), 401],
    ['an unsigned token (alg none)', async () => sys.graph.signing.unsigned({ oid: adele }), 401],
    ['a token signed with a key the tenant never published', () => sys.graph.signing.userToken(adele, {}, { foreignKey: true }), 401],
    ['a delegated token without access_as_user', () => sys.graph.signing.userToken(adele, { scp: 'User.Read' }), 403],
    ['an app token without the Mail.File.All role', () => sys.graph.signing.appToken(['Something.Else']), 403],
    ['not a JWT at all', async () => 'not-a-token', 401],
  ])('%s → 401/403', async (_name, mint, status) => {
    const token = await mint();
    let res!: Awaited<ReturnType<typeof call>>;
    const effects = await sideEffects(async () => {
      res = await call('POST', 'token/mail/add', { user: adele, messageId }, bearer(token));
    });
    expect(res.status).toBe(status);
    expect(res.body.error).toEqual(expect.any(String));
    expect(effects).toEqual({ graph: {}, zoho: 0, queued: 0 });
  });

  it('a v1.0 token (sts.windows.net issuer, api:// audience) of this tenant is accepted', async () => {
    const g = sys.graph.settings();
    const token = await sys.graph.signing.userToken(adele, { ver: '1.0' }, { issuer: `https://sts.windows.net/${g.tenantId}/`, audience: `api://${g.clientId}` });
    expect((await call('POST', 'token/mail/add', { messageId }, bearer(token))).status).toBe(200);
  });

  it('no token on a token route → 401 with a Bearer challenge', async () => {
    const res = await call('POST', 'token/mail/add', { user: adele, messageId });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call('GET', 'token/mail/search?module=Deals&q=ab')).status).toBe(401);
  });

  it('a script keeps a way in: an app token with the role, for any mailbox', async () => {
    const token = await sys.graph.signing.appToken(['Mail.File.All']);
    expect((await call('POST', 'token/mail/add', { user: MEGAN, messageId: 'AAMkAGI2TG93AAAnone=' }, bearer(token))).status).toBe(404);
    expect((await call('POST', 'token/mail/add', { messageId }, bearer(token)))).toMatchObject({ status: 400, body: { error: 'user is required (an object id or a UPN)' } });
    expect((await call('POST', 'token/mail/add', { user: ADELE, messageId }, bearer(token))).status).toBe(200);
  });

  it('keys are cached, and a rolled-over key is fetched when a token names it', async () => {
    const g = sys.graph.settings();
    const validator = new EntraTokenValidator({ authorityHost: g.authorityHost, tenantId: g.tenantId, clientId: g.clientId, keyRefetchCooldownMs: 0 });
    const before = sys.graph.signing.jwksFetches;
    await validator.verify(await sys.graph.signing.userToken(adele));
    await validator.verify(await sys.graph.signing.userToken(megan));
    expect(sys.graph.signing.jwksFetches - before).toBe(1);
    sys.graph.signing.rollOver();
    await expect(validator.verify(await sys.graph.signing.userToken(adele))).resolves.toEqual({ kind: 'user', oid: adele.toLowerCase() });
    expect(sys.graph.signing.jwksFetches - before).toBe(2);
  });

  it('MAIL_ROUTES_AUTH=token switches key-only access off', async () => {
    sys.configure({ MAIL_ROUTES_AUTH: 'token' });
    try {
      const keyOnly = await call('POST', 'mail/add', { user: adele, messageId });
      expect(keyOnly.status).toBe(401);
      const token = await sys.graph.signing.userToken(adele);
      expect((await call('POST', 'mail/add', { messageId }, bearer(token))).status).toBe(200);
    } finally {
      sys.configure({});
    }
  });
});
