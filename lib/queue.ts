import { QueueClient } from '@azure/storage-queue';
import type { z } from 'zod';

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

  constructor(connectionString: string, readonly name: string, private readonly schema: z.ZodType<T>) {
    // Tight retries: the webhook must answer Graph within 3 s, and a 5xx makes Graph redeliver anyway.
    this.client = new QueueClient(connectionString, name, { retryOptions: { maxTries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 400, tryTimeoutInMs: 2000 } });
  }

  async send(message: T, options?: { visibilityTimeoutSeconds?: number }): Promise<void> {
    // Parse on the way in too: a message the worker cannot read would only fail later, far from its cause.
    const parsed = this.schema.parse(message);
    this.ready ??= this.client.createIfNotExists().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    await this.client.sendMessage(encodeMessage(parsed), { visibilityTimeout: options?.visibilityTimeoutSeconds, messageTimeToLive: -1 });
  }

  /** For tests and tools: the underlying client. */
  raw(): QueueClient {
    return this.client;
  }
}
