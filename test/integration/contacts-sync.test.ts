import fullContact from '../fixtures/graph/contact-full.json';
import { startSystem, type System } from '../support/system';

/**
 * Issue 3: contacts from Outlook to Zoho through the real path: Graph double → our webhook →
 * queue → sync-worker → Graph double (read) → Zoho double (write), state in Azurite.
 */
let sys: System;
let userId: string;
let subscriptionId: string;

const CATEGORY = 'Zoho';

function contactFields(overrides: Record<string, unknown> = {}) {
  const { id: _id, changeKey: _ck, parentFolderId: _pf, lastModifiedDateTime: _lm, singleValueExtendedProperties: _x, ...fields } = fullContact as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (key.startsWith('@odata')) delete fields[key];
  return { ...fields, ...overrides };
}

const EXTENDED = { 'String 0x3A24': '+1 732 555 0103', 'String 0x3A1F': '+1 732 555 0104', 'String 0x3A2E': '+1 732 555 0105' };

const change = (id: string, changeType: 'created' | 'updated' | 'deleted' = 'updated', opts: { duplicates?: number } = {}) => sys.change(userId, 'contact', id, changeType, opts);

const report = (itemId: string) => sys.reportLine(userId, itemId);

function zohoContacts() {
  return sys.zoho.recordsOf('Contacts');
}

beforeAll(async () => {
  sys = await startSystem();
  const user = sys.graph.addUser({ userPrincipalName: 'adele.vance@contoso.com', displayName: 'Adele Vance' });
  userId = user.id;
  sys.zoho.addUser({ email: 'adele.vance@contoso.com', last_name: 'Vance' });
  subscriptionId = await sys.subscribe(userId, 'contacts');
});

afterAll(async () => {
  await sys.close();
});

beforeEach(() => {
  sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1' });
});

describe('a contact with every mapped field', () => {
  it('arrives in Zoho with each value in the right field, over-long values cut and reported', async () => {
    const longTitle = 'Senior '.repeat(30).trim(); // 209 characters, Title allows 100
    const contact = sys.graph.contacts.add(userId, contactFields({ jobTitle: longTitle }), { extendedProperties: EXTENDED });
    await change(String(contact.id), 'created');

    const [record] = zohoContacts().filter((r) => r.Email === 'pavelb@fabrikam.onmicrosoft.com');
    expect(record).toBeDefined();
    expect(record).toMatchObject({
      First_Name: 'Pavel',
      Last_Name: 'Bansky',
      Email: 'pavelb@fabrikam.onmicrosoft.com',
      Title: longTitle.slice(0, 100),
      Department: 'Procurement',
      Phone: '+1 732 555 0102',
      Home_Phone: '+1 732 555 0150',
      Mobile: '+1 732 555 0177',
      Other_Phone: '+1 732 555 0104',
      Fax: '+1 732 555 0103',
      Asst_Phone: '+1 732 555 0105',
      Assistant: 'Isaiah Langer',
      Mailing_Street: '123 Fabrikam Way',
      Mailing_City: 'Redmond',
      Mailing_State: 'WA',
      Mailing_Zip: '98052',
      Mailing_Country: 'United States',
      Other_City: 'Chiyoda-ku',
      Other_State: 'Tokyo',
      Other_Zip: '100-0004',
      Other_Country: 'Japan',
      Date_of_Birth: '1974-07-22',
    });
    expect(String(record.Other_Street)).toContain('1-1-2 Otemachi');
    expect(String(record.Description)).toContain('Met at Ignite 2023.');
    // Company → an Account created once and linked; the owner is the mailbox's Zoho user.
    const [account] = sys.zoho.recordsOf('Accounts').filter((a) => a.Account_Name === 'Fabrikam, Inc.');
    expect((record.Account_Name as { id: string }).id).toBe(account.id);
    expect((record.Owner as { id: string }).id).toBe(sys.zoho.state.users.find((u) => u.email === 'adele.vance@contoso.com')!.id);

    const line = await report(String(contact.id));
    expect(line).toMatchObject({ result: 'added', zohoId: record.id, label: 'Pavel Bansky' });
    expect(line?.cutFields).toEqual(['Title']);
    // Manager "Lidia Holloway" is not a Zoho contact: left unset, and the report says so.
    expect(line?.notes?.join(' ')).toMatch(/Reporting_To/);
  });
});

