/**
 * One user of a resync job, run inside the resync worker itself (not fanned out per item):
 * - per module, Graph delta (or a full read) says which items to look at; skipped items of the
 *   previous run are added (SPEC §2.6); the bulk path syncs them 100 records per Zoho call;
 * - deletions are collected over all modules first and go through the mass-delete guard;
 * - delta links are stored only after their changes are applied (a crash replays, never loses),
 *   and not for a module whose deletions the guard held back (the next run sees them again).
 *
 * Running items inline rather than one queue message per item is what makes batching possible
 * (100 records per write, one dedup look-up per 100 items), and it lets the worker count the
 * Graph and Zoho calls of the part around its own work. Items the bulk path cannot finish go to
 * the sync-items queue with the job id and report to the same run.
 */
import { GraphApiError } from '../graph/errors';
import type { Logger } from '../log';
import type { ScopeMode } from '../mapping/scope';
import { findUser } from '../provision/graph-ops';
import { isObjectId } from '../ids';
import type { SyncModule } from '../modules';
import type { Link } from '../state/links';
import type { SkippedItem } from '../state/skipped';
import { mapLimit } from '../pool';
import { applyRemovals, syncBatch, type BatchDeps, type BatchEntry, type BatchResult, type PendingRemoval } from '../sync/batch';
import type { ModuleAdapter } from '../sync/engine';
import type { ResyncJobMessage, SyncItemMessage } from '../sync/messages';
import { onFailure, policyFor, type FailureAction } from '../sync/failure';
import { writeReports } from '../sync/report-writer';
import type { ResyncDeps } from './deps';
import { enumerateModule, type Enumeration } from './enumerate';
import { massDeleteDecision } from './guard';
import { isFinished, type ModuleSummary, type PartState } from './jobs';
import { planModuleWork, requestedModules, skippedToRetry } from './plan';
import { previewLine } from './preview';
import { derivedRunState } from './report';

const STORE_PARALLELISM = 16;
const PROGRESS_EVERY_MS = 1000;

const SETTING = { contacts: 'SYNC_CONTACTS', tasks: 'SYNC_TASKS', events: 'SYNC_EVENTS' } as const;
const DIRECTION_SETTING = { contacts: 'SYNC_CONTACTS_DIRECTION', tasks: 'SYNC_TASKS_DIRECTION', events: 'SYNC_EVENTS_DIRECTION' } as const;
const FOLDER_SETTING = { contacts: 'SYNC_CONTACT_FOLDERS', tasks: 'SYNC_TODO_LISTS', events: 'SYNC_CALENDARS' } as const;

class UserNotFound extends Error {
  constructor() {
    super('the user was not found in the directory');
    this.name = 'UserNotFound';
  }
}

interface Pending {
  module: SyncModule;
  adapter: ModuleAdapter<unknown>;
  removals: PendingRemoval[];
  deltaLinks: Enumeration['deltaLinks'];
  summary: ModuleSummary;
}

function summaryOf(module: SyncModule): ModuleSummary {
  return { module, status: 'done', unchanged: 0, outOfScope: 0, handedOff: 0, reconciled: 0, withheld: 0, graphCalls: 0, zohoCalls: 0 };
}

/** The reason a module cannot run in this deployment, or undefined. */
export function unavailable(module: SyncModule, deps: Pick<ResyncDeps, 'config' | 'adapters' | 'handlers'>): string | undefined {
  if (module === 'mail') return deps.handlers?.mail ? undefined : 'sent-mail capture is not available in this deployment';
  const setting = SETTING[module];
  if (deps.config[setting] === 'off') return `turned off (${setting}=off)`;
  return deps.adapters[module] ? undefined : `${module} sync is not available in this deployment`;
}

function selection(module: SyncModule, deps: ResyncDeps): { mode: ScopeMode; category: string; folders: boolean } {
  const mode: ScopeMode = module === 'mail' ? (deps.config.MAIL_CAPTURE.length > 0 ? 'all' : 'category') : deps.config[SETTING[module]];
  return { mode, category: deps.config.SYNC_CATEGORY, folders: module !== 'mail' && !deps.config[FOLDER_SETTING[module]].all };
}

