import { resyncWorker } from '../../functions/resync-worker';
import { QUEUES } from '../../lib/queue';
import { readReport, type ReportWithLines as ResyncReport } from '../support/report';
import type { ResyncJobMessage } from '../../lib/sync/messages';
import { invocation } from '../support/http';
import { startSystem, type System } from '../support/system';

/**
 * Issue 5, second half: manual resync through the real functions. `POST /api/resync` and
 * `GET /api/resync/{jobId}` are served over HTTP by the test host, the job runs through the
 * resync-worker queue trigger, Graph delta and item reads hit the Graph double, writes the Zoho
 * double, and state lives in Azurite.
 */
let sys: System;

const CATEGORY = 'Zoho';

function zohoCalls(): number {
  return Object.values(sys.zoho.callCounts()).reduce((a, b) => a + b, 0);
}

function recordsWritten(): number {
  return sys.zoho.writes.filter((w) => w.module === 'Contacts').reduce((n, w) => n + w.records, 0);
}

async function post(body: unknown): Promise<{ status: number; location: string | null; json: Record<string, unknown> }> {
  const res = await fetch(`${sys.host.url}/api/resync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, location: res.headers.get('location'), json: (await res.json()) as Record<string, unknown> };
}

function report(jobId: string): Promise<ResyncReport> {
  return readReport(sys.host.url, jobId);
}

/** POST, run the job to the end, GET the report. */
async function resync(body: Record<string, unknown>): Promise<ResyncReport> {
  const started = await post(body);
  expect(started.status).toBe(202);
  await sys.runResync();
  return report(String(started.json.jobId));
}

function contactsOf(r: ResyncReport, userId: string) {
  const user = r.users.find((u) => u.userId === userId);
  expect(user).toBeDefined();
  return user!.modules.find((m) => m.module === 'contacts')!;
}

function newUser(upn: string) {
  const user = sys.graph.addUser({ userPrincipalName: upn, displayName: upn.split('@')[0] });
  sys.zoho.addUser({ email: upn, last_name: upn.split('@')[0] });
  return user.id;
}

function addContacts(userId: string, count: number, prefix: string, opts: { folderId?: string; from?: number } = {}): string[] {
  const ids: string[] = [];
  for (let i = opts.from ?? 0; i < (opts.from ?? 0) + count; i++) {
    const c = sys.graph.contacts.add(
      userId,
      { givenName: `Given${i}`, surname: `${prefix}${i}`, emailAddresses: [{ address: `${prefix.toLowerCase()}${i}@fabrikam.example` }], categories: [CATEGORY] },
      { folderId: opts.folderId },
    );
    ids.push(String(c.id));
  }
  return ids;
}

beforeAll(async () => {
  sys = await startSystem();
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => {
  sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
});

describe('POST /api/resync', () => {
  it('answers 202 with the job id and a Location that reports the queued job, and runs nothing in the request', async () => {
    const userId = newUser('queued.only@contoso.com');
    const before = zohoCalls();
    const res = await post({ users: [userId], modules: ['contacts'], mode: 'full' });
    expect(res.status).toBe(202);
    expect(res.json.jobId).toEqual(expect.any(String));
    expect(res.location).toBe(`/api/resync/${res.json.jobId}`);
    expect(zohoCalls()).toBe(before);
    const queued = await report(String(res.json.jobId));
    expect(queued).toMatchObject({ jobId: res.json.jobId, state: 'queued', kind: 'manual', request: { users: [userId], modules: ['contacts'], mode: 'full' } });
    await sys.runResync();
    expect((await report(String(res.json.jobId))).state).toBe('completed');
  });

  it('refuses a bad body with 400 and a clear message', async () => {
    expect(await post({ mode: 'sometimes' })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/mode must be "delta", "full" or "preview"/) } });
    expect(await post({ modules: ['notes'] })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/modules\[0\]: each module must be one of contacts, tasks, events, mail/) } });
    expect(await post({ users: [], force: 'yes' })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/users must list at least one user.*force must be true or false/) } });
    expect(await post({ everything: true })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/unknown field everything/) } });
    expect(await post('{not json')).toMatchObject({ status: 400, json: { error: 'The body is not valid JSON.' } });
    const missing = await fetch(`${sys.host.url}/api/resync/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
  });
});