describe('the sync category', () => {
  it('skips contacts without it, creates them when tagged, keeps them in Zoho when untagged', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Nestor', surname: 'Wilke', emailAddresses: [{ address: 'nestorw@fabrikam.com', name: 'Nestor Wilke' }], categories: ['Personal'] });
    const id = String(contact.id);
    const before = sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length;
    await change(id, 'created');
    expect(sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length).toBe(before);
    expect(zohoContacts().some((r) => r.Email === 'nestorw@fabrikam.com')).toBe(false);

    sys.graph.contacts.update(userId, id, { categories: ['Personal', 'zoho'] });
    await change(id);
    const created = zohoContacts().find((r) => r.Email === 'nestorw@fabrikam.com');
    expect(created).toBeDefined();
    expect((await report(id))?.result).toBe('added');

    sys.graph.contacts.update(userId, id, { categories: [] });
    await change(id);
    expect(sys.zoho.record('Contacts', created!.id)).toBeDefined();
    expect(await report(id)).toMatchObject({ result: 'skipped', reason: 'left the sync scope', zohoId: created!.id });
    expect(await sys.runtime().links.get(userId, 'contacts', id)).toBeUndefined();
  });
});

describe('duplicates already in Zoho', () => {
  it('links the older of two Zoho contacts with the same e-mail and creates nothing', async () => {
    const [older, newer] = sys.zoho.seed('Contacts', [
      { Last_Name: 'Older', Email: 'Megan.Bowen@Fabrikam.com', Created_Time: '2020-01-01T09:00:00+00:00' },
      { Last_Name: 'Newer', Email: 'megan.bowen@fabrikam.com', Created_Time: '2024-01-01T09:00:00+00:00' },
    ]);
    const count = zohoContacts().length;
    const contact = sys.graph.contacts.add(userId, { givenName: 'Megan', surname: 'Bowen', emailAddresses: [{ address: 'megan.bowen@fabrikam.com' }], categories: [CATEGORY] });
    await change(String(contact.id), 'created');
    expect(zohoContacts().length).toBe(count);
    // Linking fills only what Zoho lacks: the CRM's own Last_Name stays.
    expect(sys.zoho.record('Contacts', older)).toMatchObject({ First_Name: 'Megan', Last_Name: 'Older' });
    expect(sys.zoho.record('Contacts', newer)).toMatchObject({ Last_Name: 'Newer' });
    expect(await report(String(contact.id))).toMatchObject({ result: 'updated', zohoId: older, reason: expect.stringMatching(/same e-mail/) });
  });

  it('matches a contact without e-mail by full name', async () => {
    const [existing] = sys.zoho.seed('Contacts', [{ First_Name: 'Lee', Last_Name: 'Gu', Created_Time: '2021-05-05T00:00:00+00:00' }]);
    const count = zohoContacts().length;
    const contact = sys.graph.contacts.add(userId, { givenName: 'Lee', surname: 'Gu', jobTitle: 'Director', categories: [CATEGORY] });
    await change(String(contact.id), 'created');
    expect(zohoContacts().length).toBe(count);
    expect(sys.zoho.record('Contacts', existing)).toMatchObject({ Title: 'Director' });
    expect(await report(String(contact.id))).toMatchObject({ result: 'updated', reason: expect.stringMatching(/same name/) });
  });

  it('a Japanese-format org links 山田 太郎 instead of duplicating, whichever way Outlook holds the name', async () => {
    sys.zoho.setNameFormat('lastFirst');
    try {
      const [yamada, suzuki, sato] = sys.zoho.seed('Contacts', [
        { First_Name: '太郎', Last_Name: '山田', Created_Time: '2021-06-01T00:00:00+00:00' },
        { First_Name: '花子', Last_Name: '鈴木', Created_Time: '2021-06-02T00:00:00+00:00' },
        { First_Name: '一郎', Last_Name: '佐藤', Created_Time: '2021-06-03T00:00:00+00:00' },
      ]);
      expect(sys.zoho.record('Contacts', yamada)!.Full_Name).toBe('山田 太郎');
      const count = zohoContacts().length;
      // The whole name in one field (display name only), in the org's own order.
      const oneField = sys.graph.contacts.add(userId, { displayName: '山田 太郎', jobTitle: '部長', categories: [CATEGORY] });
      await change(String(oneField.id), 'created');
      // The parts swapped (family name typed as the given name).
      const swapped = sys.graph.contacts.add(userId, { givenName: '鈴木', surname: '花子', department: '営業部', categories: [CATEGORY] });
      await change(String(swapped.id), 'created');
      // The parts in their fields: "一郎 佐藤" composed Western-style is not Zoho's "佐藤 一郎".
      const parts = sys.graph.contacts.add(userId, { givenName: '一郎', surname: '佐藤', mobilePhone: '090-1234-5678', categories: [CATEGORY] });
      await change(String(parts.id), 'created');
      expect(zohoContacts().length).toBe(count);
      expect(sys.zoho.record('Contacts', sato)).toMatchObject({ Mobile: '090-1234-5678' });
      expect(sys.zoho.record('Contacts', yamada)).toMatchObject({ Title: '部長' });
      expect(sys.zoho.record('Contacts', suzuki)).toMatchObject({ Department: '営業部' });
      expect(await report(String(oneField.id))).toMatchObject({ result: 'updated', zohoId: yamada, reason: expect.stringMatching(/same name/) });
      expect(await report(String(swapped.id))).toMatchObject({ result: 'updated', zohoId: suzuki, reason: expect.stringMatching(/same name/) });
      // No look-up compared a composed Full_Name.
      const queries = sys.zoho.requestsTo('POST /crm/v8/coql').map((r) => String((r.body as { select_query?: string }).select_query));
      expect(queries.some((q) => /Full_Name\s*(=|in)/i.test(q))).toBe(false);
    } finally {
      sys.zoho.setNameFormat('firstLast');
    }
  });
});

