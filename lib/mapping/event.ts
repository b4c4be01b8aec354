/**
 * Outlook calendar event → Zoho CRM `Events` ("Meetings") record, SPEC §2.3, with the v8 API names
 * from zoho.md §4. Participants are not set here: the engine looks the attendees up in Zoho and
 * adds the result of resolveParticipants (./attendees.ts).
 *
 * Recurring series: one Zoho event per occurrence, inside a window.
 * - calendarView and calendarView/delta (the only event delta in v1.0) already expand a series
 *   into its occurrences and exceptions, each with its own id; the series master is not listed.
 * - Zoho's `Recurring_Activity` RRULE cannot carry Outlook's exceptions (one occurrence moved,
 *   retitled or cancelled), and a series without an end would need an endless rule; public
 *   Graph→Zoho syncs that tried RRULEs report exactly these failures (zoho.md §9, Syncler).
 * - So each occurrence is an ordinary item: keyed by its own Graph id in the link table, deduped,
 *   updated, cancelled and deleted like a single event, and `Recurring_Activity` is never written.
 * - The window (syncWindow, default 30 days back and 365 ahead, SYNC_EVENTS_PAST_DAYS /
 *   SYNC_EVENTS_FUTURE_DAYS) bounds how many records an endless series creates. An occurrence that
 *   slides out of the window is history, not a deletion: leave its Zoho record alone.
 * - A notification for a series master (isSeriesMaster) means "some occurrences changed": read the
 *   series' instances in the window (`/events/{id}/instances?startDateTime=&endDateTime=`) instead
 *   of mapping the master.
 * - When the organizer changes the pattern, the occurrences are expected to be replaced: old ids
 *   arrive as `@removed`, new ones as new items, and the engine sees delete + create. (Expected
 *   from how occurrence ids are derived; to be confirmed in a real tenant.)
 *
 * Pure: no I/O, no clock (the caller passes `now`).
 */
import type { GraphEvent } from '../graph/resources/event';
import { attendeeLookupEmails } from './attendees';
import { cleanText, RecordBuilder, type FieldRules } from './fields';
import { stripParticipantsBlock } from './participants-block';
import { bodyToText } from './text';
import { instantFromIso, localDate, resolveTimeZone, toZohoDateTime, wallClockToInstant } from './timezones';

export const EVENTS_MODULE = 'Events';

/** Outlook's own label for an event without a subject; Zoho's Event_Title is mandatory. */
export const UNTITLED_EVENT = '(No subject)';

export interface ZohoEventRecord {
  Event_Title: string;
  Start_DateTime: string;
  End_DateTime: string;
  All_day: boolean;
  /** null clears a venue removed in Outlook */
  Venue: string | null;
  /** null clears a body removed in Outlook */
  Description: string | null;
}

export interface MapEventOptions {
  /** the org's field metadata (lengths); the seed's Events limits when absent (./fields.ts) */
  rules?: FieldRules;
  /** zone used when the event names none that can be resolved (e.g. the mailbox or org zone) */
  defaultTimeZone: string;
}

export interface EventMapping {
  record: ZohoEventRecord;
  /** api_names whose value was truncated to the limit (SPEC §2.5) */
  cutFields: string[];
  warnings: string[];
  /** addresses to look up before resolveParticipants */
  attendeeEmails: string[];
}

/** The event cannot become a Zoho record (no usable start or end); the engine reports it skipped. */
export class EventMappingError extends Error {
  override readonly name = 'EventMappingError';
}

interface ZoneChoice {
  zone: string;
  warning?: string;
}

/** First resolvable name of `candidates`; a warning when a named zone had to be passed over. */
function chooseZone(candidates: ReadonlyArray<string | null | undefined>, what: string): ZoneChoice {
  const unknown: string[] = [];
  for (const name of candidates) {
    if (!name?.trim()) continue;
    const zone = resolveTimeZone(name);
    if (zone) {
      return unknown.length ? { zone, warning: `${what}: unknown time zone ${unknown.join(', ')}; used ${zone}` } : { zone };
    }
    unknown.push(JSON.stringify(name));
  }
  return { zone: 'Etc/UTC', warning: `${what}: no usable time zone (${unknown.join(', ') || 'none'}); used UTC` };
}

