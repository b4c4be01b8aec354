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
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { QUEUES } from '../lib/queue';
import { ResyncJobRepository } from '../lib/resync/jobs';
import { startGraphDouble, type GraphDouble } from '../test/doubles/graph';
import { startZohoDouble } from '../test/doubles/zoho';
import { TEST_TENANT_ID } from '../test/support/settings';
import { startSystem, type RemoteDoubles, type System } from '../test/support/system';
import { countTableRequests, report, table, tableBreakdown, tableRequests } from './stats';

const SIZES = [500, 2000];
const BASELINE = 200;

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function seed(graph: GraphDouble, userId: string, count: number, prefix: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = graph.contacts.add(userId, {
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

async function resync(sys: System, body: Record<string, unknown>, started?: (jobId: string) => void): Promise<void> {
  const res = await fetch(`${sys.host.url}/api/resync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`resync answered ${res.status}`);
  started?.(((await res.json()) as { jobId: string }).jobId);
  await sys.runResync();
  if ((await sys.drain(QUEUES.syncItems)).length) throw new Error('items were handed to the sync worker');
}

/** What the child process of `--contacts N` measured of itself: the code under test without the doubles. */
interface ChildFigures {
  seconds: number;
  rssBefore: number;
  peakRss: number;
  peakHeap: number;
  heapAfter: number;
  tables: number;
  breakdown: string;
  /** CPU seconds of the code under test (this process) and of Azurite (its own process) during the resync */
  cpu: number;
  azuriteCpu: number;
}

/**
 * `--contacts N`: one full resync of N contacts (a quarter already in Zoho) in a fresh system.
 * The doubles run in this process and hold the N contacts and records; the functions, the
 * resync worker and the storage clients run in a child process (Azurite in one of its own), so
 * the child's peak RSS is the code under test's alone. Calls are counted by the doubles here,
 * Table requests in the child.
 */
export async function runScaleBench(n: number, heapMib?: number): Promise<string> {
  const graph = await startGraphDouble({ tenantId: TEST_TENANT_ID });
  const zoho = await startZohoDouble();
  try {
    const upn = `scale${n}@contoso.com`;
    const userId = graph.addUser({ userPrincipalName: upn, displayName: `Scale ${n}` }).id;
    zoho.addUser({ email: upn, last_name: `Scale${n}` });
    const prefix = `S${n}x`;
    seed(graph, userId, n, prefix);
    zoho.seed('Contacts', Array.from({ length: n / 4 }, (_, k) => ({ Last_Name: `Old${k}`, Email: `${prefix.toLowerCase()}${k * 4}@fabrikam.example`, Created_Time: '2021-01-01T00:00:00+00:00' })));
    const graph0 = graph.calls.total;
    const zoho0 = total(zoho.callCounts());
    const remote: RemoteDoubles = { graph: graph.settings(), zohoUrl: zoho.url };
    // Every minute, the run so far (a 50,000 run may outlast the time one has to wait for it).
    const progress = (p: { seconds: number; itemsDone: number; tables: number; peakRss: number }) =>
      console.error(
        `progress ${p.seconds.toFixed(0)} s: ${p.itemsDone} items, ${(p.seconds * 1000 / Math.max(1, p.itemsDone)).toFixed(1)} ms/item, Graph/item ${((graph.calls.total - graph0) / Math.max(1, p.itemsDone)).toFixed(4)}, ` +
          `Zoho/item ${((total(zoho.callCounts()) - zoho0) / Math.max(1, p.itemsDone)).toFixed(4)}, Table/item ${(p.tables / Math.max(1, p.itemsDone)).toFixed(4)}, peak RSS ${Math.round(p.peakRss / 1048576)} MiB`,
      );
    const doubles0 = process.cpuUsage();
    const child = await runChild(['--scale-child', JSON.stringify({ userId, remote, n })], heapMib, progress);
    const doublesUsed = process.cpuUsage(doubles0);
    const doublesCpu = (doublesUsed.user + doublesUsed.system) / 1e6;
    const perItemMs = (s: number) => ((s * 1000) / n).toFixed(2);
    const graphCalls = graph.calls.total - graph0;
    const zohoCalls = total(zoho.callCounts()) - zoho0;
    const mib = (b: number) => Math.round(b / 1024 / 1024);
    return `${table(
      ['scenario', 'items', 'seconds', 'ms/item', 'Graph/item', 'Zoho/item', 'Table/item', 'RSS before MiB', 'peak RSS MiB', 'peak heap MiB', 'live heap after MiB'],
      [[`full resync, ${n / 4} already in Zoho`, n, Number(child.seconds.toFixed(1)), (child.seconds * 1000) / n, (graphCalls / n).toFixed(4), (zohoCalls / n).toFixed(4), (child.tables / n).toFixed(4), mib(child.rssBefore), mib(child.peakRss), mib(child.peakHeap), mib(child.heapAfter)]],
    )}\nCPU ms per item (2 cores: the processes share them, so CPU beyond the wall time is theirs in parallel):\n${table(
      ['code under test', 'Azurite (its own process)', 'Graph and Zoho doubles (this process)'],
      [[perItemMs(child.cpu), perItemMs(child.azuriteCpu), perItemMs(doublesCpu)]],
    )}\nZoho calls by endpoint:\n${Object.entries(zoho.callCounts())
      .sort((a, b) => b[1] - a[1])
      .map(([label, k]) => `${label}: ${k} (${(k / n).toFixed(4)}/item)`)
      .join('\n')}\nTable requests by table and operation:\n${child.breakdown}`;
  } finally {
    await graph.close();
    await zoho.stop();
  }
}

/** `heapMib`: the child's V8 heap capped as a small instance's would be (`--heap-mib`); the doubles here are not capped. */
function runChild(args: string[], heapMib: number | undefined, progress: (p: { seconds: number; itemsDone: number; tables: number; peakRss: number }) => void): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const node = ['--expose-gc', ...(heapMib ? [`--max-old-space-size=${heapMib}`] : [])];
    const child = spawn(process.execPath, [...process.execArgv, ...node, __filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{"progress"')) progress((JSON.parse(line) as { progress: Parameters<typeof progress>[0] }).progress);
        else out += `${line}\n`;
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      out += partial;
      const line = out.split('\n').find((l) => l.startsWith('{"seconds"'));
      if (code !== 0 || !line) reject(new Error(`the resync child exited with ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line) as ChildFigures);
    });
  });
}

