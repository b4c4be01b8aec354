import { EVENT_SELECT, eventSchema, type GraphEvent } from '../../lib/graph/resources/event';
import {
  eventDedupKey,
  EventMappingError,
  inWindow,
  isSeriesMaster,
  mapEvent,
  sameEventKey,
  shouldSync,
  syncWindow,
  UNTITLED_EVENT,
} from '../../lib/mapping/event';
import allDayMultiJson from '../fixtures/graph/event.all-day-multi.json';
import allDayJson from '../fixtures/graph/event.all-day.json';
import attendeesJson from '../fixtures/graph/event.attendees.json';
import deltaDocJson from '../fixtures/graph/event.calendarview-delta.doc.json';
import pacificPageJson from '../fixtures/graph/event.calendarview-pacific-dst.json';
import getDocJson from '../fixtures/graph/event.get.doc.json';
import ianaJson from '../fixtures/graph/event.iana-zone.json';
import longTitleJson from '../fixtures/graph/event.long-title.json';
import pacificLocalJson from '../fixtures/graph/event.pacific-local-time.json';
import tokyoJson from '../fixtures/graph/event.tokyo.json';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const OPTIONS = { defaultTimeZone: 'Tokyo Standard Time' };

const tokyo = eventSchema.parse(tokyoJson);
const pacific = pacificPageJson.value.map((e) => eventSchema.parse(e));
const [weeklyMar6, weeklyMar13, weeklyOct30, weeklyNov6, overnight] = pacific as [GraphEvent, GraphEvent, GraphEvent, GraphEvent, GraphEvent];

function event(overrides: Partial<GraphEvent> = {}): GraphEvent {
  return { ...tokyo, ...overrides };
}

describe('event schema', () => {
  test.each([
    ['event.get.doc.json (Microsoft sample)', getDocJson],
    ['event.tokyo.json', tokyoJson],
    ['event.pacific-local-time.json', pacificLocalJson],
    ['event.all-day.json', allDayJson],
    ['event.all-day-multi.json', allDayMultiJson],
    ['event.iana-zone.json', ianaJson],
    ['event.long-title.json', longTitleJson],
    ['event.attendees.json', attendeesJson],
    ...pacificPageJson.value.map((e, i) => [`calendarview-pacific-dst.json #${i}`, e] as [string, unknown]),
    ...deltaDocJson.value.map((e, i) => [`calendarview-delta.doc.json #${i} (Microsoft sample)`, e] as [string, unknown]),
  ])('parses %s', (_name, json) => {
    expect(eventSchema.safeParse(json).success).toBe(true);
  });

  test('is lenient like Graph: nulls, string booleans and unknown keys', () => {
    const parsed = eventSchema.parse({
      id: 'x',
      subject: null,
      isAllDay: 'true',
      isCancelled: null,
      sensitivity: 'unknownFutureValue',
      location: {},
      attendees: [{ type: 'required', status: null, emailAddress: { name: null, address: 'a@b.com' } }],
      'calendar@odata.navigationLink': 'https://graph.microsoft.com/v1.0/...',
      hideAttendees: false,
    });
    expect(parsed.isAllDay).toBe(true);
    expect(parsed).not.toHaveProperty('hideAttendees');
  });

  test('a delta tombstone is just an id and @removed', () => {
    const tombstone = eventSchema.parse(deltaDocJson.value[0]);
    expect(tombstone['@removed']?.reason).toBe('deleted');
    expect(tombstone.start).toBeUndefined();
  });

  test('EVENT_SELECT names every property the mapping reads', () => {
    const selected = EVENT_SELECT.split(',');
    for (const p of ['subject', 'body', 'start', 'end', 'originalStartTimeZone', 'originalEndTimeZone', 'isAllDay', 'location', 'attendees', 'organizer', 'sensitivity', 'isCancelled', 'type', 'seriesMasterId', 'categories', 'changeKey']) {
      expect(selected).toContain(p);
    }
  });
});

