import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { count } from '../telemetry/signals';
import { compositeKey, decodeKey, encodeKey, splitCompositeKey } from './keys';
import type { Page, PageRequest } from './runs';
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
    count('skips', { module: item.module, code: item.code ?? 'none' });
  }

  async remove(userId: string, module: SyncModule, itemId: string): Promise<void> {
    const table = await this.table();
    await deleteIfPresent(table, encodeKey(userId), compositeKey(module, itemId));
  }

  async list(userId: string): Promise<SkippedItem[]> {
    const table = await this.table();
    const out: SkippedItem[] = [];
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${encodeKey(userId)}` } })) out.push(toSkipped(row));
    return out;
  }

  /** One page of skipped items, of one user (and module) or of everybody (the reports API). */
  async page(filter: { userId?: string; module?: SyncModule }, page: PageRequest): Promise<Page<SkippedItem>> {
    const table = await this.table();
    const parts: string[] = [];
    if (filter.userId) parts.push(odata`PartitionKey eq ${encodeKey(filter.userId)}`);
    if (filter.module) parts.push(odata`RowKey ge ${`${compositeKey(filter.module)}|`} and RowKey lt ${`${compositeKey(filter.module)}}`}`);
    const query = parts.length ? { filter: parts.join(' and ') } : undefined;
    const { value } = await table.listEntities<Record<string, unknown>>({ queryOptions: query }).byPage({ maxPageSize: page.top, continuationToken: page.continuationToken }).next();
    const rows = (value ?? []) as Record<string, unknown>[] & { continuationToken?: string };
    return { items: rows.map(toSkipped), continuationToken: rows.continuationToken };
  }
}

function toSkipped(row: Record<string, unknown>): SkippedItem {
  const [module, itemId] = splitCompositeKey(String(row.rowKey));
  return {
    userId: decodeKey(String(row.partitionKey)),
    module: module as SyncModule,
    itemId,
    reason: String(row.reason),
    code: (row.code as string) || undefined,
    runId: String(row.runId),
    at: String(row.at),
    scope: (row.scope as string) || undefined,
  };
}
