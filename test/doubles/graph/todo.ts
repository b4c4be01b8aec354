import type { DoubleContext, GraphArea, NotificationTarget } from './context';
import { deltaResponse } from './delta';
import { GraphHttpError, json, noContent, parseJsonBody, type DoubleRequest } from './http';
import { itemNotFound, selectOf, writableFields } from './outlook';
import { listResponse, pick } from './paging';
import type { Router } from './router';
import { changeKey, etagOf, outlookId, timestamp, type Mailbox } from './store';
import { TrackedCollection } from './tracked';

/**
 * Microsoft To Do (graph.md §6.2, §5): lists (with the well-known `defaultList` and
 * `flaggedEmails`), tasks per list, `lists/delta` and `lists/{id}/tasks/delta`. A task moved to
 * another list gets a new id, as documented.
 */
const TASK_WRITABLE = [
  'title', 'body', 'dueDateTime', 'startDateTime', 'reminderDateTime', 'completedDateTime', 'importance', 'status',
  'categories', 'isReminderOn', 'recurrence', 'linkedResources',
] as const;
const TASK_READ_ONLY = ['id', 'createdDateTime', 'lastModifiedDateTime', 'bodyLastModifiedDateTime', 'hasAttachments'];
const STATUSES = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'];
const IMPORTANCES = ['low', 'normal', 'high'];

export interface TodoListRecord {
  id: string;
  displayName: string;
  isOwner: boolean;
  isShared: boolean;
  wellknownListName: 'none' | 'defaultList' | 'flaggedEmails';
  etagKey: string;
}

export interface TodoTaskRecord {
  id: string;
  listId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  etagKey: string;
  fields: Record<string, unknown>;
}

interface TodoState {
  lists: TrackedCollection<TodoListRecord>;
  tasks: TrackedCollection<TodoTaskRecord>;
}

export class TodoArea implements GraphArea {
  readonly notificationKinds = ['todoTask'] as const;
  private ctx!: DoubleContext;

  // ---- test API -------------------------------------------------------------------------------

  addList(userId: string, displayName: string): Record<string, unknown> {
    return listJson(this.state(this.ctx.store.mailbox(userId)).lists.put(newList(displayName, 'none')));
  }

  removeList(userId: string, listId: string): void {
    const state = this.state(this.ctx.store.mailbox(userId));
    if (!state.lists.remove(listId)) throw new Error(`graph double: no To Do list ${listId}`);
    for (const t of state.tasks.list((t) => t.listId === listId)) state.tasks.remove(t.id);
  }

  /** The `defaultList` ("Tasks"). */
  defaultListId(userId: string): string {
    return this.state(this.ctx.store.mailbox(userId)).lists.list((l) => l.wellknownListName === 'defaultList')[0].id;
  }

  addTask(userId: string, listId: string, fields: Record<string, unknown>): Record<string, unknown> {
    const state = this.state(this.ctx.store.mailbox(userId));
    if (!state.lists.has(listId)) throw new Error(`graph double: no To Do list ${listId}`);
    return taskJson(createTask(state, listId, fields), undefined);
  }

  updateTask(userId: string, taskId: string, fields: Record<string, unknown>): Record<string, unknown> {
    const state = this.state(this.ctx.store.mailbox(userId));
    const task = state.tasks.get(taskId);
    if (!task) throw new Error(`graph double: no To Do task ${taskId}`);
    return taskJson(patchTask(state, task, fields), undefined);
  }

  removeTask(userId: string, taskId: string): void {
    if (!this.state(this.ctx.store.mailbox(userId)).tasks.remove(taskId)) throw new Error(`graph double: no To Do task ${taskId}`);
  }

  /** Moves a task to another list; like To Do, the task gets a new id (returned). */
  moveTask(userId: string, taskId: string, toListId: string): string {
    const state = this.state(this.ctx.store.mailbox(userId));
    const task = state.tasks.get(taskId);
    if (!task || !state.lists.has(toListId)) throw new Error('graph double: no such task or list');
    state.tasks.remove(taskId);
    const moved = state.tasks.put({ ...task, id: outlookId(), listId: toListId, etagKey: changeKey(), lastModifiedDateTime: timestamp() });
    return moved.id;
  }

  /**
   * The mailbox's time zone (mailboxSettings.timeZone, Windows or IANA name), which To Do due
   * dates are read in. Served here because To Do is what needs it; `null` = not set.
   */
  setMailboxTimeZone(userId: string, timeZone: string | null): void {
    this.ctx.store.mailbox(userId).area('mailboxSettings', () => ({ timeZone: 'UTC' as string | null })).timeZone = timeZone;
  }

  /** Every task of the mailbox, in all lists. */
  listTasks(userId: string): Record<string, unknown>[] {
    return this.state(this.ctx.store.mailbox(userId)).tasks.list().map((t) => taskJson(t, undefined));
  }

