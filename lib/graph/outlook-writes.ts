/**
 * Writes to a mailbox for Zoho → Outlook: contacts (the Contacts folder, or a dedicated folder
 * the sync creates), To Do tasks (the default list) and events (the primary calendar). Create,
 * update (PATCH), delete. App permissions: Contacts.ReadWrite, Tasks.ReadWrite.All,
 * Calendars.ReadWrite.
 *
 * No invitations, ever: Graph sends meeting requests to the attendees of an event created or
 * updated in the organizer's calendar, so an event body with attendees is refused here before any
 * request (OutlookInvitationError) — the guard sits on the write path itself, not in the mapping.
 *
 * Ids: requests carry `Prefer: IdType="ImmutableId"`, so the ids returned are the ones the
 * subscriptions, delta and links use. Deletes of an item that is gone already count as done.
 */
import { z } from 'zod';
import type { GraphApi } from './client';
import { GraphConflictError, GraphNotFoundError } from './errors';
import { graphPath, IMMUTABLE_ID_PREFER } from './path';
import { contactSchema, type GraphContact } from './resources/contact';
import { eventSchema, type GraphEvent } from './resources/event';
import { todoTaskSchema, type GraphTodoTask } from './resources/todo-task';

const IMMUTABLE = { headers: { Prefer: IMMUTABLE_ID_PREFER } };

const ContactFolder = z.object({ id: z.string(), displayName: z.string().nullish() }).loose();
const TodoList = z.object({ id: z.string(), displayName: z.string().nullish(), wellknownListName: z.string().nullish() }).loose();

/** The sync would have made Graph send meeting requests; nothing was written. */
export class OutlookInvitationError extends Error {
  override readonly name = 'OutlookInvitationError';
  readonly code = 'WouldInvite';
}

function assertNoAttendees(body: Record<string, unknown>): void {
  const attendees = body.attendees;
  if (attendees !== undefined && !(Array.isArray(attendees) && attendees.length === 0)) {
    throw new OutlookInvitationError('an event written by the sync must not have attendees: Graph would invite them');
  }
}

async function deleteIfPresent(graph: GraphApi, path: string): Promise<boolean> {
  try {
    await graph.delete(path);
    return true;
  } catch (err) {
    if (err instanceof GraphNotFoundError) return false;
    throw err;
  }
}

export interface OutlookWriterOptions {
  /** SYNC_CONTACTS_FOLDER: a folder of this name under Contacts; absent = the Contacts folder itself */
  contactsFolder?: string;
}

/**
 * One per process: folder and list ids are looked up once per mailbox and kept (they do not change
 * while the mailbox exists; a folder deleted by the user is found again on the next 404).
 */
export class OutlookWriter {
  private readonly folders = new Map<string, Promise<string | undefined>>();
  private readonly lists = new Map<string, Promise<string>>();

  constructor(private readonly graph: GraphApi, private readonly options: OutlookWriterOptions = {}) {}

  // ---- contacts -------------------------------------------------------------------------------

  /** The folder new contacts go into: undefined for the mailbox's Contacts folder. */
  contactFolderId(userId: string): Promise<string | undefined> {
    const name = this.options.contactsFolder?.trim();
    if (!name) return Promise.resolve(undefined);
    let found = this.folders.get(userId);
    if (!found) {
      found = this.ensureFolder(userId, name).catch((err) => {
        this.folders.delete(userId);
        throw err;
      });
      this.folders.set(userId, found);
    }
    return found;
  }

  private async findFolder(userId: string, name: string): Promise<string | undefined> {
    const wanted = name.toLowerCase();
    for await (const page of this.graph.pages(graphPath`/users/${userId}/contactFolders`, ContactFolder, { ...IMMUTABLE, query: { $select: 'id,displayName' } })) {
      const hit = page.find((f) => f.displayName?.trim().toLowerCase() === wanted);
      if (hit) return hit.id;
    }
    return undefined;
  }

