import { app, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { QUEUES } from '../lib/queue';
import { resyncDeps } from '../lib/resync/deps';
import { processResyncMessage } from '../lib/resync/worker';
import { getRuntime } from '../lib/runtime';
import { inMessageTrace } from '../lib/telemetry/signals';

export async function resyncWorker(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  await inMessageTrace(QUEUES.resyncJobs, message, () => processResyncMessage(message, dequeueCount, resyncDeps(getRuntime()), contextLogger(context, { fn: 'resync-worker', invocationId: context.invocationId })));
}

app.storageQueue('resync-worker', { queueName: QUEUES.resyncJobs, connection: 'AzureWebJobsStorage', handler: resyncWorker });
