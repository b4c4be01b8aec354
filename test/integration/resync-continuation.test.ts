import { QUEUES } from '../../lib/queue';
import { readReport, type ReportWithLines as ResyncReport } from '../support/report';
import type { ResyncJobMessage } from '../../lib/sync/messages';
import { startSystem, type System } from '../support/system';
import { faults } from '../doubles/graph/faults';
import { ResyncScratch } from '../../lib/resync/scratch';

/**
 * Issue 11: a mailbox larger than one invocation's budget continues in follow-up `resync-jobs`
 * messages from a checkpoint, and ends with exactly the report one long invocation would give.
 * RESYNC_INVOCATION_BUDGET_SECONDS=1, with Graph pages slower than half of it, makes every
 * invocation stop after a page or two (items wait by bucket until 100 of one bucket are read).
 */
let sys: System;

beforeAll(async () => {
  sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1', RESYNC_INVOCATION_BUDGET_SECONDS: '1' });
});

afterAll(async () => {
  await sys.close();
});

function zohoCalls(): number {
  return Object.values(sys.zoho.callCounts()).reduce((a, b) => a + b, 0);
}

async function post(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${sys.host.url}/api/resync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return String(((await res.json()) as { jobId: string }).jobId);
}

async function report(jobId: string): Promise<ResyncReport> {
  return readReport(sys.host.url, jobId);
}

/** The scratch rows a job has left. */
async function scratchRowsOf(jobId: string): Promise<number> {
  const table = await sys.runtime().tables.table('resyncscratch');
  let n = 0;
  for await (const row of table.listEntities()) if (String(row.partitionKey).startsWith(jobId)) n++;
  return n;
}

/** A full resync whose listing pages take 0.6 s each: with the 1 s budget, each invocation reads a page or two. */
async function fullResyncWithSlowPages(userId: string): Promise<{ jobId: string; messages: ResyncJobMessage[] }> {
  sys.graph.inject(/^GET .*contacts(\/delta)?$/, faults.slow(600), 1000);
  try {
    const jobId = await post({ users: [userId], modules: ['contacts'], mode: 'full' });
    return { jobId, messages: (await sys.runResync()) as ResyncJobMessage[] };
  } finally {
    sys.graph.faults.reset();
  }
}