describe('mapEvent: start and end in the event’s own zone (SPEC §2.3)', () => {
  test.each([
    ['Tokyo Standard Time, always +09:00', tokyo, '2026-04-10T10:00:00+09:00', '2026-04-10T11:30:00+09:00'],
    ['Pacific, Friday before the March change (-08:00)', weeklyMar6, '2026-03-06T09:00:00-08:00', '2026-03-06T10:00:00-08:00'],
    ['Pacific, Friday after the March change (-07:00)', weeklyMar13, '2026-03-13T09:00:00-07:00', '2026-03-13T10:00:00-07:00'],
    ['Pacific, Friday before the November change (-07:00)', weeklyOct30, '2026-10-30T09:00:00-07:00', '2026-10-30T10:00:00-07:00'],
    ['Pacific, Friday after the November change (-08:00)', weeklyNov6, '2026-11-06T09:00:00-08:00', '2026-11-06T10:00:00-08:00'],
    ['Pacific, across the March change itself', overnight, '2026-03-08T01:30:00-08:00', '2026-03-08T03:30:00-07:00'],
    ['Prefer: outlook.timezone answer (local wall-clock)', eventSchema.parse(pacificLocalJson), '2026-03-09T09:00:00-07:00', '2026-03-09T10:00:00-07:00'],
    ['IANA-named zone', eventSchema.parse(ianaJson), '2026-07-01T10:00:00+02:00', '2026-07-01T11:15:00+02:00'],
    ['W. Europe Standard Time in winter', eventSchema.parse(longTitleJson), '2026-01-15T14:00:00+01:00', '2026-01-15T15:00:00+01:00'],
    ['Microsoft sample without original zones (start.timeZone UTC)', eventSchema.parse(getDocJson), '2014-11-03T17:00:00+00:00', '2014-11-03T17:30:00+00:00'],
  ])('%s', (_label, e, start, end) => {
    const { record, warnings } = mapEvent(e, OPTIONS);
    expect(record.Start_DateTime).toBe(start);
    expect(record.End_DateTime).toBe(end);
    expect(record.All_day).toBe(false);
    expect(warnings.filter((w) => /zone/.test(w))).toEqual([]);
  });

  test.each([
    [
      'custom original zone → start.timeZone (Prefer answer)',
      { originalStartTimeZone: 'tzone://Microsoft/Custom', originalEndTimeZone: 'tzone://Microsoft/Custom', start: { dateTime: '2026-04-10T10:00:00.0000000', timeZone: 'Tokyo Standard Time' }, end: { dateTime: '2026-04-10T11:00:00.0000000', timeZone: 'Tokyo Standard Time' } },
      '2026-04-10T10:00:00+09:00',
      /start: unknown time zone "tzone:\/\/Microsoft\/Custom"; used Asia\/Tokyo/,
    ],
    [
      'custom original zone and UTC answer → UTC',
      { originalStartTimeZone: 'Customized Time Zone', originalEndTimeZone: 'Customized Time Zone' },
      '2026-04-10T01:00:00+00:00',
      /start: unknown time zone "Customized Time Zone"; used Etc\/UTC/,
    ],
    [
      'no original zone → start.timeZone',
      { originalStartTimeZone: null, originalEndTimeZone: null },
      '2026-04-10T01:00:00+00:00',
      undefined,
    ],
    [
      'nothing usable at all → defaultTimeZone',
      { originalStartTimeZone: null, originalEndTimeZone: null, start: { dateTime: '2026-04-10T10:00:00.0000000', timeZone: 'Not A Zone' }, end: { dateTime: '2026-04-10T11:00:00.0000000', timeZone: 'Not A Zone' } },
      '2026-04-10T10:00:00+09:00',
      /start: unknown time zone "Not A Zone"; used Asia\/Tokyo[\s\S]*start: unknown time zone "Not A Zone"; read as Asia\/Tokyo/,
    ],
  ])('zone fallback: %s', (_label, overrides, start, warning) => {
    const { record, warnings } = mapEvent(event(overrides as Partial<GraphEvent>), OPTIONS);
    expect(record.Start_DateTime).toBe(start);
    if (warning) expect(warnings.join('\n')).toMatch(warning);
    else expect(warnings).toEqual([]);
  });

  test('a missing start cannot become a Zoho event', () => {
    expect(() => mapEvent(event({ start: null }), OPTIONS)).toThrow(EventMappingError);
    expect(() => mapEvent(event({ end: { dateTime: 'whenever', timeZone: 'UTC' } }), OPTIONS)).toThrow(EventMappingError);
  });
});

