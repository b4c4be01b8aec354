/**
 * Keeps one Zoho notification channel for the modules that sync to Outlook, run by the
 * `renew-subscriptions` timer:
 * - no module syncs to Outlook → a channel we have is disabled in Zoho and forgotten;
 * - no channel yet → one is created (random channel id and token, expiry as long as Zoho allows);
 * - Zoho no longer lists it (Zoho loses channels: Kaizen #170) or refuses to update it → created
 *   again under the same id, with a fresh token;
 * - its expiry is near → updated (PATCH) with a new expiry;
 * - the wanted events (a direction setting changed) or the URL changed → replaced.
 * The channel is sent again RENEW_AFTER (a day) after its last write, 6 days before a week's
 * expiry — also Zoho's remedy for a channel that silently stopped notifying. When Zoho refuses a
 * week, the one-day maximum of older API versions is used, renewed at half-life.
 * Callbacks missed in between are repaired by the sweep (./sweep.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Config } from '../config';
import { modulesToOutlook, ZOHO_MODULE_OF } from '../direction';
import type { Logger } from '../log';
import type { ZohoChannelRecord } from '../state/zoho-feed';
import type { ListedWatchChannel, WatchChannelSpec, WatchResult } from '../zoho/watch';
import { WATCH_MAX_EXPIRY_MS } from '../zoho/watch';

/** Renew this long after the last write: with a week's expiry, 6 days before it (refreshed daily). */
export const RENEW_AFTER_MS = 24 * 3600_000;

/** When Zoho refuses a week: one day less 10 minutes (renewed on every run then). */
export const FALLBACK_EXPIRY_MS = 24 * 3600_000 - 10 * 60_000;

export const ZOHO_NOTIFICATION_ROUTE = 'zoho/notifications';

export interface ZohoWatchPort {
  enableWatch(spec: WatchChannelSpec): Promise<WatchResult>;
  updateWatch(spec: WatchChannelSpec): Promise<WatchResult>;
  listWatch(channelId?: string): Promise<ListedWatchChannel[]>;
  disableWatch(channelIds: readonly string[]): Promise<WatchResult[]>;
}

export interface ChannelStore {
  listChannels(): Promise<ZohoChannelRecord[]>;
  putChannel(record: ZohoChannelRecord): Promise<void>;
  deleteChannel(channelId: string): Promise<void>;
}

export interface ChannelDeps {
  zoho: ZohoWatchPort;
  channels: ChannelStore;
  config: Pick<Config, 'PUBLIC_BASE_URL' | 'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS' | 'SYNC_CONTACTS_DIRECTION' | 'SYNC_TASKS_DIRECTION' | 'SYNC_EVENTS_DIRECTION'>;
  logger: Logger;
  now: () => Date;
}

export type ChannelAction = 'none' | 'created' | 'renewed' | 'recreated' | 'unchanged' | 'disabled' | 'failed';

export interface ChannelOutcome {
  action: ChannelAction;
  channelId?: string;
  expiresAt?: string;
  events: string[];
  /** Zoho's code when Zoho refused */
  code?: string;
}

