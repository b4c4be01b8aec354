import type { ResyncReport } from '../../lib/resync/report';
import { readReport } from '../support/report';
import { RunRepository } from '../../lib/state/runs';
import { startSystem, type System } from '../support/system';

/**
 * The reports API over HTTP on Azurite and the doubles: today's automatic run (what the
 * notifications did), filters and paging, the skipped items with their reasons, and a retry of a
 * chosen skipped item that goes through the ordinary resync path and ends synced.
 */
let sys: System;
let userId: string;
const UPN = 'adele.vance@contoso.com';
const CATEGORY = 'Zoho';

beforeAll(async () => {
  sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' });
  userId = await sys.provisionUser(UPN, 'Adele Vance');
  await sys.subscribe(userId, 'contacts');
});

afterAll(async () => {
  await sys.close();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sys.host.url}/api/${path}`);
  return { status: res.status, body: await res.json() };
}

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sys.host.url}/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

function addContact(name: string): string {
  const c = sys.graph.contacts.add(userId, { givenName: name, surname: 'Report', emailAddresses: [{ address: `${name.toLowerCase()}@fabrikam.com` }], categories: [CATEGORY] });
  return String(c.id);
}

const today = () => RunRepository.automaticRunId(new Date());

describe("today's automatic run", () => {
  const ids: string[] = [];

  beforeAll(async () => {
    for (const name of ['Ava', 'Ben', 'Cleo']) {
      const id = addContact(name);
      ids.push(id);
      await sys.change(userId, 'contact', id, 'created');
    }
  });

  it('is readable at GET resync/auto-YYYY-MM-DD with what the notifications did: counts only, lines on request', async () => {
    const res = await get(`resync/${today()}`);
    expect(res.status).toBe(200);
    const report = res.body as ResyncReport;
    expect(report).toMatchObject({ jobId: today(), kind: 'automatic', counts: { added: 3 } });
    expect(report).not.toHaveProperty('items');
    const contacts = report.users.find((u) => u.userId === userId)!.modules.find((m) => m.module === 'contacts')!;
    expect(contacts).toMatchObject({ counts: { added: 3, updated: 0, deleted: 0, skipped: 0 } });
    expect(contacts).not.toHaveProperty('added');
    const withLines = await readReport(sys.host.url, today());
    const listed = withLines.users.find((u) => u.userId === userId)!.modules.find((m) => m.module === 'contacts')!.added;
    expect(listed.map((a) => a.itemId).sort()).toEqual([...ids].sort());
    expect(listed.every((a) => a.zohoId)).toBe(true);
  });

  it('pages the lines in the status with ?items=<result|all>&continuationToken=', async () => {
    const seen = await everyPage(`resync/${today()}?items=added&top=2`, (body) => {
      expect(body.counts).toMatchObject({ added: 3 });
      expect(body.items.every((i: { result: string }) => i.result === 'added')).toBe(true);
    });
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await get(`resync/${today()}?items=deleted`)).body.items).toEqual([]);
    expect((await get(`resync/${today()}?items=some`)).body.error).toMatch(/items must be all or one of/);
  });

  it('filters by user (id or UPN), module and result', async () => {
    const byUpn = await get(`resync/${today()}?user=${encodeURIComponent(UPN)}&module=contacts&result=added`);
    expect(byUpn.status).toBe(200);
    expect(byUpn.body.counts).toMatchObject({ added: 3, skipped: 0 });
    const none = await get(`resync/${today()}?user=${userId}&result=deleted`);
    expect(none.body.counts).toMatchObject({ added: 0, deleted: 0 });
    expect((await get(`resync/${today()}?module=tasks`)).body.counts.added).toBe(0);
  });

  it('pages the lines with a continuation token', async () => {
    const seen = await everyPage(`resync/${today()}/items?result=added&top=2`);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('answers an empty report for a quiet past day, 404 for the future and 400 for bad filters', async () => {
    const quiet = await get('resync/auto-2026-01-01');
    expect(quiet.status).toBe(200);
    expect(quiet.body).toMatchObject({ kind: 'automatic', state: 'completed', counts: { added: 0 } });
    expect((await get('resync/auto-2999-01-01')).status).toBe(404);
    expect((await get(`resync/${today()}?module=notes`)).status).toBe(400);
    expect((await get(`resync/${today()}/items?top=5000`)).body.error).toMatch(/top must be at most 1000/);
    expect((await get(`resync/${today()}?user=nobody@contoso.com`)).status).toBe(404);
  });
});

describe('skipped items', () => {
  it('are listed with their reason, and a retry of a chosen one syncs it through the resync path', async () => {
    sys.zoho.denyPermission({ module: 'Contacts', operations: ['create'] });
    let refused: string;
    let other: string;
    try {
      refused = addContact('Dora');
      other = addContact('Eli');
      await sys.change(userId, 'contact', refused, 'created');
      await sys.change(userId, 'contact', other, 'created');
    } finally {
      sys.zoho.state.permissions.length = 0;
    }
    const listed = await get(`skipped?user=${encodeURIComponent(UPN)}&module=contacts`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId, module: 'contacts', itemId: refused, reason: 'no permission', code: 'NO_PERMISSION', runId: today() })]),
    );
    expect((await get(`skipped?user=${userId}&top=1`)).body.items).toHaveLength(1);

    const retry = await post('skipped/retry', { items: [{ user: UPN, module: 'contacts', itemId: refused }, { user: UPN, module: 'contacts', itemId: 'not-skipped' }] });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ jobId: expect.any(String), retried: 1, notSkipped: [{ itemId: 'not-skipped' }] });
    await sys.runResync();
    await sys.runQueue({ includeDelayed: true });

    const job = await readReport(sys.host.url, retry.body.jobId);
    const contacts = job.users[0].modules.find((m) => m.module === 'contacts')!;
    expect(contacts.added).toEqual([expect.objectContaining({ itemId: refused, retriedFromSkip: true, zohoId: expect.any(String) })]);
    const still = (await get(`skipped?user=${userId}`)).body.items.map((i: { itemId: string }) => i.itemId);
    expect(still).toContain(other);
    expect(still).not.toContain(refused);
    expect(sys.zoho.recordsOf('Contacts').filter((r) => r.Email === 'dora@fabrikam.com')).toHaveLength(1);
  });

  it('refuses a bad retry body with the field named, and 404 when nothing listed is skipped', async () => {
    expect((await post('skipped/retry', { items: [{ user: UPN, module: 'notes', itemId: 'x' }] })).body.error).toMatch(/module must be one of/);
    expect((await post('skipped/retry', { items: [] })).status).toBe(400);
    expect((await post('skipped/retry', { items: [{ user: UPN, module: 'contacts', itemId: 'never' }] })).status).toBe(404);
  });
});

/** Every page of a paged listing (pages of at most 2 lines, at least 2 pages): the item ids seen. */
async function everyPage(path: string, check: (body: any) => void = () => undefined): Promise<string[]> {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await get(`${path}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(2);
    check(res.body);
    seen.push(...res.body.items.map((i: { itemId: string }) => i.itemId));
    token = res.body.continuationToken;
    pages++;
  } while (token && pages < 10);
  expect(pages).toBeGreaterThanOrEqual(2);
  return seen;
}