describe('mapEvent: all-day events (00:00:00 of the first day to 23:59:59 of the last, in the event’s zone)', () => {
  test.each([
    ['one day, Tokyo, UTC answer', eventSchema.parse(allDayJson), '2026-05-04T00:00:00+09:00', '2026-05-04T23:59:59+09:00'],
    ['three days across the March DST change, Pacific', eventSchema.parse(allDayMultiJson), '2026-03-07T00:00:00-08:00', '2026-03-09T23:59:59-07:00'],
    [
      'Prefer answer in the event’s own zone',
      event({ isAllDay: true, start: { dateTime: '2026-05-04T00:00:00.0000000', timeZone: 'Tokyo Standard Time' }, end: { dateTime: '2026-05-05T00:00:00.0000000', timeZone: 'Tokyo Standard Time' } }),
      '2026-05-04T00:00:00+09:00',
      '2026-05-04T23:59:59+09:00',
    ],
    [
      'stored as converted instants (not midnight) is read in the event’s zone',
      event({ isAllDay: true, start: { dateTime: '2026-05-03T15:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-05-04T15:00:00.0000000', timeZone: 'UTC' } }),
      '2026-05-04T00:00:00+09:00',
      '2026-05-04T23:59:59+09:00',
    ],
  ])('%s', (_label, e, start, end) => {
    const { record } = mapEvent(e, OPTIONS);
    expect(record.All_day).toBe(true);
    expect(record.Start_DateTime).toBe(start);
    expect(record.End_DateTime).toBe(end);
  });
});

describe('mapEvent: text fields', () => {
  test('title, venue and an HTML body become plain text', () => {
    const { record, cutFields } = mapEvent(tokyo, OPTIONS);
    expect(record.Event_Title).toBe('見積もりレビュー / Quote review');
    expect(record.Venue).toBe('本社 3F 会議室A');
    expect(record.Description).toBe('議題: 見積もり v2\n\n- 価格 & 納期\n\n- 次回の打ち合わせ');
    expect(cutFields).toEqual([]);
  });

  test('Microsoft’s sample HTML body keeps the words and drops the markup', () => {
    const { record } = mapEvent(eventSchema.parse(getDocJson), OPTIONS);
    expect(record.Description).toMatch(/^New Product Regulations Strategy Online Touchpoint Meeting\n/);
    expect(record.Description).toContain('View group conversations | View group files');
    expect(record.Description).not.toMatch(/<|&nbsp;|&amp;/);
  });

  test('a text body keeps its lines, with LF line ends', () => {
    expect(mapEvent(overnight, OPTIONS).record.Description).toBe('Change freeze.\nOn-call: Irvin');
  });

  test('an over-long title and venue are cut to 255 characters without splitting an emoji, and reported', () => {
    const { record, cutFields, warnings } = mapEvent(eventSchema.parse(longTitleJson), OPTIONS);
    expect(Array.from(record.Event_Title)).toHaveLength(255);
    expect(record.Event_Title.endsWith('🚀')).toBe(true);
    expect(record.Event_Title).not.toMatch(LONE_SURROGATE);
    expect(Array.from(record.Venue!)).toHaveLength(255);
    expect(cutFields).toEqual(['Event_Title', 'Venue']);
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^Event_Title: shortened to 255/)]));
  });

  test('the org’s field lengths override the seed’s', () => {
    const rules = { Events: { Description: { maxLength: 10 } } };
    const { record, cutFields } = mapEvent(tokyo, { ...OPTIONS, rules });
    expect(Array.from(record.Description!)).toHaveLength(10);
    expect(cutFields).toEqual(['Description']);
  });

  test.each([
    ['no subject', { subject: null }, 'Event_Title', UNTITLED_EVENT],
    ['blank subject', { subject: '   ' }, 'Event_Title', UNTITLED_EVENT],
    ['no location', { location: null }, 'Venue', null],
    ['empty location', { location: { displayName: '' } }, 'Venue', null],
    ['empty HTML body', { body: { contentType: 'html', content: '<html><body></body></html>' } }, 'Description', null],
    ['no body', { body: null }, 'Description', null],
  ])('%s → %s %j', (_label, overrides, field, value) => {
    const { record } = mapEvent(event(overrides as Partial<GraphEvent>), OPTIONS);
    expect(record[field as keyof typeof record]).toBe(value);
  });

  test('Participants are left to the engine; attendee addresses to look up are returned', () => {
    const mapped = mapEvent(eventSchema.parse(attendeesJson), OPTIONS);
    expect(mapped.record).not.toHaveProperty('Participants');
    expect(mapped.attendeeEmails[0]).toBe('meganb@m365x214355.onmicrosoft.com');
    expect(mapped.attendeeEmails).not.toContain('rainier@m365x214355.onmicrosoft.com');
  });

  test('the mapped record has exactly the v8 API names of SPEC §2.3', () => {
    expect(Object.keys(mapEvent(tokyo, OPTIONS).record).sort()).toEqual(
      ['All_day', 'Description', 'End_DateTime', 'Event_Title', 'Start_DateTime', 'Venue'].sort(),
    );
  });
});

