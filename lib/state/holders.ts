import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { encodeKey } from './keys';
import { isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';
import { submit, transactionChunks } from './transactions';

/**
 * Who links a Zoho record besides the mailbox that created it: one row per Zoho record, written
 * only when an Outlook item links a record that already existed (another mailbox's, or one entered
 * in Zoho). A record the sync creates needs no row (its creator's link says `created`), so a create
 * stays at three Table requests; a delete reads the row to know whether others still hold it.
 */
export interface Holders {
  /** `userId|module|graphId` of the links other than the creator's */
  holders: string[];
  /** the sync created the record (set when the creating mailbox lets go while others still hold it) */
  createdBySync: boolean;
}

interface Row {
  partitionKey: string;
  rowKey: string;
  holders: string;
  createdBySync: boolean;
}

const HolderList = z.array(z.string());
const MAX_TRIES = 5;

export function holderKey(link: { userId: string; module: string; graphId: string }): string {
  return `${link.userId}|${link.module}|${link.graphId}`;
}

function parseHolders(json: string | undefined): string[] {
  try {
    const parsed = HolderList.safeParse(JSON.parse(json ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** `add`'s change to a row: undefined when the key holds it already. */
export function withHolder(h: Holders, key: string): Holders | undefined {
  return h.holders.includes(key) ? undefined : { ...h, holders: [...h.holders, key] };
}

/** `release`'s change to a row: undefined when nothing changes. */
export function withoutHolder(h: Holders, key: string, created: boolean): Holders | undefined {
  const next = { holders: h.holders.filter((k) => k !== key), createdBySync: h.createdBySync || created };
  return next.holders.length === h.holders.length && next.createdBySync === h.createdBySync ? undefined : next;
}

export class HolderRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('zohorecords');
  }

  /** This item links the record (it existed before this item's link): one insert, or read-modify-write. */
  async add(zohoModule: string, zohoId: string, key: string): Promise<void> {
    await this.change(zohoModule, zohoId, (h) => withHolder(h, key));
  }

  /**
   * `add` for many records of one module (a resync linking what existed): one Table transaction per
   * 100 new rows; a chunk with a row that exists already is done record by record.
   */
  async addMany(zohoModule: string, entries: readonly { zohoId: string; key: string }[]): Promise<PromiseSettledResult<void>[]> {
    const table = await this.table();
    const out = new Array<PromiseSettledResult<void>>(entries.length);
    const byId = new Map<string, number[]>();
    entries.forEach((e, i) => byId.set(e.zohoId, [...(byId.get(e.zohoId) ?? []), i]));
    const rows = [...byId.entries()].map(([zohoId, idx]) => ({
      idx,
      row: { partitionKey: encodeKey(zohoModule), rowKey: encodeKey(zohoId), holders: JSON.stringify([...new Set(idx.map((i) => entries[i].key))]), createdBySync: false },
    }));
    for (const chunk of transactionChunks(rows, (r) => r.row)) {
      let done = false;
      try {
        await submit(table, chunk.map((r) => ['create', r.row]));
        done = true;
      } catch {
        // A row exists (another mailbox links the record too): record by record below.
      }
      for (const r of chunk) {
        const settled = done
          ? ({ status: 'fulfilled', value: undefined } as const)
          : await Promise.allSettled(r.idx.map((i) => this.add(zohoModule, entries[i].zohoId, entries[i].key))).then((all) => all.find((a) => a.status === 'rejected') ?? ({ status: 'fulfilled', value: undefined } as const));
        for (const i of r.idx) out[i] = settled;
      }
    }
    return out;
  }

  /**
   * This item lets go of a record that stays in Zoho. `created`: its link says the sync created the
   * record; the row remembers that, so whoever links it later (another mailbox, or this item once
   * back in scope) may still delete it as the sync's own.
   */
  async release(zohoModule: string, zohoId: string, key: string, created: boolean): Promise<void> {
    await this.change(zohoModule, zohoId, (h) => withoutHolder(h, key, created), false);
  }

  /** The record is deleted in Zoho: its row goes. */
  async forget(zohoModule: string, zohoId: string): Promise<void> {
    const table = await this.table();
    try {
      await table.deleteEntity(encodeKey(zohoModule), encodeKey(zohoId));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async get(zohoModule: string, zohoId: string): Promise<Holders | undefined> {
    const row = await this.read(await this.table(), zohoModule, zohoId);
    return row ? { holders: parseHolders(row.holders), createdBySync: row.createdBySync === true } : undefined;
  }

  private async read(table: TableClient, zohoModule: string, zohoId: string): Promise<(Row & { etag: string }) | undefined> {
    try {
      return (await table.getEntity<Row>(encodeKey(zohoModule), encodeKey(zohoId))) as Row & { etag: string };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Compare-and-swap on the row's etag; a row with no holders and no mark is deleted. */
  private async change(zohoModule: string, zohoId: string, next: (h: Holders) => Holders | undefined, insertFirst = true): Promise<void> {
    const table = await this.table();
    const partitionKey = encodeKey(zohoModule);
    const rowKey = encodeKey(zohoId);
    for (let i = 0; i < MAX_TRIES; i++) {
      if (insertFirst && i === 0) {
        // The common case (first extra link of a record) costs one request: the insert.
        const first = next({ holders: [], createdBySync: false });
        if (!first) return;
        try {
          await table.createEntity<Row>({ partitionKey, rowKey, holders: JSON.stringify(first.holders), createdBySync: first.createdBySync });
          return;
        } catch (err) {
          if (!isConflict(err)) throw err;
          continue;
        }
      }
      const row = await this.read(table, zohoModule, zohoId);
      const current: Holders = row ? { holders: parseHolders(row.holders), createdBySync: row.createdBySync === true } : { holders: [], createdBySync: false };
      const wanted = next(current);
      if (!wanted) return;
      try {
        const empty = wanted.holders.length === 0 && !wanted.createdBySync;
        if (!row) {
          if (empty) return;
          await table.createEntity<Row>({ partitionKey, rowKey, holders: JSON.stringify(wanted.holders), createdBySync: wanted.createdBySync });
        } else if (empty) {
          await table.deleteEntity(partitionKey, rowKey, { etag: row.etag });
        } else {
          await table.updateEntity<Row>({ partitionKey, rowKey, holders: JSON.stringify(wanted.holders), createdBySync: wanted.createdBySync }, 'Replace', { etag: row.etag });
        }
        return;
      } catch (err) {
        if (!(isConflict(err) || isPreconditionFailed(err) || isNotFound(err))) throw err;
      }
    }
    throw new Error('the record holder row kept changing; try again');
  }
}
