/**
 * One failure policy for every queue worker (sync-worker, resync-worker, lifecycle-worker, and the
 * bulk path's hand-offs): what a failed attempt becomes, decided from the error's classification
 * (outcome.ts) and the retry policy as data. No I/O: each worker carries the answer out its way.
 */
import { classify, finalReason, ItemBusyError } from './outcome';

export interface RetryPolicy {
  /** deliveries of one message before giving up (the queue's maxDequeueCount bounds it) */
  maxAttempts: number;
  /** the queue's own back-off (host.json visibilityTimeout): a longer Retry-After is deferred instead */
  queueRetryMs: number;
  /** a deferral never waits longer than this */
  maxDeferMs: number;
  /** times one message may be put back for later; 0: the worker cannot defer (it re-sends nothing) */
  maxDeferrals: number;
  /** how long an item another worker is creating waits */
  busyRetryMs: number;
}

/** host.json: visibilityTimeout 10 s. */
export const QUEUE_RETRY_MS = 10_000;

export const DEFAULT_POLICY: Omit<RetryPolicy, 'maxAttempts' | 'busyRetryMs'> = { queueRetryMs: QUEUE_RETRY_MS, maxDeferMs: 15 * 60_000, maxDeferrals: 20 };

/**
 * The policy from the settings. `canDefer`: the worker can put a delayed copy of its message back
 * (sync-worker); the others (a resync part, a lifecycle event) let the queue's retries wait.
 */
export function policyFor(config: { SYNC_MAX_ATTEMPTS: number; SYNC_BUSY_RETRY_SECONDS: number }, canDefer: boolean): RetryPolicy {
  return { ...DEFAULT_POLICY, maxAttempts: config.SYNC_MAX_ATTEMPTS, busyRetryMs: config.SYNC_BUSY_RETRY_SECONDS * 1000, maxDeferrals: canDefer ? DEFAULT_POLICY.maxDeferrals : 0 };
}

export type FailureAction =
  /** throw: the queue redelivers after its back-off */
  | { do: 'retry'; code: string }
  /** a delayed copy of the message, `ms` from now (busy elsewhere, or a vendor's long Retry-After) */
  | { do: 'defer'; ms: number; code: string; busy: boolean }
  /** no more attempts: record the failure with this reason */
  | { do: 'give-up'; code: string; reason: string };

export function onFailure(err: unknown, attempt: { dequeueCount: number; deferrals: number }, policy: RetryPolicy): FailureAction {
  const outcome = classify(err);
  const busy = err instanceof ItemBusyError;
  const wait = busy ? policy.busyRetryMs : outcome.transient && (outcome.retryAfterMs ?? 0) > policy.queueRetryMs ? Math.min(outcome.retryAfterMs!, policy.maxDeferMs) : undefined;
  if (wait !== undefined && attempt.deferrals < policy.maxDeferrals) return { do: 'defer', ms: wait, code: outcome.code, busy };
  if (outcome.transient && attempt.dequeueCount < policy.maxAttempts) return { do: 'retry', code: outcome.code };
  return { do: 'give-up', code: outcome.code, reason: finalReason(outcome, attempt.dequeueCount) };
}
