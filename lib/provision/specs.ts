import type { Config } from '../config';
import { IMMUTABLE_ID_PREFER } from '../graph/path';
import type { SyncModule } from '../modules';

/**
 * What a provisioned mailbox is subscribed to, and the request that creates each subscription.
 * Pure: settings, ids and a clock in, plain data out.
 */

/** Graph's maximum lifetime per resource for basic notifications (graph.md §1.3). */
export const MAX_LIFETIME_MINUTES: Record<SyncModule, number> = {
  contacts: 10_080,
  events: 10_080,
  mail: 10_080,
  tasks: 4_230,
};

/**
 * Requested lifetime = maximum − margin. Microsoft warns that requests beyond the maximum will
 * fail, and our clock and Graph's are never exactly equal; 30 minutes absorbs any sane skew while
 * costing nothing (renewal happens at half-life anyway).
 */
export const EXPIRY_MARGIN_MINUTES = 30;

export const CHANGE_TYPE = 'created,updated,deleted';

/**
 * Graph documents immutable ids for contacts, events and messages, not for todoTask
 * (graph.md §1.1); sending the header for To Do would be meaningless at best.
 */
const IMMUTABLE_ID_MODULES: ReadonlySet<SyncModule> = new Set(['contacts', 'events', 'mail']);

export interface SubscriptionSpec {
  module: SyncModule;
  /** To Do list id, for task subscriptions (one per list: Graph has no "all lists" resource) */
  listId?: string;
  /** object-id based resource path, as sent to Graph (graph.md §1.2) */
  resource: string;
}

/**
 * The Outlook (Exchange) modules to subscribe, in the order they are tried. Sent Items is always
 * subscribed: even with MAIL_CAPTURE=off, "send and add" (SPEC §3.2 way 4) captures a sent message
 * that carries the sync category, and it can only see it through this subscription.
 */
export function outlookModules(config: Pick<Config, 'SYNC_CONTACTS' | 'SYNC_EVENTS'>): SyncModule[] {
  const out: SyncModule[] = [];
  if (config.SYNC_CONTACTS !== 'off') out.push('contacts');
  if (config.SYNC_EVENTS !== 'off') out.push('events');
  out.push('mail');
  return out;
}

export function tasksEnabled(config: Pick<Config, 'SYNC_TASKS'>): boolean {
  return config.SYNC_TASKS !== 'off';
}

export function resourceFor(userId: string, module: SyncModule, listId?: string): string {
  switch (module) {
    case 'contacts': return `users/${userId}/contacts`;
    case 'events': return `users/${userId}/events`;
    case 'mail': return `users/${userId}/mailFolders('sentitems')/messages`;
    case 'tasks':
      if (!listId) throw new Error('a task subscription needs a To Do list id');
      return `users/${userId}/todo/lists/${listId}/tasks`;
  }
}

/** Every subscription a user should have under the current settings. */
export function wantedSpecs(
  userId: string,
  config: Pick<Config, 'SYNC_CONTACTS' | 'SYNC_EVENTS' | 'SYNC_TASKS'>,
  todoListIds: readonly string[],
): SubscriptionSpec[] {
  const specs: SubscriptionSpec[] = outlookModules(config).map((module) => ({ module, resource: resourceFor(userId, module) }));
  if (tasksEnabled(config)) {
    for (const listId of todoListIds) specs.push({ module: 'tasks', listId, resource: resourceFor(userId, 'tasks', listId) });
  }
  return specs;
}

/** Identity of a subscription slot of a user: one per module, one per To Do list. */
export function specKey(s: { module: SyncModule; listId?: string }): string {
  return s.module === 'tasks' ? `tasks|${s.listId ?? ''}` : s.module;
}

export function expiryFor(module: SyncModule, now: Date): Date {
  return new Date(now.getTime() + (MAX_LIFETIME_MINUTES[module] - EXPIRY_MARGIN_MINUTES) * 60_000);
}

export interface CreateSubscriptionRequest {
  body: {
    changeType: string;
    notificationUrl: string;
    lifecycleNotificationUrl: string;
    resource: string;
    expirationDateTime: string;
    clientState: string;
    latestSupportedTlsVersion: 'v1_2';
  };
  headers: Record<string, string>;
}

export function notificationUrls(publicBaseUrl: string): { notificationUrl: string; lifecycleNotificationUrl: string } {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return { notificationUrl: `${base}/api/graph/notifications`, lifecycleNotificationUrl: `${base}/api/graph/lifecycle` };
}

/**
 * The POST /subscriptions request. The lifecycle URL is always set: Graph cannot add it to an
 * existing subscription later (graph.md §1.1), and without it `missed`/`subscriptionRemoved`
 * would never reach us.
 */
export function createRequest(spec: SubscriptionSpec, clientState: string, publicBaseUrl: string, now: Date): CreateSubscriptionRequest {
  return {
    body: {
      changeType: CHANGE_TYPE,
      ...notificationUrls(publicBaseUrl),
      resource: spec.resource,
      expirationDateTime: expiryFor(spec.module, now).toISOString(),
      clientState,
      latestSupportedTlsVersion: 'v1_2',
    },
    headers: IMMUTABLE_ID_MODULES.has(spec.module) ? { Prefer: IMMUTABLE_ID_PREFER } : {},
  };
}