export async function processPart(msg: ResyncJobMessage, user: string, dequeueCount: number, deps: ResyncDeps, logger: Logger): Promise<void> {
  const existing = await deps.jobs.get(msg.jobId, user);
  if (existing && isFinished(existing.state)) {
    logger.info('resync part already finished; repeated delivery ignored', { jobId: msg.jobId });
    return;
  }
  if (!existing) await deps.jobs.plan(msg.jobId, [user]);
  await deps.jobs.update(msg.jobId, user, { state: 'running', startedAt: deps.now().toISOString(), sent: true });
  await deps.runs.updateRun(msg.jobId, { state: 'running' });
  const start = { graph: deps.calls.graph.total, zoho: deps.calls.zoho.total };
  const calls = () => ({ graphCalls: deps.calls.graph.total - start.graph, zohoCalls: deps.calls.zoho.total - start.zoho });

  let userId: string;
  try {
    userId = await resolveUser(user, deps);
  } catch (err) {
    const action: FailureAction = err instanceof UserNotFound ? { do: 'give-up', code: err.name, reason: err.message } : onFailure(err, { dequeueCount, deferrals: 0 }, policyFor(deps.config, false));
    if (action.do !== 'give-up') throw err;
    await finish(msg.jobId, user, { state: 'failed', message: action.reason, modules: [], ...calls() }, deps);
    return;
  }
  await deps.jobs.update(msg.jobId, user, { userId });
  const preview = msg.mode === 'preview';
  if (preview) {
    // The same run as `full`, over a world that records its writes instead of making them.
    if (!deps.preview) throw new Error('a preview needs the preview hook');
    deps = { ...deps, ...(await deps.preview(userId)), handlers: undefined };
  } else if (deps.forUser) {
    // Per-user overrides: this part runs with the user's own settings and adapters.
    deps = { ...deps, ...(await deps.forUser(userId)) };
  }

  const progress = new Progress(msg.jobId, user, deps, logger);
  const modules = requestedModules(msg.modules);
  const allSkipped = await deps.skipped.list(userId);
  const retry = skippedToRetry(allSkipped, msg.retrySkipped, modules);
  const onlyListed = Array.isArray(msg.retrySkipped);
  const skippedKeys = new Set(allSkipped.map((s) => `${s.module}|${s.itemId}`));
  const summaries: ModuleSummary[] = [];
  const pending: Pending[] = [];
  let linked = 0;

  for (const module of modules) {
    const summary = summaryOf(module);
    summaries.push(summary);
    const why = preview && module === 'mail' ? 'a preview does not cover sent mail (filing it writes nothing a full run would decide by item)' : unavailable(module, deps);
    if (why) {
      summary.status = 'not available';
      summary.note = why;
      continue;
    }
    const before = calls();
    try {
      const direction = module === 'mail' ? undefined : deps.config[DIRECTION_SETTING[module]];
      // Each module in its direction (issue 16 §8): the Zoho side is read for `to-outlook` and `both`.
      if (module !== 'mail' && direction && direction !== 'to-zoho' && preview) {
        summary.note = 'a preview does not cover the Zoho → Outlook side (it would write to Outlook)';
      } else if (module !== 'mail' && direction && direction !== 'to-zoho' && deps.fromZoho && !onlyListed && msg.mode !== 'preview') {
        const z = await deps.fromZoho(userId, module, msg.mode, msg.jobId);
        summary.note = joinNotes(summary.note, z.note ?? `from Zoho: ${z.read} record${z.read === 1 ? '' : 's'} read, ${z.lines} Outlook item${z.lines === 1 ? '' : 's'} written or unlinked`);
      }
      // Zoho is the source of a `to-outlook` module: its Outlook side is never sent to Zoho, not even by a resync.
      if (direction === 'to-outlook') {
        summary.mode = msg.mode === 'preview' ? 'full' : msg.mode;
        summary.note = joinNotes(summary.note, `Outlook → Zoho not synced (${DIRECTION_SETTING[module as keyof typeof DIRECTION_SETTING]}=to-outlook)`);
        continue;
      }
      const mine = allSkipped.filter((s) => s.module === module);
      const enumeration = onlyListed ? undefined : await enumerateModule(deps, userId, module, msg.mode !== 'delta');
      summary.mode = enumeration?.mode;
      summary.note = enumeration?.note;
      if (module === 'mail') {
        // Filing sent mail is not one item ↔ one record: the worker's mail handler does it, per message.
        summary.handedOff = await handOffMail(userId, enumeration, retry.filter((s) => s.module === 'mail'), mine, msg.jobId, deps, progress);
        if (enumeration) for (const d of enumeration.deltaLinks) await deps.deltaLinks.put(userId, module, d.scope, d.link);
      } else {
        const adapter = deps.adapters[module]!;
        const links = await deps.links.list(userId, module);
        const work = planModuleWork({
          userId,
          module,
          runId: msg.jobId,
          changed: enumeration?.changed ?? [],
          removed: enumeration?.removed ?? [],
          complete: enumeration?.mode === 'full',
          links,
          retry: retry.filter((s) => s.module === module),
          skipped: mine,
          selection: selection(module, deps),
        });
        if (enumeration?.mode === 'full' && adapter.readScope && work.entries.length > 0) {
          summary.note = joinNotes(summary.note, await attachListed(userId, adapter, enumeration, work.entries, logger));
        }
        summary.outOfScope = work.outOfScope;
        summary.reconciled = work.reconcile;
        progress.addTotal(work.entries.length);
        const result = await syncBatch(work.entries, adapter, { ...batchDeps(deps, logger, links, progress), verifyLinked: enumeration?.mode === 'full' });
        summary.unchanged += await record(msg.jobId, result, skippedKeys, deps, preview);
        summary.handedOff += result.handedOff.length;
        linked += links.filter((l) => l.state === 'linked').length;
        pending.push({ module, adapter, removals: result.removals, deltaLinks: enumeration?.deltaLinks ?? [], summary });
      }
    } catch (err) {
      const action = onFailure(err, { dequeueCount, deferrals: 0 }, policyFor(deps.config, false));
      // The whole part is redelivered: every step is idempotent, and items already synced are found unchanged.
      if (action.do !== 'give-up') throw err;
      summary.status = 'failed';
      summary.note = action.reason;
      logger.warn('resync module failed', { jobId: msg.jobId, module, code: action.code });
    } finally {
      const after = calls();
      summary.graphCalls += after.graphCalls - before.graphCalls;
      summary.zohoCalls += after.zohoCalls - before.zohoCalls;
    }
    await progress.flush();
  }

  const removals = pending.reduce((n, p) => n + p.removals.length, 0);
  const decision = massDeleteDecision({ linked, removals, share: deps.config.SYNC_MASS_DELETE_SHARE, force: msg.force === true, deletes: deps.config.SYNC_DELETES });
  for (const p of pending) {
    if (!decision.proceed && p.removals.length > 0) {
      p.summary.status = 'stopped';
      p.summary.withheld = p.removals.length;
      continue;
    }
    const before = calls();
    if (p.removals.length > 0) {
      const result = await applyRemovals(p.removals, p.adapter, batchDeps(deps, logger, undefined, undefined));
      await record(msg.jobId, result, skippedKeys, deps, preview);
      p.summary.handedOff += result.handedOff.length;
    }
    for (const d of p.deltaLinks) await deps.deltaLinks.put(userId, p.module, d.scope, d.link);
    const after = calls();
    p.summary.graphCalls += after.graphCalls - before.graphCalls;
    p.summary.zohoCalls += after.zohoCalls - before.zohoCalls;
  }

  const ran = summaries.some((s) => s.status === 'done' || s.status === 'stopped');
  const state: PartState = !decision.proceed ? 'stopped' : !ran && summaries.some((s) => s.status === 'failed') ? 'failed' : 'completed';
  if (!decision.proceed) logger.warn('mass-delete guard stopped a resync before deleting', { jobId: msg.jobId, removals, linked });
  const failedModules = summaries.filter((s) => s.status === 'failed');
  const message = decision.message ?? (state === 'failed' && failedModules.length ? failedModules.map((s) => `${s.module}: ${s.note}`).join('; ') : undefined);
  await progress.flush();
  await finish(msg.jobId, user, { state, message, modules: summaries, ...calls(), itemsDone: progress.finished, itemsTotal: progress.total }, deps);
}

