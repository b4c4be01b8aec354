import {
  AuthenticationError,
  AzureAuthorityHosts,
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { GraphApiError, GraphAuthenticationError, GraphConnectionError, GraphServerError } from './errors';

export interface GraphCredentialSettings {
  authorityHost: string;
  tenantId: string;
  /** The app registration; with managed identity, the user-assigned identity's client id (or ''). */
  clientId: string;
  clientSecret?: string;
  /** PEM private key + certificate as text: a Key Vault certificate through a Key Vault reference (Flex has no certificate store). */
  certificate?: string;
  certificatePath?: string;
  /**
   * Client id of the user-assigned managed identity that the app registration trusts through a
   * federated identity credential: its token is the client assertion, so no secret exists anywhere.
   */
  federatedIdentityClientId?: string;
  /** Replaces that managed identity (tests, tools). */
  assertionSource?: TokenCredential;
}

/** The audience a managed identity's token must carry to be a federated assertion (public cloud). */
export const FEDERATED_ASSERTION_SCOPE = 'api://AzureADTokenExchange/.default';

const MICROSOFT_AUTHORITIES = new Set<string>(Object.values(AzureAuthorityHosts).map((h) => new URL(h).host));

/**
 * Secret, then certificate (text, then file), then a managed identity as federated credential of
 * the app registration, then DefaultAzureCredential (a managed identity that is itself granted the
 * Graph roles, or a developer's `az login`). Instance discovery asks login.microsoftonline.com whether the authority is
 * known; for any other host (a sovereign proxy, the test double) it must be switched off or the
 * credential fails before reaching the authority.
 */
export function createCredential(settings: GraphCredentialSettings): TokenCredential {
  const authorityHost = settings.authorityHost.replace(/\/+$/, '');
  const disableInstanceDiscovery = !MICROSOFT_AUTHORITIES.has(new URL(authorityHost).host);
  const options = { authorityHost, disableInstanceDiscovery };
  if (settings.clientSecret) {
    return new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, options);
  }
  if (settings.certificate) {
    return new ClientCertificateCredential(settings.tenantId, settings.clientId, { certificate: settings.certificate }, options);
  }
  if (settings.certificatePath) {
    return new ClientCertificateCredential(settings.tenantId, settings.clientId, { certificatePath: settings.certificatePath }, options);
  }
  if (settings.federatedIdentityClientId || settings.assertionSource) {
    const source = settings.assertionSource ?? new ManagedIdentityCredential({ clientId: settings.federatedIdentityClientId! });
    return new ClientAssertionCredential(settings.tenantId, settings.clientId, async () => {
      const token = await source.getToken(FEDERATED_ASSERTION_SCOPE);
      if (!token) throw new Error('the managed identity returned no token for the federated assertion');
      return token.token;
    }, options);
  }
  // GRAPH_CLIENT_ID names the app registration, not an identity: a system-assigned identity takes
  // no client id, and a user-assigned one is named by AZURE_CLIENT_ID, which the credential reads.
  return new DefaultAzureCredential({ ...options, tenantId: settings.tenantId });
}

/**
 * A credential that can be replaced by a fresh one. MSAL keeps a token until shortly before its
 * stated expiry; when Graph rejects it earlier (revocation, clock skew, a test double's
 * "expire all"), the only way to force a new token is a new credential with an empty cache.
 * The generation number stops N parallel 401s from renewing N times.
 */
export class RenewableCredential implements TokenCredential {
  private current: TokenCredential;
  private gen = 0;

  constructor(private readonly factory: () => TokenCredential) {
    this.current = factory();
  }

  get generation(): number {
    return this.gen;
  }

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    return this.current.getToken(scopes, options);
  }

  /** Drops the cached token unless someone already did since `seenGeneration`. */
  renew(seenGeneration: number): void {
    if (seenGeneration !== this.gen) return;
    this.current = this.factory();
    this.gen += 1;
  }
}

/**
 * Maps a failure of the token request to our error types. @azure/identity wraps most of MSAL's
 * errors in AuthenticationRequiredError and keeps only the message, which starts with Entra's
 * error code ("invalid_client: Error(s): 7000215 - ..."); that code and the AADSTS number are
 * what we keep, never the rest of the description.
 */
export function tokenError(err: unknown, endpoint: string): GraphApiError {
  if (err instanceof GraphApiError) return err;
  // Duck-typed: errors raised inside fetch (DOMException) do not share this realm's Error.
  const e = (err ?? {}) as { name?: unknown; message?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const text = typeof e.message === 'string' ? e.message : String(err);
  if (err instanceof AuthenticationError) {
    const status = err.statusCode;
    const body = err.errorResponse;
    const code = body?.error || 'TokenRequestFailed';
    const aadsts = body?.errorCodes?.length ? ` (AADSTS${body.errorCodes[0]})` : aadstsOf(body?.errorDescription);
    const message = `Token request for ${endpoint} failed: ${status} ${code}${aadsts}`;
    if (status >= 500 || status === 429) return new GraphServerError({ status, code, message, endpoint });
    return new GraphAuthenticationError({ status, code, message, endpoint });
  }
  const entra = /^([a-z_]+): Error\(s\): (\d+)/.exec(text);
  if (entra) {
    const [, code, number] = entra;
    const message = `Token request for ${endpoint} failed: ${code} (AADSTS${number})`;
    if (code === 'temporarily_unavailable' || code === 'server_error') return new GraphServerError({ status: 503, code, message, endpoint });
    return new GraphAuthenticationError({ status: code === 'invalid_client' ? 401 : 400, code, message, endpoint });
  }
  // MSAL cannot tell "wrong tenant" from "authority unreachable" here (both fail the metadata
  // request); a bad tenant id is caught at deployment, a network blip must be retried.
  if (/endpoints_resolution_error|network_error|fetch failed|ECONNREFUSED|ETIMEDOUT/i.test(text)) {
    return new GraphConnectionError({ status: 0, code: 'AuthorityUnreachable', message: `Token endpoint for ${endpoint} could not be reached or resolved (authority host or tenant id)`, endpoint });
  }
  if (name === 'CredentialUnavailableError') {
    return new GraphAuthenticationError({ status: 0, code: name, message: `No Graph credential available for ${endpoint}`, endpoint });
  }
  return new GraphServerError({ status: 0, code: 'TokenRequestFailed', message: `Token request for ${endpoint} failed (${name})`, endpoint });
}

function aadstsOf(description: string | undefined): string {
  const m = description ? /AADSTS\d+/.exec(description) : null;
  return m ? ` (${m[0]})` : '';
}
