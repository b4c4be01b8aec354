import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { getRuntime } from '../lib/runtime';
import { handleZohoCallback } from '../lib/zohofeed/callback';
import { ZOHO_NOTIFICATION_ROUTE } from '../lib/zohofeed/channel';

/** Zoho watch callbacks: anonymous, authenticated by the per-channel token in the body. */
export async function zohoNotifications(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const rt = getRuntime();
  return handleZohoCallback(() => request.text(), {
    channels: rt.zohoChannels,
    queue: rt.zohoChangesQueue,
    logger: contextLogger(context, { fn: 'zoho-notifications' }),
  });
}

app.http('zoho-notifications', { methods: ['POST'], authLevel: 'anonymous', route: ZOHO_NOTIFICATION_ROUTE, handler: zohoNotifications });
