/**
 * The production client against the Zoho double: retries and limits, per-record results,
 * chunking, COQL paging and IN lookups, search, metadata caching, e-mails, files, meetings.
 */
import {
  ZohoConnectionError, ZohoInvalidRequestError, ZohoPermissionError, ZohoRateLimitError, ZohoServerError, ZohoTimeoutError,
} from '../../lib/zoho/errors';
import { withoutInvitations } from '../../lib/zoho/events';
import { searchCriterion } from '../../lib/zoho/search';
import { clientFor } from '../doubles/zoho/harness';
import { startZohoDouble, type ZohoDouble } from '../doubles/zoho';

let double: ZohoDouble;

beforeAll(async () => {
  double = await startZohoDouble();
});
afterAll(async () => {
  await double.stop();
});
beforeEach(() => {
  double.reset();
  double.setLatency(0);
  double.setConcurrencyLimit(undefined);
});

const contact = (i: number, extra: Record<string, unknown> = {}) => ({ Last_Name: `Person ${i}`, Email: `person${i}@example.com`, ...extra });

describe('retries and limits', () => {
  test('429 with Retry-After: waits what Zoho says, then succeeds', async () => {
    const { client, sleeps, calls } = clientFor(double);
    double.fault({ match: 'GET /crm/v8/org', response: { kind: 'rateLimit', retryAfterSeconds: 2 } });
    await expect(client.getOrg()).resolves.toMatchObject({ id: expect.any(String) });
    expect(sleeps).toEqual([2000]);
    expect(calls.snapshot()['GET /crm/v8/org']).toBe(2);
  });

  test('429 without Retry-After: exponential back-off, then success', async () => {
    const { client, sleeps } = clientFor(double);
    double.fault({ match: 'GET /crm/v8/org', times: 2, response: { kind: 'rateLimit' } });
    await client.getOrg();
    expect(sleeps).toEqual([750, 1500]);
  });

  test('429 beyond the retry budget throws ZohoRateLimitError', async () => {
    const { client, sleeps } = clientFor(double);
    double.fault({ match: 'GET /crm/v8/org', times: 3, response: { kind: 'rateLimit' } });
    const err = await client.getOrg().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoRateLimitError);
    expect((err as ZohoRateLimitError).code).toBe('TOO_MANY_REQUESTS');
    expect((err as ZohoRateLimitError).transient).toBe(true);
    expect(sleeps).toHaveLength(2);
  });

  test('a Retry-After longer than the in-request cap is not slept through', async () => {
    const { client, sleeps } = clientFor(double);
    double.fault({ match: 'GET /crm/v8/org', response: { kind: 'rateLimit', retryAfterSeconds: 120 } });
    const err = (await client.getOrg().catch((e: unknown) => e)) as ZohoRateLimitError;
    expect(err).toBeInstanceOf(ZohoRateLimitError);
    expect(err.retryAfterMs).toBe(120_000);
    expect(sleeps).toEqual([]);
  });

  test.each([500, 503])('%i is thrown at once as a transient ZohoServerError', async (status) => {
    const { client, calls } = clientFor(double);
    double.fault({ match: 'POST /crm/v8/Contacts', response: { kind: 'serverError', status } });
    const err = (await client.insertRecords('Contacts', [contact(1)]).catch((e: unknown) => e)) as ZohoServerError;
    expect(err).toBeInstanceOf(ZohoServerError);
    expect(err.status).toBe(status);
    expect(err.transient).toBe(true);
    // A write is never repeated in-request: Zoho may have applied it.
    expect(calls.snapshot()['POST /crm/v8/Contacts']).toBe(1);
  });

  test('a read (GET, COQL) is retried after a 5xx, a few times, then the error is thrown', async () => {
    const { client, sleeps, calls } = clientFor(double);
    double.fault({ match: 'POST /crm/v8/coql', times: 2, response: { kind: 'serverError', status: 503 } });
    await expect(client.coql("select id from Contacts where Last_Name = 'Nobody'")).resolves.toEqual([]);
    expect(sleeps).toEqual([188, 375]);
    expect(calls.snapshot()['POST /crm/v8/coql']).toBe(3);

    double.fault({ match: 'GET /crm/v8/org', times: 3, response: { kind: 'serverError', status: 500 } });
    const err = (await client.getOrg().catch((e: unknown) => e)) as ZohoServerError;
    expect(err).toBeInstanceOf(ZohoServerError);
    expect(calls.snapshot()['GET /crm/v8/org']).toBe(3);
  });

  test('a hanging request becomes ZohoTimeoutError', async () => {
    const { client } = clientFor(double, { client: { timeoutMs: 150 } });
    double.fault({ match: 'GET /crm/v8/org', response: { kind: 'hang' } });
    const err = await client.getOrg().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoTimeoutError);
    expect((err as ZohoTimeoutError).transient).toBe(true);
  });

  test('a dropped connection becomes ZohoConnectionError', async () => {
    const { client } = clientFor(double);
    double.fault({ match: 'GET /crm/v8/org', response: { kind: 'disconnect' } });
    await expect(client.getOrg()).rejects.toBeInstanceOf(ZohoConnectionError);
  });

  test('the concurrency cap keeps in-flight requests under the org limit', async () => {
    double.setLatency(15);
    double.setConcurrencyLimit(3);
    const { client } = clientFor(double, { client: { maxConcurrency: 3 } });
    await Promise.all(Array.from({ length: 12 }, () => client.getOrg()));
    expect(double.maxInFlight).toBeLessThanOrEqual(3);
    expect(double.count('GET /crm/v8/org')).toBe(12);
  });

  test('over the limit the double answers 429 TOO_MANY_REQUESTS, which the client retries', async () => {
    double.setLatency(15);
    double.setConcurrencyLimit(2);
    const { client, logger } = clientFor(double, {
      client: { maxConcurrency: 6, maxRateLimitRetries: 10, retryBaseDelayMs: 5, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    });
    const orgs = await Promise.all(Array.from({ length: 6 }, () => client.getOrg()));
    expect(orgs).toHaveLength(6);
    // Six requests at once against a limit of two: some were refused, or nothing here was retried.
    expect(double.concurrencyRejections).toBeGreaterThan(0);
    // Every refusal was retried: six answered calls plus one per 429.
    expect(double.count('GET /crm/v8/org')).toBe(6 + double.concurrencyRejections);
    const retries = logger.lines.filter((l) => l.message === 'zoho rate limited, retrying').length;
    expect(retries).toBe(double.concurrencyRejections);
  });

  test('module-level NO_PERMISSION is a ZohoPermissionError', async () => {
    const { client } = clientFor(double);
    double.denyPermission({ module: 'Contacts', operations: ['create'] });
    const err = (await client.insertRecords('Contacts', [contact(1)]).catch((e: unknown) => e)) as ZohoPermissionError;
    expect(err).toBeInstanceOf(ZohoPermissionError);
    expect(err.code).toBe('NO_PERMISSION');
    expect(err.transient).toBe(false);
  });
});