/**
 * A full read lists each scope with the adapter's own read query (a few calls per folder) rather
 * than reading every item on its own. Items the listing does not have are read one by one.
 */
async function attachListed(userId: string, adapter: ModuleAdapter<unknown>, enumeration: Enumeration, entries: BatchEntry[], logger: Logger): Promise<string | undefined> {
  const listed = new Map<string, unknown>();
  for (const { scope } of enumeration.deltaLinks) {
    try {
      for await (const page of adapter.readScope!(userId, scope)) for (const { id, item } of page) listed.set(id, item);
    } catch (err) {
      // A folder Graph will not list this way (or not any more): its items are read one by one.
      if (!(err instanceof GraphApiError) || err.transient) throw err;
      logger.warn('listing a scope failed; its items are read one by one', { status: err.status, code: err.code });
      return `listing a folder failed (${err.status} ${err.code}); items were read one by one`;
    }
  }
  for (const entry of entries) {
    if (!entry.verifyOnly && listed.has(entry.msg.itemId)) entry.preread = { item: listed.get(entry.msg.itemId) };
  }
  return undefined;
}

function joinNotes(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? `${a}; ${b}` : a ?? b;
}

async function resolveUser(user: string, deps: ResyncDeps): Promise<string> {
  if (isObjectId(user)) return user;
  const found = await findUser(deps.graph, user);
  if (!found) throw new UserNotFound();
  return found.id;
}