describe('bulk contacts', () => {
  let userId: string;
  let ids: string[];

  it('a full resync of 2,000 contacts (500 already in Zoho) links all 2,000 without duplicates in at most 80 Zoho calls', async () => {
    userId = newUser('bulk.owner@contoso.com');
    const folder = sys.graph.contacts.addFolder(userId, 'Clients');
    ids = [...addContacts(userId, 1500, 'Bulk'), ...addContacts(userId, 500, 'Bulk', { folderId: folder.id, from: 1500 })];
    // Every fourth contact is already in Zoho under the same address (different case, older record).
    const existing = sys.zoho.seed(
      'Contacts',
      Array.from({ length: 500 }, (_, k) => ({ Last_Name: `Old${k}`, Email: `BULK${k * 4}@Fabrikam.Example`, Created_Time: '2021-01-01T00:00:00+00:00' })),
    );
    const before = zohoCalls();

    const r = await resync({ users: [userId], modules: ['contacts'], mode: 'full' });

    const calls = zohoCalls() - before;
    expect(calls).toBeLessThanOrEqual(80);
    const contacts = sys.zoho.recordsOf('Contacts').filter((c) => String(c.Email).toLowerCase().startsWith('bulk'));
    expect(contacts).toHaveLength(2000);
    expect(new Set(contacts.map((c) => String(c.Email).toLowerCase())).size).toBe(2000);
    // Linked records keep what Zoho has (Last_Name) and get what it lacked (First_Name).
    for (const id of existing) expect(sys.zoho.record('Contacts', id)).toMatchObject({ Last_Name: expect.stringMatching(/^Old\d+$/), First_Name: expect.any(String) });
    const links = await sys.runtime().links.list(userId, 'contacts');
    expect(links.filter((l) => l.state === 'linked')).toHaveLength(2000);
    expect(new Set(links.map((l) => l.zohoId)).size).toBe(2000);
    expect(await sys.drain(QUEUES.syncItems)).toEqual([]);

    expect(r.state).toBe('completed');
    const c = contactsOf(r, userId);
    expect(c).toMatchObject({ status: 'done', mode: 'full', counts: { added: 1500, updated: 500, deleted: 0, skipped: 0, unchanged: 0 }, handedOff: 0 });
    expect(c.updated[0]).toMatchObject({ reason: 'linked to an existing Zoho record (same e-mail address)' });
    expect(r.calls.zoho).toBeGreaterThan(0);
    expect(r.calls.zoho).toBeLessThanOrEqual(calls + 1);
    expect(r.progress.items).toEqual({ total: 2000, finished: 2000 });
    // Azurite, both doubles and the code under test share one process (and CI machines are shared).
  }, 120_000);

  it('a second, delta resync with 10 changes writes those 10 records and nothing else', async () => {
    for (const id of ids.slice(100, 110)) sys.graph.contacts.update(userId, id, { jobTitle: 'Buyer' });
    const written = recordsWritten();
    const before = zohoCalls();

    const r = await resync({ users: [userId], modules: ['contacts'] });

    expect(recordsWritten() - written).toBe(10);
    expect(zohoCalls() - before).toBeLessThanOrEqual(3);
    const c = contactsOf(r, userId);
    expect(c).toMatchObject({ mode: 'delta', counts: { added: 0, updated: 10, deleted: 0, skipped: 0 } });
    expect(c.updated.map((u) => u.itemId).sort()).toEqual(ids.slice(100, 110).sort());
    expect(sys.zoho.recordsOf('Contacts').filter((x) => x.Title === 'Buyer')).toHaveLength(10);
  });

  it('falls back to a full read when Graph no longer knows the delta link, and finds deletions made in the gap', async () => {
    sys.graph.invalidateDeltaTokens(userId);
    sys.graph.contacts.remove(userId, ids[5]);
    sys.graph.contacts.update(userId, ids[6], { department: 'Logistics' });
    const gone = (await sys.runtime().links.get(userId, 'contacts', ids[5]))!.zohoId!;

    const r = await resync({ users: [userId], modules: ['contacts'] });

    const c = contactsOf(r, userId);
    expect(c.mode).toBe('full');
    expect(c.note).toMatch(/no longer knows the stored delta link \(410 syncStateNotFound\)/);
    expect(c.counts).toMatchObject({ updated: 1, deleted: 1, added: 0 });
    expect(c.deleted[0]).toMatchObject({ itemId: ids[5], zohoId: gone, reason: 'deleted in Outlook' });
    expect(sys.zoho.record('Contacts', gone)).toBeUndefined();
    expect(r.state).toBe('completed');
  });
});

