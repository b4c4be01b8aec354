import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { createGraphClient, type GraphApi } from '../../lib/graph/client';
import { GraphBadRequestError, GraphConflictError, GraphNotFoundError, GraphPermissionError } from '../../lib/graph/errors';
import { graphPath } from '../../lib/graph/path';
import { startGraphDouble, type GraphDouble } from '../doubles/graph';
import { startFunctionHost, type FunctionHost } from '../support/function-host';

/**
 * The Graph double's subscription contract, driven through our production client: creation with
 * the validation handshake against a loopback endpoint, lifetime rules and refusals as our typed
 * errors, and the notification payloads our webhook is written against (webhook.test.ts and the
 * sync tests then feed those payloads to the real handlers).
 */

const Subscription = z.object({
  id: z.string(),
  resource: z.string(),
  changeType: z.string(),
  clientState: z.string().nullable(),
  notificationUrl: z.string(),
  lifecycleNotificationUrl: z.string().nullable(),
  expirationDateTime: z.string(),
});

/** What our endpoint received, and how the inline test handler should answer handshakes. */
const received: { route: string; body: unknown; query: Record<string, string> }[] = [];
let handshakeMode: 'echo' | 'json-quoted' | 'slow' = 'echo';

async function webhook(route: string, req: HttpRequest): Promise<HttpResponseInit> {
  const token = req.query.get('validationToken');
  if (token !== null) {
    if (handshakeMode === 'json-quoted') return { status: 200, jsonBody: token };
    if (handshakeMode === 'slow') await new Promise((r) => setTimeout(r, 400));
    return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: token };
  }
  received.push({ route, body: await req.json(), query: Object.fromEntries(req.query.entries()) });
  return { status: 202 };
}

let double: GraphDouble;
let host: FunctionHost;
let graph: GraphApi;
let userId: string;

beforeAll(async () => {
  double = await startGraphDouble({ directoryPageSize: 2 });
  host = await startFunctionHost([
    { method: 'POST', route: 'graph/notifications', handler: (req) => webhook('notifications', req) },
    { method: 'POST', route: 'graph/lifecycle', handler: (req) => webhook('lifecycle', req) },
  ]);
});
afterAll(async () => {
  await host.close();
  await double.close();
});
beforeEach(() => {
  double.reset();
  double.subscriptions.validationTimeoutMs = 200;
  received.length = 0;
  handshakeMode = 'echo';
  userId = double.addUser({ userPrincipalName: 'megan@contoso.com' }).id;
  graph = createGraphClient(double.settings(), { timeoutMs: 2_000, retry: { baseDelayMs: 5 } });
});

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

function subscribe(resource: string, extra: Record<string, unknown> = {}) {
  return graph.post('/subscriptions', {
    changeType: 'created,updated,deleted',
    notificationUrl: `${host.url}/api/graph/notifications?code=fn-key`,
    lifecycleNotificationUrl: `${host.url}/api/graph/lifecycle`,
    resource,
    expirationDateTime: inDays(2),
    clientState: 'secret-client-state',
    ...extra,
  }, Subscription, { headers: { Prefer: 'IdType="ImmutableId"' } });
}

