/**
 * Per-user overrides of the tenant's sync settings (seed: each user turns automatic sync off per
 * module and syncs by hand). Set by an administrator through `PUT manage/users/{user}`; the tenant
 * settings stay the defaults for everything a user has no override for. Pure: no I/O.
 *
 * A module's mode per user:
 * - `category` / `all`: the selection (SPEC §1), synced by notifications and by resyncs;
 * - `off`: nothing, neither automatically nor by a resync;
 * - `manual`: only a resync syncs it (notifications are ignored), with the tenant's selection
 *   (`category` when the tenant turned the module off).
 * The mail capture per user takes MAIL_CAPTURE's values (`contacts,leads`, `contacts`, `leads`, `off`).
 */
import { z } from 'zod';
import type { Config } from '../config';
import type { ScopeMode } from '../mapping/scope';
import type { SyncModule } from '../modules';

export const MODULE_MODES = ['category', 'all', 'off', 'manual'] as const;
export type ModuleMode = (typeof MODULE_MODES)[number];
export type OutlookModule = Exclude<SyncModule, 'mail'>;
export const OUTLOOK_MODULES: readonly OutlookModule[] = ['contacts', 'tasks', 'events'];
type CaptureList = Config['MAIL_CAPTURE'];

export interface UserOverrides {
  contacts?: ModuleMode;
  tasks?: ModuleMode;
  events?: ModuleMode;
  /** sent-mail capture; [] = off */
  mail?: CaptureList;
}

export const SETTING_OF = { contacts: 'SYNC_CONTACTS', tasks: 'SYNC_TASKS', events: 'SYNC_EVENTS' } as const satisfies Record<OutlookModule, keyof Config>;

const modeField = z.enum(MODULE_MODES, { error: `must be one of ${MODULE_MODES.join(', ')}, or null for the tenant setting` }).nullish();
const CAPTURE_ERROR = 'must be contacts,leads, contacts, leads, off, or null for the tenant setting';
const captureField = z
  .union([z.string(), z.array(z.string())], { error: CAPTURE_ERROR })
  .transform((v, ctx) => {
    const words = (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (words.length === 1 && words[0] === 'off') return [] as CaptureList;
    if (words.length === 0 || words.some((w) => w !== 'contacts' && w !== 'leads')) {
      ctx.addIssue({ code: 'custom', message: CAPTURE_ERROR });
      return z.NEVER;
    }
    return [...new Set(words)] as CaptureList;
  })
  .nullish();

/** The body of `PUT manage/users/{user}`: the user's whole override set (absent or null = tenant setting). */
export const UserOverridesInput = z.strictObject(
  { contacts: modeField, tasks: modeField, events: modeField, mail: captureField },
  { error: 'the body must be an object with contacts, tasks, events (category, all, off, manual) and mail (contacts,leads, contacts, leads, off)' },
);

/** One line naming each problem of a refused body (unknown fields by name). */
export function overridesError(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.code === 'unrecognized_keys' ? `unknown field ${i.keys.join(', ')} (contacts, tasks, events, mail)` : i.path.length ? `${i.path.join('.')} ${i.message}` : i.message))
    .join('; ');
}

/** Drops nulls: what is stored. */
export function overridesFrom(input: z.infer<typeof UserOverridesInput>): UserOverrides {
  const out: UserOverrides = {};
  for (const m of OUTLOOK_MODULES) if (input[m]) out[m] = input[m]!;
  if (input.mail) out.mail = input.mail;
  return out;
}

/** The user's mode of a module: the override, else the tenant setting. */
export function modeOf(config: Pick<Config, 'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS'>, overrides: UserOverrides | undefined, module: OutlookModule): ModuleMode {
  return overrides?.[module] ?? config[SETTING_OF[module]];
}

/** Which items a mode selects (`manual` selects as the tenant does, or by category). */
export function selectionOf(mode: ModuleMode, tenant: ScopeMode): ScopeMode {
  if (mode !== 'manual') return mode;
  return tenant === 'off' ? 'category' : tenant;
}

/** Whether a change notification for this user and module syncs anything. */
export function syncsAutomatically(config: Pick<Config, 'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS'>, overrides: UserOverrides | undefined, module: SyncModule): boolean {
  if (module === 'mail') return true;
  const mode = modeOf(config, overrides, module);
  return mode !== 'manual' && mode !== 'off';
}

/**
 * The settings as they apply to one user: each module's selection (`off` stays off) and the mail
 * capture. Everything else is the tenant's.
 */
export function effectiveConfig<C extends Pick<Config, 'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS' | 'MAIL_CAPTURE'>>(config: C, overrides: UserOverrides | undefined): C {
  if (!overrides || Object.keys(overrides).length === 0) return config;
  const out = { ...config };
  for (const m of OUTLOOK_MODULES) out[SETTING_OF[m]] = selectionOf(modeOf(config, overrides, m), config[SETTING_OF[m]]) as C[typeof SETTING_OF[typeof m]];
  if (overrides.mail) out.MAIL_CAPTURE = overrides.mail;
  return out;
}

/** What status shows per user: each module's mode, and where it comes from. */
export function describeModes(config: Pick<Config, 'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS' | 'MAIL_CAPTURE'>, overrides: UserOverrides | undefined) {
  const modules = Object.fromEntries(OUTLOOK_MODULES.map((m) => [m, { mode: modeOf(config, overrides, m), source: overrides?.[m] ? 'user' : 'tenant' }])) as Record<OutlookModule, { mode: ModuleMode; source: 'user' | 'tenant' }>;
  const mail = overrides?.mail ?? config.MAIL_CAPTURE;
  return { ...modules, mail: { capture: mail.length > 0 ? mail.join(',') : 'off', source: overrides?.mail ? 'user' : 'tenant' } };
}