  getTask(userId: string, taskId: string): Record<string, unknown> | undefined {
    const task = this.state(this.ctx.store.mailbox(userId)).tasks.get(taskId);
    return task ? taskJson(task, undefined) : undefined;
  }

  // ---- notifications --------------------------------------------------------------------------

  describe(userId: string, _kind: string, taskId: string): NotificationTarget {
    const state = this.state(this.ctx.store.mailbox(userId));
    const task = state.tasks.get(taskId);
    const known = task ?? state.tasks.lastKnown(taskId);
    if (!known) throw new Error(`graph double: no To Do task ${taskId}`);
    return {
      candidates: [`users/${userId.toLowerCase()}/todo/lists/${known.listId.toLowerCase()}/tasks`],
      resource: `Users/${userId}/todo/lists/${known.listId}/tasks/${taskId}`,
      odataType: '#Microsoft.Graph.todoTask',
      etag: task ? etagOf(task.etagKey) : undefined,
    };
  }

  // ---- routes ---------------------------------------------------------------------------------

  register(router: Router, ctx: DoubleContext): void {
    this.ctx = ctx;
    const box = (req: DoubleRequest) => ctx.store.mailboxFor(req.params.user);
    const stateOf = (req: DoubleRequest) => this.state(box(req));
    const listOf = (req: DoubleRequest) => {
      const list = stateOf(req).lists.get(req.params.list);
      if (!list) throw itemNotFound();
      return list;
    };
    const taskOf = (req: DoubleRequest) => {
      const list = listOf(req);
      const task = stateOf(req).tasks.get(req.params.task);
      if (!task || task.listId !== list.id) throw itemNotFound();
      return task;
    };
    const env = (mailbox: Mailbox) => ({ origin: ctx.origin, defaultPageSize: ctx.outlookPageSize, generation: mailbox.deltaGeneration });

    const settingsOf = (req: DoubleRequest) => box(req).area('mailboxSettings', () => ({ timeZone: 'UTC' as string | null }));
    router.get('/users/{user}/mailboxSettings', (req) =>
      json(200, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/mailboxSettings`, timeZone: settingsOf(req).timeZone }),
    );
    router.get('/users/{user}/mailboxSettings/timeZone', (req) =>
      json(200, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/mailboxSettings/timeZone`, value: settingsOf(req).timeZone }),
    );

    router.get('/users/{user}/todo/lists', (req) =>
      listResponse(req, stateOf(req).lists.list(), {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/todo/lists`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (l, select) => (select ? pick(listJson(l), select, ['@odata.etag', 'id']) : listJson(l)),
      }),
    );
    router.post('/users/{user}/todo/lists', (req) => {
      const body = parseJsonBody(req);
      if (typeof body.displayName !== 'string' || !body.displayName) throw new GraphHttpError(400, 'invalidRequest', 'displayName is required.');
      const list = stateOf(req).lists.put(newList(body.displayName, 'none'));
      return json(201, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/todo/lists/$entity`, ...listJson(list) });
    });
    router.get('/users/{user}/todo/lists/delta', (req) => {
      const mailbox = box(req);
      return deltaResponse(req, env(mailbox), {
        key: `todoLists:${mailbox.userId}`, collection: this.state(mailbox).lists, odataType: '#microsoft.graph.todoTaskList', entitySet: 'todoTaskList',
        scope: () => () => true,
        render: (l, select) => (select ? pick(listJson(l), select.split(','), ['@odata.etag', 'id']) : listJson(l)),
      }, ctx.store.clock.now());
    });
    router.get('/users/{user}/todo/lists/{list}', (req) => json(200, listJson(listOf(req))));
    router.patch('/users/{user}/todo/lists/{list}', (req) => {
      const list = listOf(req);
      const body = parseJsonBody(req);
      if (list.wellknownListName !== 'none' && body.displayName !== undefined) throw new GraphHttpError(400, 'invalidRequest', 'The display name of a well-known list cannot be changed.');
      const next = stateOf(req).lists.put({ ...list, displayName: typeof body.displayName === 'string' ? body.displayName : list.displayName, etagKey: changeKey() });
      return json(200, listJson(next));
    });
    router.delete('/users/{user}/todo/lists/{list}', (req) => {
      const list = listOf(req);
      if (list.wellknownListName !== 'none') throw new GraphHttpError(400, 'invalidRequest', 'A well-known list cannot be deleted.');
      this.removeList(box(req).userId, list.id);
      return noContent();
    });

    router.get('/users/{user}/todo/lists/{list}/tasks', (req) => {
      const list = listOf(req);
      return listResponse(req, stateOf(req).tasks.list((t) => t.listId === list.id), {
        origin: ctx.origin, entitySet: `users('${req.params.user}')/todo/lists('${list.id}')/tasks`, defaultSize: ctx.outlookPageSize, maxTop: 1000, style: 'skip',
        project: (t, select) => taskJson(t, select),
        filterView: (t) => taskJson(t, undefined),
      });
    });
    router.post('/users/{user}/todo/lists/{list}/tasks', (req) => {
      const list = listOf(req);
      const task = createTask(stateOf(req), list.id, taskFields(parseJsonBody(req)));
      return json(201, { '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/todo/lists('${list.id}')/tasks/$entity`, ...taskJson(task, undefined) });
    });
    router.get('/users/{user}/todo/lists/{list}/tasks/delta', (req) => {
      const mailbox = box(req);
      const list = listOf(req);
      return deltaResponse(req, env(mailbox), {
        key: `todoTasks:${mailbox.userId}:${list.id}`, collection: this.state(mailbox).tasks, odataType: '#microsoft.graph.todoTask', entitySet: 'todoTask',
        scope: () => (t) => t.listId === list.id,
        render: (t, select) => taskJson(t, select?.split(',')),
      }, ctx.store.clock.now());
    });
    router.get('/users/{user}/todo/lists/{list}/tasks/{task}', (req) => json(200, {
      '@odata.context': `${ctx.origin}/v1.0/$metadata#users('${req.params.user}')/todo/lists('${req.params.list}')/tasks/$entity`,
      ...taskJson(taskOf(req), selectOf(req.query)),
    }));
    router.patch('/users/{user}/todo/lists/{list}/tasks/{task}', (req) => {
      const task = taskOf(req);
      return json(200, taskJson(patchTask(stateOf(req), task, taskFields(parseJsonBody(req))), undefined));
    });
    router.delete('/users/{user}/todo/lists/{list}/tasks/{task}', (req) => {
      stateOf(req).tasks.remove(taskOf(req).id);
      return noContent();
    });
  }

  private state(box: Mailbox): TodoState {
    return box.area('todo', () => {
      const lists = new TrackedCollection<TodoListRecord>(this.ctx.store.clock);
      lists.put(newList('Tasks', 'defaultList'));
      lists.put(newList('Flagged Emails', 'flaggedEmails'));
      return { lists, tasks: new TrackedCollection<TodoTaskRecord>(this.ctx.store.clock) };
    });
  }
}