describe('a resync longer than one invocation', () => {
  const upn = 'big.mailbox@contoso.com';
  let userId: string;
  let ids: string[];

  it('continues from checkpoints across several invocations and reports every contact exactly once', async () => {
    userId = sys.graph.addUser({ userPrincipalName: upn, displayName: 'Big' }).id;
    sys.zoho.addUser({ email: upn, last_name: 'Big' });
    const folder = sys.graph.contacts.addFolder(userId, 'Clients');
    ids = [];
    for (let i = 0; i < 1600; i++) {
      const c = sys.graph.contacts.add(
        userId,
        { givenName: `Given${i}`, surname: `Big${i}`, emailAddresses: [{ address: `big${i}@fabrikam.example` }], categories: ['Zoho'] },
        { folderId: i >= 1200 ? folder.id : undefined },
      );
      ids.push(String(c.id));
    }
    sys.zoho.seed('Contacts', Array.from({ length: 100 }, (_, k) => ({ Last_Name: `Old${k}`, Email: `big${k * 10}@fabrikam.example`, Created_Time: '2021-01-01T00:00:00+00:00' })));

    const { jobId, messages } = await fullResyncWithSlowPages(userId);

    const steps = messages.filter((m) => m.jobId === jobId && m.step !== undefined).map((m) => m.step);
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps).toEqual(steps.map((_, i) => i + 1));
    expect(await sys.drain(QUEUES.syncItems)).toEqual([]);
    const r = await report(jobId);
    expect(r.state).toBe('completed');
    const c = r.users[0].modules.find((m) => m.module === 'contacts')!;
    expect(c).toMatchObject({ status: 'done', mode: 'full', counts: { added: 1500, updated: 100, deleted: 0, skipped: 0, unchanged: 0 }, handedOff: 0, reconciled: 0 });
    expect(r.progress.items).toEqual({ total: 1600, finished: 1600 });
    // The status itself is counts only, whatever the run's size: its lines are paged.
    const status = await (await fetch(`${sys.host.url}/api/resync/${jobId}`)).text();
    expect(status.length).toBeLessThan(3000);
    expect(JSON.parse(status)).not.toHaveProperty('items');
    const page = (await (await fetch(`${sys.host.url}/api/resync/${jobId}?items=updated&top=40`)).json()) as { items: { result: string }[]; continuationToken?: string };
    expect(page.items.length).toBeLessThanOrEqual(40);
    expect(page.items.every((i) => i.result === 'updated')).toBe(true);
    expect(page.continuationToken).toEqual(expect.any(String));
    const contacts = sys.zoho.recordsOf('Contacts').filter((x) => String(x.Email).startsWith('big'));
    expect(contacts).toHaveLength(1600);
    const links = await sys.runtime().links.list(userId, 'contacts');
    expect(links.filter((l) => l.state === 'linked')).toHaveLength(1600);

    // A continuation delivered again after the part finished does nothing.
    const before = zohoCalls();
    await sys.runtime().resyncQueue.send({ ...messages.find((m) => m.step === 1)!, users: [userId] });
    await sys.runResync();
    expect(zohoCalls()).toBe(before);
    expect((await report(jobId)).users[0].modules[0]).toMatchObject({ counts: c.counts });
  }, 240_000);

  it('a full read across invocations finds linked contacts it did not see, through the guard, and stores delta links only at the end', async () => {
    for (const id of ids.slice(0, 5)) sys.graph.contacts.remove(userId, id);
    sys.graph.contacts.update(userId, ids[1500], { jobTitle: 'Buyer' });

    const { jobId, messages } = await fullResyncWithSlowPages(userId);

    expect(messages.filter((m) => m.jobId === jobId && m.step !== undefined).length).toBeGreaterThanOrEqual(1);
    const c = (await report(jobId)).users[0].modules.find((m) => m.module === 'contacts')!;
    // ids[0] was linked to a record that existed in Zoho before: its record is kept.
    expect(c).toMatchObject({ status: 'done', mode: 'full', counts: { added: 0, updated: 1, deleted: 4, skipped: 1, unchanged: 1594 }, reconciled: 5 });
    expect(c.deleted.map((d) => d.itemId).sort()).toEqual(ids.slice(1, 5).sort());
    expect(c.skipped).toEqual([expect.objectContaining({ itemId: ids[0], reason: expect.stringMatching(/existed in Zoho before the sync linked it/) })]);

    // The delta links stored at the end are the ones the next delta run continues from.
    sys.graph.contacts.update(userId, ids[1599], { jobTitle: 'Buyer' });
    const next = await post({ users: [userId], modules: ['contacts'] });
    await sys.runResync();
    const d = (await report(next)).users[0].modules.find((m) => m.module === 'contacts')!;
    expect(d).toMatchObject({ mode: 'delta', counts: { added: 0, updated: 1, deleted: 0 } });
  }, 240_000);
});

