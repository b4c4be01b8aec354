import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CallCounter } from '../../../lib/metrics';
import { endpointLabel, mailboxKey } from '../../../lib/graph/path';
import { ContactsArea } from './contacts';
import { EventsArea } from './events';
import { MailArea } from './mail';
import { TodoArea } from './todo';
import type { DoubleContext, GraphArea } from './context';
import { FaultInjector, type Fault } from './faults';
import { GraphHttpError, graphErrorBody, readBody, standardHeaders, write, type DoubleRequest, type DoubleResponse } from './http';
import { Notifier } from './notifications';
import { normalisePath, Router } from './router';
import { GraphStore, type GroupSeed, type UserSeed } from './store';
import { SubscriptionsArea } from './subscriptions';
import { TenantSigningKeys } from './signing';
import { AadError, registerAuthority, TokenIssuer } from './token';
import { usersArea } from './users';

/**
 * Loopback HTTPS stand-in for Microsoft Graph and the Entra token endpoint, one origin for both
 * (`https://127.0.0.1:<port>`): point GRAPH_BASE_URL and GRAPH_AUTHORITY_HOST at `origin`.
 * Uses the test CA's server certificate, so the process needs NODE_EXTRA_CA_CERTS=test/fixtures/tls/ca.pem.
 *
 * Resource areas are separate modules; to add one, implement GraphArea (register routes, and
 * `describe` if its items get change notifications) and add it to `builtInAreas` below or pass it
 * in `options.areas`.
 */
export interface GraphDoubleOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Verified domains; the first is the default. */
  domains?: string[];
  tokenLifetimeSeconds?: number;
  outlookPageSize?: number;
  directoryPageSize?: number;
  /** Extra resource areas (registered after the built-in ones). */
  areas?: GraphArea[];
  /**
   * Outlook answers 429 ApplicationThrottled when one app has more than this many requests in
   * flight for one mailbox (graph.md §7). Infinity switches the check off.
   */
  mailboxConcurrencyLimit?: number;
}

/** The settings our production client needs to talk to this double. */
export interface DoubleGraphSettings {
  baseUrl: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificatePath?: string;
}

const TLS_DIR = path.resolve(__dirname, '../../fixtures/tls');

export class GraphDouble {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly store: GraphStore;
  readonly tokens: TokenIssuer;
  /** The tenant's signing keys (OpenID metadata + JWKS) and real RS256 tokens for this app. */
  readonly signing: TenantSigningKeys;
  readonly faults = new FaultInjector();
  /** Requests received per endpoint label, faults and token calls included. */
  readonly calls = new CallCounter();
  readonly subscriptions = new SubscriptionsArea();
  readonly contacts = new ContactsArea();
  readonly todo = new TodoArea();
  readonly events = new EventsArea();
  readonly mail = new MailArea();
  readonly notifications: Notifier;
  private readonly areas: GraphArea[];
  private readonly graphRouter = new Router();
  private readonly authorityRouter = new Router();
  private readonly hung = new Set<ServerResponse>();
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private server?: Server;
  private originValue = '';

  constructor(private readonly options: GraphDoubleOptions = {}) {
    this.tenantId = options.tenantId ?? randomUUID();
    this.clientId = options.clientId ?? randomUUID();
    this.clientSecret = options.clientSecret ?? `secret-${randomUUID()}`;
    this.store = new GraphStore(this.tenantId, options.domains ?? ['contoso.com', 'contoso.onmicrosoft.com']);
    this.tokens = new TokenIssuer(options.tokenLifetimeSeconds ?? 3599);
    this.tokens.registerApp({ clientId: this.clientId, secret: this.clientSecret });
    this.signing = new TenantSigningKeys(() => ({ issuer: `${this.origin}/${this.tenantId}/v2.0`, audience: this.clientId, tenantId: this.tenantId }));
    const builtInAreas: GraphArea[] = [usersArea, this.subscriptions, this.contacts, this.todo, this.events, this.mail];
    this.areas = [...builtInAreas, ...(options.areas ?? [])];
    this.notifications = new Notifier(() => this.tenantId, this.subscriptions, () => this.areas);
  }

  /** https://127.0.0.1:<port> — both the Graph base URL and the authority host. */
  get origin(): string {
    if (!this.originValue) throw new Error('graph double not started');
    return this.originValue;
  }

  settings(overrides: Partial<DoubleGraphSettings> = {}): DoubleGraphSettings {
    return { baseUrl: this.origin, authorityHost: this.origin, tenantId: this.tenantId, clientId: this.clientId, clientSecret: this.clientSecret, ...overrides };
  }

  addUser(seed: UserSeed) {
    return this.store.addUser(seed);
  }

  addGroup(seed: GroupSeed) {
    return this.store.addGroup(seed);
  }

  /** Every delta token (of one mailbox, or all) now answers 410 syncStateNotFound. */
  invalidateDeltaTokens(userId?: string): void {
    this.store.invalidateDeltaTokens(userId);
  }

