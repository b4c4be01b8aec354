import { zohoChangeWorker } from '../../functions/zoho-change-worker';
import { graphPath, IMMUTABLE_ID_PREFER } from '../../lib/graph/path';
import { EVENT_SELECT, eventSchema } from '../../lib/graph/resources/event';
import { getRuntime } from '../../lib/runtime';
import type { ZohoChangeMessage } from '../../lib/zohofeed/messages';
import { invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 16, SYNC_*_DIRECTION=both for tasks and events: the same field merge as contacts (one port
 * over the reverse codecs). Changes on both sides reach the other side through the real paths
 * (Graph webhook → sync-worker; zoho-changes → zoho-change-worker), the echoes of our own writes
 * cost no write, and a field changed on both sides follows SYNC_CONFLICTS and is reported.
 */
let sys: System;
let userId: string;
let ownerId: string;
const UPN = 'adele.vance@contoso.com';
const N = 5;

const apply = (module: 'Tasks' | 'Events', operation: ZohoChangeMessage['operation'], ids: string[]) =>
  zohoChangeWorker({ v: 1, source: 'callback', module, operation, ids } satisfies ZohoChangeMessage, invocation('zoho-change-worker').context);
const zohoRecordsWritten = (module: string) => sys.zoho.writes.filter((w) => w.module === module).reduce((n, w) => n + w.records, 0);
const graphWrites = (calls: Record<string, number>) => Object.entries(calls).filter(([label]) => /^(POST|PATCH|DELETE) /.test(label) && !label.includes('subscriptions')).reduce((n, [, v]) => n + v, 0);
const owner = () => ({ id: ownerId, name: 'Adele Vance', email: UPN });
const readEvent = (id: string) => getRuntime().graph.get(graphPath`/users/${userId}/events/${id}`, eventSchema, { query: { $select: EVENT_SELECT }, headers: { Prefer: IMMUTABLE_ID_PREFER } });

beforeAll(async () => {
  sys = await startSystem({ SYNC_TASKS_DIRECTION: 'both', SYNC_EVENTS_DIRECTION: 'both', SYNC_BUSY_RETRY_SECONDS: '1' });
  userId = sys.graph.addUser({ userPrincipalName: UPN, displayName: 'Adele Vance' }).id;
  ownerId = sys.zoho.addUser({ email: UPN, last_name: 'Vance' }).id;
  const at = new Date().toISOString();
  await getRuntime().users.put({ userId, upn: UPN, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
  await sys.subscribe(userId, 'events');
  await sys.subscribe(userId, 'tasks', sys.graph.todo.defaultListId(userId));
});

afterAll(async () => {
  await sys.close();
});

/** One module's part of the test: how records are made and edited on each side, and what each side must end with. */
interface Case {
  zohoModule: 'Tasks' | 'Events';
  kind: string;
  policy: 'zoho' | 'outlook';
  record(i: number): Record<string, unknown>;
  /** the conflicting field's name in Zoho, and its values on each side */
  conflict: { field: string; fromZoho: Record<string, unknown>; fromOutlook: Record<string, unknown> };
  editOutlook(graphId: string, i: number): void;
  editZoho(zohoId: string, i: number): void;
  checkOutlookChange(zohoId: string, graphId: string, i: number): Promise<void>;
  checkZohoChange(zohoId: string, graphId: string, i: number): Promise<void>;
  checkConflict(zohoId: string, graphId: string): Promise<void>;
}

const cases: Case[] = [
  {
    zohoModule: 'Tasks',
    kind: 'todoTask',
    policy: 'outlook',
    record: (i) => ({ Owner: owner(), Subject: `Call back ${i}`, Due_Date: '2026-12-15', Priority: 'Normal', Status: 'Not Started' }),
    conflict: { field: 'Subject', fromZoho: { Subject: 'Subject from Zoho' }, fromOutlook: { title: 'Subject from Outlook' } },
    editOutlook: (graphId) => void sys.graph.todo.updateTask(userId, graphId, { importance: 'high' }),
    editZoho: (zohoId, i) => void sys.zoho.edit('Tasks', zohoId, { Status: 'Completed', Description: `Done by the team ${i}` }),
    checkOutlookChange: async (zohoId, graphId, i) => {
      expect(sys.zoho.record('Tasks', zohoId)).toMatchObject({ Priority: 'High', Status: 'Not Started', Subject: `Call back ${i}` });
      expect(sys.graph.todo.getTask(userId, graphId)).toMatchObject({ importance: 'high', status: 'notStarted' });
    },
    checkZohoChange: async (zohoId, graphId, i) => {
      expect(sys.graph.todo.getTask(userId, graphId)).toMatchObject({ status: 'completed', importance: 'normal', body: expect.objectContaining({ content: `Done by the team ${i}` }) });
      expect(sys.zoho.record('Tasks', zohoId)).toMatchObject({ Status: 'Completed', Priority: 'Normal' });
    },
    checkConflict: async (zohoId, graphId) => {
      expect(sys.zoho.record('Tasks', zohoId)).toMatchObject({ Subject: 'Subject from Outlook' });
      expect(sys.graph.todo.getTask(userId, graphId)).toMatchObject({ title: 'Subject from Outlook' });
      expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'updated', notes: expect.arrayContaining(['conflict on Subject: Outlook wins (SYNC_CONFLICTS)']) });
    },
  },
  {
    zohoModule: 'Events',
    kind: 'event',
    policy: 'zoho',
    record: (i) => ({
      Owner: owner(),
      Event_Title: `Review ${i}`,
      Start_DateTime: `2026-12-${String(10 + i).padStart(2, '0')}T10:00:00+01:00`,
      End_DateTime: `2026-12-${String(10 + i).padStart(2, '0')}T11:00:00+01:00`,
      All_day: false,
      Venue: 'Room 1',
      Participants: [
        { type: 'email', participant: 'one@partner.example', Email: 'one@partner.example' },
        { type: 'email', participant: 'two@partner.example', Email: 'two@partner.example' },
        { type: 'email', participant: 'three@partner.example', Email: 'three@partner.example' },
      ],
    }),
    conflict: { field: 'Event_Title', fromZoho: { Event_Title: 'Title from Zoho' }, fromOutlook: { subject: 'Title from Outlook' } },
    editOutlook: (graphId, i) => void sys.graph.events.update(userId, graphId, { location: { displayName: `Outlook room ${i}` } }),
    editZoho: (zohoId, i) => void sys.zoho.edit('Events', zohoId, { Description: `Agenda ${i}` }),
    checkOutlookChange: async (zohoId, graphId, i) => {
      expect(sys.zoho.record('Events', zohoId)).toMatchObject({ Venue: `Outlook room ${i}`, Event_Title: `Review ${i}` });
      expect((await readEvent(graphId)).location?.displayName).toBe(`Outlook room ${i}`);
    },
    checkZohoChange: async (zohoId, graphId, i) => {
      const event = await readEvent(graphId);
      expect(event.body?.content).toContain(`Agenda ${i}`);
      // The participants stay listed in the body, and never become attendees.
      expect(event.body?.content).toContain('three@partner.example');
      expect(event.attendees ?? []).toEqual([]);
      expect(event.location?.displayName).toBe('Room 1');
      expect(sys.zoho.record('Events', zohoId)).toMatchObject({ Venue: 'Room 1', Description: `Agenda ${i}` });
      expect(sys.zoho.record('Events', zohoId)!.Participants).toHaveLength(3);
    },
    checkConflict: async (zohoId, graphId) => {
      expect(sys.zoho.record('Events', zohoId)).toMatchObject({ Event_Title: 'Title from Zoho' });
      expect((await readEvent(graphId)).subject).toBe('Title from Zoho');
      expect(await sys.reportLine(userId, graphId)).toMatchObject({ result: 'updated', notes: expect.arrayContaining(['conflict on Event_Title: Zoho wins (SYNC_CONFLICTS)']) });
    },
  },
];

describe.each(cases)('$zohoModule with SYNC_*_DIRECTION=both', (c) => {
  it(`${N} changed in Outlook and ${N} in Zoho: each side ends with the other's changes, 0 echo writes; a field changed on both sides follows SYNC_CONFLICTS=${c.policy} and is reported`, async () => {
    sys.configure({ SYNC_TASKS_DIRECTION: 'both', SYNC_EVENTS_DIRECTION: 'both', SYNC_CONFLICTS: c.policy, SYNC_BUSY_RETRY_SECONDS: '1' });
    const ids = Array.from({ length: 2 * N + 1 }, (_, i) => sys.zoho.create(c.zohoModule, c.record(i)).id);
    const writes0 = zohoRecordsWritten(c.zohoModule);
    sys.graph.events.resetInvitations();
    await apply(c.zohoModule, 'insert', ids);
    const graphIdOf = new Map<string, string>();
    for (const id of ids) graphIdOf.set(id, (await getRuntime().zohoIndex.get(c.zohoModule, id))!.graphId!);
    expect(new Set(graphIdOf.values()).size).toBe(2 * N + 1);
    const notify = async (zohoIds: string[]) => {
      await sys.graph.notifications.changes(zohoIds.map((id) => ({ userId, kind: c.kind, id: graphIdOf.get(id)!, changeType: 'updated' as const })));
      await sys.runQueue({ includeDelayed: true });
    };
    // The creations' echoes: nothing goes to Zoho.
    await notify(ids);
    expect(zohoRecordsWritten(c.zohoModule)).toBe(writes0);

    const inOutlook = ids.slice(0, N);
    const inZoho = ids.slice(N, 2 * N);
    const both = ids[2 * N];
    sys.zoho.advanceTime(5000);
    inOutlook.forEach((id, i) => c.editOutlook(graphIdOf.get(id)!, i));
    inZoho.forEach((id, i) => c.editZoho(id, N + i));
    sys.zoho.edit(c.zohoModule, both, c.conflict.fromZoho);
    if (c.zohoModule === 'Tasks') sys.graph.todo.updateTask(userId, graphIdOf.get(both)!, c.conflict.fromOutlook);
    else sys.graph.events.update(userId, graphIdOf.get(both)!, c.conflict.fromOutlook);

    await notify([...inOutlook, both]);
    await apply(c.zohoModule, 'update', inZoho);
    const written = zohoRecordsWritten(c.zohoModule) - writes0;
    // One write per Outlook change; the conflict costs one more only when Outlook wins it.
    expect(written).toBe(N + (c.policy === 'outlook' ? 1 : 0));

    // Echoes: Graph notifies what we patched into Outlook; Zoho calls back for what we wrote there.
    const echoGraph = await sys.graphCallsDuring(async () => {
      await notify([...inZoho, both]);
      await apply(c.zohoModule, 'update', [...inOutlook, both]);
    });
    expect(zohoRecordsWritten(c.zohoModule) - writes0).toBe(written);
    expect(graphWrites(echoGraph)).toBe(0);

    for (const [i, id] of inOutlook.entries()) await c.checkOutlookChange(id, graphIdOf.get(id)!, i);
    for (const [i, id] of inZoho.entries()) await c.checkZohoChange(id, graphIdOf.get(id)!, N + i);
    await c.checkConflict(both, graphIdOf.get(both)!);
    expect(sys.graph.events.invitations).toEqual([]);
  }, 120_000);
});