describe('idempotency and concurrency', () => {
  it('one Zoho record for a notification delivered 5 times', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Diego', surname: 'Siciliani', emailAddresses: [{ address: 'diegos@fabrikam.com' }], categories: [CATEGORY] });
    await change(String(contact.id), 'created', { duplicates: 4 });
    expect(zohoContacts().filter((r) => r.Email === 'diegos@fabrikam.com')).toHaveLength(1);
  });

  it('one Zoho record when three workers process the same new contact at once', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Isaiah', surname: 'Langer', emailAddresses: [{ address: 'isaiahl@fabrikam.com' }], categories: [CATEGORY] });
    const message = { v: 1, userId, module: 'contacts', itemId: String(contact.id), changeType: 'created', subscriptionId };
    await sys.workAtOnce([message, message, message]);
    expect(zohoContacts().filter((r) => r.Email === 'isaiahl@fabrikam.com')).toHaveLength(1);
  });

  it('an update changes the record; a no-op update makes no Zoho call; a delete removes it', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Johanna', surname: 'Lorenz', emailAddresses: [{ address: 'johannal@fabrikam.com' }], categories: [CATEGORY] });
    const id = String(contact.id);
    await change(id, 'created');
    const record = zohoContacts().find((r) => r.Email === 'johannal@fabrikam.com')!;

    sys.graph.contacts.update(userId, id, { department: 'Legal' });
    await change(id);
    expect(sys.zoho.record('Contacts', record.id)).toMatchObject({ Department: 'Legal' });
    expect((await report(id))?.result).toBe('updated');

    // Outlook bumps the change key when a contact is merely opened: nothing to write.
    sys.graph.contacts.update(userId, id, {});
    const before = sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length;
    await change(id);
    expect(sys.zoho.requests.filter((r) => r.path.startsWith('/crm/')).length).toBe(before);
    // The no-op does not overwrite what the day's run did to the contact.
    expect((await report(id))?.result).toBe('updated');

    sys.graph.contacts.remove(userId, id);
    await change(id, 'deleted');
    expect(sys.zoho.record('Contacts', record.id)).toBeUndefined();
    expect(await report(id)).toMatchObject({ result: 'deleted', zohoId: record.id });
  });

  it('a create whose answer was lost is linked on redelivery, not made twice', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Henrietta', surname: 'Mueller', emailAddresses: [{ address: 'henriettam@fabrikam.com' }], categories: [CATEGORY] });
    const id = String(contact.id);
    const message = { v: 1, userId, module: 'contacts', itemId: id, changeType: 'created', subscriptionId };
    // Zoho creates the record but the answer is lost: the worker sees a 5xx and the queue retries.
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', response: { kind: 'lostAnswer', status: 503 } });
    await expect(sys.work(message, 1)).rejects.toThrow();
    const made = zohoContacts().filter((r) => r.Email === 'henriettam@fabrikam.com');
    expect(made).toHaveLength(1);
    await sys.work(message, 2);
    expect(zohoContacts().filter((r) => r.Email === 'henriettam@fabrikam.com')).toHaveLength(1);
    expect(await sys.runtime().links.get(userId, 'contacts', id)).toMatchObject({ state: 'linked', zohoId: made[0].id });
  });

  it('a delete that arrives while the first creation is running waits for it; a dead worker\'s claim is cleared', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Patti', surname: 'Fernandez', emailAddresses: [{ address: 'pattif@fabrikam.com' }], categories: [CATEGORY] });
    const id = String(contact.id);
    const links = sys.runtime().links;
    await sys.drain();
    await links.claim(userId, 'contacts', id, 'other-worker', new Date(), 60_000);
    sys.graph.contacts.remove(userId, id);
    const message = { v: 1, userId, module: 'contacts', itemId: id, changeType: 'deleted', subscriptionId };
    // Put back for later rather than dropped: the record being created must still be deleted.
    expect((await sys.work(message)).text()).toMatch(/deferred/);
    const claim = (await links.get(userId, 'contacts', id))!;
    expect(claim.state).toBe('claimed');

    // That worker dies: its claim goes stale, and the deferred delete clears it.
    await links.save({ ...claim, claimedAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    await sys.runQueue({ includeDelayed: true });
    expect(await links.get(userId, 'contacts', id)).toBeUndefined();
  });

  it('with SYNC_DELETES=unlink a delete only forgets the link', async () => {
    sys.configure({ SYNC_BUSY_RETRY_SECONDS: '1', SYNC_DELETES: 'unlink' });
    const contact = sys.graph.contacts.add(userId, { givenName: 'Grady', surname: 'Archie', emailAddresses: [{ address: 'gradya@fabrikam.com' }], categories: [CATEGORY] });
    const id = String(contact.id);
    await change(id, 'created');
    const record = zohoContacts().find((r) => r.Email === 'gradya@fabrikam.com')!;
    sys.graph.contacts.remove(userId, id);
    await change(id, 'deleted');
    expect(sys.zoho.record('Contacts', record.id)).toBeDefined();
    expect(await sys.runtime().links.get(userId, 'contacts', id)).toBeUndefined();
    expect((await report(id))?.reason).toMatch(/kept/);
  });
});

