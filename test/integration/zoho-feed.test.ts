import { renewSubscriptionsTimer } from '../../functions/renew-subscriptions';
import { zohoChangeWorker } from '../../functions/zoho-change-worker';
import { zohoNotifications } from '../../functions/zoho-notifications';
import { zohoSweep } from '../../functions/zoho-sweep';
import { resetConfigCache } from '../../lib/config';
import { MemoryLogger } from '../../lib/log';
import { QUEUES } from '../../lib/queue';
import { getRuntime, resetRuntime } from '../../lib/runtime';
import { REVERSE_READ_FIELDS } from '../../lib/zoho/read';
import { maintainZohoChannel, RENEW_AFTER_MS } from '../../lib/zohofeed/channel';
import type { ZohoChangeMessage } from '../../lib/zohofeed/messages';
import { startGraphDouble, type GraphDouble } from '../doubles/graph';
import { DOUBLE_CREDENTIALS, startZohoDouble, type ZohoDouble } from '../doubles/zoho';
import { drainQueue, startAzurite, type Azurite } from '../support/azurite';
import { startFunctionHost, type FunctionHost } from '../support/function-host';
import { invocation } from '../support/http';
import { applySettings, settingsFor, TEST_TENANT_ID } from '../support/settings';

// Zoho → Outlook change feed against Azurite, the Zoho double and our own HTTP route: the watch
// channel's life (create, renew, recreate, disable), callbacks (right and wrong token), the sweep.

const DAY = 24 * 3600_000;
const TIMER = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

let azurite: Azurite;
let zoho: ZohoDouble;
let graph: GraphDouble;
let host: FunctionHost;

function configure(overrides: Record<string, string> = {}): void {
  applySettings(
    settingsFor(
      { storage: azurite.connectionString, hostUrl: host.url, graph: graph.settings(), zohoUrl: zoho.url, zohoCredentials: DOUBLE_CREDENTIALS },
      { SYNC_CONTACTS_DIRECTION: 'to-outlook', SYNC_EVENTS_DIRECTION: 'both', ...overrides },
    ),
  );
  resetConfigCache();
  resetRuntime();
}

/** The channel maintenance as the timer runs it, with our clock `shiftMs` ahead (the double's is moved alike). */
function maintain(shiftMs = 0) {
  const rt = getRuntime();
  return maintainZohoChannel({ zoho: rt.zoho, channels: rt.zohoFeed, config: rt.config, logger: new MemoryLogger(), now: () => new Date(Date.now() + shiftMs) });
}

const changes = async () => (await drainQueue(azurite.connectionString, QUEUES.zohoChanges)) as ZohoChangeMessage[];

async function sweep() {
  return zohoSweep(TIMER, invocation('zoho-sweep').context);
}

