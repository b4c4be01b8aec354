import { contextLogger } from '../../lib/log';
import { scrubProperties, scrubText, scrubUrl, userHash } from '../../lib/telemetry/redact';

describe('scrubProperties: log properties → custom dimensions', () => {
  it.each([
    ['user ids become a hash', { userId: '6e7b768e-07e2-4810-8459-485f84f8f204' }, { userHash: userHash('6e7b768e-07e2-4810-8459-485f84f8f204') }],
    ['a UPN given as user is hashed, not kept', { user: 'Adele@Contoso.com' }, { userHash: userHash('adele@contoso.com') }],
    ['ids, codes, counts and results stay', { module: 'contacts', itemId: 'AAMk=', runId: 'auto-2026-12-07', zohoId: '5725767', result: 'added', code: 'NO_PERMISSION', queued: 3, ok: true }, { module: 'contacts', itemId: 'AAMk=', runId: 'auto-2026-12-07', zohoId: '5725767', result: 'added', code: 'NO_PERMISSION', queued: 3, ok: true }],
    ['names, addresses, bodies and secrets are dropped', { label: 'Pavel Bansky', subject: 'Lunch', email: 'a@b.com', displayName: 'X', body: '<p>', clientState: 's3cret', refresh_token: 't', Authorization: 'Bearer x' }, {}],
    ['an address inside a text is masked', { reason: 'no record for pavelb@fabrikam.com', issues: ['to: x.y@contoso.co.uk is bad'] }, { reason: 'no record for [email]', issues: ['to: [email] is bad'] }],
    ['objects become scrubbed JSON, undefined goes', { dropped: { malformed: 2 }, zohoId: undefined }, { dropped: '{"malformed":2}' }],
  ])('%s', (_name, input, want) => {
    expect(scrubProperties(input)).toEqual(want);
  });

  it('masks addresses in texts and cuts long ones', () => {
    expect(scrubText("o'brien+x@sub.example.org wrote")).toBe('[email] wrote');
    expect(scrubText('x'.repeat(2000))).toHaveLength(1025);
  });

  it('URLs lose their query and Table keys', () => {
    expect(scrubUrl("https://acct.table.core.windows.net/lookupclaims(PartitionKey='a%40b.com',RowKey='x')?$filter=Email eq 'a@b.com'")).toBe('https://acct.table.core.windows.net/lookupclaims(…)');
  });
});

describe('contextLogger without telemetry: readable local lines', () => {
  it('prints the message, then the properties as JSON', () => {
    const lines: string[] = [];
    const sink = (line: unknown) => lines.push(String(line));
    const logger = contextLogger({ debug: sink, info: sink, warn: sink, error: sink }, { fn: 'sync-worker' });
    logger.info('item processed', { module: 'contacts', result: 'added' });
    logger.warn('plain');
    expect(lines).toEqual(['item processed {"fn":"sync-worker","module":"contacts","result":"added"}', 'plain {"fn":"sync-worker"}']);
  });
});