  /** Injects `fault` for the next `times` requests whose endpoint label matches. */
  inject(match: string | RegExp, fault: Fault, times = 1): void {
    this.faults.inject(match, fault, times);
  }

  /** Highest number of simultaneous requests seen for one mailbox (by user id or UPN). */
  peakConcurrency(user: string): number {
    const id = this.store.findUser(user)?.id.toLowerCase() ?? user.toLowerCase();
    return this.peaks.get(id) ?? 0;
  }

  /** Empty tenant, no subscriptions, faults or counts; registered apps and issued tokens stay valid. */
  reset(): void {
    this.store.reset();
    this.subscriptions.reset();
    this.events.resetInvitations();
    this.faults.reset();
    this.calls.reset();
    this.contacts.orFilterDropsExtendedProperties = false;
    this.notifications.sent.length = 0;
    this.peaks.clear();
  }

  async start(): Promise<this> {
    this.server = createServer(
      { key: readFileSync(path.join(TLS_DIR, 'server.key')), cert: readFileSync(path.join(TLS_DIR, 'server.pem')) },
      (req, res) => void this.handle(req, res),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.originValue = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const ctx: DoubleContext = {
      origin: this.originValue,
      tenantId: this.tenantId,
      clientId: this.clientId,
      store: this.store,
      outlookPageSize: this.options.outlookPageSize ?? 10,
      directoryPageSize: this.options.directoryPageSize ?? 100,
    };
    registerAuthority(this.authorityRouter, { origin: this.originValue, tenantId: this.tenantId, store: this.store, issuer: this.tokens, signing: this.signing });
    for (const area of this.areas) area.register(this.graphRouter, ctx);
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { requestId, headers: base } = standardHeaders(req);
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', this.originValue);
      const method = (req.method ?? 'GET').toUpperCase();
      const { version, segments } = normalisePath(url.pathname);
      const isGraph = version !== undefined;
      const label = isGraph ? endpointLabel(method, url.pathname) : this.authorityLabel(method, segments, url.pathname);
      this.calls.add(label);

      const mailbox = isGraph ? this.mailboxOf(url.pathname) : undefined;
      if (mailbox) this.enter(mailbox, res);

      const fault = this.faults.take(label);
      if (fault?.hang) {
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        return;
      }
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault && fault.status !== undefined && !fault.afterApply) throw faultError(fault);
      const limit = this.options.mailboxConcurrencyLimit ?? 4;
      if (mailbox && (this.inFlight.get(mailbox) ?? 0) > limit) {
        throw new GraphHttpError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.');
      }

      let response: DoubleResponse;
      const dreq: DoubleRequest = { method, url, segments, params: {}, query: url.searchParams, headers: req.headers, body, rawPath: url.pathname };
      if (isGraph) {
        if (version !== 'v1.0') throw new GraphHttpError(400, 'BadRequest', `Invalid version: ${version}`);
        this.tokens.authenticate(req.headers, this.originValue);
        const { handler, params } = this.graphRouter.resolve(method, segments);
        response = await handler({ ...dreq, params });
      } else {
        const { handler, params } = this.authorityRouter.resolve(method, segments);
        response = await handler({ ...dreq, params });
      }
      if (fault?.afterApply) throw faultError(fault);
      write(res, response, base);
    } catch (err) {
      if (err instanceof AadError) {
        write(res, { status: err.status, body: err.body, headers: { 'Content-Type': 'application/json; charset=utf-8' } }, base);
      } else if (err instanceof GraphHttpError) {
        write(res, { status: err.status, body: graphErrorBody(err.code, err.message, requestId, base['client-request-id']), headers: err.headers }, base);
      } else {
        const message = err instanceof Error ? err.stack ?? err.message : String(err);
        write(res, { status: 500, body: graphErrorBody('GraphDoubleInternalError', message, requestId) }, base);
      }
    }
  }

  /** Mailbox a request is charged to, by object id (UPNs resolved) so both spellings share one budget. */
  private mailboxOf(rawPath: string): string | undefined {
    const key = mailboxKey(rawPath);
    if (!key) return undefined;
    return this.store.findUser(key)?.id.toLowerCase() ?? key;
  }

  private enter(mailbox: string, res: ServerResponse): void {
    const n = (this.inFlight.get(mailbox) ?? 0) + 1;
    this.inFlight.set(mailbox, n);
    this.peaks.set(mailbox, Math.max(this.peaks.get(mailbox) ?? 0, n));
    res.on('close', () => this.inFlight.set(mailbox, (this.inFlight.get(mailbox) ?? 1) - 1));
  }

  private authorityLabel(method: string, segments: string[], rawPath: string): string {
    try {
      return `${method} /${this.authorityRouter.template(method, segments)}`;
    } catch {
      return `${method} ${rawPath}`;
    }
  }
}

function faultError(fault: Fault): GraphHttpError {
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  return new GraphHttpError(fault.status ?? 500, fault.code ?? 'InternalServerError', fault.message ?? '', headers);
}

export async function startGraphDouble(options: GraphDoubleOptions = {}): Promise<GraphDouble> {
  return new GraphDouble(options).start();
}
