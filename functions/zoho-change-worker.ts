import { app, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { QUEUES } from '../lib/queue';
import { getRuntime } from '../lib/runtime';
import { applyZohoChanges } from '../lib/zohofeed/apply';

/** Applies each Zoho change hint to the owner's mailbox (Zoho → Outlook); failures are retried by the queue. */
export async function zohoChangeWorker(message: unknown, context: InvocationContext): Promise<void> {
  const logger = contextLogger(context, { fn: 'zoho-change-worker', invocationId: context.invocationId });
  await applyZohoChanges(message, getRuntime().applyDeps(logger));
}

app.storageQueue('zoho-change-worker', { queueName: QUEUES.zohoChanges, connection: 'AzureWebJobsStorage', handler: zohoChangeWorker });
