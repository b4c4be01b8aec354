/**
 * The one executor: what the decision table (decide.ts) says for 1..n items of one module and
 * one user, carried out. A notification is a run with one entry (`syncOne`), a resync part a run
 * with hundreds (`syncBatch`); both take the same code path for every decision:
 * - read (or take the page's item), decide, map; a linked item's snapshot says unchanged / update;
 * - updates: marked in doubt on their links before the Zoho call (100 per Table transaction),
 *   written 100 per Zoho call, then confirmed; a record deleted in Zoho is created again;
 * - first-seen items: claimed (insert-if-absent carrying the write's attempt, so the claim's insert
 *   is the read and the attempt is recorded before the call), deduplicated (one `in (…)` look-up
 *   per 100 when there are several), then inserted 100 per call or linked filling empty fields;
 * - removals: applied at once for a notification, collected for a resync so that the mass-delete
 *   guard sees everything a run would delete first (`applyRemovals`).
 * What cannot finish in a round goes to the next round of the same run: a link save that lost a
 * race (decided again from a fresh read, up to MAX_REDECIDE times), two items of a group that are
 * one Zoho record (the second then finds the record the first made), a claim that turned out to be
 * a link. Failures end an item: a notification's run hands the error back to the worker (its
 * queue, back-off and attempt count), a resync's run hands the item to the `sync-items` queue.
 */
import { randomUUID } from 'node:crypto';
import { holderKey } from '../state/holders';
import { isStaleClaim, LinkConflictError, type Link, type LinkOrigin } from '../state/links';
import { mapLimit } from '../pool';
import { chunk, MAX_IDS_PER_DELETE, MAX_RECORDS_PER_WRITE } from '../zoho/records';
import type { ZohoRecord, ZohoRecordResult } from '../zoho/types';
import { buildCoql, where } from '../zoho/coql';
import { afterInsert, ALREADY_GONE, decide } from './decide';
import {
  CLAIM_STALE_MS, fieldsOf, fillPlan, linkedRow, LOOKUP_EXTRA_FIELDS, linkReport, outlookChange, outlookStateOf, readableFields, recordGone, refusal, releaseClaim, removalFor, removalReport, removeInZoho,
  type DedupAnswer, type Decision, type EngineDeps, type ItemReport, type Mapped, type Match, type ModuleAdapter, type Resolved,
} from './engine';
import type { SyncItemMessage } from './messages';
import { DEFAULT_POLICY, onFailure } from './failure';
import { classify, ItemBusyError, ZohoRecordRefused } from './outcome';
import type { SyncQueue } from './ports';
import { attemptOf, parseAttempt, parseSnapshot, parseUpdateDoubt, pickWrite, serializeSnapshot, updateDoubtOf, withUnknown, withWritten, type Attempt } from './snapshot';
import { conflictNotes, type ForwardMerge, type TwoWayPort } from './two-way';
import { linkCache } from './link-cache';

export interface BatchEntry {
  msg: SyncItemMessage;
  /**
   * Only find out whether the item still exists (a delta `@removed`, or a link a full read did not
   * see): gone → its record is removed; still there → left alone, it moved or left the window.
   */
  verifyOnly?: boolean;
  /** the item as already read (the adapter's readScope): `read` is not called again */
  preread?: { item: unknown };
}

export interface BatchItemResult {
  msg: SyncItemMessage;
  /** undefined: nothing to do and nothing to report */
  report?: ItemReport;
}

/** A linked record the run would delete (or unlink); applied by applyRemovals after the guard. */
export interface PendingRemoval {
  msg: SyncItemMessage;
  link: Link;
  why: string;
  /** cancel the Zoho record instead of deleting it (a cancelled meeting) */
  cancel?: boolean;
}

export interface BatchResult {
  results: BatchItemResult[];
  removals: PendingRemoval[];
  /** sent to the `sync-items` queue (busy elsewhere, or a transient failure); they report to the run themselves */
  handedOff: SyncItemMessage[];
}

export interface BatchDeps extends Omit<EngineDeps, 'claimToken'> {
  queue: SyncQueue;
  /** delay before a handed-off item is looked at again */
  busyRetrySeconds: number;
  /** items read and stored in parallel; Graph's per-mailbox limit still applies underneath */
  concurrency?: number;
  /** the user's links of this module, listed once by the caller; otherwise read one by one */
  knownLinks?: Map<string, Link>;
  /**
   * A full resync also asks Zoho whether the records of unchanged items still exist (100 ids per
   * COQL call), so "deleted in Zoho, unchanged in Outlook" is decided by the table, not left linked.
   */
  verifyLinked?: boolean;
  onProgress?(finished: number): void;
}

/** A notification's run: one item, failures thrown to the worker, removals applied at once. */
export type OneDeps = Omit<EngineDeps, 'claimToken'> & { claimToken?: string };

const DEFAULT_CONCURRENCY = 16;
/** First-seen items are claimed, deduplicated and written per group of this size, so claims stay short-lived. */
const GROUP_SIZE = 500;
/** A fresh claim is not renewed before its write; one older than this is (look-ups took long). */
const RENEW_AFTER_MS = 30_000;
/** A record that an attempt in doubt created has a Created_Time after the attempt began, give or take clock skew. */
const CLOCK_SKEW_MS = 2 * 60_000;
/** Re-decisions of one item after link saves that lost a race, before the queue retries it. */
const MAX_REDECIDE = 3;

/** One item in a round: what is known of it so far. */
interface Work<Item> {
  entry: BatchEntry;
  msg: SyncItemMessage;
  /** redecisions so far */
  tries: number;
  /** the Outlook item as read in an earlier round (the second of two items that are one Zoho record): not read again */
  item?: Item;
  /** a link already read (or held as our claim) in an earlier round */
  link?: Link;
  /** read the link from storage, not from knownLinks or the process cache */
  fresh?: boolean;
  /** the report's reason starts with this (a record created again) */
  prefix?: string;
}

