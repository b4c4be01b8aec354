import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { startResync } from '../lib/resync/http';
import { getRuntime } from '../lib/runtime';

/** POST /api/resync: validates the request and queues the job; 202 with `{ jobId }` and a Location. */
export async function resync(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const rt = getRuntime();
  return startResync(await request.text(), { runs: rt.runs, resyncQueue: rt.resyncQueue, now: () => new Date() }, contextLogger(context, { fn: 'resync', invocationId: context.invocationId }));
}

app.http('resync', { methods: ['POST'], authLevel: 'function', route: 'resync', handler: resync });
