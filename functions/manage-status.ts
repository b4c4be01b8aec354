import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { GraphApiError } from '../lib/graph/errors';
import { contextLogger } from '../lib/log';
import { resolveDeprovisionTarget } from '../lib/provision/provision';
import { provisioningStatus } from '../lib/provision/status';
import { refuseTargetName } from '../lib/provision/request';
import { getRuntime } from '../lib/runtime';

/** GET /api/manage/status[?user=id-or-upn]: users, subscriptions, expiries, last notification, last error. */
export async function manageStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'manage-status', invocationId: context.invocationId });
  const wanted = request.query.get('user');
  const refused = wanted === null ? undefined : refuseTargetName('user', wanted, { scopes: false });
  if (refused) {
    logger.warn('status request refused', { reason: refused });
    return { status: 400, jsonBody: { error: refused } };
  }
  const deps = getRuntime().provisionDeps(logger);
  let userId: string | undefined;
  if (wanted !== null) {
    let target: Awaited<ReturnType<typeof resolveDeprovisionTarget>>;
    try {
      target = await resolveDeprovisionTarget(deps, wanted);
    } catch (err) {
      if (!(err instanceof GraphApiError)) throw err;
      logger.warn('status lookup failed', { code: err.code });
      return { status: 502, jsonBody: { error: err.message } };
    }
    if (target?.kind !== 'user') return { status: 404, jsonBody: { error: 'no provisioned user under this name' } };
    userId = target.userId;
  }
  return { status: 200, jsonBody: await provisioningStatus(deps, { userId }) };
}

app.http('manage-status', { methods: ['GET'], authLevel: 'admin', route: 'manage/status', handler: manageStatus });
