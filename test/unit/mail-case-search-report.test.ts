import { buildCaseRecord, chooseCaseStatus } from '../../lib/mail/case';
import { captureModules, shouldCapture } from '../../lib/mail/capture';
import { emptyOutcome, recordLines, toItemReport, type FilingOutcome } from '../../lib/mail/report';
import { rankHits, SearchInput, searchQueryFor } from '../../lib/mail/search';
import type { ZohoField } from '../../lib/zoho/types';

const picklist = (api: string, values: (string | [string, string, string?])[]): ZohoField => ({
  api_name: api,
  data_type: 'picklist',
  system_mandatory: true,
  read_only: false,
  pick_list_values: values.map((v) => (typeof v === 'string' ? { actual_value: v, display_value: v } : { actual_value: v[0], display_value: v[1], type: v[2] })),
});

describe('chooseCaseStatus', () => {
  const status = picklist('Status', ['-None-', 'New', 'On Hold', ['Escalated', 'エスカレーション'], ['Old', 'Old', 'unused'], 'Closed']);
  it.each([
    ['New', { ok: true, value: 'New' }],
    [' on hold ', { ok: true, value: 'On Hold' }],
    ['エスカレーション', { ok: true, value: 'Escalated' }],
    ['Old', { ok: false, valid: ['New', 'On Hold', 'Escalated', 'Closed'] }],
    ['-None-', { ok: false, valid: ['New', 'On Hold', 'Escalated', 'Closed'] }],
    ['Open', { ok: false, valid: ['New', 'On Hold', 'Escalated', 'Closed'] }],
  ])('%p', (wanted, expected) => {
    expect(chooseCaseStatus(status, wanted)).toEqual(expected);
  });

  it('without metadata, Zoho\'s default statuses', () => {
    expect(chooseCaseStatus(undefined, 'closed')).toEqual({ ok: true, value: 'Closed' });
  });
});

describe('buildCaseRecord', () => {
  it('writes exactly the SPEC §3.1 fields', () => {
    const r = buildCaseRecord({
      message: { subject: 'Printer broken', body: { contentType: 'html', content: '<html><body><p>It jams.</p><p>Help!</p></body></html>' } },
      sender: 'pavel@fabrikam.com',
      contactId: '42',
      status: 'New',
      originField: picklist('Case_Origin', ['-None-', 'Email', 'Phone', 'Web']),
      ownerId: 'u1',
    });
    expect(r.record).toEqual({ Subject: 'Printer broken', Description: 'It jams.\n\nHelp!', Email: 'pavel@fabrikam.com', Related_To: { id: '42' }, Status: 'New', Case_Origin: 'Email', Owner: { id: 'u1' } });
    expect(r.notes).toEqual([]);
  });

  it('no subject, long subject, an org without an "Email" origin', () => {
    expect(buildCaseRecord({ message: { subject: '' }, sender: 'a@b.com', contactId: '1', status: 'New' }).record.Subject).toBe('(no subject)');
    const long = buildCaseRecord({ message: { subject: 'x'.repeat(300) }, sender: 'a@b.com', contactId: '1', status: 'New', originField: picklist('Case_Origin', ['Phone', 'Web']) });
    expect(long.record.Subject).toHaveLength(255);
    expect(long.cutFields).toEqual(['Subject']);
    expect(long.record.Case_Origin).toBe('Phone');
    expect(long.notes.join(' ')).toMatch(/Case_Origin/);
  });
});

describe('search', () => {
  it.each([
    [{ module: 'Contacts', q: 'Pavel@Fabrikam.com' }, { email: 'pavel@fabrikam.com' }],
    [{ module: 'Leads', q: 'pavel' }, { criteria: '(Email:starts_with:pavel)' }],
    [{ module: 'Deals', q: 'Contoso (UK), renewal' }, { criteria: '((Deal_Name:equals:Contoso \\(UK\\)\\, renewal)or(Deal_Name:starts_with:Contoso \\(UK\\)\\, renewal))' }],
  ])('%j', (input, expected) => {
    expect(searchQueryFor(SearchInput.parse(input))).toMatchObject(expected);
  });

  it.each([[{ module: 'Accounts', q: 'xx' }], [{ module: 'Deals', q: 'x' }], [{ module: 'Deals' }]])('refuses %j', (input) => {
    expect(SearchInput.safeParse(input).success).toBe(false);
  });

  it('exact matches first, then the earliest created', () => {
    const input = SearchInput.parse({ module: 'Deals', q: 'Renewal' });
    const hits = [
      { module: 'Deals' as const, id: '3', name: 'Renewal 2025', createdTime: '2025-01-01T00:00:00+00:00' },
      { module: 'Deals' as const, id: '2', name: 'Renewal 2024', createdTime: '2024-01-01T00:00:00+00:00' },
      { module: 'Deals' as const, id: '1', name: 'renewal', createdTime: '2026-01-01T00:00:00+00:00' },
    ];
    expect(rankHits(input, hits).map((h) => h.id)).toEqual(['1', '2', '3']);
  });
});

