/**
 * What a streamed resync part must remember between its chunks and its invocations, kept in Table
 * Storage rather than in memory: the ids a full read saw (to find linked items it did not see),
 * the removals waiting for the mass-delete guard, and the delta links to store once the guard
 * allowed them. Memory holds one chunk at a time; a continuation in another invocation finds
 * everything here.
 *
 * Partitions: one per part, module, kind and chunk (`bucket`), so a 50,000-item run writes ~100
 * partitions of ≤ 500 rows: one transaction covers 100 rows of a chunk, a real Table partition is
 * far from its ~2,000 entities/s, and Azurite (which scans a partition on every upsert) scans a
 * few hundred rows, not 50,000. Reading back lists a key range across them.
 *
 * A part's rows are deleted when it finishes (`clear`); rows of parts that never finish are swept
 * by age (`sweep`), a page at a time, by the finishing step of later parts.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import type { PendingRemoval } from '../sync/batch';
import { compositeKey, decodeKey, encodeKey } from '../state/keys';
import { assertEntityFits, isNotFound, type TableStore } from '../state/tables';
import { submit, transactionChunks } from '../state/transactions';

type Kind = 'seen' | 'removal' | 'link';

interface Row {
  partitionKey: string;
  rowKey: string;
  value?: string;
  [k: string]: unknown;
}

/** Every partition whose key starts with `prefix`: `}` follows every character an encoded key part may hold (`%`, `|`, letters, digits, `-_.=+`). */
function range(prefix: string): string {
  return odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix}}`}`;
}

export class ResyncScratch {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('resyncscratch');
  }

  private prefix(jobId: string, user: string, module: SyncModule, kind: Kind): string {
    return `${compositeKey(jobId, user, module, kind)}|`;
  }

  private async put(rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const table = await this.table();
    for (const chunk of transactionChunks(rows, (r) => r)) {
      for (const r of chunk) assertEntityFits(r as never);
      await submit(table, chunk.map((r) => ['upsert', r, 'Replace']));
    }
  }

  private async *list(jobId: string, user: string, module: SyncModule, kind: Kind): AsyncGenerator<Row> {
    const table = await this.table();
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: range(this.prefix(jobId, user, module, kind)) } })) yield row as Row;
  }

  /** Deletes every row of one part (all its modules and kinds); returns how many. */
  async clear(jobId: string, user: string): Promise<number> {
    const table = await this.table();
    const keys: Row[] = [];
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: range(`${compositeKey(jobId, user)}|`), select: ['PartitionKey', 'RowKey'] } })) keys.push(row as Row);
    await this.remove(keys);
    return keys.length;
  }

  /** Deletes up to `limit` rows written before `before` (parts that never finished); returns how many. */
  async sweep(before: Date, limit = 1000): Promise<number> {
    const table = await this.table();
    const pages = table.listEntities<Row>({ queryOptions: { filter: odata`Timestamp lt ${before}`, select: ['PartitionKey', 'RowKey'] } }).byPage({ maxPageSize: limit });
    const { value } = await pages.next();
    const keys = (value ?? []) as Row[];
    await this.remove(keys);
    return keys.length;
  }

  private async remove(keys: readonly Row[]): Promise<void> {
    if (keys.length === 0) return;
    const table = await this.table();
    for (const chunk of transactionChunks(keys, (r) => r)) {
      try {
        await submit(table, chunk.map((r) => ['delete', { partitionKey: r.partitionKey, rowKey: r.rowKey }]));
      } catch {
        // One row deleted meanwhile (two finishing steps sweeping) fails the transaction: row by row then.
        await Promise.all(chunk.map((r) => table.deleteEntity(r.partitionKey, r.rowKey).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)))));
      }
    }
  }

  /** Ids a full read saw in one chunk; `bucket` names the chunk. */
  putSeen(jobId: string, user: string, module: SyncModule, bucket: number, ids: readonly string[]): Promise<void> {
    const pk = `${this.prefix(jobId, user, module, 'seen')}${bucket}`;
    return this.put(ids.map((id) => ({ partitionKey: pk, rowKey: encodeKey(id) })));
  }

  async seen(jobId: string, user: string, module: SyncModule): Promise<Set<string>> {
    const out = new Set<string>();
    for await (const row of this.list(jobId, user, module, 'seen')) out.add(decodeKey(row.rowKey));
    return out;
  }

  putRemovals(jobId: string, user: string, module: SyncModule, bucket: number, removals: readonly PendingRemoval[]): Promise<void> {
    const pk = `${this.prefix(jobId, user, module, 'removal')}${bucket}`;
    return this.put(removals.map((r) => ({ partitionKey: pk, rowKey: encodeKey(r.msg.itemId), value: JSON.stringify(r) })));
  }

  async removals(jobId: string, user: string, module: SyncModule): Promise<PendingRemoval[]> {
    const byItem = new Map<string, PendingRemoval>();
    for await (const row of this.list(jobId, user, module, 'removal')) {
      const r = JSON.parse(String(row.value)) as PendingRemoval;
      byItem.set(r.msg.itemId, r);
    }
    return [...byItem.values()];
  }

  putDeltaLink(jobId: string, user: string, module: SyncModule, scope: string, link: string): Promise<void> {
    return this.put([{ partitionKey: `${this.prefix(jobId, user, module, 'link')}0`, rowKey: encodeKey(scope), value: link }]);
  }

  async deltaLinks(jobId: string, user: string, module: SyncModule): Promise<{ scope: string; link: string }[]> {
    const out: { scope: string; link: string }[] = [];
    for await (const row of this.list(jobId, user, module, 'link')) out.push({ scope: decodeKey(row.rowKey), link: String(row.value) });
    return out;
  }
}
