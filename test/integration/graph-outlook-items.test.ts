import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { createGraphClient, type GraphApi } from '../../lib/graph/client';
import { GraphBadRequestError } from '../../lib/graph/errors';
import { graphPath } from '../../lib/graph/path';
import { startGraphDouble, type GraphDouble } from '../doubles/graph';
import { startFunctionHost, type FunctionHost } from '../support/function-host';

// To Do, calendar and Sent Items areas of the double, read through the production client.

const Task = z.object({ id: z.string(), title: z.string(), status: z.string(), '@odata.etag': z.string() });
const Event = z.object({
  id: z.string(),
  subject: z.string(),
  type: z.string(),
  seriesMasterId: z.string().nullable(),
  start: z.object({ dateTime: z.string(), timeZone: z.string() }),
});
const Message = z.object({
  id: z.string(),
  subject: z.string().optional(),
  hasAttachments: z.boolean().optional(),
  body: z.object({ contentType: z.string(), content: z.string() }).optional(),
  internetMessageHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
});
const Attachment = z.object({ id: z.string(), name: z.string(), size: z.number(), contentBytes: z.string().optional() });

let double: GraphDouble;
let host: FunctionHost;
let graph: GraphApi;
let userId: string;
const received: unknown[] = [];

beforeAll(async () => {
  double = await startGraphDouble();
  const echo = async (req: HttpRequest): Promise<HttpResponseInit> => {
    const token = req.query.get('validationToken');
    if (token !== null) return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: token };
    received.push(await req.json());
    return { status: 202 };
  };
  host = await startFunctionHost([{ method: 'POST', route: 'graph/notifications', handler: echo }]);
});
afterAll(async () => {
  await host.close();
  await double.close();
});
beforeEach(() => {
  double.reset();
  received.length = 0;
  userId = double.addUser({ userPrincipalName: 'lynne@contoso.com', displayName: 'Lynne Robbins' }).id;
  graph = createGraphClient(double.settings(), { timeoutMs: 2_000 });
});

describe('To Do', () => {
  it('serves lists and tasks, tasks/delta with removals, and a new id after a move', async () => {
    const defaultList = double.todo.defaultListId(userId);
    const other = String(double.todo.addList(userId, 'Zoho follow-ups').id);
    const lists = await graph.get(graphPath`/users/${userId}/todo/lists`, z.object({ value: z.array(z.object({ id: z.string(), wellknownListName: z.string() })) }));
    expect(lists.value.map((l) => l.wellknownListName)).toEqual(['defaultList', 'flaggedEmails', 'none']);

    const t1 = double.todo.addTask(userId, defaultList, { title: 'Call back' });
    const t2 = double.todo.addTask(userId, defaultList, { title: 'Send quote' });
    const tasksDelta = graphPath`/users/${userId}/todo/lists/${defaultList}/tasks/delta`;
    const first = await graph.delta(tasksDelta, Task);
    expect(first.items.map((t) => t.title)).toEqual(['Call back', 'Send quote']);

    const patched = await graph.patch(graphPath`/users/${userId}/todo/lists/${defaultList}/tasks/${String(t1.id)}`, { status: 'completed' }, Task);
    expect(patched['@odata.etag']).not.toBe(t1['@odata.etag']);
    const newId = double.todo.moveTask(userId, String(t2.id), other);
    const second = await graph.delta(first.deltaLink, Task);
    expect(second.items.map((t) => [t.title, t.status])).toEqual([['Call back', 'completed']]);
    expect(second.removed).toEqual([t2.id]);
    expect(newId).not.toBe(t2.id);
    const moved = await graph.get(graphPath`/users/${userId}/todo/lists/${other}/tasks/${newId}`, Task);
    expect(moved.title).toBe('Send quote');
  });

  it('notifies a per-list task subscription', async () => {
    const list = double.todo.defaultListId(userId);
    await graph.post('/subscriptions', {
      changeType: 'created,updated,deleted', notificationUrl: `${host.url}/api/graph/notifications`,
      resource: `users/${userId}/todo/lists/${list}/tasks`, expirationDateTime: new Date(Date.now() + 86_400_000).toISOString(), clientState: 'cs',
    }, z.object({ id: z.string() }));
    const task = double.todo.addTask(userId, list, { title: 'Notify me' });
    const [delivery] = await double.notifications.changes({ userId, kind: 'todoTask', id: String(task.id), changeType: 'created' });
    expect(delivery.status).toBe(202);
    expect(received[0]).toMatchObject({ value: [{ resource: `Users/${userId}/todo/lists/${list}/tasks/${task.id}`, resourceData: { id: task.id } }] });
  });
});

