/**
 * Zoho's concurrency limit is per organisation (5 on Free up to 25 on Ultimate, zoho.md §6), but
 * Functions runs several instances side by side, each with its own process. This semaphore spans
 * them: a call needs one of `limit` slots, and a slot is a row in Table Storage that an instance
 * leases with an expiry, so a crashed instance never holds one longer than `leaseMs`.
 *
 * Cost per call: a finished call hands its slot straight to a call of this process that is waiting,
 * and a slot left idle is kept a while for the next call (a worker's calls come one after
 * another), both without any storage call. How long an idle slot is kept adapts: it doubles (up to
 * `maxLingerMs`) each time a kept slot is taken again before it was given back, and halves (down
 * to `lingerMs`) each time one goes back unused, so a busy instance keeps its slots between bursts
 * and a quiet one returns them soon. Storage is only asked when this process needs more slots than
 * it holds (first a conditional insert at a random index this process does not hold: one request
 * while the fleet has free rows; when that row exists, a list and one conditional write) and when
 * a slot goes back (one conditional delete). Figures: bench/zoho-fleet.ts.
 */
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound, isPreconditionFailed, type TableStore } from '../state/tables';

export interface SlotLease {
  index: number;
  etag: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface StoredSlot {
  index: number;
  etag: string;
  expiresAt: number;
}

/**
 * Compare-and-swap storage of the slots. `claim` creates or takes over an expired slot and returns
 * undefined when another instance was faster; `renew` and `release` fail quietly when the lease was
 * lost (it expired and another instance took it).
 */
export interface SlotStore {
  list(): Promise<StoredSlot[]>;
  claim(index: number, current: StoredSlot | undefined, expiresAt: number): Promise<SlotLease | undefined>;
  renew(lease: SlotLease, expiresAt: number): Promise<SlotLease | undefined>;
  release(lease: SlotLease): Promise<void>;
}

export interface FleetSemaphoreOptions {
  /** Slots across every instance: the org's concurrency limit (ZOHO_MAX_CONCURRENCY). */
  limit: number;
  store: SlotStore;
  /** How long a slot stays held without renewal. Default 90 s (three times the 30 s call timeout). */
  leaseMs?: number;
  /** How long an idle slot is kept for the next call before it goes back to the fleet, at least. Default 100 ms. */
  lingerMs?: number;
  /** ... and at most, while calls keep coming (other instances wait at most this long for a slot it no longer uses). Default 1 s. */
  maxLingerMs?: number;
  /** Back-off while every slot is taken: first step, and cap. Default 25 ms and 200 ms. */
  pollMs?: number;
  maxPollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface Waiter {
  resolve(lease: SlotLease): void;
  reject(err: unknown): void;
}

export class FleetSemaphore {
  private readonly idle: { lease: SlotLease; timer: ReturnType<typeof setTimeout> }[] = [];
  private readonly waiting: Waiter[] = [];
  private held = 0;
  private claiming = 0;
  private active = 0;
  private readonly leaseMs: number;
  private readonly lingerMs: number;
  private readonly maxLingerMs: number;
  /** how long the next idle slot is kept (adapts between lingerMs and maxLingerMs) */
  private linger: number;
  /** indices of the slots this process holds, so a direct claim tries another one */
  private readonly mine = new Set<number>();
  /** indices a direct claim of this process is inserting right now */
  private readonly trying = new Set<number>();
  private readonly pollMs: number;
  private readonly maxPollMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Storage operations so far (the overhead the bench reports). */
  storageCalls = 0;

  constructor(private readonly options: FleetSemaphoreOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    this.leaseMs = options.leaseMs ?? 90_000;
    this.lingerMs = options.lingerMs ?? 100;
    this.maxLingerMs = Math.max(this.lingerMs, options.maxLingerMs ?? 1_000);
    this.linger = this.lingerMs;
    this.pollMs = options.pollMs ?? 25;
    this.maxPollMs = options.maxPollMs ?? 200;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  get limit(): number {
    return this.options.limit;
  }

  /** Calls of this process running now. */
  get inFlight(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const lease = await this.acquire();
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.release(lease);
    }
  }

  private async acquire(): Promise<SlotLease> {
    for (;;) {
      const idle = this.idle.pop();
      if (!idle) break;
      clearTimeout(idle.timer);
      // Kept and wanted again: calls keep coming, so the next idle slot is kept longer.
      this.linger = Math.min(this.maxLingerMs, this.linger * 2);
      const lease = await this.fresh(idle.lease);
      if (lease) return lease;
    }
    return new Promise<SlotLease>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.claimForWaiters();
    });
  }

  /** A lease past half its time is renewed before another call runs on it; undefined when it was lost. */
  private async fresh(lease: SlotLease): Promise<SlotLease | undefined> {
    if (lease.expiresAt - this.now() > this.leaseMs / 2) return lease;
    this.storageCalls += 1;
    const renewed = await this.options.store.renew(lease, this.now() + this.leaseMs).catch(() => undefined);
    if (!renewed) {
      this.held -= 1;
      this.mine.delete(lease.index);
    }
    return renewed;
  }

