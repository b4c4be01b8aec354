import { eventSchema } from '../../lib/graph/resources/event';
import {
  attendeeLookupEmails,
  earliestCreated,
  resolveParticipants,
  ZOHO_MAX_PARTICIPANTS,
  type AttendeeLookups,
  type AttendeeSource,
  type ZohoRecordRef,
} from '../../lib/mapping/attendees';
import attendeesJson from '../fixtures/graph/event.attendees.json';

const meeting = eventSchema.parse(attendeesJson);

const ID = {
  organizerUser: '4876876000000333000',
  irvinUser: '4876876000000333001',
  adeleContact: '4876876000000111001',
  bothContact: '4876876000000111002',
  bothLead: '4876876000000222002',
  leadPerson: '4876876000000222001',
  twinOlder: '4876876000000111009',
  twinNewer: '4876876000000111010',
};

/** Keyed by lower-cased address, as the engine builds them from Zoho's answers. */
const lookups: AttendeeLookups = {
  contactsByEmail: new Map<string, ZohoRecordRef[]>([
    ['adelev@contoso.com', [{ id: ID.adeleContact, createdTime: '2024-05-01T10:00:00+09:00' }]],
    ['both@northwind.com', [{ id: ID.bothContact, createdTime: '2025-06-01T10:00:00+00:00' }]],
    [
      'twins@tailspin.com',
      [
        // The newer one sorts first as text; as instants 08:00+09:00 is 23:00Z the day before.
        { id: ID.twinNewer, createdTime: '2024-12-31T23:30:00+00:00' },
        { id: ID.twinOlder, createdTime: '2025-01-01T08:00:00+09:00' },
      ],
    ],
  ]),
  leadsByEmail: new Map<string, ZohoRecordRef[]>([
    ['lead.person@fabrikam.com', [{ id: ID.leadPerson, createdTime: '2025-01-01T00:00:00+00:00' }]],
    ['both@northwind.com', [{ id: ID.bothLead, createdTime: '2023-01-01T00:00:00+00:00' }]],
  ]),
  usersByEmail: new Map([
    ['meganb@m365x214355.onmicrosoft.com', { id: ID.organizerUser }],
    ['irvins@m365x214355.onmicrosoft.com', { id: ID.irvinUser }],
  ]),
};

const noLookups: AttendeeLookups = { contactsByEmail: new Map(), leadsByEmail: new Map(), usersByEmail: new Map() };

describe('attendeeLookupEmails', () => {
  test('organizer first, lower-cased, unique, without rooms and non-addresses', () => {
    expect(attendeeLookupEmails(meeting)).toEqual([
      'meganb@m365x214355.onmicrosoft.com',
      'adelev@contoso.com',
      'lead.person@fabrikam.com',
      'irvins@m365x214355.onmicrosoft.com',
      'both@northwind.com',
      'twins@tailspin.com',
      'stranger@example.org',
    ]);
  });

  test('an event without attendees or organizer asks for nothing', () => {
    expect(attendeeLookupEmails({})).toEqual([]);
    expect(attendeeLookupEmails({ attendees: null, organizer: null })).toEqual([]);
  });
});

describe('resolveParticipants: Contact > Lead > User > e-mail (SPEC §2.4)', () => {
  const result = resolveParticipants(meeting, lookups);
  const byAddress = new Map(result.resolved.map((r) => [r.address, r.participant]));

  test.each([
    ['organizer, a Zoho user', 'meganb@m365x214355.onmicrosoft.com', { type: 'user', participant: ID.organizerUser }],
    ['a contact (mixed-case address)', 'adelev@contoso.com', { type: 'contact', participant: ID.adeleContact }],
    ['a lead', 'lead.person@fabrikam.com', { type: 'lead', participant: ID.leadPerson }],
    ['a user (mixed-case address)', 'irvins@m365x214355.onmicrosoft.com', { type: 'user', participant: ID.irvinUser }],
    ['both contact and lead → the contact', 'both@northwind.com', { type: 'contact', participant: ID.bothContact }],
    ['two contacts → the one created first', 'twins@tailspin.com', { type: 'contact', participant: ID.twinOlder }],
    ['a stranger → plain e-mail, lower-cased', 'stranger@example.org', { type: 'email', participant: 'stranger@example.org' }],
  ])('%s', (_label, address, participant) => {
    expect(byAddress.get(address)).toEqual(participant);
  });

  test('Zoho v8 Participants: organizer first, duplicates removed, rooms left out', () => {
    expect(result.participants).toEqual([
      { type: 'user', participant: ID.organizerUser },
      { type: 'contact', participant: ID.adeleContact },
      { type: 'lead', participant: ID.leadPerson },
      { type: 'user', participant: ID.irvinUser },
      { type: 'contact', participant: ID.bothContact },
      { type: 'contact', participant: ID.twinOlder },
      { type: 'email', participant: 'stranger@example.org' },
    ]);
    expect(result.resolved[0]).toMatchObject({ isOrganizer: true, name: 'Megan Bowen' });
  });

  test('an attendee without a usable address is reported, not sent', () => {
    expect(result.dropped).toEqual([
      {
        address: '/o=exchangelabs/ou=exchange administrative group (fydibohf23spdlt)/cn=recipients/cn=abc123-legacy',
        name: 'Legacy DN',
        isOrganizer: false,
        reason: 'invalid-address',
      },
    ]);
  });

  test('two addresses of one Zoho record make one participant', () => {
    const twoAddresses: AttendeeLookups = {
      ...noLookups,
      contactsByEmail: new Map([
        ['adele@contoso.com', [{ id: ID.adeleContact, createdTime: '2024-01-01T00:00:00Z' }]],
        ['adele.vance@contoso.com', [{ id: ID.adeleContact, createdTime: '2024-01-01T00:00:00Z' }]],
      ]),
    };
    const source: AttendeeSource = {
      attendees: [
        { type: 'required', emailAddress: { address: 'adele@contoso.com' } },
        { type: 'required', emailAddress: { address: 'Adele.Vance@contoso.com' } },
      ],
    };
    expect(resolveParticipants(source, twoAddresses).participants).toEqual([{ type: 'contact', participant: ID.adeleContact }]);
  });

  test('addresses follow the rule e-mail filing uses (lib/mapping/address.ts): brackets and case ignored, a name is not an address', () => {
    const source: AttendeeSource = {
      attendees: [
        { emailAddress: { address: ' <Pat@Fabrikam.com> ' } },
        { emailAddress: { address: 'pat@fabrikam.com' } },
        { emailAddress: { address: 'Pat Jones', name: 'Pat Jones' } },
      ],
    };
    expect(attendeeLookupEmails(source)).toEqual(['pat@fabrikam.com']);
    const r = resolveParticipants(source, noLookups);
    expect(r.participants).toEqual([{ type: 'email', participant: 'pat@fabrikam.com' }]);
    expect(r.dropped).toEqual([{ address: 'pat jones', name: 'Pat Jones', isOrganizer: false, reason: 'invalid-address' }]);
  });

  test('no organizer: attendees in their order', () => {
    const source: AttendeeSource = { attendees: [{ emailAddress: { address: 'b@x.com' } }, { emailAddress: { address: 'a@x.com' } }] };
    expect(resolveParticipants(source, noLookups).participants.map((p) => p.participant)).toEqual(['b@x.com', 'a@x.com']);
  });
});

