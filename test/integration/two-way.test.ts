import { zohoChangeWorker } from '../../functions/zoho-change-worker';
import { getRuntime } from '../../lib/runtime';
import type { ZohoChangeMessage } from '../../lib/zohofeed/messages';
import { invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 16, SYNC_CONTACTS_DIRECTION=both: Outlook changes go to Zoho and Zoho changes come to
 * Outlook through the real paths (Graph webhook → sync-worker; zoho-changes → zoho-change-worker),
 * each write's echo from the other side costs nothing, and a field changed on both sides follows
 * SYNC_CONFLICTS and is reported.
 */
let sys: System;
let userId: string;
let ownerId: string;
const UPN = 'diego.siciliani@contoso.com';
const N = 50;

const apply = (operation: ZohoChangeMessage['operation'], ids: string[]) => zohoChangeWorker({ v: 1, source: 'callback', module: 'Contacts', operation, ids } satisfies ZohoChangeMessage, invocation('zoho-change-worker').context);
const zohoRecordsWritten = () => sys.zoho.writes.filter((w) => w.module === 'Contacts').reduce((n, w) => n + w.records, 0);
const graphWrites = (calls: Record<string, number>) => Object.entries(calls).filter(([label]) => /^(POST|PATCH|DELETE) .*contacts/i.test(label)).reduce((n, [, v]) => n + v, 0);
const notify = async (ids: string[]) => {
  await sys.graph.notifications.changes(ids.map((id) => ({ userId, kind: 'contact', id, changeType: 'updated' as const })));
  await sys.runQueue({ includeDelayed: true });
};

beforeAll(async () => {
  sys = await startSystem({ SYNC_CONTACTS_DIRECTION: 'both', SYNC_CONFLICTS: 'zoho', SYNC_BUSY_RETRY_SECONDS: '1' });
  userId = sys.graph.addUser({ userPrincipalName: UPN, displayName: 'Diego Siciliani' }).id;
  ownerId = sys.zoho.addUser({ email: UPN, last_name: 'Siciliani' }).id;
  const at = new Date().toISOString();
  await getRuntime().users.put({ userId, upn: UPN, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
  await sys.subscribe(userId, 'contacts');
});

afterAll(async () => {
  await sys.close();
});

it(`${N} contacts changed in Outlook and ${N} in Zoho: each side ends with the other's changes, 0 echo writes; a field changed on both sides follows SYNC_CONFLICTS`, async () => {
  const owner = { id: ownerId, name: 'Diego Siciliani', email: UPN };
  const records = Array.from({ length: 2 * N + 1 }, (_, i) => sys.zoho.create('Contacts', { Owner: owner, First_Name: 'Person', Last_Name: `Number ${i}`, Email: `p${i}@fabrikam.com`, Title: 'Engineer', Department: 'R&D' }));
  const ids = records.map((r) => r.id);
  await apply('insert', ids.slice(0, 100));
  await apply('insert', ids.slice(100));
  const graphIdOf = new Map<string, string>();
  for (const id of ids) graphIdOf.set(id, (await getRuntime().zohoIndex.get('Contacts', id))!.graphId!);
  expect(new Set(graphIdOf.values()).size).toBe(2 * N + 1);
  // The creations' echoes: nothing goes to Zoho.
  await notify([...graphIdOf.values()]);
  expect(zohoRecordsWritten()).toBe(0);

  const inOutlook = ids.slice(0, N);
  const inZoho = ids.slice(N, 2 * N);
  const both = ids[2 * N];
  sys.zoho.advanceTime(5000);
  inOutlook.forEach((id, i) => sys.graph.contacts.update(userId, graphIdOf.get(id)!, { jobTitle: `Outlook title ${i}` }));
  inZoho.forEach((id, i) => sys.zoho.edit('Contacts', id, { Department: `Zoho department ${i}` }));
  sys.graph.contacts.update(userId, graphIdOf.get(both)!, { jobTitle: 'Title from Outlook' });
  sys.zoho.edit('Contacts', both, { Title: 'Title from Zoho' });

  await notify([...inOutlook, both].map((id) => graphIdOf.get(id)!));
  await apply('update', inZoho);
  expect(zohoRecordsWritten()).toBe(N);

  // Echoes: Graph notifies the Zoho changes we patched into Outlook; Zoho calls back for the Outlook changes we wrote.
  const echoWrites = zohoRecordsWritten();
  const echoGraph = await sys.graphCallsDuring(async () => {
    await notify([...inZoho, both].map((id) => graphIdOf.get(id)!));
    await apply('update', [...inOutlook, both]);
  });
  expect(zohoRecordsWritten()).toBe(echoWrites);
  expect(graphWrites(echoGraph)).toBe(0);

  inOutlook.forEach((id, i) => {
    expect(sys.zoho.record('Contacts', id)).toMatchObject({ Title: `Outlook title ${i}`, Department: 'R&D' });
    expect(sys.graph.contacts.get(userId, graphIdOf.get(id)!)).toMatchObject({ jobTitle: `Outlook title ${i}`, department: 'R&D' });
  });
  inZoho.forEach((id, i) => {
    expect(sys.graph.contacts.get(userId, graphIdOf.get(id)!)).toMatchObject({ department: `Zoho department ${i}`, jobTitle: 'Engineer' });
    expect(sys.zoho.record('Contacts', id)).toMatchObject({ Department: `Zoho department ${i}`, Title: 'Engineer' });
  });
  // SYNC_CONFLICTS=zoho: Zoho's title wins on both sides, and the report says so.
  expect(sys.zoho.record('Contacts', both)).toMatchObject({ Title: 'Title from Zoho' });
  expect(sys.graph.contacts.get(userId, graphIdOf.get(both)!)).toMatchObject({ jobTitle: 'Title from Zoho' });
  expect(await sys.reportLine(userId, graphIdOf.get(both)!)).toMatchObject({ result: 'updated', notes: expect.arrayContaining(['conflict on Title: Zoho wins (SYNC_CONFLICTS)']) });
  // About 400 worker runs one after the other: several times the default timeout on a busy 2-core machine.
}, 180_000);

it('a contact created in Outlook is found by a later Zoho change of the same record (the forward path indexes its links)', async () => {
  const contact = sys.graph.contacts.add(userId, { givenName: 'Megan', surname: 'Outlook', emailAddresses: [{ address: 'megan.o@fabrikam.com', name: 'Megan' }], categories: ['Zoho'] });
  await sys.change(userId, 'contact', String(contact.id), 'created');
  const link = (await getRuntime().links.get(userId, 'contacts', String(contact.id)))!;
  expect(link.zohoId).toBeDefined();
  sys.zoho.advanceTime(2000);
  sys.zoho.edit('Contacts', link.zohoId!, { Email: 'megan.new@fabrikam.com', Owner: { id: ownerId, name: 'Diego Siciliani', email: UPN } });
  const before = sys.graph.contacts.list(userId).length;
  await apply('update', [link.zohoId!]);
  expect(sys.graph.contacts.list(userId)).toHaveLength(before);
  expect(sys.graph.contacts.get(userId, String(contact.id))).toMatchObject({ emailAddresses: [expect.objectContaining({ address: 'megan.new@fabrikam.com' })] });
});

it('a full resync merges as a notification does: a field changed on both sides with no notification or callback follows SYNC_CONFLICTS, a field changed in Zoho only reaches Outlook', async () => {
  const owner = { id: ownerId, name: 'Diego Siciliani', email: UPN };
  const record = sys.zoho.create('Contacts', { Owner: owner, First_Name: 'Resync', Last_Name: 'Merged', Email: 'resync.merged@fabrikam.com', Title: 'Engineer', Department: 'R&D', Phone: '+1 555 0100' });
  await apply('insert', [record.id]);
  const graphId = (await getRuntime().zohoIndex.get('Contacts', record.id))!.graphId!;
  await notify([graphId]);
  sys.zoho.advanceTime(5000);
  // Both sides change while neither Graph's notification nor Zoho's callback arrives.
  sys.graph.contacts.update(userId, graphId, { jobTitle: 'Title from Outlook', businessPhones: ['+1 555 0199'] });
  sys.zoho.edit('Contacts', record.id, { Title: 'Title from Zoho', Department: 'Sales' });

  const report = await sys.resyncToEnd({ mode: 'full', users: [userId], modules: ['contacts'] });
  expect(report.state).toBe('completed');
  // SYNC_CONFLICTS=zoho: Zoho's title is kept in Zoho and reaches Outlook; Outlook's phone reaches Zoho.
  expect(sys.zoho.record('Contacts', record.id)).toMatchObject({ Title: 'Title from Zoho', Department: 'Sales', Phone: '+1 555 0199' });
  expect(sys.graph.contacts.get(userId, graphId)).toMatchObject({ jobTitle: 'Title from Zoho', department: 'Sales', businessPhones: ['+1 555 0199'] });
}, 60_000);
