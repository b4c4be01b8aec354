/**
 * Users, organisation and field metadata (users.json, org.json, fields.json).
 *
 * Field metadata is the source of truth for lengths, mandatory fields and pick-list values
 * (zoho.md §4): orgs rename fields and change lengths, so nothing is hard-coded. It changes
 * rarely and every mapped write needs it, so it is cached per process with a TTL.
 */
import { TtlCache } from '../cache';
import type { ZohoHttp } from './http';
import { assertModule } from './records';
import { fieldsResponse, orgResponse, parseOrThrow, usersResponse } from './schemas';
import type { ZohoField, ZohoOrg, ZohoUser } from './types';

export type ZohoUserType =
  | 'AllUsers' | 'ActiveUsers' | 'DeactiveUsers' | 'ConfirmedUsers' | 'NotConfirmedUsers'
  | 'DeletedUsers' | 'ActiveConfirmedUsers' | 'AdminUsers' | 'ActiveConfirmedAdmins' | 'CurrentUser';

const USERS_PER_PAGE = 200;

export async function getUsers(http: ZohoHttp, opts: { type?: ZohoUserType } = {}): Promise<ZohoUser[]> {
  const users: ZohoUser[] = [];
  for (let page = 1; ; page += 1) {
    const res = await http.send({ method: 'GET', path: '/users', query: { type: opts.type ?? 'ActiveUsers', page, per_page: USERS_PER_PAGE } });
    if (res.status === 204 || res.body === undefined) break;
    const answer = parseOrThrow(usersResponse, res.body, 'GET /crm/v8/users', res.status);
    users.push(...(answer.users as ZohoUser[]));
    if (answer.info?.more_records !== true || answer.users.length === 0) break;
  }
  return users;
}

export async function getOrg(http: ZohoHttp): Promise<ZohoOrg> {
  const res = await http.send({ method: 'GET', path: '/org' });
  const org = parseOrThrow(orgResponse, res.body, 'GET /crm/v8/org', res.status).org[0];
  return {
    id: org.id,
    company_name: org.company_name ?? undefined,
    time_zone: org.time_zone ?? undefined,
    currency: org.currency ?? undefined,
    paidType: org.license_details?.paid_type ?? undefined,
    raw: org,
  };
}

export async function fetchFields(http: ZohoHttp, module: string): Promise<ZohoField[]> {
  const res = await http.send({ method: 'GET', path: '/settings/fields', query: { module: assertModule(module) } });
  if (res.status === 204 || res.body === undefined) return [];
  return parseOrThrow(fieldsResponse, res.body, 'GET /crm/v8/settings/fields', res.status).fields.map((f) => ({
    api_name: f.api_name,
    data_type: f.data_type,
    length: f.length ?? null,
    system_mandatory: f.system_mandatory === true,
    read_only: f.read_only === true || f.field_read_only === true,
    field_label: f.field_label ?? undefined,
    pick_list_values: (f.pick_list_values ?? []).map((p) => ({ display_value: p.display_value, actual_value: p.actual_value, type: p.type ?? undefined })),
    lookupModule: f.lookup?.module?.api_name ?? undefined,
  }));
}

/** Per-process cache of field metadata keyed by org (api domain) and module. */
export class ZohoFieldCache extends TtlCache<ZohoField[]> {
  constructor(ttlMs = 30 * 60_000, now: () => number = Date.now) {
    super(ttlMs, now);
  }
}

/** Shared by every client of the process, so a new client per invocation still hits the cache. */
export const processFieldCache = new ZohoFieldCache();
