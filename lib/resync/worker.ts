/**
 * The `resync-jobs` queue consumer. A message naming one user is that user's part of a job and
 * runs here (lib/resync/part.ts). Any other message is a plan: it is split into one message per
 * user (every provisioned user when it names none), so users run side by side on any instance
 * and a failure repeats one user, not the whole tenant.
 */
import type { Logger } from '../log';
import { messageBody } from '../queue';
import type { SyncRun } from '../state/runs';
import { ResyncJobMessage } from '../sync/messages';
import { onFailure, policyFor } from '../sync/failure';
import type { ResyncDeps } from './deps';
import { isFinished } from './jobs';
import { cleanUp, processPart, syncRunRow } from './part';

export type ResyncOutcome = 'invalid' | 'planned' | 'part';

function kindOf(reason: string | undefined): SyncRun['kind'] {
  if (reason === 'provisioning') return 'provisioning';
  return reason === undefined || reason === 'request' ? 'manual' : 'automatic';
}

export async function processResyncMessage(raw: unknown, dequeueCount: number, deps: ResyncDeps, logger: Logger): Promise<ResyncOutcome> {
  const parsed = ResyncJobMessage.safeParse(messageBody(raw));
  if (!parsed.success) {
    logger.error('resync job message is not valid; dropped', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return 'invalid';
  }
  const msg = parsed.data;
  const log = { jobId: msg.jobId, mode: msg.mode, reason: msg.reason, dequeueCount };
  // Jobs queued by provisioning or the lifecycle worker may come without a run row; requests have one.
  await deps.runs.ensureRun({ id: msg.jobId, kind: kindOf(msg.reason), state: 'queued', createdAt: deps.now().toISOString(), request: JSON.stringify(msg) });

  if (msg.users?.length === 1) {
    const user = msg.users[0];
    try {
      await processPart(msg, user, dequeueCount, deps, logger);
    } catch (err) {
      const action = onFailure(err, { dequeueCount, deferrals: 0 }, policyFor(deps.config, false));
      if (action.do !== 'give-up') {
        logger.warn('resync part failed; the queue will retry it', { ...log, code: action.code, error: (err as Error).name });
        throw err;
      }
      // Permanent, or the last delivery: say so in the report instead of leaving the user "running" forever.
      await deps.jobs.update(msg.jobId, user, { state: 'failed', message: action.reason, finishedAt: deps.now().toISOString() });
      await syncRunRow(msg.jobId, deps);
      await cleanUp(msg.jobId, user, deps, logger);
      logger.error('resync part failed for good', { ...log, code: action.code });
    }
    logger.info('resync part processed', log);
    return 'part';
  }

  try {
    return await plan(msg, deps, logger);
  } catch (err) {
    const action = onFailure(err, { dequeueCount, deferrals: 0 }, policyFor(deps.config, false));
    if (action.do !== 'give-up') throw err;
    await deps.runs.updateRun(msg.jobId, { state: 'failed', message: `The job could not be split per user: ${action.reason}` });
    logger.error('resync job could not be planned', { ...log, code: action.code });
    return 'planned';
  }
}

async function plan(msg: ResyncJobMessage, deps: ResyncDeps, logger: Logger): Promise<ResyncOutcome> {
  const log = { jobId: msg.jobId, mode: msg.mode, reason: msg.reason };
  const users = msg.users ?? (await deps.provisionedUsers());
  if (users.length === 0) {
    await deps.runs.updateRun(msg.jobId, { state: 'completed', message: 'No provisioned users: nothing to sync.' });
    logger.info('resync job has no users', log);
    return 'planned';
  }
  const parts = await deps.jobs.plan(msg.jobId, users);
  await deps.runs.updateRun(msg.jobId, { state: 'running' });
  // A redelivered plan sends again only what it had not sent; a part delivered twice runs once.
  for (const part of parts) {
    if (part.sent || isFinished(part.state)) continue;
    await deps.resyncQueue.send({ ...msg, users: [part.user] });
    await deps.jobs.markSent(msg.jobId, part.user);
  }
  logger.info('resync job planned', { ...log, users: users.length });
  return 'planned';
}
