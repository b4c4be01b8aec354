/**
 * Which mailbox a Zoho record belongs to (issue 16 §2): the mailbox of the provisioned user whose
 * address is the e-mail of the record's Owner in Zoho — the same user ↔ mailbox match the forward
 * direction uses for Owner (lib/sync/directory.ts ownerFor).
 */

export interface MailboxOwner {
  /** Entra object id of the provisioned mailbox */
  userId: string;
  /** the mailbox owner's address (mail, else UPN), lower-cased */
  address: string;
}

export function ownerIdOf(record: Record<string, unknown>): string | undefined {
  const owner = record.Owner;
  if (owner && typeof owner === 'object' && typeof (owner as { id?: unknown }).id === 'string') return (owner as { id: string }).id;
  return undefined;
}

/**
 * The mailbox for a record's owner, or undefined (owner unknown, not an active Zoho user, or not
 * provisioned). Zoho's user list is the source of the address; the Owner lookup's own `email` is
 * the fallback for a user the list no longer shows.
 */
export function mailboxForRecord(
  record: Record<string, unknown>,
  zohoUsers: readonly { id: string; email?: string | null }[],
  mailboxes: readonly MailboxOwner[],
): string | undefined {
  const ownerId = ownerIdOf(record);
  if (!ownerId) return undefined;
  const fromList = zohoUsers.find((u) => u.id === ownerId)?.email;
  const fromRecord = (record.Owner as { email?: unknown }).email;
  const address = (fromList ?? (typeof fromRecord === 'string' ? fromRecord : undefined))?.trim().toLowerCase();
  if (!address) return undefined;
  return mailboxes.find((m) => m.address === address)?.userId;
}

/**
 * A record whose owner changed moves: it leaves the mailbox it is linked in (a scope exit, handled
 * per SYNC_DELETES) and arrives in the new owner's mailbox.
 */
export function ownerMove(linkedUserId: string | undefined, targetUserId: string | undefined): { leave?: string; arrive?: string } {
  if (linkedUserId === targetUserId) return {};
  return { ...(linkedUserId ? { leave: linkedUserId } : {}), ...(targetUserId ? { arrive: targetUserId } : {}) };
}

export interface OwnerDirectory {
  zohoUsers(): Promise<readonly { id: string; email?: string | null }[]>;
  mailboxAddress(userId: string): Promise<string | undefined>;
}

/** The look-up around mailboxForRecord: Zoho users and mailbox addresses come cached from the Directory. */
export class OwnerMailboxes {
  constructor(
    private readonly directory: OwnerDirectory,
    private readonly users: { list(): Promise<readonly { userId: string; state: string }[]> },
  ) {}

  async mailboxes(): Promise<MailboxOwner[]> {
    const active = (await this.users.list()).filter((u) => u.state === 'active');
    const out: MailboxOwner[] = [];
    for (const u of active) {
      const address = await this.directory.mailboxAddress(u.userId);
      if (address) out.push({ userId: u.userId, address: address.toLowerCase() });
    }
    return out;
  }

  async mailboxFor(record: Record<string, unknown>): Promise<string | undefined> {
    return mailboxForRecord(record, await this.directory.zohoUsers(), await this.mailboxes());
  }
}
