import { z } from 'zod';
import { isGraphId, isObjectId } from '../ids';

/**
 * Anyone can post to the webhooks, so every id that later becomes a Table key, a queue message or
 * a Graph path is held to Graph's own format here: a subscription id is a GUID, an item id is in
 * Graph's id alphabet. Anything else is a malformed element (dropped, the rest of the batch kept).
 */
const subscriptionId = z.string().refine(isObjectId, 'subscriptionId must be a GUID');

/**
 * Graph's changeNotificationCollection (graph.md §3.1). Only what we use is required; Graph adds
 * properties over time, so unknown keys are allowed and ignored.
 */
const ResourceData = z
  .object({
    '@odata.type': z.string().optional(),
    '@odata.id': z.string().optional(),
    '@odata.etag': z.string().optional(),
    id: z.string().refine(isGraphId, 'resourceData.id is not a Graph id').optional(),
  })
  .loose();

export const ChangeNotification = z
  .object({
    subscriptionId,
    subscriptionExpirationDateTime: z.string().optional(),
    changeType: z.string().min(1),
    resource: z.string().min(1).max(4096),
    resourceData: ResourceData.nullish(),
    clientState: z.string().max(1024).nullish(),
    tenantId: z.string().min(1).max(200),
    id: z.string().nullish(),
  })
  .loose();
export type ChangeNotification = z.infer<typeof ChangeNotification>;

export const LifecycleNotification = z
  .object({
    subscriptionId,
    subscriptionExpirationDateTime: z.string().optional(),
    lifecycleEvent: z.string().min(1),
    clientState: z.string().max(1024).nullish(),
    tenantId: z.string().min(1).max(200),
    resource: z.string().nullish(),
  })
  .loose();
export type LifecycleNotification = z.infer<typeof LifecycleNotification>;

/**
 * The collection is parsed leniently per element: one malformed notification must not cost the
 * others in the batch, so elements are kept as `unknown` and parsed one by one by the handler.
 */
export const NotificationCollection = z.object({
  value: z.array(z.unknown()).max(10_000),
  validationTokens: z.array(z.string()).optional(),
});

export interface ResourcePath {
  /** lower-cased collection names in order, e.g. ['users', 'contacts'] */
  names: string[];
  /** the key that follows each name (undefined for a bare collection) */
  keys: (string | undefined)[];
  userId?: string;
  itemId?: string;
}

/** Collection names that can follow one another without a key between them (e.g. `users/{id}/todo/lists`). */
const COLLECTIONS = new Set([
  'users', 'messages', 'contacts', 'events', 'todo', 'lists', 'tasks', 'mailfolders', 'contactfolders',
  'calendars', 'calendar', 'calendarview', 'childfolders', 'instances', 'attachments', 'outlook',
]);

/**
 * Accepts the three shapes Microsoft's own examples use (graph.md §3.1):
 * `users/{guid}@{tenant}/messages/{id}`, `Users/{guid}/Messages/{id}`, `Users('{guid}')/messages('{id}')`,
 * and the To Do form `users/{id}/todo/lists/{listId}/tasks/{taskId}`, case-insensitively.
 */
export function parseResourcePath(resource: string): ResourcePath | undefined {
  const path = resource.replace(/^https:\/\/[^/]+\/(v1\.0|beta)\//i, '').replace(/^\/+/, '').split('?')[0];
  const names: string[] = [];
  const keys: (string | undefined)[] = [];
  for (const segment of path.split('/').filter(Boolean)) {
    const call = /^([A-Za-z]+)\('?([^')]*)'?\)$/.exec(segment);
    if (call) {
      names.push(call[1].toLowerCase());
      keys.push(safeDecode(call[2]));
    } else if (COLLECTIONS.has(segment.toLowerCase()) && (names.length === 0 || keys[keys.length - 1] !== undefined || names[names.length - 1] === 'todo')) {
      names.push(segment.toLowerCase());
      keys.push(undefined);
    } else if (names.length > 0 && keys[keys.length - 1] === undefined) {
      keys[keys.length - 1] = safeDecode(segment);
    } else {
      return undefined;
    }
  }
  if (names.length === 0 || names[0] !== 'users') return undefined;
  const userId = keys[0]?.split('@')[0] || undefined;
  const last = names.length > 1 ? keys[keys.length - 1] : undefined;
  const itemId = last !== undefined && isGraphId(last) ? last : undefined;
  return { names, keys, userId, itemId };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