export function zohoNotifyUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/${ZOHO_NOTIFICATION_ROUTE}`;
}

export function wantedEvents(config: ChannelDeps['config']): string[] {
  return modulesToOutlook(config).map((m) => `${ZOHO_MODULE_OF[m]}.all`);
}

/** 13 digits: unique enough per org, exact as a JSON number. */
export function newChannelId(): string {
  return String(randomInt(1_000_000_000_000, 9_000_000_000_000));
}

/** 43 url-safe characters (256 bits), inside Zoho's 50. */
export function newChannelToken(): string {
  return randomBytes(32).toString('base64url');
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * The one-week maximum is community knowledge (Kaizen #170); when Zoho refuses the expiry, the
 * write is sent once more with the one-day maximum of older API versions.
 */
async function withExpiryFallback(now: Date, expiresAt: string, send: (expiresAt: string) => Promise<WatchResult>): Promise<{ result: WatchResult; expiresAt: string }> {
  const result = await send(expiresAt);
  if (result.status === 'success' || result.code !== 'INVALID_DATA') return { result, expiresAt };
  const shorter = new Date(now.getTime() + FALLBACK_EXPIRY_MS).toISOString();
  return { result: await send(shorter), expiresAt: shorter };
}

export async function maintainZohoChannel(deps: ChannelDeps): Promise<ChannelOutcome> {
  const now = deps.now();
  const events = wantedEvents(deps.config);
  const notifyUrl = zohoNotifyUrl(deps.config.PUBLIC_BASE_URL);
  const stored = await deps.channels.listChannels();
  const expiresAt = new Date(now.getTime() + WATCH_MAX_EXPIRY_MS).toISOString();

  if (events.length === 0) {
    if (stored.length === 0) return { action: 'none', events };
    const ids = stored.map((c) => c.channelId);
    await deps.zoho.disableWatch(ids);
    for (const id of ids) await deps.channels.deleteChannel(id);
    deps.logger.info('zoho notification channel disabled: no module syncs to Outlook', { channels: ids.length });
    return { action: 'disabled', channelId: ids[0], events };
  }

  const [current, ...extra] = stored;
  // Only one channel is ever wanted; leftovers (an interrupted run) are disabled.
  if (extra.length > 0) {
    await deps.zoho.disableWatch(extra.map((c) => c.channelId));
    for (const c of extra) await deps.channels.deleteChannel(c.channelId);
  }

  const create = async (channelId: string, action: 'created' | 'recreated'): Promise<ChannelOutcome> => {
    const spec: WatchChannelSpec = { channelId, events, notifyUrl, token: newChannelToken(), expiresAt };
    // Stored before Zoho is asked: a callback may arrive before the answer does.
    const record: ZohoChannelRecord = { channelId, token: spec.token, events, notifyUrl, expiresAt, createdAt: now.toISOString() };
    await deps.channels.putChannel(record);
    const { result, expiresAt: granted } = await withExpiryFallback(now, expiresAt, async (at) => {
      if (at !== spec.expiresAt) await deps.channels.putChannel({ ...record, expiresAt: at });
      return deps.zoho.enableWatch({ ...spec, expiresAt: at });
    });
    spec.expiresAt = record.expiresAt = granted;
    if (result.status !== 'success') {
      await deps.channels.putChannel({ ...record, lastError: `${result.code}: ${result.message}`, lastErrorAt: now.toISOString() });
      deps.logger.warn('zoho notification channel not created', { code: result.code, channelId });
      return { action: 'failed', channelId, events, code: result.code };
    }
    deps.logger.info(`zoho notification channel ${action}`, { channelId, events: events.length });
    return { action, channelId, expiresAt: spec.expiresAt, events };
  };

  if (!current) return create(newChannelId(), 'created');

  const listed = await deps.zoho.listWatch(current.channelId);
  const known = listed.find((c) => c.channelId === current.channelId);
  if (!known) return create(current.channelId, 'recreated');

  // Sent again a day after the last write (6 days before a week-long expiry), or at half-life for
  // a shorter channel (the one-day fallback).
  const since = Date.parse(current.renewedAt ?? current.createdAt);
  const lifetime = Date.parse(current.expiresAt) - since;
  const due = !(lifetime > 0) || now.getTime() - since >= Math.min(RENEW_AFTER_MS, lifetime / 2);
  const changed = !sameSet(current.events, events) || current.notifyUrl !== notifyUrl;
  if (changed) {
    // PATCH adds to a channel's events but is not documented to drop any: replace it instead.
    await deps.zoho.disableWatch([current.channelId]);
    return create(current.channelId, 'recreated');
  }
  if (!due) return { action: 'unchanged', channelId: current.channelId, expiresAt: current.expiresAt, events };

  const { result, expiresAt: renewedUntil } = await withExpiryFallback(now, expiresAt, (at) =>
    deps.zoho.updateWatch({ channelId: current.channelId, events, notifyUrl, token: current.token, expiresAt: at }),
  );
  if (result.status !== 'success') {
    // NOT_SUBSCRIBED and kin: Zoho lost it between our GET and PATCH, or will not update it.
    deps.logger.warn('zoho notification channel update refused; creating it again', { code: result.code, channelId: current.channelId });
    return create(current.channelId, 'recreated');
  }
  await deps.channels.putChannel({ ...current, events, notifyUrl, expiresAt: renewedUntil, renewedAt: now.toISOString(), lastError: undefined, lastErrorAt: undefined });
  return { action: 'renewed', channelId: current.channelId, expiresAt: renewedUntil, events };
}
