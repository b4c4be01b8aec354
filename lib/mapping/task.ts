/**
 * Microsoft To Do task → Zoho CRM Tasks record (SPEC §2.2).
 *
 * Same clearing rule as contacts: every mapped field is always sent, null when empty in Outlook.
 * The start date is not mapped. Priority and Status are written with the org's own pick-list
 * values, so an org that renamed them still gets a value Zoho accepts.
 */
import { TODO_IMPORTANCES, TODO_STATUSES, type GraphTodoTask, type TodoImportance, type TodoStatus } from '../graph/resources/todo-task';
import type { GraphDateTimeTimeZone } from '../graph/resources/common';
import { choosePickListValue, cleanText, DEFAULT_TASK_PRIORITIES, DEFAULT_TASK_STATUSES, type FieldRules, RecordBuilder } from './fields';
import { bodyToText } from './text';
import { instantFromIso, resolveTimeZone, toZohoDateTime, wallClockToInstant } from './timezones';

export const TASKS_MODULE = 'Tasks';

export interface MapTaskOptions {
  rules?: FieldRules;
  /** the mailbox user's zone (mailboxSettings.timeZone: Windows or IANA name) */
  userTimeZone?: string | null;
  /** Zoho user id for Owner */
  ownerId?: string | null;
}

export interface MappedTask {
  record: Record<string, unknown>;
  cutFields: string[];
  warnings: string[];
  /** set when the task cannot be written at all; the engine records the item as skipped */
  skipReason?: string;
}

/** The Zoho default first, then what orgs commonly call the same thing. */
export const PRIORITY_CANDIDATES: Record<TodoImportance, string[]> = {
  high: ['High', 'Highest', 'Urgent', 'Important'],
  normal: ['Normal', 'Medium', 'Moderate'],
  low: ['Low', 'Lowest'],
};

export const STATUS_CANDIDATES: Record<TodoStatus, string[]> = {
  notStarted: ['Not Started', 'Open', 'New', 'To Do'],
  inProgress: ['In Progress', 'Started', 'Ongoing', 'Working'],
  completed: ['Completed', 'Complete', 'Done', 'Closed', 'Finished'],
  waitingOnOthers: ['Waiting for input', 'Waiting on someone else', 'Waiting for others', 'Waiting', 'On Hold'],
  deferred: ['Deferred', 'Postponed', 'On Hold'],
};

function known<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

function pick(
  b: RecordBuilder,
  apiName: 'Priority' | 'Status',
  defaults: readonly string[],
  outlookValue: string,
  candidates: readonly string[],
): void {
  const pickList = b.rule(apiName).pickList ?? defaults;
  const choice = choosePickListValue(pickList, candidates);
  if (choice.via === 'fallback') {
    b.warn(`${apiName}: the org's pick list has no value for Outlook's "${outlookValue}"; used "${choice.value}"`);
  } else if (choice.via === 'none') {
    b.warn(`${apiName}: the org's pick list has no usable value; left empty`);
  }
  b.set(apiName, choice.value);
}

/**
 * Graph gives a due date as a wall-clock time plus a zone, and To Do clients disagree on which
 * midnight they store: the user's local midnight (converted to UTC, e.g. 04:00Z for New York) or
 * midnight UTC of the chosen day. The day is the one on which the value is a midnight — in the
 * user's zone first, else as written — and otherwise the user's local date.
 */
export function dueDate(
  due: GraphDateTimeTimeZone | null | undefined,
  userTimeZone: string | null | undefined,
): { date: string | null; warnings: string[] } {
  const warnings: string[] = [];
  const dateTime = due?.dateTime?.trim();
  if (!dateTime) return { date: null, warnings };
  const written = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(dateTime);
  let instant: Date | undefined;
  if (written) {
    const withOffset = instantFromIso(dateTime);
    if (withOffset !== undefined) {
      instant = new Date(withOffset);
    } else {
      const source = resolveTimeZone(due?.timeZone ?? 'UTC');
      if (!source) warnings.push('Due_Date: unknown time zone on the Outlook due date; read as UTC');
      try {
        instant = wallClockToInstant(dateTime, source ?? 'UTC');
      } catch {
        instant = undefined;
      }
    }
  }
  if (!written || !instant) {
    warnings.push('Due_Date: the Outlook due date is not a date; not synced');
    return { date: null, warnings };
  }
  const writtenDate = written[1]!;
  const writtenMidnight = [written[2], written[3], written[4]].every((part) => part === undefined || Number(part) === 0);

  const user = resolveTimeZone(userTimeZone);
  if (!user) {
    if (userTimeZone) warnings.push('Due_Date: unknown mailbox time zone; used the date as Outlook wrote it');
    return { date: writtenDate, warnings };
  }
  const local = toZohoDateTime(instant, user);
  const localDate = local.slice(0, 10);
  const localMidnight = local.slice(11, 19) === '00:00:00';
  if (localMidnight || !writtenMidnight) return { date: localDate, warnings };
  return { date: writtenDate, warnings };
}

export function mapTask(task: GraphTodoTask, options: MapTaskOptions = {}): MappedTask {
  const b = new RecordBuilder(TASKS_MODULE, options.rules);

  const subject = b.text('Subject', task.title);

  const due = dueDate(task.dueDateTime, options.userTimeZone);
  for (const w of due.warnings) b.warn(w);
  b.set('Due_Date', due.date);

  // Graph's own defaults when the property is missing: normal importance, not started.
  const importance = cleanText(task.importance) ?? 'normal';
  if (known(TODO_IMPORTANCES, importance)) {
    pick(b, 'Priority', DEFAULT_TASK_PRIORITIES, importance, PRIORITY_CANDIDATES[importance]);
  } else {
    b.warn(`Priority: unknown Outlook importance "${importance}"; treated as normal`);
    pick(b, 'Priority', DEFAULT_TASK_PRIORITIES, 'normal', PRIORITY_CANDIDATES.normal);
  }

  const status = cleanText(task.status) ?? 'notStarted';
  if (known(TODO_STATUSES, status)) {
    pick(b, 'Status', DEFAULT_TASK_STATUSES, status, STATUS_CANDIDATES[status]);
  } else {
    b.warn(`Status: unknown Outlook status "${status}"; treated as not started`);
    pick(b, 'Status', DEFAULT_TASK_STATUSES, 'notStarted', STATUS_CANDIDATES.notStarted);
  }

  b.text('Description', bodyToText(task.body));

  if (options.ownerId) b.set('Owner', { id: options.ownerId });

  const result: MappedTask = { record: b.record, cutFields: b.cutFields, warnings: b.warnings };
  if (subject === null) result.skipReason = 'Subject: the task has no title; Zoho requires a subject';
  return result;
}

export interface TaskDedupKey {
  subject: string;
  /** `yyyy-MM-dd`, or null for a task without a due date */
  dueDate: string | null;
}

/**
 * SPEC §2.2 duplicate rule: subject and due date both match. Built from the mapped record so it
 * compares with what is stored in Zoho (a cut subject included). Null without a subject.
 */
export function taskDedupKey(mapped: Pick<MappedTask, 'record'>): TaskDedupKey | null {
  const subject = mapped.record.Subject;
  if (typeof subject !== 'string' || subject === '') return null;
  const due = mapped.record.Due_Date;
  return { subject, dueDate: typeof due === 'string' ? due : null };
}
