import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { GraphApiError } from '../lib/graph/errors';
import { contextLogger } from '../lib/log';
import { deprovisionUser, DeprovisionError, removeScope, resolveDeprovisionTarget } from '../lib/provision/provision';
import { refuseTargetName } from '../lib/provision/request';
import { getRuntime } from '../lib/runtime';

/** DELETE /api/manage/provision/{user}: a user (object id or UPN), or a scope (`group:{groupId}`, `all`). */
export async function manageDeprovision(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'manage-deprovision', invocationId: context.invocationId });
  const value = request.params.user ?? '';
  const refused = refuseTargetName('user', value, { scopes: true });
  if (refused) {
    logger.warn('deprovision request refused', { reason: refused });
    return { status: 400, jsonBody: { error: refused } };
  }
  const deps = getRuntime().provisionDeps(logger);
  try {
    const target = await resolveDeprovisionTarget(deps, value);
    if (!target) return { status: 404, jsonBody: { error: 'nothing is provisioned under this name' } };
    if (target.kind === 'user') return { status: 200, jsonBody: await deprovisionUser(deps, target.userId, { exclude: true }) };
    const removed = await removeScope(deps, target.scope);
    if (!removed) return { status: 404, jsonBody: { error: 'this scope is not provisioned' } };
    logger.info('provisioning scope removed', { scope: target.scope.kind, groupId: target.scope.groupId, users: removed.users.length });
    return { status: 200, jsonBody: removed };
  } catch (err) {
    if (err instanceof DeprovisionError || err instanceof GraphApiError) {
      logger.warn('deprovision incomplete', { reason: err.message });
      return { status: 502, jsonBody: { error: err.message } };
    }
    throw err;
  }
}

app.http('manage-deprovision', { methods: ['DELETE'], authLevel: 'admin', route: 'manage/provision/{user}', handler: manageDeprovision });
