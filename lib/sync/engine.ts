import type { Config } from '../config';
import type { Logger } from '../log';
import type { SyncModule } from '../modules';
import { holderKey, type HolderRepository } from '../state/holders';
import { isStaleClaim, LinkConflictError, type Link, type LinkRepository } from '../state/links';
import type { ReportItem } from '../state/runs';
import type { ZohoRecord, ZohoRecordFailure, ZohoRecordResult } from '../zoho/types';
import { afterInsert, decide, removal, type Action, type OutlookState, type Removal, type ZohoState } from './decide';
import type { SyncItemMessage } from './messages';
import { classify, ItemBusyError, StaleLookupError, ZohoRecordRefused } from './outcome';
import {
  attemptOf, changedFields, fillableFields, parseAttempt, parseSnapshot, pickWrite, serializeSnapshot, snapshotOf, withUnknown, withWritten, type Attempt,
} from './snapshot';
import type { ZohoPort } from './ports';
import { buildCoql, where } from '../zoho/coql';
import { conflictNotes, type TwoWayPort } from './two-way';

/** What a module's mapping produced for one Outlook item, before Zoho look-ups are resolved. */
export interface Mapped {
  /** Zoho fields that do not need a look-up */
  record: ZohoRecord;
  /** hash of everything that decides the Zoho content (kept on the link for rows and readers without a snapshot) */
  hash: string;
  /**
   * The values field-level writes compare, by Zoho field: the record's values, with a look-up's
   * source (company name, manager name, attendee addresses) in place of the id it resolves to.
   * Default: `record`.
   */
  fields?: Record<string, unknown>;
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
/** One page of a scope's listing; `nextLink` continues it (a resync may stop between pages). */
export interface ScopePage<Item> {
  /** `categories` as listed, so items plainly out of the category scope are left out without mapping */
  items: { id: string; item: Item; categories?: readonly (string | null)[] | null }[];
  nextLink?: string;
}

export interface ModuleAdapter<Item> {
  readonly module: SyncModule;
  readonly zohoModule: string;
  /** the item as Graph has it now, or null when it no longer exists */
  read(msg: SyncItemMessage): Promise<Item | null>;
  decide(item: Item): Decision;
  map(item: Item): Promise<Mapped>;
  /**
   * Zoho look-ups (account, owner, participants...), only done when a write is needed. `only`: the
   * fields about to be written; look-ups of other fields may be left out (no Account created for
   * a record whose Account is not written).
   */
  resolve(item: Item, mapped: Mapped, only?: ReadonlySet<string>): Promise<Resolved>;
  /**
   * An existing Zoho record that is the same item by the module's duplicate rule (SPEC §2.x), with
   * its values of the mapped fields and Created_Time (`record`), so linking fills only empty fields.
   * Only `mapped.record` is read: a write in doubt is looked up from what that attempt sent.
   */
  findExisting(item: Item | null, mapped: Mapped): Promise<Match | undefined>;
  changeKey(item: Item): string | undefined;
  /** mapped fields COQL cannot read (multi-select look-ups): never filled when linking an existing record */
  readonly unreadable?: readonly string[];
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
  readScope?(userId: string, scope: string, link?: string): Promise<ScopePage<Item>>;
}

export interface Match {
  id: string;
  how: string;
  /** the record's values of the mapped fields (and Created_Time), as the look-up read them */
  record?: ZohoRecord;
}

export interface DedupAnswer {
  key?: string;
  match?: Match;
}

/** One item's line in the report, before the run and item ids are attached. */
export type ItemReport = Omit<ReportItem, 'runId' | 'userId' | 'module' | 'itemId' | 'at' | 'retriedFromSkip'> & {
  /** a skip that the next manual resync should retry (failures, not decisions) */
  retryable?: boolean;
  /** the link said the item was skipped before: its skipped row can go */
  wasSkipped?: boolean;
};

export interface EngineDeps {
  links: LinkRepository;
  holders: HolderRepository;
  zoho: ZohoPort;
  config: Pick<Config, 'SYNC_DELETES' | 'ZOHO_TRIGGER'>;
  logger: Logger;
  now: () => Date;
  /** identifies this attempt in claims */
  claimToken: string;
  /** SYNC_*_DIRECTION=both: the module's merge with Zoho (lib/sync/two-way.ts); absent = one-way */
  twoWay?: (module: SyncModule) => TwoWayPort | undefined;
}

/** A claim not renewed for this long belongs to a worker that died. */
export const CLAIM_STALE_MS = 2 * 60_000;
/** A fresh claim is not renewed before its write; one older than this is (look-ups took long). */
const RENEW_AFTER_MS = 30_000;
/** A record that an attempt in doubt created has a Created_Time after the attempt began, give or take clock skew. */
const CLOCK_SKEW_MS = 2 * 60_000;
/** Re-decisions after a link save that lost a race, before the queue retries the item. */
const MAX_REDECIDE = 3;

/** Zoho says the record id no longer exists (deleted in Zoho since we linked it). */
export function recordGone(r: ZohoRecordResult): boolean {
  if (r.status !== 'error') return false;
  if (r.code === 'NOT_FOUND' || r.code === 'RECORD_NOT_FOUND') return true;
  // Zoho answers an unknown record id with INVALID_DATA naming the id (details.id), not a field.
  return r.code === 'INVALID_DATA' && (r.field === 'id' || 'id' in r.details || /\bid given seems to be invalid/i.test(r.message));
}

/** The values field-level writes compare (see Mapped.fields). */
export function fieldsOf(mapped: Pick<Mapped, 'fields' | 'record'>): Record<string, unknown> {
  return mapped.fields ?? mapped.record;
}

/** The Outlook item against what its link last synced: changed or not, and which fields differ. */
export function outlookChange(link: Pick<Link, 'snapshot' | 'hash'>, mapped: Mapped): { state: 'changed' | 'unchanged'; keys: string[] } {
  const fields = fieldsOf(mapped);
  const snapshot = parseSnapshot(link.snapshot);
  if (snapshot) {
    const keys = changedFields(snapshot, fields);
    return { state: keys.length > 0 ? 'changed' : 'unchanged', keys };
  }
  // A row written before snapshots: its hash says whether anything changed, not what.
  if (link.hash === mapped.hash) return { state: 'unchanged', keys: [] };
  return { state: 'changed', keys: Object.keys(fields) };
}

/** The Outlook side of the table for a verdict that writes nothing. */
export function outlookStateOf(verdict: Exclude<Decision, { action: 'sync' }>): OutlookState {
  return verdict.action === 'remove' ? 'deleted' : verdict.action === 'skip' ? 'refused' : 'out-of-scope';
}

/** The link row of an item linked (or linked again) to a Zoho record after a confirmed write. */
export function linkedRow(base: Link, o: { zohoModule: string; zohoId: string; origin: 'created' | 'linked'; mapped: Mapped; snapshot?: string; changeKey?: string; modifiedTime?: string; at: Date }): Link {
  return {
    ...base,
    state: 'linked',
    claimToken: undefined,
    claimedAt: undefined,
    attempt: undefined,
    zohoModule: o.zohoModule,
    zohoId: o.zohoId,
    origin: o.origin,
    hash: o.mapped.hash,
    snapshot: o.snapshot ?? serializeSnapshot(snapshotOf(fieldsOf(o.mapped))),
    zohoModifiedAt: o.modifiedTime ?? base.zohoModifiedAt,
    changeKey: o.changeKey,
    lastResult: base.state === 'linked' || o.origin === 'linked' ? 'updated' : 'added',
    lastSyncedAt: o.at.toISOString(),
  };
}

/** Linking a record that existed: the fields to fill (empty in Zoho), never a field Zoho has a value for. */
export function fillPlan<Item>(adapter: Pick<ModuleAdapter<Item>, 'unreadable'>, existing: ZohoRecord, mapped: Mapped): string[] {
  const skip = new Set(adapter.unreadable ?? []);
  return fillableFields(existing, fieldsOf(mapped)).filter((k) => !skip.has(k));
}

/** The fields the duplicate look-ups read, so a link knows which Zoho fields are empty. */
export function readableFields<Item>(adapter: Pick<ModuleAdapter<Item>, 'unreadable'>, mapped: Mapped): string[] {
  const skip = new Set(adapter.unreadable ?? []);
  return Object.keys(fieldsOf(mapped)).filter((k) => !skip.has(k) && !k.startsWith('$'));
}

export const LINKED_TO_EXISTING = 'linked to an existing Zoho record';
export const FILLED_FIELDS = 'filled empty Zoho fields: ';

/** The report's words for a link: how it matched, and what was filled. */
export function linkReport(how: string, filled: readonly string[]): { reason: string; notes: string[] } {
  return { reason: `${LINKED_TO_EXISTING} (${how})`, notes: [filled.length ? `${FILLED_FIELDS}${filled.join(', ')}` : 'no empty Zoho field to fill; the Zoho values were kept'] };
}

/** The link's redelivery after a lost race: re-read Outlook and decide again, not "unchanged". */
class Redecide extends Error {
  constructor() {
    super('the link changed while this write ran; deciding again');
    this.name = 'Redecide';
  }
}

/**
 * One Outlook item, decided by the table (decide.ts) and carried out. The bulk path (batch.ts)
 * takes items it cannot batch through here too.
 */
export async function syncItem<Item>(msg: SyncItemMessage, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<ItemReport | undefined> {
  for (let round = 0; ; round++) {
    try {
      return await syncOnce(msg, adapter, deps);
    } catch (err) {
      if (!(err instanceof Redecide)) throw err;
      if (round >= MAX_REDECIDE) throw new LinkConflictError();
    }
  }
}

async function syncOnce<Item>(msg: SyncItemMessage, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<ItemReport | undefined> {
  const item = await adapter.read(msg);
  const verdict: Decision = item === null ? { action: 'remove', reason: 'deleted in Outlook' } : adapter.decide(item);
  if (verdict.action !== 'sync') {
    const found = await settle(await deps.links.get(msg.userId, msg.module, msg.itemId), adapter, deps);
    const link = found?.state === 'linked' ? found : undefined;
    if (found && !link) await releaseClaim(found, deps);
    const action = decide(link ? 'linked' : 'absent', outlookStateOf(verdict), 'unknown');
    return carryOutWithout(action, verdict, link, adapter, deps);
  }
  const mapped = await adapter.map(item!);
  if (mapped.skipReason) return { result: 'skipped', label: mapped.label, reason: mapped.skipReason, retryable: false };
  const attempt = JSON.stringify(attemptOf(mapped.record, fieldsOf(mapped), 'created', deps.now()));

  let row: Link | undefined;
  if (msg.changeType === 'created') {
    // The claim's insert is the read: a first-seen item costs no separate look-up of its link.
    row = (await deps.links.claim(msg.userId, msg.module, msg.itemId, deps.claimToken, deps.now(), CLAIM_STALE_MS, attempt)).link;
  } else {
    row = await deps.links.get(msg.userId, msg.module, msg.itemId);
  }
  row = await settle(row, adapter, deps, attempt);
  if (row?.state === 'linked') return updateLinked(row, item!, mapped, adapter, deps);
  if (!row) {
    const c = await deps.links.claim(msg.userId, msg.module, msg.itemId, deps.claimToken, deps.now(), CLAIM_STALE_MS, attempt);
    row = await settle(c.link, adapter, deps, attempt);
    if (row?.state === 'linked') return updateLinked(row, item!, mapped, adapter, deps);
    if (!row) throw new ItemBusyError();
  }
  return createOrLink(row, attempt, item!, mapped, adapter, deps);
}

/**
 * A claim row becomes something the table can decide on: ours stays ours; another worker's fresh
 * claim means busy; a stale one (a worker that died, or a write in doubt) is taken over and its
 * attempt resolved from what that attempt sent: the record it made is linked, else the claim is ours.
 */
async function settle<Item>(row: Link | undefined, adapter: ModuleAdapter<Item>, deps: EngineDeps, mine?: string): Promise<Link | undefined> {
  if (row?.state !== 'claimed') return row;
  let held = row;
  if (row.claimToken !== deps.claimToken) {
    if (!isStaleClaim(row, deps.now(), CLAIM_STALE_MS)) throw new ItemBusyError();
    const c = await deps.links.claim(row.userId, row.module, row.graphId, deps.claimToken, deps.now(), CLAIM_STALE_MS);
    if (!c.claimed) {
      if (c.link.state === 'linked') return c.link;
      throw new ItemBusyError();
    }
    held = c.link;
  }
  const attempt = parseAttempt(held.attempt);
  // Our own claim carries our attempt; any other attempt is an earlier one whose answer was lost.
  if (!attempt || held.attempt === mine) return held;
  try {
    return await resolveDoubt(held, attempt, adapter, deps);
  } catch (err) {
    // Still in doubt: the row goes back ownerless, so the next attempt (anyone's) resolves it.
    if (!(err instanceof Redecide)) await letGo(held, true, deps);
    throw err;
  }
}

/** The record an earlier attempt may have written, looked up by that attempt's values, never the item's current ones. */
async function resolveDoubt<Item>(held: Link, attempt: Attempt, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<Link> {
  const match = attempt.target
    ? { id: attempt.target, how: 'the record an earlier attempt linked', record: undefined }
    : await adapter.findExisting(null, { record: attempt.record, hash: '', label: '', cutFields: [], notes: [] });
  if (!match) return { ...held, attempt: undefined };
  const created = Date.parse(String(match.record?.Created_Time ?? ''));
  const origin = !attempt.target && !Number.isNaN(created) && created >= Date.parse(attempt.at) - CLOCK_SKEW_MS ? 'created' : 'linked';
  if (origin === 'linked') await deps.holders.add(adapter.zohoModule, match.id, holderKey(held));
  const link: Link = {
    ...held,
    state: 'linked',
    claimToken: undefined,
    claimedAt: undefined,
    attempt: undefined,
    zohoModule: adapter.zohoModule,
    zohoId: match.id,
    origin,
    hash: undefined,
    // What that attempt sent is what Zoho holds: the table compares the item with it.
    snapshot: serializeSnapshot(attempt.snapshot),
    lastResult: origin === 'created' ? 'added' : 'updated',
    lastSyncedAt: deps.now().toISOString(),
  };
  return { ...link, etag: await saveOrRedecide(link) };

  async function saveOrRedecide(l: Link): Promise<string> {
    try {
      return await deps.links.save(l);
    } catch (err) {
      if (err instanceof LinkConflictError) throw new Redecide();
      throw err;
    }
  }
}

async function carryOutWithout<Item>(action: Action, verdict: Exclude<Decision, { action: 'sync' }>, link: Link | undefined, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<ItemReport | undefined> {
  const why = verdict.action === 'out-of-scope' ? undefined : verdict.reason;
  switch (action.do) {
    case 'skip':
      return { result: 'skipped', reason: why ?? 'skipped' };
    case 'remove':
      return removeLinked(link!, adapter, deps, why ?? 'deleted in Outlook', verdict.action === 'remove' && verdict.cancel === true);
    case 'unlink': {
      await unlink(link!, deps);
      const reason = verdict.action === 'skip' && action.reason !== 'the Zoho record was already deleted in Zoho' ? verdict.reason : action.reason;
      return { result: 'skipped', reason, zohoModule: link!.zohoModule, zohoId: link!.zohoId, wasSkipped: link!.lastResult === 'skipped' };
    }
    default:
      return undefined;
  }
}

/** Only this item's link goes; the record stays, and so do other mailboxes' links to it. */
async function unlink(link: Link, deps: Pick<EngineDeps, 'links' | 'holders'>): Promise<void> {
  if (link.zohoModule && link.zohoId) await deps.holders.release(link.zohoModule, link.zohoId, holderKey(link), link.origin === 'created');
  await deps.links.delete(link);
}

async function updateLinked<Item>(link: Link, item: Item, mapped: Mapped, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<ItemReport | undefined> {
  const base = { label: mapped.label, zohoModule: link.zohoModule, zohoId: link.zohoId, wasSkipped: link.lastResult === 'skipped' };
  const change = outlookChange(link, mapped);
  let zoho: ZohoState = 'unknown';
  let action = decide('linked', change.state, zoho);
  if (action.do === 'nothing') return { result: 'unchanged', ...base };
  const fields = fieldsOf(mapped);
  // Two-way: Zoho's current values decide which Outlook changes go and which Zoho changes come back.
  const twoWay = link.zohoId ? deps.twoWay?.(link.module) : undefined;
  const merge = twoWay ? await twoWay.merge(link, item, change.keys) : undefined;
  const keys = merge?.send ?? change.keys;
  const resolved = await adapter.resolve(item, mapped, new Set(keys));
  const write = pickWrite(resolved.record, fields, keys);
  const sent = keys.filter((k) => k in write);
  let result: ZohoRecordResult;
  try {
    [result] = merge && sent.length === 0
      ? [{ status: 'success', code: 'SUCCESS', id: link.zohoId!, details: {} } as ZohoRecordResult]
      : await deps.zoho.updateRecords(adapter.zohoModule, [{ ...write, id: link.zohoId }], { trigger: deps.config.ZOHO_TRIGGER });
  } catch (err) {
    // An update whose outcome is unknown: those fields are written again, whatever the item says then.
    if (classify(err).transient) await deps.links.save({ ...link, snapshot: serializeSnapshot(withUnknown(parseSnapshot(link.snapshot) ?? {}, sent)) }).catch(() => undefined);
    throw err;
  }
  if (recordGone(result)) {
    zoho = 'deleted';
    action = decide('linked', change.state, zoho);
  }
  if (action.do === 'recreate') {
    // The row becomes this worker's claim again, so no other worker creates the item meanwhile.
    if (link.zohoModule && link.zohoId) await deps.holders.release(link.zohoModule, link.zohoId, holderKey(link), link.origin === 'created');
    const attempt = JSON.stringify(attemptOf(mapped.record, fields, 'created', deps.now()));
    const claim: Link = { userId: link.userId, module: link.module, graphId: link.graphId, state: 'claimed', claimToken: deps.claimToken, claimedAt: deps.now().toISOString(), attempt, lastResult: link.lastResult, etag: link.etag };
    let etag: string;
    try {
      etag = await deps.links.save(claim);
    } catch (err) {
      if (err instanceof LinkConflictError) throw new Redecide();
      throw err;
    }
    const report = await createOrLink({ ...claim, etag }, attempt, item, mapped, adapter, deps);
    return report && { ...report, reason: report.reason ? `${action.reason}; ${report.reason}` : action.reason };
  }
  if (result.status === 'error') throw await refusal(result, item, adapter);
  const patched = merge ? await twoWay!.settle(link, item, merge) : {};
  const snapshot = serializeSnapshot({ ...withWritten(parseSnapshot(link.snapshot) ?? {}, fields, sent), ...patched });
  const next: Link = { ...link, hash: mapped.hash, snapshot, changeKey: adapter.changeKey(item), zohoModifiedAt: result.modifiedTime ?? link.zohoModifiedAt, lastResult: 'updated', lastSyncedAt: deps.now().toISOString() };
  try {
    await deps.links.save(next);
  } catch (err) {
    if (!(err instanceof LinkConflictError)) throw err;
    // Another write of this item finished first, and ours may have landed after it: Zoho may hold
    // our (older) values for the fields we sent. Record that, then decide again from Outlook now.
    const current = await deps.links.get(link.userId, link.module, link.graphId);
    if (current?.state === 'linked' && current.zohoId === link.zohoId) {
      await deps.links.save({ ...current, snapshot: serializeSnapshot(withWritten(parseSnapshot(current.snapshot) ?? {}, fields, sent)) }).catch((e) => {
        if (!(e instanceof LinkConflictError)) throw e;
      });
    }
    throw new Redecide();
  }
  const merged = merge ? [...conflictNotes(merge.conflicts), ...(Object.keys(merge.toOutlook).length ? [`from Zoho to Outlook: ${Object.keys(merge.toOutlook).join(', ')}`] : [])] : [];
  return { result: 'updated', ...base, cutFields: mapped.cutFields, notes: [...merged, ...mapped.notes, ...resolved.notes] };
}

/**
 * A first-seen item under this worker's claim: the module's duplicate rule finds a record to link
 * (filling only its empty fields), else one is created. The claim carries what this attempt sends
 * before the call, so a lost answer is resolved from it on the next attempt.
 */
async function createOrLink<Item>(claim: Link, attempt: string, item: Item, mapped: Mapped, adapter: ModuleAdapter<Item>, deps: EngineDeps): Promise<ItemReport | undefined> {
  let held = claim;
  let wrote = false;
  try {
    held = await readyToWrite(held, attempt, deps);
    const existing = await adapter.findExisting(item, mapped);
    if (existing) return await linkExisting(held, existing, item, mapped, adapter, deps, () => (wrote = true));
    const resolved = await adapter.resolve(item, mapped);
    wrote = true;
    const [r] = await deps.zoho.insertRecords(adapter.zohoModule, [resolved.record], { trigger: deps.config.ZOHO_TRIGGER });
    const outcome = afterInsert(r);
    if (outcome.do === 'refused') {
      wrote = false;
      throw await refusal(r as ZohoRecordFailure, item, adapter);
    }
    if (outcome.do === 'link') return await linkExisting(held, { id: outcome.id, how: outcome.how }, item, mapped, adapter, deps, () => undefined);
    const at = deps.now();
    const modifiedTime = r.status === 'success' ? r.modifiedTime : undefined;
    const row = linkedRow(held, { zohoModule: adapter.zohoModule, zohoId: outcome.id, origin: 'created', mapped, changeKey: adapter.changeKey(item), modifiedTime, at });
    await deps.links.save(row);
    await deps.twoWay?.(held.module)?.indexLink(row, item);
    return { result: 'added', label: mapped.label, zohoModule: adapter.zohoModule, zohoId: outcome.id, cutFields: mapped.cutFields, notes: [...mapped.notes, ...resolved.notes], wasSkipped: claim.lastResult === 'skipped' };
  } catch (err) {
    await letGo(held, wrote && classify(err).transient, deps);
    throw err;
  }
}

/**
 * The claim goes back after a failure. When the write's outcome is unknown (a 5xx or timeout after
 * the call went out), the row stays with its attempt and no owner, so the next attempt (whoever
 * makes it) resolves the doubt from what was sent.
 */
async function letGo(held: Link, inDoubt: boolean, deps: EngineDeps): Promise<void> {
  if (!inDoubt || !held.attempt) return releaseClaim(held, deps);
  await deps.links.save({ ...held, claimToken: undefined, claimedAt: undefined }).catch((e) => {
    if (!(e instanceof LinkConflictError)) deps.logger.warn('could not keep a write in doubt', { error: (e as Error).name });
  });
}

/** The attempt is on the claim before any write; an old claim is renewed so no one takes it over meanwhile. */
async function readyToWrite(held: Link, attempt: string, deps: EngineDeps): Promise<Link> {
  const old = !held.claimedAt || deps.now().getTime() - Date.parse(held.claimedAt) > RENEW_AFTER_MS;
  if (held.attempt === attempt && !old) return held;
  const renewed = { ...held, attempt, claimToken: deps.claimToken, claimedAt: deps.now().toISOString() };
  try {
    return { ...renewed, etag: await deps.links.save(renewed) };
  } catch (err) {
    if (err instanceof LinkConflictError) throw new ItemBusyError();
    throw err;
  }
}

/** Links a record that existed: fills only its empty fields, never Owner, and records who else holds it. */
async function linkExisting<Item>(held: Link, match: Match, item: Item, mapped: Mapped, adapter: ModuleAdapter<Item>, deps: EngineDeps, writing: () => void): Promise<ItemReport> {
  const values = match.record ?? (await readValues(adapter, deps.zoho, match.id, mapped));
  const fill = values ? fillPlan(adapter, values, mapped) : [];
  let notes = [...mapped.notes];
  let filled: string[] = [];
  let modifiedTime: string | undefined;
  if (fill.length > 0) {
    const resolved = await adapter.resolve(item, mapped, new Set(fill));
    const write = pickWrite(resolved.record, fieldsOf(mapped), fill);
    filled = fill.filter((k) => k in write);
    notes = [...notes, ...resolved.notes];
    if (filled.length > 0) {
      writing();
      const [r] = await deps.zoho.updateRecords(adapter.zohoModule, [{ ...write, id: match.id }], { trigger: deps.config.ZOHO_TRIGGER });
      if (r.status === 'error') throw await refusal(r, item, adapter);
      modifiedTime = r.modifiedTime;
    }
  }
  await deps.holders.add(adapter.zohoModule, match.id, holderKey(held));
  const row = linkedRow(held, { zohoModule: adapter.zohoModule, zohoId: match.id, origin: 'linked', mapped, changeKey: adapter.changeKey(item), modifiedTime, at: deps.now() });
  await deps.links.save(row);
  await deps.twoWay?.(held.module)?.indexLink(row, item);
  const words = linkReport(match.how, filled);
  return { result: 'updated', label: mapped.label, reason: words.reason, zohoModule: adapter.zohoModule, zohoId: match.id, cutFields: mapped.cutFields, notes: [...words.notes, ...notes], wasSkipped: held.lastResult === 'skipped' };
}

/** The mapped fields of one record, when the duplicate check that named it did not read them. */
async function readValues<Item>(adapter: ModuleAdapter<Item>, zoho: ZohoPort, id: string, mapped: Mapped): Promise<ZohoRecord | undefined> {
  const rows = await zoho.coql(buildCoql({ select: [...readableFields(adapter, mapped), 'Created_Time'], from: adapter.zohoModule, where: where.eq('id', id), limit: 1 }));
  return rows[0];
}

/** Gives a claim back so a retry starts clean; if the row moved on, someone else owns it. */
export async function releaseClaim(claim: Link, deps: Pick<EngineDeps, 'links' | 'logger'>): Promise<void> {
  await deps.links.delete(claim).catch((e) => {
    if (!(e instanceof LinkConflictError)) deps.logger.warn('could not release a claim', { error: (e as Error).name });
  });
}

/** A refused look-up id the adapter had cached is forgotten and the item retried; anything else is Zoho's refusal. */
export async function refusal<Item>(failure: ZohoRecordFailure, item: Item, adapter: ModuleAdapter<Item>): Promise<Error> {
  if (await adapter.forgetLookup?.(item, failure)) return new StaleLookupError(failure.field);
  return new ZohoRecordRefused(failure, adapter.zohoModule);
}

/**
 * Whether Outlook's removal deletes the record, cancels it, or only unlinks this item (decide.ts'
 * `removal`), with the holder row telling who else links the record and whether the sync made it.
 * The row is updated before the Zoho call; should that call fail, the retry keeps the record rather
 * than delete one that is not the sync's alone.
 */
export async function removalFor(link: Link, cancel: boolean, deps: Pick<EngineDeps, 'holders' | 'config'>): Promise<Removal> {
  const key = holderKey(link);
  const created = link.origin === 'created';
  const row = await deps.holders.get(link.zohoModule!, link.zohoId!);
  const others = (row?.holders ?? []).filter((k) => k !== key);
  const rule = removal({ createdBySync: created || row?.createdBySync === true, otherLinks: others.length, deletes: deps.config.SYNC_DELETES, cancel });
  if (rule.do === 'delete') {
    if (row) await deps.holders.forget(link.zohoModule!, link.zohoId!);
  } else {
    await deps.holders.release(link.zohoModule!, link.zohoId!, key, created);
  }
  return rule;
}

/** Zoho's answer to removing one record: cancelled when asked (and the adapter can), else deleted. */
export async function removeInZoho<Item>(adapter: ModuleAdapter<Item>, zoho: ZohoPort, link: Pick<Link, 'zohoModule' | 'zohoId'>, cancel: boolean): Promise<ZohoRecordResult> {
  if (cancel && adapter.cancelRecord) return adapter.cancelRecord(link.zohoId!);
  return (await zoho.deleteRecords(link.zohoModule ?? adapter.zohoModule, [link.zohoId!]))[0];
}

/** The report line of a removal: the record kept (only the link goes, and why), or Zoho's answer to its deletion. */
export function removalReport(link: Pick<Link, 'zohoModule' | 'zohoId' | 'lastResult'>, why: string, result: ZohoRecordResult | { kept: string }): ItemReport {
  const base = { zohoModule: link.zohoModule, zohoId: link.zohoId, wasSkipped: link.lastResult === 'skipped' };
  if ('kept' in result) return { result: 'skipped', reason: `${why}; ${result.kept}`, ...base };
  return { result: 'deleted', reason: recordGone(result) ? `${why}; the Zoho record was already gone` : why, ...base };
}

async function removeLinked<Item>(link: Link, adapter: ModuleAdapter<Item>, deps: EngineDeps, why: string, cancel: boolean): Promise<ItemReport | undefined> {
  if (!link.zohoId) return undefined;
  const rule = await removalFor(link, cancel, deps);
  if (rule.do === 'unlink') {
    await deps.links.delete(link);
    return removalReport(link, why, { kept: rule.reason });
  }
  const result = await removeInZoho(adapter, deps.zoho, link, rule.do === 'cancel');
  if (result.status === 'error' && !recordGone(result)) throw new ZohoRecordRefused(result, adapter.zohoModule);
  await deps.links.delete(link);
  return removalReport(link, why, result);
}
