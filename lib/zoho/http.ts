/**
 * The one place that talks HTTP to the CRM API: base URL, `Zoho-oauthtoken` header, call counting,
 * concurrency cap, timeouts, one refresh-and-retry on INVALID_TOKEN, and short bounded retries on
 * 429 and, for reads, on 5xx. Everything above it deals in parsed bodies and typed errors.
 *
 * A 429 is refused before Zoho does any work, so any request may be sent again. A 5xx or a
 * timeout on a write may have been applied, and retrying it in-request could create a second
 * record: writes go back to the queue, whose redelivery runs the dedup look-ups again. Reads (GET,
 * COQL) are retried a few times here, since sending them again changes nothing.
 */
import type { Logger } from '../log';
import { dependency } from '../telemetry/signals';
import { silentLogger } from '../log';
import type { CallCounter } from '../metrics';
import { parseRetryAfter } from '../vendor';
import { ZohoApiError } from './errors';
import { HEAVY_CONCURRENCY, Semaphore } from './limiter';
import { transportError, type ZohoAccessTokenSource } from './token';

export const ZOHO_API_PREFIX = '/crm/v8';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ZohoHttpOptions {
  /** e.g. https://www.zohoapis.jp (ZOHO_API_DOMAIN) */
  apiDomain: string;
  tokens: ZohoAccessTokenSource;
  calls?: CallCounter;
  logger?: Logger;
  /** Simultaneous requests from this process. Default 5 (the Free edition's limit). */
  maxConcurrency?: number;
  /** Replaces the per-process limit of `maxConcurrency`, e.g. with the fleet-wide FleetSemaphore. */
  limiter?: CallLimiter;
  /** Per-attempt timeout including reading the body. Default 30 s. */
  timeoutMs?: number;
  /** Retries after a 429 before TOO_MANY_REQUESTS is thrown. Default 2. */
  maxRateLimitRetries?: number;
  /** Retries of a read after a 5xx (not 501) before the error is thrown. Default 2. */
  maxServerErrorRetries?: number;
  /** First back-off step after a 5xx on a read. Default 250 ms. */
  serverErrorDelayMs?: number;
  /** A longer Retry-After is not slept through in-request; the error carries it instead. Default 10 s. */
  maxRetryAfterMs?: number;
  /** First back-off step when Zoho sends no Retry-After (it usually does not). Default 1 s. */
  retryBaseDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface ZohoRequest {
  method: HttpMethod;
  /** Path below /crm/v8 with `{name}` placeholders, e.g. "/Contacts/{id}". Also the call label. */
  path: string;
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: FormData;
  /** Extra request headers (e.g. If-Modified-Since). */
  headers?: Record<string, string>;
  /** COQL, writes of more than 10 records: Zoho's heavy-API sub-concurrency applies. */
  heavy?: boolean;
  /** Sending it again changes nothing (default: GET only; COQL says so itself). */
  idempotent?: boolean;
  /**
   * Per-item answers: a 4xx whose body still carries this array (e.g. insert with every record
   * refused → 400 `{ data: [...] }`) is returned to the caller instead of thrown.
   */
  itemsKey?: 'data' | 'Emails' | 'watch';
}

export interface ZohoResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** What bounds simultaneous requests: a Semaphore (this process) or a FleetSemaphore (all instances). */
export interface CallLimiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly inFlight: number;
}

const TOKEN_REJECTED = new Set(['INVALID_TOKEN', 'INVALID_OAUTHTOKEN']);

export class ZohoHttp {
  private readonly base: string;
  private readonly limiter: CallLimiter;
  private readonly heavyLimiter: Semaphore;
  private readonly logger: Logger;
  private readonly doFetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly maxRateLimitRetries: number;
  private readonly maxServerErrorRetries: number;
  private readonly serverErrorDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly retryBaseDelayMs: number;

