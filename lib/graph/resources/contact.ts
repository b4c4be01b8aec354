/**
 * Graph v1.0 `contact` as the contact mapping reads it (reference/graph.md §6.1).
 */
import { z } from 'zod';
import {
  emailAddressSchema,
  entityAnnotations,
  extendedPropertiesExpand,
  optionalString,
  physicalAddressSchema,
  singleValueExtendedPropertySchema,
  stringList,
} from './common';

/**
 * Outlook fields the v1.0 contact does not expose, read as MAPI proptag extended properties.
 * The 4-digit form is used everywhere: Graph wants one id format used consistently per property.
 */
export const CONTACT_EXTENDED_PROPERTY_IDS = {
  businessFax: 'String 0x3A24',
  otherPhone: 'String 0x3A1F',
  assistantPhone: 'String 0x3A2E',
} as const;

export const CONTACT_EXTENDED_PROPERTY_ID_LIST: readonly string[] = Object.values(CONTACT_EXTENDED_PROPERTY_IDS);

/** `$expand` value fetching all three extended properties in one call. */
export const CONTACT_EXPAND = extendedPropertiesExpand(CONTACT_EXTENDED_PROPERTY_ID_LIST);

/** `$expand` for one property, for the per-property fallback when the combined filter misbehaves. */
export function contactExpandFor(id: string): string {
  return extendedPropertiesExpand([id]);
}

/** Properties the contact mapping, dedup and scope checks need (id is always returned anyway). */
export const CONTACT_FIELDS: readonly string[] = [
  'id',
  'changeKey',
  'parentFolderId',
  'createdDateTime',
  'lastModifiedDateTime',
  'categories',
  'givenName',
  'surname',
  'displayName',
  'emailAddresses',
  'jobTitle',
  'companyName',
  'department',
  'businessPhones',
  'homePhones',
  'mobilePhone',
  'assistantName',
  'manager',
  'businessAddress',
  'homeAddress',
  'otherAddress',
  'personalNotes',
  'birthday',
];

/** `$select` value for CONTACT_FIELDS. */
export const CONTACT_SELECT = CONTACT_FIELDS.join(',');

export const contactSchema = z.object({
  ...entityAnnotations,
  id: z.string(),
  changeKey: optionalString,
  parentFolderId: optionalString,
  createdDateTime: optionalString,
  lastModifiedDateTime: optionalString,
  categories: stringList,
  givenName: optionalString,
  middleName: optionalString,
  surname: optionalString,
  displayName: optionalString,
  fileAs: optionalString,
  emailAddresses: z.array(emailAddressSchema).nullish(),
  jobTitle: optionalString,
  companyName: optionalString,
  department: optionalString,
  businessPhones: stringList,
  homePhones: stringList,
  mobilePhone: optionalString,
  assistantName: optionalString,
  manager: optionalString,
  businessAddress: physicalAddressSchema.nullish(),
  homeAddress: physicalAddressSchema.nullish(),
  otherAddress: physicalAddressSchema.nullish(),
  personalNotes: optionalString,
  /** DateTimeOffset, e.g. `2014-01-01T00:00:00Z`; null when no birthday is set. */
  birthday: optionalString,
  /** Present only when requested with CONTACT_EXPAND; an unset property is simply absent. */
  singleValueExtendedProperties: z.array(singleValueExtendedPropertySchema).nullish(),
});
export type GraphContact = z.infer<typeof contactSchema>;
