import type { SubscriptionRecord } from '../state/subscriptions';

export interface SubscriptionLookup {
  /** the records of those ids that are ours; an id missing from the map is unknown */
  getMany(ids: readonly string[]): Promise<Map<string, SubscriptionRecord>>;
}

/** What the cache reads from: one point read, or every subscription in one (paged) query. */
export interface SubscriptionSource {
  get(id: string): Promise<SubscriptionRecord | undefined>;
  list(): Promise<SubscriptionRecord[]>;
}

/**
 * The webhook must answer within 3 s and sees the same few subscription ids over and over.
 * Only hits are cached: a subscription's secret and owner never change under the same id, while a
 * miss may be a subscription created a moment ago.
 *
 * The webhook is anonymous, so the ids it is asked about are chosen by whoever posts: one miss is
 * one point read, and several misses are one query for all subscriptions (a few per mailbox), so
 * a request naming 10,000 made-up ids costs one query, not 10,000 reads. Concurrent requests
 * share a listing already under way.
 */
export class CachedSubscriptionLookup implements SubscriptionLookup {
  private readonly hits = new Map<string, { record: SubscriptionRecord; until: number }>();
  private listing?: Promise<SubscriptionRecord[]>;

  constructor(private readonly inner: SubscriptionSource, private readonly ttlMs = 5 * 60_000, private readonly now = () => Date.now()) {}

  async getMany(ids: readonly string[]): Promise<Map<string, SubscriptionRecord>> {
    const out = new Map<string, SubscriptionRecord>();
    const misses: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.hits.get(id);
      if (hit && hit.until > this.now()) out.set(id, hit.record);
      else misses.push(id);
    }
    if (misses.length === 0) return out;
    if (misses.length === 1) {
      const record = await this.inner.get(misses[0]);
      if (record) this.remember(record);
      else this.hits.delete(misses[0]);
    } else {
      this.listing ??= this.inner.list().finally(() => (this.listing = undefined));
      for (const record of await this.listing) this.remember(record);
    }
    for (const id of misses) {
      const hit = this.hits.get(id);
      if (hit && hit.until > this.now()) out.set(id, hit.record);
    }
    return out;
  }

  private remember(record: SubscriptionRecord): void {
    if (this.hits.size >= 100_000) this.hits.clear();
    this.hits.set(record.id, { record, until: this.now() + this.ttlMs });
  }

  forget(id: string): void {
    this.hits.delete(id);
  }
}
