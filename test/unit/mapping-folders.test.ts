import { contactFolderChosen, describeSelection, folderChosen, parseFolderSelection, type FolderSelection } from '../../lib/mapping/folders';
import { planModuleWork } from '../../lib/resync/plan';
import type { Link } from '../../lib/state/links';

describe('parseFolderSelection', () => {
  test.each<[string | undefined, FolderSelection | string]>([
    [undefined, { all: true }],
    ['', { all: true }],
    [' ALL ', { all: true }],
    ['default', { all: false, includeDefault: true, names: [] }],
    ['Customers, default ,  Key   Accounts', { all: false, includeDefault: true, names: ['customers', 'key accounts'] }],
    ['取引先,取引先', { all: false, includeDefault: false, names: ['取引先'] }],
    ['all, Customers', 'all cannot be combined'],
  ])('%s', (text, expected) => {
    if (typeof expected === 'string') expect(() => parseFolderSelection(text)).toThrow(expected);
    else expect(parseFolderSelection(text)).toEqual(expected);
  });

  test('reads back as set', () => {
    expect(describeSelection(parseFolderSelection('default,Customers'))).toBe('default, customers');
    expect(describeSelection(parseFolderSelection('all'))).toBe('all');
  });
});

describe('folderChosen', () => {
  const sel = parseFolderSelection('default, Projects');
  test.each<[string, { displayName: string | null; isDefault: boolean }, boolean]>([
    ['the default by the word default', { displayName: 'Calendar', isDefault: true }, true],
    ['by display name, any case', { displayName: ' projects ', isDefault: false }, true],
    ['another', { displayName: 'Birthdays', isDefault: false }, false],
    ['no name', { displayName: null, isDefault: false }, false],
  ])('%s', (_n, folder, expected) => {
    expect(folderChosen(sel, folder)).toBe(expected);
    expect(folderChosen({ all: true }, folder)).toBe(true);
  });

  test('without default, the default one is chosen only by its name', () => {
    expect(folderChosen(parseFolderSelection('Tasks'), { displayName: 'Tasks', isDefault: true })).toBe(true);
    expect(folderChosen(parseFolderSelection('Work'), { displayName: 'Tasks', isDefault: true })).toBe(false);
  });
});

describe('contactFolderChosen (the default folder is the one Graph does not list)', () => {
  const folders = { known: new Set(['f-customers', 'f-personal']), chosen: new Set(['f-customers']) };
  test.each<[string, string, string | null, boolean]>([
    ['a chosen folder', 'Customers', 'f-customers', true],
    ['a listed folder not chosen', 'Customers', 'f-personal', false],
    ['the default folder, not chosen', 'Customers', 'f-default', false],
    ['the default folder, chosen', 'default,Customers', 'f-default', true],
    ['unknown parent, default chosen', 'default', null, true],
  ])('%s', (_n, setting, parent, expected) => {
    expect(contactFolderChosen(parseFolderSelection(setting), parent, folders)).toBe(expected);
  });
});

describe('planModuleWork with chosen folders', () => {
  const link = (graphId: string): Link => ({ userId: 'u', module: 'contacts', graphId, state: 'linked', zohoId: `z-${graphId}`, zohoModule: 'Contacts', origin: 'created' }) as Link;
  const base = { userId: 'u', module: 'contacts' as const, runId: 'r', changed: [], retry: [], skipped: [], links: [link('moved'), link('unseen')] };

  test('a linked item reported removed, or not seen by a full read, is read and decided, not only checked', () => {
    const work = planModuleWork({ ...base, removed: [{ id: 'moved' }], complete: true, selection: { mode: 'category', category: 'Zoho', folders: true } });
    expect(work.entries.map((e) => [e.msg.itemId, e.verifyOnly])).toEqual([['moved', false], ['unseen', false]]);
  });

  test('with every folder, they are only checked for existence, as before', () => {
    const work = planModuleWork({ ...base, removed: [{ id: 'moved' }], complete: true, selection: { mode: 'category', category: 'Zoho', folders: false } });
    expect(work.entries.map((e) => [e.msg.itemId, e.verifyOnly])).toEqual([['moved', true], ['unseen', true]]);
  });
});
