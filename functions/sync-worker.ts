import { app, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { QUEUES } from '../lib/queue';
import { getRuntime } from '../lib/runtime';
import { inMessageTrace } from '../lib/telemetry/signals';
import { processSyncMessage } from '../lib/sync/worker';

export async function syncWorker(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  await inMessageTrace(QUEUES.syncItems, message, () => processSyncMessage(message, dequeueCount, getRuntime().workerDeps(), contextLogger(context, { fn: 'sync-worker', invocationId: context.invocationId })));
}

app.storageQueue('sync-worker', { queueName: QUEUES.syncItems, connection: 'AzureWebJobsStorage', handler: syncWorker });
