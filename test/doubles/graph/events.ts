import { createHash } from 'node:crypto';
import type { DoubleContext, GraphArea, NotificationTarget } from './context';
import { deltaResponse } from './delta';
import { GraphHttpError, json, noContent, parseJsonBody, type DoubleRequest } from './http';
import { storedId, wantsImmutableIds, wireId } from './immutable-id';
import { itemNotFound, outlookDateTime, parseDateTimeTimeZone, selectOf, writableFields } from './outlook';
import { listResponse, pick } from './paging';
import type { Router } from './router';
import { changeKey, etagOf, outlookId, timestamp, type Mailbox } from './store';
import { TrackedCollection } from './tracked';

/**
 * Calendar events (graph.md §6.3, §5) on the primary calendar and on other calendars of the
 * mailbox (`addCalendar`; `GET calendars`, `calendars/{id}/calendarView[/delta]`,
 * `calendars/{id}/events`, and `$expand=calendar($select=id)` on one event): CRUD, recurring series expanded
 * into occurrences (daily, weekly, absoluteMonthly, absoluteYearly; ranges endDate, numbered,
 * noEnd) for `calendarView`, `events/{id}/instances` and `calendarView/delta`, which returns
 * instances and reports series changes for every occurrence in the window. Times are UTC; the
 * `Prefer: outlook.timezone` header is not emulated (answers stay in UTC). One event and a series'
 * instances are answered with regular ids unless `Prefer: IdType="ImmutableId"` asks otherwise
 * (./immutable-id.ts); lists, calendarView and delta always carry immutable ids.
 */
