import { GraphApiError, GraphNotFoundError } from '../graph/errors';
import { SYNC_MODULES, type SyncModule } from '../modules';
import type { SubscriptionRecord } from '../state/subscriptions';
import { scopeSource, type ProvisionedUser, type ProvisioningScope, type ProvisionSource, type UserState } from '../state/users';
import {
  classifyMailboxError,
  followUpSync,
  membershipChanges,
  planSubscriptions,
  withoutSource,
  type GraphFailure,
  type ListedSubscription,
} from './decisions';
import { mapLimit } from '../pool';
import { DEFAULT_CONCURRENCY, errorText, queueResync, type ProvisionDeps } from './deps';
import {
  ensureCategory,
  findUser,
  getSubscription,
  groupMembers,
  listSubscriptions,
  listTodoLists,
  tenantMailboxUsers,
  type DirectoryUser,
} from './graph-ops';
import { isObjectId, type ProvisionRequest } from './request';
import { createSlot, isLive, recreateSlot, removeSlot, type SlotResult } from './slots';
import { outlookModules, tasksEnabled, wantedSpecs, type SubscriptionSpec } from './specs';

export interface UserResult {
  /** object id, or the value the admin gave when it matched no user */
  user: string;
  upn?: string;
  result: 'provisioned' | 'refused' | 'failed';
  reason?: string;
  code?: string;
  category?: 'created' | 'existing' | 'refused' | 'failed';
  subscriptions: SlotResult[];
  /** subscriptions removed because their module was turned off or their To Do list is gone */
  removed: number;
  /** the resync queued for this user (its first full sync, or a delta over a gap) */
  sync?: { jobId: string; mode: 'full' | 'delta'; modules: SyncModule[] };
}

export interface ReconcileOptions {
  /** added to the user's sources (`ids`, `all`, `group:{id}`) */
  source?: ProvisionSource;
  /** create the sync category (provisioning), or trust it exists (renewal) */
  category: boolean;
  /** try again what Graph refused before (To Do lists, modules); renewal does not, to save calls */
  retryRefused: boolean;
  /** an admin asked for this user: lift a deprovision exclusion */
  explicit: boolean;
  reason: 'provisioning' | 'renewal';
  /** Graph's list of our subscriptions when it was read; kept rows missing from it are checked */
  listed: ReadonlyMap<string, ListedSubscription> | null;
  upn?: string;
}

/**
 * Brings one mailbox to the wanted state: category, one subscription per module and To Do list,
 * stale ones removed, the user row written, and the follow-up resync queued. Safe to run again
 * at any time: a second run makes no Graph write when nothing changed.
 */
