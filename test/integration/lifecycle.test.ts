import type { InvocationContext, Timer } from '@azure/functions';
import { manageDeprovision } from '../../functions/manage-deprovision';
import { manageProvision } from '../../functions/manage-provision';
import { lifecycleWorker } from '../../functions/lifecycle-worker';
import { renewSubscriptionsTimer } from '../../functions/renew-subscriptions';
import { QUEUES } from '../../lib/queue';
import { RetryLater } from '../../lib/provision/lifecycle';
import type { RenewalSummary } from '../../lib/provision/renewal';
import type { SubscriptionRecord } from '../../lib/state/subscriptions';
import type { LifecycleMessage, ResyncJobMessage } from '../../lib/sync/messages';
import { faults } from '../doubles/graph';
import { httpRequest, invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 5, lifecycle half: the renew-subscriptions timer and the lifecycle worker through their
 * real handlers. Lifecycle events travel Graph double → our graph/lifecycle webhook → queue
 * `graph-lifecycle` → lifecycle-worker.
 */
let sys: System;
let groupId: string;

const TIMER: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

function ctx(name: string): InvocationContext {
  return invocation(name).context;
}

async function provisionGroup(): Promise<void> {
  const res = await manageProvision(httpRequest({ url: 'http://localhost/api/manage/provision', body: { groupId } }), ctx('manage-provision'));
  expect(res.status).toBe(200);
}

const renew = (): Promise<RenewalSummary> => renewSubscriptionsTimer(TIMER, ctx('renew-subscriptions'));
const resyncJobs = async () => (await sys.drain(QUEUES.resyncJobs)) as ResyncJobMessage[];
const rows = (userId: string) => sys.runtime().subscriptions.list({ userId });
const row = async (userId: string, module: SubscriptionRecord['module']) => (await rows(userId)).find((s) => s.module === module)!;
const graphSubsOf = (userId: string) => sys.graph.subscriptions.list().filter((s) => s.resource.includes(userId));
const calls = (label: string) => sys.graph.calls.snapshot()[label] ?? 0;

/** Graph sends the event to our lifecycle webhook; the worker then handles what the webhook queued. */
async function lifecycle(subscriptionId: string, event: LifecycleMessage['lifecycleEvent']) {
  const deliveries = await sys.graph.notifications.lifecycle(subscriptionId, event);
  expect(deliveries.map((d) => d.status)).toEqual([202]);
  const messages = await sys.drain(QUEUES.lifecycle);
  expect(messages).toHaveLength(1);
  return lifecycleWorker(messages[0], ctx('lifecycle-worker'));
}

let ann: string;
let ben: string;

beforeAll(async () => {
  sys = await startSystem();
  ann = sys.graph.addUser({ userPrincipalName: 'ann@contoso.com' }).id;
  ben = sys.graph.addUser({ userPrincipalName: 'ben@contoso.com' }).id;
  groupId = sys.graph.addGroup({ displayName: 'Sales', members: [ann, ben] }).id;
  await provisionGroup();
  await resyncJobs();
});

afterAll(async () => {
  await sys.close();
});

describe('renew-subscriptions timer', () => {
  it('changes nothing when nothing is due, for one subscription list, one member list and one To Do read per mailbox', async () => {
    let summary!: RenewalSummary;
    const made = await sys.graphCallsDuring(async () => {
      summary = await renew();
    });
    expect(summary).toMatchObject({ subscriptions: 10, renewed: 0, recreated: 0, failed: 0, joined: 0, deprovisioned: 0, slotsCreated: 0, resyncJobs: 0 });
    expect(made).toEqual({ 'GET /subscriptions': 1, 'GET /groups/{id}/transitiveMembers/microsoft.graph.user': 1, 'GET /users/{id}/todo/lists': 2 });
    expect(await resyncJobs()).toEqual([]);
  });

  it('renews subscriptions with less than half their lifetime left, moving the expiry forward', async () => {
    const contacts = await row(ann, 'contacts');
    const tasks = await row(ann, 'tasks');
    const soon = new Date(Date.now() + 2 * 3600_000);
    sys.graph.subscriptions.setExpiration(contacts.id, soon);
    sys.graph.subscriptions.setExpiration(tasks.id, new Date(Date.now() + 30 * 3600_000)); // under half of 4,230 min
    const summary = await renew();
    expect(summary).toMatchObject({ renewed: 2, recreated: 0, failed: 0 });
    const renewed = await row(ann, 'contacts');
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.now() + 10_000 * 60_000);
    expect(sys.graph.subscriptions.get(contacts.id)!.expirationDateTime).toBe(Date.parse(renewed.expiresAt));
    expect(renewed.renewedAt).toBeDefined();
    expect(Date.parse((await row(ann, 'tasks')).expiresAt)).toBeGreaterThan(Date.now() + 4_100 * 60_000);
    expect(await resyncJobs()).toEqual([]);
  });

  it('recreates a subscription that vanished from Graph and queues the delta resync of its gap', async () => {
    const events = await row(ben, 'events');
    sys.graph.subscriptions.remove(events.id);
    const summary = await renew();
    expect(summary).toMatchObject({ recreated: 1, failed: 0 });
    const fresh = await row(ben, 'events');
    expect(fresh.id).not.toBe(events.id);
    expect(await sys.runtime().subscriptions.get(events.id)).toBeUndefined();
    expect(sys.graph.subscriptions.get(fresh.id)).toMatchObject({ resource: events.resource, clientState: fresh.clientState });
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [ben], modules: ['events'], mode: 'delta', reason: 'renewal' })]);
  });

  it('with Graph\'s list unreadable, a renewal answered 404 still recreates', async () => {
    const mail = await row(ben, 'mail');
    sys.graph.subscriptions.remove(mail.id);
    await sys.runtime().subscriptions.update(mail.id, { expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    sys.graph.inject('GET /subscriptions', faults.forbidden());
    const patches = calls('PATCH /subscriptions/{id}');
    const summary = await renew();
    expect(summary).toMatchObject({ recreated: 1, failed: 0 });
    expect(calls('PATCH /subscriptions/{id}')).toBe(patches + 1);
    expect((await row(ben, 'mail')).id).not.toBe(mail.id);
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [ben], modules: ['mail'], mode: 'delta' })]);
  });

  it('a To Do subscription Graph neither lists nor shows, but names in its 409, is kept: no gap, no resync', async () => {
    sys.graph.subscriptions.listOmitsTodo = true;
    try {
      const tasks = await row(ben, 'tasks');
      sys.graph.inject('GET /subscriptions/{id}', { status: 404, code: 'ResourceNotFound', message: 'The object was not found.' });
      const summary = await renew();
      expect(summary).toMatchObject({ recreated: 0, failed: 0 });
      expect((await rows(ben)).filter((s) => s.module === 'tasks').map((s) => s.id)).toContain(tasks.id);
      expect(sys.graph.subscriptions.get(tasks.id)).toBeDefined();
      expect(await resyncJobs()).toEqual([]);
    } finally {
      sys.graph.subscriptions.listOmitsTodo = false;
    }
  });

  it('subscribes new To Do lists and drops the subscriptions of deleted ones', async () => {
    const list = sys.graph.todo.addList(ann, 'Project X');
    const summary = await renew();
    expect(summary.slotsCreated).toBe(1);
    const taskRows = (await rows(ann)).filter((s) => s.module === 'tasks');
    expect(taskRows.map((s) => s.listId)).toContain(list.id);
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [ann], modules: ['tasks'], mode: 'delta', reason: 'renewal' })]);

    sys.graph.todo.removeList(ann, String(list.id));
    const after = await renew();
    expect(after.slotsRemoved).toBe(1);
    expect((await rows(ann)).filter((s) => s.module === 'tasks').map((s) => s.listId)).not.toContain(list.id);
    expect(graphSubsOf(ann).filter((s) => s.kind === 'todoTask')).toHaveLength(2);
  });

  it('provisions users who joined the group and deprovisions those who left', async () => {
    const cat = sys.graph.addUser({ userPrincipalName: 'cat@contoso.com' }).id;
    const dave = sys.graph.addUser({ userPrincipalName: 'dave@contoso.com' }).id;
    sys.graph.store.addMember(groupId, cat);
    sys.graph.store.addMember(groupId, dave);
    const joined = await renew();
    expect(joined).toMatchObject({ joined: 2, deprovisioned: 0 });
    expect(graphSubsOf(cat)).toHaveLength(5);
    const jobs = await resyncJobs();
    expect(jobs.filter((j) => j.mode === 'full').map((j) => j.users![0]).sort()).toEqual([cat, dave].sort());

    sys.graph.store.removeMember(groupId, dave);
    const left = await renew();
    expect(left).toMatchObject({ joined: 0, deprovisioned: 1 });
    expect(graphSubsOf(dave)).toEqual([]);
    expect(await sys.runtime().users.get(dave)).toBeUndefined();
    expect(await sys.runtime().users.get(cat)).toBeDefined();
  });

  it('does not provision again a member the admin deprovisioned', async () => {
    const cat = (await sys.runtime().users.list()).find((u) => u.upn === 'cat@contoso.com')!.userId;
    const res = await manageDeprovision(httpRequest({ method: 'DELETE', url: `http://localhost/api/manage/provision/${cat}`, params: { user: cat } }), ctx('manage-deprovision'));
    expect(res.status).toBe(200);
    const summary = await renew();
    expect(summary.joined).toBe(0);
    expect(graphSubsOf(cat)).toEqual([]);
    // An explicit request lifts the exclusion.
    await provisionGroup();
    expect(graphSubsOf(cat)).toHaveLength(5);
    await resyncJobs();
  });
});

