import { parseConfig } from '../../lib/config';
import { directionOf, flowsToOutlook, flowsToZoho, modulesToOutlook } from '../../lib/direction';
import { contactSchema } from '../../lib/graph/resources/contact';
import { eventSchema } from '../../lib/graph/resources/event';
import { todoTaskSchema } from '../../lib/graph/resources/todo-task';
import { mapEvent } from '../../lib/mapping/event';
import { contactKeyOfOutlook, contactKeyOfRecord, eventKeyOfOutlook, eventKeyOfRecord, findOutlookDuplicate, taskKeyOfOutlook, taskKeyOfRecord } from '../../lib/mapping/outlook-dedup';
import { contactBodyFromValues, contactFromZoho, contactPatchForZoho, contactValuesFromOutlook, contactValuesFromZoho } from '../../lib/mapping/reverse-contact';
import { eventBodyFromValues, eventFromZoho, eventPatchForZoho, eventValuesFromOutlook, eventValuesFromZoho } from '../../lib/mapping/reverse-event';
import { PARTICIPANTS_HEADING } from '../../lib/mapping/participants-block';
import { importanceOf, taskFromZoho, taskPatchForZoho, taskValuesFromOutlook, taskValuesFromZoho, todoStatusOf } from '../../lib/mapping/reverse-task';
import { testSettings } from '../support/settings';

const OWNER = { name: 'Sales Rep', id: '5725767000000300001', email: 'rep@contoso.com' };

/** A Contacts record as Zoho v8 answers GET /Contacts/{id} (lookups as { name, id }). */
const zohoContact: Record<string, unknown> = {
  id: '5725767000000412001',
  Owner: OWNER,
  First_Name: 'Pavel',
  Last_Name: 'Bansky',
  Full_Name: 'Pavel Bansky',
  Email: 'pavelb@fabrikam.example',
  Title: 'Purchasing Manager',
  Account_Name: { name: 'Fabrikam', id: '5725767000000411001' },
  Department: 'Procurement',
  Phone: '+1 732 555 0102',
  Home_Phone: '+1 732 555 0150',
  Other_Phone: '+1 732 555 0104',
  Fax: '+1 732 555 0103',
  Mobile: '+1 732 555 0177',
  Assistant: 'Isaiah Langer',
  Asst_Phone: '+1 732 555 0105',
  Reporting_To: { name: 'Dana Boss', id: '5725767000000412000' },
  Mailing_Street: '123 Fabrikam Way',
  Mailing_City: 'Redmond',
  Mailing_State: 'WA',
  Mailing_Zip: '98052',
  Mailing_Country: 'USA',
  Other_Street: null,
  Other_City: 'Seattle',
  Other_State: null,
  Other_Zip: null,
  Other_Country: null,
  Description: 'Met at the fair.\nLikes tea.',
  Date_of_Birth: '1980-02-29',
  Modified_Time: '2026-12-01T10:00:00+09:00',
};

