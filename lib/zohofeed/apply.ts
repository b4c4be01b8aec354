/**
 * Zoho → Outlook: the `zoho-changes` queue's executor. A hint names up to 100 records of one
 * module; they are re-read in one call (a delete hint needs no read), each record's mailbox is its
 * Owner's, the reverse index (`zoholinks`) says which Outlook item it is linked to, the pure table
 * (lib/sync/reverse-decide.ts) decides, and the action is carried out with Graph writes only: this
 * path never writes to Zoho.
 *
 * No echo. After each Outlook write the item is read back once and the link row gets the forward
 * mapping's snapshot of it (and the record's Modified_Time), so the Graph notification for our own
 * write finds Outlook "unchanged" and costs no Zoho write; the index row keeps the record's neutral
 * values, so a Zoho callback for a change we already carried (or a sweep's repeat) is "unchanged".
 *
 * Records whose owner has no synced mailbox are kept in `zohochanges` (heard, not applied).
 */
import type { Config } from '../config';
import { directionOf, flowsToOutlook, moduleOfZoho, type TwoWayModule } from '../direction';
import type { OutlookDuplicates } from '../graph/outlook-lookup';
import type { OutlookWriter } from '../graph/outlook-writes';
import type { Logger } from '../log';
import type { FieldRules } from '../mapping/fields';
import { linkPatch, mergeFields, type FieldConflict } from '../mapping/merge';
import { REVERSE_CODECS, type ReverseCodec, type ReverseContext } from '../mapping/reverse';
import { messageBody } from '../queue';
import { LinkConflictError, type Link, type LinkRepository } from '../state/links';
import { RunRepository } from '../state/runs';
import type { PendingZohoChange } from '../state/zoho-feed';
import { holderKey, type HolderRepository } from '../state/holders';
import type { ZohoIndexEntry, ZohoIndexRepository } from '../state/zoho-index';
import { fieldsOf, type ItemReport, type ModuleAdapter } from '../sync/engine';
import type { SyncItemMessage } from '../sync/messages';
import { classify, ItemBusyError } from '../sync/outcome';
import { writeReports, type ReportWriterDeps } from '../sync/report-writer';
import { decideReverse, DELETED_IN_OUTLOOK_RECREATED, DELETED_IN_ZOHO, OWNER_LEFT, ownerMismatch, reverseRemoval, type ReverseZohoState } from '../sync/reverse-decide';
import { changedFields, compact, parseSnapshot, serializeSnapshot, snapshotOf, withWritten } from '../sync/snapshot';
import { conflictNotes, derivedBase } from '../sync/two-way';
import type { RecordsById } from '../zoho/read';
import { MAX_IDS_PER_READ, REVERSE_READ_FIELDS } from '../zoho/read';
import { buildCoql, where } from '../zoho/coql';
import { zohoTimestamp } from '../zoho/watch';
import { instantFromIso } from '../mapping/timezones';
import type { ZohoRecord } from '../zoho/types';
import { ZohoChangeMessage } from './messages';
import { mailboxForRecord, type MailboxOwner } from './owners';
import { createdByAttempt, parseReverseAttempt, reverseAttempt, type ReverseAttempt } from './doubt';
import { outlookOps, type OutlookOps } from './outlook-ops';
import { forwardIndexRow } from './two-way-port';
import { massDeleteDecision } from '../resync/guard';
import { mapLimit } from '../pool';

/** A delete Graph answered with 404 at the item's address: nothing was deleted, so the report does not say so. */
const GONE_ALREADY = 'already gone from Outlook; nothing deleted';

/** A first-sight claim not renewed for this long belongs to a worker that died. */
const CLAIM_STALE_MS = 2 * 60_000;

