import { LinkConflictError, LinkRepository } from '../../lib/state/links';
import { DeltaLinkRepository } from '../../lib/state/delta';
import { RunRepository } from '../../lib/state/runs';
import { SkippedRepository } from '../../lib/state/skipped';
import { SubscriptionRepository } from '../../lib/state/subscriptions';
import { TableStore } from '../../lib/state/tables';
import { startAzurite, type Azurite } from '../support/azurite';

const USER = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const CONTACT_ID = 'AAMkADYAAAImV_jAAAA/BOZ+vbA9yzK9Bk2OUXf1kAAAAAAEOAAA=';
const TASK_ID = 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A_xQSSwAAHa0==';

let azurite: Azurite;
let store: TableStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = new TableStore(azurite.connectionString);
});
afterAll(() => azurite.close());

describe('links', () => {
  it('stores Graph ids with / + = - _ and reads them back unchanged', async () => {
    const links = new LinkRepository(store);
    for (const id of [CONTACT_ID, TASK_ID]) {
      const claim = await links.claim(USER, 'contacts', id, 't1', new Date(), 60_000);
      expect(claim.claimed).toBe(true);
      const got = await links.get(USER, 'contacts', id);
      expect(got?.graphId).toBe(id);
    }
    expect((await links.list(USER, 'contacts')).map((l) => l.graphId).sort()).toEqual([CONTACT_ID, TASK_ID].sort());
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const links = new LinkRepository(store);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => links.claim(USER, 'events', 'EVT=', `w${i}`, new Date(), 60_000)));
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    const winner = results.find((r) => r.claimed)!.link.claimToken;
    for (const r of results.filter((x) => !x.claimed)) expect(r.link.claimToken).toBe(winner);
  });

  it('takes over a stale claim, once', async () => {
    const links = new LinkRepository(store);
    const long = new Date('2026-01-01T00:00:00Z');
    await links.claim(USER, 'tasks', 'STALE=', 'dead-worker', long, 60_000);
    const later = new Date(long.getTime() + 10 * 60_000);
    const results = await Promise.all([0, 1, 2].map((i) => links.claim(USER, 'tasks', 'STALE=', `w${i}`, later, 60_000)));
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
  });

  it('refuses a write based on an out-of-date etag', async () => {
    const links = new LinkRepository(store);
    const { link } = await links.claim(USER, 'contacts', 'ETAG=', 't', new Date(), 60_000);
    const etag = await links.save({ ...link, state: 'linked', zohoId: '1', zohoModule: 'Contacts', origin: 'created' });
    await expect(links.save({ ...link, state: 'linked', zohoId: '2' })).rejects.toBeInstanceOf(LinkConflictError);
    await expect(links.delete({ ...link, etag: link.etag })).rejects.toBeInstanceOf(LinkConflictError);
    await links.delete({ ...link, etag });
    expect(await links.get(USER, 'contacts', 'ETAG=')).toBeUndefined();
  });
});

describe('subscriptions', () => {
  it('round-trips and lists by user', async () => {
    const subs = new SubscriptionRepository(store);
    const record = { id: 'c6126aa3-0ed8-412f-a988-71e6cee627c4', userId: USER, module: 'tasks' as const, resource: `users/${USER}/todo/lists/AQMk=/tasks`, listId: 'AQMk=', clientState: 's', expiresAt: '2030-01-01T00:00:00.000Z', createdAt: '2026-11-01T00:00:00.000Z' };
    await subs.put(record);
    expect(await subs.get(record.id)).toEqual(record);
    await subs.update(record.id, { lastError: 'Graph answered 403', lastErrorAt: '2026-11-02T00:00:00.000Z' });
    expect((await subs.list({ userId: USER }))[0].lastError).toBe('Graph answered 403');
    expect(await subs.list({ userId: 'someone-else' })).toEqual([]);
    await subs.delete(record.id);
    expect(await subs.get(record.id)).toBeUndefined();
  });
});

describe('delta links, runs, skipped items', () => {
  it('keeps delta links per user, module and scope', async () => {
    const deltas = new DeltaLinkRepository(store);
    const link = `https://graph.microsoft.com/v1.0/users/${USER}/contactFolders/AAMk=/contacts/delta?$deltatoken=${'x'.repeat(3000)}`;
    await deltas.put(USER, 'contacts', 'AAMk/=', link);
    expect(await deltas.get(USER, 'contacts', 'AAMk/=')).toBe(link);
    expect(await deltas.get(USER, 'contacts', 'other')).toBeUndefined();
  });

  it('overwrites an item reported twice in the same run and counts concurrently', async () => {
    const runs = new RunRepository(store);
    await runs.ensureRun({ id: 'run-1', kind: 'manual', state: 'running', createdAt: new Date().toISOString() });
    const item = { runId: 'run-1', userId: USER, module: 'contacts' as const, itemId: CONTACT_ID, at: new Date().toISOString() };
    await runs.putItem({ ...item, result: 'skipped', reason: 'Zoho is busy' });
    await runs.putItem({ ...item, result: 'added', zohoId: '42', cutFields: ['Title'] });
    const items = await runs.listItems('run-1');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ itemId: CONTACT_ID, result: 'added', cutFields: ['Title'] });
    await Promise.all(Array.from({ length: 8 }, () => runs.addToRun('run-1', { finished: 1, zohoCalls: 2 })));
    expect(await runs.getRun('run-1')).toMatchObject({ finished: 8, zohoCalls: 16 });
  });

  it('lists and clears skipped items per user', async () => {
    const skipped = new SkippedRepository(store);
    await skipped.put({ userId: USER, module: 'tasks', itemId: TASK_ID, reason: 'no permission', code: 'NO_PERMISSION', runId: 'r', at: 'now', scope: 'AQMk=' });
    expect(await skipped.list(USER)).toEqual([expect.objectContaining({ itemId: TASK_ID, module: 'tasks', scope: 'AQMk=' })]);
    await skipped.remove(USER, 'tasks', TASK_ID);
    expect(await skipped.list(USER)).toEqual([]);
  });
});
