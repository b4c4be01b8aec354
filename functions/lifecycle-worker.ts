import { app, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { handleLifecycle, type LifecycleOutcome } from '../lib/provision/lifecycle';
import { QUEUES } from '../lib/queue';
import { getRuntime } from '../lib/runtime';
import { inMessageTrace } from '../lib/telemetry/signals';

/** Queue `graph-lifecycle`: reauthorize/renew, recreate, or queue a gap resync (graph.md §4). Throws to be retried. */
export async function lifecycleWorker(message: unknown, context: InvocationContext): Promise<LifecycleOutcome> {
  const logger = contextLogger(context, { fn: 'lifecycle-worker', invocationId: context.invocationId });
  return inMessageTrace(QUEUES.lifecycle, message, () => handleLifecycle(getRuntime().provisionDeps(logger), message));
}

app.storageQueue('lifecycle-worker', { queueName: QUEUES.lifecycle, connection: 'AzureWebJobsStorage', handler: lifecycleWorker });