interface ToWrite<Item> {
  work: Work<Item>;
  item: Item;
  mapped: Mapped;
  resolved?: Resolved;
  /** the fields to write (an update: changed in Outlook; a link: empty in Zoho); all when absent */
  keys?: string[];
}

interface Update<Item> extends ToWrite<Item> {
  link: Link;
  merge?: ForwardMerge;
  twoWay?: TwoWayPort;
  /** the fields this write sends, and the write */
  sent?: string[];
  write?: ZohoRecord;
}

interface Claimed<Item> extends ToWrite<Item> {
  attempt: string;
  /** our claim (state `claimed`), once held */
  claim?: Link;
  target?: Match;
}

/**
 * Syncs `entries` (one user, one module). Every entry ends in exactly one of: a result, a
 * pending removal, or a hand-off to the queue.
 */
export async function syncBatch<Item>(entries: readonly BatchEntry[], adapter: ModuleAdapter<Item>, deps: BatchDeps): Promise<BatchResult> {
  return new Executor(adapter, deps, 'bulk').run(entries);
}

/**
 * Applies removals the guard allowed: only records the sync created or linked are deleted,
 * SYNC_DELETES=unlink keeps them, an adapter's cancelRecord (events cancel) is used one by one,
 * anything else is deleted 100 ids per call.
 */
export async function applyRemovals<Item>(removals: readonly PendingRemoval[], adapter: ModuleAdapter<Item>, deps: BatchDeps): Promise<BatchResult> {
  return new Executor(adapter, deps, 'bulk').remove(removals);
}

/** A notification: the same run with one entry; its failure is thrown for the worker's policy. */
export async function syncOne<Item>(msg: SyncItemMessage, adapter: ModuleAdapter<Item>, deps: OneDeps): Promise<ItemReport | undefined> {
  const out = await new Executor(adapter, deps, 'one').run([{ msg }]);
  if (out.failed) throw out.failed;
  return out.results[0]?.report;
}

class Executor<Item> {
  private readonly out: BatchResult & { failed?: unknown } = { results: [], removals: [], handedOff: [] };
  private readonly concurrency: number;
  private readonly token: string;
  private finished = 0;
  private next: Work<Item>[] = [];

  constructor(
    private readonly adapter: ModuleAdapter<Item>,
    private readonly deps: OneDeps & Partial<BatchDeps>,
    private readonly mode: 'one' | 'bulk',
  ) {
    this.concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
    this.token = deps.claimToken ?? randomUUID();
  }

  async run(entries: readonly BatchEntry[]): Promise<BatchResult & { failed?: unknown }> {
    let round: Work<Item>[] = entries.map((entry) => ({ entry, msg: entry.msg, tries: 0 }));
    while (round.length > 0) {
      this.next = [];
      await this.round(round);
      round = this.next;
    }
    if (this.mode === 'one' && this.out.removals.length > 0) {
      const removals = this.out.removals;
      this.out.removals = [];
      await this.remove(removals);
    }
    return this.out;
  }

  /** One pass over `list`: decide each item, then carry out the updates and the creates in bulk. */
  private async round(list: Work<Item>[]): Promise<void> {
    const updates: Update<Item>[] = [];
    const fresh: Claimed<Item>[] = [];
    const unchanged: { work: Work<Item>; link: Link; label: string }[] = [];

    await mapLimit(list, this.concurrency, async (work) => {
      const { msg } = work;
      try {
        const item = work.item !== undefined ? work.item : work.entry.preread && !work.fresh ? (work.entry.preread.item as Item) : await this.adapter.read(msg);
        if (item !== null && work.entry.verifyOnly) return this.done(msg, undefined);
        const verdict: Decision = item === null ? { action: 'remove', reason: 'deleted in Outlook' } : this.adapter.decide(item);
        if (verdict.action !== 'sync') return await this.without(work, verdict);
        const mapped = await this.adapter.map(item!);
        if (mapped.skipReason) return this.done(msg, { result: 'skipped', label: mapped.label, reason: mapped.skipReason, retryable: false });
        const attempt = JSON.stringify(attemptOf(mapped.record, fieldsOf(mapped), 'created', this.deps.now()));
        // A `created` notification: the claim's insert is the read (no separate look-up of the link).
        if (!work.link && !work.fresh && msg.changeType === 'created' && !this.deps.knownLinks) return void fresh.push({ work, item: item!, mapped, attempt });
        const cached = this.cachedToWrite(work, mapped);
        const link = cached ?? (await this.settle(work.link ?? (await this.linkOf(work)), attempt));
        if (link?.state === 'linked') {
          // Outlook bumps change keys on mere opens; the mapped content decides, not the change key.
          const change = outlookChange(link, mapped);
          if (decide('linked', change.state, 'unknown').do === 'nothing') {
            if (this.deps.verifyLinked) return void unchanged.push({ work, link, label: mapped.label });
            return this.done(msg, { result: 'unchanged', label: mapped.label, zohoModule: link.zohoModule, zohoId: link.zohoId, wasSkipped: link.lastResult === 'skipped' });
          }
          return void updates.push({ work, item: item!, mapped, link, keys: change.keys });
        }
        fresh.push({ work, item: item!, mapped, attempt, claim: link });
      } catch (err) {
        if (err instanceof LinkConflictError) return this.again(work);
        await this.fail(msg, err);
      }
    });

    await this.verifyUnchanged(unchanged);
    fresh.push(...(await this.updateLinked(updates)));
    for (const group of chunk(fresh, GROUP_SIZE)) await this.createOrLink(group);
  }

