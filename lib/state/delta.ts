import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { compositeKey, encodeKey } from './keys';
import { assertEntityFits, deleteIfPresent, isNotFound, type TableStore } from './tables';

/**
 * Graph delta links per user, module and scope (contact folder, To Do list, calendar window,
 * mail folder). Stored whole: Graph encodes the original query in the token.
 */
export class DeltaLinkRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('deltalinks');
  }

  async get(userId: string, module: SyncModule, scope: string): Promise<string | undefined> {
    const table = await this.table();
    try {
      const row = await table.getEntity<{ deltaLink: string }>(encodeKey(userId), compositeKey(module, scope));
      return row.deltaLink || undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async put(userId: string, module: SyncModule, scope: string, deltaLink: string): Promise<void> {
    const table = await this.table();
    const row = { partitionKey: encodeKey(userId), rowKey: compositeKey(module, scope), deltaLink, savedAt: new Date().toISOString() };
    assertEntityFits(row);
    await table.upsertEntity(row, 'Replace');
  }

  async delete(userId: string, module: SyncModule, scope: string): Promise<void> {
    const table = await this.table();
    await deleteIfPresent(table, encodeKey(userId), compositeKey(module, scope));
  }

  /** Deprovisioning: every delta link of one user, whatever the module and scope. */
  async deleteAllForUser(userId: string): Promise<number> {
    const table = await this.table();
    let n = 0;
    for await (const row of table.listEntities<{ partitionKey: string; rowKey: string }>({ queryOptions: { filter: odata`PartitionKey eq ${encodeKey(userId)}`, select: ['RowKey'] } })) {
      if (await deleteIfPresent(table, encodeKey(userId), row.rowKey)) n++;
    }
    return n;
  }
}
