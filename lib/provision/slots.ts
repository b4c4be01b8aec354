import { GraphApiError, GraphConflictError } from '../graph/errors';
import type { SyncModule } from '../modules';
import type { SubscriptionRecord } from '../state/subscriptions';
import { classifyMailboxError, conflictingSubscriptionId, isTodoSubscriptionRefusal, type GraphFailure } from './decisions';
import { newClientState, type ProvisionDeps } from './deps';
import { createSubscription, deleteSubscription, listSubscriptions, type GraphSubscription } from './graph-ops';
import { CHANGE_TYPE, createRequest, specKey, type SubscriptionSpec } from './specs';

/**
 * One subscription slot of a mailbox (a module, or one To Do list): create it, adopt the one Graph
 * already has, replace or remove it. Each call leaves Graph and our table agreeing.
 */

export type SlotResultKind = 'created' | 'existing' | 'adopted' | 'refused' | 'polled' | 'failed';

export interface SlotResult {
  module: SyncModule;
  listId?: string;
  result: SlotResultKind;
  subscriptionId?: string;
  expiresAt?: string;
  reason?: string;
  code?: string;
}

export interface SlotOutcome {
  slot: SlotResult;
  /** set when Graph said no; `noMailbox` tells the caller to stop trying this user */
  failure?: GraphFailure;
}

export function isLive(result: SlotResultKind): boolean {
  return result === 'created' || result === 'existing' || result === 'adopted';
}

function base(spec: SubscriptionSpec): Pick<SlotResult, 'module' | 'listId'> {
  return spec.listId ? { module: spec.module, listId: spec.listId } : { module: spec.module };
}

/**
 * The row is written right after Graph's 201, not before the POST: the webhook looks
 * subscriptions up by id, which only exists once Graph answers. A notification that lands in
 * the few milliseconds between is dropped as unknown, and the resync queued after every create
 * (first full sync, or the delta over a gap) reads that change anyway.
 */
async function store(deps: ProvisionDeps, userId: string, spec: SubscriptionSpec, created: GraphSubscription, clientState: string): Promise<SubscriptionRecord> {
  const record: SubscriptionRecord = {
    id: created.id,
    userId,
    module: spec.module,
    resource: spec.resource,
    listId: spec.listId,
    clientState,
    expiresAt: created.expirationDateTime,
    createdAt: deps.now().toISOString(),
  };
  try {
    await deps.subscriptions.put(record);
  } catch (err) {
    // A subscription whose secret we failed to keep can never be verified: take it back.
    await deleteSubscription(deps.graph, created.id).catch(() => undefined);
    throw err;
  }
  return record;
}

async function post(deps: ProvisionDeps, userId: string, spec: SubscriptionSpec): Promise<SubscriptionRecord> {
  const clientState = newClientState();
  const created = await createSubscription(deps.graph, createRequest(spec, clientState, deps.config.PUBLIC_BASE_URL, deps.now()));
  return store(deps, userId, spec, created, clientState);
}

