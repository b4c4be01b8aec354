/**
 * Progress of resync jobs: one row per job (how many users it covers) and one per user, with what
 * each module did that the item rows of the run do not say (mode, fallback, unchanged counts,
 * calls, the guard's verdict). Item results live in RunRepository under the job id.
 *
 * A job for several users is split into one queue message per user, so users run side by side
 * and a crash repeats one user, not the whole tenant. Rows make that idempotent: a part already
 * finished is not run again, and a part not yet sent is sent again by a redelivered plan.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { decodeKey, encodeKey } from '../state/keys';
import { mapLimit } from '../pool';
import { assertEntityFits, fitProperty, isConflict, isNotFound, isPreconditionFailed, type TableStore } from '../state/tables';

export type PartState = 'queued' | 'running' | 'completed' | 'stopped' | 'failed';

export type ModuleStatus = 'done' | 'stopped' | 'failed' | 'not available';

export interface ModuleSummary {
  module: SyncModule;
  status: ModuleStatus;
  mode?: 'delta' | 'full';
  /** why: a delta run that read everything, a module that is not available, a failure */
  note?: string;
  /** items found unchanged (not written as report rows: a full resync would write thousands) */
  unchanged: number;
  /**
   * report lines this part wrote, by result (its status is read from these counters, not from the
   * lines); absent in rows written before them
   */
  lines?: LineCounts;
  /** lines the Zoho → Outlook side of the module wrote into the run (not in `lines`) */
  fromZohoLines?: number;
  /** changed items left out without a read: not in the sync category and never synced */
  outOfScope: number;
  /** handed to the sync worker (busy, transient failure, or mail): they report to the run themselves */
  handedOff: number;
  /** linked items a full read did not see, checked one by one */
  reconciled: number;
  /** removals the mass-delete guard held back */
  withheld: number;
  graphCalls: number;
  zohoCalls: number;
}

export interface LineCounts {
  added: number;
  updated: number;
  deleted: number;
  skipped: number;
}

export interface ResyncPart {
  jobId: string;
  /** the user as requested (object id or UPN) */
  user: string;
  /** the resolved object id */
  userId?: string;
  state: PartState;
  sent: boolean;
  message?: string;
  modules: ModuleSummary[];
  itemsTotal: number;
  itemsDone: number;
  graphCalls: number;
  zohoCalls: number;
  startedAt?: string;
  finishedAt?: string;
  /** the invocation step the part is at: 0 for the first, +1 for each continuation */
  step?: number;
  /** where the current step starts (JSON, lib/resync/part.ts); absent at step 0 */
  checkpoint?: string;
  /** the current step's message was sent (a continuation that failed to send is sent again) */
  nextSent?: boolean;
  /** the delivery working on the current step, and since when (two deliveries never run one step) */
  stepToken?: string;
  stepClaimedAt?: string;
}

export interface ResyncJobInfo {
  /** users the job covers; undefined until the worker planned it */
  users?: number;
  parts: ResyncPart[];
}

const JOB_ROW = '_job';
const FINISHED: readonly PartState[] = ['completed', 'stopped', 'failed'];

export function isFinished(state: PartState): boolean {
  return FINISHED.includes(state);
}

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toPart(row: Row): ResyncPart {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  let modules: ModuleSummary[] = [];
  try {
    modules = row.modules ? (JSON.parse(String(row.modules)) as ModuleSummary[]) : [];
  } catch {
    modules = [];
  }
  return {
    jobId: decodeKey(row.partitionKey),
    user: decodeKey(row.rowKey),
    userId: text(row.userId),
    state: (text(row.state) ?? 'queued') as PartState,
    sent: row.sent === true,
    message: text(row.message),
    modules,
    itemsTotal: Number(row.itemsTotal ?? 0),
    itemsDone: Number(row.itemsDone ?? 0),
    graphCalls: Number(row.graphCalls ?? 0),
    zohoCalls: Number(row.zohoCalls ?? 0),
    startedAt: text(row.startedAt),
    finishedAt: text(row.finishedAt),
    step: Number(row.step ?? 0),
    checkpoint: text(row.checkpoint),
    nextSent: row.nextSent !== false,
    stepToken: text(row.stepToken),
    stepClaimedAt: text(row.stepClaimedAt),
  };
}