describe('the bulk path beyond the common case', () => {
  it('links two Outlook contacts with one e-mail address to one Zoho record', async () => {
    const userId = newUser('twins@contoso.com');
    const a = sys.graph.contacts.add(userId, { givenName: 'Ann', surname: 'Twin', emailAddresses: [{ address: 'same.twin@fabrikam.example' }], categories: [CATEGORY] });
    const b = sys.graph.contacts.add(userId, { givenName: 'Anne', surname: 'Twin', emailAddresses: [{ address: 'Same.Twin@fabrikam.example' }], categories: [CATEGORY] });
    const r = await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
    const records = sys.zoho.recordsOf('Contacts').filter((c) => String(c.Email).toLowerCase() === 'same.twin@fabrikam.example');
    expect(records).toHaveLength(1);
    const la = await sys.runtime().links.get(userId, 'contacts', String(a.id));
    const lb = await sys.runtime().links.get(userId, 'contacts', String(b.id));
    expect(la?.zohoId).toBe(records[0].id);
    expect(lb?.zohoId).toBe(records[0].id);
    expect(contactsOf(r, userId).counts).toMatchObject({ added: 1, updated: 1, skipped: 0 });
  });

  it('in a Japanese-format org, links contacts without e-mail by name in any reading, and two readings of one new name make one record', async () => {
    sys.zoho.setNameFormat('lastFirst');
    try {
      const [yamada] = sys.zoho.seed('Contacts', [{ First_Name: '太郎', Last_Name: '山田', Created_Time: '2021-06-01T00:00:00+00:00' }]);
      const userId = newUser('kanji@contoso.com');
      const a = sys.graph.contacts.add(userId, { givenName: '太郎', surname: '山田', categories: [CATEGORY] });
      const b = sys.graph.contacts.add(userId, { displayName: '高橋 健', categories: [CATEGORY] });
      const c = sys.graph.contacts.add(userId, { givenName: '健', surname: '高橋', categories: [CATEGORY] });
      const before = sys.zoho.recordsOf('Contacts').length;
      const r = await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
      await sys.runQueue({ includeDelayed: true });
      expect(sys.zoho.recordsOf('Contacts').length).toBe(before + 1);
      expect((await sys.runtime().links.get(userId, 'contacts', String(a.id)))?.zohoId).toBe(yamada);
      const lb = await sys.runtime().links.get(userId, 'contacts', String(b.id));
      const lc = await sys.runtime().links.get(userId, 'contacts', String(c.id));
      expect(lb?.zohoId).toBeDefined();
      expect(lc?.zohoId).toBe(lb?.zohoId);
      expect(contactsOf(r, userId).counts).toMatchObject({ added: 1, updated: 2, skipped: 0 });
    } finally {
      sys.zoho.setNameFormat('firstLast');
    }
  });

  it("links to the record Zoho's own duplicate check names", async () => {
    sys.zoho.setUnique('Contacts', 'Mobile');
    const [existing] = sys.zoho.seed('Contacts', [{ Last_Name: 'Unique', Email: 'other.address@fabrikam.example', Mobile: '+1 555 0199' }]);
    const userId = newUser('unique@contoso.com');
    const c = sys.graph.contacts.add(userId, { givenName: 'Uma', surname: 'Unique', mobilePhone: '+1 555 0199', emailAddresses: [{ address: 'uma@fabrikam.example' }], categories: [CATEGORY] });
    const r = await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
    expect(contactsOf(r, userId).updated[0]).toMatchObject({ itemId: String(c.id), zohoId: existing, reason: "linked to an existing Zoho record (Zoho's duplicate check on Mobile)" });
    // Only empty Zoho fields are filled: the record's own e-mail address stays.
    expect(sys.zoho.record('Contacts', existing)).toMatchObject({ First_Name: 'Uma', Email: 'other.address@fabrikam.example' });
  });

  it('creates a record again when it was deleted in Zoho', async () => {
    const userId = newUser('recreate@contoso.com');
    const [id] = addContacts(userId, 1, 'Recreate');
    await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
    const old = (await sys.runtime().links.get(userId, 'contacts', id))!.zohoId!;
    await sys.runtime().zoho.deleteRecords('Contacts', [old]);
    sys.graph.contacts.update(userId, id, { jobTitle: 'Returned' });
    const r = await resync({ users: [userId], modules: ['contacts'] });
    const added = contactsOf(r, userId).added;
    expect(added).toHaveLength(1);
    expect(added[0].zohoId).not.toBe(old);
    expect(sys.zoho.record('Contacts', added[0].zohoId!)).toMatchObject({ Title: 'Returned' });
  });

  it('hands items of a write that failed transiently to the sync worker, which reports them to the same run', async () => {
    const userId = newUser('transient@contoso.com');
    const ids = addContacts(userId, 3, 'Transient');
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', times: 1, response: { kind: 'serverError', status: 503 } });
    const started = await post({ users: [userId], modules: ['contacts'], mode: 'full' });
    await sys.runResync();
    const handed = (await report(String(started.json.jobId))).users[0].modules[0];
    expect(handed).toMatchObject({ handedOff: 3, counts: { added: 0 } });
    const worked = await sys.runQueue({ includeDelayed: true });
    expect(worked).toHaveLength(3);
    const after = contactsOf(await report(String(started.json.jobId)), userId);
    expect(after.added.map((a) => a.itemId).sort()).toEqual([...ids].sort());
    expect(sys.zoho.recordsOf('Contacts').filter((c) => String(c.Email).startsWith('transient'))).toHaveLength(3);
  });

  it('syncs tasks and events, whose adapters have no bulk look-up, one item at a time through the engine', async () => {
    const userId = newUser('planner@contoso.com');
    const listId = sys.graph.todo.defaultListId(userId);
    sys.graph.todo.addTask(userId, listId, { title: 'Send the quote', categories: [CATEGORY] });
    sys.graph.todo.addTask(userId, listId, { title: 'Private errand', categories: [] });
    const start = new Date(Date.now() + 2 * 86_400_000);
    const iso = (d: Date) => d.toISOString().slice(0, 19);
    sys.graph.events.add(userId, { subject: 'Quarterly review', categories: [CATEGORY], start: { dateTime: iso(start), timeZone: 'UTC' }, end: { dateTime: iso(new Date(start.getTime() + 3_600_000)), timeZone: 'UTC' } });

    const r = await resync({ users: [userId], modules: ['tasks', 'events'], mode: 'full' });
    const user = r.users[0];
    expect(user.modules.find((m) => m.module === 'tasks')).toMatchObject({ status: 'done', counts: { added: 1 }, outOfScope: 1 });
    expect(user.modules.find((m) => m.module === 'events')).toMatchObject({ status: 'done', counts: { added: 1 } });
    expect(sys.zoho.recordsOf('Tasks').filter((t) => t.Subject === 'Send the quote')).toHaveLength(1);
    expect(sys.zoho.recordsOf('Events').filter((e) => e.Event_Title === 'Quarterly review')).toHaveLength(1);

    const again = await resync({ users: [userId], modules: ['tasks', 'events'] });
    expect(again.users[0].modules.map((m) => m.module).sort()).toEqual(['events', 'tasks']);
    for (const m of again.users[0].modules) expect(m).toMatchObject({ mode: 'delta', counts: { added: 0, updated: 0, deleted: 0 } });
  });
});

