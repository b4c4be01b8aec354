import type { TableClient } from '@azure/data-tables';
import type { StoredZohoToken, ZohoTokenEntry, ZohoTokenStore } from '../zoho/token-store';
import { isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';

const PK = 'zoho';
const RK = 'access-token';

interface Row {
  token: string;
  expiresAt: string | number;
  refreshingUntil?: string | number;
}

/**
 * The Zoho access token shared by every instance (zoho.md §1: ~10 refreshes per 10 minutes per
 * refresh token). Writes are compare-and-swap on the row's etag, so of two instances only one
 * takes the refresh lease or stores its token, and the other adopts the winner's.
 *
 * Epoch milliseconds are stored as strings: a bare JSON number is typed Edm.Int32 by the Table
 * service, which an epoch in milliseconds does not fit (Azurite does not check).
 */
export class TableZohoTokenStore implements ZohoTokenStore {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('zohotoken');
  }

  async read(): Promise<StoredZohoToken | undefined> {
    const table = await this.table();
    try {
      const row = await table.getEntity<Row>(PK, RK);
      return { token: row.token ?? '', expiresAt: Number(row.expiresAt) || 0, refreshingUntil: Number(row.refreshingUntil ?? 0) || 0, etag: row.etag };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async write(entry: ZohoTokenEntry, expectedEtag: string | undefined): Promise<string | false> {
    const table = await this.table();
    const row = { partitionKey: PK, rowKey: RK, token: entry.token, expiresAt: String(entry.expiresAt), refreshingUntil: String(entry.refreshingUntil ?? 0) };
    try {
      const res = expectedEtag === undefined ? await table.createEntity(row) : await table.updateEntity(row, 'Replace', { etag: expectedEtag });
      return res.etag ?? '';
    } catch (err) {
      if (isConflict(err) || isPreconditionFailed(err) || isNotFound(err)) return false;
      throw err;
    }
  }
}
