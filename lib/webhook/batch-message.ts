import { z } from 'zod';
import { SYNC_MODULES } from '../modules';
import type { SyncItemMessage } from '../sync/messages';

/**
 * One webhook request's kept notifications as one queue message (`notification-batches`), so that
 * the webhook pays one queue write per request instead of one per notification; the fan-out turns
 * it into `sync-items` messages. Items are grouped by subscription because the user, module, list
 * and subscription id repeat for every item of a mailbox.
 */
/** Graph's ids are ~150 characters; the edge accepts at most 512 (lib/ids.ts), far inside one queue message. */
export const MAX_ITEM_ID_LENGTH = 512;

const BatchItem = z.object({
  itemId: z.string().min(1).max(MAX_ITEM_ID_LENGTH),
  changeType: z.enum(['created', 'updated', 'deleted']),
});

const BatchGroup = z.object({
  userId: z.string().min(1),
  module: z.enum(SYNC_MODULES),
  scope: z.string().optional(),
  subscriptionId: z.string().min(1),
  items: z.array(BatchItem).min(1),
});

const NotificationBatchV1 = z.object({
  v: z.literal(1),
  groups: z.array(BatchGroup).min(1),
});

/** Versioned: a later shape joins this union, and the fan-out keeps reading messages queued before a deploy. */
export const NotificationBatchMessage = z.discriminatedUnion('v', [NotificationBatchV1]);
export type NotificationBatchMessage = z.infer<typeof NotificationBatchMessage>;
type Group = z.infer<typeof BatchGroup>;
type Item = z.infer<typeof BatchItem>;

/** One kept notification: which item of which mailbox changed, as the webhook understood it. */
export interface NotificationHint extends Omit<Group, 'items'>, Item {}

/**
 * A Storage queue message may hold 64 KiB of text; ours are base64 (host.json `messageEncoding`),
 * so the JSON may use three quarters of that.
 */
export const MAX_QUEUE_MESSAGE_CHARS = 64 * 1024;
export const maxJsonBytes = (maxChars: number) => Math.floor(maxChars / 4) * 3;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
/** StorageQueue.send adds the sender's W3C traceparent (55 characters) to every message. */
const TRACEPARENT_BYTES = bytes({ traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01` }) - bytes({}) + 1;

/**
 * Splits per-item hints into as few batch messages as fit the queue's limit. Sizes are counted
 * exactly (objects are built in the schema's key order, which is the order the queue serializes
 * after parsing), so a chunk is never refused for its size.
 */
export function toBatchMessages(items: readonly NotificationHint[], maxChars = MAX_QUEUE_MESSAGE_CHARS): NotificationBatchMessage[] {
  const budget = maxJsonBytes(maxChars);
  const envelope = bytes({ v: 1, groups: [] }) + TRACEPARENT_BYTES;
  const out: NotificationBatchMessage[] = [];
  let groups: Group[] = [];
  let open = new Map<string, Group>();
  let size = envelope;
  const headerSizes = new Map<string, number>();
  const close = () => {
    if (groups.length > 0) out.push({ v: 1, groups });
    groups = [];
    open = new Map();
    size = envelope;
  };
  for (const m of items) {
    const key = `${m.userId}\u0000${m.module}\u0000${m.scope ?? ''}\u0000${m.subscriptionId}`;
    const item: Item = { itemId: m.itemId, changeType: m.changeType };
    const itemBytes = bytes(item);
    const header = (): Group => ({ userId: m.userId, module: m.module, ...(m.scope === undefined ? {} : { scope: m.scope }), subscriptionId: m.subscriptionId, items: [] });
    let headerBytes = headerSizes.get(key);
    if (headerBytes === undefined) headerSizes.set(key, (headerBytes = bytes(header())));
    const cost = (group: Group | undefined) => (group ? itemBytes + (group.items.length > 0 ? 1 : 0) : headerBytes + itemBytes + (groups.length > 0 ? 1 : 0));
    if (size + cost(open.get(key)) > budget) {
      close();
      if (size + cost(undefined) > budget) throw new Error(`one notification (${itemBytes} bytes) does not fit a queue message`);
    }
    size += cost(open.get(key));
    let group = open.get(key);
    if (!group) {
      group = header();
      groups.push(group);
      open.set(key, group);
    }
    group.items.push(item);
  }
  close();
  return out;
}

/** The per-item hints a batch stands for, in the shape `sync-items` has always carried. */
export function fromBatchMessage(batch: NotificationBatchMessage): SyncItemMessage[] {
  return batch.groups.flatMap((g) =>
    g.items.map((i) => ({ v: 1 as const, userId: g.userId, module: g.module, itemId: i.itemId, changeType: i.changeType, ...(g.scope === undefined ? {} : { scope: g.scope }), subscriptionId: g.subscriptionId })),
  );
}