describe('the mass-delete guard', () => {
  it('stops a run that would delete 50% of the links, and proceeds with force', async () => {
    const userId = newUser('guarded@contoso.com');
    const ids = addContacts(userId, 20, 'Guard');
    await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
    const links = await sys.runtime().links.list(userId, 'contacts');
    expect(links).toHaveLength(20);
    for (const id of ids.slice(0, 10)) sys.graph.contacts.remove(userId, id);

    const stopped = await resync({ users: [userId], modules: ['contacts'] });
    expect(stopped.state).toBe('stopped');
    const user = stopped.users[0];
    expect(user.state).toBe('stopped');
    expect(user.message).toMatch(/Stopped before deleting: this run would delete 10 of the user's 20 linked Zoho records \(50%\), more than SYNC_MASS_DELETE_SHARE \(20%\)/);
    expect(contactsOf(stopped, userId)).toMatchObject({ status: 'stopped', withheld: 10, counts: { deleted: 0 } });
    expect(stopped.message).toMatch(/mass-delete guard stopped the run/);
    for (const l of links) expect(sys.zoho.record('Contacts', l.zohoId!)).toBeDefined();
    expect(await sys.runtime().links.list(userId, 'contacts')).toHaveLength(20);

    const forced = await resync({ users: [userId], modules: ['contacts'], force: true });
    expect(forced.state).toBe('completed');
    expect(forced.users[0].message).toMatch(/^Forced: this run would delete 10 of the user's 20/);
    const c = contactsOf(forced, userId);
    expect(c.counts.deleted).toBe(10);
    expect(c.deleted.map((d) => d.itemId).sort()).toEqual(ids.slice(0, 10).sort());
    const removed = links.filter((x) => ids.slice(0, 10).includes(x.graphId));
    expect(removed).toHaveLength(10);
    for (const l of removed) expect(sys.zoho.record('Contacts', l.zohoId!)).toBeUndefined();
    expect(await sys.runtime().links.list(userId, 'contacts')).toHaveLength(10);
  });

  it('only unlinks with SYNC_DELETES=unlink, and the guard still counts those', async () => {
    sys.configure({ SYNC_DELETES: 'unlink', SYNC_MASS_DELETE_SHARE: '0.5' });
    const userId = newUser('unlinker@contoso.com');
    const ids = addContacts(userId, 4, 'Unlink');
    await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
    const zohoId = (await sys.runtime().links.get(userId, 'contacts', ids[0]))!.zohoId!;
    sys.graph.contacts.remove(userId, ids[0]);

    const r = await resync({ users: [userId], modules: ['contacts'] });
    expect(r.state).toBe('completed');
    expect(contactsOf(r, userId).skipped[0]).toMatchObject({ itemId: ids[0], reason: 'deleted in Outlook; the Zoho record is kept (SYNC_DELETES=unlink)' });
    expect(sys.zoho.record('Contacts', zohoId)).toBeDefined();
    expect(await sys.runtime().links.get(userId, 'contacts', ids[0])).toBeUndefined();
  });
});

describe('items skipped in the previous run', () => {
  it('are retried by the next resync and marked as skipped in the previous sync; retrySkipped with ids retries only those', async () => {
    const userId = newUser('skipper@contoso.com');
    const ids = addContacts(userId, 3, 'Skip');
    // Zoho refuses the whole insert: every item is skipped with Zoho's reason, and kept for later.
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', times: 1, response: { kind: 'noPermission' } });
    const first = await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
    const c1 = contactsOf(first, userId);
    expect(c1.counts).toMatchObject({ skipped: 3, added: 0 });
    expect(c1.skipped[0]).toMatchObject({ reason: 'no permission', code: 'NO_PERMISSION' });
    expect((await sys.runtime().skipped.list(userId)).map((s) => s.itemId).sort()).toEqual([...ids].sort());

    // Only the chosen item, and nothing read from Graph's delta.
    const chosen = await resync({ users: [userId], modules: ['contacts'], retrySkipped: [ids[1]] });
    const c2 = contactsOf(chosen, userId);
    expect(c2.counts).toMatchObject({ added: 1, skipped: 0 });
    expect(c2.added[0]).toMatchObject({ itemId: ids[1], retriedFromSkip: true });
    expect((await sys.runtime().skipped.list(userId)).map((s) => s.itemId).sort()).toEqual([ids[0], ids[2]].sort());

    // No change in Outlook since: the delta is empty, yet the two still skipped are retried.
    const next = await resync({ users: [userId], modules: ['contacts'] });
    const c3 = contactsOf(next, userId);
    expect(c3.mode).toBe('delta');
    expect(c3.added.map((a) => [a.itemId, a.retriedFromSkip]).sort()).toEqual([ids[0], ids[2]].sort().map((id) => [id, true]));
    expect(await sys.runtime().skipped.list(userId)).toEqual([]);
    expect(sys.zoho.recordsOf('Contacts').filter((x) => String(x.Email).startsWith('skip'))).toHaveLength(3);
  });
});

describe('jobs for several users and modules', () => {
  it('splits a job without users into one part per provisioned user and reports modules that cannot run', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_TASKS: 'off' });
    const rt = sys.runtime();
    for (const u of await rt.users.list()) await rt.users.delete(u.userId);
    const a = newUser('part.one@contoso.com');
    const b = newUser('part.two@contoso.com');
    addContacts(a, 2, 'PartA');
    addContacts(b, 3, 'PartB');
    const at = new Date().toISOString();
    for (const userId of [a, b]) await rt.users.put({ userId, sources: ['ids'], state: 'active', polledLists: [], refusedModules: [], provisionedAt: at, updatedAt: at });

    const started = await post({ mode: 'full' });
    const seen = await sys.runResync();
    expect(seen).toHaveLength(3);
    const r = await report(String(started.json.jobId));
    expect(r.state).toBe('completed');
    expect(r.progress.users).toEqual({ total: 2, finished: 2 });
    expect(r.users.map((u) => u.userId).sort()).toEqual([a, b].sort());
    expect(contactsOf(r, a).counts.added).toBe(2);
    expect(contactsOf(r, b).counts.added).toBe(3);
    const tasks = r.users[0].modules.find((m) => m.module === 'tasks');
    expect(tasks).toMatchObject({ status: 'not available', note: 'turned off (SYNC_TASKS=off)' });
    expect(r.users[0].modules.find((m) => m.module === 'events')).toMatchObject({ status: 'done', mode: 'full' });
    expect(r.users[0].modules.find((m) => m.module === 'mail')).toMatchObject({ status: 'done', mode: 'full' });
    expect(r.calls.graph).toBeGreaterThan(0);
  });

  it('runs a job queued by provisioning (no run row, reason provisioning) and files sent mail through the sync worker', async () => {
    const userId = newUser('provisioned@contoso.com');
    addContacts(userId, 2, 'Prov');
    const [customer] = sys.zoho.seed('Contacts', [{ Last_Name: 'Wingtip', Email: 'wanda@wingtip.example' }]);
    sys.graph.mail.add(userId, { subject: 'Quote', toRecipients: [{ emailAddress: { address: 'wanda@wingtip.example', name: 'Wanda' } }] });
    const jobId = '6d0f8a52-3c1e-4d7b-9f0a-1b2c3d4e5f60';
    await sys.runtime().resyncQueue.send({ v: 1, jobId, users: [userId], modules: ['contacts', 'mail'], mode: 'full', reason: 'provisioning' });

    await sys.runResync();
    const handed = await report(jobId);
    expect(handed).toMatchObject({ kind: 'provisioning', state: 'completed' });
    expect(handed.users[0].modules.find((m) => m.module === 'mail')).toMatchObject({ status: 'done', mode: 'full', handedOff: 1 });
    expect(contactsOf(handed, userId).counts.added).toBe(2);

    await sys.runQueue({ includeDelayed: true });
    const mail = (await report(jobId)).users[0].modules.find((m) => m.module === 'mail')!;
    expect(mail.counts.updated + mail.counts.added).toBe(1);
    expect(sys.zoho.emails.filter((e) => e.recordId === customer)).toHaveLength(1);
  });

  it('reads Sent Items by delta: the first run looks back MAIL_RESYNC_DAYS, the next sees only mail sent since', async () => {
    const userId = newUser('sender@contoso.com');
    sys.graph.mail.add(userId, { subject: 'Long ago', receivedDateTime: new Date(Date.now() - 40 * 86_400_000).toISOString(), toRecipients: [{ emailAddress: { address: 'x@wingtip.example' } }] });
    const recent = sys.graph.mail.add(userId, { subject: 'Yesterday', toRecipients: [{ emailAddress: { address: 'x@wingtip.example' } }] });
    const first = await resync({ users: [userId], modules: ['mail'] });
    expect(first.users[0].modules[0]).toMatchObject({ module: 'mail', mode: 'full', note: expect.stringMatching(/no delta link stored yet/), handedOff: 1 });
    expect(((await sys.drain(QUEUES.syncItems)) as { itemId: string }[]).map((m) => m.itemId)).toEqual([String(recent.id)]);

    // A flag on an old message is not new mail (changeType=created); a newly sent one is.
    sys.graph.mail.update(userId, String(recent.id), { flag: { flagStatus: 'flagged' } });
    const fresh = sys.graph.mail.add(userId, { subject: 'Today', toRecipients: [{ emailAddress: { address: 'x@wingtip.example' } }] });
    const next = await resync({ users: [userId], modules: ['mail'] });
    expect(next.users[0].modules[0]).toMatchObject({ module: 'mail', mode: 'delta', handedOff: 1 });
    expect(((await sys.drain(QUEUES.syncItems)) as { itemId: string }[]).map((m) => m.itemId)).toEqual([String(fresh.id)]);
  });

  it('resolves a user given by UPN and reports an unknown one without stopping the others', async () => {
    const userId = newUser('by.upn@contoso.com');
    addContacts(userId, 1, 'Upn');
    const r = await resync({ users: ['by.upn@contoso.com', 'nobody@contoso.com'], modules: ['contacts'] });
    expect(r.state).toBe('completed');
    const ok = r.users.find((u) => u.user === 'by.upn@contoso.com')!;
    expect(ok).toMatchObject({ userId, state: 'completed' });
    expect(ok.modules[0].counts.added).toBe(1);
    expect(r.users.find((u) => u.user === 'nobody@contoso.com')).toMatchObject({ state: 'failed', message: 'the user was not found in the directory' });
  });
});

