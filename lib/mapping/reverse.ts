/**
 * One codec per module for Zoho → Outlook and two-way sync: everything the executor needs to turn
 * a Zoho record into an Outlook write, compare both sides, and write a merge back to Zoho, behind
 * one interface so it can pick the codec by module and stay module-agnostic.
 */
import type { GraphContact } from '../graph/resources/contact';
import type { GraphEvent } from '../graph/resources/event';
import type { GraphTodoTask } from '../graph/resources/todo-task';
import type { TwoWayModule } from '../direction';
import type { FieldRules } from './fields';
import type { FieldValues } from './merge';
import { contactKeyOfOutlook, contactKeyOfRecord, eventKeyOfOutlook, eventKeyOfRecord, taskKeyOfOutlook, taskKeyOfRecord } from './outlook-dedup';
import { contactBodyFromValues, contactFromZoho, contactPatchForZoho, contactValuesFromOutlook, contactValuesFromZoho } from './reverse-contact';
import { eventBodyFromValues, eventFromZoho, eventPatchForZoho, eventValuesFromOutlook, eventValuesFromZoho } from './reverse-event';
import { taskBodyFromValues, taskFromZoho, taskPatchForZoho, taskValuesFromOutlook, taskValuesFromZoho } from './reverse-task';

export interface ReverseContext {
  /** SYNC_CATEGORY */
  category: string;
  /** the mailbox's zone (mailboxSettings, Windows or IANA); UTC when unknown */
  timeZone?: string | null;
  /** the org's Zoho field rules */
  rules?: FieldRules;
}

export interface ZohoPatch {
  record: Record<string, unknown>;
  /** contacts: company / manager names for the engine to resolve to lookups, as in the forward path */
  accountName?: string | null;
  managerName?: string | null;
}

export interface ReverseCodec<Item> {
  zohoModule: 'Contacts' | 'Tasks' | 'Events';
  /** neutral values of a Zoho record (absent = not read) */
  fromZoho(record: Record<string, unknown>): Record<string, string | null>;
  /** neutral values of the Outlook item, through the forward mapping */
  fromOutlook(item: Item, ctx: ReverseContext): Record<string, string | null>;
  /** POST body for a new Outlook item, with the sync category; never attendees */
  createBody(record: Record<string, unknown>, ctx: ReverseContext): Record<string, unknown>;
  /** PATCH body for changed values; `current` keeps what the sync does not map */
  patchBody(values: FieldValues, current: Item, ctx: ReverseContext): Record<string, unknown>;
  /** Zoho fields for values that flow to Zoho in a two-way merge */
  zohoPatch(values: FieldValues, current: Item, ctx: ReverseContext): ZohoPatch;
  /** the seed's duplicate key, comparable between a Zoho record and an Outlook item */
  keyOfRecord(record: Record<string, unknown>): string | undefined;
  keyOfOutlook(item: Item, ctx: ReverseContext): string | undefined;
}

const zone = (ctx: ReverseContext) => ctx.timeZone ?? 'UTC';

export const contactCodec: ReverseCodec<GraphContact> = {
  zohoModule: 'Contacts',
  fromZoho: contactValuesFromZoho,
  fromOutlook: (item, ctx) => contactValuesFromOutlook(item, { rules: ctx.rules }),
  createBody: (record, ctx) => contactFromZoho(record, ctx),
  patchBody: (values, current) => contactBodyFromValues(values, current),
  zohoPatch: (values) => contactPatchForZoho(values),
  keyOfRecord: contactKeyOfRecord,
  keyOfOutlook: (item) => contactKeyOfOutlook(item),
};

export const taskCodec: ReverseCodec<GraphTodoTask> = {
  zohoModule: 'Tasks',
  fromZoho: taskValuesFromZoho,
  fromOutlook: (item, ctx) => taskValuesFromOutlook(item, { userTimeZone: ctx.timeZone, rules: ctx.rules }),
  createBody: (record, ctx) => taskFromZoho(record, { category: ctx.category, userTimeZone: ctx.timeZone }),
  patchBody: (values, _current, ctx) => taskBodyFromValues(values, { userTimeZone: ctx.timeZone }),
  zohoPatch: (values, _current, ctx) => ({ record: taskPatchForZoho(values, ctx.rules) }),
  keyOfRecord: taskKeyOfRecord,
  keyOfOutlook: (item, ctx) => taskKeyOfOutlook(item, ctx.timeZone),
};

export const eventCodec: ReverseCodec<GraphEvent> = {
  zohoModule: 'Events',
  fromZoho: eventValuesFromZoho,
  fromOutlook: (item, ctx) => eventValuesFromOutlook(item, { defaultTimeZone: zone(ctx), rules: ctx.rules }),
  createBody: (record, ctx) => eventFromZoho(record, { category: ctx.category, timeZone: ctx.timeZone }),
  patchBody: (values, current, ctx) =>
    eventBodyFromValues(values, { timeZone: ctx.timeZone, current: eventValuesFromOutlook(current, { defaultTimeZone: zone(ctx), rules: ctx.rules }) }),
  zohoPatch: (values, current, ctx) => ({
    record: eventPatchForZoho(values, { timeZone: zone(ctx), current: eventValuesFromOutlook(current, { defaultTimeZone: zone(ctx), rules: ctx.rules }) }),
  }),
  keyOfRecord: eventKeyOfRecord,
  keyOfOutlook: (item, ctx) => eventKeyOfOutlook(item, zone(ctx)),
};

export const REVERSE_CODECS = { contacts: contactCodec, tasks: taskCodec, events: eventCodec } as const satisfies Record<TwoWayModule, ReverseCodec<never>>;
