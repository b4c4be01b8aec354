/**
 * Outlook calendar events → Zoho Events (SPEC §2.3, §2.4).
 *
 * Recurring series (see also lib/mapping/event.ts): every occurrence inside the window
 * (SYNC_EVENTS_PAST_DAYS back, SYNC_EVENTS_FUTURE_DAYS ahead) is its own Zoho event, keyed by the
 * occurrence's Graph id. Zoho's `Recurring_Activity` cannot carry Outlook's exceptions (one
 * occurrence moved, retitled or cancelled), so the series is never written as a rule.
 * - A notification for the series master fans out: the master's instances in the window are
 *   listed (`/events/{id}/instances`, full fields) and each occurrence whose mapped content
 *   differs from what its link last wrote is queued as its own item (scope = the master id); an
 *   unchanged occurrence costs neither a read nor a write. The master itself is never written.
 * - Which occurrences belong to a master is remembered in the `eventseries` table, because a
 *   deleted series answers 404 and no longer lists anything: its remembered occurrences are queued
 *   too, each reads 404, and the engine deletes its Zoho event. An occurrence that left the series
 *   (deleted in Outlook) is found the same way on the next fan-out.
 * - A cancelled meeting (`isCancelled`, on the occurrences of a cancelled series too) cancels its
 *   Zoho event with the Meeting Cancel API, without a cancellation mail; a deleted one deletes it.
 * - An occurrence that slides out of the window is history: the link is dropped, the record stays.
 *
 * Invitations: every Events write carries `$send_notification: false` (lib/zoho/events.ts).
 */
import type { Config } from '../../config';
import type { GraphApi } from '../../graph/client';
import { GraphNotFoundError } from '../../graph/errors';
import { graphPath, IMMUTABLE_ID_PREFER } from '../../graph/path';
import { EVENT_SELECT, eventSchema, type GraphEvent } from '../../graph/resources/event';
import { EventMappingError, eventDedupKey, EVENTS_MODULE, inWindow, isSeriesMaster, mapEvent, sameEventKey, shouldSync, syncWindow, UNTITLED_EVENT } from '../../mapping/event';
import { contentHash } from '../../mapping/hash';
import { inScope } from '../../mapping/scope';
import { mapLimit } from '../../pool';
import type { EventSeriesRepository } from '../../state/event-series';
import type { LinkRepository } from '../../state/links';
import { buildCoql, where } from '../../zoho/coql';
import { withoutInvitations } from '../../zoho/events';
import type { ZohoRecordResult } from '../../zoho/types';
import { z } from 'zod';
import type { FolderScopes } from '../../graph/folders';
import { ownerNotes, type Directory } from '../directory';
import { LOOKUP_EXTRA_FIELDS, type Decision, type Mapped, type Match, type ModuleAdapter, type Resolved } from '../engine';
import type { SyncItemMessage } from '../messages';
import { eventParticipants, type AttendeeDirectory } from '../participants';
import type { SyncQueue, ZohoPort } from '../ports';

const CANCELLED_IN_OUTLOOK = 'the meeting was cancelled in Outlook';

/** How many queue sends / table reads a fan-out keeps in flight. */
const FAN_OUT_PARALLELISM = 16;
/** Occurrences per page of a series' instances (a year of a weekly series in one page). */
const INSTANCES_PAGE = 100;
/**
 * Notifications and the resync's delta carry immutable ids (provisioning asks for them), and
 * links, series rows and queue messages are keyed by them: every read must answer in the same
 * form, or an occurrence listed here would become a second item beside its notified self.
 */
const IMMUTABLE_IDS = { Prefer: IMMUTABLE_ID_PREFER };

export interface EventsAdapterDeps {
  graph: GraphApi;
  zoho: ZohoPort & { cancelEvent(eventId: string, opts?: { sendCancellingMail?: boolean }): Promise<ZohoRecordResult> };
  directory: Pick<Directory, 'fieldRules' | 'ownerFor'>;
  attendees: AttendeeDirectory;
  links: Pick<LinkRepository, 'get'>;
  series: EventSeriesRepository;
  queue: SyncQueue;
  config: Pick<Config, 'SYNC_EVENTS' | 'SYNC_CATEGORY' | 'SYNC_PRIVATE_EVENTS' | 'SYNC_EVENTS_PAST_DAYS' | 'SYNC_EVENTS_FUTURE_DAYS'> & Partial<Pick<Config, 'SYNC_CALENDARS'>>;
  /** SYNC_CALENDARS: whether an event's calendar is chosen */
  folders?: Pick<FolderScopes, 'calendar'>;
  now: () => Date;
}

