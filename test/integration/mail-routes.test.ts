import { mailAdd } from '../../functions/mail-add';
import { mailAttach } from '../../functions/mail-attach';
import { mailCase } from '../../functions/mail-case';
import { mailSearch } from '../../functions/mail-search';
import { RunRepository } from '../../lib/state/runs';
import { CASE_STATUSES } from '../doubles/zoho/field-defs';
import graphMessage from '../fixtures/graph/message.json';
import { startFunctionHost, type FunctionHost } from '../support/function-host';
import { startSystem, type System } from '../support/system';

/**
 * Issue 6, the operator actions over HTTP (function key in Azure; the loopback host serves the
 * real handlers): add e-mail, search and add, add as Case.
 */
let sys: System;
let host: FunctionHost;
let userId: string;
let zohoOwnerId: string;

const ME = { name: 'Adele Vance', address: 'adele.vance@contoso.com' };
const PAVEL = { name: 'Pavel Bansky', address: 'pavelb@fabrikam.com' };
const to = (address: string, name = '') => ({ emailAddress: { name, address } });

function received(from: { name: string; address: string }, overrides: Record<string, unknown> = {}, attachments?: { name: string; contentType: string; content: Buffer | string }[]) {
  return sys.graph.mail.add(
    userId,
    { subject: 'Printer jams on page 2', body: { contentType: 'html', content: '<html><body><p>Hello,</p><p>the printer jams.</p></body></html>' }, from: { emailAddress: from }, sender: { emailAddress: from }, toRecipients: [{ emailAddress: ME }], ...overrides },
    { folder: 'inbox', attachments },
  );
}

