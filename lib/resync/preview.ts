/**
 * A resync preview (`"mode": "preview"`): the full run's enumeration, decision table and executor
 * (plan.ts, batch.ts, engine.ts) run unchanged, over a world whose side effects are recorded
 * instead of made:
 * - Zoho: reads pass through; inserts, updates, deletes and cancellations are recorded and answered
 *   as would-succeed (or, for a record deleted in Zoho meanwhile, as Zoho would refuse the id), so
 *   the executor goes on exactly as after the real write;
 * - link, holder, look-up claim, event-series, skipped and delta-link rows: reads see Table Storage
 *   with this run's own writes laid over it in memory, and nothing is written;
 * - queues (hand-offs, series fan-out): recorded, not sent.
 * Only the run's report lines and job rows are stored. One preview world serves one user's part.
 */
import { randomUUID } from 'node:crypto';
import type { MessageQueue } from '../queue';
import type { SyncModule } from '../modules';
import { DeltaLinkRepository } from '../state/delta';
import { EventSeriesRepository } from '../state/event-series';
import { HolderRepository, withHolder, withoutHolder, type Holders } from '../state/holders';
import { isStaleClaim, LinkRepository, type ClaimResult, type Link } from '../state/links';
import { LookupClaimRepository, type LookupState } from '../state/lookup-claims';
import { SkippedRepository, type SkippedItem } from '../state/skipped';
import type { TableStore } from '../state/tables';
import { ACCOUNT_CREATED } from '../sync/adapters/contacts';
import { FILLED_FIELDS, LINKED_TO_EXISTING, type ItemReport } from '../sync/engine';
import type { ZohoPort } from '../sync/ports';
import type { ZohoRecord, ZohoRecordResult, ZohoWriteOptions } from '../zoho/types';

export interface RecordedWrite {
  kind: 'insert' | 'update' | 'delete' | 'cancel';
  module: string;
  records: number;
}

type CancellingPort = ZohoPort & { cancelEvent(eventId: string, opts?: { sendCancellingMail?: boolean }): Promise<ZohoRecordResult> };

export const ACCOUNT_WOULD_BE_CREATED = 'Account_Name: a new Account would be created for the company';

/** Ids a would-be insert answers with: never a real Zoho id, and visible as such in a report. */
export const PREVIEW_ID_PREFIX = 'preview-';

/** The Zoho port of a preview: the real one for reads, a recorder for writes. */
export class DryRunZoho implements CancellingPort {
  readonly writes: RecordedWrite[] = [];
  private next = 0;

  constructor(private readonly real: ZohoPort) {}

  coql(query: string) {
    return this.real.coql(query);
  }
  earliestByField(module: string, field: string, values: readonly string[], selectFields: readonly string[]) {
    return this.real.earliestByField(module, field, values, selectFields);
  }
  findByField(module: string, field: string, values: readonly string[], selectFields: readonly string[]) {
    return this.real.findByField(module, field, values, selectFields);
  }
  getUsers(opts?: { type?: 'ActiveUsers' }) {
    return this.real.getUsers(opts);
  }
  getFields(module: string) {
    return this.real.getFields(module);
  }

  async insertRecords(module: string, records: readonly ZohoRecord[], _opts?: ZohoWriteOptions): Promise<ZohoRecordResult[]> {
    this.writes.push({ kind: 'insert', module, records: records.length });
    return records.map(() => this.success(`${PREVIEW_ID_PREFIX}${++this.next}`));
  }
  async updateRecords(module: string, records: readonly ZohoRecord[], _opts?: ZohoWriteOptions): Promise<ZohoRecordResult[]> {
    this.writes.push({ kind: 'update', module, records: records.length });
    return this.answer(module, records.map((r) => String(r.id)));
  }
  async deleteRecords(module: string, ids: readonly string[]): Promise<ZohoRecordResult[]> {
    this.writes.push({ kind: 'delete', module, records: ids.length });
    const answers = await this.answer(module, ids);
    for (const id of ids) this.gone.add(key(module, id.toLowerCase()));
    return answers;
  }
  async cancelEvent(eventId: string): Promise<ZohoRecordResult> {
    this.writes.push({ kind: 'cancel', module: 'Events', records: 1 });
    return (await this.answer('Events', [eventId]))[0];
  }

  /** records deleted earlier in this preview */
  private readonly gone = new Set<string>();

  /**
   * A write to a record deleted in Zoho is answered as Zoho answers it (the id is invalid), so the
   * table's "deleted in Zoho" cells (recreate, already gone) decide the preview as they would the
   * run. Whether the records exist is read, 100 ids per COQL call; records this preview would
   * create need no read.
   */
  private async answer(module: string, ids: readonly string[]): Promise<ZohoRecordResult[]> {
    const isGone = (id: string) => this.gone.has(key(module, id.toLowerCase()));
    const stored = ids.filter((id) => !id.startsWith(PREVIEW_ID_PREFIX) && !isGone(id));
    const found = stored.length > 0 ? await this.real.earliestByField(module, 'id', stored, []) : new Map<string, ZohoRecord>();
    return ids.map((id) => {
      const exists = !isGone(id) && (id.startsWith(PREVIEW_ID_PREFIX) || found.has(id.toLowerCase()));
      return exists ? this.success(id) : { status: 'error', code: 'INVALID_DATA', message: 'the id given seems to be invalid', details: { id } };
    });
  }