export interface EventItem {
  userId: string;
  event: GraphEvent;
  /** in a calendar SYNC_CALENDARS does not choose: out of scope like an untagged event */
  outsideFolders?: boolean;
}

/** An event read with its calendar (`$expand=calendar($select=id)`), asked only when calendars are chosen. */
const eventWithCalendar = eventSchema.extend({ calendar: z.looseObject({ id: z.string() }).nullish() });

export class EventsAdapter implements ModuleAdapter<EventItem> {
  readonly module = 'events' as const;
  readonly zohoModule = EVENTS_MODULE;
  /** COQL cannot read Participants: linking an existing meeting never replaces its participants */
  readonly unreadable = ['Participants'] as const;

  constructor(private readonly deps: EventsAdapterDeps) {}

  async read(msg: SyncItemMessage): Promise<EventItem | null> {
    let event: GraphEvent;
    let outsideFolders = false;
    const chosen = this.deps.config.SYNC_CALENDARS && !this.deps.config.SYNC_CALENDARS.all;
    try {
      const query: Record<string, string> = chosen ? { $select: EVENT_SELECT, $expand: 'calendar($select=id)' } : { $select: EVENT_SELECT };
      const read = await this.deps.graph.get(graphPath`/users/${msg.userId}/events/${msg.itemId}`, eventWithCalendar, { query, headers: IMMUTABLE_IDS });
      const { calendar, ...rest } = read;
      event = rest;
      if (chosen && this.deps.folders) outsideFolders = !(await this.deps.folders.calendar(msg.userId, calendar?.id));
    } catch (err) {
      if (!(err instanceof GraphNotFoundError)) throw err;
      await this.gone(msg);
      return null;
    }
    if (isSeriesMaster(event)) {
      await this.fanOut(msg, event, outsideFolders);
    } else if (event.seriesMasterId && msg.scope !== event.seriesMasterId) {
      // An occurrence notified on its own (an exception): remember it for when the series goes.
      await this.deps.series.add(msg.userId, event.seriesMasterId, [event.id]);
    }
    return { userId: msg.userId, event, outsideFolders };
  }

  /** A 404: if it was a series master, every occurrence synced from it is checked (and goes) too. */
  private async gone(msg: SyncItemMessage): Promise<void> {
    if (msg.scope) await this.deps.series.remove(msg.userId, msg.scope, [msg.itemId]);
    const members = await this.deps.series.members(msg.userId, msg.itemId);
    if (members.length === 0) return;
    await this.enqueue(msg, msg.itemId, members, 'deleted');
    await this.deps.series.remove(msg.userId, msg.itemId, members);
  }

  private async fanOut(msg: SyncItemMessage, master: GraphEvent, outsideFolders: boolean): Promise<void> {
    const window = syncWindow(this.deps.now(), this.deps.config.SYNC_EVENTS_PAST_DAYS, this.deps.config.SYNC_EVENTS_FUTURE_DAYS);
    const instances: GraphEvent[] = [];
    const path = graphPath`/users/${msg.userId}/events/${master.id}/instances`;
    const query = { startDateTime: window.start, endDateTime: window.end, $select: EVENT_SELECT, $top: String(INSTANCES_PAGE) };
    for await (const page of this.deps.graph.pages(path, eventSchema, { query, headers: IMMUTABLE_IDS })) instances.push(...page);
    const known = new Set(await this.deps.series.members(msg.userId, master.id));
    const current = new Set(instances.map((i) => i.id));

    const changed: string[] = [];
    await mapLimit(instances, FAN_OUT_PARALLELISM, async (event) => {
      if (!(await this.unchanged({ userId: msg.userId, event, outsideFolders }))) changed.push(event.id);
    });
    const added = [...current].filter((id) => !known.has(id));
    const left = [...known].filter((id) => !current.has(id));

    await this.deps.series.add(msg.userId, master.id, added);
    await this.enqueue(msg, master.id, changed, msg.changeType === 'deleted' ? 'updated' : msg.changeType);
    // Deleted from the series, or slid out of the window: the read of each tells which.
    await this.enqueue(msg, master.id, left, 'deleted');
    await this.deps.series.remove(msg.userId, master.id, left);
  }

  /**
   * Whether the worker would find nothing to do for this occurrence as listed: the same test the
   * engine makes (mapped-content hash against the link), so it holds however Exchange moves the
   * change keys of a series' occurrences and exceptions.
   */
  private async unchanged(item: EventItem): Promise<boolean> {
    const link = await this.deps.links.get(item.userId, 'events', item.event.id);
    const linked = link?.state === 'linked';
    if (this.decide(item).action !== 'sync') return !linked;
    return linked && (await this.map(item)).hash === link.hash;
  }