describe('contacts: Zoho → Outlook', () => {
  const body = contactFromZoho(zohoContact, { category: 'Zoho' });
  const parsed = contactSchema.parse({ id: 'new', ...body });

  test.each([
    ['givenName', 'Pavel'], ['surname', 'Bansky'], ['displayName', 'Pavel Bansky'], ['jobTitle', 'Purchasing Manager'],
    ['companyName', 'Fabrikam'], ['department', 'Procurement'], ['businessPhones', ['+1 732 555 0102']],
    ['homePhones', ['+1 732 555 0150']], ['mobilePhone', '+1 732 555 0177'], ['assistantName', 'Isaiah Langer'],
    ['manager', 'Dana Boss'], ['personalNotes', 'Met at the fair.\nLikes tea.'], ['birthday', '1980-02-29T00:00:00Z'],
    ['categories', ['Zoho']],
  ])('%s', (property, value) => {
    expect(body[property]).toEqual(value);
  });

  it('e-mail, addresses and the three MAPI properties the forward direction reads', () => {
    expect(body.emailAddresses).toEqual([{ address: 'pavelb@fabrikam.example', name: 'pavelb@fabrikam.example' }]);
    expect(body.businessAddress).toEqual({ street: '123 Fabrikam Way', city: 'Redmond', state: 'WA', postalCode: '98052', countryOrRegion: 'USA' });
    expect(body.otherAddress).toEqual({ street: null, city: 'Seattle', state: null, postalCode: null, countryOrRegion: null });
    expect(body.singleValueExtendedProperties).toEqual([
      { id: 'String 0x3A1F', value: '+1 732 555 0104' },
      { id: 'String 0x3A24', value: '+1 732 555 0103' },
      { id: 'String 0x3A2E', value: '+1 732 555 0105' },
    ]);
  });

  it('reads back through the forward mapping as the same values: no echo write', () => {
    expect(contactValuesFromOutlook(parsed)).toEqual(contactValuesFromZoho(zohoContact));
  });

  it('a patch keeps what Outlook has beyond the mapped value (second address, phone, address parts)', () => {
    const current = contactSchema.parse({
      id: 'c1',
      emailAddresses: [{ address: 'old@x.example' }, { address: 'private@x.example' }],
      businessPhones: ['+1 1', '+1 2'],
      businessAddress: { street: 'Old St', city: 'Old City', state: 'OS', postalCode: '1', countryOrRegion: 'X' },
    });
    const patch = contactBodyFromValues({ Email: 'new@x.example', Phone: null, Mailing_City: 'New City' }, current);
    expect(patch).toEqual({
      emailAddresses: [{ address: 'new@x.example', name: 'new@x.example' }, { address: 'private@x.example' }],
      businessPhones: ['+1 2'],
      businessAddress: { street: 'Old St', city: 'New City', state: 'OS', postalCode: '1', countryOrRegion: 'X' },
    });
  });

  it('clearing an extended property sends an empty value (Graph takes no null there)', () => {
    expect(contactBodyFromValues({ Fax: null }).singleValueExtendedProperties).toEqual([{ id: 'String 0x3A24', value: '' }]);
  });

  it('Zoho fields for a merge: lookups come back as names to resolve', () => {
    expect(contactPatchForZoho({ Title: 'CEO', Account_Name: 'Contoso', Reporting_To: null })).toEqual({
      record: { Title: 'CEO', Reporting_To: null }, accountName: 'Contoso', managerName: null,
    });
  });

  it('a record read without some fields leaves them unknown, not empty', () => {
    expect(contactValuesFromZoho({ id: '1', Last_Name: 'Solo' })).toEqual({ Last_Name: 'Solo' });
  });
});

describe('tasks: Zoho → To Do', () => {
  const record = { id: 't1', Subject: 'Call back', Due_Date: '2026-12-24', Priority: 'Highest', Status: 'Waiting for input', Description: 'About the quote' };

  it('maps subject, due date (midnight in the mailbox zone), importance, status, notes and the category', () => {
    expect(taskFromZoho(record, { category: 'Zoho', userTimeZone: 'Tokyo Standard Time' })).toEqual({
      title: 'Call back',
      dueDateTime: { dateTime: '2026-12-24T00:00:00.0000000', timeZone: 'Tokyo Standard Time' },
      importance: 'high',
      status: 'waitingOnOthers',
      body: { contentType: 'text', content: 'About the quote' },
      categories: ['Zoho'],
    });
  });

  test.each([
    ['Highest', 'high'], ['High', 'high'], ['Normal', 'normal'], ['Medium', 'normal'], ['Low', 'low'], ['Lowest', 'low'], [null, 'normal'], ['Whatever', 'normal'],
  ])('priority %s → %s', (zoho, importance) => {
    expect(importanceOf(zoho)).toBe(importance);
  });

  test.each([
    ['Not Started', 'notStarted'], ['In Progress', 'inProgress'], ['Completed', 'completed'], ['Deferred', 'deferred'], ['Waiting for input', 'waitingOnOthers'], [null, 'notStarted'],
  ])('status %s → %s', (zoho, status) => {
    expect(todoStatusOf(zoho)).toBe(status);
  });

  test.each(['Tokyo Standard Time', 'Pacific Standard Time', 'UTC'])('reads back as the same values in %s: no echo write', (zone) => {
    const task = todoTaskSchema.parse({ id: 'x', ...taskFromZoho(record, { category: 'Zoho', userTimeZone: zone }) });
    expect(taskValuesFromOutlook(task, { userTimeZone: zone })).toEqual(taskValuesFromZoho(record));
  });

  it('Zoho fields for a merge use the org\'s pick-list words', () => {
    expect(taskPatchForZoho({ Priority: 'high', Status: 'completed', Subject: 'x' })).toEqual({ Priority: 'High', Status: 'Completed', Subject: 'x' });
  });
});

