import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { GraphApiError } from '../lib/graph/errors';
import { contextLogger } from '../lib/log';
import { resolveDeprovisionTarget } from '../lib/provision/provision';
import { getRuntime } from '../lib/runtime';
import { describeModes, overridesError, overridesFrom, UserOverridesInput } from '../lib/sync/user-modes';

/**
 * PUT /api/manage/users/{user} `{ contacts?, tasks?, events?: category|all|off|manual, mail?: contacts,leads|contacts|leads|off }`:
 * the user's overrides of the tenant settings (absent or null = the tenant setting). Replaces the
 * user's whole set; `{}` goes back to the tenant settings.
 */
export async function manageUsers(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const logger = contextLogger(context, { fn: 'manage-users', invocationId: context.invocationId });
  const value = request.params.user ?? '';
  if (value.trim() === '' || value.length > 320) return { status: 400, jsonBody: { error: 'name a provisioned user (object id or UPN)' } };
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return { status: 400, jsonBody: { error: 'the body must be JSON: {"contacts": "manual", "mail": "off", ...}' } };
  }
  const parsed = UserOverridesInput.safeParse(body);
  if (!parsed.success) {
    const error = overridesError(parsed.error);
    logger.warn('user settings refused', { reason: error });
    return { status: 400, jsonBody: { error } };
  }
  const rt = getRuntime();
  const deps = rt.provisionDeps(logger);
  let target: Awaited<ReturnType<typeof resolveDeprovisionTarget>>;
  try {
    target = await resolveDeprovisionTarget(deps, value);
  } catch (err) {
    if (!(err instanceof GraphApiError)) throw err;
    logger.warn('user lookup failed', { code: err.code });
    return { status: 502, jsonBody: { error: err.message } };
  }
  if (target?.kind !== 'user') return { status: 404, jsonBody: { error: 'no provisioned user under this name' } };
  const overrides = overridesFrom(parsed.data);
  await rt.userSettings.put(target.userId, overrides, new Date());
  // This instance sees the change at once; others within the cache's minute.
  rt.overrides.invalidate(target.userId.toLowerCase());
  logger.info('user settings saved', { modules: Object.keys(overrides) });
  return { status: 200, jsonBody: { user: target.userId, overrides, settings: describeModes(rt.config, overrides) } };
}

app.http('manage-users', { methods: ['PUT'], authLevel: 'admin', route: 'manage/users/{user}', handler: manageUsers });