export interface ApplyDeps extends ReportWriterDeps {
  zoho: { getRecordsByIds(module: string, ids: readonly string[], fields: readonly string[]): Promise<RecordsById> };
  owners: { zohoUsers(): Promise<readonly { id: string; email?: string | null }[]>; mailboxes(): Promise<MailboxOwner[]> };
  index: ZohoIndexRepository;
  links: LinkRepository;
  /** who links a Zoho record that existed: tells a forward link to another user's record from a move */
  holders: Pick<HolderRepository, 'get'>;
  writer: OutlookWriter;
  duplicates: OutlookDuplicates;
  /** the forward adapters of a mailbox (its per-user settings): how an item is read and what its link snapshot is */
  adaptersFor(userId: string): Promise<Partial<Record<TwoWayModule, ModuleAdapter<unknown>>>>;
  timeZone(userId: string): Promise<string | undefined>;
  fieldRules(zohoModule: string): Promise<FieldRules>;
  pending: { record(change: PendingZohoChange): Promise<void> };
  runs: ReportWriterDeps['runs'] & Pick<RunRepository, 'ensureRun'>;
  config: Pick<Config, 'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS' | 'SYNC_CONTACTS_DIRECTION' | 'SYNC_TASKS_DIRECTION' | 'SYNC_EVENTS_DIRECTION' | 'SYNC_DELETES' | 'SYNC_CATEGORY' | 'SYNC_CONFLICTS' | 'SYNC_MASS_DELETE_SHARE'>;
  logger: Logger;
  now: () => Date;
  claimToken: string;
}

export interface ApplySummary {
  applied: number;
  /** records whose owner has no synced mailbox: recorded in `zohochanges` */
  unassigned: number;
}

/** A linked record's plan: the fields to write to Outlook, the conflicts, and the base and Outlook values it came from. */
interface Plan {
  keys: string[];
  conflicts: FieldConflict[];
  last: Record<string, string> | undefined;
  outlook: Record<string, string | null>;
}

/** What carrying out one record produced: report lines keyed by the Outlook item. */
interface Line {
  userId: string;
  graphId: string;
  report: ItemReport;
}

/** Neutral values in the snapshot's compact form ('' for empty), so long text compares by hash. */
function compactValues(values: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, compact(v)]));
}

function labelOf(record: ZohoRecord): string {
  for (const key of ['Full_Name', 'Subject', 'Event_Title', 'Last_Name']) {
    if (typeof record[key] === 'string' && record[key]) return record[key] as string;
  }
  return '(no name)';
}

function modifiedTime(record: ZohoRecord): string | undefined {
  return typeof record.Modified_Time === 'string' ? record.Modified_Time : undefined;
}

/**
 * The fields to write to Outlook for a linked record, and the conflicts (two-way only). `to-outlook`:
 * the fields Zoho changed since the last sync (all differing fields when the index has no values
 * yet) whose value differs from Outlook's. `both`: the three-way merge; fields Outlook changed are
 * the forward path's to send.
 */
export function reversePlan(
  zohoValues: Record<string, string | null>,
  outlookValues: Record<string, string | null>,
  lastValues: Record<string, string> | undefined,
  twoWay: { policy: Config['SYNC_CONFLICTS']; times: { outlook?: string | null; zoho?: string | null } } | undefined,
): { keys: string[]; conflicts: FieldConflict[] } {
  const z = compactValues(zohoValues);
  const o = compactValues(outlookValues);
  if (twoWay && lastValues) {
    const merged = mergeFields(lastValues, o, z, twoWay.policy, twoWay.times);
    return { keys: Object.keys(merged.toOutlook), conflicts: merged.conflicts };
  }
  const keys = Object.keys(z).filter((k) => (!lastValues || lastValues[k] !== z[k]) && (!(k in o) || o[k] !== z[k]));
  return { keys, conflicts: [] };
}

export async function applyZohoChanges(raw: unknown, deps: ApplyDeps): Promise<ApplySummary> {
  const parsed = ZohoChangeMessage.safeParse(messageBody(raw));
  if (!parsed.success) {
    deps.logger.warn('zoho change message dropped', { reason: 'malformed', issues: parsed.error.issues.slice(0, 3).map((i) => i.path.join('.') || '(root)') });
    return { applied: 0, unassigned: 0 };
  }
  const m = parsed.data;
  const seenAt = deps.now().toISOString();
  const keep = (id: string) => deps.pending.record({ module: m.module, recordId: id, operation: m.operation, source: m.source, changedAt: m.changedAt, seenAt });
  const module = moduleOfZoho(m.module);
  const adaptersOn = module && deps.config[module === 'contacts' ? 'SYNC_CONTACTS' : module === 'tasks' ? 'SYNC_TASKS' : 'SYNC_EVENTS'] !== 'off';
  if (!module || !adaptersOn || !flowsToOutlook(directionOf(deps.config, module))) {
    for (const id of m.ids) await keep(id);
    return { applied: 0, unassigned: m.ids.length };
  }
  const r = await applyIds(module, m.operation, m.ids, deps, RunRepository.automaticRunId(deps.now()));
  for (const id of r.unassigned) await keep(id);
  deps.logger.info('zoho changes applied', { module: m.module, operation: m.operation, source: m.source, ids: m.ids.length, unassigned: r.unassigned.length, lines: r.lines });
  return { applied: m.ids.length - r.unassigned.length, unassigned: r.unassigned.length };
}

