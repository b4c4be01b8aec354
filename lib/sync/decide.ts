/**
 * The sync's decisions, as one pure table: link state × Outlook state × Zoho state → action, and
 * the removal rule for records shared by several mailboxes. No I/O: the executor (engine.ts) finds
 * out the states, asks here, and carries the action out. Every cell is a row of
 * test/unit/sync-decide.test.ts.
 */

/** Whether this Outlook item has a Zoho record linked (a claim whose write is in doubt is resolved first). */
export type LinkState = 'absent' | 'linked';

/**
 * The Outlook item compared with the link's snapshot: `new` (no link yet), `changed` / `unchanged`
 * (mapped values), `deleted` (gone, or a removal such as a cancelled meeting), `out-of-scope` (lost
 * the category, outside the window, private), `refused` (the module will not write it at all).
 */
export type OutlookState = 'new' | 'changed' | 'unchanged' | 'deleted' | 'out-of-scope' | 'refused';

/**
 * What is known about the linked Zoho record. The notification path does not read Zoho before
 * writing (an update stays one Zoho call), so it starts `unknown`; a write's answer makes it
 * `deleted` (Zoho no longer knows the id) or `present` / `changed` (Modified_Time moved since ours).
 */
export type ZohoState = 'present' | 'changed' | 'deleted' | 'unknown';

export type Action =
  /** nothing to write; the report says `unchanged` for a linked item */
  | { do: 'nothing' }
  /** first seen: the module's duplicate rule finds a record to link (filling empty fields), else a record is created */
  | { do: 'create-or-link' }
  /** field-level update of the linked record: only the fields that changed in Outlook */
  | { do: 'update' }
  /** the record was deleted in Zoho while the Outlook item changed: forget the link and create it again */
  | { do: 'recreate'; reason: string }
  /** removal: delete (or cancel) the record, subject to `removal()` for shared and pre-existing records */
  | { do: 'remove' }
  /** only the link goes; the Zoho record stays as it is */
  | { do: 'unlink'; reason: string }
  /** nothing written, reported as skipped */
  | { do: 'skip' };

export const DELETED_IN_ZOHO_RECREATED = 'the Zoho record was deleted in Zoho; created again from Outlook';
export const DELETED_IN_ZOHO_UNLINKED = 'the Zoho record was deleted in Zoho; Outlook unchanged, so not created again (a later change in Outlook adds it again)';
export const ALREADY_GONE = 'the Zoho record was already deleted in Zoho';
export const LEFT_SCOPE = 'left the sync scope';

export function decide(link: LinkState, outlook: OutlookState, zoho: ZohoState): Action {
  if (link === 'absent') {
    switch (outlook) {
      case 'new':
      case 'changed':
      case 'unchanged':
        // No link: whatever Zoho holds is found by the duplicate rule, never assumed.
        return { do: 'create-or-link' };
      case 'refused':
        return { do: 'skip' };
      case 'deleted':
      case 'out-of-scope':
        return { do: 'nothing' };
    }
  }
  switch (outlook) {
    case 'new':
    case 'changed':
      return zoho === 'deleted' ? { do: 'recreate', reason: DELETED_IN_ZOHO_RECREATED } : { do: 'update' };
    case 'unchanged':
      // A CRM user's deletion is respected until Outlook has something new to say.
      return zoho === 'deleted' ? { do: 'unlink', reason: DELETED_IN_ZOHO_UNLINKED } : { do: 'nothing' };
    case 'deleted':
      return zoho === 'deleted' ? { do: 'unlink', reason: ALREADY_GONE } : { do: 'remove' };
    case 'out-of-scope':
      // SPEC §1: an item that loses the category stops syncing; its record stays in Zoho.
      return { do: 'unlink', reason: zoho === 'deleted' ? ALREADY_GONE : LEFT_SCOPE };
    case 'refused':
      return { do: 'unlink', reason: zoho === 'deleted' ? ALREADY_GONE : LEFT_SCOPE };
  }
}

export interface RemovalFacts {
  /** whether the sync created the record (for this link, or for another mailbox's link that is gone) */
  createdBySync: boolean;
  /** links of other Outlook items (other mailboxes) to the same record */
  otherLinks: number;
  deletes: 'delete' | 'unlink';
  /** a cancelled meeting: cancelled in Zoho, not deleted, so neither sharing nor SYNC_DELETES holds it back */
  cancel: boolean;
}

export type Removal = { do: 'delete' } | { do: 'cancel' } | { do: 'unlink'; reason: string };

/**
 * SPEC §2 and issue 10: a delete in Outlook deletes the Zoho record only when the sync created it
 * and no other mailbox links it; otherwise only this mailbox's link goes, and the report says why.
 */
export function removal(f: RemovalFacts): Removal {
  if (f.cancel) return { do: 'cancel' };
  if (f.deletes === 'unlink') return { do: 'unlink', reason: 'the Zoho record is kept (SYNC_DELETES=unlink)' };
  // Every reason that holds is said: other links counted from the holder row, and a record the sync linked rather than created.
  const why = [
    ...(f.otherLinks > 0 ? [`still linked from ${f.otherLinks} other mailbox${f.otherLinks === 1 ? '' : 'es'}`] : []),
    ...(f.createdBySync ? [] : ['it existed in Zoho before the sync linked it']),
  ];
  if (why.length > 0) return { do: 'unlink', reason: `the Zoho record is kept: ${why.join(', and ')}` };
  return { do: 'delete' };
}

/** Zoho's answer to an insert, decided: created, or link the record Zoho's duplicate check names. */
export type InsertOutcome = { do: 'created'; id: string } | { do: 'link'; id: string; how: string } | { do: 'refused' };

export function afterInsert(r: { status: 'success'; id: string } | { status: 'error'; code: string; duplicateId?: string; field?: string }): InsertOutcome {
  if (r.status === 'success') return { do: 'created', id: r.id };
  if (r.code === 'DUPLICATE_DATA' && r.duplicateId) return { do: 'link', id: r.duplicateId, how: `Zoho's duplicate check on ${r.field ?? 'a unique field'}` };
  return { do: 'refused' };
}
