import {
  AuthenticationHandler,
  AuthenticationHandlerOptions,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  TelemetryHandler,
  type AuthenticationProvider,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { silentLogger, type Logger } from '../log';
import { CallCounter } from '../metrics';
import { dependency } from '../telemetry/signals';
import { KeyedSemaphore } from './concurrency';
import { createCredential, RenewableCredential, tokenError, type GraphCredentialSettings } from './credential';
import {
  GraphApiError,
  GraphAuthenticationError,
  GraphConnectionError,
  GraphResponseValidationError,
  GraphTimeoutError,
} from './errors';
import { endpointLabel, mailboxKey } from './path';
import { defaultRetryPolicy, nextDelay, withRetryHint, type RetryPolicy } from './retry';

export interface GraphSettings extends GraphCredentialSettings {
  /** e.g. https://graph.microsoft.com (an optional /v1.0 or /beta path picks the version). */
  baseUrl: string;
}

export interface GraphClientOptions {
  logger?: Logger;
  calls?: CallCounter;
  /** Per attempt, token request included. */
  timeoutMs?: number;
  /** Shorthand for retry.maxRetries. */
  maxRetries?: number;
  retry?: Partial<RetryPolicy>;
  /** Outlook's documented limit is 4 (graph.md §7). */
  maxConcurrentPerMailbox?: number;
}

export interface RequestOptions {
  /** Query parameters, unencoded (`{ $select: 'id,displayName' }`). Ignored for absolute links. */
  query?: Record<string, string>;
  /** Extra headers, e.g. `Prefer: IdType="ImmutableId"` or `Prefer: odata.maxpagesize=50`. */
  headers?: Record<string, string>;
}

export interface DeltaResult<T> {
  items: T[];
  /** Ids reported with `@removed` (deleted, or moved out of the collection). */
  removed: string[];
  /** Absolute URL; store it whole and pass it back unchanged next time. */
  deltaLink: string;
}

/** One page of a collection or a delta round; `nextLink` or `deltaLink` says where it goes on. */
export interface GraphPage<T> {
  items: T[];
  /** Ids reported with `@removed` on this page (delta only). */
  removed: string[];
  nextLink?: string;
  deltaLink?: string;
}

/** The Graph surface the rest of the code uses; paths are relative to the version root. */
export interface GraphApi {
  get<T>(path: string, schema: z.ZodType<T>, opts?: RequestOptions): Promise<T>;
  post(path: string, body: unknown, schema?: undefined, opts?: RequestOptions): Promise<void>;
  post<T>(path: string, body: unknown, schema: z.ZodType<T>, opts?: RequestOptions): Promise<T>;
  patch(path: string, body: unknown, schema?: undefined, opts?: RequestOptions): Promise<void>;
  patch<T>(path: string, body: unknown, schema: z.ZodType<T>, opts?: RequestOptions): Promise<T>;
  delete(path: string, opts?: RequestOptions): Promise<void>;
  /** Raw bytes, e.g. `/users/{id}/messages/{id}/attachments/{id}/$value`. */
  getBytes(path: string, opts?: RequestOptions): Promise<{ contentType: string | undefined; bytes: Buffer }>;
  /** One array per page, following `@odata.nextLink`. */
  pages<T>(path: string, itemSchema: z.ZodType<T>, opts?: RequestOptions): AsyncIterable<T[]>;
  /** A full delta round: a `.../delta` path for the first sync, or a stored deltaLink. */
  delta<T>(pathOrDeltaLink: string, itemSchema: z.ZodType<T>, opts?: RequestOptions): Promise<DeltaResult<T>>;
  /**
   * One page: a path with its query, or a nextLink/deltaLink as Graph gave it. Lets a long read
   * stop after any page and continue later from the link (a resync's checkpoint).
   */
  page<T>(pathOrLink: string, itemSchema: z.ZodType<T>, opts?: RequestOptions): Promise<GraphPage<T>>;
  readonly calls: CallCounter;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface RawResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAILBOX_CONCURRENCY = 4;

const pageSchema = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});