export async function reconcileUser(deps: ProvisionDeps, userId: string, opts: ReconcileOptions): Promise<UserResult> {
  const previous = await deps.users.get(userId);
  if (opts.explicit) await deps.users.include(userId);
  const result: UserResult = { user: userId, upn: opts.upn ?? previous?.upn, result: 'provisioned', subscriptions: [], removed: 0 };
  const problems: string[] = [];
  let mailboxRefusal: GraphFailure | undefined;

  if (opts.category) {
    try {
      result.category = await ensureCategory(deps.graph, userId, deps.config.SYNC_CATEGORY);
    } catch (err) {
      if (!(err instanceof GraphApiError)) throw err;
      const failure = classifyMailboxError(err);
      result.category = failure.outcome;
      if (failure.noMailbox) mailboxRefusal = failure;
      else problems.push(`category: ${failure.reason}`);
    }
  } else {
    result.category = previous?.category;
  }

  let todoIds: string[] = [];
  const unknownModules = new Set<SyncModule>();
  let todoFailure: GraphFailure | undefined;
  if (!mailboxRefusal && tasksEnabled(deps.config)) {
    try {
      todoIds = await listTodoLists(deps.graph, userId);
    } catch (err) {
      if (!(err instanceof GraphApiError)) throw err;
      todoFailure = classifyMailboxError(err);
      unknownModules.add('tasks');
      if (todoFailure.noMailbox) mailboxRefusal = todoFailure;
    }
  }

  if (mailboxRefusal) {
    result.result = 'refused';
    result.reason = mailboxRefusal.reason;
    result.code = mailboxRefusal.code;
    await saveUser(deps, userId, previous, opts, {
      state: 'refused', reason: mailboxRefusal.reason, code: mailboxRefusal.code, category: result.category,
      polledLists: previous?.polledLists ?? [], refusedModules: previous?.refusedModules ?? [], lastError: undefined, upn: result.upn,
    });
    return result;
  }

  const stored = await deps.subscriptions.list({ userId });
  const polled = new Set(previous?.polledLists ?? []);
  const refusedBefore = new Set(previous?.refusedModules ?? []);
  const skip = opts.retryRefused
    ? undefined
    : (s: SubscriptionSpec) => (s.module === 'tasks' ? polled.has(s.listId ?? '') : refusedBefore.has(s.module));
  const plan = planSubscriptions(wantedSpecs(userId, deps.config, todoIds), stored, { unknownModules, skip });

  for (const record of plan.remove) {
    try {
      await removeSlot(deps, record);
      result.removed += 1;
    } catch (err) {
      problems.push(`removing a ${record.module} subscription: ${errorText(err)}`);
    }
  }

  const outlook = new Set(outlookModules(deps.config));
  const kept = new Map(plan.keep.map((k) => [k.spec, k.record]));
  const ordered = [...plan.keep.map((k) => k.spec), ...plan.create].sort((a, b) => order(a, outlook) - order(b, outlook));

  const slots: SlotResult[] = [];
  for (const spec of ordered.filter((s) => outlook.has(s.module))) slots.push(await ensureSlot(deps, userId, spec, kept.get(spec), opts.listed));

  const outlookSlots = slots.filter((s) => outlook.has(s.module));
  const outlookRefused = outlookSlots.length > 0 && outlookSlots.every((s) => s.result === 'refused');
  if (outlookRefused) {
    // Exchange scoping does not cover To Do (graph.md §9): a mailbox the admin scoped out is not
    // subscribed through the one door the scope leaves open.
    const first = outlookSlots[0];
    mailboxRefusal = { outcome: 'refused', code: first.code ?? 'Forbidden', reason: first.reason ?? 'Graph refused every subscription of this mailbox' };
  } else {
    for (const spec of ordered.filter((s) => s.module === 'tasks')) slots.push(await ensureSlot(deps, userId, spec, kept.get(spec), opts.listed));
    if (todoFailure) {
      slots.push({ module: 'tasks', result: todoFailure.outcome, code: todoFailure.code, reason: `To Do lists could not be read: ${todoFailure.reason}` });
    }
  }
  result.subscriptions = slots;

  for (const s of slots) if (s.result === 'failed') problems.push(`${s.module}${s.listId ? ' list' : ''}: ${s.reason ?? s.code ?? 'failed'}`);
  const anyUsable = slots.some((s) => isLive(s.result) || s.result === 'polled');
  let state: UserState = 'active';
  if (mailboxRefusal) {
    state = 'refused';
    result.result = 'refused';
    result.reason = mailboxRefusal.reason;
    result.code = mailboxRefusal.code;
  } else if (!anyUsable) {
    state = 'failed';
    result.result = 'failed';
    result.reason = problems[0] ?? 'no subscription could be created';
  }

  const polledNow = slots.filter((s) => s.result === 'polled' && s.listId).map((s) => s.listId!);
  let polledLists: string[] = [];
  if (tasksEnabled(deps.config)) {
    if (unknownModules.has('tasks')) polledLists = previous?.polledLists ?? [];
    else polledLists = [...new Set([...polledNow, ...(opts.retryRefused ? [] : (previous?.polledLists ?? []).filter((id) => todoIds.includes(id)))])];
  }
  const refusedNow = slots.filter((s) => s.result === 'refused').map((s) => s.module);
  const refusedModules = [...new Set([...refusedNow, ...(opts.retryRefused ? [] : [...refusedBefore].filter((m) => !slots.some((s) => s.module === m && isLive(s.result))))])];

  await saveUser(deps, userId, previous, opts, {
    state, reason: state === 'active' ? undefined : result.reason, code: state === 'active' ? undefined : result.code,
    category: result.category, polledLists, refusedModules, lastError: problems.length ? problems.join('; ') : undefined, upn: result.upn,
  });

  if (state === 'active') {
    const isNew = !previous || previous.state !== 'active';
    const follow = followUpSync(isNew, slots);
    if (follow) {
      const jobId = await queueResync(deps, { users: [userId], modules: follow.modules, mode: follow.mode, reason: opts.reason });
      result.sync = { jobId, ...follow };
    }
  }
  deps.logger.info('mailbox reconciled', {
    userId, result: result.result, code: result.code, reason: opts.reason,
    slots: countBy(slots.map((s) => s.result)), removed: result.removed, sync: result.sync?.mode,
  });
  return result;
}

