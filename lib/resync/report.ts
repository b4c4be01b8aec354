/**
 * The answer of `GET /api/resync/{jobId}` (pure): the run, its per-user parts and counts per user
 * and module, as SPEC §2.6 wants the report: added, updated, deleted and skipped, plus progress and
 * the Graph and Zoho calls the run made. The counts come from the parts' counters (a status stays
 * small and cheap at any N); only where lines were written by others (items handed to the sync
 * worker, the Zoho → Outlook side, an automatic run) are they counted from the lines. The lines
 * themselves are paged (lib/reports/http.ts).
 */
import { SYNC_MODULES, type SyncModule } from '../modules';
import { lineKey, type ItemResult, type RunState, type SyncRun } from '../state/runs';
import { isFinished, type ModuleStatus, type ModuleSummary, type PartState, type ResyncJobInfo, type ResyncPart } from './jobs';

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

/** Line counts per user and module, keyed by `lineKey` (lib/state/runs.ts countItems). */
export type LineCountMap = ReadonlyMap<string, Counts>;

/** Whether a module's counts must be read from its lines: others wrote some, or the part kept no counters. */
export function countsFromLines(summary: ModuleSummary): boolean {
  return !summary.lines || summary.handedOff > 0 || (summary.fromZohoLines ?? 0) > 0;
}

function moduleReport(module: SyncModule, summary: ModuleSummary | undefined, fromLines: Counts | undefined, partState: PartState, last: boolean): ModuleReport {
  const counts = emptyCounts();
  const lines = summary && !countsFromLines(summary) ? summary.lines : fromLines;
  for (const k of Object.keys(counts) as ItemResult[]) counts[k] = (lines as Partial<Counts> | undefined)?.[k] ?? 0;
  counts.unchanged += summary?.unchanged ?? 0;
  return {
    module,
    // A running part's row lists the modules begun so far: the last of them is still running.
    status: summary && !(last && summary.status === 'done' && !isFinished(partState)) ? summary.status : partState === 'queued' ? 'queued' : isFinished(partState) ? 'done' : 'running',
    mode: summary?.mode,
    note: summary?.note,
    counts,
    handedOff: summary?.handedOff ?? 0,
    outOfScope: summary?.outOfScope ?? 0,
    reconciled: summary?.reconciled ?? 0,
    withheld: summary?.withheld ?? 0,
    calls: { graph: summary?.graphCalls ?? 0, zoho: summary?.zohoCalls ?? 0 },
  };
}

function userReport(part: ResyncPart | undefined, userId: string | undefined, user: string, lineCounts: LineCountMap, modules: readonly SyncModule[]): UserReport {
  const state = part?.state ?? 'completed';
  const out = modules.flatMap((m) => {
    const summary = part?.modules.find((s) => s.module === m);
    const fromLines = userId ? lineCounts.get(lineKey(userId, m)) : undefined;
    return summary || fromLines ? [moduleReport(m, summary, fromLines, state, summary === part?.modules.at(-1))] : [];
  });
  return { user, userId, state, message: part?.message, calls: { graph: part?.graphCalls ?? 0, zoho: part?.zohoCalls ?? 0 }, modules: out };
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

/**
 * `lineCounts`: counts read from the lines, for the modules `countsFromLines` names and for users
 * the job has no part for (every user of an automatic run). `filter`: the modules shown, and a
 * result the counts are narrowed to.
 */
export function buildReport(run: SyncRun, info: ResyncJobInfo, lineCounts: LineCountMap, filter: { module?: SyncModule; result?: ItemResult } = {}): ResyncReport {
  const modules = filter.module ? [filter.module] : SYNC_MODULES;
  const users: UserReport[] = [];
  const covered = new Set<string>();
  for (const part of info.parts) {
    users.push(userReport(part, part.userId, part.user, lineCounts, modules));
    if (part.userId) covered.add(part.userId);
  }
  // Lines of users the job has no part for: an automatic run's, or the sync worker's for a user not planned (not expected, kept anyway).
  const others = new Set([...lineCounts.keys()].map((k) => k.slice(0, k.lastIndexOf('|'))).filter((u) => !covered.has(u)));
  for (const userId of others) users.push(userReport(undefined, userId, userId, lineCounts, modules));
  if (filter.result) for (const u of users) for (const m of u.modules) for (const k of Object.keys(m.counts) as ItemResult[]) if (k !== filter.result) m.counts[k] = 0;

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
