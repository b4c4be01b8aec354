import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { answerValidation, handleChangeNotifications } from '../lib/webhook/handler';
import { getWebhookRuntime } from '../lib/webhook/runtime';

export async function graphNotifications(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const req = { validationToken: request.query.get('validationToken'), bodyText: () => request.text() };
  // The handshake needs nothing else, not even settings: Graph gives it 10 s, cold start included.
  const handshake = answerValidation(req);
  if (handshake) return handshake;
  const rt = await getWebhookRuntime();
  return handleChangeNotifications(req, {
    subscriptions: rt.subscriptions,
    queue: rt.notificationQueue,
    tenantId: rt.tenantId,
    logger: contextLogger(context, { fn: 'graph-notifications' }),
  });
}

app.http('graph-notifications', { methods: ['POST'], authLevel: 'anonymous', route: 'graph/notifications', handler: graphNotifications });