  /**
   * The process's copy of a link this instance wrote last, when the item changed against it: the
   * write's mark is conditional on its etag, so a copy that is no longer current costs a conflict
   * and a fresh read, never a wrong write. An unchanged item always reads the stored row (another
   * instance may have written a newer version since).
   */
  private cachedToWrite(work: Work<Item>, mapped: Mapped): Link | undefined {
    if (this.mode !== 'one' || work.link || work.fresh) return undefined;
    const link = linkCache.get(work.msg);
    return link && outlookChange(link, mapped).state === 'changed' ? link : undefined;
  }

  private async linkOf(work: Work<Item>): Promise<Link | undefined> {
    const { msg } = work;
    if (this.deps.knownLinks && !work.fresh) return this.deps.knownLinks.get(msg.itemId);
    return this.remember(msg, await this.deps.links.get(msg.userId, msg.module, msg.itemId));
  }

  private remember(msg: SyncItemMessage, link: Link | undefined): Link | undefined {
    if (this.mode === 'one') linkCache.put(msg, link?.state === 'linked' && !link.attempt ? link : undefined);
    return link;
  }

  /** The item's state changed under this round: decided again in the next one, from fresh reads. */
  private again(work: Work<Item>): void {
    if (work.tries >= MAX_REDECIDE) return void this.fail(work.msg, new LinkConflictError());
    this.next.push({ entry: work.entry, msg: work.msg, tries: work.tries + 1, fresh: true });
  }

  /**
   * A row becomes something the table can decide on. A claim: ours stays ours; another worker's
   * fresh claim means busy; a stale one (a worker that died, or a create in doubt) is taken over and
   * its attempt resolved from what that attempt sent. A link marked by an update (in doubt, or
   * still in flight elsewhere) has the fields that update sent marked unknown, so this write sends
   * them again with Outlook's values now; should the other write land after this one, its own
   * confirmation then fails on the etag and it decides again (write order, see updateLinked).
   */
  private async settle(row: Link | undefined, mine: string): Promise<Link | undefined> {
    if (!row) return undefined;
    if (row.state === 'linked') {
      if (!row.attempt) return row;
      const doubt = parseUpdateDoubt(row.attempt);
      const snapshot = doubt ? serializeSnapshot(withUnknown(parseSnapshot(row.snapshot) ?? {}, doubt.sent)) : row.snapshot;
      return { ...row, snapshot, attempt: undefined, claimToken: undefined, claimedAt: undefined };
    }
    let held = row;
    if (row.claimToken !== this.token) {
      if (!isStaleClaim(row, this.deps.now(), CLAIM_STALE_MS)) throw new ItemBusyError();
      const c = await this.deps.links.claim(row.userId, row.module, row.graphId, this.token, this.deps.now(), CLAIM_STALE_MS);
      if (!c.claimed) {
        if (c.link.state === 'linked') return this.settle(c.link, mine);
        throw new ItemBusyError();
      }
      held = c.link;
    }
    const attempt = parseAttempt(held.attempt);
    // Our own claim carries our attempt; any other attempt is an earlier one whose answer was lost.
    if (!attempt || held.attempt === mine) return held;
    try {
      return await this.resolveDoubt(held, attempt);
    } catch (err) {
      // Still in doubt: the row goes back ownerless, so the next attempt (anyone's) resolves it.
      if (!(err instanceof LinkConflictError)) await this.letGo(held, true);
      throw err;
    }
  }

  /** The record an earlier attempt may have written, looked up by that attempt's values, never the item's current ones. */
  private async resolveDoubt(held: Link, attempt: Attempt): Promise<Link> {
    const match = attempt.target
      ? { id: attempt.target, how: 'the record an earlier attempt linked', record: undefined }
      : await this.adapter.findExisting(null, { record: attempt.record, hash: '', label: '', cutFields: [], notes: [] });
    if (!match) return { ...held, attempt: undefined };
    const created = Date.parse(String(match.record?.Created_Time ?? ''));
    const origin = !attempt.target && !Number.isNaN(created) && created >= Date.parse(attempt.at) - CLOCK_SKEW_MS ? 'created' : 'linked';
    if (origin === 'linked') await this.deps.holders.add(this.adapter.zohoModule, match.id, holderKey(held));
    const link: Link = {
      ...held,
      state: 'linked',
      claimToken: undefined,
      claimedAt: undefined,
      attempt: undefined,
      zohoModule: this.adapter.zohoModule,
      zohoId: match.id,
      origin,
      hash: undefined,
      // What that attempt sent is what Zoho holds: the table compares the item with it.
      snapshot: serializeSnapshot(attempt.snapshot),
      lastResult: origin === 'created' ? 'added' : 'updated',
      lastSyncedAt: this.deps.now().toISOString(),
    };
    return { ...link, etag: await this.deps.links.save(link) };
  }

  /** An item that is not to be written: skipped, unlinked, or its record removed, as the table says. */
  private async without(work: Work<Item>, verdict: Exclude<Decision, { action: 'sync' }>): Promise<void> {
    const { msg } = work;
    const found = await this.settle(work.link ?? (await this.linkOf(work)), '');
    const link = found?.state === 'linked' ? found : undefined;
    if (found && !link) await releaseClaim(found, this.deps);
    const action = decide(link ? 'linked' : 'absent', outlookStateOf(verdict), 'unknown');
    const why = verdict.action === 'out-of-scope' ? undefined : verdict.reason;
    switch (action.do) {
      case 'skip':
        return this.done(msg, { result: 'skipped', reason: why ?? 'skipped' });
      case 'remove':
        if (!link!.zohoId) return this.done(msg, undefined);
        this.out.removals.push({ msg, link: link!, why: why ?? 'deleted in Outlook', cancel: verdict.action === 'remove' && verdict.cancel === true });
        return this.progress();
      case 'unlink': {
        await this.unlink(link!);
        const reason = verdict.action === 'skip' && action.reason !== ALREADY_GONE ? verdict.reason : action.reason;
        return this.done(msg, { result: 'skipped', reason, zohoModule: link!.zohoModule, zohoId: link!.zohoId, wasSkipped: link!.lastResult === 'skipped' });
      }
      default:
        return this.done(msg, undefined);
    }
  }

