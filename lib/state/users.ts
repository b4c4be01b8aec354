import { odata, type TableClient } from '@azure/data-tables';
import { SYNC_MODULES, type SyncModule } from '../modules';
import { compositeKey, decodeKey, encodeKey, splitCompositeKey } from './keys';
import { assertEntityFits, deleteIfPresent, fitProperty, isConflict, isNotFound, isPreconditionFailed, type TableStore } from './tables';

/**
 * Provisioned mailboxes and the provisioning scopes (a group, or the whole tenant) that the
 * renewal timer keeps in step with the directory. One table, two partitions of meaning: user
 * rows are keyed by object id, scope rows live in the `_scopes` partition (object ids are GUIDs,
 * so they never collide with it).
 */

/** `ids` (listed by the admin), `all`, or `group:{groupId}`; a user stays while any source holds it. */
export type ProvisionSource = string;

export type UserState = 'active' | 'refused' | 'failed';

export interface ProvisionedUser {
  userId: string;
  /** shown to the admin in answers and status; never logged */
  upn?: string;
  sources: ProvisionSource[];
  state: UserState;
  /** why the mailbox is refused or failed, in words, and Graph's code */
  reason?: string;
  code?: string;
  category?: 'created' | 'existing' | 'refused' | 'failed';
  /** To Do lists whose subscription Graph refused; the To Do delta poll covers them */
  polledLists: string[];
  /** modules whose subscription Graph refused for this mailbox (e.g. mail without Mail.Read) */
  refusedModules: SyncModule[];
  provisionedAt: string;
  updatedAt: string;
  lastError?: string;
  lastErrorAt?: string;
  /** last change notification handled per module (written by `recordNotification`) */
  lastNotificationAt: Partial<Record<SyncModule, string>>;
}

export interface ProvisioningScope {
  kind: 'all' | 'group';
  groupId?: string;
  addedAt: string;
  reconciledAt?: string;
  lastError?: string;
}

export function groupSource(groupId: string): ProvisionSource {
  return `group:${groupId}`;
}

export function scopeSource(scope: Pick<ProvisioningScope, 'kind' | 'groupId'>): ProvisionSource {
  return scope.kind === 'all' ? 'all' : groupSource(scope.groupId!);
}

const USER_ROW = 'user';
const SCOPES = '_scopes';
const EXCLUDED = '_excluded';
const NOTIFIED = (m: SyncModule) => `lastNotification_${m}`;

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string; etag?: string };

