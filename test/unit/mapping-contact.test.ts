import { contactSchema, type GraphContact } from '../../lib/graph/resources/contact';
import {
  birthdayToDate,
  contactContentHash,
  contactDedupKey,
  mapContact,
} from '../../lib/mapping/contact';
import { DEFAULT_FIELD_RULES, type FieldRules } from '../../lib/mapping/fields';
import contactFull from '../fixtures/graph/contact-full.json';
import contactMinimal from '../fixtures/graph/contact-minimal.json';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const full = contactSchema.parse(contactFull);
const minimal = contactSchema.parse(contactMinimal);

function contact(overrides: Partial<GraphContact> = {}): GraphContact {
  return { ...full, ...overrides };
}

describe('mapContact: every row of SPEC §2.1 (contact-full.json)', () => {
  const mapped = mapContact(full);

  test.each([
    ['First name', 'First_Name', 'Pavel'],
    ['Last name', 'Last_Name', 'Bansky'],
    ['E-mail 1', 'Email', 'pavelb@fabrikam.onmicrosoft.com'],
    ['Job title', 'Title', 'Purchasing Manager'],
    ['Department', 'Department', 'Procurement'],
    ['Business phone (first of businessPhones)', 'Phone', '+1 732 555 0102'],
    ['Home phone (first of homePhones)', 'Home_Phone', '+1 732 555 0150'],
    ['Other phone (String 0x3A1F)', 'Other_Phone', '+1 732 555 0104'],
    ['Business fax (String 0x3A24)', 'Fax', '+1 732 555 0103'],
    ['Mobile phone', 'Mobile', '+1 732 555 0177'],
    ["Assistant's name", 'Assistant', 'Isaiah Langer'],
    ["Assistant's phone (String 0x3A2E)", 'Asst_Phone', '+1 732 555 0105'],
    ['Business street', 'Mailing_Street', '123 Fabrikam Way'],
    ['Business city', 'Mailing_City', 'Redmond'],
    ['Business state', 'Mailing_State', 'WA'],
    ['Business postal code', 'Mailing_Zip', '98052'],
    ['Business country', 'Mailing_Country', 'United States'],
    ['Other street (CRLF → LF)', 'Other_Street', '1-1-2 Otemachi\nChiyoda Bldg. 5F'],
    ['Other city', 'Other_City', 'Chiyoda-ku'],
    ['Other state', 'Other_State', 'Tokyo'],
    ['Other postal code', 'Other_Zip', '100-0004'],
    ['Other country', 'Other_Country', 'Japan'],
    ['Notes (CRLF → LF)', 'Description', 'Met at Ignite 2023.\nPrefers e-mail over phone.'],
    ['Birthday', 'Date_of_Birth', '1974-07-22'],
  ])('%s → %s', (_outlook, apiName, expected) => {
    expect(mapped.record[apiName]).toBe(expected);
  });

  test('company and manager are returned as names for the engine to resolve', () => {
    expect(mapped.accountName).toBe('Fabrikam, Inc.');
    expect(mapped.managerName).toBe('Lidia Holloway');
    expect(mapped.record).not.toHaveProperty('Account_Name');
    expect(mapped.record).not.toHaveProperty('Reporting_To');
  });

  test('resolved lookup ids and the owner are written as {id}', () => {
    const withIds = mapContact(full, { accountId: '4876876000000333001', reportingToId: '4876876000000111001', ownerId: '4876876000000222001' });
    expect(withIds.record.Account_Name).toEqual({ id: '4876876000000333001' });
    expect(withIds.record.Reporting_To).toEqual({ id: '4876876000000111001' });
    expect(withIds.record.Owner).toEqual({ id: '4876876000000222001' });
  });

  test('the home address is not mapped anywhere', () => {
    const values = Object.values(mapped.record);
    expect(values).not.toContain('4567 Main St');
    expect(values).not.toContain('Buffalo');
  });

  test('nothing was cut and nothing to warn about', () => {
    expect(mapped.cutFields).toEqual([]);
    expect(mapped.warnings).toEqual([]);
    expect(mapped.lastNameSource).toBe('surname');
    expect(mapped.skipReason).toBeUndefined();
  });

  test('only Zoho v8 API names from the Contacts table are produced', () => {
    const known = new Set([...Object.keys(DEFAULT_FIELD_RULES.Contacts!), 'Owner']);
    for (const key of Object.keys(mapContact(full, { ownerId: '1', accountId: '2', reportingToId: '3' }).record)) {
      expect(known).toContain(key);
    }
  });
});

