/**
 * The reports API, free of Azure Functions types: run reports (manual jobs and the automatic run
 * of each UTC day) filtered by user, module and result; their lines and the skipped items one page
 * at a time; and a retry of chosen skipped items, which is an ordinary resync job that retries
 * only those items (the same path as `POST resync` with `retrySkipped: [ids]`).
 */
import { runId as runIdSchema } from '../ids';
import type { Logger } from '../log';
import type { ResyncJobRepository } from '../resync/jobs';
import { startResync, type HttpAnswer, type RequestDeps } from '../resync/http';
import type { ResyncJobInfo } from '../resync/jobs';
import { buildReport, countsFromLines, type Counts } from '../resync/report';
import type { ItemFilter, Page, ReportItem, RunRepository, SyncRun } from '../state/runs';
import type { SkippedItem, SkippedRepository } from '../state/skipped';
import type { ProvisionedUserRepository } from '../state/users';
import { parseReportQuery, parseRetryRequest, type ReportQuery } from './query';

export interface ReportDeps {
  runs: Pick<RunRepository, 'getRun' | 'countItems' | 'pageItems'>;
  jobs: Pick<ResyncJobRepository, 'info'>;
  users: Pick<ProvisionedUserRepository, 'list'>;
  now: () => Date;
}

const AUTO_RUN = /^auto-(\d{4}-\d{2}-\d{2})$/;

const bad = (error: string): HttpAnswer => ({ status: 400, jsonBody: { error } });
const notFound = (error: string): HttpAnswer => ({ status: 404, jsonBody: { error } });

/** A user given as object id or UPN → the object id the rows are keyed by (provisioned users only). */
async function userIdOf(user: string | undefined, deps: Pick<ReportDeps, 'users'>): Promise<{ userId?: string } | undefined> {
  if (!user) return {};
  const wanted = user.toLowerCase();
  const found = (await deps.users.list()).find((u) => u.userId.toLowerCase() === wanted || u.upn?.toLowerCase() === wanted);
  return found ? { userId: found.userId } : undefined;
}

/**
 * The run, or for an automatic run nobody has reported into yet (a quiet day) an empty one, so
 * "what did the sync do today?" always has an answer.
 */
async function runOf(runId: string, deps: ReportDeps): Promise<SyncRun | undefined> {
  const run = await deps.runs.getRun(runId);
  if (run) return run;
  const day = AUTO_RUN.exec(runId)?.[1];
  const today = deps.now().toISOString().slice(0, 10);
  if (!day || Number.isNaN(Date.parse(day)) || day > today) return undefined;
  const at = `${day}T00:00:00.000Z`;
  return { id: runId, kind: 'automatic', state: day === today ? 'running' : 'completed', createdAt: at, updatedAt: at, queued: 0, finished: 0, graphCalls: 0, zohoCalls: 0 };
}

type RunRequest = { run: SyncRun; userId?: string; query: ReportQuery };

/** What both run routes check first: the id, the query, the run, and the user filter. */
async function runRequest(runId: string | undefined, query: URLSearchParams, deps: ReportDeps): Promise<RunRequest | HttpAnswer> {
  const id = runIdSchema.safeParse(runId ?? '');
  if (!id.success) return bad(`jobId ${id.error.issues[0].message}.`);
  const q = parseReportQuery(query);
  if (!q.ok) return bad(q.error);
  const run = await runOf(id.data, deps);
  if (!run) return notFound('No resync job or automatic run has this id.');
  const who = await userIdOf(q.value.user, deps);
  if (!who) return notFound('No provisioned user has this id or UPN.');
  return { run, userId: who.userId, query: q.value };
}

/**
 * `GET /api/resync/{jobId}[?user=&module=&result=&items=&top=&continuationToken=]`: the run's state
 * and counts per user and module (a few KB whatever the run's size), narrowed by the filters; with
 * `items` (all, or one result) also one page of its lines and the token of the next.
 */
export async function runReport(runId: string | undefined, query: URLSearchParams, deps: ReportDeps): Promise<HttpAnswer> {
  const r = await runRequest(runId, query, deps);
  if (!('run' in r)) return r;
  const { run, userId, query: q } = r;
  const info = await deps.jobs.info(run.id);
  const filtered = userId ? { ...info, parts: info.parts.filter((p) => p.userId === userId) } : info;
  const result = q.items && q.items !== 'all' ? q.items : q.result;
  const [counts, page] = await Promise.all([
    lineCounts(run.id, filtered, { userId, module: q.module }, deps),
    q.items ? deps.runs.pageItems(run.id, { userId, module: q.module, result }, { top: q.top, continuationToken: q.continuationToken }) : undefined,
  ]);
  const report = buildReport(run, filtered, counts, { module: q.module, result: q.result });
  if (!page) return { status: 200, jsonBody: report };
  return { status: 200, jsonBody: { ...report, ...linesOf(page) } };
}

