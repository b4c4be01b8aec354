import { listTodoLists } from '../../lib/provision/graph-ops';
import { startSystem, type System } from '../support/system';

/**
 * Issue 13, item 1: SYNC_CONTACT_FOLDERS, SYNC_CALENDARS, SYNC_TODO_LISTS choose the folders that
 * sync; notifications (each item's own check), delta and resync use the same selection.
 */
let sys: System;
let userId: string;
let customers: string;
let projects: string;
let personal: string;
let birthdays: string;

const CATEGORY = 'Zoho';
const utc = (iso: string) => ({ dateTime: iso.replace(/Z$/, ''), timeZone: 'UTC' });
const soon = (days: number, hour: number) => utc(new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + days, hour)).toISOString());
const byEmail = (email: string) => sys.zoho.recordsOf('Contacts').filter((r) => String(r.Email).toLowerCase() === email);
const byTitle = (title: string) => sys.zoho.recordsOf('Events').filter((r) => r.Event_Title === title);


beforeAll(async () => {
  sys = await startSystem();
  userId = sys.graph.addUser({ userPrincipalName: 'folders@contoso.com', displayName: 'Folders' }).id;
  sys.zoho.addUser({ email: 'folders@contoso.com', last_name: 'Folders' });
  customers = sys.graph.contacts.addFolder(userId, 'Customers').id;
  personal = sys.graph.contacts.addFolder(userId, 'Personal').id;
  projects = sys.graph.events.addCalendar(userId, 'Projects').id;
  birthdays = sys.graph.events.addCalendar(userId, 'Birthdays').id;
  await sys.subscribe(userId, 'contacts');
  await sys.subscribe(userId, 'events');
});

afterAll(async () => {
  await sys.close();
});

describe('SYNC_CONTACT_FOLDERS=Customers', () => {
  beforeEach(() => sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_CONTACT_FOLDERS: ' customers ' }));

  it('a contact in an unselected folder never reaches Zoho; moving it in makes it sync; moving it out leaves the scope', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Aoi', surname: 'Kato', emailAddresses: [{ address: 'aoi.kato@fabrikam.example' }], categories: [CATEGORY] });
    const id = String(contact.id);
    await sys.change(userId, 'contact', id, 'created');
    expect(byEmail('aoi.kato@fabrikam.example')).toHaveLength(0);
    // Nor from a resync: the default folder is not read at all.
    await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'full' });
    expect(byEmail('aoi.kato@fabrikam.example')).toHaveLength(0);

    sys.graph.contacts.move(userId, id, customers);
    await sys.change(userId, 'contact', id, 'updated');
    const [record] = byEmail('aoi.kato@fabrikam.example');
    expect(record).toBeDefined();
    expect(await sys.reportLine(userId, id)).toMatchObject({ result: 'added' });

    sys.graph.contacts.move(userId, id, personal);
    await sys.change(userId, 'contact', id, 'updated');
    expect(await sys.reportLine(userId, id)).toMatchObject({ result: 'skipped', reason: 'left the sync scope', zohoId: record.id });
    expect(sys.zoho.record('Contacts', record.id)).toBeDefined();
    expect(await sys.runtime().links.get(userId, 'contacts', id)).toBeUndefined();
  });

  it('a resync reads only the chosen folder, and a contact moved out since leaves the scope there too', async () => {
    const inside = sys.graph.contacts.add(userId, { givenName: 'Sora', surname: 'Ito', emailAddresses: [{ address: 'sora.ito@fabrikam.example' }], categories: [CATEGORY] }, { folderId: customers });
    const outside = sys.graph.contacts.add(userId, { givenName: 'Riku', surname: 'Sato', emailAddresses: [{ address: 'riku.sato@fabrikam.example' }], categories: [CATEGORY] }, { folderId: personal });
    await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'full' });
    expect(byEmail('sora.ito@fabrikam.example')).toHaveLength(1);
    expect(byEmail('riku.sato@fabrikam.example')).toHaveLength(0);

    sys.graph.contacts.move(userId, String(inside.id), personal);
    const r = await sys.resyncToEnd({ users: [userId], modules: ['contacts'] });
    const contacts = r.users[0].modules.find((m) => m.module === 'contacts')!;
    expect(contacts.skipped).toEqual([expect.objectContaining({ itemId: String(inside.id), reason: 'left the sync scope' })]);
    expect(contacts.counts).toMatchObject({ deleted: 0 });
    expect(byEmail('sora.ito@fabrikam.example')).toHaveLength(1);
    expect((await sys.runtime().links.get(userId, 'contacts', String(outside.id)))).toBeUndefined();
  });
});

