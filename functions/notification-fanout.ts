import { app, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { QUEUES } from '../lib/queue-names';
import { inMessageTrace } from '../lib/telemetry/signals';
import { fanOutNotificationBatch } from '../lib/webhook/fanout';
import { getWebhookRuntime } from '../lib/webhook/runtime';

export async function notificationFanout(message: unknown, context: InvocationContext): Promise<void> {
  const rt = await getWebhookRuntime();
  // In the trace of the notification, so that each `sync-items` message carries it on to the Zoho write.
  await inMessageTrace(QUEUES.notificationBatches, message, () => fanOutNotificationBatch(message, rt.syncQueue, contextLogger(context, { fn: 'notification-fanout', invocationId: context.invocationId })));
}

app.storageQueue('notification-fanout', { queueName: QUEUES.notificationBatches, connection: 'AzureWebJobsStorage', handler: notificationFanout });
