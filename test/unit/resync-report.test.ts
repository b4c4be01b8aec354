import type { ModuleSummary, ResyncJobInfo, ResyncPart } from '../../lib/resync/jobs';
import { buildReport, SKIPPED_BEFORE } from '../../lib/resync/report';
import type { ReportItem, SyncRun } from '../../lib/state/runs';

const run: SyncRun = { id: 'job-1', kind: 'manual', state: 'running', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:01:00Z', request: '{"mode":"delta"}', queued: 0, finished: 0, graphCalls: 0, zohoCalls: 0 };
const summary = (module: ModuleSummary['module'], patch: Partial<ModuleSummary> = {}): ModuleSummary => ({ module, status: 'done', unchanged: 0, outOfScope: 0, handedOff: 0, reconciled: 0, withheld: 0, graphCalls: 0, zohoCalls: 0, ...patch });
const part = (user: string, patch: Partial<ResyncPart> = {}): ResyncPart => ({ jobId: 'job-1', user, userId: user, state: 'completed', sent: true, modules: [], itemsTotal: 0, itemsDone: 0, graphCalls: 0, zohoCalls: 0, ...patch });
const item = (userId: string, itemId: string, result: ReportItem['result'], patch: Partial<ReportItem> = {}): ReportItem => ({ runId: 'job-1', userId, module: 'contacts', itemId, result, at: '2026-01-01T00:00:30Z', ...patch });

describe('buildReport', () => {
  test('groups items per user and module, with counts, lists and the previous-sync mark', () => {
    const info: ResyncJobInfo = {
      users: 1,
      parts: [part('u1', { modules: [summary('contacts', { mode: 'delta', unchanged: 7, graphCalls: 12, zohoCalls: 3 }), summary('tasks', { status: 'not available', note: 'turned off (SYNC_TASKS=off)' })], itemsTotal: 11, itemsDone: 11, graphCalls: 12, zohoCalls: 3 })],
    };
    const items = [
      item('u1', 'a', 'added', { label: 'Ann', zohoId: 'z1', zohoModule: 'Contacts' }),
      item('u1', 'b', 'updated', { reason: 'linked to an existing Zoho record (same e-mail address)' }),
      item('u1', 'c', 'skipped', { reason: 'no permission', code: 'NO_PERMISSION', retriedFromSkip: true }),
      item('u1', 'd', 'unchanged', { retriedFromSkip: true }),
    ];
    const r = buildReport({ ...run, state: 'completed' }, info, items);
    expect(r).toMatchObject({
      jobId: 'job-1',
      state: 'completed',
      request: { mode: 'delta' },
      progress: { users: { total: 1, finished: 1 }, items: { total: 11, finished: 11 } },
      calls: { graph: 12, zoho: 3 },
      counts: { added: 1, updated: 1, deleted: 0, skipped: 1, unchanged: 8 },
    });
    const [contacts, tasks] = r.users[0].modules;
    expect(contacts).toMatchObject({ module: 'contacts', status: 'done', mode: 'delta', counts: { added: 1, updated: 1, skipped: 1, unchanged: 8 }, calls: { graph: 12, zoho: 3 } });
    expect(contacts.added).toEqual([{ itemId: 'a', label: 'Ann', zohoId: 'z1', zohoModule: 'Contacts' }].map((e) => expect.objectContaining(e)));
    expect(contacts.skipped[0]).toMatchObject({ itemId: 'c', reason: 'no permission', code: 'NO_PERMISSION', previously: SKIPPED_BEFORE });
    expect(contacts.updated[0].previously).toBeUndefined();
    expect(tasks).toMatchObject({ status: 'not available', note: 'turned off (SYNC_TASKS=off)', counts: { added: 0 } });
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
    expect(buildReport({ ...run, state: runState }, info, []).state).toBe(expected);
  });

  test('says why a job stopped or users failed', () => {
    const stopped = buildReport(run, { users: 2, parts: [part('a', { state: 'stopped', message: 'Stopped before deleting: …' }), part('b')] }, []);
    expect(stopped.message).toMatch(/mass-delete guard stopped the run for 1 user before deleting/);
    expect(stopped.users[0].message).toBe('Stopped before deleting: …');
    const failed = buildReport(run, { users: 2, parts: [part('a', { state: 'failed', message: 'the user was not found in the directory' }), part('b')] }, []);
    expect(failed.message).toMatch(/1 user could not be synced/);
  });

  test('items for a user given by UPN are found through the resolved id; results of unknown users are kept', () => {
    const r = buildReport(run, { users: 1, parts: [part('adele@contoso.com', { userId: 'id-1' })] }, [item('id-1', 'a', 'added'), item('id-9', 'z', 'updated')]);
    expect(r.users.map((u) => [u.user, u.userId, u.modules[0]?.counts.added ?? 0])).toEqual([
      ['adele@contoso.com', 'id-1', 1],
      ['id-9', 'id-9', 0],
    ]);
  });
});
