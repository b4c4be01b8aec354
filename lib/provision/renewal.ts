import { GraphApiError, GraphNotFoundError } from '../graph/errors';
import type { SyncModule } from '../modules';
import type { SubscriptionRecord } from '../state/subscriptions';
import type { ProvisionedUser } from '../state/users';
import { renewalAction, type ListedSubscription } from './decisions';
import { mapLimit } from '../pool';
import { DEFAULT_CONCURRENCY, errorText, queueResync, type ProvisionDeps } from './deps';
import { getSubscription, groupMembers, listSubscriptions, renewSubscription, tenantMailboxUsers } from './graph-ops';
import { noteSlotOnUser, reconcileScope, reconcileUser } from './provision';
import { isLive, recreateSlot, removeSlot } from './slots';
import { expiryFor, notificationUrls } from './specs';

export interface RenewalSummary {
  subscriptions: number;
  renewed: number;
  /** gone from Graph (PATCH 404, or missing from its list and GET 404) and created again */
  recreated: number;
  /** pointed at another notification URL, deleted and created again */
  replaced: number;
  /** rows of users no longer provisioned */
  orphansRemoved: number;
  failed: number;
  /** users provisioned because they joined a provisioned group or the tenant */
  joined: number;
  /** users who left every scope that provisioned them */
  deprovisioned: number;
  /** new subscriptions from reconciling active users (new To Do lists, modules turned on) */
  slotsCreated: number;
  /** subscriptions removed from reconciling (deleted To Do lists, modules turned off) */
  slotsRemoved: number;
  resyncJobs: number;
}

/** A row with no user is left alone this long: provisioning writes the user row last. */
const ORPHAN_GRACE_MS = 60 * 60_000;

/**
 * The `renew-subscriptions` timer: every stored subscription is renewed at half-life (or
 * recreated when Graph lost it), then group/tenant scopes are compared with the directory, then
 * every active mailbox is reconciled (new To Do lists, modules switched on or off). Each step
 * carries on past individual failures; gaps get one delta resync per user.
 */
