import { attachmentKeys, planAttachments } from '../../lib/mail/attachments';
import { buildAssociateEmail, unfileableReason, zohoDateTime } from '../../lib/mail/payload';
import { messageKey, parseState, serializeState } from '../../lib/mail/state';
import { messageSchema } from '../../lib/graph/resources/message';
import graphMessage from '../fixtures/graph/message.json';
import fileAttachment from '../fixtures/graph/file-attachment.json';

const NOW = new Date('2025-03-01T09:30:00Z');
const rcpt = (address: string, name?: string) => ({ emailAddress: { address, name } });

describe('zohoDateTime', () => {
  it.each([
    ['2018-09-09T03:15:06Z', '2018-09-09T03:15:06+00:00'],
    ['2025-03-01T09:30:00.1234567Z', '2025-03-01T09:30:00+00:00'],
    ['2025-03-01T18:30:00+09:00', '2025-03-01T09:30:00+00:00'],
    ['not a date', null],
    [null, null],
  ])('%p → %p', (iso, expected) => {
    expect(zohoDateTime(iso)).toBe(expected);
  });
});

describe('buildAssociateEmail', () => {
  it('maps the documented Graph message', () => {
    const message = messageSchema.parse(graphMessage);
    const { email, notes } = buildAssociateEmail({ message, direction: 'sent', now: NOW, attachments: [{ id: 'f1', name: 'a.pdf' }] });
    expect(email).toEqual({
      from: { email: 'adelev@contoso.onmicrosoft.com', user_name: 'Adele Vance' },
      to: [{ email: 'alexw@contoso.onmicrosoft.com', user_name: 'Alex Wilber' }],
      cc: [{ email: 'pavelb@fabrikam.onmicrosoft.com', user_name: 'Pavel Bansky' }],
      subject: '9/9/2018: concert',
      content: graphMessage.body.content,
      mail_format: 'html',
      date_time: '2018-09-09T03:15:06+00:00',
      sent: true,
      original_message_id: '<MWHPR6E1BE060@MWHPR1120.namprd22.prod.outlook.com>',
      attachments: [{ id: 'f1', name: 'a.pdf' }],
    });
    expect(notes).toEqual([]);
  });

  it.each<[string, 'sent' | 'received', Record<string, ReturnType<typeof rcpt>[]>, { email: string; user_name: string }[]]>([
    ['sent, only Cc', 'sent', { ccRecipients: [rcpt('c@x.com', 'Cee')] }, [{ email: 'c@x.com', user_name: 'Cee' }]],
    ['sent, only Bcc', 'sent', { bccRecipients: [rcpt('b@x.com')] }, [{ email: 'b@x.com', user_name: '' }]],
    ['received via Bcc', 'received', {}, [{ email: 'me@contoso.com', user_name: '' }]],
  ])('%s: `to` falls back so it is never empty', (_n, direction, fields, to) => {
    const { email } = buildAssociateEmail({ message: { from: rcpt('me@contoso.com'), internetMessageId: '<x@y>', ...fields }, direction, mailboxAddress: 'me@contoso.com', now: NOW });
    expect(email.to).toEqual(to);
    expect(email.cc).toBeUndefined();
    expect(email.bcc).toBeUndefined();
  });

  it('every address carries user_name, as associate_email.json requires: "" without a name, or when the name is the address', () => {
    const { email } = buildAssociateEmail({
      message: { from: rcpt('me@contoso.com'), toRecipients: [rcpt('a@x.com', 'A@X.com'), rcpt('b@x.com', '  Bee ')], ccRecipients: [rcpt('c@x.com', null as unknown as string)], internetMessageId: '<a@b>' },
      direction: 'sent',
      now: NOW,
    });
    expect(email.from).toEqual({ email: 'me@contoso.com', user_name: '' });
    expect(email.to).toEqual([{ email: 'a@x.com', user_name: '' }, { email: 'b@x.com', user_name: 'Bee' }]);
    expect(email.cc).toEqual([{ email: 'c@x.com', user_name: '' }]);
  });

  it('received mail: sent=false, the received time, no bcc', () => {
    const { email } = buildAssociateEmail({
      message: { from: rcpt('p@x.com'), toRecipients: [rcpt('me@contoso.com')], bccRecipients: [rcpt('hidden@x.com')], receivedDateTime: '2025-01-02T03:04:05Z', sentDateTime: '2025-01-02T03:00:00Z', internetMessageId: '<a@b>' },
      direction: 'received',
      now: NOW,
    });
    expect(email).toMatchObject({ sent: false, date_time: '2025-01-02T03:04:05+00:00' });
    expect(email.bcc).toBeUndefined();
  });

  it('cuts the subject to 250, keeps 50 addresses per list, files long HTML as text', () => {
    const many = Array.from({ length: 60 }, (_, i) => rcpt(`r${i}@x.com`));
    const html = `<html><body>${'<p>word</p>'.repeat(4000)}</body></html>`;
    const r = buildAssociateEmail({
      message: { from: rcpt('me@contoso.com'), toRecipients: many, subject: 'S'.repeat(300), body: { contentType: 'html', content: html }, internetMessageId: '<a@b>' },
      direction: 'sent',
      now: NOW,
    });
    expect(r.email.subject).toHaveLength(250);
    expect(r.email.to).toHaveLength(50);
    expect(r.email.mail_format).toBe('text');
    expect(Array.from(r.email.content!).length).toBeLessThanOrEqual(32000);
    expect(r.email.content).not.toContain('<p>');
    expect(r.cutFields).toEqual(['to', 'subject']);
    expect(r.notes.join('\n')).toMatch(/plain text/);
  });

  it('an e-mail without Internet message id cannot be filed', () => {
    const { email } = buildAssociateEmail({ message: { from: rcpt('me@contoso.com'), toRecipients: [rcpt('a@x.com')] }, direction: 'sent', now: NOW });
    expect(unfileableReason(email)).toMatch(/message id/);
  });
});

