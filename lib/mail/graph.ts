/**
 * What e-mail filing reads from Microsoft Graph: the message, its attachments, the mailbox
 * owner's identity (object id and own addresses) and the tenant's verified domains. Identity and
 * domains change rarely and are cached per process.
 */
import { z } from 'zod';
import { TtlCache } from '../cache';
import type { GraphApi } from '../graph/client';
import { GraphNotFoundError, GraphPermissionError } from '../graph/errors';
import { graphPath, IMMUTABLE_ID_PREFER } from '../graph/path';
import { ATTACHMENT_LIST_SELECT, attachmentSchema, MESSAGE_SELECT, messageSchema, type GraphAttachment, type GraphMessage } from '../graph/resources/message';
import type { Logger } from '../log';
import { normalizeAddress } from '../mapping/address';

const UserIdentity = z.object({ id: z.string(), mail: z.string().nullish(), userPrincipalName: z.string().nullish() });
const Domain = z.object({ id: z.string(), isVerified: z.boolean().nullish() });

export interface MailboxIdentity {
  id: string;
  /** the mailbox's own SMTP addresses (mail, UPN), lower-cased */
  addresses: string[];
}

const HOUR = 3600_000;
/**
 * The Sent Items subscription and the resync deliver immutable ids; the message read back carries
 * the same form, so reports and attachment reads use the id the notification named.
 */
const IMMUTABLE_IDS = { Prefer: IMMUTABLE_ID_PREFER };

export class MailGraph {
  private readonly identities = new TtlCache<MailboxIdentity>(HOUR);
  /** null: the app may not read them (kept for the TTL too, so a missing grant costs one call an hour) */
  private readonly domains = new TtlCache<string[] | null>(HOUR);

  constructor(private readonly graph: GraphApi) {}

  /**
   * The message as Graph has it now; null when it no longer exists. Beyond MESSAGE_SELECT: the
   * received time (the date of a received e-mail filed by an operator) and the draft flag (a
   * draft is not an e-mail anyone sent yet).
   */
  async readMessage(userId: string, messageId: string): Promise<GraphMessage | null> {
    try {
      return await this.graph.get(graphPath`/users/${userId}/messages/${messageId}`, messageSchema, {
        query: { $select: `${MESSAGE_SELECT},receivedDateTime,isDraft` },
        headers: IMMUTABLE_IDS,
      });
    } catch (err) {
      if (err instanceof GraphNotFoundError) return null;
      throw err;
    }
  }

  /** Attachments without their bytes. */
  async listAttachments(userId: string, messageId: string): Promise<GraphAttachment[]> {
    const out: GraphAttachment[] = [];
    for await (const page of this.graph.pages(graphPath`/users/${userId}/messages/${messageId}/attachments`, attachmentSchema, { query: { $select: ATTACHMENT_LIST_SELECT } })) out.push(...page);
    return out;
  }

  /** Raw bytes through `$value`: list answers may carry no contentBytes for large files (graph.md §6.4). */
  async downloadAttachment(userId: string, messageId: string, attachmentId: string): Promise<Buffer> {
    const { bytes } = await this.graph.getBytes(graphPath`/users/${userId}/messages/${messageId}/attachments/${attachmentId}` + '/$value');
    return bytes;
  }

  /** Object id and own addresses of a user given by object id or UPN; null when there is no such user. */
  identity(user: string): Promise<MailboxIdentity | null> {
    return this.identities
      .get(user.toLowerCase(), async () => {
        const u = await this.graph.get(graphPath`/users/${user}`, UserIdentity, { query: { $select: 'id,mail,userPrincipalName' } });
        const addresses = [...new Set([normalizeAddress(u.mail), normalizeAddress(u.userPrincipalName)].filter((a): a is string => a !== null))];
        return { id: u.id, addresses };
      })
      .catch((err: unknown) => {
        if (err instanceof GraphNotFoundError) return null;
        throw err;
      });
  }

  /**
   * The tenant's verified domains (GET /domains, permission Domain.Read.All). Without that
   * permission the mailbox's own domains stand in, so colleagues on the main domain are still
   * recognised; the warning tells the admin what is missing.
   */
  async tenantDomains(fallback: readonly string[], logger: Logger): Promise<string[]> {
    const verified = await this.domains.get('verified', async () => {
      const out: string[] = [];
      try {
        for await (const page of this.graph.pages('/domains', Domain, { query: { $select: 'id,isVerified' } })) {
          for (const d of page) if (d.isVerified === true) out.push(d.id.toLowerCase());
        }
      } catch (err) {
        if (!(err instanceof GraphPermissionError)) throw err;
        logger.warn('cannot read the tenant domains (Domain.Read.All); using the mailbox domains as internal', { code: err.code });
        return null;
      }
      return out;
    });
    return verified ?? [...new Set(fallback.map((a) => a.slice(a.lastIndexOf('@') + 1)))];
  }
}