export async function renewSubscriptions(deps: ProvisionDeps): Promise<RenewalSummary> {
  const now = deps.now();
  const limit = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const summary: RenewalSummary = {
    subscriptions: 0, renewed: 0, recreated: 0, replaced: 0, orphansRemoved: 0, failed: 0,
    joined: 0, deprovisioned: 0, slotsCreated: 0, slotsRemoved: 0, resyncJobs: 0,
  };
  const wantedUrl = notificationUrls(deps.config.PUBLIC_BASE_URL).notificationUrl;

  let listed: Map<string, ListedSubscription> | null = null;
  try {
    listed = new Map((await listSubscriptions(deps.graph)).map((s) => [s.id, s]));
  } catch (err) {
    deps.logger.warn('graph subscription list unavailable; renewing by stored expiry only', { error: (err as Error)?.name, code: (err as GraphApiError)?.code });
  }

  const users = new Map((await deps.users.list()).map((u) => [u.userId, u]));
  const subs = await deps.subscriptions.list();
  summary.subscriptions = subs.length;
  const gaps = new Map<string, Set<SyncModule>>();
  const gap = (userId: string, module: SyncModule) => gaps.set(userId, (gaps.get(userId) ?? new Set()).add(module));

  /** Returns true when Graph still had the subscription after all. */
  const recreate = async (sub: SubscriptionRecord, deleteFirst: boolean): Promise<boolean> => {
    const outcome = await recreateSlot(deps, sub, { deleteFirst });
    // Graph answered 409 naming this very subscription: it was never gone (app-only listing and
    // reading are documented as unsupported for To Do), so there is no gap to resync.
    if (outcome.slot.result === 'existing' && outcome.slot.subscriptionId === sub.id) return true;
    if (isLive(outcome.slot.result)) {
      if (deleteFirst) summary.replaced += 1;
      else summary.recreated += 1;
      gap(sub.userId, sub.module);
    } else {
      if (outcome.slot.result === 'failed') summary.failed += 1;
      await noteSlotOnUser(deps, sub.userId, outcome.slot);
    }
    return false;
  };

  await mapLimit(subs, limit, async (sub) => {
    try {
      const user = users.get(sub.userId);
      if (!user) {
        if (now.getTime() - Date.parse(sub.createdAt) > ORPHAN_GRACE_MS) {
          await removeSlot(deps, sub);
          summary.orphansRemoved += 1;
        }
        return;
      }
      let action = renewalAction(sub, now, listed ? listed.get(sub.id) : null, wantedUrl);
      if (action === 'verify') {
        const found = await getSubscription(deps.graph, sub.id);
        if (!found && !(await recreate(sub, false))) return;
        action = renewalAction(sub, now, found ?? null, wantedUrl);
      }
      if (action === 'replace') return void (await recreate(sub, true));
      if (action !== 'renew') return;
      try {
        const renewed = await renewSubscription(deps.graph, sub.id, expiryFor(sub.module, now));
        await deps.subscriptions.update(sub.id, { expiresAt: renewed.expirationDateTime, renewedAt: now.toISOString(), lastError: undefined, lastErrorAt: undefined });
        summary.renewed += 1;
      } catch (err) {
        // Graph: a PATCH answered 404 will never work again; the subscription is gone (graph.md §1.1).
        if (err instanceof GraphNotFoundError) return void (await recreate(sub, false));
        throw err;
      }
    } catch (err) {
      summary.failed += 1;
      deps.logger.warn('subscription renewal failed', { subscriptionId: sub.id, userId: sub.userId, module: sub.module, error: (err as Error)?.name, code: (err as GraphApiError)?.code });
      await deps.subscriptions.update(sub.id, { lastError: errorText(err), lastErrorAt: now.toISOString() }).catch(() => undefined);
    }
  });

  const touched = new Set<string>();
  for (const scope of await deps.users.listScopes()) {
    try {
      const members = scope.kind === 'all' ? await tenantMailboxUsers(deps.graph) : await groupMembers(deps.graph, scope.groupId!);
      const outcome = await reconcileScope(deps, scope, members, { explicit: false, listed: null });
      for (const r of outcome.results) touched.add(r.user);
      summary.joined += outcome.results.filter((r) => r.result === 'provisioned').length;
      summary.deprovisioned += outcome.left.filter((l) => l.deprovisioned).length;
      for (const l of outcome.left) touched.add(l.user);
      await deps.users.putScope({ ...scope, reconciledAt: now.toISOString(), lastError: undefined });
    } catch (err) {
      // A group that cannot be read (deleted, permission) is left as it is: dropping every member
      // on a read error would deprovision a whole group by accident.
      deps.logger.warn('provisioning scope not reconciled', { scope: scope.kind, groupId: scope.groupId, error: (err as Error)?.name, code: (err as GraphApiError)?.code });
      await deps.users.putScope({ ...scope, lastError: errorText(err) });
    }
  }

  const current = (await deps.users.list()).filter((u) => !touched.has(u.userId) && u.state !== 'refused');
  const results = await mapLimit(current, limit, (user: ProvisionedUser) =>
    reconcileUser(deps, user.userId, {
      // A mailbox that failed for a transient reason is provisioned again in full.
      category: user.state === 'failed', retryRefused: user.state === 'failed', explicit: false, reason: 'renewal', listed: null,
    }).catch((err) => {
      summary.failed += 1;
      deps.logger.warn('mailbox reconcile failed', { userId: user.userId, error: (err as Error)?.name });
      return undefined;
    }),
  );
  for (const r of results) {
    if (!r) continue;
    summary.slotsCreated += r.subscriptions.filter((s) => s.result === 'created' || s.result === 'adopted').length;
    summary.slotsRemoved += r.removed;
    if (r.sync) summary.resyncJobs += 1;
  }

  for (const [userId, modules] of gaps) {
    try {
      await queueResync(deps, { users: [userId], modules: [...modules], mode: 'delta', reason: 'renewal' });
      summary.resyncJobs += 1;
    } catch (err) {
      summary.failed += 1;
      deps.logger.error('gap resync not queued', { userId, error: (err as Error)?.name });
    }
  }
  deps.logger.info('subscription renewal finished', { ...summary });
  return summary;
}
