/**
 * The accounts server: POST /oauth/v2/token with the refresh-token grant, and the access tokens
 * the CRM routes accept. Bodies and limits are Zoho's (zoho.md §1):
 * - success `{ access_token, api_domain, token_type: "Bearer", expires_in: 3600 }`, no new
 *   refresh token;
 * - refusals with HTTP 200 and `{ error }`: `invalid_client`, `invalid_code`, and after ten
 *   refreshes within ten minutes for one refresh token the "Access Denied" throttle answer;
 * - at most fifteen live access tokens per refresh token: the sixteenth evicts the oldest.
 */
import { randomBytes } from 'node:crypto';
import { errors, json, type Reply } from './respond';
import type { DoubleState } from './state';

export interface AccountsOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenTtlSeconds: number;
  refreshLimit: number;
  refreshWindowMs: number;
  maxLiveTokens: number;
}

interface IssuedToken {
  refreshToken: string;
  expiresAt: number;
  revoked: boolean;
  evicted: boolean;
}

export const THROTTLE_BODY = {
  error_description: 'You have made too many requests continuously. Please try again after some time.',
  error: 'Access Denied',
  status: 'failure',
};

export class Accounts {
  readonly refreshTokens = new Set<string>();
  private readonly issued = new Map<string, IssuedToken>();
  private readonly refreshTimes = new Map<string, number[]>();
  /** Successful refreshes since the last reset. */
  refreshCount = 0;
  /** Every token request, refused ones included. */
  tokenRequests = 0;

  constructor(
    private readonly state: DoubleState,
    readonly options: AccountsOptions,
  ) {
    this.refreshTokens.add(options.refreshToken);
  }

  reset(): void {
    this.issued.clear();
    this.refreshTimes.clear();
    this.refreshTokens.clear();
    this.refreshTokens.add(this.options.refreshToken);
    this.refreshCount = 0;
    this.tokenRequests = 0;
  }

  /** POST /oauth/v2/token; parameters may come in the query string or a form body. */
  token(params: URLSearchParams): Reply {
    this.tokenRequests += 1;
    if (params.get('grant_type') !== 'refresh_token') return json(200, { error: 'unsupported_grant_type' });
    if (params.get('client_id') !== this.options.clientId || params.get('client_secret') !== this.options.clientSecret) {
      return json(200, { error: 'invalid_client' });
    }
    const refreshToken = params.get('refresh_token') ?? '';
    if (!this.refreshTokens.has(refreshToken)) return json(200, { error: 'invalid_code' });
    const now = this.state.now();
    const recent = (this.refreshTimes.get(refreshToken) ?? []).filter((t) => now - t < this.options.refreshWindowMs);
    if (recent.length >= this.options.refreshLimit) {
      this.refreshTimes.set(refreshToken, recent);
      return json(200, THROTTLE_BODY);
    }
    recent.push(now);
    this.refreshTimes.set(refreshToken, recent);
    this.refreshCount += 1;
    const accessToken = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    this.issued.set(accessToken, { refreshToken, expiresAt: now + this.options.tokenTtlSeconds * 1000, revoked: false, evicted: false });
    this.evictBeyondLimit(refreshToken);
    return json(200, { access_token: accessToken, api_domain: this.state.origin, token_type: 'Bearer', expires_in: this.options.tokenTtlSeconds });
  }

  /** Checks `Authorization: Zoho-oauthtoken <token>`; undefined means accepted. */
  authorize(header: string | undefined): Reply | undefined {
    const m = /^Zoho-oauthtoken\s+(\S+)$/.exec(header ?? '');
    if (!m) return errors.authenticationFailure();
    const t = this.issued.get(m[1]);
    if (!t || t.revoked || t.expiresAt <= this.state.now()) return errors.invalidToken();
    if (t.evicted) return errors.evictedToken();
    return undefined;
  }

  /** Every issued access token stops working (as after expiry); refresh tokens stay valid. */
  expireAccessTokens(): void {
    for (const t of this.issued.values()) t.revoked = true;
  }

  /** The refresh token is revoked: refreshes answer `invalid_code`. */
  revokeRefreshToken(token = this.options.refreshToken): void {
    this.refreshTokens.delete(token);
  }

  liveTokens(): number {
    const now = this.state.now();
    return [...this.issued.values()].filter((t) => !t.revoked && !t.evicted && t.expiresAt > now).length;
  }

  private evictBeyondLimit(refreshToken: string): void {
    const now = this.state.now();
    const live = [...this.issued.values()].filter((t) => t.refreshToken === refreshToken && !t.revoked && !t.evicted && t.expiresAt > now);
    // Map iteration is insertion order, so the first entries are the oldest.
    for (let i = 0; i < live.length - this.options.maxLiveTokens; i += 1) live[i].evicted = true;
  }
}
