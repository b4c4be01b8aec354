/**
 * Wiring for tests: a real ZohoClient + ZohoTokenProvider pointed at a running double, with a
 * recording sleep (429 back-off waits are recorded, not slept) and a CallCounter.
 */
import { MemoryLogger } from '../../../lib/log';
import { CallCounter } from '../../../lib/metrics';
import { ZohoClient, type ZohoClientOptions } from '../../../lib/zoho/client';
import { ZohoFieldCache } from '../../../lib/zoho/metadata';
import { ZohoTokenProvider, type ZohoTokenProviderOptions } from '../../../lib/zoho/token';
import { MemoryTokenStore, type ZohoTokenStore } from '../../../lib/zoho/token-store';
import type { ZohoDouble } from './server';

export interface ClientHarness {
  client: ZohoClient;
  tokens: ZohoTokenProvider;
  calls: CallCounter;
  logger: MemoryLogger;
  store: ZohoTokenStore;
  /** Delays the client asked to sleep, in order. */
  sleeps: number[];
}

export function clientFor(
  double: ZohoDouble,
  opts: { store?: ZohoTokenStore; client?: Partial<ZohoClientOptions>; tokens?: Partial<ZohoTokenProviderOptions> } = {},
): ClientHarness {
  const calls = new CallCounter();
  const logger = new MemoryLogger();
  const store = opts.store ?? new MemoryTokenStore();
  const sleeps: number[] = [];
  const tokens = new ZohoTokenProvider({
    accountsUrl: double.accountsUrl,
    ...double.credentials,
    store,
    calls,
    logger,
    expectedApiDomain: double.apiDomain,
    ...opts.tokens,
  });
  const client = new ZohoClient({
    apiDomain: double.apiDomain,
    tokens,
    calls,
    logger,
    fieldCache: new ZohoFieldCache(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...opts.client,
  });
  return { client, tokens, calls, logger, store, sleeps };
}
