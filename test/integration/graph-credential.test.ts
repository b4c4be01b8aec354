/**
 * Graph credentials without a client secret, against the Graph double's Entra token endpoint:
 * a certificate given as text (what a Key Vault reference to a Key Vault certificate yields on
 * Flex Consumption, which has no certificate store) and a user-assigned managed identity trusted
 * by the app registration as a federated identity credential.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { createGraphClient } from '../../lib/graph/client';
import { FEDERATED_ASSERTION_SCOPE } from '../../lib/graph/credential';
import { graphPath } from '../../lib/graph/path';
import { startGraphDouble, type GraphDouble } from '../doubles/graph';

const User = z.object({ id: z.string() });
let double: GraphDouble;

beforeAll(async () => {
  double = await startGraphDouble();
});
afterAll(() => double.close());

test('a certificate given as PEM text (Key Vault reference) authenticates', async () => {
  const tls = path.resolve(__dirname, '../fixtures/tls');
  const cert = readFileSync(path.join(tls, 'server.pem'), 'utf8');
  const pem = readFileSync(path.join(tls, 'server.key'), 'utf8') + cert;
  const user = double.addUser({ userPrincipalName: 'kvcert@contoso.com' });
  double.tokens.registerApp({ clientId: double.clientId, certificatePem: cert });
  const graph = createGraphClient({ ...double.settings({ clientSecret: undefined }), certificate: pem }, { timeoutMs: 2_000 });
  await expect(graph.get(graphPath`/users/${user.id}`, User)).resolves.toMatchObject({ id: user.id });
});

/** Stands in for the user-assigned managed identity: signs what Entra would sign for it. */
class ManagedIdentityDouble implements TokenCredential {
  readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly scopes: string[] = [];
  constructor(readonly issuer: string, readonly principalId: string) {}

  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: this.issuer, sub: this.principalId, aud: 'api://AzureADTokenExchange', iat: now, nbf: now, exp: now + 3600 })}`;
    const signature = sign('sha256', Buffer.from(unsigned), this.keys.privateKey).toString('base64url');
    return { token: `${unsigned}.${signature}`, expiresOnTimestamp: (now + 3600) * 1000 };
  }
}

test('a managed identity as federated credential of the app registration authenticates, with no secret', async () => {
  const issuer = `https://login.microsoftonline.com/${double.tenantId}/v2.0`;
  const identity = new ManagedIdentityDouble(issuer, '0b3c5d7e-0000-4000-8000-00000000f1c0');
  const user = double.addUser({ userPrincipalName: 'fic@contoso.com' });
  const settings = { ...double.settings({ clientSecret: undefined }), assertionSource: identity };

  // Before the app registration trusts the identity, Entra refuses the assertion.
  await expect(createGraphClient(settings, { timeoutMs: 2_000 }).get(graphPath`/users/${user.id}`, User)).rejects.toMatchObject({ code: 'invalid_client' });

  double.tokens.registerApp({
    clientId: double.clientId,
    federated: { issuer, subject: identity.principalId, audience: 'api://AzureADTokenExchange', issuerKeyPem: identity.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  });
  await expect(createGraphClient(settings, { timeoutMs: 2_000 }).get(graphPath`/users/${user.id}`, User)).resolves.toMatchObject({ id: user.id });
  expect(new Set(identity.scopes)).toEqual(new Set([FEDERATED_ASSERTION_SCOPE]));
});
