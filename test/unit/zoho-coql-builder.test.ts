/** Safe COQL building, LIMIT splitting, and search-criteria escaping. */
import { buildCoql, COQL_MAX_IN_VALUES, coqlField, coqlString, splitLimit, where } from '../../lib/zoho/coql';
import { searchCriterion, searchValue } from '../../lib/zoho/search';
import { tokenize } from '../doubles/zoho/coql';

describe('coqlString', () => {
  test.each([
    ['plain@example.com', "'plain@example.com'"],
    ["o'brien@example.com", "'o\\'brien@example.com'"],
    ['back\\slash', "'back\\\\slash'"],
    ["trailing\\", "'trailing\\\\'"],
    ["it's a 'quote' \\'", "'it\\'s a \\'quote\\' \\\\\\''"],
    ['日本語', "'日本語'"],
  ])('%s → %s', (input, expected) => {
    expect(coqlString(input)).toBe(expected);
  });

  test.each(["a'b", "x' or '1'='1", "\\'; select", "'", '\\', "%_'"])('round-trips through a COQL tokenizer: %s', (value) => {
    const toks = tokenize(`Email = ${coqlString(value)}`);
    expect(toks.map((t) => t.kind)).toEqual(['ident', 'punct', 'string', 'eof']);
    expect(toks[2].value).toBe(value);
  });

  test('control characters are refused', () => {
    expect(() => coqlString('a\u0000b')).toThrow(TypeError);
  });
});

describe('coqlField', () => {
  test.each(['Email', 'Account_Name.Account_Name', 'Owner.email'])('accepts %s', (f) => expect(coqlField(f)).toBe(f));
  test.each(["Email'", 'Email = 1', '1Email', 'a.b.c.d', '', 'Email--'])('refuses %s', (f) => expect(() => coqlField(f)).toThrow(TypeError));
});

describe('where', () => {
  test('more than two conditions are nested pairwise', () => {
    expect(where.and(where.eq('A', 'a'), where.eq('B', 'b'), where.isNotNull('C')).sql).toBe("((A = 'a' and B = 'b') and C is not null)");
    expect(where.or(where.eq('A', 1)).sql).toBe('A = 1');
  });

  test('in lists are escaped and capped', () => {
    expect(where.in('Email', ["a'@x.io", 'b@x.io']).sql).toBe("Email in ('a\\'@x.io', 'b@x.io')");
    expect(() => where.in('Email', Array.from({ length: COQL_MAX_IN_VALUES + 1 }, (_, i) => `${i}`))).toThrow(RangeError);
    expect(() => where.in('Email', [])).toThrow(TypeError);
  });

  test('booleans and numbers', () => {
    expect(where.eq('Email_Opt_Out', true).sql).toBe("Email_Opt_Out = 'true'");
    expect(() => where.eq('N', Number.NaN)).toThrow(TypeError);
  });
});

test('buildCoql', () => {
  expect(
    buildCoql({
      select: ['id', 'Email', 'Created_Time'],
      from: 'Contacts',
      where: where.eq('Email', 'x@y.io'),
      orderBy: [{ field: 'Created_Time' }, { field: 'id', direction: 'desc' }],
      limit: 1,
    }),
  ).toBe("select id, Email, Created_Time from Contacts where Email = 'x@y.io' order by Created_Time asc, id desc limit 1");
  expect(() => buildCoql({ select: ['id'], from: 'Contacts where 1', where: where.isNotNull('id') })).toThrow(TypeError);
});

describe('splitLimit', () => {
  test.each([
    ["select id from Contacts where Email = 'limit 5'", { base: "select id from Contacts where Email = 'limit 5'", offset: 0 }],
    ['select id from Contacts where id is not null limit 10', { base: 'select id from Contacts where id is not null', limit: 10, offset: 0 }],
    ['select id from Contacts where id is not null LIMIT 10 OFFSET 30', { base: 'select id from Contacts where id is not null', limit: 10, offset: 30 }],
    ['select id from Contacts where id is not null limit 30, 10', { base: 'select id from Contacts where id is not null', limit: 10, offset: 30 }],
  ])('%s', (query, expected) => {
    expect(splitLimit(query)).toEqual(expected);
  });
});

describe('search criteria', () => {
  test('(, ) and , are escaped; a trailing backslash is doubled', () => {
    expect(searchValue('Zylker (UK), Ltd')).toBe('Zylker \\(UK\\)\\, Ltd');
    expect(searchValue('ends with\\')).toBe('ends with\\\\');
    expect(searchValue('x\\)or(Email:y')).toBe('x\\\\\\)or\\(Email:y');
    expect(searchCriterion('Account_Name', 'equals', 'Zylker (UK), Ltd')).toBe('(Account_Name:equals:Zylker \\(UK\\)\\, Ltd)');
    expect(searchCriterion('Email', 'in', ['a@x.io', 'b,c@x.io'])).toBe('(Email:in:a@x.io,b\\,c@x.io)');
    expect(() => searchCriterion('Email)', 'equals', 'x')).toThrow(TypeError);
  });
});