const EVENT_WRITABLE = [
  'subject', 'body', 'start', 'end', 'isAllDay', 'location', 'locations', 'attendees', 'categories', 'importance',
  'sensitivity', 'showAs', 'recurrence', 'isReminderOn', 'reminderMinutesBeforeStart', 'isOnlineMeeting',
  'onlineMeetingProvider', 'responseRequested', 'allowNewTimeProposals', 'hideAttendees', 'organizer', 'isCancelled',
] as const;
const EVENT_READ_ONLY = ['id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'iCalUId', 'type', 'seriesMasterId', 'webLink', 'isOrganizer', 'bodyPreview', 'responseStatus'];
const DAY = 86_400_000;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
/** How far a `noEnd` series is expanded. */
const NO_END_HORIZON_DAYS = 5 * 366;

export interface EventRecord {
  id: string;
  type: 'singleInstance' | 'seriesMaster';
  startMs: number;
  endMs: number;
  iCalUId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  fields: Record<string, unknown>;
  isOrganizer: boolean;
  /** Occurrence dates (YYYY-MM-DD) removed from a series. */
  cancelledDates: string[];
  /** Occurrences changed on their own (Graph `type: exception`), by date (YYYY-MM-DD). */
  exceptions?: Record<string, OccurrenceException>;
  /** the calendar holding it; absent = the primary calendar */
  calendarId?: string;
}

export interface OccurrenceException {
  fields: Record<string, unknown>;
  changeKey: string;
  lastModifiedDateTime: string;
}

interface EventsState {
  calendarId: string;
  /** calendars other than the primary one */
  calendars: Map<string, { id: string; name: string }>;
  events: TrackedCollection<EventRecord>;
  /** Occurrence id → series + date, filled as occurrences are generated. */
  occurrences: Map<string, { masterId: string; date: string }>;
}

interface Occurrence {
  id: string;
  date: string;
  startMs: number;
  endMs: number;
}

/** A meeting request Graph would have sent: an event written through the API with attendees. */
export interface SentInvitation {
  userId: string;
  eventId: string;
  /** 'created' (new meeting request) or 'updated' (an update sent to the attendees) */
  kind: 'created' | 'updated';
  attendees: string[];
}

export class EventsArea implements GraphArea {
  readonly notificationKinds = ['event'] as const;
  /**
   * Graph sends meeting requests to the attendees of an event created or updated through the API
   * in the organizer's calendar; the double sends none, but records each one it would have sent.
   */
  readonly invitations: SentInvitation[] = [];
  private ctx!: DoubleContext;

  // ---- test API -------------------------------------------------------------------------------

  /** `fields` as in a Graph POST (start/end as dateTimeTimeZone in UTC); `organizer`/`isOrganizer` for invitations. */
  add(userId: string, fields: Record<string, unknown>, opts: { isOrganizer?: boolean; calendarId?: string } = {}): Record<string, unknown> {
    const box = this.ctx.store.mailbox(userId);
    const state = this.state(box);
    if (opts.calendarId && opts.calendarId !== state.calendarId && !state.calendars.has(opts.calendarId)) throw new Error(`graph double: no calendar ${opts.calendarId}`);
    return this.render(create(state, fields, this.defaultOrganizer(userId), opts.isOrganizer ?? true, opts.calendarId), undefined);
  }

  /** A second calendar of the mailbox (Outlook's "Add calendar"). */
  addCalendar(userId: string, name: string): { id: string; name: string } {
    const calendar = { id: outlookId(), name };
    this.state(this.ctx.store.mailbox(userId)).calendars.set(calendar.id, calendar);
    return calendar;
  }

  primaryCalendarId(userId: string): string {
    return this.state(this.ctx.store.mailbox(userId)).calendarId;
  }

  update(userId: string, id: string, fields: Record<string, unknown>): Record<string, unknown> {
    const box = this.ctx.store.mailbox(userId);
    const state = this.state(box);
    const event = state.events.get(id);
    if (!event) throw new Error(`graph double: no event ${id}`);
    return this.render(patch(state, event, fields), undefined);
  }

  remove(userId: string, id: string): void {
    if (!this.state(this.ctx.store.mailbox(userId)).events.remove(id)) throw new Error(`graph double: no event ${id}`);
  }

  /** Deletes one occurrence of a series (date YYYY-MM-DD, UTC). */
  cancelOccurrence(userId: string, masterId: string, date: string): void {
    const state = this.state(this.ctx.store.mailbox(userId));
    const master = state.events.get(masterId);
    if (!master || master.type !== 'seriesMaster') throw new Error(`graph double: no series ${masterId}`);
    state.events.put({ ...master, cancelledDates: [...master.cancelledDates, date], changeKey: changeKey(), lastModifiedDateTime: timestamp() });
  }

  /**
   * Changes one occurrence of a series (date YYYY-MM-DD, UTC), which becomes an `exception` with
   * its own change key. As in Exchange, where exceptions are stored on the master, the master's
   * change key moves too.
   */
  updateOccurrence(userId: string, masterId: string, date: string, fields: Record<string, unknown>): Record<string, unknown> {
    const state = this.state(this.ctx.store.mailbox(userId));
    const master = state.events.get(masterId);
    if (!master || master.type !== 'seriesMaster') throw new Error(`graph double: no series ${masterId}`);
    const updated = applyException(state, master, date, fields);
    const occurrence = expandSeries(updated).find((o) => o.date === date);
    if (!occurrence) throw new Error(`graph double: series ${masterId} has no occurrence on ${date}`);
    state.occurrences.set(occurrence.id, { masterId, date });
    return this.renderOccurrence(updated, occurrence, undefined);
  }

  /** Occurrences of a series in [start, end) as Graph renders them. */
  instances(userId: string, masterId: string, start: string, end: string): Record<string, unknown>[] {
    const box = this.ctx.store.mailbox(userId);
    const master = this.state(box).events.get(masterId);
    if (!master) throw new Error(`graph double: no event ${masterId}`);
    return this.occurrencesOf(this.state(box), master, Date.parse(start), Date.parse(end)).map((o) => this.renderOccurrence(master, o, undefined));
  }

  // ---- notifications --------------------------------------------------------------------------

  describe(userId: string, _kind: string, id: string): NotificationTarget {
    const state = this.state(this.ctx.store.mailbox(userId));
    const event = state.events.get(id);
    const uid = userId.toLowerCase();
    const calendarId = event?.calendarId ?? state.calendarId;
    return {
      candidates: [`users/${uid}/events`, ...(calendarId === state.calendarId ? [`users/${uid}/calendar/events`] : []), `users/${uid}/calendars/${calendarId.toLowerCase()}/events`],
      resource: `Users/${userId}/Events/${id}`,
      odataType: '#Microsoft.Graph.Event',
      etag: event ? etagOf(event.changeKey) : undefined,
    };
  }

  // ---- routes ---------------------------------------------------------------------------------

  register(router: Router, ctx: DoubleContext): void {
    this.ctx = ctx;
    const box = (req: DoubleRequest) => ctx.store.mailboxFor(req.params.user);
    const entity = (req: DoubleRequest) => `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/events/$entity`;

    /** The calendar a path names: `calendars/{calendar}`, else the primary one; 404 for an unknown one. */
    const calendarOf = (req: DoubleRequest): string => {
      const state = this.state(box(req));
      const id = req.params.calendar;
      if (id === undefined) return state.calendarId;
      if (id === state.calendarId || state.calendars.has(id)) return id;
      throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    };
    const inCalendar = (state: EventsState, calendarId: string) => (e: EventRecord) => (e.calendarId ?? state.calendarId) === calendarId;
    const list = (req: DoubleRequest) => {
      const mailbox = box(req);
      // `users/{id}/events` is every event of the mailbox; a calendar's `events` only its own.
      const all = req.params.calendar === undefined && !req.segments.some((seg) => seg.toLowerCase() === 'calendar');
      const state = this.state(mailbox);
      return listResponse(req, all ? state.events.list() : state.events.list().filter(inCalendar(state, calendarOf(req))), {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/events`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (e, select) => this.render(e, select),
      });
    };
    const post = (req: DoubleRequest) => {
      const mailbox = box(req);
      const fields = writableFields(parseJsonBody(req), EVENT_WRITABLE, EVENT_READ_ONLY, 'event');
      const event = create(this.state(mailbox), fields, this.defaultOrganizer(mailbox.userId), true, calendarOf(req));
      this.noteInvitation(mailbox.userId, event.id, 'created', fields.attendees);
      return json(201, { '@odata.context': entity(req), ...this.render(event, undefined) });
    };
    const view = (req: DoubleRequest) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      const { from, to } = windowOf(req.query);
      const items = state.events.list().filter(inCalendar(state, calendarOf(req))).flatMap((e) => this.inWindow(state, e, from, to, undefined));
      items.sort((a, b) => String((a.start as { dateTime: string }).dateTime).localeCompare(String((b.start as { dateTime: string }).dateTime)));
      return listResponse(req, items, {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/calendarView`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (e, select) => (select ? pick(e, select, ['@odata.etag', 'id']) : e),
      });
    };

    router.get('/users/{user}/events', list);
    router.post('/users/{user}/events', post);
    router.get('/users/{user}/calendar/events', list);
    router.post('/users/{user}/calendar/events', post);
    router.get('/users/{user}/calendar', (req) => {
      const state = this.state(box(req));
      return json(200, { id: state.calendarId, name: 'Calendar', color: 'auto', isDefaultCalendar: true, canEdit: true, canShare: true, canViewPrivateItems: true, owner: this.defaultOrganizer(box(req).userId).emailAddress });
    });
    router.get('/users/{user}/calendars', (req) => {
      const state = this.state(box(req));
      const owner = this.defaultOrganizer(box(req).userId).emailAddress;
      const rows = [{ id: state.calendarId, name: 'Calendar', isDefaultCalendar: true }, ...[...state.calendars.values()].map((c) => ({ ...c, isDefaultCalendar: false }))].map((c) => ({ ...c, color: 'auto', canEdit: true, canShare: true, canViewPrivateItems: true, owner }));
      return listResponse(req, rows, {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/calendars`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (c, select) => (select ? pick({ ...c }, select, ['id']) : { ...c }),
      });
    });
    router.get('/users/{user}/calendars/{calendar}/events', list);
    router.post('/users/{user}/calendars/{calendar}/events', post);
    router.get('/users/{user}/calendarView', view);
    router.get('/users/{user}/calendar/calendarView', view);
    router.get('/users/{user}/calendars/{calendar}/calendarView', view);
    const delta = (req: DoubleRequest) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      const calendarId = calendarOf(req);
      const ofCalendar = inCalendar(state, calendarId);
      if (req.query.has('$select') || req.query.has('$filter') || req.query.has('$expand') || req.query.has('$orderby')) {
        throw new GraphHttpError(400, 'ErrorInvalidUrlQuery', 'The following parameters are not supported with change tracking over the \'CalendarView\' resource: \'$orderby, $filter, $select, $expand, $search, $top\'.');
      }
      return deltaResponse(req, { origin: ctx.origin, defaultPageSize: ctx.outlookPageSize, generation: mailbox.deltaGeneration }, {
        // Each calendar is tracked separately (graph.md §5).
        key: calendarId === state.calendarId ? `calendarView:${mailbox.userId}` : `calendarView:${mailbox.userId}:${calendarId}`,
        collection: state.events,
        odataType: '#microsoft.graph.event',
        entitySet: 'event',
        initialParams: (q) => {
          const { from, to } = windowOf(q);
          return { from: String(from), to: String(to) };
        },
        scope: (p) => (e) => ofCalendar(e) && this.inWindow(state, e, Number(p.from), Number(p.to), undefined).length > 0,
        render: (e) => this.render(e, undefined),
        // A deleted occurrence of a series that is still there is reported as removed.
        expand: (e, _select, p) => [
          ...this.inWindow(state, e, Number(p.from), Number(p.to), undefined),
          ...cancelledIn(e, Number(p.from), Number(p.to)).map((id) => ({ id, '@removed': { reason: 'deleted' } })),
        ],
        removedIds: (last, id, p) => (last?.type === 'seriesMaster' ? this.occurrencesOf(state, last, Number(p.from), Number(p.to)).map((o) => o.id) : [id]),
      }, ctx.store.clock.now());
    };
    router.get('/users/{user}/calendarView/delta', delta);
    router.get('/users/{user}/calendars/{calendar}/calendarView/delta', delta);

    router.get('/users/{user}/events/{id}', (req) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      const id = storedId(req.params.id);
      const immutable = wantsImmutableIds(req);
      const event = state.events.get(id);
      const occ = event ? undefined : this.findOccurrence(state, id);
      if (!event && !occ) throw itemNotFound();
      const body = event ? this.render(event, selectOf(req.query), immutable) : this.renderOccurrence(occ!.master, occ!.occurrence, selectOf(req.query), immutable);
      // `$expand=calendar($select=id)`: the calendar holding the event (an occurrence: its series').
      const expand = req.query.get('$expand');
      if (expand !== null) {
        if (!/^calendar(\(\$select=[a-z,]+\))?$/i.test(expand.trim())) throw new GraphHttpError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.event'.`);
        body.calendar = { id: (event ?? occ!.master).calendarId ?? state.calendarId };
      }
      return json(200, { '@odata.context': entity(req), ...body });
    });
    router.patch('/users/{user}/events/{id}', (req) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      const event = state.events.get(storedId(req.params.id));
      const fields = writableFields(parseJsonBody(req), EVENT_WRITABLE, EVENT_READ_ONLY, 'event');
      if (!event) {
        const occ = this.findOccurrence(state, storedId(req.params.id));
        if (!occ) throw itemNotFound();
        const master = applyException(state, occ.master, occ.occurrence.date, fields);
        const updated = expandSeries(master).find((o) => o.date === occ.occurrence.date)!;
        return json(200, { '@odata.context': entity(req), ...this.renderOccurrence(master, updated, undefined) });
      }
      const updated = patch(state, event, fields);
      if (event.isOrganizer) this.noteInvitation(mailbox.userId, event.id, 'updated', fields.attendees);
      return json(200, { '@odata.context': entity(req), ...this.render(updated, undefined) });
    });
    router.delete('/users/{user}/events/{id}', (req) => {
      const state = this.state(box(req));
      const id = storedId(req.params.id);
      if (state.events.remove(id)) return noContent();
      const occ = this.findOccurrence(state, id);
      if (!occ) throw itemNotFound();
      this.cancelOccurrence(box(req).userId, occ.master.id, occ.occurrence.date);
      return noContent();
    });
    router.get('/users/{user}/events/{id}/instances', (req) => {
      const mailbox = box(req);
      const state = this.state(mailbox);
      const master = state.events.get(storedId(req.params.id));
      if (!master) throw itemNotFound();
      const { from, to } = windowOf(req.query);
      const immutable = wantsImmutableIds(req);
      const items = master.type === 'seriesMaster' ? this.occurrencesOf(state, master, from, to).map((o) => this.renderOccurrence(master, o, undefined, immutable)) : [];
      return listResponse(req, items, {
        origin: ctx.origin, entitySet: 'events', defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (e, select) => (select ? pick(e, select, ['@odata.etag', 'id']) : e),
      });
    });
  }

  /** Clears what was recorded (the double's reset()). */
  resetInvitations(): void {
    this.invitations.length = 0;
  }

  private noteInvitation(userId: string, eventId: string, kind: SentInvitation['kind'], attendees: unknown): void {
    if (!Array.isArray(attendees) || attendees.length === 0) return;
    const addresses = attendees
      .map((a) => (a as { emailAddress?: { address?: unknown } } | null)?.emailAddress?.address)
      .filter((a): a is string => typeof a === 'string');
    this.invitations.push({ userId, eventId, kind, attendees: addresses });
  }

  private state(box: Mailbox): EventsState {
    return box.area('events', () => ({ calendarId: outlookId(), calendars: new Map(), events: new TrackedCollection<EventRecord>(this.ctx.store.clock), occurrences: new Map() }));
  }

  private defaultOrganizer(userId: string): { emailAddress: { name: string; address: string } } {
    const user = this.ctx.store.findUser(userId)!;
    return { emailAddress: { name: user.displayName, address: user.mail ?? user.userPrincipalName } };
  }

  /** Single events overlapping the window, or a series' occurrences in it, rendered. */
  private inWindow(state: EventsState, e: EventRecord, from: number, to: number, select: string[] | undefined): Record<string, unknown>[] {
    if (e.type === 'seriesMaster') return this.occurrencesOf(state, e, from, to).map((o) => this.renderOccurrence(e, o, select));
    return e.startMs < to && e.endMs > from ? [this.render(e, select)] : [];
  }

  private occurrencesOf(state: EventsState, master: EventRecord, from: number, to: number): Occurrence[] {
    const out: Occurrence[] = [];
    for (const o of expandSeries(master)) {
      if (o.startMs >= to) break;
      if (o.endMs > from && !master.cancelledDates.includes(o.date)) {
        state.occurrences.set(o.id, { masterId: master.id, date: o.date });
        out.push(o);
      }
    }
    return out;
  }

  private findOccurrence(state: EventsState, id: string): { master: EventRecord; occurrence: Occurrence } | undefined {
    const ref = state.occurrences.get(id);
    const master = ref ? state.events.get(ref.masterId) : undefined;
    if (!ref || !master || master.cancelledDates.includes(ref.date)) return undefined;
    const occurrence = expandSeries(master).find((o) => o.date === ref.date);
    return occurrence ? { master, occurrence } : undefined;
  }

  private render(e: EventRecord, select: string[] | undefined, immutable = true): Record<string, unknown> {
    return shape(e, { id: wireId(e.id, immutable), type: e.type, seriesMasterId: null, startMs: e.startMs, endMs: e.endMs, iCalUId: e.iCalUId, recurrence: e.fields.recurrence ?? null }, select);
  }

  private renderOccurrence(master: EventRecord, o: Occurrence, select: string[] | undefined, immutable = true): Record<string, unknown> {
    const iCalUId = createHash('sha1').update(`${master.iCalUId}:${o.date}`).digest('hex').toUpperCase();
    const exception = master.exceptions?.[o.date];
    const source = exception ? { ...master, fields: { ...master.fields, ...exception.fields }, changeKey: exception.changeKey, lastModifiedDateTime: exception.lastModifiedDateTime } : master;
    return shape(source, { id: wireId(o.id, immutable), type: exception ? 'exception' : 'occurrence', seriesMasterId: wireId(master.id, immutable), startMs: o.startMs, endMs: o.endMs, iCalUId, recurrence: null }, select);
  }
}

