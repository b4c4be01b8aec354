import { QueueClient } from '@azure/storage-queue';
import { graphLifecycle } from '../../functions/graph-lifecycle';
import { graphNotifications } from '../../functions/graph-notifications';
import { notificationFanout } from '../../functions/notification-fanout';
import { resetConfigCache } from '../../lib/config';
import { encodeMessage, QUEUES } from '../../lib/queue';
import { getRuntime, resetRuntime } from '../../lib/runtime';
import type { SubscriptionRecord } from '../../lib/state/subscriptions';
import messageCreated from '../fixtures/graph-notifications/message-created.json';
import messageCreatedOutlook from '../fixtures/graph-notifications/message-created-outlook.json';
import lifecycleMissed from '../fixtures/graph-notifications/lifecycle-missed.json';
import lifecycleReauth from '../fixtures/graph-notifications/lifecycle-reauthorization-required.json';
import { NotificationBatchMessage } from '../../lib/webhook/batch-message';
import { SyncItemMessage } from '../../lib/sync/messages';
import { drainQueue, startAzurite, type Azurite } from '../support/azurite';
import { endpointOf, startStorageProxy, viaProxy, type StorageProxy } from '../support/storage-proxy';
import { httpRequest, invocation, responseText } from '../support/http';
import { applySettings, TEST_TENANT_ID, testSettings } from '../support/settings';

const USER_A = '622eaaff-0683-4862-9de4-f2ec83c2bd98';
const USER_B = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const SUB_A: SubscriptionRecord = {
  id: 'c6126aa3-0ed8-412f-a988-71e6cee627c4',
  userId: USER_A,
  module: 'mail',
  resource: `users/${USER_A}/mailFolders('sentitems')/messages`,
  clientState: 'secret-A-0123456789',
  expiresAt: '2030-01-01T00:00:00Z',
  createdAt: '2026-11-01T00:00:00Z',
};
const SUB_B: SubscriptionRecord = { ...SUB_A, id: 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b', userId: USER_B, module: 'contacts', resource: `users/${USER_B}/contacts`, clientState: 'secret-B-9876543210' };

let azurite: Azurite;

const drain = (queue: string) => drainQueue(azurite.connectionString, queue);

/** What the webhook queued, after the fan-out ran on each of its batch messages, as the host would. */
async function queuedItems(): Promise<unknown[]> {
  for (const batch of await drain(QUEUES.notificationBatches)) await notificationFanout(batch, invocation('notification-fanout').context);
  return drain(QUEUES.syncItems);
}

/** Points the runtime at other storage (e.g. through a proxy) for the length of `run`. */
async function withStorage<T>(connectionString: string, run: () => Promise<T>): Promise<T> {
  applySettings(testSettings({ AzureWebJobsStorage: connectionString }));
  resetConfigCache();
  resetRuntime();
  try {
    return await run();
  } finally {
    applySettings(testSettings({ AzureWebJobsStorage: azurite.connectionString }));
    resetConfigCache();
    resetRuntime();
  }
}

function notify(body: unknown, path = 'graph/notifications', query = '') {
  const { context, logs } = invocation(path);
  const req = httpRequest({ url: `http://localhost/api/${path}${query}`, body: typeof body === 'string' ? body : (body as object) });
  return { run: () => (path === 'graph/notifications' ? graphNotifications(req, context) : graphLifecycle(req, context)), logs };
}

/** Fill Microsoft's placeholders in a documented payload. */
function fromFixture(fixture: unknown, replacements: Record<string, string>): { value: Record<string, unknown>[] } {
  let text = JSON.stringify(fixture);
  for (const [k, v] of Object.entries(replacements)) text = text.split(k).join(v);
  return JSON.parse(text);
}

beforeAll(async () => {
  azurite = await startAzurite();
  applySettings(testSettings({ AzureWebJobsStorage: azurite.connectionString }));
  resetConfigCache();
  resetRuntime();
  await getRuntime().subscriptions.put(SUB_A);
  await getRuntime().subscriptions.put(SUB_B);
});

afterAll(async () => {
  await azurite.close();
});

beforeEach(async () => {
  await drain(QUEUES.notificationBatches);
  await drain(QUEUES.syncItems);
  await drain(QUEUES.lifecycle);
});

describe.each([
  ['graph/notifications', QUEUES.notificationBatches],
  ['graph/lifecycle', QUEUES.lifecycle],
])('validation handshake on %s', (path, queue) => {
  it('echoes the URL-decoded token as text/plain before anything else', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 0a1b+/=%&';
    const { run } = notify('', path, `?validationToken=${encodeURIComponent(token)}`);
    const res = await run();
    expect(res.status).toBe(200);
    expect((res.headers as Record<string, string>)['Content-Type']).toMatch(/^text\/plain/);
    expect(res.body).toBe(token);
    expect(await drain(queue)).toEqual([]);
  });

  it('refuses an absurd token', async () => {
    const { run } = notify('', path, `?validationToken=${'x'.repeat(1025)}`);
    expect((await run()).status).toBe(400);
  });

  it('needs neither settings nor storage to answer', async () => {
    // Unreadable settings would throw on the first use of the runtime: the handshake makes none.
    applySettings({ AzureWebJobsStorage: 'DefaultEndpointsProtocol=http;QueueEndpoint=http://127.0.0.1:9;TableEndpoint=http://127.0.0.1:9' });
    resetConfigCache();
    resetRuntime();
    try {
      const res = await notify('', path, '?validationToken=cold-start').run();
      expect(res).toMatchObject({ status: 200, body: 'cold-start' });
    } finally {
      applySettings(testSettings({ AzureWebJobsStorage: azurite.connectionString }));
      resetConfigCache();
      resetRuntime();
    }
  });
});

