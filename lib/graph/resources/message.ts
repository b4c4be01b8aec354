/**
 * Graph v1.0 `message` and its attachments (reference/graph.md §6.4).
 */
import { z } from 'zod';
import { entityAnnotations, itemBodySchema, lenientBoolean, optionalString, recipientSchema, stringList } from './common';

/** Properties the e-mail capture needs (sender/recipients for matching, body for the CRM copy). */
export const MESSAGE_FIELDS: readonly string[] = [
  'id',
  'internetMessageId',
  'subject',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'body',
  'sentDateTime',
  'hasAttachments',
  'categories',
  'parentFolderId',
];

export const MESSAGE_SELECT = MESSAGE_FIELDS.join(',');

/** Listing attachments without their bytes; the bytes come from `.../attachments/{id}/$value`. */
export const ATTACHMENT_LIST_FIELDS: readonly string[] = ['id', 'name', 'contentType', 'size', 'isInline'];
export const ATTACHMENT_LIST_SELECT = ATTACHMENT_LIST_FIELDS.join(',');

const recipients = z.array(recipientSchema).nullish();

export const messageSchema = z.object({
  ...entityAnnotations,
  id: z.string(),
  internetMessageId: optionalString,
  conversationId: optionalString,
  subject: optionalString,
  from: recipientSchema.nullish(),
  sender: recipientSchema.nullish(),
  toRecipients: recipients,
  ccRecipients: recipients,
  bccRecipients: recipients,
  replyTo: recipients,
  body: itemBodySchema.nullish(),
  bodyPreview: optionalString,
  sentDateTime: optionalString,
  receivedDateTime: optionalString,
  hasAttachments: lenientBoolean,
  isDraft: lenientBoolean,
  categories: stringList,
  parentFolderId: optionalString,
});
export type GraphMessage = z.infer<typeof messageSchema>;

export const FILE_ATTACHMENT_TYPE = '#microsoft.graph.fileAttachment';

/** Any attachment as listed: file, item (attached Outlook item) or reference (cloud link, no bytes). */
export const attachmentSchema = z.object({
  ...entityAnnotations,
  id: z.string(),
  name: optionalString,
  /** null for item attachments */
  contentType: optionalString,
  size: z.number().nullish(),
  isInline: lenientBoolean,
  lastModifiedDateTime: optionalString,
});
export type GraphAttachment = z.infer<typeof attachmentSchema>;

export const fileAttachmentSchema = attachmentSchema.extend({
  contentId: optionalString,
  contentLocation: optionalString,
  /** base64; reported null for large attachments in list answers, so fetch `$value` when absent */
  contentBytes: optionalString,
});
export type GraphFileAttachment = z.infer<typeof fileAttachmentSchema>;

/** Only file attachments have bytes to copy to Zoho; the type annotation is case-insensitive in practice. */
export function isFileAttachment(attachment: { '@odata.type'?: string | null }): boolean {
  return attachment['@odata.type']?.toLowerCase() === FILE_ATTACHMENT_TYPE.toLowerCase();
}
