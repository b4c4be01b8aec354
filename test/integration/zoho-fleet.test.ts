/**
 * Fleet-wide Zoho concurrency: several app instances (each its own Zoho client stack: token
 * provider, HTTP layer, limiter, Table clients) share the org's limit through slot leases in
 * Table Storage, and the Zoho double counts what reaches it at once.
 */
import { TableStore } from '../../lib/state/tables';
import { TableZohoTokenStore } from '../../lib/state/zoho-token';
import { createZohoClient, type ZohoClient } from '../../lib/zoho/client';
import { FleetSemaphore, TableSlotStore } from '../../lib/zoho/fleet';
import { startZohoDouble, type ZohoDouble } from '../doubles/zoho';
import { startAzurite, type Azurite } from '../support/azurite';

const ORG_LIMIT = 5;
const INSTANCES = 4;
const CALLS_PER_INSTANCE = 15;

let double: ZohoDouble;
let azurite: Azurite;
let contactId: string;

beforeAll(async () => {
  [double, azurite] = await Promise.all([startZohoDouble({ latencyMs: 25 }), startAzurite()]);
});
afterAll(async () => {
  await Promise.all([double.stop(), azurite.close()]);
});
beforeEach(() => {
  double.reset();
  [contactId] = double.seed('Contacts', [{ Last_Name: 'Fleet', Email: 'fleet@example.com' }]);
});

/** One app instance: what lib/runtime.ts composes, on its own Table clients. */
function instance(opts: { fleet: boolean; partition?: string }): { client: ZohoClient; slots: TableSlotStore } {
  const tables = new TableStore(azurite.connectionString);
  const slots = new TableSlotStore(tables, opts.partition);
  const client = createZohoClient({
    accountsUrl: double.accountsUrl,
    apiDomain: double.apiDomain,
    ...double.credentials,
    tokenStore: new TableZohoTokenStore(tables),
    maxConcurrency: ORG_LIMIT,
    slots: opts.fleet ? slots : undefined,
  });
  return { client, slots };
}

async function burst(clients: ZohoClient[]): Promise<void> {
  const calls = clients.flatMap((c) => Array.from({ length: CALLS_PER_INSTANCE }, () => c.getRecord('Contacts', contactId)));
  const records = await Promise.all(calls);
  expect(records.every((r) => r?.id === contactId)).toBe(true);
}

test(`${INSTANCES} instances with org limit ${ORG_LIMIT}: the double never sees more than ${ORG_LIMIT} at once`, async () => {
  const clients = Array.from({ length: INSTANCES }, () => instance({ fleet: true, partition: 'limit' }).client);
  double.setConcurrencyLimit(ORG_LIMIT);
  await burst(clients);
  expect(double.maxInFlight).toBeLessThanOrEqual(ORG_LIMIT);
  expect(double.maxInFlight).toBeGreaterThan(1);
  expect(double.concurrencyRejections).toBe(0);
  expect(double.count('GET /crm/v8/Contacts/{id}')).toBe(INSTANCES * CALLS_PER_INSTANCE);
});

test('without the shared slots the same instances go over the limit (the counter would catch it)', async () => {
  const clients = Array.from({ length: INSTANCES }, () => instance({ fleet: false }).client);
  // No limit in the double here: every call gets through, so only the counter speaks.
  await burst(clients);
  expect(double.maxInFlight).toBeGreaterThan(ORG_LIMIT);
});

test('a crashed instance holds no slot beyond its lease', async () => {
  const crashed = instance({ fleet: true, partition: 'crash' }).slots;
  // Every slot leased by an instance that then died: nobody releases them.
  const leases = await Promise.all(Array.from({ length: ORG_LIMIT }, (_, i) => crashed.claim(i, undefined, Date.now() + 300)));
  expect(leases.every(Boolean)).toBe(true);
  const survivor = instance({ fleet: true, partition: 'crash' }).client;
  expect((await survivor.getRecord('Contacts', contactId))?.id).toBe(contactId);
  // The survivor took over expired slots and gave them back (released after the call returns):
  // what is left are dead leases only.
  await eventually(async () => {
    const left = await crashed.list();
    return left.length < ORG_LIMIT && left.every((s) => s.expiresAt <= Date.now());
  });
});

test('calls of one busy instance reuse its slots: storage is asked far less than twice per call', async () => {
  const store = new TableSlotStore(new TableStore(azurite.connectionString), 'reuse');
  const fleet = new FleetSemaphore({ limit: ORG_LIMIT, store });
  let running = 0;
  let most = 0;
  const task = async () => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running -= 1;
  };
  await Promise.all(Array.from({ length: 100 }, () => fleet.run(task)));
  expect(most).toBe(ORG_LIMIT);
  expect(fleet.storageCalls).toBeLessThan(40);
  // Idle again: every slot goes back to the table, for the other instances.
  await eventually(async () => (await store.list()).length === 0);
});

/** Releases happen after the call has returned; wait for them (bounded, no timing asserted). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached');
}
