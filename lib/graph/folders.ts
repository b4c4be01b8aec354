/**
 * The mailbox's contact folders, calendars and To Do lists, and which of them the folder settings
 * choose (lib/mapping/folders.ts). Listing costs a call or two per mailbox, so the sync worker's
 * answers are cached per user for a few minutes; a folder created or renamed meanwhile counts from
 * then on.
 */
import { z } from 'zod';
import { TtlCache } from '../cache';
import type { Config } from '../config';
import { contactFolderChosen, folderChosen, type FolderSelection } from '../mapping/folders';
import type { GraphApi } from './client';
import { graphPath } from './path';

export interface ContactFolder {
  id: string;
  displayName: string | null;
  parentFolderId: string | null;
}

export interface Calendar {
  id: string;
  name: string | null;
  isDefaultCalendar: boolean;
}

export interface TodoListInfo {
  id: string;
  displayName: string | null;
  isDefault: boolean;
}

const ContactFolderSchema = z.looseObject({ id: z.string().min(1), displayName: z.string().nullish(), parentFolderId: z.string().nullish() });
const CalendarSchema = z.looseObject({ id: z.string().min(1), name: z.string().nullish(), isDefaultCalendar: z.boolean().nullish() });
const TodoListSchema = z.looseObject({ id: z.string().min(1), displayName: z.string().nullish(), wellknownListName: z.string().nullish() });

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

/** Every folder below the default Contacts folder, depth first (`contactFolders` lists one level). */
export async function listContactFolders(graph: GraphApi, userId: string): Promise<ContactFolder[]> {
  const out: ContactFolder[] = [];
  const query = { $select: 'id,displayName,parentFolderId' };
  const visit = async (path: string): Promise<void> => {
    for (const f of await all(graph.pages(path, ContactFolderSchema, { query }))) {
      out.push({ id: f.id, displayName: f.displayName ?? null, parentFolderId: f.parentFolderId ?? null });
      await visit(graphPath`/users/${userId}/contactFolders/${f.id}/childFolders`);
    }
  };
  await visit(graphPath`/users/${userId}/contactFolders`);
  return out;
}

export async function listCalendars(graph: GraphApi, userId: string): Promise<Calendar[]> {
  const rows = await all(graph.pages(graphPath`/users/${userId}/calendars`, CalendarSchema, { query: { $select: 'id,name,isDefaultCalendar' } }));
  return rows.map((c) => ({ id: c.id, name: c.name ?? null, isDefaultCalendar: c.isDefaultCalendar === true }));
}

export async function listTodoListInfo(graph: GraphApi, userId: string): Promise<TodoListInfo[]> {
  const rows = await all(graph.pages(graphPath`/users/${userId}/todo/lists`, TodoListSchema, { query: { $select: 'id,displayName,wellknownListName' } }));
  return rows.map((l) => ({ id: l.id, displayName: l.displayName ?? null, isDefault: l.wellknownListName === 'defaultList' }));
}

/** The chosen contact folders: a resync's scopes (`default` and folder ids) and each contact's check. */
export interface ContactFolderChoice {
  selection: FolderSelection;
  known: Set<string>;
  chosen: Set<string>;
  includeDefault: boolean;
}

export function chooseContactFolders(selection: FolderSelection, folders: readonly ContactFolder[]): ContactFolderChoice {
  const chosen = folders.filter((f) => folderChosen(selection, { displayName: f.displayName, isDefault: false }));
  return { selection, known: new Set(folders.map((f) => f.id)), chosen: new Set(chosen.map((f) => f.id)), includeDefault: selection.all || selection.includeDefault };
}

export function contactInChosenFolder(choice: ContactFolderChoice, parentFolderId: string | null | undefined): boolean {
  return contactFolderChosen(choice.selection, parentFolderId, choice);
}

export function chosenCalendars(selection: FolderSelection, calendars: readonly Calendar[]): Calendar[] {
  return calendars.filter((c) => folderChosen(selection, { displayName: c.name, isDefault: c.isDefaultCalendar }));
}

export function chosenTodoLists(selection: FolderSelection, lists: readonly TodoListInfo[]): string[] {
  return lists.filter((l) => folderChosen(selection, l)).map((l) => l.id);
}

export type FolderSettings = Pick<Config, 'SYNC_CONTACT_FOLDERS' | 'SYNC_CALENDARS' | 'SYNC_TODO_LISTS'>;

/** Cached per user: which folders, calendars and lists are chosen. Nothing is listed for `all`. */
export class FolderScopes {
  private readonly contacts: TtlCache<ContactFolderChoice>;
  private readonly calendars: TtlCache<Set<string>>;
  private readonly lists: TtlCache<Set<string>>;

  constructor(private readonly graph: GraphApi, private readonly settings: FolderSettings, ttlMs = 5 * 60_000) {
    this.contacts = new TtlCache(ttlMs);
    this.calendars = new TtlCache(ttlMs);
    this.lists = new TtlCache(ttlMs);
  }

  /** Whether a contact of this folder is in scope. */
  async contactFolder(userId: string, parentFolderId: string | null | undefined): Promise<boolean> {
    const selection = this.settings.SYNC_CONTACT_FOLDERS;
    if (selection.all) return true;
    const choice = await this.contacts.get(userId, async () => chooseContactFolders(selection, await listContactFolders(this.graph, userId)));
    return contactInChosenFolder(choice, parentFolderId);
  }

  async calendar(userId: string, calendarId: string | null | undefined): Promise<boolean> {
    const selection = this.settings.SYNC_CALENDARS;
    if (selection.all) return true;
    const ids = await this.calendars.get(userId, async () => new Set(chosenCalendars(selection, await listCalendars(this.graph, userId)).map((c) => c.id)));
    return typeof calendarId === 'string' && ids.has(calendarId);
  }

  async todoList(userId: string, listId: string): Promise<boolean> {
    const selection = this.settings.SYNC_TODO_LISTS;
    if (selection.all) return true;
    const ids = await this.lists.get(userId, async () => new Set(chosenTodoLists(selection, await listTodoListInfo(this.graph, userId))));
    return ids.has(listId);
  }
}
