/**
 * The memory of one filed e-mail, kept on its link row (module `mail`, `extra` JSON): which Zoho
 * records it was attached to and which attachments were uploaded, so a redelivered notification
 * attaches nothing twice and uploads nothing twice. Pure.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

const RecordEntry = z.object({
  at: z.string(),
  /** Zoho already had it (DUPLICATE_DATA on original_message_id) */
  already: z.boolean().optional(),
  /** the sync created this record for the e-mail */
  created: z.boolean().optional(),
});

const FileEntry = z.object({ fileId: z.string(), name: z.string(), size: z.number() });

export const MailLinkState = z.object({
  v: z.literal(1),
  /** "Module:id" → when it was attached */
  records: z.record(z.string(), RecordEntry),
  /** attachment key (attachmentKeys) → uploaded Zoho file */
  files: z.record(z.string(), FileEntry),
});
export type MailLinkState = z.infer<typeof MailLinkState>;

export function emptyState(): MailLinkState {
  return { v: 1, records: {}, files: {} };
}

/** A row written by an older or broken version counts as empty: at worst Zoho answers DUPLICATE_DATA. */
export function parseState(extra: string | undefined): MailLinkState {
  if (!extra) return emptyState();
  try {
    const parsed = MailLinkState.safeParse(JSON.parse(extra));
    return parsed.success ? parsed.data : emptyState();
  } catch {
    return emptyState();
  }
}

export function serializeState(state: MailLinkState): string {
  return JSON.stringify(state);
}

export function recordKey(module: string, id: string): string {
  return `${module}:${id}`;
}

/**
 * The link key of a message: its Internet message id, which survives moves between folders
 * (Outlook ids do not), else the Graph id. Very long ids are hashed to stay inside Table keys.
 */
export function messageKey(message: { id: string; internetMessageId?: string | null }): string {
  const imid = message.internetMessageId?.trim();
  if (!imid) return `id:${message.id}`;
  return imid.length <= 400 ? `imid:${imid}` : `imid-sha256:${createHash('sha256').update(imid).digest('hex')}`;
}