async function call(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${host.url}/api/${route}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

beforeAll(async () => {
  sys = await startSystem({ SYNC_BUSY_RETRY_SECONDS: '1' });
  host = await startFunctionHost([
    { method: 'POST', route: 'mail/add', handler: mailAdd },
    { method: 'GET', route: 'mail/search', handler: mailSearch },
    { method: 'POST', route: 'mail/attach', handler: mailAttach },
    { method: 'POST', route: 'mail/case', handler: mailCase },
  ]);
  userId = sys.graph.addUser({ userPrincipalName: ME.address, displayName: ME.name }).id;
  zohoOwnerId = sys.zoho.addUser({ email: ME.address, first_name: 'Adele', last_name: 'Vance' }).id;
});

afterAll(async () => {
  await host.close();
  await sys.close();
});

describe('registration', () => {
  it('every mail route needs a function key, and its token/ twin is anonymous at the host and checks the bearer token in code', () => {
    const registered: Record<string, unknown>[] = [];
    jest.isolateModules(() => {
      // The functions register on the @azure/functions instance of this isolated registry.
      const functions = require('@azure/functions') as typeof import('@azure/functions');
      jest.spyOn(functions.app, 'http').mockImplementation((name, options) => {
        registered.push({ name, authLevel: options.authLevel, methods: options.methods, route: options.route });
      });
      for (const name of ['mail-add', 'mail-search', 'mail-attach', 'mail-case']) {
        require(`../../functions/${name}`);
        require(`../../functions/${name}-token`);
      }
    });
    expect(registered).toEqual(
      ['add', 'search', 'attach', 'case'].flatMap((a) => [
        { name: `mail-${a}`, authLevel: 'function', methods: [a === 'search' ? 'GET' : 'POST'], route: `mail/${a}` },
        { name: `mail-${a}-token`, authLevel: 'anonymous', methods: [a === 'search' ? 'GET' : 'POST'], route: `token/mail/${a}` },
      ]),
    );
  });
});

describe('POST mail/add', () => {
  it('files a received e-mail on the sender\'s Contact (user given by UPN), and answers per record', async () => {
    const [pavel] = sys.zoho.seed('Contacts', [{ First_Name: 'Pavel', Last_Name: 'Bansky', Email: PAVEL.address }]);
    const m = received(PAVEL);
    const res = await call('POST', 'mail/add', { user: ME.address, messageId: m.id });
    expect(res.status).toBe(200);
    const runId = RunRepository.automaticRunId(new Date());
    expect(res.body).toEqual({
      runId,
      items: [expect.objectContaining({ runId, userId, module: 'mail', itemId: `${m.id}/Contacts/${pavel}`, result: 'added', zohoModule: 'Contacts', zohoId: pavel, label: 'Printer jams on page 2' })],
    });
    const filed = sys.zoho.emails.filter((e) => e.email.original_message_id === m.internetMessageId);
    expect(filed).toHaveLength(1);
    expect(filed[0]).toMatchObject({ module: 'Contacts', recordId: pavel });
    expect(filed[0].email).toMatchObject({ sent: false, from: { email: PAVEL.address, user_name: PAVEL.name }, to: [{ email: ME.address, user_name: ME.name }] });

    // It lands in the report, and asking again files nothing twice.
    const lines = await sys.runtime().runs.listItems(runId, { userId, module: 'mail' });
    expect(lines.find((l) => l.itemId === `${m.id}/Contacts/${pavel}`)).toMatchObject({ result: 'added' });
    const again = await call('POST', 'mail/add', { user: userId, messageId: m.id });
    expect(again.body.items).toEqual([expect.objectContaining({ result: 'unchanged', zohoId: pavel })]);
    expect(sys.zoho.emails.filter((e) => e.email.original_message_id === m.internetMessageId)).toHaveLength(1);
  });

  it('a sent e-mail from any folder, by the settings, even with automatic capture off', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', MAIL_CAPTURE: 'off', MAIL_CREATE_UNKNOWN: 'lead' });
    try {
      const [lead] = sys.zoho.seed('Leads', [{ Last_Name: 'Lead', Email: 'lead@northwind.example' }]);
      const m = sys.graph.mail.add(userId, { subject: 'Offer', from: { emailAddress: ME }, toRecipients: [to('lead@northwind.example'), to('new@northwind.example', 'Nia New'), to('megan@contoso.com')] }, { folder: 'archive' });
      const res = await call('POST', 'mail/add', { user: userId, messageId: m.id });
      expect(res.status).toBe(200);
      const created = sys.zoho.recordsOf('Leads').find((l) => l.Email === 'new@northwind.example')!;
      expect(created).toMatchObject({ First_Name: 'Nia', Last_Name: 'New' });
      expect(res.body.items.map((i: { itemId: string; result: string }) => [i.itemId, i.result])).toEqual([
        [`${m.id}/Leads/${lead}`, 'added'],
        [`${m.id}/Leads/${created.id}`, 'added'],
        [`${m.id}/megan@contoso.com`, 'skipped'],
      ]);
      expect(sys.zoho.emails.filter((e) => e.email.original_message_id === m.internetMessageId).every((e) => e.email.sent === true)).toBe(true);
    } finally {
      sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
    }
  });

  it('a draft is not filed', async () => {
    sys.zoho.seed('Contacts', [{ Last_Name: 'Draft', Email: 'draft.reader@fabrikam.com' }]);
    const m = sys.graph.mail.add(userId, { subject: 'Not sent yet', from: { emailAddress: ME }, toRecipients: [to('draft.reader@fabrikam.com')] }, { folder: 'drafts' });
    const res = await call('POST', 'mail/add', { user: ME.address, messageId: m.id });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ result: 'skipped', reason: expect.stringMatching(/draft/) })]);
    expect(sys.zoho.emails.some((e) => e.email.original_message_id === m.internetMessageId)).toBe(false);
  });

  it.each([
    ['not JSON', '{', 400, /not valid JSON/],
    ['no messageId', { user: ME.address }, 400, /messageId is required/],
    ['a user that is neither id nor UPN', { user: 'adele', messageId: 'x' }, 400, /object id or a UPN/],
    ['an unknown user', { user: 'nobody@contoso.com', messageId: 'x' }, 404, /No such user/],
    ['an unknown message', { user: ME.address, messageId: 'AAMkAGUnknown=' }, 404, /No such message/],
  ])('%s → %s', async (_n, body, status, error) => {
    const res = await call('POST', 'mail/add', body);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(error);
  });
});

