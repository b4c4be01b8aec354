/**
 * Notifications API (notifications.json; zoho.md §7): `/crm/v8/actions/watch` channels, the
 * callbacks Zoho POSTs to a channel's notify_url when a record of a watched module is created,
 * edited or deleted, and `GET /crm/v8/{module}/deleted`.
 *
 * Callbacks carry the v7 doc's body (`server_time, query_params, module, resource_uri, ids,
 * affected_fields, operation, channel_id` as a string, `token`) and are sent after the write is
 * answered, as Zoho's are; `settle()` waits for them. Modelling choices where Zoho documents
 * nothing: no retry of a failed callback; an expired channel neither notifies nor is listed;
 * `channel_expiry` more than 7 days ahead is INVALID_DATA (Kaizen #170's maximum).
 */
import { errors, item, json, noContent, type Reply, type ZohoItem } from './respond';
import type { DoubleState } from './state';

export const MAX_EXPIRY_MS = 7 * 24 * 3600_000;
const DEFAULT_EXPIRY_MS = 3600_000;
const EVENT = /^([A-Za-z][A-Za-z0-9_]*)\.(all|create|edit|delete)$/;

export interface WatchChannel {
  channelId: string;
  events: string[];
  notifyUrl: string;
  token: string | null;
  expiresAt: number;
  createdAt: number;
}

export interface CallbackDelivery {
  channelId: string;
  module: string;
  operation: 'insert' | 'update' | 'delete';
  ids: string[];
  /** what our endpoint answered; 0 = no answer; undefined = dropped by `dropCallbacks` */
  status?: number;
  dropped: boolean;
  body: Record<string, unknown>;
}

export interface DeletedEntry {
  id: string;
  display_name: string | null;
  type: 'recycle' | 'permanent';
  deleted_time: string;
  deletedMs: number;
  deleted_by: { name: string; id: string };
  created_by: unknown;
}

const OPERATION_EVENT = { insert: 'create', update: 'edit', delete: 'delete' } as const;