describe('mapContact: empty values clear the Zoho field (one-way sync)', () => {
  const mapped = mapContact(minimal);

  test.each([
    'Title', 'Department', 'Phone', 'Home_Phone', 'Mobile', 'Assistant',
    'Mailing_Street', 'Mailing_City', 'Mailing_State', 'Mailing_Zip', 'Mailing_Country',
    'Other_Street', 'Other_City', 'Other_State', 'Other_Zip', 'Other_Country',
    'Description', 'Date_of_Birth', 'Account_Name', 'Reporting_To',
  ])('%s is null', (apiName) => {
    expect(mapped.record).toHaveProperty(apiName, null);
  });

  test('minimal contact still has its name and e-mail', () => {
    expect(mapped.record).toMatchObject({ First_Name: 'Alex', Last_Name: 'Wilber', Email: 'Alex@FineArtSchool.net' });
    expect(mapped.accountName).toBeNull();
    expect(mapped.managerName).toBeNull();
  });

  test('without extended properties read, fax/other/assistant phone are left out, not cleared', () => {
    expect(mapped.record).not.toHaveProperty('Fax');
    expect(mapped.record).not.toHaveProperty('Other_Phone');
    expect(mapped.record).not.toHaveProperty('Asst_Phone');
    expect(mapped.warnings.join('\n')).toMatch(/extended properties were not read/);
  });

  test('with extended properties read but unset, they are cleared', () => {
    const r = mapContact(contact({ singleValueExtendedProperties: [] })).record;
    expect(r).toMatchObject({ Fax: null, Other_Phone: null, Asst_Phone: null });
  });

  test('whitespace-only values count as empty', () => {
    const r = mapContact(contact({ jobTitle: '   ', businessPhones: ['  ', '+81 3 1234 5678'] })).record;
    expect(r.Title).toBeNull();
    expect(r.Phone).toBe('+81 3 1234 5678');
  });

  test('extended property ids match case-insensitively', () => {
    const r = mapContact(contact({ singleValueExtendedProperties: [{ id: 'String 0x3a24', value: '03-1111-2222' }] })).record;
    expect(r.Fax).toBe('03-1111-2222');
  });
});

describe('mapContact: Last_Name fallbacks', () => {
  const base = contact({ surname: null, displayName: null, emailAddresses: [], companyName: null, givenName: null });

  test.each<[string, Partial<GraphContact>, string | null, string | null, string]>([
    ['surname', { surname: 'Yamada', givenName: 'Taro' }, 'Yamada', 'Taro', 'surname'],
    ['display name', { displayName: 'Yamada Taro', givenName: 'Taro' }, 'Yamada Taro', 'Taro', 'displayName'],
    ['display name equal to the first name clears First_Name', { displayName: 'Taro', givenName: 'taro' }, 'Taro', null, 'displayName'],
    ['e-mail local part', { emailAddresses: [{ name: null, address: 'sales.jp@contoso.com' }] }, 'sales.jp', null, 'email'],
    ['company', { companyName: 'Contoso KK' }, 'Contoso KK', null, 'company'],
    ['first name only', { givenName: 'Taro' }, 'Taro', null, 'givenName'],
  ])('%s', (_name, overrides, lastName, firstName, source) => {
    const mapped = mapContact({ ...base, ...overrides });
    expect(mapped.record.Last_Name).toBe(lastName);
    expect(mapped.record.First_Name).toBe(firstName);
    expect(mapped.lastNameSource).toBe(source);
    if (source === 'surname') expect(mapped.warnings).toEqual([]);
    else expect(mapped.warnings.some((w) => w.startsWith('Last_Name:'))).toBe(true);
    expect(mapped.skipReason).toBeUndefined();
  });

  test('nothing to name the contact by: skipped with a reason', () => {
    const mapped = mapContact(base);
    expect(mapped.lastNameSource).toBe('none');
    expect(mapped.record.Last_Name).toBeNull();
    expect(mapped.skipReason).toMatch(/Zoho requires a last name/);
  });

  test('warnings never carry the personal values themselves', () => {
    const mapped = mapContact({ ...base, emailAddresses: [{ name: null, address: 'secret.person@contoso.com' }] });
    expect(mapped.warnings.join(' ')).not.toMatch(/secret/);
  });
});

