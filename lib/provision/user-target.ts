import { GraphApiError } from '../graph/errors';
import type { Logger } from '../log';
import type { ProvisionDeps } from './deps';
import { resolveDeprovisionTarget } from './provision';
import { refuseTargetName } from './request';

export type UserTarget = { userId: string } | { status: 400 | 404 | 502; jsonBody: { error: string } };

/**
 * The provisioned user a `manage/…` route names (object id or UPN): the id checked before any I/O,
 * then resolved; 400, 404 or 502 (Graph failed while resolving a UPN) otherwise.
 */
export async function provisionedUser(deps: ProvisionDeps, value: string, logger: Logger): Promise<UserTarget> {
  const refused = refuseTargetName('user', value, { scopes: false });
  if (refused) {
    logger.warn('user name refused', { reason: refused });
    return { status: 400, jsonBody: { error: refused } };
  }
  let target: Awaited<ReturnType<typeof resolveDeprovisionTarget>>;
  try {
    target = await resolveDeprovisionTarget(deps, value);
  } catch (err) {
    if (!(err instanceof GraphApiError)) throw err;
    logger.warn('user lookup failed', { code: err.code });
    return { status: 502, jsonBody: { error: err.message } };
  }
  if (target?.kind !== 'user') return { status: 404, jsonBody: { error: 'no provisioned user under this name' } };
  return { userId: target.userId };
}
