import { z } from 'zod';
import { TtlCache } from '../cache';
import type { GraphApi } from '../graph/client';
import { GraphNotFoundError, GraphPermissionError } from '../graph/errors';
import { graphPath } from '../graph/path';
import { fieldRulesFromMetadata, type FieldRules } from '../mapping/fields';
import { ZohoApiError } from '../zoho/errors';
import type { ZohoUser } from '../zoho/types';
import type { ZohoPort } from './ports';

const MailboxUser = z.object({ id: z.string(), mail: z.string().nullish(), userPrincipalName: z.string().nullish() }).loose();
/** `GET /users/{id}/mailboxSettings/timeZone` answers `{ value: "Tokyo Standard Time" }` (Windows or IANA name). */
const MailboxTimeZone = z.object({ value: z.string().nullish() }).loose();

/** The report's note for a mailbox whose owner is no Zoho user (SYNC_NO_ZOHO_USER=integration). */
export function ownerNotes(ownerId: string | undefined): string[] {
  return ownerId ? [] : ['Owner: the mailbox has no Zoho user; written as the integration user'];
}

/**
 * Slow-changing facts looked up once per process and reused by every item: Zoho users, Zoho field
 * metadata, and each mailbox owner's address. Each costs one call per TTL instead of one per item.
 */
export class Directory {
  private readonly users: TtlCache<ZohoUser[]>;
  private readonly rules: TtlCache<FieldRules>;
  private readonly mailboxes: TtlCache<string | undefined>;
  private readonly timeZones: TtlCache<string | undefined>;

  constructor(private readonly zoho: ZohoPort, private readonly graph: GraphApi, ttlMs = 10 * 60_000) {
    this.users = new TtlCache(ttlMs);
    this.rules = new TtlCache(ttlMs * 6);
    this.mailboxes = new TtlCache(ttlMs * 6);
    this.timeZones = new TtlCache(ttlMs * 6);
  }

  /**
   * Field lengths and pick lists of a Zoho module (settings/fields), over the seed's defaults. When
   * Zoho refuses the metadata for good (a scope or profile permission not granted), the seed's
   * table alone applies for the TTL; a transient failure fails the item, which is retried.
   */
  fieldRules(zohoModule: string): Promise<FieldRules> {
    return this.rules.get(zohoModule, async () => {
      try {
        return fieldRulesFromMetadata({ [zohoModule]: { fields: await this.zoho.getFields(zohoModule) } });
      } catch (err) {
        if (err instanceof ZohoApiError && !err.transient) return fieldRulesFromMetadata({});
        throw err;
      }
    });
  }

  async zohoUsers(): Promise<ZohoUser[]> {
    return this.users.get('active', () => this.zoho.getUsers({ type: 'ActiveUsers' }));
  }

  /** The Zoho user whose e-mail is the mailbox owner's: the record Owner (SPEC: owner = the user). */
  async ownerFor(userId: string): Promise<string | undefined> {
    return (await this.zohoUserFor(userId))?.id;
  }

  /** The active Zoho user whose e-mail is the mailbox owner's, with role and profile. */
  async zohoUserFor(userId: string): Promise<ZohoUser | undefined> {
    const address = await this.mailboxAddress(userId);
    if (!address) return undefined;
    const users = await this.zohoUsers();
    return users.find((u) => u.email?.toLowerCase() === address);
  }

  async zohoUserByEmail(): Promise<Map<string, { id: string }>> {
    const map = new Map<string, { id: string }>();
    for (const u of await this.zohoUsers()) if (u.email) map.set(u.email.toLowerCase(), { id: u.id });
    return map;
  }

  mailboxAddress(userId: string): Promise<string | undefined> {
    return this.mailboxes.get(userId, async () => {
      const user = await this.graph.get(graphPath`/users/${userId}`, MailboxUser, { query: { $select: 'id,mail,userPrincipalName' } });
      return (user.mail ?? user.userPrincipalName ?? undefined)?.toLowerCase();
    });
  }

  /**
   * The mailbox owner's time zone (mailboxSettings), for dates that Graph gives without one that
   * matters (To Do due dates). Undefined when the mailbox has none set or the app may not read
   * mailbox settings (MailboxSettings.Read not granted): callers fall back to UTC.
   */
  mailboxTimeZone(userId: string): Promise<string | undefined> {
    return this.timeZones.get(userId, async () => {
      try {
        const settings = await this.graph.get(graphPath`/users/${userId}/mailboxSettings/timeZone`, MailboxTimeZone);
        return settings.value?.trim() || undefined;
      } catch (err) {
        if (err instanceof GraphNotFoundError || err instanceof GraphPermissionError) return undefined;
        throw err;
      }
    });
  }
}
