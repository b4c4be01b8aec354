/**
 * Access tokens for a Zoho self-client (refresh-token grant, zoho.md §1).
 *
 * - One refresh at a time per process (single-flight): ten concurrent calls cause one refresh.
 * - Shared across instances through a ZohoTokenStore: a token another instance stored is reused.
 *   A refresh is taken as a lease in the store first (compare-and-swap), so of all instances that
 *   find the token due only one asks Zoho; the others keep using the old token while it is still
 *   valid, or wait briefly for the new one.
 * - Refreshes `refreshMarginMs` (5 min) before expiry, so a token never dies mid-request.
 * - Zoho's refresh throttle ("Access Denied", ten refreshes per ten minutes) is respected: after a
 *   throttled answer neither this process nor, through the lease, any other instance asks again
 *   before the window ends; calls fail fast with a transient error that carries the wait.
 * - `refreshAfterRejection(token)` is what the API client calls on INVALID_TOKEN: it refreshes
 *   only if nobody (in this process or in the store) has already replaced that token.
 *
 * The access token and refresh token are secrets: neither is ever logged.
 */
import { z } from 'zod';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { CallCounter } from '../metrics';
import { dependency } from '../telemetry/signals';
import { REFRESH_THROTTLE_WINDOW_MS, ZohoConnectionError, ZohoOAuthError, ZohoTimeoutError } from './errors';
import { MemoryTokenStore, type StoredZohoToken, type ZohoTokenStore } from './token-store';

/** What the API client needs from a token source (tests may pass a static one). */
export interface ZohoAccessTokenSource {
  getToken(): Promise<string>;
  /** Called after Zoho answered INVALID_TOKEN for `rejected`; returns a different, fresh token. */
  refreshAfterRejection(rejected: string): Promise<string>;
}

