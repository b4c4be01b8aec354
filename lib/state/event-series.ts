import { odata } from '@azure/data-tables';
import { mapLimit } from '../pool';
import { compositeKey, decodeKey, encodeKey } from './keys';
import { deleteIfPresent, type TableStore } from './tables';

const PARALLELISM = 16;

/**
 * Occurrence ids per series master, per mailbox: one row per occurrence (a daily series in a
 * 395-day window would not fit one entity's 64 KiB property).
 */
export class EventSeriesRepository {
  constructor(private readonly store: TableStore) {}

  private table() {
    return this.store.table('eventseries');
  }

  async add(userId: string, masterId: string, occurrenceIds: readonly string[]): Promise<void> {
    const table = await this.table();
    const partitionKey = compositeKey(userId, masterId);
    await mapLimit(occurrenceIds, PARALLELISM, (id) => table.upsertEntity({ partitionKey, rowKey: encodeKey(id) }, 'Replace'));
  }

  async members(userId: string, masterId: string): Promise<string[]> {
    const table = await this.table();
    const ids: string[] = [];
    const filter = odata`PartitionKey eq ${compositeKey(userId, masterId)}`;
    for await (const row of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) ids.push(decodeKey(String(row.rowKey)));
    return ids;
  }

  /** Every series row of a mailbox (deprovisioning): partitions `userId|…`, found by key range. */
  async deleteAllForUser(userId: string): Promise<number> {
    const table = await this.table();
    const prefix = `${compositeKey(userId)}|`;
    // '}' follows '|' in code-unit order, so the range holds exactly the keys that start with prefix.
    const filter = odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix.slice(0, -1)}}`}`;
    let n = 0;
    for await (const row of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
      if (await deleteIfPresent(table, String(row.partitionKey), String(row.rowKey))) n++;
    }
    return n;
  }

  async remove(userId: string, masterId: string, occurrenceIds: readonly string[]): Promise<void> {
    const table = await this.table();
    const partitionKey = compositeKey(userId, masterId);
    await mapLimit(occurrenceIds, PARALLELISM, (id) => deleteIfPresent(table, partitionKey, encodeKey(id)));
  }
}