describe('records', () => {
  test('mixed batch: per-record results in input order, failure names the field', async () => {
    const { client } = clientFor(double);
    const results = await client.insertRecords('Contacts', [contact(1), { Last_Name: 'x'.repeat(81) }, { First_Name: 'No last name' }], { trigger: [] });
    expect(results[0]).toMatchObject({ status: 'success', code: 'SUCCESS', id: expect.any(String), createdTime: expect.any(String) });
    expect(results[1]).toMatchObject({ status: 'error', code: 'INVALID_DATA', field: 'Last_Name', details: { maximum_length: 80 } });
    expect(results[2]).toMatchObject({ status: 'error', code: 'MANDATORY_NOT_FOUND', field: 'Last_Name' });
    expect(double.recordsOf('Contacts')).toHaveLength(1);
    expect(double.writes[0]).toMatchObject({ method: 'POST', module: 'Contacts', trigger: [] });
  });

  test('all records refused (HTTP 400 with data[]) is still per-record results', async () => {
    const { client } = clientFor(double);
    const results = await client.insertRecords('Contacts', [{ First_Name: 'a' }, { First_Name: 'b' }]);
    expect(results.map((r) => r.status)).toEqual(['error', 'error']);
  });

  test('no trigger option: the key is absent, so Zoho runs its automations', async () => {
    const { client } = clientFor(double);
    await client.insertRecords('Contacts', [contact(1)]);
    const [req] = double.requestsTo('POST /crm/v8/Contacts');
    expect(req.body).not.toHaveProperty('trigger');
    expect(double.writes[0].trigger).toBeUndefined();
  });

  test('250 records go out in three calls of at most 100', async () => {
    const { client, calls } = clientFor(double);
    const results = await client.insertRecords('Contacts', Array.from({ length: 250 }, (_, i) => contact(i)));
    expect(results).toHaveLength(250);
    expect(results.every((r) => r.status === 'success')).toBe(true);
    expect(calls.snapshot()['POST /crm/v8/Contacts']).toBe(3);
    expect(double.requestsTo('POST /crm/v8/Contacts').map((r) => (r.body as { data: unknown[] }).data.length)).toEqual([100, 100, 50]);
  });

  test('a request-level failure in a later chunk carries the results already applied', async () => {
    const { client } = clientFor(double);
    double.fault({ match: 'POST /crm/v8/Contacts', skip: 1, response: { kind: 'serverError' } });
    const err = (await client.insertRecords('Contacts', Array.from({ length: 150 }, (_, i) => contact(i))).catch((e: unknown) => e)) as ZohoServerError;
    expect(err).toBeInstanceOf(ZohoServerError);
    expect(err.partialResults).toHaveLength(100);
    expect(double.recordsOf('Contacts')).toHaveLength(100);
  });

  test('update, upsert and delete', async () => {
    const { client } = clientFor(double);
    const [a, b] = double.seed('Contacts', [contact(1), contact(2)]);
    const upd = await client.updateRecords('Contacts', [{ id: a, Title: 'CTO' }, { id: '999', Title: 'x' }]);
    expect(upd[0]).toMatchObject({ status: 'success', id: a });
    expect(upd[1]).toMatchObject({ status: 'error', code: 'INVALID_DATA' });
    expect(double.record('Contacts', a)?.Title).toBe('CTO');

    const ups = await client.upsertRecords('Contacts', [{ Last_Name: 'Two', Email: 'PERSON2@example.com' }, contact(3)], { duplicateCheckFields: ['Email'] });
    expect(ups[0]).toMatchObject({ status: 'success', id: b, action: 'update', duplicateField: 'Email' });
    expect(ups[1]).toMatchObject({ status: 'success', action: 'insert' });
    expect(double.requestsTo('POST /crm/v8/Contacts/upsert')[0].body).toMatchObject({ duplicate_check_fields: ['Email'] });

    const del = await client.deleteRecords('Contacts', [a, '404']);
    expect(del[0]).toMatchObject({ status: 'success', id: a });
    expect(del[1]).toMatchObject({ status: 'error', code: 'INVALID_DATA' });
    expect(double.record('Contacts', a)).toBeUndefined();
  });

  test('record-level NO_PERMISSION is a result, not a throw', async () => {
    const { client } = clientFor(double);
    const [a, b] = double.seed('Contacts', [contact(1), contact(2)]);
    double.denyPermission({ module: 'Contacts', recordId: b, operations: ['edit'] });
    const results = await client.updateRecords('Contacts', [{ id: a, Title: 'ok' }, { id: b, Title: 'no' }]);
    expect(results.map((r) => r.code)).toEqual(['SUCCESS', 'NO_PERMISSION']);
  });

  test('a unique-field clash is DUPLICATE_DATA with the existing record id', async () => {
    const { client } = clientFor(double);
    double.setUnique('Contacts', 'Email');
    const [existing] = double.seed('Contacts', [contact(1)]);
    const [r] = await client.insertRecords('Contacts', [contact(1)]);
    expect(r).toMatchObject({ status: 'error', code: 'DUPLICATE_DATA', field: 'Email', duplicateId: existing });
  });

  test('lookups, owner and Created_Time', async () => {
    const { client } = clientFor(double);
    const [account] = double.seed('Accounts', [{ Account_Name: 'Zylker' }]);
    const [r] = await client.insertRecords('Contacts', [contact(1, { Account_Name: { id: account } })]);
    expect(r.status).toBe('success');
    const rec = await client.getRecord('Contacts', (r as { id: string }).id);
    expect(rec).toMatchObject({ Account_Name: { id: account, name: 'Zylker' }, Owner: { id: expect.any(String) }, Created_Time: expect.stringMatching(/\+00:00$/) });
    const [bad] = await client.insertRecords('Contacts', [contact(2, { Account_Name: { id: '123' } })]);
    expect(bad).toMatchObject({ status: 'error', code: 'INVALID_DATA', field: 'Account_Name' });
  });

  test('getRecord is null for an unknown id (204), also when said as INVALID_DATA for that id', async () => {
    const { client } = clientFor(double);
    await expect(client.getRecord('Contacts', '5725767000000999999')).resolves.toBeNull();
    double.fault({
      match: 'GET /crm/v8/Contacts/{id}',
      response: { kind: 'reply', status: 400, body: { code: 'INVALID_DATA', details: { id: '42' }, message: 'the id given seems to be invalid', status: 'error' } },
    });
    await expect(client.getRecord('Contacts', '42')).resolves.toBeNull();
  });
});