describe('events', () => {
  const window = { startDateTime: '2025-03-01T00:00:00Z', endDateTime: '2025-03-15T00:00:00Z' };

  it('expands a weekly series in calendarView and instances', async () => {
    double.events.add(userId, { subject: 'One-off', start: { dateTime: '2025-03-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2025-03-04T10:00:00', timeZone: 'UTC' } });
    const series = double.events.add(userId, {
      subject: 'Weekly', start: { dateTime: '2025-03-03T08:00:00', timeZone: 'UTC' }, end: { dateTime: '2025-03-03T08:30:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'endDate', startDate: '2025-03-03', endDate: '2025-06-30' } },
    });
    const view: z.infer<typeof Event>[] = [];
    for await (const page of graph.pages(graphPath`/users/${userId}/calendarView`, Event, { query: window })) view.push(...page);
    expect(view.map((e) => [e.subject, e.type, e.start.dateTime])).toEqual([
      ['Weekly', 'occurrence', '2025-03-03T08:00:00.0000000'],
      ['One-off', 'singleInstance', '2025-03-04T09:00:00.0000000'],
      ['Weekly', 'occurrence', '2025-03-10T08:00:00.0000000'],
    ]);
    expect(view[0].seriesMasterId).toBe(series.id);
    const occurrence = await graph.get(graphPath`/users/${userId}/events/${view[0].id}`, Event);
    expect(occurrence.type).toBe('occurrence');

    const missing = await graph.get(graphPath`/users/${userId}/calendarView`, z.unknown()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GraphBadRequestError);
  });

  it('runs calendarView/delta with the window in the token and reports a deleted occurrence as removed', async () => {
    const series = double.events.add(userId, {
      subject: 'Daily', start: { dateTime: '2025-03-10T07:00:00', timeZone: 'UTC' }, end: { dateTime: '2025-03-10T07:15:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2025-03-10', numberOfOccurrences: 3 } },
    });
    const first = await graph.delta(graphPath`/users/${userId}/calendarView/delta`, Event, { query: window });
    expect(first.items.map((e) => e.start.dateTime.slice(0, 10))).toEqual(['2025-03-10', '2025-03-11', '2025-03-12']);
    expect(first.deltaLink).not.toContain('startDateTime');

    double.events.cancelOccurrence(userId, String(series.id), '2025-03-11');
    const second = await graph.delta(first.deltaLink, Event);
    expect(second.items).toHaveLength(2);
    expect(second.removed).toEqual([first.items[1].id]);

    const refused = await graph.delta(graphPath`/users/${userId}/calendarView/delta`, Event, { query: { ...window, $select: 'subject' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GraphBadRequestError);
  });
});

describe('Sent Items', () => {
  it('reads sent messages, headers on $select, text bodies, attachments and raw bytes', async () => {
    const sent = double.mail.add(userId, {
      subject: 'Quote', body: { contentType: 'html', content: '<p>Hello <b>there</b></p>' },
      toRecipients: [{ emailAddress: { name: 'Client', address: 'client@example.jp' } }],
      internetMessageHeaders: [{ name: 'X-Mailer', value: 'Outlook' }],
    }, { attachments: [{ name: 'quote.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 test') }] });
    double.mail.add(userId, { subject: 'Inbox mail' }, { folder: 'inbox' });

    const listed = await graph.get(graphPath`/users/${userId}` + "/mailFolders('sentitems')/messages", z.object({ value: z.array(Message) }));
    expect(listed.value.map((m) => [m.subject, m.hasAttachments])).toEqual([['Quote', true]]);
    expect(listed.value[0]).not.toHaveProperty('internetMessageHeaders');

    const path = graphPath`/users/${userId}/messages/${String(sent.id)}`;
    const withHeaders = await graph.get(path, Message, { query: { $select: 'subject,internetMessageHeaders' } });
    expect(withHeaders.internetMessageHeaders).toEqual([{ name: 'X-Mailer', value: 'Outlook' }]);
    const text = await graph.get(path, Message, { headers: { Prefer: 'outlook.body-content-type="text"' } });
    expect(text.body).toEqual({ contentType: 'text', content: 'Hello there' });

    const attachments = await graph.get(`${path}/attachments`, z.object({ value: z.array(Attachment) }), { query: { $select: 'id,name,size,contentType,isInline' } });
    expect(attachments.value).toEqual([{ id: expect.any(String), name: 'quote.pdf', size: 13 }]);
    const raw = await graph.getBytes(`${path}/attachments/${encodeURIComponent(attachments.value[0].id)}/$value`);
    expect(raw.contentType).toBe('application/pdf');
    expect(raw.bytes.toString()).toBe('%PDF-1.4 test');
    expect(graph.calls.snapshot()).toMatchObject({ 'GET /users/{id}/messages/{id}/attachments/{id}/$value': 1 });
  });

  it('filters messages delta with changeType=created', async () => {
    const old = double.mail.add(userId, { subject: 'Old' });
    const deltaPath = graphPath`/users/${userId}/mailFolders/${'sentitems'}/messages/delta`;
    const first = await graph.delta(deltaPath, Message, { query: { changeType: 'created', $select: 'subject' } });
    expect(first.items.map((m) => m.subject)).toEqual(['Old']);
    double.mail.update(userId, String(old.id), { isRead: false });
    double.mail.add(userId, { subject: 'New' });
    const second = await graph.delta(first.deltaLink, Message);
    expect(second.items.map((m) => m.subject)).toEqual(['New']);
  });
});