describe('capture settings', () => {
  it.each([
    [['contacts', 'leads'], [], true],
    [['contacts'], ['Personal'], true],
    [[], [], false],
    [[], ['zoho'], true],
    [[], ['Zoho '], true],
  ] as const)('MAIL_CAPTURE=%j categories=%j → %s', (capture, categories, expected) => {
    expect(shouldCapture(categories, { MAIL_CAPTURE: [...capture], SYNC_CATEGORY: 'Zoho' })).toBe(expected);
  });

  it('explicit requests count Contacts and Leads when capture is off', () => {
    expect(captureModules({ MAIL_CAPTURE: [] })).toEqual(['contacts', 'leads']);
    expect(captureModules({ MAIL_CAPTURE: ['contacts'] })).toEqual(['contacts']);
  });
});

describe('report', () => {
  const outcome = (patch: Partial<FilingOutcome>): FilingOutcome => ({ ...emptyOutcome('Quote'), createUnknown: 'none', ...patch });
  const to = (address: string) => ({ address, name: '', role: 'to' as const });

  it('added, with a line per recipient', () => {
    const o = outcome({
      records: [
        { module: 'Contacts', id: '1', via: 'a@x.com', status: 'attached' },
        { module: 'Leads', id: '2', via: 'b@x.com', status: 'attached', created: true },
      ],
      recipients: [
        { ...to('a@x.com'), decision: { kind: 'match', module: 'Contacts', id: '1' }, record: { module: 'Contacts', id: '1' } },
        { ...to('b@x.com'), decision: { kind: 'create', module: 'Leads' }, record: { module: 'Leads', id: '2' } },
        { ...to('c@contoso.com'), decision: { kind: 'internal' } },
        { ...to('d@x.com'), decision: { kind: 'no-record' } },
      ],
    });
    const r = toItemReport(o);
    expect(r).toMatchObject({ result: 'added', zohoModule: 'Contacts', zohoId: '1', label: 'Quote', reason: 'attached to 2 record(s), 1 of them created for it' });
    expect(r.notes).toEqual([
      'a@x.com: attached to Contacts 1',
      'b@x.com: created and attached to Leads 2',
      'c@contoso.com: internal address, not captured',
      'd@x.com: no Zoho Contact or Lead (MAIL_CREATE_UNKNOWN=none)',
    ]);
    expect(recordLines(o).map((l) => [l.subject, l.result])).toEqual([
      ['Contacts/1', 'added'],
      ['Leads/2', 'added'],
      ['c@contoso.com', 'skipped'],
      ['d@x.com', 'skipped'],
    ]);
  });

  it.each([
    ['everything already there', { records: [{ module: 'Contacts', id: '1', status: 'already' as const }] }, 'unchanged', undefined],
    ['nothing matched', { recipients: [{ ...to('d@x.com'), decision: { kind: 'no-record' as const } }] }, 'skipped', false],
    ['a failure', { records: [{ module: 'Contacts', id: '1', status: 'attached' as const }, { module: 'Leads', id: '2', status: 'failed' as const, code: 'NO_PERMISSION', reason: 'no permission', retryable: true }] }, 'skipped', true],
    ['not fileable', { skipReason: 'the e-mail has no Internet message id' }, 'skipped', false],
  ])('%s', (_n, patch, result, retryable) => {
    const r = toItemReport(outcome(patch));
    expect(r.result).toBe(result);
    expect(r.retryable).toBe(retryable);
  });

  it('a partial failure names what worked and what did not', () => {
    const r = toItemReport(outcome({ records: [{ module: 'Contacts', id: '1', status: 'attached' }, { module: 'Leads', id: '2', status: 'failed', code: 'NO_PERMISSION', reason: 'no permission' }] }));
    expect(r.reason).toBe('attached to 1 of 2 records; Leads 2: no permission');
    expect(r.code).toBe('NO_PERMISSION');
  });
});
