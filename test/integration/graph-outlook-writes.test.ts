import { createGraphClient, type GraphApi } from '../../lib/graph/client';
import { OutlookDuplicates } from '../../lib/graph/outlook-lookup';
import { OutlookInvitationError, OutlookWriter } from '../../lib/graph/outlook-writes';
import { graphPath } from '../../lib/graph/path';
import { CONTACT_EXPAND, CONTACT_SELECT, contactSchema } from '../../lib/graph/resources/contact';
import { EVENT_SELECT, eventSchema } from '../../lib/graph/resources/event';
import { todoTaskSchema } from '../../lib/graph/resources/todo-task';
import { CONTACT_VALUE_FIELDS, contactBodyFromValues, contactFromZoho, contactValuesFromOutlook, contactValuesFromZoho } from '../../lib/mapping/reverse-contact';
import { eventFromZoho, eventValuesFromOutlook, eventValuesFromZoho } from '../../lib/mapping/reverse-event';
import { taskFromZoho, taskValuesFromOutlook, taskValuesFromZoho } from '../../lib/mapping/reverse-task';
import { startGraphDouble, type GraphDouble } from '../doubles/graph';

// Zoho → Outlook writes through the production Graph client against the Graph double.

let double: GraphDouble;
let graph: GraphApi;
let userId: string;

const meeting = {
  id: '5725767000000500001',
  Event_Title: 'Kick-off with Fabrikam',
  Start_DateTime: '2026-12-10T10:00:00+09:00',
  End_DateTime: '2026-12-10T11:00:00+09:00',
  All_day: false,
  Venue: 'Fabrikam HQ',
  Description: 'Bring the draft contract.',
  Participants: [
    { type: 'contact', participant: '5725767000000412001', name: 'Pavel Bansky', Email: 'pavelb@fabrikam.example' },
    { type: 'lead', participant: '5725767000000413001', name: 'Ana Lead', Email: 'ana@lead.example' },
    { type: 'email', participant: 'guest@partner.example', Email: 'guest@partner.example' },
  ],
};

const zohoContact = {
  id: '5725767000000412001',
  First_Name: 'Pavel', Last_Name: 'Bansky', Full_Name: 'Pavel Bansky', Email: 'pavelb@fabrikam.example',
  Account_Name: { name: 'Fabrikam', id: '1' }, Phone: '+1 732 555 0102', Other_Phone: '+1 732 555 0104', Fax: '+1 732 555 0103',
  Asst_Phone: '+1 732 555 0105', Mailing_City: 'Redmond', Description: 'Met at the fair.', Date_of_Birth: '1980-02-29',
};

beforeAll(async () => {
  double = await startGraphDouble();
});
afterAll(async () => {
  await double.close();
});
beforeEach(() => {
  double.reset();
  userId = double.addUser({ userPrincipalName: 'rep@contoso.com', displayName: 'Sales Rep' }).id;
  graph = createGraphClient(double.settings(), { timeoutMs: 2_000 });
});

describe('events', () => {
  it('a Zoho meeting with 3 participants becomes an Outlook event with no attendees and no invitation', async () => {
    const writer = new OutlookWriter(graph);
    const created = await writer.createEvent(userId, eventFromZoho(meeting, { category: 'Zoho', timeZone: 'Tokyo Standard Time' }));
    const read = await graph.get(graphPath`/users/${userId}/events/${created.id}`, eventSchema, { query: { $select: EVENT_SELECT }, headers: { Prefer: 'IdType="ImmutableId"' } });
    expect(read.attendees ?? []).toEqual([]);
    expect(read.categories).toEqual(['Zoho']);
    expect(read.body?.content).toContain('Pavel Bansky <pavelb@fabrikam.example>');
    expect(read.body?.content).toContain('guest@partner.example');
    expect(double.events.invitations).toEqual([]);
    // Read back, it maps to what Zoho holds: nothing to write to Zoho (no echo).
    expect(eventValuesFromOutlook(read, { defaultTimeZone: 'Asia/Tokyo' })).toEqual(eventValuesFromZoho(meeting));

    await writer.updateEvent(userId, created.id, { subject: 'Kick-off (moved)' });
    expect(double.events.invitations).toEqual([]);
    expect(await writer.deleteEvent(userId, created.id)).toBe(true);
    expect(await writer.deleteEvent(userId, created.id)).toBe(false);
  });

  it('refuses, before any request, an event body that would make Graph invite someone', async () => {
    const writer = new OutlookWriter(graph);
    const before = double.calls.snapshot();
    const body = { ...eventFromZoho(meeting, { category: 'Zoho' }), attendees: [{ emailAddress: { address: 'pavelb@fabrikam.example' }, type: 'required' }] };
    await expect(writer.createEvent(userId, body)).rejects.toBeInstanceOf(OutlookInvitationError);
    await expect(writer.updateEvent(userId, 'any', { attendees: [{ emailAddress: { address: 'x@y.example' } }] })).rejects.toBeInstanceOf(OutlookInvitationError);
    expect(double.calls.snapshot()).toEqual(before);
    expect(double.events.invitations).toEqual([]);
  });

  it('the double does record the invitation Graph would send for an event with attendees', async () => {
    await graph.post(graphPath`/users/${userId}/calendar/events`, { subject: 'x', start: { dateTime: '2026-12-10T01:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-10T02:00:00', timeZone: 'UTC' }, attendees: [{ emailAddress: { address: 'a@b.example' } }] });
    expect(double.events.invitations).toEqual([expect.objectContaining({ userId, kind: 'created', attendees: ['a@b.example'] })]);
  });
});