describe('mapContact: e-mail', () => {
  test('first usable address is E-mail 1; a non-SMTP entry is skipped with a warning', () => {
    const mapped = mapContact(contact({
      emailAddresses: [
        { name: 'Pavel', address: '/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=pavel' },
        { name: 'Pavel', address: ' pavel@contoso.com ' },
      ],
    }));
    expect(mapped.record.Email).toBe('pavel@contoso.com');
    expect(mapped.warnings.join('\n')).toMatch(/not an SMTP address/);
  });

  test('an e-mail longer than the org limit is never cut, only warned about', () => {
    const long = `${'a'.repeat(95)}@contoso.com`;
    const rules: FieldRules = { Contacts: { Email: { maxLength: 100 } } };
    const mapped = mapContact(contact({ emailAddresses: [{ name: null, address: long }] }), { rules });
    expect(mapped.record.Email).toBe(long);
    expect(mapped.cutFields).not.toContain('Email');
    expect(mapped.warnings.join('\n')).toMatch(/Email: longer than Zoho's 100/);
  });
});

describe('mapContact: truncation to Zoho lengths', () => {
  test.each<[string, Partial<GraphContact>, string, number]>([
    ['First_Name', { givenName: 'x'.repeat(41) }, 'First_Name', 40],
    ['Last_Name', { surname: 'x'.repeat(81) }, 'Last_Name', 80],
    ['Title', { jobTitle: 'x'.repeat(101) }, 'Title', 100],
    ['Department', { department: 'x'.repeat(51) }, 'Department', 50],
    ['Phone', { businessPhones: ['1'.repeat(51)] }, 'Phone', 50],
    ['Home_Phone', { homePhones: ['1'.repeat(31)] }, 'Home_Phone', 30],
    ['Mobile', { mobilePhone: '1'.repeat(31) }, 'Mobile', 30],
    ['Assistant', { assistantName: 'x'.repeat(51) }, 'Assistant', 50],
    ['Fax', { singleValueExtendedProperties: [{ id: 'String 0x3A24', value: '1'.repeat(31) }] }, 'Fax', 30],
    ['Mailing_Street', { businessAddress: { street: 'x'.repeat(251) } }, 'Mailing_Street', 250],
    ['Other_City', { otherAddress: { city: 'x'.repeat(31) } }, 'Other_City', 30],
    ['Description', { personalNotes: 'x'.repeat(32001) }, 'Description', 32000],
  ])('%s is cut to the seed default', (_name, overrides, apiName, max) => {
    const mapped = mapContact(contact(overrides));
    expect(Array.from(mapped.record[apiName] as string)).toHaveLength(max);
    expect(mapped.cutFields).toEqual([apiName]);
    expect(mapped.warnings).toEqual([`${apiName}: shortened to ${max} characters`]);
  });

  test('company and manager names are cut too and reported under their Zoho fields', () => {
    const mapped = mapContact(contact({ companyName: 'c'.repeat(201), manager: 'm'.repeat(51) }));
    expect(mapped.accountName).toHaveLength(200);
    expect(mapped.managerName).toHaveLength(50);
    expect(mapped.cutFields).toEqual(['Account_Name', 'Reporting_To']);
  });

  test('org metadata lengths win over the seed defaults', () => {
    const rules: FieldRules = { Contacts: { Phone: { maxLength: 30 } } };
    const mapped = mapContact(contact({ businessPhones: ['1'.repeat(40)] }), { rules });
    expect(mapped.record.Phone).toBe('1'.repeat(30));
  });

  test('a surrogate pair at the cut is never split', () => {
    // 39 letters then an emoji (2 UTF-16 units) then more: the emoji is the 40th character.
    const given = `${'a'.repeat(39)}😀bc`;
    const mapped = mapContact(contact({ givenName: given }));
    expect(mapped.record.First_Name).toBe(`${'a'.repeat(39)}😀`);
    const cutBefore = mapContact(contact({ givenName: `${'a'.repeat(40)}😀` }));
    expect(cutBefore.record.First_Name).toBe('a'.repeat(40));
    for (const r of [mapped, cutBefore]) expect(r.record.First_Name).not.toMatch(LONE_SURROGATE);
    expect(cutBefore.cutFields).toEqual(['First_Name']);
  });

  test('Japanese text is counted in characters, not bytes', () => {
    const mapped = mapContact(contact({ surname: '山田'.repeat(40) }));
    expect(mapped.record.Last_Name).toBe('山田'.repeat(40));
    expect(mapped.cutFields).toEqual([]);
  });
});

describe('birthdayToDate', () => {
  test.each<[string | null, string | null]>([
    ['1974-07-22T00:00:00Z', '1974-07-22'],
    ['1974-07-22T00:00:00.0000000Z', '1974-07-22'],
    ['1974-07-22T00:00:00', '1974-07-22'],
    ['1974-07-22', '1974-07-22'],
    // Local midnight of UTC+9 stored as UTC: still the 22nd, not the 21st.
    ['1974-07-21T15:00:00Z', '1974-07-22'],
    // Local midnight of UTC-5 stored as UTC.
    ['1974-07-22T05:00:00Z', '1974-07-22'],
    // Noon-style storage keeps the day.
    ['1974-07-22T11:59:00Z', '1974-07-22'],
    ['1974-07-22T12:00:00Z', '1974-07-22'],
    ['1974-07-22T00:00:00+09:00', '1974-07-22'],
    ['2000-02-29T00:00:00Z', '2000-02-29'],
    ['1974-12-31T23:00:00Z', '1975-01-01'],
    [null, null],
    ['', null],
    ['4501-01-01T00:00:00Z', null],
  ])('%s → %s', (input, expected) => {
    expect(birthdayToDate(input)).toEqual({ date: expected, invalid: false });
  });

  test.each(['not a date', '1974-02-30T00:00:00Z', '1974-13-01'])('%s is invalid', (input) => {
    expect(birthdayToDate(input)).toEqual({ date: null, invalid: true });
  });

  test('an invalid birthday is cleared with a warning', () => {
    const mapped = mapContact(contact({ birthday: 'garbage' }));
    expect(mapped.record.Date_of_Birth).toBeNull();
    expect(mapped.warnings.join('\n')).toMatch(/Date_of_Birth/);
  });
});

describe('contactDedupKey', () => {
  test.each<[string, Record<string, unknown>, ReturnType<typeof contactDedupKey>]>([
    ['e-mail, lowercased', { Email: 'Pavel.Bansky@Fabrikam.com', First_Name: 'Pavel', Last_Name: 'Bansky' }, { by: 'email', email: 'pavel.bansky@fabrikam.com' }],
    [
      'name without e-mail: every reading, on the two name fields',
      { Email: null, First_Name: 'Pavel', Last_Name: 'Bansky' },
      {
        by: 'name',
        identity: 'bansky pavel',
        candidates: [
          { first: 'Pavel', last: 'Bansky' },
          { first: 'Bansky', last: 'Pavel' },
          { first: null, last: 'Pavel Bansky' },
          { first: null, last: 'Bansky Pavel' },
        ],
      },
    ],
    [
      'last name only, split both ways',
      { Email: null, First_Name: null, Last_Name: 'Contoso KK' },
      { by: 'name', identity: 'contoso kk', candidates: [{ first: null, last: 'Contoso KK' }, { first: 'Contoso', last: 'KK' }, { first: 'KK', last: 'Contoso' }] },
    ],
    ['nothing', { Email: null, First_Name: null, Last_Name: null }, null],
  ])('%s', (_name, record, expected) => {
    expect(contactDedupKey({ record })).toEqual(expected);
  });

  test('works on a mapping result', () => {
    expect(contactDedupKey(mapContact(full))).toEqual({ by: 'email', email: 'pavelb@fabrikam.onmicrosoft.com' });
  });
});

describe('contactContentHash', () => {
  test('changes when the company changes, although Account_Name is not in the record', () => {
    const a = contactContentHash(mapContact(full));
    const b = contactContentHash(mapContact(contact({ companyName: 'Contoso' })));
    expect(a).not.toBe(b);
  });

  test('does not change when the engine adds the resolved lookup ids', () => {
    const a = contactContentHash(mapContact(full));
    const b = contactContentHash(mapContact(full, { accountId: '1', reportingToId: '2' }));
    expect(a).toBe(b);
  });

  test('same contact, same hash', () => {
    expect(contactContentHash(mapContact(full))).toBe(contactContentHash(mapContact(contactSchema.parse(contactFull))));
  });
});
