import { syncWindow } from '../../lib/mapping/event';
import { EventSeriesRepository } from '../../lib/state/event-series';
import tokyoEvent from '../fixtures/graph/event.tokyo.json';
import { startSystem, type System } from '../support/system';

/**
 * Issue 4, events: Outlook calendar → Zoho Events through the real path: Graph double → our
 * webhook → queue → sync-worker → Graph double (read) → Zoho double (write), state in Azurite.
 */
let sys: System;
let userId: string;
let adeleZohoId: string;

const CATEGORY = 'Zoho';
const PAST_DAYS = 14;
const FUTURE_DAYS = 42;
const DAY = 86_400_000;

const change = (id: string, changeType: 'created' | 'updated' | 'deleted' = 'updated', opts: { duplicates?: number } = {}) => sys.change(userId, 'event', id, changeType, opts);

const report = (itemId: string) => sys.reportLine(userId, itemId);

const zohoEvents = () => sys.zoho.recordsOf('Events');
const byTitle = (title: string) => zohoEvents().filter((r) => r.Event_Title === title);
const utc = (iso: string) => ({ dateTime: iso.replace(/Z$/, ''), timeZone: 'UTC' });

function addEvent(fields: Record<string, unknown>): string {
  return String(sys.graph.events.add(userId, { categories: [CATEGORY], ...fields }).id);
}

async function linkOf(graphId: string) {
  return sys.runtime().links.get(userId, 'events', graphId);
}

beforeAll(async () => {
  sys = await startSystem();
  userId = sys.graph.addUser({ userPrincipalName: 'adele.vance@contoso.com', displayName: 'Adele Vance' }).id;
  adeleZohoId = sys.zoho.addUser({ email: 'adele.vance@contoso.com', last_name: 'Vance' }).id;
  await sys.subscribe(userId, 'events');
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => {
  sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_EVENTS_PAST_DAYS: String(PAST_DAYS), SYNC_EVENTS_FUTURE_DAYS: String(FUTURE_DAYS) });
});

afterEach(() => {
  // SPEC §2.4: sync never makes Zoho send an invitation, whatever the test did.
  expect(sys.zoho.invitations).toEqual([]);
  for (const write of sys.zoho.writes.filter((w) => w.module === 'Events' && w.method !== 'DELETE')) {
    expect(write.sendNotification).toEqual(Array(write.records).fill(false));
  }
});

