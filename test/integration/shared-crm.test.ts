import { getRuntime } from '../../lib/runtime';
import { silentLogger } from '../../lib/log';
import { applyRemovals, type PendingRemoval } from '../../lib/sync/batch';
import { DELETED_IN_ZOHO_UNLINKED } from '../../lib/sync/decide';
import { readReport } from '../support/report';
import { startSystem, type System } from '../support/system';

/**
 * Issue 10: a living CRM shared by many mailboxes. Through the real path (Graph double → webhook
 * → queue → sync-worker → Zoho double), with state in Azurite.
 */
let sys: System;
let adele: string;
let megan: string;
let repId: string;
let adeleOwner: string;

const CATEGORY = 'Zoho';

beforeAll(async () => {
  sys = await startSystem();
  adele = sys.graph.addUser({ userPrincipalName: 'adele.vance@contoso.com', displayName: 'Adele Vance' }).id;
  megan = sys.graph.addUser({ userPrincipalName: 'megan.bowen@contoso.com', displayName: 'Megan Bowen' }).id;
  adeleOwner = sys.zoho.addUser({ email: 'adele.vance@contoso.com', last_name: 'Vance' }).id;
  sys.zoho.addUser({ email: 'megan.bowen@contoso.com', last_name: 'Bowen' });
  repId = sys.zoho.addUser({ email: 'sales.rep@contoso.com', last_name: 'Rep' }).id;
  await sys.subscribe(adele, 'contacts');
  await sys.subscribe(megan, 'contacts');
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => {
  sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
  sys.zoho.clearFaults();
});

const contacts = () => sys.zoho.recordsOf('Contacts');
const withEmail = (email: string) => contacts().filter((r) => String(r.Email ?? '').toLowerCase() === email);
const message = (userId: string, itemId: string, changeType: 'created' | 'updated' | 'deleted' = 'updated') => ({ v: 1, userId, module: 'contacts', itemId, changeType });

function addContact(userId: string, fields: Record<string, unknown>): string {
  return String(sys.graph.contacts.add(userId, { categories: [CATEGORY], ...fields }).id);
}

/** A CRM user edits the record in Zoho. */
function editInZoho(id: string, values: Record<string, unknown>): void {
  Object.assign(sys.zoho.state.store('Contacts').get(id)!, values);
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error('condition not reached');
}

describe('linking a record that existed in Zoho', () => {
  let recordId: string;
  let itemId: string;

  it('fills only the empty Zoho fields from a sparse Outlook contact: Mobile, Title, Description and Owner survive', async () => {
    [recordId] = sys.zoho.seed('Contacts', [
      {
        First_Name: 'Anna',
        Last_Name: 'Kohler',
        Email: 'anna.kohler@contoso.example',
        Mobile: '+49 170 000 111',
        Title: 'Head of Purchasing',
        Description: 'Prefers calls in the morning.',
        Owner: { id: repId },
        Created_Time: '2021-03-01T09:00:00+00:00',
      },
    ]);
    const before = contacts().length;
    itemId = addContact(adele, { givenName: 'Anna', surname: 'Kohler', emailAddresses: [{ address: 'anna.kohler@contoso.example' }], businessPhones: ['+49 30 222'], department: 'Purchasing' });
    await sys.change(adele, 'contact', itemId, 'created');

    expect(contacts().length).toBe(before);
    const record = sys.zoho.record('Contacts', recordId)!;
    expect(record).toMatchObject({ Mobile: '+49 170 000 111', Title: 'Head of Purchasing', Description: 'Prefers calls in the morning.', Phone: '+49 30 222', Department: 'Purchasing' });
    expect((record.Owner as { id: string }).id).toBe(repId);
    const line = await sys.reportLine(adele, itemId);
    expect(line).toMatchObject({ result: 'updated', zohoId: recordId, reason: expect.stringMatching(/existing Zoho record \(same e-mail/) });
    expect(line?.notes?.[0]).toMatch(/^filled empty Zoho fields: /);
    expect(line?.notes?.[0]).toContain('Phone');
    expect(line?.notes?.[0]).toContain('Department');
    expect(line?.notes?.[0]).not.toContain('Mobile');
  });

  it('a CRM edit of Title survives an Outlook phone change: the update sends only the phone', async () => {
    editInZoho(recordId, { Title: 'VP Purchasing' });
    sys.graph.contacts.update(adele, itemId, { businessPhones: ['+49 30 333'] });
    const puts = sys.zoho.requests.length;
    await sys.change(adele, 'contact', itemId);

    expect(sys.zoho.record('Contacts', recordId)).toMatchObject({ Title: 'VP Purchasing', Phone: '+49 30 333', Mobile: '+49 170 000 111' });
    const put = sys.zoho.requests.slice(puts).find((r) => r.method === 'PUT' && r.path.endsWith('/Contacts'))!;
    const [sent] = (put.body as { data: Record<string, unknown>[] }).data;
    expect(Object.keys(sent).filter((k) => !k.startsWith('$')).sort()).toEqual(['Phone', 'id']);
    expect(await sys.reportLine(adele, itemId)).toMatchObject({ result: 'updated' });
  });
});

describe('a record linked from two mailboxes', () => {
  it('existed in Zoho: the first delete keeps it (still linked), the second keeps it (existed before the sync)', async () => {
    const [recordId] = sys.zoho.seed('Contacts', [{ First_Name: 'Lidia', Last_Name: 'Holloway', Email: 'lidia.holloway@fabrikam.example', Created_Time: '2020-02-02T00:00:00+00:00' }]);
    const a = addContact(adele, { givenName: 'Lidia', surname: 'Holloway', emailAddresses: [{ address: 'lidia.holloway@fabrikam.example' }] });
    const b = addContact(megan, { givenName: 'Lidia', surname: 'Holloway', emailAddresses: [{ address: 'lidia.holloway@fabrikam.example' }], jobTitle: 'CFO' });
    await sys.change(adele, 'contact', a, 'created');
    await sys.change(megan, 'contact', b, 'created');
    expect(withEmail('lidia.holloway@fabrikam.example')).toHaveLength(1);

    sys.graph.contacts.remove(adele, a);
    await sys.change(adele, 'contact', a, 'deleted');
    expect(sys.zoho.record('Contacts', recordId)).toBeDefined();
    // Both reasons hold for this mailbox: another mailbox links the record, and the sync did not create it.
    expect((await sys.reportLine(adele, a))?.reason).toBe('deleted in Outlook; the Zoho record is kept: still linked from 1 other mailbox, and it existed in Zoho before the sync linked it');

    sys.graph.contacts.remove(megan, b);
    await sys.change(megan, 'contact', b, 'deleted');
    expect(sys.zoho.record('Contacts', recordId)).toBeDefined();
    expect(await sys.reportLine(megan, b)).toMatchObject({ result: 'skipped', reason: 'deleted in Outlook; the Zoho record is kept: it existed in Zoho before the sync linked it' });
  });

  it('updates from two mailboxes are field-level: neither undoes the other\'s field', async () => {
    const a = addContact(adele, { givenName: 'Diego', surname: 'Siciliani', emailAddresses: [{ address: 'diego.siciliani@fabrikam.example' }], jobTitle: 'Buyer' });
    const b = addContact(megan, { givenName: 'Diego', surname: 'Siciliani', emailAddresses: [{ address: 'diego.siciliani@fabrikam.example' }], jobTitle: 'Buyer' });
    await sys.change(adele, 'contact', a, 'created');
    await sys.change(megan, 'contact', b, 'created');
    const [record] = withEmail('diego.siciliani@fabrikam.example');

    sys.graph.contacts.update(adele, a, { jobTitle: 'Head of Buying' });
    await sys.change(adele, 'contact', a);
    sys.graph.contacts.update(megan, b, { mobilePhone: '+1 425 555 0100' });
    await sys.change(megan, 'contact', b);
    expect(sys.zoho.record('Contacts', record.id)).toMatchObject({ Title: 'Head of Buying', Mobile: '+1 425 555 0100' });
    expect(withEmail('diego.siciliani@fabrikam.example')).toHaveLength(1);
  });

  it('created by the sync: the creator\'s delete keeps it for the other mailbox, whose delete then deletes it', async () => {
    const a = addContact(adele, { givenName: 'Joni', surname: 'Sherman', emailAddresses: [{ address: 'joni.sherman@fabrikam.example' }] });
    await sys.change(adele, 'contact', a, 'created');
    const [record] = withEmail('joni.sherman@fabrikam.example');
    expect((record.Owner as { id: string }).id).toBe(adeleOwner);
    const b = addContact(megan, { givenName: 'Joni', surname: 'Sherman', emailAddresses: [{ address: 'joni.sherman@fabrikam.example' }] });
    await sys.change(megan, 'contact', b, 'created');
    expect(withEmail('joni.sherman@fabrikam.example')).toHaveLength(1);
    // The second mailbox does not take the record over.
    expect((sys.zoho.record('Contacts', record.id)!.Owner as { id: string }).id).toBe(adeleOwner);

    sys.graph.contacts.remove(adele, a);
    await sys.change(adele, 'contact', a, 'deleted');
    expect(sys.zoho.record('Contacts', record.id)).toBeDefined();
    expect((await sys.reportLine(adele, a))?.reason).toBe('deleted in Outlook; the Zoho record is kept: still linked from 1 other mailbox');

    sys.graph.contacts.remove(megan, b);
    await sys.change(megan, 'contact', b, 'deleted');
    expect(sys.zoho.record('Contacts', record.id)).toBeUndefined();
    expect(await sys.reportLine(megan, b)).toMatchObject({ result: 'deleted', zohoId: record.id });
  });
});

describe('a record deleted in Zoho', () => {
  it('Outlook changed: the item is created again, and the report says why', async () => {
    const id = addContact(adele, { givenName: 'Grady', surname: 'Archie', emailAddresses: [{ address: 'grady.archie@fabrikam.example' }] });
    await sys.change(adele, 'contact', id, 'created');
    const [first] = withEmail('grady.archie@fabrikam.example');
    sys.zoho.state.store('Contacts').delete(first.id);

    sys.graph.contacts.update(adele, id, { jobTitle: 'Designer' });
    await sys.change(adele, 'contact', id);
    const again = withEmail('grady.archie@fabrikam.example');
    expect(again).toHaveLength(1);
    expect(again[0].id).not.toBe(first.id);
    expect(again[0]).toMatchObject({ Title: 'Designer', Last_Name: 'Archie' });
    expect(await sys.reportLine(adele, id)).toMatchObject({ result: 'added', zohoId: again[0].id, reason: expect.stringMatching(/deleted in Zoho; created again/) });
  });
});

async function fullResync(userId: string): Promise<{ skipped: { itemId: string; reason?: string }[]; unchanged?: number }> {
  const res = await fetch(`${sys.host.url}/api/resync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ users: [userId], modules: ['contacts'], mode: 'full' }) });
  expect(res.status).toBe(202);
  const { jobId } = (await res.json()) as { jobId: string };
  await sys.runResync();
  const report = await readReport(sys.host.url, jobId);
  return report.users[0].modules.find((m) => m.module === 'contacts')!;
}

describe('a record deleted in Zoho, Outlook unchanged', () => {
  it('a full resync finds it gone and unlinks (not created again), and says so; the next Outlook change adds it again', async () => {
    const id = addContact(adele, { givenName: 'Miriam', surname: 'Graham', emailAddresses: [{ address: 'miriam.graham@fabrikam.example' }] });
    await sys.change(adele, 'contact', id, 'created');
    const [first] = withEmail('miriam.graham@fabrikam.example');
    sys.zoho.state.store('Contacts').delete(first.id);

    // A notification with nothing new makes no Zoho call, so nothing is known yet.
    sys.graph.contacts.update(adele, id, {});
    await sys.change(adele, 'contact', id);
    expect(await sys.runtime().links.get(adele, 'contacts', id)).toMatchObject({ state: 'linked', zohoId: first.id });

    const contacts = await fullResync(adele);
    expect(contacts.skipped).toContainEqual(expect.objectContaining({ itemId: id, reason: DELETED_IN_ZOHO_UNLINKED }));
    expect(withEmail('miriam.graham@fabrikam.example')).toHaveLength(0);
    expect(await sys.runtime().links.get(adele, 'contacts', id)).toBeUndefined();

    sys.graph.contacts.update(adele, id, { jobTitle: 'Back again' });
    await sys.change(adele, 'contact', id);
    expect(withEmail('miriam.graham@fabrikam.example')).toEqual([expect.objectContaining({ Title: 'Back again' })]);
    expect(await sys.reportLine(adele, id)).toMatchObject({ result: 'added' });
  });
});

describe('writes in doubt', () => {
  it('a create answered 502 after Zoho applied it, then the e-mail changed: one record, with the new e-mail', async () => {
    const id = addContact(adele, { givenName: 'Alex', surname: 'Wilber', emailAddresses: [{ address: 'alex.old@fabrikam.example' }] });
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', response: { kind: 'lostAnswer', status: 502 } });
    await expect(sys.work(message(adele, id, 'created'), 1)).rejects.toThrow();
    expect(withEmail('alex.old@fabrikam.example')).toHaveLength(1);

    sys.graph.contacts.update(adele, id, { emailAddresses: [{ address: 'alex.new@fabrikam.example' }] });
    await sys.work(message(adele, id, 'created'), 2);
    const all = contacts().filter((r) => r.Last_Name === 'Wilber');
    expect(all).toHaveLength(1);
    expect(all[0].Email).toBe('alex.new@fabrikam.example');
    expect(await sys.runtime().links.get(adele, 'contacts', id)).toMatchObject({ state: 'linked', zohoId: all[0].id, origin: 'created' });
  });

  it('a create answered 502 after Zoho applied it, then the contact deleted: no record left behind', async () => {
    const id = addContact(adele, { givenName: 'Pradeep', surname: 'Gupta', emailAddresses: [{ address: 'pradeep.gupta@fabrikam.example' }] });
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', response: { kind: 'lostAnswer', status: 502 } });
    await expect(sys.work(message(adele, id, 'created'), 1)).rejects.toThrow();
    expect(withEmail('pradeep.gupta@fabrikam.example')).toHaveLength(1);

    sys.graph.contacts.remove(adele, id);
    await sys.work(message(adele, id, 'deleted'), 1);
    expect(withEmail('pradeep.gupta@fabrikam.example')).toHaveLength(0);
    expect(await sys.runtime().links.get(adele, 'contacts', id)).toBeUndefined();
  });

  it('an update delayed 4 s and overtaken by a newer edit: Zoho ends with the newer value', async () => {
    const id = addContact(adele, { givenName: 'Nestor', surname: 'Wilke', emailAddresses: [{ address: 'nestor.wilke@fabrikam.example' }] });
    await sys.change(adele, 'contact', id, 'created');
    const [record] = withEmail('nestor.wilke@fabrikam.example');

    sys.graph.contacts.update(adele, id, { jobTitle: 'Edit 1' });
    sys.zoho.fault({ match: 'PUT /crm/v8/Contacts', response: { kind: 'delay', ms: 4000 } });
    const puts = () => sys.zoho.requests.filter((r) => r.method === 'PUT').length;
    const before = puts();
    const slow = sys.work(message(adele, id));
    await until(() => puts() > before);

    sys.graph.contacts.update(adele, id, { jobTitle: 'Edit 2' });
    await sys.work(message(adele, id));
    expect(sys.zoho.record('Contacts', record.id)!.Title).toBe('Edit 2');
    await slow;
    await sys.runQueue({ includeDelayed: true });
    expect(sys.zoho.record('Contacts', record.id)!.Title).toBe('Edit 2');
    expect(withEmail('nestor.wilke@fabrikam.example')).toHaveLength(1);
  });
});

describe('updates in doubt', () => {
  async function linkedContact(surname: string): Promise<{ id: string; recordId: string }> {
    const id = addContact(adele, { givenName: 'Lee', surname, emailAddresses: [{ address: `lee.${surname.toLowerCase()}@fabrikam.example` }], jobTitle: 'Buyer' });
    await sys.change(adele, 'contact', id, 'created');
    const [record] = withEmail(`lee.${surname.toLowerCase()}@fabrikam.example`);
    return { id, recordId: record.id };
  }

  it('an update is recorded on its link (the fields it sends, and who sends them) before the Zoho call', async () => {
    const { id } = await linkedContact('Gomez');
    sys.graph.contacts.update(adele, id, { jobTitle: 'Head of Buying' });
    sys.zoho.fault({ match: 'PUT /crm/v8/Contacts', response: { kind: 'delay', ms: 1500 } });
    const puts = () => sys.zoho.requests.filter((r) => r.method === 'PUT').length;
    const before = puts();
    const slow = sys.work(message(adele, id));
    await until(() => puts() > before);
    const during = await sys.runtime().links.get(adele, 'contacts', id);
    expect(JSON.parse(during!.attempt!)).toMatchObject({ sent: ['Title'] });
    expect(during!.claimToken).toBeTruthy();
    await slow;
    const after = await sys.runtime().links.get(adele, 'contacts', id);
    expect(after?.attempt).toBeUndefined();
    expect(after?.claimToken).toBeUndefined();
  });

  it('an update answered 502 after Zoho applied it, then Outlook back to the old value: Zoho ends with the old value', async () => {
    const { id, recordId } = await linkedContact('Ortiz');
    sys.graph.contacts.update(adele, id, { jobTitle: 'Interim' });
    sys.zoho.fault({ match: 'PUT /crm/v8/Contacts', response: { kind: 'lostAnswer', status: 502 } });
    await expect(sys.work(message(adele, id), 1)).rejects.toThrow();
    expect(sys.zoho.record('Contacts', recordId)!.Title).toBe('Interim');

    sys.graph.contacts.update(adele, id, { jobTitle: 'Buyer' });
    await sys.work(message(adele, id), 2);
    expect(sys.zoho.record('Contacts', recordId)!.Title).toBe('Buyer');
  });

  it('a worker that died during an update leaves its mark: the next attempt writes those fields again, whatever Outlook says', async () => {
    const { id, recordId } = await linkedContact('Novak');
    const links = sys.runtime().links;
    const link = (await links.get(adele, 'contacts', id))!;
    // As a worker leaves it when its process dies after its write went out: the mark, with its token.
    await links.save({ ...link, attempt: JSON.stringify({ sent: ['Title'], at: new Date(Date.now() - 5 * 60_000).toISOString() }), claimToken: 'a-dead-worker', claimedAt: new Date(Date.now() - 5 * 60_000).toISOString() });
    editInZoho(recordId, { Title: 'Sent by the dead worker' });

    sys.graph.contacts.update(adele, id, {});
    await sys.work(message(adele, id));
    expect(sys.zoho.record('Contacts', recordId)!.Title).toBe('Buyer');
    expect(await sys.reportLine(adele, id)).toMatchObject({ result: 'updated' });
  });
});

describe("the instance's copy of the links it wrote", () => {
  it('a copy that another instance made stale costs a read, never a write: Outlook equal to the stored snapshot writes nothing', async () => {
    const id = addContact(adele, { givenName: 'Ravi', surname: 'Menon', emailAddresses: [{ address: 'ravi.menon@fabrikam.example' }], jobTitle: 'Buyer' });
    await sys.change(adele, 'contact', id, 'created');
    const [record] = withEmail('ravi.menon@fabrikam.example');
    // Another instance synced "Director" meanwhile (its own write of the row); a CRM user then edits the phone.
    const links = sys.runtime().links;
    const row = (await links.get(adele, 'contacts', id))!;
    await links.save({ ...row, snapshot: JSON.stringify({ ...JSON.parse(row.snapshot!), Title: 'Director' }) });
    editInZoho(record.id, { Title: 'Director', Phone: '+1 555 0199' });

    sys.graph.contacts.update(adele, id, { jobTitle: 'Director' });
    const before = sys.zoho.requests.filter((r) => r.method === 'PUT').length;
    await sys.work(message(adele, id));
    expect(sys.zoho.requests.filter((r) => r.method === 'PUT').length).toBe(before);
    expect(sys.zoho.record('Contacts', record.id)).toMatchObject({ Title: 'Director', Phone: '+1 555 0199' });
  });
});

describe('vendor client logs', () => {
  it("reach the invocation's log, without e-mail addresses", async () => {
    const id = addContact(adele, { givenName: 'Isaiah', surname: 'Langer', emailAddresses: [{ address: 'isaiah.langer@fabrikam.example' }] });
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', response: { kind: 'rateLimit', retryAfterSeconds: 0 } });
    const log = await sys.work(message(adele, id, 'created'));
    expect(withEmail('isaiah.langer@fabrikam.example')).toHaveLength(1);
    expect(log.text()).toMatch(/zoho rate limited, retrying.*POST \/crm\/v8\/Contacts/);
    expect(log.text()).not.toMatch(/@/);
  });
});

describe('a removal a resync deferred (mass-delete guard, continuations)', () => {
  it('is dropped when the link changed after the resync read it: the record is not deleted from a stale read', async () => {
    const item = sys.graph.contacts.add(adele, { givenName: 'Stale', surname: 'Removal', emailAddresses: [{ address: 'stale.removal@fabrikam.com', name: 'Stale Removal' }], categories: [CATEGORY] });
    const itemId = String(item.id);
    await sys.change(adele, 'contact', itemId, 'created');
    const rt = getRuntime();
    const asRead = (await rt.links.get(adele, 'contacts', itemId))!;
    expect(asRead.origin).toBe('created');
    // Meanwhile another sync wrote the link (the item came back, or the other direction linked the record anew).
    await rt.links.save({ ...asRead, lastSyncedAt: new Date().toISOString() });
    const deps = rt.workerDeps();
    const removal: PendingRemoval = { msg: { v: 1, userId: adele, module: 'contacts', itemId, changeType: 'deleted' }, link: asRead, why: 'deleted in Outlook' };
    const out = await applyRemovals([removal], deps.adapters.contacts!, { ...deps, logger: silentLogger, busyRetrySeconds: 1 });
    expect(out.results).toEqual([{ msg: removal.msg, report: undefined }]);
    expect(sys.zoho.record('Contacts', asRead.zohoId!)).toBeDefined();
    expect(await rt.links.get(adele, 'contacts', itemId)).toMatchObject({ state: 'linked', zohoId: asRead.zohoId });

    // As read, the same removal applies.
    const current = (await rt.links.get(adele, 'contacts', itemId))!;
    await applyRemovals([{ ...removal, link: current }], deps.adapters.contacts!, { ...deps, logger: silentLogger, busyRetrySeconds: 1 });
    expect(sys.zoho.record('Contacts', asRead.zohoId!)).toBeUndefined();
  });
});
