import { app, type InvocationContext, type Timer } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { getRuntime } from '../lib/runtime';
import { pollTodoLists, type TodoPollResult } from '../lib/sync/todo-poll';

/**
 * Every 5 minutes, also where To Do subscriptions work: their notifications may come 15 minutes
 * late, and To Do never gets a `missed` lifecycle event, so the delta is the only gap filler.
 */
export const TODO_POLL_SCHEDULE = '0 */5 * * * *';

export async function todoPoll(_timer: Timer, context: InvocationContext): Promise<TodoPollResult | undefined> {
  const rt = getRuntime();
  const logger = contextLogger(context, { fn: 'todo-poll', invocationId: context.invocationId });
  if (rt.config.SYNC_TASKS === 'off') {
    logger.info('tasks sync is turned off; To Do lists not polled');
    return undefined;
  }
  const result = await pollTodoLists({ graph: rt.graph, subscriptions: rt.subscriptions, users: rt.users, deltaLinks: rt.deltaLinks, queue: rt.syncQueue, logger, lists: rt.config.SYNC_TODO_LISTS });
  logger.info('To Do lists polled', { ...result });
  return result;
}

app.timer('todo-poll', { schedule: TODO_POLL_SCHEDULE, handler: todoPoll });
