import { app, type InvocationContext, type Timer } from '@azure/functions';
import { renewScheduleSetting } from '../lib/config';
import { contextLogger } from '../lib/log';
import { renewSubscriptions, type RenewalSummary } from '../lib/provision/renewal';
import { getRuntime } from '../lib/runtime';
import { maintainZohoChannel, type ChannelOutcome } from '../lib/zohofeed/channel';

/**
 * Timer (RENEW_SCHEDULE, every 30 minutes by default): renew, recreate, discover To Do lists and
 * group members; then the Zoho notification channel for the modules that sync to Outlook.
 */
export async function renewSubscriptionsTimer(_timer: Timer, context: InvocationContext): Promise<RenewalSummary & { zohoChannel: ChannelOutcome | { action: 'failed'; error: string } }> {
  const logger = contextLogger(context, { fn: 'renew-subscriptions', invocationId: context.invocationId });
  const rt = getRuntime();
  const summary = await renewSubscriptions(rt.provisionDeps(logger));
  // A Zoho failure must not hide the Graph renewal's result; the sweep covers the gap meanwhile.
  const zohoChannel = await maintainZohoChannel({ zoho: rt.zoho, channels: rt.zohoFeed, config: rt.config, logger, now: () => new Date() }).catch((err) => {
    logger.warn('zoho notification channel not maintained', { error: (err as Error)?.name, code: (err as { code?: string })?.code });
    return { action: 'failed' as const, error: (err as Error)?.name ?? 'Error' };
  });
  return { ...summary, zohoChannel };
}

app.timer('renew-subscriptions', { schedule: renewScheduleSetting(), handler: renewSubscriptionsTimer });
