import { buildCoql, where } from '../zoho/coql';
import type { LookupClaimRepository } from '../state/lookup-claims';
import { createOnce } from './create-once';
import { ZohoRecordRefused } from './outcome';
import type { ZohoPort } from './ports';

const MODULE = 'Accounts';

/**
 * Company name → Zoho Account id (Contacts.Account_Name is a lookup). Exact name match, the
 * earliest-created Account when several share it, created when missing; the creation is claimed
 * in Table Storage so two workers never create the same Account, and ids are cached per process.
 */
export class AccountResolver {
  private readonly cache = new Map<string, string>();

  constructor(private readonly zoho: ZohoPort, private readonly claims: LookupClaimRepository, private readonly trigger: readonly string[], private readonly now: () => Date = () => new Date()) {}

  /** look-ups in flight in this process: many contacts of one company arrive together in a resync */
  private readonly inFlight = new Map<string, Promise<{ id: string; created: boolean }>>();

  async resolve(name: string, ownerId?: string): Promise<{ id: string; created: boolean }> {
    const key = name.trim().toLowerCase();
    const cached = this.cache.get(key);
    if (cached) return { id: cached, created: false };
    const pending = this.inFlight.get(key);
    if (pending) return { id: (await pending).id, created: false };
    const lookup = this.lookUp(key, name, ownerId).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async lookUp(key: string, name: string, ownerId?: string): Promise<{ id: string; created: boolean }> {
    const known = await this.claims.get(MODULE, key);
    if (known?.state === 'done') return this.remember(key, known.zohoId, false);
    // Most companies exist: found without a claim; only a creation is claimed.
    const found = await this.find(name);
    if (found) {
      await this.claims.done(MODULE, key, found);
      return this.remember(key, found, false);
    }
    const made = await createOnce(this.claims, MODULE, key, this.now(), {
      known: { row: known },
      find: async () => {
        const id = await this.find(name);
        return id ? { id } : undefined;
      },
      create: async () => ({ id: await this.create(name, ownerId) }),
    });
    return this.remember(key, made.id, made.created);
  }

  /**
   * Drops the id remembered for a company (here and in Table Storage) after Zoho refused it, e.g.
   * because the Account was deleted in Zoho; the next `resolve` looks it up or creates it again.
   */
  async forget(name: string): Promise<void> {
    const key = name.trim().toLowerCase();
    this.cache.delete(key);
    if ((await this.claims.get(MODULE, key))?.state === 'done') await this.claims.release(MODULE, key);
  }

  private remember(key: string, id: string, created: boolean) {
    this.cache.set(key, id);
    return { id, created };
  }

  private async find(name: string): Promise<string | undefined> {
    const rows = await this.zoho.coql(
      buildCoql({ select: ['Account_Name', 'Created_Time'], from: MODULE, where: where.eq('Account_Name', name), orderBy: [{ field: 'Created_Time', direction: 'asc' }], limit: 1 }),
    );
    return rows[0] ? String(rows[0].id) : undefined;
  }

  private async create(name: string, ownerId?: string): Promise<string> {
    const [r] = await this.zoho.insertRecords(MODULE, [{ Account_Name: name, ...(ownerId ? { Owner: { id: ownerId } } : {}) }], { trigger: this.trigger });
    if (r.status === 'error') {
      if (r.code === 'DUPLICATE_DATA' && r.duplicateId) return r.duplicateId;
      throw new ZohoRecordRefused(r, MODULE);
    }
    return r.id;
  }
}
