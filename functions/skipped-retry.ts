import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { retrySkipped } from '../lib/reports/http';
import { getRuntime } from '../lib/runtime';

/** POST /api/skipped/retry `{ items: [{ user, module, itemId }] }`: a resync job retrying exactly those items. */
export async function skippedRetry(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const rt = getRuntime();
  const deps = { skipped: rt.skipped, users: rt.users, runs: rt.runs, resyncQueue: rt.resyncQueue, now: () => new Date() };
  return retrySkipped(await request.text(), deps, contextLogger(context, { fn: 'skipped-retry', invocationId: context.invocationId }));
}

app.http('skipped-retry', { methods: ['POST'], authLevel: 'function', route: 'skipped/retry', handler: skippedRetry });
