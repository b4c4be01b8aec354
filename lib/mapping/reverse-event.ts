/**
 * Zoho CRM Events ("Meetings") record → Outlook calendar event (SPEC §2.3 read backwards), and the
 * neutral values for the merge.
 *
 * No invitations (SPEC §2.4): Graph sends a meeting request to every attendee of an event created
 * or updated in an organizer's calendar, so Zoho's participants are never written as attendees.
 * They are listed in the event body instead, under PARTICIPANTS_HEADING; the forward mapping
 * strips that block again (stripParticipantsBlock), so it never reaches Zoho's Description and a
 * body the sync wrote does not come back as a change.
 *
 * Times: a timed event is written in UTC (Outlook shows it in the reader's zone). An all-day event
 * keeps its calendar dates: Zoho shows it as 00:00:00 of the first day to 23:59:59 of the last day
 * (in the API user's zone), Outlook as midnight to the midnight after the last day.
 */
import type { GraphEvent } from '../graph/resources/event';
import { mapEvent } from './event';
import { cleanText, type FieldRules } from './fields';
import { bodyToText } from './text';
import type { FieldValues } from './merge';
import { PARTICIPANTS_HEADING, splitParticipantsBlock, stripParticipantsBlock } from './participants-block';
import { zohoText, type ReverseOptions } from './reverse-contact';
import { instantFromIso, resolveTimeZone, toZohoDateTime, wallClockToInstant } from './timezones';

/** Fields Outlook holds only as a copy of Zoho: never written back to Zoho. */
export const EVENT_OUTLOOK_READ_ONLY = new Set(['Participants']);

/** One line per Zoho participant: `name <address>`, or whichever of the two Zoho gave. */
export function participantLines(participants: unknown): string | null {
  if (!Array.isArray(participants)) return null;
  const lines: string[] = [];
  for (const p of participants) {
    if (!p || typeof p !== 'object') continue;
    const { name, Email, participant, type } = p as Record<string, unknown>;
    const email = typeof Email === 'string' && Email.trim() ? Email.trim() : type === 'email' && typeof participant === 'string' ? participant.trim() : null;
    const label = typeof name === 'string' && name.trim() && name.trim() !== email ? name.trim() : null;
    const line = label && email ? `${label} <${email}>` : label ?? email;
    if (line) lines.push(`- ${line}`);
  }
  return lines.length > 0 ? lines.join('\n') : null;
}

