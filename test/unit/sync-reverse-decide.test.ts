import {
  decideReverse, DELETED_IN_OUTLOOK_KEPT, DELETED_IN_ZOHO, reverseRemoval,
  type ReverseAction, type ReverseLinkState, type ReverseOutlookState, type ReverseZohoState,
} from '../../lib/sync/reverse-decide';

const create: ReverseAction = { do: 'create-or-link' };
const nothing: ReverseAction = { do: 'nothing' };
const update: ReverseAction = { do: 'update' };
const move: ReverseAction = { do: 'move' };
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
];

describe('decideReverse', () => {
  it.each(table)('link %s × Zoho %s × Outlook %s', (link, zoho, outlook, expected) => {
    expect(decideReverse(link, zoho, outlook)).toEqual(expected);
  });

  it('has a row for every cell', () => {
    expect(new Set(table.map(([l, z, o]) => `${l}|${z}|${o}`)).size).toBe(2 * 5 * 2);
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