describe('change notifications', () => {
  it('queues the documented message notification and answers 202', async () => {
    const body = fromFixture(messageCreatedOutlook, {
      '<<--SpecifiedClientState-->>': SUB_A.clientState,
      '<<--TenantForWhichNotificationWasSent-->>': TEST_TENANT_ID,
    });
    const res = await notify(body).run();
    expect(res.status).toBe(202);
    expect(await queuedItems()).toEqual([
      { v: 1, userId: USER_A, module: 'mail', itemId: 'AAMkAGUwNjQ4ZjIxAAA=', changeType: 'created', subscriptionId: SUB_A.id },
    ]);
  });

  it('accepts a batch mixing two subscriptions and the three resource-path shapes', async () => {
    const base = fromFixture(messageCreated, { '{subscription_guid}': SUB_A.id, secretClientValue: SUB_A.clientState, '84bd8158-6d4d-4958-8b9f-9d6445542f95': TEST_TENANT_ID, '{user_guid}': USER_A, '{tenant_guid}': TEST_TENANT_ID, '{long_id_string}': 'AAMkMSG1=' }).value[0];
    const contact = (resource: string, resourceData?: object) => ({ ...base, subscriptionId: SUB_B.id, clientState: SUB_B.clientState, changeType: 'updated', resource, resourceData });
    const body = {
      value: [
        base,
        contact(`Users/${USER_B}/Contacts/AAMkC2=`, { '@odata.type': '#Microsoft.Graph.Contact', id: 'AAMkC2=' }),
        contact(`Users('${USER_B}')/contacts('AAMkC3=')`),
        contact(`users/${USER_B}@${TEST_TENANT_ID}/contacts/AAMkC4%2F=`),
      ],
    };
    const res = await notify(body).run();
    expect(res.status).toBe(202);
    const queued = (await queuedItems()) as { userId: string; module: string; itemId: string }[];
    expect(queued.map((m) => [m.userId, m.module, m.itemId]).sort()).toEqual(
      [
        [USER_A, 'mail', 'AAMkMSG1='],
        [USER_B, 'contacts', 'AAMkC2='],
        [USER_B, 'contacts', 'AAMkC3='],
        [USER_B, 'contacts', 'AAMkC4/='],
      ].sort(),
    );
  });

  it('prefers resourceData.id over the id in the path', async () => {
    const body = { value: [{ subscriptionId: SUB_B.id, clientState: SUB_B.clientState, tenantId: TEST_TENANT_ID, changeType: 'updated', resource: `Users/${USER_B}/Contacts/PATH-ID=`, resourceData: { id: 'DATA-ID=' } }] };
    expect((await notify(body).run()).status).toBe(202);
    expect(((await queuedItems()) as { itemId: string }[]).map((m) => m.itemId)).toEqual(['DATA-ID=']);
  });

  it('queues a notification delivered twice in one request once', async () => {
    const n = { subscriptionId: SUB_B.id, clientState: SUB_B.clientState, tenantId: TEST_TENANT_ID, changeType: 'created', resource: `Users/${USER_B}/Contacts/DUP=`, resourceData: { id: 'DUP=' } };
    const res = await notify({ value: [n, { ...n, changeType: 'updated' }, n] }).run();
    expect(res.status).toBe(202);
    expect(await queuedItems()).toHaveLength(1);
  });

  const good = { subscriptionId: SUB_B.id, clientState: SUB_B.clientState, tenantId: TEST_TENANT_ID, changeType: 'updated', resource: `Users/${USER_B}/Contacts/X1=`, resourceData: { id: 'X1=' } };
  it.each([
    ['an unknown subscription', { ...good, subscriptionId: '00000000-0000-0000-0000-000000000000' }, 'unknown-subscription'],
    ['a wrong clientState', { ...good, clientState: 'secret-B-987654321X' }, 'client-state-mismatch'],
    ['a missing clientState', { ...good, clientState: undefined }, 'client-state-mismatch'],
    ["another subscription's clientState", { ...good, clientState: SUB_A.clientState }, 'client-state-mismatch'],
    ['another tenant', { ...good, tenantId: '11111111-2222-3333-4444-555555555555' }, 'tenant-mismatch'],
    ['a malformed element', { ...good, subscriptionId: 42 }, 'malformed'],
    ['an item id longer than any Graph id', { ...good, resourceData: { id: 'x'.repeat(5000) } }, 'malformed'],
  ])('drops %s, logs why without the secret, and keeps the rest of the batch', async (_name, forged, reason) => {
    const { run, logs } = notify({ value: [forged, { ...good, resourceData: { id: 'KEPT=' } }] });
    const res = await run();
    expect(res.status).toBe(202);
    expect(((await queuedItems()) as { itemId: string }[]).map((m) => m.itemId)).toEqual(['KEPT=']);
    expect(logs.text()).toContain(reason);
    expect(logs.text()).not.toContain(SUB_B.clientState);
  });

  it.each([
    ['not JSON', '{"value": ['],
    ['not a collection', { foo: 'bar' }],
    ['value not an array', { value: 'x' }],
    ['empty body', ''],
  ])('answers 400 for %s and queues nothing', async (_name, body) => {
    const res = await notify(body).run();
    expect(res.status).toBe(400);
    expect(await responseText(res)).toMatch(/not/);
    expect(await queuedItems()).toEqual([]);
  });
});

