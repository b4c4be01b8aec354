import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { createGraphClient, type GraphApi } from '../../lib/graph/client';
import { GraphConflictError, GraphNotFoundError } from '../../lib/graph/errors';
import { graphPath } from '../../lib/graph/path';
import { faults, startGraphDouble, type GraphDouble } from '../doubles/graph';

const User = z.object({ id: z.string().optional(), displayName: z.string().optional(), mail: z.string().nullable().optional(), userPrincipalName: z.string().optional() });
const Member = z.object({ '@odata.type': z.string(), id: z.string() });
const Domain = z.object({ id: z.string(), isVerified: z.boolean(), isDefault: z.boolean() });
const Category = z.object({ id: z.string(), displayName: z.string(), color: z.string() });
const Contact = z.object({ id: z.string(), givenName: z.string().nullable().optional(), parentFolderId: z.string().optional() });

let double: GraphDouble;
let graph: GraphApi;

beforeAll(async () => {
  double = await startGraphDouble({ directoryPageSize: 2, outlookPageSize: 3 });
});
afterAll(async () => {
  await double.close();
});
beforeEach(() => {
  double.reset();
  graph = createGraphClient(double.settings(), { timeoutMs: 2_000, retry: { baseDelayMs: 5 } });
});

async function all<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of iterable) out.push(...page);
  return out;
}

describe('users, groups and domains', () => {
  it('lists users with $filter, $select and $top across $skiptoken pages', async () => {
    for (const name of ['ann', 'bob', 'cat', 'dan']) double.addUser({ userPrincipalName: `${name}@contoso.com`, displayName: name.toUpperCase() });
    double.addUser({ userPrincipalName: 'guest_x#EXT#@contoso.onmicrosoft.com', userType: 'Guest' });
    double.addUser({ userPrincipalName: 'off@contoso.com', accountEnabled: false });
    const users = await all(graph.pages('/users', User, {
      query: { $filter: "accountEnabled eq true and userType eq 'Member'", $select: 'id,displayName,mail', $top: '2' },
    }));
    expect(users.map((u) => u.displayName)).toEqual(['ANN', 'BOB', 'CAT', 'DAN']);
    expect(users[0]).not.toHaveProperty('userPrincipalName');
    expect(graph.calls.snapshot()).toEqual({ 'GET /users': 2 });
  });

  it('finds users by startswith and in(), and answers 404 Request_ResourceNotFound for unknown ids', async () => {
    const a = double.addUser({ userPrincipalName: 'alex@contoso.com', displayName: 'Alex Wilber' });
    double.addUser({ userPrincipalName: 'diego@contoso.com', displayName: 'Diego Siciliani' });
    expect((await all(graph.pages('/users', User, { query: { $filter: "startswith(displayName,'alex')" } }))).map((u) => u.id)).toEqual([a.id]);
    expect(await all(graph.pages('/users', User, { query: { $filter: `id in ('${a.id}', 'nope')` } }))).toHaveLength(1);
    const err = await graph.get(graphPath`/users/${'nobody@contoso.com'}`, User).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphNotFoundError);
    expect(err).toMatchObject({ code: 'Request_ResourceNotFound' });
    expect((err as Error).message).not.toContain('nobody@contoso.com');
  });

  it('expands nested groups in transitiveMembers, paged', async () => {
    const [u1, u2, u3] = ['u1', 'u2', 'u3'].map((n) => double.addUser({ userPrincipalName: `${n}@contoso.com` }));
    const inner = double.addGroup({ displayName: 'Inner', members: [u2.id, u3.id] });
    const outer = double.addGroup({ displayName: 'Sales', members: [u1.id, inner.id, u2.id] });
    const members = await all(graph.pages(graphPath`/groups/${outer.id}/transitiveMembers`, Member));
    expect(members.map((m) => [m['@odata.type'], m.id])).toEqual([
      ['#microsoft.graph.user', u1.id],
      ['#microsoft.graph.group', inner.id],
      ['#microsoft.graph.user', u2.id],
      ['#microsoft.graph.user', u3.id],
    ]);
    const usersOnly = await all(graph.pages(graphPath`/groups/${outer.id}/transitiveMembers/microsoft.graph.user`, Member));
    expect(usersOnly).toHaveLength(3);
  });

  it('lists verified domains', async () => {
    const domains = await all(graph.pages('/domains', Domain));
    expect(domains.filter((d) => d.isVerified).map((d) => d.id)).toEqual(['contoso.com', 'contoso.onmicrosoft.com']);
  });
});

describe('master categories', () => {
  it('creates a category and answers 409 for an existing name', async () => {
    const user = double.addUser({ userPrincipalName: 'cat@contoso.com' });
    const path = graphPath`/users/${user.id}/outlook/masterCategories`;
    const created = await graph.post(path, { displayName: 'Zoho', color: 'preset9' }, Category);
    expect(created).toMatchObject({ displayName: 'Zoho', color: 'preset9' });
    const err = await graph.post(path, { displayName: 'zoho', color: 'preset1' }, Category).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphConflictError);
    const list = await graph.get(path, z.object({ value: z.array(Category) }));
    expect(list.value.map((c) => c.displayName)).toEqual(['Zoho']);
  });
});

