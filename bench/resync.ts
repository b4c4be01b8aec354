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
import { countTableRequests, report, table, tableBreakdown, tableRequests } from './stats';

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

/**
 * `--contacts N`: one full resync of N contacts (a quarter already in Zoho) in a fresh system,
 * with the process's peak RSS (both doubles included: they run in this process and hold the N
 * contacts and records; Azurite runs in a child process) and
 * the time spent per item.
 */
export async function runScaleBench(n: number): Promise<string> {
  countTableRequests();
  // Azurite in a process of its own: the peak RSS below is ours and the doubles', not LokiJS's.
  process.env.BENCH_AZURITE_PROCESS = '1';
  const sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' });
  try {
    const upn = `scale${n}@contoso.com`;
    const userId = sys.graph.addUser({ userPrincipalName: upn, displayName: `Scale ${n}` }).id;
    sys.zoho.addUser({ email: upn, last_name: `Scale${n}` });
    const prefix = `S${n}x`;
    seed(sys, userId, n, prefix);
    sys.zoho.seed('Contacts', Array.from({ length: n / 4 }, (_, k) => ({ Last_Name: `Old${k}`, Email: `${prefix.toLowerCase()}${k * 4}@fabrikam.example`, Created_Time: '2021-01-01T00:00:00+00:00' })));
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = rssBefore;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);
    let row: (string | number)[];
    const kinds = new Map(tableRequests.byKind);
    try {
      row = await measure(sys, `full resync, ${n / 4} already in Zoho`, n, () => resync(sys, { users: [userId], modules: ['contacts'], mode: 'full' }));
    } finally {
      clearInterval(sampler);
    }
    const mib = (b: number) => Math.round(b / 1024 / 1024);
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const seconds = Number(row[2]);
    const breakdown = tableBreakdown(kinds, n);
    return `${table(
      ['scenario', 'items', 'seconds', 'ms/item', 'Graph/item', 'Zoho/item', 'Table/item', 'RSS before MiB', 'peak RSS MiB', 'peak heap MiB', 'live heap before/after MiB'],
      [[row[0], n, seconds, (seconds * 1000) / n, row[5], row[7], row[10], mib(rssBefore), mib(Math.max(peak, maxRss)), mib(peakHeap), `${mib(heapBefore)}/${mib(heapAfter)}`]],
    )}\nTable requests by table and operation:\n${breakdown}`;
  } finally {
    await sys.close();
  }
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

function contactsFlag(): number | undefined {
  const i = process.argv.indexOf('--contacts');
  if (i < 0) return undefined;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 4) throw new Error('--contacts takes a whole number of at least 4');
  return n;
}

if (require.main === module) {
  const n = contactsFlag();
  report(n ? `bench/resync --contacts ${n}` : 'bench/resync', () => (n ? runScaleBench(n) : runResyncBench()));
}