describe("a module's last steps within the budget", () => {
  it('retrying skipped items, reconciling a full read and applying the allowed removals each continue from a checkpoint; the scratch rows are deleted at the end', async () => {
    const upn = 'last.steps@contoso.com';
    const userId = sys.graph.addUser({ userPrincipalName: upn, displayName: 'Last Steps' }).id;
    sys.zoho.addUser({ email: upn, last_name: 'Steps' });
    const add = (i: number) => String(sys.graph.contacts.add(userId, { givenName: 'Step', surname: `Last${i}`, emailAddresses: [{ address: `last${i}@fabrikam.example` }], categories: ['Zoho'] }).id);
    const linked = [0, 1, 2, 3].map(add);
    await post({ users: [userId], modules: ['contacts'], mode: 'full' });
    await sys.runResync();
    // Two more that Zoho refuses: on the skipped list, retried by the next run.
    const refused = [4, 5].map(add);
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', times: 1, response: { kind: 'noPermission' } });
    await post({ users: [userId], modules: ['contacts'] });
    await sys.runResync();
    expect((await sys.runtime().skipped.list(userId)).map((s) => s.itemId).sort()).toEqual([...refused].sort());
    // Two linked contacts deleted in Outlook: a full read does not see them (reconcile), and they go through the guard (force: half of the links).
    for (const id of linked.slice(0, 2)) sys.graph.contacts.remove(userId, id);

    // Every Graph and Zoho request takes longer than the 1 s budget: an invocation stops at the first boundary after one chunk of work.
    sys.zoho.setLatency(1100);
    sys.graph.inject(/./, faults.slow(1100), 1000);
    const logged = sys.logs.lines.length;
    let jobId: string;
    let messages: ResyncJobMessage[];
    try {
      jobId = await post({ users: [userId], modules: ['contacts'], mode: 'full', force: true });
      messages = (await sys.runResync()) as ResyncJobMessage[];
    } finally {
      sys.zoho.setLatency(0);
      sys.graph.faults.reset();
    }

    const continued = sys.logs.lines
      .slice(logged)
      .filter((l) => l.message.startsWith('resync part continues in a follow-up message'))
      .map((l) => JSON.parse(l.message.slice(l.message.indexOf('{'))) as { jobId: string; at: string; phase?: string })
      .filter((l) => l.jobId === jobId);
    // A page read is progress: the listing stops after its first page (its scope's), then each last step.
    expect(continued.map((l) => [l.at, l.phase])).toEqual([
      ['contacts', undefined],
      ['contacts', 'retry'],
      ['contacts', 'reconcile'],
      ['removals', undefined],
    ]);
    expect(messages.filter((m) => m.jobId === jobId && m.step !== undefined).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    const c = (await report(jobId)).users[0].modules.find((m) => m.module === 'contacts')!;
    expect(c).toMatchObject({ status: 'done', mode: 'full', counts: { added: 2, updated: 0, deleted: 2, skipped: 0, unchanged: 2 }, reconciled: 2, handedOff: 0 });
    expect(c.added.map((a) => [a.itemId, a.retriedFromSkip]).sort()).toEqual([...refused].sort().map((id) => [id, true]));
    expect(c.deleted.map((d) => d.itemId).sort()).toEqual(linked.slice(0, 2).sort());
    expect(await sys.runtime().skipped.list(userId)).toEqual([]);
    expect(sys.zoho.recordsOf('Contacts').filter((x) => String(x.Email).startsWith('last'))).toHaveLength(4);

    // Nothing of the part is left in the scratch table.
    expect(await scratchRowsOf(jobId)).toBe(0);
  }, 240_000);
});

describe('resync scratch rows', () => {
  const rowsOf = scratchRowsOf;

  it('clear deletes one part of a job (every module and kind), and a sweep deletes rows older than its date, those of parts that never finished', async () => {
    const scratch = new ResyncScratch(sys.runtime().tables);
    const ids = Array.from({ length: 150 }, (_, i) => `item/${i}+=`);
    for (const user of ['a@contoso.com', 'b@contoso.com']) {
      await scratch.putSeen('job-scratch', user, 'contacts', 0, ids);
      await scratch.putSeen('job-scratch', user, 'tasks', 1, ids.slice(0, 3));
      await scratch.putDeltaLink('job-scratch', user, 'contacts', 'scope', 'https://graph.example/delta');
    }
    // Seen ids are packed, many to a row: 150 short ids and 3 ids fit in a row each.
    expect(await rowsOf('job-scratch')).toBe(2 * 3);
    expect(await scratch.clear('job-scratch', 'a@contoso.com')).toBe(3);
    expect(await scratch.seen('job-scratch', 'b@contoso.com', 'contacts')).toEqual(new Set(ids));
    expect(await rowsOf('job-scratch')).toBe(3);

    expect(await scratch.sweep(new Date(Date.now() - 3600_000))).toBe(0);
    expect(await rowsOf('job-scratch')).toBe(3);
    await scratch.sweep(new Date(Date.now() + 60_000), 2);
    expect(await rowsOf('job-scratch')).toBe(1);
    await scratch.sweep(new Date(Date.now() + 60_000));
    expect(await rowsOf('job-scratch')).toBe(0);
  });

  it('packs as many seen ids as fit in a property: 10,000 Graph-length ids in a few rows, read back whole', async () => {
    const scratch = new ResyncScratch(sys.runtime().tables);
    const ids = Array.from({ length: 10_000 }, (_, i) => `AAMkAGI2TG93AAA=${'x'.repeat(120)}${i}/+=`);
    await scratch.putSeen('job-packed', 'c@contoso.com', 'contacts', 7, ids);
    const rows = await rowsOf('job-packed');
    expect(rows).toBeGreaterThan(40);
    expect(rows).toBeLessThan(60);
    expect(await scratch.seen('job-packed', 'c@contoso.com', 'contacts')).toEqual(new Set(ids));
    await scratch.clear('job-packed', 'c@contoso.com');
  });
});