describe('an event with every mapped field', () => {
  it('arrives with title, start/end in the event’s own zone, venue, notes as text and participants', async () => {
    const irvin = sys.zoho.seed('Contacts', [{ Last_Name: 'Sayers', First_Name: 'Irvin', Email: 'irvins@m365x214355.onmicrosoft.com', Created_Time: '2022-01-01T00:00:00+00:00' }])[0];
    const f = tokyoEvent as Record<string, unknown>;
    const id = addEvent({
      subject: f.subject, body: f.body, start: f.start, end: f.end, location: f.location, attendees: f.attendees, organizer: f.organizer,
      originalStartTimeZone: f.originalStartTimeZone, originalEndTimeZone: f.originalEndTimeZone,
    });
    await change(id, 'created');

    const [record] = byTitle('見積もりレビュー / Quote review');
    expect(record).toMatchObject({
      Start_DateTime: '2026-04-10T10:00:00+09:00',
      End_DateTime: '2026-04-10T11:30:00+09:00',
      All_day: false,
      Venue: '本社 3F 会議室A',
      Owner: expect.objectContaining({ id: adeleZohoId }),
    });
    expect(String(record.Description)).toMatch(/^議題: 見積もり v2\n[\s\S]*- 価格 & 納期[\s\S]*- 次回の打ち合わせ$/);
    // The organizer (no Zoho record) stays an e-mail participant; the attendee is the contact.
    expect(record.Participants).toEqual([
      expect.objectContaining({ type: 'email', Email: 'meganb@m365x214355.onmicrosoft.com', invited: false }),
      expect.objectContaining({ type: 'contact', participant: irvin, invited: false }),
    ]);
    expect(await report(id)).toMatchObject({ result: 'added', zohoId: record.id, label: '見積もりレビュー / Quote review' });
  });

  it('carries Pacific offsets on both sides of a daylight-saving change, and across one', async () => {
    const pacific = { originalStartTimeZone: 'Pacific Standard Time', originalEndTimeZone: 'Pacific Standard Time' };
    const before = addEvent({ subject: 'Before DST', start: utc('2027-03-12T17:00:00Z'), end: utc('2027-03-12T18:00:00Z'), ...pacific });
    const after = addEvent({ subject: 'After DST', start: utc('2027-03-15T16:00:00Z'), end: utc('2027-03-15T17:00:00Z'), ...pacific });
    // 8 pm PST on the 13th to noon PDT on the 14th: clocks jump at 2 am in between.
    const across = addEvent({ subject: 'Across DST', start: utc('2027-03-14T04:00:00Z'), end: utc('2027-03-14T19:00:00Z'), ...pacific });
    for (const id of [before, after, across]) await change(id, 'created');

    expect(byTitle('Before DST')[0]).toMatchObject({ Start_DateTime: '2027-03-12T09:00:00-08:00', End_DateTime: '2027-03-12T10:00:00-08:00' });
    expect(byTitle('After DST')[0]).toMatchObject({ Start_DateTime: '2027-03-15T09:00:00-07:00', End_DateTime: '2027-03-15T10:00:00-07:00' });
    expect(byTitle('Across DST')[0]).toMatchObject({ Start_DateTime: '2027-03-13T20:00:00-08:00', End_DateTime: '2027-03-14T12:00:00-07:00' });
  });

  it('keeps an all-day event all-day, on its own dates', async () => {
    const id = addEvent({
      subject: 'Company holiday', isAllDay: true, start: utc('2026-12-24T00:00:00Z'), end: utc('2026-12-26T00:00:00Z'),
      originalStartTimeZone: 'Tokyo Standard Time', originalEndTimeZone: 'Tokyo Standard Time',
    });
    await change(id, 'created');
    expect(byTitle('Company holiday')[0]).toMatchObject({ All_day: true, Start_DateTime: '2026-12-24T00:00:00+09:00', End_DateTime: '2026-12-25T23:59:59+09:00' });
  });
});

