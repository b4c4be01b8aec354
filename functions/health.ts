import { app, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { checkHealth, type HealthAnswer } from '../lib/ops/health';
import { getRuntime, type Runtime } from '../lib/runtime';

/** Availability tests call from several places every few minutes; one real check per 10 s is plenty. */
const REUSE_MS = 10_000;
const recent = new WeakMap<Runtime, { at: number; answer: Promise<HealthAnswer> }>();

function healthOf(rt: Runtime): Promise<HealthAnswer> {
  const cached = recent.get(rt);
  if (cached && Date.now() - cached.at < REUSE_MS) return cached.answer;
  const answer = checkHealth({
    pingStorage: async () => {
      const table = await rt.tables.table('provisioning');
      await table.listEntities({ queryOptions: { select: ['RowKey'] } }).byPage({ maxPageSize: 1 }).next();
    },
    zohoToken: () => rt.zoho.http.accessToken(),
    subscriptions: () => rt.subscriptions.list(),
    users: () => rt.users.list(),
    oldestQueued: () => rt.syncQueue.oldestInsertedAt(),
    now: () => new Date(),
    queueMaxAgeSeconds: rt.config.HEALTH_QUEUE_MAX_AGE_SECONDS,
    notificationMaxAgeHours: rt.config.HEALTH_NOTIFICATION_MAX_AGE_HOURS,
  });
  recent.set(rt, { at: Date.now(), answer });
  return answer;
}

/** GET /api/health (anonymous): 200 when every check passes, 503 with the failing checks otherwise. */
export async function health(_request: unknown, context: InvocationContext): Promise<HttpResponseInit> {
  const answer = await healthOf(getRuntime());
  if (answer.failing.length) contextLogger(context, { fn: 'health' }).warn('health check failing', { failing: answer.failing.join(',') });
  return { status: answer.status === 'healthy' ? 200 : 503, jsonBody: answer, headers: { 'Cache-Control': 'no-store' } };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
