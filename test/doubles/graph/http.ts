import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** Graph's JSON content type, as the service sends it. */
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** What a route handler sees of a request. `path` is decoded, normalised and version-less. */
export interface DoubleRequest {
  method: string;
  url: URL;
  /** Normalised segments, e.g. ['users', '<id>', 'mailFolders', 'sentitems', 'messages']. */
  segments: string[];
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The request's raw path without query (used to build nextLink/deltaLink like Graph does). */
  rawPath: string;
}

export interface DoubleResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON value, string or Buffer (sent as is), or undefined (empty body). */
  body?: unknown;
}

/**
 * Thrown by handlers to answer with Graph's error body
 * `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`.
 */
export class GraphHttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): DoubleResponse {
  return { status, body, headers: { 'Content-Type': GRAPH_JSON, ...headers } };
}

export function noContent(): DoubleResponse {
  return { status: 204 };
}

export function parseJsonBody(req: DoubleRequest): Record<string, unknown> {
  if (!req.body) throw new GraphHttpError(400, 'BadRequest', 'Empty Payload, JSON content expected');
  try {
    const value = JSON.parse(req.body);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new GraphHttpError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}

export function graphErrorBody(code: string, message: string, requestId: string, clientRequestId?: string): unknown {
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId },
    },
  };
}

/** Headers Graph puts on every answer; `request-id` is what support asks for. */
export function standardHeaders(req: IncomingMessage): { requestId: string; headers: Record<string, string> } {
  const requestId = randomUUID();
  const clientRequestId = headerValue(req.headers, 'client-request-id') ?? requestId;
  return {
    requestId,
    headers: {
      'request-id': requestId,
      'client-request-id': clientRequestId,
      'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'Loopback', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'graph-double' } }),
      'OData-Version': '4.0',
      'Cache-Control': 'no-cache',
    },
  };
}

export function write(res: ServerResponse, response: DoubleResponse, base: Record<string, string>): void {
  const headers: Record<string, string> = { ...base, ...response.headers };
  let payload: string | Buffer | undefined;
  if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) payload = response.body;
  else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = GRAPH_JSON;
  }
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `Prefer: odata.maxpagesize=N` (several preferences may share one header, comma-separated). */
export function preferredPageSize(headers: IncomingHttpHeaders): number | undefined {
  const prefer = headers['prefer'];
  const all = (Array.isArray(prefer) ? prefer.join(',') : prefer ?? '');
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(all);
  return m ? Number(m[1]) : undefined;
}
