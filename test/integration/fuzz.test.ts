import fc from 'fast-check';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { graphLifecycle } from '../../functions/graph-lifecycle';
import { graphNotifications } from '../../functions/graph-notifications';
import { mailAdd } from '../../functions/mail-add';
import { mailAddToken } from '../../functions/mail-add-token';
import { mailAttach } from '../../functions/mail-attach';
import { mailAttachToken } from '../../functions/mail-attach-token';
import { mailCase } from '../../functions/mail-case';
import { mailCaseToken } from '../../functions/mail-case-token';
import { mailSearch } from '../../functions/mail-search';
import { mailSearchToken } from '../../functions/mail-search-token';
import { manageDeprovision } from '../../functions/manage-deprovision';
import { manageProvision } from '../../functions/manage-provision';
import { manageStatus } from '../../functions/manage-status';
import { resync } from '../../functions/resync';
import { resyncStatus } from '../../functions/resync-status';
import { QUEUES } from '../../lib/queue';
import { getRuntime } from '../../lib/runtime';
import { httpRequest, invocation } from '../support/http';
import { TEST_TENANT_ID } from '../support/settings';
import { startSystem, type System } from '../support/system';

/**
 * Issue 15: the project's own hostile client. Every route gets generated invalid input (ids with
 * dot segments, quotes, markup, control characters, lone surrogates; random JSON; random bearer
 * headers) and must answer 4xx, never 5xx (the webhooks: 202 or 400), while no Graph or Zoho
 * request is made and nothing reaches a queue. Fixed seed and a bounded count keep it a few
 * seconds and the same on every run; a failure prints the shrunk counter-example.
 */
const SEED = 15_2026;
const RUNS = 40;

let sys: System;
const SUB_ID = '5d9a3c77-1111-4f7b-8b23-00000000f022';
const TENANT = TEST_TENANT_ID;

type Handler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

async function send(handler: Handler, init: { method: string; url: string; body?: string; headers?: Record<string, string>; params?: Record<string, string> }): Promise<HttpResponseInit> {
  const { context } = invocation('fuzz');
  return handler(httpRequest({ ...init, url: `http://localhost/api/${init.url}` }), context);
}

/** Pieces that no accepted id contains: each generated id has at least one. */
const HOSTILE = ['..', '.', '/', '\\', '<script>', "'", '"', ' ', '%2e', '\u0000', '\u001f', '\ud800', '\udfff', '(', ')', ',', ':', '?', '#', '&', '*', '\n', '%'];
const text = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'Z', '0', '-', '_', '=', '+', '@', '.', "'", ' ', '\ud800', '/') });
const badPiece = fc.constantFrom(...HOSTILE);
const badId = fc.oneof(
  fc.constantFrom('', '.', '..', ' ', '\ud800', '../../etc/passwd', "x' or 1 eq 1", '<script>', 'a\u0000b'),
  fc.tuple(text, badPiece, text).map(([a, b, c]) => a + b + c),
);
/** A user that is neither a GUID nor a UPN: always has a character a UPN never has. */
const badUser = fc.oneof(
  fc.constantFrom('', '.', '..', '\ud800', '../../etc/passwd', "x' or 1 eq 1", '<script>', 'adele', 'a@', '@b.com', 'a@b', 'a..b@contoso.com'),
  fc.tuple(text, fc.constantFrom('/', '\\', '<', ' ', '"', '\u0000', '\ud800', '(', ',', '%', '*'), text).map(([a, b, c]) => `${a}${b}${c}@contoso.com`),
);
const goodUser = fc.constantFrom('adele.vance@contoso.com', '3fa85f64-5717-4562-b3fc-2c963f66afa6');
const goodMessageId = fc.constantFrom('AAMkAGI2TG93AAA=', 'AAMk-a_b+c/d=');
const json = fc.jsonValue({ maxDepth: 3 });

