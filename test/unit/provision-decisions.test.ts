import { GraphApiError } from '../../lib/graph/errors';
import {
  classifyMailboxError,
  conflictingSubscriptionId,
  followUpSync,
  isTodoSubscriptionRefusal,
  lifecycleAction,
  membershipChanges,
  planSubscriptions,
  QUIET_WINDOW_MS,
  recentlyTouched,
  renewalAction,
  withoutSource,
  type SlotStatus,
} from '../../lib/provision/decisions';
import { resourceFor, specKey, wantedSpecs, type SubscriptionSpec } from '../../lib/provision/specs';
import type { SubscriptionRecord } from '../../lib/state/subscriptions';

const USER = '5f1c6a2e-0b7d-4c8e-9a1f-2b3c4d5e6f70';
const NOW = new Date('2025-03-01T10:00:00.000Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000).toISOString();
const URL_OURS = 'https://sync.example.com/api/graph/notifications';

function graphError(status: number, code: string, message = 'x'): GraphApiError {
  return GraphApiError.fromResponse(status, { error: { code, message } }, undefined, 'POST /subscriptions');
}

function record(over: Partial<SubscriptionRecord> & Pick<SubscriptionRecord, 'module'>): SubscriptionRecord {
  return {
    id: `sub-${over.module}-${over.listId ?? ''}`,
    userId: USER,
    resource: resourceFor(USER, over.module, over.listId),
    clientState: 'cs',
    expiresAt: minutes(8000),
    createdAt: minutes(-100),
    ...over,
  };
}

describe('classifyMailboxError', () => {
  it.each([
    [404, 'MailboxNotEnabledForRESTAPI', 'refused', true, /no Exchange Online mailbox/],
    [404, 'ErrorInvalidUser', 'refused', true, /does not exist/],
    [404, 'Request_ResourceNotFound', 'refused', true, /does not exist/],
    [403, 'ErrorAccessDenied', 'refused', undefined, /RBAC for Applications/],
    [403, 'ExtensionError', 'refused', undefined, /Graph refused/],
    [400, 'ValidationError', 'failed', undefined, /validate the notification endpoint/],
    [401, 'InvalidAuthenticationToken', 'failed', undefined, /credentials/],
    [503, 'ServiceUnavailable', 'failed', undefined, /503/],
  ] as const)('%i %s → %s', (status, code, outcome, noMailbox, reason) => {
    const failure = classifyMailboxError(graphError(status, code));
    expect(failure).toMatchObject({ outcome, code });
    expect(failure.noMailbox).toBe(noMailbox);
    expect(failure.reason).toMatch(reason);
  });

  it('marks outages as transient and refusals as not', () => {
    expect(classifyMailboxError(graphError(503, 'ServiceUnavailable')).transient).toBe(true);
    expect(classifyMailboxError(graphError(500, 'generalException')).transient).toBe(true);
    expect(classifyMailboxError(graphError(403, 'ErrorAccessDenied')).transient).toBeUndefined();
  });

  it('reports a non-Graph error by name only', () => {
    expect(classifyMailboxError(new TypeError('adele@contoso.com is odd'))).toEqual({ outcome: 'failed', code: 'Unexpected', reason: 'unexpected TypeError' });
  });
});

describe('isTodoSubscriptionRefusal', () => {
  it.each([
    [403, 'ExtensionError', true],
    [400, 'ExtensionError', true],
    [400, 'InvalidRequest', true],
    [400, 'ValidationError', false],
    [503, 'ServiceUnavailable', false],
    [404, 'MailboxNotEnabledForRESTAPI', false],
  ] as const)('%i %s → %s', (status, code, refused) => {
    expect(isTodoSubscriptionRefusal(graphError(status, code))).toBe(refused);
  });
});

describe('conflictingSubscriptionId', () => {
  it('reads the id from Graph\'s 409 message', () => {
    const err = graphError(409, 'ExtensionError', 'Subscription Id 7f105c7d-2dc5-4530-97cd-4e7ae6534c07 already exists for the requested combination');
    expect(conflictingSubscriptionId(err)).toBe('7f105c7d-2dc5-4530-97cd-4e7ae6534c07');
    expect(conflictingSubscriptionId(graphError(409, 'Conflict', 'something else'))).toBeUndefined();
  });
});

describe('planSubscriptions', () => {
  const config = { SYNC_CONTACTS: 'category', SYNC_EVENTS: 'category', SYNC_TASKS: 'category' } as const;
  const keys = (specs: SubscriptionSpec[]) => specs.map(specKey);

  it('creates everything for a new mailbox', () => {
    const plan = planSubscriptions(wantedSpecs(USER, config, ['L1']), []);
    expect(keys(plan.create)).toEqual(['contacts', 'events', 'mail', 'tasks|L1']);
    expect(plan.keep).toEqual([]);
    expect(plan.remove).toEqual([]);
  });

  it('keeps what exists, creates the new To Do list, removes the deleted one', () => {
    const stored = [record({ module: 'contacts' }), record({ module: 'events' }), record({ module: 'mail' }), record({ module: 'tasks', listId: 'OLD' })];
    const plan = planSubscriptions(wantedSpecs(USER, config, ['NEW']), stored);
    expect(plan.keep.map((k) => k.record.id)).toEqual(['sub-contacts-', 'sub-events-', 'sub-mail-']);
    expect(keys(plan.create)).toEqual(['tasks|NEW']);
    expect(plan.remove.map((r) => r.id)).toEqual(['sub-tasks-OLD']);
  });

  it('removes the subscription of a module turned off', () => {
    const stored = [record({ module: 'contacts' }), record({ module: 'events' }), record({ module: 'mail' })];
    const plan = planSubscriptions(wantedSpecs(USER, { ...config, SYNC_EVENTS: 'off' }, []), stored);
    expect(plan.remove.map((r) => r.module)).toEqual(['events']);
  });

  it('keeps task rows when the To Do lists could not be read', () => {
    const stored = [record({ module: 'tasks', listId: 'L1' })];
    const plan = planSubscriptions(wantedSpecs(USER, config, []), stored, { unknownModules: new Set(['tasks']) });
    expect(plan.remove).toEqual([]);
  });

  it('keeps the longest-lived of two rows for one slot and removes the other', () => {
    const stored = [record({ module: 'contacts', id: 'short', expiresAt: minutes(100) }), record({ module: 'contacts', id: 'long', expiresAt: minutes(9000) })];
    const plan = planSubscriptions(wantedSpecs(USER, { ...config, SYNC_EVENTS: 'off', SYNC_TASKS: 'off' }, []), stored);
    expect(plan.keep.map((k) => k.record.id)).toEqual(['long']);
    expect(plan.remove.map((r) => r.id)).toEqual(['short']);
  });

  it('replaces a row whose resource differs from the wanted one', () => {
    const stored = [record({ module: 'contacts', id: 'folder', resource: `users/${USER}/contactFolders/F/contacts` })];
    const plan = planSubscriptions(wantedSpecs(USER, { ...config, SYNC_EVENTS: 'off', SYNC_TASKS: 'off' }, []), stored);
    expect(plan.remove.map((r) => r.id)).toEqual(['folder']);
    expect(keys(plan.create)).toEqual(['contacts', 'mail']);
  });

  it('skips what the caller says not to retry', () => {
    const plan = planSubscriptions(wantedSpecs(USER, config, ['REFUSED', 'OK']), [], { skip: (s) => s.listId === 'REFUSED' });
    expect(keys(plan.create)).toEqual(['contacts', 'events', 'mail', 'tasks|OK']);
  });
});

describe('renewalAction', () => {
  const listed = { id: 'x', notificationUrl: URL_OURS };
  it.each([
    ['plenty of lifetime left', record({ module: 'contacts', expiresAt: minutes(6000) }), listed, 'wait'],
    ['under half of 10,080 minutes left', record({ module: 'contacts', expiresAt: minutes(5000) }), listed, 'renew'],
    ['To Do: half of 4,230 minutes is the line', record({ module: 'tasks', listId: 'L', expiresAt: minutes(2000) }), listed, 'renew'],
    ['To Do above the line', record({ module: 'tasks', listId: 'L', expiresAt: minutes(2200) }), listed, 'wait'],
    ['already expired', record({ module: 'mail', expiresAt: minutes(-5) }), listed, 'renew'],
    ['due but renewed 5 minutes ago', record({ module: 'events', expiresAt: minutes(100), renewedAt: minutes(-5) }), listed, 'recent'],
    ['due but reauthorized 5 minutes ago', record({ module: 'events', expiresAt: minutes(100), reauthorizedAt: minutes(-5) }), listed, 'recent'],
    ['due, renewed 11 minutes ago', record({ module: 'events', expiresAt: minutes(100), renewedAt: minutes(-11) }), listed, 'renew'],
    ['missing from Graph\'s list', record({ module: 'contacts' }), undefined, 'verify'],
    ['Graph\'s list unreadable: stored expiry decides', record({ module: 'contacts', expiresAt: minutes(100) }), null, 'renew'],
    ['pointing at another URL', record({ module: 'contacts' }), { id: 'x', notificationUrl: 'https://old.example.com/api/graph/notifications' }, 'replace'],
    ['Graph\'s expiry is earlier than ours: Graph\'s counts', record({ module: 'contacts', expiresAt: minutes(9000) }), { id: 'x', notificationUrl: URL_OURS, expirationDateTime: minutes(60) }, 'renew'],
    ['Graph\'s expiry is later than ours: ours counts', record({ module: 'contacts', expiresAt: minutes(60) }), { id: 'x', notificationUrl: URL_OURS, expirationDateTime: minutes(9000) }, 'renew'],
    ['Graph omits the URL: not a reason to replace', record({ module: 'contacts' }), { id: 'x', notificationUrl: null }, 'wait'],
  ] as const)('%s → %s', (_name, sub, view, action) => {
    expect(renewalAction(sub, NOW, view, URL_OURS)).toBe(action);
  });
});

describe('recentlyTouched', () => {
  it('uses the later of the two timestamps and the 10-minute window', () => {
    expect(recentlyTouched({}, NOW)).toBe(false);
    expect(recentlyTouched({ renewedAt: new Date(NOW.getTime() - QUIET_WINDOW_MS + 1000).toISOString() }, NOW)).toBe(true);
    expect(recentlyTouched({ renewedAt: minutes(-60), reauthorizedAt: minutes(-2) }, NOW)).toBe(true);
    expect(recentlyTouched({ renewedAt: minutes(-10) }, NOW)).toBe(false);
  });
});

describe('lifecycleAction', () => {
  const sub = record({ module: 'contacts' });
  it.each([
    ['reauthorizationRequired on a quiet row → renew (PATCH)', 'reauthorizationRequired', sub, 'renew'],
    ['reauthorizationRequired 3 minutes after a renewal → skip', 'reauthorizationRequired', { ...sub, renewedAt: minutes(-3) }, 'skip-recent'],
    ['reauthorizationRequired 9 minutes after a reauthorization → skip', 'reauthorizationRequired', { ...sub, reauthorizedAt: minutes(-9) }, 'skip-recent'],
    ['reauthorizationRequired 30 minutes after → renew', 'reauthorizationRequired', { ...sub, reauthorizedAt: minutes(-30) }, 'renew'],
    ['reauthorizationRequired for an unknown subscription → ignore', 'reauthorizationRequired', undefined, 'ignore'],
    ['subscriptionRemoved → recreate', 'subscriptionRemoved', sub, 'recreate'],
    ['subscriptionRemoved for a row already replaced → ignore', 'subscriptionRemoved', undefined, 'ignore'],
    ['missed → resync', 'missed', sub, 'resync'],
    ['missed for a replaced subscription → still resync the mailbox', 'missed', undefined, 'resync'],
  ] as const)('%s', (_name, event, s, action) => {
    expect(lifecycleAction(event, s, NOW)).toBe(action);
  });
});

describe('membershipChanges', () => {
  const users = [
    { userId: 'a', sources: ['group:g'] },
    { userId: 'b', sources: ['ids'] },
    { userId: 'c', sources: ['group:g', 'ids'] },
    { userId: 'd', sources: ['group:other'] },
  ];
  it('finds who joined, who is already there from elsewhere, and who left', () => {
    expect(membershipChanges('group:g', new Set(['a', 'b', 'e', 'x']), users, new Set(['x']))).toEqual({ join: ['e'], extend: ['b'], leave: ['c'] });
  });
  it('compares object ids case-insensitively', () => {
    expect(membershipChanges('group:g', new Set(['A', 'C']), users, new Set())).toEqual({ join: [], extend: [], leave: [] });
  });
  it('withoutSource keeps the other sources', () => {
    expect(withoutSource(['group:g', 'ids'], 'group:g')).toEqual(['ids']);
  });
});

describe('followUpSync', () => {
  const o = (module: SlotStatus['module'], result: SlotStatus['result']): SlotStatus => ({ module, result });
  it.each([
    ['a new mailbox: one full sync, Sent Items history left out', true, [o('contacts', 'created'), o('events', 'created'), o('mail', 'created'), o('tasks', 'created')], { mode: 'full', modules: ['contacts', 'tasks', 'events'] }],
    ['a new mailbox whose To Do is polled still gets its tasks read', true, [o('contacts', 'created'), o('tasks', 'polled')], { mode: 'full', modules: ['contacts', 'tasks'] }],
    ['a new mailbox: refused modules are not synced', true, [o('contacts', 'refused'), o('events', 'created')], { mode: 'full', modules: ['events'] }],
    ['nothing usable', true, [o('contacts', 'refused'), o('mail', 'failed')], undefined],
    ['a second run that changed nothing', false, [o('contacts', 'existing'), o('mail', 'existing')], undefined],
    ['a second run that filled gaps', false, [o('contacts', 'existing'), o('mail', 'adopted'), o('tasks', 'created'), o('tasks', 'created')], { mode: 'delta', modules: ['mail', 'tasks'] }],
  ] as const)('%s', (_name, isNew, outcomes, expected) => {
    expect(followUpSync(isNew, outcomes)).toEqual(expected);
  });
});
