import { GraphApiError, GraphErrorInit, GraphServerError, GraphThrottledError } from './errors';

/**
 * In-request retries are for short hiccups only. A longer Retry-After is handed back to the
 * caller (GraphThrottledError.retryAfterMs) so the queue redelivers later instead of holding a
 * worker, a mailbox slot and the function's time budget.
 */
export interface RetryPolicy {
  /** Extra attempts after the first one. */
  maxRetries: number;
  /** Total time one call may spend sleeping between attempts. */
  maxWaitMs: number;
  /** First back-off when Graph sends no Retry-After; doubled per attempt. */
  baseDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 3, maxWaitMs: 5_000, baseDelayMs: 1_000 };

/** The statuses Graph documents as "wait and retry" (the SDK's RetryHandler uses the same set). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

/**
 * How long to wait before attempt `attempt + 1`, or undefined when the budget does not allow
 * another attempt. `waitedMs` is the time already slept for this call.
 */
export function nextDelay(err: GraphApiError, attempt: number, waitedMs: number, policy: RetryPolicy): number | undefined {
  if (!isRetryableStatus(err.status) || attempt >= policy.maxRetries) return undefined;
  const delay = err.retryAfterMs ?? backoff(attempt, policy.baseDelayMs);
  return waitedMs + delay <= policy.maxWaitMs ? delay : undefined;
}

/** Exponential back-off with ±20 % jitter so parallel workers do not retry in lockstep. */
export function backoff(attempt: number, baseDelayMs: number): number {
  const raw = baseDelayMs * 2 ** attempt;
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

/**
 * The error to surface once retries are exhausted: a throttled answer without Retry-After still
 * tells the caller how long to stay away, so the queue can schedule the redelivery.
 */
export function withRetryHint(err: GraphApiError, attempt: number, policy: RetryPolicy): GraphApiError {
  if (err.retryAfterMs !== undefined || !(err instanceof GraphThrottledError || err instanceof GraphServerError)) return err;
  const init: GraphErrorInit = {
    status: err.status, code: err.code, message: err.message, requestId: err.requestId,
    endpoint: err.endpoint, graphMessage: err.graphMessage,
    retryAfterMs: backoff(attempt, policy.baseDelayMs),
  };
  const Type = err.constructor as new (init: GraphErrorInit) => GraphApiError;
  return new Type(init);
}
