/**
 * Attendee look-ups for one event (SPEC §2.4), batched: one COQL query for Contacts with every
 * address in an `in (…)` list, one for Leads with only the addresses no contact has, and the Zoho
 * users from the Directory's cache. An event with 10 attendees therefore costs at most two Zoho
 * calls, not 10–30 (bench/events.ts measures both ways). Zoho's `in` takes 100 values, so only an
 * event with more than 100 distinct addresses needs a second query per module.
 */
import { attendeeLookupEmails, resolveParticipants, ZOHO_MAX_PARTICIPANTS, type AttendeeLookups, type AttendeeSource, type ParticipantResolution, type ZohoRecordRef } from '../mapping/attendees';
import type { ZohoRecord } from '../zoho/types';
import type { ZohoPort } from './ports';

/** Where the look-up results come from; the bench swaps in a one-query-per-attendee variant. */
export interface AttendeeDirectory {
  lookups(addresses: readonly string[]): Promise<AttendeeLookups>;
}

export interface ZohoUserSource {
  /** lower-cased e-mail → active Zoho user (cached by the Directory) */
  zohoUserByEmail(): Promise<Map<string, { id: string }>>;
}

const EMPTY: AttendeeLookups = { contactsByEmail: new Map(), leadsByEmail: new Map(), usersByEmail: new Map() };

function refsByEmail(rows: ReadonlyMap<string, ZohoRecord>): Map<string, ZohoRecordRef[]> {
  const out = new Map<string, ZohoRecordRef[]>();
  for (const [email, row] of rows) out.set(email, [{ id: String(row.id), createdTime: String(row.Created_Time ?? '') }]);
  return out;
}

export class BatchedAttendeeDirectory implements AttendeeDirectory {
  constructor(private readonly zoho: Pick<ZohoPort, 'earliestByField'>, private readonly users: ZohoUserSource) {}

  async lookups(addresses: readonly string[]): Promise<AttendeeLookups> {
    if (addresses.length === 0) return EMPTY;
    // earliestByField already keeps the record created first per address (SPEC §2.4, two contacts).
    const contacts = await this.zoho.earliestByField('Contacts', 'Email', addresses, ['Email']);
    // A lead only counts where no contact has the address, so those are the only ones to ask about.
    const rest = addresses.filter((a) => !contacts.has(a));
    const leads = rest.length > 0 ? await this.zoho.earliestByField('Leads', 'Email', rest, ['Email']) : new Map<string, ZohoRecord>();
    return { contactsByEmail: refsByEmail(contacts), leadsByEmail: refsByEmail(leads), usersByEmail: await this.users.zohoUserByEmail() };
  }
}

/** One entry of `Participants` as written to Zoho. */
export type ZohoParticipantWrite =
  | { type: 'contact' | 'lead' | 'user'; participant: string }
  | { type: 'email'; participant: string; Email: string };

export interface EventParticipants {
  participants: ZohoParticipantWrite[];
  /** for the sync report */
  notes: string[];
  resolution: ParticipantResolution;
}

/**
 * The v8 request examples carry the address in `participant` for e-mail participants, while
 * Kaizen #8 and the older docs use `Email`; both keys are sent so either reading finds it
 * (zoho.md §4 leaves this to a sandbox check, like the invitation flag).
 */
export function toZohoParticipants(resolution: ParticipantResolution): ZohoParticipantWrite[] {
  return resolution.participants.map((p) => (p.type === 'email' ? { type: 'email', participant: p.participant, Email: p.participant } : { type: p.type, participant: p.participant }));
}

/** What the report says about attendees that are not in `Participants`. */
export function participantNotes(resolution: ParticipantResolution): string[] {
  const notes: string[] = [];
  const over = resolution.dropped.filter((d) => d.reason === 'limit');
  if (over.length > 0) {
    notes.push(`Participants: Zoho allows ${ZOHO_MAX_PARTICIPANTS}; ${over.length} attendee(s) left out: ${over.map((d) => d.address).join(', ')}`);
  }
  const invalid = resolution.dropped.filter((d) => d.reason === 'invalid-address').length;
  if (invalid > 0) notes.push(`Participants: ${invalid} attendee(s) without a usable e-mail address left out`);
  return notes;
}

export async function eventParticipants(source: AttendeeSource, directory: AttendeeDirectory): Promise<EventParticipants> {
  const lookups = await directory.lookups(attendeeLookupEmails(source));
  const resolution = resolveParticipants(source, lookups);
  return { participants: toZohoParticipants(resolution), notes: participantNotes(resolution), resolution };
}
