/**
 * The one report writer: what the sync did to items goes into their run (one line per item,
 * 100 lines per Table transaction when there are many) and the skipped list (SPEC §2.6), for the
 * sync worker (one item) and a resync part (thousands) alike.
 */
import { mapLimit } from '../pool';
import type { ItemResult, ReportItem, RunRepository } from '../state/runs';
import type { SkippedRepository } from '../state/skipped';
import type { ItemReport } from './engine';
import type { SyncItemMessage } from './messages';

const STORE_PARALLELISM = 16;

export interface ReportWriterDeps {
  runs: Pick<RunRepository, 'putItems' | 'hasItem'>;
  skipped: Pick<SkippedRepository, 'put' | 'remove'>;
  now: () => Date;
}

export interface ReportOptions {
  /**
   * No-op results: `count` (a resync counts them; only a retried skipped item gets a line),
   * `fill` (a handed-off item of a resync: a line only where its run has none yet), `none` (a
   * notification: nothing written, so a no-op costs no Table request besides the link read).
   */
  noOps: 'count' | 'fill' | 'none';
  /** whether the item is on the skipped list; undefined: the report's own `wasSkipped` decides */
  listedAsSkipped?: (msg: SyncItemMessage) => boolean;
}

/** What one call wrote: results found unchanged (lines or not), and the lines by result. */
export interface ReportTally {
  unchanged: number;
  lines: Record<ItemResult, number>;
}

/** Writes the lines and skipped-list changes; returns what it counted (a resync part keeps the counters for its status). */
export async function writeReports(runId: string, results: readonly { msg: SyncItemMessage; report?: ItemReport }[], deps: ReportWriterDeps, opts: ReportOptions): Promise<ReportTally> {
  let unchanged = 0;
  const at = deps.now().toISOString();
  const lines: ReportItem[] = [];
  const skippedChanges: (() => Promise<void>)[] = [];
  for (const { msg, report } of results) {
    // A resync knows its skipped list; the sync worker has the link's word (`wasSkipped`), and a
    // report that does not come from a link (sent mail) says nothing: then anything but a no-op clears it.
    const listed = opts.listedAsSkipped ? opts.listedAsSkipped(msg) : report?.wasSkipped === true || (report?.wasSkipped === undefined && !!report && report.result !== 'unchanged') || !!msg.retryOfSkipped;
    const forget = () => deps.skipped.remove(msg.userId, msg.module, msg.itemId);
    const noOp = !report || report.result === 'unchanged';
    if (report?.result === 'unchanged') unchanged++;
    if (noOp && !(report && msg.retryOfSkipped && opts.noOps === 'count')) {
      if (opts.listedAsSkipped ? listed && msg.retryOfSkipped : listed) skippedChanges.push(forget);
      if (report && opts.noOps === 'fill' && !(await deps.runs.hasItem(runId, msg.userId, msg.module, msg.itemId))) lines.push(line(runId, msg, report, at));
      continue;
    }
    lines.push(line(runId, msg, report!, at));
    if (report!.result === 'skipped' && report!.retryable) {
      skippedChanges.push(() => deps.skipped.put({ userId: msg.userId, module: msg.module, itemId: msg.itemId, reason: report!.reason ?? 'skipped', code: report!.code, runId, at, scope: msg.scope }));
    } else if (listed) {
      skippedChanges.push(forget);
    }
  }
  await deps.runs.putItems(lines);
  await mapLimit(skippedChanges, STORE_PARALLELISM, (change) => change());
  const tally: ReportTally = { unchanged, lines: { added: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0 } };
  for (const l of lines) tally.lines[l.result]++;
  return tally;
}

function line(runId: string, msg: SyncItemMessage, report: ItemReport, at: string): ReportItem {
  const { retryable: _r, wasSkipped: _w, ...item } = report;
  return { ...item, runId, userId: msg.userId, module: msg.module, itemId: msg.itemId, retriedFromSkip: msg.retryOfSkipped, at };
}
