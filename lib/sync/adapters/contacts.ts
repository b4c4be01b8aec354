import type { Config } from '../../config';
import type { GraphApi } from '../../graph/client';
import { GraphNotFoundError } from '../../graph/errors';
import { graphPath, IMMUTABLE_ID_PREFER } from '../../graph/path';
import { CONTACT_EXPAND, CONTACT_SELECT, contactSchema, type GraphContact } from '../../graph/resources/contact';
import { contactContentHash, contactDedupKey, CONTACTS_MODULE, mapContact } from '../../mapping/contact';
import { inScope } from '../../mapping/scope';
import { nameCandidates, nameCondition, nameMatches } from '../../mapping/names';
import { buildCoql, createdBefore, where } from '../../zoho/coql';
import type { FolderScopes } from '../../graph/folders';
import type { AccountResolver } from '../accounts';
import { ownerNotes, type Directory } from '../directory';
import { fieldsOf, LOOKUP_EXTRA_FIELDS, type DedupAnswer, type Decision, type Mapped, type Match, type ModuleAdapter, type Resolved, type ScopePage } from '../engine';
import type { SyncItemMessage } from '../messages';
import type { ZohoPort } from '../ports';
import type { ZohoRecord, ZohoRecordFailure } from '../../zoho/types';

export interface ContactsAdapterDeps {
  graph: GraphApi;
  zoho: ZohoPort;
  directory: Directory;
  accounts: AccountResolver;
  config: Pick<Config, 'SYNC_CONTACTS' | 'SYNC_CATEGORY'>;
  /** SYNC_CONTACT_FOLDERS: whether a contact's folder is chosen */
  folders?: Pick<FolderScopes, 'contactFolder'>;
}

const SCOPE_PAGE = 100;
const EARLIEST_FIRST = [{ field: 'Created_Time', direction: 'asc' }, { field: 'id', direction: 'asc' }] as const;

interface ContactItem {
  userId: string;
  contact: GraphContact;
  mapped?: ReturnType<typeof mapContact>;
  /** in a contact folder SYNC_CONTACT_FOLDERS does not choose: out of scope like an untagged contact */
  outsideFolders?: boolean;
}

/** Outlook contacts → Zoho Contacts (SPEC §2.1). */
/** The report note of a contact whose company got a new Account (a preview says it would). */
export const ACCOUNT_CREATED = 'Account_Name: a new Account was created for the company';

export class ContactsAdapter implements ModuleAdapter<ContactItem> {
  readonly module = 'contacts' as const;
  readonly zohoModule = CONTACTS_MODULE;

  constructor(private readonly deps: ContactsAdapterDeps) {}

  async read(msg: SyncItemMessage): Promise<ContactItem | null> {
    try {
      // Mapped fields, scope and change key, and the three MAPI extended properties, in one call.
      const contact = await this.deps.graph.get(graphPath`/users/${msg.userId}/contacts/${msg.itemId}`, contactSchema, {
        query: { $select: CONTACT_SELECT, $expand: CONTACT_EXPAND },
      });
      const outsideFolders = this.deps.folders ? !(await this.deps.folders.contactFolder(msg.userId, contact.parentFolderId)) : false;
      return { userId: msg.userId, contact, outsideFolders };
    } catch (err) {
      if (err instanceof GraphNotFoundError) return null;
      throw err;
    }
  }

  /** One page of a contact folder listed with read's $select/$expand; `default` is the default Contacts folder. */
  async readScope(userId: string, scope: string, link?: string): Promise<ScopePage<ContactItem>> {
    const path = scope === 'default' ? graphPath`/users/${userId}/contacts` : graphPath`/users/${userId}/contactFolders/${scope}/contacts`;
    // Notes may be 32,000 characters each: pages stay well under Graph's 1,000-item ceiling.
    const query = { $select: CONTACT_SELECT, $expand: CONTACT_EXPAND, $top: String(SCOPE_PAGE) };
    const page = await this.deps.graph.page(link ?? path, contactSchema, { query: link ? undefined : query, headers: { Prefer: IMMUTABLE_ID_PREFER } });
    return { items: page.items.map((contact) => ({ id: contact.id, item: { userId, contact }, categories: contact.categories })), nextLink: page.nextLink };
  }

  decide(item: ContactItem): Decision {
    if (item.outsideFolders) return { action: 'out-of-scope' };
    return inScope(item.contact.categories, this.deps.config.SYNC_CONTACTS, this.deps.config.SYNC_CATEGORY) ? { action: 'sync' } : { action: 'out-of-scope' };
  }

  async map(item: ContactItem): Promise<Mapped> {
    const rules = await this.deps.directory.fieldRules(CONTACTS_MODULE);
    const mapped = mapContact(item.contact, { rules });
    item.mapped = mapped;
    const label = [item.contact.givenName, item.contact.surname].filter(Boolean).join(' ') || item.contact.displayName || '(no name)';
    // Look-ups compare by the name they resolve from (the id is Zoho's business).
    const { Account_Name: _account, Reporting_To: _manager, ...plain } = mapped.record;
    const fields = { ...plain, Account_Name: mapped.accountName ?? null, Reporting_To: mapped.managerName ?? null };
    return { record: mapped.record, fields, hash: contactContentHash(mapped), label, cutFields: mapped.cutFields, notes: mapped.warnings, skipReason: mapped.skipReason };
  }

