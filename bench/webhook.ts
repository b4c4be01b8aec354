/**
 * bench/webhook: how fast the notification endpoint acknowledges Graph under bursts — 1, 8 and 16
 * requests in flight, of 1, 10 and 100 notifications each — through the real function
 * (graph-notifications: @azure/functions request, subscription lookup in Table Storage, queue
 * write to Azurite), beside baselines measured the same way: parsing the body only, one queue
 * write of the item ids, and the previous design (one queue message per notification, 16 in
 * flight; one request at a time). Queues are emptied between variants, so no variant writes into another's backlog.
 * Run with `npm run bench -- webhook`.
 */
import { performance } from 'node:perf_hooks';
import { QueueClient } from '@azure/storage-queue';
import { graphNotifications } from '../functions/graph-notifications';
import { resetConfigCache } from '../lib/config';
import { mapLimit } from '../lib/pool';
import { encodeMessage, QUEUES } from '../lib/queue';
import { resetRuntime } from '../lib/runtime';
import { SubscriptionRepository } from '../lib/state/subscriptions';
import { TableStore } from '../lib/state/tables';
import { startAzurite } from '../test/support/azurite';
import { httpRequest, invocation } from '../test/support/http';
import { applySettings, TEST_TENANT_ID, testSettings } from '../test/support/settings';
import { percentile, report, table } from './stats';

const SUBSCRIPTIONS = 20;
const BATCHES = [1, 10, 100];
const CONCURRENCY = [1, 8, 16];
const REQUESTS = 160;
const WARM_UP = 16;

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
      tenantId: TEST_TENANT_ID,
    };
  });
  return JSON.stringify({ value });
}

type Handle = (text: string) => Promise<number>;

/** `requests` requests, `concurrency` at a time, each timed from its start to its answer. */
async function measure(name: string, size: number, concurrency: number, requests: number, handle: Handle): Promise<(string | number)[]> {
  await mapLimit(Array.from({ length: WARM_UP }, (_, i) => i), concurrency, (i) => handle(body(size, -1_000_000 - i * size)));
  const texts = Array.from({ length: requests }, (_, i) => body(size, i * size));
  const latencies: number[] = [];
  const start = performance.now();
  await mapLimit(texts, concurrency, async (text) => {
    const t0 = performance.now();
    const status = await handle(text);
    latencies.push(performance.now() - t0);
    if (status !== 202) throw new Error(`${name}: status ${status}`);
  });
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const row = [name, concurrency, size, requests, Math.round((requests * size) / seconds), percentile(latencies, 50), percentile(latencies, 99)];
  process.stderr.write(`${row.join(' | ')}\n`);
  return row;
}

export async function runWebhookBench(): Promise<string> {
  const azurite = await startAzurite();
  try {
    applySettings(testSettings({ AzureWebJobsStorage: azurite.connectionString }));
    resetConfigCache();
    resetRuntime();
    const repo = new SubscriptionRepository(new TableStore(azurite.connectionString));
    for (let s = 0; s < SUBSCRIPTIONS; s++) {
      await repo.put({ id: `sub-${s}`, userId: `user-${s}`, module: 'contacts', resource: `users/user-${s}/contacts`, clientState: `secret-${s}`, expiresAt: '2030-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z' });
    }
    const batches = new QueueClient(azurite.connectionString, QUEUES.notificationBatches);
    const items = new QueueClient(azurite.connectionString, QUEUES.syncItems);
    const scratch = new QueueClient(azurite.connectionString, 'bench-baseline');
    for (const q of [batches, items, scratch]) await q.createIfNotExists();
    const drain = () => Promise.all([batches, items, scratch].map((q) => q.clearMessages()));

    const ours: Handle = async (text) => {
      const { context } = invocation('graph-notifications');
      const res = await graphNotifications(httpRequest({ url: 'http://localhost/api/graph/notifications', body: text, headers: { 'content-type': 'application/json' } }), context);
      return res.status ?? 200;
    };
    const parseOnly: Handle = async (text) => (JSON.parse(text), 202);
    // The least a request can cost with one queue message: its item ids, written once.
    const oneWrite: Handle = async (text) => {
      const { value } = JSON.parse(text) as { value: { resourceData: { id: string } }[] };
      await scratch.sendMessage(encodeMessage(value.map((n) => n.resourceData.id)));
      return 202;
    };
    const perNotification: Handle = async (text) => {
      const { value } = JSON.parse(text) as { value: { resourceData: { id: string } }[] };
      await mapLimit(value, 16, (n) => scratch.sendMessage(encodeMessage({ v: 1, userId: 'user-0', module: 'contacts', itemId: n.resourceData.id, changeType: 'updated' })));
      return 202;
    };

    const rows: (string | number)[][] = [];
    for (const size of BATCHES) {
      for (const concurrency of CONCURRENCY) {
        rows.push(await measure('baseline: JSON.parse only', size, concurrency, REQUESTS, parseOnly));
        rows.push(await measure('baseline: one queue write of the body', size, concurrency, REQUESTS, oneWrite));
        await drain();
        rows.push(await measure('ours: graph-notifications', size, concurrency, REQUESTS, ours));
        await drain();
        // The previous design, for comparison, one request at a time only: with 8 or 16 requests
        // of 100 in flight (up to 256 writes at once) in-process Azurite stalls for minutes here.
        if (concurrency === 1) {
          rows.push(await measure('previous: one queue message per notification', size, concurrency, size === 100 ? 48 : REQUESTS, perNotification));
          await drain();
        }
      }
    }
    return table(['variant', 'in flight', 'batch', 'requests', 'notifications/s', 'p50 ms', 'p99 ms'], rows);
  } finally {
    await azurite.close();
  }
}

if (require.main === module) report('bench/webhook', runWebhookBench);
