import { app, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { QUEUES } from '../lib/queue';
import { getRuntime } from '../lib/runtime';
import { recordZohoChange } from '../lib/zohofeed/consumer';

/** Records each Zoho change hint until the sync executor applies Zoho → Outlook changes. */
export async function zohoChangeWorker(message: unknown, context: InvocationContext): Promise<void> {
  const rt = getRuntime();
  await recordZohoChange(message, { pending: rt.pendingZohoChanges, logger: contextLogger(context, { fn: 'zoho-change-worker', invocationId: context.invocationId }), now: () => new Date() });
}

app.storageQueue('zoho-change-worker', { queueName: QUEUES.zohoChanges, connection: 'AzureWebJobsStorage', handler: zohoChangeWorker });
