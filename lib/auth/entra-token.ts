/**
 * Entra ID access tokens issued to this app (identity.md): signature against the tenant's keys
 * (OpenID metadata → jwks_uri, selected by `kid`, RS256 only), issuer, audience, lifetime and
 * `tid`. The JOSE work is jose's; this module only decides which claims we demand.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { isObjectId } from '../ids';

/** The delegated scope an Outlook add-in asks for (Office SSO / nested app authentication). */
export const USER_SCOPE = 'access_as_user';
/** The app role a script's client-credentials token must carry to act for any mailbox. */
export const APP_ROLE = 'Mail.File.All';

export type TokenPrincipal = { kind: 'user'; oid: string } | { kind: 'app'; appId: string };

/** A refused token: 401 (not a valid token for us) or 403 (valid, but not allowed here). */
export class AuthError extends Error {
  constructor(readonly status: 401 | 403 | 503, message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface TokenValidatorOptions {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  /** more accepted audiences, e.g. an add-in's `api://{host}/{client id}` Application ID URI */
  extraAudiences?: readonly string[];
  /** seconds of clock skew allowed on exp/nbf */
  clockToleranceSeconds?: number;
  /** floor between two key downloads when a token names an unknown `kid` (keys roll over) */
  keyRefetchCooldownMs?: number;
}

const OpenIdMetadata = z.object({ issuer: z.string().url(), jwks_uri: z.string().url() });
type Keys = ReturnType<typeof createRemoteJWKSet>;

/** One per process: the metadata and the key set (jose caches keys and refetches on an unknown kid). */
export class EntraTokenValidator {
  private keys?: Promise<{ issuer: string; jwks: Keys }>;

  constructor(private readonly opts: TokenValidatorOptions) {}

  async verify(token: string): Promise<TokenPrincipal> {
    const { issuer, jwks } = await this.discovery();
    const { clientId, tenantId } = this.opts;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        // v2.0 tokens name the metadata's issuer, v1.0 tokens (accessTokenAcceptedVersion null/1) sts.windows.net.
        issuer: [issuer, `https://sts.windows.net/${tenantId}/`],
        audience: [clientId, `api://${clientId}`, ...(this.opts.extraAudiences ?? [])],
        clockTolerance: this.opts.clockToleranceSeconds ?? 120,
        requiredClaims: ['exp', 'tid'],
      }));
    } catch (err) {
      throw refusal(err);
    }
    if (typeof claims.tid !== 'string' || claims.tid.toLowerCase() !== tenantId.toLowerCase()) throw new AuthError(401, 'The token was issued for another tenant');
    const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : undefined;
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    if (scopes) {
      if (!scopes.includes(USER_SCOPE)) throw new AuthError(403, `The token lacks the ${USER_SCOPE} scope`);
      if (typeof claims.oid !== 'string' || !isObjectId(claims.oid)) throw new AuthError(401, 'The token names no user (oid)');
      return { kind: 'user', oid: claims.oid.toLowerCase() };
    }
    if (!roles.includes(APP_ROLE)) throw new AuthError(403, `An app-only token needs the ${APP_ROLE} app role`);
    const appId = typeof claims.azp === 'string' ? claims.azp : typeof claims.appid === 'string' ? claims.appid : 'unknown';
    return { kind: 'app', appId };
  }

  private discovery(): Promise<{ issuer: string; jwks: Keys }> {
    this.keys ??= (async () => {
      const url = `${this.opts.authorityHost}/${this.opts.tenantId}/v2.0/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`OpenID metadata answered ${res.status}`);
      const meta = OpenIdMetadata.parse(await res.json());
      return { issuer: meta.issuer, jwks: createRemoteJWKSet(new URL(meta.jwks_uri), { cooldownDuration: this.opts.keyRefetchCooldownMs ?? 30_000, cacheMaxAge: 3_600_000, timeoutDuration: 10_000 }) };
    })().catch((err: unknown) => {
      // Not cached: the next request tries again.
      this.keys = undefined;
      throw new AuthError(503, `The tenant's signing keys cannot be read right now (${(err as Error).name}); try again shortly`);
    });
    return this.keys;
  }
}

function refusal(err: unknown): AuthError {
  if (err instanceof joseErrors.JWTExpired) return new AuthError(401, 'The token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) return new AuthError(401, `The token's ${err.claim} claim is not accepted here`);
  if (err instanceof joseErrors.JWKSTimeout) return new AuthError(503, "The tenant's signing keys cannot be read right now; try again shortly");
  if (err instanceof joseErrors.JOSEError) return new AuthError(401, 'The token is not a valid signed token of this tenant');
  return new AuthError(503, "The tenant's signing keys cannot be read right now; try again shortly");
}
