/**
 * GET /crm/v8/settings/fields?module=, GET /crm/v8/users, GET /crm/v8/org
 * (fields.json, users.json, org.json).
 */
import { errors, json, noContent, zohoError, type Reply } from './respond';
import { ADMIN_PROFILE, PROFILE_ACTIONS, STANDARD_PROFILE, type DoubleProfile, type DoubleState, type DoubleUser } from './state';

export function fieldsRoute(state: DoubleState, query: URLSearchParams): Reply {
  const module = query.get('module');
  if (!module) return errors.requiredParam('module');
  if (!state.isModule(module)) return zohoError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { api_name: 'module' });
  const fields = state.fieldMetadata(module);
  return fields.length === 0 ? noContent() : json(200, { fields });
}

const USER_TYPES: Record<string, (u: DoubleUser, state: DoubleState) => boolean> = {
  AllUsers: (u) => u.status !== 'deleted',
  ActiveUsers: (u) => u.status === 'active',
  DeactiveUsers: (u) => u.status === 'disabled',
  ConfirmedUsers: (u) => u.confirm,
  NotConfirmedUsers: (u) => !u.confirm,
  DeletedUsers: (u) => u.status === 'deleted',
  ActiveConfirmedUsers: (u) => u.status === 'active' && u.confirm,
  AdminUsers: (u) => u.profile.name === 'Administrator',
  ActiveConfirmedAdmins: (u) => u.status === 'active' && u.confirm && u.profile.name === 'Administrator',
  CurrentUser: (u, s) => u.id === s.currentUserId,
};

export function usersRoute(state: DoubleState, query: URLSearchParams): Reply {
  const type = query.get('type') ?? 'AllUsers';
  const filter = USER_TYPES[type];
  if (!filter) return zohoError(400, 'INVALID_DATA', 'invalid data', { api_name: 'type' });
  const perPage = Math.min(Number(query.get('per_page') ?? 200) || 200, 200);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const all = state.users.filter((u) => filter(u, state));
  const slice = all.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return noContent();
  return json(200, { users: slice, info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < all.length } });
}

/** permissions_details: View, Create, Edit, Delete per module, named as Zoho names them. */
function permissionsOf(state: DoubleState, profile: DoubleProfile): Record<string, unknown>[] {
  let seq = 0;
  return [...state.records.keys()].flatMap((module) =>
    PROFILE_ACTIONS.map((action) => ({
      id: `${profile.id}${String(++seq).padStart(4, '0')}`,
      name: `Crm_Implied_${action}_${module}`,
      display_label: action,
      module,
      enabled: !profile.denied.has(`${module}:${action}`),
    })),
  );
}

function profileSummary(p: DoubleProfile): Record<string, unknown> {
  return { id: p.id, name: p.name, display_label: p.name, custom: p.id !== ADMIN_PROFILE.id && p.id !== STANDARD_PROFILE.id, description: null, created_time: null, modified_time: null };
}

/** GET /crm/v8/settings/profiles (summaries) and /settings/profiles/{id} (with permissions_details). */
export function profilesRoute(state: DoubleState, id?: string): Reply {
  if (id === undefined) return json(200, { profiles: [...state.profiles.values()].map(profileSummary) });
  const profile = state.profiles.get(id);
  if (!profile) return zohoError(400, 'INVALID_DATA', 'the id given seems to be invalid', { api_name: 'id' });
  return json(200, { profiles: [{ ...profileSummary(profile), permissions_details: permissionsOf(state, profile) }] });
}

export function orgRoute(state: DoubleState): Reply {
  return json(200, { org: [state.org] });
}