function order(spec: SubscriptionSpec, outlook: Set<SyncModule>): number {
  return outlook.has(spec.module) ? SYNC_MODULES.indexOf(spec.module) : 10;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/**
 * A kept row normally needs no Graph call. When Graph's list was read and does not contain it,
 * a GET confirms it is gone before it is created again (a gap: the follow-up delta covers it).
 */
async function ensureSlot(
  deps: ProvisionDeps,
  userId: string,
  spec: SubscriptionSpec,
  record: SubscriptionRecord | undefined,
  listed: ReadonlyMap<string, ListedSubscription> | null,
): Promise<SlotResult> {
  if (!record) return (await createSlot(deps, userId, spec)).slot;
  const existing: SlotResult = { module: spec.module, ...(spec.listId ? { listId: spec.listId } : {}), result: 'existing', subscriptionId: record.id, expiresAt: record.expiresAt };
  if (!listed || listed.has(record.id)) return existing;
  try {
    if (await getSubscription(deps.graph, record.id)) return existing;
  } catch {
    return existing;
  }
  const outcome = await recreateSlot(deps, record);
  return outcome.slot.result === 'existing' ? existing : outcome.slot;
}

interface UserFields {
  state: UserState;
  reason?: string;
  code?: string;
  category?: ProvisionedUser['category'];
  polledLists: string[];
  refusedModules: SyncModule[];
  lastError?: string;
  upn?: string;
}

async function saveUser(deps: ProvisionDeps, userId: string, previous: ProvisionedUser | undefined, opts: ReconcileOptions, fields: UserFields): Promise<void> {
  const now = deps.now().toISOString();
  await deps.users.modify(userId, (current) => ({
    userId,
    upn: fields.upn ?? current?.upn,
    sources: [...new Set([...(current?.sources ?? previous?.sources ?? []), ...(opts.source ? [opts.source] : [])])],
    state: fields.state,
    reason: fields.reason,
    code: fields.code,
    category: fields.category,
    polledLists: fields.polledLists,
    refusedModules: fields.refusedModules,
    provisionedAt: current?.provisionedAt || now,
    updatedAt: now,
    lastError: fields.lastError,
    lastErrorAt: fields.lastError ? now : undefined,
  }));
}

/**
 * Records on the user row what renewal or the lifecycle worker learnt while recreating a slot:
 * a To Do list Graph now refuses is polled, a module Graph now refuses is listed with the reason.
 */
export async function noteSlotOnUser(deps: ProvisionDeps, userId: string, slot: SlotResult): Promise<void> {
  if (slot.result !== 'polled' && slot.result !== 'refused' && slot.result !== 'failed') return;
  const now = deps.now().toISOString();
  await deps.users.modify(userId, (current) => {
    if (!current) return undefined;
    const polledLists = slot.result === 'polled' && slot.listId ? [...new Set([...current.polledLists, slot.listId])] : current.polledLists;
    const refusedModules = slot.result === 'refused' ? [...new Set([...current.refusedModules, slot.module])] : current.refusedModules;
    return { ...current, polledLists, refusedModules, updatedAt: now, lastError: `${slot.module}: ${slot.reason ?? slot.result}`, lastErrorAt: now };
  });
}

async function guarded(deps: ProvisionDeps, userId: string, upn: string | undefined, run: () => Promise<UserResult>): Promise<UserResult> {
  try {
    return await run();
  } catch (err) {
    deps.logger.error('mailbox reconcile failed', { userId, error: (err as Error)?.name, message: errorText(err) });
    return { user: userId, upn, result: 'failed', reason: errorText(err), subscriptions: [], removed: 0 };
  }
}

// ---- requests ---------------------------------------------------------------------------------------------

export class SelectionError extends Error {
  constructor(readonly status: 404 | 502, message: string) {
    super(message);
    this.name = 'SelectionError';
  }
}

export interface ProvisionAnswer {
  selection: 'users' | 'group' | 'all';
  groupId?: string;
  summary: { users: number; provisioned: number; refused: number; failed: number; left: number };
  users: UserResult[];
  /** users provisioned from this group/tenant scope who are no longer in it */
  left: { user: string; deprovisioned: boolean }[];
}

async function readListed(deps: ProvisionDeps): Promise<Map<string, ListedSubscription> | null> {
  try {
    return new Map((await listSubscriptions(deps.graph)).map((s) => [s.id, s]));
  } catch (err) {
    deps.logger.warn('graph subscription list unavailable', { error: (err as Error)?.name, code: (err as GraphApiError)?.code });
    return null;
  }
}

async function selectMembers(deps: ProvisionDeps, scope: Pick<ProvisioningScope, 'kind' | 'groupId'>): Promise<DirectoryUser[]> {
  try {
    return scope.kind === 'all' ? await tenantMailboxUsers(deps.graph) : await groupMembers(deps.graph, scope.groupId!);
  } catch (err) {
    if (err instanceof GraphNotFoundError && scope.kind === 'group') throw new SelectionError(404, 'no group with this id in the directory');
    if (err instanceof GraphApiError) throw new SelectionError(502, `Graph could not list the ${scope.kind === 'all' ? 'tenant users' : 'group members'}: ${err.message}`);
    throw err;
  }
}

/** `POST /api/manage/provision`: every selected user, side by side, each reported on its own. */
export async function provision(deps: ProvisionDeps, request: ProvisionRequest): Promise<ProvisionAnswer> {
  const listed = await readListed(deps);
  const limit = deps.concurrency ?? DEFAULT_CONCURRENCY;
  let users: UserResult[];
  let left: ProvisionAnswer['left'] = [];
  if (request.kind === 'users') {
    // Every name is resolved before any mailbox is touched: one user named twice (object id and
    // UPN) must be reconciled once, not twice side by side, which would race for its subscriptions.
    const resolved = await mapLimit(request.users, limit, async (given): Promise<DirectoryUser | UserResult> => {
      try {
        const found = await findUser(deps.graph, given);
        return found ?? { user: given, result: 'refused', code: 'NotFound', reason: 'no user with this object id or UPN in the directory', subscriptions: [], removed: 0 };
      } catch (err) {
        const failure = classifyMailboxError(err);
        return { user: given, result: failure.outcome, code: failure.code, reason: `the user could not be looked up: ${failure.reason}`, subscriptions: [], removed: 0 };
      }
    });
    const unresolved = resolved.filter((r): r is UserResult => 'result' in r);
    const found = [...new Map(resolved.filter((r): r is DirectoryUser => !('result' in r)).map((u) => [u.id.toLowerCase(), u])).values()];
    const reconciled = await mapLimit(found, limit, (u) => {
      const upn = u.userPrincipalName ?? undefined;
      return guarded(deps, u.id, upn, () => reconcileUser(deps, u.id, { source: 'ids', category: true, retryRefused: true, explicit: true, reason: 'provisioning', listed, upn }));
    });
    users = [...reconciled, ...dedupe(unresolved)];
  } else {
    const scope: ProvisioningScope = request.kind === 'all' ? { kind: 'all', addedAt: deps.now().toISOString() } : { kind: 'group', groupId: request.groupId, addedAt: deps.now().toISOString() };
    const members = await selectMembers(deps, scope);
    // Saved before the users: if the request dies at the front door's time limit, the renewal
    // timer finishes the members that were not reached.
    const known = (await deps.users.listScopes()).find((s) => s.kind === scope.kind && s.groupId === scope.groupId);
    await deps.users.putScope({ ...scope, addedAt: known?.addedAt ?? scope.addedAt });
    const outcome = await reconcileScope(deps, scope, members, { explicit: true, listed });
    users = outcome.results;
    left = outcome.left;
    await deps.users.putScope({ ...scope, addedAt: known?.addedAt ?? scope.addedAt, reconciledAt: deps.now().toISOString(), lastError: undefined });
  }
  const count = (r: UserResult['result']) => users.filter((u) => u.result === r).length;
  return {
    selection: request.kind,
    ...(request.kind === 'group' ? { groupId: request.groupId } : {}),
    summary: { users: users.length, provisioned: count('provisioned'), refused: count('refused'), failed: count('failed'), left: left.length },
    users,
    left,
  };
}

/** A name that matched no user, given twice in different case, is answered once. */
function dedupe(results: UserResult[]): UserResult[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    const key = r.user.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Keeps the users of one scope in step with its members. `explicit` (an admin request)
 * reconciles every member; the timer only provisions members who joined, and both drop the scope
 * from members who left (deprovisioning those no other source keeps).
 */
export async function reconcileScope(
  deps: ProvisionDeps,
  scope: Pick<ProvisioningScope, 'kind' | 'groupId'>,
  members: readonly DirectoryUser[],
  opts: { explicit: boolean; listed: ReadonlyMap<string, ListedSubscription> | null },
): Promise<{ results: UserResult[]; left: { user: string; deprovisioned: boolean }[]; extended: number }> {
  const source = scopeSource(scope);
  const users = await deps.users.list();
  const excluded = opts.explicit ? new Set<string>() : await deps.users.listExcluded();
  const unique = [...new Map(members.map((m) => [m.id.toLowerCase(), m])).values()];
  const changes = membershipChanges(source, new Set(unique.map((m) => m.id)), users, excluded);
  const joining = new Set(changes.join);
  const targets = opts.explicit ? unique : unique.filter((m) => joining.has(m.id));
  const results = await mapLimit(targets, deps.concurrency ?? DEFAULT_CONCURRENCY, (m) =>
    guarded(deps, m.id, m.userPrincipalName ?? undefined, () =>
      reconcileUser(deps, m.id, {
        source, category: true, retryRefused: true, explicit: opts.explicit, reason: 'provisioning', listed: opts.listed,
        upn: m.userPrincipalName ?? undefined,
      }),
    ),
  );
  let extended = 0;
  if (!opts.explicit) {
    for (const userId of changes.extend) {
      await deps.users.modify(userId, (current) => (current ? { ...current, sources: [...current.sources, source] } : undefined));
      extended += 1;
    }
  }
  const left: { user: string; deprovisioned: boolean }[] = [];
  for (const userId of changes.leave) left.push({ user: userId, deprovisioned: await dropSource(deps, userId, source) });
  return { results, left, extended };
}

/** Removes one source from a user; with none left the user is deprovisioned. */
async function dropSource(deps: ProvisionDeps, userId: string, source: ProvisionSource): Promise<boolean> {
  const updated = await deps.users.modify(userId, (current) => {
    if (!current || !current.sources.includes(source)) return undefined;
    return { ...current, sources: withoutSource(current.sources, source), updatedAt: deps.now().toISOString() };
  });
  if (!updated || updated.sources.length > 0) return false;
  await deprovisionUser(deps, userId, { exclude: false });
  return true;
}

// ---- deprovisioning -------------------------------------------------------------------------------------------

export class DeprovisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeprovisionError';
  }
}

