import { randomUUID } from 'node:crypto';
import type { GraphArea, NotificationTarget } from './context';
import type { SubscriptionRecord, SubscriptionsArea } from './subscriptions';

/**
 * Sends change and lifecycle notifications the way Graph does: POST application/json with a
 * changeNotificationCollection (`{ value: [...] }`, graph-payloads.json) to each matching
 * subscription's notificationUrl (query string kept), and reports what our endpoint answered.
 */
export interface ItemChange {
  /** Object id (or UPN) of the mailbox owner. */
  userId: string;
  /** 'contact', 'event', 'message', 'todoTask' — whatever an area declares. */
  kind: string;
  id: string;
  changeType: 'created' | 'updated' | 'deleted';
}

export interface SendOptions {
  /** One POST per notificationUrl carrying every notification (Graph batches), instead of one each. */
  batch?: boolean;
  /** Send every POST this many extra times (Graph delivers at least once). */
  duplicates?: number;
  /** Include the optional notification `id` property. */
  withNotificationId?: boolean;
}

export interface Delivery {
  url: string;
  status: number;
  body: string;
  /** Number of notifications in the POST. */
  count: number;
  /** The JSON that was sent. */
  payload: { value: Record<string, unknown>[] };
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export class Notifier {
  /** Graph waits 3 s for a notification answer (10 s on retries). */
  timeoutMs = 10_000;
  /** Every POST made, in order (including validation-free lifecycle posts). */
  readonly sent: Delivery[] = [];

  constructor(
    private readonly tenantId: () => string,
    private readonly subscriptions: SubscriptionsArea,
    private readonly areas: () => GraphArea[],
  ) {}

  /** Change notifications for items, to every subscription that covers them. */
  async changes(changes: ItemChange | ItemChange[], opts: SendOptions = {}): Promise<Delivery[]> {
    const list = Array.isArray(changes) ? changes : [changes];
    const outgoing: { url: string; notification: Record<string, unknown> }[] = [];
    for (const change of list) {
      const target = this.describe(change);
      for (const sub of this.subscriptions.matching(target.candidates, change.changeType)) {
        outgoing.push({ url: sub.notificationUrl, notification: this.changeNotification(sub, change, target, opts) });
      }
    }
    return this.deliver(outgoing, opts);
  }

  /** Lifecycle notifications to the subscriptions' lifecycleNotificationUrl (none without one, as in Graph). */
  async lifecycle(subscriptionIds: string | string[], event: LifecycleEvent, opts: SendOptions = {}): Promise<Delivery[]> {
    const outgoing: { url: string; notification: Record<string, unknown> }[] = [];
    for (const id of Array.isArray(subscriptionIds) ? subscriptionIds : [subscriptionIds]) {
      const sub = this.subscriptions.get(id);
      if (!sub) throw new Error(`graph double: no active subscription ${id}`);
      if (!this.lifecycleSupported(sub).includes(event)) {
        throw new Error(`graph double: Graph sends no ${event} for ${sub.kind} subscriptions (graph.md §4)`);
      }
      if (!sub.lifecycleNotificationUrl) continue;
      outgoing.push({
        url: sub.lifecycleNotificationUrl,
        notification: {
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: new Date(sub.expirationDateTime).toISOString(),
          tenantId: this.tenantId(),
          clientState: sub.clientState,
          lifecycleEvent: event,
        },
      });
      if (event === 'subscriptionRemoved') this.subscriptions.remove(sub.id);
    }
    return this.deliver(outgoing, opts);
  }

  /** POSTs any body to a URL the way the notifier does (for malformed or foreign payloads). */
  async raw(url: string, payload: unknown): Promise<Delivery> {
    return this.post(url, payload as { value: Record<string, unknown>[] }, 0);
  }

  private describe(change: ItemChange): NotificationTarget {
    const area = this.areas().find((a) => a.notificationKinds?.includes(change.kind) && a.describe);
    if (!area?.describe) throw new Error(`graph double: no area describes '${change.kind}' notifications`);
    return area.describe(change.userId, change.kind, change.id);
  }

  private lifecycleSupported(sub: SubscriptionRecord): LifecycleEvent[] {
    // todoTask gets reauthorizationRequired only (graph.md §4).
    return sub.kind === 'todoTask' ? ['reauthorizationRequired'] : ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];
  }

  private changeNotification(sub: SubscriptionRecord, change: ItemChange, target: NotificationTarget, opts: SendOptions): Record<string, unknown> {
    const resourceData: Record<string, unknown> = { '@odata.type': target.odataType, '@odata.id': target.resource };
    if (target.etag) resourceData['@odata.etag'] = target.etag;
    resourceData.id = change.id;
    const n: Record<string, unknown> = {};
    if (opts.withNotificationId) n.id = randomUUID();
    Object.assign(n, {
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: new Date(sub.expirationDateTime).toISOString(),
      changeType: change.changeType,
      resource: target.resource,
      resourceData,
      clientState: sub.clientState,
      tenantId: this.tenantId(),
    });
    return n;
  }

  private async deliver(outgoing: { url: string; notification: Record<string, unknown> }[], opts: SendOptions): Promise<Delivery[]> {
    const posts: { url: string; value: Record<string, unknown>[] }[] = [];
    if (opts.batch) {
      const byUrl = new Map<string, Record<string, unknown>[]>();
      for (const o of outgoing) byUrl.set(o.url, [...(byUrl.get(o.url) ?? []), o.notification]);
      for (const [url, value] of byUrl) posts.push({ url, value });
    } else {
      for (const o of outgoing) posts.push({ url: o.url, value: [o.notification] });
    }
    const deliveries: Delivery[] = [];
    for (const p of posts) {
      for (let i = 0; i <= (opts.duplicates ?? 0); i++) deliveries.push(await this.post(p.url, { value: p.value }, p.value.length));
    }
    return deliveries;
  }

  private async post(url: string, payload: { value: Record<string, unknown>[] }, count: number): Promise<Delivery> {
    let status = 0;
    let body = '';
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      body = await res.text();
    } catch {
      status = 0;
    }
    const delivery: Delivery = { url, status, body, count, payload };
    this.sent.push(delivery);
    return delivery;
  }
}
