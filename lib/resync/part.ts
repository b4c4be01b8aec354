/**
 * One user of a resync job, run inside the resync worker itself (not fanned out per item):
 * - per module, Graph delta (or a full read) says which items to look at, one page at a time; the
 *   items are gathered by the bucket of their Table partitions and synced 300–400 of each bucket
 *   at a time by the bulk path (100 records per Zoho write, transactions of about 100 rows per
 *   bucket and step), reported and forgotten: memory holds at most about 6,400 waiting items
 *   and counters, whatever N is;
 *   skipped items of the previous run are retried at the module's end (SPEC §2.6);
 * - deletions are collected (in ResyncScratch) over all modules first and go through the
 *   mass-delete guard;
 * - a part that outlives RESYNC_INVOCATION_BUDGET_SECONDS stops at a chunk boundary and continues
 *   in a follow-up message from its checkpoint (the page link and counters, in the part row);
 * - delta links are stored only after their changes are applied (a crash replays, never loses),
 *   and not for a module whose deletions the guard held back (the next run sees them again).
 *
 * Running items inline rather than one queue message per item is what makes batching possible
 * (100 records per write, one dedup look-up per 100 items), and it lets the worker count the
 * Graph and Zoho calls of the part around its own work. Items the bulk path cannot finish go to
 * the sync-items queue with the job id and report to the same run.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import type { ScopeMode } from '../mapping/scope';
import { findUser } from '../provision/graph-ops';
import { isObjectId } from '../ids';
import type { SyncModule } from '../modules';
import { bucketOf, PARTITION_BUCKETS } from '../state/keys';
import type { Link } from '../state/links';
import { MAX_TRANSACTION_OPERATIONS } from '../state/transactions';
import type { SkippedItem } from '../state/skipped';
import { mapLimit } from '../pool';
import { applyRemovals, syncBatch, type BatchDeps, type BatchEntry, type BatchResult, type PendingRemoval } from '../sync/batch';
import type { ModuleAdapter } from '../sync/engine';
import type { ResyncJobMessage, SyncItemMessage } from '../sync/messages';
import { onFailure, policyFor, type FailureAction } from '../sync/failure';
import { writeReports } from '../sync/report-writer';
import type { ResyncDeps } from './deps';
import { streamModule, type ModuleCursor } from './enumerate';
import { massDeleteDecision } from './guard';
import { isFinished, type ModuleSummary, type PartState, type ResyncPart } from './jobs';
import { planModuleWork, reconcileEntries, requestedModules, skippedToRetry } from './plan';
import { previewLine } from './preview';
import { derivedRunState } from './report';

const STORE_PARALLELISM = 16;
/** The part row's progress, at most this often: every second cost a large resync ~0.04 Table requests per item. */
const PROGRESS_EVERY_MS = 10_000;

const SETTING = { contacts: 'SYNC_CONTACTS', tasks: 'SYNC_TASKS', events: 'SYNC_EVENTS' } as const;
const DIRECTION_SETTING = { contacts: 'SYNC_CONTACTS_DIRECTION', tasks: 'SYNC_TASKS_DIRECTION', events: 'SYNC_EVENTS_DIRECTION' } as const;
const FOLDER_SETTING = { contacts: 'SYNC_CONTACT_FOLDERS', tasks: 'SYNC_TODO_LISTS', events: 'SYNC_CALENDARS' } as const;

class UserNotFound extends Error {
  constructor() {
    super('the user was not found in the directory');
    this.name = 'UserNotFound';
  }
}

