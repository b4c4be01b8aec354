import { odata, type TableClient } from '@azure/data-tables';
import { encodeKey, decodeKey } from './keys';
import { assertEntityFits, deleteIfPresent, fitProperty, isNotFound, type TableStore } from './tables';

/**
 * State of the Zoho change feed (Zoho CRM → Outlook), in one table:
 * - `channel` rows: the notification channels we created (zoho/watch.ts), keyed by channel id,
 *   with the per-channel token the callback route checks (never logged);
 * - `cursor` rows: per Zoho module, how far the sweep has read (Modified_Time, deletion time).
 * And the `zohochanges` table: changes heard from Zoho (callback or sweep), one row per record,
 * kept until the executor has applied them.
 */

export interface ZohoChannelRecord {
  channelId: string;
  /** the secret Zoho echoes in each callback; never logged */
  token: string;
  events: string[];
  notifyUrl: string;
  expiresAt: string;
  createdAt: string;
  renewedAt?: string;
  lastError?: string;
  lastErrorAt?: string;
}

export interface SweepCursor {
  /** Zoho module api name */
  module: string;
  /** Modified_Time (ISO with offset) of the newest record seen by the sweep */
  modifiedSince?: string;
  /** ids already handed on whose Modified_Time equals modifiedSince (COQL's `>=` finds them again) */
  idsAtCursor?: string[];
  /** deleted_time of the newest deletion seen by the sweep */
  deletedSince?: string;
  /** ids already handed on deleted at deletedSince */
  deletedAtCursor?: string[];
  sweptAt?: string;
}

const CHANNEL = 'channel';
const CURSOR = 'cursor';

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function idList(v: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(typeof v === 'string' && v ? v : '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function toChannel(row: Row): ZohoChannelRecord {
  const events = idList(row.events);
  return {
    channelId: decodeKey(row.rowKey),
    token: String(row.token ?? ''),
    events,
    notifyUrl: String(row.notifyUrl ?? ''),
    expiresAt: String(row.expiresAt ?? ''),
    createdAt: String(row.createdAt ?? ''),
    renewedAt: text(row.renewedAt),
    lastError: text(row.lastError),
    lastErrorAt: text(row.lastErrorAt),
  };
}

export class ZohoFeedRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('zohofeed');
  }

  async getChannel(channelId: string): Promise<ZohoChannelRecord | undefined> {
    const table = await this.table();
    try {
      return toChannel(await table.getEntity<Row>(CHANNEL, encodeKey(channelId)));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listChannels(): Promise<ZohoChannelRecord[]> {
    const table = await this.table();
    const out: ZohoChannelRecord[] = [];
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${CHANNEL}` } })) out.push(toChannel(row));
    return out;
  }

  async putChannel(record: ZohoChannelRecord): Promise<void> {
    const table = await this.table();
    const row: Row = {
      partitionKey: CHANNEL,
      rowKey: encodeKey(record.channelId),
      token: record.token,
      events: JSON.stringify(record.events),
      notifyUrl: record.notifyUrl,
      expiresAt: record.expiresAt,
      createdAt: record.createdAt,
      renewedAt: record.renewedAt ?? '',
      lastError: record.lastError ? fitProperty(record.lastError, 2000) : '',
      lastErrorAt: record.lastErrorAt ?? '',
    };
    assertEntityFits(row as never);
    await table.upsertEntity(row, 'Replace');
  }

  async deleteChannel(channelId: string): Promise<void> {
    await deleteIfPresent(await this.table(), CHANNEL, encodeKey(channelId));
  }

  async getCursor(module: string): Promise<SweepCursor> {
    const table = await this.table();
    try {
      const row = await table.getEntity<Row>(CURSOR, encodeKey(module));
      return {
        module,
        modifiedSince: text(row.modifiedSince),
        idsAtCursor: idList(row.idsAtCursor),
        deletedSince: text(row.deletedSince),
        deletedAtCursor: idList(row.deletedAtCursor),
        sweptAt: text(row.sweptAt),
      };
    } catch (err) {
      if (isNotFound(err)) return { module };
      throw err;
    }
  }

  async putCursor(cursor: SweepCursor): Promise<void> {
    const table = await this.table();
    await table.upsertEntity(
      {
        partitionKey: CURSOR,
        rowKey: encodeKey(cursor.module),
        modifiedSince: cursor.modifiedSince ?? '',
        idsAtCursor: JSON.stringify((cursor.idsAtCursor ?? []).slice(0, 500)),
        deletedSince: cursor.deletedSince ?? '',
        deletedAtCursor: JSON.stringify((cursor.deletedAtCursor ?? []).slice(0, 500)),
        sweptAt: cursor.sweptAt ?? '',
      },
      'Replace',
    );
  }
}

export type ZohoOperation = 'insert' | 'update' | 'delete';

export interface PendingZohoChange {
  /** Zoho module api name */
  module: string;
  recordId: string;
  /** the last operation heard; the executor re-reads the record anyway */
  operation: ZohoOperation;
  source: 'callback' | 'sweep';
  /** when Zoho says it happened (callback server_time, Modified_Time, deleted_time), ISO */
  changedAt?: string;
  /** when we recorded it */
  seenAt: string;
}

/**
 * Changes heard from Zoho and not yet applied to Outlook. One row per record: a newer hint replaces
 * an older one (the record is re-read when applied, so only "something happened" matters, and a
 * delete is kept as such).
 */
export class PendingZohoChangeRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('zohochanges');
  }

  async record(change: PendingZohoChange): Promise<void> {
    const table = await this.table();
    await table.upsertEntity(
      {
        partitionKey: encodeKey(change.module),
        rowKey: encodeKey(change.recordId),
        operation: change.operation,
        source: change.source,
        changedAt: change.changedAt ?? '',
        seenAt: change.seenAt,
      },
      'Replace',
    );
  }

  async list(module?: string): Promise<PendingZohoChange[]> {
    const table = await this.table();
    const out: PendingZohoChange[] = [];
    const queryOptions = module ? { filter: odata`PartitionKey eq ${encodeKey(module)}` } : undefined;
    for await (const row of table.listEntities<Row>({ queryOptions })) {
      out.push({
        module: decodeKey(row.partitionKey),
        recordId: decodeKey(row.rowKey),
        operation: row.operation as ZohoOperation,
        source: row.source as PendingZohoChange['source'],
        changedAt: text(row.changedAt),
        seenAt: String(row.seenAt ?? ''),
      });
    }
    return out;
  }

  async delete(module: string, recordId: string): Promise<void> {
    await deleteIfPresent(await this.table(), encodeKey(module), encodeKey(recordId));
  }
}
