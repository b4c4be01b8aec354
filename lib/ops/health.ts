/**
 * `GET /api/health` for an availability test: five checks, each bounded in time, answered without
 * secrets or personal data (counts, ages and error codes only; no user ids, no addresses).
 */
import type { SubscriptionRecord } from '../state/subscriptions';
import type { ProvisionedUser } from '../state/users';

export interface HealthDeps {
  /** a cheap storage round trip (throws when storage cannot be reached) */
  pingStorage(): Promise<void>;
  /** a usable Zoho access token: the cached or shared one, or a refresh when it is due */
  zohoToken(): Promise<unknown>;
  subscriptions(): Promise<Pick<SubscriptionRecord, 'expiresAt'>[]>;
  users(): Promise<Pick<ProvisionedUser, 'state' | 'lastNotificationAt'>[]>;
  oldestQueued(): Promise<Date | undefined>;
  now(): Date;
  queueMaxAgeSeconds: number;
  /** 0 = not checked */
  notificationMaxAgeHours: number;
  /** per check */
  timeoutMs?: number;
}

export interface CheckResult {
  ok: boolean;
  /** why it fails, in words without personal data */
  problem?: string;
  /** a vendor's or storage's error code, when a call failed */
  code?: string;
  [detail: string]: unknown;
}

export type CheckName = 'storage' | 'zohoToken' | 'subscriptions' | 'queue' | 'notifications';

export interface HealthAnswer {
  status: 'healthy' | 'unhealthy';
  checkedAt: string;
  failing: CheckName[];
  checks: Record<CheckName, CheckResult>;
}

const DAY_MS = 86_400_000;

class CheckTimeout extends Error {
  override name = 'CheckTimeout';
}

function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** An error's code only: messages can carry URLs, account names or token fragments. */
function failure(err: unknown, problem: string): CheckResult {
  const e = err as { code?: unknown; name?: unknown; statusCode?: unknown };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
  return { ok: false, problem, code, ...(typeof e?.statusCode === 'number' ? { status: e.statusCode } : {}) };
}

async function run(name: CheckName, work: () => Promise<CheckResult>, ms: number, problem: string): Promise<[CheckName, CheckResult]> {
  try {
    return [name, await bounded(work(), ms)];
  } catch (err) {
    return [name, failure(err, problem)];
  }
}

export async function checkHealth(deps: HealthDeps): Promise<HealthAnswer> {
  const now = deps.now();
  const ms = deps.timeoutMs ?? 5_000;
  const results = await Promise.all([
    run('storage', async () => {
      await deps.pingStorage();
      return { ok: true };
    }, ms, 'storage cannot be reached'),
    run('zohoToken', async () => {
      await deps.zohoToken();
      return { ok: true };
    }, ms, 'no usable Zoho access token'),
    run('subscriptions', async () => {
      const subs = await deps.subscriptions();
      // Renewal runs at half-life, so a subscription with less than a day left means renewal is failing.
      const expiring = subs.filter((s) => Date.parse(s.expiresAt) - now.getTime() < DAY_MS).length;
      return { ok: expiring === 0, total: subs.length, expiringWithinDay: expiring, ...(expiring ? { problem: `${expiring} subscription${expiring > 1 ? 's expire' : ' expires'} within a day` } : {}) };
    }, ms, 'subscriptions cannot be read'),
    run('queue', async () => {
      const oldest = await deps.oldestQueued();
      const age = oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : 0;
      const ok = age <= deps.queueMaxAgeSeconds;
      return { ok, oldestMessageAgeSeconds: oldest ? age : null, maxAgeSeconds: deps.queueMaxAgeSeconds, ...(ok ? {} : { problem: 'sync-items has a message older than the limit: the workers are not keeping up or not running' }) };
    }, ms, 'the sync queue cannot be read'),
    run('notifications', async () => {
      const users = await deps.users();
      const stamps = users.flatMap((u) => Object.values(u.lastNotificationAt)).filter((v): v is string => typeof v === 'string').map(Date.parse).filter(Number.isFinite);
      const last = stamps.length ? Math.max(...stamps) : undefined;
      const ageMinutes = last === undefined ? null : Math.max(0, Math.round((now.getTime() - last) / 60_000));
      const active = users.filter((u) => u.state === 'active').length;
      const limit = deps.notificationMaxAgeHours;
      // A tenant with nobody provisioned, or the check turned off, has nothing to wait for.
      const stale = limit > 0 && active > 0 && (ageMinutes === null || ageMinutes > limit * 60);
      return { ok: !stale, lastNotificationAgeMinutes: ageMinutes, activeUsers: active, maxAgeHours: limit, ...(stale ? { problem: `no change notification for more than ${limit} hours` } : {}) };
    }, ms, 'provisioned users cannot be read'),
  ]);
  const checks = Object.fromEntries(results) as Record<CheckName, CheckResult>;
  const failing = results.filter(([, r]) => !r.ok).map(([n]) => n);
  return { status: failing.length ? 'unhealthy' : 'healthy', checkedAt: now.toISOString(), failing, checks };
}
