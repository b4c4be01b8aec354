/**
 * bench/webhook: how fast the notification endpoint acknowledges Graph, with the real subscription
 * lookup in Table Storage and the real queue write (Azurite), against a baseline that only parses
 * the JSON body. Run with `npm run bench` (or `npm run bench -- webhook`).
 */
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../lib/log';
import { QUEUES, StorageQueue } from '../lib/queue';
import { SubscriptionRepository } from '../lib/state/subscriptions';
import { TableStore } from '../lib/state/tables';
import { SyncItemMessage } from '../lib/sync/messages';
import { handleChangeNotifications, type NotificationDeps } from '../lib/webhook/handler';
import { CachedSubscriptionLookup } from '../lib/webhook/subscription-cache';
import { startAzurite } from '../test/support/azurite';
import { percentile, report, table } from './stats';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUBSCRIPTIONS = 20;
const BATCHES = [1, 10, 100];
const NOTIFICATIONS_PER_SIZE = 2000;

function body(size: number, seq: number): string {
  const value = Array.from({ length: size }, (_, i) => {
    const s = (seq + i) % SUBSCRIPTIONS;
    const id = `AAMkAGI2TG${seq}x${i}AAA=`;
    return {
      subscriptionId: `sub-${s}`,
      subscriptionExpirationDateTime: '2030-01-01T00:00:00Z',
      clientState: `secret-${s}`,
      changeType: 'updated',
      resource: `Users/user-${s}/Contacts/${id}`,
      resourceData: { '@odata.type': '#Microsoft.Graph.Contact', '@odata.id': `Users/user-${s}/Contacts/${id}`, '@odata.etag': 'W/"CQAAABYAAAA="', id },
      tenantId: TENANT,
    };
  });
  return JSON.stringify({ value });
}

async function measure(name: string, size: number, handle: (text: string) => Promise<{ status: number }>) {
  const calls = Math.max(5, Math.round(NOTIFICATIONS_PER_SIZE / size));
  for (let i = 0; i < 5; i++) await handle(body(size, -1000 - i)); // warm-up
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const text = body(size, i * size);
    const t0 = performance.now();
    const res = await handle(text);
    latencies.push(performance.now() - t0);
    if (res.status !== 202) throw new Error(`${name}: status ${res.status}`);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return [name, size, calls, Math.round((calls * size) / seconds), percentile(latencies, 50), percentile(latencies, 99)];
}

export async function runWebhookBench(): Promise<string> {
  const azurite = await startAzurite();
  try {
    const store = new TableStore(azurite.connectionString);
    const repo = new SubscriptionRepository(store);
    for (let s = 0; s < SUBSCRIPTIONS; s++) {
      await repo.put({ id: `sub-${s}`, userId: `user-${s}`, module: 'contacts', resource: `users/user-${s}/contacts`, clientState: `secret-${s}`, expiresAt: '2030-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z' });
    }
    const queue = new StorageQueue(azurite.connectionString, QUEUES.syncItems, SyncItemMessage);
    const deps = (lookup: NotificationDeps['subscriptions']): NotificationDeps => ({ subscriptions: lookup, queue, tenantId: TENANT, logger: silentLogger });
    const cached = deps(new CachedSubscriptionLookup(repo));
    const uncached = deps(repo);

    const rows: (string | number)[][] = [];
    for (const size of BATCHES) {
      rows.push(await measure('baseline: JSON.parse only', size, async (text) => (JSON.parse(text), { status: 202 })));
      rows.push(await measure('ours, subscription lookup every request', size, (text) => handleChangeNotifications({ validationToken: null, bodyText: async () => text }, uncached)));
      rows.push(await measure('ours, subscription cache warm', size, (text) => handleChangeNotifications({ validationToken: null, bodyText: async () => text }, cached)));
    }
    return table(['variant', 'batch', 'requests', 'notifications/s', 'p50 ms', 'p99 ms'], rows);
  } finally {
    await azurite.close();
  }
}

if (require.main === module) report('bench/webhook', runWebhookBench);
