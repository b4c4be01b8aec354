/**
 * The two HTTP entry points of the resync, free of Azure Functions types: `POST /api/resync`
 * validates and queues (the work never runs inside the request), `GET /api/resync/{jobId}` reads
 * the report.
 */
import { randomUUID } from 'node:crypto';
import { jobId as jobIdSchema } from '../ids';
import type { Logger } from '../log';
import type { MessageQueue } from '../queue';
import type { RunRepository } from '../state/runs';
import type { ResyncJobMessage } from '../sync/messages';
import type { ResyncJobRepository } from './jobs';
import { buildReport } from './report';
import { jobMessage, parseResyncRequest } from './request';

export interface HttpAnswer {
  status: number;
  jsonBody?: unknown;
  headers?: Record<string, string>;
}

export interface RequestDeps {
  runs: Pick<RunRepository, 'ensureRun' | 'updateRun'>;
  resyncQueue: MessageQueue<ResyncJobMessage>;
  now: () => Date;
}

export async function startResync(bodyText: string, deps: RequestDeps, logger: Logger): Promise<HttpAnswer> {
  const parsed = parseResyncRequest(bodyText);
  if (!parsed.ok) {
    logger.warn('resync request refused', { reason: parsed.error });
    return { status: 400, jsonBody: { error: parsed.error } };
  }
  const jobId = randomUUID();
  const message = jobMessage(jobId, parsed.request);
  // The run exists before the message, so the Location answers at once (state `queued`).
  await deps.runs.ensureRun({ id: jobId, kind: 'manual', state: 'queued', createdAt: deps.now().toISOString(), request: JSON.stringify(parsed.request) });
  try {
    await deps.resyncQueue.send(message);
  } catch (err) {
    await deps.runs.updateRun(jobId, { state: 'failed', message: 'The job could not be queued; nothing was done.' }).catch(() => undefined);
    throw err;
  }
  logger.info('resync queued', { jobId, mode: message.mode, users: message.users?.length ?? 'all', modules: message.modules?.join(',') ?? 'all' });
  const location = `/api/resync/${jobId}`;
  return { status: 202, jsonBody: { jobId, location }, headers: { Location: location } };
}

export interface StatusDeps {
  runs: Pick<RunRepository, 'getRun' | 'listItems'>;
  jobs: Pick<ResyncJobRepository, 'info'>;
}

export async function resyncStatus(jobIdParam: string | undefined, deps: StatusDeps): Promise<HttpAnswer> {
  const parsed = jobIdSchema.safeParse(jobIdParam ?? '');
  if (!parsed.success) return { status: 400, jsonBody: { error: `jobId ${parsed.error.issues[0].message}.` } };
  const jobId = parsed.data;
  const run = await deps.runs.getRun(jobId);
  if (!run) return { status: 404, jsonBody: { error: 'No resync job has this id.' } };
  const [info, items] = await Promise.all([deps.jobs.info(jobId), deps.runs.listItems(jobId)]);
  return { status: 200, jsonBody: buildReport(run, info, items) };
}