export function createGraphClient(settings: GraphSettings, opts: GraphClientOptions = {}): GraphApi {
  const base = new URL(settings.baseUrl);
  const origin = base.origin;
  const version = /^\/?(v1\.0|beta)\/?$/i.exec(base.pathname)?.[1] ?? 'v1.0';
  // Graph's app-only scope is the resource origin + /.default, for the double as for the cloud.
  const scopes = [`${origin}/.default`];
  const logger = opts.logger ?? silentLogger;
  const calls = opts.calls ?? new CallCounter();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...opts.retry };
  if (opts.maxRetries !== undefined) policy.maxRetries = opts.maxRetries;
  const mailboxes = new KeyedSemaphore(opts.maxConcurrentPerMailbox ?? MAILBOX_CONCURRENCY);
  const credential = new RenewableCredential(() => createCredential(settings));

  // Our own chain instead of the SDK default: its RetryHandler would retry 429/503 up to 3 times
  // with its own delays on top of ours (and without our budget, counting or mailbox slot).
  const client = Client.initWithMiddleware({
    baseUrl: origin,
    defaultVersion: version,
    // The SDK attaches the bearer token only for Graph's cloud hosts and these (host name only).
    customHosts: new Set([base.hostname]),
    middleware: [
      new AuthenticationHandler(new TokenCredentialAuthenticationProvider(credential, { scopes })),
      new RedirectHandler(new RedirectHandlerOptions()),
      new TelemetryHandler(),
      new HTTPMessageHandler(),
    ],
  });

  /**
   * An absolute nextLink/deltaLink is turned back into a version-relative path: the SDK parses
   * absolute URLs only when they start with https://, and a link to any other origin must not
   * receive our token.
   */
  function target(pathOrUrl: string, query: Record<string, string> | undefined): { path: string; version: string } {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      if (url.origin !== origin) {
        throw new GraphApiError({ status: 0, code: 'ForeignLink', message: `Refusing a Graph link outside ${origin}`, endpoint: endpointLabel('GET', url.pathname) });
      }
      const m = /^\/(v1\.0|beta)(\/.*)$/i.exec(url.pathname);
      return m ? { path: m[2] + url.search, version: m[1] } : { path: url.pathname + url.search, version };
    }
    let path = pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
    const entries = Object.entries(query ?? {});
    if (entries.length) {
      const qs = entries.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      path += (path.includes('?') ? '&' : '?') + qs;
    }
    return { path, version };
  }

  async function attempt(method: Method, path: string, ver: string, body: unknown, headers: Record<string, string> | undefined, label: string): Promise<RawResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const auth = new AttemptAuthProvider(credential, scopes, controller.signal);
    try {
      let request = client
        .api(path)
        .version(ver)
        .responseType(ResponseType.RAW)
        .option('signal', controller.signal)
        .middlewareOptions([new AuthenticationHandlerOptions(auth)]);
      if (headers) request = request.headers(headers);
      let res: Response;
      switch (method) {
        case 'GET': res = await request.get(); break;
        case 'POST': res = await request.post(body ?? {}); break;
        case 'PATCH': res = await request.patch(body ?? {}); break;
        case 'DELETE': res = await request.delete(); break;
      }
      const bytes = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
    } catch {
      if (controller.signal.aborted) {
        throw new GraphTimeoutError({ status: 0, code: 'Timeout', message: `No answer from Graph within ${timeoutMs} ms on ${label}`, endpoint: label });
      }
      if (auth.failure !== undefined) throw tokenError(auth.failure, label);
      throw new GraphConnectionError({ status: 0, code: 'ConnectionFailed', message: `Graph connection failed on ${label}`, endpoint: label });
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(method: Method, pathOrUrl: string, body: unknown, opts: RequestOptions | undefined): Promise<RawResponse & { label: string }> {
    const { path, version: ver } = target(pathOrUrl, opts?.query);
    const label = endpointLabel(method, path);
    return mailboxes.run(mailboxKey(path), async () => {
      let waited = 0;
      let renewedToken = false;
      for (let retry = 0; ; ) {
        calls.add(label);
        const generation = credential.generation;
        let err: GraphApiError;
        try {
          const res = await dependency({ vendor: 'Graph', method, label, origin }, () => attempt(method, path, ver, body, opts?.headers, label));
          if (res.status < 400) return { ...res, label };
          err = GraphApiError.fromResponse(res.status, parseJson(res.text), res.headers, label);
        } catch (e) {
          if (!(e instanceof GraphApiError)) throw e;
          err = e;
        }
        // A token Graph no longer accepts is replaced once; it does not use the throttling budget.
        if (err instanceof GraphAuthenticationError && err.transient && !renewedToken) {
          renewedToken = true;
          credential.renew(generation);
          logger.warn('graph token rejected, renewing', { endpoint: label, requestId: err.requestId });
          continue;
        }
        // A POST (a create) answered 504 may have been carried out: sending it again could make a second item.
        const delay = method === 'POST' && err.status === 504 ? undefined : nextDelay(err, retry, waited, policy);
        if (delay === undefined) {
          const final = withRetryHint(err, retry, policy);
          // 404/410 are answers the sync expects (item deleted, delta reset), not incidents.
          const level = final.status === 404 || final.status === 410 ? 'debug' : 'warn';
          logger[level]('graph request failed', { endpoint: label, status: final.status, code: final.code, requestId: final.requestId, retryAfterMs: final.retryAfterMs });
          throw final;
        }
        logger.info('graph request retried', { endpoint: label, status: err.status, code: err.code, delayMs: delay });
        // The mailbox slot stays taken while waiting: Graph is throttling this mailbox anyway.
        await sleep(delay);
        waited += delay;
        retry += 1;
      }
    });
  }

  async function request<T>(method: Method, pathOrUrl: string, body: unknown, schema: z.ZodType<T> | undefined, opts: RequestOptions | undefined): Promise<T> {
    const res = await send(method, pathOrUrl, body, opts);
    if (!schema) return undefined as T;
    const json = res.text === '' ? undefined : parseJsonStrict(res.text, res.status, res.label);
    return validate(schema, json, res.status, res.label, '');
  }

  async function* pages<T>(path: string, itemSchema: z.ZodType<T>, opts?: RequestOptions): AsyncGenerator<T[]> {
    let next: string | undefined = path;
    let pageOpts: RequestOptions | undefined = opts;
    while (next !== undefined) {
      const res = await send('GET', next, undefined, pageOpts);
      const page = validate(pageSchema, parseJsonStrict(res.text, res.status, res.label), res.status, res.label, '');
      yield page.value.map((item, i) => validate(itemSchema, item, res.status, res.label, `value[${i}]`));
      next = page['@odata.nextLink'];
      // nextLinks already carry the query; only headers (Prefer) are repeated.
      pageOpts = { headers: opts?.headers };
    }
  }

  async function delta<T>(pathOrDeltaLink: string, itemSchema: z.ZodType<T>, opts?: RequestOptions): Promise<DeltaResult<T>> {
    const latest = new Map<string, unknown>();
    const removed = new Set<string>();
    const anonymous: unknown[] = [];
    let next: string = pathOrDeltaLink;
    let pageOpts: RequestOptions | undefined = opts;
    for (;;) {
      const res = await send('GET', next, undefined, pageOpts);
      const page = validate(pageSchema, parseJsonStrict(res.text, res.status, res.label), res.status, res.label, '');
      // Graph may report the same item more than once per round; the last report wins.
      for (const raw of page.value) {
        const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
        if (typeof id !== 'string') {
          anonymous.push(raw);
        } else if ('@removed' in (raw as object)) {
          latest.delete(id);
          removed.add(id);
        } else {
          removed.delete(id);
          latest.set(id, raw);
        }
      }
      if (page['@odata.deltaLink']) {
        const items = [...latest.values(), ...anonymous].map((item, i) => validate(itemSchema, item, res.status, res.label, `item[${i}]`));
        return { items, removed: [...removed], deltaLink: page['@odata.deltaLink'] };
      }
      if (!page['@odata.nextLink']) {
        throw new GraphResponseValidationError({ status: res.status, code: 'DeltaLinkMissing', message: `Delta page without nextLink or deltaLink on ${res.label}`, endpoint: res.label });
      }
      next = page['@odata.nextLink'];
      pageOpts = { headers: opts?.headers };
    }
  }

  async function page<T>(pathOrLink: string, itemSchema: z.ZodType<T>, opts?: RequestOptions): Promise<GraphPage<T>> {
    const res = await send('GET', pathOrLink, undefined, opts);
    const raw = validate(pageSchema, parseJsonStrict(res.text, res.status, res.label), res.status, res.label, '');
    const removed: string[] = [];
    const items: T[] = [];
    for (const [i, item] of raw.value.entries()) {
      const id = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
      if (typeof id === 'string' && '@removed' in (item as object)) removed.push(id);
      else items.push(validate(itemSchema, item, res.status, res.label, `value[${i}]`));
    }
    return { items, removed, nextLink: raw['@odata.nextLink'], deltaLink: raw['@odata.deltaLink'] };
  }

  const api: GraphApi = {
    get: (path, schema, o) => request('GET', path, undefined, schema, o),
    post: ((path: string, body: unknown, schema?: z.ZodType<unknown>, o?: RequestOptions) => request('POST', path, body, schema, o)) as GraphApi['post'],
    patch: ((path: string, body: unknown, schema?: z.ZodType<unknown>, o?: RequestOptions) => request('PATCH', path, body, schema, o)) as GraphApi['patch'],
    delete: (path, o) => request('DELETE', path, undefined, undefined, o),
    getBytes: async (path, o) => {
      const res = await send('GET', path, undefined, o);
      return { contentType: res.headers.get('content-type') ?? undefined, bytes: res.bytes };
    },
    pages,
    delta,
    page,
    calls,
  };
  return api;
}