  private async ensureFolder(userId: string, name: string): Promise<string> {
    const existing = await this.findFolder(userId, name);
    if (existing) return existing;
    try {
      return (await this.graph.post(graphPath`/users/${userId}/contactFolders`, { displayName: name }, ContactFolder, IMMUTABLE)).id;
    } catch (err) {
      // Another instance created it a moment ago.
      if (err instanceof GraphConflictError) {
        const raced = await this.findFolder(userId, name);
        if (raced) return raced;
      }
      throw err;
    }
  }

  async createContact(userId: string, body: Record<string, unknown>): Promise<GraphContact> {
    const folderId = await this.contactFolderId(userId);
    const path = folderId ? graphPath`/users/${userId}/contactFolders/${folderId}/contacts` : graphPath`/users/${userId}/contacts`;
    try {
      return await this.graph.post(path, body, contactSchema, IMMUTABLE);
    } catch (err) {
      // The dedicated folder was deleted by the user: find or create it once more.
      if (err instanceof GraphNotFoundError && folderId) {
        this.folders.delete(userId);
        const again = await this.contactFolderId(userId);
        return this.graph.post(graphPath`/users/${userId}/contactFolders/${again!}/contacts`, body, contactSchema, IMMUTABLE);
      }
      throw err;
    }
  }

  /** PATCH through /contacts/{id}, which reaches a contact in any folder of the mailbox. */
  updateContact(userId: string, contactId: string, body: Record<string, unknown>): Promise<GraphContact> {
    return this.graph.patch(graphPath`/users/${userId}/contacts/${contactId}`, body, contactSchema, IMMUTABLE);
  }

  deleteContact(userId: string, contactId: string): Promise<boolean> {
    return deleteIfPresent(this.graph, graphPath`/users/${userId}/contacts/${contactId}`);
  }

  // ---- To Do ----------------------------------------------------------------------------------

  /** The mailbox's default To Do list ("Tasks", wellknownListName defaultList). */
  defaultListId(userId: string): Promise<string> {
    let found = this.lists.get(userId);
    if (!found) {
      found = this.findDefaultList(userId).catch((err) => {
        this.lists.delete(userId);
        throw err;
      });
      this.lists.set(userId, found);
    }
    return found;
  }

  private async findDefaultList(userId: string): Promise<string> {
    for await (const page of this.graph.pages(graphPath`/users/${userId}/todo/lists`, TodoList)) {
      const hit = page.find((l) => l.wellknownListName === 'defaultList');
      if (hit) return hit.id;
    }
    throw new GraphNotFoundError({ status: 404, code: 'DefaultListMissing', message: 'the mailbox has no default To Do list', endpoint: 'GET /users/{id}/todo/lists' });
  }

  async createTask(userId: string, body: Record<string, unknown>): Promise<GraphTodoTask & { listId: string }> {
    const listId = await this.defaultListId(userId);
    const task = await this.graph.post(graphPath`/users/${userId}/todo/lists/${listId}/tasks`, body, todoTaskSchema);
    return { ...task, listId };
  }

  updateTask(userId: string, listId: string, taskId: string, body: Record<string, unknown>): Promise<GraphTodoTask> {
    return this.graph.patch(graphPath`/users/${userId}/todo/lists/${listId}/tasks/${taskId}`, body, todoTaskSchema);
  }

  deleteTask(userId: string, listId: string, taskId: string): Promise<boolean> {
    return deleteIfPresent(this.graph, graphPath`/users/${userId}/todo/lists/${listId}/tasks/${taskId}`);
  }

  // ---- events ---------------------------------------------------------------------------------

  /** Into the primary calendar; refused before any request when the body has attendees. */
  async createEvent(userId: string, body: Record<string, unknown>): Promise<GraphEvent> {
    assertNoAttendees(body);
    return this.graph.post(graphPath`/users/${userId}/calendar/events`, body, eventSchema, IMMUTABLE);
  }

  async updateEvent(userId: string, eventId: string, body: Record<string, unknown>): Promise<GraphEvent> {
    assertNoAttendees(body);
    return this.graph.patch(graphPath`/users/${userId}/events/${eventId}`, body, eventSchema, IMMUTABLE);
  }

  deleteEvent(userId: string, eventId: string): Promise<boolean> {
    return deleteIfPresent(this.graph, graphPath`/users/${userId}/events/${eventId}`);
  }
}
