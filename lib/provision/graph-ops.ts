import { z } from 'zod';
import type { GraphApi } from '../graph/client';
import { GraphBadRequestError, GraphConflictError, GraphNotFoundError } from '../graph/errors';
import { graphPath } from '../graph/path';
import type { CreateSubscriptionRequest } from './specs';

/** The Graph calls provisioning and renewal make (the To Do list listing serves the sync too), each answer parsed with zod. */

export const GraphSubscription = z.looseObject({
  id: z.string().min(1),
  resource: z.string().optional(),
  changeType: z.string().optional(),
  expirationDateTime: z.string().min(1),
  notificationUrl: z.string().nullish(),
  lifecycleNotificationUrl: z.string().nullish(),
});
export type GraphSubscription = z.infer<typeof GraphSubscription>;

export const DirectoryUser = z.looseObject({
  id: z.string().min(1),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  userType: z.string().nullish(),
});
export type DirectoryUser = z.infer<typeof DirectoryUser>;

const USER_SELECT = 'id,userPrincipalName,mail,accountEnabled,userType';
const Category = z.looseObject({ displayName: z.string() });
const Categories = z.looseObject({ value: z.array(Category) });
const TodoList = z.looseObject({ id: z.string().min(1) });

/** Outlook's "Blue" preset; any preset shows in the Categorize menu. */
const CATEGORY_COLOR = 'preset7';

/**
 * Adds the sync category to the mailbox's master list. Outlook compares names case-insensitively
 * and Graph answers a duplicate with 409 (the code is undocumented); a 400 is checked against the
 * list before it is believed, so an existing category is never reported as a failure.
 */
export async function ensureCategory(graph: GraphApi, userId: string, name: string): Promise<'created' | 'existing'> {
  try {
    await graph.post(graphPath`/users/${userId}/outlook/masterCategories`, { displayName: name, color: CATEGORY_COLOR });
    return 'created';
  } catch (err) {
    if (err instanceof GraphConflictError) return 'existing';
    if (err instanceof GraphBadRequestError) {
      const { value } = await graph.get(graphPath`/users/${userId}/outlook/masterCategories`, Categories);
      if (value.some((c) => c.displayName.toLowerCase() === name.toLowerCase())) return 'existing';
    }
    throw err;
  }
}

export async function listTodoLists(graph: GraphApi, userId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of graph.pages(graphPath`/users/${userId}/todo/lists`, TodoList, { query: { $select: 'id' } })) {
    for (const list of page) ids.push(list.id);
  }
  return ids;
}

export function createSubscription(graph: GraphApi, request: CreateSubscriptionRequest): Promise<GraphSubscription> {
  return graph.post('/subscriptions', request.body, GraphSubscription, { headers: request.headers });
}

/** PATCH expirationDateTime: renews and reauthorizes in one call (graph.md §1.3). */
export function renewSubscription(graph: GraphApi, id: string, expiry: Date): Promise<GraphSubscription> {
  return graph.patch(graphPath`/subscriptions/${id}`, { expirationDateTime: expiry.toISOString() }, GraphSubscription);
}

/** Deleting what is already gone is success. */
export async function deleteSubscription(graph: GraphApi, id: string): Promise<void> {
  try {
    await graph.delete(graphPath`/subscriptions/${id}`);
  } catch (err) {
    if (!(err instanceof GraphNotFoundError)) throw err;
  }
}

export async function getSubscription(graph: GraphApi, id: string): Promise<GraphSubscription | undefined> {
  try {
    return await graph.get(graphPath`/subscriptions/${id}`, GraphSubscription);
  } catch (err) {
    if (err instanceof GraphNotFoundError) return undefined;
    throw err;
  }
}

/** Every subscription this app owns in the tenant (app-only listing, graph.md §1.1). */
export async function listSubscriptions(graph: GraphApi): Promise<GraphSubscription[]> {
  const out: GraphSubscription[] = [];
  for await (const page of graph.pages('/subscriptions', GraphSubscription)) out.push(...page);
  return out;
}

/**
 * By object id or UPN; undefined when the directory has no such user. Graph's 400 on a name it
 * cannot parse as a user means the same to the caller: there is no such user.
 */
export async function findUser(graph: GraphApi, idOrUpn: string): Promise<DirectoryUser | undefined> {
  try {
    return await graph.get(graphPath`/users/${idOrUpn}`, DirectoryUser, { query: { $select: USER_SELECT } });
  } catch (err) {
    if (err instanceof GraphNotFoundError || err instanceof GraphBadRequestError) return undefined;
    throw err;
  }
}

/** Users among the group's transitive members (nested groups expanded by Graph), every page. */
export async function groupMembers(graph: GraphApi, groupId: string): Promise<DirectoryUser[]> {
  const out: DirectoryUser[] = [];
  const path = graphPath`/groups/${groupId}/transitiveMembers` + '/microsoft.graph.user';
  for await (const page of graph.pages(path, DirectoryUser, { query: { $select: USER_SELECT, $top: '999' } })) out.push(...page);
  return out;
}

/**
 * Every enabled member account with a mail address, every page. Graph cannot filter on "has a
 * mailbox" without advanced queries; an address is the cheap sign of one, and an account that
 * has an address but no mailbox is still reported per user when its mailbox refuses.
 */
export async function tenantMailboxUsers(graph: GraphApi): Promise<DirectoryUser[]> {
  const out: DirectoryUser[] = [];
  const query = { $filter: "accountEnabled eq true and userType eq 'Member'", $select: USER_SELECT, $top: '999' };
  for await (const page of graph.pages('/users', DirectoryUser, { query })) {
    out.push(...page.filter((u) => typeof u.mail === 'string' && u.mail !== ''));
  }
  return out;
}
