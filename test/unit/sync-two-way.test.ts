import { conflictNotes, derivedBase, forwardMerge } from '../../lib/sync/two-way';
import { reversePlan } from '../../lib/zohofeed/apply';

describe('forwardMerge (both, Outlook notified a change)', () => {
  const snapshot = { Title: 'Engineer', Department: 'R&D', Mobile: '' };

  it.each([
    ['Outlook changed one field, Zoho nothing: it is sent', { Title: 'Lead', Department: 'R&D', Mobile: null }, { Title: 'Engineer', Department: 'R&D', Mobile: null }, ['Title'], 'zoho', { send: ['Title'], toOutlook: {}, conflicts: [] }],
    ['Outlook changed Title, Zoho Department: each flows its way', { Title: 'Lead', Department: 'R&D', Mobile: null }, { Title: 'Engineer', Department: 'Sales', Mobile: null }, ['Title'], 'zoho', { send: ['Title'], toOutlook: { Department: 'Sales' }, conflicts: [] }],
    ['both changed Title, SYNC_CONFLICTS=zoho: nothing sent, Zoho\'s value patched', { Title: 'Lead', Department: 'R&D', Mobile: null }, { Title: 'Boss', Department: 'R&D', Mobile: null }, ['Title'], 'zoho', { send: [], toOutlook: { Title: 'Boss' }, conflicts: [{ field: 'Title', winner: 'zoho', rule: 'policy' }] }],
    ['both changed Title, SYNC_CONFLICTS=outlook: sent', { Title: 'Lead', Department: 'R&D', Mobile: null }, { Title: 'Boss', Department: 'R&D', Mobile: null }, ['Title'], 'outlook', { send: ['Title'], toOutlook: {}, conflicts: [{ field: 'Title', winner: 'outlook', rule: 'policy' }] }],
    ['both changed Title to the same value: nothing to write', { Title: 'Lead', Department: 'R&D', Mobile: null }, { Title: 'Lead', Department: 'R&D', Mobile: null }, ['Title'], 'zoho', { send: [], toOutlook: {}, conflicts: [] }],
    ['a field outside the neutral set keeps the one-way rule', { Title: 'Engineer' }, { Title: 'Engineer' }, ['Secondary_Email'], 'zoho', { send: ['Secondary_Email'], toOutlook: {}, conflicts: [] }],
  ] as const)('%s', (_name, outlook, zoho, changed, policy, expected) => {
    expect(forwardMerge(snapshot, outlook, zoho, changed, policy, {})).toMatchObject(expected);
  });

  it('the base moves to what both sides hold after the writes', () => {
    expect(forwardMerge(snapshot, { Title: 'Lead', Department: 'R&D', Mobile: null }, { Title: 'Boss', Department: 'Sales', Mobile: null }, ['Title'], 'zoho', {}).base).toEqual({ Title: 'Boss', Department: 'Sales', Mobile: '' });
    expect(forwardMerge(snapshot, { Title: 'Lead', Department: 'R&D' }, { Title: 'Engineer', Department: 'R&D' }, ['Title'], 'zoho', {}).base).toMatchObject({ Title: 'Lead' });
  });

  it('an Outlook change the forward mapping does not send now keeps its old base', () => {
    const m = forwardMerge(snapshot, { Title: 'Lead', Department: 'R&D' }, { Title: 'Engineer', Department: 'R&D' }, [], 'zoho', {});
    expect(m).toMatchObject({ send: [], base: { Title: 'Engineer' } });
  });

  it('a read-only neutral field (event participants) does not hold back the forward field of that name', () => {
    const m = forwardMerge({ Participants: '' }, { Participants: null }, { Participants: '- Ana' }, ['Participants'], 'zoho', {}, new Set(['Participants']));
    expect(m).toMatchObject({ send: ['Participants'], toOutlook: { Participants: '- Ana' } });
  });

  it('names the field and the winner in the report', () => {
    expect(conflictNotes([{ field: 'Title', winner: 'zoho', rule: 'policy' }, { field: 'Mobile', winner: 'outlook', rule: 'newest' }])).toEqual([
      'conflict on Title: Zoho wins (SYNC_CONFLICTS)',
      'conflict on Mobile: Outlook wins (the newer edit)',
    ]);
  });
});

describe('derivedBase (a link made before the reverse index had values)', () => {
  it('Outlook\'s value for fields it did not change since the snapshot, the snapshot\'s for those it changed', () => {
    expect(derivedBase({ Subject: 'Old', Priority: 'High', Due_Date: '2026-01-02' }, { Subject: 'New', Priority: 'high', Status: 'notStarted' }, ['Subject'])).toEqual({ Subject: 'Old', Priority: 'high' });
  });
  it('no snapshot: no base', () => {
    expect(derivedBase(undefined, { Subject: 'x' }, [])).toEqual({});
  });
});

describe('reversePlan (a Zoho change reaching a linked Outlook item)', () => {
  const last = { Title: 'Engineer', Department: 'R&D' };
  it.each([
    ['to-outlook: only what Zoho changed, and only where Outlook differs', { Title: 'Lead', Department: 'R&D' }, { Title: 'Engineer', Department: 'Outlook dept' }, last, undefined, ['Title']],
    ['to-outlook without values yet: every differing field', { Title: 'Lead', Department: 'R&D' }, { Title: 'Engineer', Department: 'Other' }, undefined, undefined, ['Title', 'Department']],
    ['to-outlook: our own write called back (Zoho equals Outlook) is nothing', { Title: 'Lead', Department: 'R&D' }, { Title: 'Lead', Department: 'R&D' }, last, undefined, []],
    ['both: Outlook\'s own change is left for the forward path', { Title: 'Engineer', Department: 'Sales' }, { Title: 'Lead', Department: 'R&D' }, last, { policy: 'newest' as const, times: {} }, ['Department']],
  ])('%s', (_name, zoho, outlook, lastValues, twoWay, keys) => {
    expect(reversePlan(zoho, outlook, lastValues, twoWay).keys.sort()).toEqual([...keys].sort());
  });
});