function newList(displayName: string, wellknownListName: TodoListRecord['wellknownListName']): TodoListRecord {
  return { id: outlookId(), displayName, isOwner: true, isShared: false, wellknownListName, etagKey: changeKey() };
}

function listJson(l: TodoListRecord): Record<string, unknown> {
  return { '@odata.etag': etagOf(l.etagKey), displayName: l.displayName, isOwner: l.isOwner, isShared: l.isShared, wellknownListName: l.wellknownListName, id: l.id };
}

function taskFields(body: Record<string, unknown>): Record<string, unknown> {
  const fields = writableFields(body, TASK_WRITABLE, TASK_READ_ONLY, 'todoTask');
  if (fields.status !== undefined && !STATUSES.includes(String(fields.status))) {
    throw new GraphHttpError(400, 'invalidRequest', `Invalid value '${String(fields.status)}' for status.`);
  }
  if (fields.importance !== undefined && !IMPORTANCES.includes(String(fields.importance))) {
    throw new GraphHttpError(400, 'invalidRequest', `Invalid value '${String(fields.importance)}' for importance.`);
  }
  return fields;
}

function createTask(state: TodoState, listId: string, fields: Record<string, unknown>): TodoTaskRecord {
  const now = timestamp();
  return state.tasks.put({
    id: outlookId(), listId, createdDateTime: now, lastModifiedDateTime: now, etagKey: changeKey(),
    fields: { importance: 'normal', isReminderOn: false, status: 'notStarted', title: '', categories: [], body: { content: '', contentType: 'text' }, ...withCompletion(fields) },
  });
}

function patchTask(state: TodoState, task: TodoTaskRecord, fields: Record<string, unknown>): TodoTaskRecord {
  return state.tasks.put({ ...task, fields: { ...task.fields, ...withCompletion(fields, task.fields) }, etagKey: changeKey(), lastModifiedDateTime: timestamp() });
}

/** To Do stamps completedDateTime when a task becomes completed and clears it when reopened. */
function withCompletion(fields: Record<string, unknown>, previous: Record<string, unknown> = {}): Record<string, unknown> {
  if (fields.status === 'completed' && previous.status !== 'completed' && fields.completedDateTime === undefined) {
    return { ...fields, completedDateTime: { dateTime: new Date().toISOString().replace(/Z$/, '0000'), timeZone: 'UTC' } };
  }
  if (fields.status !== undefined && fields.status !== 'completed') return { ...fields, completedDateTime: undefined };
  return fields;
}

function taskJson(t: TodoTaskRecord, select: string[] | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    '@odata.etag': etagOf(t.etagKey),
    ...t.fields,
    createdDateTime: t.createdDateTime,
    lastModifiedDateTime: t.lastModifiedDateTime,
    hasAttachments: false,
    id: t.id,
  };
  // Unset dateTimeTimeZone properties are absent from To Do answers, not null.
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  return select ? pick(full, select, ['@odata.etag', 'id']) : full;
}
