import type { Config } from '../config';
import type { Logger } from '../log';
import type { SyncModule } from '../modules';
import { isStaleClaim, LinkConflictError, type Link, type LinkRepository } from '../state/links';
import type { ReportItem } from '../state/runs';
import type { ZohoRecord, ZohoRecordFailure, ZohoRecordResult } from '../zoho/types';
import type { SyncItemMessage } from './messages';
import { ItemBusyError, StaleLookupError, ZohoRecordRefused } from './outcome';
import type { ZohoPort } from './ports';

/** What a module's mapping produced for one Outlook item, before Zoho look-ups are resolved. */
export interface Mapped {
  /** Zoho fields that do not need a look-up */
  record: ZohoRecord;
  /** hash of everything that decides the Zoho content; equal hash = nothing to write */
  hash: string;
  /** name or subject, for the report only */
  label: string;
  cutFields: string[];
  notes: string[];
  /** the item cannot be written at all (e.g. no usable name); reported as skipped */
  skipReason?: string;
}

export interface Resolved {
  /** the full record to write, look-ups included */
  record: ZohoRecord;
  notes: string[];
}

/** `remove` with `cancel`: the record is cancelled in Zoho (a cancelled meeting), not deleted. */
export type Decision = { action: 'sync' } | { action: 'out-of-scope' } | { action: 'skip'; reason: string } | { action: 'remove'; reason: string; cancel?: boolean };

/**
 * One Outlook module (contacts, tasks, events) as the engine sees it. Everything module-specific
 * lives behind this; the engine owns links, claims, dedup order, writes and results.
 */
export interface ModuleAdapter<Item> {
  readonly module: SyncModule;
  readonly zohoModule: string;
  /** the item as Graph has it now, or null when it no longer exists */
  read(msg: SyncItemMessage): Promise<Item | null>;
  decide(item: Item): Decision;
  map(item: Item): Promise<Mapped>;
  /** Zoho look-ups (account, owner, participants...), only done when a write is needed */
  resolve(item: Item, mapped: Mapped): Promise<Resolved>;
  /** an existing Zoho record that is the same item by the module's duplicate rule (SPEC §2.x) */
  findExisting(item: Item, mapped: Mapped): Promise<{ id: string; how: string } | undefined>;
  changeKey(item: Item): string | undefined;
  /** cancels the Zoho record (required when `decide` can answer `remove` with `cancel`) */
  cancelRecord?(zohoId: string): Promise<ZohoRecordResult>;
  /**
   * Zoho refused a write of this item naming `failure.field`. When that field holds a look-up id
   * the adapter cached (an Account deleted in Zoho since), forget it and answer true: the item is
   * then retried and resolves the look-up afresh instead of being skipped for good.
   */
  forgetLookup?(item: Item, failure: ZohoRecordFailure): Promise<boolean>;
  /**
   * findExisting for many first-seen items at once (bulk resync: a few `in (…)` look-ups instead of
   * one per item). One answer per entry, in order: `key` is the duplicate-rule key (entries sharing
   * it are the same Zoho record), `match` the existing record. Adapters without it are synced one
   * item at a time by the engine.
   */
  findExistingMany?(entries: readonly { item: Item; mapped: Mapped }[]): Promise<DedupAnswer[]>;
  /**
   * Every item of one resync scope (contacts: `default` or a contact folder id), read as `read`
   * reads one, page by page: a full resync costs a few list calls instead of one read per item.
   */
  readScope?(userId: string, scope: string): AsyncIterable<{ id: string; item: Item }[]>;
}

export interface DedupAnswer {
  key?: string;
  match?: { id: string; how: string };
}

/** One item's line in the report, before the run and item ids are attached. */
export type ItemReport = Omit<ReportItem, 'runId' | 'userId' | 'module' | 'itemId' | 'at' | 'retriedFromSkip'> & {
  /** a skip that the next manual resync should retry (failures, not decisions) */
  retryable?: boolean;
};

export interface EngineDeps {
  links: LinkRepository;
  zoho: ZohoPort;
  config: Pick<Config, 'SYNC_DELETES' | 'ZOHO_TRIGGER'>;
  logger: Logger;
  now: () => Date;
  /** identifies this attempt in claims */
  claimToken: string;
}

/** A claim not renewed for this long belongs to a worker that died. */
export const CLAIM_STALE_MS = 2 * 60_000;

/** Zoho says the record id no longer exists (deleted in Zoho since we linked it). */
export function recordGone(r: ZohoRecordResult): boolean {
  if (r.status !== 'error') return false;
  if (r.code === 'NOT_FOUND' || r.code === 'RECORD_NOT_FOUND') return true;
  // Zoho answers an unknown record id with INVALID_DATA naming the id (details.id), not a field.
  return r.code === 'INVALID_DATA' && (r.field === 'id' || 'id' in r.details || /\bid given seems to be invalid/i.test(r.message));
}

