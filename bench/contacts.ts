/**
 * bench/contacts: Graph and Zoho calls per synced contact for create, update and no-op update,
 * and worker throughput, through the real sync-worker against Azurite and the two doubles.
 * Side by side with a naive baseline that re-reads the contact and upserts it into Zoho on every
 * notification (no link rows, no content hash), which is what a stateless connector does.
 * Run with `npm run bench -- contacts`.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { CONTACT_EXPAND, CONTACT_SELECT, contactSchema } from '../lib/graph/resources/contact';
import { mapContact } from '../lib/mapping/contact';
import { getRuntime } from '../lib/runtime';
import { startSystem, type System } from '../test/support/system';
import { countTableRequests, table, tableBreakdown, tableRequests } from './stats';

const CONTACTS = 200;
const CONCURRENCY = 8;

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function crmCalls(sys: System): number {
  return sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length;
}

function graphCalls(sys: System): number {
  return Object.entries(sys.graph.calls.snapshot())
    .filter(([label]) => !label.includes('oauth2') && !label.includes('openid') && !label.includes('subscriptions'))
    .reduce((sum, [, n]) => sum + n, 0);
}

async function measure(sys: System, name: string, ids: string[], run: (id: string) => Promise<unknown>) {
  const z0 = crmCalls(sys);
  const g0 = graphCalls(sys);
  const t0 = performance.now();
  const s0 = tableRequests.n;
  const b0 = new Map(tableRequests.byKind);
  await pool(ids, CONCURRENCY, run);
  if (process.env.BENCH_TABLES) console.log(`${name}\n${tableBreakdown(b0, ids.length)}`);
  const seconds = (performance.now() - t0) / 1000;
  const n = ids.length;
  // Not the contact's own: an Account's create-once rows (per new company) and the fleet's slot
  // rows (per instance and burst, issue 14), shown apart so the per-item budget can be checked.
  const shared = [...tableRequests.byKind].filter(([k]) => /^(lookups|zohoslots) /.test(k)).reduce((sum, [k, v]) => sum + v - (b0.get(k) ?? 0), 0);
  const total = tableRequests.n - s0;
  return [name, n, (graphCalls(sys) - g0) / n, (crmCalls(sys) - z0) / n, total / n, (total - shared) / n, shared, Math.round(n / seconds)];
}

async function main() {
  const sys = await startSystem({ SYNC_CONTACTS: 'all' });
  try {
    const user = sys.graph.addUser({ userPrincipalName: 'bench.user@contoso.com' });
    sys.zoho.addUser({ email: 'bench.user@contoso.com', last_name: 'User' });
    const companies = ['Fabrikam, Inc.', 'Contoso Ltd.', 'Northwind Traders', 'Tailspin Toys'];
    const seedContacts = (prefix: string) =>
      Array.from({ length: CONTACTS }, (_, i) =>
        String(
          sys.graph.contacts.add(user.id, {
            givenName: `Given${i}`,
            surname: `${prefix}${i}`,
            emailAddresses: [{ address: `${prefix.toLowerCase()}${i}@example.com`, name: `Given${i} ${prefix}${i}` }],
            companyName: companies[i % companies.length],
            jobTitle: 'Buyer',
            businessPhones: ['+81 3 1234 5678'],
          }).id,
        ),
      );
    const message = (id: string, changeType = 'updated') => ({ v: 1, userId: user.id, module: 'contacts', itemId: id, changeType });
    countTableRequests();
    // Tables and the day's run row exist once per process, not per item: made before measuring.
    await sys.work(message(seedContacts('Warm')[0], 'created'));

    // Ours: the production sync-worker.
    const ours = seedContacts('Ours');
    const rows: (string | number)[][] = [];
    rows.push(await measure(sys, 'ours: create', ours, (id) => sys.work(message(id, 'created'))));
    for (const id of ours) sys.graph.contacts.update(user.id, id, { jobTitle: 'Head of Purchasing' });
    rows.push(await measure(sys, 'ours: update', ours, (id) => sys.work(message(id))));
    for (const id of ours) sys.graph.contacts.update(user.id, id, {});
    rows.push(await measure(sys, 'ours: no-op update', ours, (id) => sys.work(message(id))));

    // Baseline: read the contact, upsert it by e-mail, every time.
    const rt = getRuntime();
    const naive = async (id: string) => {
      const contact = await rt.graph.get(`/users/${user.id}/contacts/${encodeURIComponent(id)}`, contactSchema, { query: { $select: CONTACT_SELECT, $expand: CONTACT_EXPAND } });
      const { record } = mapContact(contact);
      await rt.zoho.upsertRecords('Contacts', [record], { duplicateCheckFields: ['Email'] });
    };
    const base = seedContacts('Base');
    rows.push(await measure(sys, 'baseline: create', base, naive));
    for (const id of base) sys.graph.contacts.update(user.id, id, { jobTitle: 'Head of Purchasing' });
    rows.push(await measure(sys, 'baseline: update', base, naive));
    for (const id of base) sys.graph.contacts.update(user.id, id, {});
    rows.push(await measure(sys, 'baseline: no-op update', base, naive));

    const duplicates = z.array(z.unknown()).parse(sys.zoho.recordsOf('Contacts')).length;
    console.log(`bench/contacts (${CONTACTS} contacts, ${CONCURRENCY} concurrent workers; Zoho contacts at the end: ${duplicates})`);
    console.log(table(['variant', 'items', 'Graph calls/item', 'Zoho calls/item', 'Table requests/item', 'of which the contact rows', 'Account and slot rows (total)', 'items/s'], rows));
  } finally {
    await sys.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
