/**
 * GET /crm/v8/settings/fields?module=, GET /crm/v8/users, GET /crm/v8/org
 * (fields.json, users.json, org.json).
 */
import { errors, json, noContent, zohoError, type Reply } from './respond';
import type { DoubleState, DoubleUser } from './state';

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

export function orgRoute(state: DoubleState): Reply {
  return json(200, { org: [state.org] });
}
