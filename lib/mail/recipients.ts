/**
 * Who an e-mail is "with" and what each of those addresses becomes in Zoho (SPEC §3.2): pure
 * decisions, no I/O. The caller looks the external addresses up (one COQL query per module) and
 * passes the answers in.
 */
import type { GraphMessage } from '../graph/resources/message';
import type { GraphRecipient } from '../graph/resources/common';
import { normalizeAddress } from '../mapping/address';
import { RecordBuilder, type FieldRules } from '../mapping/fields';
import type { ZohoRecord } from '../zoho/types';

export type Direction = 'sent' | 'received';
export type CaptureModule = 'contacts' | 'leads';
export type CreateUnknown = 'none' | 'lead' | 'contact';

export const ZOHO_MODULE_OF: Record<CaptureModule, 'Contacts' | 'Leads'> = { contacts: 'Contacts', leads: 'Leads' };

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** `sub.contoso.com` belongs to `contoso.com`: a tenant that verified a domain owns its subdomains' mail too. */
export function inDomain(address: string, domains: readonly string[]): boolean {
  const domain = domainOf(address);
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

export interface ExclusionRules {
  /** the tenant's own domains (MAIL_INTERNAL_DOMAINS, or its verified domains) */
  internalDomains: readonly string[];
  /** MAIL_EXCLUDE as configured: addresses and `@domain`s (a bare `domain.tld` counts as a domain) */
  exclude: readonly string[];
  /** the mailbox owner's own addresses */
  self: readonly string[];
}

export type AddressClass = 'self' | 'excluded' | 'internal' | 'external';

/** Normalised domain list: `@Contoso.com` and `contoso.com` are the same entry. */
export function domainList(entries: readonly string[]): string[] {
  return [...new Set(entries.map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter((d) => d !== '' && !d.includes('@')))];
}

/**
 * The order matters for the report: an address in MAIL_EXCLUDE is reported as excluded even when
 * it is internal, and the mailbox owner is never "a colleague".
 */
export function classifyAddress(address: string, rules: ExclusionRules): AddressClass {
  if (rules.self.includes(address)) return 'self';
  const excludedAddresses = rules.exclude.filter((e) => e.includes('@') && !e.startsWith('@')).map((e) => e.trim().toLowerCase());
  if (excludedAddresses.includes(address) || inDomain(address, domainList(rules.exclude))) return 'excluded';
  if (inDomain(address, domainList(rules.internalDomains))) return 'internal';
  return 'external';
}

export interface Counterpart {
  address: string;
  /** display name as the message carries it; may be empty or the address itself */
  name: string;
  role: 'to' | 'cc' | 'bcc' | 'from';
}

function addressesOf(list: readonly GraphRecipient[] | null | undefined, role: Counterpart['role']): Counterpart[] {
  const out: Counterpart[] = [];
  for (const r of list ?? []) {
    const address = normalizeAddress(r.emailAddress?.address);
    if (address) out.push({ address, name: (r.emailAddress?.name ?? '').trim(), role });
  }
  return out;
}

/**
 * The people an e-mail is with: every recipient of a sent message (bcc included: the sender
 * chose them), the sender of a received one. One entry per address, first occurrence wins.
 */
export function counterparts(message: Pick<GraphMessage, 'from' | 'sender' | 'toRecipients' | 'ccRecipients' | 'bccRecipients'>, direction: Direction): Counterpart[] {
  const all =
    direction === 'sent'
      ? [...addressesOf(message.toRecipients, 'to'), ...addressesOf(message.ccRecipients, 'cc'), ...addressesOf(message.bccRecipients, 'bcc')]
      : addressesOf(message.from ? [message.from] : message.sender ? [message.sender] : [], 'from');
  const seen = new Set<string>();
  return all.filter((c) => (seen.has(c.address) ? false : (seen.add(c.address), true)));
}

/** Sent when the mailbox owner is the sender; anything else in the mailbox was received. */
export function directionOf(message: Pick<GraphMessage, 'from' | 'sender'>, selfAddresses: readonly string[]): Direction {
  const from = normalizeAddress(message.from?.emailAddress?.address ?? message.sender?.emailAddress?.address);
  return from !== null && selfAddresses.includes(from) ? 'sent' : 'received';
}

export type RecipientDecision =
  | { kind: 'match'; module: 'Contacts' | 'Leads'; id: string; name?: string }
  | { kind: 'create'; module: 'Contacts' | 'Leads' }
  | { kind: 'self' | 'internal' | 'excluded' }
  | { kind: 'no-record' };

export interface DecidedRecipient extends Counterpart {
  decision: RecipientDecision;
}

export interface ResolveOptions {
  /** modules whose records count, in priority order (Contacts before Leads) */
  modules: readonly CaptureModule[];
  createUnknown: CreateUnknown;
}

/** Lower-cased address → earliest-created record, per Zoho module (ZohoClient.earliestByField). */
export type Matches = Partial<Record<'Contacts' | 'Leads', ReadonlyMap<string, ZohoRecord>>>;

/** The external addresses worth a Zoho look-up. */
export function lookupAddresses(people: readonly Counterpart[], rules: ExclusionRules): string[] {
  return people.filter((p) => classifyAddress(p.address, rules) === 'external').map((p) => p.address);
}

/**
 * Contacts first, then Leads (only the modules MAIL_CAPTURE counts); the earliest-created record
 * when several share the address (the look-up already picked it). No record: create one when
 * MAIL_CREATE_UNKNOWN says so, but never for internal or excluded addresses.
 */
export function decideRecipients(people: readonly Counterpart[], rules: ExclusionRules, matches: Matches, opts: ResolveOptions): DecidedRecipient[] {
  const ordered = [...new Set(opts.modules)].sort((a, b) => (a === 'contacts' ? -1 : b === 'contacts' ? 1 : 0));
  return people.map((p) => {
    const cls = classifyAddress(p.address, rules);
    if (cls !== 'external') return { ...p, decision: { kind: cls } };
    for (const m of ordered) {
      const zohoModule = ZOHO_MODULE_OF[m];
      const hit = matches[zohoModule]?.get(p.address);
      if (hit) {
        const name = typeof hit.Full_Name === 'string' ? hit.Full_Name : undefined;
        return { ...p, decision: { kind: 'match', module: zohoModule, id: String(hit.id), ...(name ? { name } : {}) } };
      }
    }
    if (opts.createUnknown === 'lead') return { ...p, decision: { kind: 'create', module: 'Leads' } };
    if (opts.createUnknown === 'contact') return { ...p, decision: { kind: 'create', module: 'Contacts' } };
    return { ...p, decision: { kind: 'no-record' } };
  });
}

export type NameSource = 'displayName' | 'address';

export interface PersonName {
  first: string | null;
  last: string;
  source: NameSource;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * Display name → First_Name/Last_Name. "Last, First" keeps its order; CJK names put the family
 * name first ("山田 太郎"); otherwise the last word is the surname. A name that is empty or just
 * the address (Outlook shows the address when it knows no name) falls back to the part before
 * the @, as Last_Name, because Zoho requires one.
 */
export function personName(displayName: string | null | undefined, address: string): PersonName {
  const clean = (displayName ?? '')
    .replace(/^["'\s]+|["'\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean === '' || clean.includes('@')) return { first: null, last: address.slice(0, address.lastIndexOf('@')), source: 'address' };
  const comma = clean.indexOf(',');
  if (comma > 0 && comma < clean.length - 1) {
    const last = clean.slice(0, comma).trim();
    const first = clean.slice(comma + 1).trim();
    if (last && first) return { first, last, source: 'displayName' };
  }
  const words = clean.split(' ');
  if (words.length === 1) return { first: null, last: clean, source: 'displayName' };
  if (CJK.test(clean)) return { first: words.slice(1).join(' '), last: words[0], source: 'displayName' };
  return { first: words.slice(0, -1).join(' '), last: words[words.length - 1], source: 'displayName' };
}

export interface NewPerson {
  record: ZohoRecord;
  cutFields: string[];
  notes: string[];
}

/**
 * The Lead or Contact created for an unknown address (SPEC §3.2 note): the address as Email, the
 * display name as the name. A Lead's Company is filled (with the address's domain) only when the
 * org made it mandatory, so the insert is not refused for it.
 */
export function newPersonRecord(module: 'Contacts' | 'Leads', address: string, displayName: string | null | undefined, rules: FieldRules | undefined, ownerId?: string): NewPerson {
  const name = personName(displayName, address);
  const b = new RecordBuilder(module, rules);
  b.set('Last_Name', b.cut('Last_Name', name.last));
  b.set('Email', address);
  if (name.first) b.set('First_Name', b.cut('First_Name', name.first));
  if (name.source === 'address') b.warn('Last_Name: the e-mail had no display name; used the address before the @');
  if (module === 'Leads' && b.rule('Company').mandatory) {
    b.set('Company', b.cut('Company', domainOf(address)));
    b.warn('Company: mandatory in this org; used the address\'s domain');
  }
  if (ownerId) b.set('Owner', { id: ownerId });
  return { record: b.record, cutFields: b.cutFields, notes: b.warnings };
}
