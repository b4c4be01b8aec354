import type { Timer } from '@azure/functions';
import { todoPoll } from '../../functions/todo-poll';
import { GraphPermissionError } from '../../lib/graph/errors';
import { faults } from '../doubles/graph';
import { invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 4, the To Do fallback: with To Do subscriptions refused (graph.md §1.5), the todo-poll
 * timer reads `todo/lists/{id}/tasks/delta` for every list of every provisioned user and feeds the
 * sync-items queue, and sync-worker writes Zoho exactly as it does for notifications.
 */
let sys: System;
let userId: string;
let listId: string;

const CATEGORY = 'Zoho';
const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

async function poll() {
  const { context, logs } = invocation('todo-poll');
  const result = await todoPoll(timer, context);
  return { result, logs };
}

async function pollAndWork() {
  const { result } = await poll();
  await sys.runQueue({ includeDelayed: true });
  return result;
}

const report = (itemId: string) => sys.reportLine(userId, itemId);

const zohoTask = (subject: string) => sys.zoho.recordsOf('Tasks').filter((r) => r.Subject === subject);

beforeAll(async () => {
  sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' });
  userId = sys.graph.addUser({ userPrincipalName: 'adele.vance@contoso.com', displayName: 'Adele Vance' }).id;
  sys.zoho.addUser({ email: 'adele.vance@contoso.com', last_name: 'Vance' });
  listId = sys.graph.todo.defaultListId(userId);
  sys.graph.subscriptions.refuseTodo = 'forbidden';
  // Provisioning subscribes what it can; the To Do list is refused, the calendar is not.
  await expect(sys.subscribe(userId, 'tasks', listId)).rejects.toBeInstanceOf(GraphPermissionError);
  await sys.subscribe(userId, 'events');
});

afterAll(async () => {
  await sys.close();
});

describe('To Do subscriptions refused', () => {
  it('a new task, a change and a deletion still reach Zoho through the delta timer', async () => {
    const existing = String(sys.graph.todo.addTask(userId, listId, { title: 'Existing before polling', categories: [CATEGORY] }).id);
    // First round: no delta link yet, every task of every list is queued and synced.
    const first = await pollAndWork();
    expect(first).toMatchObject({ users: 1, lists: 2, failures: 0 });
    expect(zohoTask('Existing before polling')).toHaveLength(1);
    expect(await sys.runtime().deltaLinks.get(userId, 'tasks', listId)).toMatch(/\$deltatoken=/);

    // Nothing changed: the round queues nothing and Zoho hears nothing.
    const zohoBefore = sys.zoho.requests.length;
    expect(await pollAndWork()).toMatchObject({ queued: 0 });
    expect(sys.zoho.requests.length).toBe(zohoBefore);

    const id = String(sys.graph.todo.addTask(userId, listId, { title: 'Call Pavel', importance: 'high', categories: [CATEGORY] }).id);
    expect(await pollAndWork()).toMatchObject({ queued: 1 });
    const [record] = zohoTask('Call Pavel');
    expect(record).toMatchObject({ Priority: 'High', Status: 'Not Started' });
    expect(await report(id)).toMatchObject({ result: 'added', zohoId: record.id });

    sys.graph.todo.updateTask(userId, id, { status: 'completed' });
    await pollAndWork();
    expect(sys.zoho.record('Tasks', record.id)).toMatchObject({ Status: 'Completed' });

    sys.graph.todo.removeTask(userId, id);
    await pollAndWork();
    expect(sys.zoho.record('Tasks', record.id)).toBeUndefined();
    expect(await report(id)).toMatchObject({ result: 'deleted' });
    expect(zohoTask('Existing before polling')).toHaveLength(1);
  });

  it('polls a list created after provisioning', async () => {
    const list = String(sys.graph.todo.addList(userId, 'Customers').id);
    sys.graph.todo.addTask(userId, list, { title: 'Send the brochure', categories: [CATEGORY] });
    const result = await pollAndWork();
    expect(result).toMatchObject({ lists: 3 });
    expect(zohoTask('Send the brochure')).toHaveLength(1);
  });

  it('starts a list over when its delta token expired, and keeps polling other users when one fails', async () => {
    const other = sys.graph.addUser({ userPrincipalName: 'megan.bowen@contoso.com' }).id;
    await sys.subscribe(other, 'events');
    sys.graph.invalidateDeltaTokens(userId);
    const id = String(sys.graph.todo.addTask(userId, listId, { title: 'After the reset', categories: [CATEGORY] }).id);
    sys.graph.inject(/^GET \/users\/\{id\}\/todo\/lists$/, faults.forbidden());
    const { result, logs } = await poll();
    await sys.runQueue({ includeDelayed: true });
    expect(result).toMatchObject({ users: 2, failures: 1 });
    expect(logs.text()).toMatch(/To Do lists could not be read/);
    // The failed user is polled again next round, so both ends see the new task exactly once.
    const again = await poll();
    await sys.runQueue({ includeDelayed: true });
    expect(again.result).toMatchObject({ users: 2, failures: 0 });
    expect(`${logs.text()}\n${again.logs.text()}`).toMatch(/To Do delta token expired; the list starts over/);
    expect(zohoTask('After the reset')).toHaveLength(1);
    expect(await report(id)).toMatchObject({ result: 'added' });
    expect(`${logs.text()}\n${again.logs.text()}`).not.toMatch(/adele|megan|After the reset/i);
  });

  it('polls a provisioned mailbox that holds no subscription at all (tasks its only module, To Do refused)', async () => {
    const lone = sys.graph.addUser({ userPrincipalName: 'lynne.robbins@contoso.com' }).id;
    const at = new Date().toISOString();
    const users = sys.runtime().users;
    await users.put({ userId: lone, sources: ['ids'], state: 'active', polledLists: [sys.graph.todo.defaultListId(lone)], refusedModules: [], provisionedAt: at, updatedAt: at });
    try {
      expect((await sys.runtime().subscriptions.list()).some((s) => s.userId === lone)).toBe(false);
      sys.graph.todo.addTask(lone, sys.graph.todo.defaultListId(lone), { title: 'Only through the timer', categories: [CATEGORY] });
      expect(await pollAndWork()).toMatchObject({ failures: 0 });
      expect(zohoTask('Only through the timer')).toHaveLength(1);
    } finally {
      await users.delete(lone);
    }
  });

  it('does nothing when tasks sync is turned off', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_TASKS: 'off' });
    try {
      const calls = sys.graph.calls.total;
      expect((await poll()).result).toBeUndefined();
      expect(sys.graph.calls.total).toBe(calls);
    } finally {
      sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
    }
  });
});
