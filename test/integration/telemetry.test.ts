import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { userHash } from '../../lib/telemetry/redact';
import { startTelemetry } from '../../lib/telemetry/start';
import { DOUBLE_CREDENTIALS } from '../doubles/zoho';
import { TEST_CLIENT_SECRET } from '../support/settings';
import { startSystem, type System } from '../support/system';

/**
 * Telemetry as production starts it (the Azure Monitor distro with our redacting processors),
 * with in-memory exporters added: a contact goes notification → queue → worker → Zoho, and what
 * would leave the process is checked: one trace from the webhook to the Zoho write, vendor calls as
 * dependencies, log lines with custom dimensions, counters, and no address, name or secret.
 */
const spans = new InMemorySpanExporter();
const logRecords = new InMemoryLogRecordExporter();
const metricReader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });

let sys: System;
let ingestion: Server;
/** what the Azure Monitor exporter sent to the ingestion endpoint (a loopback stand-in), decoded */
const ingested: string[] = [];
let userId: string;
let subscriptionId: string;
const UPN = 'adele.vance@contoso.com';
const PERSONAL = ['pavelb@fabrikam.com', 'Pavel', 'Bansky', 'Procurement', 'Met at Ignite', 'adele.vance', 'Adele', 'Vance', 'dora@fabrikam.com', 'Dora'];

