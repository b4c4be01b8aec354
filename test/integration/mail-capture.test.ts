import { faults } from '../doubles/graph';
import type { StoredEmail } from '../doubles/zoho/state';
import graphMessage from '../fixtures/graph/message.json';
import { startSystem, type System } from '../support/system';

/**
 * Issue 6, automatic sent-mail capture: Graph double (Sent Items) → our webhook → queue →
 * sync-worker's `mail` handler → Graph double (message, attachments) → Zoho double
 * (COQL, associate_email, files, Leads), state in Azurite.
 */
let sys: System;
let userId: string;
let zohoOwnerId: string;

const ME = { name: 'Adele Vance', address: 'adele.vance@contoso.com' };
const to = (address: string, name = '') => ({ emailAddress: { name, address } });

/** A sent message shaped like Graph's documented one (test/fixtures/graph/message.json). */
function sentFields(overrides: Record<string, unknown>) {
  return {
    subject: graphMessage.subject,
    body: graphMessage.body,
    from: { emailAddress: ME },
    sender: { emailAddress: ME },
    toRecipients: [],
    ccRecipients: [],
    bccRecipients: [],
    categories: [],
    ...overrides,
  };
}

/** Graph notifies our webhook (which must accept it) and leaves the queue to the test. */
async function notify(id: string, changeType: 'created' | 'updated' | 'deleted' = 'created') {
  const deliveries = await sys.graph.notifications.changes({ userId, kind: 'message', id, changeType });
  expect(deliveries.map((d) => d.status)).toEqual([202]);
}

/** Graph notifies, the webhook accepts, the worker runs what was queued. */
const capture = (id: string, changeType: 'created' | 'updated' | 'deleted' = 'created') => sys.change(userId, 'message', id, changeType);

function emailsOf(internetMessageId: unknown): StoredEmail[] {
  return sys.zoho.emails.filter((e) => e.email.original_message_id === internetMessageId);
}

function filedOn(internetMessageId: unknown): string[] {
  return emailsOf(internetMessageId).map((e) => `${e.module}:${e.recordId}`).sort();
}

const reportLine = (itemId: string) => sys.reportLine(userId, itemId);

