import { normalizeAddress } from '../../lib/mapping/address';
import { DEFAULT_FIELD_RULES, type FieldRules } from '../../lib/mapping/fields';
import {
  classifyAddress, counterparts, decideRecipients, directionOf, inDomain, lookupAddresses, newPersonRecord,
  personName, type ExclusionRules,
} from '../../lib/mail/recipients';
import message from '../fixtures/graph/message.json';

const rcpt = (address: string | null, name?: string | null) => ({ emailAddress: { address, name } });

describe('normalizeAddress', () => {
  it.each([
    ['AlexW@Contoso.OnMicrosoft.com', 'alexw@contoso.onmicrosoft.com'],
    ['  <pavel@fabrikam.com> ', 'pavel@fabrikam.com'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=abc', null],
    ['no-at-sign', null],
    ['a@b', null],
    ['two@at@signs.com', null],
    ['', null],
    [null, null],
  ])('%p → %p', (raw, expected) => {
    expect(normalizeAddress(raw)).toBe(expected);
  });
});

describe('classifyAddress', () => {
  const rules: ExclusionRules = { internalDomains: ['contoso.com', 'contoso.onmicrosoft.com'], exclude: ['noreply@fabrikam.com', '@spam.example', 'lists.example.org'], self: ['adele@contoso.com'] };
  it.each([
    ['adele@contoso.com', 'self'],
    ['alex@contoso.com', 'internal'],
    ['alex@eu.contoso.com', 'internal'],
    ['alex@notcontoso.com', 'external'],
    ['noreply@fabrikam.com', 'excluded'],
    ['sales@fabrikam.com', 'external'],
    ['x@spam.example', 'excluded'],
    ['x@mail.spam.example', 'excluded'],
    ['y@lists.example.org', 'excluded'],
    ['pavel@fabrikam.onmicrosoft.com', 'external'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address, rules)).toBe(expected);
  });

  it('an excluded internal address is reported as excluded', () => {
    expect(classifyAddress('hr@contoso.com', { ...rules, exclude: ['hr@contoso.com'] })).toBe('excluded');
  });

  it('inDomain does not match a mere suffix of the domain name', () => {
    expect(inDomain('a@evilcontoso.com', ['contoso.com'])).toBe(false);
  });
});

describe('counterparts and direction', () => {
  it('a sent message: to, cc and bcc, each address once, non-SMTP entries dropped', () => {
    const people = counterparts(
      {
        from: rcpt('me@contoso.com'),
        toRecipients: [rcpt('A@fabrikam.com', 'Alex'), rcpt('/o=ExchangeLabs/cn=x'), rcpt('b@fabrikam.com')],
        ccRecipients: [rcpt('a@fabrikam.com', 'Alex again'), rcpt('c@fabrikam.com')],
        bccRecipients: [rcpt('d@fabrikam.com')],
      },
      'sent',
    );
    expect(people).toEqual([
      { address: 'a@fabrikam.com', name: 'Alex', role: 'to' },
      { address: 'b@fabrikam.com', name: '', role: 'to' },
      { address: 'c@fabrikam.com', name: '', role: 'cc' },
      { address: 'd@fabrikam.com', name: '', role: 'bcc' },
    ]);
  });

  it('a received message: only the sender', () => {
    expect(counterparts({ from: rcpt('Pavel@Fabrikam.com', 'Pavel'), toRecipients: [rcpt('me@contoso.com')] }, 'received')).toEqual([{ address: 'pavel@fabrikam.com', name: 'Pavel', role: 'from' }]);
  });

  it('the documented Graph message payload', () => {
    expect(counterparts(message, 'sent').map((p) => p.address)).toEqual(['alexw@contoso.onmicrosoft.com', 'pavelb@fabrikam.onmicrosoft.com']);
    expect(directionOf(message, ['adelev@contoso.onmicrosoft.com'])).toBe('sent');
    expect(directionOf(message, ['alexw@contoso.onmicrosoft.com'])).toBe('received');
  });
});

