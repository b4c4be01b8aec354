/**
 * Zoho CRM Tasks record → Microsoft To Do task (SPEC §2.2 read backwards), and the neutral values
 * for the merge. Priority and Status are compared as concepts (To Do's importance and status
 * names), because the org's pick-list words differ from Outlook's and from org to org.
 */
import { TODO_IMPORTANCES, TODO_STATUSES, type GraphTodoTask, type TodoImportance, type TodoStatus } from '../graph/resources/todo-task';
import { choosePickListValue, cleanText, DEFAULT_TASK_PRIORITIES, DEFAULT_TASK_STATUSES, fieldRule, pickKey, type FieldRules } from './fields';
import type { FieldValues } from './merge';
import { zohoText, type ReverseOptions } from './reverse-contact';
import { mapTask, PRIORITY_CANDIDATES, STATUS_CANDIDATES, TASKS_MODULE } from './task';

export const TASK_VALUE_FIELDS = ['Subject', 'Due_Date', 'Priority', 'Status', 'Description'] as const;

function conceptOf<T extends string>(value: string | null, concepts: readonly T[], candidates: Record<T, string[]>, fallback: T): T {
  if (value === null) return fallback;
  const key = pickKey(value);
  return concepts.find((c) => candidates[c].some((word) => pickKey(word) === key)) ?? fallback;
}

export function importanceOf(zohoPriority: string | null): TodoImportance {
  return conceptOf(zohoPriority, TODO_IMPORTANCES, PRIORITY_CANDIDATES, 'normal');
}

export function todoStatusOf(zohoStatus: string | null): TodoStatus {
  return conceptOf(zohoStatus, TODO_STATUSES, STATUS_CANDIDATES, 'notStarted');
}

export function taskValuesFromZoho(record: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const field of TASK_VALUE_FIELDS) {
    if (!(field in record)) continue;
    const text = zohoText(record[field]) ?? null;
    if (field === 'Priority') out[field] = importanceOf(text);
    else if (field === 'Status') out[field] = todoStatusOf(text);
    else out[field] = text;
  }
  return out;
}

export function taskValuesFromOutlook(task: GraphTodoTask, options: { userTimeZone?: string | null; rules?: FieldRules } = {}): Record<string, string | null> {
  const mapped = mapTask(task, options);
  const importance = cleanText(task.importance) ?? 'normal';
  const status = cleanText(task.status) ?? 'notStarted';
  return {
    Subject: (mapped.record.Subject as string | null) ?? null,
    Due_Date: (mapped.record.Due_Date as string | null) ?? null,
    Priority: (TODO_IMPORTANCES as readonly string[]).includes(importance) ? importance : 'normal',
    Status: (TODO_STATUSES as readonly string[]).includes(status) ? status : 'notStarted',
    Description: (mapped.record.Description as string | null) ?? null,
  };
}

/**
 * To Do task body for neutral values. A due date is written as midnight in the mailbox's zone,
 * the form the forward mapping reads back as the same day.
 */
export function taskBodyFromValues(values: FieldValues, options: { userTimeZone?: string | null } = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if ('Subject' in values) body.title = values.Subject ?? '';
  if ('Due_Date' in values) {
    const due = values.Due_Date ?? null;
    body.dueDateTime = due === null ? null : { dateTime: `${due}T00:00:00.0000000`, timeZone: options.userTimeZone?.trim() || 'UTC' };
  }
  if ('Priority' in values) body.importance = values.Priority ?? 'normal';
  if ('Status' in values) body.status = values.Status ?? 'notStarted';
  if ('Description' in values) body.body = { contentType: 'text', content: values.Description ?? '' };
  return body;
}

export function taskFromZoho(record: Record<string, unknown>, options: ReverseOptions & { userTimeZone?: string | null }): Record<string, unknown> {
  const values = taskValuesFromZoho(record);
  const body = taskBodyFromValues(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null)), options);
  body.title ??= '';
  body.categories = [options.category];
  return body;
}

/** Zoho fields for neutral task values (the merge's `toZoho`), in the org's pick-list words. */
export function taskPatchForZoho(values: FieldValues, rules?: FieldRules): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    if (field === 'Priority' || field === 'Status') {
      const defaults = field === 'Priority' ? DEFAULT_TASK_PRIORITIES : DEFAULT_TASK_STATUSES;
      const candidates = field === 'Priority'
        ? PRIORITY_CANDIDATES[importanceOf(value ?? null)]
        : STATUS_CANDIDATES[todoStatusOf(value ?? null)];
      record[field] = choosePickListValue(fieldRule(rules, TASKS_MODULE, field).pickList ?? defaults, candidates).value;
    } else {
      record[field] = value ?? null;
    }
  }
  return record;
}
