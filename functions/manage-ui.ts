import { randomBytes } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getConfig } from '../lib/config';
import { contextLogger } from '../lib/log';
import { checkRole } from '../lib/manage/principal';
import { contentSecurityPolicy, renderPage } from '../lib/manage/ui-page';

/** GET /api/manage/ui: the admin page (admin key; in Azure also an Entra sign-in with MANAGE_UI_ROLE). */
export async function manageUi(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const config = getConfig();
  const role = checkRole(request.headers.get('x-ms-client-principal'), config.MANAGE_UI_ROLE);
  if (!role.ok) {
    contextLogger(context, { fn: 'manage-ui' }).warn('admin page refused', { status: role.status });
    return { status: role.status, body: role.reason, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } };
  }
  const nonce = randomBytes(16).toString('base64');
  return {
    status: 200,
    body: renderPage({ nonce, telemetryUrl: config.TELEMETRY_PORTAL_URL }),
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': contentSecurityPolicy(nonce),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    },
  };
}

app.http('manage-ui', { methods: ['GET'], authLevel: 'admin', route: 'manage/ui', handler: manageUi });
