import { createHash, timingSafeEqual } from 'node:crypto';
import type { SubscriptionRecord } from '../state/subscriptions';

export type DropReason = 'unknown-subscription' | 'client-state-mismatch' | 'tenant-mismatch' | 'malformed' | 'unsupported';

/** Hashing first makes the comparison constant-time whatever the lengths. */
export function secretsEqual(expected: string, received: string | null | undefined): boolean {
  if (typeof received !== 'string') return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(received, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Basic notifications carry no signature (graph.md §3.2): a notification is ours only when it names
 * a subscription we created, echoes that subscription's secret, and comes from our tenant.
 */
export function verifyNotification(
  n: { clientState?: string | null; tenantId: string },
  subscription: SubscriptionRecord | undefined,
  tenantId: string,
): DropReason | undefined {
  if (!subscription) return 'unknown-subscription';
  if (!secretsEqual(subscription.clientState, n.clientState)) return 'client-state-mismatch';
  if (n.tenantId.toLowerCase() !== tenantId.toLowerCase()) return 'tenant-mismatch';
  return undefined;
}
