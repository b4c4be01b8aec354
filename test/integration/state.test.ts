import { odata } from '@azure/data-tables';
import { encodeKey } from '../../lib/state/keys';
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

describe('partition layout', () => {
  const OWNER = '9b2f6e1c-0d4a-4c8e-9f3b-5a7d2e1c0b9a';
  const legacyRow = (graphId: string, module: string) => ({
    partitionKey: `${OWNER}|${module}`,
    rowKey: encodeKey(graphId),
    userId: OWNER,
    module,
    state: 'linked',
    zohoModule: 'Contacts',
    zohoId: `z-${graphId}`,
    origin: 'created',
  });

  it("spreads a mailbox's links over 16 bucket partitions and lists them in one range query", async () => {
    const links = new LinkRepository(store);
    const ids = Array.from({ length: 64 }, (_, i) => `AAMkLayout${i}AAA=`);
    await links.claimMany(ids.map((graphId) => ({ userId: OWNER, module: 'tasks' as const, graphId })), 'bulk', new Date(), 60_000);
    const table = await store.table('links');
    const partitions = new Set<string>();
    for await (const row of table.listEntities({ queryOptions: { filter: odata`userId eq ${OWNER} and module eq 'tasks'` } })) partitions.add(String(row.partitionKey));
    expect([...partitions].every((p) => new RegExp(`^${OWNER}\\|tasks\\|[0-9a-f]$`).test(p))).toBe(true);
    expect(partitions.size).toBeGreaterThan(8);
    expect((await links.list(OWNER, 'tasks')).map((l) => l.graphId).sort()).toEqual([...ids].sort());
  });

  it('reads, saves, lists and deletes links an earlier version wrote in the one partition per mailbox module, and writes new ones to buckets', async () => {
    const table = await store.table('links');
    await table.createEntity(legacyRow('OLD-1=', 'events'));
    await table.createEntity(legacyRow('OLD-2=', 'events'));
    const links = new LinkRepository(store);

    const old = (await links.get(OWNER, 'events', 'OLD-1='))!;
    expect(old).toMatchObject({ graphId: 'OLD-1=', zohoId: 'z-OLD-1=', legacyRow: true });
    await links.save({ ...old, changeKey: 'ck2' });
    expect(await table.getEntity(`${OWNER}|events`, 'OLD-1=')).toMatchObject({ changeKey: 'ck2' });

    const fresh = await links.claim(OWNER, 'events', 'NEW-1=', 't', new Date(), 60_000);
    expect(fresh.claimed).toBe(true);
    expect((await links.get(OWNER, 'events', 'NEW-1='))?.legacyRow).toBeUndefined();
    expect((await links.list(OWNER, 'events')).map((l) => l.graphId).sort()).toEqual(['NEW-1=', 'OLD-1=', 'OLD-2=']);

    // A caller that knows only the ids still deletes the legacy row.
    await links.delete({ userId: OWNER, module: 'events', graphId: 'OLD-2=' });
    expect(await links.get(OWNER, 'events', 'OLD-2=')).toBeUndefined();
    expect(await links.deleteAllForUser(OWNER, ['events'])).toBe(2);
    expect(await links.list(OWNER, 'events')).toEqual([]);
  });

  it('claims an item an earlier version linked or claimed in its legacy row, never beside it', async () => {
    const table = await store.table('links');
    await table.createEntity(legacyRow('OLD-LINKED=', 'contacts'));
    await table.createEntity({ ...legacyRow('OLD-STALE=', 'contacts'), state: 'claimed', zohoId: '', claimToken: 'dead', claimedAt: new Date(Date.now() - 3_600_000).toISOString() });
    const links = new LinkRepository(store);

    const linked = await links.claim(OWNER, 'contacts', 'OLD-LINKED=', 'w1', new Date(), 60_000);
    expect(linked).toMatchObject({ claimed: false, link: { state: 'linked', legacyRow: true } });
    const stale = await links.claim(OWNER, 'contacts', 'OLD-STALE=', 'w1', new Date(), 60_000);
    expect(stale).toMatchObject({ claimed: true, link: { claimToken: 'w1', legacyRow: true } });
    expect(await table.getEntity(`${OWNER}|contacts`, 'OLD-STALE=')).toMatchObject({ claimToken: 'w1' });

    // In bulk too: a notification's claims look in the legacy partition; only the new item gets a bucket row.
    const many = await links.claimMany(['OLD-LINKED=', 'BRAND-NEW='].map((graphId) => ({ userId: OWNER, module: 'contacts' as const, graphId })), 'w2', new Date(), 60_000);
    expect(many.map((r) => r.status === 'fulfilled' && r.value.claimed)).toEqual([false, true]);
    const rows: string[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter: odata`userId eq ${OWNER} and module eq 'contacts'` } })) rows.push(`${row.partitionKey === `${OWNER}|contacts` ? 'legacy' : 'bucket'}:${row.rowKey}`);
    expect(rows.sort()).toEqual(['bucket:BRAND-NEW=', 'legacy:OLD-LINKED=', 'legacy:OLD-STALE=']);
  });

  it('counts and lists an item reported before and after buckets in the same run once, with its newer line', async () => {
    const runs = new RunRepository(store);
    const at = new Date().toISOString();
    await runs.ensureRun({ id: 'upgrade', kind: 'automatic', state: 'running', createdAt: at });
    const table = await store.table('syncruns');
    await table.createEntity({ partitionKey: 'upgrade', rowKey: `${OWNER}|contacts|SAME=`, result: 'skipped', reason: 'Zoho is busy', at });
    await table.createEntity({ partitionKey: 'upgrade', rowKey: `${OWNER}|contacts|ONLY-OLD=`, result: 'added', at });
    await runs.putItem({ runId: 'upgrade', userId: OWNER, module: 'contacts', itemId: 'SAME=', result: 'updated', at });
    expect((await runs.countItems('upgrade')).get(`${OWNER}|contacts`)).toEqual({ added: 1, updated: 1, deleted: 0, unchanged: 0, skipped: 0 });
    expect((await runs.listItems('upgrade')).map((i) => [i.itemId, i.result]).sort()).toEqual([['ONLY-OLD=', 'added'], ['SAME=', 'updated']]);
  });

  it("keeps a run's report lines in buckets, lists them with lines an earlier version wrote in the run's partition, and never with another run's", async () => {
    const runs = new RunRepository(store);
    const at = new Date().toISOString();
    await runs.ensureRun({ id: 'layout', kind: 'manual', state: 'running', createdAt: at });
    await runs.ensureRun({ id: 'layout-2', kind: 'manual', state: 'running', createdAt: at });
    const table = await store.table('syncruns');
    await table.createEntity({ partitionKey: 'layout', rowKey: `${OWNER}|contacts|OLD=`, result: 'updated', at });
    await runs.putItems(Array.from({ length: 40 }, (_, i) => ({ runId: 'layout', userId: OWNER, module: 'contacts' as const, itemId: `C${i}=`, result: 'added' as const, at })));
    await runs.putItem({ runId: 'layout-2', userId: OWNER, module: 'contacts', itemId: 'OTHER=', result: 'added', at });

    const items = await runs.listItems('layout');
    expect(items).toHaveLength(41);
    expect(items.find((i) => i.itemId === 'OLD=')).toMatchObject({ result: 'updated' });
    expect((await runs.countItems('layout')).get(`${OWNER}|contacts`)).toMatchObject({ added: 40, updated: 1 });
    expect(await runs.listItems('layout', { userId: OWNER, module: 'contacts', result: 'updated' })).toHaveLength(1);
    expect(await runs.hasItem('layout', OWNER, 'contacts', 'OLD=')).toBe(true);
    expect(await runs.hasItem('layout', OWNER, 'contacts', 'C7=')).toBe(true);
    expect(await runs.hasItem('layout', OWNER, 'contacts', 'OTHER=')).toBe(false);
    const partitions = new Set<string>();
    for await (const row of table.listEntities({ queryOptions: { filter: odata`PartitionKey ge 'layout|' and PartitionKey lt 'layout}'` } })) partitions.add(String(row.partitionKey));
    expect(partitions.size).toBeGreaterThan(8);
  });
});
