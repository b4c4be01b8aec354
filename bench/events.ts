/**
 * bench/events: vendor calls per synced calendar event with 10 attendees, through the real worker
 * (processSyncMessage → EventsAdapter → Graph double over HTTPS, Zoho double over HTTP, state in
 * Azurite), for our batched attendee look-ups (lib/sync/participants.ts: one COQL query for
 * Contacts, one for the Leads still unresolved) against a baseline that asks Zoho about each
 * attendee separately (Contacts, then Leads if that missed). Both variants share everything else:
 * the same adapter, engine, mapping and Zoho users cache. Run with `npm run bench -- events`.
 *
 * Phases per variant: first sync of EVENTS events; the same events after one attendee changed in
 * each (the look-ups run again); a notification with nothing changed; a weekly series over the
 * default window (30 days back, 365 ahead), counted per occurrence.
 */
import { performance } from 'node:perf_hooks';
import { MemoryLogger } from '../lib/log';
import type { Runtime } from '../lib/runtime';
import { EventsAdapter } from '../lib/sync/adapters/events';
import { Directory } from '../lib/sync/directory';
import type { ModuleAdapter } from '../lib/sync/engine';
import type { AttendeeLookups, ZohoRecordRef } from '../lib/mapping/attendees';
import { BatchedAttendeeDirectory, type AttendeeDirectory, type ZohoUserSource } from '../lib/sync/participants';
import type { ZohoPort } from '../lib/sync/ports';
import { processSyncMessage, type WorkerDeps } from '../lib/sync/worker';
import { startSystem, type System } from '../test/support/system';
import { report, table } from './stats';

const EVENTS = 50;
const ATTENDEES = 10;
const DAY = 86_400_000;

/** The baseline: one COQL query per attendee for Contacts, one more for Leads when that missed. */
class OneQueryPerAttendee implements AttendeeDirectory {
  constructor(private readonly zoho: Pick<ZohoPort, 'earliestByField'>, private readonly users: ZohoUserSource) {}

  async lookups(addresses: readonly string[]): Promise<AttendeeLookups> {
    const ref = (row: Record<string, unknown>): ZohoRecordRef[] => [{ id: String(row.id), createdTime: String(row.Created_Time ?? '') }];
    const contactsByEmail = new Map<string, ZohoRecordRef[]>();
    const leadsByEmail = new Map<string, ZohoRecordRef[]>();
    for (const address of addresses) {
      const contact = (await this.zoho.earliestByField('Contacts', 'Email', [address], ['Email'])).get(address);
      if (contact) {
        contactsByEmail.set(address, ref(contact));
        continue;
      }
      const lead = (await this.zoho.earliestByField('Leads', 'Email', [address], ['Email'])).get(address);
      if (lead) leadsByEmail.set(address, ref(lead));
    }
    return { contactsByEmail, leadsByEmail, usersByEmail: await this.users.zohoUserByEmail() };
  }
}

interface Variant {
  name: string;
  attendees: (rt: Runtime, directory: Directory) => AttendeeDirectory;
}

const VARIANTS: Variant[] = [
  { name: 'ours: one query per module', attendees: (rt, d) => new BatchedAttendeeDirectory(rt.zoho, d) },
  { name: 'baseline: one query per attendee', attendees: (rt, d) => new OneQueryPerAttendee(rt.zoho, d) },
];

const utc = (ms: number) => ({ dateTime: new Date(ms).toISOString().replace(/Z$/, ''), timeZone: 'UTC' });

/** 4 contacts, 2 leads, 2 Zoho users, 2 strangers per event; addresses unique per event and variant. */
function attendeesFor(tag: string, e: number, strangerSuffix = ''): { type: string; emailAddress: { address: string; name: string } }[] {
  const a = (kind: string, i: number) => ({ type: 'required', emailAddress: { address: `${kind}${i}.${tag}${e}@fabrikam.com`, name: `${kind} ${i}` } });
  const list = [0, 1, 2, 3].map((i) => a('contact', i));
  list.push(a('lead', 0), a('lead', 1));
  list.push({ type: 'required', emailAddress: { address: `user0@contoso.com`, name: 'User 0' } }, { type: 'required', emailAddress: { address: `user1@contoso.com`, name: 'User 1' } });
  list.push(a(`stranger${strangerSuffix}`, 0), a(`stranger${strangerSuffix}`, 1));
  return list.slice(0, ATTENDEES);
}

