/**
 * Deleted records (record.json `GET /crm/v8/{module}/deleted`; zoho.md §2): what the sweep reads to
 * repair a lost delete callback. `type=all` lists the recycle bin (60 days) and permanently deleted
 * records (120 days); `If-Modified-Since` narrows the list to deletions after that time. Pages of
 * up to 200, newest first; 204 when none.
 */
import { z } from 'zod';
import type { ZohoHttp } from './http';
import { assertModule } from './records';
import { parseOrThrow } from './schemas';
import { zohoTimestamp } from './watch';

export interface DeletedRecord {
  id: string;
  /** ISO with offset, as Zoho gives it */
  deletedTime?: string;
  /** recycle | permanent */
  type?: string;
}

const deletedAnswer = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), deleted_time: z.string().nullish(), type: z.string().nullish() })),
  info: z.looseObject({ more_records: z.boolean().nullish() }).nullish(),
});

/** Pages are read until Zoho says there are no more, or `maxRecords` is reached. */
export async function getDeletedRecords(
  http: ZohoHttp,
  module: string,
  opts: { since?: string; maxRecords?: number } = {},
): Promise<DeletedRecord[]> {
  const path = `/${assertModule(module)}/deleted`;
  const out: DeletedRecord[] = [];
  const max = opts.maxRecords ?? 2000;
  for (let page = 1; out.length < max; page++) {
    const res = await http.send({
      method: 'GET',
      path,
      query: { type: 'all', page, per_page: 200 },
      headers: opts.since ? { 'If-Modified-Since': zohoTimestamp(opts.since) } : undefined,
    });
    if (res.status === 204 || res.status === 304 || res.body === undefined) break;
    const answer = parseOrThrow(deletedAnswer, res.body, `GET /crm/v8${path}`, res.status);
    for (const r of answer.data) out.push({ id: r.id, deletedTime: r.deleted_time ?? undefined, type: r.type ?? undefined });
    if (answer.info?.more_records !== true || answer.data.length === 0) break;
  }
  return out.slice(0, max);
}
