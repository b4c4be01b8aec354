import {
  afterInsert, ALREADY_GONE, decide, DELETED_IN_ZOHO_RECREATED, DELETED_IN_ZOHO_UNLINKED, LEFT_SCOPE, removal,
  type Action, type LinkState, type OutlookState, type ZohoState,
} from '../../lib/sync/decide';

const create: Action = { do: 'create-or-link' };
const nothing: Action = { do: 'nothing' };
const update: Action = { do: 'update' };
const remove: Action = { do: 'remove' };
const skip: Action = { do: 'skip' };
const recreate: Action = { do: 'recreate', reason: DELETED_IN_ZOHO_RECREATED };
const unlink = (reason: string): Action => ({ do: 'unlink', reason });

/** Every cell: link × Outlook × Zoho. */
const table: [LinkState, OutlookState, ZohoState, Action][] = [
  // No link: whatever Zoho holds, the duplicate rule decides between linking and creating.
  ['absent', 'new', 'unknown', create],
  ['absent', 'new', 'present', create],
  ['absent', 'new', 'changed', create],
  ['absent', 'new', 'deleted', create],
  ['absent', 'changed', 'unknown', create],
  ['absent', 'changed', 'present', create],
  ['absent', 'changed', 'changed', create],
  ['absent', 'changed', 'deleted', create],
  ['absent', 'unchanged', 'unknown', create],
  ['absent', 'unchanged', 'present', create],
  ['absent', 'unchanged', 'changed', create],
  ['absent', 'unchanged', 'deleted', create],
  ['absent', 'deleted', 'unknown', nothing],
  ['absent', 'deleted', 'present', nothing],
  ['absent', 'deleted', 'changed', nothing],
  ['absent', 'deleted', 'deleted', nothing],
  ['absent', 'out-of-scope', 'unknown', nothing],
  ['absent', 'out-of-scope', 'present', nothing],
  ['absent', 'out-of-scope', 'changed', nothing],
  ['absent', 'out-of-scope', 'deleted', nothing],
  ['absent', 'refused', 'unknown', skip],
  ['absent', 'refused', 'present', skip],
  ['absent', 'refused', 'changed', skip],
  ['absent', 'refused', 'deleted', skip],
  // Linked.
  ['linked', 'new', 'unknown', update],
  ['linked', 'new', 'present', update],
  ['linked', 'new', 'changed', update],
  ['linked', 'new', 'deleted', recreate],
  ['linked', 'changed', 'unknown', update],
  ['linked', 'changed', 'present', update],
  // A CRM user's edit of other fields is kept: the update is field-level.
  ['linked', 'changed', 'changed', update],
  ['linked', 'changed', 'deleted', recreate],
  ['linked', 'unchanged', 'unknown', nothing],
  ['linked', 'unchanged', 'present', nothing],
  ['linked', 'unchanged', 'changed', nothing],
  ['linked', 'unchanged', 'deleted', unlink(DELETED_IN_ZOHO_UNLINKED)],
  ['linked', 'deleted', 'unknown', remove],
  ['linked', 'deleted', 'present', remove],
  ['linked', 'deleted', 'changed', remove],
  ['linked', 'deleted', 'deleted', unlink(ALREADY_GONE)],
  ['linked', 'out-of-scope', 'unknown', unlink(LEFT_SCOPE)],
  ['linked', 'out-of-scope', 'present', unlink(LEFT_SCOPE)],
  ['linked', 'out-of-scope', 'changed', unlink(LEFT_SCOPE)],
  ['linked', 'out-of-scope', 'deleted', unlink(ALREADY_GONE)],
  ['linked', 'refused', 'unknown', unlink(LEFT_SCOPE)],
  ['linked', 'refused', 'present', unlink(LEFT_SCOPE)],
  ['linked', 'refused', 'changed', unlink(LEFT_SCOPE)],
  ['linked', 'refused', 'deleted', unlink(ALREADY_GONE)],
];

describe('decide(link, outlook, zoho)', () => {
  it('has a row for every cell', () => {
    expect(new Set(table.map(([l, o, z]) => `${l}|${o}|${z}`)).size).toBe(2 * 6 * 4);
  });

  it.each(table)('link %s, Outlook %s, Zoho %s', (link, outlook, zoho, expected) => {
    expect(decide(link, outlook, zoho)).toEqual(expected);
  });
});

describe('removal(facts)', () => {
  it.each([
    [{ createdBySync: true, otherLinks: 0, deletes: 'delete', cancel: false }, { do: 'delete' }],
    [{ createdBySync: true, otherLinks: 2, deletes: 'delete', cancel: false }, { do: 'unlink', reason: 'the Zoho record is kept: still linked from 2 other mailboxes' }],
    [{ createdBySync: true, otherLinks: 1, deletes: 'delete', cancel: false }, { do: 'unlink', reason: 'the Zoho record is kept: still linked from 1 other mailbox' }],
    [{ createdBySync: false, otherLinks: 0, deletes: 'delete', cancel: false }, { do: 'unlink', reason: 'the Zoho record is kept: it existed in Zoho before the sync linked it' }],
    [{ createdBySync: false, otherLinks: 3, deletes: 'delete', cancel: false }, { do: 'unlink', reason: 'the Zoho record is kept: still linked from 3 other mailboxes, and it existed in Zoho before the sync linked it' }],
    [{ createdBySync: false, otherLinks: 1, deletes: 'delete', cancel: false }, { do: 'unlink', reason: 'the Zoho record is kept: still linked from 1 other mailbox, and it existed in Zoho before the sync linked it' }],
    [{ createdBySync: true, otherLinks: 0, deletes: 'unlink', cancel: false }, { do: 'unlink', reason: 'the Zoho record is kept (SYNC_DELETES=unlink)' }],
    [{ createdBySync: false, otherLinks: 0, deletes: 'unlink', cancel: true }, { do: 'cancel' }],
    [{ createdBySync: true, otherLinks: 1, deletes: 'delete', cancel: true }, { do: 'cancel' }],
  ] as const)('%j → %j', (facts, expected) => {
    expect(removal(facts)).toEqual(expected);
  });
});

describe('afterInsert(result)', () => {
  it.each([
    [{ status: 'success', id: '1' }, { do: 'created', id: '1' }],
    // Zoho's duplicate check names the record that holds the value: it is linked, not refused.
    [{ status: 'error', code: 'DUPLICATE_DATA', duplicateId: '9', field: 'Email' }, { do: 'link', id: '9', how: "Zoho's duplicate check on Email" }],
    [{ status: 'error', code: 'DUPLICATE_DATA' }, { do: 'refused' }],
    [{ status: 'error', code: 'INVALID_DATA', field: 'Email' }, { do: 'refused' }],
  ] as const)('%j → %j', (result, expected) => {
    expect(afterInsert(result)).toEqual(expected);
  });
});
