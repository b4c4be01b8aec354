import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { count } from '../telemetry/signals';
import { bucketOf, compositeKey, encodeKey, splitCompositeKey } from './keys';
import { assertEntityFits, fitProperty, isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';
import { submit, transactionChunks } from './transactions';

export type ItemResult = 'added' | 'updated' | 'deleted' | 'unchanged' | 'skipped';

export interface ReportItem {
  runId: string;
  userId: string;
  module: SyncModule;
  itemId: string;
  result: ItemResult;
  /** a human label (name, subject) so the admin recognises the item; never logged */
  label?: string;
  /** why: skip reason, "left the sync scope", "linked to an existing record", ... */
  reason?: string;
  /** Zoho's or Graph's own error code when there is one */
  code?: string;
  zohoModule?: string;
  zohoId?: string;
  /** Zoho fields whose value was cut to the field's maximum length */
  cutFields?: string[];
  notes?: string[];
  /** the item was skipped in the previous run and retried in this one */
  retriedFromSkip?: boolean;
  at: string;
}

export type RunState = 'queued' | 'running' | 'completed' | 'stopped' | 'failed';

export interface SyncRun {
  id: string;
  kind: 'automatic' | 'manual' | 'provisioning';
  state: RunState;
  createdAt: string;
  updatedAt: string;
  /** the resync request as received, JSON */
  request?: string;
  /** free text for stopped/failed runs, e.g. the mass-delete guard */
  message?: string;
  /** progress: items queued by this run and items finished */
  queued: number;
  finished: number;
  graphCalls: number;
  zohoCalls: number;
}

const RUN_ROW = '_run';

/** Key of one user's module in line counts. */
export const lineKey = (userId: string, module: SyncModule): string => `${userId}|${module}`;

/**
 * A report line's partition: `run|user|module|<bucket of the item>`, the same bucket as the item's
 * link, so a resync's bulk write of 100 items is one transaction in each table. Lines of earlier
 * versions are in the run's own partition, with its run row.
 */
function linePartition(runId: string, userId: string, module: SyncModule, itemId: string): string {
  return `${encodeKey(runId)}|${compositeKey(userId, module)}|${bucketOf(itemId)}`;
}

/** A report line's row: keyed by user, module and item, in its bucket of the run. */
function itemRow(item: ReportItem) {
  const row = {
    partitionKey: linePartition(item.runId, item.userId, item.module, item.itemId),
    rowKey: compositeKey(item.userId, item.module, item.itemId),
    result: item.result,
    label: fitProperty(item.label ?? '', 500),
    reason: fitProperty(item.reason ?? '', 2000),
    code: item.code ?? '',
    zohoModule: item.zohoModule ?? '',
    zohoId: item.zohoId ?? '',
    cutFields: item.cutFields?.length ? item.cutFields.join(',') : '',
    notes: item.notes?.length ? fitProperty(JSON.stringify(item.notes), 8000) : '',
    retriedFromSkip: item.retriedFromSkip ?? false,
    at: item.at,
  };
  assertEntityFits(row);
  return row;
}

/**
 * Sync runs and their report items. An item row is keyed by user, module and item, so reprocessing
 * the same item (queue redelivery) overwrites its line instead of counting it twice.
 */
export class RunRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('syncruns');
  }

  /** Notifications are not started by anyone: they report into one automatic run per UTC day. */
  static automaticRunId(now: Date): string {
    return `auto-${now.toISOString().slice(0, 10)}`;
  }

  async ensureRun(run: Omit<SyncRun, 'updatedAt' | 'queued' | 'finished' | 'graphCalls' | 'zohoCalls'> & Partial<SyncRun>): Promise<void> {
    const table = await this.table();
    const row = {
      partitionKey: encodeKey(run.id),
      rowKey: RUN_ROW,
      kind: run.kind,
      state: run.state,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt ?? run.createdAt,
      request: run.request ?? '',
      message: run.message ?? '',
      queued: run.queued ?? 0,
      finished: run.finished ?? 0,
      graphCalls: run.graphCalls ?? 0,
      zohoCalls: run.zohoCalls ?? 0,
    };
    assertEntityFits(row);
    try {
      await table.createEntity(row);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }

  async getRun(id: string): Promise<SyncRun | undefined> {
    const table = await this.table();
    try {
      const row = await table.getEntity<Record<string, unknown>>(encodeKey(id), RUN_ROW);
      return {
        id,
        kind: row.kind as SyncRun['kind'],
        state: row.state as RunState,
        createdAt: String(row.createdAt),
        updatedAt: String(row.updatedAt),
        request: (row.request as string) || undefined,
        message: (row.message as string) || undefined,
        queued: Number(row.queued ?? 0),
        finished: Number(row.finished ?? 0),
        graphCalls: Number(row.graphCalls ?? 0),
        zohoCalls: Number(row.zohoCalls ?? 0),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async updateRun(id: string, patch: Partial<Omit<SyncRun, 'id'>>): Promise<void> {
    const table = await this.table();
    const row: Record<string, unknown> = { partitionKey: encodeKey(id), rowKey: RUN_ROW, updatedAt: new Date().toISOString() };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) row[k] = k === 'message' ? fitProperty(String(v), 4000) : v;
    await table.updateEntity(row as never, 'Merge');
  }

  /**
   * Adds to the run's counters. Counters are shared by every worker of the run, so read-modify-write
   * under the row's etag and retry on conflicts.
   */
  async addToRun(id: string, delta: { queued?: number; finished?: number; graphCalls?: number; zohoCalls?: number }): Promise<void> {
    const table = await this.table();
    for (let attempt = 0; attempt < 20; attempt++) {
      const row = await table.getEntity<Record<string, unknown>>(encodeKey(id), RUN_ROW);
      const next: Record<string, unknown> = { partitionKey: row.partitionKey, rowKey: row.rowKey, updatedAt: new Date().toISOString() };
      for (const [k, v] of Object.entries(delta)) if (v) next[k] = Number(row[k] ?? 0) + v;
      try {
        await table.updateEntity(next as never, 'Merge', { etag: row.etag });
        return;
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new Error('Could not update the sync run counters after 20 attempts');
  }

  async putItem(item: ReportItem): Promise<void> {
    const table = await this.table();
    await table.upsertEntity(itemRow(item), 'Replace');
    count('items', { module: item.module, result: item.result });
  }

  /**
   * `putItem` for many lines (a bulk resync): one transaction per 100 lines of a run. A chunk
   * Azure refuses is written line by line, so one bad line does not lose the others.
   */
  async putItems(items: readonly ReportItem[]): Promise<void> {
    const table = await this.table();
    const rows = items.map(itemRow);
    for (const chunk of transactionChunks(rows, (r) => r)) {
      try {
        await submit(table, chunk.map((r) => ['upsert', r, 'Replace']));
      } catch {
        const settled = await Promise.allSettled(chunk.map((r) => table.upsertEntity(r, 'Replace')));
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
      }
    }
    for (const item of items) count('items', { module: item.module, result: item.result });
  }

  /** Whether the run has a line for the item, in its bucket or (a run begun by an earlier version) the run's partition. */
  async hasItem(runId: string, userId: string, module: SyncModule, itemId: string): Promise<boolean> {
    const table = await this.table();
    const has = async (partitionKey: string) => {
      try {
        await table.getEntity(partitionKey, compositeKey(userId, module, itemId), { queryOptions: { select: ['result'] } });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    };
    return (await has(linePartition(runId, userId, module, itemId))) || has(encodeKey(runId));
  }

  /**
   * A run's lines counted per user and module (keys `lineKey`), reading keys and results only:
   * one request per 1,000 lines, nothing of the lines' text. For the status of what others than
   * a resync part wrote (lib/resync/report.ts).
   */
  async countItems(runId: string, filter?: ItemFilter): Promise<Map<string, Record<ItemResult, number>>> {
    const table = await this.table();
    const out = new Map<string, Record<ItemResult, number>>();
    const rows = table.listEntities<Record<string, unknown>>({ queryOptions: { filter: itemQuery(runId, filter), select: ['PartitionKey', 'RowKey', 'result'] } });
    const legacy = new Map<string, ItemResult>();
    for await (const row of rows) {
      if (!isRunRow(runId, row)) continue;
      const [userId, module] = splitCompositeKey(String(row.rowKey));
      if ((filter?.userId && filter.userId !== userId) || (filter?.module && filter.module !== module)) continue;
      const key = lineKey(userId, module as SyncModule);
      const counts = out.get(key) ?? { added: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0 };
      const result = row.result as ItemResult;
      if (isLegacyLine(runId, row)) legacy.set(String(row.rowKey), result);
      else {
        // Its line of before buckets (listed first: results come in key order) is replaced by this one.
        const before = legacy.get(String(row.rowKey));
        if (before && before in counts) counts[before]--;
      }
      if (result in counts) counts[result]++;
      out.set(key, counts);
    }
    return out;
  }

  async listItems(runId: string, filter?: ItemFilter): Promise<ReportItem[]> {
    const table = await this.table();
    const out: ReportItem[] = [];
    const legacy = new Map<string, number>();
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: itemQuery(runId, filter) } })) {
      const item = toItem(runId, row, filter);
      if (!item) continue;
      // An item reported before and after buckets in the same run: its newer line replaces the older.
      const replaced = isLegacyLine(runId, row) ? undefined : legacy.get(String(row.rowKey));
      if (replaced !== undefined) out[replaced] = item;
      else out.push(item);
      if (isLegacyLine(runId, row)) legacy.set(String(row.rowKey), out.length - 1);
    }
    return out;
  }

  /**
   * One page of a run's lines (the reports API). Azure may answer a filtered page with fewer rows
   * than asked, even none, and a continuation token: callers follow the token, not the count.
   */
  async pageItems(runId: string, filter: ItemFilter, page: PageRequest): Promise<Page<ReportItem>> {
    const table = await this.table();
    const pages = table.listEntities<Record<string, unknown>>({ queryOptions: { filter: itemQuery(runId, filter) } }).byPage({ maxPageSize: page.top, continuationToken: page.continuationToken });
    const { value } = await pages.next();
    const rows = (value ?? []) as Record<string, unknown>[] & { continuationToken?: string };
    return { items: rows.map((r) => toItem(runId, r, filter)).filter((i): i is ReportItem => i !== undefined), continuationToken: rows.continuationToken };
  }
}

export interface ItemFilter {
  userId?: string;
  module?: SyncModule;
  result?: ItemResult;
}

export interface PageRequest {
  /** rows per page, at most 1000 (Azure Tables' page size) */
  top: number;
  continuationToken?: string;
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

/**
 * A run's lines are one range of partitions, from the run's own (its run row and lines of earlier
 * versions) through its buckets `run|…`; they are keyed user|module|item, so a user (and module)
 * is a RowKey range, filtered server-side over the run's partitions.
 */
function itemQuery(runId: string, filter?: ItemFilter): string {
  const run = encodeKey(runId);
  const prefix = filter?.userId ? `${compositeKey(filter.userId, ...(filter.module ? [filter.module] : []))}|` : undefined;
  const partitions = odata`PartitionKey ge ${run} and PartitionKey lt ${`${run}}`}`;
  const base = prefix ? `${partitions} and ${odata`RowKey ge ${prefix} and RowKey lt ${`${prefix.slice(0, -1)}}`}`}` : `${partitions} and ${odata`RowKey ne ${RUN_ROW}`}`;
  return filter?.result ? `${base} and ${odata`result eq ${filter.result}`}` : base;
}

/** Whether a row of the query's range is this run's: a longer run id may share the range (`run` < `run-2` < `run}`). */
function isRunRow(runId: string, row: Record<string, unknown>): boolean {
  const pk = String(row.partitionKey);
  const run = encodeKey(runId);
  return pk === run || pk.startsWith(`${run}|`);
}

/** A line an earlier version wrote in the run's own partition. */
function isLegacyLine(runId: string, row: Record<string, unknown>): boolean {
  return String(row.partitionKey) === encodeKey(runId);
}

function toItem(runId: string, row: Record<string, unknown>, filter?: ItemFilter): ReportItem | undefined {
  if (!isRunRow(runId, row)) return undefined;
  const [userId, module, itemId] = splitCompositeKey(String(row.rowKey));
  if (filter?.userId && filter.userId !== userId) return undefined;
  if (filter?.module && filter.module !== module) return undefined;
  return {
    runId,
    userId,
    module: module as SyncModule,
    itemId,
    result: row.result as ItemResult,
    label: (row.label as string) || undefined,
    reason: (row.reason as string) || undefined,
    code: (row.code as string) || undefined,
    zohoModule: (row.zohoModule as string) || undefined,
    zohoId: (row.zohoId as string) || undefined,
    cutFields: row.cutFields ? String(row.cutFields).split(',') : undefined,
    notes: row.notes ? (JSON.parse(String(row.notes)) as string[]) : undefined,
    retriedFromSkip: Boolean(row.retriedFromSkip) || undefined,
    at: String(row.at),
  };
}
