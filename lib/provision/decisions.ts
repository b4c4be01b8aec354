import {
  GraphApiError,
  GraphAuthenticationError,
  GraphBadRequestError,
  GraphNotFoundError,
  GraphPermissionError,
} from '../graph/errors';
import type { SyncModule } from '../modules';
import type { SubscriptionRecord } from '../state/subscriptions';
import type { ProvisionedUser, ProvisionSource } from '../state/users';
import type { SlotResult } from './slots';
import { MAX_LIFETIME_MINUTES, specKey, type SubscriptionSpec } from './specs';

/**
 * Every choice provisioning, renewal and the lifecycle worker make, as pure functions of what
 * they read. The I/O code around them only fetches inputs and carries out the answer.
 */

// ---- Graph refusals -------------------------------------------------------------------------------

export interface GraphFailure {
  /** refused: Graph says no for this mailbox/resource (configuration); failed: anything else */
  outcome: 'refused' | 'failed';
  code: string;
  reason: string;
  /** the mailbox itself is missing: nothing else is worth trying for this user */
  noMailbox?: boolean;
  /** the same call may work later (throttling, outage, timeout) */
  transient?: boolean;
}

const NO_MAILBOX = /^MailboxNotEnabledForRESTAPI$/i;
const NO_USER = /^(ErrorInvalidUser|Request_ResourceNotFound)$/i;

/** A Graph error from a call on one user's mailbox (category, subscription, To Do lists). */
export function classifyMailboxError(err: unknown): GraphFailure {
  if (!(err instanceof GraphApiError)) {
    return { outcome: 'failed', code: 'Unexpected', reason: `unexpected ${(err as Error | undefined)?.name ?? 'error'}` };
  }
  if (err instanceof GraphNotFoundError && NO_MAILBOX.test(err.code)) {
    return { outcome: 'refused', code: err.code, noMailbox: true, reason: 'the user has no Exchange Online mailbox (none, inactive, soft-deleted or on-premises)' };
  }
  if (err instanceof GraphNotFoundError && NO_USER.test(err.code)) {
    return { outcome: 'refused', code: err.code, noMailbox: true, reason: 'the user does not exist in the directory' };
  }
  if (err instanceof GraphPermissionError) {
    const reason = /^ErrorAccessDenied$/i.test(err.code)
      ? "Graph denied access to this mailbox: it is outside the app's RBAC for Applications / application access policy scope, or the permission is not granted"
      : `Graph refused: ${err.graphMessage ?? err.code}`;
    return { outcome: 'refused', code: err.code, reason };
  }
  if (err instanceof GraphAuthenticationError) {
    return { outcome: 'failed', code: err.code, reason: `Graph rejected the app's credentials (${err.code})` };
  }
  if (err instanceof GraphBadRequestError && /^ValidationError$/i.test(err.code)) {
    return { outcome: 'failed', code: err.code, reason: `Graph could not validate the notification endpoint: ${err.graphMessage ?? err.code}` };
  }
  return { outcome: 'failed', code: err.code, reason: err.message, transient: err.transient };
}

/**
 * To Do subscriptions are the documented risk (graph.md §1.5): tenants report 403 and
 * 400 ExtensionError "Invalid resource". Either means "poll this list instead"; a failed
 * handshake or an outage does not.
 */
export function isTodoSubscriptionRefusal(err: unknown): boolean {
  if (err instanceof GraphPermissionError) return true;
  return err instanceof GraphBadRequestError && !/^ValidationError$/i.test(err.code);
}

/** `Subscription Id <id> already exists for the requested combination` (graph.md §1.1). */
export function conflictingSubscriptionId(err: unknown): string | undefined {
  if (!(err instanceof GraphApiError)) return undefined;
  return /Subscription Id ([0-9a-f-]{36})/i.exec(err.graphMessage ?? err.message)?.[1];
}

// ---- what to create, keep and remove ------------------------------------------------------------------

export interface SubscriptionPlan {
  keep: { spec: SubscriptionSpec; record: SubscriptionRecord }[];
  create: SubscriptionSpec[];
  remove: SubscriptionRecord[];
}

