/**
 * Outlook-side operations per module for Zoho → Outlook and two-way writes, over the writer and
 * the duplicate look-up: one shape, so the executor and the two-way port stay module-agnostic.
 */
import type { TwoWayModule } from '../direction';
import type { OutlookDuplicates } from '../graph/outlook-lookup';
import type { OutlookWriter } from '../graph/outlook-writes';
import type { ZohoRecord } from '../zoho/types';

export interface OutlookOps {
  /** the Graph item inside the forward adapter's item */
  unwrap(item: unknown): unknown;
  /** the scope a forward read of the item needs (To Do: the list it is in; the default list when unknown) */
  scope(userId: string, item?: unknown): Promise<string | undefined>;
  /** the container the forward adapter's item says it is in (To Do: its list), kept on the reverse index row */
  containerOf(item: unknown): string | undefined;
  find(userId: string, record: ZohoRecord, tz: string | undefined): Promise<{ id: string; item: unknown } | undefined>;
  create(userId: string, body: Record<string, unknown>): Promise<string>;
  /** `item`: the forward adapter's item, when known (a To Do task may live in another list than the default) */
  update(userId: string, graphId: string, body: Record<string, unknown>, item?: unknown): Promise<void>;
  /** `item`: as for update. false: Graph answered 404 (nothing was deleted there). */
  remove(userId: string, graphId: string, item?: unknown): Promise<boolean>;
}

const listOf = (item: unknown): string | undefined => (item as { listId?: string } | undefined)?.listId;

export function outlookOps(module: TwoWayModule, deps: { writer: OutlookWriter; duplicates: OutlookDuplicates }): OutlookOps {
  const { writer, duplicates } = deps;
  // A To Do task is addressed in its own list; one read without its list is in the default one.
  const listFor = async (userId: string, item: unknown): Promise<string> => listOf(item) ?? writer.defaultListId(userId);
  switch (module) {
    case 'contacts':
      return {
        unwrap: (i) => (i as { contact: unknown }).contact,
        scope: async () => undefined,
        containerOf: () => undefined,
        find: async (userId, record) => {
          const hit = await duplicates.contact(userId, record);
          return hit && { id: hit.id, item: hit };
        },
        create: async (userId, body) => (await writer.createContact(userId, body)).id,
        update: async (userId, id, body) => void (await writer.updateContact(userId, id, body)),
        remove: (userId, id) => writer.deleteContact(userId, id),
      };
    case 'tasks':
      return {
        unwrap: (i) => (i as { task: unknown }).task,
        scope: listFor,
        containerOf: listOf,
        find: async (userId, record, tz) => {
          const hit = await duplicates.task(userId, record, tz);
          return hit && { id: hit.id, item: hit };
        },
        create: async (userId, body) => (await writer.createTask(userId, body)).id,
        update: async (userId, id, body, item) => void (await writer.updateTask(userId, await listFor(userId, item), id, body)),
        remove: async (userId, id, item) => writer.deleteTask(userId, await listFor(userId, item), id),
      };
    case 'events':
      return {
        unwrap: (i) => (i as { event: unknown }).event,
        scope: async () => undefined,
        containerOf: () => undefined,
        find: async (userId, record, tz) => {
          const hit = await duplicates.event(userId, record, tz ?? 'UTC');
          return hit && { id: hit.id, item: hit };
        },
        create: async (userId, body) => (await writer.createEvent(userId, body)).id,
        update: async (userId, id, body) => void (await writer.updateEvent(userId, id, body)),
        remove: (userId, id) => writer.deleteEvent(userId, id),
      };
  }
}
