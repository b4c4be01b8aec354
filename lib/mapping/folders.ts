/**
 * Which folders, calendars and To Do lists sync (seed: only items in the folders chosen in the sync
 * settings). Per module a setting (SYNC_CONTACT_FOLDERS, SYNC_CALENDARS, SYNC_TODO_LISTS) is `all`
 * or a comma-separated list of display names, where `default` names the mailbox's default contact
 * folder, calendar or To Do list. Names compare without regard to case or surrounding spaces, as
 * Outlook shows them. Subscriptions, delta, resync and each item's own check use the one selection.
 * Pure: no I/O.
 */

export type FolderSelection = { all: true } | { all: false; includeDefault: boolean; names: string[] };

export const ALL_FOLDERS: FolderSelection = { all: true };

function key(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The setting's text → a selection; `all` or blank is everything. Throws on an empty list. */
export function parseFolderSelection(text: string | undefined): FolderSelection {
  const parts = (text ?? '').split(',').map(key).filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'all')) return ALL_FOLDERS;
  if (parts.includes('all')) throw new Error('all cannot be combined with folder names');
  return { all: false, includeDefault: parts.includes('default'), names: [...new Set(parts.filter((p) => p !== 'default'))] };
}

/** Whether a folder (calendar, list) is chosen: the default one by `default`, any by its display name. */
export function folderChosen(selection: FolderSelection, folder: { displayName?: string | null; isDefault: boolean }): boolean {
  if (selection.all) return true;
  if (folder.isDefault && selection.includeDefault) return true;
  return typeof folder.displayName === 'string' && selection.names.includes(key(folder.displayName));
}

/** The setting as it reads back (status, README). */
export function describeSelection(selection: FolderSelection): string {
  return selection.all ? 'all' : [...(selection.includeDefault ? ['default'] : []), ...selection.names].join(', ');
}

/**
 * Contacts: Graph lists the contact folders below the default folder, not the default folder
 * itself, so a contact is in the default folder when its parentFolderId is none of the listed
 * folders'. `known` = every listed folder id, `chosen` = the chosen ones among them.
 */
export function contactFolderChosen(selection: FolderSelection, parentFolderId: string | null | undefined, folders: { known: ReadonlySet<string>; chosen: ReadonlySet<string> }): boolean {
  if (selection.all) return true;
  if (!parentFolderId) return selection.includeDefault;
  if (folders.chosen.has(parentFolderId)) return true;
  return selection.includeDefault && !folders.known.has(parentFolderId);
}