/**
 * Per-attempt token provider: it passes the attempt's abort signal to the credential (a hung
 * token endpoint times out like a hung Graph call) and keeps the original failure, which the
 * SDK would otherwise flatten into a status-less GraphError.
 */
class AttemptAuthProvider implements AuthenticationProvider {
  failure: unknown;

  constructor(private readonly credential: TokenCredential, private readonly scopes: string[], private readonly signal: AbortSignal) {}

  async getAccessToken(): Promise<string> {
    try {
      const token = await this.credential.getToken(this.scopes, { abortSignal: this.signal });
      if (!token) throw new Error('The credential returned no token');
      return token.token;
    } catch (err) {
      this.failure = err ?? new Error('token request failed');
      throw err;
    }
  }
}

function validate<T>(schema: z.ZodType<T>, data: unknown, status: number, label: string, at: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  // Paths and issue codes only: the values themselves may be personal data.
  const issues = result.error.issues.slice(0, 5).map((issue) => {
    const path = [at, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, '') || '(root)';
    const expected = 'expected' in issue && typeof issue.expected === 'string' ? ` (expected ${issue.expected})` : '';
    return `${path}: ${issue.code}${expected}`;
  });
  const more = result.error.issues.length > 5 ? ` and ${result.error.issues.length - 5} more` : '';
  return failValidation(status, label, `Graph response on ${label} does not match the expected shape: ${issues.join('; ')}${more}`);
}

function failValidation(status: number, endpoint: string, message: string): never {
  throw new GraphResponseValidationError({ status, code: 'ResponseValidationFailed', message, endpoint });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseJsonStrict(text: string, status: number, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return failValidation(status, label, `Graph response on ${label} is not JSON`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