  /** Only this item's link goes; the record stays, and so do other mailboxes' links to it. */
  private async unlink(link: Link): Promise<void> {
    await this.releaseHolder(link);
    await this.deps.links.delete(link);
    linkCache.put(link, undefined);
  }

  /** This item no longer holds its record (the record stays; lib/state/holders.ts says who still does). */
  private async releaseHolder(link: Link): Promise<void> {
    if (link.zohoModule && link.zohoId) await this.deps.holders.release(link.zohoModule, link.zohoId, holderKey(link), link.origin === 'created');
  }

  /** Unchanged items whose record Zoho no longer has: the table says unlink (a later Outlook change adds it again). */
  private async verifyUnchanged(list: { work: Work<Item>; link: Link; label: string }[]): Promise<void> {
    if (list.length === 0) return;
    let present: Map<string, unknown>;
    try {
      present = await this.deps.zoho.earliestByField(this.adapter.zohoModule, 'id', list.map((x) => x.link.zohoId!), []);
    } catch (err) {
      await mapLimit(list, this.concurrency, (x) => this.fail(x.work.msg, err));
      return;
    }
    await mapLimit(list, this.concurrency, async ({ work, link, label }) => {
      const base = { label, zohoModule: link.zohoModule, zohoId: link.zohoId, wasSkipped: link.lastResult === 'skipped' };
      const action = decide('linked', 'unchanged', present.has(String(link.zohoId).toLowerCase()) ? 'present' : 'deleted');
      if (action.do !== 'unlink') return this.done(work.msg, { result: 'unchanged', ...base });
      try {
        await this.unlink(link);
        this.done(work.msg, { result: 'skipped', reason: action.reason, retryable: false, ...base });
      } catch (err) {
        await this.fail(work.msg, err);
      }
    });
  }

  async remove(removals: readonly PendingRemoval[]): Promise<BatchResult & { failed?: unknown }> {
    const toCancel: PendingRemoval[] = [];
    const toDelete: PendingRemoval[] = [];
    // Record by record: shared and pre-existing records only lose the link.
    await mapLimit(removals, this.concurrency, async (r) => {
      try {
        if (this.mode === 'bulk' && !(await this.stillAsRead(r))) return this.done(r.msg, undefined);
        const rule = await removalFor(r.link, r.cancel === true && this.adapter.cancelRecord !== undefined, this.deps);
        if (rule.do === 'cancel') return void toCancel.push(r);
        if (rule.do === 'delete') return void toDelete.push(r);
        await this.deps.links.delete(r.link);
        linkCache.put(r.msg, undefined);
        this.done(r.msg, removalReport(r.link, r.why, { kept: rule.reason }));
      } catch (err) {
        await this.fail(r.msg, err);
      }
    });

    // Cancellations (a cancelled meeting) have no bulk call: one per record.
    await mapLimit(toCancel, Math.min(this.concurrency, 4), async (r) => {
      try {
        await this.afterDelete(r, await removeInZoho(this.adapter, this.deps.zoho, r.link, true));
      } catch (err) {
        await this.fail(r.msg, err);
      }
    });

    const byModule = new Map<string, PendingRemoval[]>();
    for (const r of toDelete) {
      const module = r.link.zohoModule ?? this.adapter.zohoModule;
      byModule.set(module, [...(byModule.get(module) ?? []), r]);
    }
    for (const [module, list] of byModule) {
      for (const part of chunk(list, MAX_IDS_PER_DELETE)) {
        let results: ZohoRecordResult[];
        try {
          results = await this.deps.zoho.deleteRecords(module, part.map((r) => r.link.zohoId!));
        } catch (err) {
          await mapLimit(part, this.concurrency, (r) => this.fail(r.msg, err));
          continue;
        }
        await mapLimit(part, this.concurrency, async (r, i) => {
          try {
            await this.afterDelete(r, results[i]);
          } catch (err) {
            await this.fail(r.msg, err);
          }
        });
      }
    }
    return this.out;
  }

  /**
   * A resync's removals wait for the mass-delete guard, possibly across invocations: the link is
   * read again first. One that changed since (the item came back, or the Zoho → Outlook side
   * linked the record anew) is left to the sync of that change, and one already gone needs nothing.
   */
  private async stillAsRead(r: PendingRemoval): Promise<boolean> {
    const now = await this.deps.links.get(r.link.userId, r.link.module, r.link.graphId);
    if (now && now.etag === r.link.etag) return true;
    this.deps.logger.info('removal dropped: the link changed after the resync read it', { module: r.link.module, changed: now !== undefined });
    return false;
  }

  private async afterDelete(r: PendingRemoval, result: ZohoRecordResult): Promise<void> {
    if (result.status === 'error' && !recordGone(result)) throw new ZohoRecordRefused(result, r.link.zohoModule ?? this.adapter.zohoModule);
    await this.deps.links.delete(r.link);
    linkCache.put(r.msg, undefined);
    this.done(r.msg, removalReport(r.link, r.why, result));
  }

  private done(msg: SyncItemMessage, report: ItemReport | undefined): void {
    this.out.results.push({ msg, report });
    this.progress();
  }

  private progress(): void {
    this.finished++;
    this.deps.onProgress?.(this.finished);
  }

