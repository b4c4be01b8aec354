/** The four kinds of Outlook data the product syncs; names match the resync API's `modules`. */
export const SYNC_MODULES = ['contacts', 'tasks', 'events', 'mail'] as const;
export type SyncModule = (typeof SYNC_MODULES)[number];
