import { z } from 'zod';
import { SYNC_MODULES } from '../modules';

/**
 * One Outlook item to (re)apply to Zoho. A hint, not data: the worker always re-reads the item, so
 * duplicates and reordering are harmless.
 */
export const SyncItemMessage = z.object({
  v: z.literal(1),
  userId: z.string().min(1),
  module: z.enum(SYNC_MODULES),
  itemId: z.string().min(1),
  /** Graph's changeType, or `resync` when a resync/delta pass queued it */
  changeType: z.enum(['created', 'updated', 'deleted', 'resync']),
  /** To Do list id (tasks) or other container the item must be read from */
  scope: z.string().optional(),
  subscriptionId: z.string().optional(),
  /** the sync run the result is reported to; notifications report to the day's automatic run */
  runId: z.string().optional(),
  /** set when this item was skipped in the previous run (SPEC §2.6) */
  retryOfSkipped: z.boolean().optional(),
  /** times this item was put back because another worker was creating it */
  deferrals: z.number().int().min(0).optional(),
});
export type SyncItemMessage = z.infer<typeof SyncItemMessage>;

export const LifecycleMessage = z.object({
  v: z.literal(1),
  subscriptionId: z.string().min(1),
  userId: z.string().min(1),
  module: z.enum(SYNC_MODULES),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']),
  receivedAt: z.string(),
});
export type LifecycleMessage = z.infer<typeof LifecycleMessage>;
