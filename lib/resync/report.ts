/**
 * The answer of `GET /api/resync/{jobId}` (pure): the run, its per-user parts and its item rows
 * put together per user and module, as SPEC §2.6 wants the report: added, updated, deleted and
 * skipped (with reasons), items skipped in the previous sync marked as such, plus progress and the
 * Graph and Zoho calls the run made.
 */
import { SYNC_MODULES, type SyncModule } from '../modules';
import type { ItemResult, ReportItem, RunState, SyncRun } from '../state/runs';
import { isFinished, type ModuleStatus, type ModuleSummary, type PartState, type ResyncJobInfo, type ResyncPart } from './jobs';

export const SKIPPED_BEFORE = 'skipped in the previous sync';

export interface ReportEntry {
  itemId: string;
  label?: string;
  zohoModule?: string;
  zohoId?: string;
  reason?: string;
  code?: string;
  cutFields?: string[];
  notes?: string[];
  /** SPEC §2.6: the item was skipped in the previous sync and retried in this one */
  previously?: typeof SKIPPED_BEFORE;
}

export type Counts = Record<ItemResult, number>;

export interface ModuleReport {
  module: SyncModule;
  status: ModuleStatus | 'running' | 'queued';
  mode?: 'delta' | 'full';
  note?: string;
  counts: Counts;
  /** handed to the sync worker; their results join this report as they finish */
  handedOff: number;
  outOfScope: number;
  reconciled: number;
  /** removals the mass-delete guard held back */
  withheld: number;
  calls: { graph: number; zoho: number };
  added: ReportEntry[];
  updated: ReportEntry[];
  deleted: ReportEntry[];
  skipped: ReportEntry[];
}

export interface UserReport {
  /** as requested (object id or UPN) */
  user: string;
  userId?: string;
  state: PartState;
  message?: string;
  calls: { graph: number; zoho: number };
  modules: ModuleReport[];
}

export interface ResyncReport {
  jobId: string;
  state: RunState;
  kind: SyncRun['kind'];
  createdAt: string;
  updatedAt: string;
  message?: string;
  request?: unknown;
  /** a preview: the lines say what a `full` run would do; nothing was written to Zoho, Outlook or the sync's state */
  preview?: true;
  progress: { users: { total?: number; finished: number }; items: { total: number; finished: number } };
  calls: { graph: number; zoho: number };
  counts: Counts;
  users: UserReport[];
}

const emptyCounts = (): Counts => ({ added: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0 });

/** The job's state from its parts (the per-user rows are the truth); the worker copies it to the run row. */
export function derivedRunState(run: SyncRun, info: ResyncJobInfo): RunState {
  const parts = info.parts;
  if (parts.length === 0) return run.state;
  if ((info.users ?? parts.length) > parts.length || parts.some((p) => !isFinished(p.state))) {
    return parts.every((p) => p.state === 'queued') && run.state === 'queued' ? 'queued' : 'running';
  }
  if (parts.some((p) => p.state === 'stopped')) return 'stopped';
  if (parts.every((p) => p.state === 'failed')) return 'failed';
  return 'completed';
}

function entry(item: ReportItem): ReportEntry {
  return {
    itemId: item.itemId,
    label: item.label,
    zohoModule: item.zohoModule,
    zohoId: item.zohoId,
    reason: item.reason,
    code: item.code,
    cutFields: item.cutFields,
    notes: item.notes,
    previously: item.retriedFromSkip ? SKIPPED_BEFORE : undefined,
  };
}

function moduleReport(module: SyncModule, summary: ModuleSummary | undefined, items: readonly ReportItem[], partState: PartState): ModuleReport {
  const counts = emptyCounts();
  const lists: Record<'added' | 'updated' | 'deleted' | 'skipped', ReportEntry[]> = { added: [], updated: [], deleted: [], skipped: [] };
  for (const item of items) {
    counts[item.result]++;
    if (item.result !== 'unchanged') lists[item.result].push(entry(item));
  }
  counts.unchanged += summary?.unchanged ?? 0;
  return {
    module,
    status: summary?.status ?? (partState === 'queued' ? 'queued' : isFinished(partState) ? 'done' : 'running'),
    mode: summary?.mode,
    note: summary?.note,
    counts,
    handedOff: summary?.handedOff ?? 0,
    outOfScope: summary?.outOfScope ?? 0,
    reconciled: summary?.reconciled ?? 0,
    withheld: summary?.withheld ?? 0,
    calls: { graph: summary?.graphCalls ?? 0, zoho: summary?.zohoCalls ?? 0 },
    ...lists,
  };
}

function userReport(part: ResyncPart | undefined, userId: string | undefined, user: string, items: readonly ReportItem[]): UserReport {
  const state = part?.state ?? 'completed';
  const modules = SYNC_MODULES.flatMap((m) => {
    const summary = part?.modules.find((s) => s.module === m);
    const mine = items.filter((i) => i.module === m);
    return summary || mine.length ? [moduleReport(m, summary, mine, state)] : [];
  });
  return { user, userId, state, message: part?.message, calls: { graph: part?.graphCalls ?? 0, zoho: part?.zohoCalls ?? 0 }, modules };
}

function parseRequest(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isPreview(request: unknown): boolean {
  return typeof request === 'object' && request !== null && (request as { mode?: unknown }).mode === 'preview';
}

export function buildReport(run: SyncRun, info: ResyncJobInfo, items: readonly ReportItem[]): ResyncReport {
  const byUser = new Map<string, ReportItem[]>();
  for (const item of items) {
    const list = byUser.get(item.userId) ?? [];
    list.push(item);
    byUser.set(item.userId, list);
  }

  const users: UserReport[] = [];
  for (const part of info.parts) {
    const key = part.userId ?? part.user;
    users.push(userReport(part, part.userId, part.user, byUser.get(key) ?? []));
    byUser.delete(key);
  }
  // Results of items the sync worker finished for a user this job has no row for (not expected, kept anyway).
  for (const [userId, mine] of byUser) users.push(userReport(undefined, userId, userId, mine));

  const request = parseRequest(run.request);
  const counts = emptyCounts();
  for (const u of users) for (const m of u.modules) for (const k of Object.keys(counts) as ItemResult[]) counts[k] += m.counts[k];
  const sum = (f: (p: ResyncPart) => number) => info.parts.reduce((n, p) => n + f(p), 0);
  const state = derivedRunState(run, info);
  const stopped = users.filter((u) => u.state === 'stopped').length;
  const failed = users.filter((u) => u.state === 'failed').length;
  const message =
    run.message ??
    (stopped ? `The mass-delete guard stopped the run for ${stopped} user${stopped > 1 ? 's' : ''} before deleting; see users[].message.` : failed ? `${failed} user${failed > 1 ? 's' : ''} could not be synced; see users[].message.` : undefined);

  return {
    jobId: run.id,
    state,
    kind: run.kind,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    message,
    request,
    ...(isPreview(request) ? { preview: true as const } : {}),
    progress: {
      users: { total: info.users ?? (info.parts.length || undefined), finished: info.parts.filter((p) => isFinished(p.state)).length },
      items: { total: sum((p) => p.itemsTotal), finished: sum((p) => p.itemsDone) },
    },
    calls: { graph: sum((p) => p.graphCalls), zoho: sum((p) => p.zohoCalls) },
    counts,
    users,
  };
}