  /**
   * A notification's failure goes back to the worker (its policy, back-off and attempt count). In
   * a resync, another worker creating the item or a transient failure goes to the queue; anything
   * else is skipped with the reason and retried by the next manual resync.
   */
  private async fail(msg: SyncItemMessage, err: unknown): Promise<void> {
    linkCache.put(msg, undefined);
    if (this.mode === 'one') {
      this.out.failed = err;
      return;
    }
    const busyRetryMs = this.deps.busyRetrySeconds! * 1000;
    // The bulk path has made no delivery of its own: anything not permanent goes to the queue,
    // after the vendor's Retry-After when it asked for one.
    const action = onFailure(err, { dequeueCount: 0, deferrals: 0 }, { ...DEFAULT_POLICY, maxAttempts: 1, busyRetryMs });
    if (action.do !== 'give-up') {
      const delay = action.do === 'defer' ? Math.max(action.ms, busyRetryMs) : busyRetryMs;
      await this.deps.queue!.send({ ...msg, deferrals: undefined }, { visibilityTimeoutSeconds: Math.ceil(delay / 1000) });
      this.out.handedOff.push(msg);
      this.progress();
      this.deps.logger.info('item handed to the sync worker', { module: msg.module, code: action.code });
      return;
    }
    this.done(msg, { result: 'skipped', reason: action.reason, code: action.code, retryable: true });
  }

  /** Resolves look-ups in parallel; an item whose look-up another one is creating is tried again after. */
  private async resolveAll<T extends ToWrite<Item>>(list: T[], release: (x: T) => Promise<void>): Promise<T[]> {
    const busy: T[] = [];
    const ok: T[] = [];
    const attempt = async (x: T, retryBusy: boolean) => {
      try {
        x.resolved = await this.adapter.resolve(x.item, x.mapped, x.keys ? new Set(x.keys) : undefined);
        ok.push(x);
      } catch (err) {
        if (retryBusy && err instanceof ItemBusyError) return void busy.push(x);
        await release(x);
        await this.fail(x.work.msg, err);
      }
    };
    await mapLimit(list, this.concurrency, (x) => attempt(x, true));
    // Several items naming one new Account: the first creates it, the others then find it cached.
    for (const x of busy) await attempt(x, false);
    return ok;
  }

  /**
   * Linked items whose content changed. Each link is marked with what its write sends (and who
   * writes it) before the call, 100 per Table transaction, conditional on the row decided on:
   * should the answer be lost, the next attempt writes those fields again rather than trust either
   * value. Write order: a write that lands after a newer one finds the row changed when it confirms
   * (etag), records what it sent as what Zoho may hold, and decides again from a fresh read, so
   * Zoho ends with Outlook's latest values. 100 updates per Zoho call, then the links are confirmed
   * (100 per transaction). Records deleted in Zoho come back as first-seen items under a claim
   * (returned).
   */
  private async updateLinked(updates: Update<Item>[]): Promise<Claimed<Item>[]> {
    const recreate: Claimed<Item>[] = [];
    if (updates.length === 0) return recreate;
    // Two-way: Zoho's current values decide which Outlook changes go and which Zoho changes come back.
    const merged: Update<Item>[] = [];
    await mapLimit(updates, this.concurrency, async (x) => {
      x.twoWay = x.link.zohoId ? this.deps.twoWay?.(x.link.module) : undefined;
      try {
        x.merge = x.twoWay ? await x.twoWay.merge(x.link, x.item, x.keys!) : undefined;
        if (x.merge) x.keys = x.merge.send;
        merged.push(x);
      } catch (err) {
        await this.fail(x.work.msg, err);
      }
    });
    const resolved = await this.resolveAll(merged, async () => undefined);
    const at = this.deps.now().toISOString();
    for (const x of resolved) {
      x.write = pickWrite(x.resolved!.record, fieldsOf(x.mapped), x.keys!);
      x.sent = x.keys!.filter((k) => k in x.write!);
    }
    const marks = resolved.map((x) => ({ ...x.link, attempt: updateDoubtOf(x.sent!, at), claimToken: this.token, claimedAt: at }));
    const saved = await this.deps.links.saveMany(marks);
    const marked: Update<Item>[] = [];
    await mapLimit(resolved, this.concurrency, async (x, i) => {
      const s = saved[i];
      if (s.status === 'fulfilled') return void marked.push({ ...x, link: { ...marks[i], etag: s.value } });
      // Decided again from a fresh read of the item too: the copy in hand may be older than the write that won.
      if (s.reason instanceof LinkConflictError) return this.again(x.work);
      await this.fail(x.work.msg, s.reason);
    });

    // A two-way merge that sends nothing to Zoho has no call to wait for.
    const silent = marked.filter((x) => x.merge && x.sent!.length === 0);
    const calls = marked.filter((x) => !silent.includes(x));
    const written: { x: Update<Item>; result: ZohoRecordResult }[] = silent.map((x) => ({ x, result: { status: 'success', code: 'SUCCESS', id: x.link.zohoId!, details: {} } as ZohoRecordResult }));
    await Promise.all(
      chunk(calls, MAX_RECORDS_PER_WRITE).map(async (part) => {
        const results = await this.write('update', part.map((x) => ({ ...x.write!, id: x.link.zohoId })), part, (x, inDoubt) => (inDoubt ? this.leaveInDoubt(x.link) : this.restore(x)));
        if (results) part.forEach((x, i) => written.push({ x, result: results[i] }));
      }),
    );

    const confirmed: { x: Update<Item>; row: Link }[] = [];
    await mapLimit(written, this.concurrency, async ({ x, result }) => {
      try {
        const action = decide('linked', 'changed', recordGone(result) ? 'deleted' : 'present');
        if (action.do === 'recreate') {
          // Someone deleted the record in Zoho: the row becomes this worker's claim, so no other worker creates it meanwhile.
          await this.releaseHolder(x.link);
          const attempt = JSON.stringify(attemptOf(x.mapped.record, fieldsOf(x.mapped), 'created', this.deps.now()));
          const claim: Link = { userId: x.link.userId, module: x.link.module, graphId: x.link.graphId, legacyRow: x.link.legacyRow, state: 'claimed', claimToken: this.token, claimedAt: this.deps.now().toISOString(), attempt, lastResult: x.link.lastResult, etag: x.link.etag };
          let etag: string;
          try {
            etag = await this.deps.links.save(claim);
          } catch (err) {
            if (err instanceof LinkConflictError) return this.again(x.work);
            throw err;
          }
          x.work.prefix = action.reason;
          return void recreate.push({ work: x.work, item: x.item, mapped: x.mapped, attempt, claim: { ...claim, etag } });
        }
        if (result.status === 'error') {
          await this.restore(x);
          throw await refusal(result, x.item, this.adapter);
        }
        const patched = x.merge ? await x.twoWay!.settle(x.link, x.item, x.merge) : {};
        const snapshot = serializeSnapshot({ ...withWritten(parseSnapshot(x.link.snapshot) ?? {}, fieldsOf(x.mapped), x.sent!), ...patched });
        const row: Link = {
          ...x.link,
          attempt: undefined,
          claimToken: undefined,
          claimedAt: undefined,
          hash: x.mapped.hash,
          snapshot,
          changeKey: this.adapter.changeKey(x.item),
          zohoModifiedAt: (result.status === 'success' && result.modifiedTime) || x.link.zohoModifiedAt,
          lastResult: 'updated',
          lastSyncedAt: this.deps.now().toISOString(),
        };
        confirmed.push({ x, row });
      } catch (err) {
        await this.fail(x.work.msg, err);
      }
    });

    const stored = await this.deps.links.saveMany(confirmed.map((c) => c.row));
    await mapLimit(confirmed, this.concurrency, async ({ x, row }, i) => {
      const s = stored[i];
      if (s.status === 'rejected') {
        if (!(s.reason instanceof LinkConflictError)) return this.fail(x.work.msg, s.reason);
        // Someone took the item over meanwhile (our mark went stale), and ours may have landed
        // after their write: Zoho may hold our (older) values for the fields we sent. Record
        // that, then decide again from Outlook now.
        try {
          await this.sentMayHaveLanded(x);
        } catch (err) {
          return this.fail(x.work.msg, err);
        }
        return this.again(x.work);
      }
      this.remember(x.work.msg, { ...row, etag: s.value });
      const merged = x.merge ? [...conflictNotes(x.merge.conflicts), ...(Object.keys(x.merge.toOutlook).length ? [`from Zoho to Outlook: ${Object.keys(x.merge.toOutlook).join(', ')}`] : [])] : [];
      this.done(x.work.msg, {
        result: 'updated',
        label: x.mapped.label,
        zohoModule: x.link.zohoModule,
        zohoId: x.link.zohoId,
        cutFields: x.mapped.cutFields,
        notes: [...merged, ...x.mapped.notes, ...x.resolved!.notes],
        wasSkipped: x.link.lastResult === 'skipped',
      });
    });
    return recreate;
  }

