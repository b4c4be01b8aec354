import type { ModuleSummary, ResyncJobInfo, ResyncPart } from '../../lib/resync/jobs';
import { buildReport, countsFromLines, type Counts } from '../../lib/resync/report';
import { lineKey, type SyncRun } from '../../lib/state/runs';

const run: SyncRun = { id: 'job-1', kind: 'manual', state: 'running', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:01:00Z', request: '{"mode":"delta"}', queued: 0, finished: 0, graphCalls: 0, zohoCalls: 0 };
const summary = (module: ModuleSummary['module'], patch: Partial<ModuleSummary> = {}): ModuleSummary => ({ module, status: 'done', unchanged: 0, outOfScope: 0, handedOff: 0, reconciled: 0, withheld: 0, graphCalls: 0, zohoCalls: 0, ...patch });
const part = (user: string, patch: Partial<ResyncPart> = {}): ResyncPart => ({ jobId: 'job-1', user, userId: user, state: 'completed', sent: true, modules: [], itemsTotal: 0, itemsDone: 0, graphCalls: 0, zohoCalls: 0, ...patch });
const counts = (patch: Partial<Counts>): Counts => ({ added: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0, ...patch });
const none = new Map<string, Counts>();

describe('buildReport', () => {
  test("counts per user and module from the part's counters: no line is read, none is listed", () => {
    const info: ResyncJobInfo = {
      users: 1,
      parts: [
        part('u1', {
          modules: [
            summary('contacts', { mode: 'delta', unchanged: 7, lines: { added: 1, updated: 1, deleted: 0, skipped: 1 }, graphCalls: 12, zohoCalls: 3 }),
            summary('tasks', { status: 'not available', note: 'turned off (SYNC_TASKS=off)', lines: { added: 0, updated: 0, deleted: 0, skipped: 0 } }),
          ],
          itemsTotal: 11,
          itemsDone: 11,
          graphCalls: 12,
          zohoCalls: 3,
        }),
      ],
    };
    const r = buildReport({ ...run, state: 'completed' }, info, none);
    expect(r).toMatchObject({
      jobId: 'job-1',
      state: 'completed',
      request: { mode: 'delta' },
      progress: { users: { total: 1, finished: 1 }, items: { total: 11, finished: 11 } },
      calls: { graph: 12, zoho: 3 },
      counts: { added: 1, updated: 1, deleted: 0, skipped: 1, unchanged: 7 },
    });
    const [contacts, tasks] = r.users[0].modules;
    expect(contacts).toEqual({ module: 'contacts', status: 'done', mode: 'delta', counts: counts({ added: 1, updated: 1, skipped: 1, unchanged: 7 }), handedOff: 0, outOfScope: 0, reconciled: 0, withheld: 0, calls: { graph: 12, zoho: 3 } });
    expect(tasks).toMatchObject({ status: 'not available', note: 'turned off (SYNC_TASKS=off)', counts: { added: 0 } });
  });

  test.each<[string, Partial<ModuleSummary>, boolean]>([
    ['counters kept, nothing handed off', { lines: { added: 1, updated: 0, deleted: 0, skipped: 0 } }, false],
    ['a row from before the counters', {}, true],
    ['items handed to the sync worker', { lines: { added: 1, updated: 0, deleted: 0, skipped: 0 }, handedOff: 2 }, true],
    ['the Zoho → Outlook side wrote lines', { lines: { added: 0, updated: 0, deleted: 0, skipped: 0 }, fromZohoLines: 3 }, true],
  ])('counts from the lines when others wrote some: %s', (_name, patch, expected) => {
    expect(countsFromLines(summary('contacts', patch))).toBe(expected);
  });

  test('takes the line counts where the counters do not tell, adding the unchanged the part counted', () => {
    const info: ResyncJobInfo = { users: 1, parts: [part('u1', { modules: [summary('contacts', { unchanged: 4, handedOff: 2, lines: { added: 9, updated: 0, deleted: 0, skipped: 0 } })] })] };
    const r = buildReport(run, info, new Map([[lineKey('u1', 'contacts'), counts({ added: 3, skipped: 1, unchanged: 1 })]]));
    expect(r.users[0].modules[0].counts).toEqual(counts({ added: 3, skipped: 1, unchanged: 5 }));
  });

  test('a running part: the last module begun shows as running, the ones before as they ended', () => {
    const info: ResyncJobInfo = { users: 1, parts: [part('u1', { state: 'running', modules: [summary('contacts', { lines: { added: 2, updated: 0, deleted: 0, skipped: 0 } }), summary('tasks')] })] };
    expect(buildReport(run, info, none).users[0].modules.map((m) => [m.module, m.status, m.counts.added])).toEqual([
      ['contacts', 'done', 2],
      ['tasks', 'running', 0],
    ]);
  });

  test('filters: a module narrows the modules shown, a result the counts', () => {
    const info: ResyncJobInfo = { users: 1, parts: [part('u1', { modules: [summary('contacts', { unchanged: 2, lines: { added: 1, updated: 1, deleted: 0, skipped: 0 } }), summary('tasks')] })] };
    const r = buildReport(run, info, none, { module: 'contacts', result: 'added' });
    expect(r.users[0].modules.map((m) => m.module)).toEqual(['contacts']);
    expect(r.counts).toEqual(counts({ added: 1 }));
  });

  test.each<[string, SyncRun['state'], ResyncJobInfo, SyncRun['state']]>([
    ['not planned yet', 'queued', { parts: [] }, 'queued'],
    ['planned, nothing started', 'queued', { users: 2, parts: [part('a', { state: 'queued' }), part('b', { state: 'queued' })] }, 'queued'],
    ['one part running', 'running', { users: 2, parts: [part('a', { state: 'running' }), part('b')] }, 'running'],
    ['parts still being planned', 'running', { users: 3, parts: [part('a'), part('b')] }, 'running'],
    ['all done', 'running', { users: 2, parts: [part('a'), part('b')] }, 'completed'],
    ['one stopped by the guard', 'running', { users: 2, parts: [part('a', { state: 'stopped' }), part('b')] }, 'stopped'],
    ['one failed, one done', 'running', { users: 2, parts: [part('a', { state: 'failed' }), part('b')] }, 'completed'],
    ['all failed', 'running', { users: 2, parts: [part('a', { state: 'failed' }), part('b', { state: 'failed' })] }, 'failed'],
    ['a job without users keeps its own state', 'completed', { parts: [] }, 'completed'],
  ])('state: %s', (_name, runState, info, expected) => {
    expect(buildReport({ ...run, state: runState }, info, none).state).toBe(expected);
  });

  test('says why a job stopped or users failed', () => {
    const stopped = buildReport(run, { users: 2, parts: [part('a', { state: 'stopped', message: 'Stopped before deleting: …' }), part('b')] }, none);
    expect(stopped.message).toMatch(/mass-delete guard stopped the run for 1 user before deleting/);
    expect(stopped.users[0].message).toBe('Stopped before deleting: …');
    const failed = buildReport(run, { users: 2, parts: [part('a', { state: 'failed', message: 'the user was not found in the directory' }), part('b')] }, none);
    expect(failed.message).toMatch(/1 user could not be synced/);
  });

  test('counts of a user given by UPN are found through the resolved id; lines of users without a part are kept (an automatic run)', () => {
    const lines = new Map([
      [lineKey('id-1', 'contacts'), counts({ added: 1 })],
      [lineKey('id-9', 'contacts'), counts({ updated: 1 })],
    ]);
    const r = buildReport(run, { users: 1, parts: [part('adele@contoso.com', { userId: 'id-1', modules: [summary('contacts')] })] }, lines);
    expect(r.users.map((u) => [u.user, u.userId, u.modules[0]?.counts.added ?? 0, u.modules[0]?.counts.updated ?? 0])).toEqual([
      ['adele@contoso.com', 'id-1', 1, 0],
      ['id-9', 'id-9', 0, 1],
    ]);
  });
});
