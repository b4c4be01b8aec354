import type { SyncModule } from '../modules';
import type { SubscriptionRecord } from '../state/subscriptions';
import type { ProvisionedUser, ProvisioningScope } from '../state/users';
import type { ProvisionDeps } from './deps';

/** `GET /api/manage/status`: what is provisioned, what Graph will notify us about, and what went wrong. */

export interface SubscriptionStatus {
  id: string;
  module: SyncModule;
  listId?: string;
  resource: string;
  createdAt: string;
  expiresAt: string;
  expiresInMinutes: number;
  renewedAt?: string;
  reauthorizedAt?: string;
  lastError?: string;
  lastErrorAt?: string;
}

export interface UserStatus {
  user: string;
  upn?: string;
  sources: string[];
  state: ProvisionedUser['state'];
  reason?: string;
  code?: string;
  category?: ProvisionedUser['category'];
  provisionedAt: string;
  updatedAt: string;
  /** To Do lists polled with delta because Graph refused their subscription */
  polledLists: string[];
  refusedModules: SyncModule[];
  /** last change notification handled, per module */
  lastNotificationAt: Partial<Record<SyncModule, string>>;
  lastError?: string;
  lastErrorAt?: string;
  subscriptions: SubscriptionStatus[];
}

export interface StatusAnswer {
  generatedAt: string;
  summary: { users: number; active: number; refused: number; failed: number; subscriptions: number; expiringWithinHour: number; withErrors: number };
  scopes: ProvisioningScope[];
  users: UserStatus[];
  /** stored subscriptions whose mailbox has no user row (a deprovision or provisioning cut short) */
  orphanSubscriptions: SubscriptionStatus[];
}

function subscriptionStatus(s: SubscriptionRecord, now: Date): SubscriptionStatus {
  // The clientState is a secret and never leaves the table.
  return {
    id: s.id,
    module: s.module,
    ...(s.listId ? { listId: s.listId } : {}),
    resource: s.resource,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    expiresInMinutes: Math.round((Date.parse(s.expiresAt) - now.getTime()) / 60_000),
    renewedAt: s.renewedAt,
    reauthorizedAt: s.reauthorizedAt,
    lastError: s.lastError,
    lastErrorAt: s.lastErrorAt,
  };
}

export async function provisioningStatus(deps: Pick<ProvisionDeps, 'users' | 'subscriptions' | 'now'>, filter: { userId?: string } = {}): Promise<StatusAnswer> {
  const now = deps.now();
  let users = await deps.users.list();
  let subs = await deps.subscriptions.list(filter.userId ? { userId: filter.userId } : undefined);
  if (filter.userId) users = users.filter((u) => u.userId.toLowerCase() === filter.userId!.toLowerCase());
  const byUser = new Map<string, SubscriptionRecord[]>();
  for (const s of subs) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s]);

  const rows: UserStatus[] = users
    .sort((a, b) => a.userId.localeCompare(b.userId))
    .map((u) => ({
      user: u.userId,
      upn: u.upn,
      sources: u.sources,
      state: u.state,
      reason: u.reason,
      code: u.code,
      category: u.category,
      provisionedAt: u.provisionedAt,
      updatedAt: u.updatedAt,
      polledLists: u.polledLists,
      refusedModules: u.refusedModules,
      // Recorded by sync-worker (once a minute per mailbox and module) for notification messages.
      lastNotificationAt: u.lastNotificationAt,
      lastError: u.lastError,
      lastErrorAt: u.lastErrorAt,
      subscriptions: (byUser.get(u.userId) ?? []).map((s) => subscriptionStatus(s, now)).sort((a, b) => a.module.localeCompare(b.module) || (a.listId ?? '').localeCompare(b.listId ?? '')),
    }));
  const known = new Set(users.map((u) => u.userId));
  const orphans = subs.filter((s) => !known.has(s.userId)).map((s) => subscriptionStatus(s, now));
  subs = subs.filter((s) => known.has(s.userId));
  return {
    generatedAt: now.toISOString(),
    summary: {
      users: rows.length,
      active: rows.filter((u) => u.state === 'active').length,
      refused: rows.filter((u) => u.state === 'refused').length,
      failed: rows.filter((u) => u.state === 'failed').length,
      subscriptions: subs.length,
      expiringWithinHour: subs.filter((s) => Date.parse(s.expiresAt) - now.getTime() < 3_600_000).length,
      withErrors: rows.filter((u) => u.lastError || u.subscriptions.some((s) => s.lastError)).length,
    },
    scopes: filter.userId ? [] : await deps.users.listScopes(),
    users: rows,
    orphanSubscriptions: orphans,
  };
}
