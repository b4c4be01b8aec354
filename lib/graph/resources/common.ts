/**
 * Building blocks shared by the Graph resource schemas.
 *
 * Graph is loose in practice: unset strings come back as null, empty complex values as `{}`,
 * documented samples carry booleans as strings, and every payload has `@odata.*` annotations.
 * The schemas therefore accept null wherever Graph may send it and strip unknown keys (zod's
 * default), so a new Graph property never breaks parsing and never leaks into a mapping.
 */
import { z } from 'zod';

/** A string Graph may send as null or leave out. */
export const optionalString = z.string().nullish();

/**
 * Booleans, tolerant of the string form seen in Microsoft's own samples (`"isRead": "true"`):
 * rejecting a whole item over that would drop a real change.
 */
export const lenientBoolean = z
  .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean())
  .nullish();

/** String collections; a stray null inside one is dropped rather than failing the item. */
export const stringList = z
  .preprocess((v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : v), z.array(z.string()))
  .nullish();

/** Annotations and the delta tombstone that may sit on any entity. */
export const entityAnnotations = {
  '@odata.type': optionalString,
  '@odata.etag': optionalString,
  '@removed': z.object({ reason: optionalString }).nullish(),
};

export const emailAddressSchema = z.object({
  name: optionalString,
  address: optionalString,
});
export type GraphEmailAddress = z.infer<typeof emailAddressSchema>;

export const recipientSchema = z.object({
  emailAddress: emailAddressSchema.nullish(),
});
export type GraphRecipient = z.infer<typeof recipientSchema>;

export const physicalAddressSchema = z.object({
  street: optionalString,
  city: optionalString,
  state: optionalString,
  postalCode: optionalString,
  countryOrRegion: optionalString,
});
export type GraphPhysicalAddress = z.infer<typeof physicalAddressSchema>;

/** itemBody; `contentType` is `text` or `html` (compared case-insensitively by bodyToText). */
export const itemBodySchema = z.object({
  content: optionalString,
  contentType: optionalString,
});
export type GraphItemBody = z.infer<typeof itemBodySchema>;

/**
 * dateTimeTimeZone: `dateTime` has no offset (7 fractional digits) and is meaningful only with
 * `timeZone`, which may be a Windows name ("Tokyo Standard Time"), an IANA name or "UTC".
 */
export const dateTimeTimeZoneSchema = z.object({
  dateTime: z.string(),
  timeZone: optionalString,
});
export type GraphDateTimeTimeZone = z.infer<typeof dateTimeTimeZoneSchema>;

export const singleValueExtendedPropertySchema = z.object({
  id: z.string(),
  value: optionalString,
});
export type GraphSingleValueExtendedProperty = z.infer<typeof singleValueExtendedPropertySchema>;

/** One page of a collection or delta answer. */
export function collectionSchema<T extends z.ZodType>(item: T) {
  return z.object({
    value: z.array(item),
    '@odata.nextLink': optionalString,
    '@odata.deltaLink': optionalString,
  });
}

/**
 * Value of a single-value extended property. Ids are compared case-insensitively because the
 * hex part may come back in another case than it was requested in.
 */
export function extendedPropertyValue(
  properties: readonly GraphSingleValueExtendedProperty[] | null | undefined,
  id: string,
): string | null {
  const wanted = id.toLowerCase();
  const hit = properties?.find((p) => p.id.toLowerCase() === wanted);
  return hit?.value ?? null;
}

/**
 * `$expand` clause for single-value extended properties. Several ids joined with `or` is the
 * cheap form; one public report saw it return no properties at all, so callers can ask for one
 * id at a time as a fallback.
 */
export function extendedPropertiesExpand(ids: readonly string[]): string {
  const filter = ids.map((id) => `id eq '${id}'`).join(' or ');
  return `singleValueExtendedProperties($filter=${filter})`;
}