describe('events: Zoho → Outlook, never with attendees', () => {
  const meeting = {
    id: 'e1',
    Event_Title: 'Quarterly review',
    Start_DateTime: '2026-12-10T10:00:00+09:00',
    End_DateTime: '2026-12-10T11:30:00+09:00',
    All_day: false,
    Venue: 'Room 4',
    Description: 'Agenda: numbers',
    Participants: [
      { type: 'contact', participant: '5725767000000412001', name: 'Pavel Bansky', Email: 'pavelb@fabrikam.example', invited: false },
      { type: 'user', participant: '5725767000000300001', name: 'Sales Rep', Email: 'rep@contoso.com', invited: false },
      { type: 'email', participant: 'guest@partner.example', Email: 'guest@partner.example', name: 'guest@partner.example', invited: false },
    ],
  };
  const body = eventFromZoho(meeting, { category: 'Zoho', timeZone: 'Tokyo Standard Time' });

  it('has no attendees; the three participants are listed in the body', () => {
    expect(body).not.toHaveProperty('attendees');
    expect(body).toMatchObject({
      subject: 'Quarterly review',
      start: { dateTime: '2026-12-10T01:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-10T02:30:00', timeZone: 'UTC' },
      isAllDay: false,
      location: { displayName: 'Room 4' },
      categories: ['Zoho'],
      responseRequested: false,
    });
    expect((body.body as { content: string }).content).toBe(
      `Agenda: numbers\n\n${PARTICIPANTS_HEADING}\n- Pavel Bansky <pavelb@fabrikam.example>\n- Sales Rep <rep@contoso.com>\n- guest@partner.example`,
    );
  });

  it('the forward mapping leaves the participants block out of Zoho\'s Description', () => {
    const event = eventSchema.parse({ id: 'o1', ...body });
    expect(mapEvent(event, { defaultTimeZone: 'UTC' }).record.Description).toBe('Agenda: numbers');
  });

  it('reads back as the same values: no echo write', () => {
    const event = eventSchema.parse({ id: 'o1', ...body });
    expect(eventValuesFromOutlook(event, { defaultTimeZone: 'Asia/Tokyo' })).toEqual(eventValuesFromZoho(meeting));
  });

  it('an all-day event keeps its dates', () => {
    const allDay = { ...meeting, All_day: true, Start_DateTime: '2026-12-24T00:00:00+09:00', End_DateTime: '2026-12-25T23:59:59+09:00', Participants: [] };
    const out = eventFromZoho(allDay, { category: 'Zoho', timeZone: 'Tokyo Standard Time' });
    expect(out).toMatchObject({
      isAllDay: true,
      start: { dateTime: '2026-12-24T00:00:00.0000000', timeZone: 'Tokyo Standard Time' },
      end: { dateTime: '2026-12-26T00:00:00.0000000', timeZone: 'Tokyo Standard Time' },
    });
    const event = eventSchema.parse({ id: 'o2', ...out });
    expect(eventValuesFromOutlook(event, { defaultTimeZone: 'Asia/Tokyo' })).toEqual(eventValuesFromZoho(allDay));
  });

  it('a body update keeps the participants block; Participants never go back to Zoho', () => {
    const current = eventValuesFromZoho(meeting);
    expect((eventBodyFromValues({ Description: 'New agenda' }, { current }).body as { content: string }).content).toMatch(/^New agenda\n\n-- Zoho CRM participants/);
    expect(eventPatchForZoho({ Participants: 'x', Venue: 'Room 5' }, { timeZone: 'Asia/Tokyo' })).toEqual({ Venue: 'Room 5' });
    expect(eventPatchForZoho({ Start_DateTime: '2026-12-10T02:00:00Z' }, { timeZone: 'Asia/Tokyo', current })).toEqual({
      All_day: false, Start_DateTime: '2026-12-10T11:00:00+09:00', End_DateTime: '2026-12-10T11:30:00+09:00',
    });
  });
});

