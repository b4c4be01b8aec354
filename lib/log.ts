import { emitLog, telemetryEnabled } from './telemetry/signals';

/**
 * The logger every lib module receives. Functions pass one built on the InvocationContext so logs
 * stay correlated with the invocation; tests pass a recording one. Properties must never carry
 * e-mail addresses, names or bodies at info level: log ids, counts and codes.
 */
import { enterInvocation } from './invocation';

export interface Logger {
  debug(message: string, props?: Record<string, unknown>): void;
  info(message: string, props?: Record<string, unknown>): void;
  warn(message: string, props?: Record<string, unknown>): void;
  error(message: string, props?: Record<string, unknown>): void;
}

export interface ContextLike {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/**
 * Structured log lines through the Functions invocation context. With telemetry on, each line is an
 * OpenTelemetry log record instead: the message as body and the properties as custom dimensions
 * (user ids hashed, personal and secret properties dropped; lib/telemetry/redact.ts), in the trace
 * of the current invocation. Without it (local runs), a readable line: the message, then the
 * properties as JSON.
 */
export function contextLogger(context: ContextLike, base: Record<string, unknown> = {}): Logger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error', message: string, props?: Record<string, unknown>) => {
    const fields = { ...base, ...props };
    if (telemetryEnabled()) return emitLog(level, message, fields);
    context[level](Object.keys(fields).length ? `${message} ${JSON.stringify(fields)}` : message);
  };
  const logger: Logger = {
    debug: (m, p) => write('debug', m, p),
    info: (m, p) => write('info', m, p),
    warn: (m, p) => write('warn', m, p),
    error: (m, p) => write('error', m, p),
  };
  // The shared Graph and Zoho clients log through the invocation that makes each call.
  enterInvocation(logger);
  return logger;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Keeps every line in memory; used by tests to assert what was (and was not) logged. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; props?: Record<string, unknown> }[] = [];
  debug(message: string, props?: Record<string, unknown>) { this.lines.push({ level: 'debug', message, props }); }
  info(message: string, props?: Record<string, unknown>) { this.lines.push({ level: 'info', message, props }); }
  warn(message: string, props?: Record<string, unknown>) { this.lines.push({ level: 'warn', message, props }); }
  error(message: string, props?: Record<string, unknown>) { this.lines.push({ level: 'error', message, props }); }
  text(): string { return this.lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.props ?? {})}`).join('\n'); }
}