function instantText(value: string | null): string | null {
  const ms = instantFromIso(value ?? undefined);
  return ms === undefined ? null : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** All-day: the calendar dates as Zoho writes them; timed: the instants in UTC. */
function boundaries(start: unknown, end: unknown, allDay: boolean): { start: string | null; end: string | null } {
  const s = typeof start === 'string' ? start.trim() : null;
  const e = typeof end === 'string' ? end.trim() : null;
  if (allDay) return { start: s ? s.slice(0, 10) : null, end: e ? e.slice(0, 10) : null };
  return { start: instantText(s), end: instantText(e) };
}

export function eventValuesFromZoho(record: Record<string, unknown>): Record<string, string | null> {
  const allDay = record.All_day === true;
  const { start, end } = boundaries(record.Start_DateTime, record.End_DateTime, allDay);
  const out: Record<string, string | null> = {};
  if ('Event_Title' in record) out.Event_Title = zohoText(record.Event_Title) ?? null;
  if ('Start_DateTime' in record) out.Start_DateTime = start;
  if ('End_DateTime' in record) out.End_DateTime = end;
  if ('All_day' in record) out.All_day = String(allDay);
  if ('Venue' in record) out.Venue = zohoText(record.Venue) ?? null;
  if ('Description' in record) out.Description = stripParticipantsBlock(zohoText(record.Description) ?? null);
  if ('Participants' in record) out.Participants = participantLines(record.Participants);
  return out;
}

export function eventValuesFromOutlook(event: GraphEvent, options: { defaultTimeZone: string; rules?: FieldRules }): Record<string, string | null> {
  const { record } = mapEvent(event, options);
  const { start, end } = boundaries(record.Start_DateTime, record.End_DateTime, record.All_day);
  // mapEvent already drops our block from Description; the block itself is read from the body.
  const body = splitParticipantsBlock(cleanText(bodyToText(event.body)));
  return {
    Event_Title: record.Event_Title,
    Start_DateTime: start,
    End_DateTime: end,
    All_day: String(record.All_day),
    Venue: record.Venue,
    Description: record.Description,
    Participants: body.participants,
  };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function bodyText(description: string | null, participants: string | null): string {
  const parts = [description, participants ? `${PARTICIPANTS_HEADING}\n${participants}` : null].filter((p): p is string => !!p);
  return parts.join('\n\n');
}

export interface EventBodyOptions {
  /** zone for all-day dates (the mailbox's); UTC when absent or unknown */
  timeZone?: string | null;
  /** the event as Outlook holds it, for fields `values` leaves out (body parts, the other boundary) */
  current?: Record<string, string | null>;
}

/**
 * Graph event body for neutral values. Never carries `attendees`. Start, end and all-day travel
 * together (Graph checks them together), and so do Description and Participants (one body).
 */
export function eventBodyFromValues(values: FieldValues, options: EventBodyOptions = {}): Record<string, unknown> {
  const all = { ...options.current, ...values };
  const body: Record<string, unknown> = {};
  if ('Event_Title' in values) body.subject = values.Event_Title ?? '';
  if ('Venue' in values) body.location = { displayName: values.Venue ?? '' };
  if ('Description' in values || 'Participants' in values) {
    body.body = { contentType: 'text', content: bodyText(all.Description ?? null, all.Participants ?? null) };
  }
  if ('Start_DateTime' in values || 'End_DateTime' in values || 'All_day' in values) {
    const allDay = all.All_day === 'true';
    const start = all.Start_DateTime ?? null;
    const end = all.End_DateTime ?? start;
    if (start !== null && end !== null) {
      if (allDay) {
        const zone = resolveTimeZone(options.timeZone) ? options.timeZone!.trim() : 'UTC';
        body.isAllDay = true;
        body.start = { dateTime: `${start}T00:00:00.0000000`, timeZone: zone };
        body.end = { dateTime: `${addDays(end < start ? start : end, 1)}T00:00:00.0000000`, timeZone: zone };
      } else {
        body.isAllDay = false;
        body.start = { dateTime: start.replace(/Z$/, ''), timeZone: 'UTC' };
        body.end = { dateTime: end.replace(/Z$/, ''), timeZone: 'UTC' };
      }
    }
  }
  return body;
}

export function eventFromZoho(record: Record<string, unknown>, options: ReverseOptions & { timeZone?: string | null }): Record<string, unknown> {
  const values = eventValuesFromZoho(record);
  const body = eventBodyFromValues(values, { timeZone: options.timeZone });
  body.subject ??= '';
  body.categories = [options.category];
  // Zoho's meeting is already arranged; Outlook must not ask anybody to answer it.
  body.responseRequested = false;
  return body;
}

/** Zoho fields for neutral event values (the merge's `toZoho`); Participants are never sent back. */
export function eventPatchForZoho(values: FieldValues, options: { timeZone: string; current?: Record<string, string | null> }): Record<string, unknown> {
  const all = { ...options.current, ...values };
  const zone = resolveTimeZone(options.timeZone) ?? 'Etc/UTC';
  const record: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    if (EVENT_OUTLOOK_READ_ONLY.has(field)) continue;
    if (field === 'All_day') record.All_day = value === 'true';
    else if (field !== 'Start_DateTime' && field !== 'End_DateTime') record[field] = value ?? null;
  }
  if ('Start_DateTime' in values || 'End_DateTime' in values || 'All_day' in values) {
    const allDay = all.All_day === 'true';
    const start = all.Start_DateTime ?? null;
    const end = all.End_DateTime ?? start;
    if (start !== null && end !== null) {
      record.All_day = allDay;
      record.Start_DateTime = allDay ? toZohoDateTime(wallClockToInstant(`${start}T00:00:00`, zone), zone) : toZohoDateTime(start, zone);
      record.End_DateTime = allDay ? toZohoDateTime(wallClockToInstant(`${end}T23:59:59`, zone), zone) : toZohoDateTime(end, zone);
    }
  }
  return record;
}
