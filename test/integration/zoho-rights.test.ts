import { mailAttach } from '../../functions/mail-attach';
import { httpRequest, invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 13, item 2: the mailbox owner's own Zoho rights. Writes for a mailbox are checked against
 * its Zoho user's profile (settings/profiles/{id}) before they reach Zoho.
 */
let sys: System;
let readOnly: string;
let noCreate: string;
let stranger: string;

const CATEGORY = 'Zoho';
const byEmail = (email: string) => sys.zoho.recordsOf('Contacts').filter((r) => String(r.Email).toLowerCase() === email);


beforeAll(async () => {
  sys = await startSystem();
  const noCreateProfile = sys.zoho.addProfile('Sales (no new contacts)', [{ module: 'Contacts', action: 'Create' }, { module: 'Leads', action: 'Create' }]);
  const readOnlyProfile = sys.zoho.addProfile('Read only', [{ module: 'Contacts', action: 'Create' }, { module: 'Contacts', action: 'Edit' }, { module: 'Contacts', action: 'Delete' }]);
  noCreate = sys.graph.addUser({ userPrincipalName: 'no.create@contoso.com' }).id;
  readOnly = sys.graph.addUser({ userPrincipalName: 'read.only@contoso.com' }).id;
  stranger = sys.graph.addUser({ userPrincipalName: 'not.in.zoho@contoso.com' }).id;
  sys.zoho.addUser({ email: 'no.create@contoso.com', last_name: 'NoCreate', profile: noCreateProfile });
  sys.zoho.addUser({ email: 'read.only@contoso.com', last_name: 'ReadOnly', profile: readOnlyProfile });
  for (const id of [noCreate, readOnly, stranger]) await sys.subscribe(id, 'contacts');
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' }));

describe('the mailbox owner\'s Zoho profile', () => {
  it('a mailbox whose profile lacks Create on Contacts gets "no permission", and no record reaches Zoho', async () => {
    const contact = sys.graph.contacts.add(noCreate, { givenName: 'Hana', surname: 'Mori', emailAddresses: [{ address: 'hana.mori@fabrikam.example' }], categories: [CATEGORY] });
    const writes = sys.zoho.writes.length;
    await sys.change(noCreate, 'contact', String(contact.id), 'created');
    expect(byEmail('hana.mori@fabrikam.example')).toHaveLength(0);
    expect(sys.zoho.writes.length).toBe(writes);
    expect(await sys.reportLine(noCreate, String(contact.id))).toMatchObject({ result: 'skipped', reason: 'no permission (your Zoho profile)', code: 'PROFILE_NO_PERMISSION' });
    // The profile is read once and cached.
    expect(sys.zoho.count('GET /crm/v8/settings/profiles/{id}')).toBe(1);
  });

  it('the same profile may still edit: an existing record with that address is linked and updated', async () => {
    const [existing] = sys.zoho.seed('Contacts', [{ Last_Name: 'Mori', Email: 'ren.mori@fabrikam.example' }]);
    const contact = sys.graph.contacts.add(noCreate, { givenName: 'Ren', surname: 'Mori', jobTitle: 'Buyer', emailAddresses: [{ address: 'ren.mori@fabrikam.example' }], categories: [CATEGORY] });
    await sys.change(noCreate, 'contact', String(contact.id), 'created');
    expect(sys.zoho.record('Contacts', existing)).toMatchObject({ Title: 'Buyer' });
    expect(await sys.reportLine(noCreate, String(contact.id))).toMatchObject({ result: 'updated', zohoId: existing });
  });

  it('a read-only profile changes nothing through a resync either; each item says why', async () => {
    const [existing] = sys.zoho.seed('Contacts', [{ Last_Name: 'Abe', Email: 'yui.abe@fabrikam.example', Title: 'Manager' }]);
    sys.graph.contacts.add(readOnly, { givenName: 'Yui', surname: 'Abe', jobTitle: 'Director', emailAddresses: [{ address: 'yui.abe@fabrikam.example' }], categories: [CATEGORY] });
    sys.graph.contacts.add(readOnly, { givenName: 'Mei', surname: 'Ota', emailAddresses: [{ address: 'mei.ota@fabrikam.example' }], categories: [CATEGORY] });
    const r = await sys.resyncToEnd({ users: [readOnly], modules: ['contacts'], mode: 'full' });
    const contacts = r.users[0].modules.find((m) => m.module === 'contacts')!;
    expect(contacts.counts).toMatchObject({ added: 0, updated: 0, skipped: 2 });
    expect(contacts.skipped.map((s) => s.reason)).toEqual(['no permission (your Zoho profile)', 'no permission (your Zoho profile)']);
    expect(sys.zoho.record('Contacts', existing)).toMatchObject({ Title: 'Manager' });
    expect(byEmail('mei.ota@fabrikam.example')).toHaveLength(0);
  });

  it('a mailbox with no Zoho user is written as the integration user and says so, or skipped with SYNC_NO_ZOHO_USER=skip', async () => {
    const first = sys.graph.contacts.add(stranger, { givenName: 'Kai', surname: 'Ueda', emailAddresses: [{ address: 'kai.ueda@fabrikam.example' }], categories: [CATEGORY] });
    await sys.change(stranger, 'contact', String(first.id), 'created');
    expect(byEmail('kai.ueda@fabrikam.example')).toHaveLength(1);
    expect(await sys.reportLine(stranger, String(first.id))).toMatchObject({ result: 'added', notes: expect.arrayContaining(['Owner: the mailbox has no Zoho user; written as the integration user']) });

    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_NO_ZOHO_USER: 'skip' });
    const second = sys.graph.contacts.add(stranger, { givenName: 'Rin', surname: 'Kudo', emailAddresses: [{ address: 'rin.kudo@fabrikam.example' }], categories: [CATEGORY] });
    await sys.change(stranger, 'contact', String(second.id), 'created');
    expect(byEmail('rin.kudo@fabrikam.example')).toHaveLength(0);
    expect(await sys.reportLine(stranger, String(second.id))).toMatchObject({ result: 'skipped', reason: 'the mailbox has no Zoho user (SYNC_NO_ZOHO_USER=skip)' });
  });

  it('SYNC_ZOHO_RIGHTS=off leaves every check to Zoho (the integration user\'s rights)', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_ZOHO_RIGHTS: 'off' });
    const contact = sys.graph.contacts.add(noCreate, { givenName: 'Sho', surname: 'Imai', emailAddresses: [{ address: 'sho.imai@fabrikam.example' }], categories: [CATEGORY] });
    await sys.change(noCreate, 'contact', String(contact.id), 'created');
    expect(byEmail('sho.imai@fabrikam.example')).toHaveLength(1);
  });

  it('e-mail to CRM: a Lead the profile may not create is refused with the same reason, and none is made', async () => {
    const from = { name: 'Taro Sato', address: 'taro.sato@tailspin.example' };
    const m = sys.graph.mail.add(noCreate, { subject: 'Quote request', body: { contentType: 'text', content: 'Hello' }, from: { emailAddress: from }, sender: { emailAddress: from }, toRecipients: [{ emailAddress: { address: 'no.create@contoso.com' } }] }, { folder: 'inbox' });
    const { context } = invocation('mail-attach');
    const req = httpRequest({ url: 'http://localhost/api/mail/attach', body: { user: 'no.create@contoso.com', messageId: m.id, module: 'Leads', create: {} } });
    const res = await mailAttach(req, context);
    expect(res).toMatchObject({ status: 422, jsonBody: { error: 'Zoho refused the record: no permission (your Zoho profile)', code: 'PROFILE_NO_PERMISSION' } });
    expect(sys.zoho.recordsOf('Leads').filter((r) => r.Email === from.address)).toHaveLength(0);
  });
});
