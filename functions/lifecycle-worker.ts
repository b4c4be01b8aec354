import { app, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { processLifecycle, type LifecycleOutcome } from '../lib/provision/lifecycle';
import { policyFor } from '../lib/sync/failure';
import { QUEUES } from '../lib/queue';
import { getRuntime } from '../lib/runtime';
import { inMessageTrace } from '../lib/telemetry/signals';

/** Queue `graph-lifecycle`: reauthorize/renew, recreate, or queue a gap resync (graph.md §4). Throws to be retried. */
export async function lifecycleWorker(message: unknown, context: InvocationContext): Promise<LifecycleOutcome> {
  const logger = contextLogger(context, { fn: 'lifecycle-worker', invocationId: context.invocationId });
  const rt = getRuntime();
  return inMessageTrace(QUEUES.lifecycle, message, () => processLifecycle(rt.provisionDeps(logger), message, Number(context.triggerMetadata?.dequeueCount ?? 1), policyFor(rt.config, false)));
}

app.storageQueue('lifecycle-worker', { queueName: QUEUES.lifecycle, connection: 'AzureWebJobsStorage', handler: lifecycleWorker });
