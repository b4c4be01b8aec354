/**
 * Counting semaphore. Zoho limits simultaneous in-flight requests per org and OAuth client
 * (5 on Free up to 25 on Ultimate, and 10 for "heavy" calls in every edition, zoho.md §6); going
 * over gets 429 TOO_MANY_REQUESTS, which costs a retry. Per process only: instances do not
 * coordinate here; lib/zoho/fleet.ts spans instances.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  get inFlight(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active -= 1;
  }
}

/** Zoho's documented concurrency per edition (`license_details.paid_type` of GET /org). */
export function concurrencyForEdition(paidType: string | undefined): number {
  const edition = (paidType ?? '').toLowerCase().replace(/[\s_-]+/g, '');
  if (edition.includes('ultimate') || edition.includes('crmplus')) return 25;
  if (edition.includes('enterprise') || edition.includes('zohoone')) return 20;
  if (edition.includes('professional')) return 15;
  if (edition.includes('standard') || edition.includes('starter')) return 10;
  return 5;
}

/** Zoho's sub-concurrency for heavy calls (COQL, writes of more than 10 records...). */
export const HEAVY_CONCURRENCY = 10;
