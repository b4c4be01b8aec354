import type { QueueClient } from '@azure/storage-queue';
import { StorageAccount } from './storage';
import type { z } from 'zod';
import { count, currentTraceparent } from './telemetry/signals';

/**
 * A typed queue. Messages are JSON, base64-encoded because that is what the Functions queue
 * trigger decodes by default (host.json `messageEncoding`).
 */
export interface MessageQueue<T> {
  send(message: T, options?: { visibilityTimeoutSeconds?: number }): Promise<void>;
}

export { QUEUES } from './queue-names';

export function encodeMessage(message: unknown): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

/**
 * A queue trigger's message as its schema should see it: the host hands over JSON already
 * parsed, but a body it could not parse arrives as a string, which is tried here; anything that
 * is still not JSON is left for the schema to refuse.
 */
export function messageBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export class StorageQueue<T> implements MessageQueue<T> {
  private readonly client: QueueClient;
  private ready?: Promise<unknown>;

  /** `storage`: a connection string, or the account (keyless, lib/storage.ts). */
  constructor(storage: string | StorageAccount, readonly name: string, private readonly schema: z.ZodType<T>) {
    const account = typeof storage === 'string' ? new StorageAccount(storage) : storage;
    // Tight retries: the webhook must answer Graph within 3 s, and a 5xx makes Graph redeliver anyway.
    this.client = account.queue(name, { retryOptions: { maxTries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 400, tryTimeoutInMs: 2000 } });
  }

  async send(message: T, options?: { visibilityTimeoutSeconds?: number }): Promise<void> {
    // Parse on the way in too: a message the worker cannot read would only fail later, far from its cause.
    const parsed = this.schema.parse(message);
    // The trace of whoever queues travels with the message (W3C traceparent), so the worker's
    // span continues it; the workers' schemas ignore the field.
    const traceparent = currentTraceparent();
    const body = traceparent ? { ...(parsed as object), traceparent } : parsed;
    if (options?.visibilityTimeoutSeconds) count('deferrals', { queue: this.name });
    this.ready ??= this.client.createIfNotExists().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    await this.client.sendMessage(encodeMessage(body), { visibilityTimeout: options?.visibilityTimeoutSeconds, messageTimeToLive: -1 });
  }

  /**
   * When the message at the front of the queue was inserted (undefined when none is visible).
   * Peeking changes nothing; messages put back for later (deferred) are not visible and not seen.
   */
  async oldestInsertedAt(): Promise<Date | undefined> {
    try {
      const { peekedMessageItems } = await this.client.peekMessages({ numberOfMessages: 1 });
      return peekedMessageItems[0]?.insertedOn;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** For tests and tools: the underlying client. */
  raw(): QueueClient {
    return this.client;
  }
}
