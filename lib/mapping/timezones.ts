/**
 * Time zones between Graph and Zoho.
 *
 * Graph names zones the Windows way ("Tokyo Standard Time") in `originalStartTimeZone` and in
 * `{dateTime, timeZone}` pairs, but IANA names, "UTC" and "tzone://Microsoft/Utc" occur too.
 * Zoho wants `yyyy-MM-ddTHH:mm:ss±HH:mm` (zoho.md §4), so every conversion ends in an explicit
 * offset, computed with Intl for the instant itself: a fixed "zone → offset" table would be wrong
 * for half the year in every zone with daylight saving time.
 *
 * Pure: no I/O, no clock. Intl formatters are cached per zone because building one is the
 * expensive part of Intl and a sync run formats thousands of date-times in a handful of zones.
 */

/**
 * Unicode CLDR `common/supplemental/windowsZones.xml`, every `territory="001"` row: the one
 * IANA zone that stands for each Windows zone. Copied verbatim (including CLDR's own spellings
 * such as Asia/Calcutta and Europe/Kiev, which ICU keeps as aliases), so it can be diffed against
 * a newer CLDR release.
 */
export const WINDOWS_TO_IANA: Readonly<Record<string, string>> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'UTC-11': 'Etc/GMT+11',
  'Aleutian Standard Time': 'America/Adak',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Marquesas Standard Time': 'Pacific/Marquesas',
  'Alaskan Standard Time': 'America/Anchorage',
  'UTC-09': 'Etc/GMT+9',
  'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'UTC-08': 'Etc/GMT+8',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time (Mexico)': 'America/Mazatlan',
  'Mountain Standard Time': 'America/Denver',
  'Yukon Standard Time': 'America/Whitehorse',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Easter Island Standard Time': 'Pacific/Easter',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Canada Central Standard Time': 'America/Regina',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time (Mexico)': 'America/Cancun',
  'Eastern Standard Time': 'America/New_York',
  'Haiti Standard Time': 'America/Port-au-Prince',
  'Cuba Standard Time': 'America/Havana',
  'US Eastern Standard Time': 'America/Indianapolis',
  'Turks And Caicos Standard Time': 'America/Grand_Turk',
  'Paraguay Standard Time': 'America/Asuncion',
  'Atlantic Standard Time': 'America/Halifax',
  'Venezuela Standard Time': 'America/Caracas',
  'Central Brazilian Standard Time': 'America/Cuiaba',
  'SA Western Standard Time': 'America/La_Paz',
  'Pacific SA Standard Time': 'America/Santiago',
  'Newfoundland Standard Time': 'America/St_Johns',
  'Tocantins Standard Time': 'America/Araguaina',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'SA Eastern Standard Time': 'America/Cayenne',
  'Argentina Standard Time': 'America/Buenos_Aires',
  'Greenland Standard Time': 'America/Godthab',
  'Montevideo Standard Time': 'America/Montevideo',
  'Magallanes Standard Time': 'America/Punta_Arenas',
  'Saint Pierre Standard Time': 'America/Miquelon',
  'Bahia Standard Time': 'America/Bahia',
  'UTC-02': 'Etc/GMT+2',
  'Azores Standard Time': 'Atlantic/Azores',
  'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Sao Tome Standard Time': 'Africa/Sao_Tome',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'Jordan Standard Time': 'Asia/Amman',
  'GTB Standard Time': 'Europe/Bucharest',
  'Middle East Standard Time': 'Asia/Beirut',
  'Egypt Standard Time': 'Africa/Cairo',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'Syria Standard Time': 'Asia/Damascus',
  'West Bank Standard Time': 'Asia/Hebron',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'FLE Standard Time': 'Europe/Kiev',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Sudan Standard Time': 'Africa/Juba',
  'Kaliningrad Standard Time': 'Europe/Kaliningrad',
  'Sudan Standard Time': 'Africa/Khartoum',
  'Libya Standard Time': 'Africa/Tripoli',
  'Namibia Standard Time': 'Africa/Windhoek',
  'Arabic Standard Time': 'Asia/Baghdad',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arab Standard Time': 'Asia/Riyadh',
  'Belarus Standard Time': 'Europe/Minsk',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Astrakhan Standard Time': 'Europe/Astrakhan',
  'Azerbaijan Standard Time': 'Asia/Baku',
  'Russia Time Zone 3': 'Europe/Samara',
  'Mauritius Standard Time': 'Indian/Mauritius',
  'Saratov Standard Time': 'Europe/Saratov',
  'Georgian Standard Time': 'Asia/Tbilisi',
  'Volgograd Standard Time': 'Europe/Volgograd',
  'Caucasus Standard Time': 'Asia/Yerevan',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'West Asia Standard Time': 'Asia/Tashkent',
  'Ekaterinburg Standard Time': 'Asia/Yekaterinburg',
  'Pakistan Standard Time': 'Asia/Karachi',
  'Qyzylorda Standard Time': 'Asia/Qyzylorda',
  'India Standard Time': 'Asia/Calcutta',
  'Sri Lanka Standard Time': 'Asia/Colombo',
  'Nepal Standard Time': 'Asia/Katmandu',
  'Central Asia Standard Time': 'Asia/Bishkek',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'Omsk Standard Time': 'Asia/Omsk',
  'Myanmar Standard Time': 'Asia/Rangoon',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'Altai Standard Time': 'Asia/Barnaul',
  'W. Mongolia Standard Time': 'Asia/Hovd',
  'North Asia Standard Time': 'Asia/Krasnoyarsk',
  'N. Central Asia Standard Time': 'Asia/Novosibirsk',
  'Tomsk Standard Time': 'Asia/Tomsk',
  'China Standard Time': 'Asia/Shanghai',
  'North Asia East Standard Time': 'Asia/Irkutsk',
  'Singapore Standard Time': 'Asia/Singapore',
  'W. Australia Standard Time': 'Australia/Perth',
  'Taipei Standard Time': 'Asia/Taipei',
  'Ulaanbaatar Standard Time': 'Asia/Ulaanbaatar',
  'Aus Central W. Standard Time': 'Australia/Eucla',
  'Transbaikal Standard Time': 'Asia/Chita',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'North Korea Standard Time': 'Asia/Pyongyang',
  'Korea Standard Time': 'Asia/Seoul',
  'Yakutsk Standard Time': 'Asia/Yakutsk',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'West Pacific Standard Time': 'Pacific/Port_Moresby',
  'Tasmania Standard Time': 'Australia/Hobart',
  'Vladivostok Standard Time': 'Asia/Vladivostok',
  'Lord Howe Standard Time': 'Australia/Lord_Howe',
  'Bougainville Standard Time': 'Pacific/Bougainville',
  'Russia Time Zone 10': 'Asia/Srednekolymsk',
  'Magadan Standard Time': 'Asia/Magadan',
  'Norfolk Standard Time': 'Pacific/Norfolk',
  'Sakhalin Standard Time': 'Asia/Sakhalin',
  'Central Pacific Standard Time': 'Pacific/Guadalcanal',
  'Russia Time Zone 11': 'Asia/Kamchatka',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'UTC+12': 'Etc/GMT-12',
  'Fiji Standard Time': 'Pacific/Fiji',
  'Chatham Islands Standard Time': 'Pacific/Chatham',
  'UTC+13': 'Etc/GMT-13',
  'Tonga Standard Time': 'Pacific/Tongatapu',
  'Samoa Standard Time': 'Pacific/Apia',
  'Line Islands Standard Time': 'Pacific/Kiritimati',
};