function shape(
  e: EventRecord,
  v: { id: string; type: string; seriesMasterId: string | null; startMs: number; endMs: number; iCalUId: string; recurrence: unknown },
  select: string[] | undefined,
): Record<string, unknown> {
  const f = e.fields;
  const body = (f.body as { contentType?: string; content?: string } | undefined) ?? { contentType: 'html', content: '' };
  const full: Record<string, unknown> = {
    '@odata.etag': etagOf(e.changeKey),
    id: v.id,
    createdDateTime: e.createdDateTime,
    lastModifiedDateTime: e.lastModifiedDateTime,
    changeKey: e.changeKey,
    categories: f.categories ?? [],
    transactionId: null,
    // Graph answers in UTC but keeps the zone the event was created in (seed it as a field).
    originalStartTimeZone: f.originalStartTimeZone ?? 'UTC',
    originalEndTimeZone: f.originalEndTimeZone ?? 'UTC',
    iCalUId: v.iCalUId,
    reminderMinutesBeforeStart: f.reminderMinutesBeforeStart ?? 15,
    isReminderOn: f.isReminderOn ?? true,
    hasAttachments: false,
    subject: f.subject ?? '',
    bodyPreview: String(body.content ?? '').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim().slice(0, 255),
    importance: f.importance ?? 'normal',
    sensitivity: f.sensitivity ?? 'normal',
    isAllDay: f.isAllDay ?? false,
    isCancelled: f.isCancelled ?? false,
    isOrganizer: e.isOrganizer,
    responseRequested: f.responseRequested ?? true,
    seriesMasterId: v.seriesMasterId,
    showAs: f.showAs ?? 'busy',
    type: v.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(v.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: f.isOnlineMeeting ?? false,
    onlineMeetingProvider: f.onlineMeetingProvider ?? 'unknown',
    allowNewTimeProposals: f.allowNewTimeProposals ?? true,
    isDraft: false,
    hideAttendees: f.hideAttendees ?? false,
    responseStatus: e.isOrganizer ? { response: 'organizer', time: '0001-01-01T00:00:00Z' } : { response: 'notResponded', time: '0001-01-01T00:00:00Z' },
    body: { contentType: body.contentType ?? 'html', content: body.content ?? '' },
    start: { dateTime: outlookDateTime(v.startMs), timeZone: 'UTC' },
    end: { dateTime: outlookDateTime(v.endMs), timeZone: 'UTC' },
    location: f.location ?? { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
    locations: f.locations ?? [],
    recurrence: v.recurrence,
    attendees: f.attendees ?? [],
    organizer: f.organizer,
    onlineMeeting: null,
  };
  return select ? pick(full, select, ['@odata.etag', 'id']) : full;
}

function create(state: EventsState, fields: Record<string, unknown>, organizer: unknown, isOrganizer: boolean, calendarId?: string): EventRecord {
  const startMs = parseDateTimeTimeZone(fields.start);
  const endMs = parseDateTimeTimeZone(fields.end);
  if (startMs === undefined || endMs === undefined) throw new GraphHttpError(400, 'ErrorInvalidRequest', 'Your request can\'t be completed. The start and end times of the event are required.');
  if (endMs < startMs) throw new GraphHttpError(400, 'ErrorInvalidRequest', 'Your request can\'t be completed. The end time must be later than the start time.');
  const now = timestamp();
  const recurrence = fields.recurrence ?? null;
  if (recurrence) validateRecurrence(recurrence);
  return state.events.put({
    id: outlookId(),
    type: recurrence ? 'seriesMaster' : 'singleInstance',
    startMs, endMs,
    iCalUId: createHash('sha1').update(outlookId()).digest('hex').toUpperCase(),
    createdDateTime: now, lastModifiedDateTime: now, changeKey: changeKey(),
    fields: { organizer, ...fields, recurrence },
    isOrganizer,
    cancelledDates: [],
    ...(calendarId && calendarId !== state.calendarId ? { calendarId } : {}),
  });
}

function patch(state: EventsState, event: EventRecord, fields: Record<string, unknown>): EventRecord {
  const merged = { ...event.fields, ...fields };
  const startMs = fields.start !== undefined ? parseDateTimeTimeZone(fields.start) ?? event.startMs : event.startMs;
  const endMs = fields.end !== undefined ? parseDateTimeTimeZone(fields.end) ?? event.endMs : event.endMs;
  if (merged.recurrence) validateRecurrence(merged.recurrence);
  return state.events.put({
    ...event, fields: merged, startMs, endMs,
    type: merged.recurrence ? 'seriesMaster' : 'singleInstance',
    changeKey: changeKey(), lastModifiedDateTime: timestamp(),
  });
}

function applyException(state: EventsState, master: EventRecord, date: string, fields: Record<string, unknown>): EventRecord {
  const previous = master.exceptions?.[date]?.fields ?? {};
  const exception: OccurrenceException = { fields: { ...previous, ...fields }, changeKey: changeKey(), lastModifiedDateTime: timestamp() };
  return state.events.put({ ...master, exceptions: { ...master.exceptions, [date]: exception }, changeKey: changeKey(), lastModifiedDateTime: timestamp() });
}

function windowOf(query: URLSearchParams): { from: number; to: number } {
  const parse = (v: string | null) => (v === null ? NaN : Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`));
  const from = parse(query.get('startDateTime') ?? query.get('StartDateTime'));
  const to = parse(query.get('endDateTime') ?? query.get('EndDateTime'));
  if (Number.isNaN(from) || Number.isNaN(to)) {
    throw new GraphHttpError(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
  }
  return { from, to };
}

interface Recurrence {
  pattern: { type: string; interval?: number; daysOfWeek?: string[]; dayOfMonth?: number; month?: number };
  range: { type: string; startDate: string; endDate?: string; numberOfOccurrences?: number };
}

function validateRecurrence(value: unknown): asserts value is Recurrence {
  const r = value as Partial<Recurrence>;
  const ok = r?.pattern && r.range && typeof r.range.startDate === 'string' && ['daily', 'weekly', 'absoluteMonthly', 'absoluteYearly'].includes(r.pattern.type)
    && ['endDate', 'noEnd', 'numbered'].includes(r.range.type);
  if (!ok) throw new GraphHttpError(400, 'ErrorInvalidRecurrence', 'The recurrence pattern is not supported by the graph double (daily, weekly, absoluteMonthly, absoluteYearly with endDate, noEnd or numbered).');
}

function cancelledIn(e: EventRecord, from: number, to: number): string[] {
  if (e.type !== 'seriesMaster' || e.cancelledDates.length === 0) return [];
  return expandSeries(e).filter((o) => e.cancelledDates.includes(o.date) && o.startMs < to && o.endMs > from).map((o) => o.id);
}

/** Every occurrence of a series in date order (bounded for `noEnd`). */
function expandSeries(master: EventRecord): Occurrence[] {
  const r = master.fields.recurrence as Recurrence;
  const interval = Math.max(1, r.pattern.interval ?? 1);
  const timeOfDay = master.startMs - Math.floor(master.startMs / DAY) * DAY;
  const duration = master.endMs - master.startMs;
  const first = Date.parse(`${r.range.startDate}T00:00:00Z`);
  const last = r.range.type === 'endDate' && r.range.endDate ? Date.parse(`${r.range.endDate}T00:00:00Z`) : first + NO_END_HORIZON_DAYS * DAY;
  const max = r.range.type === 'numbered' ? r.range.numberOfOccurrences ?? 0 : Infinity;
  const out: Occurrence[] = [];
  for (let day = first; day <= last && out.length < max; day += DAY) {
    const d = new Date(day);
    const daysFromStart = Math.round((day - first) / DAY);
    let hit = false;
    switch (r.pattern.type) {
      case 'daily': hit = daysFromStart % interval === 0; break;
      case 'weekly': {
        const weekIndex = Math.floor((daysFromStart + new Date(first).getUTCDay()) / 7);
        const days = (r.pattern.daysOfWeek ?? [WEEKDAYS[new Date(first).getUTCDay()]]).map((x) => x.toLowerCase());
        hit = weekIndex % interval === 0 && days.includes(WEEKDAYS[d.getUTCDay()]);
        break;
      }
      case 'absoluteMonthly': {
        const months = (d.getUTCFullYear() - new Date(first).getUTCFullYear()) * 12 + d.getUTCMonth() - new Date(first).getUTCMonth();
        hit = months % interval === 0 && d.getUTCDate() === (r.pattern.dayOfMonth ?? new Date(first).getUTCDate());
        break;
      }
      case 'absoluteYearly':
        hit = d.getUTCMonth() + 1 === (r.pattern.month ?? new Date(first).getUTCMonth() + 1) && d.getUTCDate() === (r.pattern.dayOfMonth ?? new Date(first).getUTCDate())
          && (d.getUTCFullYear() - new Date(first).getUTCFullYear()) % interval === 0;
        break;
    }
    if (!hit) continue;
    const date = d.toISOString().slice(0, 10);
    const id = `AAMkAD${createHash('sha256').update(`${master.id}:${date}`).digest('base64url').slice(0, 40)}AAA=`;
    const moved = master.exceptions?.[date]?.fields;
    const startMs = (moved?.start !== undefined ? parseDateTimeTimeZone(moved.start) : undefined) ?? day + timeOfDay;
    const endMs = (moved?.end !== undefined ? parseDateTimeTimeZone(moved.end) : undefined) ?? startMs + duration;
    out.push({ id, date, startMs, endMs });
  }
  return out;
}
