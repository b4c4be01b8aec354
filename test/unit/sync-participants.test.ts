import type { AttendeeLookups, ParticipantResolution } from '../../lib/mapping/attendees';
import { BatchedAttendeeDirectory, eventParticipants, participantNotes, toZohoParticipants, type AttendeeDirectory } from '../../lib/sync/participants';
import type { ZohoRecord } from '../../lib/zoho/types';

const resolution = (over: Partial<ParticipantResolution>): ParticipantResolution => ({ participants: [], resolved: [], dropped: [], ...over });

describe('toZohoParticipants', () => {
  it.each([
    [{ type: 'contact', participant: '111' }, { type: 'contact', participant: '111' }],
    [{ type: 'lead', participant: '222' }, { type: 'lead', participant: '222' }],
    [{ type: 'user', participant: '333' }, { type: 'user', participant: '333' }],
    // Both spellings Zoho's documents use for an e-mail participant.
    [{ type: 'email', participant: 'guest@example.org' }, { type: 'email', participant: 'guest@example.org', Email: 'guest@example.org' }],
  ] as const)('%j → %j', (input, expected) => {
    expect(toZohoParticipants(resolution({ participants: [input] }))).toEqual([expected]);
  });
});

describe('participantNotes', () => {
  it.each([
    ['nothing dropped', [], []],
    [
      'over the limit',
      [
        { address: 'a@x.org', name: null, isOrganizer: false, reason: 'limit' },
        { address: 'b@x.org', name: null, isOrganizer: false, reason: 'limit' },
      ],
      ['Participants: Zoho allows 50; 2 attendee(s) left out: a@x.org, b@x.org'],
    ],
    ['no usable address', [{ address: null, name: 'Room', isOrganizer: false, reason: 'invalid-address' }], ['Participants: 1 attendee(s) without a usable e-mail address left out']],
  ] as const)('%s', (_name, dropped, expected) => {
    expect(participantNotes(resolution({ dropped: [...dropped] }))).toEqual(expected);
  });
});

describe('BatchedAttendeeDirectory', () => {
  function fakeZoho(data: Record<string, Record<string, ZohoRecord>>) {
    const calls: { module: string; values: readonly string[] }[] = [];
    return {
      calls,
      earliestByField: async (module: string, _field: string, values: readonly string[]) => {
        calls.push({ module, values });
        const out = new Map<string, ZohoRecord>();
        for (const v of values) if (data[module]?.[v]) out.set(v, data[module][v]);
        return out;
      },
    };
  }
  const users = { zohoUserByEmail: async () => new Map([['u@contoso.com', { id: '900' }]]) };

  it.each([
    ['no addresses: no query at all', [], {}, []],
    ['every address a contact: Leads are not asked', ['c@x.org'], { Contacts: { 'c@x.org': { id: '1', Created_Time: '2020-01-01T00:00:00+00:00' } } }, [['Contacts', ['c@x.org']]]],
    [
      'Leads are asked only about addresses no contact has',
      ['c@x.org', 'l@x.org', 'u@contoso.com'],
      { Contacts: { 'c@x.org': { id: '1', Created_Time: '2020-01-01T00:00:00+00:00' } }, Leads: { 'l@x.org': { id: '2', Created_Time: '2021-01-01T00:00:00+00:00' } } },
      [['Contacts', ['c@x.org', 'l@x.org', 'u@contoso.com']], ['Leads', ['l@x.org', 'u@contoso.com']]],
    ],
  ] as const)('%s', async (_name, addresses, data, expectedCalls) => {
    const zoho = fakeZoho(data as Record<string, Record<string, ZohoRecord>>);
    const lookups = await new BatchedAttendeeDirectory(zoho, users).lookups([...addresses]);
    expect(zoho.calls.map((c) => [c.module, [...c.values]])).toEqual(expectedCalls.map(([m, v]) => [m, [...v]]));
    for (const [email, row] of Object.entries((data as Record<string, Record<string, ZohoRecord>>).Contacts ?? {})) {
      expect(lookups.contactsByEmail.get(email)).toEqual([{ id: row.id, createdTime: row.Created_Time }]);
    }
  });
});

describe('eventParticipants', () => {
  it('looks up the organizer and attendees once, resolves in SPEC order, and reports what is left out', async () => {
    const asked: string[][] = [];
    const lookups: AttendeeLookups = {
      contactsByEmail: new Map([['c@x.org', [{ id: '1', createdTime: '2020-01-01T00:00:00Z' }]]]),
      leadsByEmail: new Map([['c@x.org', [{ id: '7', createdTime: '2010-01-01T00:00:00Z' }]], ['l@x.org', [{ id: '2', createdTime: '2020-01-01T00:00:00Z' }]]]),
      usersByEmail: new Map([['org@contoso.com', { id: '9' }]]),
    };
    const directory: AttendeeDirectory = { lookups: async (a) => (asked.push([...a]), lookups) };
    const event = {
      organizer: { emailAddress: { address: 'Org@Contoso.com' } },
      attendees: [
        { type: 'required', emailAddress: { address: 'C@x.org' } },
        { type: 'optional', emailAddress: { address: 'l@x.org' } },
        { type: 'resource', emailAddress: { address: 'room@contoso.com' } },
        { type: 'required', emailAddress: { address: 'guest@y.org' } },
        { type: 'required', emailAddress: { address: '/O=EXCHANGELABS/OU=X' } },
      ],
    };
    const out = await eventParticipants(event, directory);
    expect(asked).toEqual([['org@contoso.com', 'c@x.org', 'l@x.org', 'guest@y.org']]);
    expect(out.participants).toEqual([
      { type: 'user', participant: '9' },
      { type: 'contact', participant: '1' },
      { type: 'lead', participant: '2' },
      { type: 'email', participant: 'guest@y.org', Email: 'guest@y.org' },
    ]);
    expect(out.notes).toEqual(['Participants: 1 attendee(s) without a usable e-mail address left out']);
  });
});
