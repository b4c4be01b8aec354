/**
 * Which way each module syncs (SYNC_*_DIRECTION) and what follows from it. Pure: the settings are
 * passed in.
 */
import type { Config, SyncDirection } from './config';

/** The modules that can sync to Outlook (mail is captured one way only). */
export const TWO_WAY_MODULES = ['contacts', 'tasks', 'events'] as const;
export type TwoWayModule = (typeof TWO_WAY_MODULES)[number];

export const ZOHO_MODULE_OF: Readonly<Record<TwoWayModule, 'Contacts' | 'Tasks' | 'Events'>> = {
  contacts: 'Contacts',
  tasks: 'Tasks',
  events: 'Events',
};

export const isTwoWayModule = (module: string): module is TwoWayModule => (TWO_WAY_MODULES as readonly string[]).includes(module);

export function moduleOfZoho(zohoModule: string): TwoWayModule | undefined {
  return TWO_WAY_MODULES.find((m) => ZOHO_MODULE_OF[m] === zohoModule);
}

type DirectionSettings = Pick<
  Config,
  'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS' | 'SYNC_CONTACTS_DIRECTION' | 'SYNC_TASKS_DIRECTION' | 'SYNC_EVENTS_DIRECTION'
>;

export function directionOf(config: DirectionSettings, module: TwoWayModule): SyncDirection {
  switch (module) {
    case 'contacts': return config.SYNC_CONTACTS_DIRECTION;
    case 'tasks': return config.SYNC_TASKS_DIRECTION;
    case 'events': return config.SYNC_EVENTS_DIRECTION;
  }
}

function enabled(config: DirectionSettings, module: TwoWayModule): boolean {
  const mode = module === 'contacts' ? config.SYNC_CONTACTS : module === 'tasks' ? config.SYNC_TASKS : config.SYNC_EVENTS;
  return mode !== 'off';
}

export const flowsToOutlook = (direction: SyncDirection): boolean => direction !== 'to-zoho';
export const flowsToZoho = (direction: SyncDirection): boolean => direction !== 'to-outlook';

/** Modules not turned off whose Zoho changes reach Outlook: what the Zoho change feed watches. */
export function modulesToOutlook(config: DirectionSettings): TwoWayModule[] {
  return TWO_WAY_MODULES.filter((m) => enabled(config, m) && flowsToOutlook(directionOf(config, m)));
}
