/**
 * Turns telemetry on when APPLICATIONINSIGHTS_CONNECTION_STRING is set: the Azure Monitor
 * OpenTelemetry distro (traces, logs, metrics, HTTP and Azure SDK instrumentation) plus the Azure
 * Functions instrumentation (the host's trace context on every invocation; the worker sends its own
 * logs). Our spans and log records pass the redacting processors before any exporter sees them.
 */
import { trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import { RedactingLogRecordProcessor, RedactingSpanProcessor } from './processors';
import { setTelemetryEnabled, telemetryEnabled } from './signals';

export type TelemetryExtras = Pick<AzureMonitorOpenTelemetryOptions, 'spanProcessors' | 'logRecordProcessors' | 'metricReaders'> & { disableOfflineStorage?: boolean };

/** Returns whether telemetry is on. Idempotent; `extras` lets tests add in-memory exporters. */
export function startTelemetry(env: Record<string, string | undefined> = process.env, extras: TelemetryExtras = {}): boolean {
  if (telemetryEnabled()) return true;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return false;
  // Loaded only when used: the distro is large and local runs and most tests never need it.
  const { useAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString, disableOfflineStorage: extras.disableOfflineStorage },
    // Every trace, whole: the distro's default rate limit (5 traces/s) decides again under a remote
    // parent (after each queue hop), which can cut an item's trail in two. OTEL_TRACES_SAMPLER(_ARG) override this.
    samplingRatio: 1,
    tracesPerSecond: 0,
    instrumentationOptions: {
      http: { enabled: true },
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
    spanProcessors: [new RedactingSpanProcessor(), ...(extras.spanProcessors ?? [])],
    logRecordProcessors: [new RedactingLogRecordProcessor(), ...(extras.logRecordProcessors ?? [])],
    metricReaders: extras.metricReaders,
  });
  instrumentFunctions();
  setTelemetryEnabled(true);
  return true;
}

/**
 * The Functions instrumentation patches `@azure/functions` when it is required. The host loads
 * function files in no set order, so the module may already be loaded when this runs: requiring it
 * again after the registration is what lets the instrumentation's require hook patch it (once).
 */
function instrumentFunctions(): void {
  const { AzureFunctionsInstrumentation } = require('@azure/functions-opentelemetry-instrumentation') as typeof import('@azure/functions-opentelemetry-instrumentation');
  registerInstrumentations({ tracerProvider: trace.getTracerProvider(), loggerProvider: logs.getLoggerProvider(), instrumentations: [new AzureFunctionsInstrumentation()] });
  require('@azure/functions');
}
