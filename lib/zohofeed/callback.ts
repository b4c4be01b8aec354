/**
 * `POST /api/zoho/notifications`: Zoho's watch callbacks. Verify, then parse, then enqueue, then
 * answer — like the Graph webhook, no Zoho or Graph call on this path.
 *
 * 1. Verify: the body must name a channel we created and echo that channel's token (compared in
 *    constant time). Anything else is answered 403 and changes nothing.
 * 2. Parse the whole body with zod (400 when it is not a callback).
 * 3. Enqueue one message (ids split by 100) on `zoho-changes`; 202 once queued, 503 otherwise so
 *    that Zoho may deliver it again. The ids are hints: whoever applies them re-reads the records.
 */
import type { Logger } from '../log';
import type { MessageQueue } from '../queue';
import type { ZohoChannelRecord } from '../state/zoho-feed';
import { secretsEqual } from '../webhook/verify';
import { CallbackCredentials, isFeedModule, ZohoCallback, type ZohoChangeMessage } from './messages';

export interface ZohoCallbackDeps {
  /** `fresh`: bypass any cache (the token may have changed when the channel was recreated) */
  channels: { getChannel(channelId: string, opts?: { fresh?: boolean }): Promise<ZohoChannelRecord | undefined> };
  queue: MessageQueue<ZohoChangeMessage>;
  logger: Logger;
}

export interface CallbackResponse {
  status: number;
  jsonBody?: unknown;
}

/** Zoho's own cap on one request is far below this; a bigger body is not Zoho's. */
export const MAX_CALLBACK_BYTES = 256 * 1024;

export async function handleZohoCallback(bodyText: () => Promise<string>, deps: ZohoCallbackDeps): Promise<CallbackResponse> {
  const text = await bodyText();
  if (text.length > MAX_CALLBACK_BYTES) return { status: 413, jsonBody: { error: 'body too large' } };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: 400, jsonBody: { error: 'body is not JSON' } };
  }

  const credentials = CallbackCredentials.safeParse(json);
  let channel = credentials.success ? await deps.channels.getChannel(credentials.data.channel_id) : undefined;
  const matches = () => credentials.success && !!channel && secretsEqual(channel.token, credentials.data.token);
  if (credentials.success && !matches()) channel = await deps.channels.getChannel(credentials.data.channel_id, { fresh: true });
  if (!credentials.success || !channel || !matches()) {
    deps.logger.warn('zoho callback refused', { reason: !credentials.success ? 'no-credentials' : !channel ? 'unknown-channel' : 'token-mismatch' });
    return { status: 403, jsonBody: { error: 'not a callback of ours' } };
  }

  const parsed = ZohoCallback.safeParse(json);
  if (!parsed.success) {
    deps.logger.warn('zoho callback dropped', { reason: 'malformed', channelId: channel.channelId });
    return { status: 400, jsonBody: { error: 'body is not a Zoho notification' } };
  }
  const callback = parsed.data;
  if (!isFeedModule(callback.module)) {
    deps.logger.warn('zoho callback dropped', { reason: 'unsupported-module', channelId: channel.channelId });
    return { status: 202 };
  }
  const ids = [...new Set(callback.ids)];
  const changedAt = typeof callback.server_time === 'number' ? new Date(callback.server_time).toISOString() : undefined;
  const messages: ZohoChangeMessage[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    messages.push({ v: 1, source: 'callback', module: callback.module, operation: callback.operation, ids: ids.slice(i, i + 100), changedAt, channelId: channel.channelId });
  }
  try {
    for (const message of messages) await deps.queue.send(message);
  } catch (err) {
    deps.logger.error('enqueue failed; asking Zoho to retry', { error: (err as Error).name });
    return { status: 503, jsonBody: { error: 'could not queue the notification' } };
  }
  deps.logger.info('zoho callback accepted', { module: callback.module, operation: callback.operation, ids: ids.length, channelId: channel.channelId });
  return { status: 202 };
}
