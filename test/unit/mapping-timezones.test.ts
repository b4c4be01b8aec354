import {
  instantFromIso,
  localDate,
  offsetMinutesAt,
  resolveTimeZone,
  toZohoDateTime,
  wallClockToInstant,
  WINDOWS_TO_IANA,
} from '../../lib/mapping/timezones';

describe('resolveTimeZone', () => {
  test.each([
    ['Tokyo Standard Time', 'Asia/Tokyo'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['India Standard Time', 'Asia/Calcutta'],
    ['AUS Eastern Standard Time', 'Australia/Sydney'],
    ['UTC-11', 'Etc/GMT+11'],
    ['UTC+12', 'Etc/GMT-12'],
    ['UTC', 'Etc/UTC'],
    ['tzone://Microsoft/Utc', 'Etc/UTC'],
    ['  pacific standard time ', 'America/Los_Angeles'],
    ['Mexico Standard Time 2', 'America/Chihuahua'],
    ['Asia/Tokyo', 'Asia/Tokyo'],
    ['Europe/Berlin', 'Europe/Berlin'],
    ['america/new_york', 'America/New_York'],
  ])('%j → %s', (name, iana) => {
    expect(resolveTimeZone(name)).toBe(iana);
  });

  test.each([
    ['tzone://Microsoft/Custom'],
    ['Customized Time Zone'],
    ['(UTC+09:00) Osaka, Sapporo, Tokyo'],
    ['+09:00'],
    ['Mars/Olympus_Mons'],
    [''],
    ['   '],
    [null],
    [undefined],
  ])('%j → undefined', (name) => {
    expect(resolveTimeZone(name)).toBeUndefined();
  });

  test('the CLDR 001 table is complete and every zone exists in this runtime', () => {
    const entries = Object.entries(WINDOWS_TO_IANA);
    expect(entries).toHaveLength(139);
    for (const [windows, iana] of entries) {
      expect(resolveTimeZone(windows)).toBe(iana);
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: iana })).not.toThrow();
    }
  });
});

