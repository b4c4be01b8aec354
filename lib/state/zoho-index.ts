import type { TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { encodeKey } from './keys';
import { assertEntityFits, isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';

/**
 * The reverse index of links, Zoho record → the Outlook item it is linked to (table
 * `zoholinks`, Zoho module / Zoho id): what a change heard from Zoho starts with, since links are
 * keyed by Graph id. Written by the Zoho → Outlook path when it creates or links an item. A
 * `claimed` row is the first-sight claim: the worker that inserts it owns the item's creation, so
 * two deliveries of one hint cannot both create it in Outlook.
 */
export interface ZohoIndexEntry {
  zohoModule: string;
  zohoId: string;
  state: 'claimed' | 'linked';
  userId?: string;
  module?: SyncModule;
  graphId?: string;
  /**
   * The Outlook container the item is in, where Graph addresses an item by it (a To Do task: its
   * list). Absent on rows made before it was kept, or when unknown (a backfill): the item is then
   * looked for in every list.
   */
  scope?: string;
  /** whether the sync created the Outlook item (only those may be deleted by it) */
  origin?: 'created' | 'linked';
  claimToken?: string;
  claimedAt?: string;
  /** the record's neutral values (lib/mapping/reverse.ts) last synced, compact JSON: what "changed in Zoho" compares with */
  values?: string;
  /**
   * A claim's Outlook create: JSON of what it sends (the record's dedup fields, the category, the
   * time), stored before the Graph call, so a lost answer is resolved from it (lib/zohofeed/doubt.ts).
   */
  attempt?: string;
  etag: string;
}

interface Row {
  partitionKey: string;
  rowKey: string;
  state: string;
  userId: string;
  module: string;
  graphId: string;
  scope: string;
  origin: string;
  claimToken: string;
  claimedAt: string;
  values: string;
  attempt: string;
}

function toRow(e: Omit<ZohoIndexEntry, 'etag'>): Row {
  const row: Row = {
    partitionKey: encodeKey(e.zohoModule),
    rowKey: encodeKey(e.zohoId),
    state: e.state,
    userId: e.userId ?? '',
    module: e.module ?? '',
    graphId: e.graphId ?? '',
    scope: e.scope ?? '',
    origin: e.origin ?? '',
    claimToken: e.claimToken ?? '',
    claimedAt: e.claimedAt ?? '',
    values: e.values ?? '',
    attempt: e.attempt ?? '',
  };
  assertEntityFits(row as never);
  return row;
}

function toEntry(zohoModule: string, zohoId: string, row: Row & { etag?: string }): ZohoIndexEntry {
  const e: ZohoIndexEntry = { zohoModule, zohoId, state: row.state === 'claimed' ? 'claimed' : 'linked', etag: row.etag ?? '' };
  if (row.userId) e.userId = row.userId;
  if (row.module) e.module = row.module as SyncModule;
  if (row.graphId) e.graphId = row.graphId;
  if (row.scope) e.scope = row.scope;
  if (row.origin === 'created' || row.origin === 'linked') e.origin = row.origin;
  if (row.claimToken) e.claimToken = row.claimToken;
  if (row.claimedAt) e.claimedAt = row.claimedAt;
  if (row.values) e.values = row.values;
  if (row.attempt) e.attempt = row.attempt;
  return e;
}

export class ZohoIndexConflictError extends Error {
  constructor() {
    super('The Zoho index row changed since it was read');
    this.name = 'ZohoIndexConflictError';
  }
}

export class ZohoIndexRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('zoholinks');
  }

  async get(zohoModule: string, zohoId: string): Promise<ZohoIndexEntry | undefined> {
    try {
      return toEntry(zohoModule, zohoId, (await (await this.table()).getEntity<Row>(encodeKey(zohoModule), encodeKey(zohoId))) as Row & { etag: string });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Insert-if-absent, carrying `attempt`; a claim older than `staleAfterMs` (or one given up with no
   * owner) belongs to a worker that died and is taken over with its attempt, for the taker to resolve.
   */
  async claim(zohoModule: string, zohoId: string, token: string, now: Date, staleAfterMs: number, attempt?: string): Promise<{ claimed: boolean; entry: ZohoIndexEntry }> {
    const table = await this.table();
    const fresh = { zohoModule, zohoId, state: 'claimed' as const, claimToken: token, claimedAt: now.toISOString(), attempt };
    try {
      const res = await table.createEntity(toRow(fresh));
      return { claimed: true, entry: { ...fresh, etag: res.etag ?? '' } };
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const existing = await this.get(zohoModule, zohoId);
    if (!existing) return this.claim(zohoModule, zohoId, token, now, staleAfterMs, attempt);
    const stale = existing.state === 'claimed' && (!existing.claimedAt || now.getTime() - Date.parse(existing.claimedAt) > staleAfterMs);
    if (!stale) return { claimed: false, entry: existing };
    try {
      const etag = await this.save({ ...existing, claimToken: token, claimedAt: now.toISOString() });
      return { claimed: true, entry: { ...existing, claimToken: token, claimedAt: now.toISOString(), etag } };
    } catch (err) {
      if (err instanceof ZohoIndexConflictError) return { claimed: false, entry: existing };
      throw err;
    }
  }

  /** Inserts the row unless one exists (a backfill never overwrites what a sync wrote): true when inserted. */
  async insertIfAbsent(entry: Omit<ZohoIndexEntry, 'etag'>): Promise<boolean> {
    try {
      await (await this.table()).createEntity(toRow(entry));
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Replaces the row if nobody changed it since `entry.etag` was read (an empty etag: unconditionally). */
  async save(entry: ZohoIndexEntry): Promise<string> {
    const table = await this.table();
    try {
      const res = entry.etag ? await table.updateEntity(toRow(entry), 'Replace', { etag: entry.etag }) : await table.upsertEntity(toRow(entry), 'Replace');
      return res.etag ?? '';
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) throw new ZohoIndexConflictError();
      throw err;
    }
  }

  async delete(zohoModule: string, zohoId: string): Promise<void> {
    try {
      await (await this.table()).deleteEntity(encodeKey(zohoModule), encodeKey(zohoId));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
