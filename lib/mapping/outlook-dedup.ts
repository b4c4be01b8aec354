/**
 * The seed's duplicate rules (SPEC §2.1–2.3) on the Outlook side, for Zoho → Outlook: before the
 * sync creates an Outlook item for a Zoho record, an Outlook item with the same key is linked
 * instead (and then only filled, never cleared: ./merge.ts linkPatch).
 *
 * One key function per module, applied to both sides through the forward mapping, so an Outlook
 * item and a Zoho record compare exactly as the forward dedup compares them:
 * - contact: e-mail address (lower-cased), else full name;
 * - task: subject + due date;
 * - event: title + start + end (as instants; all-day events by their dates).
 * Keys are strings so they can index a Map of the mailbox's items.
 */
import type { GraphContact } from '../graph/resources/contact';
import type { GraphEvent } from '../graph/resources/event';
import type { GraphTodoTask } from '../graph/resources/todo-task';
import { contactDedupKey, mapContact } from './contact';
import { eventDedupKey, mapEvent } from './event';
import { mapTask, taskDedupKey } from './task';

export function contactKeyOfRecord(record: Record<string, unknown>): string | undefined {
  const key = contactDedupKey({ record });
  if (!key) return undefined;
  return key.by === 'email' ? `email:${key.email}` : `name:${key.identity}`;
}

export function contactKeyOfOutlook(contact: GraphContact): string | undefined {
  return contactKeyOfRecord(mapContact(contact).record);
}

export function taskKeyOfRecord(record: Record<string, unknown>): string | undefined {
  const key = taskDedupKey({ record });
  return key ? `${key.subject.trim()}\u0000${key.dueDate ?? ''}` : undefined;
}

export function taskKeyOfOutlook(task: GraphTodoTask, userTimeZone?: string | null): string | undefined {
  return taskKeyOfRecord(mapTask(task, { userTimeZone }).record);
}

export function eventKeyOfRecord(record: Record<string, unknown>): string | undefined {
  const key = eventDedupKey(record);
  return key ? `${key.title}\u0000${key.start}\u0000${key.end}` : undefined;
}

export function eventKeyOfOutlook(event: GraphEvent, defaultTimeZone: string): string | undefined {
  try {
    return eventKeyOfRecord(mapEvent(event, { defaultTimeZone }).record as unknown as Record<string, unknown>);
  } catch {
    // An event without a usable start or end matches nothing.
    return undefined;
  }
}

/**
 * The Outlook item a Zoho record should be linked to, if any: the first item (in the order given)
 * with the record's key. Items already linked to another record are passed in `taken` and skipped.
 */
export function findOutlookDuplicate<T extends { id: string }>(
  recordKey: string | undefined,
  items: readonly T[],
  keyOf: (item: T) => string | undefined,
  taken: ReadonlySet<string> = new Set(),
): T | undefined {
  if (recordKey === undefined) return undefined;
  return items.find((item) => !taken.has(item.id) && keyOf(item) === recordKey);
}
