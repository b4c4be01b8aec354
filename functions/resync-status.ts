import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { runReport } from '../lib/reports/http';
import { ResyncJobRepository } from '../lib/resync/jobs';
import { getRuntime } from '../lib/runtime';

/** GET /api/resync/{jobId}[?user=&module=&result=]: state, progress and the report of a job or of a day's automatic run. */
export async function resyncStatus(request: HttpRequest): Promise<HttpResponseInit> {
  const rt = getRuntime();
  return runReport(request.params.jobId, request.query, { runs: rt.runs, jobs: new ResyncJobRepository(rt.tables), users: rt.users, now: () => new Date() });
}

app.http('resync-status', { methods: ['GET'], authLevel: 'function', route: 'resync/{jobId}', handler: resyncStatus });
