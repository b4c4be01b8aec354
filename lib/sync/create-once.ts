/**
 * "Create once under a claim", for the org-wide records the sync may create: an Account per
 * company, a Lead or Contact per unknown recipient, a Case per e-mail. The look-up table's row is
 * claimed (insert-if-absent), Zoho is searched again under the claim (a worker that died may have
 * created the record), and only then is the record inserted; the row then names it for everybody.
 */
import type { LookupClaimRepository, LookupState } from '../state/lookup-claims';
import { CLAIM_STALE_MS } from './engine';
import { ItemBusyError } from './outcome';

export type Made<T> = { id: string; created: boolean; value?: T };

export interface CreateOnceSteps<T> {
  /** the look-up row as the caller just read it (present, even as undefined, when it did): not read again */
  known?: { row: LookupState };
  /** a record the row names may be gone since (a Case deleted in Zoho): false forgets it */
  stillThere?(id: string): Promise<boolean>;
  /** the record by the key, in Zoho (under the claim) */
  find?(): Promise<(T & { id: string }) | undefined>;
  /** `existed`: Zoho's duplicate check named a record that was there already */
  create(): Promise<T & { id: string; existed?: boolean }>;
}

export async function createOnce<T>(claims: LookupClaimRepository, module: string, key: string, now: Date, steps: CreateOnceSteps<T>): Promise<Made<T>> {
  const known = steps.known ? steps.known.row : await claims.get(module, key);
  if (known?.state === 'done') {
    if (!steps.stillThere || (await steps.stillThere(known.zohoId))) return { id: known.zohoId, created: false };
    await claims.release(module, key);
  }
  if (!(await claims.claim(module, key, now, CLAIM_STALE_MS))) {
    const again = await claims.get(module, key);
    if (again?.state === 'done') return { id: again.zohoId, created: false };
    throw new ItemBusyError();
  }
  try {
    const found = await steps.find?.();
    const made = found ?? (await steps.create());
    await claims.done(module, key, made.id);
    return { id: made.id, created: !found && !(made as { existed?: boolean }).existed, value: made };
  } catch (err) {
    await claims.release(module, key);
    throw err;
  }
}
