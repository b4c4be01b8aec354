import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { MODULE_MODES, type UserOverrides } from '../sync/user-modes';
import { decodeKey, encodeKey } from './keys';
import { deleteIfPresent, isNotFound, type TableStore } from './tables';

/** Per-user overrides of the sync settings (`PUT manage/users/{user}`), one row per user. */
const ROW = 'overrides';

const Stored = z.object({
  contacts: z.enum(MODULE_MODES).optional(),
  tasks: z.enum(MODULE_MODES).optional(),
  events: z.enum(MODULE_MODES).optional(),
  mail: z.array(z.enum(['contacts', 'leads'])).optional(),
});

function parse(json: unknown): UserOverrides {
  try {
    const parsed = Stored.safeParse(JSON.parse(String(json)));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export class UserSettingsRepository {
  constructor(private readonly store: TableStore) {}

  private table(): Promise<TableClient> {
    return this.store.table('usersettings');
  }

  async get(userId: string): Promise<UserOverrides | undefined> {
    const table = await this.table();
    try {
      const row = await table.getEntity<{ overrides: string }>(encodeKey(userId.toLowerCase()), ROW);
      return parse(row.overrides);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Replaces the user's overrides; an empty set removes the row (the tenant settings apply). */
  async put(userId: string, overrides: UserOverrides, at: Date): Promise<void> {
    const table = await this.table();
    const key = encodeKey(userId.toLowerCase());
    if (Object.keys(overrides).length === 0) {
      await deleteIfPresent(table, key, ROW);
      return;
    }
    await table.upsertEntity({ partitionKey: key, rowKey: ROW, overrides: JSON.stringify(overrides), updatedAt: at.toISOString() }, 'Replace');
  }

  async delete(userId: string): Promise<void> {
    await deleteIfPresent(await this.table(), encodeKey(userId.toLowerCase()), ROW);
  }

  /** Every user's overrides, by lower-cased user id. */
  async list(): Promise<Map<string, UserOverrides>> {
    const table = await this.table();
    const out = new Map<string, UserOverrides>();
    for await (const row of table.listEntities<{ overrides: string }>()) out.set(decodeKey(String(row.partitionKey)), parse(row.overrides));
    return out;
  }
}