/** Records of one module, re-read by id (≤ 100 per call) and applied; report lines go to `runId`. */
async function applyIds(module: TwoWayModule, operation: ZohoChangeMessage['operation'], ids: readonly string[], deps: ApplyDeps, runId: string): Promise<{ unassigned: string[]; lines: number }> {
  const zohoModule = REVERSE_CODECS[module].zohoModule;
  const read = operation === 'delete' ? { records: new Map<string, ZohoRecord>(), missing: [...ids] } : await deps.zoho.getRecordsByIds(zohoModule, ids, REVERSE_READ_FIELDS[zohoModule]);
  const [zohoUsers, mailboxes] = await Promise.all([deps.owners.zohoUsers(), deps.owners.mailboxes()]);
  const run = new ReverseRun(module, deps);
  const unassigned: string[] = [];
  for (const id of ids) {
    const record = read.records.get(id);
    // An id an insert or update hint names but Zoho does not return is not visible to the API user; only a delete says gone.
    if (!record && operation !== 'delete') continue;
    const target = record ? mailboxForRecord(record, zohoUsers, mailboxes) : undefined;
    if (!(await run.apply(id, record, target))) unassigned.push(id);
  }
  await run.report(runId);
  return { unassigned, lines: run.lines.length };
}

export interface ZohoSideDeps extends ApplyDeps {
  coql(query: string): Promise<ZohoRecord[]>;
  /** the mailbox owner's Zoho user id */
  zohoUserId(userId: string): Promise<string | undefined>;
  /** the sweep's cursor (Modified_Time) of a Zoho module, where a delta resync starts */
  cursor(zohoModule: string): Promise<string | undefined>;
}

/**
 * A resync's Zoho side for one mailbox and module (issue 16 §8): the records the mailbox owner owns
 * in Zoho (`delta`: modified since the sweep's cursor), listed by COQL (ids only: COQL cannot read
 * participants) and applied 100 at a time like change hints, reported into the resync's run.
 * A full resync first reconciles the mailbox's links with that list (reconcileLinks).
 */
export async function resyncFromZoho(userId: string, module: TwoWayModule, mode: 'full' | 'delta', runId: string, deps: ZohoSideDeps, force = false): Promise<{ read: number; lines: number; note?: string }> {
  const zohoModule = REVERSE_CODECS[module].zohoModule;
  const owner = await deps.zohoUserId(userId);
  if (!owner) return { read: 0, lines: 0, note: 'from Zoho: the mailbox owner is not an active Zoho user' };
  const since = mode === 'delta' ? instantFromIso(await deps.cursor(zohoModule)) : undefined;
  const condition = since !== undefined ? where.and(where.eq('Owner', owner), where.gte('Modified_Time', zohoTimestamp(since))) : where.eq('Owner', owner);
  const rows = await deps.coql(buildCoql({ select: ['id'], from: zohoModule, where: condition, orderBy: [{ field: 'id', direction: 'asc' }] }));
  const ids = [...new Set(rows.map((r) => String(r.id)))];
  const r = mode === 'full' ? await reconcileLinks(userId, module, new Set(ids), runId, deps, force) : { lines: 0, notes: [] };
  let lines = r.lines;
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_READ) lines += (await applyIds(module, 'update', ids.slice(i, i + MAX_IDS_PER_READ), deps, runId)).lines;
  if (r.notes.length === 0) return { read: ids.length, lines };
  return { read: ids.length, lines, note: [`from Zoho: ${ids.length} record${ids.length === 1 ? '' : 's'} read, ${lines} Outlook item${lines === 1 ? '' : 's'} written or unlinked`, ...r.notes].join('; ') };
}

/**
 * A full resync's reconciliation of the mailbox's links with the owner's records in Zoho (`owned`):
 * - a link to one of them without a reverse index row (made while the module synced to Zoho only)
 *   gets one (origin `linked`: the Outlook item was the person's), so the record's Zoho changes
 *   reach its item instead of the duplicate rule guessing (the backfill);
 * - an index row of this mailbox whose record is not among them is read by id: gone (purged, or
 *   deleted outside `/deleted`'s window) → removed as a Zoho delete is (the item the sync created
 *   is deleted with SYNC_DELETES=delete, otherwise only unlinked), under the mass-delete guard.
 *   One still there has another owner: left to the change feed, which moves it, or releases the row
 *   of a forward link to another owner's record (made before indexLink checked the owner).
 */