  /** The fields a write sent are recorded as what Zoho may hold now, on the row as it is. */
  private async sentMayHaveLanded(x: Update<Item>): Promise<void> {
    const current = await this.deps.links.get(x.link.userId, x.link.module, x.link.graphId);
    if (current?.state !== 'linked' || current.zohoId !== x.link.zohoId) return;
    await this.deps.links.save({ ...current, snapshot: serializeSnapshot(withWritten(parseSnapshot(current.snapshot) ?? {}, fieldsOf(x.mapped), x.sent!)) }).catch((e) => {
      if (!(e instanceof LinkConflictError)) throw e;
    });
  }

  /** An update Zoho surely did not apply: the row as it was, without our mark. */
  private async restore(x: Update<Item>): Promise<void> {
    await this.saveOwnerless({ ...x.link, attempt: undefined }, 'could not clear an update mark');
  }


  /**
   * First-seen items: claim each (insert-if-absent, 100 per Table transaction, each claim carrying
   * what its write will send), the module's duplicate rule (one batched look-up when there are
   * several), resolve (a link only the fields it fills), renew claims that grew old, then insert
   * the new ones and fill the empty fields of the ones that match an existing record.
   */
  private async createOrLink(group: Claimed<Item>[]): Promise<void> {
    const claimed: Claimed<Item>[] = group.filter((x) => x.claim);
    const toClaim = group.filter((x) => !x.claim);
    const claims = toClaim.length
      ? await this.deps.links.claimMany(
          toClaim.map((x) => ({ userId: x.work.msg.userId, module: x.work.msg.module, graphId: x.work.msg.itemId, attempt: x.attempt })),
          this.token,
          this.deps.now(),
          CLAIM_STALE_MS,
          // A resync's known links are the module's whole list, legacy rows included: what it claims had none.
          { listed: !!this.deps.knownLinks },
        )
      : [];
    await mapLimit(toClaim, this.concurrency, async (x, i) => {
      const c = claims[i];
      try {
        if (c.status === 'rejected') throw c.reason;
        if (!c.value.claimed && c.value.link.state === 'claimed') throw new ItemBusyError();
        const row = c.value.claimed ? await this.settle(c.value.link, x.attempt) : this.remember(x.work.msg, c.value.link);
        // Linked meanwhile (or by the attempt in doubt just resolved): compared in the next round with
        // the item read again, since the worker that linked it may have written a newer version.
        if (row?.state === 'linked') return void this.next.push({ ...x.work, item: undefined, link: row, fresh: true });
        claimed.push({ ...x, claim: row });
      } catch (err) {
        if (err instanceof LinkConflictError) return this.again(x.work);
        await this.fail(x.work.msg, err);
      }
    });
    if (claimed.length === 0) return;

    const release = (x: Claimed<Item>) => releaseClaim(x.claim!, this.deps);
    let answers: DedupAnswer[];
    try {
      answers = await this.dedup(claimed);
    } catch (err) {
      await mapLimit(claimed, this.concurrency, async (x) => {
        await this.letGo(x.claim!, false);
        await this.fail(x.work.msg, err);
      });
      return;
    }

    // Two items of this group that are one Zoho record (same key, or the same existing record)
    // must not be written in the same call: the first is written here, the others in the next
    // round, whose look-up then finds the record the first one created or linked.
    const keys = new Set<string>();
    const targets = new Set<string>();
    const first: Claimed<Item>[] = [];
    const later: Claimed<Item>[] = [];
    claimed.forEach((x, i) => {
      const { key, match } = answers[i] ?? {};
      if ((key && keys.has(key)) || (match && targets.has(match.id))) return void later.push(x);
      if (key) keys.add(key);
      if (match) {
        targets.add(match.id);
        x.target = match;
        // Linking a record that existed: only the fields empty in Zoho are written.
        x.keys = match.record ? fillPlan(this.adapter, match.record, x.mapped) : [];
      }
      first.push(x);
    });
    await mapLimit(later, this.concurrency, async (x) => {
      await release(x);
      this.next.push({ entry: x.work.entry, msg: x.work.msg, tries: x.work.tries, item: x.item, fresh: true, prefix: x.work.prefix });
    });
    const ready = await this.readyToWrite(await this.resolveAll(first, release), release);
    const inserts = ready.filter((x) => !x.target);
    const links = ready.filter((x) => x.target);

    await Promise.all(
      chunk(inserts, MAX_RECORDS_PER_WRITE).map(async (part) => {
        const results = await this.write('insert', part.map((x) => x.resolved!.record), part, (x, doubt) => this.letGo(x.claim!, doubt));
        if (!results) return;
        const created: { x: Claimed<Item>; zohoId: string; modifiedTime?: string }[] = [];
        await mapLimit(part, this.concurrency, async (x, i) => {
          const r = results[i];
          try {
            const outcome = afterInsert(r);
            if (outcome.do === 'refused') throw await refusal(r as Extract<ZohoRecordResult, { status: 'error' }>, x.item, this.adapter);
            // Zoho's own duplicate check on another unique field: that record is linked (its values read).
            if (outcome.do === 'link') return void links.push({ ...x, target: { id: outcome.id, how: outcome.how } });
            created.push({ x, zohoId: outcome.id, modifiedTime: r.status === 'success' ? r.modifiedTime : undefined });
          } catch (err) {
            await release(x);
            await this.fail(x.work.msg, err);
          }
        });
        await this.saveLinked(created, 'created', release);
      }),
    );
    await this.linkExisting(links, release);
  }

