import type { TableClient } from '@azure/data-tables';
import type { StoredZohoToken, ZohoTokenStore } from '../zoho/token-store';
import { isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';

const PK = 'zoho';
const RK = 'access-token';

/**
 * The Zoho access token shared by every instance (zoho.md §1: ~10 refreshes per 10 minutes per
 * refresh token). Writes are compare-and-swap on the row's etag, so of two instances that
 * refreshed at once only one token is kept and the other instance adopts it.
 */
export class TableZohoTokenStore implements ZohoTokenStore {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('zohotoken');
  }

  async read(): Promise<StoredZohoToken | undefined> {
    const table = await this.table();
    try {
      const row = await table.getEntity<{ token: string; expiresAt: number }>(PK, RK);
      return { token: row.token, expiresAt: Number(row.expiresAt), etag: row.etag };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async write(token: { token: string; expiresAt: number }, expectedEtag: string | undefined): Promise<boolean> {
    const table = await this.table();
    const entity = { partitionKey: PK, rowKey: RK, token: token.token, expiresAt: token.expiresAt };
    try {
      if (expectedEtag === undefined) await table.createEntity(entity);
      else await table.updateEntity(entity, 'Replace', { etag: expectedEtag });
      return true;
    } catch (err) {
      if (isConflict(err) || isPreconditionFailed(err) || isNotFound(err)) return false;
      throw err;
    }
  }
}