export interface DeprovisionResult {
  user: string;
  subscriptions: number;
  links: number;
  deltaLinks: number;
  skipped: number;
  /** a scope (group/tenant) still covers the user: the timer will not provision it again */
  excluded: boolean;
}

/**
 * Subscriptions first (Graph DELETE, 404 is success), then the sync state. A Graph failure stops
 * before any state is dropped, so running the request again finishes the job. The Outlook
 * category is left in the mailbox: the user's tags on items are theirs.
 */
export async function deprovisionUser(deps: ProvisionDeps, userId: string, opts: { exclude: boolean }): Promise<DeprovisionResult> {
  const user = await deps.users.get(userId);
  const subs = await deps.subscriptions.list({ userId });
  let failed = 0;
  for (const sub of subs) {
    try {
      await removeSlot(deps, sub);
    } catch (err) {
      failed += 1;
      await deps.subscriptions.update(sub.id, { lastError: `delete failed: ${errorText(err)}`, lastErrorAt: deps.now().toISOString() });
    }
  }
  if (failed) throw new DeprovisionError(`${failed} of ${subs.length} subscriptions could not be deleted in Graph; nothing else was removed, run the request again`);
  const links = await deps.links.deleteAllForUser(userId, SYNC_MODULES);
  const deltaLinks = await deps.deltaLinks.deleteAllForUser(userId);
  await deps.eventSeries.deleteAllForUser(userId);
  const skippedItems = await deps.skipped.list(userId);
  for (const item of skippedItems) await deps.skipped.remove(userId, item.module, item.itemId);
  await deps.users.delete(userId);
  const excluded = opts.exclude && (user?.sources ?? []).some((s) => s !== 'ids');
  if (excluded) await deps.users.exclude(userId, deps.now());
  deps.logger.info('mailbox deprovisioned', { userId, subscriptions: subs.length, links, deltaLinks, skipped: skippedItems.length, excluded });
  return { user: userId, subscriptions: subs.length, links, deltaLinks, skipped: skippedItems.length, excluded };
}

