import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { scrubSpanAttributes, scrubText } from './redact';

/**
 * Last line of defence for spans from libraries (HTTP, Azure SDK): URLs lose their query and
 * Table keys, texts lose e-mail addresses. Runs before the exporter's batch processor, which
 * exports later, so the changes are what leaves the process.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parent: Context): void {}
  onEnd(span: ReadableSpan): void {
    scrubSpanAttributes(span.attributes as Record<string, unknown>);
    for (const event of span.events) if (event.attributes) scrubSpanAttributes(event.attributes as Record<string, unknown>);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Log records from any source (the Functions log hook, the Azure SDK): bodies lose e-mail addresses. */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  onEmit(record: SdkLogRecord): void {
    if (typeof record.body === 'string') record.setBody(scrubText(record.body));
    const attributes = record.attributes as Record<string, unknown>;
    for (const [key, value] of Object.entries(attributes)) if (typeof value === 'string') record.setAttribute(key, scrubText(value));
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