/**
 * Windows zones Microsoft has retired but that old calendar items still carry in
 * `originalStartTimeZone` (they were in CLDR's table when Windows shipped them).
 */
const RETIRED_WINDOWS_ZONES: Readonly<Record<string, string>> = {
  'Armenian Standard Time': 'Asia/Yerevan',
  'Kamchatka Standard Time': 'Asia/Kamchatka',
  'Mexico Standard Time': 'America/Mexico_City',
  'Mexico Standard Time 2': 'America/Chihuahua',
  'Mid-Atlantic Standard Time': 'Etc/GMT+2',
};

/** Graph is consistent about case, but a name typed into a setting need not be. */
const WINDOWS_BY_LOWER_NAME = new Map(
  Object.entries({ ...RETIRED_WINDOWS_ZONES, ...WINDOWS_TO_IANA }).map(([name, iana]) => [name.toLowerCase(), iana]),
);

/** Exchange's own spellings of UTC. `tzone://Microsoft/Custom` has no meaning outside Exchange. */
const MICROSOFT_UTC_NAMES = new Set(['tzone://microsoft/utc']);

/** IANA names are letters, digits and `/_+-`; anything else (offsets, URIs, display names) is not one. */
const IANA_SHAPE = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat | undefined {
  const cached = formatters.get(zone);
  if (cached) return cached;
  try {
    const created = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, created);
    return created;
  } catch {
    return undefined;
  }
}

/**
 * IANA zone for a Graph/Outlook zone name (Windows, IANA, "UTC", "tzone://Microsoft/Utc"), or
 * undefined when it is unknown (for example "tzone://Microsoft/Custom" or "Customized Time Zone").
 */
export function resolveTimeZone(name: string | null | undefined): string | undefined {
  const trimmed = name?.trim();
  if (!trimmed) return undefined;
  const lower = trimmed.toLowerCase();
  const windows = WINDOWS_BY_LOWER_NAME.get(lower);
  if (windows) return windows;
  if (MICROSOFT_UTC_NAMES.has(lower)) return 'Etc/UTC';
  if (!IANA_SHAPE.test(trimmed)) return undefined;
  return formatterFor(trimmed)?.resolvedOptions().timeZone;
}