describe('planAttachments', () => {
  const MB = 1024 * 1024;
  const file = (name: string, size: number, extra: Record<string, unknown> = {}) => ({ '@odata.type': '#microsoft.graph.fileAttachment', id: name, name, size, isInline: false, ...extra });

  it('the documented file attachment is taken', () => {
    expect(planAttachments([fileAttachment], 'email').take.map((a) => a.name)).toEqual(['Draft sales invoice template.docx']);
  });

  it.each([
    ['email', [file('a', 4 * MB), file('b', 4 * MB), file('c', 4 * MB), file('d', 1 * MB)], ['a', 'b', 'd'], ['c']],
    ['record', [file('a', 4 * MB), file('b', 4 * MB), file('c', 4 * MB)], ['a', 'b', 'c'], []],
    ['email', [file('big', 21 * MB), file('small', 1)], ['small'], ['big']],
    ['record', [file('big', 21 * MB)], [], ['big']],
    ['email', [file('logo', 10, { isInline: true }), file('x', 10)], ['x'], []],
    ['email', [{ '@odata.type': '#microsoft.graph.itemAttachment', id: 'i', name: 'Fwd: meeting', size: 100 }, { '@odata.type': '#microsoft.graph.referenceAttachment', id: 'r', name: 'link', size: 1 }], [], ['Fwd: meeting', 'link']],
    ['email', Array.from({ length: 22 }, (_, i) => file(`f${i}`, 10)), Array.from({ length: 20 }, (_, i) => `f${i}`), ['f20', 'f21']],
  ] as const)('%s %#', (target, list, take, leftOut) => {
    const plan = planAttachments(list as never, target);
    expect(plan.take.map((a) => a.name)).toEqual(take);
    expect(plan.leftOut.map((l) => l.name)).toEqual(leftOut);
  });

  it('inline images are counted, not listed', () => {
    expect(planAttachments([file('logo', 10, { isInline: true })] as never, 'email').inline).toBe(1);
  });

  it('keys tell apart equal names of different sizes and repeated name+size pairs', () => {
    expect(attachmentKeys([{ name: 'a', size: 1 }, { name: 'a', size: 2 }, { name: 'a', size: 1 }])).toEqual(['a|1|1', 'a|2|1', 'a|1|2']);
  });
});

describe('link state', () => {
  it.each([
    [{ id: 'AAMk=', internetMessageId: '<m@x>' }, 'imid:<m@x>'],
    [{ id: 'AAMk=', internetMessageId: null }, 'id:AAMk='],
    [{ id: 'AAMk=', internetMessageId: `<${'x'.repeat(500)}@y>` }, expect.stringMatching(/^imid-sha256:[0-9a-f]{64}$/)],
  ])('messageKey %#', (m, expected) => {
    expect(messageKey(m)).toEqual(expected);
  });

  it('round-trips, and a broken row reads as empty', () => {
    const state = { v: 1 as const, records: { 'Contacts:1': { at: 't' } }, files: { 'a|1|1': { fileId: 'f', name: 'a', size: 1 } } };
    expect(parseState(serializeState(state))).toEqual(state);
    expect(parseState('{not json')).toEqual({ v: 1, records: {}, files: {} });
    expect(parseState('{"v":2}')).toEqual({ v: 1, records: {}, files: {} });
    expect(parseState(undefined)).toEqual({ v: 1, records: {}, files: {} });
  });
});
