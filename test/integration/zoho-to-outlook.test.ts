import { zohoChangeWorker } from '../../functions/zoho-change-worker';
import { getRuntime } from '../../lib/runtime';
import type { ZohoChangeMessage } from '../../lib/zohofeed/messages';
import { invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 16: Zoho CRM → Outlook through the real path: a Zoho change hint on the `zoho-changes`
 * queue → zoho-change-worker → Zoho double (re-read) → Graph double (writes), state in Azurite.
 * Every write our sync makes to Outlook is then notified back by Graph and must cost no Zoho write.
 */
let sys: System;
let userId: string;
let ownerId: string;
const UPN = 'megan.bowen@contoso.com';
const CATEGORY = 'Zoho';

const hint = (module: ZohoChangeMessage['module'], operation: ZohoChangeMessage['operation'], ids: string[]): ZohoChangeMessage => ({ v: 1, source: 'callback', module, operation, ids });
const apply = (message: ZohoChangeMessage) => zohoChangeWorker(message, invocation('zoho-change-worker').context);
const owner = () => ({ id: ownerId, name: 'Megan Bowen', email: UPN });
const zohoWrites = () => sys.zoho.writes.filter((w) => w.method !== 'GET').length;

beforeAll(async () => {
  sys = await startSystem();
  userId = sys.graph.addUser({ userPrincipalName: UPN, displayName: 'Megan Bowen' }).id;
  ownerId = sys.zoho.addUser({ email: UPN, last_name: 'Bowen' }).id;
  const at = new Date().toISOString();
  await getRuntime().users.put({ userId, upn: UPN, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
  await sys.subscribe(userId, 'contacts');
  await sys.subscribe(userId, 'events');
});

afterAll(async () => {
  await sys.close();
});

describe.each(['to-outlook', 'both'] as const)('contacts with SYNC_CONTACTS_DIRECTION=%s', (direction) => {
  beforeEach(() => {
    sys.configure({ SYNC_CONTACTS_DIRECTION: direction, SYNC_DELETES: 'delete', SYNC_BUSY_RETRY_SECONDS: '1' });
  });

  it('a Zoho contact of a provisioned owner is created, updated and deleted in the mailbox; 0 Zoho writes caused', async () => {
    const email = `${direction}@fabrikam.com`;
    const record = sys.zoho.create('Contacts', { Owner: owner(), First_Name: 'Nestor', Last_Name: `Wilke ${direction}`, Email: email, Title: 'Director', Mobile: '+1 425 555 0100' });
    const writesBefore = zohoWrites();

    await apply(hint('Contacts', 'insert', [record.id]));
    const created = sys.graph.contacts.list(userId).filter((c) => (c.emailAddresses as { address: string }[] | undefined)?.[0]?.address === email);
    expect(created).toHaveLength(1);
    const contact = created[0];
    expect(contact).toMatchObject({ givenName: 'Nestor', surname: `Wilke ${direction}`, jobTitle: 'Director', mobilePhone: '+1 425 555 0100', categories: [CATEGORY] });
    const graphId = String(contact.id);
    expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'added', zohoId: record.id, module: 'contacts' });

    // Graph notifies our own write; the forward path finds nothing to send.
    await sys.change(userId, 'contact', graphId, 'created');
    // The same hint again (a sweep repeating a callback): nothing to do.
    await apply(hint('Contacts', 'update', [record.id]));

    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Contacts', record.id, { Title: 'Vice President' });
    await apply(hint('Contacts', 'update', [record.id]));
    expect(sys.graph.contacts.get(userId, graphId)).toMatchObject({ jobTitle: 'Vice President', mobilePhone: '+1 425 555 0100', categories: [CATEGORY] });
    expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'updated', reason: 'from Zoho: Title' });
    await sys.change(userId, 'contact', graphId, 'updated');

    sys.zoho.delete('Contacts', record.id);
    await apply(hint('Contacts', 'delete', [record.id]));
    expect(sys.graph.contacts.get(userId, graphId)).toBeUndefined();
    expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'deleted' });
    await sys.change(userId, 'contact', graphId, 'deleted');

    expect(zohoWrites()).toBe(writesBefore);
    expect(await getRuntime().links.get(userId, 'contacts', graphId)).toBeUndefined();
  });

  it('an Outlook contact with the same e-mail is linked and filled, never cleared, and only unlinked when Zoho deletes the record', async () => {
    const email = `existing-${direction}@fabrikam.com`;
    const mine = sys.graph.contacts.add(userId, { givenName: 'Alex', surname: 'Wilber', emailAddresses: [{ address: email, name: 'Alex' }], jobTitle: 'Buyer', personalNotes: 'Met at the fair' });
    const record = sys.zoho.create('Contacts', { Owner: owner(), Last_Name: 'Wilber', First_Name: 'Alex', Email: email, Department: 'Purchasing' });
    const writesBefore = zohoWrites();
    await apply(hint('Contacts', 'insert', [record.id]));
    const ours = sys.graph.contacts.list(userId).filter((c) => (c.emailAddresses as { address: string }[] | undefined)?.[0]?.address === email);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ id: mine.id, department: 'Purchasing', jobTitle: 'Buyer', personalNotes: 'Met at the fair' });
    expect(await sys.reportLine(userId, String(mine.id))).toMatchObject({ result: 'updated', reason: expect.stringContaining('linked to an existing Outlook item') });

    sys.zoho.delete('Contacts', record.id);
    await apply(hint('Contacts', 'delete', [record.id]));
    expect(sys.graph.contacts.get(userId, String(mine.id))).toBeDefined();
    expect(await sys.reportLine(userId, String(mine.id))).toMatchObject({ result: 'skipped', reason: expect.stringContaining('existed in Outlook before the sync linked it') });
    expect(zohoWrites()).toBe(writesBefore);
  });
});

describe('records whose owner has no synced mailbox', () => {
  it('are kept in zohochanges, not written anywhere', async () => {
    sys.configure({ SYNC_CONTACTS_DIRECTION: 'to-outlook' });
    const record = sys.zoho.create('Contacts', { Last_Name: 'Nobody', Email: 'nobody@fabrikam.com' });
    const before = sys.graph.contacts.list(userId).length;
    await apply(hint('Contacts', 'insert', [record.id]));
    expect(sys.graph.contacts.list(userId)).toHaveLength(before);
    expect(await getRuntime().pendingZohoChanges.list('Contacts')).toEqual(expect.arrayContaining([expect.objectContaining({ recordId: record.id })]));
  });
});