async function reconcileLinks(userId: string, module: TwoWayModule, owned: ReadonlySet<string>, runId: string, deps: ZohoSideDeps, force: boolean): Promise<{ lines: number; notes: string[] }> {
  const zohoModule = REVERSE_CODECS[module].zohoModule;
  const links = (await deps.links.list(userId, module)).filter((l) => l.state === 'linked' && l.zohoId && (l.zohoModule ?? zohoModule) === zohoModule);
  let backfilled = 0;
  const candidates: string[] = [];
  await mapLimit(links, 16, async (link) => {
    if (owned.has(link.zohoId!)) {
      if (await deps.index.insertIfAbsent(forwardIndexRow({ ...link, zohoModule }, undefined))) backfilled += 1;
      return;
    }
    const entry = await deps.index.get(zohoModule, link.zohoId!);
    if (entry?.state === 'linked' && entry.userId === userId && entry.graphId === link.graphId) candidates.push(link.zohoId!);
  });
  const gone: string[] = [];
  for (let i = 0; i < candidates.length; i += MAX_IDS_PER_READ) gone.push(...(await deps.zoho.getRecordsByIds(zohoModule, candidates.slice(i, i + MAX_IDS_PER_READ), ['id'])).missing);
  const notes = backfilled > 0 ? [`${backfilled} link${backfilled === 1 ? '' : 's'} made before Zoho → Outlook was on now indexed`] : [];
  if (gone.length === 0) return { lines: 0, notes };
  const guard = massDeleteDecision({ linked: links.length, removals: gone.length, share: deps.config.SYNC_MASS_DELETE_SHARE, force, deletes: deps.config.SYNC_DELETES });
  if (!guard.proceed) return { lines: 0, notes: [...notes, `${gone.length} record${gone.length === 1 ? '' : 's'} gone from Zoho without a delete notice: ${guard.message}`] };
  let lines = 0;
  for (let i = 0; i < gone.length; i += MAX_IDS_PER_READ) lines += (await applyIds(module, 'delete', gone.slice(i, i + MAX_IDS_PER_READ), deps, runId)).lines;
  notes.push(`${gone.length} record${gone.length === 1 ? '' : 's'} gone from Zoho without a delete notice removed from Outlook${guard.message ? ` (${guard.message})` : ''}`);
  return { lines, notes };
}

class ReverseRun {
  readonly lines: Line[] = [];
  private readonly codec: ReverseCodec<unknown>;
  private readonly ops: OutlookOps;

  constructor(private readonly module: TwoWayModule, private readonly deps: ApplyDeps) {
    this.codec = REVERSE_CODECS[module] as unknown as ReverseCodec<unknown>;
    this.ops = outlookOps(module, deps);
  }

  private get zohoModule(): 'Contacts' | 'Tasks' | 'Events' {
    return this.codec.zohoModule;
  }

  private async context(userId: string): Promise<ReverseContext> {
    const [timeZone, rules] = await Promise.all([this.module === 'contacts' ? undefined : this.deps.timeZone(userId), this.deps.fieldRules(this.zohoModule)]);
    return { category: this.deps.config.SYNC_CATEGORY, timeZone, rules };
  }

  private async adapter(userId: string): Promise<ModuleAdapter<unknown>> {
    const adapter = (await this.deps.adaptersFor(userId))[this.module];
    if (!adapter) throw new Error(`${this.module} sync is turned off for this mailbox`);
    return adapter;
  }

  /**
   * `scope`: the container the index row knows (a To Do task's list). Without one the forward adapter
   * looks in every list: a linked task need not be in the default list, and reading only that one
   * would take a task in another list for deleted.
   */
  private async readItem(userId: string, graphId: string, scope: string | undefined): Promise<unknown | null> {
    const msg: SyncItemMessage = { v: 1, userId, module: this.module, itemId: graphId, changeType: 'updated', scope };
    return (await this.adapter(userId)).read(msg);
  }

