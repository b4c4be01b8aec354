import { LinkConflictError, LinkRepository, type Link } from '../../lib/state/links';
import { RunRepository, type ReportItem } from '../../lib/state/runs';
import { TableStore } from '../../lib/state/tables';
import { startAzurite, type Azurite } from '../support/azurite';

/**
 * The bulk resync's Table writes in transactions of 100 (links: claims, saves, deprovisioning;
 * runs: report lines) against Azurite: the same answers as the one-row methods, including when
 * one row of a chunk makes the whole transaction fail.
 */
const USER = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
let azurite: Azurite;
let links: LinkRepository;
let runs: RunRepository;

beforeAll(async () => {
  azurite = await startAzurite();
  const store = new TableStore(azurite.connectionString);
  links = new LinkRepository(store);
  runs = new RunRepository(store);
});
afterAll(() => azurite.close());

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}/${i}+=`);
const items = (module: Link['module'], graphIds: string[]) => graphIds.map((graphId) => ({ userId: USER, module, graphId }));

describe('LinkRepository.claimMany', () => {
  it('claims 250 first-seen items, each with its own etag', async () => {
    const graphIds = ids('fresh', 250);
    const now = new Date();
    const claims = await links.claimMany(items('contacts', graphIds), 'bulk', now, 60_000);
    expect(claims).toHaveLength(250);
    expect(claims.every((c) => c.status === 'fulfilled' && c.value.claimed)).toBe(true);
    const stored = new Map((await links.list(USER, 'contacts')).map((l) => [l.graphId, l]));
    claims.forEach((c, i) => {
      const link = (c as PromiseFulfilledResult<{ claimed: true; link: Link }>).value.link;
      expect(link).toMatchObject({ graphId: graphIds[i], state: 'claimed', claimToken: 'bulk' });
      expect(link.etag).toBe(stored.get(graphIds[i])!.etag);
    });
  });

  it('claims a chunk item by item when one row already exists: the others are claimed, that one is not', async () => {
    const graphIds = ids('mixed', 5);
    await links.claim(USER, 'tasks', graphIds[2], 'other-worker', new Date(), 60_000);
    const linked = await links.claim(USER, 'tasks', graphIds[4], 'earlier', new Date(), 60_000);
    await links.save({ ...linked.link, state: 'linked', zohoId: 'z4', zohoModule: 'Tasks', origin: 'created' });
    const claims = await links.claimMany(items('tasks', graphIds), 'bulk', new Date(), 60_000);
    const got = claims.map((c) => (c.status === 'fulfilled' ? (c.value.claimed ? 'claimed' : c.value.link.state) : 'error'));
    expect(got).toEqual(['claimed', 'claimed', 'claimed', 'claimed', 'linked']);
    expect((claims[2] as PromiseFulfilledResult<{ claimed: boolean; link: Link }>).value).toMatchObject({ claimed: false, link: { claimToken: 'other-worker' } });
  });

  it('counts a claim written with its own token (an answer lost on the way) as its own', async () => {
    const [id] = ids('lost-answer', 1);
    await links.claim(USER, 'events', id, 'bulk', new Date(), 60_000);
    const [again] = await links.claimMany([{ userId: USER, module: 'events', graphId: id }, { userId: USER, module: 'events', graphId: 'another=' }], 'bulk', new Date(), 60_000);
    expect(again).toMatchObject({ status: 'fulfilled', value: { claimed: true } });
  });
});

describe('LinkRepository.saveMany', () => {
  it('saves every row whose etag still holds, and refuses only the row that changed', async () => {
    const graphIds = ids('save', 120);
    const claims = (await links.claimMany(items('mail', graphIds), 'bulk', new Date(), 60_000)).map((c) => (c as PromiseFulfilledResult<{ claimed: true; link: Link }>).value.link);
    // Another worker renews one claim in between: our etag for it is out of date.
    await links.save({ ...claims[7], claimedAt: new Date().toISOString() });
    const saved = await links.saveMany(claims.map((l, i) => ({ ...l, state: 'linked', zohoId: `z${i}`, zohoModule: 'Contacts', origin: 'created' })));
    expect(saved.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect(saved[7]).toMatchObject({ status: 'rejected', reason: expect.any(LinkConflictError) });
    const stored = new Map((await links.list(USER, 'mail')).map((l) => [l.graphId, l]));
    graphIds.forEach((id, i) => {
      if (i === 7) return expect(stored.get(id)?.state).toBe('claimed');
      expect(stored.get(id)).toMatchObject({ state: 'linked', zohoId: `z${i}`, etag: (saved[i] as PromiseFulfilledResult<string>).value });
    });
  });
});

describe('LinkRepository.deleteAllForUser', () => {
  it('removes hundreds of rows in every module, claimed or linked', async () => {
    await links.claimMany(items('contacts', ids('more', 150)), 'bulk', new Date(), 60_000);
    const before = (await Promise.all((['contacts', 'tasks', 'events', 'mail'] as const).map((m) => links.list(USER, m)))).flat().length;
    expect(before).toBeGreaterThan(400);
    expect(await links.deleteAllForUser(USER, ['contacts', 'tasks', 'events', 'mail'])).toBe(before);
    for (const m of ['contacts', 'tasks', 'events', 'mail'] as const) expect(await links.list(USER, m)).toEqual([]);
  });
});

describe('RunRepository.putItems', () => {
  it('writes 230 report lines, and a line written twice keeps the later one', async () => {
    const at = new Date().toISOString();
    const lines: ReportItem[] = ids('line', 230).map((itemId, i) => ({ runId: 'job-1', userId: USER, module: 'contacts', itemId, result: i % 2 ? 'added' : 'updated', label: `Contact ${i}`, at }));
    lines.push({ ...lines[3], result: 'skipped', reason: 'no permission' });
    await runs.putItems(lines);
    const stored = await runs.listItems('job-1');
    expect(stored).toHaveLength(230);
    expect(stored.find((s) => s.itemId === lines[3].itemId)).toMatchObject({ result: 'skipped', reason: 'no permission' });
    await runs.putItems([]);
  });
});
