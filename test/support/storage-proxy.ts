import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain HTTP forwarder put in front of one Azurite endpoint (tables or queues): it records every
 * request the storage SDK really sends, retries and pages included, and can refuse the ones a test
 * chooses, so that counts and failures are observed on the wire instead of by mocking our code.
 */
export interface StorageProxy {
  url: string;
  readonly requests: { method: string; path: string }[];
  /** answers 503 to each request for which this returns true (none by default) */
  refuse: (req: { method: string; path: string }) => boolean;
  close(): Promise<void>;
}

export async function startStorageProxy(target: string): Promise<StorageProxy> {
  const upstream = new URL(target);
  const proxy: StorageProxy = {
    url: '',
    requests: [],
    refuse: () => false,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res) => {
    const seen = { method: req.method ?? 'GET', path: req.url ?? '/' };
    proxy.requests.push(seen);
    if (proxy.refuse(seen)) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>refused by the test proxy</Message></Error>');
      return;
    }
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** The connection string with one service's endpoint sent through a proxy (the account path is kept). */
export function viaProxy(connectionString: string, service: 'Table' | 'Queue', proxy: StorageProxy): string {
  return connectionString.replace(new RegExp(`${service}Endpoint=http://127\\.0\\.0\\.1:\\d+`), `${service}Endpoint=${proxy.url}`);
}

/** The endpoint a connection string names for a service, e.g. http://127.0.0.1:10002 */
export function endpointOf(connectionString: string, service: 'Table' | 'Queue'): string {
  const m = new RegExp(`${service}Endpoint=(http://127\\.0\\.0\\.1:\\d+)`).exec(connectionString);
  if (!m) throw new Error(`no ${service} endpoint`);
  return m[1];
}
