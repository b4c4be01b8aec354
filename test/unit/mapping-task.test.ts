import { todoTaskSchema, type GraphTodoTask } from '../../lib/graph/resources/todo-task';
import type { FieldRules } from '../../lib/mapping/fields';
import { dueDate, mapTask, taskDedupKey } from '../../lib/mapping/task';
import todoTaskJson from '../fixtures/graph/todo-task.json';

const fixture = todoTaskSchema.parse(todoTaskJson);

function task(overrides: Partial<GraphTodoTask> = {}): GraphTodoTask {
  return { ...fixture, ...overrides };
}

describe('mapTask: every row of SPEC §2.2 (todo-task.json)', () => {
  const mapped = mapTask(fixture, { userTimeZone: 'Eastern Standard Time' });

  test.each([
    ['Subject', 'Subject', 'Shop for dinner'],
    // 04:00Z is midnight in New York (EDT): the 25th.
    ['Due date', 'Due_Date', '2020-08-25'],
    ['Priority (low)', 'Priority', 'Low'],
    ['Status (notStarted)', 'Status', 'Not Started'],
    ['Notes (empty body clears)', 'Description', null],
  ])('%s → %s', (_outlook, apiName, expected) => {
    expect(mapped.record[apiName]).toBe(expected);
  });

  test('start date is not mapped, and nothing else is produced', () => {
    const withStart = mapTask(task({ startDateTime: { dateTime: '2020-08-20T00:00:00.0000000', timeZone: 'UTC' } }), { userTimeZone: 'UTC' });
    expect(Object.keys(withStart.record).sort()).toEqual(['Description', 'Due_Date', 'Priority', 'Status', 'Subject']);
  });

  test('no cuts, no warnings', () => {
    expect(mapped.cutFields).toEqual([]);
    expect(mapped.warnings).toEqual([]);
    expect(mapped.skipReason).toBeUndefined();
  });

  test('owner is written as {id} when given', () => {
    expect(mapTask(fixture, { ownerId: '42' }).record.Owner).toEqual({ id: '42' });
  });
});

describe('mapTask: importance → Priority and status → Status with default pick lists', () => {
  test.each([
    ['high', 'High'],
    ['normal', 'Normal'],
    ['low', 'Low'],
    [null, 'Normal'],
  ])('importance %s → %s', (importance, expected) => {
    const mapped = mapTask(task({ importance }));
    expect(mapped.record.Priority).toBe(expected);
    expect(mapped.warnings).toEqual([]);
  });

  test.each([
    ['notStarted', 'Not Started'],
    ['inProgress', 'In Progress'],
    ['completed', 'Completed'],
    ['waitingOnOthers', 'Waiting for input'],
    ['deferred', 'Deferred'],
    [null, 'Not Started'],
  ])('status %s → %s', (status, expected) => {
    const mapped = mapTask(task({ status }));
    expect(mapped.record.Status).toBe(expected);
    expect(mapped.warnings).toEqual([]);
  });

  test('an unknown Graph value is treated as the default, with a warning', () => {
    const mapped = mapTask(task({ importance: 'critical', status: 'blocked' }));
    expect(mapped.record.Priority).toBe('Normal');
    expect(mapped.record.Status).toBe('Not Started');
    expect(mapped.warnings).toHaveLength(2);
  });
});

