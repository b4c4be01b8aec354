/**
 * Which of a message's attachments Zoho can take (zoho.md §5): pure planning over Graph's list
 * (`$select=id,name,contentType,size,isInline`), before any byte is downloaded.
 *
 * - associate-email: ≤ 20 files, ≤ 10 MB together, each ≤ 20 MB (Files API);
 * - record Attachments (Cases): each ≤ 20 MB.
 * Graph's `size` is the attachment item's size, a little more than the file's bytes, so a plan
 * made on it never exceeds Zoho's limits with the real bytes.
 */
import { isFileAttachment, type GraphAttachment } from '../graph/resources/message';
import { EMAIL_LIMITS, MAX_FILE_BYTES } from '../zoho/email';

export type AttachmentTarget = 'email' | 'record';

export interface LeftOut {
  name: string;
  why: string;
}

export interface AttachmentPlan {
  take: GraphAttachment[];
  leftOut: LeftOut[];
  /** inline images: part of the HTML body, not files the sender attached */
  inline: number;
}

const MB = 1024 * 1024;

export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;
}

export function planAttachments(list: readonly GraphAttachment[], target: AttachmentTarget): AttachmentPlan {
  const take: GraphAttachment[] = [];
  const leftOut: LeftOut[] = [];
  let inline = 0;
  let total = 0;
  for (const a of list) {
    const name = a.name?.trim() || '(no name)';
    const size = a.size ?? 0;
    if (!isFileAttachment(a)) {
      leftOut.push({ name, why: 'not a file (an attached Outlook item or a cloud link)' });
    } else if (a.isInline) {
      inline += 1;
    } else if (size > MAX_FILE_BYTES) {
      leftOut.push({ name, why: `${mb(size)}: Zoho takes files up to ${mb(MAX_FILE_BYTES)}` });
    } else if (target === 'email' && take.length >= EMAIL_LIMITS.attachments) {
      leftOut.push({ name, why: `Zoho files at most ${EMAIL_LIMITS.attachments} attachments with an e-mail` });
    } else if (target === 'email' && total + size > EMAIL_LIMITS.attachmentsTotalBytes) {
      leftOut.push({ name, why: `${mb(size)}: over Zoho's ${mb(EMAIL_LIMITS.attachmentsTotalBytes)} for all attachments of an e-mail` });
    } else {
      take.push(a);
      total += size;
    }
  }
  return { take, leftOut, inline };
}

/**
 * Identity of an attachment across mailboxes (the same e-mail in two mailboxes has different
 * Graph attachment ids): name, size and the ordinal among equal name+size pairs.
 */
export function attachmentKeys(list: readonly Pick<GraphAttachment, 'name' | 'size'>[]): string[] {
  const seen = new Map<string, number>();
  return list.map((a) => {
    const base = `${a.name ?? ''}|${a.size ?? 0}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${base}|${n}`;
  });
}