/** Runs the property, then checks that none of its runs reached Graph, Zoho or a queue. */
async function noSideEffects(property: fc.IAsyncProperty<any>): Promise<void> {
  const zohoBefore = sys.zoho.requests.length;
  const graph = await sys.graphCallsDuring(() => fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: true }));
  const queued: number[] = [];
  for (const q of [QUEUES.syncItems, QUEUES.lifecycle, QUEUES.resyncJobs]) queued.push((await sys.drain(q)).length);
  expect({ graph, zoho: sys.zoho.requests.length - zohoBefore, queued }).toEqual({ graph: {}, zoho: 0, queued: [0, 0, 0] });
}

const is4xx = (res: HttpResponseInit) => expect({ status: res.status, ok: (res.status ?? 200) >= 400 && (res.status ?? 200) < 500 }).toEqual({ status: res.status, ok: true });

beforeAll(async () => {
  sys = await startSystem();
  await getRuntime().subscriptions.put({ id: SUB_ID, userId: '3fa85f64-5717-4562-b3fc-2c963f66afa6', module: 'contacts', resource: 'users/x/contacts', clientState: 'the-real-secret', expiresAt: '2030-01-01T00:00:00Z', createdAt: '2026-11-01T00:00:00Z' });
});

afterAll(async () => {
  await sys.close();
});

describe('mail routes (function key)', () => {
  const bodies = fc.oneof(
    fc.record({ user: badUser, messageId: goodMessageId }),
    fc.record({ user: goodUser, messageId: badId }),
    fc.record({ user: badUser, messageId: badId, module: fc.constantFrom('Leads', 'Deals'), recordId: fc.constantFrom('1', '123') , status: fc.constantFrom('New') }),
    json.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 20 }),
  );
  it.each([
    ['mail/add', mailAdd],
    ['mail/attach', mailAttach],
    ['mail/case', mailCase],
  ] as [string, Handler][])('%s answers 4xx to any invalid body', async (route, handler) => {
    await noSideEffects(
      fc.asyncProperty(bodies, async (body) => {
        is4xx(await send(handler, { method: 'POST', url: route, body: typeof body === 'string' ? body : JSON.stringify(body) }));
      }),
    );
  });

  it('mail/search answers 4xx to an unknown module or an unusable q', async () => {
    const query = fc.oneof(
      fc.record({ module: fc.oneof(fc.constantFrom('leads', 'Accounts', '', '..'), badId), q: fc.constantFrom('ab', 'x\\)or(Email:y') }),
      fc.record({ module: fc.constantFrom('Leads', 'Deals'), q: fc.oneof(fc.constantFrom('', 'a', ' a '), fc.string({ minLength: 201, maxLength: 260 }), fc.tuple(text, fc.constantFrom('\u0000', '\u0007', '\n'), text).map(([a, b, c]) => `ab${a}${b}${c}`)) }),
    );
    await noSideEffects(
      fc.asyncProperty(query, async (q) => {
        is4xx(await send(mailSearch, { method: 'GET', url: `mail/search?${new URLSearchParams(q)}` }));
      }),
    );
  });
});