describe('mapTask: org pick lists', () => {
  const rulesWith = (priority: string[], status: string[]): FieldRules => ({
    Tasks: { Priority: { pickList: priority }, Status: { pickList: status } },
  });

  test.each<[string, string[], string, string, boolean]>([
    ['case-insensitive match', ['HIGH', 'normal', 'low'], 'high', 'HIGH', false],
    ['synonym: Highest', ['Highest', 'Medium', 'Lowest'], 'high', 'Highest', false],
    ['synonym: Medium', ['Highest', 'Medium', 'Lowest'], 'normal', 'Medium', false],
    ['synonym: Lowest', ['Highest', 'Medium', 'Lowest'], 'low', 'Lowest', false],
    ['no match: first real value, warned', ['-None-', 'P1', 'P2', 'P3'], 'high', 'P1', true],
  ])('Priority, %s', (_name, pickList, importance, expected, warned) => {
    const mapped = mapTask(task({ importance }), { rules: rulesWith(pickList, ['Not Started']) });
    expect(mapped.record.Priority).toBe(expected);
    expect(mapped.warnings.some((w) => w.startsWith('Priority:'))).toBe(warned);
  });

  test.each<[string, string[], string, string, boolean]>([
    ['match ignoring spaces and punctuation', ['-None-', 'Not-Started', 'Done'], 'notStarted', 'Not-Started', false],
    ['synonym: Done', ['Open', 'Done'], 'completed', 'Done', false],
    ['synonym: Open', ['Open', 'Done'], 'notStarted', 'Open', false],
    ['synonym: Waiting', ['New', 'Waiting', 'Closed'], 'waitingOnOthers', 'Waiting', false],
    ['synonym: On Hold for deferred', ['Open', 'On Hold', 'Closed'], 'deferred', 'On Hold', false],
    ['no match: first value, warned', ['Offen', 'Erledigt'], 'inProgress', 'Offen', true],
  ])('Status, %s', (_name, pickList, status, expected, warned) => {
    const mapped = mapTask(task({ status }), { rules: rulesWith(['High'], pickList) });
    expect(mapped.record.Status).toBe(expected);
    expect(mapped.warnings.some((w) => w.startsWith('Status:'))).toBe(warned);
  });

  test('a pick list with only -None- leaves the field empty, with a warning', () => {
    const mapped = mapTask(task({ importance: 'high' }), { rules: rulesWith(['-None-'], ['Not Started']) });
    expect(mapped.record.Priority).toBeNull();
    expect(mapped.warnings.join('\n')).toMatch(/no usable value/);
  });
});

describe('mapTask: subject and description', () => {
  test('subject is cut to 255 and reported', () => {
    const mapped = mapTask(task({ title: 's'.repeat(300) }));
    expect(mapped.record.Subject).toBe('s'.repeat(255));
    expect(mapped.cutFields).toEqual(['Subject']);
  });

  test('a subject cut on a surrogate pair keeps the whole emoji', () => {
    const mapped = mapTask(task({ title: `${'s'.repeat(254)}📞call` }));
    expect(mapped.record.Subject).toBe(`${'s'.repeat(254)}📞`);
  });

  test('no title: skipped with a reason', () => {
    const mapped = mapTask(task({ title: '  ' }));
    expect(mapped.record.Subject).toBeNull();
    expect(mapped.skipReason).toMatch(/Zoho requires a subject/);
  });

  test('HTML body becomes text', () => {
    const mapped = mapTask(task({ body: { contentType: 'html', content: '<html><body><p>Buy <b>rice</b></p><p>and miso</p></body></html>' } }));
    expect(mapped.record.Description).toBe('Buy rice\n\nand miso');
  });

  test('text body is kept, CRLF → LF', () => {
    const mapped = mapTask(task({ body: { contentType: 'text', content: 'line 1\r\nline 2' } }));
    expect(mapped.record.Description).toBe('line 1\nline 2');
  });

  test('description is cut to 32,000', () => {
    const mapped = mapTask(task({ body: { contentType: 'text', content: 'd'.repeat(32001) } }));
    expect(mapped.record.Description).toHaveLength(32000);
    expect(mapped.cutFields).toEqual(['Description']);
  });
});

