import { linkPatch, mergeFields, type FieldValues } from '../../lib/mapping/merge';
import type { ConflictPolicy } from '../../lib/config';

const T_OLD = '2026-12-01T10:00:00+00:00';
const T_NEW = '2026-12-01T11:00:00+00:00';

describe('mergeFields: one field, every combination (snapshot s, Outlook o, Zoho z)', () => {
  test.each<[string, string | null, string | null, string | null, ConflictPolicy, { outlook?: string; zoho?: string }, Record<string, string | null>, Record<string, string | null>, string | undefined, string | null]>([
    // name, s, o, z, policy, times, toOutlook, toZoho, conflict winner, next snapshot
    ['unchanged', 'a', 'a', 'a', 'newest', {}, {}, {}, undefined, 'a'],
    ['changed in Outlook only flows to Zoho', 'a', 'b', 'a', 'newest', {}, {}, { F: 'b' }, undefined, 'b'],
    ['changed in Zoho only flows to Outlook', 'a', 'a', 'c', 'newest', {}, { F: 'c' }, {}, undefined, 'c'],
    ['cleared in Outlook only clears Zoho', 'a', null, 'a', 'zoho', {}, {}, { F: null }, undefined, null],
    ['cleared in Zoho only clears Outlook', 'a', 'a', null, 'outlook', {}, { F: null }, {}, undefined, null],
    ['both changed to the same value: nothing to write', 'a', 'b', 'b', 'newest', {}, {}, {}, undefined, 'b'],
    ['conflict, newest = Outlook', 'a', 'b', 'c', 'newest', { outlook: T_NEW, zoho: T_OLD }, {}, { F: 'b' }, 'outlook', 'b'],
    ['conflict, newest = Zoho', 'a', 'b', 'c', 'newest', { outlook: T_OLD, zoho: T_NEW }, { F: 'c' }, {}, 'zoho', 'c'],
    ['conflict, newest with Graph\'s 7-digit fraction', 'a', 'b', 'c', 'newest', { outlook: '2026-12-01T11:00:00.1234567Z', zoho: T_OLD }, {}, { F: 'b' }, 'outlook', 'b'],
    ['conflict, times unknown: Zoho', 'a', 'b', 'c', 'newest', {}, { F: 'c' }, {}, 'zoho', 'c'],
    ['conflict, policy outlook beats a newer Zoho edit', 'a', 'b', 'c', 'outlook', { outlook: T_OLD, zoho: T_NEW }, {}, { F: 'b' }, 'outlook', 'b'],
    ['conflict, policy zoho beats a newer Outlook edit', 'a', 'b', 'c', 'zoho', { outlook: T_NEW, zoho: T_OLD }, { F: 'c' }, {}, 'zoho', 'c'],
    ['conflict: Outlook cleared, Zoho changed, newest Outlook', 'a', null, 'c', 'newest', { outlook: T_NEW, zoho: T_OLD }, {}, { F: null }, 'outlook', null],
    ['first link (no snapshot), only Zoho has a value', null, null, 'z', 'newest', {}, { F: 'z' }, {}, undefined, 'z'],
    ['first link (no snapshot), only Outlook has a value', null, 'o', null, 'newest', {}, {}, { F: 'o' }, undefined, 'o'],
  ])('%s', (_name, s, o, z, policy, times, toOutlook, toZoho, winner, next) => {
    const r = mergeFields(s === null ? undefined : { F: s }, { F: o }, { F: z }, policy, times);
    expect(r.toOutlook).toEqual(toOutlook);
    expect(r.toZoho).toEqual(toZoho);
    expect(r.conflicts.map((c) => c.winner)).toEqual(winner ? [winner] : []);
    expect(r.conflicts.every((c) => c.field === 'F')).toBe(true);
    expect(r.snapshot.F ?? null).toBe(next);
  });

  it('a field unknown on one side (not read) neither flows nor conflicts, and keeps its snapshot', () => {
    const r = mergeFields({ Fax: 'old', Phone: '1' }, { Phone: '2' }, { Fax: 'new', Phone: '1' }, 'newest');
    expect(r).toEqual({ toOutlook: {}, toZoho: { Phone: '2' }, conflicts: [], snapshot: { Fax: 'old', Phone: '2' } });
  });

  it('an empty value in compact form (\'\'), null and a field the base never had are all empty', () => {
    const r = mergeFields({ Subject: 'x' }, { Subject: 'x', Description: '' }, { Subject: 'x', Description: 'Agenda' }, 'outlook');
    expect(r).toMatchObject({ toOutlook: { Description: 'Agenda' }, toZoho: {}, conflicts: [] });
  });

  it('merges many fields at once, each on its own', () => {
    const snapshot: FieldValues = { A: '1', B: '1', C: '1', D: '1' };
    const r = mergeFields(snapshot, { A: '2', B: '1', C: '3', D: '1' }, { A: '1', B: '2', C: '4', D: '1' }, 'outlook');
    expect(r.toZoho).toEqual({ A: '2', C: '3' });
    expect(r.toOutlook).toEqual({ B: '2' });
    expect(r.conflicts).toEqual([{ field: 'C', winner: 'outlook', rule: 'policy' }]);
    expect(r.snapshot).toEqual({ A: '2', B: '2', C: '3', D: '1' });
  });

  it('applying the result makes both sides equal to the new snapshot (no echo on the next round)', () => {
    const outlook = { A: 'x', B: null, C: 'o' };
    const zoho = { A: 'y', B: 'z', C: 'o' };
    const r = mergeFields({ A: 'w', B: null, C: 'o' }, outlook, zoho, 'newest', { outlook: T_NEW, zoho: T_OLD });
    const nextOutlook = { ...outlook, ...r.toOutlook };
    const nextZoho = { ...zoho, ...r.toZoho };
    expect(nextOutlook).toEqual(r.snapshot);
    expect(nextZoho).toEqual(r.snapshot);
    const again = mergeFields(r.snapshot, nextOutlook, nextZoho, 'newest');
    expect([again.toOutlook, again.toZoho, again.conflicts]).toEqual([{}, {}, []]);
  });
});

describe('linkPatch: linking fills and corrects Outlook, never clears it', () => {
  test.each<[string, FieldValues, FieldValues, Record<string, string>]>([
    ['Zoho value differs → written', { Title: 'Old' }, { Title: 'New' }, { Title: 'New' }],
    ['Outlook empty → filled', { Title: null }, { Title: 'New' }, { Title: 'New' }],
    ['Zoho empty → Outlook kept', { Title: 'Mine' }, { Title: null }, {}],
    ['equal → nothing', { Title: 'Same' }, { Title: 'Same' }, {}],
    ['Outlook unknown (not read) → Zoho value written', {}, { Fax: '1' }, { Fax: '1' }],
  ])('%s', (_name, outlook, zoho, patch) => {
    expect(linkPatch(outlook, zoho)).toEqual(patch);
  });
});