describe('resolveParticipants: at most 50 (Zoho LIMIT_EXCEEDED)', () => {
  const organizer = { emailAddress: { name: 'Megan Bowen', address: 'MeganB@M365x214355.onmicrosoft.com' } };
  const sixty = Array.from({ length: 60 }, (_, i) => ({
    type: 'required',
    emailAddress: { name: `Guest ${i + 1}`, address: `Guest${String(i + 1).padStart(2, '0')}@Example.com` },
  }));

  test.each([
    ['organizer + 60 attendees', { organizer, attendees: sixty }, 50, 11, 'guest50@example.com'],
    ['the organizer also listed among the 60', { organizer, attendees: [sixty[0]!, { type: 'required', emailAddress: organizer.emailAddress }, ...sixty.slice(1)] }, 50, 11, 'guest50@example.com'],
    ['60 attendees, no organizer', { attendees: sixty }, 50, 10, 'guest51@example.com'],
    ['exactly 49 attendees + organizer', { organizer, attendees: sixty.slice(0, 49) }, 50, 0, undefined],
  ])('%s → %s kept, %s reported', (_label, source, kept, dropped, firstDropped) => {
    const result = resolveParticipants(source as AttendeeSource, lookups);
    expect(result.participants).toHaveLength(kept);
    expect(result.dropped).toHaveLength(dropped);
    expect(result.dropped.every((d) => d.reason === 'limit')).toBe(true);
    expect(result.dropped[0]?.address).toBe(firstDropped);
    if ((source as AttendeeSource).organizer) {
      expect(result.participants[0]).toEqual({ type: 'user', participant: ID.organizerUser });
      expect(result.dropped.some((d) => d.isOrganizer)).toBe(false);
    }
  });

  test('organizer + the first 49, the other 11 reported in order', () => {
    const result = resolveParticipants({ organizer, attendees: sixty }, lookups);
    expect(ZOHO_MAX_PARTICIPANTS).toBe(50);
    expect(result.participants.slice(1).map((p) => p.participant)).toEqual(
      sixty.slice(0, 49).map((a) => a.emailAddress.address.toLowerCase()),
    );
    expect(result.dropped.map((d) => d.name)).toEqual(sixty.slice(49).map((a) => a.emailAddress.name));
  });

  test('a smaller limit can be passed', () => {
    const result = resolveParticipants({ organizer, attendees: sixty }, lookups, 3);
    expect(result.participants).toHaveLength(3);
    expect(result.dropped).toHaveLength(58);
  });
});

describe('earliestCreated', () => {
  test.each([
    ['compares instants, not text', [{ id: '2', createdTime: '2024-12-31T23:30:00+00:00' }, { id: '1', createdTime: '2025-01-01T08:00:00+09:00' }], '1'],
    ['Date values', [{ id: '2', createdTime: new Date('2025-01-02T00:00:00Z') }, { id: '1', createdTime: new Date('2025-01-01T00:00:00Z') }], '1'],
    ['same time → smaller id (as a number, not text)', [{ id: '4876876000000111010', createdTime: '2025-01-01T00:00:00Z' }, { id: '999', createdTime: '2025-01-01T00:00:00Z' }], '999'],
    ['unreadable time goes last', [{ id: '1', createdTime: 'n/a' }, { id: '2', createdTime: '2025-01-01T00:00:00Z' }], '2'],
  ])('%s', (_label, refs, id) => {
    expect(earliestCreated(refs as ZohoRecordRef[])?.id).toBe(id);
  });

  test('none', () => {
    expect(earliestCreated(undefined)).toBeUndefined();
    expect(earliestCreated([])).toBeUndefined();
  });
});