function parseList(value: unknown): string[] {
  if (typeof value !== 'string' || value === '') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function toUser(row: Row): ProvisionedUser {
  const lastNotificationAt: Partial<Record<SyncModule, string>> = {};
  for (const m of SYNC_MODULES) {
    const at = text(row[NOTIFIED(m)]);
    if (at) lastNotificationAt[m] = at;
  }
  return {
    userId: decodeKey(row.partitionKey),
    upn: text(row.upn),
    sources: parseList(row.sources),
    state: (text(row.state) ?? 'active') as UserState,
    reason: text(row.reason),
    code: text(row.code),
    category: text(row.category) as ProvisionedUser['category'],
    polledLists: parseList(row.polledLists),
    refusedModules: parseList(row.refusedModules) as SyncModule[],
    provisionedAt: String(row.provisionedAt ?? ''),
    updatedAt: String(row.updatedAt ?? ''),
    lastError: text(row.lastError),
    lastErrorAt: text(row.lastErrorAt),
    lastNotificationAt,
  };
}

/** Only the columns provisioning owns; Merge keeps `lastNotification_*`, written by others. */
function toRow(user: Omit<ProvisionedUser, 'lastNotificationAt'>): Row {
  const row: Row = {
    partitionKey: encodeKey(user.userId),
    rowKey: USER_ROW,
    upn: user.upn ?? '',
    sources: JSON.stringify([...new Set(user.sources)].sort()),
    state: user.state,
    reason: fitProperty(user.reason ?? '', 2000),
    code: user.code ?? '',
    category: user.category ?? '',
    polledLists: JSON.stringify(user.polledLists),
    refusedModules: JSON.stringify(user.refusedModules),
    provisionedAt: user.provisionedAt,
    updatedAt: user.updatedAt,
    lastError: fitProperty(user.lastError ?? '', 2000),
    lastErrorAt: user.lastErrorAt ?? '',
  };
  assertEntityFits(row as never);
  return row;
}

export class ProvisionedUserRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('provisioning');
  }

  async get(userId: string): Promise<ProvisionedUser | undefined> {
    return (await this.getWithEtag(userId))?.user;
  }

  private async getWithEtag(userId: string): Promise<{ user: ProvisionedUser; etag: string } | undefined> {
    const table = await this.table();
    try {
      const row = await table.getEntity<Row>(encodeKey(userId), USER_ROW);
      return { user: toUser(row as Row), etag: String(row.etag ?? '') };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async put(user: Omit<ProvisionedUser, 'lastNotificationAt'>): Promise<void> {
    const table = await this.table();
    await table.upsertEntity(toRow(user), 'Merge');
  }

  /**
   * Read-modify-write under the row's etag, retried when another instance wrote in between
   * (provisioning and the renewal timer both touch `sources`). `change` returning undefined
   * leaves the row as it is; a missing row is passed as undefined.
   */
  async modify(
    userId: string,
    change: (current: ProvisionedUser | undefined) => Omit<ProvisionedUser, 'lastNotificationAt'> | undefined,
  ): Promise<ProvisionedUser | undefined> {
    const table = await this.table();
    for (let attempt = 0; ; attempt++) {
      const current = await this.getWithEtag(userId);
      const next = change(current?.user);
      if (!next) return current?.user;
      try {
        if (current) await table.updateEntity(toRow(next), 'Merge', { etag: current.etag });
        else await table.createEntity(toRow(next));
        return { ...next, lastNotificationAt: current?.user.lastNotificationAt ?? {} };
      } catch (err) {
        const raced = isPreconditionFailed(err) || isNotFound(err) || isConflict(err);
        if (!raced || attempt >= 4) throw err;
      }
    }
  }

  async delete(userId: string): Promise<void> {
    const table = await this.table();
    await deleteIfPresent(table, encodeKey(userId), USER_ROW);
  }

  async list(): Promise<ProvisionedUser[]> {
    const table = await this.table();
    const out: ProvisionedUser[] = [];
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: odata`RowKey eq ${USER_ROW}` } })) out.push(toUser(row as Row));
    return out;
  }

  /**
   * For the sync worker: the time of the last change notification it handled for a module.
   * A Merge of one column, so it never conflicts with provisioning's writes; a user that is no
   * longer provisioned is left alone.
   */
  async recordNotification(userId: string, module: SyncModule, at: Date): Promise<void> {
    const table = await this.table();
    try {
      await table.updateEntity({ partitionKey: encodeKey(userId), rowKey: USER_ROW, [NOTIFIED(module)]: at.toISOString() }, 'Merge');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- scopes ----------------------------------------------------------------------------------

  async putScope(scope: ProvisioningScope): Promise<void> {
    const table = await this.table();
    await table.upsertEntity(
      {
        partitionKey: SCOPES,
        rowKey: scope.kind === 'all' ? 'all' : compositeKey('group', scope.groupId!),
        kind: scope.kind,
        groupId: scope.groupId ?? '',
        addedAt: scope.addedAt,
        reconciledAt: scope.reconciledAt ?? '',
        lastError: fitProperty(scope.lastError ?? '', 2000),
      },
      'Merge',
    );
  }

  async listScopes(): Promise<ProvisioningScope[]> {
    const table = await this.table();
    const out: ProvisioningScope[] = [];
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${SCOPES}` } })) {
      const kind = row.kind === 'all' ? 'all' : 'group';
      out.push({
        kind,
        groupId: kind === 'group' ? text(row.groupId) ?? splitCompositeKey(row.rowKey)[1] : undefined,
        addedAt: String(row.addedAt ?? ''),
        reconciledAt: text(row.reconciledAt),
        lastError: text(row.lastError),
      });
    }
    return out;
  }

  /**
   * A user the admin deprovisioned while a group or tenant scope still covers it: the renewal
   * timer must not provision it again as "joined". An explicit provisioning request lifts it.
   */
  async exclude(userId: string, at: Date): Promise<void> {
    const table = await this.table();
    await table.upsertEntity({ partitionKey: EXCLUDED, rowKey: encodeKey(userId), at: at.toISOString() }, 'Replace');
  }

  async include(userId: string): Promise<void> {
    const table = await this.table();
    await deleteIfPresent(table, EXCLUDED, encodeKey(userId));
  }

  async listExcluded(): Promise<Set<string>> {
    const table = await this.table();
    const out = new Set<string>();
    for await (const row of table.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${EXCLUDED}` } })) out.add(decodeKey(row.rowKey));
    return out;
  }

  async deleteScope(scope: Pick<ProvisioningScope, 'kind' | 'groupId'>): Promise<void> {
    const table = await this.table();
    await deleteIfPresent(table, SCOPES, scope.kind === 'all' ? 'all' : compositeKey('group', scope.groupId!));
  }
}
