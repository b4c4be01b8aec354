/**
 * bench/resync: what a manual resync costs, per item, against the Graph and Zoho doubles with the
 * real functions and Azurite (`npm run bench -- resync`):
 * - a full resync of N contacts of one mailbox, a quarter of them already in Zoho under the same
 *   address (the bulk path: listing, batched dedup look-ups, 100 records per write);
 * - a delta resync after 10 changes;
 * - baseline: the same kind of first-seen contacts synced one queue message per item through the
 *   sync worker, as notifications would deliver them.
 * Calls are counted by the doubles (every request received, token calls included); Table
 * requests are counted at the SDK (each entity operation, transaction or listed page is one).
 */
import { performance } from 'node:perf_hooks';
import { QUEUES } from '../lib/queue';
import { startSystem, type System } from '../test/support/system';
import { countTableRequests, report, table, tableRequests } from './stats';

const SIZES = [500, 2000];
const BASELINE = 200;

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function seed(sys: System, userId: string, count: number, prefix: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = sys.graph.contacts.add(userId, {
      givenName: `Given${i}`,
      surname: `${prefix}${i}`,
      jobTitle: 'Buyer',
      companyName: i % 2 ? 'Fabrikam, Inc.' : 'Contoso Ltd.',
      businessPhones: ['+1 732 555 0102'],
      emailAddresses: [{ address: `${prefix.toLowerCase()}${i}@fabrikam.example` }],
      categories: ['Zoho'],
    });
    ids.push(String(c.id));
  }
  return ids;
}

async function measure(sys: System, name: string, items: number, run: () => Promise<void>): Promise<(string | number)[]> {
  const graph0 = sys.graph.calls.total;
  const zoho0 = total(sys.zoho.callCounts());
  const writes0 = sys.zoho.writes.reduce((n, w) => n + w.records, 0);
  const table0 = tableRequests.n;
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const graph = sys.graph.calls.total - graph0;
  const zoho = total(sys.zoho.callCounts()) - zoho0;
  const written = sys.zoho.writes.reduce((n, w) => n + w.records, 0) - writes0;
  const tables = tableRequests.n - table0;
  return [name, items, Number(seconds.toFixed(2)), Math.round(items / seconds), graph, graph / items, zoho, zoho / items, written, tables, tables / items];
}

async function resync(sys: System, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sys.host.url}/api/resync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`resync answered ${res.status}`);
  await sys.runResync();
  if ((await sys.drain(QUEUES.syncItems)).length) throw new Error('items were handed to the sync worker');
}

export async function runResyncBench(): Promise<string> {
  countTableRequests();
  const sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' });
  try {
    const rows: (string | number)[][] = [];
    for (const size of SIZES) {
      const upn = `bench${size}@contoso.com`;
      const userId = sys.graph.addUser({ userPrincipalName: upn, displayName: `Bench ${size}` }).id;
      sys.zoho.addUser({ email: upn, last_name: `Bench${size}` });
      const prefix = `B${size}x`;
      const ids = seed(sys, userId, size, prefix);
      sys.zoho.seed('Contacts', Array.from({ length: size / 4 }, (_, k) => ({ Last_Name: `Old${k}`, Email: `${prefix.toLowerCase()}${k * 4}@fabrikam.example`, Created_Time: '2021-01-01T00:00:00+00:00' })));
      rows.push(await measure(sys, `full resync, ${size / 4} already in Zoho`, size, () => resync(sys, { users: [userId], modules: ['contacts'], mode: 'full' })));
      for (const id of ids.slice(0, 10)) sys.graph.contacts.update(userId, id, { department: 'Sales' });
      rows.push(await measure(sys, 'delta resync, 10 changed', 10, () => resync(sys, { users: [userId], modules: ['contacts'] })));
    }

    const upn = 'baseline@contoso.com';
    const userId = sys.graph.addUser({ userPrincipalName: upn, displayName: 'Baseline' }).id;
    sys.zoho.addUser({ email: upn, last_name: 'Baseline' });
    const ids = seed(sys, userId, BASELINE, 'Base');
    rows.push(
      await measure(sys, 'baseline: one queue message per item (sync worker)', BASELINE, async () => {
        const queue = sys.runtime().syncQueue;
        for (const itemId of ids) await queue.send({ v: 1, userId, module: 'contacts', itemId, changeType: 'created' });
        await sys.runQueue({ includeDelayed: true });
      }),
    );
    return table(['scenario', 'items', 'seconds', 'items/s', 'Graph calls', 'Graph/item', 'Zoho calls', 'Zoho/item', 'records written', 'Table requests', 'Table/item'], rows);
  } finally {
    await sys.close();
  }
}

if (require.main === module) report('bench/resync', runResyncBench);
