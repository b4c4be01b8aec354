/**
 * What Graph says changed in one user's module, through delta queries (graph.md §5), per scope:
 * - contacts: the default Contacts folder (`/contacts/delta`) and every contact folder below it
 *   (`/contactFolders/{id}/contacts/delta`, child folders included): Graph's delta is per folder;
 * - events: `calendarView/delta` over the sync window, per calendar (the primary one as
 *   `calendarView/delta`, the others as `calendars/{id}/calendarView/delta`: Graph tracks each
 *   calendar separately), so a resync reads the calendars notifications cover. The window is fixed
 *   in the delta token, so a delta run keeps the window of the run that started it and a full run
 *   moves it;
 * - tasks: `todo/lists/{id}/tasks/delta` per To Do list (the same delta links as the To Do poll);
 * Only the folders, calendars and lists the folder settings choose are read (lib/mapping/folders.ts).
 * - mail: Sent Items with `changeType=created`: flag or read changes are not new mail.
 *
 * A stored delta link is used as it is (Graph encodes the original query in it). A scope without
 * one starts from scratch. A link Graph no longer knows (410, syncStateNotFound) makes the whole
 * module start over, since deletions during the gap can only be found by reading everything.
 */
import { z } from 'zod';
import type { Config } from '../config';
import type { GraphApi } from '../graph/client';
import { GraphApiError, GraphNotFoundError, GraphResponseValidationError, isResyncRequired } from '../graph/errors';
import { graphPath, IMMUTABLE_ID_PREFER } from '../graph/path';
import { syncWindow } from '../mapping/event';
import type { SyncModule } from '../modules';
import { chooseContactFolders, chosenCalendars, listCalendars, listContactFolders, type FolderSettings } from '../graph/folders';
import { ALL_FOLDERS, type FolderSelection } from '../mapping/folders';
import { listTodoLists } from '../provision/graph-ops';
import type { DeltaLinkRepository } from '../state/delta';
import type { SeenItem } from './plan';

export interface EnumerateDeps {
  graph: GraphApi;
  deltaLinks: Pick<DeltaLinkRepository, 'get'>;
  config: Pick<Config, 'SYNC_EVENTS_PAST_DAYS' | 'SYNC_EVENTS_FUTURE_DAYS' | 'MAIL_RESYNC_DAYS'> & Partial<FolderSettings>;
  now: () => Date;
}

interface Scope {
  /** DeltaLinkRepository scope */
  key: string;
  /** first-round path and query; later rounds use the stored link */
  path: string;
  query?: Record<string, string>;
  /** SyncItemMessage.scope for items of this scope */
  itemScope?: string;
}

/** Page size asked for: Outlook's default is 10 items per delta page. */
const PAGE_SIZE = 200;

const deltaItemSchema = z.looseObject({
  id: z.string(),
  categories: z.array(z.string().nullable()).nullish(),
  receivedDateTime: z.string().nullish(),
});
type DeltaItem = z.infer<typeof deltaItemSchema>;


/** The default folder, then the folders below it, depth first; only the chosen ones. */
async function contactScopes(graph: GraphApi, userId: string, selection: FolderSelection): Promise<Scope[]> {
  const choice = chooseContactFolders(selection, await listContactFolders(graph, userId));
  // `/contacts/delta` is widely used but not on the v1.0 page, and one report says it refuses
  // query parameters on the first call: it gets none (full contacts come back, categories included).
  const scopes: Scope[] = choice.includeDefault ? [{ key: 'default', path: graphPath`/users/${userId}/contacts/delta` }] : [];
  for (const id of selection.all ? choice.known : choice.chosen) {
    scopes.push({ key: id, path: graphPath`/users/${userId}/contactFolders/${id}/contacts/delta`, query: { $select: 'id,categories' } });
  }
  return scopes;
}

async function taskScopes(graph: GraphApi, userId: string, selection: FolderSelection): Promise<Scope[]> {
  const lists = await listTodoLists(graph, userId, selection);
  return lists.map((id) => ({ key: id, path: graphPath`/users/${userId}/todo/lists/${id}/tasks/delta`, query: { $select: 'id,categories' }, itemScope: id }));
}

/** calendarView/delta per chosen calendar; the primary one keeps its original key and path. */
async function eventScopes(deps: EnumerateDeps, userId: string, selection: FolderSelection): Promise<Scope[]> {
  const window = syncWindow(deps.now(), deps.config.SYNC_EVENTS_PAST_DAYS, deps.config.SYNC_EVENTS_FUTURE_DAYS);
  // calendarView/delta takes no $select (graph.md §5).
  const query = { startDateTime: window.start, endDateTime: window.end };
  return chosenCalendars(selection, await listCalendars(deps.graph, userId)).map((c) =>
    c.isDefaultCalendar
      ? { key: 'calendarView', path: graphPath`/users/${userId}/calendarView/delta`, query }
      : { key: `calendar:${c.id}`, path: graphPath`/users/${userId}/calendars/${c.id}/calendarView/delta`, query },
  );
}