  /** The module's duplicate rule: one look-up per item, or the adapter's batched one for several. */
  private async dedup(list: Claimed<Item>[]): Promise<DedupAnswer[]> {
    if (list.length > 1 && this.adapter.findExistingMany) return this.adapter.findExistingMany(list.map((x) => ({ item: x.item, mapped: x.mapped })));
    return mapLimit(list, this.concurrency, async (x) => ({ match: await this.adapter.findExisting(x.item, x.mapped) }));
  }

  /**
   * A claim is renewed right before its write when it grew old (long look-ups), so that no other
   * worker takes it over as stale while the record may be being created, or when it does not carry
   * this attempt yet (taken over); 100 per Table transaction. A fresh claim of ours costs nothing.
   */
  private async readyToWrite(list: Claimed<Item>[], release: (x: Claimed<Item>) => Promise<void>): Promise<Claimed<Item>[]> {
    const now = this.deps.now();
    const stale = (x: Claimed<Item>) => x.claim!.attempt !== x.attempt || !x.claim!.claimedAt || now.getTime() - Date.parse(x.claim!.claimedAt) > RENEW_AFTER_MS;
    const renew = list.filter(stale);
    if (renew.length === 0) return list;
    const renewed = renew.map((x) => ({ ...x.claim!, attempt: x.attempt, claimToken: this.token, claimedAt: now.toISOString() }));
    const saved = await this.deps.links.saveMany(renewed);
    const kept = list.filter((x) => !stale(x));
    await mapLimit(renew, this.concurrency, async (x, i) => {
      const s = saved[i];
      if (s.status === 'fulfilled') return void kept.push({ ...x, claim: { ...renewed[i], etag: s.value } });
      if (!(s.reason instanceof LinkConflictError)) await release(x);
      await this.fail(x.work.msg, s.reason instanceof LinkConflictError ? new ItemBusyError() : s.reason);
    });
    return kept;
  }

  /**
   * Links records that existed: fills only their empty fields (100 per Zoho call), never Owner,
   * and records who else holds them. A record named by Zoho's duplicate check has its values read.
   */
  private async linkExisting(links: Claimed<Item>[], release: (x: Claimed<Item>) => Promise<void>): Promise<void> {
    if (links.length === 0) return;
    await mapLimit(links, this.concurrency, async (x) => {
      if (x.target!.record) return;
      try {
        x.target = { ...x.target!, record: await this.readValues(x.target!.id, x.mapped) };
        x.keys = x.target.record ? fillPlan(this.adapter, x.target.record, x.mapped) : [];
      } catch (err) {
        x.keys = undefined;
        await release(x);
        await this.fail(x.work.msg, err);
      }
    });
    const ok = links.filter((x) => x.keys);
    const writes = new Map(ok.map((x) => [x, pickWrite(x.resolved!.record, fieldsOf(x.mapped), x.keys!)]));
    const toFill = ok.filter((x) => x.keys!.some((k) => k in writes.get(x)!));
    await this.saveLinked(ok.filter((x) => !toFill.includes(x)).map((x) => ({ x, zohoId: x.target!.id, filled: [] })), 'linked', release);
    await Promise.all(
      chunk(toFill, MAX_RECORDS_PER_WRITE).map(async (part) => {
        const results = await this.write('update', part.map((x) => ({ ...writes.get(x)!, id: x.target!.id })), part, (x, doubt) => this.letGo(x.claim!, doubt));
        if (!results) return;
        const linked: { x: Claimed<Item>; zohoId: string; modifiedTime?: string; filled: string[] }[] = [];
        await mapLimit(part, this.concurrency, async (x, i) => {
          const r = results[i];
          try {
            if (r.status === 'error') throw await refusal(r, x.item, this.adapter);
            linked.push({ x, zohoId: x.target!.id, modifiedTime: r.modifiedTime, filled: x.keys!.filter((k) => k in writes.get(x)!) });
          } catch (err) {
            await release(x);
            await this.fail(x.work.msg, err);
          }
        });
        await this.saveLinked(linked, 'linked', release);
      }),
    );
  }