describe('COQL', () => {
  test('pages through more_records by rewriting LIMIT/OFFSET', async () => {
    const { client, calls } = clientFor(double, { client: { coqlPageSize: 200 } });
    double.seed('Contacts', Array.from({ length: 450 }, (_, i) => contact(i, { Created_Time: 1_700_000_000_000 + i * 1000 })));
    const rows = await client.coql("select Last_Name, Email from Contacts where Last_Name like 'Person%' order by Created_Time asc");
    expect(rows).toHaveLength(450);
    expect(new Set(rows.map((r) => r.id)).size).toBe(450);
    expect(calls.snapshot()['POST /crm/v8/coql']).toBe(3);
    expect(double.requestsTo('POST /crm/v8/coql').map((r) => (r.body as { select_query: string }).select_query.replace(/^.* limit/, 'limit'))).toEqual([
      'limit 200 offset 0',
      'limit 200 offset 200',
      'limit 200 offset 400',
    ]);
  });

  test('a LIMIT in the query caps the rows; 204 gives []', async () => {
    const { client } = clientFor(double);
    double.seed('Contacts', Array.from({ length: 5 }, (_, i) => contact(i)));
    await expect(client.coql("select Email from Contacts where Email like '%@example.com' limit 2")).resolves.toHaveLength(2);
    await expect(client.coql("select Email from Contacts where Email = 'nobody@example.com'")).resolves.toEqual([]);
  });

  test('findByField splits IN lists at 100 and matches e-mail case-insensitively', async () => {
    const { client, calls } = clientFor(double);
    double.seed('Contacts', Array.from({ length: 150 }, (_, i) => contact(i)));
    const wanted = Array.from({ length: 230 }, (_, i) => `PERSON${i}@Example.com`);
    const rows = await client.findByField('Contacts', 'Email', wanted, ['Email', 'Created_Time']);
    expect(rows).toHaveLength(150);
    expect(calls.snapshot()['POST /crm/v8/coql']).toBe(3);
  });

  test('earliestByField picks the contact created first', async () => {
    const { client } = clientFor(double);
    const [, older] = double.seed('Contacts', [
      { Last_Name: 'Newer', Email: 'dup@example.com', Created_Time: new Date('2025-03-01T00:00:00Z') },
      { Last_Name: 'Older', Email: 'Dup@Example.com', Created_Time: new Date('2024-01-01T00:00:00Z') },
    ]);
    const best = await client.earliestByField('Contacts', 'Email', ['dup@example.com', 'none@example.com'], ['Last_Name']);
    expect(best.get('dup@example.com')?.id).toBe(older);
    expect(best.has('none@example.com')).toBe(false);
  });

  test("values with quotes are escaped and still match", async () => {
    const { client } = clientFor(double);
    const [id] = double.seed('Contacts', [contact(1, { Email: "o'brien@example.com" })]);
    const rows = await client.findByField('Contacts', 'Email', ["o'brien@example.com"], ['Email']);
    expect(rows.map((r) => r.id)).toEqual([id]);
  });

  test('lookup joins', async () => {
    const { client } = clientFor(double);
    const [acc] = double.seed('Accounts', [{ Account_Name: 'Zylker' }]);
    double.seed('Contacts', [contact(1, { Account_Name: { id: acc } }), contact(2)]);
    const rows = await client.coql("select Last_Name, Account_Name, Account_Name.Account_Name from Contacts where Account_Name.Account_Name = 'zylker'");
    expect(rows).toEqual([{ Last_Name: 'Person 1', Account_Name: { name: 'Zylker', id: acc }, 'Account_Name.Account_Name': 'Zylker', id: expect.any(String) }]);
  });

  test('a bad query is a ZohoInvalidRequestError with Zoho\'s code', async () => {
    const { client } = clientFor(double);
    const err = (await client.coql("select Email from Contacts where Email = 'a' and Last_Name = 'b' and First_Name = 'c'").catch((e: unknown) => e)) as ZohoInvalidRequestError;
    expect(err).toBeInstanceOf(ZohoInvalidRequestError);
    expect(err.code).toBe('SYNTAX_ERROR');
    expect(err.message).not.toContain("'a'");
  });
});

