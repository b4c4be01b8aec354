/**
 * Zoho → Outlook decisions, as one pure table (the mirror of decide.ts): link state × Zoho state ×
 * Outlook state → action. The executor (lib/zohofeed/apply.ts) finds the states out, asks here,
 * and carries the action out. Every cell is a row of test/unit/sync-reverse-decide.test.ts.
 */

/** Whether a link (Zoho record ↔ Outlook item) exists for the record in some mailbox. */
export type ReverseLinkState = 'absent' | 'linked';

/**
 * The Zoho record: `new` (heard as an insert), `changed` / `unchanged` (its mapped values against
 * the Outlook item, after Modified_Time said something moved), `deleted`, `owner-moved` (its
 * Owner now maps to another mailbox than the one it is linked in, or to none), or `not-ours`
 * (another user's record that this mailbox only holds by a forward link: see ownerMismatch).
 */
export type ReverseZohoState = 'new' | 'changed' | 'unchanged' | 'deleted' | 'owner-moved' | 'not-ours';

/** The linked Outlook item as Graph has it now (`absent` when no link says which item). */
export type ReverseOutlookState = 'present' | 'absent';

export type ReverseAction =
  | { do: 'nothing' }
  /** first sight in this mailbox: an Outlook duplicate (the seed's key) is linked and filled, else an item is created */
  | { do: 'create-or-link' }
  /** PATCH only the fields whose Zoho value differs from Outlook's */
  | { do: 'update' }
  /** the record went (deleted, or out of this mailbox): the item follows `reverseRemoval` */
  | { do: 'remove'; reason: string }
  /** only the link goes; the Outlook item stays as the person has it */
  | { do: 'unlink'; reason: string }
  /** leave the old mailbox (a scope exit, per `reverseRemoval`) and arrive in the new one */
  | { do: 'move' }
  /**
   * not this mailbox's record: only the reverse index row goes; the Outlook item and its forward
   * link stay as they are, and the record arrives in its owner's mailbox
   */
  | { do: 'release' };

export const DELETED_IN_OUTLOOK_KEPT = 'the Outlook item was deleted in Outlook; Zoho unchanged, so not created again (a later change in Zoho adds it again)';
export const DELETED_IN_OUTLOOK_RECREATED = 'the Outlook item was deleted in Outlook; created again from Zoho';
export const DELETED_IN_ZOHO = 'deleted in Zoho';
export const OWNER_LEFT = 'the Zoho owner changed to someone without a synced mailbox';

export function decideReverse(link: ReverseLinkState, zoho: ReverseZohoState, outlook: ReverseOutlookState): ReverseAction {
  if (link === 'absent') {
    // No link: whatever Outlook holds is found by the duplicate rule, never assumed.
    return zoho === 'deleted' ? { do: 'nothing' } : { do: 'create-or-link' };
  }
  switch (zoho) {
    case 'new':
    case 'changed':
      return outlook === 'present' ? { do: 'update' } : { do: 'create-or-link' };
    case 'unchanged':
      // The person's deletion in Outlook is respected until Zoho has something new to say.
      return outlook === 'present' ? { do: 'nothing' } : { do: 'unlink', reason: DELETED_IN_OUTLOOK_KEPT };
    case 'deleted':
      return outlook === 'present' ? { do: 'remove', reason: DELETED_IN_ZOHO } : { do: 'unlink', reason: `${DELETED_IN_ZOHO}; the Outlook item was already gone` };
    case 'owner-moved':
      return { do: 'move' };
    case 'not-ours':
      // Outlook state does not matter: the item is the person's, linked to a record someone else keeps.
      return { do: 'release' };
  }
}

export interface OwnerMismatchFacts {
  /** the sync created the Outlook item (the index row's origin) */
  itemCreatedBySync: boolean;
  /** the sync created the Zoho record from this mailbox's item (the link row's origin) */
  recordCreatedBySync: boolean;
  /** this mailbox's link is a forward link to a record that existed (a holder of the record) */
  forwardHolder: boolean;
}

/**
 * A linked record whose Owner is not this mailbox's owner (issue 16 §2). The reverse index only
 * holds the owner's records; a forward link to a record the sync did not create (shared customers:
 * many mailboxes hold one contact) is not a claim on the record, so its row (made before the
 * forward path checked the owner) is `not-ours`. Everything else the mailbox held from Zoho, or
 * created in Zoho, is a real move.
 */
export function ownerMismatch(f: OwnerMismatchFacts): 'owner-moved' | 'not-ours' {
  return !f.itemCreatedBySync && !f.recordCreatedBySync && f.forwardHolder ? 'not-ours' : 'owner-moved';
}

export interface ReverseRemovalFacts {
  /** the sync created the Outlook item (the link's origin); an item that existed is never deleted */
  createdBySync: boolean;
  deletes: 'delete' | 'unlink';
}

export type ReverseRemoval = { do: 'delete' } | { do: 'unlink'; reason: string };

/** Issue 16 §7: the Outlook item goes only when the sync created it and SYNC_DELETES=delete. */
export function reverseRemoval(f: ReverseRemovalFacts): ReverseRemoval {
  if (f.deletes === 'unlink') return { do: 'unlink', reason: 'the Outlook item is kept (SYNC_DELETES=unlink)' };
  if (!f.createdBySync) return { do: 'unlink', reason: 'the Outlook item is kept: it existed in Outlook before the sync linked it' };
  return { do: 'delete' };
}