function instantOf(
  value: { dateTime: string; timeZone?: string | null } | null | undefined,
  fallbackZone: string,
  what: string,
  warnings: string[],
): Date {
  if (!value?.dateTime) throw new EventMappingError(`event has no ${what}`);
  // Graph sends UTC unless asked otherwise, so a missing timeZone means UTC.
  const named = value.timeZone?.trim() || 'UTC';
  let zone = resolveTimeZone(named);
  if (!zone) {
    warnings.push(`${what}: unknown time zone ${JSON.stringify(named)}; read as ${fallbackZone}`);
    zone = fallbackZone;
  }
  try {
    return wallClockToInstant(value.dateTime, zone);
  } catch {
    throw new EventMappingError(`event ${what} is not a date-time: ${JSON.stringify(value.dateTime)}`);
  }
}

const MIDNIGHT = /T00:00(?::00(?:\.0+)?)?$/;

/**
 * The calendar date of an all-day boundary. Graph treats all-day dates as floating and returns
 * them as midnight in whatever zone the response uses; reading the date straight off the string
 * avoids shifting it a day when that zone is UTC and the event's zone is not. Anything that is not
 * midnight (a client that stored it otherwise) is converted and read in the event's zone.
 */
function allDayDate(
  value: { dateTime: string; timeZone?: string | null },
  instant: Date,
  eventZone: string,
): string {
  const text = value.dateTime.trim();
  return MIDNIGHT.test(text) ? text.slice(0, 10) : localDate(instant, eventZone);
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function mapEvent(event: GraphEvent, options: MapEventOptions): EventMapping {
  const warnings: string[] = [];

  const defaultZone = chooseZone([options.defaultTimeZone], 'default time zone');
  if (defaultZone.warning) warnings.push(defaultZone.warning);
  // The event's own zones: Zoho shows the offset it is given, and the organizer's is the natural one.
  const startZone = chooseZone([event.originalStartTimeZone, event.start?.timeZone, defaultZone.zone], 'start');
  const endZone = chooseZone([event.originalEndTimeZone, event.end?.timeZone, defaultZone.zone], 'end');
  for (const choice of [startZone, endZone]) if (choice.warning) warnings.push(choice.warning);

  const start = instantOf(event.start, startZone.zone, 'start', warnings);
  const end = instantOf(event.end, endZone.zone, 'end', warnings);
  const allDay = event.isAllDay === true;

  let startText: string;
  let endText: string;
  if (allDay) {
    // Zoho's Events response sample shows an all-day event as 00:00:00 of its first day to
    // 23:59:59 of its last day; Graph's end is the exclusive midnight after the last day. Sending
    // Zoho's own form keeps eventDedupKey equal for the record read back.
    const firstDay = allDayDate(event.start!, start, startZone.zone);
    const endDay = allDayDate(event.end!, end, endZone.zone);
    const lastDay = endDay > firstDay ? addDays(endDay, -1) : firstDay;
    startText = toZohoDateTime(wallClockToInstant(`${firstDay}T00:00:00`, startZone.zone), startZone.zone);
    endText = toZohoDateTime(wallClockToInstant(`${lastDay}T23:59:59`, endZone.zone), endZone.zone);
  } else {
    startText = toZohoDateTime(start, startZone.zone);
    endText = toZohoDateTime(end, endZone.zone);
  }

  const b = new RecordBuilder(EVENTS_MODULE, options.rules);
  for (const warning of warnings) b.warn(warning);
  let title = cleanText(event.subject);
  if (title === null) {
    title = UNTITLED_EVENT;
    b.warn(`Event_Title: event has no subject; used "${UNTITLED_EVENT}"`);
  }
  const record: ZohoEventRecord = {
    Event_Title: b.cut('Event_Title', title) ?? title,
    Start_DateTime: startText,
    End_DateTime: endText,
    All_day: allDay,
    Venue: b.cut('Venue', cleanText(event.location?.displayName)),
    // Our own list of Zoho participants (Zoho → Outlook) is not part of what the person wrote.
    Description: b.cut('Description', stripParticipantsBlock(cleanText(bodyToText(event.body)))),
  };

  return {
    record,
    cutFields: b.cutFields,
    warnings: b.warnings,
    attendeeEmails: attendeeLookupEmails(event),
  };
}

export interface EventDedupKey {
  /** trimmed title, compared exactly */
  title: string;
  /** epoch ms */
  start: number;
  /** epoch ms */
  end: number;
}

/**
 * SPEC §2.3 duplicate rule (subject, start and end all match) for a mapped record or one read
 * back from Zoho. Start and end are instants: Zoho answers in the API user's zone, so
 * `10:00+09:00` from us and `01:00+00:00` from Zoho are the same meeting. Undefined when the
 * record lacks a title or a readable start/end.
 */
export function eventDedupKey(record: {
  Event_Title?: unknown;
  Start_DateTime?: unknown;
  End_DateTime?: unknown;
}): EventDedupKey | undefined {
  if (typeof record.Event_Title !== 'string' || typeof record.Start_DateTime !== 'string' || typeof record.End_DateTime !== 'string') {
    return undefined;
  }
  const title = record.Event_Title.trim();
  const start = instantFromIso(record.Start_DateTime);
  const end = instantFromIso(record.End_DateTime);
  if (!title || start === undefined || end === undefined) return undefined;
  return { title, start, end };
}

export function sameEventKey(a: EventDedupKey | undefined, b: EventDedupKey | undefined): boolean {
  return !!a && !!b && a.title === b.title && a.start === b.start && a.end === b.end;
}

export type EventSyncDecision = 'sync' | 'skip-private' | 'cancel';

/**
 * - Cancelled (`isCancelled`, an organizer's cancellation seen in the attendee's calendar): the engine
 *   cancels the linked Zoho event (Meeting Cancel API, no cancellation mail) so CRM keeps the
 *   history. Checked first: a cancelled private event was never synced, so cancelling finds no link.
 * - `private` and `confidential` are not synced unless includePrivate (SYNC_PRIVATE_EVENTS): Zoho has
 *   no private flag, so a synced private event is visible to everyone who can see Events.
 *   Confidential is the stricter Exchange level and follows private.
 * Delta tombstones (`@removed`) are deletions, handled by the engine before this is asked.
 */
export function shouldSync(
  event: Pick<GraphEvent, 'isCancelled' | 'sensitivity'>,
  options: { includePrivate: boolean },
): EventSyncDecision {
  if (event.isCancelled === true) return 'cancel';
  const sensitivity = event.sensitivity?.toLowerCase();
  if ((sensitivity === 'private' || sensitivity === 'confidential') && !options.includePrivate) return 'skip-private';
  return 'sync';
}

/** A master stands for the whole series; its occurrences are what gets synced. */
export function isSeriesMaster(event: Pick<GraphEvent, 'type'>): boolean {
  return event.type?.toLowerCase() === 'seriesmaster';
}

export interface SyncWindow {
  /** ISO 8601 UTC, for calendarView `startDateTime` */
  start: string;
  /** ISO 8601 UTC, for calendarView `endDateTime` */
  end: string;
}

const DAY_MS = 86400000;

/**
 * calendarView window around `now`, widened to whole UTC days: a calendarView/delta deltaLink keeps
 * the window it was created with, so every run on the same day must produce the same one.
 */
export function syncWindow(now: Date, backDays = 30, aheadDays = 365): SyncWindow {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { start: iso(today - backDays * DAY_MS), end: iso(today + (aheadDays + 1) * DAY_MS) };
}

/**
 * Whether the event overlaps the window, calendarView-style (touching an edge is outside; a
 * zero-length event counts at its start). False for tombstones and events without start/end.
 */
export function inWindow(event: Pick<GraphEvent, 'start' | 'end'>, window: SyncWindow): boolean {
  const windowStart = instantFromIso(window.start);
  const windowEnd = instantFromIso(window.end);
  if (windowStart === undefined || windowEnd === undefined || !event.start?.dateTime || !event.end?.dateTime) return false;
  let start: number;
  let end: number;
  try {
    start = wallClockToInstant(event.start.dateTime, resolveTimeZone(event.start.timeZone) ?? 'Etc/UTC').getTime();
    end = wallClockToInstant(event.end.dateTime, resolveTimeZone(event.end.timeZone) ?? 'Etc/UTC').getTime();
  } catch {
    return false;
  }
  if (end <= start) return start >= windowStart && start < windowEnd;
  return start < windowEnd && end > windowStart;
}