beforeAll(async () => {
  sys = await startSystem();
  userId = sys.graph.addUser({ userPrincipalName: ME.address, displayName: ME.name }).id;
  zohoOwnerId = sys.zoho.addUser({ email: ME.address, first_name: 'Adele', last_name: 'Vance' }).id;
  await sys.subscribe(userId, 'mail');
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => {
  sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
  sys.zoho.clearFaults();
});

describe('recipients resolved to Zoho records', () => {
  it('contact, lead, both, two contacts sharing an address, a colleague and a stranger → contact, lead, contact, the older contact, nothing else', async () => {
    const [contact, both, older, newer, colleagueContact] = sys.zoho.seed('Contacts', [
      { Last_Name: 'Contact', First_Name: 'Carla', Email: 'carla@fabrikam.com', Created_Time: '2021-01-01T00:00:00+00:00' },
      { Last_Name: 'Both', Email: 'both@fabrikam.com', Created_Time: '2022-01-01T00:00:00+00:00' },
      { Last_Name: 'Older', Email: 'Shared@Fabrikam.com', Created_Time: '2020-01-01T00:00:00+00:00' },
      { Last_Name: 'Newer', Email: 'shared@fabrikam.com', Created_Time: '2023-01-01T00:00:00+00:00' },
      // A colleague who happens to be in Zoho: internal mail is still not CRM correspondence.
      { Last_Name: 'Colleague', Email: 'megan.bowen@contoso.com', Created_Time: '2021-01-01T00:00:00+00:00' },
    ]);
    const [lead, bothLead] = sys.zoho.seed('Leads', [
      { Last_Name: 'Lead', Email: 'lee@northwind.example', Created_Time: '2021-06-01T00:00:00+00:00' },
      { Last_Name: 'Both', Email: 'both@fabrikam.com', Created_Time: '2019-01-01T00:00:00+00:00' },
    ]);
    const leadsBefore = sys.zoho.recordsOf('Leads').length;
    const contactsBefore = sys.zoho.recordsOf('Contacts').length;
    const m = sys.graph.mail.add(
      userId,
      sentFields({
        toRecipients: [to('carla@fabrikam.com', 'Carla Contact'), to('LEE@northwind.example', 'Lee')],
        ccRecipients: [to('both@fabrikam.com'), to('shared@fabrikam.com'), to('megan.bowen@contoso.com', 'Megan Bowen')],
        bccRecipients: [to('stranger@wingtip.example', 'Sam Stranger')],
      }),
    );
    const coqlBefore = sys.zoho.count('POST /crm/v8/coql');
    const graphBefore = sys.graph.calls.snapshot()['GET /users/{id}/messages/{id}'] ?? 0;

    await capture(String(m.id));

    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${contact}`, `Contacts:${both}`, `Contacts:${older}`, `Leads:${lead}`].sort());
    for (const id of [newer, colleagueContact, bothLead]) expect(sys.zoho.emails.some((e) => e.recordId === id)).toBe(false);
    expect(sys.zoho.recordsOf('Leads')).toHaveLength(leadsBefore);
    expect(sys.zoho.recordsOf('Contacts')).toHaveLength(contactsBefore);

    // One COQL query per module for all recipients, one Graph read of the message.
    expect(sys.zoho.count('POST /crm/v8/coql') - coqlBefore).toBe(2);
    expect((sys.graph.calls.snapshot()['GET /users/{id}/messages/{id}'] ?? 0) - graphBefore).toBe(1);

    const [filed] = emailsOf(m.internetMessageId);
    expect(filed.email).toMatchObject({
      from: { email: ME.address, user_name: ME.name },
      to: [{ email: 'carla@fabrikam.com', user_name: 'Carla Contact' }, { email: 'lee@northwind.example', user_name: 'Lee' }],
      cc: [{ email: 'both@fabrikam.com' }, { email: 'shared@fabrikam.com' }, { email: 'megan.bowen@contoso.com', user_name: 'Megan Bowen' }],
      bcc: [{ email: 'stranger@wingtip.example', user_name: 'Sam Stranger' }],
      subject: graphMessage.subject,
      content: graphMessage.body.content,
      mail_format: 'html',
      sent: true,
      original_message_id: m.internetMessageId,
      date_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/),
    });

    const line = await reportLine(String(m.id));
    expect(line).toMatchObject({ result: 'added', label: graphMessage.subject, zohoModule: 'Contacts', zohoId: contact, reason: 'attached to 4 record(s)' });
    expect(line?.notes).toEqual(
      expect.arrayContaining([
        `carla@fabrikam.com: attached to Contacts ${contact} (Carla Contact)`,
        `lee@northwind.example: attached to Leads ${lead} (Lead)`,
        `both@fabrikam.com: attached to Contacts ${both} (Both)`,
        `shared@fabrikam.com: attached to Contacts ${older} (Older)`,
        'megan.bowen@contoso.com: internal address, not captured',
        'stranger@wingtip.example: no Zoho Contact or Lead (MAIL_CREATE_UNKNOWN=none)',
      ]),
    );
    // Addresses belong in the admin's report, never in info logs.
    expect(sys.logs.lines.filter((l) => l.level === 'info').map((l) => l.message).join('\n')).not.toMatch(/fabrikam|wingtip|northwind/);
  });

  it('MAIL_CREATE_UNKNOWN=lead: the stranger becomes a Lead (once), the colleague does not', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_CREATE_UNKNOWN: 'lead' });
    const first = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('wanda@wingtip.example', 'Wanda Wingtip'), to('nestor.wilke@contoso.com', 'Nestor Wilke')], ccRecipients: [to('info@wingtip.example')] }));
    await capture(String(first.id));

    const leads = sys.zoho.recordsOf('Leads');
    const wanda = leads.filter((l) => l.Email === 'wanda@wingtip.example');
    expect(wanda).toHaveLength(1);
    expect(wanda[0]).toMatchObject({ First_Name: 'Wanda', Last_Name: 'Wingtip', Owner: expect.objectContaining({ id: zohoOwnerId }) });
    const info = leads.find((l) => l.Email === 'info@wingtip.example');
    expect(info).toMatchObject({ Last_Name: 'info' });
    expect(leads.some((l) => l.Email === 'nestor.wilke@contoso.com')).toBe(false);
    expect(sys.zoho.recordsOf('Contacts').some((c) => c.Email === 'nestor.wilke@contoso.com')).toBe(false);
    expect(filedOn(first.internetMessageId)).toEqual([`Leads:${wanda[0].id}`, `Leads:${info!.id}`].sort());
    expect((await reportLine(String(first.id)))?.notes).toEqual(expect.arrayContaining([`wanda@wingtip.example: created and attached to Leads ${wanda[0].id} (Wanda Wingtip)`, 'nestor.wilke@contoso.com: internal address, not captured']));

    // The next e-mail to her finds the Lead; nobody is created twice.
    const second = sys.graph.mail.add(userId, sentFields({ subject: 'Follow-up', toRecipients: [to('wanda@wingtip.example', 'Wanda W.')] }));
    await capture(String(second.id));
    expect(sys.zoho.recordsOf('Leads').filter((l) => l.Email === 'wanda@wingtip.example')).toHaveLength(1);
    expect(filedOn(second.internetMessageId)).toEqual([`Leads:${wanda[0].id}`]);
  });

  it('by default the tenant\'s verified domains (Graph /domains) are internal; an unverified one is not', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_CREATE_UNKNOWN: 'contact' });
    const domains = sys.graph.store.domains;
    domains.push({ ...domains[0], id: 'not-yet-verified.example', isVerified: false, isDefault: false });
    try {
      const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('alex@contoso.onmicrosoft.com', 'Alex Wilber'), to('guest@not-yet-verified.example', 'Guest User')] }));
      await capture(String(m.id));
      const contacts = sys.zoho.recordsOf('Contacts');
      expect(contacts.some((c) => c.Email === 'alex@contoso.onmicrosoft.com')).toBe(false);
      const guest = contacts.find((c) => c.Email === 'guest@not-yet-verified.example');
      expect(guest).toMatchObject({ First_Name: 'Guest', Last_Name: 'User' });
      expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${guest!.id}`]);
    } finally {
      domains.pop();
    }
  });

  it('without Domain.Read.All the mailbox\'s own domain stays internal, and /domains is asked once', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_CREATE_UNKNOWN: 'contact' });
    sys.graph.inject('GET /domains', faults.forbidden());
    const domainCalls = () => sys.graph.calls.snapshot()['GET /domains'] ?? 0;
    const before = domainCalls();
    for (const subject of ['First without domains', 'Second without domains']) {
      const m = sys.graph.mail.add(userId, sentFields({ subject, toRecipients: [to('lidia.holloway@contoso.com', 'Lidia Holloway'), to('olga@adatum.example', 'Olga Ada')] }));
      await capture(String(m.id));
    }
    expect(domainCalls() - before).toBe(1);
    const contacts = sys.zoho.recordsOf('Contacts');
    expect(contacts.some((c) => c.Email === 'lidia.holloway@contoso.com')).toBe(false);
    expect(contacts.filter((c) => c.Email === 'olga@adatum.example')).toHaveLength(1);
    expect(sys.logs.text()).toMatch(/cannot read the tenant domains/);
  });

  it('never creates or files for MAIL_EXCLUDE addresses and domains, or MAIL_INTERNAL_DOMAINS', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_CREATE_UNKNOWN: 'contact', MAIL_EXCLUDE: 'noreply@tailspin.example, @lists.example', MAIL_INTERNAL_DOMAINS: 'contoso.com,partner-owned.example' });
    const [listed] = sys.zoho.seed('Contacts', [{ Last_Name: 'List', Email: 'all@lists.example' }]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('noreply@tailspin.example'), to('all@lists.example'), to('x@partner-owned.example'), to('new.person@tailspin.example', 'New Person')] }));
    await capture(String(m.id));
    const contacts = sys.zoho.recordsOf('Contacts');
    expect(contacts.some((c) => ['noreply@tailspin.example', 'x@partner-owned.example'].includes(String(c.Email)))).toBe(false);
    const created = contacts.find((c) => c.Email === 'new.person@tailspin.example');
    expect(created).toMatchObject({ First_Name: 'New', Last_Name: 'Person' });
    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${created!.id}`]);
    expect(sys.zoho.emails.some((e) => e.recordId === listed)).toBe(false);
    expect((await reportLine(String(m.id)))?.notes).toEqual(expect.arrayContaining(['noreply@tailspin.example: excluded by MAIL_EXCLUDE', 'all@lists.example: excluded by MAIL_EXCLUDE', 'x@partner-owned.example: internal address, not captured']));
  });

  it('mail among colleagues only is out of scope: no Zoho call, no report line', async () => {
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('megan.bowen@contoso.com')] }));
    const before = sys.zoho.requests.length;
    await capture(String(m.id));
    expect(sys.zoho.requests.length).toBe(before);
    expect(await reportLine(String(m.id))).toBeUndefined();
  });
});

describe('MAIL_CAPTURE and send-and-add', () => {
  it('off: nothing is captured, except a message carrying the sync category', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_CAPTURE: 'off' });
    const [c] = sys.zoho.seed('Contacts', [{ Last_Name: 'Tagged', Email: 'tagged@fabrikam.com' }]);
    const plain = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('tagged@fabrikam.com')] }));
    const before = sys.zoho.requests.length;
    await capture(String(plain.id));
    expect(sys.zoho.requests.length).toBe(before);
    expect(emailsOf(plain.internetMessageId)).toHaveLength(0);

    const tagged = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('tagged@fabrikam.com')], categories: ['zoho'] }));
    await capture(String(tagged.id));
    expect(filedOn(tagged.internetMessageId)).toEqual([`Contacts:${c}`]);

    // Tagged after sending: the `updated` notification captures it.
    sys.graph.mail.update(userId, String(plain.id), { categories: ['Zoho'] });
    await capture(String(plain.id), 'updated');
    expect(filedOn(plain.internetMessageId)).toEqual([`Contacts:${c}`]);
  });

  it('contacts only: a lead is not a match', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_CAPTURE: 'contacts' });
    sys.zoho.seed('Leads', [{ Last_Name: 'OnlyLead', Email: 'only.lead@fabrikam.com' }]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('only.lead@fabrikam.com')] }));
    await capture(String(m.id));
    expect(emailsOf(m.internetMessageId)).toHaveLength(0);
    expect(await reportLine(String(m.id))).toMatchObject({ result: 'skipped', reason: 'no Zoho record matches any address of the e-mail' });
  });
});

describe('idempotency and attachments', () => {
  const PDF = Buffer.from('%PDF-1.4\n%test quote\n');
  const DOCX = Buffer.from('UEsDBBQABgAIAAAAIQ4AAAAA', 'base64');

  it('the same notification 3 times → one association per record; attachments uploaded once and attached', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_ATTACHMENTS: 'true' });
    const [c] = sys.zoho.seed('Contacts', [{ Last_Name: 'Thrice', Email: 'thrice@fabrikam.com' }]);
    const [l] = sys.zoho.seed('Leads', [{ Last_Name: 'Thrice', Email: 'thrice@northwind.example' }]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('thrice@fabrikam.com'), to('thrice@northwind.example')] }), {
      attachments: [
        { name: 'quote.pdf', contentType: 'application/pdf', content: PDF },
        { name: 'Draft sales invoice template.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: DOCX },
        { name: 'logo.png', contentType: 'image/png', content: Buffer.from('png'), isInline: true },
      ],
    });
    const filesBefore = sys.zoho.files.length;
    const uploadsBefore = sys.zoho.count('POST /crm/v8/files');

    await notify(String(m.id));
    await notify(String(m.id));
    await notify(String(m.id), 'updated');
    const processed = await sys.runQueue({ includeDelayed: true });
    expect(processed.length).toBeGreaterThanOrEqual(1);
    await capture(String(m.id));

    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${c}`, `Leads:${l}`].sort());
    expect(sys.zoho.count('POST /crm/v8/files') - uploadsBefore).toBe(1);
    const uploaded = sys.zoho.files.slice(filesBefore);
    expect(uploaded.map((f) => f.name).sort()).toEqual(['Draft sales invoice template.docx', 'quote.pdf']);
    expect(uploaded.find((f) => f.name === 'quote.pdf')!.bytes.equals(PDF)).toBe(true);
    for (const e of emailsOf(m.internetMessageId)) {
      expect((e.email.attachments as { id: string }[]).map((a) => a.id).sort()).toEqual(uploaded.map((f) => f.id).sort());
    }
    const line = await reportLine(String(m.id));
    expect(line).toMatchObject({ result: 'added' });
    expect(line?.notes).toEqual(expect.arrayContaining(['attachments: quote.pdf, Draft sales invoice template.docx', '1 inline image(s) left out (part of the body, not attached files)']));
  });

  it('two workers on the same message at once: one files it, the other waits and files nothing twice', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_ATTACHMENTS: 'true' });
    const [c] = sys.zoho.seed('Contacts', [{ Last_Name: 'Race', Email: 'race@fabrikam.com' }]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('race@fabrikam.com')] }), { attachments: [{ name: 'a.txt', contentType: 'text/plain', content: 'hello' }] });
    const uploadsBefore = sys.zoho.count('POST /crm/v8/files');
    const msg = { v: 1, userId, module: 'mail', itemId: String(m.id), changeType: 'created' };
    await sys.workAtOnce([msg, msg, { ...msg, changeType: 'updated' }]);
    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${c}`]);
    expect(sys.zoho.count('POST /crm/v8/files') - uploadsBefore).toBe(1);
  });

  it('a failure half-way is retried without a second upload or a second association', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_ATTACHMENTS: 'true' });
    const [c1, c2] = sys.zoho.seed('Contacts', [
      { Last_Name: 'One', Email: 'one@fabrikam.com', Created_Time: '2020-01-01T00:00:00+00:00' },
      { Last_Name: 'Two', Email: 'two@fabrikam.com', Created_Time: '2020-01-02T00:00:00+00:00' },
    ]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('one@fabrikam.com'), to('two@fabrikam.com')] }), { attachments: [{ name: 'b.txt', contentType: 'text/plain', content: 'bytes' }] });
    const uploadsBefore = sys.zoho.count('POST /crm/v8/files');
    // The second association answers 500: the item is retried by the queue.
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts/{id}/actions/associate_email', skip: 1, response: { kind: 'serverError' } });
    const msg = { v: 1, userId, module: 'mail', itemId: String(m.id), changeType: 'created' };
    await expect(sys.work(msg, 1)).rejects.toThrow();
    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${c1}`]);
    await sys.work(msg, 2);
    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${c1}`, `Contacts:${c2}`].sort());
    expect(sys.zoho.count('POST /crm/v8/files') - uploadsBefore).toBe(1);
    expect(sys.zoho.requestsTo('POST /crm/v8/Contacts/{id}/actions/associate_email').filter((r) => r.path.includes(c1))).toHaveLength(1);
  });

  it('what does not fit is named in the report, and the e-mail is still attached', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_ATTACHMENTS: 'true' });
    const [c] = sys.zoho.seed('Contacts', [{ Last_Name: 'Big', Email: 'big@fabrikam.com' }]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('big@fabrikam.com')] }), {
      attachments: [
        { name: 'small.txt', contentType: 'text/plain', content: 'ok' },
        { name: 'video.mp4', contentType: 'video/mp4', content: Buffer.alloc(11 * 1024 * 1024) },
        { name: 'Fwd: meeting notes', contentType: 'message/rfc822', content: 'x', kind: 'itemAttachment' },
      ],
    });
    const downloadsBefore = sys.graph.calls.snapshot()['GET /users/{id}/messages/{id}/attachments/{id}/$value'] ?? 0;
    await capture(String(m.id));
    const [filed] = emailsOf(m.internetMessageId);
    expect(filed.recordId).toBe(c);
    expect((filed.email.attachments as { name: string }[]).map((a) => a.name)).toEqual(['small.txt']);
    // Only what fits is downloaded.
    expect((sys.graph.calls.snapshot()['GET /users/{id}/messages/{id}/attachments/{id}/$value'] ?? 0) - downloadsBefore).toBe(1);
    const notes = (await reportLine(String(m.id)))?.notes?.join('\n') ?? '';
    expect(notes).toMatch(/attachment left out: video\.mp4: 11 MB: over Zoho's 10 MB for all attachments/);
    expect(notes).toMatch(/attachment left out: Fwd: meeting notes: not a file/);
  });

  it('a file Zoho refuses (virus) is named in the report; the others are uploaded and the e-mail is attached', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_ATTACHMENTS: 'true' });
    const [c] = sys.zoho.seed('Contacts', [{ Last_Name: 'Virus', Email: 'virus@fabrikam.com' }]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('virus@fabrikam.com')] }), {
      attachments: [
        { name: 'invoice.exe', contentType: 'application/octet-stream', content: 'MZ' },
        { name: 'invoice.pdf', contentType: 'application/pdf', content: '%PDF-1.4' },
      ],
    });
    // files.json: one refused file fails the whole call; then the single upload of that file.
    const virus = { kind: 'reply' as const, status: 400, body: { code: 'VIRUS_DETECTED', details: {}, message: 'virus detected', status: 'error' } };
    sys.zoho.fault({ match: 'POST /crm/v8/files', times: 2, response: virus });
    const filesBefore = sys.zoho.files.length;
    await capture(String(m.id));
    const [filed] = emailsOf(m.internetMessageId);
    expect(filed.recordId).toBe(c);
    expect(sys.zoho.files.slice(filesBefore).map((f) => f.name)).toEqual(['invoice.pdf']);
    expect((filed.email.attachments as { name: string }[]).map((a) => a.name)).toEqual(['invoice.pdf']);
    const line = await reportLine(String(m.id));
    expect(line).toMatchObject({ result: 'added' });
    expect(line?.notes?.join('\n')).toMatch(/attachment left out: invoice\.exe: Zoho refused the file: .*VIRUS_DETECTED/);
  });

  it('a deleted Sent Items copy changes nothing in Zoho', async () => {
    const [c] = sys.zoho.seed('Contacts', [{ Last_Name: 'Gone', Email: 'gone@fabrikam.com' }]);
    const m = sys.graph.mail.add(userId, sentFields({ toRecipients: [to('gone@fabrikam.com')] }));
    await capture(String(m.id));
    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${c}`]);
    sys.graph.mail.remove(userId, String(m.id));
    const before = sys.zoho.requests.length;
    await capture(String(m.id), 'deleted');
    expect(sys.zoho.requests.length).toBe(before);
    expect(filedOn(m.internetMessageId)).toEqual([`Contacts:${c}`]);
  });
});