  /** false: the record has no mailbox and no link, so nothing was applied */
  async apply(zohoId: string, record: ZohoRecord | undefined, target: string | undefined): Promise<boolean> {
    let entry = await this.deps.index.get(this.zohoModule, zohoId);
    if (entry?.state === 'claimed') {
      const stale = !entry.claimedAt || this.deps.now().getTime() - Date.parse(entry.claimedAt) > CLAIM_STALE_MS;
      if (!stale) throw new ItemBusyError();
      // A create in doubt for a mailbox the record no longer goes to (deleted in Zoho, or another owner's now).
      const doubt = parseReverseAttempt(entry.attempt);
      if (doubt?.userId && doubt.userId !== (record ? target : undefined)) {
        await this.leaveDoubt(entry, doubt, record);
        entry = undefined;
      }
    }
    const linked = entry?.state === 'linked' && entry.userId && entry.graphId ? entry : undefined;
    if (!linked && record && !target) return false;
    const item = linked ? await this.readItem(linked.userId!, linked.graphId!, linked.scope) : null;
    const link = linked ? await this.deps.links.get(linked.userId!, this.module, linked.graphId!) : undefined;
    let zoho: ReverseZohoState;
    let plan: Plan = { keys: [], conflicts: [], last: undefined, outlook: {} };
    let ctx: ReverseContext | undefined;
    if (!record) zoho = 'deleted';
    else if (linked && linked.userId !== target) zoho = await this.mismatch(linked, link);
    else if (!linked) zoho = 'new';
    else if (item === null) zoho = modifiedTime(record) === link?.zohoModifiedAt ? 'unchanged' : 'changed';
    else {
      ctx = await this.context(linked.userId!);
      const both = directionOf(this.deps.config, this.module) === 'both';
      const graphItem = this.ops.unwrap(item);
      const outlook = this.codec.fromOutlook(graphItem, ctx);
      // A link made before the index had values (the forward path's, or one backfilled): its base comes from the forward snapshot.
      const last = parseSnapshot(linked.values) ?? (both && link ? derivedBase(parseSnapshot(link.snapshot), outlook, await this.forwardChanged(linked.userId!, item, link)) : undefined);
      const merged = reversePlan(
        this.codec.fromZoho(record),
        outlook,
        last,
        both ? { policy: this.deps.config.SYNC_CONFLICTS, times: { zoho: modifiedTime(record), outlook: (graphItem as { lastModifiedDateTime?: string | null }).lastModifiedDateTime } } : undefined,
      );
      plan = { ...merged, last, outlook };
      zoho = plan.keys.length > 0 || plan.conflicts.length > 0 ? 'changed' : 'unchanged';
    }
    const action = decideReverse(linked ? 'linked' : 'absent', zoho, item === null ? 'absent' : 'present');
    switch (action.do) {
      case 'nothing':
        return true;
      case 'create-or-link':
        if (linked) await this.forget(linked, link);
        if (target && record) await this.createOrLink(zohoId, record, target, linked && linked.userId === target ? 'recreated' : undefined);
        return true;
      case 'update':
        await this.update(linked!, link, item, record!, plan, ctx!);
        return true;
      case 'unlink':
        await this.forget(linked!, link);
        this.line(linked!.userId!, linked!.graphId!, { result: 'skipped', label: record ? labelOf(record) : undefined, reason: action.reason, zohoModule: this.zohoModule, zohoId });
        return true;
      case 'remove':
        await this.leave(linked!, link, item, action.reason, record);
        return true;
      case 'move':
        await this.leave(linked!, link, item, target ? 'the Zoho owner changed; moved to the new owner\'s mailbox' : OWNER_LEFT, record);
        if (target && record) await this.createOrLink(zohoId, record, target);
        return true;
      case 'release':
        // Only the row goes: the link row stays, so Outlook changes of the item still reach Zoho field by field.
        await this.deps.index.delete(this.zohoModule, zohoId);
        this.deps.logger.info('zoho index row of another owner\'s record released', { zohoModule: this.zohoModule, arrives: target !== undefined });
        if (target && record) await this.createOrLink(zohoId, record, target);
        return true;
    }
  }

  /**
   * A record linked in a mailbox its Owner is not: a move, or (a row made before the forward path
   * checked the owner) another user's record this mailbox only holds by a forward link. The holder
   * row is read only when the link row and the index row leave that open.
   */
  private async mismatch(entry: ZohoIndexEntry, link: Link | undefined): Promise<ReverseZohoState> {
    const itemCreatedBySync = entry.origin === 'created';
    const recordCreatedBySync = link?.origin === 'created';
    const forwardHolder =
      !itemCreatedBySync && !recordCreatedBySync && link?.state === 'linked' && link.zohoId === entry.zohoId
      && ((await this.deps.holders.get(this.zohoModule, entry.zohoId))?.holders ?? []).includes(holderKey(link));
    return ownerMismatch({ itemCreatedBySync, recordCreatedBySync, forwardHolder });
  }

