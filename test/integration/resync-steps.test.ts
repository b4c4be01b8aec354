import { ResyncJobRepository } from '../../lib/resync/jobs';
import { ResyncScratch } from '../../lib/resync/scratch';
import { TableStore } from '../../lib/state/tables';
import { startAzurite, type Azurite } from '../support/azurite';

/**
 * Issue 11: a resync part's steps (one per invocation). Each delivery claims its step on the part
 * row before doing anything, so a duplicate, a stale or a concurrent delivery runs nothing, and a
 * crashed one is taken over after its budget. What a streamed part remembers between
 * invocations (ResyncScratch) reads back across its chunk partitions.
 */
let azurite: Azurite;
let jobs: ResyncJobRepository;
let scratch: ResyncScratch;

beforeAll(async () => {
  azurite = await startAzurite();
  const store = new TableStore(azurite.connectionString);
  jobs = new ResyncJobRepository(store);
  scratch = new ResyncScratch(store);
});

afterAll(async () => {
  await azurite.close();
});

const LEASE = 600_000;

describe('claimStep', () => {
  it('lets one of two deliveries of a step run, refuses other steps, and takes over a step held past its lease', async () => {
    await jobs.plan('job-1', ['u1']);
    const now = new Date('2026-12-07T04:00:00Z');
    const both = await Promise.all([jobs.claimStep('job-1', 'u1', 0, 'a', now, LEASE), jobs.claimStep('job-1', 'u1', 0, 'b', now, LEASE)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    const winner = both[0] ? 'a' : 'b';
    const loser = both[0] ? 'b' : 'a';
    expect(await jobs.claimStep('job-1', 'u1', 0, loser, new Date(now.getTime() + 60_000), LEASE)).toBe(false);
    expect(await jobs.claimStep('job-1', 'u1', 1, loser, now, LEASE)).toBe(false);
    // The same delivery again (the queue retried it after a failure) may go on.
    expect(await jobs.claimStep('job-1', 'u1', 0, winner, now, LEASE)).toBe(true);
    expect(await jobs.claimStep('job-1', 'u1', 0, loser, new Date(now.getTime() + LEASE + 1), LEASE)).toBe(true);

    await jobs.update('job-1', 'u1', { step: 1, checkpoint: '{}', stepToken: '' });
    expect(await jobs.claimStep('job-1', 'u1', 0, 'c', now, LEASE)).toBe(false);
    expect(await jobs.claimStep('job-1', 'u1', 1, 'c', now, LEASE)).toBe(true);
    await jobs.releaseStep('job-1', 'u1', 'c');
    expect(await jobs.claimStep('job-1', 'u1', 1, 'd', now, LEASE)).toBe(true);

    await jobs.update('job-1', 'u1', { state: 'completed' });
    expect(await jobs.claimStep('job-1', 'u1', 1, 'd', now, LEASE)).toBe(false);
    expect(await jobs.anyUnfinished('job-1')).toBe(false);
  });

  it('anyUnfinished sees one queued part among many finished ones', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `user${i}`);
    await jobs.plan('job-2', users);
    for (const u of users.slice(1)) await jobs.update('job-2', u, { state: 'completed' });
    expect(await jobs.anyUnfinished('job-2')).toBe(true);
    await jobs.update('job-2', users[0], { state: 'failed' });
    expect(await jobs.anyUnfinished('job-2')).toBe(false);
  });
});

describe('ResyncScratch', () => {
  it('reads back seen ids, removals and delta links of one part and module across chunk partitions, and nothing of others', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `AAMk/id+${i}=`);
    await scratch.putSeen('job-3', 'u1', 'contacts', 0, ids.slice(0, 120));
    await scratch.putSeen('job-3', 'u1', 'contacts', 11, ids.slice(100));
    await scratch.putSeen('job-3', 'u1', 'events', 0, ['other']);
    await scratch.putSeen('job-3', 'u10', 'contacts', 0, ['other']);
    expect(await scratch.seen('job-3', 'u1', 'contacts')).toEqual(new Set(ids));

    const link = { userId: 'u1', module: 'contacts' as const, graphId: ids[0], state: 'linked' as const, zohoModule: 'Contacts', zohoId: '1', etag: 'W/"1"' };
    const removal = { msg: { v: 1 as const, userId: 'u1', module: 'contacts' as const, itemId: ids[0], changeType: 'resync' as const, runId: 'job-3' }, link, why: 'deleted in Outlook' };
    await scratch.putRemovals('job-3', 'u1', 'contacts', 2, [removal]);
    await scratch.putRemovals('job-3', 'u1', 'contacts', 5, [removal]);
    expect(await scratch.removals('job-3', 'u1', 'contacts')).toEqual([removal]);
    expect(await scratch.removals('job-3', 'u1', 'events')).toEqual([]);

    await scratch.putDeltaLink('job-3', 'u1', 'contacts', 'default', 'https://graph/delta?token=1');
    await scratch.putDeltaLink('job-3', 'u1', 'contacts', 'default', 'https://graph/delta?token=2');
    expect(await scratch.deltaLinks('job-3', 'u1', 'contacts')).toEqual([{ scope: 'default', link: 'https://graph/delta?token=2' }]);
  });
});