function normaliseResource(resource: string | undefined): string {
  return (resource ?? '').replace(/^https:\/\/[^/]+\/(v1\.0|beta)\//i, '').replace(/^\/+/, '').toLowerCase();
}

function sameChangeTypes(a: string | undefined): boolean {
  const set = (s: string) => s.split(',').map((t) => t.trim().toLowerCase()).sort().join(',');
  return a !== undefined && set(a) === set(CHANGE_TYPE);
}

/**
 * Graph answered 409: a subscription for this resource and changeType exists. Graph's message
 * names it; when it does not, Graph's list of our subscriptions is searched by resource and
 * changeType (the list is paged and tenant-wide, so it is the fallback, not the first step).
 * If it is a row of ours for this very slot, it is simply kept. Otherwise its clientState is
 * unknown to us (a crash between Graph's 201 and our write, or lost state), so its notifications
 * could never be verified: it is deleted and created again with a fresh secret. PATCH cannot
 * change a clientState, so adopting it "as is" is not possible.
 */
async function adopt(deps: ProvisionDeps, userId: string, spec: SubscriptionSpec, conflict: GraphConflictError): Promise<SlotResult> {
  let existingId = conflictingSubscriptionId(conflict);
  if (!existingId) {
    const listed = await listSubscriptions(deps.graph);
    existingId = listed.find((s) => normaliseResource(s.resource) === normaliseResource(spec.resource) && sameChangeTypes(s.changeType))?.id;
  }
  if (!existingId) {
    return { ...base(spec), result: 'failed', code: conflict.code, reason: 'Graph reports a subscription for this resource that it neither names nor lists' };
  }
  const row = await deps.subscriptions.get(existingId);
  if (row && row.userId === userId && specKey(row) === specKey(spec)) {
    return { ...base(spec), result: 'existing', subscriptionId: row.id, expiresAt: row.expiresAt };
  }
  await deleteSubscription(deps.graph, existingId);
  if (row) {
    await deps.subscriptions.delete(existingId);
    deps.forgetSubscription?.(existingId);
  }
  const record = await post(deps, userId, spec);
  return { ...base(spec), result: 'adopted', subscriptionId: record.id, expiresAt: record.expiresAt };
}

/** Creates the slot's subscription (adopting on 409); every Graph refusal becomes a result. */
export async function createSlot(deps: ProvisionDeps, userId: string, spec: SubscriptionSpec): Promise<SlotOutcome> {
  try {
    try {
      const record = await post(deps, userId, spec);
      return { slot: { ...base(spec), result: 'created', subscriptionId: record.id, expiresAt: record.expiresAt } };
    } catch (err) {
      if (err instanceof GraphConflictError) return { slot: await adopt(deps, userId, spec, err) };
      throw err;
    }
  } catch (err) {
    // Not a Graph answer (storage, a bug): the caller's per-user guard reports it.
    if (!(err instanceof GraphApiError)) throw err;
    const failure = classifyMailboxError(err);
    if (spec.module === 'tasks' && !failure.noMailbox && isTodoSubscriptionRefusal(err)) {
      return {
        slot: { ...base(spec), result: 'polled', code: failure.code, reason: `Graph refused a To Do subscription (${failure.code}); the list is polled with delta instead` },
        failure: { ...failure, outcome: 'refused' },
      };
    }
    return { slot: { ...base(spec), result: failure.outcome, code: failure.code, reason: failure.reason }, failure };
  }
}

/** Graph first (gone is fine), then our row: a failed Graph delete leaves the row to retry. */
export async function removeSlot(deps: ProvisionDeps, record: SubscriptionRecord): Promise<void> {
  await deleteSubscription(deps.graph, record.id);
  await deps.subscriptions.delete(record.id);
  deps.forgetSubscription?.(record.id);
}

/**
 * A stored subscription Graph no longer has (or must be replaced): create its slot again and drop
 * the old row once the new one is stored. When creation fails the old row stays, with the error,
 * so the next renewal run tries again.
 */
export async function recreateSlot(deps: ProvisionDeps, record: SubscriptionRecord, opts: { deleteFirst?: boolean } = {}): Promise<SlotOutcome> {
  if (opts.deleteFirst) await deleteSubscription(deps.graph, record.id);
  const spec: SubscriptionSpec = { module: record.module, listId: record.listId, resource: record.resource };
  const outcome = await createSlot(deps, record.userId, spec);
  if (outcome.slot.result === 'failed') {
    await deps.subscriptions.update(record.id, { lastError: outcome.slot.reason ?? 'recreation failed', lastErrorAt: deps.now().toISOString() });
    return outcome;
  }
  if (outcome.slot.subscriptionId !== record.id) {
    await deps.subscriptions.delete(record.id);
    deps.forgetSubscription?.(record.id);
  }
  return outcome;
}
