import type { SubscriptionRecord } from '../state/subscriptions';

export interface SubscriptionLookup {
  get(id: string): Promise<SubscriptionRecord | undefined>;
}

/**
 * The webhook must answer within 3 s and sees the same few subscription ids over and over.
 * Only hits are cached: a subscription's secret and owner never change under the same id, while a
 * miss may be a subscription created a moment ago.
 */
export class CachedSubscriptionLookup implements SubscriptionLookup {
  private readonly hits = new Map<string, { record: SubscriptionRecord; until: number }>();

  constructor(private readonly inner: SubscriptionLookup, private readonly ttlMs = 5 * 60_000, private readonly now = () => Date.now()) {}

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    const hit = this.hits.get(id);
    if (hit && hit.until > this.now()) return hit.record;
    const record = await this.inner.get(id);
    if (record) {
      if (this.hits.size > 10_000) this.hits.clear();
      this.hits.set(id, { record, until: this.now() + this.ttlMs });
    } else {
      this.hits.delete(id);
    }
    return record;
  }

  forget(id: string): void {
    this.hits.delete(id);
  }
}
