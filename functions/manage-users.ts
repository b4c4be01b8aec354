import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { provisionedUser } from '../lib/provision/user-target';
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
  const target = await provisionedUser(deps, value, logger);
  if (!('userId' in target)) return target;
  const overrides = overridesFrom(parsed.data);
  await rt.userSettings.put(target.userId, overrides, new Date());
  // This instance sees the change at once; others within the cache's minute.
  rt.overrides.invalidate(target.userId.toLowerCase());
  logger.info('user settings saved', { modules: Object.keys(overrides) });
  return { status: 200, jsonBody: { user: target.userId, overrides, settings: describeModes(rt.config, overrides) } };
}

app.http('manage-users', { methods: ['PUT'], authLevel: 'admin', route: 'manage/users/{user}', handler: manageUsers });
