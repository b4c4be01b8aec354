/**
 * A Graph message as Zoho's associate-email body (zoho.md §5), within Zoho's limits: pure.
 */
import type { GraphMessage } from '../graph/resources/message';
import type { GraphRecipient } from '../graph/resources/common';
import { normalizeAddress } from '../mapping/address';
import { cutToLength, htmlToText } from '../mapping/text';
import { EMAIL_LIMITS } from '../zoho/email';
import type { ZohoAssociateEmail, ZohoEmailAddress } from '../zoho/types';
import type { Direction } from './recipients';

export interface EmailPayload {
  email: ZohoAssociateEmail;
  /** associate-email parameters that had to be shortened (subject, content, to...) */
  cutFields: string[];
  notes: string[];
}

/**
 * `yyyy-MM-ddTHH:mm:ss+00:00`: Zoho wants an explicit offset and no fractions (zoho.md §4); Graph
 * gives UTC instants. Null for a value that is not a date.
 */
export function zohoDateTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return `${new Date(t).toISOString().slice(0, 19)}+00:00`;
}

/**
 * associate_email.json requires `user_name` beside `email` in `from` and every `to`/`cc`/`bcc`
 * entry; zoho.md's example sends `""` for an address without a name, and so does this.
 */
function zohoAddress(email: string, name?: string | null): ZohoEmailAddress {
  const clean = (name ?? '').trim();
  return { email, user_name: clean.toLowerCase() === email ? '' : clean };
}

function zohoAddresses(list: readonly GraphRecipient[] | null | undefined): ZohoEmailAddress[] {
  const out: ZohoEmailAddress[] = [];
  for (const r of list ?? []) {
    const email = normalizeAddress(r.emailAddress?.address);
    if (email) out.push(zohoAddress(email, r.emailAddress?.name));
  }
  return out;
}

export interface PayloadInput {
  message: Pick<GraphMessage, 'from' | 'sender' | 'toRecipients' | 'ccRecipients' | 'bccRecipients' | 'subject' | 'body' | 'sentDateTime' | 'receivedDateTime' | 'internetMessageId'>;
  direction: Direction;
  /** the mailbox's own address: the `to` of a received message that named nobody (bcc) */
  mailboxAddress?: string;
  attachments?: { id: string; name?: string }[];
  /** used when the message carries no date at all */
  now: Date;
}

/**
 * Builds the body. `to` must not be empty for Zoho: a sent message with only Cc/Bcc uses those
 * instead, a received one the mailbox itself. HTML longer than Zoho's 32,000 characters is sent
 * as plain text (cutting HTML would leave broken markup), cut if still too long.
 */
export function buildAssociateEmail(input: PayloadInput): EmailPayload {
  const { message, direction } = input;
  const cutFields: string[] = [];
  const notes: string[] = [];
  const cut = (field: string, value: string, max: number, what: string): string => {
    const r = cutToLength(value, max);
    if (r.cut) {
      cutFields.push(field);
      notes.push(`${field}: ${what}`);
    }
    return r.value;
  };

  const fromList = zohoAddresses(message.from ? [message.from] : message.sender ? [message.sender] : []);
  let to = zohoAddresses(message.toRecipients);
  let cc = zohoAddresses(message.ccRecipients);
  let bcc = direction === 'sent' ? zohoAddresses(message.bccRecipients) : [];
  if (to.length === 0) {
    if (cc.length > 0) [to, cc] = [cc, []];
    else if (bcc.length > 0) [to, bcc] = [bcc, []];
    else if (input.mailboxAddress) to = [zohoAddress(input.mailboxAddress)];
  }
  const limit = (field: 'to' | 'cc' | 'bcc', list: ZohoEmailAddress[]) => {
    if (list.length <= EMAIL_LIMITS.addressesPerList) return list;
    cutFields.push(field);
    notes.push(`${field}: only the first ${EMAIL_LIMITS.addressesPerList} of ${list.length} addresses are kept`);
    return list.slice(0, EMAIL_LIMITS.addressesPerList);
  };

  const from = fromList[0] ?? (input.mailboxAddress && direction === 'sent' ? zohoAddress(input.mailboxAddress) : undefined);
  const email: ZohoAssociateEmail = {
    from: from ?? zohoAddress(''),
    to: limit('to', to),
    date_time: zohoDateTime(direction === 'sent' ? message.sentDateTime ?? message.receivedDateTime : message.receivedDateTime ?? message.sentDateTime) ?? zohoDateTime(input.now.toISOString())!,
    sent: direction === 'sent',
    original_message_id: message.internetMessageId ?? '',
  };
  const ccList = limit('cc', cc);
  const bccList = limit('bcc', bcc);
  if (ccList.length > 0) email.cc = ccList;
  if (bccList.length > 0) email.bcc = bccList;

  const subject = (message.subject ?? '').replace(/\r?\n/g, ' ').trim();
  if (subject) email.subject = cut('subject', subject, EMAIL_LIMITS.subject, `shortened to ${EMAIL_LIMITS.subject} characters`);

  const content = message.body?.content ?? '';
  if (content.trim() !== '') {
    const html = message.body?.contentType?.toLowerCase() === 'html';
    if (html && Array.from(content).length <= EMAIL_LIMITS.content) {
      email.content = content;
      email.mail_format = 'html';
    } else {
      const text = html ? htmlToText(content) : content.replace(/\r\n?/g, '\n');
      if (html) notes.push(`content: the HTML body is longer than ${EMAIL_LIMITS.content} characters; filed as plain text`);
      email.content = cut('content', text, EMAIL_LIMITS.content, `shortened to ${EMAIL_LIMITS.content} characters`);
      email.mail_format = 'text';
    }
  }
  return { email: withAttachments(email, input.attachments ?? []), cutFields, notes };
}

/** The body with the Zoho file ids of its attachments, which are uploaded only once the body is known to be fileable. */
export function withAttachments(email: ZohoAssociateEmail, attachments: readonly { id: string; name?: string }[]): ZohoAssociateEmail {
  if (attachments.length === 0) return email;
  return { ...email, attachments: attachments.map((a) => (a.name ? { id: a.id, name: a.name } : { id: a.id })) };
}

/** Why a message cannot be filed at all, or null when it can. */
export function unfileableReason(email: ZohoAssociateEmail): string | null {
  if (!email.original_message_id) return 'the e-mail has no Internet message id (not sent yet?)';
  if (!email.from.email) return 'the e-mail has no sender address';
  if (email.to.length === 0) return 'the e-mail has no recipient address';
  return null;
}
