/**
 * The executor's vocabulary: the module adapter it drives, the item report, and the pure
 * builders of link rows, writes and report words. The executor itself (one code path for one
 * item or thousands) is lib/sync/batch.ts.
 */
import type { Config } from '../config';
import type { Logger } from '../log';
import type { SyncModule } from '../modules';
import { holderKey, type HolderRepository } from '../state/holders';
import { LinkConflictError, type Link, type LinkRepository } from '../state/links';
import type { ReportItem } from '../state/runs';
import type { ZohoRecord, ZohoRecordFailure, ZohoRecordResult } from '../zoho/types';
import { removal, type OutlookState, type Removal } from './decide';
import type { SyncItemMessage } from './messages';
import { StaleLookupError, ZohoRecordRefused } from './outcome';
import { changedFields, fillableFields, parseSnapshot, serializeSnapshot, snapshotOf } from './snapshot';
import type { ZohoPort } from './ports';
import type { TwoWayPort } from './two-way';

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

/**
 * Read by every duplicate look-up besides the mapped fields, at no extra call: Created_Time (a
 * create in doubt is told from a record that existed) and Owner (only the mailbox owner's records
 * get a reverse index row, lib/zohofeed/two-way-port.ts indexLink).
 */
export const LOOKUP_EXTRA_FIELDS = ['Created_Time', 'Owner'] as const;

export const LINKED_TO_EXISTING = 'linked to an existing Zoho record';
export const FILLED_FIELDS = 'filled empty Zoho fields: ';

/** The report's words for a link: how it matched, and what was filled. */
export function linkReport(how: string, filled: readonly string[]): { reason: string; notes: string[] } {
  return { reason: `${LINKED_TO_EXISTING} (${how})`, notes: [filled.length ? `${FILLED_FIELDS}${filled.join(', ')}` : 'no empty Zoho field to fill; the Zoho values were kept'] };
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
