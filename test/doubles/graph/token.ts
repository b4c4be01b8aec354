import { createPublicKey, randomBytes, randomUUID, verify, constants as cryptoConstants, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphHttpError, headerValue, json, type DoubleRequest, type DoubleResponse } from './http';
import type { Router } from './router';
import type { TenantSigningKeys } from './signing';
import type { GraphStore } from './store';

/**
 * The Entra ID endpoints MSAL node (inside @azure/identity 4.13) calls for the client-credentials
 * flow when instance discovery is disabled — found by pointing ClientSecretCredential at a
 * logging server:
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   POST /{tenant}/oauth2/v2.0/token   (form: client_id, client_secret | client_assertion, scope, grant_type)
 * `/common/discovery/instance` is served as well for clients that keep instance discovery on.
 * Errors use Entra's body: { error, error_description: "AADSTSnnn: ...", error_codes, ... }.
 */
export interface AppRegistration {
  clientId: string;
  secrets: string[];
  /** PEM certificates whose keys may sign client assertions (ClientCertificateCredential). */
  certificates: string[];
  /**
   * Federated identity credentials: a token from `issuer` about `subject` for `audience` is the
   * assertion (a managed identity's token, ClientAssertionCredential). `issuerKeyPem` stands in for
   * the issuer's published signing key.
   */
  federated: FederatedCredential[];
}

export interface FederatedCredential {
  issuer: string;
  subject: string;
  audience: string;
  issuerKeyPem: string;
}

interface IssuedToken {
  clientId: string;
  expiresAt: number;
  audience: string;
}

export class TokenIssuer {
  private readonly apps = new Map<string, AppRegistration>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Tokens handed out so far (tests assert that a renewal happened). */
  issuedCount = 0;

  constructor(private readonly lifetimeSeconds: number) {}

  registerApp(app: { clientId: string; secret?: string; certificatePem?: string; federated?: FederatedCredential }): void {
    const existing = this.apps.get(app.clientId) ?? { clientId: app.clientId, secrets: [], certificates: [], federated: [] };
    if (app.secret) existing.secrets.push(app.secret);
    if (app.certificatePem) existing.certificates.push(app.certificatePem);
    if (app.federated) existing.federated.push(app.federated);
    this.apps.set(app.clientId, existing);
  }

  app(clientId: string): AppRegistration | undefined {
    return this.apps.get(clientId);
  }

  issue(clientId: string, audience: string): { token: string; expiresIn: number } {
    const token = `dbl.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { clientId, audience, expiresAt: Date.now() + this.lifetimeSeconds * 1000 });
    this.issuedCount += 1;
    return { token, expiresIn: this.lifetimeSeconds };
  }

  /** Test hook: every token issued so far is rejected from now on (clients must fetch new ones). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  /** Graph's bearer check: 401 InvalidAuthenticationToken with Graph's messages. */
  authenticate(headers: IncomingHttpHeaders, audience: string): IssuedToken {
    const auth = headerValue(headers, 'authorization');
    const challenge = {
      'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
    };
    if (!auth || !/^Bearer\s+\S+/i.test(auth)) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
    const token = this.tokens.get(auth.replace(/^Bearer\s+/i, '').trim());
    if (!token) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, there are no dots (.).', challenge);
    if (token.expiresAt <= Date.now()) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.', challenge);
    if (token.audience !== audience) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.', challenge);
    return token;
  }
}

export interface AuthorityContext {
  origin: string;
  tenantId: string;
  store: GraphStore;
  issuer: TokenIssuer;
  signing: TenantSigningKeys;
}

export function registerAuthority(router: Router, ctx: AuthorityContext): void {
  router.get('/{tenant}/v2.0/.well-known/openid-configuration', (req) => {
    const tenant = requireTenant(ctx, req.params.tenant);
    const base = `${ctx.origin}/${tenant}`;
    return json(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${ctx.origin}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${ctx.origin}/${tenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${ctx.origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'WW',
      cloud_instance_name: new URL(ctx.origin).host,
      cloud_graph_host_name: new URL(ctx.origin).host,
      msgraph_host: new URL(ctx.origin).host,
    });
  });

  router.get('/{tenant}/discovery/v2.0/keys', (req) => {
    requireTenant(ctx, req.params.tenant);
    return json(200, ctx.signing.jwks());
  });

  router.get('/common/discovery/instance', () => {
    const host = new URL(ctx.origin).host;
    return json(200, {
      tenant_discovery_endpoint: `${ctx.origin}/${ctx.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });

