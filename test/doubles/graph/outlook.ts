import { GraphHttpError } from './http';

/** Small pieces shared by the Outlook item areas (contacts, To Do, events, mail). */

export function itemNotFound(): GraphHttpError {
  return new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

/**
 * Validates a POST/PATCH body against the writable properties of `type` (Graph answers 400
 * RequestBodyRead for an unknown property) and returns them spelled as Graph spells them.
 * Read-only properties are ignored, as Graph does.
 */
export function writableFields(body: Record<string, unknown>, writable: readonly string[], readOnly: readonly string[], type: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (readOnly.some((r) => r.toLowerCase() === lower) || lower.startsWith('@odata.')) continue;
    const name = writable.find((w) => w.toLowerCase() === lower);
    if (!name) {
      throw new GraphHttpError(400, 'RequestBodyRead', `The property '${key}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
    }
    out[name] = value;
  }
  return out;
}

export function selectOf(query: URLSearchParams): string[] | undefined {
  return query.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Outlook's dateTimeTimeZone `dateTime`: no offset, seven fractional digits. */
export function outlookDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000');
}

/** Reads a dateTimeTimeZone; only UTC (and offset-less values taken as UTC) are supported. */
export function parseDateTimeTimeZone(value: unknown): number | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { dateTime?: unknown; timeZone?: unknown };
  if (typeof v.dateTime !== 'string') return undefined;
  const zone = typeof v.timeZone === 'string' ? v.timeZone : 'UTC';
  if (!/^(UTC|Etc\/UTC|GMT|Coordinated Universal Time)$/i.test(zone)) {
    throw new GraphHttpError(400, 'ErrorTimeZoneNotSupported', `The graph double only supports UTC times; got '${zone}'.`);
  }
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v.dateTime) ? v.dateTime : `${v.dateTime}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
