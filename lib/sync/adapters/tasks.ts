import type { Config } from '../../config';
import type { GraphApi } from '../../graph/client';
import { GraphNotFoundError } from '../../graph/errors';
import { graphPath } from '../../graph/path';
import { TODO_TASK_SELECT, todoTaskSchema, type GraphTodoTask } from '../../graph/resources/todo-task';
import { contentHash } from '../../mapping/hash';
import { inScope } from '../../mapping/scope';
import { mapTask, TASKS_MODULE, taskDedupKey } from '../../mapping/task';
import { listTodoLists } from '../../provision/graph-ops';
import { buildCoql, where } from '../../zoho/coql';
import type { FolderScopes } from '../../graph/folders';
import { ownerNotes, type Directory } from '../directory';
import { LOOKUP_EXTRA_FIELDS, type Decision, type Mapped, type Match, type ModuleAdapter, type Resolved } from '../engine';
import type { SyncItemMessage } from '../messages';
import type { ZohoPort } from '../ports';

export interface TasksAdapterDeps {
  graph: GraphApi;
  zoho: ZohoPort;
  directory: Pick<Directory, 'fieldRules' | 'ownerFor' | 'mailboxTimeZone'>;
  config: Pick<Config, 'SYNC_TASKS' | 'SYNC_CATEGORY'>;
  /** SYNC_TODO_LISTS: whether a task's list is chosen */
  folders?: Pick<FolderScopes, 'todoList'>;
}

export interface TaskItem {
  userId: string;
  listId: string;
  task: GraphTodoTask;
  /** in a To Do list SYNC_TODO_LISTS does not choose */
  outsideFolders?: boolean;
}

/** Microsoft To Do tasks → Zoho Tasks (SPEC §2.2). */
export class TasksAdapter implements ModuleAdapter<TaskItem> {
  readonly module = 'tasks' as const;
  readonly zohoModule = TASKS_MODULE;

  constructor(private readonly deps: TasksAdapterDeps) {}

  async read(msg: SyncItemMessage): Promise<TaskItem | null> {
    // Notifications and the delta timer carry the list; a task id alone is only a hint where to look.
    const lists = msg.scope ? [msg.scope] : await listTodoLists(this.deps.graph, msg.userId);
    for (const listId of lists) {
      try {
        const task = await this.deps.graph.get(graphPath`/users/${msg.userId}/todo/lists/${listId}/tasks/${msg.itemId}`, todoTaskSchema, {
          query: { $select: TODO_TASK_SELECT },
        });
        const outsideFolders = this.deps.folders ? !(await this.deps.folders.todoList(msg.userId, listId)) : false;
        return { userId: msg.userId, listId, task, outsideFolders };
      } catch (err) {
        if (!(err instanceof GraphNotFoundError)) throw err;
      }
    }
    // Deleted, its list deleted, or moved to another list (To Do gives a moved task a new id).
    return null;
  }

  decide(item: TaskItem): Decision {
    if (item.outsideFolders) return { action: 'out-of-scope' };
    return inScope(item.task.categories, this.deps.config.SYNC_TASKS, this.deps.config.SYNC_CATEGORY) ? { action: 'sync' } : { action: 'out-of-scope' };
  }

  async map(item: TaskItem): Promise<Mapped> {
    const rules = await this.deps.directory.fieldRules(TASKS_MODULE);
    // The mailbox zone only matters for a due date; without one (or without permission) UTC is used.
    const userTimeZone = item.task.dueDateTime?.dateTime ? ((await this.deps.directory.mailboxTimeZone(item.userId)) ?? 'UTC') : undefined;
    const mapped = mapTask(item.task, { rules, userTimeZone });
    const label = item.task.title?.trim() || '(no title)';
    return { record: mapped.record, hash: contentHash(mapped.record), label, cutFields: mapped.cutFields, notes: mapped.warnings, skipReason: mapped.skipReason };
  }

  async resolve(item: TaskItem, mapped: Mapped): Promise<Resolved> {
    const record = { ...mapped.record };
    const ownerId = await this.deps.directory.ownerFor(item.userId);
    if (ownerId) record.Owner = { id: ownerId };
    return { record, notes: ownerNotes(ownerId) };
  }

  async findExisting(_item: TaskItem | null, mapped: Mapped): Promise<Match | undefined> {
    const key = taskDedupKey(mapped);
    if (!key) return undefined;
    const due = key.dueDate === null ? where.isNull('Due_Date') : where.eq('Due_Date', key.dueDate);
    const rows = await this.deps.zoho.coql(
      buildCoql({
        select: [...new Set(['Subject', 'Due_Date', ...LOOKUP_EXTRA_FIELDS, ...Object.keys(mapped.record).filter((k) => !k.startsWith('$'))])],
        from: TASKS_MODULE,
        where: where.and(where.eq('Subject', key.subject), due),
        orderBy: [{ field: 'Created_Time', direction: 'asc' }, { field: 'id', direction: 'asc' }],
        limit: 1,
      }),
    );
    return rows[0] ? { id: String(rows[0].id), how: key.dueDate === null ? 'same subject, no due date' : 'same subject and due date', record: rows[0] } : undefined;
  }

  changeKey(item: TaskItem): string | undefined {
    return item.task['@odata.etag'] ?? item.task.lastModifiedDateTime ?? undefined;
  }
}
