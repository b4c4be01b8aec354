import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { MemoryLogger } from '../../lib/log';

/** A real @azure/functions HttpRequest, as the host would build it. */
export function httpRequest(init: { method?: string; url: string; body?: string | object; headers?: Record<string, string>; params?: Record<string, string> }): HttpRequest {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  return new HttpRequest({
    method: init.method ?? 'POST',
    url: init.url,
    body: body === undefined ? undefined : { string: body },
    headers: { 'content-type': typeof init.body === 'object' ? 'application/json' : 'text/plain', ...init.headers },
    params: init.params,
  });
}

/** A host log handler that writes each line, at its level, into every logger given. */
function logInto(...loggers: MemoryLogger[]): (level: string, ...args: unknown[]) => void {
  return (level, ...args) => {
    const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    const method = level === 'information' ? 'info' : level === 'warning' ? 'warn' : level === 'error' || level === 'critical' ? 'error' : 'debug';
    for (const logger of loggers) logger[method](text);
  };
}

/** An InvocationContext whose log lines are kept for assertions. */
export function invocation(
  functionName = 'test',
  opts: { triggerMetadata?: Record<string, unknown>; alsoInto?: MemoryLogger[] } = {},
): { context: InvocationContext; logs: MemoryLogger } {
  const logs = new MemoryLogger();
  const context = new InvocationContext({
    invocationId: `inv-${Math.random().toString(36).slice(2)}`,
    functionName,
    triggerMetadata: opts.triggerMetadata,
    logHandler: logInto(logs, ...(opts.alsoInto ?? [])),
  });
  return { context, logs };
}

export async function responseText(res: HttpResponseInit): Promise<string> {
  if (res.jsonBody !== undefined) return JSON.stringify(res.jsonBody);
  if (typeof res.body === 'string') return res.body;
  return '';
}
