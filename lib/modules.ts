/** The four kinds of Outlook data the product syncs; names match the resync API's `modules`. */
export const SYNC_MODULES = ['contacts', 'tasks', 'events', 'mail'] as const;
export type SyncModule = (typeof SYNC_MODULES)[number];

/** Zoho CRM module each Outlook module writes to. Mail lands on Contacts/Leads records, not a module of its own. */
export const ZOHO_MODULE: Record<Exclude<SyncModule, 'mail'>, string> = {
  contacts: 'Contacts',
  tasks: 'Tasks',
  events: 'Events',
};
