/**
 * Graph v1.0 `todoTask` (reference/graph.md §6.2).
 */
import { z } from 'zod';
import { dateTimeTimeZoneSchema, entityAnnotations, itemBodySchema, optionalString, stringList } from './common';

/** Documented values. The schema accepts any string so a value Graph adds later is not fatal. */
export const TODO_IMPORTANCES = ['low', 'normal', 'high'] as const;
export type TodoImportance = (typeof TODO_IMPORTANCES)[number];

export const TODO_STATUSES = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] as const;
export type TodoStatus = (typeof TODO_STATUSES)[number];

/** Properties the task mapping, dedup and scope checks need. Start date is not mapped (SPEC §2.2). */
export const TODO_TASK_FIELDS: readonly string[] = [
  'id',
  'title',
  'body',
  'dueDateTime',
  'importance',
  'status',
  'categories',
  'lastModifiedDateTime',
];

export const TODO_TASK_SELECT = TODO_TASK_FIELDS.join(',');

export const todoTaskSchema = z.object({
  ...entityAnnotations,
  id: z.string(),
  title: optionalString,
  body: itemBodySchema.nullish(),
  dueDateTime: dateTimeTimeZoneSchema.nullish(),
  startDateTime: dateTimeTimeZoneSchema.nullish(),
  reminderDateTime: dateTimeTimeZoneSchema.nullish(),
  completedDateTime: dateTimeTimeZoneSchema.nullish(),
  importance: optionalString,
  status: optionalString,
  categories: stringList,
  createdDateTime: optionalString,
  lastModifiedDateTime: optionalString,
});
export type GraphTodoTask = z.infer<typeof todoTaskSchema>;
