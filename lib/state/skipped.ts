import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { compositeKey, encodeKey, splitCompositeKey } from './keys';
import { deleteIfPresent, fitProperty, type TableStore } from './tables';

export interface SkippedItem {
  userId: string;
  module: SyncModule;
  itemId: string;
  reason: string;
  code?: string;
  runId: string;
  at: string;
  /** task list id / folder scope needed to re-read the item */
  scope?: string;
}

/** Items the last sync could not apply; the next manual resync retries them (SPEC §2.6). */
export class SkippedRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('skipped');
  }

  async put(item: SkippedItem): Promise<void> {
    const table = await this.table();
    await table.upsertEntity(
      {
        partitionKey: encodeKey(item.userId),
        rowKey: compositeKey(item.module, item.itemId),
        reason: fitProperty(item.reason, 2000),
        code: item.code ?? '',
        runId: item.runId,
        at: item.at,
        scope: item.scope ?? '',
      },
      'Replace',
    );
  }

  async remove(userId: string, module: SyncModule, itemId: string): Promise<void> {
    const table = await this.table();
    await deleteIfPresent(table, encodeKey(userId), compositeKey(module, itemId));
  }

  async list(userId: string): Promise<SkippedItem[]> {
    const table = await this.table();
    const out: SkippedItem[] = [];
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${encodeKey(userId)}` } })) {
      const [module, itemId] = splitCompositeKey(String(row.rowKey));
      out.push({
        userId,
        module: module as SyncModule,
        itemId,
        reason: String(row.reason),
        code: (row.code as string) || undefined,
        runId: String(row.runId),
        at: String(row.at),
        scope: (row.scope as string) || undefined,
      });
    }
    return out;
  }
}