describe('attendees (SPEC §2.4)', () => {
  it('resolves contact, lead, user, contact-and-lead, two contacts and a stranger with one query per module', async () => {
    const [contact, both, older] = sys.zoho.seed('Contacts', [
      { Last_Name: 'Contact', Email: 'contact@fabrikam.com', Created_Time: '2022-01-01T00:00:00+00:00' },
      { Last_Name: 'Both', Email: 'both@fabrikam.com', Created_Time: '2023-01-01T00:00:00+00:00' },
      { Last_Name: 'Older', Email: 'Two@Fabrikam.com', Created_Time: '2020-01-01T00:00:00+00:00' },
      { Last_Name: 'Newer', Email: 'two@fabrikam.com', Created_Time: '2024-01-01T00:00:00+00:00' },
    ]);
    const [lead] = sys.zoho.seed('Leads', [
      { Last_Name: 'Lead', Company: 'Fabrikam', Email: 'lead@fabrikam.com', Created_Time: '2022-01-01T00:00:00+00:00' },
      // Older than the contact with the same address: the contact still wins.
      { Last_Name: 'Both', Company: 'Fabrikam', Email: 'both@fabrikam.com', Created_Time: '2019-01-01T00:00:00+00:00' },
    ]);
    const user = sys.zoho.addUser({ email: 'nestor.wilke@contoso.com', last_name: 'Wilke' });
    const attendee = (address: string) => ({ type: 'required', emailAddress: { address, name: address.split('@')[0] } });
    const id = addEvent({
      subject: 'Attendee matrix', start: utc('2027-01-20T01:00:00Z'), end: utc('2027-01-20T02:00:00Z'),
      attendees: ['contact@fabrikam.com', 'LEAD@fabrikam.com', 'nestor.wilke@contoso.com', 'both@fabrikam.com', 'two@fabrikam.com', 'stranger@example.org'].map(attendee),
    });
    const coql = () => sys.zoho.requestsTo('POST /crm/v8/coql').map((r) => String((r.body as { select_query: string }).select_query));
    const seen = coql().length;
    await change(id, 'created');

    expect(byTitle('Attendee matrix')[0].Participants).toEqual([
      expect.objectContaining({ type: 'user', participant: adeleZohoId }), // the organizer, first
      expect.objectContaining({ type: 'contact', participant: contact }),
      expect.objectContaining({ type: 'lead', participant: lead }),
      expect.objectContaining({ type: 'user', participant: user.id }),
      expect.objectContaining({ type: 'contact', participant: both }),
      expect.objectContaining({ type: 'contact', participant: older }),
      expect.objectContaining({ type: 'email', Email: 'stranger@example.org' }),
    ]);
    const queries = coql().slice(seen);
    expect(queries.filter((q) => / from Contacts /.test(q))).toHaveLength(1);
    expect(queries.filter((q) => / from Leads /.test(q))).toHaveLength(1);
    // Leads are only asked about the addresses no contact has.
    expect(queries.find((q) => / from Leads /.test(q))).not.toMatch(/contact@fabrikam\.com|both@|two@/);
    // Addresses and titles go to Zoho and the report, never to the logs.
    expect(sys.logs.text()).not.toMatch(/fabrikam\.com|stranger@|Attendee matrix/);
  });

  it('keeps the organizer and the first 49 attendees, and reports the rest', async () => {
    const attendees = Array.from({ length: 55 }, (_, i) => ({ type: 'required', emailAddress: { address: `guest${i}@example.org` } }));
    const id = addEvent({ subject: 'Town hall', start: utc('2027-02-01T01:00:00Z'), end: utc('2027-02-01T02:00:00Z'), attendees });
    await change(id, 'created');
    const participants = byTitle('Town hall')[0].Participants as { type: string; participant?: string; Email?: string }[];
    expect(participants).toHaveLength(50);
    expect(participants[0]).toMatchObject({ type: 'user', participant: adeleZohoId });
    expect(participants[49]).toMatchObject({ type: 'email', Email: 'guest48@example.org' });
    expect((await report(id))?.notes?.join(' ')).toMatch(/Zoho allows 50; 6 attendee\(s\) left out: guest49@example\.org/);
  });
});

describe('duplicates', () => {
  it('links the Zoho event with the same title, start and end (written in another offset), creating nothing', async () => {
    const [existing] = sys.zoho.seed('Events', [
      { Event_Title: 'Quote review', Start_DateTime: '2027-01-12T01:00:00+00:00', End_DateTime: '2027-01-12T02:00:00+00:00', Created_Time: '2024-01-01T00:00:00+00:00' },
      { Event_Title: 'Quote review', Start_DateTime: '2027-01-19T01:00:00+00:00', End_DateTime: '2027-01-19T02:00:00+00:00', Created_Time: '2023-01-01T00:00:00+00:00' },
    ]);
    const count = zohoEvents().length;
    const id = addEvent({ subject: 'Quote review', start: utc('2027-01-12T01:00:00Z'), end: utc('2027-01-12T02:00:00Z'), location: { displayName: 'Room 1' }, originalStartTimeZone: 'Tokyo Standard Time', originalEndTimeZone: 'Tokyo Standard Time' });
    await change(id, 'created');
    expect(zohoEvents().length).toBe(count);
    // The empty Venue is filled; Zoho's own start (the same instant) is not rewritten.
    expect(sys.zoho.record('Events', existing)).toMatchObject({ Venue: 'Room 1', Start_DateTime: '2027-01-12T01:00:00+00:00' });
    expect(await report(id)).toMatchObject({ result: 'updated', zohoId: existing, reason: expect.stringMatching(/same title, start and end/) });
  });

  it('one record for a notification delivered 5 times, and for three workers at once', async () => {
    const id = addEvent({ subject: 'Kick-off', start: utc('2027-02-02T01:00:00Z'), end: utc('2027-02-02T02:00:00Z') });
    await change(id, 'created', { duplicates: 4 });
    expect(byTitle('Kick-off')).toHaveLength(1);

    const other = addEvent({ subject: 'Retrospective', start: utc('2027-02-03T01:00:00Z'), end: utc('2027-02-03T02:00:00Z') });
    const message = { v: 1, userId, module: 'events', itemId: other, changeType: 'created' };
    await sys.workAtOnce([message, message, message]);
    expect(byTitle('Retrospective')).toHaveLength(1);
  });
});

