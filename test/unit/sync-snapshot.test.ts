import {
  attemptOf, changedFields, compact, emptyInZoho, fillableFields, parseAttempt, parseSnapshot, pickWrite, serializeSnapshot, snapshotOf, UNKNOWN, withUnknown, withWritten,
} from '../../lib/sync/snapshot';

describe('compact(value)', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    ['', ''],
    [[], ''],
    ['Head of Purchasing', 'Head of Purchasing'],
    [42, '42'],
    [['a@x.example', 'b@x.example'], '["a@x.example","b@x.example"]'],
  ])('%j → %j', (value, expected) => {
    expect(compact(value)).toBe(expected);
  });

  it('long text becomes a short hash that still tells values apart', () => {
    const long = 'Met at Ignite. '.repeat(2000);
    expect(compact(long)).toMatch(/^#[A-Za-z0-9_-]{22}$/);
    expect(compact(long)).not.toBe(compact(`${long}!`));
    expect(compact(long)).toBe(compact(`${long}`));
  });

  it('a short value that looks like a hash is hashed too, so the two never collide', () => {
    expect(compact('#abc')).toMatch(/^#[A-Za-z0-9_-]{22}$/);
  });
});

describe('changedFields(snapshot, fields)', () => {
  const snapshot = snapshotOf({ Phone: '+1 1', Title: 'Buyer', Mobile: null, Description: 'x'.repeat(500) });
  it.each([
    ['nothing changed', { Phone: '+1 1', Title: 'Buyer', Mobile: null, Description: 'x'.repeat(500) }, []],
    ['one field changed', { Phone: '+1 2', Title: 'Buyer', Mobile: null }, ['Phone']],
    ['a field cleared in Outlook', { Phone: '+1 1', Title: null }, ['Title']],
    ['a field filled in Outlook', { Mobile: '+1 9' }, ['Mobile']],
    ['long text changed', { Description: 'y'.repeat(500) }, ['Description']],
    ['a field new to the mapping, empty', { Fax: null }, []],
    ['a field new to the mapping, with a value', { Fax: '+1 3' }, ['Fax']],
  ])('%s', (_name, fields, expected) => {
    expect(changedFields(snapshot, fields)).toEqual(expected);
  });

  it('a field whose write is in doubt is written again, whatever Outlook says', () => {
    expect(changedFields(withUnknown(snapshot, ['Title']), { Title: 'Buyer', Phone: '+1 1' })).toEqual(['Title']);
    expect(withUnknown(snapshot, ['Title']).Title).toBe(UNKNOWN);
  });

  it('after a write, the written fields hold the Outlook values sent', () => {
    expect(changedFields(withWritten(snapshot, { Phone: '+1 2' }, ['Phone']), { Phone: '+1 2', Title: 'Buyer' })).toEqual([]);
  });
});

describe('fillableFields(existing Zoho record, Outlook fields)', () => {
  it.each([
    ['Zoho empty, Outlook has it: filled', { Title: null }, { Title: 'CFO' }, ['Title']],
    ['Zoho has it: kept', { Title: 'VP' }, { Title: 'CFO' }, []],
    ['Outlook empty: nothing to fill (never cleared)', { Title: 'VP' }, { Title: null }, []],
    ['both empty', { Title: '' }, { Title: null }, []],
    ['a look-up Zoho has', { Account_Name: { id: '1', name: 'Fabrikam' } }, { Account_Name: 'Contoso' }, []],
    ['a look-up Zoho lacks', { Account_Name: null }, { Account_Name: 'Contoso' }, ['Account_Name']],
  ])('%s', (_name, existing, fields, expected) => {
    expect(fillableFields(existing, fields)).toEqual(expected);
  });

  it.each([[null, true], ['', true], [[], true], [{}, true], [{ id: '1' }, false], ['x', false], [0, false]])('emptyInZoho(%j) = %j', (value, expected) => {
    expect(emptyInZoho(value)).toBe(expected);
  });
});

describe('pickWrite(resolved record, fields, keys)', () => {
  const record = { Phone: '+1 2', Account_Name: { id: '7' }, Owner: { id: '9' }, $send_notification: false };
  it.each([
    ['only the keys asked, with the record options', ['Phone'], { Phone: '+1 2', $send_notification: false }],
    ['a look-up resolved', ['Account_Name'], { Account_Name: { id: '7' }, $send_notification: false }],
    ['a field cleared in Outlook is sent as null', ['Title'], { Title: null, $send_notification: false }],
    ['a look-up Zoho could not resolve is not sent', ['Reporting_To'], { $send_notification: false }],
  ])('%s', (_name, keys, expected) => {
    expect(pickWrite(record, { Phone: '+1 2', Title: null, Account_Name: 'Fabrikam', Reporting_To: 'Lidia Holloway' }, keys)).toEqual(expected);
  });

  it('never sends Owner unless asked', () => {
    expect(pickWrite(record, { Phone: '+1 2' }, ['Phone'])).not.toHaveProperty('Owner');
  });
});

describe('stored forms', () => {
  it('a snapshot and an attempt read back; anything else reads as absent', () => {
    const snapshot = snapshotOf({ Email: 'a@x.example', Description: 'x'.repeat(100) });
    expect(parseSnapshot(serializeSnapshot(snapshot))).toEqual(snapshot);
    expect(parseSnapshot(undefined)).toBeUndefined();
    expect(parseSnapshot('not json')).toBeUndefined();
    expect(parseSnapshot('{"Email":1}')).toBeUndefined();
    const attempt = attemptOf({ Email: 'a@x.example', Description: 'x'.repeat(400) }, { Email: 'a@x.example' }, 'created', new Date('2026-12-07T00:00:00Z'));
    expect(attempt.record).toEqual({ Email: 'a@x.example' });
    expect(parseAttempt(JSON.stringify(attempt))).toEqual(attempt);
    expect(parseAttempt('{"record":{}}')).toBeUndefined();
  });
});