describe('dueDate across time zones', () => {
  test.each<[string, string, string | null, string]>([
    // Midnight UTC (set via the API or by a UTC user) is that day for every user.
    ['midnight UTC, user in New York', '2020-08-25T00:00:00.0000000', 'America/New_York', '2020-08-25'],
    ['midnight UTC, user in Tokyo', '2020-08-25T00:00:00.0000000', 'Tokyo Standard Time', '2020-08-25'],
    ['midnight UTC, user in Honolulu', '2020-08-25T00:00:00.0000000', 'Hawaiian Standard Time', '2020-08-25'],
    ['midnight UTC, user in Kiritimati (UTC+14)', '2020-08-25T00:00:00.0000000', 'Pacific/Kiritimati', '2020-08-25'],
    // Local midnight stored as UTC: the local day.
    ['Tokyo midnight stored as UTC', '2020-08-24T15:00:00.0000000', 'Asia/Tokyo', '2020-08-25'],
    ['New York (EDT) midnight stored as UTC', '2020-08-25T04:00:00.0000000', 'Eastern Standard Time', '2020-08-25'],
    ['New York (EST) midnight stored as UTC', '2020-01-15T05:00:00.0000000', 'America/New_York', '2020-01-15'],
    ['Berlin (CEST) midnight stored as UTC', '2020-08-24T22:00:00.0000000', 'W. Europe Standard Time', '2020-08-25'],
    ['Kolkata midnight (half-hour offset)', '2020-08-24T18:30:00.0000000', 'India Standard Time', '2020-08-25'],
    ['Auckland midnight on a DST start day', '2020-09-26T12:00:00.0000000', 'Pacific/Auckland', '2020-09-27'],
    // Neither is a midnight: the user's local date.
    ['a time of day, user in Tokyo', '2020-08-25T18:30:00.0000000', 'Asia/Tokyo', '2020-08-26'],
    ['a time of day, user in Los Angeles', '2020-08-25T03:00:00.0000000', 'Pacific Standard Time', '2020-08-24'],
    // Unknown/absent user zone: the date as written.
    ['no user zone', '2020-08-24T15:00:00.0000000', null, '2020-08-24'],
  ])('%s', (_name, dateTime, userTimeZone, expected) => {
    expect(dueDate({ dateTime, timeZone: 'UTC' }, userTimeZone).date).toBe(expected);
  });

  test.each<[string, string, string, string]>([
    ['Windows zone on the value', '2020-08-25T00:00:00.0000000', 'Tokyo Standard Time', '2020-08-25'],
    ['IANA zone on the value', '2020-08-25T00:00:00', 'Asia/Tokyo', '2020-08-25'],
    ['tzone:// form', '2020-08-25T00:00:00.0000000', 'tzone://Microsoft/Utc', '2020-08-25'],
  ])('value in its own zone: %s', (_name, dateTime, timeZone, expected) => {
    expect(dueDate({ dateTime, timeZone }, 'Asia/Tokyo').date).toBe(expected);
  });

  test('a value midnight in Tokyo, user in New York: the written date', () => {
    expect(dueDate({ dateTime: '2020-08-25T00:00:00.0000000', timeZone: 'Tokyo Standard Time' }, 'America/New_York').date).toBe('2020-08-25');
  });

  test('explicit offset in the string', () => {
    expect(dueDate({ dateTime: '2020-08-24T15:00:00Z', timeZone: null }, 'Asia/Tokyo').date).toBe('2020-08-25');
  });

  test('no due date clears Due_Date', () => {
    expect(dueDate(null, 'UTC')).toEqual({ date: null, warnings: [] });
    expect(mapTask(task({ dueDateTime: null })).record.Due_Date).toBeNull();
  });

  test('unknown zones warn and still give a date', () => {
    const unknownUser = dueDate({ dateTime: '2020-08-25T00:00:00.0000000', timeZone: 'UTC' }, 'Mars Standard Time');
    expect(unknownUser.date).toBe('2020-08-25');
    expect(unknownUser.warnings).toHaveLength(1);
    const unknownSource = dueDate({ dateTime: '2020-08-25T00:00:00.0000000', timeZone: 'Nowhere' }, 'UTC');
    expect(unknownSource.date).toBe('2020-08-25');
    expect(unknownSource.warnings).toHaveLength(1);
  });

  test('garbage is not a date', () => {
    expect(dueDate({ dateTime: 'soon', timeZone: 'UTC' }, 'UTC').date).toBeNull();
  });
});

describe('taskDedupKey', () => {
  test('subject and due date', () => {
    expect(taskDedupKey(mapTask(fixture, { userTimeZone: 'America/New_York' }))).toEqual({ subject: 'Shop for dinner', dueDate: '2020-08-25' });
  });

  test('no due date', () => {
    expect(taskDedupKey(mapTask(task({ dueDateTime: null })))).toEqual({ subject: 'Shop for dinner', dueDate: null });
  });

  test('the cut subject is the key, as stored in Zoho', () => {
    expect(taskDedupKey(mapTask(task({ title: 'k'.repeat(300) })))?.subject).toHaveLength(255);
  });

  test('no subject, no key', () => {
    expect(taskDedupKey({ record: { Subject: null, Due_Date: '2020-08-25' } })).toBeNull();
  });
});