describe('toZohoDateTime: offset of that instant in that zone', () => {
  test.each([
    // Tokyo has no DST: +09:00 all year
    ['2026-01-15T01:00:00Z', 'Tokyo Standard Time', '2026-01-15T10:00:00+09:00'],
    ['2026-07-15T01:00:00Z', 'Tokyo Standard Time', '2026-07-15T10:00:00+09:00'],
    ['2026-12-31T15:00:00Z', 'Asia/Tokyo', '2027-01-01T00:00:00+09:00'],
    // Pacific, either side of the 2026 changes (Mar 8 02:00, Nov 1 02:00)
    ['2026-03-06T17:00:00Z', 'Pacific Standard Time', '2026-03-06T09:00:00-08:00'],
    ['2026-03-09T16:00:00Z', 'Pacific Standard Time', '2026-03-09T09:00:00-07:00'],
    ['2026-10-30T16:00:00Z', 'Pacific Standard Time', '2026-10-30T09:00:00-07:00'],
    ['2026-11-02T17:00:00Z', 'Pacific Standard Time', '2026-11-02T09:00:00-08:00'],
    // ... and at the very seconds of the changes
    ['2026-03-08T09:59:59Z', 'Pacific Standard Time', '2026-03-08T01:59:59-08:00'],
    ['2026-03-08T10:00:00Z', 'Pacific Standard Time', '2026-03-08T03:00:00-07:00'],
    ['2026-11-01T08:59:59Z', 'Pacific Standard Time', '2026-11-01T01:59:59-07:00'],
    ['2026-11-01T09:00:00Z', 'Pacific Standard Time', '2026-11-01T01:00:00-08:00'],
    // Europe and the southern hemisphere
    ['2026-01-15T09:00:00Z', 'W. Europe Standard Time', '2026-01-15T10:00:00+01:00'],
    ['2026-07-15T09:00:00Z', 'W. Europe Standard Time', '2026-07-15T11:00:00+02:00'],
    ['2026-01-15T00:00:00Z', 'AUS Eastern Standard Time', '2026-01-15T11:00:00+11:00'],
    ['2026-07-15T00:00:00Z', 'AUS Eastern Standard Time', '2026-07-15T10:00:00+10:00'],
    // odd offsets
    ['2026-04-10T01:00:00Z', 'India Standard Time', '2026-04-10T06:30:00+05:30'],
    ['2026-04-10T01:00:00Z', 'Nepal Standard Time', '2026-04-10T06:45:00+05:45'],
    ['2026-01-15T00:00:00Z', 'Chatham Islands Standard Time', '2026-01-15T13:45:00+13:45'],
    ['2026-07-15T00:00:00Z', 'Lord Howe Standard Time', '2026-07-15T10:30:00+10:30'],
    ['2026-04-10T13:00:00Z', 'Dateline Standard Time', '2026-04-10T01:00:00-12:00'],
    ['2026-04-10T13:00:00Z', 'Newfoundland Standard Time', '2026-04-10T10:30:00-02:30'],
    ['2026-04-10T13:00:00Z', 'UTC', '2026-04-10T13:00:00+00:00'],
    ['2026-04-10T13:00:00Z', 'tzone://Microsoft/Utc', '2026-04-10T13:00:00+00:00'],
  ])('%s in %s → %s', (instant, zone, expected) => {
    expect(toZohoDateTime(instant, zone)).toBe(expected);
  });

  test.each([
    ['a Date', new Date('2026-04-10T01:00:00.999Z')],
    ['epoch ms', Date.parse('2026-04-10T01:00:00.999Z')],
    ["Graph's offset-less UTC with 7 fractional digits", '2026-04-10T01:00:00.9990000'],
    ['ISO with an offset', '2026-04-10T10:00:00.999+09:00'],
  ])('accepts %s and drops fractions of a second', (_label, instant) => {
    expect(toZohoDateTime(instant, 'Tokyo Standard Time')).toBe('2026-04-10T10:00:00+09:00');
  });

  test.each([
    ['unknown zone', '2026-04-10T01:00:00Z', 'tzone://Microsoft/Custom'],
    ['not a date-time', 'tomorrow', 'UTC'],
    ['impossible date', '2026-02-30T00:00:00Z', 'UTC'],
  ])('rejects %s', (_label, instant, zone) => {
    expect(() => toZohoDateTime(instant, zone)).toThrow(RangeError);
  });

  test('the offset in the text always denotes the instant itself (hourly through 2026)', () => {
    const zones = ['America/Los_Angeles', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Tokyo', 'Pacific/Chatham'];
    const start = Date.UTC(2026, 0, 1);
    const wrong: string[] = [];
    for (const zone of zones) {
      for (let ms = start; ms < start + 366 * 86400000; ms += 3600000) {
        const text = toZohoDateTime(ms, zone);
        if (instantFromIso(text) !== ms) wrong.push(`${zone} ${new Date(ms).toISOString()} → ${text}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('offsetMinutesAt', () => {
    expect(offsetMinutesAt(Date.parse('2026-03-08T10:00:00Z'), 'America/Los_Angeles')).toBe(-420);
    expect(offsetMinutesAt(Date.parse('2026-03-08T09:59:59Z'), 'America/Los_Angeles')).toBe(-480);
  });
});

describe('wallClockToInstant: Graph {dateTime, timeZone} pairs', () => {
  test.each([
    ['default UTC answer', '2026-03-06T17:00:00.0000000', 'UTC', '2026-03-06T17:00:00.000Z'],
    ['Prefer: outlook.timezone Tokyo', '2026-04-10T10:00:00.0000000', 'Tokyo Standard Time', '2026-04-10T01:00:00.000Z'],
    ['Prefer: outlook.timezone Pacific, winter', '2026-03-06T09:00:00.0000000', 'Pacific Standard Time', '2026-03-06T17:00:00.000Z'],
    ['Prefer: outlook.timezone Pacific, summer', '2026-03-09T09:00:00.0000000', 'Pacific Standard Time', '2026-03-09T16:00:00.000Z'],
    ['IANA zone', '2026-07-01T10:00:00', 'Europe/Berlin', '2026-07-01T08:00:00.000Z'],
    ['fractions kept to the millisecond', '2026-04-10T10:00:00.1234567', 'Asia/Tokyo', '2026-04-10T01:00:00.123Z'],
    ['minutes only', '2026-04-10T10:00', 'Asia/Tokyo', '2026-04-10T01:00:00.000Z'],
    ['a date alone is its midnight', '2026-04-10', 'Asia/Tokyo', '2026-04-09T15:00:00.000Z'],
    ['an explicit offset wins over the zone', '2026-04-10T10:00:00+09:00', 'Pacific Standard Time', '2026-04-10T01:00:00.000Z'],
    ['spring-forward gap moves forward (02:30 → 03:30 PDT)', '2026-03-08T02:30:00', 'Pacific Standard Time', '2026-03-08T10:30:00.000Z'],
    ['autumn overlap takes the earlier instant (01:30 PDT)', '2026-11-01T01:30:00', 'Pacific Standard Time', '2026-11-01T08:30:00.000Z'],
    ['just after the overlap', '2026-11-01T02:00:00', 'Pacific Standard Time', '2026-11-01T10:00:00.000Z'],
    ['southern-hemisphere gap (Sydney, Oct 4 02:30)', '2026-10-04T02:30:00', 'AUS Eastern Standard Time', '2026-10-03T16:30:00.000Z'],
  ])('%s', (_label, dateTime, zone, expected) => {
    expect(wallClockToInstant(dateTime, zone).toISOString()).toBe(expected);
  });

  test.each([
    ['garbage', 'soon', 'UTC'],
    ['impossible date', '2026-02-29T10:00:00', 'UTC'],
    ['hour 24', '2026-04-10T24:00:00', 'UTC'],
    ['unknown zone', '2026-04-10T10:00:00', 'tzone://Microsoft/Custom'],
  ])('rejects %s', (_label, dateTime, zone) => {
    expect(() => wallClockToInstant(dateTime, zone)).toThrow(RangeError);
  });

  test('round trip: every existing wall-clock time of 2026 in Los Angeles comes back unchanged', () => {
    const wrong: string[] = [];
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 1800000) {
      const wall = new Date(ms).toISOString().slice(0, 19);
      const back = toZohoDateTime(wallClockToInstant(wall, 'America/Los_Angeles'), 'America/Los_Angeles').slice(0, 19);
      const inGap = wall.startsWith('2026-03-08T02:');
      if (back !== (inGap ? `2026-03-08T03:${wall.slice(14)}` : wall)) wrong.push(`${wall} → ${back}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('instantFromIso and localDate', () => {
  test.each([
    ['2026-04-10T10:00:00+09:00', Date.UTC(2026, 3, 10, 1)],
    ['2026-04-10T10:00:00+0900', Date.UTC(2026, 3, 10, 1)],
    ['2026-04-10T01:00:00Z', Date.UTC(2026, 3, 10, 1)],
    ['2026-04-10T01:00:00.500z', Date.UTC(2026, 3, 10, 1, 0, 0, 500)],
    ['2026-03-08T01:30:00-08:00', Date.UTC(2026, 2, 8, 9, 30)],
    ['2026-04-10T10:00:00', undefined],
    ['2026-04-10', undefined],
    ['2026-13-01T00:00:00Z', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j', (value, expected) => {
    expect(instantFromIso(value)).toBe(expected);
  });

  test.each([
    ['2026-05-03T15:00:00Z', 'Tokyo Standard Time', '2026-05-04'],
    ['2026-05-03T15:00:00Z', 'Pacific Standard Time', '2026-05-03'],
  ])('localDate(%s, %s) = %s', (instant, zone, date) => {
    expect(localDate(instant, zone)).toBe(date);
  });
});
