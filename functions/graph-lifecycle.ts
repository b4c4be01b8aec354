import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { getRuntime } from '../lib/runtime';
import { answerValidation, handleLifecycleNotifications } from '../lib/webhook/handler';

export async function graphLifecycle(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const req = { validationToken: request.query.get('validationToken'), bodyText: () => request.text() };
  const handshake = answerValidation(req);
  if (handshake) return handshake;
  const rt = getRuntime();
  return handleLifecycleNotifications(req, {
    subscriptions: rt.subscriptionLookup,
    queue: rt.lifecycleQueue,
    tenantId: rt.config.GRAPH_TENANT_ID,
    logger: contextLogger(context, { fn: 'graph-lifecycle' }),
  });
}

app.http('graph-lifecycle', { methods: ['POST'], authLevel: 'anonymous', route: 'graph/lifecycle', handler: graphLifecycle });
