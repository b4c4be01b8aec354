/**
 * `POST /api/resync`: the request body, checked with zod, and the job message it becomes.
 * Everything else happens in the resync worker; the HTTP function only validates and queues.
 */
import { z } from 'zod';
import { describeIssues, graphItemId, userRef } from '../ids';
import { SYNC_MODULES } from '../modules';
import type { ResyncJobMessage } from '../sync/messages';

const MAX_USERS = 10_000;
const MAX_RETRY_IDS = 1_000;

export const ResyncRequest = z
  .object({
    /** user object ids or UPNs; absent = every provisioned user */
    users: z.array(userRef).min(1, 'users must list at least one user (leave it out for every provisioned user)').max(MAX_USERS).optional(),
    modules: z.array(z.enum(SYNC_MODULES, { error: `each module must be one of ${SYNC_MODULES.join(', ')}` })).min(1, 'modules must list at least one module (leave it out for all)').optional(),
    /** `preview`: what `full` would do, reported without writing anything (lib/resync/preview.ts) */
    mode: z.enum(['delta', 'full', 'preview'], { error: 'mode must be "delta", "full" or "preview"' }).default('delta'),
    /**
     * Items skipped in the previous run are retried by every resync (SPEC §2.6). `false` leaves
     * them alone; a list of item ids retries only those items, without reading anything else.
     */
    retrySkipped: z.union([z.boolean(), z.array(graphItemId).min(1).max(MAX_RETRY_IDS)], { error: 'retrySkipped must be true, false, or a list of item ids' }).optional(),
    force: z.boolean({ error: 'force must be true or false' }).optional(),
  })
  .strict();
export type ResyncRequest = z.infer<typeof ResyncRequest>;

export type ParsedRequest = { ok: true; request: ResyncRequest } | { ok: false; error: string };

/** An empty body means "everything, by delta". Problems are listed by field, never echoing values. */
export function parseResyncRequest(bodyText: string): ParsedRequest {
  let json: unknown = {};
  if (bodyText.trim() !== '') {
    try {
      json = JSON.parse(bodyText);
    } catch {
      return { ok: false, error: 'The body is not valid JSON.' };
    }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, error: 'The body must be a JSON object.' };
  const parsed = ResyncRequest.safeParse(json);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    return { ok: false, error: `Invalid resync request: ${problems.join('; ')}.` };
  }
  const users = parsed.data.users ? [...new Set(parsed.data.users)] : undefined;
  const modules = parsed.data.modules ? [...new Set(parsed.data.modules)] : undefined;
  return { ok: true, request: { ...parsed.data, users, modules } };
}

export function jobMessage(jobId: string, request: ResyncRequest, reason = 'request'): ResyncJobMessage {
  return {
    v: 1,
    jobId,
    users: request.users,
    modules: request.modules,
    mode: request.mode,
    retrySkipped: request.retrySkipped,
    force: request.force,
    reason,
  };
}
