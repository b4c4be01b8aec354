import type { Logger } from '../log';
import { mapLimit } from '../pool';
import type { MessageQueue } from '../queue';
import type { SubscriptionRecord } from '../state/subscriptions';
import type { LifecycleMessage } from '../sync/messages';
import { MAX_ITEM_ID_LENGTH, toBatchMessages, type NotificationBatchMessage, type NotificationHint } from './batch-message';
import { ChangeNotification, LifecycleNotification, NotificationCollection, parseResourcePath } from './notifications';
import type { SubscriptionLookup } from './subscription-cache';
import { verifyNotification, type DropReason } from './verify';

export interface WebhookRequest {
  /** `validationToken` from the query string, already URL-decoded */
  validationToken: string | null;
  bodyText: () => Promise<string>;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  jsonBody?: unknown;
}

interface CommonDeps {
  subscriptions: SubscriptionLookup;
  tenantId: string;
  logger: Logger;
  now?: () => Date;
}

export interface NotificationDeps extends CommonDeps {
  /** `notification-batches`: one message per request (or a few, when it would not fit one) */
  queue: MessageQueue<NotificationBatchMessage>;
}

export interface LifecycleDeps extends CommonDeps {
  queue: MessageQueue<LifecycleMessage>;
}

/** Graph's tokens are a few hundred characters; anything huge is not Graph. */
export const MAX_VALIDATION_TOKEN = 1024;
const ENQUEUE_PARALLELISM = 16;

/**
 * Graph's validation handshake (graph.md §2): answered before any parsing or I/O, with the decoded
 * token as plain text. Returns undefined when the request is not a handshake.
 */
export function answerValidation(req: WebhookRequest): WebhookResponse | undefined {
  if (req.validationToken === null) return undefined;
  if (req.validationToken.length === 0 || req.validationToken.length > MAX_VALIDATION_TOKEN) {
    return { status: 400, jsonBody: { error: 'invalid validationToken' } };
  }
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: req.validationToken };
}

async function readCollection(req: WebhookRequest): Promise<unknown[] | WebhookResponse> {
  let json: unknown;
  try {
    json = JSON.parse(await req.bodyText());
  } catch {
    return { status: 400, jsonBody: { error: 'body is not JSON' } };
  }
  const parsed = NotificationCollection.safeParse(json);
  if (!parsed.success) return { status: 400, jsonBody: { error: 'body is not a change notification collection' } };
  return parsed.data.value;
}

interface Verified<T> {
  notification: T;
  subscription: SubscriptionRecord;
}

type Drops = Partial<Record<DropReason, number>>;

/**
 * Parse each element and check it is ours. Drops are counted by reason, not logged one by one:
 * the route is anonymous, and one request may name 10,000 made-up subscriptions.
 */
async function verifyAll<T extends { subscriptionId: string; clientState?: string | null; tenantId: string }>(
  items: unknown[],
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  deps: CommonDeps,
): Promise<{ kept: Verified<T>[]; dropped: Drops }> {
  const kept: Verified<T>[] = [];
  const dropped: Drops = {};
  const parsed: T[] = [];
  for (const raw of items) {
    const result = schema.safeParse(raw);
    if (result.success) parsed.push(result.data);
    else countDrop(dropped, 'malformed');
  }
  // All distinct subscriptions of the batch at once: a batch mixes many subscriptions.
  const byId = parsed.length > 0 ? await deps.subscriptions.getMany(parsed.map((n) => n.subscriptionId)) : new Map<string, SubscriptionRecord>();
  // A batch repeats the same subscription, secret and tenant in every element: each distinct triple
  // is verified once (two SHA-256 per check add up over 16 concurrent batches of 100).
  const verdicts = new Map<string, DropReason | undefined>();
  for (const n of parsed) {
    const subscription = byId.get(n.subscriptionId);
    const key = JSON.stringify([n.subscriptionId, n.clientState ?? null, n.tenantId]);
    const reason = verdicts.has(key) ? verdicts.get(key) : verdicts.set(key, verifyNotification(n, subscription, deps.tenantId)).get(key);
    if (reason) countDrop(dropped, reason);
    else kept.push({ notification: n, subscription: subscription! });
  }
  return { kept, dropped };
}

