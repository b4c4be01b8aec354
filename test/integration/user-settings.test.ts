import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { manageStatus } from '../../functions/manage-status';
import { manageUsers } from '../../functions/manage-users';
import type { StatusAnswer } from '../../lib/provision/status';
import { httpRequest, invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 13, item 5: per-user overrides of the tenant's sync settings through PUT manage/users/{user},
 * shown by GET manage/status, applied by the sync worker (notifications) and the resync worker.
 */
let sys: System;
let manual: string;
let everything: string;

type Handler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

async function call(handler: Handler, init: { method: string; path: string; body?: unknown; params?: Record<string, string> }): Promise<{ status: number; body: any }> {
  const { context } = invocation('admin');
  const req = httpRequest({ method: init.method, url: `http://localhost/api/${init.path}`, body: init.body as object | string | undefined, params: init.params });
  const res = await handler(req, context);
  return { status: res.status ?? 200, body: res.jsonBody };
}

const putUser = (user: string, body: unknown) => call(manageUsers, { method: 'PUT', path: `manage/users/${encodeURIComponent(user)}`, body: body as object, params: { user } });

async function status(user: string): Promise<StatusAnswer> {
  const res = await call(manageStatus, { method: 'GET', path: `manage/status?user=${encodeURIComponent(user)}` });
  expect(res.status).toBe(200);
  return res.body as StatusAnswer;
}


const zohoByEmail = (email: string) => sys.zoho.recordsOf('Contacts').filter((r) => String(r.Email).toLowerCase() === email);

beforeAll(async () => {
  sys = await startSystem();
  manual = sys.graph.addUser({ userPrincipalName: 'manual.user@contoso.com' }).id;
  everything = sys.graph.addUser({ userPrincipalName: 'all.items@contoso.com' }).id;
  sys.zoho.addUser({ email: 'manual.user@contoso.com', last_name: 'Manual' });
  sys.zoho.addUser({ email: 'all.items@contoso.com', last_name: 'All' });
  // Stored as provisioning stores them: the route only accepts provisioned users.
  for (const [userId, upn] of [[manual, 'manual.user@contoso.com'], [everything, 'all.items@contoso.com']]) {
    await sys.subscribe(userId, 'contacts');
    const at = new Date().toISOString();
    await sys.runtime().users.put({ userId, upn, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
  }
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => {
  sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
});

describe('PUT manage/users/{user}', () => {
  it('refuses a bad body or an unknown user, naming the problem', async () => {
    expect(await putUser(manual, { contacts: 'sometimes' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^contacts must be one of category, all, off, manual/) } });
    expect(await putUser(manual, { mail: 'deals' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^mail must be contacts,leads/) } });
    expect(await putUser(manual, { calendar: 'off' })).toMatchObject({ status: 400 });
    expect(await putUser('nobody@contoso.com', { contacts: 'off' })).toMatchObject({ status: 404 });
  });

  it('a user set to manual gets nothing from notifications and everything from a resync; status shows the override', async () => {
    const put = await putUser('manual.user@contoso.com', { contacts: 'manual', mail: 'off' });
    expect(put).toMatchObject({ status: 200, body: { user: manual, overrides: { contacts: 'manual', mail: [] } } });
    const [row] = (await status(manual)).users;
    expect(row.settings).toEqual({
      contacts: { mode: 'manual', source: 'user' },
      tasks: { mode: 'category', source: 'tenant' },
      events: { mode: 'category', source: 'tenant' },
      mail: { capture: 'off', source: 'user' },
    });

    const tagged = sys.graph.contacts.add(manual, { givenName: 'Nao', surname: 'Mori', emailAddresses: [{ address: 'nao.mori@fabrikam.example' }], categories: ['Zoho'] });
    const untagged = sys.graph.contacts.add(manual, { givenName: 'Ken', surname: 'Ono', emailAddresses: [{ address: 'ken.ono@fabrikam.example' }] });
    await sys.change(manual, 'contact', String(tagged.id), 'created');
    expect(zohoByEmail('nao.mori@fabrikam.example')).toHaveLength(0);
    expect(await sys.reportLine(manual, String(tagged.id))).toBeUndefined();

    // A resync syncs it, with the tenant's selection (category): the untagged one stays out.
    await sys.resyncToEnd({ users: [manual], modules: ['contacts'], mode: 'full' });
    expect(zohoByEmail('nao.mori@fabrikam.example')).toHaveLength(1);
    expect(zohoByEmail('ken.ono@fabrikam.example')).toHaveLength(0);
    expect((await sys.runtime().links.get(manual, 'contacts', String(tagged.id)))?.state).toBe('linked');
    expect((await sys.runtime().links.get(manual, 'contacts', String(untagged.id)))).toBeUndefined();

    // Later changes wait for the next resync too.
    sys.graph.contacts.update(manual, String(tagged.id), { jobTitle: 'Buyer' });
    await sys.change(manual, 'contact', String(tagged.id), 'updated');
    expect(zohoByEmail('nao.mori@fabrikam.example')[0].Title).toBeNull();
    await sys.resyncToEnd({ users: [manual], modules: ['contacts'] });
    expect(zohoByEmail('nao.mori@fabrikam.example')[0].Title).toBe('Buyer');
  });

  it('a user set to all syncs items without the category while the tenant stays on category; {} goes back to the tenant', async () => {
    expect((await putUser(everything, { contacts: 'all' })).status).toBe(200);
    const plain = sys.graph.contacts.add(everything, { givenName: 'Rie', surname: 'Abe', emailAddresses: [{ address: 'rie.abe@fabrikam.example' }] });
    await sys.change(everything, 'contact', String(plain.id), 'created');
    expect(zohoByEmail('rie.abe@fabrikam.example')).toHaveLength(1);
    // The manual user's contacts still need the category (the tenant's mode).
    expect(zohoByEmail('ken.ono@fabrikam.example')).toHaveLength(0);

    expect(await putUser(everything, {})).toMatchObject({ status: 200, body: { overrides: {} } });
    expect((await status(everything)).users[0].settings?.contacts).toEqual({ mode: 'category', source: 'tenant' });
    const other = sys.graph.contacts.add(everything, { givenName: 'Yu', surname: 'Ito', emailAddresses: [{ address: 'yu.ito@fabrikam.example' }] });
    await sys.change(everything, 'contact', String(other.id), 'created');
    expect(zohoByEmail('yu.ito@fabrikam.example')).toHaveLength(0);
  });
});
