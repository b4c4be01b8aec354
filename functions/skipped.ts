import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { skippedItems } from '../lib/reports/http';
import { getRuntime } from '../lib/runtime';

/** GET /api/skipped[?user=&module=&top=&continuationToken=]: the items the sync could not apply, with reasons. */
export async function skipped(request: HttpRequest): Promise<HttpResponseInit> {
  const rt = getRuntime();
  return skippedItems(request.query, { skipped: rt.skipped, users: rt.users });
}

app.http('skipped', { methods: ['GET'], authLevel: 'function', route: 'skipped', handler: skipped });
