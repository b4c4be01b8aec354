import { randomUUID } from 'node:crypto';
import type { DoubleContext, GraphArea } from './context';
import { GraphHttpError, json, noContent, parseJsonBody } from './http';
import { listResponse, pick } from './paging';
import type { Router } from './router';
import type { GroupRecord, UserRecord } from './store';

/** Directory: users (by id or UPN), groups' transitive members, verified domains; Outlook master categories. */

/** Graph v1.0's default user properties (what GET /users/{id} returns without $select). */
const DEFAULT_USER_FIELDS = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

export function userJson(user: UserRecord, select?: string[]): Record<string, unknown> {
  const { hasMailbox: _hidden, outsideAppScope: _scoped, ...all } = user;
  return pick(all, select ?? DEFAULT_USER_FIELDS, []);
}

function groupJson(group: GroupRecord, select?: string[]): Record<string, unknown> {
  const all = { id: group.id, displayName: group.displayName, mail: group.mail, mailEnabled: group.mail !== null, securityEnabled: true };
  return pick(all, select ?? Object.keys(all), []);
}

export interface Category {
  id: string;
  displayName: string;
  color: string;
}

const COLORS = new Set(['none', ...Array.from({ length: 25 }, (_, i) => `preset${i}`)]);

/** The mailbox's master category list (seeding: `categoriesOf(store.mailbox(userId))`). */
export function categoriesOf(box: { area<T>(key: string, create: () => T): T }): Category[] {
  return box.area('categories', () => [] as Category[]);
}

export const usersArea: GraphArea = {
  register(router: Router, ctx: DoubleContext) {
    const selectOf = (q: URLSearchParams) => q.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);

    router.get('/users', (req) =>
      listResponse(req, [...ctx.store.users.values()], {
        origin: ctx.origin, entitySet: 'users', defaultSize: ctx.directoryPageSize, maxTop: 999, style: 'skiptoken',
        project: (u, select) => userJson(u, select),
      }),
    );

    router.get('/users/{user}', (req) => {
      const user = ctx.store.findUser(req.params.user);
      if (!user) throw notFound(req.params.user);
      return json(200, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users/$entity`, ...userJson(user, selectOf(req.query)) });
    });

    router.get('/groups/{group}', (req) => {
      const group = ctx.store.groups.get(req.params.group);
      if (!group) throw notFound(req.params.group);
      return json(200, { '@odata.context': `${ctx.origin}/v1.0/$metadata#groups/$entity`, ...groupJson(group, selectOf(req.query)) });
    });

    const members = (groupId: string, usersOnly: boolean) => {
      const group = ctx.store.groups.get(groupId);
      if (!group) throw notFound(groupId);
      const out: (UserRecord | GroupRecord)[] = [];
      const seen = new Set<string>([group.id]);
      const walk = (g: GroupRecord) => {
        for (const id of g.members) {
          if (seen.has(id)) continue;
          seen.add(id);
          const user = ctx.store.users.get(id);
          const nested = ctx.store.groups.get(id);
          if (user) out.push(user);
          if (nested) {
            if (!usersOnly) out.push(nested);
            walk(nested);
          }
        }
      };
      walk(group);
      return out;
    };
    const isUser = (m: UserRecord | GroupRecord): m is UserRecord => 'userPrincipalName' in m;
    for (const [suffix, usersOnly] of [['', false], ['/microsoft.graph.user', true]] as const) {
      router.get(`/groups/{group}/transitiveMembers${suffix}`, (req) =>
        listResponse(req, members(req.params.group, usersOnly), {
          origin: ctx.origin, entitySet: usersOnly ? 'users' : 'directoryObjects', defaultSize: ctx.directoryPageSize, maxTop: 999, style: 'skiptoken',
          project: (m, select) => isUser(m)
            ? { '@odata.type': '#microsoft.graph.user', ...userJson(m, select) }
            : { '@odata.type': '#microsoft.graph.group', ...groupJson(m, select) },
        }),
      );
    }

    router.get('/domains', (req) =>
      listResponse(req, ctx.store.domains, {
        origin: ctx.origin, entitySet: 'domains', defaultSize: ctx.directoryPageSize, maxTop: 999, style: 'skiptoken',
        project: (d, select) => pick({ ...d }, select ?? Object.keys(d), []),
      }),
    );

    router.get('/users/{user}/outlook/masterCategories', (req) => {
      const box = ctx.store.mailboxFor(req.params.user);
      return json(200, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${box.userId}')/outlook/masterCategories`, value: categoriesOf(box).map((c) => ({ ...c })) });
    });

    router.get('/users/{user}/outlook/masterCategories/{id}', (req) => {
      const category = categoriesOf(ctx.store.mailboxFor(req.params.user)).find((c) => c.id === req.params.id);
      if (!category) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return json(200, { ...category });
    });

    router.post('/users/{user}/outlook/masterCategories', (req) => {
      const categories = categoriesOf(ctx.store.mailboxFor(req.params.user));
      const body = parseJsonBody(req);
      const displayName = body.displayName;
      if (typeof displayName !== 'string' || displayName.trim() === '') {
        throw new GraphHttpError(400, 'ErrorInvalidParameter', 'The displayName property is required.');
      }
      const color = body.color === undefined ? 'none' : body.color;
      if (typeof color !== 'string' || !COLORS.has(color.toLowerCase())) {
        throw new GraphHttpError(400, 'RequestBodyRead', `Requested value '${String(color)}' was not found.`);
      }
      // Outlook compares category names case-insensitively.
      if (categories.some((c) => c.displayName.toLowerCase() === displayName.toLowerCase())) {
        throw new GraphHttpError(409, 'ErrorAlreadyExists', 'A category with the specified name already exists.');
      }
      const category: Category = { id: randomUUID(), displayName, color: color.toLowerCase() };
      categories.push(category);
      return json(201, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/outlook/masterCategories/$entity`, ...category });
    });

    router.delete('/users/{user}/outlook/masterCategories/{id}', (req) => {
      const categories = categoriesOf(ctx.store.mailboxFor(req.params.user));
      const i = categories.findIndex((c) => c.id === req.params.id);
      if (i === -1) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      categories.splice(i, 1);
      return noContent();
    });
  },
};

function notFound(id: string): GraphHttpError {
  return new GraphHttpError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}
