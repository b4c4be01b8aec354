import { odata, type TableClient } from '@azure/data-tables';
import type { SyncModule } from '../modules';
import { decodeKey, encodeKey } from './keys';
import { assertEntityFits, deleteIfPresent, fitProperty, isNotFound, type TableStore } from './tables';

export interface SubscriptionRecord {
  id: string;
  userId: string;
  module: SyncModule;
  /** the Graph resource path the subscription watches, e.g. users/{id}/contacts */
  resource: string;
  /** To Do list id for task subscriptions */
  listId?: string;
  /** the secret Graph echoes in every notification; never logged */
  clientState: string;
  expiresAt: string;
  createdAt: string;
  renewedAt?: string;
  reauthorizedAt?: string;
  lastError?: string;
  lastErrorAt?: string;
}

/** Absent optional values are stored as '' (a Replace must clear them). */
type Row = Omit<SubscriptionRecord, 'id' | 'module'> & { partitionKey: string; rowKey: string; module: string };

const ROW = 'subscription';

function toRecord(row: Row): SubscriptionRecord {
  return {
    id: decodeKey(row.partitionKey),
    userId: row.userId,
    module: row.module as SyncModule,
    resource: row.resource,
    listId: row.listId || undefined,
    clientState: row.clientState,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    renewedAt: row.renewedAt || undefined,
    reauthorizedAt: row.reauthorizedAt || undefined,
    lastError: row.lastError || undefined,
    lastErrorAt: row.lastErrorAt || undefined,
  };
}

/**
 * Graph subscriptions we created. Keyed by subscription id because the webhook's only question is
 * "is this id ours, and what is its secret?", which must be one point read.
 */
export class SubscriptionRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('subscriptions');
  }

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    const table = await this.table();
    try {
      return toRecord(await table.getEntity<Row>(encodeKey(id), ROW));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async put(record: SubscriptionRecord): Promise<void> {
    const table = await this.table();
    const row: Row = {
      partitionKey: encodeKey(record.id),
      rowKey: ROW,
      userId: record.userId,
      module: record.module,
      resource: record.resource,
      listId: record.listId ?? '',
      clientState: record.clientState,
      expiresAt: record.expiresAt,
      createdAt: record.createdAt,
      renewedAt: record.renewedAt ?? '',
      reauthorizedAt: record.reauthorizedAt ?? '',
      lastError: record.lastError ? fitProperty(record.lastError, 2000) : '',
      lastErrorAt: record.lastErrorAt ?? '',
    };
    assertEntityFits(row as never);
    await table.upsertEntity(row, 'Replace');
  }

  async update(id: string, patch: Partial<Omit<SubscriptionRecord, 'id'>>): Promise<void> {
    const table = await this.table();
    const row: Record<string, unknown> = { partitionKey: encodeKey(id), rowKey: ROW };
    for (const [k, v] of Object.entries(patch)) row[k] = v ?? '';
    if (typeof row.lastError === 'string') row.lastError = fitProperty(row.lastError, 2000);
    await table.updateEntity(row as never, 'Merge');
  }

  async delete(id: string): Promise<void> {
    const table = await this.table();
    await deleteIfPresent(table, encodeKey(id), ROW);
  }

  async list(filter?: { userId?: string }): Promise<SubscriptionRecord[]> {
    const table = await this.table();
    const out: SubscriptionRecord[] = [];
    const queryOptions = filter?.userId ? { filter: odata`userId eq ${filter.userId}` } : undefined;
    for await (const row of table.listEntities<Row>({ queryOptions })) out.push(toRecord(row));
    return out;
  }
}
