import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { bucketOf, compositeKey, decodeKey, encodeKey } from './keys';
import { assertEntityFits, fitProperty, isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';
import { submit, transactionChunks } from './transactions';

/** How the Zoho record came to be ours: only these may ever be deleted by the sync (SPEC §2). */
export type LinkOrigin = 'created' | 'linked';

export interface Link {
  userId: string;
  module: SyncModule;
  graphId: string;
  /** `claimed`: a worker owns the first-time creation; `linked`: the Zoho record exists */
  state: 'claimed' | 'linked';
  claimToken?: string;
  claimedAt?: string;
  zohoModule?: string;
  zohoId?: string;
  origin?: LinkOrigin;
  changeKey?: string;
  /** hash of the mapped Zoho fields last written (rows written before snapshots only have this) */
  hash?: string;
  /**
   * The mapped field values last synced to Zoho, JSON of field → compact value (lib/sync/snapshot.ts):
   * the base of field-level writes. A field whose write is in doubt holds the unknown marker.
   */
  snapshot?: string;
  /** Zoho's Modified_Time after our last write, as Zoho answered it */
  zohoModifiedAt?: string;
  /**
   * A claim's write in doubt: JSON of what the attempt sent (its dedup values, snapshot, origin,
   * target), stored with the claim before the Zoho call, so a lost answer is resolved from it.
   */
  attempt?: string;
  lastResult?: string;
  lastSyncedAt?: string;
  /** extra state per module (e.g. the e-mail association ids of a message), JSON */
  extra?: string;
  /**
   * The row lives in the mailbox's partition of before buckets (written by an earlier version);
   * it stays there, and its writes go there.
   */
  legacyRow?: true;
  etag: string;
}

type Row = Omit<Link, 'userId' | 'module' | 'graphId' | 'etag'> & { partitionKey: string; rowKey: string; userId: string; module: string };

export class LinkConflictError extends Error {
  constructor() {
    super('The link row changed since it was read (etag mismatch)');
    this.name = 'LinkConflictError';
  }
}

/** A mailbox's links of one module: PARTITION_BUCKETS partitions `user|module|<bucket of the item>`. */
function partition(userId: string, module: SyncModule, graphId: string): string {
  return `${legacyPartition(userId, module)}|${bucketOf(graphId)}`;
}

/** Where an earlier version kept all of a mailbox's links of one module. */
function legacyPartition(userId: string, module: SyncModule): string {
  return compositeKey(userId, module);
}

function rowPartition(link: Pick<Link, 'userId' | 'module' | 'graphId' | 'legacyRow'>): string {
  return link.legacyRow ? legacyPartition(link.userId, link.module) : partition(link.userId, link.module, link.graphId);
}

/** How long a process trusts what it learnt of a mailbox's legacy partition. */
const LEGACY_PROBE_TTL_MS = 10 * 60_000;

function toLink(row: Row & { etag: string }): Link {
  const link: Link = {
    userId: row.userId,
    module: row.module as SyncModule,
    graphId: decodeKey(row.rowKey),
    state: row.state,
    etag: row.etag,
  };
  if (row.partitionKey === legacyPartition(row.userId, row.module as SyncModule)) link.legacyRow = true;
  for (const key of ['claimToken', 'claimedAt', 'zohoModule', 'zohoId', 'origin', 'changeKey', 'hash', 'snapshot', 'zohoModifiedAt', 'attempt', 'lastResult', 'lastSyncedAt', 'extra'] as const) {
    const value = row[key];
    if (value) (link as unknown as Record<string, unknown>)[key] = value;
  }
  return link;
}

function toRow(link: Omit<Link, 'etag'>): Row {
  const row: Row = {
    partitionKey: rowPartition(link),
    rowKey: encodeKey(link.graphId),
    userId: link.userId,
    module: link.module,
    state: link.state,
    claimToken: link.claimToken ?? '',
    claimedAt: link.claimedAt ?? '',
    zohoModule: link.zohoModule ?? '',
    zohoId: link.zohoId ?? '',
    origin: link.origin,
    changeKey: link.changeKey ?? '',
    hash: link.hash ?? '',
    snapshot: link.snapshot ?? '',
    zohoModifiedAt: link.zohoModifiedAt ?? '',
    attempt: link.attempt ?? '',
    lastResult: fitProperty(link.lastResult ?? '', 1000),
    lastSyncedAt: link.lastSyncedAt ?? '',
    extra: link.extra ?? '',
  };
  if (!row.origin) delete row.origin;
  assertEntityFits(row as never);
  return row;
}

export type ClaimResult = { claimed: true; link: Link } | { claimed: false; link: Link };

/** A claim whose worker has not renewed it for `staleAfterMs`: that worker died mid-way. */
export function isStaleClaim(link: Pick<Link, 'state' | 'claimedAt'>, now: Date, staleAfterMs: number): boolean {
  return link.state === 'claimed' && (!link.claimedAt || now.getTime() - Date.parse(link.claimedAt) > staleAfterMs);
}

/**
 * The memory of the sync: Graph item ↔ Zoho record. Every change is conditional on the etag read,
 * so two instances working on the same item cannot both win.
 */
export class LinkRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('links');
  }

  /** Per process: whether a mailbox's module still has rows in its partition of before buckets. */
  private readonly legacy = new Map<string, { has: boolean; until: number }>();

  async get(userId: string, module: SyncModule, graphId: string): Promise<Link | undefined> {
    const found = await this.read(partition(userId, module, graphId), graphId);
    if (found || !(await this.hasLegacy(userId, module))) return found;
    return this.read(legacyPartition(userId, module), graphId);
  }

  private async read(partitionKey: string, graphId: string): Promise<Link | undefined> {
    const table = await this.table();
    try {
      return toLink((await table.getEntity<Row>(partitionKey, encodeKey(graphId))) as Row & { etag: string });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * One request per mailbox and module per process (then every 10 minutes): rows are never added
   * to a legacy partition, so a miss in the item's bucket costs a second read only while the
   * mailbox still has legacy rows.
   */
  private async hasLegacy(userId: string, module: SyncModule): Promise<boolean> {
    const key = legacyPartition(userId, module);
    const known = this.legacy.get(key);
    if (known && known.until > Date.now()) return known.has;
    const table = await this.table();
    const page = await table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${key}`, select: ['RowKey'] } }).byPage({ maxPageSize: 1 }).next();
    const rows = (page.value ?? []) as unknown[] & { continuationToken?: string };
    // An empty first page with a continuation token says nothing: Azure may stop a scan early.
    const has = rows.length > 0 || !!rows.continuationToken;
    this.legacy.set(key, { has, until: Date.now() + LEGACY_PROBE_TTL_MS });
    return has;
  }

  /**
   * Insert-if-absent: the first worker to see an item owns its creation in Zoho. A claim older than
   * `staleAfterMs` belongs to a worker that died mid-way and is taken over (conditionally).
   */
  async claim(userId: string, module: SyncModule, graphId: string, token: string, now: Date, staleAfterMs: number, attempt?: string): Promise<ClaimResult> {
    const table = await this.table();
    const fresh: Omit<Link, 'etag'> = { userId, module, graphId, state: 'claimed', claimToken: token, claimedAt: now.toISOString(), attempt };
    // An item linked (or claimed) by an earlier version has its row in the legacy partition: the
    // insert into its bucket would succeed beside it and make a second record.
    const legacy = (await this.hasLegacy(userId, module)) ? await this.read(legacyPartition(userId, module), graphId) : undefined;
    if (!legacy) {
      try {
        const res = await table.createEntity(toRow(fresh));
        return { claimed: true, link: { ...fresh, etag: res.etag ?? '' } };
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    const existing = legacy ?? (await this.get(userId, module, graphId));
    if (!existing) return this.claim(userId, module, graphId, token, now, staleAfterMs, attempt);
    if (!isStaleClaim(existing, now, staleAfterMs)) return { claimed: false, link: existing };
    try {
      const taken = { ...existing, claimToken: token, claimedAt: now.toISOString() };
      const etag = await this.save(taken);
      return { claimed: true, link: { ...taken, etag } };
    } catch (err) {
      if (err instanceof LinkConflictError) return { claimed: false, link: (await this.get(userId, module, graphId)) ?? existing };
      throw err;
    }
  }

  /**
   * `claim` for many first-seen items: one transaction per 100 items of a partition. A transaction
   * fails whole when one row exists (another worker, an earlier run), and then that chunk is
   * claimed item by item. Items of a mailbox module that still has rows of an earlier version are
   * claimed item by item, each looking there first, unless the caller listed them. One answer per
   * item, in order.
   */
  async claimMany(
    items: readonly { userId: string; module: SyncModule; graphId: string; attempt?: string }[],
    token: string,
    now: Date,
    staleAfterMs: number,
    /** `listed`: the caller read the mailbox module's links, legacy rows included (`list`), and these items had none */
    opts: { listed?: boolean } = {},
  ): Promise<PromiseSettledResult<ClaimResult>[]> {
    const table = await this.table();
    const out = new Array<PromiseSettledResult<ClaimResult>>(items.length);
    const fresh = items.map((item, index) => {
      const link: Omit<Link, 'etag'> = { userId: item.userId, module: item.module, graphId: item.graphId, state: 'claimed', claimToken: token, claimedAt: now.toISOString(), attempt: item.attempt };
      return { index, link, row: toRow(link) };
    });
    const one = async (link: Omit<Link, 'etag'>): Promise<ClaimResult> => {
      const c = await this.claim(link.userId, link.module, link.graphId, token, now, staleAfterMs, link.attempt);
      // A claim with our token is ours: a transaction whose answer was lost wrote it.
      return !c.claimed && c.link.state === 'claimed' && c.link.claimToken === token ? { claimed: true, link: c.link } : c;
    };
    for (const chunk of transactionChunks(fresh, (x) => x.row)) {
      // One row (a notification): the claim's insert, whose 409 is followed by the read, costs what a transaction would, and no more when the row exists.
      // A chunk is one partition, so one mailbox module: if it has rows of an earlier version, each claim first looks there (`claim`).
      if (chunk.length === 1 || (!opts.listed && (await this.hasLegacy(chunk[0].link.userId, chunk[0].link.module)))) {
        const settled = await Promise.allSettled(chunk.map((x) => one(x.link)));
        chunk.forEach((x, k) => (out[x.index] = settled[k]));
        continue;
      }
      let etags: (string | undefined)[] = [];
      try {
        etags = await submit(table, chunk.map((x) => ['create', x.row]));
      } catch {
        // Nothing of the chunk was written (or the answer was lost): item by item below.
      }
      const settled = await Promise.allSettled(chunk.map((x, k) => (etags[k] ? Promise.resolve<ClaimResult>({ claimed: true, link: { ...x.link, etag: etags[k]! } }) : one(x.link))));
      chunk.forEach((x, k) => (out[x.index] = settled[k]));
    }
    return out;
  }

  /**
   * `save` for many rows: one transaction per 100 rows of a partition, each conditional on its
   * etag. A transaction fails whole when one row changed since it was read, and then that chunk is
   * saved row by row, so only the rows that changed fail. One answer (the new etag) per link, in order.
   */
  async saveMany(links: readonly Link[]): Promise<PromiseSettledResult<string>[]> {
    const table = await this.table();
    const out = new Array<PromiseSettledResult<string>>(links.length);
    const rows = links.map((link, index) => ({ index, link, row: toRow(link) }));
    for (const chunk of transactionChunks(rows, (x) => x.row)) {
      // One row: a conditional replace, so a conflict costs one request, not a failed transaction and a retry.
      if (chunk.length === 1) {
        [out[chunk[0].index]] = await Promise.allSettled([this.save(chunk[0].link)]);
        continue;
      }
      let saved = false;
      let etags: (string | undefined)[] = [];
      try {
        etags = await submit(table, chunk.map((x) => ['update', x.row, 'Replace', { etag: x.link.etag }]));
        saved = true;
      } catch {
        // Nothing of the chunk was written: row by row below, so only the changed rows fail.
      }
      const settled = await Promise.allSettled(
        chunk.map(async (x, k) => {
          if (!saved) return this.save(x.link);
          return etags[k] ?? (await this.get(x.link.userId, x.link.module, x.link.graphId))?.etag ?? '';
        }),
      );
      chunk.forEach((x, k) => (out[x.index] = settled[k]));
    }
    return out;
  }

  /** Replaces the row if nobody changed it since `link.etag` was read; returns the new etag. */
  async save(link: Link): Promise<string> {
    const table = await this.table();
    try {
      const res = await table.updateEntity(toRow(link), 'Replace', { etag: link.etag });
      return res.etag ?? '';
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) throw new LinkConflictError();
      throw err;
    }
  }

  async delete(link: Pick<Link, 'userId' | 'module' | 'graphId' | 'legacyRow'> & { etag?: string }): Promise<void> {
    const table = await this.table();
    const remove = async (partitionKey: string): Promise<boolean> => {
      try {
        await table.deleteEntity(partitionKey, encodeKey(link.graphId), link.etag ? { etag: link.etag } : undefined);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (isPreconditionFailed(err)) throw new LinkConflictError();
        throw err;
      }
    };
    // A caller that knows only the ids may name a row that is still in the legacy partition.
    if (!(await remove(rowPartition(link))) && !link.legacyRow && (await this.hasLegacy(link.userId, link.module))) await remove(legacyPartition(link.userId, link.module));
  }

  /** Every link of a mailbox's module: one range query over its buckets, and its legacy partition while it has rows. */
  async list(userId: string, module: SyncModule): Promise<Link[]> {
    const table = await this.table();
    const base = legacyPartition(userId, module);
    const byId = new Map<string, Link>();
    // Encoded parts never hold `|`, so `base|` up to `base}` is exactly this mailbox module's buckets.
    const buckets = odata`PartitionKey ge ${`${base}|`} and PartitionKey lt ${`${base}}`}`;
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: buckets } })) {
      const link = toLink(row as Row & { etag: string });
      byId.set(link.graphId, link);
    }
    if (await this.hasLegacy(userId, module)) {
      for await (const row of table.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${base}` } })) {
        const link = toLink(row as Row & { etag: string });
        if (!byId.has(link.graphId)) byId.set(link.graphId, link);
      }
    }
    return [...byId.values()];
  }

  /**
   * Deprovisioning: every row of the user, whatever its state, 100 deletes per transaction; a
   * chunk that fails (a row deleted meanwhile) is deleted row by row.
   */
  async deleteAllForUser(userId: string, modules: readonly SyncModule[]): Promise<number> {
    const table = await this.table();
    let n = 0;
    for (const module of modules) {
      const keys = (await this.list(userId, module)).map((l) => ({ partitionKey: rowPartition(l), rowKey: encodeKey(l.graphId) }));
      for (const chunk of transactionChunks(keys, (k) => k)) {
        try {
          await submit(table, chunk.map((k) => ['delete', k]));
        } catch {
          for (const k of chunk) await this.delete({ userId, module, graphId: decodeKey(k.rowKey), legacyRow: k.partitionKey === legacyPartition(userId, module) || undefined });
        }
        n += chunk.length;
      }
    }
    return n;
  }
}
