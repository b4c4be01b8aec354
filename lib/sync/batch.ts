/**
 * The bulk path: many items of one module and one user at once, for a resync. Same rules as the
 * one-item engine (links, claims before creating, the module's duplicate rule, hash = no write),
 * but Zoho sees 100 records per write and a few `in (…)` dedup look-ups instead of one look-up
 * per item, and Table Storage one transaction per 100 claims or link rows instead of one request
 * per row. Anything unusual (a claim held by another worker, a transient failure, two items of
 * the batch that are the same Zoho record) leaves the bulk path: it goes to the engine one item at
 * a time, or to the `sync-items` queue with the run id so the worker retries it with back-off.
 *
 * Deletions are not applied here: they are returned as `removals`, so the caller can apply the
 * mass-delete guard over everything a run would delete before deleting anything.
 */
import { randomUUID } from 'node:crypto';
import { holderKey } from '../state/holders';
import { isStaleClaim, LinkConflictError, type Link, type LinkOrigin } from '../state/links';
import { mapLimit } from '../pool';
import { chunk, MAX_IDS_PER_DELETE, MAX_RECORDS_PER_WRITE } from '../zoho/records';
import type { ZohoRecord, ZohoRecordResult } from '../zoho/types';
import { decide } from './decide';
import {
  CLAIM_STALE_MS, fieldsOf, fillPlan, linkedRow, linkReport, outlookChange, recordGone, refusal, releaseClaim, removalFor, removalReport, removeInZoho, syncItem,
  type DedupAnswer, type EngineDeps, type ItemReport, type Mapped, type ModuleAdapter, type Resolved,
} from './engine';
import type { SyncItemMessage } from './messages';
import { DEFAULT_POLICY, onFailure } from './failure';
import { classify, ItemBusyError, ZohoRecordRefused } from './outcome';
import type { SyncQueue } from './ports';
import { attemptOf, parseSnapshot, pickWrite, serializeSnapshot, withWritten } from './snapshot';

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

const DEFAULT_CONCURRENCY = 16;
/** First-seen items are claimed, deduplicated and written per group of this size, so claims stay short-lived. */
const GROUP_SIZE = 500;

interface ToWrite<Item> {
  msg: SyncItemMessage;
  item: Item;
  mapped: Mapped;
  resolved?: Resolved;
  /** the fields to write (an update: changed in Outlook; a link: empty in Zoho); all when absent */
  keys?: string[];
}

interface Claimed<Item> extends ToWrite<Item> {
  claim: Link;
  target?: { id: string; how: string; record?: Record<string, unknown> };
}

/**
 * Syncs `entries` (one user, one module). Every entry ends in exactly one of: a result, a
 * pending removal, or a hand-off to the queue.
 */
export async function syncBatch<Item>(entries: readonly BatchEntry[], adapter: ModuleAdapter<Item>, deps: BatchDeps): Promise<BatchResult> {
  return new BatchRun(adapter, deps).run(entries);
}

/**
 * Applies removals the guard allowed, with the engine's rules: only records the sync created or
 * linked are deleted, SYNC_DELETES=unlink keeps them, an adapter's cancelRecord (events cancel)
 * is used one by one, anything else is deleted 100 ids per call.
 */
export async function applyRemovals<Item>(removals: readonly PendingRemoval[], adapter: ModuleAdapter<Item>, deps: BatchDeps): Promise<BatchResult> {
  return new BatchRun(adapter, deps).remove(removals);
}

class BatchRun<Item> {
  private readonly out: BatchResult = { results: [], removals: [], handedOff: [] };
  private readonly concurrency: number;
  private readonly token = randomUUID();
  private finished = 0;

  constructor(private readonly adapter: ModuleAdapter<Item>, private readonly deps: BatchDeps) {
    this.concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  }

