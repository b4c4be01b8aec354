import { app, type InvocationContext, type Timer } from '@azure/functions';
import { renewScheduleSetting } from '../lib/config';
import { contextLogger } from '../lib/log';
import { renewSubscriptions, type RenewalSummary } from '../lib/provision/renewal';
import { getRuntime } from '../lib/runtime';

/** Timer (RENEW_SCHEDULE, every 30 minutes by default): renew, recreate, discover To Do lists and group members. */
export async function renewSubscriptionsTimer(_timer: Timer, context: InvocationContext): Promise<RenewalSummary> {
  const logger = contextLogger(context, { fn: 'renew-subscriptions', invocationId: context.invocationId });
  return renewSubscriptions(getRuntime().provisionDeps(logger));
}

app.timer('renew-subscriptions', { schedule: renewScheduleSetting(), handler: renewSubscriptionsTimer });
