/**
 * FleetSemaphore's lease rules with an in-memory slot store and a hand-driven clock (the Table
 * Storage version runs in test/integration/zoho-fleet.test.ts).
 */
import { FleetSemaphore, type SlotLease, type SlotStore, type StoredSlot } from '../../lib/zoho/fleet';

class MemorySlotStore implements SlotStore {
  readonly rows = new Map<number, { etag: string; expiresAt: number }>();
  private version = 0;
  ops: string[] = [];

  async list(): Promise<StoredSlot[]> {
    this.ops.push('list');
    return [...this.rows].map(([index, r]) => ({ index, ...r }));
  }

  async claim(index: number, current: StoredSlot | undefined, expiresAt: number): Promise<SlotLease | undefined> {
    this.ops.push(`claim ${index}`);
    const row = this.rows.get(index);
    if ((current === undefined) !== (row === undefined) || (current && row && current.etag !== row.etag)) return undefined;
    return this.write(index, expiresAt);
  }

  async renew(lease: SlotLease, expiresAt: number): Promise<SlotLease | undefined> {
    this.ops.push(`renew ${lease.index}`);
    if (this.rows.get(lease.index)?.etag !== lease.etag) return undefined;
    return this.write(lease.index, expiresAt);
  }

  async release(lease: SlotLease): Promise<void> {
    this.ops.push(`release ${lease.index}`);
    if (this.rows.get(lease.index)?.etag === lease.etag) this.rows.delete(lease.index);
  }

  private write(index: number, expiresAt: number): SlotLease {
    const etag = `e${++this.version}`;
    this.rows.set(index, { etag, expiresAt });
    return { index, etag, expiresAt };
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FleetSemaphore', () => {
  it('takes over a slot whose lease expired, never a live one', async () => {
    const store = new MemorySlotStore();
    const now = 1_000;
    store.rows.set(0, { etag: 'dead', expiresAt: 900 });
    store.rows.set(1, { etag: 'live', expiresAt: 5_000 });
    const fleet = new FleetSemaphore({ limit: 2, store, now: () => now, lingerMs: 0, random: () => 0 });
    await fleet.run(async () => {
      expect(store.rows.get(1)?.etag).toBe('live');
      expect(store.rows.get(0)?.expiresAt).toBe(now + 90_000);
    });
    // The direct insert at index 0 meets the dead row (409); the list then shows it expired.
    expect(store.ops).toEqual(['claim 0', 'list', 'claim 0', 'release 0']);
  });

  it('waits while every slot is leased elsewhere, and gets one when a lease runs out', async () => {
    const store = new MemorySlotStore();
    let now = 0;
    store.rows.set(0, { etag: 'other', expiresAt: 100 });
    const sleeps: number[] = [];
    const fleet = new FleetSemaphore({ limit: 1, store, now: () => now, lingerMs: 0, random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += 60; // the other instance's lease ends after the second wait
      } });
    await fleet.run(async () => undefined);
    expect(sleeps.length).toBe(2);
    expect(store.ops.filter((o) => o === 'list')).toHaveLength(3);
  });

  it('renews a slot past half its lease before the next call, and claims anew when the lease was lost', async () => {
    const store = new MemorySlotStore();
    let now = 0;
    const fleet = new FleetSemaphore({ limit: 1, store, now: () => now, leaseMs: 1_000, lingerMs: 60_000, random: () => 0 });
    await fleet.run(async () => undefined); // claim; the slot stays idle (linger)
    now = 600; // past half of the lease
    await fleet.run(async () => undefined);
    expect(store.ops).toEqual(['claim 0', 'renew 0']);
    now = 1_200; // next use: past half again, but another instance took the slot meanwhile
    store.rows.set(0, { etag: 'stolen', expiresAt: 1_000 });
    await fleet.run(async () => undefined);
    expect(store.ops.slice(2)).toEqual(['renew 0', 'claim 0', 'list', 'claim 0']);
  });

  it('hands a finished call\'s slot to the next waiting call without asking storage', async () => {
    const store = new MemorySlotStore();
    const fleet = new FleetSemaphore({ limit: 1, store, lingerMs: 0, random: () => 0 });
    let running = 0;
    let most = 0;
    const task = async () => {
      running += 1;
      most = Math.max(most, running);
      await tick();
      running -= 1;
    };
    await Promise.all(Array.from({ length: 10 }, () => fleet.run(task)));
    expect(most).toBe(1);
    // One request to claim while the fleet has a free row: the insert is the claim.
    expect(store.ops).toEqual(['claim 0', 'release 0']);
  });

  it('keeps an idle slot longer while calls keep coming, and gives it back once they stop', async () => {
    const store = new MemorySlotStore();
    const fleet = new FleetSemaphore({ limit: 1, store, lingerMs: 20, maxLingerMs: 400, random: () => 0 });
    // Each call takes the slot kept by the one before: the linger doubles, 20 → 40 → 80 → 160 ms.
    for (let i = 0; i < 4; i++) await fleet.run(async () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.ops).toEqual(['claim 0']);
    for (let i = 0; i < 50 && !store.ops.includes('release 0'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.ops).toEqual(['claim 0', 'release 0']);
  });
});