describe('search, users, org, fields', () => {
  test('search by email; 204 means none', async () => {
    const { client } = clientFor(double);
    double.seed('Contacts', [contact(1), contact(2)]);
    await expect(client.searchRecords('Contacts', { email: 'person1@example.com' })).resolves.toHaveLength(1);
    await expect(client.searchRecords('Contacts', { email: 'nobody@example.com' })).resolves.toEqual([]);
  });

  test('search criteria with escaped characters', async () => {
    const { client } = clientFor(double);
    double.seed('Accounts', [{ Account_Name: 'Zylker (UK), Ltd' }, { Account_Name: 'Other' }]);
    const rows = await client.searchRecords('Accounts', { criteria: searchCriterion('Account_Name', 'equals', 'Zylker (UK), Ltd') });
    expect(rows.map((r) => r.Account_Name)).toEqual(['Zylker (UK), Ltd']);
  });

  test('search index lag: a new record is not found until the index catches up', async () => {
    const { client } = clientFor(double);
    double.setSearchIndexLag(true);
    await client.insertRecords('Contacts', [contact(7)]);
    await expect(client.searchRecords('Contacts', { email: 'person7@example.com' })).resolves.toEqual([]);
    // COQL reads the database: no lag.
    await expect(client.findByField('Contacts', 'Email', ['person7@example.com'], ['Email'])).resolves.toHaveLength(1);
    double.flushSearchIndex();
    await expect(client.searchRecords('Contacts', { email: 'person7@example.com' })).resolves.toHaveLength(1);
  });

  test('users are paged', async () => {
    const { client, calls } = clientFor(double);
    for (let i = 0; i < 250; i += 1) double.addUser({ last_name: `User ${i}`, email: `user${i}@example.com` });
    double.addUser({ last_name: 'Gone', email: 'gone@example.com', status: 'disabled' });
    const users = await client.getUsers({ type: 'ActiveUsers' });
    expect(users).toHaveLength(251);
    expect(calls.snapshot()['GET /crm/v8/users']).toBe(2);
  });

  test('org edition', async () => {
    const { client } = clientFor(double);
    double.setOrg({ license_details: { ...(double.state.org.license_details as object), paid_type: 'professional' } });
    await expect(client.getOrg()).resolves.toMatchObject({ paidType: 'professional', time_zone: 'Asia/Tokyo' });
  });

  test('field metadata is cached per module', async () => {
    const { client, calls } = clientFor(double);
    const [first, second] = await Promise.all([client.getFields('Contacts'), client.getFields('Contacts')]);
    await client.getFields('Contacts');
    await client.getFields('Tasks');
    expect(second).toBe(first);
    expect(calls.snapshot()['GET /crm/v8/settings/fields']).toBe(2);
    expect(first.find((f) => f.api_name === 'Last_Name')).toMatchObject({ data_type: 'text', length: 80, system_mandatory: true });
    expect(first.find((f) => f.api_name === 'Account_Name')).toMatchObject({ data_type: 'lookup', lookupModule: 'Accounts' });
    const tasks = await client.getFields('Tasks');
    expect(tasks.find((f) => f.api_name === 'Status')?.pick_list_values.map((p) => p.actual_value)).toContain('Waiting for input');
  });
});