  async run(entries: readonly BatchEntry[]): Promise<BatchResult> {
    const updates: (ToWrite<Item> & { link: Link })[] = [];
    const fresh: ToWrite<Item>[] = [];
    const viaEngine: { msg: SyncItemMessage; item: Item }[] = [];
    const unchanged: { msg: SyncItemMessage; link: Link; label: string }[] = [];
    const bulk = typeof this.adapter.findExistingMany === 'function';

    await mapLimit(entries, this.concurrency, async ({ msg, verifyOnly, preread }) => {
      try {
        const item = preread ? (preread.item as Item) : await this.adapter.read(msg);
        const link = await this.link(msg);
        if (item === null) return await this.removal(msg, link, 'deleted in Outlook');
        if (verifyOnly) return this.done(msg, undefined);
        const decision = this.adapter.decide(item);
        if (decision.action === 'remove') return await this.removal(msg, link, decision.reason, decision.cancel === true);
        // Scope changes and skips have no Zoho write to batch; the engine's rules apply as they are.
        if (!bulk || decision.action !== 'sync') return void viaEngine.push({ msg, item });
        const mapped = await this.adapter.map(item);
        if (mapped.skipReason) return this.done(msg, { result: 'skipped', label: mapped.label, reason: mapped.skipReason, retryable: false });
        if (link?.state === 'linked') {
          // Outlook bumps change keys on mere opens; the mapped content decides, not the change key.
          const change = outlookChange(link, mapped);
          if (decide('linked', change.state, 'unknown').do === 'nothing') {
            if (this.deps.verifyLinked) return void unchanged.push({ msg, link, label: mapped.label });
            return this.done(msg, { result: 'unchanged', label: mapped.label, zohoModule: link.zohoModule, zohoId: link.zohoId });
          }
          updates.push({ msg, item, mapped, link, keys: change.keys });
        } else {
          fresh.push({ msg, item, mapped });
        }
      } catch (err) {
        await this.fail(msg, err);
      }
    });

    await this.verifyUnchanged(unchanged);
    const again = await this.updateLinked(updates);
    const deferred: { msg: SyncItemMessage; item: Item }[] = [];
    for (const group of chunk([...fresh, ...again], GROUP_SIZE)) {
      const next = await this.createOrLink(group);
      viaEngine.push(...next.later);
      deferred.push(...next.deferred);
    }
    await this.viaEngine(viaEngine, this.concurrency);
    // Items that share a Zoho record with another item of the batch go one at a time, so that if
    // the first write of that record failed, only one of them creates it.
    await this.viaEngine(deferred, 1);
    return this.out;
  }

  /** Unchanged items whose record Zoho no longer has: the table says unlink (a later Outlook change adds it again). */
  private async verifyUnchanged(list: { msg: SyncItemMessage; link: Link; label: string }[]): Promise<void> {
    if (list.length === 0) return;
    let present: Map<string, unknown>;
    try {
      present = await this.deps.zoho.earliestByField(this.adapter.zohoModule, 'id', list.map((x) => x.link.zohoId!), []);
    } catch (err) {
      await mapLimit(list, this.concurrency, (x) => this.fail(x.msg, err));
      return;
    }
    await mapLimit(list, this.concurrency, async ({ msg, link, label }) => {
      const base = { label, zohoModule: link.zohoModule, zohoId: link.zohoId };
      const action = decide('linked', 'unchanged', present.has(String(link.zohoId).toLowerCase()) ? 'present' : 'deleted');
      if (action.do !== 'unlink') return this.done(msg, { result: 'unchanged', ...base });
      try {
        await this.deps.holders.release(link.zohoModule!, link.zohoId!, holderKey(link), false);
        await this.deps.links.delete(link);
        this.done(msg, { result: 'skipped', reason: action.reason, retryable: false, ...base });
      } catch (err) {
        await this.fail(msg, err);
      }
    });
  }

