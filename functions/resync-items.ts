import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { runItems } from '../lib/reports/http';
import { ResyncJobRepository } from '../lib/resync/jobs';
import { getRuntime } from '../lib/runtime';

/** GET /api/resync/{jobId}/items[?user=&module=&result=&top=&continuationToken=]: a run's lines, paged. */
export async function resyncItems(request: HttpRequest): Promise<HttpResponseInit> {
  const rt = getRuntime();
  return runItems(request.params.jobId, request.query, { runs: rt.runs, jobs: new ResyncJobRepository(rt.tables), users: rt.users, now: () => new Date() });
}

app.http('resync-items', { methods: ['GET'], authLevel: 'function', route: 'resync/{jobId}/items', handler: resyncItems });
