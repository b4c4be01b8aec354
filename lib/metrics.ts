/**
 * Counts vendor API calls per endpoint label ("GET /users/{id}/contacts/{id}", "POST /crm/v8/Contacts").
 * Calls per synced item is a product feature (vendor limits and Zoho credits), so clients count
 * every request they send, retries included, and reports/benchmarks read the totals.
 */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  add(label: string, n = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + n);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}
