import fc from 'fast-check';
import { searchCriterion, searchValue } from '../../lib/zoho/search';
import { parseCriteria } from '../doubles/zoho/search';

/**
 * Issue 15: what mail/search sends must be a criterion Zoho accepts and that means the literal
 * value typed. The double's parser follows Zoho's documented rules (zoho.md §3); these tests pin
 * the parser to Zoho's own examples first, then check the escaping against it.
 */
describe('the Zoho double parses criteria by the documented rules', () => {
  it.each([
    ['(Account_Name:equals:Zylker \\(UK\\)\\, Ltd)', { kind: 'crit', field: 'Account_Name', op: 'equals', values: ['Zylker (UK), Ltd'] }],
    ['((Last_Name:equals:Burns\\,B)and(First_Name:starts_with:M))', { kind: 'and', parts: [{ kind: 'crit', field: 'Last_Name', op: 'equals', values: ['Burns,B'] }, { kind: 'crit', field: 'First_Name', op: 'starts_with', values: ['M'] }] }],
    ['(First_Name:equals:Patricia\\(Boyle\\))', { kind: 'crit', field: 'First_Name', op: 'equals', values: ['Patricia(Boyle)'] }],
    ['(Email:in:a@x.io,b\\,c@x.io)', { kind: 'crit', field: 'Email', op: 'in', values: ['a@x.io', 'b,c@x.io'] }],
    ['(Last_Name:equals:ends with\\\\)', { kind: 'crit', field: 'Last_Name', op: 'equals', values: ['ends with\\'] }],
    ['(Last_Name:equals:a\\b)', { kind: 'crit', field: 'Last_Name', op: 'equals', values: ['a\\b'] }],
    ['(Modified_Time:equals:2023-04-19T05:58:06+05:30)', { kind: 'crit', field: 'Modified_Time', op: 'equals', values: ['2023-04-19T05:58:06+05:30'] }],
  ])('accepts %s', (text, tree) => {
    expect(parseCriteria(text)).toEqual(tree);
  });

  it.each([
    ['an unescaped ( in a value', '(Email:equals:a(b)'],
    ['an unescaped , outside a list', '(Last_Name:equals:Burns,B)'],
    ['a single trailing backslash', '(Last_Name:equals:x\\)'],
    ['a value closed early', '(Email:starts_with:x\\\\)or\\(Email:y)'],
    ['no operator', '(Email)'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseCriteria(text)).toThrow();
  });
});

describe('searchValue', () => {
  it('escapes so that Zoho reads back exactly the typed value, whatever it contains', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\\', '(', ')', ',', "'", ':', 'a', ' ', '@', 'o', 'r') }), fc.constantFrom('equals', 'starts_with' as const), (value, op) => {
        expect(parseCriteria(searchCriterion('Deal_Name', op, value))).toEqual({ kind: 'crit', field: 'Deal_Name', op, values: [value] });
      }),
      { seed: 15, numRuns: 300 },
    );
  });

  it('keeps the issue\'s examples inside one criterion', () => {
    expect(searchValue('x\\)or(Email:y')).toBe('x\\\\\\)or\\(Email:y');
    expect(parseCriteria(searchCriterion('Email', 'starts_with', 'x\\,y'))).toMatchObject({ values: ['x\\,y'] });
  });
});