  /**
   * The record left the mailbox an Outlook create in doubt was for: the item that create made (found
   * from what it sent) is the sync's, so it goes as a created item goes (reverseRemoval); the claim
   * row goes last, so a failure here is retried.
   */
  private async leaveDoubt(entry: ZohoIndexEntry, doubt: ReverseAttempt, record: ZohoRecord | undefined): Promise<void> {
    const userId = doubt.userId!;
    const ctx = await this.context(userId);
    const found = await this.ops.find(userId, doubt.record, ctx.timeZone ?? undefined);
    const taken = found ? await this.deps.links.get(userId, this.module, found.id) : undefined;
    if (found && !taken && createdByAttempt(found.item as Parameters<typeof createdByAttempt>[0], doubt)) {
      const why = `${record ? 'the Zoho owner changed' : DELETED_IN_ZOHO} while the Outlook create's answer was lost`;
      const rule = reverseRemoval({ createdBySync: true, deletes: this.deps.config.SYNC_DELETES });
      const base = { label: labelOf(doubt.record), zohoModule: this.zohoModule, zohoId: entry.zohoId };
      if (rule.do === 'delete') {
        await this.deleteItem(userId, found.id, found.item, why, base);
      } else {
        this.line(userId, found.id, { result: 'skipped', reason: `${why}; ${rule.reason}`, ...base });
      }
    }
    await this.deps.index.delete(this.zohoModule, entry.zohoId);
  }

  /** Deletes the Outlook item and reports it; a 404 (deleted meanwhile) deleted nothing. */
  private async deleteItem(userId: string, graphId: string, item: unknown, why: string, base: { label?: string; zohoModule: string; zohoId: string }): Promise<void> {
    const deleted = await this.ops.remove(userId, graphId, item);
    this.line(userId, graphId, deleted ? { result: 'deleted', reason: `${why}; deleted from Outlook`, ...base } : { result: 'skipped', reason: `${why}; ${GONE_ALREADY}`, ...base });
  }

  /**
   * The forward link goes with the index row. A link written since it was read belongs to a newer
   * sync of the item, which decides for it; any other failure is retried (the index row, deleted
   * last, still knows the item), since a forward link left behind could bring the record back.
   */
  private async dropLink(link: Link | undefined): Promise<void> {
    if (!link) return;
    await this.deps.links.delete(link).catch((err) => {
      if (!(err instanceof LinkConflictError)) throw err;
    });
  }

  /** Only the link goes (index row and link row); the Outlook item stays. */
  private async forget(entry: ZohoIndexEntry, link: Link | undefined): Promise<void> {
    await this.dropLink(link);
    await this.deps.index.delete(this.zohoModule, entry.zohoId);
  }

  /**
   * The record left this mailbox (deleted in Zoho, or another owner): the item the sync created is
   * deleted when SYNC_DELETES=delete, otherwise only unlinked. The link row goes first, so the Graph
   * notification of the delete finds nothing to remove in Zoho; the index row last, so a retry still
   * knows the item.
   */
  private async leave(entry: ZohoIndexEntry, link: Link | undefined, item: unknown, why: string, record: ZohoRecord | undefined): Promise<void> {
    const rule = reverseRemoval({ createdBySync: entry.origin === 'created', deletes: this.deps.config.SYNC_DELETES });
    await this.dropLink(link);
    const base = { label: record ? labelOf(record) : undefined, zohoModule: this.zohoModule, zohoId: entry.zohoId };
    if (rule.do === 'delete' && item !== null) {
      // Addressed where the item was read (a To Do task's own list); a 404 there deleted nothing.
      await this.deleteItem(entry.userId!, entry.graphId!, item, why, base);
    } else {
      this.line(entry.userId!, entry.graphId!, { result: 'skipped', reason: rule.do === 'unlink' ? `${why}; ${rule.reason}` : why, ...base });
    }
    await this.deps.index.delete(this.zohoModule, entry.zohoId);
  }