async function post(body: unknown): Promise<number> {
  const res = await fetch(`${host.url}/api/zoho/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.status;
}

beforeAll(async () => {
  azurite = await startAzurite();
  zoho = await startZohoDouble();
  graph = await startGraphDouble({ tenantId: TEST_TENANT_ID });
  host = await startFunctionHost([{ method: 'POST', route: 'zoho/notifications', handler: zohoNotifications, name: 'zoho-notifications' }]);
});

afterAll(async () => {
  await host.close();
  await graph.close();
  await zoho.stop();
  await azurite.close();
});

beforeEach(async () => {
  zoho.reset();
  configure();
  for (const c of await getRuntime().zohoFeed.listChannels()) await getRuntime().zohoFeed.deleteChannel(c.channelId);
  for (const module of ['Contacts', 'Tasks', 'Events']) await getRuntime().zohoFeed.putCursor({ module });
  for (const p of await getRuntime().pendingZohoChanges.list()) await getRuntime().pendingZohoChanges.delete(p.module, p.recordId);
  await changes();
});

describe('the watch channel', () => {
  it('is created by the renew-subscriptions timer for the modules that sync to Outlook, as long as Zoho allows', async () => {
    const before = Date.now();
    const summary = await renewSubscriptionsTimer(TIMER, invocation('renew-subscriptions').context);
    expect(summary.zohoChannel).toMatchObject({ action: 'created', events: ['Contacts.all', 'Events.all'] });

    const [channel] = [...zoho.watch.channels.values()];
    const stored = await getRuntime().zohoFeed.listChannels();
    expect(stored).toHaveLength(1);
    expect(channel).toMatchObject({ channelId: stored[0].channelId, events: ['Contacts.all', 'Events.all'], notifyUrl: `${host.url}/api/zoho/notifications`, token: stored[0].token });
    expect(stored[0].token.length).toBeGreaterThanOrEqual(40);
    expect(stored[0].token.length).toBeLessThanOrEqual(50);
    expect(channel.expiresAt - before).toBeGreaterThan(7 * DAY - 15 * 60_000);
    expect(channel.expiresAt - before).toBeLessThanOrEqual(7 * DAY);
    const [request] = zoho.requestsTo('POST /crm/v8/actions/watch');
    expect(request.body).toMatchObject({ watch: [{ channel_id: Number(channel.channelId), notify_on_related_action: false }] });
  });

  it('is left alone while far from expiry, renewed (PATCH) before it, recreated when Zoho lost it', async () => {
    const created = await maintain();
    expect(created.action).toBe('created');

    expect(await maintain()).toMatchObject({ action: 'unchanged', channelId: created.channelId });
    expect(zoho.count('PATCH /crm/v8/actions/watch')).toBe(0);

    const shift = RENEW_AFTER_MS + 60 * 60_000;
    zoho.advanceTime(shift);
    const renewed = await maintain(shift);
    expect(renewed).toMatchObject({ action: 'renewed', channelId: created.channelId });
    expect(zoho.count('PATCH /crm/v8/actions/watch')).toBe(1);
    expect(zoho.watch.channels.get(created.channelId!)!.expiresAt).toBe(Date.parse(renewed.expiresAt!) - (Date.parse(renewed.expiresAt!) % 1000));

    zoho.watch.loseChannels();
    const oldToken = (await getRuntime().zohoFeed.getChannel(created.channelId!))!.token;
    const recreated = await maintain(shift);
    expect(recreated).toMatchObject({ action: 'recreated', channelId: created.channelId });
    const channel = zoho.watch.channels.get(created.channelId!)!;
    expect(channel.token).not.toBe(oldToken);
    expect((await getRuntime().zohoFeed.getChannel(created.channelId!))!.token).toBe(channel.token);
  });

  it('falls back to a one-day expiry when Zoho refuses a week', async () => {
    zoho.fault({ match: 'POST /crm/v8/actions/watch', response: { kind: 'reply', status: 202, body: { watch: [{ status: 'error', code: 'INVALID_DATA', message: 'invalid data', details: { api_name: 'channel_expiry', json_path: '$.watch[0].channel_expiry' } }] } } });
    const created = await maintain();
    expect(created.action).toBe('created');
    const channel = zoho.watch.channels.get(created.channelId!)!;
    expect(channel.expiresAt - Date.now()).toBeLessThanOrEqual(DAY);
    expect((await getRuntime().zohoFeed.getChannel(created.channelId!))!.expiresAt).toBe(created.expiresAt);
  });

  it('is created again when Zoho refuses to renew it', async () => {
    const created = await maintain();
    const posts = zoho.count('POST /crm/v8/actions/watch');
    const shift = 2 * DAY;
    zoho.advanceTime(shift);
    zoho.fault({ match: 'PATCH /crm/v8/actions/watch', response: { kind: 'reply', status: 202, body: { watch: [{ status: 'error', code: 'NOT_SUBSCRIBED', message: 'not subscribed', details: {} }] } } });
    expect(await maintain(shift)).toMatchObject({ action: 'recreated', channelId: created.channelId });
    expect(zoho.count('POST /crm/v8/actions/watch')).toBe(posts + 1);
    expect(zoho.watch.channels.get(created.channelId!)).toBeDefined();
  });

  it('is recreated when it expired in Zoho, and disabled when no module syncs to Outlook any more', async () => {
    const created = await maintain();
    zoho.advanceTime(8 * DAY);
    expect(await maintain(8 * DAY)).toMatchObject({ action: 'recreated', channelId: created.channelId });

    configure({ SYNC_CONTACTS_DIRECTION: 'to-zoho', SYNC_EVENTS_DIRECTION: 'to-zoho' });
    expect(await maintain(8 * DAY)).toMatchObject({ action: 'disabled' });
    expect(zoho.watch.channels.size).toBe(0);
    expect(await getRuntime().zohoFeed.listChannels()).toEqual([]);
  });
});

describe('callbacks', () => {
  it('a Zoho change reaches our route with the channel token and becomes one queued hint, recorded by the consumer', async () => {
    await maintain();
    const record = zoho.create('Contacts', { Last_Name: 'Callback', Email: 'cb@example.com' });
    await zoho.watch.settle();
    expect(zoho.watch.deliveries.map((d) => d.status)).toEqual([202]);

    const queued = await changes();
    expect(queued).toEqual([expect.objectContaining({ v: 1, source: 'callback', module: 'Contacts', operation: 'insert', ids: [record.id] })]);
    await zohoChangeWorker(queued[0], invocation('zoho-change-worker').context);
    expect(await getRuntime().pendingZohoChanges.list('Contacts')).toEqual([expect.objectContaining({ recordId: record.id, operation: 'insert', source: 'callback' })]);
  });

  it('a module the channel does not watch sends nothing', async () => {
    await maintain();
    zoho.create('Tasks', { Subject: 'Not watched' });
    await zoho.watch.settle();
    expect(zoho.watch.deliveries).toEqual([]);
  });

  it('a callback with a wrong token, an unknown channel or no token changes nothing', async () => {
    const { channelId } = await maintain();
    const body = { server_time: Date.now(), query_params: {}, module: 'Contacts', resource_uri: `${zoho.url}/crm/v8/Contacts`, ids: ['5725767000000000999'], affected_fields: [], operation: 'delete' };
    expect(await post({ ...body, channel_id: channelId, token: 'not-the-token' })).toBe(403);
    expect(await post({ ...body, channel_id: '1234567890123', token: zoho.watch.channels.get(channelId!)!.token })).toBe(403);
    expect(await post({ ...body, channel_id: channelId })).toBe(403);
    expect(await changes()).toEqual([]);
    expect(await getRuntime().pendingZohoChanges.list('Contacts')).toEqual([]);
  });

  it('the right token with a body that is not a callback is refused after verification', async () => {
    const { channelId } = await maintain();
    expect(await post({ channel_id: channelId, token: zoho.watch.channels.get(channelId!)!.token, ids: 'x' })).toBe(400);
    expect(await changes()).toEqual([]);
  });

  it('after a recreation the new token is accepted at once, though the old one was cached', async () => {
    const { channelId } = await maintain();
    zoho.create('Contacts', { Last_Name: 'Before' });
    await zoho.watch.settle();
    zoho.watch.loseChannels();
    await maintain();
    zoho.create('Contacts', { Last_Name: 'After' });
    await zoho.watch.settle();
    expect(zoho.watch.deliveries.map((d) => [d.channelId, d.status])).toEqual([[channelId, 202], [channelId, 202]]);
    expect(await changes()).toHaveLength(2);
  });
});

describe('re-reading the records a hint names', () => {
  it('reads up to 100 ids per call with the reverse fields; an id Zoho does not return is missing', async () => {
    const a = zoho.create('Contacts', { Last_Name: 'A', Email: 'a@example.com' });
    const b = zoho.create('Contacts', { Last_Name: 'B' });
    const { records, missing } = await getRuntime().zoho.getRecordsByIds('Contacts', [a.id, b.id, '5725767000000099999'], REVERSE_READ_FIELDS.Contacts);
    expect([...records.keys()].sort()).toEqual([a.id, b.id].sort());
    expect(records.get(a.id)).toMatchObject({ Last_Name: 'A', Email: 'a@example.com', Owner: expect.objectContaining({ id: expect.any(String) }) });
    expect(missing).toEqual(['5725767000000099999']);
    expect(zoho.requestsTo('GET /crm/v8/Contacts').map((r) => r.query.ids.split(',').length)).toContain(3);
  });
});

describe('the sweep', () => {
  it('starts at the first run, then finds a change and a delete whose callbacks were dropped, once', async () => {
    await maintain();
    const existing = zoho.create('Contacts', { Last_Name: 'Old', Email: 'old@example.com' });
    await zoho.watch.settle();
    expect((await sweep()).modules.map((m) => m.started)).toEqual([true, true]);
    await changes();

    zoho.advanceTime(2000);
    zoho.watch.dropCallbacks(2);
    zoho.edit('Contacts', existing.id, { Title: 'Changed while the callback was lost' });
    const doomed = zoho.create('Events', { Event_Title: 'Doomed', Start_DateTime: '2026-12-10T10:00:00+09:00', End_DateTime: '2026-12-10T11:00:00+09:00' });
    await zoho.watch.settle();
    zoho.watch.dropCallbacks(1);
    zoho.delete('Events', doomed.id);
    await zoho.watch.settle();
    expect(zoho.watch.deliveries.filter((d) => d.dropped)).toHaveLength(3);
    const delivered = (await changes()).filter((m) => m.source === 'callback');
    expect(delivered).toEqual([]);

    const result = await sweep();
    expect(result.failed).toEqual([]);
    const found = await changes();
    // The event was created and deleted between two sweeps: only its deletion is left to find.
    expect(found).toEqual(expect.arrayContaining([
      expect.objectContaining({ source: 'sweep', module: 'Contacts', operation: 'update', ids: [existing.id] }),
      expect.objectContaining({ source: 'sweep', module: 'Events', operation: 'delete', ids: [doomed.id] }),
    ]));
    expect(found).toHaveLength(2);
    expect(zoho.requestsTo('GET /crm/v8/Events/deleted')[0].headers['if-modified-since']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);

    // Nothing new: the records at the cursor are not handed on again. A sweep costs one COQL call
    // and one /deleted read per module that syncs to Outlook.
    const before = zoho.callCounts();
    await sweep();
    expect(await changes()).toEqual([]);
    const after = zoho.callCounts();
    const spent = Object.fromEntries(Object.entries(after).filter(([k]) => k.startsWith('POST /crm') || k.startsWith('GET /crm')).map(([k, v]) => [k, v - (before[k] ?? 0)] as const).filter(([, v]) => v > 0));
    expect(spent).toEqual({ 'POST /crm/v8/coql': 2, 'GET /crm/v8/Contacts/deleted': 1, 'GET /crm/v8/Events/deleted': 1 });
  });

  it('reads nothing for modules that do not sync to Outlook', async () => {
    configure({ SYNC_CONTACTS_DIRECTION: 'to-zoho', SYNC_EVENTS_DIRECTION: 'to-zoho' });
    expect((await sweep()).modules).toEqual([]);
    expect(zoho.count('POST /crm/v8/coql')).toBe(0);
  });
});
