/**
 * Spans, counters and structured log records through the OpenTelemetry API. Without a registered
 * SDK (no APPLICATIONINSIGHTS_CONNECTION_STRING, tests) every call here is a cheap no-op.
 */
import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Counter } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { scrubProperties, scrubText } from './redact';

const SCOPE = 'outlook-zoho-sync';

let enabled = false;

/** Set by startTelemetry: log lines then go to OpenTelemetry (custom dimensions) instead of the console. */
export function telemetryEnabled(): boolean {
  return enabled;
}

export function setTelemetryEnabled(on: boolean): void {
  enabled = on;
}

const SEVERITY = { debug: SeverityNumber.DEBUG, info: SeverityNumber.INFO, warn: SeverityNumber.WARN, error: SeverityNumber.ERROR } as const;

/** One log line as a log record: the message as body, the (scrubbed) properties as attributes. */
export function emitLog(level: keyof typeof SEVERITY, message: string, props: Record<string, unknown>): void {
  logs.getLogger(SCOPE).emit({
    body: scrubText(message),
    severityNumber: SEVERITY[level],
    severityText: level.toUpperCase(),
    attributes: scrubProperties(props),
    context: context.active(),
  });
}

type CounterName = 'items' | 'skips' | 'deferrals' | 'throttled';
const COUNTERS: Record<CounterName, { name: string; description: string }> = {
  items: { name: 'sync.items', description: 'report lines written, by module and result' },
  skips: { name: 'sync.skips', description: 'items recorded as skipped, by module and code' },
  deferrals: { name: 'sync.deferrals', description: 'queue messages put back for later (busy item or a vendor asked to wait), by queue' },
  throttled: { name: 'vendor.throttled', description: 'answers 429 (or 503 with Retry-After) from Graph or Zoho, by vendor' },
};
// The meter provider is replaced when telemetry starts, so instruments are kept per provider.
const counters = new WeakMap<object, Map<CounterName, Counter>>();

export function count(name: CounterName, attributes: Record<string, string>, n = 1): void {
  const provider = metrics.getMeterProvider();
  let mine = counters.get(provider);
  if (!mine) counters.set(provider, (mine = new Map()));
  let counter = mine.get(name);
  if (!counter) {
    counter = provider.getMeter(SCOPE).createCounter(COUNTERS[name].name, { description: COUNTERS[name].description });
    mine.set(name, counter);
  }
  counter.add(n, attributes);
}

export interface DependencyCall {
  vendor: 'Graph' | 'Zoho';
  method: string;
  /** the endpoint label, ids replaced by {id}: "GET /users/{id}/contacts/{id}" */
  label: string;
  /** scheme and host of the vendor */
  origin: string;
}

/**
 * A vendor call as a CLIENT span (an Application Insights dependency) named by its endpoint label,
 * so the URL in telemetry never carries ids, addresses or query strings.
 */
export async function dependency<T extends { status: number; headers?: Headers }>(call: DependencyCall, work: () => Promise<T>): Promise<T> {
  const path = call.label.replace(/^[A-Z]+\s+/, '');
  const tracer = trace.getTracer(SCOPE);
  return tracer.startActiveSpan(
    `${call.vendor} ${call.label}`,
    { kind: SpanKind.CLIENT, attributes: { 'http.request.method': call.method, 'url.full': `${call.origin}${path}`, 'server.address': new URL(call.origin).hostname, 'peer.service': call.vendor } },
    async (span) => {
      try {
        const res = await work();
        span.setAttribute('http.response.status_code', res.status);
        if (res.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        if (res.status === 429 || (res.status === 503 && res.headers?.get('retry-after'))) count('throttled', { vendor: call.vendor });
        return res;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', String((err as { code?: unknown }).code ?? (err as Error).name ?? 'Error'));
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The W3C traceparent of the current context (to carry in a queue message), if any. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent && TRACEPARENT.test(carrier.traceparent) ? carrier.traceparent : undefined;
}

function traceparentOf(message: unknown): string | undefined {
  let body = message;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const value = body && typeof body === 'object' ? (body as { traceparent?: unknown }).traceparent : undefined;
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : undefined;
}

/**
 * Runs a queue trigger's work in a CONSUMER span continuing the trace of whoever queued the
 * message (its `traceparent`), so one trace runs from a notification to the Zoho write.
 */
export async function inMessageTrace<T>(queue: string, message: unknown, work: () => Promise<T>): Promise<T> {
  const traceparent = traceparentOf(message);
  const parent: Context = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : context.active();
  const span = trace.getTracer(SCOPE).startSpan(`${queue} process`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'azure_storage_queue', 'messaging.destination.name': queue, 'messaging.operation.type': 'process' } }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', (err as Error).name ?? 'Error');
    throw err;
  } finally {
    span.end();
  }
}