export async function syncItem<Item>(msg: SyncItemMessage, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<ItemReport | undefined> {
  const item = await adapter.read(msg);
  const link = await deps.links.get(msg.userId, msg.module, msg.itemId);
  if (item === null) return removeLinked(await settleClaim(link, deps), adapter, deps, 'deleted in Outlook');

  const decision = adapter.decide(item);
  if (decision.action === 'remove') return removeLinked(await settleClaim(link, deps), adapter, deps, decision.reason, decision.cancel === true);
  if (decision.action === 'out-of-scope' || decision.action === 'skip') {
    await settleClaim(link, deps);
    if (link?.state !== 'linked') return decision.action === 'skip' ? { result: 'skipped', reason: decision.reason } : undefined;
    await deps.links.delete(link);
    // SPEC §1: an item that loses the category stops syncing; its record stays in Zoho.
    return { result: 'skipped', reason: decision.action === 'skip' ? decision.reason : 'left the sync scope', zohoModule: link.zohoModule, zohoId: link.zohoId };
  }

  const mapped = await adapter.map(item);
  if (mapped.skipReason) return { result: 'skipped', label: mapped.label, reason: mapped.skipReason, retryable: false };
  if (link?.state === 'linked') return updateLinked(link, item, mapped, adapter, deps, false);
  return createOrLink(msg, item, mapped, adapter, deps);
}

async function updateLinked<Item>(link: Link, item: Item, mapped: Mapped, adapter: ModuleAdapter<Item>, deps: EngineDeps, retriedAfterGone: boolean): Promise<ItemReport | undefined> {
  const base = { label: mapped.label, zohoModule: link.zohoModule, zohoId: link.zohoId, cutFields: mapped.cutFields };
  // Outlook bumps change keys on mere opens; the mapped content decides, not the change key.
  if (link.hash === mapped.hash) return { result: 'unchanged', ...base, cutFields: undefined };
  const resolved = await adapter.resolve(item, mapped);
  const [result] = await deps.zoho.updateRecords(adapter.zohoModule, [{ ...resolved.record, id: link.zohoId }], { trigger: deps.config.ZOHO_TRIGGER });
  if (result.status === 'error') {
    if (recordGone(result) && !retriedAfterGone) {
      // Someone deleted the record in Zoho: forget it and treat the item as new.
      await deps.links.delete(link);
      return createOrLink({ userId: link.userId, module: link.module, itemId: link.graphId, v: 1, changeType: 'updated' }, item, mapped, adapter, deps);
    }
    throw await refusal(result, item, adapter);
  }
  await deps.links.save({ ...link, hash: mapped.hash, changeKey: adapter.changeKey(item), lastResult: 'updated', lastSyncedAt: deps.now().toISOString() });
  return { result: 'updated', ...base, notes: [...mapped.notes, ...resolved.notes] };
}

async function createOrLink<Item>(msg: SyncItemMessage, item: Item, mapped: Mapped, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<ItemReport | undefined> {
  const claim = await deps.links.claim(msg.userId, msg.module, msg.itemId, deps.claimToken, deps.now(), CLAIM_STALE_MS);
  if (!claim.claimed) {
    if (claim.link.state === 'linked') return updateLinked(claim.link, item, mapped, adapter, deps, false);
    throw new ItemBusyError();
  }
  let claimed = claim.link;
  try {
    const resolved = await adapter.resolve(item, mapped);
    const notes = [...mapped.notes, ...resolved.notes];
    const trigger = { trigger: deps.config.ZOHO_TRIGGER };
    // Look-ups can take long (throttling, an Account to create): renew the claim right before the
    // duplicate check and the write, so no other worker takes it over as stale while this one
    // may be creating the record.
    claimed = await renewClaim(claimed, deps);
    // A first-seen item may already be in Zoho (entered by hand, an earlier tool, or a worker
    // that died after creating it): the module's duplicate rule decides, and a match is linked.
    const existing = await adapter.findExisting(item, mapped);
    let zohoId: string;
    let origin: 'created' | 'linked';
    let reason: string | undefined;
    if (existing) {
      const [r] = await deps.zoho.updateRecords(adapter.zohoModule, [{ ...resolved.record, id: existing.id }], trigger);
      if (r.status === 'error') throw await refusal(r, item, adapter);
      zohoId = existing.id;
      origin = 'linked';
      reason = `linked to an existing Zoho record (${existing.how})`;
    } else {
      const [r] = await deps.zoho.insertRecords(adapter.zohoModule, [resolved.record], trigger);
      if (r.status === 'error' && r.code === 'DUPLICATE_DATA' && r.duplicateId) {
        const [u] = await deps.zoho.updateRecords(adapter.zohoModule, [{ ...resolved.record, id: r.duplicateId }], trigger);
        if (u.status === 'error') throw await refusal(u, item, adapter);
        zohoId = r.duplicateId;
        origin = 'linked';
        reason = `linked to an existing Zoho record (Zoho's duplicate check on ${r.field ?? 'a unique field'})`;
      } else if (r.status === 'error') {
        throw await refusal(r, item, adapter);
      } else {
        zohoId = r.id;
        origin = 'created';
      }
    }
    await deps.links.save({
      ...claimed,
      state: 'linked',
      claimToken: undefined,
      claimedAt: undefined,
      zohoModule: adapter.zohoModule,
      zohoId,
      origin,
      hash: mapped.hash,
      changeKey: adapter.changeKey(item),
      lastResult: origin === 'created' ? 'added' : 'updated',
      lastSyncedAt: deps.now().toISOString(),
    });
    return { result: origin === 'created' ? 'added' : 'updated', label: mapped.label, reason, zohoModule: adapter.zohoModule, zohoId, cutFields: mapped.cutFields, notes };
  } catch (err) {
    await releaseClaim(claimed, deps);
    throw err;
  }
}

/** Gives a claim back so a retry starts clean; if the row moved on, someone else owns it. */
export async function releaseClaim(claim: Link, deps: Pick<EngineDeps, 'links' | 'logger'>): Promise<void> {
  await deps.links.delete(claim).catch((e) => {
    if (!(e instanceof LinkConflictError)) deps.logger.warn('could not release a claim', { error: (e as Error).name });
  });
}

/** Takes the claim's time forward under its etag; losing it means another worker took over. */
async function renewClaim(claimed: Link, deps: EngineDeps): Promise<Link> {
  const renewed = { ...claimed, claimedAt: deps.now().toISOString() };
  try {
    return { ...renewed, etag: await deps.links.save(renewed) };
  } catch (err) {
    if (err instanceof LinkConflictError) throw new ItemBusyError();
    throw err;
  }
}

/**
 * A delete or scope change for an item whose first creation is still running elsewhere waits for
 * it (or the record it creates would stay behind unlinked); a claim whose worker died is cleared.
 */
async function settleClaim(link: Link | undefined, deps: EngineDeps): Promise<Link | undefined> {
  if (link?.state !== 'claimed') return link;
  if (!isStaleClaim(link, deps.now(), CLAIM_STALE_MS)) throw new ItemBusyError();
  await deps.links.delete(link);
  return undefined;
}

/** A refused look-up id the adapter had cached is forgotten and the item retried; anything else is Zoho's refusal. */
export async function refusal<Item>(failure: ZohoRecordFailure, item: Item, adapter: ModuleAdapter<Item>): Promise<Error> {
  if (await adapter.forgetLookup?.(item, failure)) return new StaleLookupError(failure.field);
  return new ZohoRecordRefused(failure, adapter.zohoModule);
}

/**
 * SPEC §2: only records the sync created or linked are ever deleted, and only with
 * SYNC_DELETES=delete. A cancellation is not a deletion: the record stays, marked cancelled, so
 * SYNC_DELETES does not hold it back.
 */
export function mayDelete(link: Pick<Link, 'origin'>, deletes: Config['SYNC_DELETES'], cancel = false): boolean {
  return (cancel || deletes === 'delete') && (link.origin === 'created' || link.origin === 'linked');
}

/** Zoho's answer to removing one record: cancelled when asked (and the adapter can), else deleted. */
export async function removeInZoho<Item>(adapter: ModuleAdapter<Item>, zoho: ZohoPort, link: Pick<Link, 'zohoModule' | 'zohoId'>, cancel: boolean): Promise<ZohoRecordResult> {
  if (cancel && adapter.cancelRecord) return adapter.cancelRecord(link.zohoId!);
  return (await zoho.deleteRecords(link.zohoModule ?? adapter.zohoModule, [link.zohoId!]))[0];
}

/** The report line of a removal: the record kept (only the link goes), or Zoho's answer to its deletion. */
export function removalReport(link: Pick<Link, 'zohoModule' | 'zohoId'>, why: string, result: ZohoRecordResult | 'kept'): ItemReport {
  const base = { zohoModule: link.zohoModule, zohoId: link.zohoId };
  if (result === 'kept') return { result: 'skipped', reason: `${why}; the Zoho record is kept (SYNC_DELETES=unlink)`, ...base };
  return { result: 'deleted', reason: recordGone(result) ? `${why}; the Zoho record was already gone` : why, ...base };
}

async function removeLinked<Item>(link: Link | undefined, adapter: ModuleAdapter<Item>, deps: EngineDeps, why: string, cancel = false): Promise<ItemReport | undefined> {
  if (!link || link.state !== 'linked' || !link.zohoId) return undefined;
  if (!mayDelete(link, deps.config.SYNC_DELETES, cancel)) {
    await deps.links.delete(link);
    return removalReport(link, why, 'kept');
  }
  const result = await removeInZoho(adapter, deps.zoho, link, cancel);
  if (result.status === 'error' && !recordGone(result)) throw new ZohoRecordRefused(result, adapter.zohoModule);
  await deps.links.delete(link);
  return removalReport(link, why, result);
}
