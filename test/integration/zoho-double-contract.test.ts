/**
 * The double against Zoho's own contract: raw HTTP answers checked against the OpenAPI files
 * (test/fixtures/zoho/oas) and against example bodies from Zoho's documentation
 * (test/fixtures/zoho/payloads). If the double drifts from Zoho, the client tests stop meaning much.
 */
import accounts from '../fixtures/zoho/payloads/accounts.json';
import coqlSamples from '../fixtures/zoho/payloads/coql.json';
import emailSamples from '../fixtures/zoho/payloads/email.json';
import errorSamples from '../fixtures/zoho/payloads/errors.json';
import recordSamples from '../fixtures/zoho/payloads/records.json';
import { check, componentSchema, responseSchema } from '../doubles/zoho/oas';
import { startZohoDouble, THROTTLE_BODY, type ZohoDouble } from '../doubles/zoho';

let double: ZohoDouble;
let token: string;

beforeAll(async () => {
  double = await startZohoDouble();
});
afterAll(async () => {
  await double.stop();
});
beforeEach(async () => {
  double.reset();
  const res = await fetch(`${double.url}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', ...clientParams() }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
});

function clientParams() {
  const c = double.credentials;
  return { client_id: c.clientId, client_secret: c.clientSecret, refresh_token: c.refreshToken };
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = { method, headers: { authorization: `Zoho-oauthtoken ${token}`, ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${double.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function conforms(file: string, apiPath: string, method: string, res: { status: number; body: unknown }, fallback?: number): void {
  expect(check(file, responseSchema(file, apiPath, method, res.status, fallback), res.body)).toEqual([]);
}

const RECORDS = '/crm/v8/{module_api_name}';

/**
 * record.json's write answer is `oneOf [{ data: [...] }, API_Exception]`, and API_Exception has no
 * required keys, so any object passes the envelope. Each entry is therefore checked on its own:
 * the four keys must be there and it must match Success_Response, API_Exception, or one of
 * common.json's detailed error schemas (record.json types `maximum_length` as a string while
 * common.json MaxLengthDetails has an integer; Zoho's answers carry a number).
 */
function entriesConform(body: unknown): void {
  const entries = (body as { data: Record<string, unknown>[] }).data;
  expect(Array.isArray(entries)).toBe(true);
  expect(entries.length).toBeGreaterThan(0);
  const alternatives: [string, string][] = [
    ['record.json', 'Success_Response'], ['record.json', 'API_Exception'], ['common.json', 'MaxLengthError'],
    ['common.json', 'MandatoryError'], ['common.json', 'InvalidIDError'], ['common.json', 'DependentFieldError'],
  ];
  for (const entry of entries) {
    expect(Object.keys(entry)).toEqual(expect.arrayContaining(['code', 'details', 'message', 'status']));
    const fits = alternatives.some(([file, name]) => check(file, componentSchema(file, name), entry).length === 0);
    expect({ entry, fits }).toEqual({ entry, fits: true });
  }
}

describe('accounts server', () => {
  test('success has the documented keys; no refresh token is returned', async () => {
    const res = await fetch(`${double.url}/oauth/v2/token?${new URLSearchParams({ grant_type: 'refresh_token', ...clientParams() })}`, { method: 'POST' });
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(accounts.success).sort());
    expect(body).toMatchObject({ api_domain: double.url, token_type: 'Bearer', expires_in: 3600 });
  });

  test('refusals are HTTP 200 with the documented bodies', async () => {
    const post = async (params: Record<string, string>) => {
      const res = await fetch(`${double.url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', ...clientParams(), ...params }) });
      return { status: res.status, body: await res.json() };
    };
    expect(await post({ client_secret: 'nope' })).toEqual({ status: 200, body: accounts.invalidClient });
    expect(await post({ refresh_token: 'revoked' })).toEqual({ status: 200, body: accounts.invalidCode });
    for (let i = 0; i < 9; i += 1) await post({});
    expect(await post({})).toEqual({ status: 200, body: accounts.throttled });
    expect(THROTTLE_BODY).toEqual(accounts.throttled);
  });
});

