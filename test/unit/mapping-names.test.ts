import { nameCandidates, nameCondition, nameIdentity, nameMatches, type NamePair } from '../../lib/mapping/names';

/** Zoho rows as a Western org ("First Last") or a Japanese org ("Last First") would show them. */
const row = (First_Name: string | null, Last_Name: string) => ({ First_Name, Last_Name });

describe('nameCandidates', () => {
  test.each<[string, string | null, string | null, NamePair[]]>([
    ['Western, both parts', 'Pavel', 'Bansky', [
      { first: 'Pavel', last: 'Bansky' }, { first: 'Bansky', last: 'Pavel' }, { first: null, last: 'Pavel Bansky' }, { first: null, last: 'Bansky Pavel' },
    ]],
    ['Japanese, both parts', '太郎', '山田', [
      { first: '太郎', last: '山田' }, { first: '山田', last: '太郎' }, { first: null, last: '太郎 山田' }, { first: null, last: '山田 太郎' },
    ]],
    ['Japanese in one field (ideographic space), both orders', null, '山田\u3000太郎', [
      { first: null, last: '山田 太郎' }, { first: '山田', last: '太郎' }, { first: '太郎', last: '山田' },
    ]],
    ['Western in one field', null, 'Megan Bowen', [
      { first: null, last: 'Megan Bowen' }, { first: 'Megan', last: 'Bowen' }, { first: 'Bowen', last: 'Megan' },
    ]],
    ['one word, no first name', null, 'Contoso', [{ first: null, last: 'Contoso' }]],
    ['first name only is read as the last name', 'Taro', null, [{ first: null, last: 'Taro' }]],
    ['three words split at each space', null, 'Mary Ann Smith', [
      { first: null, last: 'Mary Ann Smith' }, { first: 'Mary', last: 'Ann Smith' }, { first: 'Ann Smith', last: 'Mary' }, { first: 'Mary Ann', last: 'Smith' }, { first: 'Smith', last: 'Mary Ann' },
    ]],
    ['nothing', null, '  ', []],
  ])('%s', (_name, first, last, expected) => {
    expect(nameCandidates(first, last)).toEqual(expected);
  });

  test('never more than nine readings, however many words', () => {
    expect(nameCandidates(null, 'a b c d e f g h i j k').length).toBe(9);
  });
});

describe('nameMatches: the same person in either org name format', () => {
  test.each<[string, [string | null, string], { First_Name: string | null; Last_Name: string }, boolean]>([
    ['Japanese parts as Zoho holds them', ['太郎', '山田'], row('太郎', '山田'), true],
    ['Outlook swapped the Japanese parts', ['山田', '太郎'], row('太郎', '山田'), true],
    ['Outlook has the name in one field, Japanese order', [null, '山田 太郎'], row('太郎', '山田'), true],
    ['Outlook has the name in one field, Western order', [null, '太郎 山田'], row('太郎', '山田'), true],
    ['Zoho has the name in one field', ['太郎', '山田'], row(null, '山田 太郎'), true],
    ['Western, case and spaces differ', ['pavel', ' Bansky '], row('Pavel', 'Bansky'), true],
    ['Western without first name', [null, 'Gu'], row(null, 'Gu'), true],
    ['without first name does not match a record that has one', [null, 'Gu'], row('Lee', 'Gu'), false],
    ['a different first name', ['Jiro', 'Yamada'], row('Taro', 'Yamada'), false],
    ['a different family name', ['太郎', '山田'], row('太郎', '山本'), false],
  ])('%s', (_name, [first, last], zoho, expected) => {
    expect(nameMatches(zoho, nameCandidates(first, last))).toBe(expected);
  });
});

describe('nameIdentity', () => {
  test('every reading of one name has one identity', () => {
    expect(nameIdentity('太郎', '山田')).toBe(nameIdentity(null, '山田 太郎'));
    expect(nameIdentity('Pavel', 'Bansky')).toBe(nameIdentity(null, 'bansky  pavel'));
    expect(nameIdentity('Pavel', 'Bansky')).not.toBe(nameIdentity('Pavel', 'Banks'));
  });
});

describe('nameCondition', () => {
  test('matches on the two fields, never Full_Name, nested pairwise as COQL requires', () => {
    const sql = nameCondition(nameCandidates(null, "O'Neil Ann")).sql;
    expect(sql).not.toMatch(/Full_Name/);
    expect(sql).toBe(
      "(((First_Name is null and Last_Name = 'O\\'Neil Ann') or (First_Name = 'O\\'Neil' and Last_Name = 'Ann')) or (First_Name = 'Ann' and Last_Name = 'O\\'Neil'))",
    );
  });
});
