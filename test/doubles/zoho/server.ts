/**
 * The Zoho double: one loopback HTTP server (port 0) serving both the accounts server
 * (/oauth/v2/token) and the CRM API (/crm/v8/...), with a control API for tests.
 *
 * Plain http is enough: our client uses fetch and sets `Authorization: Zoho-oauthtoken` itself
 * (unlike the Graph SDK, which needs https). Production code only sees different base URLs.
 *
 * Pipeline per request: record it and count it under its endpoint label (the same labels the
 * client's CallCounter uses), enforce the optional concurrency limit (429 TOO_MANY_REQUESTS as
 * zoho.md §6 describes), apply the first matching injected fault, wait the configured latency,
 * check the access token, then run the route.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Accounts, type AccountsOptions } from './accounts';
import { coqlRoute } from './coql';
import { associateEmailRoute, attachmentRoute, filesRoute, type FileLimits } from './email';
import { cancelRoute } from './events';
import { NAME_FIELD, type FieldSpec } from './field-defs';
import { fieldsRoute, orgRoute, profilesRoute, usersRoute } from './metadata';
import { apply, create, getOne, insert, list, remove, update, upsert, type RecordsContext, type WriteLog } from './records';
import { errors, json, type Reply } from './respond';
import { searchRoute } from './search';
import { DoubleState, formatZohoDateTime, type DoubleUser, type PermissionRule, type StoredRecord } from './state';
import { validateRecord } from './validate';
import { WatchArea } from './watch';

export interface ZohoDoubleOptions extends Partial<AccountsOptions> {
  /** Simultaneous /crm requests allowed before 429; unlimited by default. */
  concurrencyLimit?: number;
  /** Simultaneous heavy requests (COQL, writes of more than 10 records); default 10 when limiting. */
  heavyConcurrencyLimit?: number;
  /** Delay before each answer, so concurrency can be observed. Default 0. */
  latencyMs?: number;
  /** Refuse unknown field API names in writes (INVALID_DATA). Default true. */
  strictFields?: boolean;
  /**
   * Whether Zoho e-mails invitations when an event with participants is written without
   * `$send_notification`. Unknown (zoho.md §4 [verify]); the double assumes the worst: true.
   */
  defaultSendNotification?: boolean;
  /** COQL LIMIT ceiling. Default 2,000. */
  coqlMaxLimit?: number;
  fileLimits?: Partial<FileLimits>;
}

export type FaultResponse =
  | { kind: 'rateLimit'; retryAfterSeconds?: number }
  | { kind: 'serverError'; status?: number; body?: unknown }
  | { kind: 'hang' }
  | { kind: 'disconnect' }
  | { kind: 'invalidToken' }
  | { kind: 'noPermission' }
  | { kind: 'reply'; status: number; body?: unknown; headers?: Record<string, string> }
  /** The request is carried out, then its answer is lost: a 5xx instead (a write that did happen). */
  | { kind: 'lostAnswer'; status?: number }
  /** The request waits this long before Zoho carries it out (a slow write that other writes overtake). */
  | { kind: 'delay'; ms: number };

export interface FaultSpec {
  /** Endpoint label ("POST /crm/v8/Contacts") or a RegExp tested on "METHOD /path". Default: every request. */
  match?: string | RegExp;
  /** How many matching requests get the fault. Default 1. */
  times?: number;
  /** Let this many matching requests through first (e.g. fail only the second chunk). Default 0. */
  skip?: number;
  /** Each matching request gets the fault with this probability (see setRandom); default 1. */
  chance?: number;
  /** The answer; a function picks one per request (random fault mixes). */
  response: FaultResponse | (() => FaultResponse);
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Endpoint label with ids replaced by {id}, e.g. "PUT /crm/v8/Contacts/{id}". */
  label: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or for multipart the part names and file names, or the raw text. */
  body: unknown;
  at: number;
}

