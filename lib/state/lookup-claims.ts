import type { TableClient } from '@azure/data-tables';
import { compositeKey } from './keys';
import { deleteIfPresent, isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';

export type LookupState = { state: 'done'; zohoId: string } | { state: 'claimed'; claimedAt: string; etag: string } | undefined;

/**
 * Org-wide look-up records the sync may create (an Account per company name, a Lead per unknown
 * address): keyed by module and normalised value, with the same insert-if-absent claim as links so
 * two instances never create the same Account twice.
 */
export class LookupClaimRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('lookups');
  }

  private key(module: string, value: string) {
    return { partitionKey: compositeKey(module), rowKey: compositeKey(value) };
  }

  async get(module: string, value: string): Promise<LookupState> {
    const table = await this.table();
    const k = this.key(module, value);
    try {
      const row = await table.getEntity<{ state: string; zohoId?: string; claimedAt?: string }>(k.partitionKey, k.rowKey);
      return row.state === 'done' && row.zohoId ? { state: 'done', zohoId: row.zohoId } : { state: 'claimed', claimedAt: row.claimedAt ?? '', etag: row.etag };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** true when this caller now owns the creation */
  async claim(module: string, value: string, now: Date, staleAfterMs: number): Promise<boolean> {
    const table = await this.table();
    const k = this.key(module, value);
    try {
      await table.createEntity({ ...k, state: 'claimed', claimedAt: now.toISOString() });
      return true;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const current = await this.get(module, value);
    if (current?.state !== 'claimed' || now.getTime() - Date.parse(current.claimedAt || '1970-01-01') < staleAfterMs) return false;
    try {
      await table.updateEntity({ ...k, state: 'claimed', claimedAt: now.toISOString() }, 'Replace', { etag: current.etag });
      return true;
    } catch (err) {
      if (isPreconditionFailed(err)) return false;
      throw err;
    }
  }

  async done(module: string, value: string, zohoId: string): Promise<void> {
    const table = await this.table();
    await table.upsertEntity({ ...this.key(module, value), state: 'done', zohoId }, 'Replace');
  }

  async release(module: string, value: string): Promise<void> {
    const table = await this.table();
    const k = this.key(module, value);
    await deleteIfPresent(table, k.partitionKey, k.rowKey);
  }
}