  private async enqueue(msg: SyncItemMessage, masterId: string, ids: readonly string[], changeType: SyncItemMessage['changeType']): Promise<void> {
    await mapLimit(ids, FAN_OUT_PARALLELISM, (itemId) =>
      this.deps.queue.send({ v: 1, userId: msg.userId, module: 'events', itemId, changeType, scope: masterId, subscriptionId: msg.subscriptionId, runId: msg.runId, retryOfSkipped: msg.retryOfSkipped }),
    );
  }

  decide(item: EventItem): Decision {
    const { event } = item;
    const config = this.deps.config;
    if (isSeriesMaster(event) || item.outsideFolders) return { action: 'out-of-scope' };
    const verdict = shouldSync(event, { includePrivate: config.SYNC_PRIVATE_EVENTS });
    if (verdict === 'cancel') return { action: 'remove', reason: CANCELLED_IN_OUTLOOK, cancel: true };
    if (verdict === 'skip-private') return { action: 'out-of-scope' };
    if (!inScope(event.categories, config.SYNC_EVENTS, config.SYNC_CATEGORY)) return { action: 'out-of-scope' };
    if (event.seriesMasterId && !inWindow(event, syncWindow(this.deps.now(), config.SYNC_EVENTS_PAST_DAYS, config.SYNC_EVENTS_FUTURE_DAYS))) {
      return { action: 'out-of-scope' };
    }
    return { action: 'sync' };
  }

  async map(item: EventItem): Promise<Mapped> {
    const { event } = item;
    const rules = await this.deps.directory.fieldRules(EVENTS_MODULE);
    const title = event.subject?.trim() || UNTITLED_EVENT;
    try {
      const mapping = mapEvent(event, { rules, defaultTimeZone: 'UTC' });
      // Occurrences share a title; the date tells them apart in the report.
      const label = event.seriesMasterId ? `${mapping.record.Event_Title} (${mapping.record.Start_DateTime.slice(0, 10)})` : mapping.record.Event_Title;
      // Participants come from Zoho look-ups, so the hash covers the addresses they are resolved from.
      const hash = contentHash({ record: mapping.record, attendees: mapping.attendeeEmails });
      return { record: { ...mapping.record }, fields: { ...mapping.record, Participants: mapping.attendeeEmails }, hash, label, cutFields: mapping.cutFields, notes: mapping.warnings };
    } catch (err) {
      if (!(err instanceof EventMappingError)) throw err;
      return { record: {}, hash: '', label: title, cutFields: [], notes: [], skipReason: err.message };
    }
  }

  async resolve(item: EventItem, mapped: Mapped): Promise<Resolved> {
    const record = { ...mapped.record };
    const ownerId = await this.deps.directory.ownerFor(item.userId);
    if (ownerId) record.Owner = { id: ownerId };
    const { participants, notes } = await eventParticipants(item.event, this.deps.attendees);
    // Always sent, also empty: attendees removed in Outlook must leave Zoho too.
    record.Participants = participants;
    return { record: withoutInvitations(record), notes: [...ownerNotes(ownerId), ...notes] };
  }

  async findExisting(_item: EventItem | null, mapped: Mapped): Promise<Match | undefined> {
    const key = eventDedupKey(mapped.record);
    if (!key) return undefined;
    const record = mapped.record as { Event_Title: string; Start_DateTime: string; End_DateTime: string };
    const rows = await this.deps.zoho.coql(
      buildCoql({
        select: [...new Set(['Event_Title', 'Start_DateTime', 'End_DateTime', ...LOOKUP_EXTRA_FIELDS, ...Object.keys(mapped.record).filter((k) => !k.startsWith('$'))])],
        from: EVENTS_MODULE,
        where: where.and(where.eq('Event_Title', record.Event_Title), where.eq('Start_DateTime', record.Start_DateTime), where.eq('End_DateTime', record.End_DateTime)),
        orderBy: [{ field: 'Created_Time', direction: 'asc' }, { field: 'id', direction: 'asc' }],
        limit: 10,
      }),
    );
    // COQL compares text without case; the rule wants the same title, compared exactly.
    const match = rows.find((row) => sameEventKey(key, eventDedupKey(row)));
    return match ? { id: String(match.id), how: 'same title, start and end', record: match } : undefined;
  }

  changeKey(item: EventItem): string | undefined {
    return item.event.changeKey ?? undefined;
  }

  /**
   * A cancelled meeting stays in CRM history as cancelled; a deleted one goes (SPEC §2). An id
   * Zoho no longer knows answers INVALID_DATA with `details.id`, which the engine reads as gone.
   */
  cancelRecord(zohoId: string): Promise<ZohoRecordResult> {
    return this.deps.zoho.cancelEvent(zohoId, { sendCancellingMail: false });
  }
}