describe('e-mails, files, meetings', () => {
  const mail = (id: string) => ({
    from: { user_name: 'Rep', email: 'rep@vendor.example' },
    to: [{ user_name: 'Person 1', email: 'person1@example.com' }],
    subject: 'Quote',
    content: '<p>Hello</p>',
    mail_format: 'html' as const,
    date_time: '2025-03-01T09:30:00+09:00',
    sent: true,
    original_message_id: id,
  });

  test('associate e-mail; a repeat is reported as already associated', async () => {
    const { client } = clientFor(double);
    const [c] = double.seed('Contacts', [contact(1)]);
    const first = await client.associateEmail('Contacts', c, mail('<m1@example.com>'));
    expect(first).toMatchObject({ status: 'success', alreadyAssociated: false, messageId: expect.any(String) });
    const again = await client.associateEmail('Contacts', c, mail('<m1@example.com>'));
    expect(again).toMatchObject({ status: 'success', code: 'DUPLICATE_DATA', alreadyAssociated: true });
    expect(double.emails).toHaveLength(1);
  });

  test('associate e-mail refusal names the field', async () => {
    const { client } = clientFor(double);
    const [c] = double.seed('Contacts', [contact(1)]);
    const r = await client.associateEmail('Contacts', c, { ...mail('<m2@example.com>'), subject: 's'.repeat(251) });
    expect(r).toMatchObject({ status: 'error', code: 'INVALID_DATA', field: 'subject' });
  });

  test('upload files then attach them to the e-mail', async () => {
    const { client } = clientFor(double);
    const [c] = double.seed('Contacts', [contact(1)]);
    const files = await client.uploadFiles([
      { name: 'quote.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' },
      { name: 'huge.bin', content: new Uint8Array(20 * 1024 * 1024 + 1) },
    ]);
    expect(files[0]).toMatchObject({ status: 'success', name: 'quote.pdf' });
    expect(files[1]).toMatchObject({ status: 'error', code: 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE' });
    expect(double.count('POST /crm/v8/files')).toBe(1);
    expect(double.files[0].bytes.toString()).toBe('%PDF-1.4');
    const id = (files[0] as { id: string }).id;
    const r = await client.associateEmail('Contacts', c, { ...mail('<m3@example.com>'), attachments: [{ id, name: 'quote.pdf' }] });
    expect(r.status).toBe('success');
  });

  test('more than ten files take two upload calls', async () => {
    const { client } = clientFor(double);
    const results = await client.uploadFiles(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.txt`, content: Buffer.from(`file ${i}`) })));
    expect(results.every((r) => r.status === 'success')).toBe(true);
    expect(double.count('POST /crm/v8/files')).toBe(2);
  });

  test('record attachment (the route for Cases)', async () => {
    const { client } = clientFor(double);
    const [cs] = double.seed('Cases', [{ Subject: 'Broken', Status: 'New', Case_Origin: 'Email' }]);
    const { id } = await client.addAttachment('Cases', cs, { name: 'log.txt', content: Buffer.from('trace') });
    expect(double.attachments).toEqual([expect.objectContaining({ id, module: 'Cases', recordId: cs, fileName: 'log.txt', size: 5 })]);
  });

  test('events: no invitation when $send_notification is false; the double flags one otherwise', async () => {
    const { client } = clientFor(double);
    const [c] = double.seed('Contacts', [contact(1)]);
    const event = {
      Event_Title: 'Review',
      Start_DateTime: '2025-03-01T09:00:00+09:00',
      End_DateTime: '2025-03-01T10:00:00+09:00',
      Participants: [{ type: 'contact', participant: c }, { type: 'email', Email: 'guest@example.com' }],
    };
    const [quiet] = await client.insertRecords('Events', [withoutInvitations(event)], { trigger: [] });
    expect(quiet.status).toBe('success');
    expect(double.invitations).toEqual([]);
    expect((double.requestsTo('POST /crm/v8/Events')[0].body as { data: Record<string, unknown>[] }).data[0].$send_notification).toBe(false);
    const stored = double.record('Events', (quiet as { id: string }).id)!;
    expect((stored.Participants as { invited: boolean }[]).every((p) => p.invited === false)).toBe(true);

    await client.insertRecords('Events', [event]);
    expect(double.invitations).toHaveLength(1);
  });

  test('more than 50 participants is LIMIT_EXCEEDED for that record', async () => {
    const { client } = clientFor(double);
    const participants = Array.from({ length: 51 }, (_, i) => ({ type: 'email', Email: `g${i}@example.com` }));
    const [r] = await client.insertRecords('Events', [
      withoutInvitations({ Event_Title: 'Big', Start_DateTime: '2025-03-01T09:00:00+09:00', End_DateTime: '2025-03-01T10:00:00+09:00', Participants: participants }),
    ]);
    expect(r).toMatchObject({ status: 'error', code: 'LIMIT_EXCEEDED', field: 'Participants' });
  });

  test('cancel a meeting without a cancellation mail', async () => {
    const { client } = clientFor(double);
    const [e] = double.seed('Events', [{ Event_Title: 'Sync', Start_DateTime: '2025-03-01T09:00:00+09:00', End_DateTime: '2025-03-01T10:00:00+09:00' }]);
    await expect(client.cancelEvent(e)).resolves.toMatchObject({ status: 'success', id: e });
    expect(double.cancellations).toEqual([{ eventId: e, sendCancellingMail: false }]);
    await expect(client.cancelEvent('5725767000000999999')).resolves.toMatchObject({ status: 'error', code: 'INVALID_DATA' });
  });
});