describe('subscription creation', () => {
  it('validates both URLs through the function host, keeping their query strings', async () => {
    const sub = await subscribe(`users/${userId}/contacts`);
    expect(sub).toMatchObject({ resource: `users/${userId}/contacts`, clientState: 'secret-client-state' });
    expect(double.subscriptions.get(sub.id)?.prefer).toBe('IdType="ImmutableId"');
    expect(double.subscriptions.handshakes.map((h) => [new URL(h.url).pathname, h.ok])).toEqual([
      ['/api/graph/notifications', true],
      ['/api/graph/lifecycle', true],
    ]);
    const served = host.served.map((s) => s.path);
    expect(served[0]).toMatch(/^\/api\/graph\/notifications\?code=fn-key&validationToken=Validation%3a\+Testing\+client/);
    expect(graph.calls.snapshot()).toEqual({ 'POST /subscriptions': 1 });
  });

  it('fails with 400 ValidationError when the endpoint echoes a JSON-encoded token', async () => {
    handshakeMode = 'json-quoted';
    const err = await subscribe(`users/${userId}/contacts`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphBadRequestError);
    expect(err).toMatchObject({ code: 'ValidationError' });
    expect((err as Error).message).toContain('Notification endpoint must respond with 200 OK to validation request');
    expect(double.subscriptions.list()).toHaveLength(0);
  });

  it('fails with "timed out" when the endpoint answers after the deadline', async () => {
    handshakeMode = 'slow';
    const err = await subscribe(`users/${userId}/contacts`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphBadRequestError);
    expect((err as Error).message).toContain('Subscription validation request timed out.');
  });

  it('refuses a duplicate changeType + resource with 409 naming the existing subscription', async () => {
    const first = await subscribe(`users/${userId}/contacts`);
    const err = await subscribe(`Users/${userId}/Contacts`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphConflictError);
    expect((err as Error).message).toContain(`Subscription Id ${first.id} already exists for the requested combination`);
  });

  it('applies lifetime rules: under 45 minutes is raised, over the maximum is refused', async () => {
    const short = await subscribe(`users/${userId}/events`, { expirationDateTime: new Date(Date.now() + 10 * 60_000).toISOString() });
    expect(Date.parse(short.expirationDateTime) - Date.now()).toBeGreaterThan(44 * 60_000);
    const err = await subscribe(`users/${userId}/contacts`, { expirationDateTime: inDays(8) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphBadRequestError);
    expect((err as Error).message).toContain('10080 minutes');
    const todo = await subscribe(`users/${userId}/todo/lists/AAMkList=/tasks`, { expirationDateTime: inDays(3) }).catch((e: unknown) => e);
    expect((todo as Error).message).toContain('4230 minutes');
  });

  it('refuses To Do subscriptions when told to, both ways tenants reported', async () => {
    double.subscriptions.refuseTodo = 'forbidden';
    const forbidden = await subscribe(`users/${userId}/todo/lists/AAMkList=/tasks`).catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(GraphPermissionError);
    double.subscriptions.refuseTodo = 'invalid-resource';
    const invalid = await subscribe(`users/${userId}/todo/lists/AAMkList=/tasks`).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(GraphBadRequestError);
    expect(invalid).toMatchObject({ code: 'ExtensionError' });
    expect((invalid as Error).message).toContain('Invalid resource specified in payload');
  });

  it('answers 404 MailboxNotEnabledForRESTAPI for a user without mailbox', async () => {
    const noBox = double.addUser({ userPrincipalName: 'shared@contoso.com', hasMailbox: false });
    const err = await subscribe(`users/${noBox.id}/contacts`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphNotFoundError);
    expect(err).toMatchObject({ code: 'MailboxNotEnabledForRESTAPI' });
  });
});

describe('subscription management', () => {
  it('lists with paging, renews, reauthorizes and deletes; PATCH after delete is 404', async () => {
    const a = await subscribe(`users/${userId}/contacts`);
    await subscribe(`users/${userId}/events`);
    await subscribe(`users/${userId}/mailFolders('sentitems')/messages`);
    const listed: string[] = [];
    for await (const page of graph.pages('/subscriptions', Subscription)) listed.push(...page.map((s) => s.resource));
    expect(listed).toHaveLength(3);
    expect(graph.calls.snapshot()['GET /subscriptions']).toBe(2);

    const renewed = await graph.patch(graphPath`/subscriptions/${a.id}`, { expirationDateTime: inDays(6) }, Subscription);
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(a.expirationDateTime));
    await expect(graph.post(graphPath`/subscriptions/${a.id}/reauthorize`, {})).resolves.toBeUndefined();
    await graph.delete(graphPath`/subscriptions/${a.id}`);
    const err = await graph.patch(graphPath`/subscriptions/${a.id}`, { expirationDateTime: inDays(6) }, Subscription).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphNotFoundError);
  });

  it('refuses adding a lifecycleNotificationUrl by PATCH', async () => {
    const sub = await subscribe(`users/${userId}/contacts`, { lifecycleNotificationUrl: undefined });
    const err = await graph.patch(graphPath`/subscriptions/${sub.id}`, { lifecycleNotificationUrl: `${host.url}/api/graph/lifecycle` }, Subscription).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphBadRequestError);
  });
});

describe('notifications', () => {
  it('delivers a changeNotificationCollection to the notificationUrl and returns our status', async () => {
    const sub = await subscribe(`users/${userId}/contacts`);
    const contact = double.contacts.add(userId, { givenName: 'Notify' });
    const [delivery] = await double.notifications.changes({ userId, kind: 'contact', id: String(contact.id), changeType: 'created' });
    expect(delivery.status).toBe(202);
    expect(received).toHaveLength(1);
    expect(received[0].query).toEqual({ code: 'fn-key' });
    expect(received[0].body).toEqual({
      value: [{
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: expect.any(String),
        changeType: 'created',
        resource: `Users/${userId}/Contacts/${contact.id}`,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.Contact',
          '@odata.id': `Users/${userId}/Contacts/${contact.id}`,
          '@odata.etag': contact['@odata.etag'],
          id: contact.id,
        },
        clientState: 'secret-client-state',
        tenantId: double.tenantId,
      }],
    });
  });

  it('batches several notifications, duplicates on request, and only matches the right changeType', async () => {
    await subscribe(`users/${userId}/contacts`, { changeType: 'updated' });
    const c1 = double.contacts.add(userId, { givenName: 'One' });
    const c2 = double.contacts.add(userId, { givenName: 'Two' });
    const deliveries = await double.notifications.changes([
      { userId, kind: 'contact', id: String(c1.id), changeType: 'updated' },
      { userId, kind: 'contact', id: String(c2.id), changeType: 'updated' },
      { userId, kind: 'contact', id: String(c2.id), changeType: 'created' },
    ], { batch: true, duplicates: 1 });
    expect(deliveries.map((d) => [d.count, d.status])).toEqual([[2, 202], [2, 202]]);
    expect(received).toHaveLength(2);
  });

  it('sends lifecycle events to the lifecycle URL; subscriptionRemoved removes the subscription', async () => {
    const sub = await subscribe(`users/${userId}/contacts`);
    await double.notifications.lifecycle(sub.id, 'reauthorizationRequired');
    await double.notifications.lifecycle(sub.id, 'missed');
    const [removed] = await double.notifications.lifecycle(sub.id, 'subscriptionRemoved');
    expect(removed.status).toBe(202);
    expect(received.map((r) => [r.route, (r.body as { value: { lifecycleEvent: string }[] }).value[0].lifecycleEvent])).toEqual([
      ['lifecycle', 'reauthorizationRequired'],
      ['lifecycle', 'missed'],
      ['lifecycle', 'subscriptionRemoved'],
    ]);
    expect((received[0].body as { value: Record<string, unknown>[] }).value[0]).toEqual({
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: expect.any(String),
      tenantId: double.tenantId,
      clientState: 'secret-client-state',
      lifecycleEvent: 'reauthorizationRequired',
    });
    expect(double.subscriptions.get(sub.id)).toBeUndefined();
  });
});
