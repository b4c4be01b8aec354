/**
 * The Outlook item a Zoho record should be linked to instead of creating a second one (the seed's
 * duplicate rules, SPEC §2.1–2.3, on the Outlook side; keys in lib/mapping/outlook-dedup.ts).
 * Asked per record with a narrow query, so a look-up costs one or two Graph calls, not a listing
 * of the mailbox:
 * - contact: by e-mail (`emailAddresses/any`), else by surname, in the folder the sync writes to
 *   and then the mailbox's Contacts folder; the full-name rule is then applied locally;
 * - task: by title in the default To Do list, due date compared locally;
 * - event: calendarView over the record's own start–end, title/start/end compared locally.
 * Items in `taken` (already linked to another record) are skipped.
 */
import { z } from 'zod';
import type { GraphApi } from './client';
import { graphPath, IMMUTABLE_ID_PREFER } from './path';
import { CONTACT_EXPAND, CONTACT_SELECT, contactSchema, type GraphContact } from './resources/contact';
import { eventSchema, type GraphEvent } from './resources/event';
import { todoTaskSchema, type GraphTodoTask } from './resources/todo-task';
import type { OutlookWriter } from './outlook-writes';
import { contactKeyOfOutlook, contactKeyOfRecord, eventKeyOfOutlook, eventKeyOfRecord, findOutlookDuplicate, taskKeyOfOutlook, taskKeyOfRecord } from '../mapping/outlook-dedup';
import { instantFromIso } from '../mapping/timezones';

const IMMUTABLE = { Prefer: IMMUTABLE_ID_PREFER };

/** An OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function all<T>(graph: GraphApi, path: string, schema: z.ZodType<T>, query: Record<string, string>, max = 200): Promise<T[]> {
  const out: T[] = [];
  for await (const page of graph.pages(path, schema, { query, headers: IMMUTABLE })) {
    out.push(...page);
    if (out.length >= max) break;
  }
  return out;
}

export class OutlookDuplicates {
  constructor(private readonly graph: GraphApi, private readonly writer: OutlookWriter) {}

  async contact(userId: string, record: Record<string, unknown>, taken: ReadonlySet<string> = new Set()): Promise<GraphContact | undefined> {
    const key = contactKeyOfRecord(record);
    if (!key) return undefined;
    const email = typeof record.Email === 'string' ? record.Email.trim() : '';
    const surname = typeof record.Last_Name === 'string' ? record.Last_Name.trim() : '';
    const filter = key.startsWith('email:')
      ? `emailAddresses/any(a:a/address eq ${odataString(email)})`
      : `surname eq ${odataString(surname)}`;
    const query = { $filter: filter, $select: CONTACT_SELECT, $expand: CONTACT_EXPAND };
    const folderId = await this.writer.contactFolderId(userId);
    const paths = folderId ? [graphPath`/users/${userId}/contactFolders/${folderId}/contacts`, graphPath`/users/${userId}/contacts`] : [graphPath`/users/${userId}/contacts`];
    for (const path of paths) {
      const hit = findOutlookDuplicate(key, await all(this.graph, path, contactSchema, query), contactKeyOfOutlook, taken);
      if (hit) return hit;
    }
    return undefined;
  }

  async task(userId: string, record: Record<string, unknown>, timeZone?: string | null, taken: ReadonlySet<string> = new Set()): Promise<(GraphTodoTask & { listId: string }) | undefined> {
    const key = taskKeyOfRecord(record);
    if (!key || typeof record.Subject !== 'string') return undefined;
    const listId = await this.writer.defaultListId(userId);
    const items = await all(this.graph, graphPath`/users/${userId}/todo/lists/${listId}/tasks`, todoTaskSchema, { $filter: `title eq ${odataString(record.Subject.trim())}` });
    const hit = findOutlookDuplicate(key, items, (t) => taskKeyOfOutlook(t, timeZone), taken);
    return hit ? { ...hit, listId } : undefined;
  }

  async event(userId: string, record: Record<string, unknown>, timeZone: string, taken: ReadonlySet<string> = new Set()): Promise<GraphEvent | undefined> {
    const key = eventKeyOfRecord(record);
    const start = instantFromIso(typeof record.Start_DateTime === 'string' ? record.Start_DateTime : undefined);
    const end = instantFromIso(typeof record.End_DateTime === 'string' ? record.End_DateTime : undefined);
    if (!key || start === undefined || end === undefined) return undefined;
    // calendarView needs a non-empty window that the event overlaps; a zero-length event gets a second.
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const items = await all(this.graph, graphPath`/users/${userId}/calendarView`, eventSchema, { startDateTime: iso(start), endDateTime: iso(Math.max(end, start + 1000)) });
    return findOutlookDuplicate(key, items, (e) => eventKeyOfOutlook(e, timeZone), taken);
  }
}
