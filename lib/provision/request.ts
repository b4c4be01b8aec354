import { z } from 'zod';
import { describeIssues, isObjectId, userRef } from '../ids';

/** `POST /api/manage/provision` body: exactly one of the three selections. */

/** A user or group given by object id needs no directory look-up; anything else (a UPN) does. */
export { isObjectId };

/** At most this many users per request: beyond it a group or `all` is the tool. */
export const MAX_LISTED_USERS = 1000;

const Body = z
  .object({
    users: z
      .array(userRef)
      .min(1, 'users must list at least one object id or UPN')
      .max(MAX_LISTED_USERS, `users may list at most ${MAX_LISTED_USERS} entries; provision a group instead`)
      .optional(),
    groupId: z.string().trim().refine(isObjectId, 'groupId must be the group object id (a GUID)').optional(),
    all: z.literal(true, { error: 'all must be true' }).optional(),
  })
  .strict();

export type ProvisionRequest = { kind: 'users'; users: string[] } | { kind: 'group'; groupId: string } | { kind: 'all' };

const USAGE = 'the body must be exactly one of {"users": [object id or UPN, ...]}, {"groupId": "<group object id>"} or {"all": true}';

/** Never echoes values: the message names fields only, so it can be logged. */
export function parseProvisionRequest(body: unknown): { ok: true; request: ProvisionRequest } | { ok: false; error: string } {
  const parsed = Body.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === 'unrecognized_keys') return { ok: false, error: `unknown field ${issue.keys.join(', ')}; ${USAGE}` };
    if (issue.path.length === 0) return { ok: false, error: `not a JSON object; ${USAGE}` };
    return { ok: false, error: `${describeIssues(parsed.error).join('; ')}; ${USAGE}` };
  }
  const { users, groupId, all } = parsed.data;
  const chosen = [users !== undefined, groupId !== undefined, all !== undefined].filter(Boolean).length;
  if (chosen !== 1) return { ok: false, error: USAGE };
  if (users) return { ok: true, request: { kind: 'users', users: [...new Set(users)] } };
  if (groupId) return { ok: true, request: { kind: 'group', groupId: groupId.toLowerCase() } };
  return { ok: true, request: { kind: 'all' } };
}

/**
 * `DELETE manage/provision/{user}` and `GET manage/status?user=`: the name checked before any
 * look-up. Answers the refusal (naming the field), or undefined when the name is acceptable.
 */
export function refuseTargetName(field: 'user', value: string, opts: { scopes: boolean }): string | undefined {
  const trimmed = value.trim();
  if (opts.scopes && (trimmed.toLowerCase() === 'all' || /^group:/i.test(trimmed))) {
    return trimmed.toLowerCase() === 'all' || isObjectId(trimmed.slice('group:'.length)) ? undefined : `${field} group:{groupId} needs the group object id (a GUID)`;
  }
  const parsed = userRef.safeParse(value);
  if (parsed.success) return undefined;
  const usage = opts.scopes ? ', group:{groupId} or all' : '';
  return `${field} ${parsed.error.issues[0].message}${usage}`;
}