describe('lifecycle notifications', () => {
  it('queues reauthorizationRequired and missed events of our subscriptions', async () => {
    const reauth = fromFixture(lifecycleReauth, { 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b': SUB_B.id, '{secret client state}': SUB_B.clientState, '84bd8158-6d4d-4958-8b9f-9d6445542f95': TEST_TENANT_ID });
    const missed = fromFixture(lifecycleMissed, { '<subscription_guid>': SUB_A.id, '<secretClientState>': SUB_A.clientState, '<tenant_guid>': TEST_TENANT_ID });
    const res = await notify({ value: [...reauth.value, ...missed.value, { ...missed.value[0], clientState: 'forged' }] }, 'graph/lifecycle').run();
    expect(res.status).toBe(202);
    const queued = (await drain(QUEUES.lifecycle)) as { subscriptionId: string; lifecycleEvent: string; userId: string }[];
    expect(queued.map((m) => [m.subscriptionId, m.lifecycleEvent, m.userId]).sort()).toEqual(
      [
        [SUB_B.id, 'reauthorizationRequired', USER_B],
        [SUB_A.id, 'missed', USER_A],
      ].sort(),
    );
  });
});

describe('when the queue cannot be written', () => {
  it('answers 5xx so that Graph retries', async () => {
    // Same tables, but the queue endpoint points at a closed port.
    const broken = azurite.connectionString.replace(/QueueEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'QueueEndpoint=http://127.0.0.1:9');
    applySettings(testSettings({ AzureWebJobsStorage: broken }));
    resetConfigCache();
    resetRuntime();
    try {
      const n = { subscriptionId: SUB_B.id, clientState: SUB_B.clientState, tenantId: TEST_TENANT_ID, changeType: 'updated', resource: `Users/${USER_B}/Contacts/Q=`, resourceData: { id: 'Q=' } };
      const res = await notify({ value: [n] }).run();
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      applySettings(testSettings({ AzureWebJobsStorage: azurite.connectionString }));
      resetConfigCache();
      resetRuntime();
    }
  });
});

describe('one queue message per request', () => {
  const contact = (id: string) => ({ subscriptionId: SUB_B.id, clientState: SUB_B.clientState, tenantId: TEST_TENANT_ID, changeType: 'updated', resource: `Users/${USER_B}/Contacts/${id}`, resourceData: { id } });

  it('queues one versioned batch for 100 notifications, which the fan-out turns into 100 sync-items messages', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `AAMkBATCH${i}=`);
    const { run, logs } = notify({ value: [...ids.map(contact), { ...contact('MAIL='), subscriptionId: SUB_A.id, clientState: SUB_A.clientState, resource: `Users/${USER_A}/Messages/MAIL=` }] });
    expect((await run()).status).toBe(202);
    const batches = await drain(QUEUES.notificationBatches);
    expect(batches).toHaveLength(1);
    expect(NotificationBatchMessage.parse(batches[0])).toMatchObject({ v: 1, groups: [{ userId: USER_B, module: 'contacts' }, { userId: USER_A, module: 'mail' }] });
    expect(logs.lines.length).toBeLessThanOrEqual(2);

    await notificationFanout(batches[0], invocation('notification-fanout').context);
    const items = (await drain(QUEUES.syncItems)).map((m) => SyncItemMessage.parse(m));
    expect(items.map((m) => m.itemId).sort()).toEqual([...ids, 'MAIL='].sort());
    expect(items.find((m) => m.itemId === ids[0])).toEqual({ v: 1, userId: USER_B, module: 'contacts', itemId: ids[0], changeType: 'updated', subscriptionId: SUB_B.id });
  });

  it('splits a request too large for one message into chunks under the 64 KiB limit and loses none', async () => {
    // Real Graph ids are ~150 characters; these are 500 (near the 512 the edge accepts) so that 400
    // notifications need several messages.
    const ids = Array.from({ length: 400 }, (_, i) => `${i}-${'A'.repeat(500)}`.slice(0, 500));
    expect((await notify({ value: ids.map(contact) }).run()).status).toBe(202);
    const { peekedMessageItems } = await new QueueClient(azurite.connectionString, QUEUES.notificationBatches).peekMessages({ numberOfMessages: 32 });
    expect(peekedMessageItems.length).toBeGreaterThan(1);
    for (const m of peekedMessageItems) expect(m.messageText.length).toBeLessThanOrEqual(64 * 1024);
    expect(((await queuedItems()) as { itemId: string }[]).map((m) => m.itemId).sort()).toEqual([...ids].sort());
  });

  it('answers 5xx when one chunk cannot be queued, and the redelivery loses nothing', async () => {
    const proxy = await startStorageProxy(endpointOf(azurite.connectionString, 'Queue'));
    try {
      const ids = Array.from({ length: 400 }, (_, i) => `${i}-${'B'.repeat(500)}`.slice(0, 500));
      const body = { value: ids.map(contact) };
      let batchWrites = 0;
      // The first chunk reaches the queue; every later one (and each of the SDK's retries) is refused.
      proxy.refuse = (req) => req.method === 'POST' && req.path.includes(`/${QUEUES.notificationBatches}/messages`) && ++batchWrites > 1;
      const first = await withStorage(viaProxy(azurite.connectionString, 'Queue', proxy), () => notify(body).run());
      expect(first.status).toBe(503);
      expect(batchWrites).toBeGreaterThan(1);
      // Graph redelivers the same batch.
      expect((await notify(body).run()).status).toBe(202);
      const items = (await queuedItems()) as { itemId: string }[];
      expect(new Set(items.map((m) => m.itemId))).toEqual(new Set(ids));
    } finally {
      await proxy.close();
    }
  });

  it('fans out a batch again when a sync-items write fails (the host redelivers it), and drops an unreadable one', async () => {
    const batch = NotificationBatchMessage.parse({ v: 1, groups: [{ userId: USER_B, module: 'contacts', subscriptionId: SUB_B.id, items: [{ itemId: 'F1=', changeType: 'created' }, { itemId: 'F2=', changeType: 'deleted' }] }] });
    const broken = azurite.connectionString.replace(/QueueEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'QueueEndpoint=http://127.0.0.1:9');
    await withStorage(broken, () => expect(notificationFanout(batch, invocation('notification-fanout').context)).rejects.toThrow());
    await notificationFanout(JSON.parse(Buffer.from(encodeMessage(batch), 'base64').toString('utf8')), invocation('notification-fanout').context);
    expect(((await drain(QUEUES.syncItems)) as { itemId: string; changeType: string }[]).map((m) => [m.itemId, m.changeType])).toEqual([['F1=', 'created'], ['F2=', 'deleted']]);

    const { context, logs } = invocation('notification-fanout');
    await notificationFanout({ v: 2, groups: 'x' }, context);
    expect(logs.text()).toContain('not valid');
    expect(await drain(QUEUES.syncItems)).toEqual([]);
  });
});

