import { RestError, TableClient, TableServiceClient, type TableEntity } from '@azure/data-tables';
import { StorageAccount } from '../storage';

/**
 * Opens tables by name (from a connection string, or keyless from the storage settings, see
 * lib/storage.ts) and creates each one once per process.
 */
export class TableStore {
  private readonly created = new Map<string, Promise<TableClient>>();

  private readonly account: StorageAccount;

  constructor(storage: string | StorageAccount, private readonly prefix = '') {
    this.account = typeof storage === 'string' ? new StorageAccount(storage) : storage;
  }

  table(name: string): Promise<TableClient> {
    const full = `${this.prefix}${name}`;
    let ready = this.created.get(full);
    if (!ready) {
      const client = this.account.table(full);
      ready = client.createTable().then(
        () => client,
        (err) => {
          this.created.delete(full);
          throw err;
        },
      );
      this.created.set(full, ready);
    }
    return ready;
  }

  service(): TableServiceClient {
    return this.account.tableService();
  }
}

export function isConflict(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 409;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 404;
}

/** Deletes a row that may be gone already (a repeated request, a concurrent cleanup); true when this call deleted it. */
export async function deleteIfPresent(table: TableClient, partitionKey: string, rowKey: string): Promise<boolean> {
  try {
    await table.deleteEntity(partitionKey, rowKey);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** An etag mismatch: another instance wrote the row since we read it. */
export function isPreconditionFailed(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 412;
}

export class EntityTooLargeError extends Error {
  constructor(readonly property: string | undefined, readonly bytes: number, readonly limit: number) {
    super(property ? `Table property ${property} is ${bytes} bytes, over Azure's ${limit}-byte limit` : `Table entity is ${bytes} bytes, over Azure's ${limit}-byte limit`);
    this.name = 'EntityTooLargeError';
  }
}

export const MAX_PROPERTY_BYTES = 64 * 1024;
export const MAX_ENTITY_BYTES = 1024 * 1024;

/**
 * Azure rejects entities over 1 MiB and string properties over 64 KiB (UTF-16), but Azurite only
 * enforces the second, so a test suite alone would never catch the first. Sizes follow Azure's
 * documented accounting: strings are 2 bytes per UTF-16 unit, names count too, plus 4 bytes each.
 */
export function assertEntityFits(entity: TableEntity<Record<string, unknown>>): void {
  let total = 4 + 2 * (entity.partitionKey.length + entity.rowKey.length);
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'partitionKey' || name === 'rowKey' || name === 'etag' || name === 'timestamp') continue;
    let bytes = 8;
    if (typeof value === 'string') {
      bytes = 4 + 2 * value.length;
      if (bytes - 4 > MAX_PROPERTY_BYTES) throw new EntityTooLargeError(name, bytes - 4, MAX_PROPERTY_BYTES);
    } else if (value instanceof Uint8Array) {
      bytes = 4 + value.byteLength;
      if (value.byteLength > MAX_PROPERTY_BYTES) throw new EntityTooLargeError(name, value.byteLength, MAX_PROPERTY_BYTES);
    }
    total += 8 + 2 * name.length + bytes;
  }
  if (total > MAX_ENTITY_BYTES) throw new EntityTooLargeError(undefined, total, MAX_ENTITY_BYTES);
}

/** Cuts a string so that it fits a Table property, for free-text fields such as error messages. */
export function fitProperty(value: string, maxChars = MAX_PROPERTY_BYTES / 2 - 16): string {
  return value.length <= maxChars ? value : `${value.slice(0, maxChars - 1)}…`;
}