/** The child of `--contacts N`: the system against the parent's doubles, one full resync, its own memory and Table requests. */
async function scaleChild(arg: string): Promise<ChildFigures> {
  const { userId, remote, n } = JSON.parse(arg) as { userId: string; remote: RemoteDoubles; n: number };
  countTableRequests();
  // Azurite in a process of its own: the peak RSS below is the code under test's, not LokiJS's.
  process.env.BENCH_AZURITE_PROCESS = '1';
  const sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' }, remote);
  try {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);
    const kinds = new Map(tableRequests.byKind);
    const table0 = tableRequests.n;
    const azurite0 = (await sys.azurite.cpuSeconds?.()) ?? 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let jobId: string | undefined;
    const jobs = new ResyncJobRepository(sys.runtime().tables);
    const reporter = setInterval(() => {
      if (!jobId) return;
      void jobs.get(jobId, userId).then((part) => {
        const p = { seconds: (performance.now() - t0) / 1000, itemsDone: part?.itemsDone ?? 0, tables: tableRequests.n - table0, peakRss: peak };
        console.log(JSON.stringify({ progress: p }));
      }, () => undefined);
    }, 60_000);
    try {
      await resync(sys, { users: [userId], modules: ['contacts'], mode: 'full' }, (id) => (jobId = id));
    } finally {
      clearInterval(sampler);
      clearInterval(reporter);
    }
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;
    const azuriteCpu = ((await sys.azurite.cpuSeconds?.()) ?? 0) - azurite0;
    const tables = tableRequests.n - table0;
    const breakdown = tableBreakdown(kinds, n);
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    return { seconds, rssBefore, peakRss: Math.max(peak, process.resourceUsage().maxRSS * 1024), peakHeap, heapAfter, tables, breakdown, cpu, azuriteCpu };
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
      const ids = seed(sys.graph, userId, size, prefix);
      sys.zoho.seed('Contacts', Array.from({ length: size / 4 }, (_, k) => ({ Last_Name: `Old${k}`, Email: `${prefix.toLowerCase()}${k * 4}@fabrikam.example`, Created_Time: '2021-01-01T00:00:00+00:00' })));
      rows.push(await measure(sys, `full resync, ${size / 4} already in Zoho`, size, () => resync(sys, { users: [userId], modules: ['contacts'], mode: 'full' })));
      for (const id of ids.slice(0, 10)) sys.graph.contacts.update(userId, id, { department: 'Sales' });
      rows.push(await measure(sys, 'delta resync, 10 changed', 10, () => resync(sys, { users: [userId], modules: ['contacts'] })));
    }

    const upn = 'baseline@contoso.com';
    const userId = sys.graph.addUser({ userPrincipalName: upn, displayName: 'Baseline' }).id;
    sys.zoho.addUser({ email: upn, last_name: 'Baseline' });
    const ids = seed(sys.graph, userId, BASELINE, 'Base');
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

function numberFlag(name: string, min: number): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} takes a whole number of at least ${min}`);
  return n;
}

if (require.main === module && process.argv[2] === '--scale-child') {
  scaleChild(process.argv[3]).then(
    (figures) => {
      console.log(JSON.stringify(figures));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else if (require.main === module) {
  const n = numberFlag('--contacts', 4);
  const heap = numberFlag('--heap-mib', 32);
  report(n ? `bench/resync --contacts ${n}${heap ? ` --heap-mib ${heap}` : ''}` : 'bench/resync', () => (n ? runScaleBench(n, heap) : runResyncBench()));
}