function requireZone(name: string): string {
  const zone = resolveTimeZone(name);
  if (!zone) throw new RangeError(`Unknown time zone: ${JSON.stringify(name)}`);
  return zone;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** UTC offset in minutes (east positive) of `zone` at the given instant. */
export function offsetMinutesAt(instantMs: number, ianaZone: string): number {
  const formatter = formatterFor(ianaZone);
  if (!formatter) throw new RangeError(`Unknown time zone: ${JSON.stringify(ianaZone)}`);
  const seconds = Math.floor(instantMs / 1000) * 1000;
  const part: Record<string, number> = {};
  for (const p of formatter.formatToParts(new Date(seconds))) {
    if (p.type !== 'literal') part[p.type] = Number(p.value);
  }
  const wallAsUtc = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
  // Whole minutes: zones with second-level offsets only exist before ~1900 (local mean time).
  return Math.round((wallAsUtc - seconds) / 60000);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/;
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Wall-clock fields as if they were UTC, in ms; undefined for impossible dates such as Feb 30. */
function fieldsAsUtc(m: RegExpMatchArray): number | undefined {
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v)));
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const utc = Date.UTC(y!, mo! - 1, d!, h, mi, s, ms);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h) {
    return undefined;
  }
  return mi < 60 && s < 60 ? utc : undefined;
}

/**
 * Epoch ms of an ISO 8601 date-time that carries its own offset (`Z`, `+09:00`, `+0900`), as Zoho
 * returns them; undefined for anything else. Stricter than Date.parse, which guesses at garbage.
 */
export function instantFromIso(value: string | null | undefined): number | undefined {
  const m = value?.trim().match(OFFSET_DATE_TIME);
  if (!m) return undefined;
  const wall = fieldsAsUtc(m);
  if (wall === undefined) return undefined;
  const offset = m[8]!;
  if (offset.toUpperCase() === 'Z') return wall;
  const digits = offset.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return wall - (digits[0] === '-' ? -minutes : minutes) * 60000;
}

function toEpochMs(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  const withOffset = instantFromIso(value);
  if (withOffset !== undefined) return withOffset;
  // Graph's offset-less UTC form (`2026-01-01T00:00:00.0000000` with timeZone "UTC").
  const m = value.trim().match(LOCAL_DATE_TIME);
  const wall = m ? fieldsAsUtc(m) : undefined;
  if (wall === undefined) throw new RangeError(`Not a date-time: ${JSON.stringify(value)}`);
  return wall;
}

/**
 * `yyyy-MM-ddTHH:mm:ss±HH:mm` for an instant as seen in `zone` (any name resolveTimeZone knows),
 * with the offset that zone has at that instant. Fractions of a second are dropped because Zoho
 * rejects them. A string without an offset is read as UTC, Graph's default.
 */
export function toZohoDateTime(utcInstant: Date | string | number, zone: string): string {
  const iana = requireZone(zone);
  const ms = Math.floor(toEpochMs(utcInstant) / 1000) * 1000;
  if (!Number.isFinite(ms)) throw new RangeError('Invalid instant');
  const offset = offsetMinutesAt(ms, iana);
  const wall = new Date(ms + offset * 60000);
  const date = `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`;
  const time = `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`;
  return `${date}T${time}${formatOffset(offset)}`;
}

/**
 * The instant a Graph `{dateTime, timeZone}` pair denotes. `dateTime` is wall-clock time without an
 * offset (`2026-03-09T09:00:00.0000000`): UTC by default, local time when the request carried
 * `Prefer: outlook.timezone`. A `dateTime` that does carry an offset is taken at its word.
 *
 * Wall-clock times that do not exist or exist twice around a DST change are resolved the way
 * Outlook and Temporal's "compatible" mode do: a time in the spring-forward gap moves forward by the
 * gap (02:30 → 03:30), a time in the autumn overlap takes the earlier of its two instants.
 */
export function wallClockToInstant(dateTime: string, zone: string): Date {
  const withOffset = instantFromIso(dateTime);
  if (withOffset !== undefined) return new Date(withOffset);
  const m = dateTime.trim().match(LOCAL_DATE_TIME);
  const wall = m ? fieldsAsUtc(m) : undefined;
  if (wall === undefined) throw new RangeError(`Not a date-time: ${JSON.stringify(dateTime)}`);
  const iana = requireZone(zone);

  // A day on either side brackets any single transition; both offsets are the only candidates.
  const DAY = 86400000;
  const before = offsetMinutesAt(wall - DAY, iana);
  const after = offsetMinutesAt(wall + DAY, iana);
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset * 60000)
    .filter((instant) => wall - offsetMinutesAt(instant, iana) * 60000 === instant);
  if (valid.length > 0) return new Date(Math.min(...valid));
  return new Date(wall - before * 60000);
}

/** `yyyy-MM-dd` of an instant as seen in `zone`. */
export function localDate(utcInstant: Date | string | number, zone: string): string {
  return toZohoDateTime(utcInstant, zone).slice(0, 10);
}
