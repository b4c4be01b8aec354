import { processFieldCache } from '../../lib/zoho/metadata';
import { faults } from '../doubles/graph';
import { startSystem, type System } from '../support/system';

/**
 * Issue 4, tasks: Microsoft To Do → Zoho Tasks through the real path: Graph double → our webhook →
 * queue → sync-worker → Graph double (read) → Zoho double (write), state in Azurite.
 */
let sys: System;
let userId: string;
let listId: string;
let subscriptionId: string;

const CATEGORY = 'Zoho';

const change = (id: string, changeType: 'created' | 'updated' | 'deleted' = 'updated', opts: { duplicates?: number } = {}) => sys.change(userId, 'todoTask', id, changeType, opts);

const report = (itemId: string) => sys.reportLine(userId, itemId);

const zohoTasks = () => sys.zoho.recordsOf('Tasks');
const zohoCalls = () => sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length;

function addTask(fields: Record<string, unknown>) {
  return String(sys.graph.todo.addTask(userId, listId, { categories: [CATEGORY], ...fields }).id);
}

beforeAll(async () => {
  sys = await startSystem();
  userId = sys.graph.addUser({ userPrincipalName: 'adele.vance@contoso.com', displayName: 'Adele Vance' }).id;
  sys.zoho.addUser({ email: 'adele.vance@contoso.com', last_name: 'Vance' });
  listId = sys.graph.todo.defaultListId(userId);
  subscriptionId = await sys.subscribe(userId, 'tasks', listId);
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => {
  sys.graph.todo.setMailboxTimeZone(userId, 'Tokyo Standard Time');
  sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
});

describe('a task with every mapped field', () => {
  it('arrives with subject, due date in the mailbox zone, priority, status, notes as text, owner', async () => {
    const longTitle = `Prepare the quote for Fabrikam ${'and review it '.repeat(20)}`.trim(); // > 255
    const id = addTask({
      title: longTitle,
      // Tokyo midnight of 10 December, as To Do stores it (UTC).
      dueDateTime: { dateTime: '2026-12-09T15:00:00.0000000', timeZone: 'UTC' },
      startDateTime: { dateTime: '2026-12-01T15:00:00.0000000', timeZone: 'UTC' },
      importance: 'high',
      status: 'inProgress',
      body: { contentType: 'html', content: '<html><body><p>Call Pavel &amp; confirm</p><ul><li>price</li><li>date</li></ul></body></html>' },
    });
    await change(id, 'created');

    const [record] = zohoTasks().filter((r) => String(r.Subject).startsWith('Prepare the quote for Fabrikam'));
    expect(record).toMatchObject({
      Subject: longTitle.slice(0, 255),
      Due_Date: '2026-12-10',
      Priority: 'High',
      Status: 'In Progress',
      Description: 'Call Pavel & confirm\n\n- price\n\n- date',
    });
    expect((record.Owner as { id: string }).id).toBe(sys.zoho.state.users.find((u) => u.email === 'adele.vance@contoso.com')!.id);
    // Start date is not mapped (SPEC §2.2).
    expect(JSON.stringify(sys.zoho.requestsTo('POST /crm/v8/Tasks').map((r) => r.body))).not.toContain('2026-12-01');
    const line = await report(id);
    expect(line).toMatchObject({ result: 'added', zohoId: record.id, cutFields: ['Subject'] });
  });

  it('falls back to UTC when the mailbox time zone cannot be read', async () => {
    sys.graph.inject('GET /users/{id}/mailboxSettings/timeZone', faults.forbidden());
    const id = addTask({ title: 'Send the contract', dueDateTime: { dateTime: '2026-12-09T15:00:00.0000000', timeZone: 'UTC' } });
    await change(id, 'created');
    expect(zohoTasks().find((r) => r.Subject === 'Send the contract')).toMatchObject({ Due_Date: '2026-12-09', Priority: 'Normal', Status: 'Not Started' });
  });

  it('uses the org’s own pick-list values when Zoho’s defaults were renamed', async () => {
    sys.zoho.setField('Tasks', 'Status', { picklist: ['-None-', 'Open', 'Working', 'Done'] });
    sys.zoho.setField('Tasks', 'Priority', { picklist: ['-None-', 'Urgent', 'Medium', 'Minor'] });
    processFieldCache.invalidate();
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
    try {
      const id = addTask({ title: 'Renew the licence', status: 'completed', importance: 'normal' });
      await change(id, 'created');
      expect(zohoTasks().find((r) => r.Subject === 'Renew the licence')).toMatchObject({ Status: 'Done', Priority: 'Medium' });
      // A status the org has no word for still gets one of its values, and the report says so.
      const other = addTask({ title: 'Wait for the signature', status: 'waitingOnOthers' });
      await change(other, 'created');
      expect(zohoTasks().find((r) => r.Subject === 'Wait for the signature')).toMatchObject({ Status: 'Open' });
      expect((await report(other))?.notes?.join(' ')).toMatch(/Status: the org's pick list has no value for Outlook's "waitingOnOthers"/);
    } finally {
      sys.zoho.setField('Tasks', 'Status', { picklist: ['-None-', 'Not Started', 'Deferred', 'In Progress', 'Completed', 'Waiting for input'] });
      sys.zoho.setField('Tasks', 'Priority', { picklist: ['-None-', 'Highest', 'High', 'Normal', 'Low', 'Lowest'] });
      processFieldCache.invalidate();
    }
  });
});

describe('duplicates already in Zoho', () => {
  it('links the task with the same subject and due date, creating nothing', async () => {
    const [existing, otherDay] = sys.zoho.seed('Tasks', [
      { Subject: 'Quarterly review', Due_Date: '2027-01-15', Status: 'Not Started', Created_Time: '2024-01-01T09:00:00+00:00' },
      { Subject: 'Quarterly review', Due_Date: '2027-04-15', Status: 'Not Started', Created_Time: '2023-01-01T09:00:00+00:00' },
    ]);
    const count = zohoTasks().length;
    const id = addTask({ title: 'Quarterly review', dueDateTime: { dateTime: '2027-01-14T15:00:00.0000000', timeZone: 'UTC' }, status: 'inProgress' });
    await change(id, 'created');
    expect(zohoTasks().length).toBe(count);
    // Linking never replaces a value Zoho has: its Status stays.
    expect(sys.zoho.record('Tasks', existing)).toMatchObject({ Status: 'Not Started' });
    expect(sys.zoho.record('Tasks', otherDay)).toMatchObject({ Status: 'Not Started' });
    expect(await report(id)).toMatchObject({ result: 'updated', zohoId: existing, reason: expect.stringMatching(/same subject and due date/) });
  });

  it('one record for a notification delivered 5 times, and for three workers at once', async () => {
    const id = addTask({ title: 'Book the venue' });
    await change(id, 'created', { duplicates: 4 });
    expect(zohoTasks().filter((r) => r.Subject === 'Book the venue')).toHaveLength(1);

    const other = addTask({ title: 'Print the badges' });
    const message = { v: 1, userId, module: 'tasks', itemId: other, changeType: 'created', scope: listId, subscriptionId };
    await sys.workAtOnce([message, message, message]);
    expect(zohoTasks().filter((r) => r.Subject === 'Print the badges')).toHaveLength(1);
  });
});

describe('changes after the first sync', () => {
  it('updates, skips a no-op, leaves the scope, and deletes', async () => {
    const id = addTask({ title: 'Follow up with Contoso', importance: 'low' });
    await change(id, 'created');
    const record = zohoTasks().find((r) => r.Subject === 'Follow up with Contoso')!;

    sys.graph.todo.updateTask(userId, id, { status: 'completed' });
    await change(id);
    expect(sys.zoho.record('Tasks', record.id)).toMatchObject({ Status: 'Completed', Priority: 'Low' });
    expect((await report(id))?.result).toBe('updated');

    sys.graph.todo.updateTask(userId, id, {});
    const before = zohoCalls();
    await change(id);
    expect(zohoCalls()).toBe(before);
    // The no-op does not overwrite what the day's run did to the task.
    expect((await report(id))?.result).toBe('updated');

    sys.graph.todo.updateTask(userId, id, { categories: [] });
    await change(id);
    expect(sys.zoho.record('Tasks', record.id)).toBeDefined();
    expect(await report(id)).toMatchObject({ result: 'skipped', reason: 'left the sync scope' });

    sys.graph.todo.updateTask(userId, id, { categories: [CATEGORY] });
    await change(id);
    sys.graph.todo.removeTask(userId, id);
    await change(id, 'deleted');
    expect(sys.zoho.record('Tasks', record.id)).toBeUndefined();
    expect(await report(id)).toMatchObject({ result: 'deleted', zohoId: record.id });
  });

  it('a task in another list is read from that list', async () => {
    const list = String(sys.graph.todo.addList(userId, 'Customers').id);
    await sys.subscribe(userId, 'tasks', list);
    const id = String(sys.graph.todo.addTask(userId, list, { title: 'Call Megan', categories: [CATEGORY] }).id);
    await change(id, 'created');
    expect(zohoTasks().filter((r) => r.Subject === 'Call Megan')).toHaveLength(1);
  });
});
