import type { Logger } from '../log';
import { mapLimit } from '../pool';
import { messageBody, type MessageQueue } from '../queue';
import type { SyncItemMessage } from '../sync/messages';
import { fromBatchMessage, NotificationBatchMessage } from './batch-message';

const FANOUT_PARALLELISM = 16;

export type FanOutOutcome = { status: 'queued'; items: number } | { status: 'invalid' };

/**
 * One `notification-batches` message → one `sync-items` message per item, so that each item keeps
 * its own retries and skip record in the sync worker. A failed write throws: the host redelivers
 * the whole batch, and items already queued are queued again, which the worker tolerates (hints).
 */
export async function fanOutNotificationBatch(raw: unknown, queue: MessageQueue<SyncItemMessage>, logger: Logger): Promise<FanOutOutcome> {
  const parsed = NotificationBatchMessage.safeParse(messageBody(raw));
  if (!parsed.success) {
    // Retrying cannot make it readable; the issues name fields, never values.
    logger.error('notification batch is not valid; dropped', { issues: parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.')}: ${i.message}`) });
    return { status: 'invalid' };
  }
  const items = fromBatchMessage(parsed.data);
  await mapLimit(items, FANOUT_PARALLELISM, (m) => queue.send(m));
  logger.info('notification batch fanned out', { items: items.length, groups: parsed.data.groups.length });
  return { status: 'queued', items: items.length };
}
