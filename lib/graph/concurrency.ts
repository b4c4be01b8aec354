/**
 * Outlook allows four concurrent requests per app and mailbox; a fifth gets 429 (graph.md §7).
 * This limiter keeps one process under that bound. It is per process: the queue consumer's
 * concurrency (host.json) must keep the total across instances in check.
 */
export class KeyedSemaphore {
  private readonly slots = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  /** Runs `task` once a slot for `key` is free; `undefined` means "not limited". */
  async run<T>(key: string | undefined, task: () => Promise<T>): Promise<T> {
    if (key === undefined) return task();
    await this.acquire(key);
    try {
      return await task();
    } finally {
      this.release(key);
    }
  }

  /** Requests currently running for `key` (for tests and diagnostics). */
  active(key: string): number {
    return this.slots.get(key)?.active ?? 0;
  }

  private acquire(key: string): Promise<void> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { active: 0, waiting: [] };
      this.slots.set(key, slot);
    }
    if (slot.active < this.limit) {
      slot.active += 1;
      return Promise.resolve();
    }
    const queue = slot.waiting;
    return new Promise((resolve) => queue.push(resolve));
  }

  private release(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    const next = slot.waiting.shift();
    if (next) {
      // The slot passes straight to the next waiter, so `active` stays the same.
      next();
      return;
    }
    slot.active -= 1;
    if (slot.active === 0) this.slots.delete(key);
  }
}