  router.post('/{tenant}/oauth2/v2.0/token', (req) => token(ctx, req));
}

function token(ctx: AuthorityContext, req: DoubleRequest): DoubleResponse {
  const tenant = requireTenant(ctx, req.params.tenant);
  const form = new URLSearchParams(req.body);
  const clientId = form.get('client_id') ?? '';
  if (form.get('grant_type') !== 'client_credentials') {
    return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  }
  const app = ctx.issuer.app(clientId);
  if (!app) {
    return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  const scope = form.get('scope') ?? '';
  const audience = ctx.origin;
  if (!scope.split(' ').includes(`${audience}/.default`)) {
    return aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (secret !== null) {
    if (!app.secrets.includes(secret)) {
      return aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
  } else if (assertion !== null) {
    const problem = checkAssertion(assertion, app, `${ctx.origin}/${req.params.tenant}/oauth2/v2.0/token`);
    if (problem) return aadError(401, 'invalid_client', problem.code, problem.message);
  } else {
    return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  const issued = ctx.issuer.issue(clientId, audience);
  return json(200, { token_type: 'Bearer', expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token }, { 'Content-Type': 'application/json; charset=utf-8' });
}

function requireTenant(ctx: AuthorityContext, tenant: string): string {
  const known = tenant.toLowerCase() === ctx.tenantId.toLowerCase() || ctx.store.domains.some((d) => d.id.toLowerCase() === tenant.toLowerCase());
  if (!known) {
    throw new AadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
  }
  return ctx.tenantId;
}

/**
 * Entra's error body. Thrown as a GraphHttpError subclass so the server writes it as is instead
 * of wrapping it in Graph's `{ error: { code, message } }` shape.
 */
export class AadError extends GraphHttpError {
  readonly body: unknown;
  constructor(status: number, error: string, code: number, description: string) {
    super(status, error, description);
    this.body = aadBody(error, code, description);
  }
}

function aadError(status: number, error: string, code: number, description: string): DoubleResponse {
  return json(status, aadBody(error, code, description), { 'Content-Type': 'application/json; charset=utf-8' });
}

function aadBody(error: string, code: number, description: string): unknown {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

/** A signed JWT from the app's certificate: signature, subject/issuer and audience are checked. */
function checkAssertion(assertion: string, app: AppRegistration, audience: string): { code: number; message: string } | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3) return { code: 50027, message: 'JWT token is invalid or malformed.' };
  let header: { alg?: string };
  let payload: { iss?: string; sub?: string; aud?: string; exp?: number };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { code: 50027, message: 'JWT token is invalid or malformed.' };
  }
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  const signedBy = (pem: string) => {
    const key: KeyObject = createPublicKey(pem);
    if (header.alg === 'PS256') return verify('sha256', data, { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    if (header.alg === 'RS256') return verify('sha256', data, key, signature);
    return false;
  };
  const fic = app.federated.find((f) => f.issuer === payload.iss);
  if (fic) {
    if (payload.sub !== fic.subject || payload.aud !== fic.audience) return { code: 700213, message: `No matching federated identity record found for presented assertion subject '${payload.sub}'.` };
    if (typeof payload.exp === 'number' && payload.exp * 1000 < Date.now()) return { code: 700024, message: 'Client assertion is not within its valid time range.' };
    return signedBy(fic.issuerKeyPem) ? undefined : { code: 700027, message: 'Client assertion failed signature validation.' };
  }
  if (payload.sub !== app.clientId || payload.iss !== app.clientId) return { code: 700021, message: 'Client assertion application identifier doesn\'t match \'client_id\' parameter.' };
  if (payload.aud !== audience) return { code: 700212, message: `No matching federated identity record found for presented assertion audience '${payload.aud}'.` };
  if (typeof payload.exp === 'number' && payload.exp * 1000 < Date.now()) return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  const valid = app.certificates.some(signedBy);
  return valid ? undefined : { code: 700027, message: 'Client assertion failed signature validation.' };
}