describe('decideRecipients', () => {
  const rules: ExclusionRules = { internalDomains: ['contoso.com'], exclude: ['@blocked.example'], self: ['me@contoso.com'] };
  const people = ['contact@x.com', 'lead@x.com', 'both@x.com', 'colleague@contoso.com', 'me@contoso.com', 'stranger@x.com', 'no@blocked.example'].map((address) => ({ address, name: '', role: 'to' as const }));
  const matches = {
    Contacts: new Map([
      ['contact@x.com', { id: 'c1', Full_Name: 'Con Tact' }],
      ['both@x.com', { id: 'c2' }],
    ]),
    Leads: new Map([
      ['lead@x.com', { id: 'l1' }],
      ['both@x.com', { id: 'l2' }],
    ]),
  };
  const kinds = (opts: Parameters<typeof decideRecipients>[3]) =>
    decideRecipients(people, rules, matches, opts).map((d) => (d.decision.kind === 'match' ? `${d.decision.module}:${d.decision.id}` : d.decision.kind === 'create' ? `create ${d.decision.module}` : d.decision.kind));

  it.each([
    [{ modules: ['contacts', 'leads'] as const, createUnknown: 'none' as const }, ['Contacts:c1', 'Leads:l1', 'Contacts:c2', 'internal', 'self', 'no-record', 'excluded']],
    [{ modules: ['leads', 'contacts'] as const, createUnknown: 'none' as const }, ['Contacts:c1', 'Leads:l1', 'Contacts:c2', 'internal', 'self', 'no-record', 'excluded']],
    [{ modules: ['contacts'] as const, createUnknown: 'none' as const }, ['Contacts:c1', 'no-record', 'Contacts:c2', 'internal', 'self', 'no-record', 'excluded']],
    [{ modules: ['contacts', 'leads'] as const, createUnknown: 'lead' as const }, ['Contacts:c1', 'Leads:l1', 'Contacts:c2', 'internal', 'self', 'create Leads', 'excluded']],
    [{ modules: ['contacts'] as const, createUnknown: 'contact' as const }, ['Contacts:c1', 'create Contacts', 'Contacts:c2', 'internal', 'self', 'create Contacts', 'excluded']],
  ])('%j', (opts, expected) => {
    expect(kinds(opts)).toEqual(expected);
  });

  it('only external addresses are looked up', () => {
    expect(lookupAddresses(people, rules)).toEqual(['contact@x.com', 'lead@x.com', 'both@x.com', 'stranger@x.com']);
  });
});

describe('personName', () => {
  it.each([
    ['Alex Wilber', 'alexw@x.com', { first: 'Alex', last: 'Wilber', source: 'displayName' }],
    ['Mary Ann van der Berg', 'm@x.com', { first: 'Mary Ann van der', last: 'Berg', source: 'displayName' }],
    ['Wilber, Alex', 'alexw@x.com', { first: 'Alex', last: 'Wilber', source: 'displayName' }],
    ['"Pavel Bansky"', 'p@x.com', { first: 'Pavel', last: 'Bansky', source: 'displayName' }],
    ['山田 太郎', 'taro@x.jp', { first: '太郎', last: '山田', source: 'displayName' }],
    ['山田太郎', 'taro@x.jp', { first: null, last: '山田太郎', source: 'displayName' }],
    ['Cher', 'cher@x.com', { first: null, last: 'Cher', source: 'displayName' }],
    ['', 'sales.team@x.com', { first: null, last: 'sales.team', source: 'address' }],
    ['sales.team@x.com', 'sales.team@x.com', { first: null, last: 'sales.team', source: 'address' }],
    [null, 'x@y.com', { first: null, last: 'x', source: 'address' }],
  ])('%p', (display, address, expected) => {
    expect(personName(display, address)).toEqual(expected);
  });
});

describe('newPersonRecord', () => {
  it('a Lead with the address as Email and the display name split', () => {
    const r = newPersonRecord('Leads', 'alex@fabrikam.com', 'Alex Wilber', DEFAULT_FIELD_RULES, 'u1');
    expect(r.record).toEqual({ First_Name: 'Alex', Last_Name: 'Wilber', Email: 'alex@fabrikam.com', Owner: { id: 'u1' } });
    expect(r.notes).toEqual([]);
  });

  it('fills a Lead Company only when the org made it mandatory, and cuts names to the field length', () => {
    const rules: FieldRules = { Leads: { ...DEFAULT_FIELD_RULES.Leads, Company: { maxLength: 100, mandatory: true }, Last_Name: { maxLength: 5, mandatory: true } } };
    const r = newPersonRecord('Leads', 'x@fabrikam.com', 'Alex Wilberforce', rules);
    expect(r.record).toMatchObject({ Last_Name: 'Wilbe', Company: 'fabrikam.com' });
    expect(r.cutFields).toEqual(['Last_Name']);
    expect(r.notes.join(' ')).toMatch(/Company/);
  });

  it('a Contact without display name uses the local part and says so', () => {
    const r = newPersonRecord('Contacts', 'info@x.com', '', undefined);
    expect(r.record).toEqual({ Last_Name: 'info', Email: 'info@x.com' });
    expect(r.notes[0]).toMatch(/Last_Name/);
  });
});