  async resolve(item: ContactItem, mapped: Mapped, only?: ReadonlySet<string>): Promise<Resolved> {
    const m = item.mapped!;
    const wanted = (field: string) => !only || only.has(field);
    const record = { ...mapped.record };
    const ownerId = await this.deps.directory.ownerFor(item.userId);
    const notes = ownerNotes(ownerId);
    if (ownerId) record.Owner = { id: ownerId };
    if (m.accountName && wanted('Account_Name')) {
      const account = await this.deps.accounts.resolve(m.accountName, ownerId);
      record.Account_Name = { id: account.id };
      if (account.created) notes.push(ACCOUNT_CREATED);
    }
    if (m.managerName && wanted('Reporting_To')) {
      // Outlook holds the manager as one string: every reading of it, never Zoho's composed Full_Name.
      const managers = await this.deps.zoho.coql(buildCoql({ select: ['Last_Name'], from: CONTACTS_MODULE, where: nameCondition(nameCandidates(null, m.managerName)), limit: 2 }));
      if (managers.length === 1) record.Reporting_To = { id: String(managers[0].id) };
      else notes.push(managers.length === 0 ? 'Reporting_To: no Zoho contact has the manager\'s name; left unset' : 'Reporting_To: several Zoho contacts have the manager\'s name; left unset');
    }
    return { record, notes };
  }

  async findExisting(_item: ContactItem | null, mapped: Mapped): Promise<Match | undefined> {
    const key = contactDedupKey(mapped);
    if (!key) return undefined;
    // Exact, case-insensitive COQL match (not the contains-like search); earliest created wins. The
    // mapped fields are read too: linking fills only the ones empty in Zoho.
    const rows = await this.deps.zoho.coql(
      buildCoql({
        select: selectOf(mapped, key.by === 'email' ? 'Email' : 'Last_Name'),
        from: CONTACTS_MODULE,
        where: key.by === 'email' ? where.eq('Email', key.email) : nameCondition(key.candidates),
        orderBy: EARLIEST_FIRST,
        limit: 1,
      }),
    );
    return rows[0] ? { id: String(rows[0].id), how: key.by === 'email' ? 'same e-mail address' : 'same name', record: rows[0] } : undefined;
  }

  /**
   * The same rule as findExisting for a whole resync batch: one `Email in (…)` look-up per 100
   * addresses and one `Last_Name in (…)` per 100 readings of the names (matched on both name
   * fields here), earliest created record per item.
   */
  async findExistingMany(entries: readonly { item: ContactItem; mapped: Mapped }[]): Promise<DedupAnswer[]> {
    const keys = entries.map((e) => contactDedupKey(e.mapped));
    const emails = keys.flatMap((k) => (k?.by === 'email' ? [k.email] : []));
    const lastNames = keys.flatMap((k) => (k?.by === 'name' ? k.candidates.map((c) => c.last) : []));
    const fields = [...new Set([...LOOKUP_EXTRA_FIELDS, ...entries.flatMap((e) => Object.keys(fieldsOf(e.mapped)))])];
    const byEmail = emails.length ? await this.deps.zoho.earliestByField(CONTACTS_MODULE, 'Email', emails, fields) : new Map<string, ZohoRecord>();
    const named = lastNames.length ? await this.deps.zoho.findByField(CONTACTS_MODULE, 'Last_Name', lastNames, [...new Set(['First_Name', 'Last_Name', ...fields])]) : [];
    return keys.map((k): DedupAnswer => {
      if (!k) return {};
      if (k.by === 'email') {
        const row = byEmail.get(k.email);
        return { key: `email:${k.email}`, match: row ? { id: String(row.id), how: 'same e-mail address', record: row } : undefined };
      }
      const row = named.filter((r) => nameMatches(r, k.candidates)).reduce<ZohoRecord | undefined>((best, r) => (!best || createdBefore(r, best) ? r : best), undefined);
      return { key: `name:${k.identity}`, match: row ? { id: String(row.id), how: 'same name', record: row } : undefined };
    });
  }

  /** Account_Name comes from the resolver's cache; Zoho refusing it means the Account is gone. */
  async forgetLookup(item: ContactItem, failure: ZohoRecordFailure): Promise<boolean> {
    const company = item.mapped?.accountName;
    if (failure.code !== 'INVALID_DATA' || failure.field !== 'Account_Name' || !company) return false;
    await this.deps.accounts.forget(company);
    return true;
  }

  changeKey(item: ContactItem): string | undefined {
    return item.contact.changeKey ?? undefined;
  }
}

/** The duplicate look-up's columns: the key, Created_Time, and every mapped field (linking reads what Zoho has). */
function selectOf(mapped: Mapped, keyField: string): string[] {
  return [...new Set([keyField, ...LOOKUP_EXTRA_FIELDS, ...Object.keys(fieldsOf(mapped))])];
}
