import type { ReportWithLines as ResyncReport } from '../support/report';
import type { Link } from '../../lib/state/links';
import type { SkippedItem } from '../../lib/state/skipped';
import { startSystem, type System } from '../support/system';

/**
 * Issue 12, item 4: `POST /api/resync` with `"mode": "preview"` runs the full run's decisions and
 * executor over a recording world. Through the real functions, the Graph and Zoho doubles and
 * Azurite: the preview reports what a full run would add, update, link and delete, the doubles see
 * no write, no state row changes, and the full run that follows does exactly what it said.
 */
let sys: System;

const CATEGORY = 'Zoho';

/** Requests that would change something in Zoho (COQL reads and the token endpoint are not). */
function zohoWriteRequests(): number {
  return sys.zoho.requests.filter((r) => r.path.startsWith('/crm') && r.method !== 'GET' && !r.label.includes('coql')).length;
}

function graphWrites(calls: Record<string, number>): string[] {
  return Object.keys(calls).filter((label) => !label.startsWith('GET '));
}

function contactsOf(r: ResyncReport, userId: string) {
  return r.users.find((u) => u.userId === userId)!.modules.find((m) => m.module === 'contacts')!;
}

function add(userId: string, surname: string, extra: Record<string, unknown> = {}): string {
  const c = sys.graph.contacts.add(userId, { givenName: 'Pat', surname, emailAddresses: [{ address: `${surname.toLowerCase()}@fabrikam.example` }], categories: [CATEGORY], ...extra });
  return String(c.id);
}

async function state(userId: string): Promise<{ links: Link[]; skipped: SkippedItem[]; delta: (string | undefined)[] }> {
  const rt = sys.runtime();
  const links = (await rt.links.list(userId, 'contacts')).sort((a, b) => a.graphId.localeCompare(b.graphId));
  const delta = [await rt.deltaLinks.get(userId, 'contacts', 'default')];
  return { links, skipped: await rt.skipped.list(userId), delta };
}

beforeAll(async () => {
  sys = await startSystem();
});

afterAll(async () => {
  await sys.close();
});

