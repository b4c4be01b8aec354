/**
 * What travels on the `zoho-changes` queue, and what Zoho POSTs to our notify_url.
 */
import { z } from 'zod';

export const ZOHO_FEED_MODULES = ['Contacts', 'Tasks', 'Events'] as const;
export type ZohoFeedModule = (typeof ZOHO_FEED_MODULES)[number];

/** Zoho's ids are digits; anything else in a callback is not Zoho's. */
const zohoId = z.string().regex(/^\d{1,30}$/);

/** One change hint: a module, up to 100 record ids and what happened to them. */
export const ZohoChangeMessage = z.object({
  v: z.literal(1),
  source: z.enum(['callback', 'sweep']),
  module: z.enum(ZOHO_FEED_MODULES),
  operation: z.enum(['insert', 'update', 'delete']),
  ids: z.array(zohoId).min(1).max(100),
  /** callback: Zoho's server_time; sweep: the newest Modified_Time / deleted_time in the batch */
  changedAt: z.string().optional(),
  channelId: z.string().optional(),
});
export type ZohoChangeMessage = z.infer<typeof ZohoChangeMessage>;

/**
 * The callback body (zoho.md §7, v7 doc example): `{ server_time, query_params, module,
 * resource_uri, ids, affected_fields, operation, channel_id, token }`. `channel_id` arrives as a
 * string although it was sent as a number; both are accepted and compared as strings.
 */
export const ZohoCallback = z.looseObject({
  server_time: z.number().nullish(),
  module: z.string(),
  ids: z.array(z.union([zohoId, z.number().int().nonnegative().transform(String)])).min(1).max(1000),
  operation: z.enum(['insert', 'update', 'delete']),
  channel_id: z.union([z.string(), z.number()]).transform(String),
  token: z.string().nullish(),
  resource_uri: z.string().nullish(),
  affected_fields: z.array(z.unknown()).nullish(),
  query_params: z.unknown().nullish(),
});
export type ZohoCallback = z.infer<typeof ZohoCallback>;

/** Just enough of a body to verify it before parsing it in full. */
export const CallbackCredentials = z.looseObject({
  channel_id: z.union([z.string(), z.number()]).transform(String),
  token: z.string(),
});

export function isFeedModule(module: string): module is ZohoFeedModule {
  return (ZOHO_FEED_MODULES as readonly string[]).includes(module);
}
