import { app, type InvocationContext, type Timer } from '@azure/functions';
import { contextLogger } from '../lib/log';
import { getRuntime } from '../lib/runtime';
import { sweepZohoChanges, ZOHO_SWEEP_SCHEDULE, type ModuleSweep } from '../lib/zohofeed/sweep';

/** Every 15 minutes: Zoho records changed or deleted since the cursor, for lost callbacks. */
export async function zohoSweep(_timer: Timer, context: InvocationContext): Promise<{ modules: ModuleSweep[]; failed: string[] }> {
  const rt = getRuntime();
  return sweepZohoChanges({
    zoho: rt.zoho,
    cursors: rt.zohoFeed,
    queue: rt.zohoChangesQueue,
    config: rt.config,
    logger: contextLogger(context, { fn: 'zoho-sweep', invocationId: context.invocationId }),
    now: () => new Date(),
  });
}

app.timer('zoho-sweep', { schedule: ZOHO_SWEEP_SCHEDULE, handler: zohoSweep });
