/**
 * bench/zoho-fleet: what the fleet-wide Zoho limit (slot leases in Table Storage, lib/zoho/fleet.ts)
 * costs per call, against the per-process semaphore, on Azurite and the Zoho double (25 ms answer).
 * - sequential: one call at a time, the worst case (every call leases a slot and gives it back);
 * - burst: 4 instances × 50 calls at once, org limit 5 (slots pass from call to call in-process);
 *   the per-process rows show what exceeding the limit looks like, and the floor: one instance
 *   alone at 5 at once.
 * Run with `npm run bench -- zoho-fleet`.
 */
import { performance } from 'node:perf_hooks';
import { TableStore } from '../lib/state/tables';
import { ZohoClient } from '../lib/zoho/client';
import { FleetSemaphore, TableSlotStore } from '../lib/zoho/fleet';
import { ZohoTokenProvider } from '../lib/zoho/token';
import { MemoryTokenStore } from '../lib/zoho/token-store';
import { startZohoDouble, type ZohoDouble } from '../test/doubles/zoho';
import { startAzurite } from '../test/support/azurite';
import { percentile, report, table } from './stats';

const LIMIT = 5;
const SEQUENTIAL = 200;
const INSTANCES = 4;
const BURST_PER_INSTANCE = 50;

/** One app instance's Zoho stack; `partition` set = the fleet-wide limit, in that slot partition. */
function instance(double: ZohoDouble, tokenStore: MemoryTokenStore, tables: TableStore | undefined, partition?: string): { client: ZohoClient; fleet?: FleetSemaphore } {
  const tokens = new ZohoTokenProvider({ accountsUrl: double.accountsUrl, ...double.credentials, store: tokenStore, expectedApiDomain: double.apiDomain });
  const fleet = tables && partition ? new FleetSemaphore({ limit: LIMIT, store: new TableSlotStore(tables, partition) }) : undefined;
  return { client: new ZohoClient({ apiDomain: double.apiDomain, tokens, maxConcurrency: LIMIT, limiter: fleet }), fleet };
}

report('bench/zoho-fleet — per-call cost of the fleet-wide Zoho limit (Azurite, Zoho double answering in 25 ms)', async () => {
  const [double, azurite] = await Promise.all([startZohoDouble({ latencyMs: 25 }), startAzurite()]);
  try {
    const [id] = double.seed('Contacts', [{ Last_Name: 'Bench' }]);
    const tokens = new MemoryTokenStore();
    const rows: (string | number)[][] = [];

    for (const useFleet of [false, true]) {
      const { client, fleet } = instance(double, tokens, new TableStore(azurite.connectionString), useFleet ? `seq${Date.now()}` : undefined);
      for (let i = 0; i < 5; i++) await client.getRecord('Contacts', id); // warm-up: token, tables
      const before = fleet?.storageCalls ?? 0;
      const latencies: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) {
        const t0 = performance.now();
        await client.getRecord('Contacts', id);
        latencies.push(performance.now() - t0);
      }
      latencies.sort((a, b) => a - b);
      const ops = fleet ? (fleet.storageCalls - before) / SEQUENTIAL : 0;
      rows.push([useFleet ? 'fleet slots' : 'per process', 'sequential', SEQUENTIAL, percentile(latencies, 50), percentile(latencies, 95), 1, ops]);
    }

    for (const useFleet of [false, true]) {
      const partition = useFleet ? `burst${Date.now()}` : undefined;
      // Each instance has its own Table clients, as separate processes would.
      const stack = Array.from({ length: INSTANCES }, () => instance(double, tokens, new TableStore(azurite.connectionString), partition));
      await Promise.all(stack.map(({ client }) => client.getRecord('Contacts', id))); // warm-up
      const before = stack.reduce((n, s) => n + (s.fleet?.storageCalls ?? 0), 0);
      double.reset();
      const [bid] = double.seed('Contacts', [{ Last_Name: 'Burst' }]);
      const t0 = performance.now();
      await Promise.all(stack.flatMap(({ client }) => Array.from({ length: BURST_PER_INSTANCE }, () => client.getRecord('Contacts', bid))));
      const ms = performance.now() - t0;
      const calls = INSTANCES * BURST_PER_INSTANCE;
      const ops = (stack.reduce((n, s) => n + (s.fleet?.storageCalls ?? 0), 0) - before) / calls;
      rows.push([useFleet ? 'fleet slots' : 'per process', `burst ${INSTANCES}×${BURST_PER_INSTANCE}`, calls, ms / calls, '-', double.maxInFlight, ops]);
    }
    {
      // The floor on this machine: one instance alone at 5 at once (what the org limit allows).
      const { client } = instance(double, tokens, undefined);
      await client.getRecord('Contacts', id);
      double.reset();
      const [bid] = double.seed('Contacts', [{ Last_Name: 'Alone' }]);
      const t0 = performance.now();
      const calls = INSTANCES * BURST_PER_INSTANCE;
      await Promise.all(Array.from({ length: calls }, () => client.getRecord('Contacts', bid)));
      rows.push(['per process, 1 instance', `burst 1×${calls}`, calls, (performance.now() - t0) / calls, '-', double.maxInFlight, 0]);
    }
    return table(['limiter', 'load', 'calls', 'p50 ms (burst: ms/call)', 'p95 ms', 'max at Zoho at once', 'storage ops per call'], rows);
  } finally {
    await Promise.all([double.stop(), azurite.close()]);
  }
});