describe('mail routes (bearer token)', () => {
  it('any Authorization header that is not a valid token of this tenant gets 401/403', async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
      fc.tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 40 })).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`.replace(/=/g, '')),
      fc.constantFrom('Bearer', 'Basic dXNlcjpwYXNz', `Bearer ${sys.graph.signing.unsigned({ oid: '3fa85f64-5717-4562-b3fc-2c963f66afa6' })}`),
    );
    await noSideEffects(
      fc.asyncProperty(header, fc.constantFrom<[string, Handler]>(['token/mail/add', mailAddToken], ['token/mail/attach', mailAttachToken], ['token/mail/case', mailCaseToken], ['token/mail/search', mailSearchToken]), async (authorization, [route, handler]) => {
        const res = await send(handler, { method: route.endsWith('search') ? 'GET' : 'POST', url: route.endsWith('search') ? `${route}?module=Deals&q=ab` : route, body: route.endsWith('search') ? undefined : JSON.stringify({ user: 'adele.vance@contoso.com', messageId: 'AAMk=' }), headers: { authorization: authorization.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '') } });
        expect([401, 403]).toContain(res.status);
      }),
    );
  });
});

describe('manage routes', () => {
  it('POST manage/provision: 4xx for any body with a bad user, and for random JSON', async () => {
    const body = fc.oneof(
      fc.tuple(fc.array(goodUser, { maxLength: 3 }), badUser, fc.array(goodUser, { maxLength: 3 })).map(([a, b, c]) => JSON.stringify({ users: [...a, b, ...c] })),
      fc.record({ groupId: badId }).map((v) => JSON.stringify(v)),
      json.filter((v) => !(v && typeof v === 'object' && !Array.isArray(v) && ('all' in v || 'users' in v || 'groupId' in v))).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 20 }),
    );
    await noSideEffects(fc.asyncProperty(body, async (b) => is4xx(await send(manageProvision, { method: 'POST', url: 'manage/provision', body: b }))));
  });

  it('DELETE manage/provision/{user} and GET manage/status?user=: 4xx for a bad name', async () => {
    await noSideEffects(
      fc.asyncProperty(badUser.filter((u) => !/^\s*(all|group:.*)\s*$/i.test(u)), async (user) => {
        is4xx(await send(manageDeprovision, { method: 'DELETE', url: 'manage/provision/x', params: { user } }));
        is4xx(await send(manageStatus, { method: 'GET', url: `manage/status?${new URLSearchParams({ user })}` }));
      }),
    );
  });
});

describe('resync routes', () => {
  it('POST resync: 4xx for any body with a bad field, queues nothing', async () => {
    const body = fc.oneof(
      fc.tuple(fc.array(goodUser, { maxLength: 2 }), badUser).map(([a, b]) => ({ users: [...a, b] })),
      fc.record({ retrySkipped: fc.tuple(fc.array(goodMessageId, { maxLength: 2 }), badId).map(([a, b]) => [...a, b]) }),
      fc.record({ mode: fc.string({ maxLength: 8 }).filter((m) => m !== 'delta' && m !== 'full') }),
      fc.record({ modules: fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 }).filter((ms) => ms.some((m) => !['contacts', 'tasks', 'events', 'mail'].includes(m))) }),
      json.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).some((k) => !['users', 'modules', 'mode', 'retrySkipped', 'force'].includes(k))),
    );
    await noSideEffects(fc.asyncProperty(body, async (b) => is4xx(await send(resync, { method: 'POST', url: 'resync', body: JSON.stringify(b) }))));
  });

  it('GET resync/{jobId}: 4xx for anything (no job exists)', async () => {
    await noSideEffects(fc.asyncProperty(fc.oneof(badId, fc.uuid()), async (jobId) => is4xx(await send(resyncStatus, { method: 'GET', url: 'resync/x', params: { jobId } }))));
  });
});

describe('webhooks', () => {
  // Mostly complete notifications, so that hostile ids get past the shape check to the look-ups.
  const notification = fc.record({
    subscriptionId: fc.oneof(badId, fc.uuid(), fc.constant(SUB_ID)),
    clientState: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
    tenantId: fc.oneof(fc.constant(TENANT), fc.uuid(), badId),
    changeType: fc.constantFrom('created', 'updated', 'deleted', 'weird'),
    lifecycleEvent: fc.constantFrom('missed', 'subscriptionRemoved', 'reauthorizationRequired', 'x'),
    resource: fc.oneof(badId, fc.constant('Users/x/Contacts/..')),
    resourceData: fc.option(fc.record({ id: fc.oneof(badId, goodMessageId) }), { nil: undefined }),
  });
  const body = fc.oneof(
    { arbitrary: fc.array(notification, { minLength: 1, maxLength: 4 }).map((value) => JSON.stringify({ value })), weight: 3 },
    fc.array(fc.oneof(notification, json), { maxLength: 4 }).map((value) => JSON.stringify({ value })),
    json.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 30 }),
  );
  it.each([
    ['graph/notifications', graphNotifications],
    ['graph/lifecycle', graphLifecycle],
  ] as [string, Handler][])('%s answers 202 or 400 to anything, never 5xx, and queues nothing of it', async (route, handler) => {
    await noSideEffects(
      fc.asyncProperty(body, async (b) => {
        const res = await send(handler, { method: 'POST', url: route, body: b });
        expect([202, 400]).toContain(res.status);
      }),
    );
  });
});
