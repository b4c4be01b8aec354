/**
 * Memoises a loader per key for `ttlMs`. Concurrent callers share one load, and a failed load is
 * not kept, so the next caller tries again.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: Promise<T>; until: number }>();

  constructor(readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const value = load();
    const entry = { value, until: this.now() + this.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      // Only this load's entry: a newer one stored meanwhile stays.
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** Drops one key, or everything. */
  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}