  async remove(removals: readonly PendingRemoval[]): Promise<BatchResult> {
    const toCancel: PendingRemoval[] = [];
    const toDelete: PendingRemoval[] = [];
    // The engine's removal rule, record by record (shared and pre-existing records only lose the link).
    await mapLimit(removals, this.concurrency, async (r) => {
      try {
        const rule = await removalFor(r.link, r.cancel === true && this.adapter.cancelRecord !== undefined, this.deps);
        if (rule.do === 'cancel') return void toCancel.push(r);
        if (rule.do === 'delete') return void toDelete.push(r);
        await this.deps.links.delete(r.link);
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
      const list = byModule.get(module) ?? [];
      list.push(r);
      byModule.set(module, list);
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

  private async afterDelete(r: PendingRemoval, result: ZohoRecordResult): Promise<void> {
    if (result.status === 'error' && !recordGone(result)) throw new ZohoRecordRefused(result, r.link.zohoModule ?? this.adapter.zohoModule);
    await this.deps.links.delete(r.link);
    this.done(r.msg, removalReport(r.link, r.why, result));
  }

  private async link(msg: SyncItemMessage): Promise<Link | undefined> {
    if (this.deps.knownLinks) return this.deps.knownLinks.get(msg.itemId);
    return this.deps.links.get(msg.userId, msg.module, msg.itemId);
  }

  private async removal(msg: SyncItemMessage, link: Link | undefined, why: string, cancel = false): Promise<void> {
    if (link?.state === 'claimed') {
      // The engine's rule: a first creation still running elsewhere is waited for (the record it
      // creates would otherwise stay behind unlinked); the claim of a worker that died is cleared.
      const current = await this.deps.links.get(msg.userId, msg.module, msg.itemId);
      if (current?.state === 'claimed') {
        if (!isStaleClaim(current, this.deps.now(), CLAIM_STALE_MS)) throw new ItemBusyError();
        await this.deps.links.delete(current);
      }
      link = current?.state === 'linked' ? current : undefined;
    }
    if (link?.state === 'linked' && link.zohoId) {
      this.out.removals.push({ msg, link, why, cancel });
      this.progress();
    } else {
      this.done(msg, undefined);
    }
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
   * The worker's rules: another worker creating the item, or a transient failure, goes back to
   * the queue (its back-off and attempt count apply); anything else is skipped with the reason
   * and retried by the next manual resync.
   */
  private async fail(msg: SyncItemMessage, err: unknown): Promise<void> {
    const busyRetryMs = this.deps.busyRetrySeconds * 1000;
    // The bulk path has made no delivery of its own: anything not permanent goes to the queue,
    // after the vendor's Retry-After when it asked for one.
    const action = onFailure(err, { dequeueCount: 0, deferrals: 0 }, { ...DEFAULT_POLICY, maxAttempts: 1, busyRetryMs });
    if (action.do !== 'give-up') {
      const delay = action.do === 'defer' ? Math.max(action.ms, busyRetryMs) : busyRetryMs;
      await this.deps.queue.send({ ...msg, deferrals: undefined }, { visibilityTimeoutSeconds: Math.ceil(delay / 1000) });
      this.out.handedOff.push(msg);
      this.progress();
      this.deps.logger.info('item handed to the sync worker', { module: msg.module, code: action.code });
      return;
    }
    this.done(msg, { result: 'skipped', reason: action.reason, code: action.code, retryable: true });
  }

  /** Resolves look-ups in parallel; an item whose look-up another one is creating is tried again after. */
  private async resolveAll<T extends ToWrite<Item>>(list: T[], release?: (x: T) => Promise<void>): Promise<T[]> {
    const busy: T[] = [];
    const ok: T[] = [];
    const attempt = async (x: T, retryBusy: boolean) => {
      try {
        x.resolved = await this.adapter.resolve(x.item, x.mapped, x.keys ? new Set(x.keys) : undefined);
        ok.push(x);
      } catch (err) {
        if (retryBusy && err instanceof ItemBusyError) return void busy.push(x);
        await release?.(x);
        await this.fail(x.msg, err);
      }
    };
    await mapLimit(list, this.concurrency, (x) => attempt(x, true));
    // Several items naming one new Account: the first creates it, the others then find it cached.
    for (const x of busy) await attempt(x, false);
    return ok;
  }

  /** Linked items whose content changed: 100 updates per call. Records deleted in Zoho come back as first-seen. */
  private async updateLinked(updates: (ToWrite<Item> & { link: Link })[]): Promise<ToWrite<Item>[]> {
    const recreate: ToWrite<Item>[] = [];
    const ready = await this.resolveAll(updates);
    await Promise.all(chunk(ready, MAX_RECORDS_PER_WRITE).map(async (part) => {
      const results = await this.write('update', part.map((x) => ({ ...pickWrite(x.resolved!.record, fieldsOf(x.mapped), x.keys!), id: x.link.zohoId })), part);
      if (!results) return;
      const written: (ToWrite<Item> & { link: Link })[] = [];
      await mapLimit(part, this.concurrency, async (x, i) => {
        const r = results[i];
        try {
          if (r.status === 'error') {
            if (decide('linked', 'changed', recordGone(r) ? 'deleted' : 'unknown').do !== 'recreate') throw await refusal(r, x.item, this.adapter);
            // Someone deleted the record in Zoho: forget it and treat the item as new.
            await this.deps.holders.release(x.link.zohoModule!, x.link.zohoId!, holderKey(x.link), x.link.origin === 'created');
            await this.deps.links.delete(x.link);
            recreate.push({ msg: x.msg, item: x.item, mapped: x.mapped });
            return;
          }
          written.push(x);
        } catch (err) {
          await this.fail(x.msg, err);
        }
      });
      const at = this.deps.now().toISOString();
      const saved = await this.deps.links.saveMany(
        written.map((x, i) => {
          const sent = x.keys!.filter((k) => k in pickWrite(x.resolved!.record, fieldsOf(x.mapped), x.keys!));
          const snapshot = serializeSnapshot(withWritten(parseSnapshot(x.link.snapshot) ?? {}, fieldsOf(x.mapped), sent));
          const r = results[part.indexOf(written[i])];
          return { ...x.link, hash: x.mapped.hash, snapshot, zohoModifiedAt: (r.status === 'success' && r.modifiedTime) || x.link.zohoModifiedAt, changeKey: this.adapter.changeKey(x.item), lastResult: 'updated', lastSyncedAt: at };
        }),
      );
      await mapLimit(written, this.concurrency, async (x, i) => {
        const s = saved[i];
        if (s.status === 'rejected') return this.fail(x.msg, s.reason);
        this.done(x.msg, { result: 'updated', label: x.mapped.label, zohoModule: x.link.zohoModule, zohoId: x.link.zohoId, cutFields: x.mapped.cutFields, notes: [...x.mapped.notes, ...x.resolved!.notes] });
      });
    }));
    return recreate;
  }

  /**
   * First-seen items: claim each (insert-if-absent, 100 per Table transaction, each claim carrying
   * what its write will send), one batched dedup look-up, resolve (a link only the fields it
   * fills), renew the claims, then insert the new ones and fill the empty fields of the ones that
   * match an existing record. Returns the items the engine must take one by one.
   */
  private async createOrLink(group: ToWrite<Item>[]): Promise<{ later: { msg: SyncItemMessage; item: Item }[]; deferred: Claimed<Item>[] }> {
    const later: { msg: SyncItemMessage; item: Item }[] = [];
    const claimed: Claimed<Item>[] = [];
    const attempts = group.map((x) => JSON.stringify(attemptOf(x.mapped.record, fieldsOf(x.mapped), 'created', this.deps.now())));
    const claims = await this.deps.links.claimMany(
      group.map((x, i) => ({ userId: x.msg.userId, module: x.msg.module, graphId: x.msg.itemId, attempt: attempts[i] })),
      this.token,
      this.deps.now(),
      CLAIM_STALE_MS,
    );
    await mapLimit(group, this.concurrency, async (x, i) => {
      const c = claims[i];
      try {
        if (c.status === 'rejected') throw c.reason;
        if (c.value.claimed && c.value.link.attempt && c.value.link.attempt !== attempts[i]) {
          // Taken over from an attempt whose answer was lost: left in doubt for the engine to resolve.
          await this.deps.links.save({ ...c.value.link, claimToken: undefined, claimedAt: undefined });
          return void later.push(x);
        }
        // (A claim taken over from a worker that died before attempts existed gets ours with the renewal.)
        if (c.value.claimed) return void claimed.push({ ...x, claim: { ...c.value.link, attempt: attempts[i] } });
        // Linked meanwhile: the engine compares and updates it; still being created elsewhere: wait.
        if (c.value.link.state === 'linked') return void later.push(x);
        throw new ItemBusyError();
      } catch (err) {
        await this.fail(x.msg, err);
      }
    });
    if (claimed.length === 0) return { later, deferred: [] };

    const release = (x: Claimed<Item>) => releaseClaim(x.claim, this.deps);
    let answers: DedupAnswer[];
    try {
      answers = await this.adapter.findExistingMany!(claimed.map((x) => ({ item: x.item, mapped: x.mapped })));
    } catch (err) {
      await mapLimit(claimed, this.concurrency, async (x) => {
        await release(x);
        await this.fail(x.msg, err);
      });
      return { later, deferred: [] };
    }

    // Two items of this group that are one Zoho record (same key, or the same existing record)
    // must not be written in the same call: the first is written here, the others by the engine,
    // whose own look-up then finds the record the first one created or linked.
    const keys = new Set<string>();
    const targets = new Set<string>();
    const first: Claimed<Item>[] = [];
    const deferred: Claimed<Item>[] = [];
    claimed.forEach((x, i) => {
      const { key, match } = answers[i] ?? {};
      if ((key && keys.has(key)) || (match && targets.has(match.id))) return void deferred.push(x);
      if (key) keys.add(key);
      if (match) {
        targets.add(match.id);
        x.target = { id: match.id, how: match.how, record: match.record };
        // Linking a record that existed: only the fields empty in Zoho are written.
        x.keys = match.record ? fillPlan(this.adapter, match.record, x.mapped) : [];
      }
      first.push(x);
    });
    const ready = await this.renewClaims(await this.resolveAll(first, release), release);
    const inserts = ready.filter((x) => !x.target);
    const links = ready.filter((x) => x.target);

    await Promise.all(
      chunk(inserts, MAX_RECORDS_PER_WRITE).map(async (part) => {
        const results = await this.write('insert', part.map((x) => x.resolved!.record), part, (x, doubt) => this.letGo(x, doubt));
        if (!results) return;
        const created: { x: Claimed<Item>; zohoId: string; modifiedTime?: string }[] = [];
        await mapLimit(part, this.concurrency, async (x, i) => {
          const r = results[i];
          try {
            if (r.status === 'error' && r.code === 'DUPLICATE_DATA' && r.duplicateId) {
              // Zoho's own duplicate check on another unique field: the engine links it (reading its values).
              await release(x);
              return void deferred.push(x);
            }
            if (r.status === 'error') throw await refusal(r, x.item, this.adapter);
            created.push({ x, zohoId: r.id, modifiedTime: r.modifiedTime });
          } catch (err) {
            await release(x);
            await this.fail(x.msg, err);
          }
        });
        await this.saveLinked(created, 'created', release);
      }),
    );

    const toFill = links.filter((x) => x.keys!.some((k) => k in pickWrite(x.resolved!.record, fieldsOf(x.mapped), x.keys!)));
    const nothingToFill = links.filter((x) => !toFill.includes(x));
    await this.saveLinked(nothingToFill.map((x) => ({ x, zohoId: x.target!.id, filled: [] })), 'linked', release);
    await Promise.all(
      chunk(toFill, MAX_RECORDS_PER_WRITE).map(async (part) => {
        const writes = part.map((x) => pickWrite(x.resolved!.record, fieldsOf(x.mapped), x.keys!));
        const results = await this.write('update', part.map((x, i) => ({ ...writes[i], id: x.target!.id })), part, release);
        if (!results) return;
        const linked: { x: Claimed<Item>; zohoId: string; modifiedTime?: string; filled: string[] }[] = [];
        await mapLimit(part, this.concurrency, async (x, i) => {
          const r = results[i];
          try {
            if (r.status === 'error') throw await refusal(r, x.item, this.adapter);
            linked.push({ x, zohoId: x.target!.id, modifiedTime: r.modifiedTime, filled: x.keys!.filter((k) => k in writes[i]) });
          } catch (err) {
            await release(x);
            await this.fail(x.msg, err);
          }
        });
        await this.saveLinked(linked, 'linked', release);
      }),
    );

    await mapLimit(deferred, this.concurrency, release);
    return { later, deferred };
  }

  /** An insert call whose outcome is unknown keeps its claims in doubt (engine.ts); anything else gives them back. */
  private async letGo(x: Claimed<Item>, inDoubt: boolean): Promise<void> {
    if (!inDoubt) return releaseClaim(x.claim, this.deps);
    await this.deps.links.save({ ...x.claim, claimToken: undefined, claimedAt: undefined }).catch(() => undefined);
  }

  /**
   * The engine renews a claim right before its duplicate check and write, so that no other worker
   * takes it over as stale while the record may be being created; here one Table transaction
   * renews 100. A claim lost meanwhile belongs to someone else: the item waits in the queue.
   */
  private async renewClaims(list: Claimed<Item>[], release: (x: Claimed<Item>) => Promise<void>): Promise<Claimed<Item>[]> {
    const at = this.deps.now().toISOString();
    const renewed = list.map((x) => ({ ...x.claim, claimedAt: at }));
    const saved = await this.deps.links.saveMany(renewed);
    const kept: Claimed<Item>[] = [];
    await mapLimit(list, this.concurrency, async (x, i) => {
      const s = saved[i];
      if (s.status === 'fulfilled') return void kept.push({ ...x, claim: { ...renewed[i], etag: s.value } });
      if (!(s.reason instanceof LinkConflictError)) await release(x);
      await this.fail(x.msg, s.reason instanceof LinkConflictError ? new ItemBusyError() : s.reason);
    });
    return kept;
  }

  /**
   * One Zoho write call. A request-level failure fails every item of the call: a 5xx or timeout may
   * have been applied, so those items go to the queue, whose retry runs the dedup look-up again.
   */
  private async write<T extends ToWrite<Item>>(kind: 'insert' | 'update', records: ZohoRecord[], part: T[], release?: (x: T, inDoubt: boolean) => Promise<void>): Promise<ZohoRecordResult[] | undefined> {
    const trigger = { trigger: this.deps.config.ZOHO_TRIGGER };
    try {
      return kind === 'insert'
        ? await this.deps.zoho.insertRecords(this.adapter.zohoModule, records, trigger)
        : await this.deps.zoho.updateRecords(this.adapter.zohoModule, records, trigger);
    } catch (err) {
      // A 5xx or timeout may have been applied: such items are in doubt, and their retry resolves it.
      const inDoubt = classify(err).transient;
      await mapLimit(part, this.concurrency, async (x) => {
        await release?.(x, inDoubt);
        await this.fail(x.msg, err);
      });
      return undefined;
    }
  }

  /** Links the records written (100 link rows per Table transaction; holder rows for linked records), then reports each item. */
  private async saveLinked(list: { x: Claimed<Item>; zohoId: string; modifiedTime?: string; filled?: string[] }[], origin: LinkOrigin, release: (x: Claimed<Item>) => Promise<void>): Promise<void> {
    const at = this.deps.now();
    const held: typeof list = [];
    // Records that existed are shared: who holds them is written 100 rows per Table transaction.
    const holders = origin === 'linked' ? await this.deps.holders.addMany(this.adapter.zohoModule, list.map((e) => ({ zohoId: e.zohoId, key: holderKey(e.x.claim) }))) : [];
    await mapLimit(list, this.concurrency, async (e, i) => {
      const h = holders[i];
      if (h?.status !== 'rejected') return void held.push(e);
      await release(e.x);
      await this.fail(e.x.msg, h.reason);
    });
    const saved = await this.deps.links.saveMany(
      held.map(({ x, zohoId, modifiedTime }) => linkedRow(x.claim, { zohoModule: this.adapter.zohoModule, zohoId, origin, mapped: x.mapped, changeKey: this.adapter.changeKey(x.item), modifiedTime, at })),
    );
    await mapLimit(held, this.concurrency, async ({ x, zohoId, filled }, i) => {
      const s = saved[i];
      if (s.status === 'rejected') {
        await release(x);
        return this.fail(x.msg, s.reason);
      }
      const words = origin === 'linked' ? linkReport(x.target!.how, filled ?? []) : undefined;
      this.done(x.msg, {
        result: origin === 'created' ? 'added' : 'updated',
        label: x.mapped.label,
        reason: words?.reason,
        zohoModule: this.adapter.zohoModule,
        zohoId,
        cutFields: x.mapped.cutFields,
        notes: [...(words?.notes ?? []), ...x.mapped.notes, ...(x.resolved?.notes ?? [])],
      });
    });
  }

  /** The one-item engine, reading nothing again: the item already read is handed to it. */
  private async viaEngine(list: { msg: SyncItemMessage; item: Item }[], concurrency: number): Promise<void> {
    if (list.length === 0) return;
    const cached = new Map(list.map((x) => [x.msg.itemId, x.item]));
    const adapter: ModuleAdapter<Item> = Object.create(this.adapter);
    adapter.read = async (msg) => (cached.has(msg.itemId) ? cached.get(msg.itemId)! : this.adapter.read(msg));
    await mapLimit(list, concurrency, async ({ msg }) => {
      try {
        this.done(msg, await syncItem(msg, adapter, { ...this.deps, claimToken: randomUUID() }));
      } catch (err) {
        await this.fail(msg, err);
      }
    });
  }
}