describe('bounded work per anonymous request', () => {
  let proxy: StorageProxy;
  beforeAll(async () => {
    proxy = await startStorageProxy(endpointOf(azurite.connectionString, 'Table'));
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('10,000 unknown subscription ids cost at most 10 Table requests and 10 log lines', async () => {
    const forged = Array.from({ length: 10_000 }, (_, i) => ({ subscriptionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, clientState: 'guess', tenantId: TEST_TENANT_ID, changeType: 'updated', resource: `Users/${USER_B}/Contacts/X${i}=`, resourceData: { id: `X${i}=` } }));
    const { run, logs } = notify({ value: forged });
    const res = await withStorage(viaProxy(azurite.connectionString, 'Table', proxy), async () => {
      proxy.requests.length = 0;
      return run();
    });
    expect(res.status).toBe(202);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.length).toBeLessThanOrEqual(10);
    expect(logs.lines.length).toBeLessThanOrEqual(10);
    // As built: the table's create-if-absent (a fresh runtime) and one listing; the drop summary and the 202 line.
    expect(proxy.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(logs.lines).toHaveLength(2);
    expect(logs.text()).toContain('"unknown-subscription":10000');
    expect(await queuedItems()).toEqual([]);
  });

  it('one unknown id is one point read', async () => {
    const { run } = notify({ value: [{ subscriptionId: 'ffffffff-0000-4000-8000-000000000001', clientState: 'guess', tenantId: TEST_TENANT_ID, changeType: 'updated', resource: `Users/${USER_B}/Contacts/Y=` }] });
    await withStorage(viaProxy(azurite.connectionString, 'Table', proxy), async () => {
      // the table exists already; only the look-up itself is counted
      await run();
      proxy.requests.length = 0;
      await notify({ value: [{ subscriptionId: 'ffffffff-0000-4000-8000-000000000002', clientState: 'guess', tenantId: TEST_TENANT_ID, changeType: 'updated', resource: `Users/${USER_B}/Contacts/Y=` }] }).run();
    });
    expect(proxy.requests.map((r) => r.method)).toEqual(['GET']);
  });
});