describe('SYNC_CALENDARS', () => {
  it('a meeting in a second, selected calendar is synced live and survives a full resync, which reads that calendar', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_CALENDARS: 'default, Projects' });
    const meeting = sys.graph.events.add(userId, { subject: 'Project kickoff', start: soon(3, 9), end: soon(3, 10), categories: [CATEGORY] }, { calendarId: projects });
    const id = String(meeting.id);
    await sys.change(userId, 'event', id, 'created');
    const [record] = byTitle('Project kickoff');
    expect(record).toBeDefined();

    // An event in an unchosen calendar: neither live nor by resync.
    const birthday = sys.graph.events.add(userId, { subject: 'Birthday', start: soon(4, 9), end: soon(4, 10), categories: [CATEGORY] }, { calendarId: birthdays });
    await sys.change(userId, 'event', String(birthday.id), 'created');

    sys.graph.events.update(userId, id, { location: { displayName: 'Room 7' } });
    const r = await sys.resyncToEnd({ users: [userId], modules: ['events'], mode: 'full' });
    const events = r.users[0].modules.find((m) => m.module === 'events')!;
    expect(events.counts).toMatchObject({ deleted: 0, skipped: 0 });
    expect(events.reconciled).toBe(0);
    expect(sys.zoho.record('Events', record.id)).toMatchObject({ Venue: 'Room 7' });
    expect((await sys.runtime().links.get(userId, 'events', id))?.zohoId).toBe(record.id);
    expect(byTitle('Birthday')).toHaveLength(0);
  });

  it('an event in an unchosen calendar reaches Zoho neither live nor by resync', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_CALENDARS: 'Projects' });
    const primary = sys.graph.events.add(userId, { subject: 'Dentist', start: soon(5, 9), end: soon(5, 10), categories: [CATEGORY] });
    await sys.change(userId, 'event', String(primary.id), 'created');
    await sys.resyncToEnd({ users: [userId], modules: ['events'], mode: 'full' });
    expect(byTitle('Dentist')).toHaveLength(0);
    expect(byTitle('Project kickoff')).toHaveLength(1);
  });
});

describe('SYNC_TODO_LISTS=Work', () => {
  it('syncs tasks of the chosen list only, live and by resync; provisioning and the To Do poll list that one alone', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_TODO_LISTS: 'work' });
    const work = String(sys.graph.todo.addList(userId, 'Work').id);
    const errands = String(sys.graph.todo.addList(userId, 'Errands').id);
    // A subscription left over from before the setting changed still notifies: the item's own check holds.
    await sys.subscribe(userId, 'tasks', work);
    await sys.subscribe(userId, 'tasks', errands);
    const chosen = String(sys.graph.todo.addTask(userId, work, { title: 'Send the proposal', categories: [CATEGORY] }).id);
    const other = String(sys.graph.todo.addTask(userId, errands, { title: 'Buy milk', categories: [CATEGORY] }).id);
    await sys.change(userId, 'todoTask', chosen, 'created');
    await sys.change(userId, 'todoTask', other, 'created');
    const subjects = () => sys.zoho.recordsOf('Tasks').map((t) => t.Subject);
    expect(subjects()).toContain('Send the proposal');
    expect(subjects()).not.toContain('Buy milk');

    const inDefault = String(sys.graph.todo.addTask(userId, sys.graph.todo.defaultListId(userId), { title: 'Default list task', categories: [CATEGORY] }).id);
    await sys.resyncToEnd({ users: [userId], modules: ['tasks'], mode: 'full' });
    expect(subjects()).not.toContain('Default list task');
    expect(subjects()).not.toContain('Buy milk');
    expect((await sys.runtime().links.get(userId, 'tasks', inDefault))).toBeUndefined();
    // The list provisioning subscribes to and the poll reads (both call listTodoLists with the setting).

    expect(await listTodoLists(sys.runtime().graph, userId, sys.runtime().config.SYNC_TODO_LISTS)).toEqual([work]);
  });
});

