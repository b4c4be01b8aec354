/**
 * The `zoho-changes` queue's consumer, until Zoho → Outlook is wired into the sync executor: each
 * hint is parsed and recorded, one row per record (PendingZohoChangeRepository), so nothing heard
 * from Zoho is lost while the executor does not apply it yet. A message that does not parse is
 * logged and dropped (a retry cannot make it parse).
 */
import type { Logger } from '../log';
import { messageBody } from '../queue';
import type { PendingZohoChange } from '../state/zoho-feed';
import { ZohoChangeMessage } from './messages';

export interface ConsumerDeps {
  pending: { record(change: PendingZohoChange): Promise<void> };
  logger: Logger;
  now: () => Date;
}

export async function recordZohoChange(raw: unknown, deps: ConsumerDeps): Promise<number> {
  const parsed = ZohoChangeMessage.safeParse(messageBody(raw));
  if (!parsed.success) {
    deps.logger.warn('zoho change message dropped', { reason: 'malformed', issues: parsed.error.issues.slice(0, 3).map((i) => i.path.join('.') || '(root)') });
    return 0;
  }
  const m = parsed.data;
  const seenAt = deps.now().toISOString();
  for (const id of m.ids) {
    await deps.pending.record({ module: m.module, recordId: id, operation: m.operation, source: m.source, changedAt: m.changedAt, seenAt });
  }
  deps.logger.info('zoho changes recorded', { module: m.module, operation: m.operation, source: m.source, ids: m.ids.length });
  return m.ids.length;
}