/**
 * Counts read from the lines, only where a part's counters do not tell (lib/resync/report.ts
 * `countsFromLines`): every line of a run without parts (an automatic run), else only the
 * modules others wrote lines into, one key range each.
 */
async function lineCounts(runId: string, info: ResyncJobInfo, filter: Pick<ItemFilter, 'userId' | 'module'>, deps: ReportDeps): Promise<Map<string, Counts>> {
  if (info.parts.length === 0) return deps.runs.countItems(runId, filter);
  const out = new Map<string, Counts>();
  for (const part of info.parts) {
    if (!part.userId) continue;
    for (const summary of part.modules) {
      if ((filter.module && summary.module !== filter.module) || !countsFromLines(summary)) continue;
      for (const [k, v] of await deps.runs.countItems(runId, { userId: part.userId, module: summary.module })) out.set(k, v);
    }
  }
  return out;
}

/** `GET /api/resync/{jobId}/items`: the run's lines, one page at a time. */
export async function runItems(runId: string | undefined, query: URLSearchParams, deps: ReportDeps): Promise<HttpAnswer> {
  const r = await runRequest(runId, query, deps);
  if (!('run' in r)) return r;
  const { run, userId, query: q } = r;
  const page = await deps.runs.pageItems(run.id, { userId, module: q.module, result: q.result }, { top: q.top, continuationToken: q.continuationToken });
  return { status: 200, jsonBody: { runId: run.id, kind: run.kind, state: run.state, ...linesOf(page) } };
}

/** A page of lines as the routes answer it: the lines, and the token while there are more. */
function linesOf(page: Page<ReportItem>) {
  return { items: page.items.map(line), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
}

function line(item: ReportItem) {
  const { runId: _run, ...rest } = item;
  return rest;
}

export interface SkippedDeps {
  skipped: Pick<SkippedRepository, 'page' | 'list'>;
  users: Pick<ProvisionedUserRepository, 'list'>;
}

/** `GET /api/skipped[?user=&module=]`: items the sync could not apply, with Graph's or Zoho's reason. */
export async function skippedItems(query: URLSearchParams, deps: SkippedDeps): Promise<HttpAnswer> {
  const q = parseReportQuery(query);
  if (!q.ok) return bad(q.error);
  if (q.value.result) return bad('Invalid query: result does not apply to skipped items.');
  const who = await userIdOf(q.value.user, deps);
  if (!who) return notFound('No provisioned user has this id or UPN.');
  const page = await deps.skipped.page({ ...who, module: q.value.module }, { top: q.value.top, continuationToken: q.value.continuationToken });
  return { status: 200, jsonBody: { items: page.items.map(skippedLine), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) } };
}

function skippedLine(s: SkippedItem) {
  const { scope: _scope, ...rest } = s;
  return rest;
}

/**
 * `POST /api/skipped/retry` `{ items: [{ user, module, itemId }] }`: one resync job that retries
 * exactly the listed items that are still skipped (202 + its jobId); items that are not (any more)
 * skipped are named and left alone; 404 when none of them is.
 */
export async function retrySkipped(bodyText: string, deps: SkippedDeps & RequestDeps, logger: Logger): Promise<HttpAnswer> {
  const parsed = parseRetryRequest(bodyText);
  if (!parsed.ok) {
    logger.warn('retry request refused', { reason: parsed.error });
    return bad(parsed.error);
  }
  const users = await deps.users.list();
  const idOf = (user: string) => users.find((u) => u.userId.toLowerCase() === user.toLowerCase() || u.upn?.toLowerCase() === user.toLowerCase())?.userId;
  const wanted = parsed.value.items.map((i) => ({ ...i, userId: idOf(i.user) }));
  const skippedOf = new Map<string, Promise<SkippedItem[]>>();
  for (const w of wanted) if (w.userId && !skippedOf.has(w.userId)) skippedOf.set(w.userId, deps.skipped.list(w.userId));
  const found: typeof wanted = [];
  const notSkipped: { user: string; module: string; itemId: string }[] = [];
  for (const w of wanted) {
    const list = w.userId ? await skippedOf.get(w.userId)! : [];
    if (list.some((s) => s.module === w.module && s.itemId === w.itemId)) found.push(w);
    else notSkipped.push({ user: w.user, module: w.module, itemId: w.itemId });
  }
  if (found.length === 0) return notFound('None of these items is skipped (any more).');
  const request = {
    users: [...new Set(found.map((f) => f.userId!))],
    modules: [...new Set(found.map((f) => f.module))],
    retrySkipped: [...new Set(found.map((f) => f.itemId))],
  };
  const answer = await startResync(JSON.stringify(request), deps, logger);
  if (answer.status !== 202) return answer;
  return { ...answer, jsonBody: { ...(answer.jsonBody as object), retried: found.length, ...(notSkipped.length ? { notSkipped } : {}) } };
}
