/**
 * The `zoho-sweep` timer: repairs lost callbacks. Zoho documents no retry for callbacks, and
 * channels can go quiet (zoho.md §7), so every module that syncs to Outlook is read from a stored
 * cursor:
 * - changed records: COQL `Modified_Time >= cursor`, oldest first, at most `maxRecords` per run
 *   (the next run goes on from the last one seen);
 * - deleted records: `GET /{module}/deleted` with `If-Modified-Since: cursor`.
 * What is found is queued on `zoho-changes` as hints, exactly like a callback. The first sweep of a
 * module only sets the cursor: what existed before is a resync's job, not a change.
 */
import type { Config } from '../config';
import { modulesToOutlook, ZOHO_MODULE_OF } from '../direction';
import type { Logger } from '../log';
import { instantFromIso } from '../mapping/timezones';
import type { MessageQueue } from '../queue';
import type { SweepCursor } from '../state/zoho-feed';
import { buildCoql, where } from '../zoho/coql';
import type { DeletedRecord } from '../zoho/deleted';
import type { ZohoRecord } from '../zoho/types';
import { zohoTimestamp } from '../zoho/watch';
import type { ZohoChangeMessage, ZohoFeedModule } from './messages';

export interface SweepDeps {
  zoho: {
    coql(query: string): Promise<ZohoRecord[]>;
    getDeletedRecords(module: string, opts?: { since?: string; maxRecords?: number }): Promise<DeletedRecord[]>;
  };
  cursors: { getCursor(module: string): Promise<SweepCursor>; putCursor(cursor: SweepCursor): Promise<void> };
  queue: MessageQueue<ZohoChangeMessage>;
  config: Parameters<typeof modulesToOutlook>[0];
  logger: Logger;
  now: () => Date;
  /** per module and kind per run; default 2,000 (one COQL call of 2,000 rows costs 3 credits) */
  maxRecords?: number;
}

export interface ModuleSweep {
  module: ZohoFeedModule;
  changed: number;
  deleted: number;
  /** true on the first sweep, which only set the cursor */
  started: boolean;
}

export const ZOHO_SWEEP_SCHEDULE = '0 */15 * * * *';

interface Found {
  id: string;
  at: number;
  text: string;
}

/** Newest time seen and the ids at exactly that time, merged with what the cursor knew. */
function advance(found: Found[], since: string | undefined, atCursor: string[] | undefined): { since?: string; ids: string[] } {
  let best = since;
  let bestMs = instantFromIso(since) ?? -Infinity;
  let ids = [...(atCursor ?? [])];
  for (const f of found) {
    if (f.at > bestMs) {
      bestMs = f.at;
      best = f.text;
      ids = [f.id];
    } else if (f.at === bestMs && !ids.includes(f.id)) {
      ids.push(f.id);
    }
  }
  return { since: best, ids };
}

function fresh(found: Found[], since: string | undefined, atCursor: string[] | undefined): Found[] {
  const sinceMs = instantFromIso(since) ?? -Infinity;
  const seen = new Set(atCursor ?? []);
  return found.filter((f) => f.at > sinceMs || (f.at === sinceMs && !seen.has(f.id)));
}

async function send(queue: MessageQueue<ZohoChangeMessage>, module: ZohoFeedModule, operation: 'update' | 'delete', found: Found[]): Promise<void> {
  for (let i = 0; i < found.length; i += 100) {
    const part = found.slice(i, i + 100);
    const newest = part.reduce((a, b) => (b.at > a.at ? b : a));
    await queue.send({ v: 1, source: 'sweep', module, operation, ids: part.map((f) => f.id), changedAt: new Date(newest.at).toISOString() });
  }
}

export async function sweepModule(deps: SweepDeps, module: ZohoFeedModule): Promise<ModuleSweep> {
  const now = deps.now();
  const max = deps.maxRecords ?? 2000;
  const cursor = await deps.cursors.getCursor(module);
  if (!cursor.modifiedSince) {
    const start = zohoTimestamp(now);
    await deps.cursors.putCursor({ module, modifiedSince: start, deletedSince: start, sweptAt: now.toISOString() });
    return { module, changed: 0, deleted: 0, started: true };
  }

  const query = buildCoql({
    select: ['id', 'Modified_Time'],
    from: module,
    where: where.gte('Modified_Time', zohoTimestamp(instantFromIso(cursor.modifiedSince) ?? now.getTime())),
    orderBy: [{ field: 'Modified_Time', direction: 'asc' }, { field: 'id', direction: 'asc' }],
    limit: max,
  });
  const rows: Found[] = [];
  for (const r of await deps.zoho.coql(query)) {
    const at = instantFromIso(typeof r.Modified_Time === 'string' ? r.Modified_Time : undefined);
    if (at !== undefined) rows.push({ id: String(r.id), at, text: String(r.Modified_Time) });
  }
  const changed = fresh(rows, cursor.modifiedSince, cursor.idsAtCursor);
  await send(deps.queue, module, 'update', changed);

  const deletedSince = cursor.deletedSince ?? cursor.modifiedSince;
  const gone: Found[] = [];
  for (const d of await deps.zoho.getDeletedRecords(module, { since: deletedSince, maxRecords: max })) {
    const at = instantFromIso(d.deletedTime);
    if (at !== undefined) gone.push({ id: d.id, at, text: d.deletedTime! });
  }
  const deleted = fresh(gone, deletedSince, cursor.deletedAtCursor);
  await send(deps.queue, module, 'delete', deleted);

  // The cursor moves only after everything found is queued: a failure repeats the sweep, not loses it.
  const m = advance(rows, cursor.modifiedSince, cursor.idsAtCursor);
  const d = advance(gone, deletedSince, cursor.deletedAtCursor);
  await deps.cursors.putCursor({ module, modifiedSince: m.since, idsAtCursor: m.ids, deletedSince: d.since, deletedAtCursor: d.ids, sweptAt: now.toISOString() });
  return { module, changed: changed.length, deleted: deleted.length, started: false };
}

/** Every module that syncs to Outlook; a failing module is logged and the others go on. */
export async function sweepZohoChanges(deps: SweepDeps): Promise<{ modules: ModuleSweep[]; failed: string[] }> {
  const modules: ModuleSweep[] = [];
  const failed: string[] = [];
  for (const m of modulesToOutlook(deps.config)) {
    const module = ZOHO_MODULE_OF[m];
    try {
      modules.push(await sweepModule(deps, module));
    } catch (err) {
      failed.push(module);
      deps.logger.warn('zoho sweep failed for a module', { module, error: (err as Error)?.name, code: (err as { code?: string })?.code });
    }
  }
  deps.logger.info('zoho sweep finished', { modules: modules.map((s) => ({ ...s })), failed });
  return { modules, failed };
}
