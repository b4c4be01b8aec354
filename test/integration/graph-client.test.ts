import { z } from 'zod';
import { MemoryLogger } from '../../lib/log';
import { createGraphClient, type GraphApi } from '../../lib/graph/client';
import {
  GraphAuthenticationError,
  GraphGoneError,
  GraphNotFoundError,
  GraphPermissionError,
  GraphResponseValidationError,
  GraphServerError,
  GraphThrottledError,
  GraphTimeoutError,
  isResyncRequired,
} from '../../lib/graph/errors';
import { graphPath } from '../../lib/graph/path';
import { faults, startGraphDouble, type GraphDouble } from '../doubles/graph';

// The real ClientSecretCredential + the real Graph SDK against the HTTPS double.

const User = z.object({ id: z.string(), userPrincipalName: z.string(), displayName: z.string(), mail: z.string().nullable() });
const Contact = z.object({
  id: z.string(),
  '@odata.etag': z.string(),
  changeKey: z.string().optional(),
  displayName: z.string().optional(),
  givenName: z.string().nullable().optional(),
  emailAddresses: z.array(z.object({ address: z.string(), name: z.string().optional() })).optional(),
  singleValueExtendedProperties: z.array(z.object({ id: z.string(), value: z.string() })).optional(),
});

let double: GraphDouble;
let userId: string;