export const DOUBLE_CREDENTIALS = {
  clientId: '1000.DOUBLECLIENTID',
  clientSecret: 'double-client-secret',
  refreshToken: '1000.double-refresh-token.0001',
} as const;

interface ActiveFault {
  spec: FaultSpec;
  skip: number;
  left: number;
}

interface Route {
  method: string;
  pattern: RegExp;
  label: (m: RegExpExecArray) => string;
  run: (ctx: RouteCtx, m: RegExpExecArray) => Reply | Promise<Reply>;
  heavy?: (ctx: RouteCtx) => boolean;
}

interface RouteCtx {
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  json: Record<string, unknown> | undefined;
  form: FormData | undefined;
  /** Body of an application/x-www-form-urlencoded request. */
  urlencoded: URLSearchParams | undefined;
}

export class ZohoDouble {
  readonly state: DoubleState;
  readonly accounts: Accounts;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** What each record write asked for (trigger, duplicate_check_fields, record count). */
  readonly writes: WriteLog[] = [];
  /** Notification channels, their callbacks, and deleted records (watch.ts). */
  readonly watch: WatchArea;
  /** Highest number of simultaneous /crm requests seen since the last reset. */
  maxInFlight = 0;
  /** Requests refused with 429 because the concurrency limit was exceeded. */
  concurrencyRejections = 0;
  private inFlight = 0;
  private heavyInFlight = 0;
  private faults: ActiveFault[] = [];
  private counts = new Map<string, number>();
  private readonly records: RecordsContext;
  private readonly routes: Route[];
  private readonly fileLimits: FileLimits;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly options: ZohoDoubleOptions,
  ) {
    this.state = new DoubleState(url);
    this.accounts = new Accounts(this.state, {
      clientId: options.clientId ?? DOUBLE_CREDENTIALS.clientId,
      clientSecret: options.clientSecret ?? DOUBLE_CREDENTIALS.clientSecret,
      refreshToken: options.refreshToken ?? DOUBLE_CREDENTIALS.refreshToken,
      tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
      refreshLimit: options.refreshLimit ?? 10,
      refreshWindowMs: options.refreshWindowMs ?? 10 * 60_000,
      maxLiveTokens: options.maxLiveTokens ?? 15,
    });
    this.watch = new WatchArea(this.state);
    this.records = {
      watch: this.watch,
      state: this.state,
      strictFields: options.strictFields ?? true,
      defaultSendNotification: options.defaultSendNotification ?? true,
      writes: this.writes,
    };
    this.fileLimits = { maxFileBytes: 20 * 1024 * 1024, maxFilesPerCall: 10, maxEmailAttachmentBytes: 10 * 1024 * 1024, ...options.fileLimits };
    this.routes = this.buildRoutes();
  }

  static async start(options: ZohoDoubleOptions = {}): Promise<ZohoDouble> {
    let double: ZohoDouble | undefined;
    const server = http.createServer((req, res) => {
      void double!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    double = new ZohoDouble(server, `http://127.0.0.1:${port}`, options);
    return double;
  }

  /** Base for ZOHO_API_DOMAIN. */
  get apiDomain(): string {
    return this.url;
  }

  /** Base for ZOHO_ACCOUNTS_URL. */
  get accountsUrl(): string {
    return this.url;
  }

  get credentials(): { clientId: string; clientSecret: string; refreshToken: string } {
    const o = this.accounts.options;
    return { clientId: o.clientId, clientSecret: o.clientSecret, refreshToken: o.refreshToken };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forget data, tokens, faults, counts and recorded requests; options stay. */
  reset(): void {
    this.state.reset();
    this.accounts.reset();
    this.watch.reset();
    this.requests.length = 0;
    this.writes.length = 0;
    this.faults = [];
    this.counts.clear();
    this.maxInFlight = 0;
    this.concurrencyRejections = 0;
  }

  // ------------------------------------------------------------- clock

  now(): number {
    return this.state.now();
  }

  advanceTime(ms: number): void {
    this.state.advance(ms);
  }

  setTime(at: number | Date): void {
    this.state.setNow(typeof at === 'number' ? at : at.getTime());
  }

  // ------------------------------------------------------------- data

  /**
   * Puts records straight into the store (no validation), with `Created_Time` as given (a Date,
   * epoch ms or a Zoho date-time string) so tests can make records older or newer. Lookups given
   * as `{ id }` get their display name. Returns the ids.
   */
  seed(module: string, records: (Record<string, unknown> & { Created_Time?: string | number | Date })[]): string[] {
    const store = this.state.store(module);
    return records.map((input) => {
      const created = timeOf(input.Created_Time) ?? this.state.formatTime(this.state.now());
      const me = this.state.userRef(this.state.currentUserId);
      const rec: StoredRecord = { Owner: me, Created_By: me, Modified_By: me, ...input, id: typeof input.id === 'string' ? input.id : this.state.nextId(), Created_Time: created, Modified_Time: timeOf(input.Modified_Time) ?? created };
      for (const [key, value] of Object.entries(rec)) {
        const spec = this.state.spec(module, key);
        const id = value && typeof value === 'object' && !Array.isArray(value) ? (value as { id?: unknown }).id : undefined;
        if (!spec || typeof id !== 'string') continue;
        if (spec.type === 'ownerlookup') rec[key] = this.state.userRef(id);
        else if (spec.type === 'lookup') rec[key] = this.state.lookupRef(spec.lookup ?? String(rec.$se_module), id);
      }
      if (module === 'Contacts' || module === 'Leads') rec.Full_Name = this.state.fullName(rec);
      store.set(rec.id, rec);
      return rec.id;
    });
  }

  /** Creates records through the same validation as POST /{module}; throws on refusal. */
  create(module: string, input: Record<string, unknown>): StoredRecord {
    const v = validateRecord(this.state, module, input, 0, 'insert', this.records.strictFields);
    if (!v.ok) throw new Error(`double refused record: ${v.error.code} ${JSON.stringify(v.error.details)}`);
    const rec = create(this.records, module, v.value);
    this.watch.changed(module, 'insert', [rec.id]);
    return rec;
  }

  /** A user's edit in Zoho: validated like PUT, Modified_Time moves, channels are notified. */
  edit(module: string, id: string, patch: Record<string, unknown>): StoredRecord {
    const existing = this.state.get(module, id);
    if (!existing) throw new Error(`double: no ${module} record ${id}`);
    const v = validateRecord(this.state, module, patch, 0, 'update', this.records.strictFields, id);
    if (!v.ok) throw new Error(`double refused edit: ${v.error.code} ${JSON.stringify(v.error.details)}`);
    const rec = apply(this.records, module, existing, v.value);
    this.watch.changed(module, 'update', [id]);
    return structuredClone(rec);
  }

  /** A user's delete in Zoho: the record goes to the recycle bin (`/deleted`), channels are notified. */
  delete(module: string, id: string): void {
    const existing = this.state.get(module, id);
    if (!existing) throw new Error(`double: no ${module} record ${id}`);
    this.watch.recordDeleted(module, existing, NAME_FIELD[module]);
    this.state.store(module).delete(id);
    this.watch.changed(module, 'delete', [id]);
  }

  /**
   * A record gone without a trace: purged from the recycle bin (or deleted longer ago than
   * `/deleted` reaches). No `/deleted` entry, no channel notification.
   */
  purge(module: string, id: string): void {
    if (!this.state.get(module, id)) throw new Error(`double: no ${module} record ${id}`);
    this.state.store(module).delete(id);
  }

  /** Copies of the stored records of a module, oldest first. */
  recordsOf(module: string): StoredRecord[] {
    return [...this.state.store(module).values()].map((r) => structuredClone(r));
  }

  record(module: string, id: string): StoredRecord | undefined {
    const r = this.state.get(module, id);
    return r ? structuredClone(r) : undefined;
  }

  addUser(user: Partial<DoubleUser> & { email: string; last_name: string }): DoubleUser {
    return this.state.addUser(user);
  }

  /**
   * A profile whose users may not do `deny` (e.g. `[{ module: 'Contacts', action: 'Create' }]`);
   * give it to a user with `addUser({ ..., profile })`. Writes are still made as the token's user.
   */
  addProfile(name: string, deny: { module: string; action: 'View' | 'Create' | 'Edit' | 'Delete' }[] = []): { name: string; id: string } {
    const id = this.state.nextId();
    this.state.profiles.set(id, { id, name, denied: new Set(deny.map((d) => `${d.module}:${d.action}`)) });
    return { name, id };
  }

  /** How the org composes Full_Name: `lastFirst` as a Japanese org shows names. */
  setNameFormat(format: 'firstLast' | 'lastFirst'): void {
    this.state.nameFormat = format;
  }

  setOrg(patch: Record<string, unknown>): void {
    Object.assign(this.state.org, patch);
  }

  /** Changes a field's metadata (length, pick list, mandatory...) as an org admin would. */
  setField(module: string, field: string, patch: Partial<FieldSpec>): void {
    this.state.updateField(module, field, patch);
  }

  /** Marks a field unique: inserts and updates clashing with it answer DUPLICATE_DATA. */
  setUnique(module: string, field: string): void {
    const set = this.state.unique.get(module) ?? new Set<string>();
    set.add(field);
    this.state.unique.set(module, set);
  }

  /**
   * Refuses an operation. Without `recordId` the whole module answers 403 NO_PERMISSION
   * (request level); with it, that record's entry is NO_PERMISSION (record level).
   */
  denyPermission(rule: PermissionRule): void {
    this.state.permissions.push(rule);
  }

  /** Search stops seeing new writes until flushSearchIndex() (zoho.md §3 index lag). */
  setSearchIndexLag(on: boolean): void {
    this.state.searchLag = on;
  }

  flushSearchIndex(): void {
    this.state.unindexed.clear();
  }

  get files() {
    return [...this.state.files.values()];
  }

  get attachments() {
    return this.state.attachments;
  }

  get emails() {
    return this.state.emails;
  }

  get cancellations() {
    return this.state.cancellations;
  }

  /** Events whose participants Zoho would have e-mailed (see defaultSendNotification). */
  get invitations() {
    return this.state.invitations;
  }

  // ------------------------------------------------------------- faults and limits

  fault(spec: FaultSpec): void {
    this.faults.push({ spec, skip: spec.skip ?? 0, left: spec.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  setConcurrencyLimit(limit: number | undefined): void {
    this.options.concurrencyLimit = limit;
  }

  setLatency(ms: number): void {
    this.options.latencyMs = ms;
  }

  /** Every access token issued so far stops working: the API answers 401 INVALID_TOKEN. */
  expireAccessTokens(): void {
    this.accounts.expireAccessTokens();
  }

  // ------------------------------------------------------------- observation

  /** Requests per endpoint label. */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  count(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  requestsTo(label: string): RecordedRequest[] {
    return this.requests.filter((r) => r.label === label);
  }

  /** Successful refresh-token grants. */
  get refreshCount(): number {
    return this.accounts.refreshCount;
  }

  // ------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const found = this.match(method, url.pathname);
    const label = found ? found.route.label(found.m) : `${method} ${url.pathname}`;
    const contentType = req.headers['content-type'] ?? '';
    const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const ctx: RouteCtx = {
      query: url.searchParams,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, single(v)])),
      json: undefined,
      form: undefined,
      urlencoded: undefined,
    };
    let bodyForLog: unknown;
    let badJson = false;
    if (contentType.includes('application/json') && raw.length > 0) {
      try {
        ctx.json = JSON.parse(raw.toString('utf8'));
        bodyForLog = ctx.json;
      } catch {
        badJson = true;
        bodyForLog = raw.toString('utf8');
      }
    } else if (contentType.includes('application/x-www-form-urlencoded')) {
      ctx.urlencoded = new URLSearchParams(raw.toString('utf8'));
      bodyForLog = Object.fromEntries(ctx.urlencoded);
    } else if (contentType.includes('multipart/form-data')) {
      ctx.form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
      bodyForLog = [...ctx.form.entries()].map(([k, v]) => (typeof v === 'string' ? { [k]: v } : { [k]: { name: v.name, size: v.size, type: v.type } }));
    } else if (raw.length > 0) {
      bodyForLog = raw.toString('utf8');
    }
    this.requests.push({ method, path: url.pathname, label, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body: bodyForLog, at: this.state.now() });
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);

    const isApi = url.pathname.startsWith('/crm/');
    const heavy = isApi && !!found?.route.heavy?.(ctx);
    if (isApi) {
      this.inFlight += 1;
      if (heavy) this.heavyInFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.once('close', () => {
        this.inFlight -= 1;
        if (heavy) this.heavyInFlight -= 1;
      });
    }

    let reply: Reply;
    try {
      reply = await this.answer(req, ctx, found, label, method, url.pathname, isApi, heavy, badJson);
    } catch (err) {
      reply = errors.internal();
      reply.headers = { 'x-double-error': err instanceof Error ? err.message.slice(0, 200) : 'error' };
    }
    if (reply.hang) return;
    if (reply.disconnect) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { ...reply.headers };
    let payload = '';
    if (reply.body !== undefined && reply.status !== 204) {
      headers['content-type'] = 'application/json;charset=UTF-8';
      payload = JSON.stringify(reply.body);
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  private async answer(
    req: http.IncomingMessage,
    ctx: RouteCtx,
    found: { route: Route; m: RegExpExecArray } | undefined,
    label: string,
    method: string,
    path: string,
    isApi: boolean,
    heavy: boolean,
    badJson: boolean,
  ): Promise<Reply> {
    const limit = this.options.concurrencyLimit;
    if (isApi && limit !== undefined) {
      const heavyLimit = this.options.heavyConcurrencyLimit ?? Math.min(10, limit);
      if (this.inFlight > limit || (heavy && this.heavyInFlight > heavyLimit)) {
        this.concurrencyRejections += 1;
        return errors.tooManyRequests();
      }
    }
    const fault = this.takeFault(label, `${method} ${path}`);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    else if (fault && fault.kind !== 'lostAnswer') return this.faultReply(fault);
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    if (!isApi) return found ? found.route.run(ctx, found.m) : errors.invalidUrl();
    const denied = this.accounts.authorize(req.headers.authorization);
    if (denied) return denied;
    if (!found) return this.routes.some((r) => r.pattern.test(path)) ? errors.invalidMethod() : errors.invalidUrl();
    if (badJson) return errors.invalidBody();
    const reply = await found.route.run(ctx, found.m);
    return fault?.kind === 'lostAnswer' ? errors.internal(fault.status ?? 500) : reply;
  }

  private takeFault(label: string, target: string): FaultResponse | undefined {
    const f = this.faults.find((x) => x.left > 0 && (x.spec.match === undefined || (typeof x.spec.match === 'string' ? x.spec.match === label : x.spec.match.test(target))));
    if (!f) return undefined;
    if (f.skip > 0) {
      f.skip -= 1;
      return undefined;
    }
    if (f.spec.chance !== undefined && this.random() >= f.spec.chance) return undefined;
    f.left -= 1;
    return typeof f.spec.response === 'function' ? f.spec.response() : f.spec.response;
  }

  private random: () => number = Math.random;

  /** The random source of `chance` faults (a seeded one makes a failing run repeatable). */
  setRandom(random: () => number): void {
    this.random = random;
  }

  private faultReply(f: FaultResponse): Reply {
    switch (f.kind) {
      case 'rateLimit':
        return errors.tooManyRequests(f.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(f.retryAfterSeconds) });
      case 'serverError':
        return f.body === undefined ? errors.internal(f.status ?? 500) : json(f.status ?? 500, f.body);
      case 'hang':
        return { status: 0, hang: true };
      case 'disconnect':
        return { status: 0, disconnect: true };
      case 'invalidToken':
        return errors.invalidToken();
      case 'noPermission':
        return errors.noPermission(['Crm_Implied_View']);
      case 'reply':
        return json(f.status, f.body, f.headers);
      case 'lostAnswer':
        return errors.internal(f.status ?? 500);
      case 'delay':
        throw new Error('a delay is not an answer');
    }
  }

  private match(method: string, path: string): { route: Route; m: RegExpExecArray } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m) return { route, m };
    }
    return undefined;
  }

  private buildRoutes(): Route[] {
    const s = this.state;
    const r = this.records;
    const M = '([A-Za-z][A-Za-z0-9_]*)';
    const ID = '([^/]+)';
    const writeHeavy = (ctx: RouteCtx) => Array.isArray(ctx.json?.data) && (ctx.json!.data as unknown[]).length > 10;
    return [
      {
        method: 'POST',
        pattern: /^\/oauth\/v2\/token$/,
        label: () => 'POST /oauth/v2/token',
        // Zoho's docs put the parameters in the query string; the SDKs send a form body.
        run: (c) => this.accounts.token(new URLSearchParams([...c.query, ...(c.urlencoded ?? [])])),
      },
      { method: 'POST', pattern: /^\/crm\/v8\/coql$/, label: () => 'POST /crm/v8/coql', heavy: () => true, run: (c) => coqlRoute(s, c.json, this.options.coqlMaxLimit) },
      { method: 'GET', pattern: /^\/crm\/v8\/users$/, label: () => 'GET /crm/v8/users', run: (c) => usersRoute(s, c.query) },
      { method: 'GET', pattern: /^\/crm\/v8\/org$/, label: () => 'GET /crm/v8/org', run: () => orgRoute(s) },
      { method: 'GET', pattern: /^\/crm\/v8\/settings\/profiles$/, label: () => 'GET /crm/v8/settings/profiles', run: () => profilesRoute(s) },
      { method: 'GET', pattern: new RegExp(`^/crm/v8/settings/profiles/${ID}$`), label: () => 'GET /crm/v8/settings/profiles/{id}', run: (_c, m) => profilesRoute(s, decodeURIComponent(m[1])) },
      { method: 'GET', pattern: /^\/crm\/v8\/settings\/fields$/, label: () => 'GET /crm/v8/settings/fields', run: (c) => fieldsRoute(s, c.query) },
      { method: 'POST', pattern: /^\/crm\/v8\/files$/, label: () => 'POST /crm/v8/files', run: (c) => filesRoute(s, c.form, this.fileLimits) },
      {
        method: 'POST',
        pattern: new RegExp(`^/crm/v8/Events/${ID}/actions/cancel$`),
        label: () => 'POST /crm/v8/Events/{id}/actions/cancel',
        run: (c, m) => cancelRoute(s, decodeURIComponent(m[1]), c.json),
      },
      {
        method: 'POST',
        pattern: new RegExp(`^/crm/v8/${M}/${ID}/actions/associate_email$`),
        label: (m) => `POST /crm/v8/${m[1]}/{id}/actions/associate_email`,
        run: (c, m) => associateEmailRoute(s, m[1], decodeURIComponent(m[2]), c.json),
      },
      {
        method: 'POST',
        pattern: new RegExp(`^/crm/v8/${M}/${ID}/Attachments$`),
        label: (m) => `POST /crm/v8/${m[1]}/{id}/Attachments`,
        run: (c, m) => attachmentRoute(s, m[1], decodeURIComponent(m[2]), c.form, c.query, this.fileLimits),
      },
      { method: 'POST', pattern: /^\/crm\/v8\/actions\/watch$/, label: () => 'POST /crm/v8/actions/watch', run: (c) => this.watch.enable(c.json) },
      { method: 'PATCH', pattern: /^\/crm\/v8\/actions\/watch$/, label: () => 'PATCH /crm/v8/actions/watch', run: (c) => this.watch.update(c.json) },
      { method: 'GET', pattern: /^\/crm\/v8\/actions\/watch$/, label: () => 'GET /crm/v8/actions/watch', run: (c) => this.watch.list(c.query) },
      { method: 'DELETE', pattern: /^\/crm\/v8\/actions\/watch$/, label: () => 'DELETE /crm/v8/actions/watch', run: (c) => this.watch.disable(c.query) },
      {
        method: 'GET',
        pattern: new RegExp(`^/crm/v8/${M}/deleted$`),
        label: (m) => `GET /crm/v8/${m[1]}/deleted`,
        run: (c, m) => this.watch.deletedRoute(m[1], c.query, c.headers['if-modified-since']),
      },
      { method: 'POST', pattern: new RegExp(`^/crm/v8/${M}/upsert$`), label: (m) => `POST /crm/v8/${m[1]}/upsert`, heavy: writeHeavy, run: (c, m) => upsert(r, m[1], c.json) },
      { method: 'GET', pattern: new RegExp(`^/crm/v8/${M}/search$`), label: (m) => `GET /crm/v8/${m[1]}/search`, run: (c, m) => searchRoute(s, m[1], c.query) },
      { method: 'GET', pattern: new RegExp(`^/crm/v8/${M}/${ID}$`), label: (m) => `GET /crm/v8/${m[1]}/{id}`, run: (c, m) => getOne(r, m[1], decodeURIComponent(m[2]), c.query) },
      { method: 'PUT', pattern: new RegExp(`^/crm/v8/${M}/${ID}$`), label: (m) => `PUT /crm/v8/${m[1]}/{id}`, run: (c, m) => update(r, m[1], c.json, decodeURIComponent(m[2])) },
      { method: 'DELETE', pattern: new RegExp(`^/crm/v8/${M}/${ID}$`), label: (m) => `DELETE /crm/v8/${m[1]}/{id}`, run: (c, m) => remove(r, m[1], c.query, decodeURIComponent(m[2])) },
      { method: 'GET', pattern: new RegExp(`^/crm/v8/${M}$`), label: (m) => `GET /crm/v8/${m[1]}`, run: (c, m) => list(r, m[1], c.query) },
      { method: 'POST', pattern: new RegExp(`^/crm/v8/${M}$`), label: (m) => `POST /crm/v8/${m[1]}`, heavy: writeHeavy, run: (c, m) => insert(r, m[1], c.json) },
      { method: 'PUT', pattern: new RegExp(`^/crm/v8/${M}$`), label: (m) => `PUT /crm/v8/${m[1]}`, heavy: writeHeavy, run: (c, m) => update(r, m[1], c.json) },
      { method: 'DELETE', pattern: new RegExp(`^/crm/v8/${M}$`), label: (m) => `DELETE /crm/v8/${m[1]}`, run: (c, m) => remove(r, m[1], c.query) },
    ];
  }
}

export function startZohoDouble(options?: ZohoDoubleOptions): Promise<ZohoDouble> {
  return ZohoDouble.start(options);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function timeOf(v: unknown): string | undefined {
  if (v instanceof Date) return formatZohoDateTime(v.getTime());
  if (typeof v === 'number') return formatZohoDateTime(v);
  if (typeof v === 'string') return v;
  return undefined;
}