export class ResyncJobRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('resyncparts');
  }

  /** Records the job's users once (a redelivered plan keeps the first count) and a queued row per user. */
  async plan(jobId: string, users: readonly string[]): Promise<ResyncPart[]> {
    const table = await this.table();
    await this.insertIfAbsent(table, { partitionKey: encodeKey(jobId), rowKey: JOB_ROW, users: users.length });
    await mapLimit(users, 16, (user) =>
      this.insertIfAbsent(table, { partitionKey: encodeKey(jobId), rowKey: encodeKey(user), state: 'queued', sent: false, modules: '[]', itemsTotal: 0, itemsDone: 0, graphCalls: 0, zohoCalls: 0 }),
    );
    return (await this.info(jobId)).parts;
  }

  async markSent(jobId: string, user: string): Promise<void> {
    const table = await this.table();
    await table.updateEntity({ partitionKey: encodeKey(jobId), rowKey: encodeKey(user), sent: true }, 'Merge');
  }

  async get(jobId: string, user: string): Promise<ResyncPart | undefined> {
    const table = await this.table();
    try {
      return toPart((await table.getEntity<Row>(encodeKey(jobId), encodeKey(user))) as Row);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Writes the part's state and summary (Merge: only the fields given). */
  async update(jobId: string, user: string, patch: Partial<Omit<ResyncPart, 'jobId' | 'user'>>): Promise<void> {
    const table = await this.table();
    const row: Row = { partitionKey: encodeKey(jobId), rowKey: encodeKey(user) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      row[k] = k === 'modules' ? JSON.stringify(v) : k === 'message' ? fitProperty(String(v), 4000) : v;
    }
    assertEntityFits(row as never);
    await table.upsertEntity(row, 'Merge');
  }

  /**
   * Takes the part's current step for one delivery: false when the step is not `step` (a stale
   * duplicate), or another delivery holds it and is not older than `staleAfterMs` (a crashed one
   * is taken over). The row's etag makes two deliveries at once see one winner.
   */
  async claimStep(jobId: string, user: string, step: number, token: string, now: Date, staleAfterMs: number): Promise<boolean> {
    const table = await this.table();
    let row: Row & { etag: string };
    try {
      row = (await table.getEntity<Row>(encodeKey(jobId), encodeKey(user))) as Row & { etag: string };
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    const part = toPart(row);
    if ((part.step ?? 0) !== step || isFinished(part.state)) return false;
    if (part.stepToken && part.stepToken !== token && part.stepClaimedAt && now.getTime() - Date.parse(part.stepClaimedAt) < staleAfterMs) return false;
    try {
      await table.updateEntity({ partitionKey: row.partitionKey, rowKey: row.rowKey, stepToken: token, stepClaimedAt: now.toISOString() }, 'Merge', { etag: row.etag });
      return true;
    } catch (err) {
      if (isPreconditionFailed(err)) return false;
      throw err;
    }
  }

  /** Lets the step go (a delivery that failed and will be retried by the queue). */
  async releaseStep(jobId: string, user: string, token: string): Promise<void> {
    const part = await this.get(jobId, user);
    if (part?.stepToken === token) await this.update(jobId, user, { stepToken: '' });
  }

  /** Whether a part of the job is still queued or running: one request, at most one row read. */
  async anyUnfinished(jobId: string): Promise<boolean> {
    const table = await this.table();
    const filter = odata`PartitionKey eq ${encodeKey(jobId)} and RowKey ne ${JOB_ROW} and (state eq ${'queued'} or state eq ${'running'})`;
    for await (const page of table.listEntities<Row>({ queryOptions: { filter, select: ['RowKey'] } }).byPage({ maxPageSize: 1 })) {
      if (page.length > 0) return true;
      if (!page.continuationToken) return false;
    }
    return false;
  }

  async info(jobId: string): Promise<ResyncJobInfo> {
    const table = await this.table();
    const out: ResyncJobInfo = { parts: [] };
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${encodeKey(jobId)}` } })) {
      if (row.rowKey === JOB_ROW) out.users = Number(row.users ?? 0);
      else out.parts.push(toPart(row as Row));
    }
    return out;
  }

  private async insertIfAbsent(table: TableClient, row: Row): Promise<void> {
    try {
      await table.createEntity(row);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}
