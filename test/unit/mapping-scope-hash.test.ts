import { canonicalJson, contentHash } from '../../lib/mapping/hash';
import { inScope, type ScopeMode } from '../../lib/mapping/scope';

describe('inScope', () => {
  test.each<[string, (string | null)[] | null | undefined, ScopeMode, string, boolean]>([
    ['tagged', ['Zoho'], 'category', 'Zoho', true],
    ['case-insensitive', ['zoho'], 'category', 'Zoho', true],
    ['trimmed on both sides', [' ZOHO '], 'category', '  zoho', true],
    ['among others', ['Customers', 'Zoho', 'Red category'], 'category', 'Zoho', true],
    ['custom category name', ['CRM Sync'], 'category', 'crm sync', true],
    ['not tagged', ['Customers'], 'category', 'Zoho', false],
    ['prefix is not a match', ['Zoho CRM'], 'category', 'Zoho', false],
    ['no categories', [], 'category', 'Zoho', false],
    ['categories null', null, 'category', 'Zoho', false],
    ['categories absent', undefined, 'category', 'Zoho', false],
    ['null entries ignored', [null, 'Zoho'], 'category', 'Zoho', true],
    ['empty category name matches nothing', ['', ' '], 'category', ' ', false],
    ['mode all: everything', [], 'all', 'Zoho', true],
    ['mode all: untagged too', null, 'all', 'Zoho', true],
    ['mode off: nothing', ['Zoho'], 'off', 'Zoho', false],
  ])('%s', (_name, categories, mode, categoryName, expected) => {
    expect(inScope(categories, mode, categoryName)).toBe(expected);
  });
});

describe('contentHash', () => {
  const record = { Last_Name: 'Bansky', First_Name: 'Pavel', Email: 'pavelb@fabrikam.com', Fax: null, Owner: { id: '1', name: 'x' } };

  test('is a hex SHA-256', () => {
    expect(contentHash(record)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('does not depend on key order, at any depth', () => {
    const reordered = { Owner: { name: 'x', id: '1' }, Fax: null, Email: 'pavelb@fabrikam.com', First_Name: 'Pavel', Last_Name: 'Bansky' };
    expect(contentHash(reordered)).toBe(contentHash(record));
  });

  test('is stable across runs (pinned value)', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: null, c: 'x' }] })).toBe('{"a":[2,{"c":"x","d":null}],"b":1}');
    // sha256 of '{"a":"x","b":1}': stored hashes must stay valid across releases.
    expect(contentHash({ b: 1, a: 'x' })).toBe('cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246');
  });

  test.each<[string, Record<string, unknown>]>([
    ['a changed value', { ...record, First_Name: 'Paul' }],
    ['null instead of absent', { ...record, Mobile: null }],
    ['a cleared value', { ...record, Email: null }],
    ['a nested change', { ...record, Owner: { id: '2', name: 'x' } }],
    ['a type change', { ...record, Fax: 'null' }],
  ])('changes with %s', (_name, other) => {
    expect(contentHash(other)).not.toBe(contentHash(record));
  });

  test('undefined properties are the same as absent ones', () => {
    expect(contentHash({ ...record, Mobile: undefined })).toBe(contentHash(record));
  });

  test('array order matters', () => {
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
  });
});
