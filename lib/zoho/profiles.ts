/**
 * A Zoho user's profile permissions (GET /crm/v8/settings/profiles/{id}, scope
 * ZohoCRM.settings.profiles.READ): per module View, Create, Edit and Delete, each named
 * `Crm_Implied_{Action}_{Module}` (the names Zoho's NO_PERMISSION details carry), e.g.
 * `{ "name": "Crm_Implied_Create_Contacts", "display_label": "Create", "module": "Contacts", "enabled": false }`.
 */
import { z } from 'zod';
import type { ZohoHttp } from './http';
import { parseOrThrow } from './schemas';

const Permission = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  name: z.string().nullish(),
  display_label: z.string().nullish(),
  module: z.string().nullish(),
  enabled: z.boolean().nullish(),
});
export type ProfilePermission = z.infer<typeof Permission>;

const ProfileResponse = z.looseObject({
  profiles: z.array(z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), name: z.string().nullish(), permissions_details: z.array(Permission).nullish() })).min(1),
});

export interface ZohoProfile {
  id: string;
  name?: string;
  permissions: ProfilePermission[];
}

export async function getProfile(http: ZohoHttp, id: string): Promise<ZohoProfile> {
  const res = await http.send({ method: 'GET', path: `/settings/profiles/${encodeURIComponent(id)}`, idempotent: true });
  const [profile] = parseOrThrow(ProfileResponse, res.body, 'GET /crm/v8/settings/profiles/{id}', res.status).profiles;
  return { id: profile.id, name: profile.name ?? undefined, permissions: profile.permissions_details ?? [] };
}

export type RecordAction = 'create' | 'edit' | 'delete';

const LABEL: Record<RecordAction | 'view', string> = { view: 'View', create: 'Create', edit: 'Edit', delete: 'Delete' };

/** The profile's switch for one action on one module; undefined when the profile does not list it. */
function permission(permissions: readonly ProfilePermission[], action: RecordAction | 'view', module: string): boolean | undefined {
  const name = `crm_implied_${LABEL[action]}_${module}`.toLowerCase();
  const hit =
    permissions.find((p) => p.name?.toLowerCase() === name) ??
    permissions.find((p) => p.module?.toLowerCase() === module.toLowerCase() && p.display_label?.toLowerCase() === LABEL[action].toLowerCase());
  return hit ? hit.enabled === true : undefined;
}

/**
 * Whether the profile lets its users do `action` on `module` records: the action and View both
 * enabled. A permission the profile does not list is left to Zoho's own check (allowed here).
 */
export function allowed(action: RecordAction, module: string, permissions: readonly ProfilePermission[]): boolean {
  return permission(permissions, 'view', module) !== false && permission(permissions, action, module) !== false;
}
