/** The double's COQL parser and evaluator, called directly (no HTTP). */
import { CoqlError, evaluate, parseCoql } from '../doubles/zoho/coql';
import { DoubleState } from '../doubles/zoho/state';

function stateWith(): { state: DoubleState; ids: Record<string, string> } {
  const state = new DoubleState('http://127.0.0.1:1');
  const put = (module: string, rec: Record<string, unknown>) => {
    const id = state.nextId();
    state.store(module).set(id, { id, ...rec });
    return id;
  };
  const zylker = put('Accounts', { Account_Name: 'Zylker' });
  const ids = {
    zylker,
    patricia: put('Contacts', { Last_Name: 'Boyle', First_Name: 'Patricia', Email: 'Patricia@Example.com', Account_Name: { id: zylker, name: 'Zylker' }, Created_Time: '2024-05-28T04:25:36-07:00', Owner: state.userRef(state.currentUserId) }),
    steve: put('Contacts', { Last_Name: 'Boyle', First_Name: 'Steve', Email: 'steve@example.com', Created_Time: '2023-01-01T00:00:00+00:00' }),
    nobody: put('Contacts', { Last_Name: 'Kitzman', Created_Time: '2025-01-01T00:00:00+09:00' }),
  };
  return { state, ids };
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CoqlError) return err.code;
    throw err;
  }
  return undefined;
};

describe('parser', () => {
  test('the documented sample parses', () => {
    const q = parseCoql("select Last_Name, First_Name, Full_Name from Contacts where Last_Name = 'Boyle' and First_Name is not null limit 2");
    expect(q).toMatchObject({ module: 'Contacts', limit: 2, columns: [{ field: 'Last_Name' }, { field: 'First_Name' }, { field: 'Full_Name' }] });
    expect(q.where.kind).toBe('and');
  });

  test.each([
    "select id from Contacts where a = 'x' and b = 'y' and c = 'z'",
    "select id from Contacts where a = 'x' and b = 'y' or c = 'z'",
    'select id from Contacts',
    'select id Contacts where id is not null',
    'update Contacts set Last_Name = 1 where id = 1',
    "select id from Contacts where Email = 'unterminated",
    'select id from Contacts where (id is not null',
    'select id from Contacts where id is not null limit -1',
  ])('SYNTAX_ERROR: %s', (q) => {
    expect(codeOf(() => parseCoql(q))).toBe('SYNTAX_ERROR');
  });

  test('pairwise grouping is accepted in every documented form', () => {
    for (const w of ["((a = '1' and b = '2') and c = '3')", "(a = '1' and (b = '2' and c = '3'))", "a = '1' and (b = '2' and c = '3')", "(a = '1' and b = '2') and c = '3'"]) {
      expect(() => parseCoql(`select id from Contacts where ${w}`)).not.toThrow();
    }
  });

  test('limit forms', () => {
    expect(parseCoql('select id from Contacts where id is not null limit 5 offset 10')).toMatchObject({ limit: 5, offset: 10 });
    expect(parseCoql('select id from Contacts where id is not null limit 10, 5')).toMatchObject({ limit: 5, offset: 10 });
  });
});

describe('evaluation', () => {
  const run = (q: string) => {
    const { state, ids } = stateWith();
    return { ...evaluate(state, q), ids };
  };

  test('= on e-mail ignores case; id is always returned', () => {
    const { rows, ids } = run("select Email from Contacts where Email = 'patricia@example.COM'");
    expect(rows).toEqual([{ Email: 'Patricia@Example.com', id: ids.patricia }]);
  });

  test('in, like, is null, between, !=', () => {
    expect(run("select id from Contacts where Email in ('STEVE@example.com', 'x@y.io')").rows).toHaveLength(1);
    expect(run("select id from Contacts where Last_Name like 'boy%'").rows).toHaveLength(2);
    expect(run("select id from Contacts where Last_Name like '%itz%'").rows).toHaveLength(1);
    expect(run('select id from Contacts where Email is null').rows).toHaveLength(1);
    expect(run("select id from Contacts where Created_Time between '2024-01-01T00:00:00+00:00' and '2024-12-31T00:00:00+00:00'").rows).toHaveLength(1);
    expect(run("select id from Contacts where Last_Name != 'Boyle'").rows).toHaveLength(1);
    expect(run("select id from Contacts where Email not in ('steve@example.com')").rows).toHaveLength(1);
  });

  test('order by Created_Time compares instants across offsets', () => {
    const { rows, ids } = run("select Created_Time from Contacts where Last_Name is not null order by Created_Time asc");
    expect(rows.map((r) => r.id)).toEqual([ids.steve, ids.patricia, ids.nobody]);
    const desc = run('select Created_Time from Contacts where Last_Name is not null order by Created_Time desc limit 1');
    expect(desc.rows.map((r) => r.id)).toEqual([desc.ids.nobody]);
    expect(desc.more).toBe(true);
  });

  test('lookup join and display name', () => {
    const { rows, ids } = run("select Account_Name, Account_Name.Account_Name, Owner from Contacts where Account_Name.Account_Name = 'ZYLKER'");
    expect(rows).toEqual([
      { Account_Name: { name: 'Zylker', id: ids.zylker }, 'Account_Name.Account_Name': 'Zylker', Owner: { name: 'Sync Admin', id: expect.any(String) }, id: ids.patricia },
    ]);
    expect(run("select id from Contacts where Owner.email = 'SYNC.ADMIN@example.com'").rows).toHaveLength(1);
  });

  test('offset and more_records', () => {
    const page = run('select id from Contacts where id is not null order by id asc limit 2 offset 1');
    expect(page.rows).toHaveLength(2);
    expect(page.more).toBe(false);
  });

  test.each([
    ['INVALID_QUERY', 'select Testing from Contacts where id is not null'],
    ['INVALID_QUERY', 'select id from Nowhere where id is not null'],
    ['INVALID_QUERY', "select id from Contacts where Last_Name >= 'a'"],
    ['INVALID_QUERY', "select id from Contacts where Created_Time = 'yesterday'"],
    ['LIMIT_EXCEEDED', 'select id from Contacts where id is not null limit 2001'],
    ['LIMIT_EXCEEDED', 'select id from Contacts where id is not null limit 2000 offset 98001'],
    ['LIMIT_EXCEEDED', 'select Account_Name.Parent_Account.Parent_Account.Account_Name from Contacts where id is not null'],
    ['DUPLICATE_DATA', 'select Email, email from Contacts where id is not null'],
    ['DUPLICATE_DATA', 'select Email from Contacts where id is not null order by Email, Email'],
  ])('%s: %s', (code, q) => {
    const { state } = stateWith();
    expect(codeOf(() => evaluate(state, q))).toBe(code);
  });

  test('in with more than 100 values is LIMIT_EXCEEDED', () => {
    const { state } = stateWith();
    const values = Array.from({ length: 101 }, (_, i) => `'v${i}'`).join(',');
    expect(codeOf(() => evaluate(state, `select id from Contacts where Email in (${values})`))).toBe('LIMIT_EXCEEDED');
  });

  test('escaped quotes inside literals', () => {
    const { state } = stateWith();
    const id = state.nextId();
    state.store('Contacts').set(id, { id, Last_Name: "O'Brien" });
    expect(evaluate(state, "select id from Contacts where Last_Name = 'o\\'brien'").rows).toEqual([{ id }]);
  });
});
