import { randomUUID } from 'node:crypto';
import { normaliseResource, type DoubleContext, type GraphArea } from './context';
import { GraphHttpError, headerValue, json, noContent, parseJsonBody, type DoubleRequest } from './http';
import { listResponse } from './paging';
import type { Router } from './router';

/**
 * Change-notification subscriptions (graph.md §1–2): creation with the real validation handshake
 * on notificationUrl and lifecycleNotificationUrl, 409 for a duplicate changeType + resource,
 * per-resource maximum lifetime (< 45 min raised to 45), list/get/renew/delete/reauthorize, and
 * a switch that refuses To Do subscriptions the ways tenants have reported.
 */
export interface SubscriptionRecord {
  id: string;
  resource: string;
  /** Normalised resource used for matching (see normaliseResource). */
  normalised: string;
  kind: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: number;
  clientState: string | null;
  latestSupportedTlsVersion: string;
  includeResourceData: boolean;
  /** The `Prefer` header sent at creation (e.g. `IdType="ImmutableId"`), or null. */
  prefer: string | null;
  createdAt: number;
}

export interface HandshakeRecord {
  url: string;
  /** The decoded token the endpoint had to echo. */
  token: string;
  status: number;
  ok: boolean;
  reason?: 'status' | 'content-type' | 'body' | 'timeout' | 'network';
}

interface ResourceRule {
  pattern: RegExp;
  kind: string;
  maxMinutes: number;
}

// Lifetimes from graph.md §0/§1.3 (basic notifications).
const RULES: ResourceRule[] = [
  { pattern: /^users\/[^/]+\/contacts$/, kind: 'contact', maxMinutes: 10080 },
  { pattern: /^users\/[^/]+\/contactfolders\/[^/]+\/contacts$/, kind: 'contact', maxMinutes: 10080 },
  { pattern: /^users\/[^/]+\/(events|calendar\/events|calendars\/[^/]+\/events)$/, kind: 'event', maxMinutes: 10080 },
  { pattern: /^users\/[^/]+\/(messages|mailfolders\/[^/]+\/messages)$/, kind: 'message', maxMinutes: 10080 },
  { pattern: /^users\/[^/]+\/todo\/lists\/[^/]+\/tasks$/, kind: 'todoTask', maxMinutes: 4230 },
  { pattern: /^(users|users\/[^/]+|groups|groups\/[^/]+)$/, kind: 'directory', maxMinutes: 41760 },
];
const RICH_OUTLOOK_MAX_MINUTES = 1440;
const MIN_MINUTES = 45;
const CHANGE_TYPES = new Set(['created', 'updated', 'deleted']);

export class SubscriptionsArea implements GraphArea {
  /**
   * To Do subscriptions refused as tenants reported (graph.md §1.5): 'forbidden' → 403,
   * 'invalid-resource' → 400 ExtensionError "Invalid resource specified in payload".
   */
  refuseTodo: false | 'forbidden' | 'invalid-resource' = false;
  /**
   * `GET /subscriptions` leaves To Do subscriptions out: the List page says app-only listing of
   * todoTask subscriptions is "Not supported" while creation is (graph.md §1.5).
   */
  listOmitsTodo = false;
  /** Graph's deadline for the handshake answer is 10 s; tests shorten it. */
  validationTimeoutMs = 10_000;
  /** Real Graph requires https notification URLs; the loopback function host is plain http. */
  requireHttps = false;
  readonly handshakes: HandshakeRecord[] = [];
  private readonly subs = new Map<string, SubscriptionRecord>();
  private ctx!: DoubleContext;

  // ---- test API -------------------------------------------------------------------------------

  /** Active (unexpired) subscriptions. */
  list(): SubscriptionRecord[] {
    this.dropExpired();
    return [...this.subs.values()].map((s) => ({ ...s }));
  }

  get(id: string): SubscriptionRecord | undefined {
    this.dropExpired();
    const s = this.subs.get(id);
    return s ? { ...s } : undefined;
  }

  /** Graph removed it (what precedes a `subscriptionRemoved` lifecycle event). */
  remove(id: string): void {
    this.subs.delete(id);
  }

  /** Let it lapse, as if its expirationDateTime had passed. */
  expire(id: string): void {
    const s = this.subs.get(id);
    if (s) s.expirationDateTime = Date.now() - 1;
  }

  /**
   * Moves the expiry (e.g. under half-life) as if time had passed; Graph's clock is real time, so
   * this is how a test makes a subscription due for renewal.
   */
  setExpiration(id: string, at: Date): void {
    const s = this.subs.get(id);
    if (!s) throw new Error(`graph double: no subscription ${id}`);
    s.expirationDateTime = at.getTime();
  }

