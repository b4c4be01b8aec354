import { getConfig } from '../config';
import type { MessageQueue } from '../queue';
import { QUEUES } from '../queue-names';
import type { LifecycleMessage, SyncItemMessage } from '../sync/messages';
import type { NotificationBatchMessage } from './batch-message';
import { CachedSubscriptionLookup } from './subscription-cache';

/**
 * What the webhook routes and the fan-out need, and nothing else: the full runtime (lib/runtime)
 * brings the Graph and Zoho clients and @azure/identity, which would cost every cold start of the
 * webhook a few hundred milliseconds for credentials it never uses. The storage SDKs are loaded on
 * the first notification, not when the host loads the function file, so the validation handshake
 * (Graph gives it 10 s, cold start included) needs no more than this file and @azure/functions.
 */
export interface WebhookRuntime {
  tenantId: string;
  subscriptions: CachedSubscriptionLookup;
  notificationQueue: MessageQueue<NotificationBatchMessage>;
  lifecycleQueue: MessageQueue<LifecycleMessage>;
  syncQueue: MessageQueue<SyncItemMessage>;
}

let current: Promise<WebhookRuntime> | undefined;
let lookup: CachedSubscriptionLookup | undefined;

async function build(): Promise<WebhookRuntime> {
  const config = getConfig();
  const [{ StorageAccount }, { StorageQueue }, { TableStore }, { SubscriptionRepository }, messages, { NotificationBatchMessage }] = await Promise.all([
    import('../storage'),
    import('../queue'),
    import('../state/tables'),
    import('../state/subscriptions'),
    import('../sync/messages'),
    import('./batch-message'),
  ]);
  const storage = new StorageAccount(config);
  lookup = new CachedSubscriptionLookup(new SubscriptionRepository(new TableStore(storage)));
  return {
    tenantId: config.GRAPH_TENANT_ID,
    subscriptions: lookup,
    notificationQueue: new StorageQueue(storage, QUEUES.notificationBatches, NotificationBatchMessage),
    lifecycleQueue: new StorageQueue(storage, QUEUES.lifecycle, messages.LifecycleMessage),
    syncQueue: new StorageQueue(storage, QUEUES.syncItems, messages.SyncItemMessage),
  };
}

export function getWebhookRuntime(): Promise<WebhookRuntime> {
  current ??= build().catch((err) => {
    current = undefined;
    throw err;
  });
  return current;
}

/** A subscription deleted or replaced elsewhere in this process must not be served from the cache. */
export function forgetSubscription(id: string): void {
  lookup?.forget(id);
}

/** Tests point settings at fresh storage between files. */
export function resetWebhookRuntime(): void {
  current = undefined;
  lookup = undefined;
}
