/**
 * Graph v1.0 `event` (reference/graph.md §6.3), as the event mapping, attendee resolution and the
 * recurring-series handling read it. Parsing is lenient like the other resources (common.ts):
 * nulls accepted, unknown keys stripped, enum-like values kept as strings so a value Graph adds
 * later ("unknownFutureValue") does not make the item unreadable.
 */
import { z } from 'zod';
import {
  dateTimeTimeZoneSchema,
  emailAddressSchema,
  entityAnnotations,
  itemBodySchema,
  lenientBoolean,
  optionalString,
  recipientSchema,
  stringList,
} from './common';

/** Documented values of `event.type`. */
export const EVENT_TYPES = ['singleInstance', 'occurrence', 'exception', 'seriesMaster'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Documented values of `event.sensitivity`. */
export const EVENT_SENSITIVITIES = ['normal', 'personal', 'private', 'confidential'] as const;
export type EventSensitivity = (typeof EVENT_SENSITIVITIES)[number];

/** Documented values of `attendee.type`; `resource` is a room or equipment mailbox, not a person. */
export const ATTENDEE_TYPES = ['required', 'optional', 'resource'] as const;
export type AttendeeType = (typeof ATTENDEE_TYPES)[number];

/** Properties read by the mapping, the scope check (categories), dedup and cancellation. */
export const EVENT_FIELDS: readonly string[] = [
  'id',
  'subject',
  'body',
  'start',
  'end',
  'originalStartTimeZone',
  'originalEndTimeZone',
  'isAllDay',
  'location',
  'attendees',
  'organizer',
  'sensitivity',
  'isCancelled',
  'type',
  'seriesMasterId',
  'recurrence',
  'categories',
  'changeKey',
  'iCalUId',
  'showAs',
  'lastModifiedDateTime',
];

/** `$select` for GET /users/{id}/events/{id}. calendarView/delta accepts no `$select` (graph.md §5). */
export const EVENT_SELECT = EVENT_FIELDS.join(',');

export const attendeeSchema = z.object({
  type: optionalString,
  status: z.object({ response: optionalString, time: optionalString }).nullish(),
  emailAddress: emailAddressSchema.nullish(),
});
export type GraphAttendee = z.infer<typeof attendeeSchema>;

export const locationSchema = z.object({
  displayName: optionalString,
  locationType: optionalString,
  locationEmailAddress: optionalString,
});
export type GraphLocation = z.infer<typeof locationSchema>;

/** patternedRecurrence; only read to recognise a series, never mapped (see lib/mapping/event.ts). */
export const recurrenceSchema = z.object({
  pattern: z
    .object({
      type: optionalString,
      interval: z.number().nullish(),
      month: z.number().nullish(),
      dayOfMonth: z.number().nullish(),
      daysOfWeek: stringList,
      firstDayOfWeek: optionalString,
      index: optionalString,
    })
    .nullish(),
  range: z
    .object({
      type: optionalString,
      startDate: optionalString,
      endDate: optionalString,
      recurrenceTimeZone: optionalString,
      numberOfOccurrences: z.number().nullish(),
    })
    .nullish(),
});
export type GraphRecurrence = z.infer<typeof recurrenceSchema>;

/**
 * Everything but `id` is optional: a delta tombstone is `{ id, "@removed": { reason } }` only.
 */
export const eventSchema = z.object({
  ...entityAnnotations,
  id: z.string(),
  subject: optionalString,
  body: itemBodySchema.nullish(),
  bodyPreview: optionalString,
  start: dateTimeTimeZoneSchema.nullish(),
  end: dateTimeTimeZoneSchema.nullish(),
  /** Windows or IANA name; `tzone://Microsoft/Custom` for zones defined in the item itself */
  originalStartTimeZone: optionalString,
  originalEndTimeZone: optionalString,
  isAllDay: lenientBoolean,
  location: locationSchema.nullish(),
  locations: z.array(locationSchema).nullish(),
  attendees: z.array(attendeeSchema).nullish(),
  organizer: recipientSchema.nullish(),
  isOrganizer: lenientBoolean,
  sensitivity: optionalString,
  isCancelled: lenientBoolean,
  type: optionalString,
  seriesMasterId: optionalString,
  recurrence: recurrenceSchema.nullish(),
  categories: stringList,
  changeKey: optionalString,
  iCalUId: optionalString,
  showAs: optionalString,
  createdDateTime: optionalString,
  lastModifiedDateTime: optionalString,
});
export type GraphEvent = z.infer<typeof eventSchema>;
