import type { Link } from '../../lib/state/links';
import type { SkippedItem } from '../../lib/state/skipped';
import { unavailable } from '../../lib/resync/part';
import { isObjectId } from '../../lib/provision/request';
import { planModuleWork, requestedModules, skippedToRetry, type ModuleWorkInput } from '../../lib/resync/plan';

const link = (graphId: string, state: Link['state'] = 'linked'): Link => ({ userId: 'u', module: 'contacts', graphId, state, zohoId: `z-${graphId}`, origin: 'created', etag: 'e' });
const skipped = (itemId: string, module: SkippedItem['module'] = 'contacts', scope?: string): SkippedItem => ({ userId: 'u', module, itemId, reason: 'no permission', runId: 'r0', at: '2026-01-01T00:00:00Z', scope });

function plan(patch: Partial<ModuleWorkInput>) {
  const out = planModuleWork({ userId: 'u', module: 'contacts', runId: 'job', changed: [], removed: [], complete: false, links: [], retry: [], skipped: [], ...patch });
  return { ...out, view: out.entries.map((e) => `${e.msg.itemId}${e.verifyOnly ? ':verify' : ''}${e.msg.retryOfSkipped ? ':retry' : ''}${e.msg.scope ? `@${e.msg.scope}` : ''}`) };
}

describe('planModuleWork', () => {
  const sel = { mode: 'category' as const, category: 'Zoho' };

  test.each<[string, Partial<ModuleWorkInput>, string[], { outOfScope?: number; reconcile?: number }]>([
    ['changed items are synced', { changed: [{ id: 'a' }, { id: 'b' }] }, ['a', 'b'], {}],
    ['out of category and never synced: not read', { changed: [{ id: 'a', categories: ['Zoho'] }, { id: 'b', categories: ['Red'] }, { id: 'c', categories: null }], selection: sel }, ['a'], { outOfScope: 2 }],
    ['out of category but linked: read (it leaves the scope)', { changed: [{ id: 'b', categories: [] }], links: [link('b')], selection: sel }, ['b'], {}],
    ['out of category but skipped before: read', { changed: [{ id: 'b', categories: [] }], skipped: [skipped('b')], selection: sel }, ['b:retry'], {}],
    ['categories unknown: read', { changed: [{ id: 'a' }], selection: sel }, ['a'], {}],
    ['mode all: no pre-filter', { changed: [{ id: 'a', categories: [] }], selection: { mode: 'all', category: 'Zoho' } }, ['a'], {}],
    ['removed and linked: verify only', { removed: [{ id: 'a' }], links: [link('a')] }, ['a:verify'], {}],
    ['removed and never linked: nothing', { removed: [{ id: 'a' }] }, [], {}],
    ['removed but also changed (moved between folders): synced', { changed: [{ id: 'a' }], removed: [{ id: 'a' }], links: [link('a')] }, ['a'], {}],
    ['skipped items are retried with their scope', { retry: [skipped('s', 'tasks', 'list-1')] }, ['s:retry@list-1'], {}],
    ['a changed item that was skipped is marked as a retry', { changed: [{ id: 'a' }], skipped: [skipped('a')] }, ['a:retry'], {}],
    ['complete read: linked items not seen are verified', { changed: [{ id: 'a' }], links: [link('a'), link('b'), link('c', 'claimed')], complete: true }, ['a', 'b:verify'], { reconcile: 1 }],
    ['delta read: links not seen are left alone', { changed: [{ id: 'a' }], links: [link('a'), link('b')], complete: false }, ['a'], { reconcile: 0 }],
    ['item scope carried (To Do list)', { changed: [{ id: 't', scope: 'list-9' }] }, ['t@list-9'], {}],
  ])('%s', (_name, patch, view, counts) => {
    const out = plan(patch);
    expect(out.view).toEqual(view);
    if (counts.outOfScope !== undefined) expect(out.outOfScope).toBe(counts.outOfScope);
    if (counts.reconcile !== undefined) expect(out.reconcile).toBe(counts.reconcile);
  });

  test('messages are resync messages reporting to the job', () => {
    const [entry] = plan({ changed: [{ id: 'a' }] }).entries;
    expect(entry.msg).toEqual({ v: 1, userId: 'u', module: 'contacts', itemId: 'a', changeType: 'resync', scope: undefined, runId: 'job' });
  });
});

describe('skippedToRetry', () => {
  const all = [skipped('a'), skipped('b', 'tasks'), skipped('c', 'events')];
  test.each<[string, boolean | string[] | undefined, string[], string[]]>([
    ['absent: all of the modules run', undefined, ['contacts', 'tasks'], ['a', 'b']],
    ['true: the same', true, ['contacts', 'tasks', 'events'], ['a', 'b', 'c']],
    ['false: none', false, ['contacts', 'tasks', 'events'], []],
    ['ids: only those', ['b', 'c', 'zzz'], ['contacts', 'tasks', 'events'], ['b', 'c']],
    ['ids outside the modules run are not retried', ['c'], ['contacts'], []],
  ])('%s', (_name, retry, modules, ids) => {
    expect(skippedToRetry(all, retry, modules as never).map((s) => s.itemId)).toEqual(ids);
  });
});

describe('requestedModules and isObjectId', () => {
  test('modules in a fixed order, all when absent', () => {
    expect(requestedModules(undefined)).toEqual(['contacts', 'tasks', 'events', 'mail']);
    expect(requestedModules(['mail', 'contacts'])).toEqual(['contacts', 'mail']);
  });

  test.each([
    ['6f1c2b5e-1c3e-4c1a-9a7e-2f8f4b1d0c11', true],
    ['6F1C2B5E-1C3E-4C1A-9A7E-2F8F4B1D0C11', true],
    ['adele@contoso.com', false],
    ['6f1c2b5e1c3e4c1a9a7e2f8f4b1d0c11', false],
  ])('%s is an object id: %s', (value, expected) => {
    expect(isObjectId(value)).toBe(expected);
  });
});

describe('unavailable modules', () => {
  const config = { SYNC_CONTACTS: 'category', SYNC_TASKS: 'off', SYNC_EVENTS: 'all' } as never;
  const adapter = {} as never;
  test.each<[string, string, Record<string, unknown>, boolean, string | undefined]>([
    ['contacts with an adapter', 'contacts', { contacts: adapter }, false, undefined],
    ['turned off by its setting', 'tasks', { tasks: adapter }, false, 'turned off (SYNC_TASKS=off)'],
    ['no adapter registered', 'events', {}, false, 'events sync is not available in this deployment'],
    ['mail with the worker handler', 'mail', {}, true, undefined],
    ['mail without it', 'mail', {}, false, 'sent-mail capture is not available in this deployment'],
  ])('%s', (_name, module, adapters, mailHandler, expected) => {
    const handlers = mailHandler ? { mail: async () => undefined } : undefined;
    expect(unavailable(module as never, { config, adapters, handlers })).toBe(expected);
  });
});