  /** Active subscriptions whose resource is one of `candidates` and whose changeType includes `changeType`. */
  matching(candidates: string[], changeType?: string): SubscriptionRecord[] {
    const wanted = new Set(candidates.map((c) => c.toLowerCase()));
    return this.list().filter((s) => wanted.has(s.normalised) && (!changeType || s.changeType.split(',').map((c) => c.trim()).includes(changeType)));
  }

  reset(): void {
    this.subs.clear();
    this.handshakes.length = 0;
    this.refuseTodo = false;
    this.listOmitsTodo = false;
    this.requireHttps = false;
  }

  json(s: SubscriptionRecord): Record<string, unknown> {
    return {
      id: s.id,
      resource: s.resource,
      applicationId: this.ctx.clientId,
      changeType: s.changeType,
      clientState: s.clientState,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: new Date(s.expirationDateTime).toISOString(),
      creatorId: this.creatorId,
      includeResourceData: s.includeResourceData,
      latestSupportedTlsVersion: s.latestSupportedTlsVersion,
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  // ---- routes ---------------------------------------------------------------------------------

  /** For app-only calls Graph reports the app's service principal as creator. */
  private readonly creatorId = randomUUID();

  register(router: Router, ctx: DoubleContext): void {
    this.ctx = ctx;
    const entity = () => `${ctx.origin}/v1.0/$metadata#subscriptions/$entity`;

    router.post('/subscriptions', async (req) => {
      const created = await this.create(req);
      return json(201, { '@odata.context': entity(), ...this.json(created) });
    });

    router.get('/subscriptions', (req) =>
      listResponse(req, this.list().filter((s) => !(this.listOmitsTodo && s.kind === 'todoTask')), {
        origin: ctx.origin, entitySet: 'subscriptions', defaultSize: ctx.directoryPageSize, maxTop: 999, style: 'skiptoken',
        project: (s) => this.json(s),
      }),
    );

    router.get('/subscriptions/{id}', (req) => json(200, { '@odata.context': entity(), ...this.json(this.require(req.params.id)) }));

    router.patch('/subscriptions/{id}', async (req) => {
      const current = this.require(req.params.id);
      const body = parseJsonBody(req);
      if ('lifecycleNotificationUrl' in body) {
        throw new GraphHttpError(400, 'ValidationError', 'lifecycleNotificationUrl cannot be updated. Delete the subscription and create a new one with a lifecycleNotificationUrl.');
      }
      const next = { ...current };
      if (body.expirationDateTime !== undefined) {
        next.expirationDateTime = this.expiry(body.expirationDateTime, maxMinutes(current.kind, current.includeResourceData));
      }
      if (body.notificationUrl !== undefined && body.notificationUrl !== current.notificationUrl) {
        next.notificationUrl = this.checkUrl(body.notificationUrl, 'notificationUrl');
        await this.handshake(next.notificationUrl);
      }
      this.subs.set(next.id, next);
      return json(200, { '@odata.context': entity(), ...this.json(next) });
    });

    router.delete('/subscriptions/{id}', (req) => {
      this.require(req.params.id);
      this.subs.delete(req.params.id);
      return noContent();
    });

    router.post('/subscriptions/{id}/reauthorize', (req) => {
      this.require(req.params.id);
      return noContent();
    });
  }

  private async create(req: DoubleRequest): Promise<SubscriptionRecord> {
    const body = parseJsonBody(req);
    for (const name of ['changeType', 'notificationUrl', 'resource', 'expirationDateTime']) {
      if (body[name] === undefined || body[name] === null || body[name] === '') {
        throw new GraphHttpError(400, 'InvalidRequest', `${name} is a required property for subscription creation.`);
      }
    }
    const changeType = String(body.changeType);
    const types = changeType.split(',').map((t) => t.trim());
    if (types.some((t) => !CHANGE_TYPES.has(t))) throw new GraphHttpError(400, 'InvalidRequest', `Invalid changeType '${changeType}'.`);
    const clientState = body.clientState === undefined || body.clientState === null ? null : String(body.clientState);
    if (clientState !== null && clientState.length > 128) throw new GraphHttpError(400, 'ValidationError', 'clientState must not exceed 128 characters.');
    const includeResourceData = body.includeResourceData === true;
    if (includeResourceData && !body.encryptionCertificate) {
      throw new GraphHttpError(400, 'ValidationError', 'A valid encryption certificate must be provided if includeResourceData is true.');
    }
    const resource = String(body.resource);
    const rawSegments = resource.replace(/^\//, '').split('/');
    if (rawSegments[0]?.toLowerCase() === 'me') throw new GraphHttpError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    const normalised = normaliseResource(resource, this.ctx.store);
    const rule = RULES.find((r) => r.pattern.test(normalised));
    if (!rule) throw new GraphHttpError(400, 'InvalidRequest', `Resource '${resource}' is not supported for subscriptions.`);
    if (normalised.startsWith('users/') && rule.kind !== 'directory') {
      this.ctx.store.mailboxFor(normalised.split('/')[1]);
    }
    if (rule.kind === 'todoTask' && this.refuseTodo === 'forbidden') {
      throw new GraphHttpError(403, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Forbidden; Reason: Forbidden]');
    }
    if (rule.kind === 'todoTask' && this.refuseTodo === 'invalid-resource') {
      throw new GraphHttpError(400, 'ExtensionError', 'Invalid resource specified in payload');
    }
    const expirationDateTime = this.expiry(body.expirationDateTime, maxMinutes(rule.kind, includeResourceData));
    const notificationUrl = this.checkUrl(body.notificationUrl, 'notificationUrl');
    const lifecycleNotificationUrl = body.lifecycleNotificationUrl ? this.checkUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl') : null;

    const duplicate = this.list().find((s) => s.normalised === normalised && sameChangeTypes(s.changeType, changeType));
    if (duplicate) {
      throw new GraphHttpError(409, 'ExtensionError', `Subscription Id ${duplicate.id} already exists for the requested combination`);
    }

    await this.handshake(notificationUrl);
    if (lifecycleNotificationUrl) await this.handshake(lifecycleNotificationUrl);

    const record: SubscriptionRecord = {
      id: randomUUID(), resource, normalised, kind: rule.kind, changeType, notificationUrl, lifecycleNotificationUrl,
      expirationDateTime, clientState,
      latestSupportedTlsVersion: typeof body.latestSupportedTlsVersion === 'string' ? body.latestSupportedTlsVersion : 'v1_2',
      includeResourceData, prefer: headerValue(req.headers, 'prefer') ?? null, createdAt: Date.now(),
    };
    this.subs.set(record.id, record);
    return { ...record };
  }

  /**
   * POST {url}?validationToken=... with text/plain; the endpoint must answer 200, text/plain, the
   * decoded token, within the deadline. Graph encodes the token like a form value (`+` for
   * spaces, lower-case `%3a`), so an endpoint that only uses decodeURIComponent fails here as it
   * would in production.
   */
  private async handshake(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const encoded = new URLSearchParams({ validationToken: token }).toString().replace(/%3A/g, '%3a');
    const target = `${url}${url.includes('?') ? '&' : '?'}${encoded}`;
    const record: HandshakeRecord = { url, token, status: 0, ok: false };
    this.handshakes.push(record);
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: '',
        signal: AbortSignal.timeout(this.validationTimeoutMs),
      });
      record.status = res.status;
      const text = await res.text();
      if (res.status !== 200) record.reason = 'status';
      else if (!(res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/plain')) record.reason = 'content-type';
      else if (text !== token) record.reason = 'body';
      else record.ok = true;
    } catch (err) {
      // Duck-typed: fetch's DOMException comes from another realm than jest's Error.
      const name = (err as { name?: unknown } | null)?.name;
      record.reason = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network';
    }
    if (record.ok) return;
    if (record.reason === 'timeout') throw new GraphHttpError(400, 'ValidationError', 'Subscription validation request timed out.');
    throw new GraphHttpError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
  }

  private checkUrl(value: unknown, name: string): string {
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      throw new GraphHttpError(400, 'ValidationError', `The ${name} is not a valid absolute URL.`);
    }
    if (url.protocol !== 'https:' && (this.requireHttps || url.protocol !== 'http:')) {
      throw new GraphHttpError(400, 'ValidationError', `Subscription validation request failed. The ${name} must be an https URL.`);
    }
    return String(value);
  }

  private expiry(value: unknown, max: number): number {
    const at = Date.parse(String(value));
    if (Number.isNaN(at)) throw new GraphHttpError(400, 'ValidationError', 'expirationDateTime is not a valid DateTimeOffset.');
    const now = Date.now();
    if (at <= now) throw new GraphHttpError(400, 'ValidationError', 'Subscription expiration date time must be in the future.');
    if (at > now + max * 60_000) throw new GraphHttpError(400, 'ValidationError', `Subscription expiration can only be ${max} minutes in the future.`);
    return Math.max(at, now + MIN_MINUTES * 60_000);
  }

  private require(id: string): SubscriptionRecord {
    const s = this.get(id);
    if (!s) throw new GraphHttpError(404, 'ResourceNotFound', 'The object was not found.');
    return this.subs.get(id)!;
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [id, s] of this.subs) if (s.expirationDateTime <= now) this.subs.delete(id);
  }
}

function maxMinutes(kind: string, includeResourceData: boolean): number {
  const rule = RULES.find((r) => r.kind === kind);
  const max = rule?.maxMinutes ?? 4230;
  return includeResourceData && ['contact', 'event', 'message'].includes(kind) ? Math.min(max, RICH_OUTLOOK_MAX_MINUTES) : max;
}

function sameChangeTypes(a: string, b: string): boolean {
  const set = (s: string) => s.split(',').map((t) => t.trim()).sort().join(',');
  return set(a) === set(b);
}
