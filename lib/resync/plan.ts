/**
 * Pure planning for a resync: which of a user's items one module's run looks at, and how.
 */
import type { ScopeMode } from '../mapping/scope';
import { inScope } from '../mapping/scope';
import type { SyncModule } from '../modules';
import { SYNC_MODULES } from '../modules';
import type { Link } from '../state/links';
import type { SkippedItem } from '../state/skipped';
import type { BatchEntry } from '../sync/batch';
import type { SyncItemMessage } from '../sync/messages';

export interface SeenItem {
  id: string;
  /** what the item must be read from (To Do list id) */
  scope?: string;
  /** as Graph reported them in the delta; undefined when the delta did not include them */
  categories?: readonly (string | null)[] | null;
}

export interface ModuleWorkInput {
  userId: string;
  module: SyncModule;
  runId: string;
  /** new or changed according to Graph (delta), or everything (full read) */
  changed: readonly SeenItem[];
  /** reported `@removed`: deleted, or only moved out of the folder/window */
  removed: readonly SeenItem[];
  /** every scope was read from scratch: a linked item not seen may be gone */
  complete: boolean;
  /** the user's links of the module (a map by Graph id when the caller plans page by page) */
  links: readonly Link[] | ReadonlyMap<string, Link>;
  /** skipped items to retry for this module */
  retry: readonly SkippedItem[];
  /** all skipped items of this module, retried or not (to mark an enumerated one as a retry) */
  skipped: readonly SkippedItem[];
  /**
   * the module's selection; items plainly out of category scope and never linked are not read.
   * `folders`: only chosen folders are read, so a linked item reported removed (or not seen by a
   * full read) may have moved out of them: it is read and decided (leaves the scope), not only
   * checked for existence.
   */
  selection?: { mode: ScopeMode; category: string; folders?: boolean };
}

export interface ModuleWork {
  entries: BatchEntry[];
  /** changed items left out without a read: not in the category and never synced */
  outOfScope: number;
  /** linked items not seen by a complete read, checked one by one */
  reconcile: number;
}

export function planModuleWork(input: ModuleWorkInput): ModuleWork {
  const links: ReadonlyMap<string, Link> = input.links instanceof Map ? input.links : new Map((input.links as readonly Link[]).map((l) => [l.graphId, l]));
  const skipped = new Map(input.skipped.map((s) => [s.itemId, s]));
  const entries = new Map<string, BatchEntry>();
  const msg = (id: string, scope: string | undefined, retryOfSkipped: boolean): SyncItemMessage => ({
    v: 1,
    userId: input.userId,
    module: input.module,
    itemId: id,
    changeType: 'resync',
    scope,
    runId: input.runId,
    ...(retryOfSkipped ? { retryOfSkipped: true } : {}),
  });

  let outOfScope = 0;
  const seen = new Set<string>();
  for (const item of input.changed) {
    seen.add(item.id);
    const sel = input.selection;
    const known = links.has(item.id) || skipped.has(item.id);
    if (sel && sel.mode === 'category' && item.categories !== undefined && !known && !inScope(item.categories, sel.mode, sel.category)) {
      outOfScope++;
      continue;
    }
    entries.set(item.id, { msg: msg(item.id, item.scope, skipped.has(item.id)) });
  }
  for (const s of input.retry) {
    if (!entries.has(s.itemId)) entries.set(s.itemId, { msg: msg(s.itemId, s.scope, true) });
  }
  for (const item of input.removed) {
    if (entries.has(item.id) || !links.has(item.id)) continue;
    entries.set(item.id, { msg: msg(item.id, item.scope, false), verifyOnly: !input.selection?.folders });
  }
  let reconcile = 0;
  if (input.complete) {
    for (const link of links.values()) {
      if (link.state !== 'linked' || seen.has(link.graphId) || entries.has(link.graphId)) continue;
      entries.set(link.graphId, msgEntry(input, link.graphId));
      reconcile++;
    }
  }
  return { entries: [...entries.values()], outOfScope, reconcile };
}

function msgEntry(input: Pick<ModuleWorkInput, 'userId' | 'module' | 'runId' | 'selection'>, graphId: string): BatchEntry {
  return { msg: { v: 1, userId: input.userId, module: input.module, itemId: graphId, changeType: 'resync', runId: input.runId }, verifyOnly: !input.selection?.folders };
}

/**
 * A streamed full read's last step: linked items the read did not see (`seen`, gathered chunk by
 * chunk) may be gone, and are checked one by one.
 */
export function reconcileEntries(input: Pick<ModuleWorkInput, 'userId' | 'module' | 'runId' | 'selection'>, links: Iterable<Link>, seen: ReadonlySet<string>): BatchEntry[] {
  const out: BatchEntry[] = [];
  for (const link of links) if (link.state === 'linked' && !seen.has(link.graphId)) out.push(msgEntry(input, link.graphId));
  return out;
}

/** Skipped items a job retries: all of them, none, or the listed ids (SPEC §2.6). */
export function skippedToRetry(all: readonly SkippedItem[], retrySkipped: boolean | readonly string[] | undefined, modules: readonly SyncModule[]): SkippedItem[] {
  if (retrySkipped === false) return [];
  const inModules = all.filter((s) => modules.includes(s.module));
  if (Array.isArray(retrySkipped)) {
    const wanted = new Set(retrySkipped);
    return inModules.filter((s) => wanted.has(s.itemId));
  }
  return inModules;
}

/** Requested modules in a fixed order, duplicates removed; absent = all of them. */
export function requestedModules(modules: readonly SyncModule[] | undefined): SyncModule[] {
  if (!modules) return [...SYNC_MODULES];
  return SYNC_MODULES.filter((m) => modules.includes(m));
}
