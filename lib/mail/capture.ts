/**
 * Automatic sent-mail capture (SPEC §3.2 ways 3 and 4): the sync worker's handler for module
 * `mail`. A Sent Items notification is a hint: the message is read again, and filing is
 * idempotent, so `created`, `updated` and redeliveries all take the same path.
 */
import type { Config } from '../config';
import type { Logger } from '../log';
import { inScope } from '../mapping/scope';
import type { ItemReport } from '../sync/engine';
import type { SyncItemMessage } from '../sync/messages';
import type { MailFiler } from './associate';
import type { MailGraph } from './graph';
import type { CaptureModule } from './recipients';
import { toItemReport } from './report';

export interface CaptureDeps {
  graph: MailGraph;
  filer: MailFiler;
  config: Pick<Config, 'MAIL_CAPTURE' | 'MAIL_CREATE_UNKNOWN' | 'MAIL_ATTACHMENTS' | 'SYNC_CATEGORY'>;
}

/** Modules an explicit request counts when automatic capture is off: Zoho's own default. */
export const DEFAULT_CAPTURE_MODULES: readonly CaptureModule[] = ['contacts', 'leads'];

export function captureModules(config: Pick<Config, 'MAIL_CAPTURE'>): readonly CaptureModule[] {
  return config.MAIL_CAPTURE.length > 0 ? config.MAIL_CAPTURE : DEFAULT_CAPTURE_MODULES;
}

/**
 * Whether a sent message is captured: always when MAIL_CAPTURE is on, and when it carries the
 * sync category ("send and add") even when it is off.
 */
export function shouldCapture(categories: readonly (string | null | undefined)[] | null | undefined, config: Pick<Config, 'MAIL_CAPTURE' | 'SYNC_CATEGORY'>): boolean {
  return config.MAIL_CAPTURE.length > 0 || inScope(categories, 'category', config.SYNC_CATEGORY);
}

export async function captureSentMail(msg: SyncItemMessage, deps: CaptureDeps, logger: Logger): Promise<ItemReport | undefined> {
  // A Sent Items copy deleted later changes nothing: the e-mail filed in Zoho is history.
  if (msg.changeType === 'deleted') return undefined;
  const message = await deps.graph.readMessage(msg.userId, msg.itemId);
  if (!message || message.isDraft) return undefined;
  if (!shouldCapture(message.categories, deps.config)) return undefined;
  const identity = await deps.graph.identity(msg.userId);
  if (!identity) return { result: 'skipped', reason: 'the mailbox no longer exists in the directory', retryable: false };

  const result = await deps.filer.file(
    {
      userId: msg.userId,
      identity,
      message,
      direction: 'sent',
      target: { kind: 'resolve', modules: captureModules(deps.config), createUnknown: deps.config.MAIL_CREATE_UNKNOWN },
      attachments: deps.config.MAIL_ATTACHMENTS,
      // A resync, or the retry of a skipped item, looks again even when nothing changed here:
      // a matching record may exist in Zoho by now.
      reuse: msg.changeType !== 'resync' && !msg.retryOfSkipped,
    },
    logger,
  );
  if (result.kind !== 'filed') return undefined;
  const report = toItemReport(result.outcome);
  logger.info('sent mail filed', { result: report.result, records: result.outcome.records.length, attachments: result.outcome.attachments.attached.length });
  return report;
}