describe('lifecycle-worker', () => {
  it('reauthorizationRequired renews with one PATCH, and a second event within 10 minutes does nothing', async () => {
    const sub = await row(ann, 'events');
    sys.graph.subscriptions.setExpiration(sub.id, new Date(Date.now() + 3600_000));
    const patches = calls('PATCH /subscriptions/{id}');
    const reauthorizes = calls('POST /subscriptions/{id}/reauthorize');
    expect(await lifecycle(sub.id, 'reauthorizationRequired')).toBe('renew');
    const renewed = await row(ann, 'events');
    expect(renewed.id).toBe(sub.id);
    expect(renewed.renewedAt).toBeDefined();
    expect(renewed.reauthorizedAt).toBeDefined();
    expect(sys.graph.subscriptions.get(sub.id)!.expirationDateTime).toBeGreaterThan(Date.now() + 10_000 * 60_000);
    expect(await lifecycle(sub.id, 'reauthorizationRequired')).toBe('skip-recent');
    expect(calls('PATCH /subscriptions/{id}')).toBe(patches + 1);
    expect(calls('POST /subscriptions/{id}/reauthorize')).toBe(reauthorizes);
    expect(await resyncJobs()).toEqual([]);
  });

  it('the renewal timer also keeps out of the 10-minute window', async () => {
    const sub = await row(ann, 'events');
    sys.graph.subscriptions.setExpiration(sub.id, new Date(Date.now() + 3600_000));
    const patches = calls('PATCH /subscriptions/{id}');
    await renew();
    expect(calls('PATCH /subscriptions/{id}')).toBe(patches);
  });

  it('subscriptionRemoved recreates the subscription, then queues a delta resync', async () => {
    const sub = await row(ben, 'contacts');
    expect(await lifecycle(sub.id, 'subscriptionRemoved')).toBe('recreate');
    const fresh = await row(ben, 'contacts');
    expect(fresh.id).not.toBe(sub.id);
    expect(sys.graph.subscriptions.get(fresh.id)).toMatchObject({ resource: sub.resource, clientState: fresh.clientState });
    expect(await sys.runtime().subscriptions.get(sub.id)).toBeUndefined();
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [ben], modules: ['contacts'], mode: 'delta', reason: 'subscriptionRemoved' })]);
  });

  it('missed queues a delta resync for that mailbox and module, and touches no subscription', async () => {
    const sub = await row(ben, 'mail');
    const before = sys.graph.calls.total;
    expect(await lifecycle(sub.id, 'missed')).toBe('resync');
    expect(sys.graph.calls.total).toBe(before);
    expect(await resyncJobs()).toEqual([expect.objectContaining({ users: [ben], modules: ['mail'], mode: 'delta', reason: 'missed' })]);
    expect(await row(ben, 'mail')).toEqual(sub);
  });

  it('a duplicate subscriptionRemoved for a replaced subscription is ignored', async () => {
    const message: LifecycleMessage = { v: 1, subscriptionId: '11111111-2222-4333-8444-555555555555', userId: ben, module: 'contacts', lifecycleEvent: 'subscriptionRemoved', receivedAt: new Date().toISOString() };
    expect(await lifecycleWorker(message, ctx('lifecycle-worker'))).toBe('ignore');
    expect(await resyncJobs()).toEqual([]);
  });

  it('a malformed message is dropped, not retried', async () => {
    expect(await lifecycleWorker({ v: 1, lifecycleEvent: 'missed' }, ctx('lifecycle-worker'))).toBe('invalid');
  });

  it('a transient Graph failure is thrown so the queue retries it', async () => {
    const sub = await row(ben, 'events');
    sys.graph.inject('PATCH /subscriptions/{id}', faults.serverError());
    const message: LifecycleMessage = { v: 1, subscriptionId: sub.id, userId: ben, module: 'events', lifecycleEvent: 'reauthorizationRequired', receivedAt: new Date().toISOString() };
    await expect(lifecycleWorker(message, ctx('lifecycle-worker'))).rejects.toBeInstanceOf(RetryLater);
    expect((await row(ben, 'events')).lastError).toMatch(/reauthorization failed/);
    expect(await lifecycleWorker(message, ctx('lifecycle-worker'))).toBe('renew');
    expect((await row(ben, 'events')).lastError).toBeUndefined();
  });
});
