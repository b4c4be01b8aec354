/**
 * Outlook attendees → Zoho `Participants` (SPEC §2.4), decided from look-up results the engine
 * has already fetched. Pure: the engine asks Zoho about attendeeLookupEmails(event), builds the
 * maps, and calls resolveParticipants.
 *
 * Shape (CRM v8, record.json `Participants`: type, participant, Email, name, invited, status):
 * a request entry is `{ type, participant }`, where `participant` is the record id for
 * `contact` / `lead` / `user` and the address itself for `email`. The other keys are read-only
 * echoes in responses. (Kaizen #8 and zoho.md show `{"type":"email","Email":...}` from older
 * versions; v8 request examples use `participant` for every type.)
 *
 * Rooms and equipment (`type: 'resource'`) are left out on purpose: they are mailboxes, not people.
 * As e-mail participants Zoho would list them beside the customer and could mail them, and the
 * place is already in Venue.
 */
import { normalizeAddress } from './address';

/** Zoho refuses more with LIMIT_EXCEEDED: "Only 50 participants can be added to an event". */
export const ZOHO_MAX_PARTICIPANTS = 50;

export type ParticipantType = 'contact' | 'lead' | 'user' | 'email';

/** One entry of the Zoho v8 `Participants` array, as sent. */
export interface ZohoParticipant {
  type: ParticipantType;
  /** record id (contact, lead, user) or e-mail address (email) */
  participant: string;
}

export interface ZohoRecordRef {
  id: string;
  /** Zoho `Created_Time` (ISO with offset) or a Date */
  createdTime: string | Date;
}

export interface AttendeeLookups {
  /** lower-cased address → every Contact with that address */
  contactsByEmail: ReadonlyMap<string, readonly ZohoRecordRef[]>;
  /** lower-cased address → every Lead with that address */
  leadsByEmail: ReadonlyMap<string, readonly ZohoRecordRef[]>;
  /** lower-cased address → the active Zoho user */
  usersByEmail: ReadonlyMap<string, { id: string }>;
}

interface EmailAddressLike {
  name?: string | null;
  address?: string | null;
}

/** Structural subset of a Graph event, so callers need not hold a parsed GraphEvent. */
export interface AttendeeSource {
  attendees?: ReadonlyArray<{ type?: string | null; emailAddress?: EmailAddressLike | null }> | null;
  organizer?: { emailAddress?: EmailAddressLike | null } | null;
}

export interface ResolvedAttendee {
  /** lower-cased */
  address: string;
  name: string | null;
  isOrganizer: boolean;
  participant: ZohoParticipant;
}

export interface DroppedAttendee {
  address: string | null;
  name: string | null;
  isOrganizer: boolean;
  /** `limit`: beyond Zoho's 50; `invalid-address`: no usable address to link or invite */
  reason: 'limit' | 'invalid-address';
}

export interface ParticipantResolution {
  /** Zoho `Participants`, organizer first, at most ZOHO_MAX_PARTICIPANTS */
  participants: ZohoParticipant[];
  /** the same entries with the attendee they came from, for reports and logs */
  resolved: ResolvedAttendee[];
  /** attendees not in `participants`, for the sync report */
  dropped: DroppedAttendee[];
}

function isResource(attendee: { type?: string | null }): boolean {
  return attendee.type?.toLowerCase() === 'resource';
}

/**
 * The addresses the engine must look up in Zoho (Contacts, Leads, Users) before resolving:
 * the organizer first, then the attendees in order; lower-cased, unique, rooms/equipment and
 * non-addresses excluded.
 */
export function attendeeLookupEmails(source: AttendeeSource): string[] {
  const seen = new Set<string>();
  const people = [source.organizer, ...(source.attendees ?? []).filter((a) => !isResource(a))];
  for (const person of people) {
    const address = normalizeAddress(person?.emailAddress?.address);
    if (address) seen.add(address);
  }
  return [...seen];
}

/** Zoho ids are decimal strings longer than 2^53: compare by length, then digits. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function createdMs(ref: ZohoRecordRef): number {
  if (ref.createdTime instanceof Date) return ref.createdTime.getTime();
  const ms = Date.parse(ref.createdTime);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** SPEC §2.4: of several records with one address, the one created first; unknown dates last. */
export function earliestCreated(refs: readonly ZohoRecordRef[] | undefined): ZohoRecordRef | undefined {
  if (!refs || refs.length === 0) return undefined;
  return [...refs].sort((a, b) => createdMs(a) - createdMs(b) || compareIds(a.id, b.id))[0];
}

function resolveOne(address: string, lookups: AttendeeLookups): ZohoParticipant {
  const contact = earliestCreated(lookups.contactsByEmail.get(address));
  if (contact) return { type: 'contact', participant: contact.id };
  const lead = earliestCreated(lookups.leadsByEmail.get(address));
  if (lead) return { type: 'lead', participant: lead.id };
  const user = lookups.usersByEmail.get(address);
  if (user) return { type: 'user', participant: user.id };
  // Lower-cased so the mapped record (and its hash) does not change when Outlook's casing does.
  return { type: 'email', participant: address };
}

/**
 * Contact > Lead > User > plain e-mail, matched case-insensitively; one entry per address and per
 * Zoho record; the organizer first; at most `limit` entries, the rest returned as dropped.
 */
export function resolveParticipants(
  source: AttendeeSource,
  lookups: AttendeeLookups,
  limit: number = ZOHO_MAX_PARTICIPANTS,
): ParticipantResolution {
  const people: Array<{ emailAddress?: EmailAddressLike | null; isOrganizer: boolean }> = [];
  if (source.organizer) people.push({ emailAddress: source.organizer.emailAddress, isOrganizer: true });
  for (const attendee of source.attendees ?? []) {
    if (!isResource(attendee)) people.push({ emailAddress: attendee.emailAddress, isOrganizer: false });
  }

  const resolved: ResolvedAttendee[] = [];
  const dropped: DroppedAttendee[] = [];
  const seenAddresses = new Set<string>();
  const seenRecords = new Set<string>();
  for (const person of people) {
    const raw = (person.emailAddress?.address ?? '').trim().toLowerCase();
    const address = normalizeAddress(raw);
    const name = person.emailAddress?.name?.trim() || null;
    const key = address ?? raw;
    if (key && seenAddresses.has(key)) continue;
    if (key) seenAddresses.add(key);
    if (!address) {
      // Exchange legacy DNs (`/O=EXCHANGELABS/...`), display names, blanks: nothing to link or invite.
      dropped.push({ address: raw || null, name, isOrganizer: person.isOrganizer, reason: 'invalid-address' });
      continue;
    }
    const participant = resolveOne(address, lookups);
    // Two addresses of one person (e.g. Email and Secondary_Email of a contact) are one participant.
    const recordKey = `${participant.type}:${participant.participant}`;
    if (seenRecords.has(recordKey)) continue;
    seenRecords.add(recordKey);
    resolved.push({ address, name, isOrganizer: person.isOrganizer, participant });
  }

  const kept = resolved.slice(0, Math.max(0, limit));
  for (const over of resolved.slice(kept.length)) {
    dropped.push({ address: over.address, name: over.name, isOrganizer: over.isOrganizer, reason: 'limit' });
  }
  return { participants: kept.map((r) => r.participant), resolved: kept, dropped };
}