describe('resync preview', () => {
  it('reports what a full run would add, update, link and delete, writes nothing, and the full run then does exactly that', async () => {
    const userId = await sys.provisionUser('preview.owner@contoso.com');
    const changed = add(userId, 'Changed');
    const unchanged = ['One', 'Two', 'Three', 'Four'].map((n) => add(userId, `Same${n}`));
    const deleted = add(userId, 'Deleted');
    const recreated = add(userId, 'Recreated');
    const first = await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'full' });
    expect(contactsOf(first, userId).counts).toMatchObject({ added: 7 });

    // Deleted in Zoho by a CRM user, then changed in Outlook: the table says create it again.
    sys.zoho.delete('Contacts', (await sys.runtime().links.get(userId, 'contacts', recreated))!.zohoId!);
    sys.graph.contacts.update(userId, recreated, { jobTitle: 'Back' });

    sys.graph.contacts.update(userId, changed, { jobTitle: 'Director' });
    sys.graph.contacts.remove(userId, deleted);
    // A new contact of a company Zoho does not know: a full run would create the Account too.
    const fresh = add(userId, 'Fresh', { companyName: 'Preview Newco' });
    // Already in Zoho under the same address, with Mobile and Title empty: a full run links it and fills them.
    const [existingId] = sys.zoho.seed('Contacts', [{ First_Name: 'Pat', Last_Name: 'Existing', Email: 'existing@fabrikam.example', Created_Time: '2021-01-01T00:00:00+00:00' }]);
    const linkable = add(userId, 'Existing', { mobilePhone: '+1 555 0100', jobTitle: 'Buyer' });

    const before = await state(userId);
    const zohoWrites = zohoWriteRequests();
    const accounts = sys.zoho.recordsOf('Accounts').length;
    let preview!: ResyncReport;
    const graphCalls = await sys.graphCallsDuring(async () => {
      preview = await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'preview' });
    });

    expect(preview).toMatchObject({ state: 'completed', preview: true, request: { mode: 'preview' } });
    const p = contactsOf(preview, userId);
    expect(p).toMatchObject({ mode: 'full', counts: { added: 2, updated: 2, deleted: 1, unchanged: 4, skipped: 0 } });
    expect(p.added).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ itemId: fresh, reason: 'would add', notes: expect.arrayContaining(['Account_Name: a new Account would be created for the company']) }),
        // One executor for notifications and resyncs: a resync's line says why, as a notification's does.
        expect.objectContaining({ itemId: recreated, reason: 'would add (the Zoho record was deleted in Zoho; created again from Outlook)' }),
      ]),
    );
    expect(p.added.map((a) => a.zohoId)).toEqual([undefined, undefined]);
    const byId = new Map(p.updated.map((u) => [u.itemId, u]));
    expect(byId.get(changed)).toMatchObject({ reason: 'would update' });
    expect(byId.get(linkable)).toMatchObject({ zohoId: existingId, reason: expect.stringMatching(/^would link \(fill: .*Mobile.*\) to an existing Zoho record \(same e-mail address\)$/) });
    expect(byId.get(linkable)!.reason).toContain('Title');
    expect(p.deleted).toEqual([expect.objectContaining({ itemId: deleted, reason: 'would delete (deleted in Outlook)' })]);

    // Nothing written anywhere: no Zoho write request, no Graph write, no state row.
    expect(zohoWriteRequests()).toBe(zohoWrites);
    expect(sys.zoho.recordsOf('Accounts')).toHaveLength(accounts);
    expect(graphWrites(graphCalls)).toEqual([]);
    expect(await state(userId)).toEqual(before);
    expect(await sys.drain('sync-items')).toEqual([]);

    // The full run does what the preview said, item for item.
    const full = await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'full' });
    expect(full.preview).toBeUndefined();
    const f = contactsOf(full, userId);
    expect(f.counts).toEqual(p.counts);
    const ids = (r: typeof f) => ({ added: r.added.map((x) => x.itemId).sort(), updated: r.updated.map((x) => x.itemId).sort(), deleted: r.deleted.map((x) => x.itemId) });
    expect(ids(f)).toEqual(ids(p));
    expect(f.updated.find((u) => u.itemId === linkable)).toMatchObject({ zohoId: existingId });
    const filled = f.updated.find((u) => u.itemId === linkable)!.notes!.find((n) => n.startsWith('filled empty Zoho fields: '))!;
    expect(byId.get(linkable)!.reason).toContain(`fill: ${filled.slice('filled empty Zoho fields: '.length)}`);
    expect(sys.zoho.record('Contacts', existingId)).toMatchObject({ Mobile: '+1 555 0100', Title: 'Buyer' });
    expect(sys.zoho.recordsOf('Accounts').length).toBe(accounts + 1);
    expect(zohoWriteRequests()).toBeGreaterThan(zohoWrites);
    expect((await state(userId)).links.map((l) => l.graphId).sort()).toEqual([changed, ...unchanged, fresh, linkable, recreated].sort());
  }, 60_000);

  it('stops where the mass-delete guard would stop a full run, and with force lists the deletions; still nothing written', async () => {
    const userId = await sys.provisionUser('preview.guard@contoso.com');
    const ids = ['A', 'B', 'C', 'D', 'E'].map((n) => add(userId, `Guard${n}`));
    await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'full' });
    for (const id of ids.slice(0, 3)) sys.graph.contacts.remove(userId, id);
    const before = await state(userId);
    const zohoWrites = zohoWriteRequests();

    const stopped = await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'preview' });
    expect(stopped).toMatchObject({ state: 'stopped', preview: true, message: expect.stringMatching(/mass-delete guard stopped the run/) });
    expect(contactsOf(stopped, userId)).toMatchObject({ status: 'stopped', withheld: 3, counts: { deleted: 0, unchanged: 2 } });

    const forced = await sys.resyncToEnd({ users: [userId], modules: ['contacts'], mode: 'preview', force: true });
    const f = contactsOf(forced, userId);
    expect(forced.state).toBe('completed');
    expect(f.counts).toMatchObject({ deleted: 3, unchanged: 2 });
    expect(f.deleted.map((d) => d.reason)).toEqual(['would delete (deleted in Outlook)', 'would delete (deleted in Outlook)', 'would delete (deleted in Outlook)']);

    expect(zohoWriteRequests()).toBe(zohoWrites);
    expect(await state(userId)).toEqual(before);
    expect(sys.zoho.recordsOf('Contacts').filter((r) => String(r.Last_Name).startsWith('Guard'))).toHaveLength(5);
  }, 60_000);

  it('is refused for an unknown mode, and the error names preview', async () => {
    const res = await fetch(`${sys.host.url}/api/resync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'dry' }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/mode must be "delta", "full" or "preview"/);
  });
});