describe('search and add', () => {
  it('finds a Deal by name and attaches the e-mail to it, with attachments when asked', async () => {
    const [account] = sys.zoho.seed('Accounts', [{ Account_Name: 'Fabrikam, Inc.' }]);
    const [deal] = sys.zoho.seed('Deals', [{ Deal_Name: 'Fabrikam printer fleet 2025', Stage: 'Qualification', Account_Name: { id: account }, Created_Time: '2025-01-01T00:00:00+00:00' }]);
    sys.zoho.seed('Deals', [{ Deal_Name: 'Northwind renewal', Stage: 'Qualification' }]);
    const found = await call('GET', `mail/search?module=Deals&q=${encodeURIComponent('Fabrikam printer')}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ module: 'Deals', q: 'Fabrikam printer', records: [expect.objectContaining({ module: 'Deals', id: deal, name: 'Fabrikam printer fleet 2025', company: 'Fabrikam, Inc.', stage: 'Qualification' })] });

    const m = received(PAVEL, { subject: 'Fleet quote' }, [{ name: 'quote.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 quote') }]);
    const res = await call('POST', 'mail/attach', { user: ME.address, messageId: m.id, module: 'Deals', recordId: deal, attachments: true });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ result: 'added', zohoModule: 'Deals', zohoId: deal, notes: ['attachments: quote.pdf'] })]);
    const [filed] = sys.zoho.emails.filter((e) => e.email.original_message_id === m.internetMessageId);
    expect(filed).toMatchObject({ module: 'Deals', recordId: deal });
    expect(filed.email).toMatchObject({ sent: false, subject: 'Fleet quote', attachments: [{ name: 'quote.pdf' }] });
  });

  it('finds Contacts and Leads by e-mail address', async () => {
    const [older, newer] = sys.zoho.seed('Contacts', [
      { Last_Name: 'Searchable', Email: 'search.me@fabrikam.com', Created_Time: '2020-01-01T00:00:00+00:00' },
      { Last_Name: 'Searchable Two', Email: 'search.me@fabrikam.com', Created_Time: '2024-01-01T00:00:00+00:00' },
    ]);
    const res = await call('GET', 'mail/search?module=Contacts&q=Search.Me@Fabrikam.com');
    expect(res.body.records.map((r: { id: string }) => r.id)).toEqual([older, newer]);
    const leads = await call('GET', 'mail/search?module=Leads&q=nobody@fabrikam.com');
    expect(leads.body.records).toEqual([]);
  });

  it.each([
    ['GET', 'mail/search?module=Accounts&q=xx', 400, /module must be one of/],
    ['GET', 'mail/search?module=Deals', 400, /q is required/],
    ['POST', 'mail/attach', 400, /recordId/],
  ] as const)('%s %s → %s', async (method, route, status, error) => {
    const res = await call(method, route, method === 'POST' ? { user: ME.address, messageId: 'x', module: 'Deals', recordId: 'abc' } : undefined);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(error);
  });

  it('attach to a record that does not exist → 404', async () => {
    const m = received(PAVEL, { subject: 'Nothing' });
    const res = await call('POST', 'mail/attach', { user: ME.address, messageId: m.id, module: 'Deals', recordId: '5725767999999999999' });
    expect(res.status).toBe(404);
  });
});

describe('POST mail/case', () => {
  it('creates exactly the Case SPEC §3.1 lists, with the attachments, and no second Case when repeated', async () => {
    const [contact] = sys.zoho.seed('Contacts', [{ First_Name: 'Casey', Last_Name: 'Customer', Email: 'casey@fabrikam.com' }]);
    const m = received({ name: 'Casey Customer', address: 'Casey@Fabrikam.com' }, { subject: graphMessage.subject, body: graphMessage.body }, [
      { name: 'photo.jpg', contentType: 'image/jpeg', content: Buffer.from('jpegbytes') },
      { name: 'log.txt', contentType: 'text/plain', content: 'error 42' },
    ]);
    const casesBefore = sys.zoho.recordsOf('Cases').length;
    const res = await call('POST', 'mail/case', { user: ME.address, messageId: m.id, status: 'on hold', attachments: true });
    expect(res.status).toBe(200);
    const cases = sys.zoho.recordsOf('Cases');
    expect(cases).toHaveLength(casesBefore + 1);
    const created = cases[cases.length - 1];
    expect(created).toMatchObject({
      Subject: graphMessage.subject,
      Description: 'The group represents Nevada.',
      Email: 'casey@fabrikam.com',
      Related_To: expect.objectContaining({ id: contact }),
      Status: 'On Hold',
      Case_Origin: 'Email',
      Owner: expect.objectContaining({ id: zohoOwnerId }),
    });
    expect(res.body.items).toEqual([expect.objectContaining({ result: 'added', zohoModule: 'Cases', zohoId: created.id, itemId: `${m.id}/Cases/${created.id}`, notes: ['attachments: photo.jpg, log.txt'] })]);
    const onCase = () => sys.zoho.attachments.filter((a) => a.module === 'Cases' && a.recordId === created.id).map((a) => a.fileName).sort();
    expect(onCase()).toEqual(['log.txt', 'photo.jpg']);
    // Cases take no associate-email: nothing was filed through it.
    expect(sys.zoho.emails.some((e) => e.email.original_message_id === m.internetMessageId)).toBe(false);

    const again = await call('POST', 'mail/case', { user: userId, messageId: m.id, status: 'New', attachments: true });
    expect(again.status).toBe(200);
    expect(again.body.items).toEqual([expect.objectContaining({ result: 'unchanged', zohoId: created.id, notes: ['already attached: photo.jpg, log.txt'] })]);
    expect(sys.zoho.recordsOf('Cases')).toHaveLength(casesBefore + 1);
    expect(onCase()).toEqual(['log.txt', 'photo.jpg']);
  });

  it('two requests at once still make one Case', async () => {
    sys.zoho.seed('Contacts', [{ Last_Name: 'Twice', Email: 'twice@fabrikam.com' }]);
    const m = received({ name: 'Twice', address: 'twice@fabrikam.com' }, { subject: 'Double click' });
    sys.zoho.setLatency(20);
    try {
      const answers = await Promise.all([1, 2, 3].map(() => call('POST', 'mail/case', { user: ME.address, messageId: m.id, status: 'New' })));
      expect(answers.map((a) => a.status).every((s) => s === 200 || s === 503)).toBe(true);
      expect(answers.find((a) => a.status === 503)?.headers.get('retry-after') ?? '5').toBe('5');
    } finally {
      sys.zoho.setLatency(0);
    }
    const retry = await call('POST', 'mail/case', { user: ME.address, messageId: m.id, status: 'New' });
    expect(retry.status).toBe(200);
    expect(sys.zoho.recordsOf('Cases').filter((c) => c.Subject === 'Double click')).toHaveLength(1);
  });

  it('refuses a sender who is not a Contact (409), creating nothing', async () => {
    sys.zoho.seed('Leads', [{ Last_Name: 'OnlyLead', Email: 'lead.only@fabrikam.com' }]);
    const m = received({ name: 'Lead Only', address: 'lead.only@fabrikam.com' }, { subject: 'Question' });
    const before = sys.zoho.recordsOf('Cases').length;
    const res = await call('POST', 'mail/case', { user: ME.address, messageId: m.id, status: 'New' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/not a Zoho Contact/);
    expect(sys.zoho.recordsOf('Cases')).toHaveLength(before);
  });

  it('refuses a status that is not in the org\'s pick list (400, listing the valid ones)', async () => {
    const m = received(PAVEL, { subject: 'Status' });
    const res = await call('POST', 'mail/case', { user: ME.address, messageId: m.id, status: 'Open' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringContaining('New, On Hold, Escalated, Closed'), valid: CASE_STATUSES });
  });
});