function mailSince(deps: EnumerateDeps): string {
  return new Date(deps.now().getTime() - deps.config.MAIL_RESYNC_DAYS * 86_400_000).toISOString();
}

async function scopesOf(module: SyncModule, userId: string, deps: EnumerateDeps): Promise<Scope[]> {
  switch (module) {
    case 'contacts':
      return contactScopes(deps.graph, userId, deps.config.SYNC_CONTACT_FOLDERS ?? ALL_FOLDERS);
    case 'tasks':
      return taskScopes(deps.graph, userId, deps.config.SYNC_TODO_LISTS ?? ALL_FOLDERS);
    case 'events':
      return eventScopes(deps, userId, deps.config.SYNC_CALENDARS ?? ALL_FOLDERS);
    case 'mail':
      return [
        {
          key: 'sentitems',
          path: graphPath`/users/${userId}/mailFolders/sentitems/messages/delta`,
          query: { changeType: 'created', $select: 'id,categories,receivedDateTime', $filter: `receivedDateTime ge ${mailSince(deps)}` },
        },
      ];
  }
}

function preferHeader(module: SyncModule): string {
  // To Do ids have no immutable form; the others must match the ids notifications carry.
  return module === 'tasks' ? `odata.maxpagesize=${PAGE_SIZE}` : `odata.maxpagesize=${PAGE_SIZE}, ${IMMUTABLE_ID_PREFER}`;
}

function hasCategories(item: DeltaItem): boolean {
  return Object.prototype.hasOwnProperty.call(item, 'categories');
}

function sentSince(item: DeltaItem, since: number): boolean {
  const at = item.receivedDateTime ? Date.parse(item.receivedDateTime) : NaN;
  return Number.isNaN(at) || at >= since;
}

/**
 * Where a module's streamed read stands, small enough for a queue message: a resync part that
 * runs out of its invocation's budget continues from here in a follow-up message.
 */
export interface ModuleCursor {
  mode: 'delta' | 'full';
  /** why a delta run reads everything, or a listing fell back */
  note?: string;
  /** the scope being read: its key (folders may come and go between invocations) and position */
  scopeKey?: string;
  scopeIndex: number;
  /**
   * `link`: a full read's delta round, read only for its new link (the listing brings the items);
   * `list`: the adapter's listing of the scope (items come already read);
   * `delta`: the delta round's items are the work.
   */
  phase: 'link' | 'list' | 'delta';
  /** the next page (a nextLink); absent: the phase starts */
  next?: string;
  /** the round started without a stored delta link (mail then filters by date itself) */
  fresh?: boolean;
}

export interface ListedItem extends SeenItem {
  /** the item as the listing read it */
  item?: unknown;
}

export interface StreamedPage {
  changed: ListedItem[];
  removed: SeenItem[];
  /** a scope's round ended: the link to store once its changes are applied */
  deltaLink?: { scope: string; link: string };
  /** the read this page belongs to: `full` when every scope is read from scratch */
  mode: 'delta' | 'full';
  note?: string;
  /** where to continue after this page; undefined: the module has been read */
  cursor: ModuleCursor | undefined;
}

export type ScopeLister = (userId: string, scope: string, link?: string) => Promise<{ items: { id: string; item: unknown; categories?: readonly (string | null)[] | null }[]; nextLink?: string }>;

/** The note a failed listing leaves; its items come from the delta round instead. */
type ListingFailed = (status: number, code: string) => void;

/**
 * The module's changes one Graph page at a time (at most PAGE_SIZE items in memory), from
 * `cursor` or from the start. A full read with a `lister` takes each scope's delta round only for
 * its link and the items from the listing (read once, with every field the sync needs).
 */
