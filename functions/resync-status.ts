import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { resyncStatus as status } from '../lib/resync/http';
import { ResyncJobRepository } from '../lib/resync/jobs';
import { getRuntime } from '../lib/runtime';

/** GET /api/resync/{jobId}: state, progress and the sync report of that job. */
export async function resyncStatus(request: HttpRequest): Promise<HttpResponseInit> {
  const rt = getRuntime();
  return status(request.params.jobId, { runs: rt.runs, jobs: new ResyncJobRepository(rt.tables) });
}

app.http('resync-status', { methods: ['GET'], authLevel: 'function', route: 'resync/{jobId}', handler: resyncStatus });