describe('contact folders and delta per folder', () => {
  it('reports a contact moved out of a folder as @removed there', async () => {
    const user = double.addUser({ userPrincipalName: 'folders@contoso.com' });
    const clients = double.contacts.addFolder(user.id, 'Clients');
    const moved = double.contacts.add(user.id, { givenName: 'Mover' }, { folderId: clients.id });
    double.contacts.add(user.id, { givenName: 'Stayer' }, { folderId: clients.id });
    const folders = await graph.get(graphPath`/users/${user.id}/contactFolders`, z.object({ value: z.array(z.object({ id: z.string(), displayName: z.string() })) }));
    expect(folders.value.map((f) => f.displayName)).toEqual(['Clients']);

    const deltaPath = graphPath`/users/${user.id}/contactFolders/${clients.id}/contacts/delta`;
    const first = await graph.delta(deltaPath, Contact, { headers: { Prefer: 'odata.maxpagesize=1' } });
    expect(first.items.map((c) => c.givenName)).toEqual(['Mover', 'Stayer']);
    expect(graph.calls.snapshot()['GET /users/{id}/contactFolders/{id}/contacts/delta']).toBe(2);

    double.contacts.move(user.id, String(moved.id), 'contacts');
    const second = await graph.delta(first.deltaLink, Contact);
    expect(second).toMatchObject({ items: [], removed: [moved.id] });
    const inDefault = await graph.get(graphPath`/users/${user.id}/contactFolders/contacts/contacts/${String(moved.id)}`, Contact);
    expect(inDefault.id).toBe(moved.id);
  });
});

describe('limits', () => {
  it('keeps at most four requests in flight per mailbox', async () => {
    const user = double.addUser({ userPrincipalName: 'busy@contoso.com' });
    const contact = double.contacts.add(user.id, { givenName: 'Busy' });
    await graph.get(graphPath`/users/${user.id}`, User);
    double.inject(/^GET \/users\/\{id\}\/contacts\/\{id\}$/, faults.slow(30), 12);
    const path = graphPath`/users/${user.id}/contacts/${String(contact.id)}`;
    await Promise.all(Array.from({ length: 12 }, () => graph.get(path, Contact)));
    expect(double.peakConcurrency(user.id)).toBe(4);
    expect(graph.calls.snapshot()['GET /users/{id}/contacts/{id}']).toBe(12);
  });

  it('shows what an unlimited client would get: 429 ApplicationThrottled from the fifth request', async () => {
    const user = double.addUser({ userPrincipalName: 'burst@contoso.com' });
    const greedy = createGraphClient(double.settings(), { maxConcurrentPerMailbox: 8, maxRetries: 0 });
    await greedy.get(graphPath`/users/${user.id}`, User);
    double.inject(/^GET \/users\/\{id\}$/, faults.slow(50), 8);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => greedy.get(graphPath`/users/${user.id}`, User)));
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toContain('ApplicationThrottled');
  });

  it('retries a 503 and succeeds', async () => {
    const user = double.addUser({ userPrincipalName: 'flaky@contoso.com' });
    double.inject('GET /users/{id}', faults.unavailable(0));
    await expect(graph.get(graphPath`/users/${user.id}`, User)).resolves.toMatchObject({ id: user.id });
    expect(graph.calls.snapshot()).toEqual({ 'GET /users/{id}': 2 });
  });
});

describe('certificate credential', () => {
  it('authenticates with ClientCertificateCredential when a certificate path is set', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'graph-cert-'));
    try {
      const tls = path.resolve(__dirname, '../fixtures/tls');
      const cert = readFileSync(path.join(tls, 'server.pem'), 'utf8');
      const pemPath = path.join(dir, 'app.pem');
      writeFileSync(pemPath, readFileSync(path.join(tls, 'server.key'), 'utf8') + cert);
      const user = double.addUser({ userPrincipalName: 'cert@contoso.com' });
      const unknownCert = createGraphClient(double.settings({ clientSecret: undefined, certificatePath: pemPath }), { timeoutMs: 2_000 });
      await expect(unknownCert.get(graphPath`/users/${user.id}`, User)).rejects.toMatchObject({ code: 'invalid_client', transient: false });
      double.tokens.registerApp({ clientId: double.clientId, certificatePem: cert });
      const viaCert = createGraphClient(double.settings({ clientSecret: undefined, certificatePath: pemPath }), { timeoutMs: 2_000 });
      await expect(viaCert.get(graphPath`/users/${user.id}`, User)).resolves.toMatchObject({ id: user.id });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
