import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { answerValidation, handleLifecycleNotifications } from '../lib/webhook/handler';
import { getWebhookRuntime } from '../lib/webhook/runtime';

export async function graphLifecycle(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const req = { validationToken: request.query.get('validationToken'), bodyText: () => request.text() };
  const handshake = answerValidation(req);
  if (handshake) return handshake;
  const rt = await getWebhookRuntime();
  return handleLifecycleNotifications(req, {
    subscriptions: rt.subscriptions,
    queue: rt.lifecycleQueue,
    tenantId: rt.tenantId,
    logger: contextLogger(context, { fn: 'graph-lifecycle' }),
  });
}

app.http('graph-lifecycle', { methods: ['POST'], authLevel: 'anonymous', route: 'graph/lifecycle', handler: graphLifecycle });
