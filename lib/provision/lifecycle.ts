import { GraphApiError, GraphNotFoundError } from '../graph/errors';
import { onFailure, type RetryPolicy } from '../sync/failure';
import { LifecycleMessage } from '../sync/messages';
import type { SubscriptionRecord } from '../state/subscriptions';
import { lifecycleAction, type LifecycleAction } from './decisions';
import { errorText, queueResync, type ProvisionDeps } from './deps';
import { renewSubscription } from './graph-ops';
import { noteSlotOnUser } from './provision';
import { isLive, recreateSlot, removeSlot } from './slots';
import { expiryFor } from './specs';

export type LifecycleOutcome = LifecycleAction | 'invalid' | 'renew-failed' | 'recreate-failed' | 'not-provisioned' | 'failed';

/**
 * The lifecycle-worker: one message, under the workers' one failure policy (lib/sync/failure.ts):
 * throttling and outages are retried by the queue, anything else (or the last delivery) is logged
 * as failed instead of going to the poison queue unseen.
 */
export async function processLifecycle(deps: ProvisionDeps, raw: unknown, dequeueCount: number, policy: RetryPolicy): Promise<LifecycleOutcome> {
  try {
    return await handleLifecycle(deps, raw);
  } catch (err) {
    const action = onFailure(err, { dequeueCount, deferrals: 0 }, policy);
    if (action.do !== 'give-up') {
      deps.logger.warn('lifecycle event failed; the queue will retry it', { code: action.code, dequeueCount });
      throw err;
    }
    deps.logger.error('lifecycle event failed for good', { code: action.code, reason: action.reason, dequeueCount });
    return 'failed';
  }
}

/** Thrown for a failure worth another delivery (throttling, outage): the queue retries it. */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLater';
  }
}

/**
 * One message of the `graph-lifecycle` queue (graph.md §4):
 * - reauthorizationRequired → PATCH a new expiry, which reauthorizes and renews in one call, so we
 *   never issue both a reauthorize and an update; a subscription touched in the last 10 minutes is
 *   left alone (Graph sends these repeatedly; a second call inside the window risks inconsistent
 *   subscription state).
 * - subscriptionRemoved → create it again, then a delta resync of that mailbox and module.
 * - missed → a delta resync of that mailbox and module (keyed by mailbox, not by subscription id:
 *   the subscription may have been replaced since).
 */
export async function handleLifecycle(deps: ProvisionDeps, raw: unknown): Promise<LifecycleOutcome> {
  const parsed = LifecycleMessage.safeParse(raw);
  if (!parsed.success) {
    deps.logger.warn('lifecycle message dropped', { reason: 'malformed', issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.code}`) });
    return 'invalid';
  }
  const msg = parsed.data;
  const now = deps.now();
  const sub = await deps.subscriptions.get(msg.subscriptionId);
  const action = lifecycleAction(msg.lifecycleEvent, sub, now);
  const log = { subscriptionId: msg.subscriptionId, userId: msg.userId, module: msg.module, event: msg.lifecycleEvent, action };

  switch (action) {
    case 'ignore':
    case 'skip-recent':
      deps.logger.info('lifecycle event needs no action', log);
      return action;
    case 'renew':
      return renew(deps, sub!, log);
    case 'recreate':
      return recreate(deps, sub!, 'subscriptionRemoved', log);
    case 'resync': {
      const user = await deps.users.get(msg.userId);
      if (!user || user.state !== 'active') {
        deps.logger.info('lifecycle event for a mailbox no longer provisioned', log);
        return 'not-provisioned';
      }
      const jobId = await queueResync(deps, { users: [msg.userId], modules: [msg.module], mode: 'delta', reason: 'missed' });
      deps.logger.info('gap resync queued', { ...log, jobId });
      return 'resync';
    }
  }
}

async function renew(deps: ProvisionDeps, sub: SubscriptionRecord, log: Record<string, unknown>): Promise<LifecycleOutcome> {
  const now = deps.now();
  try {
    const renewed = await renewSubscription(deps.graph, sub.id, expiryFor(sub.module, now));
    await deps.subscriptions.update(sub.id, {
      expiresAt: renewed.expirationDateTime, renewedAt: now.toISOString(), reauthorizedAt: now.toISOString(), lastError: undefined, lastErrorAt: undefined,
    });
    deps.logger.info('subscription reauthorized and renewed', log);
    return 'renew';
  } catch (err) {
    if (err instanceof GraphNotFoundError) return recreate(deps, sub, 'subscriptionRemoved', log);
    await deps.subscriptions.update(sub.id, { lastError: `reauthorization failed: ${errorText(err)}`, lastErrorAt: now.toISOString() });
    if (err instanceof GraphApiError && err.transient) throw new RetryLater(`reauthorization of ${sub.id} failed: ${err.code}`);
    deps.logger.warn('subscription reauthorization failed', { ...log, code: (err as GraphApiError)?.code });
    return 'renew-failed';
  }
}

async function recreate(deps: ProvisionDeps, sub: SubscriptionRecord, reason: 'subscriptionRemoved', log: Record<string, unknown>): Promise<LifecycleOutcome> {
  const user = await deps.users.get(sub.userId);
  if (!user) {
    // Deprovisioned meanwhile: nothing to recreate, only our row to drop.
    await removeSlot(deps, sub);
    deps.logger.info('lifecycle event for a mailbox no longer provisioned', log);
    return 'not-provisioned';
  }
  const outcome = await recreateSlot(deps, sub);
  if (!isLive(outcome.slot.result)) {
    await noteSlotOnUser(deps, sub.userId, outcome.slot);
    if (outcome.failure?.transient) throw new RetryLater(`recreating ${sub.id} failed: ${outcome.failure.code}`);
    deps.logger.warn('subscription not recreated', { ...log, result: outcome.slot.result, code: outcome.slot.code });
    return 'recreate-failed';
  }
  const jobId = await queueResync(deps, { users: [sub.userId], modules: [sub.module], mode: 'delta', reason });
  deps.logger.info('subscription recreated, gap resync queued', { ...log, newSubscriptionId: outcome.slot.subscriptionId, result: outcome.slot.result, jobId });
  return 'recreate';
}
