import { zohoChangeWorker } from '../../functions/zoho-change-worker';
import { graphPath, IMMUTABLE_ID_PREFER } from '../../lib/graph/path';
import { EVENT_SELECT, eventSchema } from '../../lib/graph/resources/event';
import { getRuntime } from '../../lib/runtime';
import type { ZohoChangeMessage } from '../../lib/zohofeed/messages';
import { faults } from '../doubles/graph';
import { invocation } from '../support/http';
import { startSystem, type System } from '../support/system';
import { z } from 'zod';

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

describe('tasks and events with SYNC_*_DIRECTION=to-outlook', () => {
  beforeEach(() => {
    sys.configure({ SYNC_TASKS_DIRECTION: 'to-outlook', SYNC_EVENTS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete' });
  });

  const linkedItem = async (module: 'Tasks' | 'Events', zohoId: string) => (await getRuntime().zohoIndex.get(module, zohoId))?.graphId;

  it('a Zoho task reaches the default To Do list with the category, changes, and disappears; 0 Zoho writes caused', async () => {
    const record = sys.zoho.create('Tasks', { Owner: owner(), Subject: 'Send the offer', Due_Date: '2026-12-15', Priority: 'High', Status: 'Not Started', Description: 'Version 2' });
    const writesBefore = zohoWrites();
    await apply(hint('Tasks', 'insert', [record.id]));
    const graphId = (await linkedItem('Tasks', record.id))!;
    expect(graphId).toBeDefined();
    const listId = sys.graph.todo.defaultListId(userId);
    expect(sys.graph.todo.getTask(userId, graphId)).toMatchObject({ title: 'Send the offer', importance: 'high', categories: [CATEGORY] });
    expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'added', module: 'tasks', zohoId: record.id });

    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Tasks', record.id, { Status: 'Completed' });
    await apply(hint('Tasks', 'update', [record.id]));
    expect(sys.graph.todo.getTask(userId, graphId)).toMatchObject({ title: 'Send the offer', status: 'completed' });
    expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'updated' });

    sys.zoho.delete('Tasks', record.id);
    await apply(hint('Tasks', 'delete', [record.id]));
    expect(sys.graph.todo.getTask(userId, graphId)).toBeUndefined();
    expect(listId).toBeDefined();
    expect(zohoWrites()).toBe(writesBefore);
  });

  it('a Zoho event with 3 participants becomes an event in the primary calendar with no attendees and no invitation; it changes and disappears', async () => {
    const pavel = sys.zoho.create('Contacts', { First_Name: 'Pavel', Last_Name: 'Bansky', Email: 'pavelb@fabrikam.example' });
    const ana = sys.zoho.create('Contacts', { First_Name: 'Ana', Last_Name: 'Lead', Email: 'ana@lead.example' });
    const record = sys.zoho.create('Events', {
      Owner: owner(),
      Event_Title: 'Kick-off with Fabrikam',
      Start_DateTime: '2026-12-10T10:00:00+09:00',
      End_DateTime: '2026-12-10T11:00:00+09:00',
      All_day: false,
      Venue: 'Fabrikam HQ',
      Participants: [
        { type: 'contact', participant: pavel.id },
        { type: 'contact', participant: ana.id },
        { type: 'email', participant: 'guest@partner.example', Email: 'guest@partner.example' },
      ],
    });
    const writesBefore = zohoWrites();
    sys.graph.events.resetInvitations();
    await apply(hint('Events', 'insert', [record.id]));
    const graphId = (await linkedItem('Events', record.id))!;
    const read = async () => getRuntime().graph.get(graphPath`/users/${userId}/events/${graphId}`, eventSchema, { query: { $select: EVENT_SELECT }, headers: { Prefer: IMMUTABLE_ID_PREFER } });
    const event = await read();
    expect(event).toMatchObject({ subject: 'Kick-off with Fabrikam', categories: [CATEGORY] });
    expect(event.attendees ?? []).toEqual([]);
    expect(event.body?.content).toContain('pavelb@fabrikam.example');
    expect(event.body?.content).toContain('guest@partner.example');
    expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'added', module: 'events', notes: ['3 Zoho participants listed in the event body, not invited'] });

    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Events', record.id, { Venue: 'Contoso HQ' });
    await apply(hint('Events', 'update', [record.id]));
    expect((await read()).location?.displayName).toBe('Contoso HQ');
    expect((await read()).attendees ?? []).toEqual([]);

    sys.zoho.delete('Events', record.id);
    await apply(hint('Events', 'delete', [record.id]));
    await expect(read()).rejects.toThrow();
    expect(sys.graph.events.invitations).toEqual([]);
    expect(zohoWrites()).toBe(writesBefore);
  });
});

