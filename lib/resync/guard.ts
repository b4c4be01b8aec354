/**
 * The mass-delete guard (pure). A resync that would remove more than a set share of one user's
 * linked records is far more likely to be a broken mailbox, a permission change or a folder
 * moved out of reach than thousands of real deletions; deleting in Zoho cannot be undone, so the
 * run stops before deleting anything and says why, unless the request says `force: true`.
 */

export interface GuardInput {
  /** the user's links (Graph item ↔ Zoho record) in the modules this run covers */
  linked: number;
  /** links this run would remove (records deleted, or only unlinked with SYNC_DELETES=unlink) */
  removals: number;
  /** SYNC_MASS_DELETE_SHARE, 0..1 */
  share: number;
  force: boolean;
  deletes: 'delete' | 'unlink';
}

export type GuardDecision = { proceed: true; message?: string } | { proceed: false; message: string };

function percent(x: number): string {
  const p = x * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

export function massDeleteDecision(input: GuardInput): GuardDecision {
  const { linked, removals, share, force } = input;
  if (removals <= 0 || linked <= 0) return { proceed: true };
  const ratio = removals / linked;
  if (ratio <= share) return { proceed: true };
  const [verb, doing, done] = input.deletes === 'delete' ? ['delete', 'deleting', 'deleted'] : ['unlink', 'unlinking', 'unlinked'];
  const what = `this run would ${verb} ${removals} of the user's ${linked} linked Zoho records (${percent(ratio)}), more than SYNC_MASS_DELETE_SHARE (${percent(share)})`;
  if (force) return { proceed: true, message: `Forced: ${what}; went ahead because the request said "force": true.` };
  return {
    proceed: false,
    message: `Stopped before ${doing}: ${what}. Nothing was ${done}; added and changed items were synced. If the items really are gone from Outlook, run the resync again with "force": true.`,
  };
}
