import { z } from 'zod';

/** `POST /api/manage/provision` body: exactly one of the three selections. */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user or group given by object id needs no directory look-up; anything else (a UPN) does. */
export function isObjectId(value: string): boolean {
  return GUID.test(value);
}

/** At most this many users per request: beyond it a group or `all` is the tool. */
export const MAX_LISTED_USERS = 1000;

const Body = z
  .object({
    users: z
      .array(z.string().trim().min(1, 'a user must not be empty').max(320, 'a user is an object id or a UPN (at most 320 characters)'))
      .min(1, 'users must list at least one object id or UPN')
      .max(MAX_LISTED_USERS, `users may list at most ${MAX_LISTED_USERS} entries; provision a group instead`)
      .optional(),
    groupId: z.string().trim().regex(GUID, 'groupId must be the group object id (a GUID)').optional(),
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
    return { ok: false, error: `${issue.path.join('.')}: ${issue.message}; ${USAGE}` };
  }
  const { users, groupId, all } = parsed.data;
  const chosen = [users !== undefined, groupId !== undefined, all !== undefined].filter(Boolean).length;
  if (chosen !== 1) return { ok: false, error: USAGE };
  if (users) return { ok: true, request: { kind: 'users', users: [...new Set(users)] } };
  if (groupId) return { ok: true, request: { kind: 'group', groupId: groupId.toLowerCase() } };
  return { ok: true, request: { kind: 'all' } };
}