  private success(id: string): ZohoRecordResult {
    return { status: 'success', code: 'SUCCESS', id, details: {} };
  }
}

const key = (...parts: string[]) => parts.join('\u0000');
const etag = () => `W/"preview-${randomUUID()}"`;

/** Link rows: Table Storage, with this run's claims, saves and deletes kept in memory (a deleted row is null). */
export class PreviewLinks extends LinkRepository {
  private readonly mine = new Map<string, Link | null>();

  override async get(userId: string, module: SyncModule, graphId: string): Promise<Link | undefined> {
    const k = key(userId, module, graphId);
    if (this.mine.has(k)) return this.mine.get(k) ?? undefined;
    return super.get(userId, module, graphId);
  }

  override async claim(userId: string, module: SyncModule, graphId: string, token: string, now: Date, staleAfterMs: number, attempt?: string): Promise<ClaimResult> {
    const existing = await this.get(userId, module, graphId);
    if (existing && !isStaleClaim(existing, now, staleAfterMs)) return { claimed: false, link: existing };
    const base = existing ?? { userId, module, graphId, state: 'claimed' as const, attempt };
    const link: Link = { ...base, state: 'claimed', claimToken: token, claimedAt: now.toISOString(), etag: etag() };
    this.mine.set(key(userId, module, graphId), link);
    return { claimed: true, link };
  }

  override async claimMany(items: readonly { userId: string; module: SyncModule; graphId: string; attempt?: string }[], token: string, now: Date, staleAfterMs: number) {
    return Promise.allSettled(items.map((i) => this.claim(i.userId, i.module, i.graphId, token, now, staleAfterMs, i.attempt)));
  }

  override async save(link: Link): Promise<string> {
    const next = { ...link, etag: etag() };
    this.mine.set(key(link.userId, link.module, link.graphId), next);
    return next.etag;
  }

  override async saveMany(links: readonly Link[]) {
    return Promise.allSettled(links.map((l) => this.save(l)));
  }

  override async delete(link: Pick<Link, 'userId' | 'module' | 'graphId'>): Promise<void> {
    this.mine.set(key(link.userId, link.module, link.graphId), null);
  }

  override async list(userId: string, module: SyncModule): Promise<Link[]> {
    const stored = (await super.list(userId, module)).filter((l) => !this.mine.has(key(l.userId, l.module, l.graphId)));
    const own = [...this.mine.values()].filter((l): l is Link => l !== null && l.userId === userId && l.module === module);
    return [...stored, ...own];
  }

  override async deleteAllForUser(): Promise<number> {
    throw new Error('a preview deletes no link rows');
  }
}

/** Who holds a shared record: the same overlay, with the repository's own row changes. */
export class PreviewHolders extends HolderRepository {
  private readonly mine = new Map<string, Holders | null>();

  override async get(zohoModule: string, zohoId: string): Promise<Holders | undefined> {
    const k = key(zohoModule, zohoId);
    if (this.mine.has(k)) return this.mine.get(k) ?? undefined;
    return super.get(zohoModule, zohoId);
  }

  override async add(zohoModule: string, zohoId: string, holder: string): Promise<void> {
    await this.changeOwn(zohoModule, zohoId, (h) => withHolder(h, holder));
  }

  override async addMany(zohoModule: string, entries: readonly { zohoId: string; key: string }[]): Promise<PromiseSettledResult<void>[]> {
    const out: PromiseSettledResult<void>[] = [];
    // One after another: entries naming one record build on each other, as the stored rows would.
    for (const e of entries) out.push(await this.add(zohoModule, e.zohoId, e.key).then(() => ({ status: 'fulfilled', value: undefined }) as const, (reason) => ({ status: 'rejected', reason }) as const));
    return out;
  }

  override async release(zohoModule: string, zohoId: string, holder: string, created: boolean): Promise<void> {
    await this.changeOwn(zohoModule, zohoId, (h) => withoutHolder(h, holder, created));
  }

  override async forget(zohoModule: string, zohoId: string): Promise<void> {
    this.mine.set(key(zohoModule, zohoId), null);
  }

  private async changeOwn(zohoModule: string, zohoId: string, next: (h: Holders) => Holders | undefined): Promise<void> {
    const current = (await this.get(zohoModule, zohoId)) ?? { holders: [], createdBySync: false };
    const changed = next(current);
    if (changed) this.mine.set(key(zohoModule, zohoId), changed.holders.length === 0 && !changed.createdBySync ? null : changed);
  }
}

/** Look-up claims (an Account per company): a would-be creation is remembered for this run only. */
export class PreviewLookupClaims extends LookupClaimRepository {
  private readonly mine = new Map<string, LookupState | null>();

