/**
 * Notifications API (notifications.json; zoho.md §7): `/crm/v8/actions/watch`. A channel tells Zoho
 * to POST a small callback to `notify_url` whenever a record of the watched modules is created,
 * edited or deleted. The per-channel `token` is echoed in every callback and is the only proof a
 * callback comes from Zoho (no signature is documented).
 *
 * - POST enables (creates) a channel; PATCH updates it (here: a new expiry, events, URL or token);
 *   GET lists channels (204 when none); DELETE `?channel_ids=` disables them.
 * - Every answer carries one `watch[]` entry per channel: status `success`, or `error` with a code
 *   (e.g. NOT_SUBSCRIBED for a channel Zoho does not know). Entries are returned, not thrown.
 * - `channel_expiry`: at most one week ahead from API v4 on (Kaizen #170); the default is one hour.
 * - `channel_id` is a number we choose; callbacks bring it back as a string, so ids are strings here.
 */
import { z } from 'zod';
import type { ZohoHttp } from './http';
import { parseOrThrow } from './schemas';

/** Zoho's ceiling for `channel_expiry` (API v4+), less a margin for clock differences. */
export const WATCH_MAX_EXPIRY_MS = 7 * 24 * 3600_000 - 10 * 60_000;

export interface WatchChannelSpec {
  channelId: string;
  /** `{Module}.all|create|edit|delete` */
  events: readonly string[];
  notifyUrl: string;
  token: string;
  /** ISO instant; sent as `yyyy-MM-ddTHH:mm:ss+00:00` */
  expiresAt: string;
}

export type WatchResult =
  | { status: 'success'; channelId: string; expiresAt?: string; code: string }
  | { status: 'error'; channelId: string; code: string; message: string };

export interface ListedWatchChannel {
  channelId: string;
  events: string[];
  notifyUrl?: string;
  expiresAt?: string;
}

const watchEvent = z.looseObject({
  channel_id: z.union([z.string(), z.number()]).nullish(),
  channel_expiry: z.string().nullish(),
  resource_name: z.string().nullish(),
});

const watchItem = z.looseObject({
  status: z.string(),
  code: z.string(),
  message: z.string().nullish(),
  details: z.looseObject({
    channel_id: z.union([z.string(), z.number()]).nullish(),
    events: z.array(watchEvent).nullish(),
  }).nullish(),
});
const watchAnswer = z.looseObject({ watch: z.array(watchItem) });

const listedChannel = z.looseObject({
  channel_id: z.union([z.string(), z.number()]),
  events: z.array(z.string()).nullish(),
  notify_url: z.string().nullish(),
  channel_expiry: z.string().nullish(),
});
const listAnswer = z.looseObject({ watch: z.array(listedChannel), info: z.looseObject({ more_records: z.boolean().nullish() }).nullish() });

/** Zoho's date-time form: seconds precision, explicit offset. */
export function zohoTimestamp(iso: string | Date | number): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function body(spec: WatchChannelSpec): Record<string, unknown> {
  // channel_id is a number in Zoho's examples; ours are 13 digits, well inside a double's exact range.
  return {
    watch: [{
      channel_id: Number(spec.channelId),
      events: [...spec.events],
      notify_url: spec.notifyUrl,
      token: spec.token,
      channel_expiry: zohoTimestamp(spec.expiresAt),
      // Hints only: the worker re-reads each record, so changed values are not needed, and an
      // Account edit cascading to its Contacts is not a change of theirs.
      return_affected_field_values: false,
      notify_on_related_action: false,
    }],
  };
}

function resultOf(item: z.infer<typeof watchItem>, channelId: string): WatchResult {
  if (item.status !== 'success') return { status: 'error', channelId, code: item.code, message: item.message ?? '' };
  const expiries = (item.details?.events ?? []).map((e) => e.channel_expiry).filter((e): e is string => !!e);
  return { status: 'success', channelId, code: item.code, expiresAt: expiries[0] };
}

async function write(http: ZohoHttp, method: 'POST' | 'PATCH', spec: WatchChannelSpec): Promise<WatchResult> {
  const res = await http.send({ method, path: '/actions/watch', json: body(spec), itemsKey: 'watch' });
  const answer = parseOrThrow(watchAnswer, res.body, `${method} /crm/v8/actions/watch`, res.status);
  const item = answer.watch[0];
  if (!item) return { status: 'error', channelId: spec.channelId, code: 'NO_CONTENT', message: 'empty answer' };
  return resultOf(item, spec.channelId);
}

export function enableWatch(http: ZohoHttp, spec: WatchChannelSpec): Promise<WatchResult> {
  return write(http, 'POST', spec);
}

export function updateWatch(http: ZohoHttp, spec: WatchChannelSpec): Promise<WatchResult> {
  return write(http, 'PATCH', spec);
}

/** Channels Zoho has for this client, optionally one by id; [] when none (204). */
export async function listWatch(http: ZohoHttp, channelId?: string): Promise<ListedWatchChannel[]> {
  const out: ListedWatchChannel[] = [];
  for (let page = 1; ; page++) {
    const res = await http.send({ method: 'GET', path: '/actions/watch', query: { channel_id: channelId, page, per_page: 200 } });
    if (res.status === 204 || res.body === undefined) break;
    const answer = parseOrThrow(listAnswer, res.body, 'GET /crm/v8/actions/watch', res.status);
    for (const c of answer.watch) {
      out.push({ channelId: String(c.channel_id), events: c.events ?? [], notifyUrl: c.notify_url ?? undefined, expiresAt: c.channel_expiry ?? undefined });
    }
    if (answer.info?.more_records !== true) break;
  }
  return out;
}

export async function disableWatch(http: ZohoHttp, channelIds: readonly string[]): Promise<WatchResult[]> {
  if (channelIds.length === 0) return [];
  const res = await http.send({ method: 'DELETE', path: '/actions/watch', query: { channel_ids: channelIds.join(',') }, itemsKey: 'watch' });
  const answer = parseOrThrow(watchAnswer, res.body, 'DELETE /crm/v8/actions/watch', res.status);
  return answer.watch.map((item, i) => resultOf(item, String(item.details?.channel_id ?? channelIds[i] ?? '')));
}