export interface ZohoTokenProviderOptions {
  /** e.g. https://accounts.zoho.jp (the data centre of the org) */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  store?: ZohoTokenStore;
  /** Refresh this long before expiry. Default 5 minutes. */
  refreshMarginMs?: number;
  timeoutMs?: number;
  /** When set, a token answer naming another api_domain is logged as a configuration problem. */
  expectedApiDomain?: string;
  calls?: CallCounter;
  logger?: Logger;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const TOKEN_PATH = '/oauth/v2/token';
const LABEL = `POST ${TOKEN_PATH}`;
/** How often, and how many times, an instance without any valid token looks for the lease holder's. */
const LEASE_POLL_MS = 250;
const LEASE_POLLS = 12;

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  api_domain: z.string().optional(),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
});

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class ZohoTokenProvider implements ZohoAccessTokenSource {
  private readonly store: ZohoTokenStore;
  private readonly margin: number;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly doFetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly leaseMs: number;
  private cached?: CachedToken;
  private inflight?: Promise<CachedToken>;
  private lastApiDomain?: string;
  /** Set by a throttled refresh: no refresh from this process before then. */
  private blockedUntil = 0;

  constructor(private readonly options: ZohoTokenProviderOptions) {
    this.store = options.store ?? new MemoryTokenStore();
    this.margin = options.refreshMarginMs ?? 5 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.logger = options.logger ?? silentLogger;
    this.doFetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // Longer than one refresh may take, so a live lease holder is never overtaken.
    this.leaseMs = this.timeoutMs + 5_000;
  }

  /** The api_domain of the last token answer (the DC the org lives in). */
  get apiDomain(): string | undefined {
    return this.lastApiDomain;
  }

  async getToken(): Promise<string> {
    if (this.cached && this.usable(this.cached)) return this.cached.token;
    return (await this.singleFlight(undefined)).token;
  }

  async refreshAfterRejection(rejected: string): Promise<string> {
    if (this.cached && this.cached.token !== rejected && this.usable(this.cached)) return this.cached.token;
    // Callers arriving from now on must join the refresh rather than reuse the dead token.
    if (this.cached?.token === rejected) this.cached = undefined;
    const next = await this.singleFlight(rejected);
    if (next.token !== rejected) return next.token;
    // The flight we joined started before the rejection and returned the same token.
    return (await this.singleFlight(rejected)).token;
  }

  private singleFlight(rejected: string | undefined): Promise<CachedToken> {
    if (!this.inflight) {
      this.inflight = this.load(rejected).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private usable(t: CachedToken, rejected?: string): boolean {
    return t.token !== rejected && t.expiresAt - this.margin > this.now();
  }

  private async load(rejected: string | undefined): Promise<CachedToken> {
    for (let round = 0; ; round += 1) {
      const stored = await this.storeCall('read', () => this.store.read());
      if (stored && this.usable(stored, rejected)) return this.adopt(stored);
      const now = this.now();
      const leaseLeft = (stored?.refreshingUntil ?? 0) - now;
      if (stored && leaseLeft > 0) {
        // Another instance is refreshing. The token it replaces is good until it really expires.
        if (stored.token && stored.token !== rejected && stored.expiresAt > now) return { token: stored.token, expiresAt: stored.expiresAt };
        if (leaseLeft > this.leaseMs || round >= LEASE_POLLS) throw this.refreshPending(leaseLeft);
        await this.sleep(LEASE_POLL_MS);
        continue;
      }
      if (this.blockedUntil > now) throw this.refreshPending(this.blockedUntil - now, true);
      const lease = await this.storeCall('write', () =>
        this.store.write({ token: stored?.token ?? '', expiresAt: stored?.expiresAt ?? 0, refreshingUntil: now + this.leaseMs }, stored?.etag),
      );
      if (lease === false) {
        // Another instance took the lease between our read and write: wait for its token instead.
        if (round >= LEASE_POLLS) throw this.refreshPending(this.leaseMs);
        continue;
      }
      // `undefined`: the store is unreachable; refresh without a lease rather than not at all.
      return this.refreshUnderLease(lease, stored, rejected);
    }
  }

  private async refreshUnderLease(lease: string | undefined, stored: StoredZohoToken | undefined, rejected: string | undefined): Promise<CachedToken> {
    const previous = { token: stored?.token ?? '', expiresAt: stored?.expiresAt ?? 0 };
    let fresh: CachedToken;
    try {
      fresh = await this.refresh();
    } catch (err) {
      if (lease !== undefined) {
        // A throttled refresh keeps the lease for Zoho's window, so no instance asks again before
        // it ends (each refused try may extend the ban); any other failure hands the lease back.
        const until = err instanceof ZohoOAuthError && err.rateLimited ? this.blockedUntil : 0;
        await this.storeCall('write', () => this.store.write({ ...previous, refreshingUntil: until }, lease));
      }
      throw err;
    }
    const written = await this.storeCall('write', () => this.store.write({ ...fresh, refreshingUntil: 0 }, lease ?? stored?.etag));
    if (written === false) {
      // Our lease ran out and another instance stored its own token: use that one.
      const winner = await this.storeCall('read', () => this.store.read());
      if (winner && this.usable(winner, rejected)) return this.adopt(winner);
    }
    this.cached = fresh;
    return fresh;
  }

  private adopt(stored: StoredZohoToken): CachedToken {
    this.cached = { token: stored.token, expiresAt: stored.expiresAt };
    return this.cached;
  }

  /** Transient, with the wait: the queue retries the item once a token can be had. */
  private refreshPending(waitMs: number, throttled = waitMs > this.leaseMs): ZohoOAuthError {
    return new ZohoOAuthError({
      status: 0,
      code: throttled ? 'Access Denied' : 'REFRESH_IN_PROGRESS',
      message: throttled ? 'Zoho throttled access-token refreshes; waiting for its window to end' : 'Another instance is refreshing the Zoho access token',
      retryAfterMs: waitMs,
      endpoint: LABEL,
    });
  }

  /**
   * The shared store is an optimisation for Zoho's refresh budget; when it is unreachable the
   * process keeps working on its own token rather than failing every call.
   */
  private async storeCall<T>(op: 'read' | 'write', fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.logger.warn('zoho token store unavailable', { op, error: err instanceof Error ? err.name : 'unknown' });
      return undefined;
    }
  }

  private async refresh(): Promise<CachedToken> {
    const { accountsUrl, clientId, clientSecret, refreshToken, calls } = this.options;
    const url = `${accountsUrl.replace(/\/+$/, '')}${TOKEN_PATH}`;
    const body = new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken });
    const startedAt = this.now();
    calls?.add(LABEL);
    this.logger.info('zoho access token refresh');
    let response: Response;
    let text: string;
    try {
      ({ response, text } = await dependency({ vendor: 'Zoho', method: 'POST', label: LABEL, origin: new URL(url).origin }, async () => {
        const res = await this.doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        return { response: res, text: await res.text(), status: res.status, headers: res.headers };
      }));
    } catch (err) {
      throw transportError(err, LABEL);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    // The accounts server reports refusals (including its rate limit) with HTTP 200 and `error`.
    const hasError = json && typeof json === 'object' && 'error' in json;
    const parsed = tokenAnswer.safeParse(json);
    if (!response.ok || hasError || !parsed.success) {
      const err = ZohoOAuthError.fromTokenResponse(response.status, json, LABEL);
      if (err.rateLimited) this.blockedUntil = this.now() + (err.retryAfterMs ?? REFRESH_THROTTLE_WINDOW_MS);
      this.logger.warn('zoho access token refresh refused', { status: err.status, code: err.code, rateLimited: err.rateLimited });
      throw err;
    }
    const answer = parsed.data;
    if (answer.api_domain) {
      this.lastApiDomain = answer.api_domain;
      const expected = this.options.expectedApiDomain?.replace(/\/+$/, '');
      if (expected && answer.api_domain.replace(/\/+$/, '') !== expected) {
        this.logger.warn('zoho api_domain differs from configuration', { configured: expected, returned: answer.api_domain });
      }
    }
    return { token: answer.access_token, expiresAt: startedAt + answer.expires_in * 1000 };
  }
}

/** Maps a fetch rejection to a typed error (abort/timeout vs. connection failure). */
export function transportError(err: unknown, endpoint: string): ZohoTimeoutError | ZohoConnectionError {
  // Duck-typed: fetch's DOMException may come from another realm (e.g. under a test runner).
  const e = (err ?? {}) as { name?: unknown; cause?: { code?: unknown; name?: unknown } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new ZohoTimeoutError({ status: 0, code: 'TIMEOUT', message: `Zoho request timed out on ${endpoint}`, endpoint });
  }
  const reason = typeof e.cause?.code === 'string' ? e.cause.code : typeof e.cause?.name === 'string' ? e.cause.name : undefined;
  return new ZohoConnectionError({ status: 0, code: 'CONNECTION_FAILED', message: `Zoho connection failed on ${endpoint}${reason ? ` (${reason})` : ''}`, endpoint });
}