  override async get(module: string, value: string): Promise<LookupState> {
    const k = key(module, value);
    if (this.mine.has(k)) return this.mine.get(k) ?? undefined;
    return super.get(module, value);
  }
  override async claim(module: string, value: string, now: Date): Promise<boolean> {
    if ((await this.get(module, value)) !== undefined) return false;
    this.mine.set(key(module, value), { state: 'claimed', claimedAt: now.toISOString(), etag: etag() });
    return true;
  }
  override async done(module: string, value: string, zohoId: string): Promise<void> {
    this.mine.set(key(module, value), { state: 'done', zohoId });
  }
  override async release(module: string, value: string): Promise<void> {
    this.mine.set(key(module, value), null);
  }
}

/** Occurrences per series master: stored members, with this run's additions and removals over them. */
export class PreviewSeries extends EventSeriesRepository {
  private readonly added = new Map<string, Set<string>>();
  private readonly removed = new Map<string, Set<string>>();

  override async add(userId: string, masterId: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.set(this.added, userId, masterId).add(id);
      this.set(this.removed, userId, masterId).delete(id);
    }
  }
  override async remove(userId: string, masterId: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.set(this.removed, userId, masterId).add(id);
      this.set(this.added, userId, masterId).delete(id);
    }
  }
  override async members(userId: string, masterId: string): Promise<string[]> {
    const gone = this.set(this.removed, userId, masterId);
    const all = new Set([...(await super.members(userId, masterId)), ...this.set(this.added, userId, masterId)]);
    return [...all].filter((id) => !gone.has(id));
  }
  override async deleteAllForUser(): Promise<number> {
    throw new Error('a preview deletes no series rows');
  }

  private set(map: Map<string, Set<string>>, userId: string, masterId: string): Set<string> {
    const k = key(userId, masterId);
    let s = map.get(k);
    if (!s) map.set(k, (s = new Set()));
    return s;
  }
}

/** The skipped list is read as stored; a preview neither adds nor clears entries. */
export class PreviewSkipped extends SkippedRepository {
  override async put(_item: SkippedItem): Promise<void> {}
  override async remove(): Promise<void> {}
}

/** Delta links: a preview reads everything from scratch and keeps no cursor. */
export class PreviewDeltaLinks extends DeltaLinkRepository {
  override async put(): Promise<void> {}
  override async delete(): Promise<void> {}
  override async deleteAllForUser(): Promise<number> {
    return 0;
  }
}

/** A queue that keeps what would have been sent. */
export class RecordingQueue<T> implements MessageQueue<T> {
  readonly sent: T[] = [];
  async send(message: T): Promise<void> {
    this.sent.push(message);
  }
}

export interface PreviewWorld {
  zoho: DryRunZoho;
  links: PreviewLinks;
  holders: PreviewHolders;
  lookupClaims: PreviewLookupClaims;
  series: PreviewSeries;
  skipped: PreviewSkipped;
  deltaLinks: PreviewDeltaLinks;
}

export function previewWorld(tables: TableStore, zoho: ZohoPort): PreviewWorld {
  return {
    zoho: new DryRunZoho(zoho),
    links: new PreviewLinks(tables),
    holders: new PreviewHolders(tables),
    lookupClaims: new PreviewLookupClaims(tables),
    series: new PreviewSeries(tables),
    skipped: new PreviewSkipped(tables),
    deltaLinks: new PreviewDeltaLinks(tables),
  };
}

/**
 * A preview's report line says what a full run would do, with the result a full run would report
 * (added/updated/deleted/skipped). An id a would-be insert got is no Zoho id, so it is dropped.
 */
export function previewLine(line: ItemReport): ItemReport {
  const report = line.notes ? { ...line, notes: line.notes.map((n) => (n === ACCOUNT_CREATED ? ACCOUNT_WOULD_BE_CREATED : n)) } : line;
  const reason = report.reason;
  const zohoId = report.zohoId?.startsWith(PREVIEW_ID_PREFIX) ? undefined : report.zohoId;
  switch (report.result) {
    case 'added':
      return { ...report, zohoId, reason: reason ? `would add (${reason})` : 'would add' };
    case 'updated': {
      if (!reason?.includes(LINKED_TO_EXISTING)) return { ...report, zohoId, reason: reason ? `would update (${reason})` : 'would update' };
      const filled = report.notes?.find((n) => n.startsWith(FILLED_FIELDS))?.slice(FILLED_FIELDS.length);
      const words = `would link (${filled ? `fill: ${filled}` : 'nothing to fill'}) to an existing Zoho record`;
      return { ...report, zohoId, reason: reason.replace(LINKED_TO_EXISTING, words) };
    }
    case 'deleted':
      return { ...report, reason: reason ? `would delete (${reason})` : 'would delete' };
    case 'skipped':
      return { ...report, reason: `would skip: ${reason ?? 'skipped'}` };
    default:
      return report;
  }
}