describe('private, cancelled and deleted events', () => {
  it('does not sync a private event unless SYNC_PRIVATE_EVENTS says so', async () => {
    const id = addEvent({ subject: 'Doctor', sensitivity: 'private', start: utc('2027-02-04T01:00:00Z'), end: utc('2027-02-04T02:00:00Z') });
    await change(id, 'created');
    expect(byTitle('Doctor')).toHaveLength(0);

    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_PRIVATE_EVENTS: 'true' });
    await change(id);
    expect(byTitle('Doctor')).toHaveLength(1);
  });

  it('with SYNC_DELETES=unlink a cancelled meeting is still cancelled (a cancellation is not a deletion), a deleted one is kept', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_EVENTS_PAST_DAYS: String(PAST_DAYS), SYNC_EVENTS_FUTURE_DAYS: String(FUTURE_DAYS), SYNC_DELETES: 'unlink' });
    const cancelled = addEvent({ subject: 'Unlink demo', start: utc('2027-02-07T01:00:00Z'), end: utc('2027-02-07T02:00:00Z') });
    await change(cancelled, 'created');
    const record = byTitle('Unlink demo')[0];
    sys.graph.events.update(userId, cancelled, { isCancelled: true });
    await change(cancelled);
    expect(sys.zoho.cancellations).toContainEqual({ eventId: record.id, sendCancellingMail: false });
    expect(await report(cancelled)).toMatchObject({ result: 'deleted', reason: 'the meeting was cancelled in Outlook' });

    const deleted = addEvent({ subject: 'Unlink lunch', start: utc('2027-02-07T03:00:00Z'), end: utc('2027-02-07T04:00:00Z') });
    await change(deleted, 'created');
    const lunch = byTitle('Unlink lunch')[0];
    sys.graph.events.remove(userId, deleted);
    await change(deleted, 'deleted');
    expect(sys.zoho.record('Events', lunch.id)).toBeDefined();
    expect(sys.zoho.cancellations.some((c) => c.eventId === lunch.id)).toBe(false);
    expect((await report(deleted))?.reason).toMatch(/kept/);
  });

  it('cancels the Zoho event of a cancelled meeting without a mail, and deletes a deleted one', async () => {
    const cancelled = addEvent({ subject: 'Demo', start: utc('2027-02-05T01:00:00Z'), end: utc('2027-02-05T02:00:00Z'), attendees: [{ type: 'required', emailAddress: { address: 'guest@example.org' } }] });
    await change(cancelled, 'created');
    const record = byTitle('Demo')[0];
    sys.graph.events.update(userId, cancelled, { isCancelled: true });
    await change(cancelled);
    expect(sys.zoho.cancellations).toContainEqual({ eventId: record.id, sendCancellingMail: false });
    expect(sys.zoho.record('Events', record.id)).toBeDefined();
    expect(await report(cancelled)).toMatchObject({ result: 'deleted', reason: 'the meeting was cancelled in Outlook', zohoId: record.id });
    expect(await linkOf(cancelled)).toBeUndefined();

    // Zoho refuses the cancel (403, read-only sharing): reported as no permission, the link stays.
    const guarded = addEvent({ subject: 'Board meeting', start: utc('2027-02-05T03:00:00Z'), end: utc('2027-02-05T04:00:00Z') });
    await change(guarded, 'created');
    const board = byTitle('Board meeting')[0];
    sys.zoho.denyPermission({ module: 'Events', recordId: String(board.id), operations: ['edit'] });
    sys.graph.events.update(userId, guarded, { isCancelled: true });
    await change(guarded);
    expect(sys.zoho.cancellations.some((c) => c.eventId === board.id)).toBe(false);
    expect(await report(guarded)).toMatchObject({ result: 'skipped', reason: 'no permission', code: 'NO_PERMISSION' });
    expect(await linkOf(guarded)).toMatchObject({ state: 'linked', zohoId: board.id });

    // Deleted in Zoho meanwhile: the cancel answers INVALID_DATA on the id, read as already gone.
    const orphan = addEvent({ subject: 'Orphaned demo', start: utc('2027-02-05T05:00:00Z'), end: utc('2027-02-05T06:00:00Z') });
    await change(orphan, 'created');
    const orphanRecord = byTitle('Orphaned demo')[0];
    await sys.runtime().zoho.deleteRecords('Events', [String(orphanRecord.id)]);
    sys.graph.events.update(userId, orphan, { isCancelled: true });
    await change(orphan);
    expect(await report(orphan)).toMatchObject({ result: 'deleted', reason: 'the meeting was cancelled in Outlook; the Zoho record was already gone' });
    expect(await linkOf(orphan)).toBeUndefined();

    const deleted = addEvent({ subject: 'Lunch', start: utc('2027-02-06T01:00:00Z'), end: utc('2027-02-06T02:00:00Z') });
    await change(deleted, 'created');
    const lunch = byTitle('Lunch')[0];
    sys.graph.events.remove(userId, deleted);
    await change(deleted, 'deleted');
    expect(sys.zoho.record('Events', lunch.id)).toBeUndefined();
  });
});

