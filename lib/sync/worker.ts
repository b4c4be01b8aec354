import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import type { SyncModule } from '../modules';
import { messageBody } from '../queue';
import { LinkConflictError } from '../state/links';
import { RunRepository } from '../state/runs';
import type { SkippedRepository } from '../state/skipped';
import type { EngineDeps, ItemReport, ModuleAdapter } from './engine';
import { syncOne } from './batch';
import { SyncItemMessage } from './messages';
import { DEFAULT_POLICY, onFailure } from './failure';
import { writeReports } from './report-writer';
import type { SyncQueue } from './ports';

export interface WorkerDeps extends Omit<EngineDeps, 'claimToken' | 'logger'> {
  runs: RunRepository;
  skipped: SkippedRepository;
  queue: SyncQueue;
  adapters: Partial<Record<SyncModule, ModuleAdapter<unknown>>>;
  /**
   * Modules that are not "one Outlook item ↔ one Zoho record" (sent mail is attached to several
   * records): they handle the message themselves and return the item's report. Errors thrown are
   * classified and retried exactly like the engine's.
   */
  handlers?: Partial<Record<SyncModule, (msg: SyncItemMessage, logger: Logger) => Promise<ItemReport | undefined>>>;
  /** remembers that a change notification arrived for this mailbox and module (admin status) */
  noteNotification?: (userId: string, module: SyncModule, at: Date) => Promise<void>;
  /** hook: per-user overrides (manage/users); the user's adapters and handlers, and modules only a resync syncs */
  forUser?: (userId: string) => Promise<{ adapters: WorkerDeps['adapters']; handlers?: WorkerDeps['handlers']; zoho?: EngineDeps['zoho']; manualOnly(module: SyncModule): boolean; receivesOnly?(module: SyncModule): boolean }>;
  maxAttempts: number;
  /** how long an item another worker is creating waits before it is looked at again */
  busyRetrySeconds: number;
}

export type WorkerOutcome = { status: 'done'; report?: ItemReport } | { status: 'invalid' } | { status: 'deferred' };

const knownRuns = new Set<string>();

/**
 * One queue message → one item synced and reported. Transient failures throw so the queue
 * redelivers (host.json's visibility timeout is the back-off); on the last attempt the item is
 * recorded as skipped instead, so nothing is ever lost silently (SPEC §2.6).
 */
export async function processSyncMessage(raw: unknown, dequeueCount: number, deps: WorkerDeps, logger: Logger): Promise<WorkerOutcome> {
  const parsed = SyncItemMessage.safeParse(messageBody(raw));
  if (!parsed.success) {
    logger.error('sync message is not valid; dropped', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return { status: 'invalid' };
  }
  const msg = parsed.data;
  if (msg.subscriptionId && deps.noteNotification) await noteOncePerMinute(msg, deps);
  const log = { userId: msg.userId, module: msg.module, itemId: msg.itemId, dequeueCount };
  const view = await deps.forUser?.(msg.userId);
  // A module the user syncs by hand only (`manual`) gets nothing from notifications.
  if (view && !msg.runId && view.manualOnly(msg.module)) return { status: 'done' };
  // SYNC_*_DIRECTION=to-outlook: Zoho is the source; Outlook changes (our own writes included) go nowhere.
  if (view?.receivesOnly?.(msg.module)) return { status: 'done' };
  const adapter = (view?.adapters ?? deps.adapters)[msg.module];
  const handler = (view?.handlers ?? deps.handlers)?.[msg.module];
  const runId = msg.runId ?? RunRepository.automaticRunId(deps.now());

  let report: ItemReport | undefined;
  if (!adapter && !handler) {
    report = { result: 'skipped', reason: `${msg.module} sync is turned off` };
  } else {
    try {
      report = handler ? await handler(msg, logger) : await syncOne(msg, adapter!, { ...deps, zoho: view?.zoho ?? deps.zoho, logger, claimToken: randomUUID() });
    } catch (err) {
      const action = onFailure(err, { dequeueCount, deferrals: msg.deferrals ?? 0 }, { ...DEFAULT_POLICY, maxAttempts: deps.maxAttempts, busyRetryMs: deps.busyRetrySeconds * 1000 });
      if (action.do === 'defer') {
        const delaySeconds = Math.ceil(action.ms / 1000);
        await deps.queue.send({ ...msg, deferrals: (msg.deferrals ?? 0) + 1 }, { visibilityTimeoutSeconds: delaySeconds });
        logger.info(action.busy ? 'item busy in another worker; deferred' : 'asked to wait; deferred', { ...log, code: action.code, delaySeconds });
        return { status: 'deferred' };
      }
      if (action.do === 'retry') {
        logger.warn('transient failure; the queue will retry', { ...log, code: action.code, error: (err as Error).name });
        throw err;
      }
      logger.warn('item skipped', { ...log, code: action.code });
      report = { result: 'skipped', reason: action.reason, code: action.code, retryable: true };
    }
  }
  if (report) await record(runId, msg, report, deps);
  logger.info('item processed', { ...log, runId, result: report?.result ?? 'nothing to do', zohoId: report?.zohoId, reason: report?.reason, code: report?.code });
  return { status: 'done', report };
}

async function record(runId: string, msg: SyncItemMessage, report: ItemReport, deps: WorkerDeps): Promise<void> {
  const at = deps.now().toISOString();
  if (!msg.runId && !knownRuns.has(runId)) {
    await deps.runs.ensureRun({ id: runId, kind: 'automatic', state: 'running', createdAt: at });
    knownRuns.add(runId);
  }
  // An item's line says what the run did to it; a later no-op must not overwrite "added" or
  // "updated" (Outlook re-notifies on mere opens). A notification's no-op writes nothing at all
  // (one Table request per no-op: the link read); in a resync's run "unchanged" fills an empty line.
  await writeReports(runId, [{ msg, report }], deps, { noOps: msg.runId ? 'fill' : 'none' });
  if (report.result === 'skipped' && report.retryable) await markSkipped(msg, deps);
}

/**
 * A skipped item's link remembers it, so that only items skipped before pay for removing their
 * skipped row once they go through. A first-seen item gets an ownerless claim row for that.
 */
async function markSkipped(msg: SyncItemMessage, deps: WorkerDeps): Promise<void> {
  if (!deps.adapters[msg.module]) return;
  const link = await deps.links.get(msg.userId, msg.module, msg.itemId);
  try {
    if (link) {
      if (link.lastResult !== 'skipped') await deps.links.save({ ...link, lastResult: 'skipped' });
    } else {
      const c = await deps.links.claim(msg.userId, msg.module, msg.itemId, '', deps.now(), 0);
      if (c.claimed) await deps.links.save({ ...c.link, claimToken: undefined, claimedAt: undefined, lastResult: 'skipped' });
    }
  } catch (err) {
    if (!(err instanceof LinkConflictError)) throw err;
  }
}

const noted = new Map<string, number>();

/** One status write per mailbox and module per minute and instance, not one per notification. */
async function noteOncePerMinute(msg: SyncItemMessage, deps: WorkerDeps): Promise<void> {
  const key = `${msg.userId}\u0000${msg.module}`;
  const now = deps.now();
  if ((noted.get(key) ?? 0) > now.getTime() - 60_000) return;
  noted.set(key, now.getTime());
  if (noted.size > 50_000) noted.clear();
  await deps.noteNotification!(msg.userId, msg.module, now);
}