  constructor(private readonly options: ZohoHttpOptions) {
    const url = new URL(options.apiDomain);
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, '')}${ZOHO_API_PREFIX}`;
    const max = options.maxConcurrency ?? 5;
    this.limiter = options.limiter ?? new Semaphore(max);
    this.heavyLimiter = new Semaphore(Math.min(max, HEAVY_CONCURRENCY));
    this.logger = options.logger ?? silentLogger;
    this.doFetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 2;
    this.maxServerErrorRetries = options.maxServerErrorRetries ?? 2;
    this.serverErrorDelayMs = options.serverErrorDelayMs ?? 250;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
  }

  /** Requests of this process currently waiting for an answer (diagnostics and tests). */
  get inFlight(): number {
    return this.limiter.inFlight;
  }

  /** A usable access token (cached, shared or refreshed); the health check asks for nothing more. */
  accessToken(): Promise<string> {
    return this.options.tokens.getToken();
  }

  async send(req: ZohoRequest): Promise<ZohoResponse> {
    const label = `${req.method} ${ZOHO_API_PREFIX}${req.path}`;
    const url = this.url(req);
    const idempotent = req.idempotent ?? req.method === 'GET';
    let refreshed = false;
    let rateLimitRetries = 0;
    let serverErrorRetries = 0;
    for (;;) {
      const token = await this.options.tokens.getToken();
      const res = await this.limited(req.heavy === true, () => this.attempt(url, req, token, label));
      const code = errorCode(res.body);
      if (res.status === 401 && code !== undefined && TOKEN_REJECTED.has(code) && !refreshed) {
        refreshed = true;
        this.logger.info('zoho token rejected, refreshing once', { endpoint: label });
        await this.options.tokens.refreshAfterRejection(token);
        continue;
      }
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      if (res.status === 429 && rateLimitRetries < this.maxRateLimitRetries && (retryAfterMs ?? 0) <= this.maxRetryAfterMs) {
        const delayMs = retryAfterMs ?? this.backoff(this.retryBaseDelayMs, rateLimitRetries);
        rateLimitRetries += 1;
        this.logger.warn('zoho rate limited, retrying', { endpoint: label, attempt: rateLimitRetries, delayMs });
        await this.sleep(delayMs);
        continue;
      }
      if (idempotent && res.status >= 500 && res.status !== 501 && serverErrorRetries < this.maxServerErrorRetries && (retryAfterMs ?? 0) <= this.maxRetryAfterMs) {
        const delayMs = retryAfterMs ?? this.backoff(this.serverErrorDelayMs, serverErrorRetries);
        serverErrorRetries += 1;
        this.logger.warn('zoho server error on a read, retrying', { endpoint: label, status: res.status, attempt: serverErrorRetries, delayMs });
        await this.sleep(delayMs);
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        // A few endpoints (GET /org) describe a 200 that carries a request-level error.
        if (code !== undefined && isRequestError(res.body)) throw ZohoApiError.fromResponse(res.status, res.body, { endpoint: label });
        return res;
      }
      if (req.itemsKey && res.status >= 400 && res.status < 500 && hasItems(res.body, req.itemsKey)) return res;
      throw ZohoApiError.fromResponse(res.status, res.body, { retryAfterMs, endpoint: label });
    }
  }

  private url(req: ZohoRequest): string {
    const path = req.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = req.params?.[name];
      if (value === undefined || value === '') throw new TypeError(`missing path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    const qs = query.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
  }

  private limited<T>(heavy: boolean, task: () => Promise<T>): Promise<T> {
    // Heavy first, so a request waiting for a heavy slot does not hold a general one.
    return heavy ? this.heavyLimiter.run(() => this.limiter.run(task)) : this.limiter.run(task);
  }

  private async attempt(url: string, req: ZohoRequest, token: string, label: string): Promise<ZohoResponse> {
    this.options.calls?.add(label);
    const headers: Record<string, string> = { ...req.headers, authorization: `Zoho-oauthtoken ${token}`, accept: 'application/json' };
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form) {
      body = req.form;
    }
    try {
      return await dependency({ vendor: 'Zoho', method: req.method, label, origin: new URL(url).origin }, async () => {
        const res = await this.doFetch(url, { method: req.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
        const text = await res.text();
        return { status: res.status, body: parseBody(text), headers: res.headers };
      });
    } catch (err) {
      throw transportError(err, label);
    }
  }

  private backoff(baseMs: number, retry: number): number {
    const step = baseMs * 2 ** retry;
    return Math.round(step / 2 + this.random() * (step / 2));
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const code = (body as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isRequestError(body: unknown): boolean {
  return !!body && typeof body === 'object' && (body as { status?: unknown }).status === 'error';
}

function hasItems(body: unknown, key: string): boolean {
  return !!body && typeof body === 'object' && Array.isArray((body as Record<string, unknown>)[key]);
}
