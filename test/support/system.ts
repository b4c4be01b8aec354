import { QueueClient } from '@azure/storage-queue';
import { graphLifecycle } from '../../functions/graph-lifecycle';
import { graphNotifications } from '../../functions/graph-notifications';
import { health } from '../../functions/health';
import { manageStatus } from '../../functions/manage-status';
import { manageUi } from '../../functions/manage-ui';
import { resyncItems } from '../../functions/resync-items';
import { skipped } from '../../functions/skipped';
import { skippedRetry } from '../../functions/skipped-retry';
import { notificationFanout } from '../../functions/notification-fanout';
import { syncWorker } from '../../functions/sync-worker';
import { resync } from '../../functions/resync';
import { resyncStatus } from '../../functions/resync-status';
import { resyncWorker } from '../../functions/resync-worker';
import { resetConfigCache } from '../../lib/config';
import { MemoryLogger } from '../../lib/log';
import { QUEUES } from '../../lib/queue';
import { getRuntime, resetRuntime, type Runtime } from '../../lib/runtime';
import { RunRepository, type ReportItem } from '../../lib/state/runs';
import { readReport, type ReportWithLines } from './report';
import { startGraphDouble, type DoubleGraphSettings, type GraphDouble } from '../doubles/graph';
import { DOUBLE_CREDENTIALS, startZohoDouble, type ZohoDouble } from '../doubles/zoho';
import { z } from 'zod';
import { decodeMessage, drainQueue, startAzurite, startAzuriteProcess, type Azurite } from './azurite';
import { startFunctionHost, type FunctionHost } from './function-host';
import { invocation } from './http';
import { applySettings, settingsFor, TEST_TENANT_ID } from './settings';

const SubscriptionCreated = z.object({ id: z.string(), expirationDateTime: z.string() }).loose();

/**
 * The whole product on loopback for one test file: Azurite, the Graph double (HTTPS), the Zoho
 * double, and our function handlers served over HTTP so Graph's handshake and notifications reach
 * them. Queue triggers are driven by the test (`runQueue`), since there is no Functions host here.
 */
export interface System {
  azurite: Azurite;
  graph: GraphDouble;
  zoho: ZohoDouble;
  host: FunctionHost;
  runtime(): Runtime;
  /** replaces settings (merged over the defaults) and rebuilds the runtime */
  configure(overrides?: Record<string, string>): void;
  /** messages currently in a queue, removed from it (for `sync-items`, after the fan-out ran) */
  drain(queue?: string): Promise<unknown[]>;
  /** runs notification-fanout on every message of `notification-batches`; returns the batches seen */
  fanOut(): Promise<unknown[]>;
  /**
   * runs sync-worker on every queued message until the queue is empty (fanning out the webhook's
   * batches first, as the host would run both); returns the sync-items messages seen.
   * With `includeDelayed`, messages put back for later (a busy item, after SYNC_BUSY_RETRY_SECONDS)
   * are waited for, up to 10 s, so tests that use it set that setting to 1.
   */
  runQueue(opts?: { dequeueCount?: number; maxRounds?: number; includeDelayed?: boolean }): Promise<unknown[]>;
  /**
   * The given sync-worker invocations side by side, with Zoho slowed so they overlap as racing
   * instances would; then the queue is run to the end (includeDelayed), as the host would.
   */
  workAtOnce(messages: unknown[], opts?: { zohoLatencyMs?: number }): Promise<void>;
  /** Graph requests made while `run` ran, per endpoint label (Entra token and discovery left out). */
  graphCallsDuring(run: () => Promise<unknown>): Promise<Record<string, number>>;
  /**
   * Graph notifies a change of an item (`kind` as the Graph double names it: contact, todoTask,
   * event, message); our webhook must accept it (202); then the worker runs what was queued.
   */
  change(userId: string, kind: string, id: string, changeType?: 'created' | 'updated' | 'deleted', opts?: { duplicates?: number }): Promise<unknown[]>;
  /** today's automatic-run report line of an item */
  reportLine(userId: string, itemId: string): Promise<ReportItem | undefined>;
  /**
   * Runs resync-worker on every message of `resync-jobs` (a plan queues one message per user) until
   * the queue is empty; the items it hands to the sync worker stay in `sync-items` (see runQueue).
   */
  runResync(opts?: { dequeueCount?: number }): Promise<unknown[]>;
  /**
   * `POST /api/resync` with `body` over HTTP, the job run to its end (resync-worker, then the items
   * it handed to sync-worker), and the job's report from `GET /api/resync/{jobId}`.
   */
  resyncToEnd(body: Record<string, unknown>): Promise<ReportWithLines>;
  /** one sync-worker invocation, as the host would run it */
  work(message: unknown, dequeueCount?: number): Promise<MemoryLogger>;
  /**
   * A Graph subscription created through the production client (with the real handshake against
   * our webhook) and stored as provisioning stores it; returns its id.
   */
  subscribe(userId: string, module: 'contacts' | 'events' | 'mail' | 'tasks', listId?: string): Promise<string>;
  /** a mailbox in the Graph double, its Zoho user, and its provisioned-user row (state active); returns its object id */
  provisionUser(upn: string, displayName?: string): Promise<string>;
  logs: MemoryLogger;
  close(): Promise<void>;
}