describe('Outlook-side duplicate rules (SPEC §2.1–2.3)', () => {
  it('contact: e-mail (any case), else full name', () => {
    const outlook = contactSchema.parse({ id: 'c', givenName: 'Ann', surname: 'Lee', emailAddresses: [{ address: 'Ann.Lee@X.example' }] });
    expect(contactKeyOfOutlook(outlook)).toBe(contactKeyOfRecord({ Last_Name: 'Other', Email: 'ann.lee@x.example' }));
    const noMail = contactSchema.parse({ id: 'd', givenName: 'Ann', surname: 'Lee' });
    expect(contactKeyOfOutlook(noMail)).toBe(contactKeyOfRecord({ First_Name: 'Ann', Last_Name: 'Lee', Email: null }));
    expect(contactKeyOfOutlook(noMail)).not.toBe(contactKeyOfRecord({ First_Name: 'Ann', Last_Name: 'Leeds', Email: null }));
  });

  it('task: subject and due date', () => {
    const task = todoTaskSchema.parse({ id: 't', title: 'Call', dueDateTime: { dateTime: '2026-12-24T00:00:00.0000000', timeZone: 'UTC' } });
    expect(taskKeyOfOutlook(task, 'UTC')).toBe(taskKeyOfRecord({ Subject: 'Call', Due_Date: '2026-12-24' }));
    expect(taskKeyOfOutlook(task, 'UTC')).not.toBe(taskKeyOfRecord({ Subject: 'Call', Due_Date: '2026-12-25' }));
  });

  it('event: title, start and end as instants', () => {
    const event = eventSchema.parse({ id: 'e', subject: 'Review', start: { dateTime: '2026-12-10T01:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-10T02:00:00', timeZone: 'UTC' } });
    expect(eventKeyOfOutlook(event, 'UTC')).toBe(eventKeyOfRecord({ Event_Title: 'Review', Start_DateTime: '2026-12-10T10:00:00+09:00', End_DateTime: '2026-12-10T11:00:00+09:00' }));
    expect(eventKeyOfOutlook(event, 'UTC')).not.toBe(eventKeyOfRecord({ Event_Title: 'Review', Start_DateTime: '2026-12-10T10:00:00+09:00', End_DateTime: '2026-12-10T11:30:00+09:00' }));
  });

  it('an item already linked to another record is not taken twice', () => {
    const items = [{ id: 'a', k: 'x' }, { id: 'b', k: 'x' }];
    expect(findOutlookDuplicate('x', items, (i) => i.k)?.id).toBe('a');
    expect(findOutlookDuplicate('x', items, (i) => i.k, new Set(['a']))?.id).toBe('b');
    expect(findOutlookDuplicate(undefined, items, (i) => i.k)).toBeUndefined();
  });
});

describe('direction settings', () => {
  const config = (env: Record<string, string>) => parseConfig({ ...testSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }), ...env });

  it('defaults to today\'s behaviour: every module to Zoho, conflicts to the newest, the Contacts folder', () => {
    const c = config({});
    expect([c.SYNC_CONTACTS_DIRECTION, c.SYNC_TASKS_DIRECTION, c.SYNC_EVENTS_DIRECTION, c.SYNC_CONFLICTS, c.SYNC_CONTACTS_FOLDER]).toEqual(['to-zoho', 'to-zoho', 'to-zoho', 'newest', undefined]);
    expect(modulesToOutlook(c)).toEqual([]);
  });

  it('per module, case-insensitive; a module turned off is not watched', () => {
    const c = config({ SYNC_CONTACTS_DIRECTION: 'Both', SYNC_TASKS_DIRECTION: 'to-outlook', SYNC_EVENTS_DIRECTION: 'to-outlook', SYNC_EVENTS: 'off', SYNC_CONTACTS_FOLDER: 'Zoho CRM Contacts' });
    expect(directionOf(c, 'contacts')).toBe('both');
    expect(modulesToOutlook(c)).toEqual(['contacts', 'tasks']);
    expect(c.SYNC_CONTACTS_FOLDER).toBe('Zoho CRM Contacts');
  });

  test.each([['to-zoho', false, true], ['to-outlook', true, false], ['both', true, true]] as const)('%s: to Outlook %s, to Zoho %s', (d, out, zo) => {
    expect([flowsToOutlook(d), flowsToZoho(d)]).toEqual([out, zo]);
  });

  it('refuses an unknown direction or conflict rule', () => {
    expect(() => config({ SYNC_TASKS_DIRECTION: 'sideways', SYNC_CONFLICTS: 'loudest' })).toThrow(/SYNC_CONFLICTS must be one of newest, outlook, zoho[\s\S]*SYNC_TASKS_DIRECTION must be one of to-zoho, to-outlook, both/);
  });
});