describe('a weekly series', () => {
  const window = () => syncWindow(new Date(), PAST_DAYS, FUTURE_DAYS);

  function addSeries(subject: string): { masterId: string; occurrences: { id: string; date: string; startMs: number }[] } {
    // Started ten weeks ago and never ends: only the window's occurrences may reach Zoho.
    const first = new Date(Math.floor(Date.now() / DAY) * DAY - 70 * DAY);
    const date = first.toISOString().slice(0, 10);
    const weekday = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][first.getUTCDay()];
    const master = sys.graph.events.add(userId, {
      subject, categories: [CATEGORY], start: utc(`${date}T17:00:00Z`), end: utc(`${date}T18:00:00Z`),
      originalStartTimeZone: 'Pacific Standard Time', originalEndTimeZone: 'Pacific Standard Time',
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: [weekday] }, range: { type: 'noEnd', startDate: date } },
    });
    const w = window();
    const occurrences = sys.graph.events.instances(userId, String(master.id), w.start, w.end).map((o) => {
      const startMs = Date.parse(`${(o.start as { dateTime: string }).dateTime}Z`);
      return { id: String(o.id), date: new Date(startMs).toISOString().slice(0, 10), startMs };
    });
    // A weekly series over the 8-week window: without occurrences every check below would be empty.
    expect(occurrences.length).toBeGreaterThanOrEqual(7);
    return { masterId: String(master.id), occurrences };
  }

  it('yields one Zoho event per occurrence in the window; one changed occurrence changes one Zoho event; cancelling cancels all', async () => {
    const { masterId, occurrences } = addSeries('Pipeline review');
    await change(masterId, 'created');

    const records = byTitle('Pipeline review');
    expect(records).toHaveLength(occurrences.length);
    expect(records.map((r) => Date.parse(String(r.Start_DateTime))).sort()).toEqual(occurrences.map((o) => o.startMs).sort());
    const zohoIds = new Map<string, string>();
    for (const o of occurrences) zohoIds.set(o.id, (await linkOf(o.id))!.zohoId!);
    expect(new Set(zohoIds.values()).size).toBe(occurrences.length);
    expect(await linkOf(masterId)).toBeUndefined();

    // One occurrence gets its own agenda; Graph notifies the exception and the master.
    const target = occurrences[3];
    sys.graph.events.updateOccurrence(userId, masterId, target.date, { subject: 'Pipeline review: pricing' });
    const writesBefore = sys.zoho.writes.length;
    const reads = () => sys.graph.calls.snapshot()['GET /users/{id}/events/{id}'] ?? 0;
    const readsBefore = reads();
    await sys.graph.notifications.changes([
      { userId, kind: 'event', id: target.id, changeType: 'updated' },
      { userId, kind: 'event', id: masterId, changeType: 'updated' },
    ]);
    await sys.runQueue({ includeDelayed: true });
    const eventWrites = sys.zoho.writes.slice(writesBefore).filter((w) => w.module === 'Events');
    expect(eventWrites.reduce((n, w) => n + w.records, 0)).toBe(1);
    // The fan-out compares each listed occurrence with its link: unchanged ones are not re-read.
    expect(reads() - readsBefore).toBeLessThanOrEqual(3);
    expect(sys.zoho.record('Events', zohoIds.get(target.id)!)).toMatchObject({ Event_Title: 'Pipeline review: pricing' });
    expect(byTitle('Pipeline review')).toHaveLength(occurrences.length - 1);

    // One occurrence deleted in Outlook: its Zoho event goes, the others stay.
    const dropped = occurrences[5];
    sys.graph.events.cancelOccurrence(userId, masterId, dropped.date);
    await change(masterId);
    expect(sys.zoho.record('Events', zohoIds.get(dropped.id)!)).toBeUndefined();
    expect(byTitle('Pipeline review')).toHaveLength(occurrences.length - 2);

    // The organizer cancels the series: every remaining occurrence is cancelled, none mailed.
    sys.graph.events.update(userId, masterId, { isCancelled: true });
    const cancelsBefore = sys.zoho.cancellations.length;
    await change(masterId);
    const cancelled = sys.zoho.cancellations.slice(cancelsBefore);
    const remaining = occurrences.filter((o) => o.id !== dropped.id).map((o) => zohoIds.get(o.id));
    expect(cancelled.map((c) => c.eventId).sort()).toEqual(remaining.sort());
    expect(cancelled.every((c) => c.sendCancellingMail === false)).toBe(true);
    for (const o of occurrences) expect(await linkOf(o.id)).toBeUndefined();
  });

  it('remembers which occurrences belong to a series until the mailbox is deprovisioned', async () => {
    const { masterId, occurrences } = addSeries('Office hours');
    await change(masterId, 'created');
    const series = new EventSeriesRepository(sys.runtime().tables);
    expect((await series.members(userId, masterId)).sort()).toEqual(occurrences.map((o) => o.id).sort());
    expect(await series.deleteAllForUser(userId)).toBeGreaterThanOrEqual(occurrences.length);
    expect(await series.members(userId, masterId)).toEqual([]);
  });

  it('deleting the series deletes its Zoho events', async () => {
    const { masterId, occurrences } = addSeries('Standup');
    await change(masterId, 'created');
    expect(byTitle('Standup')).toHaveLength(occurrences.length);
    sys.graph.events.remove(userId, masterId);
    await change(masterId, 'deleted');
    expect(byTitle('Standup')).toHaveLength(0);
    for (const o of occurrences) expect(await linkOf(o.id)).toBeUndefined();
  });
});
