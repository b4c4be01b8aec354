import { GraphHttpError, type DoubleRequest, type DoubleResponse } from './http';

export type Handler = (req: DoubleRequest) => DoubleResponse | Promise<DoubleResponse>;

interface Route {
  method: string;
  template: string[];
  literalCount: number;
  handler: Handler;
}

/**
 * Path-template router. Literal segments match case-insensitively (Graph does), `{name}`
 * matches one segment; when several routes match, the one with more literal segments wins, so
 * `/users/{u}/contacts/delta` beats `/users/{u}/contacts/{id}`.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: Handler): void {
    const segments = template.split('/').filter(Boolean);
    this.routes.push({
      method: method.toUpperCase(),
      template: segments,
      literalCount: segments.filter((s) => !s.startsWith('{')).length,
      handler,
    });
  }

  get(template: string, handler: Handler): void { this.add('GET', template, handler); }
  post(template: string, handler: Handler): void { this.add('POST', template, handler); }
  patch(template: string, handler: Handler): void { this.add('PATCH', template, handler); }
  delete(template: string, handler: Handler): void { this.add('DELETE', template, handler); }

  /** The best route for the method, or a Graph-style 400/405 error. */
  resolve(method: string, segments: string[]): { handler: Handler; params: Record<string, string> } {
    const { route, params } = this.best(method, segments);
    return { handler: route.handler, params };
  }

  private best(method: string, segments: string[]): { route: Route; params: Record<string, string> } {
    let best: { route: Route; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.template, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      if (!best || route.literalCount > best.route.literalCount) best = { route, params };
    }
    if (best) return best;
    if (pathMatched) throw new GraphHttpError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    const unknown = firstUnknownSegment(this.routes, segments);
    throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${unknown}'.`);
  }

  /** The matching route's template ('{tenant}/oauth2/v2.0/token'); throws like resolve. */
  template(method: string, segments: string[]): string {
    const { route } = this.best(method, segments);
    return route.template.join('/');
  }
}

function match(template: string[], segments: string[]): Record<string, string> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t.startsWith('{')) params[t.slice(1, -1)] = segments[i];
    else if (t.toLowerCase() !== segments[i].toLowerCase()) return undefined;
  }
  return params;
}

function firstUnknownSegment(routes: Route[], segments: string[]): string {
  for (let i = 0; i < segments.length; i++) {
    const known = routes.some((r) => {
      const t = r.template[i];
      return t !== undefined && (t.startsWith('{') || t.toLowerCase() === segments[i].toLowerCase()) && match(r.template.slice(0, i + 1), segments.slice(0, i + 1));
    });
    if (!known) return segments[i];
  }
  return segments[segments.length - 1] ?? '';
}

const KEY_SEGMENT = /^([A-Za-z][A-Za-z0-9.]*)\((.*)\)$/;

/**
 * Turns a raw URL path into decoded segments without the version, expanding OData key syntax:
 * `/v1.0/users('x')/mailFolders('sentitems')/messages` → users, x, mailFolders, sentitems, messages.
 */
export function normalisePath(rawPath: string): { version?: string; segments: string[] } {
  const raw = rawPath.split('/').filter(Boolean);
  let version: string | undefined;
  if (raw[0] && /^(v1\.0|beta)$/i.test(raw[0])) version = raw.shift();
  const segments: string[] = [];
  for (const part of raw) {
    const decoded = safeDecode(part);
    const key = KEY_SEGMENT.exec(decoded);
    if (key && key[2] !== '') {
      segments.push(key[1], key[2].replace(/^'(.*)'$/, '$1'));
    } else {
      segments.push(decoded);
    }
  }
  return { version, segments };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