  private release(lease: SlotLease): void {
    const next = this.waiting.shift();
    if (next) {
      // Straight to the next call of this process: no storage round trip.
      this.fresh(lease).then((kept) => (kept ? next.resolve(kept) : (this.waiting.unshift(next), this.claimForWaiters())), next.reject);
      return;
    }
    if (this.lingerMs <= 0) {
      this.giveBack(lease);
      return;
    }
    const entry = {
      lease,
      timer: setTimeout(() => {
        const i = this.idle.indexOf(entry);
        if (i < 0) return;
        this.idle.splice(i, 1);
        // Kept for nothing: the next idle slot goes back sooner.
        this.linger = Math.max(this.lingerMs, this.linger / 2);
        this.giveBack(lease);
      }, this.linger),
    };
    // An idle slot must not keep the process alive.
    entry.timer.unref?.();
    this.idle.push(entry);
  }

  private giveBack(lease: SlotLease): void {
    this.held -= 1;
    this.mine.delete(lease.index);
    this.storageCalls += 1;
    // Best effort: a slot that could not be deleted expires on its own.
    this.options.store.release(lease).catch(() => undefined);
  }

  /** Starts one claim per waiting call not yet covered, within the limit. */
  private claimForWaiters(): void {
    while (this.claiming < this.waiting.length && this.held + this.claiming < this.options.limit) {
      this.claiming += 1;
      this.claimOne().then(
        (lease) => {
          this.claiming -= 1;
          if (!lease) return;
          this.held += 1;
          this.mine.add(lease.index);
          const next = this.waiting.shift();
          if (next) next.resolve(lease);
          // The call it was for got a slot handed over meanwhile: kept idle for the next call, as a
          // finished call's slot is, rather than deleted at once (calls are coming in).
          else this.release(lease);
        },
        (err) => {
          this.claiming -= 1;
          this.waiting.shift()?.reject(err);
          this.claimForWaiters();
        },
      );
    }
  }

  /** Polls until a slot is free somewhere, or until nobody here waits any more (then undefined). */
  private async claimOne(): Promise<SlotLease | undefined> {
    // First a direct insert at a random index this process does not hold: one request while the
    // fleet has free rows (a released slot's row is deleted). An existing row (held, or expired
    // after a crash) answers 409, and then the slots are listed.
    const others = Array.from({ length: this.options.limit }, (_, i) => i).filter((i) => !this.mine.has(i) && !this.trying.has(i));
    if (others.length > 0) {
      const index = others[Math.floor(this.random() * others.length)];
      this.storageCalls += 1;
      this.trying.add(index);
      const lease = await this.options.store.claim(index, undefined, this.now() + this.leaseMs).finally(() => this.trying.delete(index));
      if (lease) return lease;
    }
    let delay = this.pollMs;
    for (;;) {
      if (this.waiting.length <= this.claiming - 1) return undefined;
      this.storageCalls += 1;
      const slots = await this.options.store.list();
      const now = this.now();
      const byIndex = new Map(slots.map((s) => [s.index, s]));
      const free: number[] = [];
      for (let i = 0; i < this.options.limit; i++) {
        const s = byIndex.get(i);
        if (!s || s.expiresAt <= now) free.push(i);
      }
      // Random order, so instances racing for the same free slots mostly pick different ones.
      while (free.length > 0) {
        const [index] = free.splice(Math.floor(this.random() * free.length), 1);
        this.storageCalls += 1;
        const lease = await this.options.store.claim(index, byIndex.get(index), now + this.leaseMs);
        if (lease) return lease;
      }
      await this.sleep(Math.round(delay / 2 + this.random() * (delay / 2)));
      delay = Math.min(delay * 2, this.maxPollMs);
    }
  }
}

/** The slots as rows of one partition; the etag makes every claim a compare-and-swap. */
export class TableSlotStore implements SlotStore {
  private readonly holder = randomUUID();

  constructor(private readonly tables: TableStore, private readonly partition = 'zoho') {}

  private table(): Promise<TableClient> {
    return this.tables.table('zohoslots');
  }

  async list(): Promise<StoredSlot[]> {
    const table = await this.table();
    const out: StoredSlot[] = [];
    const rows = table.listEntities<{ expiresAt: number }>({ queryOptions: { filter: `PartitionKey eq '${this.partition}'` } });
    for await (const row of rows) out.push({ index: Number(row.rowKey), etag: row.etag, expiresAt: Number(row.expiresAt) });
    return out;
  }

  async claim(index: number, current: StoredSlot | undefined, expiresAt: number): Promise<SlotLease | undefined> {
    const table = await this.table();
    const entity = { partitionKey: this.partition, rowKey: String(index), expiresAt, holder: this.holder };
    try {
      const res = current
        ? await table.updateEntity(entity, 'Replace', { etag: current.etag })
        : await table.createEntity(entity);
      return { index, etag: res.etag!, expiresAt };
    } catch (err) {
      if (isConflict(err) || isPreconditionFailed(err) || isNotFound(err)) return undefined;
      throw err;
    }
  }

  async renew(lease: SlotLease, expiresAt: number): Promise<SlotLease | undefined> {
    const table = await this.table();
    try {
      const res = await table.updateEntity({ partitionKey: this.partition, rowKey: String(lease.index), expiresAt, holder: this.holder }, 'Replace', { etag: lease.etag });
      return { index: lease.index, etag: res.etag!, expiresAt };
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) return undefined;
      throw err;
    }
  }

  async release(lease: SlotLease): Promise<void> {
    const table = await this.table();
    try {
      await table.deleteEntity(this.partition, String(lease.index), { etag: lease.etag });
    } catch (err) {
      if (!isPreconditionFailed(err) && !isNotFound(err)) throw err;
    }
  }
}
