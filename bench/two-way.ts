/**
 * bench/two-way: Graph, Zoho and Table calls per contact in each direction (issue 16), and the
 * echo writes each direction's writes cause on the other side (must be 0), through the real
 * zoho-change-worker and sync-worker against Azurite and the two doubles, SYNC_CONTACTS_DIRECTION=both.
 * Run with `npm run bench -- two-way`.
 */
import { zohoChangeWorker } from '../functions/zoho-change-worker';
import { getRuntime } from '../lib/runtime';
import type { ZohoChangeMessage } from '../lib/zohofeed/messages';
import { invocation } from '../test/support/http';
import { startSystem, type System } from '../test/support/system';
import { countTableRequests, table, tableRequests } from './stats';

const CONTACTS = 100;
const UPN = 'bench.two-way@contoso.com';

const crmCalls = (sys: System) => sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length;
const zohoWrites = (sys: System) => sys.zoho.writes.reduce((n, w) => n + w.records, 0);
const graphCalls = (sys: System, writesOnly = false) =>
  Object.entries(sys.graph.calls.snapshot())
    .filter(([label]) => !label.includes('oauth2') && !label.includes('openid') && !label.includes('subscriptions') && !label.includes('{tenant}'))
    .filter(([label]) => !writesOnly || /^(POST|PATCH|DELETE) /.test(label))
    .reduce((sum, [, n]) => sum + n, 0);

async function main() {
  const sys = await startSystem({ SYNC_CONTACTS: 'all', SYNC_CONTACTS_DIRECTION: 'both', SYNC_DELETES: 'delete' });
  try {
    const userId = sys.graph.addUser({ userPrincipalName: UPN, displayName: 'Bench User' }).id;
    const ownerId = sys.zoho.addUser({ email: UPN, last_name: 'User' }).id;
    const at = new Date().toISOString();
    await getRuntime().users.put({ userId, upn: UPN, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });
    countTableRequests();
    const hint = (operation: ZohoChangeMessage['operation'], ids: string[]) => zohoChangeWorker({ v: 1, source: 'callback', module: 'Contacts', operation, ids }, invocation('zoho-change-worker').context);
    const notify = async (ids: string[]) => {
      for (const id of ids) await sys.work({ v: 1, userId, module: 'contacts', itemId: id, changeType: 'updated' });
    };
    const rows: (string | number)[][] = [];
    const measure = async (name: string, n: number, run: () => Promise<unknown>) => {
      const z0 = crmCalls(sys), g0 = graphCalls(sys), t0 = tableRequests.n, zw0 = zohoWrites(sys), gw0 = graphCalls(sys, true);
      await run();
      rows.push([name, n, (graphCalls(sys) - g0) / n, (crmCalls(sys) - z0) / n, (tableRequests.n - t0) / n, zohoWrites(sys) - zw0, graphCalls(sys, true) - gw0]);
    };

    const owner = { id: ownerId, name: 'Bench User', email: UPN };
    // Warm-up: tables, the day's run, field metadata and the mailbox list exist once per process.
    const warm = sys.zoho.create('Contacts', { Owner: owner, Last_Name: 'Warm', Email: 'warm@example.com' });
    await hint('insert', [warm.id]);

    const ids = Array.from({ length: CONTACTS }, (_, i) => sys.zoho.create('Contacts', { Owner: owner, First_Name: 'Given', Last_Name: `Bench${i}`, Email: `bench${i}@example.com`, Title: 'Buyer', Department: 'Sales' }).id);
    await measure('Zoho → Outlook: create (1 hint of 100)', CONTACTS, () => hint('insert', ids));
    const graphIds: string[] = [];
    for (const id of ids) graphIds.push((await getRuntime().zohoIndex.get('Contacts', id))!.graphId!);
    await measure('  echo: Graph notifications of those creates', CONTACTS, () => notify(graphIds));

    sys.zoho.advanceTime(2000);
    for (const id of ids) sys.zoho.edit('Contacts', id, { Title: 'Head of Sales' });
    await measure('Zoho → Outlook: update (1 hint of 100)', CONTACTS, () => hint('update', ids));
    await measure('  echo: Graph notifications of those updates', CONTACTS, () => notify(graphIds));
    await measure('Zoho → Outlook: the same hint again (no-op)', CONTACTS, () => hint('update', ids));

    for (const id of graphIds) sys.graph.contacts.update(userId, id, { department: 'Purchasing' });
    await measure('Outlook → Zoho (both: merge read + write)', CONTACTS, () => notify(graphIds));
    await measure('  echo: Zoho callbacks of those writes', CONTACTS, () => hint('update', ids));

    for (const id of ids) sys.zoho.delete('Contacts', id);
    await measure('Zoho → Outlook: delete (1 hint of 100)', CONTACTS, () => hint('delete', ids));
    await measure('  echo: Graph notifications of those deletes', CONTACTS, async () => {
      for (const id of graphIds) await sys.work({ v: 1, userId, module: 'contacts', itemId: id, changeType: 'deleted' });
    });

    console.log(`bench/two-way (${CONTACTS} contacts, SYNC_CONTACTS_DIRECTION=both; the echo rows must show 0 writes)`);
    console.log(table(['step', 'items', 'Graph calls/item', 'Zoho calls/item', 'Table requests/item', 'Zoho records written', 'Graph writes'], rows));
  } finally {
    await sys.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
