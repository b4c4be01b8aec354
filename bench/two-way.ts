/**
 * bench/two-way: Graph, Zoho and Table calls per item in each direction (issue 16), and the echo
 * writes each direction's writes cause on the other side (must be 0), through the real
 * zoho-change-worker and sync-worker against Azurite and the two doubles, with
 * SYNC_{CONTACTS,TASKS,EVENTS}_DIRECTION=both: contacts, To Do tasks and events, 100 of each.
 * Run with `npm run bench -- two-way`.
 */
import { zohoChangeWorker } from '../functions/zoho-change-worker';
import { getRuntime } from '../lib/runtime';
import type { TwoWayModule } from '../lib/direction';
import type { ZohoChangeMessage } from '../lib/zohofeed/messages';
import { invocation } from '../test/support/http';
import { startSystem, type System } from '../test/support/system';
import { countTableRequests, table, tableRequests } from './stats';

const ITEMS = 100;
const UPN = 'bench.two-way@contoso.com';

const crmCalls = (sys: System) => sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length;
const zohoWrites = (sys: System) => sys.zoho.writes.reduce((n, w) => n + w.records, 0);
const graphCalls = (sys: System, writesOnly = false) =>
  Object.entries(sys.graph.calls.snapshot())
    .filter(([label]) => !label.includes('oauth2') && !label.includes('openid') && !label.includes('subscriptions') && !label.includes('{tenant}'))
    .filter(([label]) => !writesOnly || /^(POST|PATCH|DELETE) /.test(label))
    .reduce((sum, [, n]) => sum + n, 0);

/** One module's records and edits on each side. */
interface Module {
  module: TwoWayModule;
  zohoModule: 'Contacts' | 'Tasks' | 'Events';
  record(i: number): Record<string, unknown>;
  zohoEdit: Record<string, unknown>;
  outlookEdit(sys: System, userId: string, graphId: string): void;
}

const MODULES: Module[] = [
  {
    module: 'contacts',
    zohoModule: 'Contacts',
    record: (i) => ({ First_Name: 'Given', Last_Name: `Bench${i}`, Email: `bench${i}@example.com`, Title: 'Buyer', Department: 'Sales' }),
    zohoEdit: { Title: 'Head of Sales' },
    outlookEdit: (sys, userId, id) => void sys.graph.contacts.update(userId, id, { department: 'Purchasing' }),
  },
  {
    module: 'tasks',
    zohoModule: 'Tasks',
    record: (i) => ({ Subject: `Bench task ${i}`, Due_Date: '2026-12-15', Priority: 'Normal', Status: 'Not Started' }),
    zohoEdit: { Status: 'In Progress' },
    outlookEdit: (sys, userId, id) => void sys.graph.todo.updateTask(userId, id, { importance: 'high' }),
  },
  {
    module: 'events',
    zohoModule: 'Events',
    record: (i) => ({
      Event_Title: `Bench meeting ${i}`,
      Start_DateTime: `2026-12-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00+00:00`,
      End_DateTime: `2026-12-${String(1 + (i % 28)).padStart(2, '0')}T11:00:00+00:00`,
      All_day: false,
      Venue: 'Room 1',
      Participants: [{ type: 'email', participant: 'guest@partner.example', Email: 'guest@partner.example' }],
    }),
    zohoEdit: { Venue: 'Room 2' },
    outlookEdit: (sys, userId, id) => void sys.graph.events.update(userId, id, { subject: 'Moved in Outlook' }),
  },
];

async function main() {
  const sys = await startSystem({
    SYNC_CONTACTS: 'all', SYNC_TASKS: 'all', SYNC_EVENTS: 'all',
    SYNC_CONTACTS_DIRECTION: 'both', SYNC_TASKS_DIRECTION: 'both', SYNC_EVENTS_DIRECTION: 'both', SYNC_DELETES: 'delete',
  });
  try {
    const userId = sys.graph.addUser({ userPrincipalName: UPN, displayName: 'Bench User' }).id;
    const ownerId = sys.zoho.addUser({ email: UPN, last_name: 'User' }).id;
    const owner = { id: ownerId, name: 'Bench User', email: UPN };
    const at = new Date().toISOString();
    await getRuntime().users.put({ userId, upn: UPN, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
    countTableRequests();
    const listId = sys.graph.todo.defaultListId(userId);
    const rows: (string | number)[][] = [];
    let echoWrites = 0;

    for (const m of MODULES) {
      const hint = (operation: ZohoChangeMessage['operation'], ids: string[]) => zohoChangeWorker({ v: 1, source: 'callback', module: m.zohoModule, operation, ids }, invocation('zoho-change-worker').context);
      const notify = async (ids: string[], changeType: 'updated' | 'deleted' = 'updated') => {
        for (const id of ids) await sys.work({ v: 1, userId, module: m.module, itemId: id, changeType, scope: m.module === 'tasks' ? listId : undefined });
      };
      const measure = async (name: string, run: () => Promise<unknown>, echo = false) => {
        const z0 = crmCalls(sys), g0 = graphCalls(sys), t0 = tableRequests.n, zw0 = zohoWrites(sys), gw0 = graphCalls(sys, true);
        await run();
        const zw = zohoWrites(sys) - zw0;
        const gw = graphCalls(sys, true) - gw0;
        if (echo) echoWrites += zw + gw;
        rows.push([`${m.module}: ${name}`, ITEMS, (graphCalls(sys) - g0) / ITEMS, (crmCalls(sys) - z0) / ITEMS, (tableRequests.n - t0) / ITEMS, zw, gw]);
      };

      // Warm-up: tables, the day's run, field metadata and the mailbox list exist once per process.
      const warm = sys.zoho.create(m.zohoModule, { ...m.record(ITEMS), Owner: owner });
      await hint('insert', [warm.id]);

      const ids = Array.from({ length: ITEMS }, (_, i) => sys.zoho.create(m.zohoModule, { ...m.record(i), Owner: owner }).id);
      await measure('Zoho → Outlook create (1 hint of 100)', () => hint('insert', ids));
      const graphIds: string[] = [];
      for (const id of ids) graphIds.push((await getRuntime().zohoIndex.get(m.zohoModule, id))!.graphId!);
      await measure('  echo: Graph notifications of those creates', () => notify(graphIds), true);

      sys.zoho.advanceTime(2000);
      for (const id of ids) sys.zoho.edit(m.zohoModule, id, m.zohoEdit);
      await measure('Zoho → Outlook update (1 hint of 100)', () => hint('update', ids));
      await measure('  echo: Graph notifications of those updates', () => notify(graphIds), true);
      await measure('Zoho → Outlook: the same hint again (no-op)', () => hint('update', ids), true);

      for (const id of graphIds) m.outlookEdit(sys, userId, id);
      await measure('Outlook → Zoho update (merge read + write)', () => notify(graphIds));
      await measure('  echo: Zoho callbacks of those writes', () => hint('update', ids), true);

      for (const id of ids) sys.zoho.delete(m.zohoModule, id);
      await measure('Zoho → Outlook delete (1 hint of 100)', () => hint('delete', ids));
      await measure('  echo: Graph notifications of those deletes', () => notify(graphIds, 'deleted'), true);
    }

    console.log(`bench/two-way (${ITEMS} items per module, SYNC_*_DIRECTION=both; echo rows must show 0 writes — echo writes in all: ${echoWrites})`);
    console.log(table(['step', 'items', 'Graph calls/item', 'Zoho calls/item', 'Table requests/item', 'Zoho records written', 'Graph writes'], rows));
    if (echoWrites !== 0) process.exitCode = 1;
  } finally {
    await sys.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
