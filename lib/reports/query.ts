/**
 * Query strings of the reports API (`GET resync/{jobId}[?items=]`, `resync/{jobId}/items`, `skipped`) and
 * the body of `POST skipped/retry`, parsed with zod. Problems are named by field, values never echoed.
 */
import { z } from 'zod';
import { SYNC_MODULES } from '../modules';
import type { ItemResult } from '../state/runs';

const RESULTS = ['added', 'updated', 'deleted', 'unchanged', 'skipped'] as const satisfies readonly ItemResult[];

const blank = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);

export const ReportQuery = z.object({
  /** object id or UPN of a provisioned user */
  user: z.preprocess(blank, z.string().trim().max(256, 'user is at most 256 characters').optional()),
  module: z.preprocess(blank, z.enum(SYNC_MODULES, { error: `module must be one of ${SYNC_MODULES.join(', ')}` }).optional()),
  result: z.preprocess(blank, z.enum(RESULTS, { error: `result must be one of ${RESULTS.join(', ')}` }).optional()),
  /** `GET resync/{jobId}`: a page of the lines with the counts (`all` or one result) */
  items: z.preprocess(blank, z.enum(['all', ...RESULTS], { error: `items must be all or one of ${RESULTS.join(', ')}` }).optional()),
  top: z.preprocess(blank, z.coerce.number({ error: 'top must be a number' }).int('top must be a whole number').min(1, 'top must be at least 1').max(1000, 'top must be at most 1000').default(100)),
  continuationToken: z.preprocess(blank, z.string().max(4096, 'continuationToken is too long').optional()),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

export const RetryRequest = z
  .object({
    items: z
      .array(
        z
          .object({
            user: z.string().trim().min(1, 'user must not be empty').max(256),
            module: z.enum(SYNC_MODULES, { error: `module must be one of ${SYNC_MODULES.join(', ')}` }),
            itemId: z.string().trim().min(1, 'itemId must not be empty').max(1024),
          })
          .strict(),
      )
      .min(1, 'items must list at least one skipped item')
      .max(1000, 'items lists at most 1000 items'),
  })
  .strict();
export type RetryRequest = z.infer<typeof RetryRequest>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function problems(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      const where = issue.path.map(String).join('.');
      return where && !issue.message.startsWith(String(issue.path[issue.path.length - 1])) ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

export function parseReportQuery(query: URLSearchParams): Parsed<ReportQuery> {
  const parsed = ReportQuery.safeParse(Object.fromEntries(['user', 'module', 'result', 'items', 'top', 'continuationToken'].map((k) => [k, query.get(k)])));
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `Invalid query: ${problems(parsed.error)}.` };
}

export function parseRetryRequest(bodyText: string): Parsed<RetryRequest> {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return { ok: false, error: 'The body is not valid JSON.' };
  }
  const parsed = RetryRequest.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `Invalid retry request: ${problems(parsed.error)}.` };
}
