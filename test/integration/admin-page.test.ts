import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { userHash } from '../../lib/telemetry/redact';
import { launchChromium } from '../support/browser';
import { startSystem, type System } from '../support/system';

/**
 * The admin page in a real headless Chromium against the running app (the test host serves our
 * handlers over HTTP) on Azurite and the Graph/Zoho doubles: it loads, lists a user and a skipped
 * item, Retry goes through the API and the resync path, and the item turns synced. A screenshot is
 * kept in docs/.
 */
let sys: System;
let browser: Browser;
let page: Page;
let userId: string;
let skippedId: string;
const UPN = 'adele.vance@contoso.com';

beforeAll(async () => {
  sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' });
  userId = await sys.provisionUser(UPN, 'Adele Vance');
  await sys.subscribe(userId, 'contacts');
  const synced = sys.graph.contacts.add(userId, { givenName: 'Ava', surname: 'Synced', emailAddresses: [{ address: 'ava@fabrikam.com' }], categories: ['Zoho'] });
  await sys.change(userId, 'contact', String(synced.id), 'created');
  sys.zoho.denyPermission({ module: 'Contacts', operations: ['create'] });
  try {
    const refused = sys.graph.contacts.add(userId, { givenName: 'Dora', surname: 'Refused', emailAddresses: [{ address: 'dora@fabrikam.com' }], categories: ['Zoho'] });
    skippedId = String(refused.id);
    await sys.change(userId, 'contact', skippedId, 'created');
  } finally {
    sys.zoho.state.permissions.length = 0;
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sys?.close();
});

describe('GET /api/manage/ui in headless Chromium', () => {
  it('loads with the user, today\'s counts and the skipped item', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const res = await page.goto(`${sys.host.url}/api/manage/ui?code=local-admin-key`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'nonce-/);
    await page.waitForSelector('body[data-ready="yes"]', { timeout: 20_000 });
    expect(await page.title()).toBe('Outlook → Zoho sync: admin');
    expect(await page.locator('#users tbody th[scope=row]').allTextContents()).toEqual([UPN]);
    expect(await page.locator('#users tbody td code').allTextContents()).toEqual([userHash(userId)]);
    expect(await page.locator('#counts [data-count=added]').textContent()).toBe('1');
    expect(await page.locator('#counts [data-count=skipped]').textContent()).toBe('1');
    const row = page.locator(`#skipped tr[data-item="${skippedId}"]`);
    expect(await row.locator('td').nth(3).textContent()).toBe('no permission (NO_PERMISSION)');
    expect(await row.locator('[data-state]').textContent()).toBe('skipped');
    expect(await page.locator('#health').textContent()).toMatch(/^(Healthy|Unhealthy)/);
    expect(await page.locator('#health-link').getAttribute('href')).toBe(`${sys.host.url}/api/health`);
    expect(errors).toEqual([]);
  });

  it('Retry re-queues the item through the resync path and the row turns synced', async () => {
    const row = page.locator(`#skipped tr[data-item="${skippedId}"]`);
    await row.getByRole('button', { name: `Retry contacts item ${skippedId}` }).click();
    await row.locator('[data-state="queued"]').waitFor({ timeout: 10_000 });
    // No Functions host here: the test runs the queue triggers the host would run.
    await sys.runResync();
    await sys.runQueue({ includeDelayed: true });
    await row.locator('[data-state="synced"]').waitFor({ timeout: 20_000 });
    expect(await row.locator('[data-state]').textContent()).toMatch(/^synced \(added, Zoho \d+\)$/);
    expect(sys.zoho.recordsOf('Contacts').filter((r) => r.Email === 'dora@fabrikam.com')).toHaveLength(1);
    expect(await sys.runtime().skipped.list(userId)).toEqual([]);
    await page.locator('#message').filter({ hasText: 'Retry finished' }).waitFor();
    // docs/admin-page.png is kept in the repository: rewritten only when missing or asked for
    // (UPDATE_SCREENSHOTS=1), so a test run does not leave the working tree changed.
    const docs = path.resolve(__dirname, '../../docs/admin-page.png');
    const target = !fs.existsSync(docs) || process.env.UPDATE_SCREENSHOTS === '1' ? docs : path.join(os.tmpdir(), `admin-page-${process.pid}.png`);
    await page.screenshot({ path: target, fullPage: true });
    expect(fs.statSync(target).size).toBeGreaterThan(10_000);
    if (target !== docs) fs.rmSync(target);
  }, 60_000);

  it('the per-user Resync button queues a resync job', async () => {
    await page.getByRole('button', { name: `Resync ${UPN}` }).click();
    await page.locator('#message').filter({ hasText: `Resync queued for ${UPN}` }).waitFor({ timeout: 10_000 });
    expect(await sys.drain('resync-jobs')).toEqual([expect.objectContaining({ users: [userId], mode: 'delta' })]);
  });

  it('the per-user Preview button shows what a full resync would do, and nothing is written', async () => {
    sys.graph.contacts.add(userId, { givenName: 'Nia', surname: 'Fresh', emailAddresses: [{ address: 'nia@fabrikam.com' }], categories: ['Zoho'] });
    const writes = sys.zoho.writes.length;
    const links = (await sys.runtime().links.list(userId, 'contacts')).length;
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/resync') && r.request().method() === 'POST');
    await page.getByRole('button', { name: `Preview a full resync of ${UPN}` }).click();
    expect((await posted).status()).toBe(202);
    await sys.runResync();
    const outcome = page.locator(`#users tr[data-user="${userId}"] td.actions output[data-state="completed"]`);
    await outcome.waitFor({ timeout: 20_000 });
    expect(await outcome.textContent()).toBe('Preview: would add 1, update 0, link 0, delete 0, skip 0; 2 unchanged');
    expect(await outcome.getAttribute('data-added')).toBe('1');
    await page.locator('#message').filter({ hasText: 'nothing was written' }).waitFor();
    expect(sys.zoho.writes.length).toBe(writes);
    expect(await sys.runtime().links.list(userId, 'contacts')).toHaveLength(links);
    expect(await sys.drain('sync-items')).toEqual([]);
  }, 60_000);
});