/**
 * The `{user}` of `DELETE manage/provision/{user}`: an object id, a UPN (matched against what we
 * stored, then asked of the directory), `group:{groupId}` or `all` (a scope).
 */
export type DeprovisionTarget = { kind: 'user'; userId: string } | { kind: 'scope'; scope: Pick<ProvisioningScope, 'kind' | 'groupId'> };

export async function resolveDeprovisionTarget(deps: ProvisionDeps, value: string): Promise<DeprovisionTarget | undefined> {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'all') return { kind: 'scope', scope: { kind: 'all' } };
  const group = /^group:(.+)$/i.exec(trimmed);
  if (group) return isObjectId(group[1]) ? { kind: 'scope', scope: { kind: 'group', groupId: group[1].toLowerCase() } } : undefined;
  const known = async (id: string) => (await deps.users.get(id)) !== undefined || (await deps.subscriptions.list({ userId: id })).length > 0;
  if (isObjectId(trimmed)) {
    for (const id of new Set([trimmed, trimmed.toLowerCase()])) if (await known(id)) return { kind: 'user', userId: id };
    return undefined;
  }
  const byUpn = (await deps.users.list()).find((u) => u.upn?.toLowerCase() === trimmed.toLowerCase());
  if (byUpn) return { kind: 'user', userId: byUpn.userId };
  const found = await findUser(deps.graph, trimmed);
  if (found && (await known(found.id))) return { kind: 'user', userId: found.id };
  return undefined;
}

export interface ScopeRemoval {
  scope: string;
  users: { user: string; deprovisioned: boolean }[];
}

/** Stops provisioning a group (or the tenant): its users lose that source, and go if it was their last. */
export async function removeScope(deps: ProvisionDeps, scope: Pick<ProvisioningScope, 'kind' | 'groupId'>): Promise<ScopeRemoval | undefined> {
  const source = scopeSource(scope);
  const exists = (await deps.users.listScopes()).some((s) => scopeSource(s) === source);
  const holders = (await deps.users.list()).filter((u) => u.sources.includes(source));
  if (!exists && holders.length === 0) return undefined;
  await deps.users.deleteScope(scope);
  const users: ScopeRemoval['users'] = [];
  for (const u of holders) users.push({ user: u.userId, deprovisioned: await dropSource(deps, u.userId, source) });
  return { scope: source, users };
}
