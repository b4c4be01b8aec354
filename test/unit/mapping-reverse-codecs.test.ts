import { contactSchema } from '../../lib/graph/resources/contact';
import { eventSchema } from '../../lib/graph/resources/event';
import { todoTaskSchema } from '../../lib/graph/resources/todo-task';
import { mergeFields } from '../../lib/mapping/merge';
import { contactCodec, eventCodec, REVERSE_CODECS, taskCodec, type ReverseContext } from '../../lib/mapping/reverse';

// Two-way round trips through each module's codec, as the executor will run them: create from
// Zoho, read back (no change), then a change on each side and one conflict, merged and applied.

const ctx: ReverseContext = { category: 'Zoho', timeZone: 'Tokyo Standard Time' };
const T1 = '2026-12-01T10:00:00+09:00';
const T2 = '2026-12-01T11:00:00+09:00';

/** What Graph holds after a PATCH (complex values replaced whole, as Graph does). */
function patched<T>(schema: { parse(v: unknown): T }, current: T, body: Record<string, unknown>): T {
  return schema.parse({ ...(current as object), ...body });
}

it('one codec per two-way module', () => {
  expect(Object.keys(REVERSE_CODECS)).toEqual(['contacts', 'tasks', 'events']);
  expect(Object.values(REVERSE_CODECS).map((c) => c.zohoModule)).toEqual(['Contacts', 'Tasks', 'Events']);
});

it('contacts', () => {
  const zoho: Record<string, unknown> = {
    First_Name: 'Ann', Last_Name: 'Lee', Email: 'ann@x.example', Title: 'Buyer', Department: 'Purchasing', Phone: '+81 3 0000 0001',
    Mobile: null, Fax: '+81 3 0000 0002', Account_Name: { name: 'X KK', id: '1' }, Description: 'Notes',
  };
  const item = contactSchema.parse({ id: 'c1', ...contactCodec.createBody(zoho, ctx) });
  const snapshot = contactCodec.fromZoho(zoho);
  const outlookNow = contactCodec.fromOutlook(item, ctx);
  for (const [k, v] of Object.entries(snapshot)) expect([k, outlookNow[k]]).toEqual([k, v]);
  expect(contactCodec.keyOfOutlook(item, ctx)).toBe(contactCodec.keyOfRecord(zoho));

  // Outlook: new mobile + title; Zoho: new department + title (conflict, Zoho newer).
  const edited = patched(contactSchema, item, { mobilePhone: '+81 90 0000 0003', jobTitle: 'Head buyer' });
  const zohoEdited = { ...zoho, Department: 'Procurement', Title: 'Chief buyer' };
  const r = mergeFields(snapshot, contactCodec.fromOutlook(edited, ctx), contactCodec.fromZoho(zohoEdited), 'newest', { outlook: T1, zoho: T2 });
  expect(r.toZoho).toEqual({ Mobile: '+81 90 0000 0003' });
  expect(r.toOutlook).toEqual({ Department: 'Procurement', Title: 'Chief buyer' });
  expect(r.conflicts).toEqual([{ field: 'Title', winner: 'zoho', rule: 'newest' }]);
  expect(contactCodec.zohoPatch(r.toZoho, edited, ctx)).toEqual({ record: { Mobile: '+81 90 0000 0003' } });
  const after = patched(contactSchema, edited, contactCodec.patchBody(r.toOutlook, edited, ctx));
  const afterOutlook = contactCodec.fromOutlook(after, ctx);
  for (const [k, v] of Object.entries(r.snapshot)) expect([k, afterOutlook[k]]).toEqual([k, v]);
});

it('tasks', () => {
  const zoho = { Subject: 'Call', Due_Date: '2026-12-24', Priority: 'High', Status: 'Not Started', Description: null };
  const item = todoTaskSchema.parse({ id: 't1', ...taskCodec.createBody(zoho, ctx) });
  expect(taskCodec.fromOutlook(item, ctx)).toEqual(taskCodec.fromZoho(zoho));
  expect(taskCodec.keyOfOutlook(item, ctx)).toBe(taskCodec.keyOfRecord(zoho));

  const done = patched(todoTaskSchema, item, { status: 'completed' });
  const r = mergeFields(taskCodec.fromZoho(zoho), taskCodec.fromOutlook(done, ctx), taskCodec.fromZoho({ ...zoho, Due_Date: '2026-12-31' }), 'newest');
  expect(taskCodec.zohoPatch(r.toZoho, done, ctx)).toEqual({ record: { Status: 'Completed' } });
  const after = patched(todoTaskSchema, done, taskCodec.patchBody(r.toOutlook, done, ctx));
  expect(taskCodec.fromOutlook(after, ctx)).toEqual(r.snapshot);
});

it('events: a moved meeting keeps its length and body; participants stay Zoho\'s', () => {
  const zoho = {
    Event_Title: 'Review', Start_DateTime: '2026-12-10T10:00:00+09:00', End_DateTime: '2026-12-10T11:00:00+09:00', All_day: false, Venue: null,
    Description: 'Agenda', Participants: [{ type: 'email', participant: 'g@p.example', Email: 'g@p.example' }],
  };
  const item = eventSchema.parse({ id: 'e1', ...eventCodec.createBody(zoho, ctx) });
  expect(item.attendees ?? []).toEqual([]);
  expect(eventCodec.fromOutlook(item, ctx)).toEqual(eventCodec.fromZoho(zoho));
  expect(eventCodec.keyOfOutlook(item, ctx)).toBe(eventCodec.keyOfRecord(zoho));

  const moved = { ...zoho, Start_DateTime: '2026-12-10T14:00:00+09:00', End_DateTime: '2026-12-10T15:00:00+09:00' };
  const renamed = patched(eventSchema, item, { subject: 'Review (final)' });
  const r = mergeFields(eventCodec.fromZoho(zoho), eventCodec.fromOutlook(renamed, ctx), eventCodec.fromZoho(moved), 'newest');
  expect(eventCodec.zohoPatch(r.toZoho, renamed, ctx)).toEqual({ record: { Event_Title: 'Review (final)' } });
  const body = eventCodec.patchBody(r.toOutlook, renamed, ctx);
  expect(body).not.toHaveProperty('attendees');
  const after = patched(eventSchema, renamed, body);
  expect(eventCodec.fromOutlook(after, ctx)).toEqual(r.snapshot);
});