export class WatchArea {
  readonly channels = new Map<string, WatchChannel>();
  readonly deliveries: CallbackDelivery[] = [];
  readonly deleted = new Map<string, DeletedEntry[]>();
  private dropNext = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly state: DoubleState) {}

  reset(): void {
    this.channels.clear();
    this.deliveries.length = 0;
    this.deleted.clear();
    this.dropNext = 0;
  }

  // ---- control API ----------------------------------------------------------------------------

  /** The next `n` callbacks are not sent (recorded with `dropped: true`): lost deliveries. */
  dropCallbacks(n = 1): void {
    this.dropNext += n;
  }

  /** Zoho forgets every channel (Kaizen #170: channels that stop; a data-centre move). */
  loseChannels(): void {
    this.channels.clear();
  }

  /** Waits until every callback sent so far has been answered. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  // ---- hooks from record writes ---------------------------------------------------------------

  recordDeleted(module: string, record: Record<string, unknown> & { id: string }, nameField: string | undefined): void {
    const now = this.state.now();
    const list = this.deleted.get(module) ?? [];
    const me = this.state.userRef(this.state.currentUserId);
    list.push({
      id: record.id,
      display_name: nameField && typeof record[nameField] === 'string' ? (record[nameField] as string) : null,
      type: 'recycle',
      deleted_time: this.state.formatTime(now),
      deletedMs: now,
      deleted_by: { name: me.name, id: me.id },
      created_by: record.Created_By ?? null,
    });
    this.deleted.set(module, list);
  }

  changed(module: string, operation: 'insert' | 'update' | 'delete', ids: string[]): void {
    if (ids.length === 0) return;
    const now = this.state.now();
    for (const channel of this.channels.values()) {
      if (channel.expiresAt <= now) continue;
      if (!channel.events.some((e) => e === `${module}.all` || e === `${module}.${OPERATION_EVENT[operation]}`)) continue;
      const url = new URL(channel.notifyUrl);
      const body = {
        server_time: now,
        query_params: Object.fromEntries(url.searchParams),
        module,
        resource_uri: `${this.state.origin}/crm/v8/${module}`,
        ids: [...ids],
        affected_fields: [],
        operation,
        channel_id: channel.channelId,
        token: channel.token,
      };
      const delivery: CallbackDelivery = { channelId: channel.channelId, module, operation, ids: [...ids], dropped: false, body };
      this.deliveries.push(delivery);
      if (this.dropNext > 0) {
        this.dropNext -= 1;
        delivery.dropped = true;
        continue;
      }
      const sent = fetch(channel.notifyUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
        .then(async (res) => {
          delivery.status = res.status;
          await res.arrayBuffer();
        })
        .catch(() => {
          delivery.status = 0;
        });
      const tracked = sent.finally(() => this.pending.delete(tracked));
      this.pending.add(tracked);
    }
  }

  // ---- routes ---------------------------------------------------------------------------------

  enable(body: Record<string, unknown> | undefined): Reply {
    const specs = watchSpecs(body);
    if (!specs) return errors.requiredParam('watch');
    const items = specs.map((spec, i) => {
      const checked = this.check(spec, undefined, i);
      if ('code' in checked) return checked;
      this.channels.set(checked.channelId, checked);
      return item('SUCCESS', 'Successfully subscribed for actions-watch of the given module', { events: this.eventDetails(checked) });
    });
    return json(items.every((i) => i.status === 'success') ? 201 : 202, { watch: items });
  }

  update(body: Record<string, unknown> | undefined): Reply {
    const specs = watchSpecs(body);
    if (!specs) return errors.requiredParam('watch');
    const items = specs.map((spec, i) => {
      const id = channelIdOf(spec.channel_id);
      const current = id ? this.live(id) : undefined;
      if (!current) return item('NOT_SUBSCRIBED', 'Not subscribed for actions-watch of the given channel', { channel_id: id ?? null });
      const checked = this.check(spec, current, i);
      if ('code' in checked) return checked;
      this.channels.set(checked.channelId, checked);
      return item('SUCCESS', 'Successfully updated the subscribe details', { events: this.eventDetails(checked) });
    });
    // notifications.json: per-channel errors come wrapped in `watch[]` with 202; 400 is a flat error.
    return json(items.every((i) => i.status === 'success') ? 200 : 202, { watch: items });
  }

  list(query: URLSearchParams): Reply {
    const wanted = query.get('channel_id');
    const channels = [...this.channels.values()].filter((c) => c.expiresAt > this.state.now() && (!wanted || c.channelId === wanted));
    if (channels.length === 0) return noContent();
    return json(200, {
      watch: channels.map((c) => ({
        channel_id: c.channelId,
        events: [...c.events],
        notify_url: c.notifyUrl,
        channel_expiry: this.state.formatTime(c.expiresAt),
        resource_name: c.events.map((e) => e.split('.')[0]).join(','),
      })),
      info: { per_page: 200, page: 1, count: channels.length, more_records: false },
    });
  }

  disable(query: URLSearchParams): Reply {
    const ids = (query.get('channel_ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) return errors.requiredParam('channel_ids');
    const items = ids.map((id) => {
      if (!this.channels.delete(id)) return item('NOT_SUBSCRIBED', 'Not subscribed for actions-watch of the given channel', { channel_id: id });
      return item('SUCCESS', 'Successfully un-subscribed from actions-watch', { channel_id: id });
    });
    return json(items.every((i) => i.status === 'success') ? 200 : 202, { watch: items });
  }

  /** GET /{module}/deleted: newest first; `If-Modified-Since` keeps deletions at or after it. */
  deletedRoute(module: string, query: URLSearchParams, ifModifiedSince: string | undefined): Reply {
    if (!this.state.isModule(module)) return errors.invalidModule();
    const type = query.get('type') ?? 'all';
    const since = ifModifiedSince ? Date.parse(ifModifiedSince) : NaN;
    const perPage = Math.min(Number(query.get('per_page') ?? 200) || 200, 200);
    const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
    const all = (this.deleted.get(module) ?? [])
      .filter((d) => type === 'all' || d.type === type)
      .filter((d) => Number.isNaN(since) || d.deletedMs >= since)
      .sort((a, b) => b.deletedMs - a.deletedMs);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    if (slice.length === 0) return noContent();
    return json(200, {
      data: slice.map(({ deletedMs: _ms, ...d }) => d),
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < all.length },
    });
  }

  private live(id: string): WatchChannel | undefined {
    const c = this.channels.get(id);
    return c && c.expiresAt > this.state.now() ? c : undefined;
  }

  private check(spec: Record<string, unknown>, current: WatchChannel | undefined, index: number): WatchChannel | ZohoItem {
    const at = (field: string) => ({ api_name: field, json_path: `$.watch[${index}].${field}` });
    const channelId = channelIdOf(spec.channel_id);
    if (!channelId) return item(spec.channel_id === undefined ? 'MANDATORY_NOT_FOUND' : 'INVALID_DATA', 'invalid data', at('channel_id'));
    const events = spec.events ?? current?.events;
    if (!Array.isArray(events) || events.length === 0) return item('MANDATORY_NOT_FOUND', 'required field not found', at('events'));
    for (const e of events) {
      const m = typeof e === 'string' ? EVENT.exec(e) : null;
      if (!m || !this.state.isModule(m[1])) return item('INVALID_DATA', 'invalid data', at('events'));
    }
    const notifyUrl = spec.notify_url ?? current?.notifyUrl;
    if (typeof notifyUrl !== 'string' || !URL.canParse(notifyUrl)) return item('MANDATORY_NOT_FOUND', 'required field not found', at('notify_url'));
    const token = spec.token === undefined ? current?.token ?? null : spec.token;
    if (token !== null && (typeof token !== 'string' || token.length > 50)) return item('INVALID_DATA', 'invalid data', { ...at('token'), maximum_length: 50 });
    const now = this.state.now();
    let expiresAt = current?.expiresAt ?? now + DEFAULT_EXPIRY_MS;
    if (spec.channel_expiry !== undefined && spec.channel_expiry !== null) {
      const ms = typeof spec.channel_expiry === 'string' ? Date.parse(spec.channel_expiry) : NaN;
      if (Number.isNaN(ms) || ms <= now || ms > now + MAX_EXPIRY_MS) return item('INVALID_DATA', 'invalid data', at('channel_expiry'));
      expiresAt = ms;
    }
    return { channelId, events: events as string[], notifyUrl, token, expiresAt, createdAt: current?.createdAt ?? now };
  }

  private eventDetails(c: WatchChannel): Record<string, unknown>[] {
    return c.events.map((e) => {
      const module = e.split('.')[0];
      return { channel_expiry: this.state.formatTime(c.expiresAt), resource_uri: `${this.state.origin}/crm/v8/${module}`, resource_id: moduleIdOf(module), resource_name: module, channel_id: c.channelId, notification_condition: [] };
    });
  }
}

function watchSpecs(body: Record<string, unknown> | undefined): Record<string, unknown>[] | undefined {
  const watch = body?.watch;
  if (!Array.isArray(watch) || watch.length === 0 || watch.length > 50) return undefined;
  if (watch.some((w) => !w || typeof w !== 'object' || Array.isArray(w))) return undefined;
  return watch as Record<string, unknown>[];
}

function channelIdOf(raw: unknown): string | undefined {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return String(raw);
  if (typeof raw === 'string' && /^\d{1,19}$/.test(raw)) return raw;
  return undefined;
}

function moduleIdOf(module: string): string {
  return `57257670000000021${String(module.length).padStart(2, '0')}`;
}