/**
 * Doubles another process runs (bench/resync.ts --contacts: they hold N contacts and records, so
 * they run in the bench's parent and the child's memory is the code under test's): their settings.
 */
export interface RemoteDoubles {
  graph: DoubleGraphSettings;
  zohoUrl: string;
}

/** Stands for a double that runs elsewhere: closing it does nothing, anything else says where it is. */
function elsewhere<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, prop) => {
      if (prop === 'close' || prop === 'stop') return async () => undefined;
      if (prop === 'then') return undefined;
      throw new Error(`the ${name} double runs in another process`);
    },
  });
}

export async function startSystem(overrides: Record<string, string> = {}, remote?: RemoteDoubles): Promise<System> {
  const azurite = process.env.BENCH_AZURITE_PROCESS === '1' ? await startAzuriteProcess() : await startAzurite();
  const graph = remote ? elsewhere<GraphDouble>('Graph') : await startGraphDouble({ tenantId: TEST_TENANT_ID });
  const zoho = remote ? elsewhere<ZohoDouble>('Zoho') : await startZohoDouble();
  const host = await startFunctionHost([
    { method: 'POST', route: 'graph/notifications', handler: graphNotifications },
    { method: 'POST', route: 'graph/lifecycle', handler: graphLifecycle },
    { method: 'POST', route: 'resync', handler: resync },
    { method: 'GET', route: 'resync/{jobId}', handler: resyncStatus, name: 'resync-status' },
    { method: 'GET', route: 'resync/{jobId}/items', handler: resyncItems, name: 'resync-items' },
    { method: 'GET', route: 'skipped', handler: skipped },
    { method: 'POST', route: 'skipped/retry', handler: skippedRetry, name: 'skipped-retry' },
    { method: 'GET', route: 'health', handler: health },
    { method: 'GET', route: 'manage/status', handler: manageStatus, name: 'manage-status' },
    { method: 'GET', route: 'manage/ui', handler: manageUi, name: 'manage-ui' },
  ]);
  const logs = new MemoryLogger();
  let current = overrides;

  const configure = (next: Record<string, string> = current) => {
    current = next;
    applySettings(settingsFor({ storage: azurite.connectionString, hostUrl: host.url, graph: remote?.graph ?? graph.settings(), zohoUrl: remote?.zohoUrl ?? zoho.url, zohoCredentials: DOUBLE_CREDENTIALS }, next));
    resetConfigCache();
    resetRuntime();
  };
  configure(overrides);

  const queueClient = (name: string) => new QueueClient(azurite.connectionString, name);


  const work = async (message: unknown, dequeueCount = 1): Promise<MemoryLogger> => {
    const { context, logs: local } = invocation('sync-worker', { triggerMetadata: { dequeueCount }, alsoInto: [logs] });
    await syncWorker(message, context);
    return local;
  };

  /** Runs `handle` on every message of a queue, as the host's trigger would, until the queue is empty. */
  const runEach = async (name: string, opts: { batch: number; visibilityTimeout: number }, handle: (body: unknown, dequeueCount: number) => Promise<unknown>): Promise<unknown[]> => {
    const seen: unknown[] = [];
    const client = queueClient(name);
    await client.createIfNotExists();
    for (;;) {
      const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: opts.batch, visibilityTimeout: opts.visibilityTimeout });
      if (receivedMessageItems.length === 0) return seen;
      for (const m of receivedMessageItems) {
        const body = decodeMessage(m.messageText);
        seen.push(body);
        await handle(body, m.dequeueCount);
        await client.deleteMessage(m.messageId, m.popReceipt);
      }
    }
  };

  const fanOut = (): Promise<unknown[]> =>
    runEach(QUEUES.notificationBatches, { batch: 32, visibilityTimeout: 60 }, (body, dequeueCount) =>
      notificationFanout(body, invocation('notification-fanout', { triggerMetadata: { dequeueCount }, alsoInto: [logs] }).context),
    );

  /** `sync-items` is drained after the webhook's batches are fanned out into it, as the host would have. */
  const drain = async (name: string = QUEUES.syncItems): Promise<unknown[]> => {
    if (name === QUEUES.syncItems) await fanOut();
    return drainQueue(azurite.connectionString, name);
  };

  /** `dequeueCount` simulates the host's redelivery count. */
  const runQueue = async (opts: { dequeueCount?: number; maxRounds?: number; includeDelayed?: boolean } = {}): Promise<unknown[]> => {
    const seen: unknown[] = [];
    const client = queueClient(QUEUES.syncItems);
    await client.createIfNotExists();
    const deadline = Date.now() + 10_000;
    for (let round = 0; round < (opts.maxRounds ?? 1000); round++) {
      await fanOut();
      const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
      if (receivedMessageItems.length === 0) {
        if (!opts.includeDelayed || Date.now() > deadline) break;
        const props = await client.getProperties();
        if (!props.approximateMessagesCount) break;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const m of receivedMessageItems) {
        const body = decodeMessage(m.messageText);
        seen.push(body);
        await work(body, opts.dequeueCount ?? m.dequeueCount);
        await client.deleteMessage(m.messageId, m.popReceipt);
      }
    }
    return seen;
  };

  const runResync = (opts: { dequeueCount?: number } = {}): Promise<unknown[]> =>
    runEach(QUEUES.resyncJobs, { batch: 8, visibilityTimeout: 300 }, (body, dequeueCount) =>
      resyncWorker(body, invocation('resync-worker', { triggerMetadata: { dequeueCount: opts.dequeueCount ?? dequeueCount }, alsoInto: [logs] }).context),
    );

  const resyncToEnd = async (body: Record<string, unknown>): Promise<ReportWithLines> => {
    const res = await fetch(`${host.url}/api/resync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 202) throw new Error(`resync answered ${res.status}: ${await res.text()}`);
    const { jobId } = (await res.json()) as { jobId: string };
    await runResync();
    await runQueue({ includeDelayed: true });
    return readReport(host.url, jobId);
  };

  const subscribe = async (userId: string, module: 'contacts' | 'events' | 'mail' | 'tasks', listId?: string): Promise<string> => {
    const rt = getRuntime();
    const resource = {
      contacts: `users/${userId}/contacts`,
      events: `users/${userId}/events`,
      mail: `users/${userId}/mailFolders('sentitems')/messages`,
      tasks: `users/${userId}/todo/lists/${listId}/tasks`,
    }[module];
    const clientState = `cs-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const created = await rt.graph.post(
      '/subscriptions',
      {
        changeType: 'created,updated,deleted',
        notificationUrl: `${host.url}/api/graph/notifications`,
        lifecycleNotificationUrl: `${host.url}/api/graph/lifecycle`,
        resource,
        // To Do subscriptions live at most 4,230 minutes (graph.md §1.3), Outlook ones 10,080.
        expirationDateTime: new Date(Date.now() + (module === 'tasks' ? 2 : 3) * 24 * 3600_000).toISOString(),
        clientState,
      },
      SubscriptionCreated,
    );
    await rt.subscriptions.put({ id: created.id, userId, module, resource, listId, clientState, expiresAt: created.expirationDateTime, createdAt: new Date().toISOString() });
    return created.id;
  };

  const change = async (userId: string, kind: string, id: string, changeType: 'created' | 'updated' | 'deleted' = 'updated', opts: { duplicates?: number } = {}) => {
    const deliveries = await graph.notifications.changes({ userId, kind, id, changeType }, { duplicates: opts.duplicates });
    if (deliveries.length === 0) throw new Error(`no subscription covers ${kind} ${id}`);
    const refused = deliveries.filter((d) => d.status !== 202);
    if (refused.length > 0) throw new Error(`the webhook answered ${refused.map((d) => d.status).join(', ')} instead of 202`);
    return runQueue({ includeDelayed: true });
  };

  const reportLine = async (userId: string, itemId: string) => {
    const items = await getRuntime().runs.listItems(RunRepository.automaticRunId(new Date()), { userId });
    return items.find((i) => i.itemId === itemId);
  };

  const workAtOnce = async (messages: unknown[], opts: { zohoLatencyMs?: number } = {}) => {
    zoho.setLatency(opts.zohoLatencyMs ?? 30);
    try {
      await Promise.all(messages.map((m) => work(m)));
    } finally {
      zoho.setLatency(0);
    }
    await runQueue({ includeDelayed: true });
  };

  const graphCallsDuring = async (run: () => Promise<unknown>): Promise<Record<string, number>> => {
    const before = graph.calls.snapshot();
    await run();
    const out: Record<string, number> = {};
    for (const [label, n] of Object.entries(graph.calls.snapshot())) {
      const d = n - (before[label] ?? 0);
      if (d > 0 && !label.includes('{tenant}')) out[label] = d;
    }
    return out;
  };

  const provisionUser = async (upn: string, displayName = upn.split('@')[0]) => {
    const userId = graph.addUser({ userPrincipalName: upn, displayName }).id;
    zoho.addUser({ email: upn, last_name: displayName.split(' ').pop()! });
    const at = new Date().toISOString();
    await getRuntime().users.put({ userId, upn, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
    return userId;
  };

  return {
    azurite,
    provisionUser,
    subscribe,
    change,
    reportLine,
    workAtOnce,
    graphCallsDuring,
    graph,
    zoho,
    host,
    runtime: () => getRuntime(),
    configure,
    drain,
    fanOut,
    runQueue,
    runResync,
    resyncToEnd,
    work,
    logs,
    close: async () => {
      await host.close();
      await graph.close();
      await zoho.stop();
      await azurite.close();
    },
  };
}