describe('request-level errors', () => {
  test('INVALID_TOKEN, INVALID_URL_PATTERN, TOO_MANY_REQUESTS, INTERNAL_ERROR, INVALID_MODULE match Zoho\'s bodies', async () => {
    double.expireAccessTokens();
    expect(await call('GET', '/crm/v8/org')).toEqual(errorSamples.invalidToken);
    double.reset();
    const fresh = await fetch(`${double.url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', ...clientParams() }) });
    token = ((await fresh.json()) as { access_token: string }).access_token;
    const url = await call('GET', '/crm/v8/Contacts/1/nothing/here');
    expect(url.status).toBe(404);
    expect(url.body).toEqual(errorSamples.invalidUrlPattern.body);
    double.fault({ response: { kind: 'rateLimit' } });
    expect(await call('GET', '/crm/v8/org')).toEqual(errorSamples.tooManyRequests);
    double.fault({ response: { kind: 'serverError' } });
    expect(await call('GET', '/crm/v8/org')).toEqual(errorSamples.internalError);
    expect(await call('POST', '/crm/v8/Nonsense', { data: [{}] })).toEqual(errorSamples.invalidModule);
    expect(check('common.json', componentSchema('common.json', 'API_Exception'), url.body)).toEqual([]);
  });

  test('more than 100 records is a request-level LIMIT_EXCEEDED', async () => {
    const res = await call('POST', '/crm/v8/Contacts', { data: Array.from({ length: 101 }, (_, i) => ({ Last_Name: `n${i}` })) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'LIMIT_EXCEEDED', status: 'error', details: { limit: 100 } });
    conforms('record.json', RECORDS, 'POST', res, 200);
  });
});

describe('records', () => {
  test('insert: 201 all ok, 207 mixed, 400 none; entries follow Success_Response / API_Exception', async () => {
    const ok = await call('POST', '/crm/v8/Contacts', { data: [{ Last_Name: 'A' }], trigger: ['workflow'] });
    expect(ok.status).toBe(201);
    conforms('record.json', RECORDS, 'POST', ok, 200);
    entriesConform(ok.body);
    const mixed = await call('POST', '/crm/v8/Contacts', { data: [{ Last_Name: 'B' }, { Last_Name: 'x'.repeat(81) }, { First_Name: 'C' }] });
    expect(mixed.status).toBe(207);
    conforms('record.json', RECORDS, 'POST', mixed, 200);
    entriesConform(mixed.body);
    const [, long, missing] = (mixed.body as { data: Record<string, unknown>[] }).data;
    expect(long).toEqual({ code: 'INVALID_DATA', details: { api_name: 'Last_Name', json_path: '$.data[1].Last_Name', maximum_length: 80 }, message: 'invalid data', status: 'error' });
    expect(missing).toEqual({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Last_Name', json_path: '$.data[2].Last_Name' }, message: 'required field not found', status: 'error' });
    expect(check('common.json', componentSchema('common.json', 'MaxLengthError'), long)).toEqual([]);
    expect(check('common.json', componentSchema('common.json', 'MandatoryError'), missing)).toEqual([]);
    const none = await call('POST', '/crm/v8/Contacts', { data: [{ First_Name: 'D' }] });
    expect(none.status).toBe(400);
    conforms('record.json', RECORDS, 'POST', none, 200);
  });

  test('the success entry has the keys of Zoho\'s documented insert answer', async () => {
    const res = await call('POST', '/crm/v8/Contacts', { data: [{ Last_Name: 'A' }] });
    const entry = (res.body as { data: { details: Record<string, unknown> }[] }).data[0];
    const sample = recordSamples.insertMixed.data[0];
    expect(Object.keys(entry).sort()).toEqual(Object.keys(sample).sort());
    expect(Object.keys(entry.details).sort()).toEqual(Object.keys(sample.details).sort());
  });

  test('update, upsert, delete, get', async () => {
    const [id] = double.seed('Contacts', [{ Last_Name: 'A', Email: 'a@example.com' }]);
    const upd = await call('PUT', '/crm/v8/Contacts', { data: [{ id, Title: 'T' }, { id: '1', Title: 'T' }] });
    conforms('record.json', RECORDS, 'PUT', upd, 200);
    entriesConform(upd.body);
    const ups = await call('POST', '/crm/v8/Contacts/upsert', { data: [{ Last_Name: 'A', Email: 'A@example.com' }], duplicate_check_fields: ['Email'] });
    conforms('record.json', `${RECORDS}/upsert`, 'POST', ups, 200);
    entriesConform(ups.body);
    expect((ups.body as { data: Record<string, unknown>[] }).data[0]).toMatchObject({ action: 'update', duplicate_field: 'Email' });
    conforms('record.json', `${RECORDS}/{id}`, 'GET', await call('GET', `/crm/v8/Contacts/${id}`));
    expect((await call('GET', '/crm/v8/Contacts/5725767000000999999')).status).toBe(204);
    const del = await call('DELETE', `/crm/v8/Contacts?ids=${id},1`);
    expect(del.status).toBe(207);
    conforms('record.json', RECORDS, 'DELETE', del, 200);
    entriesConform(del.body);
  });

  test('upsert is refused for activities', async () => {
    const res = await call('POST', '/crm/v8/Tasks/upsert', { data: [{ Subject: 'x' }] });
    expect(res.status).toBe(400);
    conforms('record.json', `${RECORDS}/upsert`, 'POST', res, 200);
  });
});

describe('COQL', () => {
  test('rows, info and 204', async () => {
    const [acc] = double.seed('Accounts', [{ Account_Name: 'Zylker' }]);
    double.seed('Contacts', [{ Last_Name: 'Boyle', First_Name: 'Patricia', Account_Name: { id: acc } }]);
    const res = await call('POST', '/crm/v8/coql', { select_query: coqlSamples.lookupJoin.query });
    expect(res.status).toBe(200);
    conforms('coql.json', '/crm/v8/coql', 'POST', res);
    const row = (res.body as { data: Record<string, unknown>[] }).data[0];
    const sample = coqlSamples.lookupJoin.response.data[0];
    for (const key of ['First_Name', 'Full_Name', 'Last_Name', 'Account_Name', 'id']) expect(row).toHaveProperty(key);
    expect(Object.keys((res.body as { info: object }).info).sort()).toEqual(Object.keys(coqlSamples.lookupJoin.response.info).sort());
    expect(typeof row.id).toBe(typeof sample.id);
    const none = await call('POST', '/crm/v8/coql', { select_query: "select id from Contacts where Last_Name = 'Nobody'" });
    expect(none).toEqual({ status: 204, body: undefined });
  });

  test('lookups named directly carry their display name, as in the v7 sample', async () => {
    const [acc] = double.seed('Accounts', [{ Account_Name: 'Zoho' }]);
    double.seed('Contacts', [{ Last_Name: 'Boyle', Account_Name: { id: acc } }]);
    const res = await call('POST', '/crm/v8/coql', { select_query: 'select Account_Name, Owner from Contacts where Account_Name is not null' });
    const row = (res.body as { data: Record<string, unknown>[] }).data[0];
    const sample = coqlSamples.lookupDisplayName.response.data[0];
    expect(Object.keys(row.Account_Name as object).sort()).toEqual(Object.keys(sample.Account_Name).sort());
    expect(Object.keys(row.Owner as object).sort()).toEqual(Object.keys(sample.Owner).sort());
  });

  test.each([
    ['SYNTAX_ERROR', "select id from Contacts where a = 'x' and b = 'y' and c = 'z'"],
    ['SYNTAX_ERROR', 'select id from Contacts'],
    ['INVALID_QUERY', "select Testing from Contacts where Last_Name is not null"],
    ['LIMIT_EXCEEDED', 'select id from Contacts where id is not null limit 2001'],
    ['LIMIT_EXCEEDED', `select id from Contacts where Email in (${Array.from({ length: 101 }, (_, i) => `'a${i}@x.io'`).join(',')})`],
    ['DUPLICATE_DATA', 'select Last_Name, Last_Name from Contacts where id is not null'],
  ])('%s answers follow coql.json 400', async (code, query) => {
    const res = await call('POST', '/crm/v8/coql', { select_query: query });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code, status: 'error' });
    conforms('coql.json', '/crm/v8/coql', 'POST', res);
  });
});

describe('metadata', () => {
  test.each(['Contacts', 'Leads', 'Accounts', 'Deals', 'Tasks', 'Events', 'Cases'])('%s fields follow fields.json (every required key)', async (module) => {
    const res = await call('GET', `/crm/v8/settings/fields?module=${module}`);
    expect(res.status).toBe(200);
    conforms('fields.json', '/crm/v8/settings/fields', 'GET', res);
  });

  test('a field carries every key of Zoho\'s own Last_Name sample that v8 requires', async () => {
    const res = await call('GET', '/crm/v8/settings/fields?module=Leads');
    const ours = (res.body as { fields: Record<string, unknown>[] }).fields.find((f) => f.api_name === 'Last_Name')!;
    const required = (componentSchema('fields.json', 'fields').required as string[]) ?? [];
    const expected = Object.keys(coqlSamples.includeMetaLastName).filter((k) => required.includes(k));
    expect(expected.length).toBeGreaterThan(40);
    for (const key of expected) expect(ours).toHaveProperty(key);
    expect(ours).toMatchObject({ data_type: 'text', length: 80, system_mandatory: true });
  });

  test('users and org', async () => {
    conforms('users.json', '/crm/v8/users', 'GET', await call('GET', '/crm/v8/users?type=ActiveUsers'));
    conforms('org.json', '/crm/v8/org', 'GET', await call('GET', '/crm/v8/org'));
  });

  test('search', async () => {
    double.seed('Contacts', [{ Last_Name: 'A', Email: 'a@example.com' }]);
    const res = await call('GET', '/crm/v8/Contacts/search?email=a%40example.com');
    conforms('record.json', `${RECORDS}/search`, 'GET', res);
    expect((await call('GET', '/crm/v8/Contacts/search?email=b%40example.com')).status).toBe(204);
  });
});

describe('e-mails, files, attachments, meetings', () => {
  const email = {
    from: { user_name: 'Rep', email: 'rep@vendor.example' },
    to: [{ user_name: 'A', email: 'a@example.com' }],
    date_time: '2025-03-01T09:30:00+09:00',
    sent: true,
    original_message_id: '<x@example.com>',
  };

  test('associate_email 201 and 400', async () => {
    const [id] = double.seed('Contacts', [{ Last_Name: 'A', Email: 'a@example.com' }]);
    const ok = await call('POST', `/crm/v8/Contacts/${id}/actions/associate_email`, { Emails: [email] });
    expect(ok.status).toBe(201);
    conforms('associate_email.json', '/crm/v8/{module}/{recordId}/actions/associate_email', 'POST', ok);
    const entry = (ok.body as { Emails: Record<string, unknown>[] }).Emails[0];
    expect({ ...entry, details: {} }).toEqual({ ...emailSamples.associateSuccess.Emails[0], details: {} });
    expect(Object.keys(entry.details as object)).toEqual(Object.keys(emailSamples.associateSuccess.Emails[0].details));
    const bad = await call('POST', `/crm/v8/Contacts/${id}/actions/associate_email`, { Emails: [{ ...email, original_message_id: undefined }] });
    expect(bad.status).toBe(400);
    conforms('associate_email.json', '/crm/v8/{module}/{recordId}/actions/associate_email', 'POST', bad);
  });

  test('files and attachments', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    const files = await call('POST', '/crm/v8/files', form);
    expect(files.status).toBe(200);
    conforms('files.json', '/crm/v8/files', 'POST', files);
    const uploaded = (files.body as { data: Record<string, unknown>[] }).data[0];
    expect({ ...uploaded, details: {} }).toEqual({ ...emailSamples.filesSuccess.data[0], details: {} });
    expect(Object.keys(uploaded.details as object).sort()).toEqual(Object.keys(emailSamples.filesSuccess.data[0].details).sort());
    const [id] = double.seed('Cases', [{ Subject: 'S', Status: 'New', Case_Origin: 'Email' }]);
    const att = new FormData();
    att.append('file', new Blob(['log']), 'log.txt');
    const res = await call('POST', `/crm/v8/Cases/${id}/Attachments`, att);
    conforms('attachments.json', '/crm/v8/{module}/{record_id}/Attachments', 'POST', res);
  });

  test('meeting cancel 200, 400, 403', async () => {
    const [id] = double.seed('Events', [{ Event_Title: 'E', Start_DateTime: '2025-03-01T09:00:00+09:00', End_DateTime: '2025-03-01T10:00:00+09:00' }]);
    const path = '/crm/v8/Events/{event}/actions/cancel';
    conforms('cancel_meetings.json', path, 'POST', await call('POST', `/crm/v8/Events/${id}/actions/cancel`, { data: [{ send_cancelling_mail: false }] }));
    const missing = await call('POST', `/crm/v8/Events/${id}/actions/cancel`, { data: [{}] });
    expect(missing.status).toBe(400);
    conforms('cancel_meetings.json', path, 'POST', missing);
    double.denyPermission({ module: 'Events', recordId: id });
    const denied = await call('POST', `/crm/v8/Events/${id}/actions/cancel`, { data: [{ send_cancelling_mail: false }] });
    expect(denied.status).toBe(403);
    conforms('cancel_meetings.json', path, 'POST', denied);
  });
});

describe('notifications (watch) and deleted records', () => {
  const WATCH = '/crm/v8/actions/watch';
  const channel = (expiry: string) => ({ watch: [{ channel_id: 1000000068001, events: ['Contacts.all'], notify_url: 'https://app.example/api/zoho/notifications', token: 'secret-token', channel_expiry: expiry }] });
  const inDays = (d: number) => new Date(double.now() + d * 86_400_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');

  test('enable 201, list 200, update 200, disable 200; list 204 when none', async () => {
    const created = await call('POST', WATCH, channel(inDays(6)));
    expect(created.status).toBe(201);
    conforms('notifications.json', WATCH, 'POST', created);
    const listed = await call('GET', `${WATCH}?channel_id=1000000068001`);
    expect(listed.status).toBe(200);
    // The OAS types channel_id as `object` (a generator artefact for a long); Zoho sends a string or number.
    const problems = check('notifications.json', responseSchema('notifications.json', WATCH, 'GET', 200), listed.body);
    expect(problems.filter((p) => !/channel_id: expected object$/.test(p))).toEqual([]);
    const updated = await call('PATCH', WATCH, channel(inDays(7)));
    expect(updated.status).toBe(200);
    conforms('notifications.json', WATCH, 'PATCH', updated);
    const disabled = await call('DELETE', `${WATCH}?channel_ids=1000000068001`);
    expect(disabled.status).toBe(200);
    conforms('notifications.json', WATCH, 'DELETE', disabled);
    expect((await call('GET', WATCH)).status).toBe(204);
  });

  test('an expiry beyond a week and an update of an unknown channel are refused per channel', async () => {
    const tooLong = await call('POST', WATCH, channel(inDays(8)));
    expect(tooLong.status).toBe(202);
    conforms('notifications.json', WATCH, 'POST', tooLong);
    const unknown = await call('PATCH', WATCH, channel(inDays(1)));
    expect((unknown.body as { watch: { code: string }[] }).watch[0].code).toBe('NOT_SUBSCRIBED');
    conforms('notifications.json', WATCH, 'PATCH', unknown);
  });

  test('deleted records 200 in record.json\'s shape, 204 when none', async () => {
    expect((await call('GET', '/crm/v8/Contacts/deleted?type=all')).status).toBe(204);
    const rec = double.create('Contacts', { Last_Name: 'Gone' });
    double.delete('Contacts', rec.id);
    const res = await call('GET', '/crm/v8/Contacts/deleted?type=all');
    expect(res.status).toBe(200);
    conforms('record.json', '/crm/v8/{module_api_name}/deleted', 'GET', res);
    expect((res.body as { data: { id: string; display_name: string }[] }).data).toEqual([expect.objectContaining({ id: rec.id, display_name: 'Gone', type: 'recycle' })]);
  });
});