describe('Zoho refusals and outages', () => {
  it('NO_PERMISSION is reported as "no permission" and not retried', async () => {
    sys.zoho.denyPermission({ module: 'Contacts', operations: ['create'] });
    try {
      const contact = sys.graph.contacts.add(userId, { givenName: 'Alex', surname: 'Wilber', emailAddresses: [{ address: 'alexw@fabrikam.com' }], categories: [CATEGORY] });
      const id = String(contact.id);
      const inserts = () => sys.zoho.count('POST /crm/v8/Contacts');
      const before = inserts();
      await change(id, 'created');
      expect(inserts() - before).toBe(1);
      expect(await report(id)).toMatchObject({ result: 'skipped', reason: 'no permission', code: 'NO_PERMISSION' });
      const skipped = await sys.runtime().skipped.list(userId);
      expect(skipped.map((s) => s.itemId)).toContain(id);
    } finally {
      sys.zoho.state.permissions.length = 0;
    }
  });

  it('a contact still arrives once through 429 and 5xx bursts and an expired access token', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Lynne', surname: 'Robbins', emailAddresses: [{ address: 'lynner@fabrikam.com' }], categories: [CATEGORY] });
    const id = String(contact.id);
    sys.zoho.expireAccessTokens();
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', times: 2, response: { kind: 'rateLimit', retryAfterSeconds: 0 } });
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', times: 1, response: { kind: 'rateLimit' } });
    sys.zoho.fault({ match: 'POST /crm/v8/coql', times: 2, response: { kind: 'serverError', status: 503 } });
    await sys.graph.notifications.changes({ userId, kind: 'contact', id, changeType: 'created' });
    // The host redelivers failed messages; run them as it would, counting deliveries.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const [message] = await sys.drain();
      if (!message) break;
      try {
        await sys.work(message, attempt);
      } catch {
        await sys.runtime().syncQueue.send(message as never);
      }
    }
    await sys.runQueue({ includeDelayed: true });
    expect(zohoContacts().filter((r) => r.Email === 'lynner@fabrikam.com')).toHaveLength(1);
    expect((await report(id))?.result).toBe('added');
  });

  it('an Account deleted in Zoho is created again for the next contact of that company', async () => {
    const company = 'Northwind Traders';
    const first = sys.graph.contacts.add(userId, { givenName: 'Miriam', surname: 'Graham', companyName: company, emailAddresses: [{ address: 'miriamg@northwind.example' }], categories: [CATEGORY] });
    await change(String(first.id), 'created');
    const [gone] = sys.zoho.recordsOf('Accounts').filter((a) => a.Account_Name === company);
    sys.zoho.state.store('Accounts').delete(gone.id);

    const second = sys.graph.contacts.add(userId, { givenName: 'Joni', surname: 'Sherman', companyName: company, emailAddresses: [{ address: 'jonis@northwind.example' }], categories: [CATEGORY] });
    const message = { v: 1, userId, module: 'contacts', itemId: String(second.id), changeType: 'created', subscriptionId };
    // The remembered Account id is refused once, forgotten, and resolved afresh on the retry.
    await expect(sys.work(message, 1)).rejects.toThrow();
    await sys.work(message, 2);
    const accounts = sys.zoho.recordsOf('Accounts').filter((a) => a.Account_Name === company);
    expect(accounts).toHaveLength(1);
    const record = zohoContacts().find((r) => r.Email === 'jonis@northwind.example')!;
    expect((record.Account_Name as { id: string }).id).toBe(accounts[0].id);
    expect(await report(String(second.id))).toMatchObject({ result: 'added' });
  });

  it('a long Retry-After puts the item back for that long instead of spending its attempts', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Enrico', surname: 'Cattaneo', emailAddresses: [{ address: 'enricoc@fabrikam.com' }], categories: [CATEGORY] });
    const message = { v: 1, userId, module: 'contacts', itemId: String(contact.id), changeType: 'created', subscriptionId };
    sys.zoho.fault({ match: 'POST /crm/v8/Contacts', response: { kind: 'rateLimit', retryAfterSeconds: 120 } });
    const queue = sys.runtime().syncQueue.raw();
    try {
      const log = await sys.work(message, 1);
      expect(log.text()).toMatch(/asked to wait; deferred.*"delaySeconds":120/);
      expect(zohoContacts().some((r) => r.Email === 'enricoc@fabrikam.com')).toBe(false);
      // The copy waits in the queue, invisible until Zoho's wait is over.
      expect(await sys.drain()).toEqual([]);
      expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
    } finally {
      await queue.clearMessages();
    }
  });

  it('gives up after the last attempt and records the item as skipped, never silently', async () => {
    const contact = sys.graph.contacts.add(userId, { givenName: 'Pradeep', surname: 'Gupta', emailAddresses: [{ address: 'pradeepg@fabrikam.com' }], categories: [CATEGORY] });
    const id = String(contact.id);
    sys.zoho.fault({ match: /^POST \/crm\/v8\/coql/, times: 1000, response: { kind: 'serverError', status: 500 } });
    try {
      const message = { v: 1, userId, module: 'contacts', itemId: id, changeType: 'created' };
      await expect(sys.work(message, 1)).rejects.toThrow();
      await sys.work(message, 5);
      expect(await report(id)).toMatchObject({ result: 'skipped', reason: expect.stringMatching(/gave up after 5 attempts/) });
    } finally {
      sys.zoho.clearFaults();
    }
  });
});