function summaryOf(module: SyncModule): ModuleSummary {
  return { module, status: 'done', unchanged: 0, lines: { added: 0, updated: 0, deleted: 0, skipped: 0 }, outOfScope: 0, handedOff: 0, reconciled: 0, withheld: 0, graphCalls: 0, zohoCalls: 0 };
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

/**
 * Waiting entries of one bucket that make a bulk write: enough that each step of the write (claims,
 * confirmations, links to existing records) fills its transactions and Zoho calls of 100.
 */
const FLUSH_AT = 4 * MAX_TRANSACTION_OPERATIONS;
/** Items per chunk of a module's last steps (retried skipped items, reconcile, removals). */
export const CHUNK_SIZE = 500;
/** A delivery holding a step longer than this past the budget has crashed; another may take over. */
const STEP_STALE_MARGIN_MS = 120_000;

/**
 * Where a part stands between invocations (the part row's `checkpoint`): counters and the read's
 * cursor only. Seen ids, pending removals and delta links are in ResyncScratch.
 */
interface PartCheckpoint {
  /** index into the requested modules */
  module: number;
  /** within that module; absent: the module starts */
  cursor?: ModuleCursor;
  summaries: ModuleSummary[];
  /** linked items of the modules done so far, for the mass-delete guard */
  linked: number;
  itemsTotal: number;
  itemsDone: number;
  graphCalls: number;
  zohoCalls: number;
  /** chunks written so far (scratch partitions are per chunk) */
  chunks: number;
  /** within the module, once its pages are read: the retry of skipped items, then the reconcile of a full read */
  phase?: 'retry' | 'reconcile';
  /** within a list worked in order of id (a phase, or a module's removals): the last id done */
  after?: string;
  /** after every module: the mass-delete guard's verdict (taken once) and the module whose removals are being applied */
  verdict?: { proceed: boolean; message?: string };
  removing?: number;
}

function emptyCheckpoint(modules: readonly SyncModule[]): PartCheckpoint {
  return { module: 0, summaries: modules.map(summaryOf), linked: 0, itemsTotal: 0, itemsDone: 0, graphCalls: 0, zohoCalls: 0, chunks: 0 };
}

/** What one invocation of a part works with. */
interface PartRun {
  msg: ResyncJobMessage;
  user: string;
  userId: string;
  deps: ResyncDeps;
  logger: Logger;
  progress: Progress;
  cp: PartCheckpoint;
  skippedKeys: Set<string>;
  deadline: number;
  /** this invocation did a chunk of work: it may stop at the next boundary once past the deadline */
  worked: boolean;
  /** the bulk writes of this invocation: items and milliseconds, for the time the waiting items will take */
  written: { items: number; ms: number };
}

/**
 * Whether the invocation should stop at this boundary: its budget is spent, counting the time the
 * `waiting` items will take to write (at the rate of this invocation's writes so far:
 * thousands may wait, and the stop writes them before the 10-minute function timeout), and it got
 * something done.
 */
function outOfTime(run: PartRun, waiting = 0): boolean {
  const msPerItem = run.written.items > 0 ? run.written.ms / run.written.items : 0;
  return run.worked && Date.now() + waiting * msPerItem >= run.deadline;
}

/**
 * One user's part, one step (invocation) of it. A step streams each module's pages in chunks and
 * stops at a chunk boundary once its time budget is spent: the checkpoint goes to the part row and
 * a follow-up message continues from it. Every delivery claims its step first, so a duplicate, a
 * stale or a concurrent delivery of the same step does nothing.
 */
export async function processPart(msg: ResyncJobMessage, user: string, dequeueCount: number, deps: ResyncDeps, logger: Logger): Promise<void> {
  const started = Date.now();
  let existing = await deps.jobs.get(msg.jobId, user);
  if (existing && isFinished(existing.state)) {
    logger.info('resync part already finished; repeated delivery ignored', { jobId: msg.jobId });
    return;
  }
  const step = msg.step ?? 0;
  if (!existing) {
    if (step > 0) return;
    await deps.jobs.plan(msg.jobId, [user]);
    existing = await deps.jobs.get(msg.jobId, user);
  }
  if (existing && (existing.step ?? 0) === step + 1 && !existing.nextSent) {
    // This step ended but its follow-up was not sent: send it now.
    await sendContinuation(msg, user, step + 1, deps);
    return;
  }
  const budgetMs = deps.config.RESYNC_INVOCATION_BUDGET_SECONDS * 1000;
  const token = randomUUID();
  if (!(await deps.jobs.claimStep(msg.jobId, user, step, token, new Date(), budgetMs + STEP_STALE_MARGIN_MS))) {
    logger.info('resync part step already taken or past; repeated delivery ignored', { jobId: msg.jobId, step });
    return;
  }
  try {
    await runStep(msg, user, step, existing!, dequeueCount, deps, logger, started + budgetMs);
  } catch (err) {
    await deps.jobs.releaseStep(msg.jobId, user, token).catch(() => undefined);
    throw err;
  }
}

async function runStep(msg: ResyncJobMessage, user: string, step: number, part: ResyncPart, dequeueCount: number, deps: ResyncDeps, logger: Logger, deadline: number): Promise<void> {
  const modules = requestedModules(msg.modules);
  const cp: PartCheckpoint = part.checkpoint ? (JSON.parse(part.checkpoint) as PartCheckpoint) : emptyCheckpoint(modules);
  if (step === 0) {
    await deps.jobs.update(msg.jobId, user, { state: 'running', startedAt: deps.now().toISOString(), sent: true });
    await deps.runs.updateRun(msg.jobId, { state: 'running' });
  }
  const start = { graph: deps.calls.graph.total, zoho: deps.calls.zoho.total };
  const calls = () => ({ graphCalls: cp.graphCalls + deps.calls.graph.total - start.graph, zohoCalls: cp.zohoCalls + deps.calls.zoho.total - start.zoho });

  let userId: string;
  try {
    userId = part.userId ?? (await resolveUser(user, deps));
  } catch (err) {
    const action: FailureAction = err instanceof UserNotFound ? { do: 'give-up', code: err.name, reason: err.message } : onFailure(err, { dequeueCount, deferrals: 0 }, policyFor(deps.config, false));
    if (action.do !== 'give-up') throw err;
    await finish(msg.jobId, user, { state: 'failed', message: action.reason, modules: [], ...calls() }, deps);
    return;
  }
  if (!part.userId) await deps.jobs.update(msg.jobId, user, { userId });
  const preview = msg.mode === 'preview';
  if (preview) {
    // The same run as `full`, over a world that records its writes instead of making them.
    if (!deps.preview) throw new Error('a preview needs the preview hook');
    // A two-way merge patches Outlook: a preview writes nowhere.
    deps = { ...deps, ...(await deps.preview(userId)), handlers: undefined, twoWay: undefined };
  } else if (deps.forUser) {
    // Per-user overrides: this part runs with the user's own settings and adapters.
    deps = { ...deps, ...(await deps.forUser(userId)) };
  }

  // The modules begun so far: the status shows the last of them as running (lib/resync/report.ts).
  const progress = new Progress(msg.jobId, user, deps, logger, () => cp.summaries.slice(0, cp.module + 1), cp.itemsTotal, cp.itemsDone);
  const allSkipped = await deps.skipped.list(userId);
  const run: PartRun = { msg, user, userId, deps, logger, progress, cp, skippedKeys: new Set(allSkipped.map((s) => `${s.module}|${s.itemId}`)), deadline, worked: false, written: { items: 0, ms: 0 } };

  for (; cp.module < modules.length; cp.module++) {
    const module = modules[cp.module];
    const summary = cp.summaries.find((s) => s.module === module)!;
    const why = preview && module === 'mail' ? 'a preview does not cover sent mail (filing it writes nothing a full run would decide by item)' : unavailable(module, deps);
    if (why) {
      summary.status = 'not available';
      summary.note = why;
      continue;
    }
    const before = calls();
    let more = false;
    try {
      const direction = module === 'mail' ? undefined : deps.config[DIRECTION_SETTING[module]];
      // Zoho is the source of a `to-outlook` module: its Outlook side is never sent to Zoho, not even by a resync.
      if (direction === 'to-outlook') {
        summary.mode = msg.mode === 'preview' ? 'full' : msg.mode;
        summary.note = `Outlook → Zoho not synced (${DIRECTION_SETTING[module as keyof typeof DIRECTION_SETTING]}=to-outlook)`;
      } else {
        more = await runModule(run, module, summary, skippedToRetry(allSkipped, msg.retrySkipped, [module]), allSkipped.filter((s) => s.module === module));
      }
      // Each module in its direction (issue 16 §8): the Zoho side is read for `to-outlook` and `both`, once the Outlook side is done.
      if (!more && module !== 'mail' && direction && direction !== 'to-zoho') {
        if (preview) {
          summary.note = joinNotes(summary.note, 'a preview does not cover the Zoho → Outlook side (it would write to Outlook)');
        } else if (deps.fromZoho && !Array.isArray(msg.retrySkipped) && msg.mode !== 'preview') {
          const z = await deps.fromZoho(userId, module, msg.mode, msg.jobId, msg.force === true);
          summary.fromZohoLines = (summary.fromZohoLines ?? 0) + z.lines;
          summary.note = joinNotes(summary.note, z.note ?? `from Zoho: ${z.read} record${z.read === 1 ? '' : 's'} read, ${z.lines} Outlook item${z.lines === 1 ? '' : 's'} written or unlinked`);
        }
      }
    } catch (err) {
      const action = onFailure(err, { dequeueCount, deferrals: 0 }, policyFor(deps.config, false));
      // The step is redelivered: every step is idempotent, and items already synced are found unchanged.
      if (action.do !== 'give-up') throw err;
      summary.status = 'failed';
      summary.note = action.reason;
      Object.assign(cp, { cursor: undefined, phase: undefined, after: undefined });
      logger.warn('resync module failed', { jobId: msg.jobId, module, code: action.code });
    } finally {
      const after = calls();
      summary.graphCalls += after.graphCalls - before.graphCalls;
      summary.zohoCalls += after.zohoCalls - before.zohoCalls;
    }
    if (more) return continueLater(run, step, module, calls);
    await progress.flush();
  }
  if (await finishPart(run, modules, calls)) return continueLater(run, step, 'removals', calls);
}

/** The budget is spent: the checkpoint goes to the part row, and a follow-up message goes on from it. */
async function continueLater(run: PartRun, step: number, at: string, calls: () => { graphCalls: number; zohoCalls: number }): Promise<void> {
  const { msg, user, deps, cp, progress, logger } = run;
  await progress.flush();
  Object.assign(cp, calls(), { itemsTotal: progress.total, itemsDone: progress.finished });
  await deps.jobs.update(msg.jobId, user, { step: step + 1, checkpoint: JSON.stringify(cp), nextSent: false, stepToken: '' });
  await sendContinuation(msg, user, step + 1, deps);
  logger.info('resync part continues in a follow-up message', { jobId: msg.jobId, at, phase: cp.phase, step: step + 1, itemsDone: progress.finished });
}

/**
 * A long list after a module's pages (skipped items to retry, linked items to reconcile) or after
 * every module (removals), worked in chunks in order of id: `cp.after` is the last id done, so a
 * continuation goes on after it even if the list changed meanwhile (a retried item leaves the
 * skipped list). Returns true when the budget ran out at a chunk boundary.
 */
async function inChunks<T>(run: PartRun, list: readonly T[], idOf: (t: T) => string, work: (chunk: T[]) => Promise<void>): Promise<boolean> {
  const after = run.cp.after;
  const todo = list.filter((t) => after === undefined || idOf(t) > after).sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  for (let i = 0; i < todo.length; i += CHUNK_SIZE) {
    if (outOfTime(run)) return true;
    const chunk = todo.slice(i, i + CHUNK_SIZE);
    await work(chunk);
    run.cp.after = idOf(chunk[chunk.length - 1]);
    run.worked = true;
  }
  run.cp.after = undefined;
  return false;
}

/**
 * One module, streamed from the checkpoint's cursor. Returns true when the budget ran out before
 * the module was read (the cursor says where to go on); the module's last steps (retried skipped
 * items, reconciling a full read) then run in the invocation that reads its last page.
 */
async function runModule(run: PartRun, module: SyncModule, summary: ModuleSummary, retry: SkippedItem[], skipped: SkippedItem[]): Promise<boolean> {
  const { msg, userId, deps, cp } = run;
  const onlyListed = Array.isArray(msg.retrySkipped);
  if (module === 'mail') return handOffMail(run, summary, retry, skipped, onlyListed);
  const adapter = deps.adapters[module]!;
  const links = new Map((await deps.links.list(userId, module)).map((l) => [l.graphId, l]));
  const sel = selection(module, deps);
  const retryIds = new Set(retry.map((s) => s.itemId));
  const base = { userId, module, runId: msg.jobId, selection: sel };
  const chunk = new Chunk(run, module, adapter, links, summary);

  if (!onlyListed && !cp.phase) {
    const lister = adapter.readScope ? adapter.readScope.bind(adapter) : undefined;
    for await (const page of streamModule(deps, userId, module, msg.mode !== 'delta', cp.cursor, lister, (status, code) => run.logger.warn('listing a scope failed; its items are read one by one', { status, code }))) {
      const cursor = page.cursor;
      summary.mode = page.mode;
      summary.note = page.note;
      const full = page.mode === 'full';
      // Skipped items to retry come at the module's end, once, whatever the pages say about them.
      const work = planModuleWork({ ...base, changed: page.changed.filter((c) => !retryIds.has(c.id)), removed: page.removed, complete: false, links, retry: [], skipped });
      const listed = new Map(page.changed.filter((c) => c.item !== undefined).map((c) => [c.id, c.item]));
      for (const entry of work.entries) if (!entry.verifyOnly && listed.has(entry.msg.itemId)) entry.preread = { item: listed.get(entry.msg.itemId) };
      summary.outOfScope += work.outOfScope;
      chunk.add(work.entries, full ? page.changed.map((c) => c.id) : []);
      // A page read is progress: a stop flushes what waits, so the next invocation starts after it.
      run.worked = true;
      // Kept aside while the page's items may still wait: delta links are stored only when the part finishes.
      if (page.deltaLink) await deps.scratch.putDeltaLink(msg.jobId, run.user, module, page.deltaLink.scope, page.deltaLink.link);
      if (!cursor) await chunk.flush();
      else await chunk.flushReady();
      if (cursor && outOfTime(run, chunk.size)) {
        // Everything up to this page is written: the next invocation starts after it.
        await chunk.flush();
        await chunk.saveSeen();
        cp.cursor = cursor;
        return true;
      }
    }
    await chunk.flush();
  }
  cp.cursor = undefined;

  // The module's last steps keep to the budget as its pages do: each may continue in a follow-up.
  const stop = async () => {
    await chunk.saveSeen();
    return true;
  };
  cp.phase ??= 'retry';
  if (cp.phase === 'retry') {
    const retried = (part: SkippedItem[]) => chunk.add(planModuleWork({ ...base, changed: [], removed: [], complete: false, links, retry: part, skipped }).entries, []);
    if (await inChunks(run, retry, (s) => s.itemId, (part) => (retried(part), chunk.flush()))) return stop();
    cp.phase = 'reconcile';
  }
  if (summary.mode === 'full' && !onlyListed) {
    const reconcile = reconcileEntries(base, links.values(), await chunk.allSeen());
    const checked = async (part: BatchEntry[]) => {
      summary.reconciled += part.length;
      chunk.add(part, []);
      await chunk.flush();
    };
    if (await inChunks(run, reconcile, (e) => e.msg.itemId, checked)) return stop();
  }
  cp.phase = undefined;
  cp.linked += [...links.values()].filter((l) => l.state === 'linked').length;
  return false;
}

/**
 * Entries gathered from pages by the bucket of their item (lib/state/keys.ts), synced and reported
 * about a transaction's worth of each bucket at a time: then a bucket's links and report lines are
 * one Table partition each, written in transactions of about 100 rows per step of the bulk write.
 * At most about PARTITION_BUCKETS × FLUSH_AT entries (and one page) wait, whatever N is.
 */
class Chunk {
  /** by bucket, then by item: a later page's entry for an item (Graph delta may list one twice) replaces the earlier */
  private readonly buckets = new Map<string, Map<string, BatchEntry>>();
  /** linked ids a full read saw in this invocation (at most the links already in memory) */
  private readonly seen = new Set<string>();
  /**
   * every id seen since the last checkpoint, kept for a continuation: by then this run has linked
   * many of them, and the next invocation's links include those. Ids only, never items.
   */
  private unsaved: string[] = [];

  constructor(
    private readonly run: PartRun,
    private readonly module: SyncModule,
    private readonly adapter: ModuleAdapter<unknown>,
    private readonly links: Map<string, Link>,
    private readonly summary: ModuleSummary,
  ) {}

  get size(): number {
    let n = 0;
    for (const items of this.buckets.values()) n += items.size;
    return n;
  }

  add(entries: BatchEntry[], seen: string[]): void {
    for (const entry of entries) {
      const b = bucketOf(entry.msg.itemId);
      let items = this.buckets.get(b);
      if (!items) this.buckets.set(b, (items = new Map()));
      items.set(entry.msg.itemId, entry);
    }
    for (const id of seen) {
      if (this.links.has(id)) this.seen.add(id);
      this.unsaved.push(id);
    }
  }

  /** Before a continuation: the next invocation reads them back. */
  async saveSeen(): Promise<void> {
    const ids = this.unsaved;
    this.unsaved = [];
    if (ids.length > 0) await this.run.deps.scratch.putSeen(this.run.msg.jobId, this.run.user, this.module, this.run.cp.chunks++, ids);
  }

  /** Seen in this invocation and in earlier ones of the part. */
  async allSeen(): Promise<Set<string>> {
    if (this.run.cp.chunks === 0) return this.seen;
    const all = await this.run.deps.scratch.seen(this.run.msg.jobId, this.run.user, this.module);
    for (const id of this.seen) all.add(id);
    return all;
  }

  /**
   * Once a bucket holds FLUSH_AT items, syncs it with every bucket nearly as full, in one bulk
   * write: each bucket's links and report lines are one Table partition, written in transactions
   * of up to 100 rows per step of the write (claims, confirmations, links), and Zoho gets writes
   * and look-ups of 100 (a write of many buckets leaves fewer part-filled calls than one of each).
   * Buckets fill evenly, so most go together; the others wait for the next time.
   */
  async flushReady(): Promise<void> {
    if (![...this.buckets.values()].some((items) => items.size >= FLUSH_AT)) return;
    const entries: BatchEntry[] = [];
    for (const [b, items] of this.buckets) {
      if (items.size < (FLUSH_AT * 3) / 4) continue;
      this.buckets.delete(b);
      entries.push(...items.values());
    }
    await this.sync(entries);
  }

  /** Syncs everything waiting, in one bulk write (the listing's end, a stop at the budget, a last step). */
  async flush(): Promise<void> {
    const entries = [...this.buckets.values()].flatMap((items) => [...items.values()]);
    this.buckets.clear();
    await this.sync(entries);
  }

  private async sync(entries: BatchEntry[]): Promise<void> {
    const { run, module } = this;
    const { deps, msg, cp } = run;
    if (entries.length === 0) return;
    const bucket = cp.chunks++;
    run.worked = true;
    run.progress.addTotal(entries.length);
    const started = Date.now();
    const result = await syncBatch(entries, this.adapter, { ...batchDeps(deps, run.logger, this.links, run.progress), verifyLinked: this.summary.mode === 'full' });
    run.written.items += entries.length;
    run.written.ms += Date.now() - started;
    await record(msg.jobId, result, this.summary, run.skippedKeys, deps, msg.mode === 'preview');
    this.summary.handedOff += result.handedOff.length;
    if (result.removals.length > 0) await deps.scratch.putRemovals(msg.jobId, run.user, module, bucket, result.removals.map(storable));
  }
}

/** A removal as kept until the guard's verdict: the link without its snapshot (not needed to delete, and may be large). */
function storable(r: PendingRemoval): PendingRemoval {
  const { snapshot: _s, attempt: _a, ...link } = r.link;
  return { ...r, link };
}

/**
 * After every module: the mass-delete guard over the part's removals, then the removals and delta
 * links it allows, module by module and in chunks within the budget. Returns true when the budget
 * ran out (the verdict and where the removals stand are in the checkpoint); otherwise the part is
 * finished and its scratch rows are deleted.
 */
async function finishPart(run: PartRun, modules: readonly SyncModule[], calls: () => { graphCalls: number; zohoCalls: number }): Promise<boolean> {
  const { msg, user, userId, deps, logger, cp, progress } = run;
  const pending: { summary: ModuleSummary; module: SyncModule; removals: PendingRemoval[] }[] = [];
  for (const module of modules) {
    const summary = cp.summaries.find((s) => s.module === module)!;
    if (module === 'mail' || summary.status !== 'done') continue;
    pending.push({ summary, module, removals: await deps.scratch.removals(msg.jobId, user, module) });
  }
  const removals = pending.reduce((n, p) => n + p.removals.length, 0);
  // Taken once: a continuation applies what the first look decided, whatever was applied since.
  const verdict = (cp.verdict ??= massDeleteDecision({ linked: cp.linked, removals, share: deps.config.SYNC_MASS_DELETE_SHARE, force: msg.force === true, deletes: deps.config.SYNC_DELETES }));
  for (let i = cp.removing ?? 0; i < pending.length; i++) {
    cp.removing = i;
    const p = pending[i];
    if (!verdict.proceed && p.removals.length > 0) {
      p.summary.status = 'stopped';
      p.summary.withheld = p.removals.length;
      continue;
    }
    const before = calls();
    const adapter = deps.adapters[p.module]!;
    const applied = async (part: PendingRemoval[]) => {
      const result = await applyRemovals(part, adapter, batchDeps(deps, logger, undefined, undefined));
      await record(msg.jobId, result, p.summary, run.skippedKeys, deps, msg.mode === 'preview');
      p.summary.handedOff += result.handedOff.length;
    };
    const stopped = await inChunks(run, p.removals, (r) => r.msg.itemId, applied);
    if (!stopped) for (const d of await deps.scratch.deltaLinks(msg.jobId, user, p.module)) await deps.deltaLinks.put(userId, p.module, d.scope, d.link);
    const after = calls();
    p.summary.graphCalls += after.graphCalls - before.graphCalls;
    p.summary.zohoCalls += after.zohoCalls - before.zohoCalls;
    if (stopped) return true;
  }

  const summaries = cp.summaries;
  const ran = summaries.some((s) => s.status === 'done' || s.status === 'stopped');
  const state: PartState = !verdict.proceed ? 'stopped' : !ran && summaries.some((s) => s.status === 'failed') ? 'failed' : 'completed';
  if (!verdict.proceed) logger.warn('mass-delete guard stopped a resync before deleting', { jobId: msg.jobId, removals, linked: cp.linked });
  const failedModules = summaries.filter((s) => s.status === 'failed');
  const message = verdict.message ?? (state === 'failed' && failedModules.length ? failedModules.map((s) => `${s.module}: ${s.note}`).join('; ') : undefined);
  await progress.flush();
  await finish(msg.jobId, user, { state, message, modules: summaries, ...calls(), itemsDone: progress.finished, itemsTotal: progress.total }, deps);
  await cleanUp(msg.jobId, user, deps, logger);
  return false;
}

/** How old a scratch row of a part that never finished (a job given up, a queue message lost) must be to be swept. */
const SCRATCH_SWEEP_AFTER_MS = 7 * 24 * 3600_000;

/**
 * A finished part's scratch rows are deleted; the finishing step also sweeps a page of rows older
 * than a week, left by parts that never finished. Best effort: a row left behind costs storage only.
 */
export async function cleanUp(jobId: string, user: string, deps: Pick<ResyncDeps, 'scratch' | 'now'>, logger: Logger): Promise<void> {
  try {
    await deps.scratch.clear(jobId, user);
    await deps.scratch.sweep(new Date(deps.now().getTime() - SCRATCH_SWEEP_AFTER_MS));
  } catch (err) {
    logger.warn('resync scratch rows not deleted', { jobId, error: (err as Error).name });
  }
}

async function sendContinuation(msg: ResyncJobMessage, user: string, step: number, deps: ResyncDeps): Promise<void> {
  await deps.resyncQueue.send({ ...msg, users: [user], step });
  await deps.jobs.update(msg.jobId, user, { nextSent: true });
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

function batchDeps(deps: ResyncDeps, logger: Logger, links: Map<string, Link> | undefined, progress: Progress | undefined): BatchDeps {
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
    knownLinks: links,
    twoWay: deps.twoWay,
    onProgress: progress ? () => progress.done(1) : undefined,
  };
}

/** The run's lines and skipped-list changes (lib/sync/report-writer.ts), counted into the module's summary. */
async function record(runId: string, result: BatchResult, summary: ModuleSummary, skippedKeys: Set<string>, deps: ResyncDeps, preview: boolean): Promise<void> {
  const results = preview ? result.results.map((r) => ({ ...r, report: r.report && previewLine(r.report) })) : result.results;
  const tally = await writeReports(runId, results, deps, { noOps: 'count', listedAsSkipped: (msg) => skippedKeys.has(`${msg.module}|${msg.itemId}`) });
  summary.unchanged += tally.unchanged;
  const lines = (summary.lines ??= { added: 0, updated: 0, deleted: 0, skipped: 0 });
  for (const k of Object.keys(lines) as (keyof typeof lines)[]) lines[k] += tally.lines[k];
}

/** Filing sent mail is not one item ↔ one record: the worker's mail handler does it, per message, page by page. */
async function handOffMail(run: PartRun, summary: ModuleSummary, retry: readonly SkippedItem[], skipped: readonly SkippedItem[], onlyListed: boolean): Promise<boolean> {
  const { msg, userId, deps, cp, progress } = run;
  const base = { userId, module: 'mail' as const, runId: msg.jobId, removed: [], complete: false, links: [], skipped, selection: selection('mail', deps) };
  const send = async (entries: BatchEntry[]) => {
    await mapLimit(entries, STORE_PARALLELISM, (e) => deps.syncQueue.send(e.msg));
    progress.addTotal(entries.length);
    progress.done(entries.length);
    summary.handedOff += entries.length;
  };
  if (!onlyListed) {
    for await (const page of streamModule(deps, userId, 'mail', msg.mode === 'full', cp.cursor, undefined)) {
      summary.mode = page.mode;
      summary.note = page.note;
      await send(planModuleWork({ ...base, changed: page.changed, retry: [] }).entries);
      if (page.deltaLink) await deps.deltaLinks.put(userId, 'mail', page.deltaLink.scope, page.deltaLink.link);
      cp.cursor = page.cursor;
      if (page.cursor && Date.now() >= run.deadline) return true;
    }
  }
  cp.cursor = undefined;
  await send(planModuleWork({ ...base, changed: [], retry }).entries);
  return false;
}

async function finish(jobId: string, user: string, patch: Parameters<ResyncDeps['jobs']['update']>[2], deps: ResyncDeps): Promise<void> {
  await deps.jobs.update(jobId, user, { ...patch, finishedAt: deps.now().toISOString() });
  await syncRunRow(jobId, deps);
}

/**
 * The run row carries the job's state and totals for lists of runs; the per-user rows are the
 * truth. Whichever part finishes last sees every part finished (each writes its own row first)
 * and sums them, once: the others ask only whether a part is unfinished (one row at most), so a
 * job of U users reads O(U) rows, not U².
 */
export async function syncRunRow(jobId: string, deps: Pick<ResyncDeps, 'runs' | 'jobs'>): Promise<void> {
  if (await deps.jobs.anyUnfinished(jobId)) return;
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

/**
 * Items planned and finished and the modules' counters, for the part row (the job status reads
 * them), written at most every PROGRESS_EVERY_MS while running.
 */
class Progress {
  private lastFlush = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobId: string,
    private readonly user: string,
    private readonly deps: ResyncDeps,
    private readonly logger: Logger,
    private readonly summaries: () => readonly ModuleSummary[],
    public total = 0,
    public finished = 0,
  ) {}

  addTotal(n: number): void {
    this.total += n;
  }

  done(n: number): void {
    this.finished += n;
    if (Date.now() - this.lastFlush > PROGRESS_EVERY_MS) void this.flush();
  }

  flush(): Promise<void> {
    this.lastFlush = Date.now();
    const snapshot = { itemsTotal: this.total, itemsDone: this.finished, modules: this.summaries().map((m) => ({ ...m, ...(m.lines ? { lines: { ...m.lines } } : {}) })) };
    this.writing = this.writing
      .then(() => this.deps.jobs.update(this.jobId, this.user, snapshot))
      .catch((err) => this.logger.warn('resync progress not saved', { error: (err as Error).name }));
    return this.writing;
  }
}