beforeAll(async () => {
  double = await startGraphDouble({ outlookPageSize: 2 });
});
afterAll(async () => {
  await double.close();
});
beforeEach(() => {
  double.reset();
  userId = double.addUser({ userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance' }).id;
});

function client(overrides: Parameters<GraphDouble['settings']>[0] = {}, opts: Parameters<typeof createGraphClient>[1] = {}): GraphApi {
  return createGraphClient(double.settings(overrides), { timeoutMs: 2_000, retry: { baseDelayMs: 5, maxWaitMs: 3_000 }, ...opts });
}

describe('authentication', () => {
  it('gets a token from the authority and reads a user by UPN over HTTPS', async () => {
    const graph = client();
    const user = await graph.get(graphPath`/users/${'adele@contoso.com'}`, User);
    expect(user).toMatchObject({ id: userId, displayName: 'Adele Vance' });
    expect(double.calls.snapshot()).toMatchObject({
      'GET /{tenant}/v2.0/.well-known/openid-configuration': 1,
      'POST /{tenant}/oauth2/v2.0/token': 1,
      'GET /users/{id}': 1,
    });
    expect(graph.calls.snapshot()).toEqual({ 'GET /users/{id}': 1 });
  });

  it('reports a wrong secret as a non-transient authentication error without calling Graph', async () => {
    const graph = client({ clientSecret: 'wrong' });
    const err = await graph.get(graphPath`/users/${userId}`, User).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphAuthenticationError);
    expect(err).toMatchObject({ code: 'invalid_client', transient: false });
    expect((err as Error).message).toContain('AADSTS7000215');
    expect(double.calls.snapshot()['GET /users/{id}']).toBeUndefined();
  });

  it('answers 401 InvalidAuthenticationToken without a bearer token', async () => {
    const res = await fetch(`${double.origin}/v1.0/users/${userId}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
  });

  it('renews the token once when Graph rejects it as expired', async () => {
    const graph = client();
    await graph.get(graphPath`/users/${userId}`, User);
    const issued = double.tokens.issuedCount;
    double.tokens.expireAll();
    await expect(graph.get(graphPath`/users/${userId}`, User)).resolves.toMatchObject({ id: userId });
    expect(double.tokens.issuedCount).toBe(issued + 1);
    expect(graph.calls.snapshot()).toEqual({ 'GET /users/{id}': 3 });
  });
});

describe('contacts', () => {
  it('reads a contact with $select and or-combined extended properties', async () => {
    const created = double.contacts.add(userId, {
      givenName: 'Taro', surname: 'Yamada', emailAddresses: [{ address: 'taro@example.jp', name: 'Taro' }],
    }, { extendedProperties: { 'String 0x3A24': '+81 3 1111 2222', 'String 0x3A1F': '+81 3 3333 4444', 'String 0x3A21': 'pager' } });
    const graph = client();
    const contact = await graph.get(graphPath`/users/${userId}/contacts/${String(created.id)}`, Contact, {
      query: {
        $select: 'displayName,emailAddresses',
        $expand: "singleValueExtendedProperties($filter=id eq 'String 0x3A24' or id eq 'String 0x3A1F')",
      },
    });
    expect(contact.displayName).toBe('Taro Yamada');
    expect(contact.givenName).toBeUndefined();
    expect(contact.singleValueExtendedProperties).toEqual([
      { id: 'String 0x3A24', value: '+81 3 1111 2222' },
      { id: 'String 0x3A1F', value: '+81 3 3333 4444' },
    ]);
    expect(graph.calls.snapshot()).toEqual({ 'GET /users/{id}/contacts/{id}': 1 });
  });

  it('bumps changeKey and etag on update and answers 404 ErrorItemNotFound after delete', async () => {
    const graph = client();
    const created = double.contacts.add(userId, { givenName: 'Hanako' });
    const path = graphPath`/users/${userId}/contacts/${String(created.id)}`;
    const before = await graph.get(path, Contact);
    const patched = await graph.patch(path, { jobTitle: 'CTO' }, Contact);
    expect(patched.changeKey).not.toBe(before.changeKey);
    expect(patched['@odata.etag']).not.toBe(before['@odata.etag']);
    await graph.delete(path);
    const err = await graph.get(path, Contact).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphNotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'ErrorItemNotFound', transient: false });
  });

  it('answers 404 MailboxNotEnabledForRESTAPI for a user without mailbox', async () => {
    const noBox = double.addUser({ userPrincipalName: 'room@contoso.com', hasMailbox: false });
    const err = await client().get(graphPath`/users/${noBox.id}/contacts`, z.unknown()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphNotFoundError);
    expect(err).toMatchObject({ code: 'MailboxNotEnabledForRESTAPI' });
  });

  it('turns a body that does not match the schema into a validation error without personal data', async () => {
    const created = double.contacts.add(userId, { givenName: 'Jiro', emailAddresses: [{ address: 'jiro@example.jp' }] });
    const Strict = z.object({ id: z.string(), emailAddresses: z.array(z.object({ address: z.number() })) });
    const err = await client().get(graphPath`/users/${userId}/contacts/${String(created.id)}`, Strict).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphResponseValidationError);
    expect((err as Error).message).toContain('GET /users/{id}/contacts/{id}');
    expect((err as Error).message).toContain('emailAddresses[0].address');
    expect((err as Error).message).not.toContain('jiro@example.jp');
    expect((err as Error).message).not.toContain(userId);
  });
});

describe('paging and delta', () => {
  it('follows @odata.nextLink through every page', async () => {
    for (let i = 0; i < 5; i++) double.contacts.add(userId, { givenName: `P${i}` });
    const graph = client();
    const pages: string[][] = [];
    for await (const page of graph.pages(graphPath`/users/${userId}/contacts`, Contact, { query: { $select: 'givenName' } })) {
      pages.push(page.map((c) => String(c.givenName)));
    }
    expect(pages).toEqual([['P0', 'P1'], ['P2', 'P3'], ['P4']]);
    expect(graph.calls.snapshot()).toEqual({ 'GET /users/{id}/contacts': 3 });
  });

  it('runs an initial delta, reuses the stored deltaLink, and resets on 410', async () => {
    const a = double.contacts.add(userId, { givenName: 'A' });
    const b = double.contacts.add(userId, { givenName: 'B' });
    double.contacts.add(userId, { givenName: 'C' });
    const graph = client();
    const first = await graph.delta(graphPath`/users/${userId}/contacts/delta`, Contact, { query: { $select: 'givenName' } });
    expect(first.items.map((c) => c.givenName)).toEqual(['A', 'B', 'C']);
    expect(first.removed).toEqual([]);
    expect(first.deltaLink).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/.+\/contacts\/delta\?\$deltatoken=/);

    double.contacts.update(userId, String(a.id), { givenName: 'A2' });
    double.contacts.remove(userId, String(b.id));
    const second = await graph.delta(first.deltaLink, Contact);
    expect(second.items.map((c) => c.givenName)).toEqual(['A2']);
    expect(second.removed).toEqual([b.id]);

    double.invalidateDeltaTokens(userId);
    const err = await graph.delta(second.deltaLink, Contact).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphGoneError);
    expect(isResyncRequired(err)).toBe(true);
    expect(err).toMatchObject({ code: 'syncStateNotFound' });
  });
});

describe('throttling and timeouts', () => {
  it('retries a 429 with Retry-After and one without, then succeeds', async () => {
    const graph = client();
    double.inject('GET /users/{id}', faults.throttled(1));
    double.inject('GET /users/{id}', faults.throttled());
    await expect(graph.get(graphPath`/users/${userId}`, User)).resolves.toMatchObject({ id: userId });
    expect(graph.calls.snapshot()).toEqual({ 'GET /users/{id}': 3 });
    expect(double.faults.pending()).toBe(0);
  });

  it('gives up when Retry-After exceeds the wait budget and hands it to the caller', async () => {
    const graph = client();
    double.inject('GET /users/{id}', faults.throttled(120));
    const err = await graph.get(graphPath`/users/${userId}`, User).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphThrottledError);
    expect(err).toMatchObject({ status: 429, transient: true, retryAfterMs: 120_000 });
    expect(graph.calls.total).toBe(1);
  });

  it('stops after maxRetries and still tells the queue when to come back', async () => {
    const graph = client({}, { maxRetries: 2 });
    double.inject('GET /users/{id}', faults.throttled(), 5);
    const err = await graph.get(graphPath`/users/${userId}`, User).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphThrottledError);
    expect((err as GraphThrottledError).retryAfterMs).toBeGreaterThan(0);
    expect(graph.calls.total).toBe(3);
  });

  it('recovers from an injected expired-token 401 and reports a 403 as a permanent permission error', async () => {
    const graph = client();
    double.inject('GET /users/{id}', faults.expiredToken());
    await expect(graph.get(graphPath`/users/${userId}`, User)).resolves.toMatchObject({ id: userId });
    double.inject('GET /users/{id}/contacts', faults.forbidden());
    const err = await graph.get(graphPath`/users/${userId}/contacts`, z.unknown()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphPermissionError);
    expect(err).toMatchObject({ status: 403, code: 'ErrorAccessDenied', transient: false });
  });

  it('turns a 500 into a transient server error without in-request retries', async () => {
    const graph = client();
    double.inject('GET /users/{id}', faults.serverError());
    const err = await graph.get(graphPath`/users/${userId}`, User).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphServerError);
    expect(err).toMatchObject({ status: 500, transient: true });
    expect(graph.calls.total).toBe(1);
  });

  it('turns a hung request into GraphTimeoutError', async () => {
    const logger = new MemoryLogger();
    const graph = client({}, { timeoutMs: 300, logger });
    await graph.get(graphPath`/users/${userId}`, User);
    double.inject('GET /users/{id}/contacts/{id}', faults.hang());
    const err = await graph.get(graphPath`/users/${userId}/contacts/${'AAMkADx='}`, Contact).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphTimeoutError);
    expect(err).toMatchObject({ transient: true, endpoint: 'GET /users/{id}/contacts/{id}' });
    expect(logger.text()).not.toContain('adele@contoso.com');
  });
});
