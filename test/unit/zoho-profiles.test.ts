import { allowed, type ProfilePermission, type RecordAction } from '../../lib/zoho/profiles';

const p = (name: string, module: string, display_label: string, enabled: boolean): ProfilePermission => ({ id: '1', name, module, display_label, enabled });
const sales: ProfilePermission[] = [
  p('Crm_Implied_View_Contacts', 'Contacts', 'View', true),
  p('Crm_Implied_Create_Contacts', 'Contacts', 'Create', false),
  p('Crm_Implied_Edit_Contacts', 'Contacts', 'Edit', true),
  p('Crm_Implied_Delete_Contacts', 'Contacts', 'Delete', false),
  p('Crm_Implied_View_Tasks', 'Tasks', 'View', false),
  p('Crm_Implied_Create_Tasks', 'Tasks', 'Create', true),
  // Listed by label only (no implied name): still read.
  { module: 'Events', display_label: 'Delete', enabled: false },
];

describe('allowed(action, module, permissions)', () => {
  test.each<[RecordAction, string, boolean]>([
    ['create', 'Contacts', false],
    ['edit', 'Contacts', true],
    ['delete', 'Contacts', false],
    ['create', 'Tasks', false], // no View on the module: nothing else either
    ['delete', 'Events', false],
    ['edit', 'Events', true], // not listed: left to Zoho's own check
    ['create', 'Leads', true],
  ])('%s %s → %s', (action, module, expected) => {
    expect(allowed(action, module, sales)).toBe(expected);
  });

  test('module names compare without regard to case; an empty profile allows everything', () => {
    expect(allowed('create', 'contacts', sales)).toBe(false);
    expect(allowed('delete', 'Contacts', [])).toBe(true);
  });
});