/**
 * Compares the subscriptions a user should have with the ones we stored. `unknownModules` are
 * modules whose wanted set could not be read this time (To Do lists listing failed): their rows
 * are kept untouched rather than removed on a guess. `skip` keeps a wanted spec from being created
 * (a To Do list already known to be refused, during renewal).
 */
export function planSubscriptions(
  wanted: readonly SubscriptionSpec[],
  stored: readonly SubscriptionRecord[],
  opts: { unknownModules?: ReadonlySet<SyncModule>; skip?: (spec: SubscriptionSpec) => boolean } = {},
): SubscriptionPlan {
  const byKey = new Map<string, SubscriptionRecord[]>();
  for (const record of stored) {
    const key = specKey(record);
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  const plan: SubscriptionPlan = { keep: [], create: [], remove: [] };
  for (const spec of wanted) {
    const key = specKey(spec);
    const rows = (byKey.get(key) ?? []).filter((r) => r.resource.toLowerCase() === spec.resource.toLowerCase());
    const others = (byKey.get(key) ?? []).filter((r) => !rows.includes(r));
    byKey.delete(key);
    plan.remove.push(...others);
    if (rows.length === 0) {
      if (!opts.skip?.(spec)) plan.create.push(spec);
      continue;
    }
    // Two rows for one slot come from a crash between create and cleanup: keep the longest-lived.
    const [best, ...extra] = [...rows].sort((a, b) => Date.parse(b.expiresAt) - Date.parse(a.expiresAt));
    plan.keep.push({ spec, record: best });
    plan.remove.push(...extra);
  }
  for (const rows of byKey.values()) {
    for (const record of rows) {
      if (opts.unknownModules?.has(record.module)) continue;
      plan.remove.push(record);
    }
  }
  return plan;
}

// ---- renewal ------------------------------------------------------------------------------------------

/** Graph: never reauthorize and update the same subscription within 10 minutes (graph.md §4). */
export const QUIET_WINDOW_MS = 10 * 60_000;

export function recentlyTouched(sub: Pick<SubscriptionRecord, 'renewedAt' | 'reauthorizedAt'>, now: Date): boolean {
  const last = Math.max(sub.renewedAt ? Date.parse(sub.renewedAt) : 0, sub.reauthorizedAt ? Date.parse(sub.reauthorizedAt) : 0);
  return last > 0 && now.getTime() - last < QUIET_WINDOW_MS;
}

/** What Graph's own list says about one of our subscriptions. */
export interface ListedSubscription {
  id: string;
  notificationUrl?: string | null;
  expirationDateTime?: string;
}

export type RenewalAction =
  | 'wait'
  /** less than half of the resource's maximum lifetime left: PATCH a new expiry */
  | 'renew'
  /** renewed or reauthorized under 10 minutes ago */
  | 'recent'
  /** absent from Graph's list: confirm with a GET, then recreate */
  | 'verify'
  /** it points at another notification URL (PUBLIC_BASE_URL changed): delete and create */
  | 'replace';

/**
 * `listed` is Graph's view: undefined when Graph's list does not contain the subscription, null
 * when the list could not be read (then only the stored expiry decides).
 */
export function renewalAction(
  sub: SubscriptionRecord,
  now: Date,
  listed: ListedSubscription | undefined | null,
  wantedNotificationUrl: string,
): RenewalAction {
  if (listed === undefined) return 'verify';
  if (listed && typeof listed.notificationUrl === 'string' && listed.notificationUrl !== '' && !sameUrl(listed.notificationUrl, wantedNotificationUrl)) {
    return 'replace';
  }
  if (recentlyTouched(sub, now)) return 'recent';
  // Graph's own expiry wins when it is earlier: it is the one that counts.
  const graphExpiry = listed?.expirationDateTime ? Date.parse(listed.expirationDateTime) : NaN;
  const expiry = Number.isNaN(graphExpiry) ? Date.parse(sub.expiresAt) : Math.min(graphExpiry, Date.parse(sub.expiresAt) || graphExpiry);
  const left = expiry - now.getTime();
  const half = (MAX_LIFETIME_MINUTES[sub.module] * 60_000) / 2;
  return Number.isNaN(left) || left < half ? 'renew' : 'wait';
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

// ---- lifecycle events -----------------------------------------------------------------------------------

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export type LifecycleAction =
  /** PATCH a new expiry: reauthorizes and renews in one call */
  | 'renew'
  /** touched under 10 minutes ago; a second call risks Graph's inconsistent state */
  | 'skip-recent'
  /** create the subscription again, then a delta resync over the gap */
  | 'recreate'
  /** delta resync of that mailbox and module */
  | 'resync'
  /** not (or no longer) ours: a duplicate event for a subscription already replaced */
  | 'ignore';

/**
 * `sub` is our stored row for the event's subscription id. `missed` needs no row: the gap is
 * per mailbox and module, whatever subscription currently covers it (graph.md §4).
 */
export function lifecycleAction(event: LifecycleEvent, sub: SubscriptionRecord | undefined, now: Date): LifecycleAction {
  switch (event) {
    case 'missed':
      return 'resync';
    case 'subscriptionRemoved':
      return sub ? 'recreate' : 'ignore';
    case 'reauthorizationRequired':
      if (!sub) return 'ignore';
      return recentlyTouched(sub, now) ? 'skip-recent' : 'renew';
  }
}

// ---- group / tenant membership ------------------------------------------------------------------------

export interface MembershipChanges {
  /** members without a user row: provision them */
  join: string[];
  /** members already provisioned from another source: add this source */
  extend: string[];
  /** provisioned from this source but no longer members: drop the source */
  leave: string[];
}

export function membershipChanges(
  source: ProvisionSource,
  members: ReadonlySet<string>,
  users: readonly Pick<ProvisionedUser, 'userId' | 'sources'>[],
  excluded: ReadonlySet<string>,
): MembershipChanges {
  const byId = new Map(users.map((u) => [u.userId.toLowerCase(), u]));
  const changes: MembershipChanges = { join: [], extend: [], leave: [] };
  for (const id of members) {
    const user = byId.get(id.toLowerCase());
    if (!user) {
      if (!excluded.has(id) && !excluded.has(id.toLowerCase())) changes.join.push(id);
    } else if (!user.sources.includes(source)) {
      changes.extend.push(user.userId);
    }
  }
  const memberIds = new Set([...members].map((m) => m.toLowerCase()));
  for (const user of users) {
    if (user.sources.includes(source) && !memberIds.has(user.userId.toLowerCase())) changes.leave.push(user.userId);
  }
  return changes;
}

export function withoutSource(sources: readonly ProvisionSource[], source: ProvisionSource): ProvisionSource[] {
  return sources.filter((s) => s !== source);
}

// ---- the sync that follows provisioning ------------------------------------------------------------------

/** What became of one subscription slot (a `SlotResult`, as far as the follow-up sync cares). */
export type SlotStatus = Pick<SlotResult, 'module' | 'result'>;

/**
 * What to resync after provisioning a user. A mailbox seen for the first time gets one full sync
 * of contacts, tasks and events (SPEC §2: automatic sync covers changes made after it was enabled,
 * older data needs one manual sync). Sent mail is left out on purpose: capture is about mail sent
 * from now on, not the whole Sent Items history. An already provisioned mailbox gets a delta
 * resync only for the modules whose subscription had to be created or replaced (a gap).
 */
export function followUpSync(isNew: boolean, outcomes: readonly SlotStatus[]): { mode: 'full' | 'delta'; modules: SyncModule[] } | undefined {
  const covered = (m: SyncModule) => outcomes.some((o) => o.module === m && o.result !== 'refused' && o.result !== 'failed');
  if (isNew) {
    const modules = (['contacts', 'tasks', 'events'] as const).filter(covered);
    return modules.length ? { mode: 'full', modules } : undefined;
  }
  const gaps = [...new Set(outcomes.filter((o) => o.result === 'created' || o.result === 'adopted').map((o) => o.module))];
  return gaps.length ? { mode: 'delta', modules: gaps } : undefined;
}
