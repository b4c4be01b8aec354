import { encodeMessage } from '../../lib/queue';
import type { SubscriptionRecord } from '../../lib/state/subscriptions';
import { SyncItemMessage } from '../../lib/sync/messages';
import { fromBatchMessage, MAX_QUEUE_MESSAGE_CHARS, NotificationBatchMessage, toBatchMessages, type NotificationHint } from '../../lib/webhook/batch-message';
import { CachedSubscriptionLookup, type SubscriptionSource } from '../../lib/webhook/subscription-cache';

const hint = (i: number, over: Partial<NotificationHint> = {}): NotificationHint => ({
  userId: `user-${i % 3}`,
  module: (['contacts', 'events', 'tasks'] as const)[i % 3],
  ...(i % 3 === 2 ? { scope: `list-${i % 2}` } : {}),
  subscriptionId: `sub-${i % 3}`,
  itemId: `AAMk-${i}-${'x'.repeat(i % 200)}`,
  changeType: (['created', 'updated', 'deleted'] as const)[i % 3],
  ...over,
});

describe('toBatchMessages', () => {
  it.each([
    ['nothing', 0, MAX_QUEUE_MESSAGE_CHARS, 0],
    ['one notification', 1, MAX_QUEUE_MESSAGE_CHARS, 1],
    ['Graph-sized batch of 100', 100, MAX_QUEUE_MESSAGE_CHARS, 1],
    ['10,000 notifications', 10_000, MAX_QUEUE_MESSAGE_CHARS, undefined],
    ['a tiny limit forcing a chunk per few items', 300, 2_000, undefined],
  ])('%s: every item once, in its group, each chunk within the limit', (_name, count, maxChars, expectedChunks) => {
    const hints = Array.from({ length: count }, (_, i) => hint(i));
    const chunks = toBatchMessages(hints, maxChars);
    if (expectedChunks !== undefined) expect(chunks).toHaveLength(expectedChunks);
    for (const chunk of chunks) {
      // What the queue writes: parsed by the schema, then JSON, then base64.
      expect(encodeMessage(NotificationBatchMessage.parse(chunk)).length).toBeLessThanOrEqual(maxChars);
    }
    const back = chunks.flatMap(fromBatchMessage);
    const expected = hints.map((h) => ({ v: 1, userId: h.userId, module: h.module, itemId: h.itemId, changeType: h.changeType, ...(h.scope ? { scope: h.scope } : {}), subscriptionId: h.subscriptionId }));
    // Compared as sorted lines: a large diff of 10,000 objects would take Jest minutes to print.
    const lines = (ms: object[]) => ms.map((m) => JSON.stringify(m)).sort().join('\n');
    expect(lines(back.map((m) => SyncItemMessage.parse(m)))).toBe(lines(expected));
  });

  it('fills chunks close to the limit (sizes are counted, not guessed)', () => {
    const chunks = toBatchMessages(Array.from({ length: 5_000 }, (_, i) => hint(i)));
    const sizes = chunks.map((c) => encodeMessage(c).length);
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThan(MAX_QUEUE_MESSAGE_CHARS - 1_000);
  });

  it('refuses an item that could never fit', () => {
    expect(() => toBatchMessages([hint(1, { itemId: 'x'.repeat(2_000) })], 1_000)).toThrow(/does not fit/);
  });
});

describe('CachedSubscriptionLookup', () => {
  const record = (id: string): SubscriptionRecord => ({ id, userId: 'u', module: 'contacts', resource: 'users/u/contacts', clientState: 's', expiresAt: '2030-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z' });
  function source(ids: string[]) {
    const calls = { get: 0, list: 0 };
    let rows = ids.map(record);
    const src: SubscriptionSource = {
      get: async (id) => (calls.get++, rows.find((r) => r.id === id)),
      list: async () => (calls.list++, await new Promise((r) => setTimeout(r, 5)), rows),
    };
    return { src, calls, remove: (id: string) => (rows = rows.filter((r) => r.id !== id)) };
  }

  it.each([
    ['one miss is one point read', ['a'], { get: 1, list: 0 }, ['a']],
    ['several misses are one listing', ['a', 'b', 'zz', 'a'], { get: 0, list: 1 }, ['a', 'b']],
    ['10,000 unknown ids are one listing', Array.from({ length: 10_000 }, (_, i) => `unknown-${i}`), { get: 0, list: 1 }, []],
  ])('%s', async (_name, ids, calls, found) => {
    const s = source(['a', 'b', 'c']);
    const lookup = new CachedSubscriptionLookup(s.src);
    expect([...(await lookup.getMany(ids)).keys()].sort()).toEqual(found);
    expect(s.calls).toEqual(calls);
  });

  it('serves hits from the cache and shares a listing between concurrent requests', async () => {
    const s = source(['a', 'b']);
    const lookup = new CachedSubscriptionLookup(s.src);
    await Promise.all([lookup.getMany(['x', 'y']), lookup.getMany(['x', 'z'])]);
    expect(s.calls).toEqual({ get: 0, list: 1 });
    await lookup.getMany(['a', 'b']);
    expect(s.calls).toEqual({ get: 0, list: 1 });
  });

  it('never answers from an expired entry for a subscription since deleted', async () => {
    let now = 0;
    const s = source(['a', 'b']);
    const lookup = new CachedSubscriptionLookup(s.src, 1_000, () => now);
    expect((await lookup.getMany(['a', 'b'])).size).toBe(2);
    s.remove('a');
    now = 2_000;
    expect([...(await lookup.getMany(['a', 'b'])).keys()]).toEqual(['b']);
    expect([...(await lookup.getMany(['a'])).keys()]).toEqual([]);
  });
});
