/**
 * Token handling against the double's accounts server: single-flight refresh, the shared store,
 * refresh-once on INVALID_TOKEN, and the refresh rate limit surfacing as a typed error.
 */
import { ZohoAuthenticationError, ZohoOAuthError } from '../../lib/zoho/errors';
import { TableStore } from '../../lib/state/tables';
import { TableZohoTokenStore } from '../../lib/state/zoho-token';
import { MemoryTokenStore } from '../../lib/zoho/token-store';
import { clientFor } from '../doubles/zoho/harness';
import { startZohoDouble, type ZohoDouble } from '../doubles/zoho';
import { startAzurite, type Azurite } from '../support/azurite';

let double: ZohoDouble;
let azurite: Azurite;

beforeAll(async () => {
  [double, azurite] = await Promise.all([startZohoDouble(), startAzurite()]);
});
afterAll(async () => {
  await Promise.all([double.stop(), azurite.close()]);
});
beforeEach(() => double.reset());

test('ten concurrent calls cause one refresh', async () => {
  const { client, calls } = clientFor(double);
  await Promise.all(Array.from({ length: 10 }, () => client.getOrg()));
  expect(double.refreshCount).toBe(1);
  expect(calls.snapshot()['POST /oauth/v2/token']).toBe(1);
  expect(double.count('GET /crm/v8/org')).toBe(10);
});

test('the token answer names the api domain; requests carry Zoho-oauthtoken', async () => {
  const { client, tokens } = clientFor(double);
  await client.getOrg();
  expect(tokens.apiDomain).toBe(double.apiDomain);
  const [req] = double.requestsTo('GET /crm/v8/org');
  expect(req.headers.authorization).toMatch(/^Zoho-oauthtoken 1000\.[0-9a-f]+\.[0-9a-f]+$/);
  const [grant] = double.requestsTo('POST /oauth/v2/token');
  expect(grant.body).toMatchObject({ grant_type: 'refresh_token', client_id: double.credentials.clientId });
});

test('a second client sharing the token store makes no refresh', async () => {
  const store = new MemoryTokenStore();
  await clientFor(double, { store }).client.getOrg();
  const second = clientFor(double, { store });
  await second.client.getOrg();
  expect(double.refreshCount).toBe(1);
  expect(second.calls.snapshot()['POST /oauth/v2/token']).toBeUndefined();
});

test('two instances refreshing at once converge on the stored token', async () => {
  const store = new MemoryTokenStore();
  const a = clientFor(double, { store });
  const b = clientFor(double, { store });
  const [ta, tb] = await Promise.all([a.tokens.getToken(), b.tokens.getToken()]);
  // The refresh is leased in the store: one instance asks Zoho, the other waits for its token.
  const stored = await store.read();
  expect([ta, tb].every((t) => t === stored?.token)).toBe(true);
  expect(double.refreshCount).toBe(1);
});

test('a token due for refresh: one instance refreshes, the others keep using the old one meanwhile', async () => {
  let now = Date.now();
  const store = new MemoryTokenStore();
  const instances = Array.from({ length: 4 }, () => clientFor(double, { store, tokens: { now: () => now } }));
  await instances[0].client.getOrg();
  const old = (await store.read())!.token;
  now += 56 * 60_000; // inside the 5-minute margin, still valid
  double.setLatency(50);
  try {
    const tokens = await Promise.all(instances.map((i) => i.tokens.getToken()));
    expect(double.refreshCount).toBe(2);
    // Whoever did not hold the lease got the old, still valid token rather than a refresh of its own.
    expect(tokens.filter((t) => t !== old)).toHaveLength(1);
  } finally {
    double.setLatency(0);
  }
  await Promise.all(instances.map((i) => i.client.getOrg()));
  expect(double.refreshCount).toBe(2);
});

test('a token near expiry is refreshed before use', async () => {
  let now = Date.now();
  const { client } = clientFor(double, { tokens: { now: () => now } });
  await client.getOrg();
  now += 56 * 60_000; // 4 minutes left: inside the 5-minute margin
  await client.getOrg();
  expect(double.refreshCount).toBe(2);
});

test('INVALID_TOKEN: one refresh, one retry, then success', async () => {
  const { client, calls } = clientFor(double);
  await client.getOrg();
  double.expireAccessTokens();
  const org = await client.getOrg();
  expect(org.paidType).toBe('enterprise');
  expect(double.refreshCount).toBe(2);
  expect(calls.snapshot()['GET /crm/v8/org']).toBe(3);
});

