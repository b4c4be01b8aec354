import { zohoChangeWorker } from '../../functions/zoho-change-worker';
import { getRuntime } from '../../lib/runtime';
import type { ZohoChangeMessage } from '../../lib/zohofeed/messages';
import { forwardIndexRow } from '../../lib/zohofeed/two-way-port';
import { invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 16 §2 with SYNC_CONTACTS_DIRECTION=both and shared customers: Alex's Outlook contact links
 * (forward dedup) to a Zoho record Bianca owns. The reverse index holds only the owner's records,
 * so Zoho changes of it reach Bianca's mailbox and never touch Alex's contact, while Alex's Outlook
 * changes still reach Zoho field by field. A reverse row made for Alex before that rule is
 * released without touching the contact or its forward link.
 */
let sys: System;
let alex: string;
let bianca: string;
let biancaZoho: string;
const ALEX = 'alex.wilber@contoso.com';
const BIANCA = 'bianca.pisani@contoso.com';

const apply = (operation: ZohoChangeMessage['operation'], ids: string[]) => zohoChangeWorker({ v: 1, source: 'callback', module: 'Contacts', operation, ids } satisfies ZohoChangeMessage, invocation('zoho-change-worker').context);
const biancaOwns = () => ({ id: biancaZoho, name: 'Bianca Pisani', email: BIANCA });
const index = (zohoId: string) => getRuntime().zohoIndex.get('Contacts', zohoId);

/** Alex's own contact for a customer, linked by the forward path to the record Zoho already has. */
async function alexLinks(first: string, last: string, email: string): Promise<string> {
  const contact = sys.graph.contacts.add(alex, { givenName: first, surname: last, emailAddresses: [{ address: email, name: `${first} ${last}` }], department: 'Purchasing', categories: ['Zoho'] });
  const graphId = String(contact.id);
  await sys.change(alex, 'contact', graphId, 'created');
  return graphId;
}

beforeAll(async () => {
  sys = await startSystem({ SYNC_CONTACTS_DIRECTION: 'both', SYNC_DELETES: 'delete', SYNC_BUSY_RETRY_SECONDS: '1' });
  const at = new Date().toISOString();
  alex = sys.graph.addUser({ userPrincipalName: ALEX, displayName: 'Alex Wilber' }).id;
  bianca = sys.graph.addUser({ userPrincipalName: BIANCA, displayName: 'Bianca Pisani' }).id;
  sys.zoho.addUser({ email: ALEX, last_name: 'Wilber' });
  biancaZoho = sys.zoho.addUser({ email: BIANCA, last_name: 'Pisani' }).id;
  for (const [userId, upn] of [[alex, ALEX], [bianca, BIANCA]]) {
    await getRuntime().users.put({ userId, upn, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
    await sys.subscribe(userId, 'contacts');
  }
});

afterAll(async () => {
  await sys.close();
});

it("a forward link to another user's record gets no reverse row: its Zoho change reaches the owner's mailbox only, and Alex's Outlook changes still reach Zoho", async () => {
  const record = sys.zoho.create('Contacts', { Owner: biancaOwns(), First_Name: 'Shared', Last_Name: 'Customer', Email: 'shared.customer@fabrikam.com', Title: 'Buyer' });
  await apply('insert', [record.id]);
  const inBianca = (await index(record.id))!;
  expect(inBianca).toMatchObject({ state: 'linked', userId: bianca, origin: 'created' });

  const graphId = await alexLinks('Shared', 'Customer', 'shared.customer@fabrikam.com');
  expect(await getRuntime().links.get(alex, 'contacts', graphId)).toMatchObject({ state: 'linked', zohoId: record.id, origin: 'linked' });
  expect(sys.zoho.record('Contacts', record.id)).toMatchObject({ Department: 'Purchasing', Title: 'Buyer' });
  // The row still names the owner's item: Alex's link did not take it over.
  expect(await index(record.id)).toMatchObject({ userId: bianca, graphId: inBianca.graphId });

  const before = sys.graph.contacts.get(alex, graphId);
  sys.zoho.advanceTime(2000);
  sys.zoho.edit('Contacts', record.id, { Title: 'Head of Buying' });
  await apply('update', [record.id]);
  expect(sys.graph.contacts.get(alex, graphId)).toEqual(before);
  expect(await getRuntime().links.get(alex, 'contacts', graphId)).toMatchObject({ state: 'linked', zohoId: record.id });
  expect(sys.graph.contacts.get(bianca, inBianca.graphId!)).toMatchObject({ jobTitle: 'Head of Buying', department: 'Purchasing' });

  // Field by field, one way: Alex's department goes to Zoho, Zoho's title does not come into Alex's contact.
  sys.graph.contacts.update(alex, graphId, { department: 'Procurement' });
  await sys.change(alex, 'contact', graphId, 'updated');
  expect(sys.zoho.record('Contacts', record.id)).toMatchObject({ Department: 'Procurement', Title: 'Head of Buying', Owner: expect.objectContaining({ id: biancaZoho }) });
  const after = sys.graph.contacts.get(alex, graphId)!;
  expect(after.department).toBe('Procurement');
  expect(after.jobTitle ?? null).toBeNull();
  expect(await index(record.id)).toMatchObject({ userId: bianca, graphId: inBianca.graphId });

  // Zoho's callback for that write: Bianca's contact follows, Alex's stays as Alex left it.
  await apply('update', [record.id]);
  expect(sys.graph.contacts.get(bianca, inBianca.graphId!)).toMatchObject({ department: 'Procurement' });
  expect(sys.graph.contacts.get(alex, graphId)).toEqual(after);
  expect(await getRuntime().links.get(alex, 'contacts', graphId)).toMatchObject({ state: 'linked', zohoId: record.id });
});

it("a reverse row made for Alex before the owner rule: the next Zoho change drops only that row, never touches Alex's contact or link, and brings the record to its owner", async () => {
  const record = sys.zoho.create('Contacts', { Owner: biancaOwns(), First_Name: 'Older', Last_Name: 'Row', Email: 'older.row@fabrikam.com', Title: 'Buyer' });
  const graphId = await alexLinks('Older', 'Row', 'older.row@fabrikam.com');
  const link = (await getRuntime().links.get(alex, 'contacts', graphId))!;
  expect(link).toMatchObject({ state: 'linked', zohoId: record.id, origin: 'linked' });
  expect(await index(record.id)).toBeUndefined();
  // What indexLink wrote before it checked the owner.
  await getRuntime().zohoIndex.save({ ...forwardIndexRow(link, undefined), etag: '' });

  const before = sys.graph.contacts.get(alex, graphId);
  sys.zoho.advanceTime(2000);
  sys.zoho.edit('Contacts', record.id, { Title: 'Head of Buying' });
  await apply('update', [record.id]);

  expect(sys.graph.contacts.get(alex, graphId)).toEqual(before);
  expect(await getRuntime().links.get(alex, 'contacts', graphId)).toMatchObject({ state: 'linked', zohoId: record.id, origin: 'linked' });
  expect(await sys.reportLine(alex, graphId)).not.toMatchObject({ result: 'deleted' });
  const row = (await index(record.id))!;
  expect(row).toMatchObject({ state: 'linked', userId: bianca, origin: 'created' });
  expect(sys.graph.contacts.get(bianca, row.graphId!)).toMatchObject({ jobTitle: 'Head of Buying', department: 'Purchasing' });

  // The forward link still works after the release.
  sys.graph.contacts.update(alex, graphId, { department: 'Procurement' });
  await sys.change(alex, 'contact', graphId, 'updated');
  expect(sys.zoho.record('Contacts', record.id)).toMatchObject({ Department: 'Procurement', Title: 'Head of Buying' });
});