async function runVariant(sys: System, variant: Variant, tag: string): Promise<(string | number)[][]> {
  const rt = sys.runtime();
  const userId = sys.graph.addUser({ userPrincipalName: `owner.${tag}@contoso.com` }).id;
  sys.zoho.addUser({ email: `owner.${tag}@contoso.com`, last_name: tag });
  await sys.subscribe(userId, 'events');

  for (let e = 0; e < EVENTS; e++) {
    sys.zoho.seed('Contacts', [0, 1, 2, 3].map((i) => ({ Last_Name: `C${i}`, Email: `contact${i}.${tag}${e}@fabrikam.com`, Created_Time: '2022-01-01T00:00:00+00:00' })));
    sys.zoho.seed('Leads', [0, 1].map((i) => ({ Last_Name: `L${i}`, Company: 'Fabrikam', Email: `lead${i}.${tag}${e}@fabrikam.com`, Created_Time: '2022-01-01T00:00:00+00:00' })));
  }
  const base = Date.parse('2027-01-04T01:00:00Z');
  const ids = Array.from({ length: EVENTS }, (_, e) =>
    String(sys.graph.events.add(userId, {
      subject: `Customer meeting ${tag} ${e}`, categories: ['Zoho'], start: utc(base + e * DAY), end: utc(base + e * DAY + 3_600_000),
      originalStartTimeZone: 'Tokyo Standard Time', originalEndTimeZone: 'Tokyo Standard Time', attendees: attendeesFor(tag, e),
    }).id),
  );

  // The same adapter the runtime builds, with only the attendee look-ups swapped.
  const directory = new Directory(rt.zoho, rt.graph);
  const adapter = new EventsAdapter({
    graph: rt.graph, zoho: rt.zoho, directory, attendees: variant.attendees(rt, directory), links: rt.links,
    series: rt.eventSeries, queue: rt.syncQueue, config: rt.config, now: () => new Date(),
  });
  const deps: WorkerDeps = { ...rt.workerDeps(), adapters: { events: adapter as ModuleAdapter<unknown> } };
  const logger = new MemoryLogger();

  const work = async (messages: unknown[]) => {
    let pending = messages;
    while (pending.length > 0) {
      for (const m of pending) await processSyncMessage(m, 1, deps, logger);
      pending = await sys.drain();
    }
  };
  const rows: (string | number)[][] = [];
  const measure = async (phase: string, units: number, unit: string, run: () => Promise<void>) => {
    const zoho0 = rt.zohoCalls.snapshot();
    const graph0 = rt.graphCalls.snapshot();
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    const diff = (now: Record<string, number>, before: Record<string, number>, keep: (label: string) => boolean) =>
      Object.entries(now).filter(([l]) => keep(l)).reduce((n, [l, c]) => n + c - (before[l] ?? 0), 0);
    const isApi = (l: string) => !/oauth|token/i.test(l);
    const zoho = diff(rt.zohoCalls.snapshot(), zoho0, isApi);
    const coql = diff(rt.zohoCalls.snapshot(), zoho0, (l) => l.includes('/coql'));
    const graph = diff(rt.graphCalls.snapshot(), graph0, isApi);
    rows.push([variant.name, phase, `${units} ${unit}`, zoho / units, coql / units, graph / units, ms / units]);
  };
  const message = (itemId: string, changeType: 'created' | 'updated') => ({ v: 1, userId, module: 'events', itemId, changeType });

  await measure('first sync', EVENTS, 'events', () => work(ids.map((id) => message(id, 'created'))));
  const created = sys.zoho.recordsOf('Events').filter((r) => String(r.Event_Title).startsWith(`Customer meeting ${tag} `));
  if (created.length !== EVENTS || created.some((r) => (r.Participants as unknown[]).length !== ATTENDEES + 1)) throw new Error(`${variant.name}: events not synced as expected`);

  ids.forEach((id, e) => sys.graph.events.update(userId, id, { attendees: attendeesFor(tag, e, 'x') }));
  await measure('one attendee changed', EVENTS, 'events', () => work(ids.map((id) => message(id, 'updated'))));
  await measure('nothing changed', EVENTS, 'events', () => work(ids.map((id) => message(id, 'updated'))));

  const first = new Date(Math.floor(Date.now() / DAY) * DAY - 20 * DAY);
  const startDate = first.toISOString().slice(0, 10);
  const weekday = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][first.getUTCDay()];
  const master = String(sys.graph.events.add(userId, {
    subject: `Weekly review ${tag}`, categories: ['Zoho'], start: utc(first.getTime() + 9 * 3_600_000), end: utc(first.getTime() + 10 * 3_600_000),
    attendees: attendeesFor(tag, 0), recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: [weekday] }, range: { type: 'noEnd', startDate } },
  }).id);
  const before = sys.zoho.recordsOf('Events').length;
  let occurrences = 0;
  await measure('weekly series, first sync', 1, 'series', async () => {
    await work([message(master, 'created')]);
    occurrences = sys.zoho.recordsOf('Events').length - before;
  });
  const last = rows[rows.length - 1];
  // Per occurrence, so the series row compares with the single events above.
  rows[rows.length - 1] = [last[0], last[1], `${occurrences} occurrences`, ...last.slice(3).map((v) => (v as number) / occurrences)];
  return rows;
}

export async function runEventsBench(): Promise<string> {
  const sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' });
  try {
    sys.zoho.addUser({ email: 'user0@contoso.com', last_name: 'User0' });
    sys.zoho.addUser({ email: 'user1@contoso.com', last_name: 'User1' });
    const rows: (string | number)[][] = [];
    for (const [i, variant] of VARIANTS.entries()) rows.push(...(await runVariant(sys, variant, `v${i}`)));
    return table(['variant', 'phase', 'synced', 'Zoho calls/item', 'of which COQL', 'Graph calls/item', 'ms/item'], rows);
  } finally {
    await sys.close();
  }
}

if (require.main === module) report(`bench/events (${ATTENDEES} attendees + the organizer per event; OAuth token calls not counted)`, runEventsBench);
