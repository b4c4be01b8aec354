import {
  decideReverse, DELETED_IN_OUTLOOK_KEPT, DELETED_IN_ZOHO, ownerMismatch, reverseRemoval,
  type ReverseAction, type ReverseLinkState, type ReverseOutlookState, type ReverseZohoState,
} from '../../lib/sync/reverse-decide';

const create: ReverseAction = { do: 'create-or-link' };
const nothing: ReverseAction = { do: 'nothing' };
const update: ReverseAction = { do: 'update' };
const move: ReverseAction = { do: 'move' };
const release: ReverseAction = { do: 'release' };
const remove: ReverseAction = { do: 'remove', reason: DELETED_IN_ZOHO };
const unlink = (reason: string): ReverseAction => ({ do: 'unlink', reason });

/** Every cell: link × Zoho × Outlook. */
const table: [ReverseLinkState, ReverseZohoState, ReverseOutlookState, ReverseAction][] = [
  // No link: the Outlook duplicate rule decides between linking and creating.
  ['absent', 'new', 'absent', create],
  ['absent', 'new', 'present', create],
  ['absent', 'changed', 'absent', create],
  ['absent', 'changed', 'present', create],
  ['absent', 'unchanged', 'absent', create],
  ['absent', 'unchanged', 'present', create],
  ['absent', 'deleted', 'absent', nothing],
  ['absent', 'deleted', 'present', nothing],
  // An owner change with no link is simply an arrival in the new mailbox.
  ['absent', 'owner-moved', 'absent', create],
  ['absent', 'owner-moved', 'present', create],
  ['linked', 'new', 'present', update],
  ['linked', 'new', 'absent', create],
  ['linked', 'changed', 'present', update],
  // Zoho has something new to say about an item the person deleted: it comes back.
  ['linked', 'changed', 'absent', create],
  ['linked', 'unchanged', 'present', nothing],
  ['linked', 'unchanged', 'absent', unlink(DELETED_IN_OUTLOOK_KEPT)],
  ['linked', 'deleted', 'present', remove],
  ['linked', 'deleted', 'absent', unlink(`${DELETED_IN_ZOHO}; the Outlook item was already gone`)],
  ['linked', 'owner-moved', 'present', move],
  ['linked', 'owner-moved', 'absent', move],
  // Another user's record held here by a forward link: the Outlook item is never touched, only the reverse row goes.
  ['absent', 'not-ours', 'absent', create],
  ['absent', 'not-ours', 'present', create],
  ['linked', 'not-ours', 'present', release],
  ['linked', 'not-ours', 'absent', release],
];

describe('decideReverse', () => {
  it.each(table)('link %s × Zoho %s × Outlook %s', (link, zoho, outlook, expected) => {
    expect(decideReverse(link, zoho, outlook)).toEqual(expected);
  });

  it('has a row for every cell', () => {
    expect(new Set(table.map(([l, z, o]) => `${l}|${z}|${o}`)).size).toBe(2 * 6 * 2);
  });
});

describe('ownerMismatch', () => {
  it.each([
    // A forward link to a record that existed (shared customers): not this mailbox's record.
    [false, false, true, 'not-ours'],
    // The sync created the record from this mailbox's item, or the item from the record, or the link came from Zoho: a move.
    [false, true, true, 'owner-moved'],
    [true, false, true, 'owner-moved'],
    [true, true, true, 'owner-moved'],
    [false, false, false, 'owner-moved'],
    [false, true, false, 'owner-moved'],
    [true, false, false, 'owner-moved'],
    [true, true, false, 'owner-moved'],
  ] as const)('item created by the sync %s, record created by the sync %s, forward holder %s → %s', (itemCreatedBySync, recordCreatedBySync, forwardHolder, expected) => {
    expect(ownerMismatch({ itemCreatedBySync, recordCreatedBySync, forwardHolder })).toBe(expected);
  });
});

describe('reverseRemoval', () => {
  it.each([
    [true, 'delete', { do: 'delete' }],
    [true, 'unlink', { do: 'unlink', reason: 'the Outlook item is kept (SYNC_DELETES=unlink)' }],
    [false, 'delete', { do: 'unlink', reason: 'the Outlook item is kept: it existed in Outlook before the sync linked it' }],
    [false, 'unlink', { do: 'unlink', reason: 'the Outlook item is kept (SYNC_DELETES=unlink)' }],
  ] as const)('created by the sync %s, SYNC_DELETES=%s', (createdBySync, deletes, expected) => {
    expect(reverseRemoval({ createdBySync, deletes })).toEqual(expected);
  });
});