  /** The mapped fields of one record, when the duplicate check that named it did not read them. */
  private async readValues(id: string, mapped: Mapped): Promise<ZohoRecord | undefined> {
    const rows = await this.deps.zoho.coql(buildCoql({ select: [...new Set([...readableFields(this.adapter, mapped), ...LOOKUP_EXTRA_FIELDS])], from: this.adapter.zohoModule, where: where.eq('id', id), limit: 1 }));
    return rows[0];
  }

  /**
   * The claim goes back after a failure. When the write's outcome is unknown (a 5xx or timeout after
   * the call went out), the row stays with its attempt and no owner, so the next attempt (whoever
   * makes it) resolves the doubt from what was sent.
   */
  private async letGo(held: Link, inDoubt: boolean): Promise<void> {
    if (!inDoubt || !held.attempt) return releaseClaim(held, this.deps);
    await this.leaveInDoubt(held);
  }

  /** A create or update whose outcome is unknown: the row keeps its attempt, ownerless, for the next attempt (anyone's) to resolve. */
  private async leaveInDoubt(row: Link): Promise<void> {
    await this.saveOwnerless(row, 'could not keep a write in doubt');
  }

  /** The row without a claim owner; a row changed meanwhile is left to its writer. */
  private async saveOwnerless(row: Link, failure: string): Promise<void> {
    await this.deps.links.save({ ...row, claimToken: undefined, claimedAt: undefined }).catch((e) => {
      if (!(e instanceof LinkConflictError)) this.deps.logger.warn(failure, { error: (e as Error).name });
    });
  }

  /**
   * One Zoho write call. A request-level failure fails every item of the call: a 5xx or timeout may
   * have been applied, so those items are in doubt (`release` is told), and their retry resolves it.
   */
  private async write<T extends ToWrite<Item>>(kind: 'insert' | 'update', records: ZohoRecord[], part: T[], release: (x: T, inDoubt: boolean) => Promise<void>): Promise<ZohoRecordResult[] | undefined> {
    const trigger = { trigger: this.deps.config.ZOHO_TRIGGER };
    try {
      return kind === 'insert'
        ? await this.deps.zoho.insertRecords(this.adapter.zohoModule, records, trigger)
        : await this.deps.zoho.updateRecords(this.adapter.zohoModule, records, trigger);
    } catch (err) {
      const inDoubt = classify(err).transient;
      await mapLimit(part, this.concurrency, async (x) => {
        await release(x, inDoubt);
        await this.fail(x.work.msg, err);
      });
      return undefined;
    }
  }

  /** Links the records written (100 link rows per Table transaction; holder rows for linked records), then reports each item. */
  private async saveLinked(list: { x: Claimed<Item>; zohoId: string; modifiedTime?: string; filled?: string[] }[], origin: LinkOrigin, release: (x: Claimed<Item>) => Promise<void>): Promise<void> {
    if (list.length === 0) return;
    const at = this.deps.now();
    const held: typeof list = [];
    // Records that existed are shared: who holds them is written 100 rows per Table transaction.
    const holders = origin === 'linked' ? await this.deps.holders.addMany(this.adapter.zohoModule, list.map((e) => ({ zohoId: e.zohoId, key: holderKey(e.x.claim!) }))) : [];
    await mapLimit(list, this.concurrency, async (e, i) => {
      const h = holders[i];
      if (h?.status !== 'rejected') return void held.push(e);
      await release(e.x);
      await this.fail(e.x.work.msg, h.reason);
    });
    const rows = held.map(({ x, zohoId, modifiedTime }) => linkedRow(x.claim!, { zohoModule: this.adapter.zohoModule, zohoId, origin, mapped: x.mapped, changeKey: this.adapter.changeKey(x.item), modifiedTime, at }));
    const saved = await this.deps.links.saveMany(rows);
    await mapLimit(held, this.concurrency, async ({ x, zohoId, filled }, i) => {
      const s = saved[i];
      try {
        if (s.status === 'rejected') {
          // A record this attempt created stays in doubt on the claim (its attempt kept), so the retry
          // links that record as created instead of finding it as somebody else's or writing another.
          await (origin === 'created' ? this.leaveInDoubt(x.claim!) : release(x));
          throw s.reason;
        }
        this.remember(x.work.msg, { ...rows[i], etag: s.value });
        // Whose record it is: the Owner a create sent, or the one the duplicate look-up read.
        await this.deps.twoWay?.(x.claim!.module)?.indexLink(rows[i], x.item, origin === 'created' ? x.resolved?.record : x.target?.record);
      } catch (err) {
        return this.fail(x.work.msg, err);
      }
      const words = origin === 'linked' ? linkReport(x.target!.how, filled ?? []) : undefined;
      const reason = [x.work.prefix, words?.reason].filter(Boolean).join('; ') || undefined;
      this.done(x.work.msg, {
        result: origin === 'created' ? 'added' : 'updated',
        label: x.mapped.label,
        reason,
        zohoModule: this.adapter.zohoModule,
        zohoId,
        cutFields: x.mapped.cutFields,
        notes: [...(words?.notes ?? []), ...x.mapped.notes, ...(x.resolved?.notes ?? [])],
        wasSkipped: x.claim!.lastResult === 'skipped',
      });
    });
  }
}