describe('contacts', () => {
  it('go into a dedicated folder the sync creates once, with the MAPI properties and the category', async () => {
    const writer = new OutlookWriter(graph, { contactsFolder: 'Zoho CRM Contacts' });
    const first = await writer.createContact(userId, contactFromZoho(zohoContact, { category: 'Zoho' }));
    await writer.createContact(userId, contactFromZoho({ ...zohoContact, Email: 'second@fabrikam.example' }, { category: 'Zoho' }));
    expect(double.calls.snapshot()['POST /users/{id}/contactFolders']).toBe(1);

    const folderId = await writer.contactFolderId(userId);
    expect(first.parentFolderId).toBe(folderId);
    const read = await graph.get(graphPath`/users/${userId}/contacts/${first.id}`, contactSchema, { query: { $select: CONTACT_SELECT, $expand: CONTACT_EXPAND } });
    expect(read.categories).toEqual(['Zoho']);
    // Fields the record does not have are empty in Outlook, and nothing else differs: no echo write.
    const empty = Object.fromEntries(CONTACT_VALUE_FIELDS.map((f) => [f, null]));
    expect(contactValuesFromOutlook(read)).toEqual({ ...empty, ...contactValuesFromZoho(zohoContact) });

    // A second process finds the folder instead of creating another.
    const other = new OutlookWriter(graph, { contactsFolder: 'zoho crm contacts' });
    expect(await other.contactFolderId(userId)).toBe(folderId);
    expect(double.calls.snapshot()['POST /users/{id}/contactFolders']).toBe(1);
  });

  it('go into the Contacts folder without the setting; update and delete', async () => {
    const writer = new OutlookWriter(graph);
    const created = await writer.createContact(userId, contactFromZoho(zohoContact, { category: 'Zoho' }));
    expect(created.parentFolderId).toBe(double.contacts.defaultFolderId(userId));
    const updated = await writer.updateContact(userId, created.id, contactBodyFromValues({ Title: 'Buyer', Fax: null }, created));
    expect(updated.jobTitle).toBe('Buyer');
    expect(double.contacts.get(userId, created.id)!.singleValueExtendedProperties).toEqual(expect.arrayContaining([{ id: 'String 0x3A24', value: '' }]));
    expect(await writer.deleteContact(userId, created.id)).toBe(true);
    expect(double.contacts.get(userId, created.id)).toBeUndefined();
  });
});

describe('To Do tasks', () => {
  it('go into the default list; update and delete', async () => {
    const writer = new OutlookWriter(graph);
    const record = { id: 't1', Subject: 'Send the quote', Due_Date: '2026-12-24', Priority: 'High', Status: 'In Progress', Description: 'v2' };
    const task = await writer.createTask(userId, taskFromZoho(record, { category: 'Zoho', userTimeZone: 'UTC' }));
    expect(task.listId).toBe(double.todo.defaultListId(userId));
    const read = await graph.get(graphPath`/users/${userId}/todo/lists/${task.listId}/tasks/${task.id}`, todoTaskSchema);
    expect(read.categories).toEqual(['Zoho']);
    expect(taskValuesFromOutlook(read, { userTimeZone: 'UTC' })).toEqual(taskValuesFromZoho(record));
    expect((await writer.updateTask(userId, task.listId, task.id, { status: 'completed' })).status).toBe('completed');
    expect(await writer.deleteTask(userId, task.listId, task.id)).toBe(true);
    expect(double.todo.getTask(userId, task.id)).toBeUndefined();
  });
});