describe('a record whose owner changes', () => {
  it('leaves the old mailbox (deleted: the sync created it) and arrives in the new owner\'s', async () => {
    sys.configure({ SYNC_CONTACTS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete' });
    const other = 'lee.gu@contoso.com';
    const otherUser = sys.graph.addUser({ userPrincipalName: other, displayName: 'Lee Gu' }).id;
    const otherOwner = sys.zoho.addUser({ email: other, last_name: 'Gu' }).id;
    const at = new Date().toISOString();
    await getRuntime().users.put({ userId: otherUser, upn: other, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
    const record = sys.zoho.create('Contacts', { Owner: owner(), Last_Name: 'Mover', Email: 'mover@fabrikam.com' });
    await apply(hint('Contacts', 'insert', [record.id]));
    const first = (await getRuntime().zohoIndex.get('Contacts', record.id))!;
    expect(first.userId).toBe(userId);

    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Contacts', record.id, { Owner: { id: otherOwner, name: 'Lee Gu', email: other } });
    await apply(hint('Contacts', 'update', [record.id]));
    expect(sys.graph.contacts.get(userId, first.graphId!)).toBeUndefined();
    const moved = (await getRuntime().zohoIndex.get('Contacts', record.id))!;
    expect(moved).toMatchObject({ userId: otherUser, state: 'linked' });
    expect(sys.graph.contacts.get(otherUser, moved.graphId!)).toMatchObject({ surname: 'Mover' });
    expect(await sys.reportLine(userId, first.graphId!)).toMatchObject({ result: 'deleted' });
    expect(await sys.reportLine(otherUser, moved.graphId!)).toMatchObject({ result: 'added' });
  });
});

describe('a resync of a to-outlook module', () => {
  it('reads the Zoho side (the owner\'s records reach the mailbox), sends nothing from Outlook to Zoho, and says so', async () => {
    sys.configure({ SYNC_CONTACTS_DIRECTION: 'to-outlook' });
    sys.graph.contacts.add(userId, { givenName: 'Only', surname: 'In Outlook', emailAddresses: [{ address: 'only.outlook@fabrikam.com', name: 'Only' }], categories: [CATEGORY] });
    // A record whose callback never came: the resync brings it.
    const missed = sys.zoho.create('Contacts', { Owner: owner(), Last_Name: 'Missed', Email: 'missed@fabrikam.com' });
    const writesBefore = zohoWrites();
    const report = await sys.resyncToEnd({ mode: 'full', users: [userId], modules: ['contacts'] });
    const contacts = report.users[0].modules.find((m) => m.module === 'contacts');
    expect(contacts).toMatchObject({ status: 'done', note: expect.stringContaining('SYNC_CONTACTS_DIRECTION=to-outlook') });
    expect(contacts!.note).toMatch(/from Zoho: \d+ records? read/);
    const graphId = (await getRuntime().zohoIndex.get('Contacts', missed.id))?.graphId;
    expect(sys.graph.contacts.get(userId, graphId!)).toMatchObject({ surname: 'Missed', categories: [CATEGORY] });
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

describe('an Outlook create whose answer is lost (Graph made the item, then answered 502 or 504)', () => {
  const eventsOf = (title: string) => getRuntime().graph.get(graphPath`/users/${userId}/calendarView`, z.object({ value: z.array(z.object({ id: z.string(), subject: z.string().nullish() }).loose()) }), { query: { startDateTime: '2026-11-01T00:00:00Z', endDateTime: '2027-01-31T00:00:00Z', $top: '200' }, headers: { Prefer: IMMUTABLE_ID_PREFER } }).then((r) => r.value.filter((e) => e.subject === title));
  const cases = [
    {
      module: 'Contacts' as const, status: 502, label: 'POST /users/{id}/contacts',
      record: () => ({ Owner: owner(), Last_Name: 'Lost Answer', Email: 'lost.answer@fabrikam.com' }),
      items: async () => sys.graph.contacts.list(userId).filter((c) => c.surname === 'Lost Answer').map((c) => String(c.id)),
      exists: async (id: string) => sys.graph.contacts.get(userId, id) !== undefined,
    },
    {
      module: 'Tasks' as const, status: 504, label: 'POST /users/{id}/todo/lists/{id}/tasks',
      record: () => ({ Owner: owner(), Subject: 'Lost answer task', Due_Date: '2026-12-20' }),
      items: async () => sys.graph.todo.listTasks(userId).filter((t) => t.title === 'Lost answer task').map((t) => String(t.id)),
      exists: async (id: string) => sys.graph.todo.getTask(userId, id) !== undefined,
    },
    {
      module: 'Events' as const, status: 502, label: 'POST /users/{id}/calendar/events',
      record: () => ({ Owner: owner(), Event_Title: 'Lost answer meeting', Start_DateTime: '2026-12-21T09:00:00+00:00', End_DateTime: '2026-12-21T10:00:00+00:00', All_day: false }),
      items: async () => (await eventsOf('Lost answer meeting')).map((e) => e.id),
      exists: async (id: string) => (await eventsOf('Lost answer meeting')).some((e) => e.id === id),
    },
  ];

  it.each(cases)('$module ($status): the retry links the item made (as created), no second item; a Zoho delete then removes it', async (c) => {
    sys.configure({ SYNC_CONTACTS_DIRECTION: 'to-outlook', SYNC_TASKS_DIRECTION: 'to-outlook', SYNC_EVENTS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete' });
    const record = sys.zoho.create(c.module, c.record());
    sys.graph.inject(c.label, faults.lostAnswer(c.status));
    await expect(apply(hint(c.module, 'insert', [record.id]))).rejects.toThrow();
    expect(sys.graph.faults.pending()).toBe(0);
    const made = await c.items();
    expect(made).toHaveLength(1);
    expect(await getRuntime().zohoIndex.get(c.module, record.id)).toMatchObject({ state: 'claimed', attempt: expect.any(String) });

    // The queue delivers the hint again.
    await apply(hint(c.module, 'insert', [record.id]));
    expect(await c.items()).toEqual(made);
    expect(await getRuntime().zohoIndex.get(c.module, record.id)).toMatchObject({ state: 'linked', graphId: made[0], origin: 'created' });
    expect(await sys.reportLine(userId, made[0])).toMatchObject({ result: 'added', reason: expect.stringContaining('answer was lost') });

    sys.zoho.delete(c.module, record.id);
    await apply(hint(c.module, 'delete', [record.id]));
    expect(await c.exists(made[0])).toBe(false);
  });
  it('a record deleted in Zoho before the retry: the item its lost create made is deleted, the claim goes', async () => {
    sys.configure({ SYNC_CONTACTS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete' });
    const record = sys.zoho.create('Contacts', { Owner: owner(), Last_Name: 'Lost Then Deleted', Email: 'lost.deleted@fabrikam.com' });
    sys.graph.inject('POST /users/{id}/contacts', faults.lostAnswer());
    await expect(apply(hint('Contacts', 'insert', [record.id]))).rejects.toThrow();
    const made = sys.graph.contacts.list(userId).filter((x) => x.surname === 'Lost Then Deleted');
    expect(made).toHaveLength(1);

    sys.zoho.delete('Contacts', record.id);
    await apply(hint('Contacts', 'delete', [record.id]));
    expect(sys.graph.contacts.get(userId, String(made[0].id))).toBeUndefined();
    expect(await getRuntime().zohoIndex.get('Contacts', record.id)).toBeUndefined();
    expect(await sys.reportLine(userId, String(made[0].id))).toMatchObject({ result: 'deleted', reason: expect.stringContaining('answer was lost') });
  });
});

/** A mailbox of its own (its links, its mass-delete share), provisioned and owned by a Zoho user. */
async function mailbox(upn: string, name: string): Promise<{ userId: string; owner: { id: string; name: string; email: string } }> {
  const id = sys.graph.addUser({ userPrincipalName: upn, displayName: name }).id;
  const zohoUser = sys.zoho.addUser({ email: upn, last_name: name.split(' ').pop()! });
  const at = new Date().toISOString();
  await getRuntime().users.put({ userId: id, upn, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
  return { userId: id, owner: { id: zohoUser.id, name, email: upn } };
}

describe('links made while a module synced to Zoho only (no reverse index row)', () => {
  it('a full resync with to-outlook indexes them: a Zoho change of the dedup key reaches the same item, a Zoho delete only unlinks it', async () => {
    const box = await mailbox('isaiah.langer@contoso.com', 'Isaiah Langer');
    const listId = sys.graph.todo.defaultListId(box.userId);
    await sys.subscribe(box.userId, 'tasks', listId);
    sys.configure({ SYNC_TASKS_DIRECTION: 'to-zoho', SYNC_DELETES: 'delete' });
    const task = sys.graph.todo.addTask(box.userId, listId, { title: 'Order samples', categories: [CATEGORY], dueDateTime: { dateTime: '2026-12-18T00:00:00.0000000', timeZone: 'UTC' } });
    await sys.change(box.userId, 'todoTask', String(task.id), 'created');
    const link = (await getRuntime().links.get(box.userId, 'tasks', String(task.id)))!;
    expect(link).toMatchObject({ state: 'linked', origin: 'created' });
    expect(await getRuntime().zohoIndex.get('Tasks', link.zohoId!)).toBeUndefined();

    sys.configure({ SYNC_TASKS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete' });
    const report = await sys.resyncToEnd({ mode: 'full', users: [box.userId], modules: ['tasks'] });
    expect(report.users[0].modules.find((m) => m.module === 'tasks')!.note).toContain('1 link made before Zoho → Outlook was on now indexed');
    expect(await getRuntime().zohoIndex.get('Tasks', link.zohoId!)).toMatchObject({ state: 'linked', userId: box.userId, graphId: String(task.id), origin: 'linked' });

    // The subject is the duplicate rule's key: without the index row this change would make a second task.
    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Tasks', link.zohoId!, { Subject: 'Order samples (urgent)' });
    await apply(hint('Tasks', 'update', [link.zohoId!]));
    expect(sys.graph.todo.listTasks(box.userId).map((t) => t.title)).toEqual(['Order samples (urgent)']);

    sys.zoho.delete('Tasks', link.zohoId!);
    await apply(hint('Tasks', 'delete', [link.zohoId!]));
    expect(sys.graph.todo.getTask(box.userId, String(task.id))).toMatchObject({ title: 'Order samples (urgent)' });
    expect(await sys.reportLine(box.userId, String(task.id))).toMatchObject({ result: 'skipped', reason: expect.stringContaining('existed in Outlook before the sync linked it') });
  });

  it('with both, the forward path indexes a link it touches: the record\'s next Zoho change reaches the same item', async () => {
    const box = await mailbox('lynne.robbins@contoso.com', 'Lynne Robbins');
    await sys.subscribe(box.userId, 'contacts');
    sys.configure({ SYNC_CONTACTS_DIRECTION: 'to-zoho' });
    const contact = sys.graph.contacts.add(box.userId, { givenName: 'Joni', surname: 'Sherman', emailAddresses: [{ address: 'joni@fabrikam.com', name: 'Joni' }], jobTitle: 'Buyer', categories: [CATEGORY] });
    await sys.change(box.userId, 'contact', String(contact.id), 'created');
    const link = (await getRuntime().links.get(box.userId, 'contacts', String(contact.id)))!;
    expect(await getRuntime().zohoIndex.get('Contacts', link.zohoId!)).toBeUndefined();

    sys.configure({ SYNC_CONTACTS_DIRECTION: 'both', SYNC_CONFLICTS: 'newest' });
    sys.graph.contacts.update(box.userId, String(contact.id), { department: 'Purchasing' });
    await sys.change(box.userId, 'contact', String(contact.id), 'updated');
    expect(sys.zoho.record('Contacts', link.zohoId!)).toMatchObject({ Department: 'Purchasing', Title: 'Buyer' });
    expect(await getRuntime().zohoIndex.get('Contacts', link.zohoId!)).toMatchObject({ state: 'linked', graphId: String(contact.id), origin: 'linked', values: expect.any(String) });

    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Contacts', link.zohoId!, { Email: 'joni.sherman@fabrikam.com', Title: 'Head of Purchasing' });
    await apply(hint('Contacts', 'update', [link.zohoId!]));
    expect(sys.graph.contacts.list(box.userId)).toHaveLength(1);
    expect(sys.graph.contacts.get(box.userId, String(contact.id))).toMatchObject({ jobTitle: 'Head of Purchasing', department: 'Purchasing', emailAddresses: [expect.objectContaining({ address: 'joni.sherman@fabrikam.com' })] });
  });
});

describe('a linked To Do task in a list other than the default one', () => {
  /** A task in a "Work" list, created in Zoho by the forward path: its link row and (with `both`) its reverse index row. */
  const workTask = async (upn: string, name: string, title: string) => {
    const box = await mailbox(upn, name);
    const work = String(sys.graph.todo.addList(box.userId, 'Work').id);
    await sys.subscribe(box.userId, 'tasks', work);
    const task = sys.graph.todo.addTask(box.userId, work, { title, categories: [CATEGORY], dueDateTime: { dateTime: '2026-12-21T00:00:00.0000000', timeZone: 'UTC' } });
    await sys.change(box.userId, 'todoTask', String(task.id), 'created');
    const link = (await getRuntime().links.get(box.userId, 'tasks', String(task.id)))!;
    expect(link).toMatchObject({ state: 'linked', zohoModule: 'Tasks' });
    return { box, work, taskId: String(task.id), zohoId: link.zohoId! };
  };
  const expectOneTask = async (userId: string, work: string, taskId: string, zohoId: string, title: string) => {
    expect(sys.graph.todo.listTasks(userId).map((t) => t.title)).toEqual([title]);
    expect((await getRuntime().graph.get(graphPath`/users/${userId}/todo/lists/${work}/tasks/${taskId}`, z.looseObject({ title: z.string() }))).title).toBe(title);
    expect(await getRuntime().links.get(userId, 'tasks', taskId)).toMatchObject({ state: 'linked', zohoId });
    expect(await getRuntime().zohoIndex.get('Tasks', zohoId)).toMatchObject({ state: 'linked', graphId: taskId, scope: work });
  };

  it('with both, a Zoho change reaches the task in its own list: no second task, the forward link stays; a Zoho delete only unlinks it', async () => {
    sys.configure({ SYNC_TASKS_DIRECTION: 'both', SYNC_DELETES: 'delete' });
    const { box, work, taskId, zohoId } = await workTask('debra.berger@contoso.com', 'Debra Berger', 'Review the contract');
    expect(await getRuntime().zohoIndex.get('Tasks', zohoId)).toMatchObject({ state: 'linked', graphId: taskId, scope: work });

    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Tasks', zohoId, { Subject: 'Review the contract (v2)' });
    await apply(hint('Tasks', 'update', [zohoId]));
    await expectOneTask(box.userId, work, taskId, zohoId, 'Review the contract (v2)');
    expect(await sys.reportLine(box.userId, taskId)).toMatchObject({ result: 'updated', reason: 'from Zoho: Subject' });

    sys.zoho.delete('Tasks', zohoId);
    await apply(hint('Tasks', 'delete', [zohoId]));
    expect(sys.graph.todo.getTask(box.userId, taskId)).toMatchObject({ title: 'Review the contract (v2)' });
    expect(await sys.reportLine(box.userId, taskId)).toMatchObject({ result: 'skipped' });
  });

  it('to-outlook after a resync\'s backfill (a row without the list): the task is found in its list and the row learns it', async () => {
    sys.configure({ SYNC_TASKS_DIRECTION: 'to-zoho', SYNC_DELETES: 'delete' });
    const { box, work, taskId, zohoId } = await workTask('enrico.cattaneo@contoso.com', 'Enrico Cattaneo', 'Call the supplier');
    expect(await getRuntime().zohoIndex.get('Tasks', zohoId)).toBeUndefined();
    sys.configure({ SYNC_TASKS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete' });
    await sys.resyncToEnd({ mode: 'full', users: [box.userId], modules: ['tasks'] });
    const row = (await getRuntime().zohoIndex.get('Tasks', zohoId))!;
    expect(row).toMatchObject({ state: 'linked', graphId: taskId });
    expect(row.scope).toBeUndefined();

    sys.zoho.advanceTime(2000);
    sys.zoho.edit('Tasks', zohoId, { Subject: 'Call the supplier today' });
    await apply(hint('Tasks', 'update', [zohoId]));
    await expectOneTask(box.userId, work, taskId, zohoId, 'Call the supplier today');
  });

  it('a Zoho delete whose Outlook DELETE answers 404 is reported as nothing deleted, never "deleted"', async () => {
    const box = await mailbox('lidia.holloway@contoso.com', 'Lidia Holloway');
    sys.configure({ SYNC_TASKS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete' });
    const record = sys.zoho.create('Tasks', { Owner: box.owner, Subject: 'Book the venue', Due_Date: '2026-12-23', Status: 'Not Started' });
    await apply(hint('Tasks', 'insert', [record.id]));
    const graphId = (await getRuntime().zohoIndex.get('Tasks', record.id))!.graphId!;
    sys.zoho.delete('Tasks', record.id);
    sys.graph.inject('DELETE /users/{id}/todo/lists/{id}/tasks/{id}', { status: 404, code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' });
    await apply(hint('Tasks', 'delete', [record.id]));
    expect(await sys.reportLine(box.userId, graphId)).toMatchObject({ result: 'skipped', reason: expect.stringContaining('nothing deleted') });
    expect(await getRuntime().zohoIndex.get('Tasks', record.id)).toBeUndefined();
  });
});

describe('a full resync finds records gone from Zoho without a delete notice (purged)', () => {
  it('the item the sync created is deleted, the one that existed is only unlinked; over SYNC_MASS_DELETE_SHARE only with force', async () => {
    const box = await mailbox('grady.archie@contoso.com', 'Grady Archie');
    sys.configure({ SYNC_CONTACTS_DIRECTION: 'to-outlook', SYNC_DELETES: 'delete', SYNC_MASS_DELETE_SHARE: '0.2' });
    const mine = sys.graph.contacts.add(box.userId, { givenName: 'Pre', surname: 'Existing', emailAddresses: [{ address: 'pre.existing@fabrikam.com', name: 'Pre' }] });
    const records = [
      sys.zoho.create('Contacts', { Owner: box.owner, Last_Name: 'Purged', Email: 'purged@fabrikam.com' }),
      sys.zoho.create('Contacts', { Owner: box.owner, Last_Name: 'Existing', First_Name: 'Pre', Email: 'pre.existing@fabrikam.com' }),
      sys.zoho.create('Contacts', { Owner: box.owner, Last_Name: 'Stays', Email: 'stays@fabrikam.com' }),
      sys.zoho.create('Contacts', { Owner: box.owner, Last_Name: 'Handed over', Email: 'handed.over@fabrikam.com' }),
    ];
    await apply(hint('Contacts', 'insert', records.map((r) => r.id)));
    const graphIds = await Promise.all(records.map(async (r) => (await getRuntime().zohoIndex.get('Contacts', r.id))!.graphId!));
    expect(graphIds[1]).toBe(String(mine.id));
    sys.zoho.purge('Contacts', records[0].id);
    sys.zoho.purge('Contacts', records[1].id);
    // Another owner's now, its hint not applied yet: still in Zoho, so not removed by the resync.
    sys.zoho.edit('Contacts', records[3].id, { Owner: owner() });

    const stopped = await sys.resyncToEnd({ mode: 'full', users: [box.userId], modules: ['contacts'] });
    expect(stopped.users[0].modules.find((m) => m.module === 'contacts')!.note).toContain('2 records gone from Zoho without a delete notice: Stopped before deleting');
    expect(sys.graph.contacts.get(box.userId, graphIds[0])).toBeDefined();

    const forced = await sys.resyncToEnd({ mode: 'full', users: [box.userId], modules: ['contacts'], force: true });
    expect(forced.users[0].modules.find((m) => m.module === 'contacts')!.note).toContain('2 records gone from Zoho without a delete notice removed from Outlook');
    expect(sys.graph.contacts.get(box.userId, graphIds[0])).toBeUndefined();
    expect(sys.graph.contacts.get(box.userId, graphIds[1])).toMatchObject({ surname: 'Existing' });
    expect(sys.graph.contacts.get(box.userId, graphIds[2])).toMatchObject({ surname: 'Stays' });
    expect(await getRuntime().zohoIndex.get('Contacts', records[1].id)).toBeUndefined();
    expect(await getRuntime().links.get(box.userId, 'contacts', graphIds[1])).toBeUndefined();
    expect(await getRuntime().zohoIndex.get('Contacts', records[2].id)).toMatchObject({ state: 'linked' });
    expect(sys.graph.contacts.get(box.userId, graphIds[3])).toMatchObject({ surname: 'Handed over' });
  });

  it('SYNC_DELETES=unlink: the item the sync created is only unlinked', async () => {
    const box = await mailbox('pradeep.gupta@contoso.com', 'Pradeep Gupta');
    sys.configure({ SYNC_EVENTS_DIRECTION: 'to-outlook', SYNC_DELETES: 'unlink', SYNC_MASS_DELETE_SHARE: '1' });
    const record = sys.zoho.create('Events', { Owner: box.owner, Event_Title: 'Purged meeting', Start_DateTime: '2026-12-22T09:00:00+00:00', End_DateTime: '2026-12-22T10:00:00+00:00', All_day: false });
    await apply(hint('Events', 'insert', [record.id]));
    const graphId = (await getRuntime().zohoIndex.get('Events', record.id))!.graphId!;
    sys.zoho.purge('Events', record.id);
    const report = await sys.resyncToEnd({ mode: 'full', users: [box.userId], modules: ['events'] });
    expect((await getRuntime().graph.get(graphPath`/users/${box.userId}/events/${graphId}`, eventSchema, { query: { $select: EVENT_SELECT } })).subject).toBe('Purged meeting');
    expect(await getRuntime().zohoIndex.get('Events', record.id)).toBeUndefined();
    expect(await getRuntime().links.get(box.userId, 'events', graphId)).toBeUndefined();
    const lines = await getRuntime().runs.listItems(report.jobId, { userId: box.userId });
    expect(lines.find((l) => l.itemId === graphId)).toMatchObject({ result: 'skipped', reason: expect.stringContaining('SYNC_DELETES=unlink') });
  });
});