describe('eventDedupKey: subject, start and end, compared as instants', () => {
  const mapped = mapEvent(tokyo, OPTIONS).record;

  test.each([
    ['the same meeting read back from Zoho in the API user’s zone (UTC)', { Event_Title: mapped.Event_Title, Start_DateTime: '2026-04-10T01:00:00+00:00', End_DateTime: '2026-04-10T02:30:00+00:00' }, true],
    ['... in another offset', { Event_Title: ` ${mapped.Event_Title} `, Start_DateTime: '2026-04-09T18:00:00-07:00', End_DateTime: '2026-04-09T19:30:00-07:00' }, true],
    ['another title', { Event_Title: 'Quote review', Start_DateTime: mapped.Start_DateTime, End_DateTime: mapped.End_DateTime }, false],
    ['another end', { Event_Title: mapped.Event_Title, Start_DateTime: mapped.Start_DateTime, End_DateTime: '2026-04-10T12:00:00+09:00' }, false],
    ['the same wall-clock text in another zone', { Event_Title: mapped.Event_Title, Start_DateTime: '2026-04-10T10:00:00+00:00', End_DateTime: '2026-04-10T11:30:00+00:00' }, false],
  ])('%s → %s', (_label, zohoRecord, same) => {
    expect(sameEventKey(eventDedupKey(mapped), eventDedupKey(zohoRecord))).toBe(same);
  });

  test('the key holds instants', () => {
    expect(eventDedupKey(mapped)).toEqual({ title: mapped.Event_Title, start: Date.UTC(2026, 3, 10, 1), end: Date.UTC(2026, 3, 10, 2, 30) });
  });

  test.each([
    [{}],
    [{ Event_Title: 'x', Start_DateTime: '2026-04-10T10:00:00', End_DateTime: '2026-04-10T11:00:00+09:00' }],
    [{ Event_Title: '', Start_DateTime: '2026-04-10T10:00:00+09:00', End_DateTime: '2026-04-10T11:00:00+09:00' }],
    [{ Event_Title: 'x', Start_DateTime: null, End_DateTime: '2026-04-10T11:00:00+09:00' }],
  ])('no key for an incomplete record %j', (record) => {
    expect(eventDedupKey(record)).toBeUndefined();
    expect(sameEventKey(undefined, undefined)).toBe(false);
  });
});

