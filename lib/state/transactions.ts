import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';

/**
 * Azure Table entity group transactions: up to 100 operations on one partition in one request of
 * at most 4 MiB, all applied or none. The bulk resync writes thousands of rows of one partition
 * (a user's links, a run's report lines), so one request per 100 rows instead of one per row.
 */
export const MAX_TRANSACTION_OPERATIONS = 100;

/** 4 MiB less room for the multipart envelope Azure counts in the limit. */
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024 - 256 * 1024;
/** Per-operation multipart headers (request line, content headers, changeset boundary). */
const OPERATION_OVERHEAD_BYTES = 512;

function entityBytes(entity: TableEntity): number {
  return Buffer.byteLength(JSON.stringify(entity), 'utf8') + OPERATION_OVERHEAD_BYTES;
}

/**
 * Splits items into transactions Azure accepts: one partition each, at most 100 operations,
 * under 4 MiB, and never the same row twice (Azure refuses a transaction that names a row twice).
 * Items keep their order within a partition.
 */
export function transactionChunks<T>(items: readonly T[], entity: (item: T) => TableEntity): T[][] {
  const byPartition = new Map<string, T[]>();
  for (const item of items) {
    const pk = entity(item).partitionKey;
    const list = byPartition.get(pk) ?? [];
    list.push(item);
    byPartition.set(pk, list);
  }
  const out: T[][] = [];
  for (const list of byPartition.values()) {
    let chunk: T[] = [];
    let bytes = 0;
    let rows = new Set<string>();
    for (const item of list) {
      const e = entity(item);
      const size = entityBytes(e);
      if (chunk.length > 0 && (chunk.length >= MAX_TRANSACTION_OPERATIONS || bytes + size > MAX_TRANSACTION_BYTES || rows.has(e.rowKey))) {
        out.push(chunk);
        chunk = [];
        bytes = 0;
        rows = new Set();
      }
      chunk.push(item);
      bytes += size;
      rows.add(e.rowKey);
    }
    if (chunk.length > 0) out.push(chunk);
  }
  return out;
}

/**
 * Submits one transaction and answers with each operation's new etag, in order (a changeset's
 * responses come in the order of its requests).
 */
export async function submit(table: TableClient, actions: readonly TransactionAction[]): Promise<(string | undefined)[]> {
  const res = await table.submitTransaction([...actions]);
  return actions.map((_, i) => res.subResponses[i]?.etag || undefined);
}
