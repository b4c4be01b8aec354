import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { provisioningStatus } from '../lib/provision/status';
import { provisionedUser } from '../lib/provision/user-target';
import { getRuntime } from '../lib/runtime';

/** GET /api/manage/status[?user=id-or-upn]: users, subscriptions, expiries, last notification, last error. */
export async function manageStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'manage-status', invocationId: context.invocationId });
  const wanted = request.query.get('user');
  const rt = getRuntime();
  const deps = rt.provisionDeps(logger);
  let userId: string | undefined;
  if (wanted !== null) {
    const target = await provisionedUser(deps, wanted, logger);
    if (!('userId' in target)) return target;
    userId = target.userId;
  }
  return { status: 200, jsonBody: await provisioningStatus({ ...deps, settings: { config: rt.config, overrides: rt.userSettings } }, { userId }) };
}

app.http('manage-status', { methods: ['GET'], authLevel: 'admin', route: 'manage/status', handler: manageStatus });
