import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { context as otelContext, propagation, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * A loopback stand-in for the Functions host's HTTP front door (the real host cannot run on
 * these machines): it turns each request into a real `HttpRequest` + `InvocationContext` from
 * @azure/functions, calls the handler, and writes its HttpResponseInit back. Routes live under
 * `/api/` like the host's default routePrefix; `{name}` segments become `req.params`.
 */
export interface HostRoute {
  method: string;
  /** e.g. 'graph/notifications' or 'resync/{jobId}' (no /api prefix). */
  route: string;
  handler: (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;
  /** Function name given to the InvocationContext (defaults to the route). */
  name?: string;
}

export interface FunctionHost {
  /** http://127.0.0.1:<port> ; a route is at `${url}/api/${route}`. */
  url: string;
  /** Requests served, in order (method, path with query, status answered). */
  readonly served: { method: string; path: string; status: number; traceparent?: string }[];
  close(): Promise<void>;
}

export async function startFunctionHost(routes: HostRoute[]): Promise<FunctionHost> {
  // Literal segments win over parameters ('resync/status' before 'resync/{jobId}').
  const compiled = routes
    .map((r) => ({ ...r, segments: r.route.split('/').filter(Boolean) }))
    .sort((a, b) => literals(b.segments) - literals(a.segments));
  const served: FunctionHost['served'] = [];
  let invocation = 0;

  const server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(err instanceof Error ? err.message : String(err));
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const parts = url.pathname.split('/').filter(Boolean);
    // Like the host: each request runs in a trace (the caller's traceparent, or a new one), which the
    // Functions instrumentation makes the handler's current context.
    const incoming = req.headers.traceparent;
    const traceparent = typeof incoming === 'string' ? incoming : `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const record = { method, path: url.pathname + url.search, status: 404, traceparent };
    served.push(record);
    if (parts.shift() !== 'api') return finish(res, record, { status: 404 });
    const match = compiled
      .filter((r) => r.method.toUpperCase() === method)
      .map((r) => ({ r, params: matchRoute(r.segments, parts) }))
      .find((m) => m.params !== undefined);
    if (!match) return finish(res, record, { status: 404 });

    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    // No `query` in the init: the URL's own query string is used (passing `query` would replace it).
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params: match.params,
      body: method === 'GET' || method === 'HEAD' ? undefined : { string: body },
    });
    const context = new InvocationContext({
      invocationId: `host-${++invocation}`,
      functionName: match.r.name ?? match.r.route,
      logHandler: () => undefined,
      traceContext: { traceParent: traceparent },
    });
    const response = await otelContext.with(propagation.extract(ROOT_CONTEXT, { traceparent }), () => match.r.handler(request, context));
    return finish(res, record, response);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function finish(res: ServerResponse, record: { status: number }, response: HttpResponseInit): Promise<void> {
  const status = response.status ?? 200;
  record.status = status;
  const headers = new Headers(response.headers as ConstructorParameters<typeof Headers>[0]);
  let payload: Buffer | undefined;
  if (response.jsonBody !== undefined) {
    payload = Buffer.from(JSON.stringify(response.jsonBody));
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  } else if (response.body !== undefined && response.body !== null) {
    payload = await bodyBytes(response.body);
    if (!headers.has('content-type') && typeof response.body === 'string') headers.set('content-type', 'text/plain;charset=UTF-8');
  }
  const out: Record<string, string> = {};
  headers.forEach((value, key) => { out[key] = value; });
  if (payload) out['content-length'] = String(payload.length);
  res.writeHead(status, out);
  res.end(payload);
}

/** HttpResponseInit.body may be a string, bytes, a stream or anything `Response` accepts. */
async function bodyBytes(body: NonNullable<HttpResponseInit['body']>): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}

function literals(segments: string[]): number {
  return segments.filter((s) => !s.startsWith('{')).length;
}

function matchRoute(template: string[], parts: string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    const value = decodeURIComponent(parts[i]);
    if (t.startsWith('{') && t.endsWith('}')) params[t.slice(1, -1).replace(/[:?].*$/, '')] = value;
    else if (t.toLowerCase() !== value.toLowerCase()) return undefined;
  }
  return params;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
