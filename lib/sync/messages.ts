import { z } from 'zod';
import { userRef } from '../ids';
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
  /** times this item was put back for later (another worker was creating it, or a vendor asked to wait) */
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

/**
 * A resync job (queue `resync-jobs`): `POST /api/resync`, provisioning's first full sync, and the
 * lifecycle worker's gap fill (`missed`, `subscriptionRemoved`) all go through it.
 */
export const ResyncJobMessage = z.object({
  v: z.literal(1),
  jobId: z.string().min(1),
  /** user object ids; absent = every provisioned user */
  users: z.array(userRef).optional(),
  modules: z.array(z.enum(SYNC_MODULES)).optional(),
  /** `preview`: a full read whose writes are recorded, not made (lib/resync/preview.ts) */
  mode: z.enum(['delta', 'full', 'preview']),
  /** retry items skipped in the previous run (all of them, or the listed item ids) */
  retrySkipped: z.union([z.boolean(), z.array(z.string())]).optional(),
  /** proceed even when the run would delete more than SYNC_MASS_DELETE_SHARE of a user's links */
  force: z.boolean().optional(),
  /** why the job exists: request, provisioning, missed, subscriptionRemoved, renewal */
  reason: z.string().optional(),
  /**
   * One user's part continued from its checkpoint (the part row holds it): the step it continues.
   * A delivery whose step is not the part's current one is a duplicate and is dropped.
   */
  step: z.number().int().min(0).optional(),
});
export type ResyncJobMessage = z.infer<typeof ResyncJobMessage>;
