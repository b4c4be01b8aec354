import { describeModes, effectiveConfig, modeOf, overridesError, overridesFrom, selectionOf, syncsAutomatically, UserOverridesInput, type UserOverrides } from '../../lib/sync/user-modes';

const tenant = { SYNC_CONTACTS: 'category', SYNC_TASKS: 'off', SYNC_EVENTS: 'all', MAIL_CAPTURE: ['contacts', 'leads'] } as const;
const base = { ...tenant, MAIL_CAPTURE: [...tenant.MAIL_CAPTURE] } as { SYNC_CONTACTS: 'category' | 'all' | 'off'; SYNC_TASKS: 'category' | 'all' | 'off'; SYNC_EVENTS: 'category' | 'all' | 'off'; MAIL_CAPTURE: ('contacts' | 'leads')[] };

describe('UserOverridesInput', () => {
  test.each<[string, unknown, UserOverrides | string]>([
    ['modes and a capture list', { contacts: 'manual', events: 'off', mail: 'contacts' }, { contacts: 'manual', events: 'off', mail: ['contacts'] }],
    ['null means the tenant setting', { contacts: null, mail: null }, {}],
    ['mail off is an empty list', { mail: 'OFF' }, { mail: [] }],
    ['mail as an array', { mail: ['leads', 'contacts', 'leads'] }, { mail: ['leads', 'contacts'] }],
    ['an unknown mode', { tasks: 'sometimes' }, 'tasks must be one of category, all, off, manual'],
    ['an unknown module', { calendar: 'off' }, 'unknown field calendar'],
    ['mail names a module capture cannot use', { mail: 'deals' }, 'mail must be contacts,leads'],
  ])('%s', (_name, body, expected) => {
    const parsed = UserOverridesInput.safeParse(body);
    if (typeof expected === 'string') {
      expect(parsed.success).toBe(false);
      expect(overridesError(parsed.error!)).toContain(expected);
    } else {
      expect(overridesFrom(parsed.data!)).toEqual(expected);
    }
  });
});

describe('modes', () => {
  test.each<[string, UserOverrides | undefined, 'contacts' | 'tasks' | 'events', string, string, boolean]>([
    ['no override: the tenant setting', undefined, 'contacts', 'category', 'category', true],
    ['manual selects as the tenant does', { contacts: 'manual' }, 'contacts', 'manual', 'category', false],
    ['manual on a module the tenant turned off selects by category', { tasks: 'manual' }, 'tasks', 'manual', 'category', false],
    ['manual on a tenant-wide all selects all', { events: 'manual' }, 'events', 'manual', 'all', false],
    ['off for one user', { events: 'off' }, 'events', 'off', 'off', false],
    ['on for one user while the tenant is off', { tasks: 'all' }, 'tasks', 'all', 'all', true],
  ])('%s', (_name, overrides, module, mode, selection, automatic) => {
    expect(modeOf(base, overrides, module)).toBe(mode);
    const setting = { contacts: 'SYNC_CONTACTS', tasks: 'SYNC_TASKS', events: 'SYNC_EVENTS' } as const;
    expect(effectiveConfig(base, overrides)[setting[module]]).toBe(selection);
    expect(selectionOf(modeOf(base, overrides, module), base[setting[module]])).toBe(selection);
    expect(syncsAutomatically(base, overrides, module)).toBe(automatic);
  });

  test('no override returns the tenant settings object itself', () => {
    expect(effectiveConfig(base, undefined)).toBe(base);
    expect(effectiveConfig(base, {})).toBe(base);
  });

  test('the mail capture override replaces MAIL_CAPTURE only', () => {
    expect(effectiveConfig(base, { mail: [] })).toEqual({ ...base, MAIL_CAPTURE: [] });
  });

  test('describeModes says where each value comes from', () => {
    expect(describeModes(base, { contacts: 'manual', mail: ['contacts'] })).toEqual({
      contacts: { mode: 'manual', source: 'user' },
      tasks: { mode: 'off', source: 'tenant' },
      events: { mode: 'all', source: 'tenant' },
      mail: { capture: 'contacts', source: 'user' },
    });
  });
});