test('INVALID_TOKEN twice in a row is thrown after a single refresh', async () => {
  const { client } = clientFor(double);
  double.fault({ match: 'GET /crm/v8/org', times: 2, response: { kind: 'invalidToken' } });
  const err = await client.getOrg().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ZohoAuthenticationError);
  expect((err as ZohoAuthenticationError).code).toBe('INVALID_TOKEN');
  expect(double.refreshCount).toBe(2);
});

test('concurrent INVALID_TOKEN answers share one refresh', async () => {
  const { client } = clientFor(double);
  await client.getOrg();
  double.expireAccessTokens();
  await Promise.all(Array.from({ length: 5 }, () => client.getOrg()));
  expect(double.refreshCount).toBe(2);
});

test('the refresh rate limit surfaces as a typed, transient ZohoOAuthError and is waited out', async () => {
  let now = Date.now();
  const sharedStore = new MemoryTokenStore();
  const { client } = clientFor(double, { store: sharedStore, tokens: { now: () => now } });
  for (let i = 0; i < 10; i += 1) {
    double.expireAccessTokens();
    now += 1; // keep our own cache honest; the double's tokens are revoked anyway
    await client.getOrg();
  }
  expect(double.refreshCount).toBe(10);
  double.expireAccessTokens();
  const err = await client.getOrg().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ZohoOAuthError);
  const oauth = err as ZohoOAuthError;
  expect(oauth.code).toBe('Access Denied');
  expect(oauth.rateLimited).toBe(true);
  expect(oauth.transient).toBe(true);
  expect(oauth.retryAfterMs).toBe(600_000);
  // Within the window no further refresh is attempted: each try would extend Zoho's ban.
  const requests = double.accounts.tokenRequests;
  const again = (await client.getOrg().catch((e: unknown) => e)) as ZohoOAuthError;
  expect(again).toBeInstanceOf(ZohoOAuthError);
  expect(again.transient).toBe(true);
  expect(again.retryAfterMs).toBeGreaterThan(9 * 60_000);
  expect(double.accounts.tokenRequests).toBe(requests);
  // Nor from another instance sharing the token store.
  const other = clientFor(double, { store: sharedStore, tokens: { now: () => now } });
  await expect(other.client.getOrg()).rejects.toMatchObject({ name: 'ZohoOAuthError', rateLimited: true });
  expect(double.accounts.tokenRequests).toBe(requests);
  // After the ten-minute window the refresh works again.
  double.advanceTime(10 * 60_000 + 1);
  now += 10 * 60_000 + 1;
  await expect(client.getOrg()).resolves.toMatchObject({ paidType: 'enterprise' });
});

test('a revoked refresh token is a permanent invalid_code error, with no secret in the message', async () => {
  double.accounts.revokeRefreshToken();
  const { client, logger } = clientFor(double);
  const err = (await client.getOrg().catch((e: unknown) => e)) as ZohoOAuthError;
  expect(err).toBeInstanceOf(ZohoOAuthError);
  expect(err.code).toBe('invalid_code');
  expect(err.transient).toBe(false);
  expect(err.message).not.toContain(double.credentials.refreshToken);
  expect(logger.text()).not.toContain(double.credentials.clientSecret);
  expect(logger.text()).not.toContain(double.credentials.refreshToken);
});

test('wrong client secret is invalid_client', async () => {
  const { client } = clientFor(double, { tokens: { clientSecret: 'wrong' } });
  await expect(client.getOrg()).rejects.toMatchObject({ name: 'ZohoOAuthError', code: 'invalid_client' });
});

test('an unreachable token store does not stop the client', async () => {
  const broken = { read: async () => { throw new Error('table down'); }, write: async () => { throw new Error('table down'); } };
  const { client, logger } = clientFor(double, { store: broken });
  await expect(client.getOrg()).resolves.toMatchObject({ id: expect.any(String) });
  await client.getOrg();
  expect(double.refreshCount).toBe(1);
  expect(logger.lines.filter((l) => l.message === 'zoho token store unavailable').length).toBeGreaterThan(0);
});

test('instances with their own Table Storage clients share one token and one refresh', async () => {
  // Each instance opens the table itself, as separate Function hosts do.
  const store = () => new TableZohoTokenStore(new TableStore(azurite.connectionString, 'tokentest'));
  const instances = Array.from({ length: 3 }, () => clientFor(double, { store: store() }));
  double.setLatency(30);
  try {
    await Promise.all(instances.map((i) => i.client.getOrg()));
  } finally {
    double.setLatency(0);
  }
  expect(double.refreshCount).toBe(1);
  const stored = await store().read();
  expect(stored).toMatchObject({ token: expect.stringMatching(/^1000\./), refreshingUntil: 0 });
  expect(stored!.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
  // A later instance reuses it without asking Zoho.
  await clientFor(double, { store: store() }).client.getOrg();
  expect(double.refreshCount).toBe(1);
});