describe('Outlook-side duplicates of a Zoho record', () => {
  it('contact: same e-mail (any case) in the Contacts folder, also when the sync writes to its own folder', async () => {
    const existing = double.contacts.add(userId, { givenName: 'Pavel', surname: 'Bansky', emailAddresses: [{ address: 'PavelB@Fabrikam.example' }], jobTitle: 'Kept' });
    const lookup = new OutlookDuplicates(graph, new OutlookWriter(graph, { contactsFolder: 'Zoho CRM Contacts' }));
    expect((await lookup.contact(userId, zohoContact))?.id).toBe(existing.id);
    expect(await lookup.contact(userId, zohoContact, new Set([String(existing.id)]))).toBeUndefined();
    expect(await lookup.contact(userId, { ...zohoContact, Email: 'someone.else@fabrikam.example' })).toBeUndefined();
  });

  it('contact without e-mail: same full name', async () => {
    const existing = double.contacts.add(userId, { givenName: "Ann O'Neil", surname: 'Lee' });
    double.contacts.add(userId, { givenName: 'Bob', surname: 'Lee' });
    const lookup = new OutlookDuplicates(graph, new OutlookWriter(graph));
    expect((await lookup.contact(userId, { First_Name: "Ann O'Neil", Last_Name: 'Lee', Email: null }))?.id).toBe(existing.id);
    expect(await lookup.contact(userId, { First_Name: 'Cid', Last_Name: 'Lee', Email: null })).toBeUndefined();
  });

  it('task: subject and due date in the default list', async () => {
    const list = double.todo.defaultListId(userId);
    double.todo.addTask(userId, list, { title: 'Call back', dueDateTime: { dateTime: '2026-12-23T00:00:00.0000000', timeZone: 'UTC' } });
    const same = double.todo.addTask(userId, list, { title: 'Call back', dueDateTime: { dateTime: '2026-12-24T00:00:00.0000000', timeZone: 'UTC' } });
    const lookup = new OutlookDuplicates(graph, new OutlookWriter(graph));
    expect((await lookup.task(userId, { Subject: 'Call back', Due_Date: '2026-12-24' }, 'UTC'))?.id).toBe(same.id);
    expect(await lookup.task(userId, { Subject: 'Call back', Due_Date: '2026-12-25' }, 'UTC')).toBeUndefined();
  });

  it('event: title, start and end, whatever zone Zoho answers in', async () => {
    const existing = double.events.add(userId, { subject: 'Kick-off with Fabrikam', start: { dateTime: '2026-12-10T01:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-10T02:00:00', timeZone: 'UTC' } });
    const lookup = new OutlookDuplicates(graph, new OutlookWriter(graph));
    expect((await lookup.event(userId, meeting, 'UTC'))?.id).toBe(existing.id);
    expect(await lookup.event(userId, { ...meeting, End_DateTime: '2026-12-10T11:30:00+09:00' }, 'UTC')).toBeUndefined();
  });
});

describe('Graph calls per item written to Outlook', () => {
  it('one POST per item; folder and list look-ups once per mailbox; one query per duplicate look-up', async () => {
    const writer = new OutlookWriter(graph, { contactsFolder: 'Zoho CRM Contacts' });
    const lookup = new OutlookDuplicates(graph, writer);
    const before = double.calls.snapshot();
    for (let i = 0; i < 5; i++) {
      await writer.createContact(userId, contactFromZoho({ ...zohoContact, Email: `p${i}@fabrikam.example` }, { category: 'Zoho' }));
      await writer.createTask(userId, taskFromZoho({ Subject: `T${i}`, Due_Date: '2026-12-24' }, { category: 'Zoho' }));
      await writer.createEvent(userId, eventFromZoho({ ...meeting, Event_Title: `E${i}` }, { category: 'Zoho' }));
      await lookup.contact(userId, { ...zohoContact, Email: `new${i}@fabrikam.example` });
    }
    const after = double.calls.snapshot();
    const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)] as const).filter(([k, v]) => v > 0 && k.includes(' /users/')));
    expect(delta).toEqual({
      'GET /users/{id}/contactFolders': 1,
      'POST /users/{id}/contactFolders': 1,
      'POST /users/{id}/contactFolders/{id}/contacts': 5,
      'GET /users/{id}/contactFolders/{id}/contacts': 5,
      'GET /users/{id}/contacts': 5,
      'GET /users/{id}/todo/lists': 1,
      'POST /users/{id}/todo/lists/{id}/tasks': 5,
      'POST /users/{id}/calendar/events': 5,
    });
    expect(double.events.invitations).toEqual([]);
  });
});
