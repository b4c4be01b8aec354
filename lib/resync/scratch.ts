/**
 * What a streamed resync part must remember between its chunks and its invocations, kept in Table
 * Storage rather than in memory: the ids a full read saw (to find linked items it did not see),
 * the removals waiting for the mass-delete guard, and the delta links to store once the guard
 * allowed them. Memory holds only the items waiting for their bulk write; a continuation in
 * another invocation finds everything here.
 *
 * Partitions: one per part, module, kind and bulk write or seen-ids batch (`bucket`), so a
 * 50,000-item run writes tens of partitions of a few thousand rows at most (removals are only
 * the items deleted in Outlook): one transaction covers 100 rows of one, a real Table partition is
 * far from its ~2,000 entities/s, and Azurite (which scans a partition on every upsert) never
 * scans 50,000. Reading back lists a key range across them.
 *
 * A part's rows are deleted when it finishes (`clear`); rows of parts that never finish are swept
 * by age (`sweep`), a page at a time, by the finishing step of later parts.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import type { PendingRemoval } from '../sync/batch';
import { compositeKey, decodeKey, encodeKey } from '../state/keys';
import { assertEntityFits, deleteIfPresent, type TableStore } from '../state/tables';
import { submit, transactionChunks } from '../state/transactions';

type Kind = 'seen' | 'removal' | 'link';

interface Row {
  partitionKey: string;
  rowKey: string;
  value?: string;
  [k: string]: unknown;
}

/** A property holds 32K UTF-16 characters; Graph ids never hold a newline. */
const PACKED_CHARS = 30_000;

/** Ids joined by newlines, as few strings of at most PACKED_CHARS as they fit in. */
function packIds(ids: readonly string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const id of ids) {
    if (current.length > 0 && chars + id.length + 1 > PACKED_CHARS) {
      out.push(current.join('\n'));
      current = [];
      chars = 0;
    }
    current.push(id);
    chars += id.length + 1;
  }
  if (current.length > 0) out.push(current.join('\n'));
  return out;
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
        await Promise.all(chunk.map((r) => deleteIfPresent(table, r.partitionKey, r.rowKey)));
      }
    }
  }

  /**
   * Ids a full read saw since the last checkpoint; `bucket` names the batch. Packed, a row holding
   * as many ids as fit in one property (~200): a continuation after 10,000 items writes about 50
   * rows in one transaction, not 10,000 rows in 100 (0.01 Table requests per item).
   */
  putSeen(jobId: string, user: string, module: SyncModule, bucket: number, ids: readonly string[]): Promise<void> {
    const pk = `${this.prefix(jobId, user, module, 'seen')}${bucket}`;
    return this.put(packIds(ids).map((value, i) => ({ partitionKey: pk, rowKey: String(i), value })));
  }

  async seen(jobId: string, user: string, module: SyncModule): Promise<Set<string>> {
    const out = new Set<string>();
    for await (const row of this.list(jobId, user, module, 'seen')) for (const id of String(row.value ?? '').split('\n')) if (id) out.add(id);
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
