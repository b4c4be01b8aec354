import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * The tenant's token signing keys as Entra publishes them (identity.md): a JWKS at
 * `{authority}/{tenant}/discovery/v2.0/keys` named by the OpenID metadata's `jwks_uri`, RSA keys
 * selected by `kid`. Tests mint real RS256 access tokens with them, for users (delegated, `scp`)
 * and for apps (`roles`), and can roll the keys over the way Entra does.
 */
interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface MintOptions {
  /** seconds from now; negative = already expired */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  /** sign with a key the tenant never published (a forged token) */
  foreignKey?: boolean;
  /** header `kid`; defaults to the signing key's */
  kid?: string;
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID().replace(/-/g, ''), privateKey, publicKey };
}

export class TenantSigningKeys {
  private keys: SigningKey[] = [newKey()];
  private readonly foreign = newKey();
  /** JWKS downloads served (tests check that keys are cached). */
  jwksFetches = 0;

  constructor(private readonly defaults: () => { issuer: string; audience: string; tenantId: string }) {}

  jwks(): { keys: Record<string, unknown>[] } {
    this.jwksFetches += 1;
    return { keys: this.keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, kty: 'RSA', use: 'sig' })) };
  }

  /** A new key signs from now on; the old one stays published (Entra's overlap during a roll-over). */
  rollOver(): void {
    this.keys = [newKey(), ...this.keys];
  }

  async mint(claims: Record<string, unknown>, opts: MintOptions = {}): Promise<string> {
    const d = this.defaults();
    const key = opts.foreignKey ? this.foreign : this.keys[0];
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = opts.expiresIn ?? 3600;
    return new SignJWT({ tid: d.tenantId, ver: '2.0', ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: opts.kid ?? key.kid })
      .setIssuer(opts.issuer ?? d.issuer)
      .setAudience(opts.audience ?? d.audience)
      .setIssuedAt(Math.min(now, now + expiresIn - 60))
      .setNotBefore(Math.min(now, now + expiresIn - 60))
      .setExpirationTime(now + expiresIn)
      .sign(key.privateKey);
  }

  /** A user's delegated token for this app, as an Outlook add-in obtains it. */
  userToken(oid: string, claims: Record<string, unknown> = {}, opts: MintOptions = {}): Promise<string> {
    return this.mint({ oid, sub: randomUUID(), scp: 'access_as_user', azp: randomUUID(), ...claims }, opts);
  }

  /** An app-only (client-credentials) token carrying app roles. */
  appToken(roles: string[], claims: Record<string, unknown> = {}, opts: MintOptions = {}): Promise<string> {
    const appId = randomUUID();
    return this.mint({ oid: randomUUID(), sub: randomUUID(), azp: appId, roles, idtyp: 'app', ...claims }, opts);
  }

  /** `alg: none`: a token with no signature at all. */
  unsigned(claims: Record<string, unknown>): string {
    const d = this.defaults();
    const now = Math.floor(Date.now() / 1000);
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: d.issuer, aud: d.audience, tid: d.tenantId, iat: now, nbf: now, exp: now + 3600, scp: 'access_as_user', ...claims })}.`;
  }
}