describe('at the same time', () => {
  /** Every Zoho contact of these addresses, and the user's links: each item once, each record once. */
  async function expectEachOnce(userId: string, prefix: string, count: number): Promise<void> {
    const records = sys.zoho.recordsOf('Contacts').filter((c) => String(c.Email).startsWith(prefix.toLowerCase()));
    expect(records).toHaveLength(count);
    expect(new Set(records.map((c) => String(c.Email).toLowerCase())).size).toBe(count);
    const links = (await sys.runtime().links.list(userId, 'contacts')).filter((l) => l.state === 'linked');
    expect(links).toHaveLength(count);
    expect(new Set(links.map((l) => l.zohoId)).size).toBe(count);
  }

  const part = (message: ResyncJobMessage) => resyncWorker(message, invocation('resync-worker').context);

  it('two jobs for one user, each delivered twice at once, create every contact once', async () => {
    const userId = newUser('twice@contoso.com');
    addContacts(userId, 120, 'Twice');
    const jobs = [await post({ users: [userId], modules: ['contacts'], mode: 'full' }), await post({ users: [userId], modules: ['contacts'], mode: 'full' })];
    const plans = (await sys.drain(QUEUES.resyncJobs)) as ResyncJobMessage[];
    expect(plans).toHaveLength(2);
    // A plan message naming one user is already that user's part: four parts of one user run side by side.
    await Promise.all(plans.flatMap((m) => [part(m), part(m)]));
    await sys.runQueue({ includeDelayed: true });

    await expectEachOnce(userId, 'Twice', 120);
    // Whichever part got to an item first wrote it; the others found it claimed or linked. (A
    // duplicate delivery of one job reports to the same lines, so the counts of a job are only
    // the last word on each item, not a sum.)
    for (const job of jobs) {
      const r = await report(String(job.json.jobId));
      expect(r.state).toBe('completed');
      expect(contactsOf(r, userId).counts).toMatchObject({ skipped: 0, deleted: 0 });
    }
  }, 60_000);

  it('notifications for the same contacts while a resync runs create nothing twice', async () => {
    const userId = newUser('busy.mailbox@contoso.com');
    const ids = addContacts(userId, 150, 'Busy');
    await sys.subscribe(userId, 'contacts');
    await post({ users: [userId], modules: ['contacts'], mode: 'full' });
    const [plan] = (await sys.drain(QUEUES.resyncJobs)) as ResyncJobMessage[];
    await Promise.all([
      part(plan),
      (async () => {
        await sys.graph.notifications.changes(ids.map((id) => ({ userId, kind: 'contact', id, changeType: 'created' as const })), { batch: true });
        await sys.runQueue({ includeDelayed: true });
      })(),
    ]);
    await sys.runQueue({ includeDelayed: true });
    await expectEachOnce(userId, 'Busy', 150);
  }, 60_000);

  it('a contact deleted in Outlook while another worker is still creating it waits for that worker', async () => {
    const userId = newUser('claimed.delete@contoso.com');
    addContacts(userId, 2, 'Claimed');
    await resync({ users: [userId], modules: ['contacts'], mode: 'full' });
    const [late] = addContacts(userId, 1, 'Claimed', { from: 2 });
    await sys.runtime().links.claim(userId, 'contacts', late, 'a-sync-worker', new Date(), 120_000);
    sys.graph.contacts.remove(userId, late);

    const r = await resync({ users: [userId], modules: ['contacts'] });
    expect(contactsOf(r, userId)).toMatchObject({ handedOff: 1, counts: { deleted: 0 } });
    const claim = (await sys.runtime().links.get(userId, 'contacts', late))!;
    expect(claim).toMatchObject({ state: 'claimed', claimToken: 'a-sync-worker' });

    // That worker finishes: its record is then deleted by the item the resync handed over, not left behind.
    const [created] = sys.zoho.seed('Contacts', [{ Last_Name: 'Claimed2', Email: 'claimed2@fabrikam.example' }]);
    await sys.runtime().links.save({ ...claim, state: 'linked', claimToken: undefined, claimedAt: undefined, zohoModule: 'Contacts', zohoId: created, origin: 'created' });
    await sys.runQueue({ includeDelayed: true });
    expect(sys.zoho.record('Contacts', created)).toBeUndefined();
    expect(contactsOf(await report(r.jobId), userId).deleted).toEqual([expect.objectContaining({ itemId: late, zohoId: created })]);
  });
});