  /**
   * First sight in a mailbox, under the index claim: an Outlook duplicate is linked and filled, else
   * an item is created. The claim carries what the create sends (lib/zohofeed/doubt.ts): a create
   * whose answer was lost leaves the claim ownerless with it, and the next attempt links the item
   * that create made (as created) instead of making a second one.
   */
  private async createOrLink(zohoId: string, record: ZohoRecord, userId: string, note?: string): Promise<void> {
    const attempt = reverseAttempt(record, this.deps.config.SYNC_CATEGORY, this.deps.now(), userId);
    const claim = await this.deps.index.claim(this.zohoModule, zohoId, this.deps.claimToken, this.deps.now(), CLAIM_STALE_MS, attempt);
    if (!claim.claimed) {
      if (claim.entry.state === 'linked') return;
      throw new ItemBusyError();
    }
    let entry = claim.entry;
    let posted = false;
    try {
      const ctx = await this.context(userId);
      const tz = ctx.timeZone ?? undefined;
      const zohoValues = this.codec.fromZoho(record);
      const doubt = entry.attempt !== attempt ? parseReverseAttempt(entry.attempt) : undefined;
      const earlier = doubt ? await this.ops.find(userId, doubt.record, tz) : undefined;
      const made = earlier && createdByAttempt(earlier.item as Parameters<typeof createdByAttempt>[0], doubt!) ? earlier : undefined;
      const dup = made ?? (await this.ops.find(userId, record, tz));
      const taken = dup ? await this.deps.links.get(userId, this.module, dup.id) : undefined;
      let graphId: string;
      let scope: string | undefined;
      let origin: 'created' | 'linked';
      let reason: string | undefined;
      if (dup && !(taken?.state === 'linked' && taken.zohoId && taken.zohoId !== zohoId)) {
        const fill = linkPatch(this.codec.fromOutlook(dup.item, ctx), zohoValues);
        if (Object.keys(fill).length > 0) await this.ops.update(userId, dup.id, this.codec.patchBody(fill, dup.item as never, ctx), dup.item);
        graphId = dup.id;
        scope = this.ops.containerOf(dup.item);
        origin = dup === made ? 'created' : 'linked';
        reason = dup === made
          ? 'created by an earlier attempt whose answer was lost; linked as created'
          : `linked to an existing Outlook item (the seed's duplicate rule); ${Object.keys(fill).length ? `filled: ${Object.keys(fill).join(', ')}` : 'nothing to fill'}`;
      } else {
        // A claim taken over carries the earlier attempt: ours replaces it before the call.
        if (entry.attempt !== attempt) entry = { ...entry, attempt, etag: await this.deps.index.save({ ...entry, attempt }) };
        posted = true;
        graphId = await this.ops.create(userId, this.codec.createBody(record, ctx));
        // A create goes to the default container (To Do: the default list).
        scope = await this.ops.scope(userId);
        origin = 'created';
        reason = note === 'recreated' ? DELETED_IN_OUTLOOK_RECREATED : undefined;
      }
      await this.linkRow(userId, graphId, scope, record, undefined);
      await this.deps.index.save({ ...entry, state: 'linked', userId, module: this.module, graphId, scope, origin, claimToken: undefined, claimedAt: undefined, attempt: undefined, values: serializeSnapshot(compactValues(zohoValues)) });
      const notes = this.module === 'events' ? participantsNote(record) : [];
      this.line(userId, graphId, { result: origin === 'created' ? 'added' : 'updated', label: labelOf(record), reason: reason ? `from Zoho: ${reason}` : 'from Zoho', zohoModule: this.zohoModule, zohoId, notes });
    } catch (err) {
      // The create may have happened: the claim stays, ownerless, with what it sent, for the next attempt to resolve.
      const settle = posted && classify(err).transient ? this.deps.index.save({ ...entry, claimToken: undefined, claimedAt: undefined }) : this.deps.index.delete(this.zohoModule, zohoId);
      // The write's own error is the one the retry policy needs; this one is only logged.
      await settle.catch((e) => this.deps.logger.warn('zoho index claim not settled after a failed Outlook write', { zohoModule: this.zohoModule, error: (e as Error).name }));
      throw err;
    }
  }

