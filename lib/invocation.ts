/**
 * The invocation a piece of code runs for, so process-wide clients (Graph, Zoho: they keep tokens,
 * caches and concurrency limits across invocations) log through the logger of the invocation that
 * made the call. The Functions logger of each invocation is entered when it is built
 * (lib/log.ts' contextLogger); without one, lines go to the fallback.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './log';

const current = new AsyncLocalStorage<Logger>();

/** From here on (this call and what it awaits), the current invocation logs through `logger`. */
export function enterInvocation(logger: Logger): void {
  current.enterWith(logger);
}

/** A logger that writes to the current invocation's logger, else to `fallback`. */
export function invocationLogger(fallback?: Logger): Logger {
  const pick = () => current.getStore() ?? fallback;
  return {
    debug: (m, p) => pick()?.debug(m, p),
    info: (m, p) => pick()?.info(m, p),
    warn: (m, p) => pick()?.warn(m, p),
    error: (m, p) => pick()?.error(m, p),
  };
}