function batchDeps(deps: ResyncDeps, logger: Logger, links: readonly Link[] | undefined, progress: Progress | undefined): BatchDeps {
  return {
    links: deps.links,
    holders: deps.holders,
    zoho: deps.zoho,
    config: deps.config,
    logger,
    now: deps.now,
    queue: deps.syncQueue,
    busyRetrySeconds: deps.config.SYNC_BUSY_RETRY_SECONDS,
    concurrency: deps.concurrency,
    knownLinks: links ? new Map(links.map((l) => [l.graphId, l])) : undefined,
    onProgress: progress ? () => progress.done(1) : undefined,
  };
}

/** The run's lines and skipped-list changes (lib/sync/report-writer.ts); returns how many were unchanged. */
function record(runId: string, result: BatchResult, skippedKeys: Set<string>, deps: ResyncDeps, preview: boolean): Promise<number> {
  const results = preview ? result.results.map((r) => ({ ...r, report: r.report && previewLine(r.report) })) : result.results;
  return writeReports(runId, results, deps, { noOps: 'count', listedAsSkipped: (msg) => skippedKeys.has(`${msg.module}|${msg.itemId}`) });
}

async function handOffMail(
  userId: string,
  enumeration: Enumeration | undefined,
  retry: readonly SkippedItem[],
  skipped: readonly SkippedItem[],
  runId: string,
  deps: ResyncDeps,
  progress: Progress,
): Promise<number> {
  const sel = selection('mail', deps);
  const work = planModuleWork({ userId, module: 'mail', runId, changed: enumeration?.changed ?? [], removed: [], complete: false, links: [], retry, skipped, selection: sel });
  const messages: SyncItemMessage[] = work.entries.map((e) => e.msg);
  await mapLimit(messages, STORE_PARALLELISM, (m) => deps.syncQueue.send(m));
  progress.addTotal(messages.length);
  progress.done(messages.length);
  return messages.length;
}

async function finish(jobId: string, user: string, patch: Parameters<ResyncDeps['jobs']['update']>[2], deps: ResyncDeps): Promise<void> {
  await deps.jobs.update(jobId, user, { ...patch, finishedAt: deps.now().toISOString() });
  await syncRunRow(jobId, deps);
}

/**
 * The run row carries the job's state and totals for lists of runs; the per-user rows are the
 * truth. Whichever part finishes last sees every part finished (each writes its own row first).
 */
export async function syncRunRow(jobId: string, deps: Pick<ResyncDeps, 'runs' | 'jobs'>): Promise<void> {
  const run = await deps.runs.getRun(jobId);
  if (!run) return;
  const info = await deps.jobs.info(jobId);
  const sum = (f: (p: (typeof info.parts)[number]) => number) => info.parts.reduce((n, p) => n + f(p), 0);
  await deps.runs.updateRun(jobId, {
    state: derivedRunState(run, info),
    queued: sum((p) => p.itemsTotal),
    finished: sum((p) => p.itemsDone),
    graphCalls: sum((p) => p.graphCalls),
    zohoCalls: sum((p) => p.zohoCalls),
  });
}

/** Items planned and finished for the part row, written at most once a second while running. */
class Progress {
  total = 0;
  finished = 0;
  private lastFlush = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly jobId: string, private readonly user: string, private readonly deps: ResyncDeps, private readonly logger: Logger) {}

  addTotal(n: number): void {
    this.total += n;
  }

  done(n: number): void {
    this.finished += n;
    if (Date.now() - this.lastFlush > PROGRESS_EVERY_MS) void this.flush();
  }

  flush(): Promise<void> {
    this.lastFlush = Date.now();
    const snapshot = { itemsTotal: this.total, itemsDone: this.finished };
    this.writing = this.writing
      .then(() => this.deps.jobs.update(this.jobId, this.user, snapshot))
      .catch((err) => this.logger.warn('resync progress not saved', { error: (err as Error).name }));
    return this.writing;
  }
}