describe('shouldSync', () => {
  test.each([
    ['normal', { sensitivity: 'normal', isCancelled: false }, false, 'sync'],
    ['personal', { sensitivity: 'personal', isCancelled: false }, false, 'sync'],
    ['private', { sensitivity: 'private', isCancelled: false }, false, 'skip-private'],
    ['private, includePrivate', { sensitivity: 'private', isCancelled: false }, true, 'sync'],
    ['confidential', { sensitivity: 'confidential', isCancelled: false }, false, 'skip-private'],
    ['Private (case)', { sensitivity: 'Private', isCancelled: null }, false, 'skip-private'],
    ['no sensitivity', { sensitivity: null, isCancelled: null }, false, 'sync'],
    ['cancelled', { sensitivity: 'normal', isCancelled: true }, false, 'cancel'],
    ['cancelled and private', { sensitivity: 'private', isCancelled: true }, false, 'cancel'],
  ])('%s → %s', (_label, e, includePrivate, decision) => {
    expect(shouldSync(e, { includePrivate })).toBe(decision);
  });

  test.each([
    ['seriesMaster', true],
    ['occurrence', false],
    ['exception', false],
    ['singleInstance', false],
    [null, false],
  ])('isSeriesMaster(%j) = %s', (type, expected) => {
    expect(isSeriesMaster({ type })).toBe(expected);
  });
});

describe('recurring series: occurrences in a window', () => {
  test('syncWindow spans whole UTC days, 30 back and 365 ahead by default', () => {
    const now = new Date('2026-03-15T13:45:12.345Z');
    expect(syncWindow(now)).toEqual({ start: '2026-02-13T00:00:00Z', end: '2027-03-16T00:00:00Z' });
    expect(syncWindow(now, 30, 365)).toEqual(syncWindow(new Date('2026-03-15T23:59:59.999Z')));
    expect(syncWindow(now, 0, 1)).toEqual({ start: '2026-03-15T00:00:00Z', end: '2026-03-17T00:00:00Z' });
  });

  const window = syncWindow(new Date('2026-03-15T13:45:12Z'), 7, 30); // 2026-03-08 .. 2026-04-15

  test.each([
    ['occurrence inside', weeklyMar13, true],
    ['occurrence before the window', weeklyMar6, false],
    ['occurrence after the window', weeklyOct30, false],
    ['event overlapping the window start', event({ start: { dateTime: '2026-03-07T23:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-08T01:00:00', timeZone: 'UTC' } }), true],
    ['event ending exactly at the window start', event({ start: { dateTime: '2026-03-07T23:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-08T00:00:00', timeZone: 'UTC' } }), false],
    ['event starting exactly at the window end', event({ start: { dateTime: '2026-04-15T00:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-04-15T01:00:00', timeZone: 'UTC' } }), false],
    ['zero-length event inside', event({ start: { dateTime: '2026-03-20T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-20T09:00:00', timeZone: 'UTC' } }), true],
    ['local-time answer (Prefer header)', event({ start: { dateTime: '2026-03-07T17:00:00', timeZone: 'Pacific Standard Time' }, end: { dateTime: '2026-03-07T17:30:00', timeZone: 'Pacific Standard Time' } }), true],
    ['delta tombstone', eventSchema.parse(deltaDocJson.value[0]), false],
  ])('inWindow: %s → %s', (_label, e, expected) => {
    expect(inWindow(e, window)).toBe(expected);
  });

  test('every occurrence is its own item, keyed by its own id', () => {
    const ids = new Set(pacific.slice(0, 4).map((e) => e.id));
    expect(ids.size).toBe(4);
    for (const occurrence of pacific.slice(0, 4)) {
      expect(occurrence.type).toBe('occurrence');
      expect(occurrence.seriesMasterId).toBe(weeklyMar6.seriesMasterId);
      expect(isSeriesMaster(occurrence)).toBe(false);
    }
  });

  test('Microsoft’s calendarView delta page: the tombstone is skipped, the event maps in UTC', () => {
    const items = deltaDocJson.value.map((e) => eventSchema.parse(e));
    const live = items.filter((e) => !e['@removed']);
    expect(live).toHaveLength(1);
    const { record } = mapEvent(live[0]!, OPTIONS);
    expect(record).toMatchObject({
      Event_Title: 'Attend service',
      Start_DateTime: '2016-12-25T06:00:00+00:00',
      End_DateTime: '2016-12-25T07:30:00+00:00',
      Venue: 'Chapel of Saint Ignatius',
      Description: null,
    });
  });
});