  private async update(entry: ZohoIndexEntry, link: Link | undefined, item: unknown, record: ZohoRecord, plan: Plan, ctx: ReverseContext): Promise<void> {
    const zohoValues = this.codec.fromZoho(record);
    const values = Object.fromEntries(plan.keys.map((k) => [k, zohoValues[k] ?? null]));
    if (plan.keys.length > 0) await this.ops.update(entry.userId!, entry.graphId!, this.codec.patchBody(values, this.ops.unwrap(item) as never, ctx), item);
    const scope = this.ops.containerOf(item) ?? entry.scope;
    await this.linkRow(entry.userId!, entry.graphId!, scope, record, link, plan.keys);
    // The values now on both sides: Zoho's for what was written or agreed, the last ones for what Outlook still has to send.
    const last = plan.last ?? {};
    const both = directionOf(this.deps.config, this.module) === 'both';
    const o = compactValues(plan.outlook);
    const next = { ...last, ...Object.fromEntries(Object.entries(compactValues(zohoValues)).filter(([k, v]) => !both || plan.keys.includes(k) || !(k in last) || o[k] === v)) };
    await this.deps.index.save({ ...entry, scope, values: serializeSnapshot(next) });
    this.line(entry.userId!, entry.graphId!, { result: 'updated', label: labelOf(record), reason: plan.keys.length ? `from Zoho: ${plan.keys.join(', ')}` : 'from Zoho', zohoModule: this.zohoModule, zohoId: entry.zohoId, notes: conflictNotes(plan.conflicts) });
  }

  /** The fields Outlook changed since the link's forward snapshot (the forward path's view). */
  private async forwardChanged(userId: string, item: unknown, link: Link): Promise<string[]> {
    return changedFields(parseSnapshot(link.snapshot) ?? {}, fieldsOf(await (await this.adapter(userId)).map(item)));
  }

  /**
   * The link row after our Outlook write: the forward mapping's snapshot of the item read back, so
   * the notification of our own write is "unchanged". Two-way with an existing snapshot: only the
   * fields written move, so an Outlook edit still waiting for its notification is not swallowed.
   */
  private async linkRow(userId: string, graphId: string, scope: string | undefined, record: ZohoRecord, existing: Link | undefined, written?: string[]): Promise<void> {
    const adapter = await this.adapter(userId);
    const back = await this.readItem(userId, graphId, scope);
    if (back === null) throw new Error('the Outlook item written a moment ago is gone');
    const mapped = await adapter.map(back);
    const fields = fieldsOf(mapped);
    let link = existing ?? (await this.deps.links.get(userId, this.module, graphId));
    if (!link) link = (await this.deps.links.claim(userId, this.module, graphId, this.deps.claimToken, this.deps.now(), CLAIM_STALE_MS)).link;
    const old = parseSnapshot(link.snapshot);
    const twoWay = directionOf(this.deps.config, this.module) === 'both';
    const snapshot = twoWay && old && written ? withWritten(old, fields, written.filter((k) => k in fields)) : snapshotOf(fields);
    await this.deps.links.save({
      ...link,
      state: 'linked',
      claimToken: undefined,
      claimedAt: undefined,
      attempt: undefined,
      zohoModule: this.zohoModule,
      zohoId: String(record.id),
      // The link's origin speaks of the Zoho record (the forward path deletes only records it created): one from Zoho existed.
      origin: link.state === 'linked' && link.origin ? link.origin : 'linked',
      hash: mapped.hash,
      snapshot: serializeSnapshot(snapshot),
      changeKey: adapter.changeKey(back),
      zohoModifiedAt: modifiedTime(record) ?? link.zohoModifiedAt,
      lastResult: link.state === 'linked' ? 'updated' : 'added',
      lastSyncedAt: this.deps.now().toISOString(),
    });
  }

  private line(userId: string, graphId: string, report: ItemReport): void {
    this.lines.push({ userId, graphId, report });
  }

  async report(runId: string): Promise<void> {
    if (this.lines.length === 0) return;
    if (runId === RunRepository.automaticRunId(this.deps.now())) await this.deps.runs.ensureRun({ id: runId, kind: 'automatic', state: 'running', createdAt: this.deps.now().toISOString() });
    const results = this.lines.map((l) => ({ msg: { v: 1 as const, userId: l.userId, module: this.module, itemId: l.graphId, changeType: 'updated' as const }, report: l.report }));
    await writeReports(runId, results, this.deps, { noOps: 'none' });
  }
}

/** Zoho participants are listed in the event body, never invited: the report says so. */
function participantsNote(record: ZohoRecord): string[] {
  const n = Array.isArray(record.Participants) ? record.Participants.length : 0;
  return n > 0 ? [`${n} Zoho participant${n === 1 ? '' : 's'} listed in the event body, not invited`] : [];
}