function countDrop(dropped: Drops, reason: DropReason): void {
  dropped[reason] = (dropped[reason] ?? 0) + 1;
}

/** One line per request whatever it holds: counts by reason, ids only. */
function logDrops(logger: Logger, what: string, received: number, dropped: Drops): void {
  if (Object.keys(dropped).length > 0) logger.warn(`${what} dropped`, { received, dropped });
}

/**
 * 202 once every message is queued; 503 otherwise (even when only one chunk failed), so that Graph
 * delivers the batch again. A chunk that did reach the queue is then queued twice, which is
 * harmless: every message is a hint the worker re-reads.
 */
async function enqueueAndAnswer<T>(queue: MessageQueue<T>, messages: T[], logger: Logger, what: string, stats: Record<string, unknown>): Promise<WebhookResponse> {
  try {
    await mapLimit(messages, ENQUEUE_PARALLELISM, (m) => queue.send(m));
  } catch (err) {
    logger.error('enqueue failed; asking Graph to retry', { error: (err as Error).name, count: messages.length });
    return { status: 503, jsonBody: { error: `could not queue the ${what}` } };
  }
  logger.info(`${what} accepted`, { ...stats, messages: messages.length });
  return { status: 202 };
}

/** `POST /api/graph/notifications`: verify, then parse, then enqueue; 202 once everything is queued. */
export async function handleChangeNotifications(req: WebhookRequest, deps: NotificationDeps): Promise<WebhookResponse> {
  const handshake = answerValidation(req);
  if (handshake) return handshake;
  const items = await readCollection(req);
  if (!Array.isArray(items)) return items;
  const { kept, dropped } = await verifyAll(items, ChangeNotification, deps);

  const hints = new Map<string, NotificationHint>();
  for (const { notification: n, subscription: sub } of kept) {
    // The path is parsed only when resourceData has no id (Outlook's notifications all have one).
    const itemId = n.resourceData?.id ?? parseResourcePath(n.resource)?.itemId;
    const changeType = n.changeType.toLowerCase();
    if (!itemId || itemId.length > MAX_ITEM_ID_LENGTH || !['created', 'updated', 'deleted'].includes(changeType)) {
      countDrop(dropped, 'unsupported');
      continue;
    }
    const key = `${sub.userId}\u0000${sub.module}\u0000${sub.listId ?? ''}\u0000${itemId}`;
    // The worker re-reads the item, so only the last hint per item matters.
    hints.set(key, { userId: sub.userId, module: sub.module, scope: sub.listId, subscriptionId: sub.id, itemId, changeType: changeType as NotificationHint['changeType'] });
  }
  logDrops(deps.logger, 'notifications', items.length, dropped);
  const batches = toBatchMessages([...hints.values()]);
  return enqueueAndAnswer(deps.queue, batches, deps.logger, 'notifications', { received: items.length, queued: hints.size, dropped });
}

const LIFECYCLE_EVENTS = new Set(['reauthorizationRequired', 'subscriptionRemoved', 'missed']);

/** `POST /api/graph/lifecycle`: same checks; each event is queued for the lifecycle worker. */
export async function handleLifecycleNotifications(req: WebhookRequest, deps: LifecycleDeps): Promise<WebhookResponse> {
  const handshake = answerValidation(req);
  if (handshake) return handshake;
  const items = await readCollection(req);
  if (!Array.isArray(items)) return items;
  const { kept, dropped } = await verifyAll(items, LifecycleNotification, deps);
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const messages = new Map<string, LifecycleMessage>();
  for (const { notification: n, subscription: sub } of kept) {
    if (!LIFECYCLE_EVENTS.has(n.lifecycleEvent)) {
      countDrop(dropped, 'unsupported');
      continue;
    }
    messages.set(`${sub.id}\u0000${n.lifecycleEvent}`, {
      v: 1,
      subscriptionId: sub.id,
      userId: sub.userId,
      module: sub.module,
      lifecycleEvent: n.lifecycleEvent as LifecycleMessage['lifecycleEvent'],
      receivedAt: now,
    });
  }
  logDrops(deps.logger, 'lifecycle notifications', items.length, dropped);
  return enqueueAndAnswer(deps.queue, [...messages.values()], deps.logger, 'lifecycle notifications', { received: items.length, queued: messages.size, dropped });
}
