/**
 * The To Do fallback (graph.md §1.5): Microsoft's pages disagree on whether app-only To Do
 * subscriptions are allowed, To Do gets no `missed` lifecycle event, and its notifications may
 * lag 15 minutes. So a timer polls `todo/lists/{id}/tasks/delta` for every To Do list of every
 * provisioned user and puts what changed on the same `sync-items` queue the webhook feeds; the
 * worker path is identical, and a change seen both ways is harmless (the worker re-reads, the
 * link hash stops a second write).
 *
 * - Users: every active provisioned mailbox, and any mailbox with a subscription stored. The
 *   subscriptions alone would miss a mailbox whose only synced module is tasks and whose To Do
 *   subscriptions were all refused: that is exactly the mailbox this timer exists for. Lists are
 *   listed afresh each round, so new lists are polled at once.
 * - The first round of a list has no delta link: Graph returns every task, which is queued; the
 *   worker finds them unchanged unless something happened since the last full sync.
 * - Delta links are stored per user and list (DeltaLinkRepository, module `tasks`, scope = list
 *   id) only after the round's messages are queued, so a crash replays rather than loses.
 * - An expired delta token (410, syncStateNotFound) restarts that list from a full round.
 */
import { z } from 'zod';
import type { GraphApi } from '../graph/client';
import { GraphApiError, isResyncRequired } from '../graph/errors';
import { graphPath } from '../graph/path';
import type { Logger } from '../log';
import { mapLimit } from '../pool';
import { listTodoLists } from '../provision/graph-ops';
import type { FolderSelection } from '../mapping/folders';
import type { DeltaLinkRepository } from '../state/delta';
import type { SubscriptionRepository } from '../state/subscriptions';
import type { ProvisionedUserRepository } from '../state/users';
import type { SyncItemMessage } from './messages';
import type { SyncQueue } from './ports';

export interface TodoPollDeps {
  graph: GraphApi;
  subscriptions: Pick<SubscriptionRepository, 'list'>;
  users: Pick<ProvisionedUserRepository, 'list'>;
  deltaLinks: Pick<DeltaLinkRepository, 'get' | 'put' | 'delete'>;
  queue: SyncQueue;
  logger: Logger;
  /** SYNC_TODO_LISTS: only the chosen lists are polled */
  lists?: FolderSelection;
}

export interface TodoPollResult {
  users: number;
  lists: number;
  queued: number;
  /** lists or users that failed this round; they are polled again next round */
  failures: number;
}

/** Only the id matters: the worker re-reads the task. */
const deltaItemSchema = z.object({ id: z.string() });

const SEND_PARALLELISM = 16;
/** Users polled at the same time; each user's lists one after another, for Outlook's per-mailbox limit. */
const USER_PARALLELISM = 4;

export async function pollTodoLists(deps: TodoPollDeps): Promise<TodoPollResult> {
  const [subscriptions, provisioned] = await Promise.all([deps.subscriptions.list(), deps.users.list()]);
  const users = [...new Set([...provisioned.filter((u) => u.state === 'active').map((u) => u.userId), ...subscriptions.map((s) => s.userId)])];
  const result: TodoPollResult = { users: users.length, lists: 0, queued: 0, failures: 0 };
  await mapLimit(users, USER_PARALLELISM, (userId) => pollUser(userId, deps, result));
  return result;
}

async function pollUser(userId: string, deps: TodoPollDeps, result: TodoPollResult): Promise<void> {
  let lists: string[];
  try {
    lists = await listTodoLists(deps.graph, userId, deps.lists);
  } catch (err) {
    result.failures++;
    deps.logger.warn('To Do lists could not be read; the user is polled again next round', { userId, ...describe(err) });
    return;
  }
  for (const listId of lists) {
    try {
      result.queued += await pollList(userId, listId, deps);
      result.lists++;
    } catch (err) {
      result.failures++;
      deps.logger.warn('To Do list delta failed; polled again next round', { userId, ...describe(err) });
    }
  }
}

async function pollList(userId: string, listId: string, deps: TodoPollDeps): Promise<number> {
  const initial = graphPath`/users/${userId}/todo/lists/${listId}/tasks/delta`;
  const stored = await deps.deltaLinks.get(userId, 'tasks', listId);
  let round;
  try {
    round = stored ? await deps.graph.delta(stored, deltaItemSchema) : await deps.graph.delta(initial, deltaItemSchema, { query: { $select: 'id' } });
  } catch (err) {
    if (!stored || !isResyncRequired(err)) throw err;
    deps.logger.info('To Do delta token expired; the list starts over', { userId });
    await deps.deltaLinks.delete(userId, 'tasks', listId);
    round = await deps.graph.delta(initial, deltaItemSchema, { query: { $select: 'id' } });
  }
  const messages: SyncItemMessage[] = [
    ...round.items.map((t): SyncItemMessage => ({ v: 1, userId, module: 'tasks', itemId: t.id, changeType: 'resync', scope: listId })),
    ...round.removed.map((id): SyncItemMessage => ({ v: 1, userId, module: 'tasks', itemId: id, changeType: 'deleted', scope: listId })),
  ];
  await mapLimit(messages, SEND_PARALLELISM, (m) => deps.queue.send(m));
  await deps.deltaLinks.put(userId, 'tasks', listId, round.deltaLink);
  return messages.length;
}

function describe(err: unknown): Record<string, unknown> {
  return err instanceof GraphApiError ? { status: err.status, code: err.code } : { error: (err as Error)?.name ?? 'Error' };
}
