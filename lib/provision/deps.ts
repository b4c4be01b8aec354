import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { GraphApi } from '../graph/client';
import type { Logger } from '../log';
import type { SyncModule } from '../modules';
import type { MessageQueue } from '../queue';
import type { DeltaLinkRepository } from '../state/delta';
import type { EventSeriesRepository } from '../state/event-series';
import type { LinkRepository } from '../state/links';
import type { RunRepository, SyncRun } from '../state/runs';
import type { SkippedRepository } from '../state/skipped';
import type { SubscriptionRepository } from '../state/subscriptions';
import type { ProvisionedUserRepository } from '../state/users';
import type { ResyncJobMessage } from '../sync/messages';

/** What provisioning, renewal and the lifecycle worker need; the runtime builds it. */
export interface ProvisionDeps {
  graph: GraphApi;
  config: Pick<Config, 'PUBLIC_BASE_URL' | 'SYNC_CATEGORY' | 'SYNC_CONTACTS' | 'SYNC_EVENTS' | 'SYNC_TASKS' | 'SYNC_TODO_LISTS'>;
  subscriptions: SubscriptionRepository;
  users: ProvisionedUserRepository;
  links: LinkRepository;
  deltaLinks: DeltaLinkRepository;
  eventSeries: Pick<EventSeriesRepository, 'deleteAllForUser'>;
  skipped: SkippedRepository;
  runs: RunRepository;
  resyncQueue: MessageQueue<ResyncJobMessage>;
  /** drops a deleted subscription from the webhook's in-process cache */
  forgetSubscription?: (id: string) => void;
  logger: Logger;
  now: () => Date;
  /** users provisioned side by side (each mailbox has its own Graph budget) */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 8;

/**
 * The secret Graph echoes in every notification: 48 random bytes, 64 base64url characters,
 * within Graph's 128-character limit.
 */
export function newClientState(): string {
  return randomBytes(48).toString('base64url');
}

export type ResyncReason = 'provisioning' | 'renewal' | 'missed' | 'subscriptionRemoved';

/**
 * Hands work to the resync half through its queue. The run row is created here as `queued` so
 * `GET /api/resync/{jobId}` answers at once; the resync worker finds it (insert-if-absent) and
 * takes it from there.
 */
export async function queueResync(
  deps: Pick<ProvisionDeps, 'runs' | 'resyncQueue' | 'now'>,
  job: { users: string[]; modules: SyncModule[]; mode: 'full' | 'delta'; reason: ResyncReason },
): Promise<string> {
  const jobId = randomUUID();
  const message: ResyncJobMessage = { v: 1, jobId, users: job.users, modules: job.modules, mode: job.mode, reason: job.reason };
  const kind: SyncRun['kind'] = job.reason === 'provisioning' ? 'provisioning' : 'automatic';
  await deps.runs.ensureRun({ id: jobId, kind, state: 'queued', createdAt: deps.now().toISOString(), request: JSON.stringify(message) });
  await deps.resyncQueue.send(message);
  return jobId;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