beforeAll(async () => {
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  process.env.APPLICATIONINSIGHTS_INSTRUMENTATION_LOGGING_LEVEL = 'ERROR';
  const tls = path.resolve(__dirname, '../fixtures/tls');
  ingestion = createServer({ key: readFileSync(path.join(tls, 'server.key')), cert: readFileSync(path.join(tls, 'server.pem')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      ingested.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
      const items = ingested[ingested.length - 1].split('\n').filter(Boolean).length;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items, itemsAccepted: items, errors: [] }));
    });
  });
  await new Promise<void>((r) => ingestion.listen(0, '127.0.0.1', r));
  const endpoint = `https://127.0.0.1:${(ingestion.address() as AddressInfo).port}/`;
  const on = startTelemetry(
    { APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${endpoint};LiveEndpoint=${endpoint}` },
    { spanProcessors: [new SimpleSpanProcessor(spans)], logRecordProcessors: [new SimpleLogRecordProcessor(logRecords)], metricReaders: [metricReader], disableOfflineStorage: true },
  );
  expect(on).toBe(true);
  sys = await startSystem();
  userId = sys.graph.addUser({ userPrincipalName: UPN, displayName: 'Adele Vance' }).id;
  sys.zoho.addUser({ email: UPN, last_name: 'Vance' });
  subscriptionId = await sys.subscribe(userId, 'contacts');
}, 60_000);

afterAll(async () => {
  await sys?.close();
  ingestion?.closeAllConnections();
  await new Promise((r) => ingestion?.close(r));
});

function everything(): string {
  const s = spans.getFinishedSpans().map((x) => ({ name: x.name, attributes: x.attributes, events: x.events.map((e) => [e.name, e.attributes]) }));
  const l = logRecords.getFinishedLogRecords().map((r) => ({ body: r.body, attributes: r.attributes }));
  return JSON.stringify({ s, l });
}

describe('telemetry of one synced contact', () => {
  let contactId: string;
  let traceId: string;

  beforeAll(async () => {
    const contact = sys.graph.contacts.add(userId, {
      givenName: 'Pavel',
      surname: 'Bansky',
      department: 'Procurement',
      personalNotes: 'Met at Ignite 2023.',
      emailAddresses: [{ address: 'pavelb@fabrikam.com', name: 'Pavel Bansky' }],
      categories: ['Zoho'],
    });
    contactId = String(contact.id);
    // One 429 from Zoho on the write: retried inside the request, counted as throttling.
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', times: 1, response: { kind: 'rateLimit', retryAfterSeconds: 1 } });
    await sys.change(userId, 'contact', contactId, 'created');
    const webhook = sys.host.served.filter((r) => r.method === 'POST' && r.path.startsWith('/api/graph/notifications') && r.status === 202).pop();
    traceId = webhook!.traceparent!.split('-')[1];
  }, 30_000);

  it('runs in one trace from the notification through the queue message to the Zoho write', () => {
    const inTrace = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = inTrace.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['sync-items process', 'Graph GET /users/{id}/contacts/{id}', 'Zoho POST /crm/v8/Contacts']));
    const consumer = inTrace.find((s) => s.name === 'sync-items process')!;
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    const write = inTrace.filter((s) => s.name === 'Zoho POST /crm/v8/Contacts');
    expect(write.map((s) => s.attributes['http.response.status_code']).sort()).toEqual([201, 429]);
    expect(write.every((s) => s.parentSpanContext?.spanId === consumer.spanContext().spanId)).toBe(true);
  });

  it('shows Graph and Zoho calls as dependencies with method, status and a URL without ids', () => {
    const graphRead = spans.getFinishedSpans().find((s) => s.name === 'Graph GET /users/{id}/contacts/{id}')!;
    expect(graphRead.kind).toBe(SpanKind.CLIENT);
    expect(graphRead.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200, 'peer.service': 'Graph' });
    expect(String(graphRead.attributes['url.full'])).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/users\/\{id\}\/contacts\/\{id\}$/);
    expect(JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes))).not.toContain(contactId);
  });

  it('logs carry user hash, module, item id, run id, Zoho id and result as custom dimensions, in the same trace', () => {
    const processed = logRecords.getFinishedLogRecords().find((r) => r.body === 'item processed' && r.attributes.itemId === contactId)!;
    expect(processed).toBeDefined();
    const zohoId = sys.zoho.recordsOf('Contacts').find((r) => r.Email === 'pavelb@fabrikam.com')!.id;
    expect(processed.attributes).toMatchObject({ userHash: userHash(userId), module: 'contacts', itemId: contactId, runId: expect.stringMatching(/^auto-\d{4}-\d{2}-\d{2}$/), result: 'added', zohoId, fn: 'sync-worker' });
    expect(processed.attributes).not.toHaveProperty('userId');
    expect(processed.spanContext?.traceId).toBe(traceId);
    const accepted = logRecords.getFinishedLogRecords().find((r) => r.body === 'notifications accepted' && r.spanContext?.traceId === traceId);
    expect(accepted?.attributes).toMatchObject({ queued: 1 });
  });

  it('counts items by result, vendor throttling and skips', async () => {
    sys.zoho.denyPermission({ module: 'Contacts', operations: ['create'] });
    try {
      const refused = sys.graph.contacts.add(userId, { givenName: 'Dora', surname: 'Refused', emailAddresses: [{ address: 'dora@fabrikam.com' }], categories: ['Zoho'] });
      await sys.change(userId, 'contact', String(refused.id), 'created');
    } finally {
      sys.zoho.state.permissions.length = 0;
    }
    const { resourceMetrics } = await metricReader.collect();
    const points = (name: string) => resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints.map((d) => ({ attributes: d.attributes, value: d.value })));
    expect(points('sync.items')).toEqual(expect.arrayContaining([{ attributes: { module: 'contacts', result: 'added' }, value: 1 }, { attributes: { module: 'contacts', result: 'skipped' }, value: 1 }]));
    expect(points('sync.skips')).toEqual([{ attributes: { module: 'contacts', code: 'NO_PERMISSION' }, value: 1 }]);
    expect(points('vendor.throttled')).toEqual([{ attributes: { vendor: 'Zoho' }, value: 1 }]);
  });

  it('lets no e-mail address, name, body or secret out, neither in the SDK nor in what reaches Azure Monitor', async () => {
    await shutdownAzureMonitor();
    const exported = ingested.join('\n');
    // The envelopes Application Insights receives: our log lines as traces with custom dimensions, the vendor calls as dependencies.
    expect(exported).toContain('"message":"item processed"');
    expect(exported).toMatch(/"userHash":"[0-9a-f]{16}"/);
    expect(exported).toContain('RemoteDependencyData');
    const text = `${everything()}\n${exported}`;
    for (const value of [...PERSONAL, userId, subscriptionId, TEST_CLIENT_SECRET, DOUBLE_CREDENTIALS.clientSecret, DOUBLE_CREDENTIALS.refreshToken, 'Zoho-oauthtoken']) {
      expect({ value, found: text.includes(value) }).toEqual({ value, found: false });
    }
    expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}/);
  });
});