export async function* streamModule(
  deps: EnumerateDeps,
  userId: string,
  module: SyncModule,
  wantFull: boolean,
  cursor: ModuleCursor | undefined,
  lister: ScopeLister | undefined,
  onListingFailed?: ListingFailed,
): AsyncGenerator<StreamedPage> {
  const scopes = await scopesOf(module, userId, deps);
  let c: ModuleCursor = cursor ?? (await startCursor(deps, userId, module, scopes, wantFull, lister));
  const headers = { Prefer: preferHeader(module) };
  const since = module === 'mail' ? Date.parse(mailSince(deps)) : undefined;
  for (;;) {
    const at = c.scopeKey !== undefined ? scopes.findIndex((s) => s.key === c.scopeKey) : -1;
    const index = at >= 0 ? at : c.scopeIndex;
    const scope = scopes[index];
    if (!scope) return;
    c = { ...c, scopeIndex: index, scopeKey: scope.key };
    const { mode, note } = c;
    const nextScope = (): ModuleCursor | undefined =>
      index + 1 < scopes.length ? { mode: c.mode, note: c.note, scopeIndex: index + 1, scopeKey: scopes[index + 1].key, phase: c.mode === 'full' && lister ? 'link' : 'delta' } : undefined;

    if (c.phase === 'list') {
      let listed;
      try {
        listed = await lister!(userId, scope.key, c.next);
      } catch (err) {
        if (!(err instanceof GraphApiError) || err.transient) throw err;
        // A folder Graph will not list this way (or not any more): its delta round brings the ids, read one by one.
        onListingFailed?.(err.status, err.code);
        c = { ...c, phase: 'delta', next: undefined, fresh: true, note: joinNote(c.note, `listing a folder failed (${err.status} ${err.code}); items were read one by one`) };
        continue;
      }
      const changed = listed.items.map((x) => ({ id: x.id, scope: scope.itemScope, categories: x.categories, item: x.item }));
      c = (listed.nextLink ? { ...c, next: listed.nextLink } : nextScope()) as ModuleCursor;
      yield { changed, removed: [], mode, note, cursor: c };
      if (!c) return;
      continue;
    }

    let start = c.next;
    let fresh = c.fresh ?? false;
    if (start === undefined) {
      const stored = c.mode === 'delta' ? await deps.deltaLinks.get(userId, module, scope.key) : undefined;
      fresh = stored === undefined;
      start = stored;
    }
    let page;
    try {
      page = start ? await deps.graph.page(start, deltaItemSchema, { headers }) : await deps.graph.page(scope.path, deltaItemSchema, { query: scope.query, headers });
    } catch (err) {
      // A folder or list deleted since it was listed: its items are gone and show up as such.
      if (err instanceof GraphNotFoundError && scope.key !== 'default') {
        c = nextScope() as ModuleCursor;
        if (!c) return;
        continue;
      }
      if (c.mode === 'delta' && c.next === undefined && isResyncRequired(err)) {
        // Deletions during the gap can only be found by reading everything: the module starts over.
        const e = err as GraphApiError;
        c = { mode: 'full', note: `Graph no longer knows the stored delta link (${e.status} ${e.code}): everything was read`, scopeIndex: 0, scopeKey: scopes[0].key, phase: lister ? 'link' : 'delta' };
        continue;
      }
      throw err;
    }
    const changed: ListedItem[] = [];
    if (c.phase === 'delta') {
      for (const item of page.items) {
        // The double check matters for mail: Graph may ignore $filter on a delta of a large folder.
        if (fresh && since !== undefined && !sentSince(item, since)) continue;
        changed.push({ id: item.id, scope: scope.itemScope, categories: item.categories ?? (hasCategories(item) ? null : undefined) });
      }
    }
    const removed = c.phase === 'delta' ? page.removed.map((id) => ({ id, scope: scope.itemScope })) : [];
    if (page.nextLink) {
      c = { ...c, next: page.nextLink, fresh };
      yield { changed, removed, mode, note, cursor: c };
      continue;
    }
    if (!page.deltaLink) {
      throw new GraphResponseValidationError({ status: 200, code: 'DeltaLinkMissing', message: 'Delta page without nextLink or deltaLink', endpoint: 'delta' });
    }
    const deltaLink = { scope: scope.key, link: page.deltaLink };
    c = (c.phase === 'link' ? { ...c, phase: 'list', next: undefined } : nextScope()) as ModuleCursor;
    yield { changed, removed, deltaLink, mode, note, cursor: c };
    if (!c) return;
  }
}

async function startCursor(deps: EnumerateDeps, userId: string, module: SyncModule, scopes: Scope[], wantFull: boolean, lister: ScopeLister | undefined): Promise<ModuleCursor> {
  const full = (note?: string): ModuleCursor => ({ mode: 'full', note, scopeIndex: 0, scopeKey: scopes[0]?.key, phase: lister ? 'link' : 'delta' });
  if (wantFull) return full();
  const stored = await Promise.all(scopes.map((s) => deps.deltaLinks.get(userId, module, s.key)));
  if (stored.every((l) => l === undefined)) return full('no delta link stored yet: everything was read');
  return { mode: 'delta', scopeIndex: 0, scopeKey: scopes[0]?.key, phase: 'delta' };
}

function joinNote(a: string | undefined, b: string): string {
  return a ? `${a}; ${b}` : b;
}
