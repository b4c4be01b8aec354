import { randomBytes, randomUUID } from 'node:crypto';
import { GraphHttpError } from './http';
import { SequenceClock } from './tracked';

/**
 * In-memory tenant: directory (users, groups, domains) plus one mailbox per user that has one.
 * Each resource area keeps its own per-mailbox state in the mailbox's bag (`mailbox.area(...)`),
 * so new areas need no change here.
 */
export interface UserSeed {
  id?: string;
  userPrincipalName: string;
  displayName?: string;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  jobTitle?: string | null;
  mobilePhone?: string | null;
  officeLocation?: string | null;
  preferredLanguage?: string | null;
  businessPhones?: string[];
  accountEnabled?: boolean;
  userType?: 'Member' | 'Guest';
  /** false: an account without an Exchange Online mailbox (mailbox routes answer 404). */
  hasMailbox?: boolean;
  /**
   * true: the mailbox is outside the app's RBAC for Applications / application access policy
   * scope (graph.md §9): mailbox routes answer 403 ErrorAccessDenied.
   */
  outsideAppScope?: boolean;
}

export interface UserRecord {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  hasMailbox: boolean;
  outsideAppScope: boolean;
}

export interface GroupSeed {
  id?: string;
  displayName: string;
  mail?: string | null;
  /** Ids of users and of nested groups. */
  members?: string[];
}

export interface GroupRecord {
  id: string;
  displayName: string;
  mail: string | null;
  members: string[];
}

export interface DomainRecord {
  id: string;
  isVerified: boolean;
  isDefault: boolean;
  isInitial: boolean;
  authenticationType: 'Managed' | 'Federated';
  supportedServices: string[];
}

export class Mailbox {
  private readonly areas = new Map<string, unknown>();
  /** Bumped by tests to invalidate every delta token of this mailbox. */
  deltaGeneration = 0;

  constructor(readonly userId: string) {}

  /** Per-area state, created on first use. */
  area<T>(key: string, create: () => T): T {
    if (!this.areas.has(key)) this.areas.set(key, create());
    return this.areas.get(key) as T;
  }
}

export class GraphStore {
  readonly clock = new SequenceClock();
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  domains: DomainRecord[];
  private readonly mailboxes = new Map<string, Mailbox>();

  constructor(readonly tenantId: string, private readonly initialDomains: string[]) {
    this.domains = this.defaultDomains();
  }

  /** Back to an empty tenant (users, groups, mailboxes); the domain list is restored. */
  reset(): void {
    this.users.clear();
    this.groups.clear();
    this.mailboxes.clear();
    this.domains = this.defaultDomains();
  }

  private defaultDomains(): DomainRecord[] {
    return this.initialDomains.map((id, i) => ({
      id,
      isVerified: true,
      isDefault: i === 0,
      isInitial: id.endsWith('.onmicrosoft.com'),
      authenticationType: 'Managed',
      supportedServices: ['Email', 'OfficeCommunicationsOnline'],
    }));
  }

  addUser(seed: UserSeed): UserRecord {
    const id = seed.id ?? randomUUID();
    const hasMailbox = seed.hasMailbox ?? true;
    const user: UserRecord = {
      id,
      userPrincipalName: seed.userPrincipalName,
      displayName: seed.displayName ?? seed.userPrincipalName.split('@')[0],
      givenName: seed.givenName ?? null,
      surname: seed.surname ?? null,
      mail: seed.mail !== undefined ? seed.mail : hasMailbox ? seed.userPrincipalName : null,
      jobTitle: seed.jobTitle ?? null,
      mobilePhone: seed.mobilePhone ?? null,
      officeLocation: seed.officeLocation ?? null,
      preferredLanguage: seed.preferredLanguage ?? null,
      businessPhones: seed.businessPhones ?? [],
      accountEnabled: seed.accountEnabled ?? true,
      userType: seed.userType ?? 'Member',
      hasMailbox,
      outsideAppScope: seed.outsideAppScope ?? false,
    };
    this.users.set(id, user);
    return { ...user };
  }

  /** By object id, or by UPN (case-insensitive), also in the `AAD-UPN:` form. */
  findUser(idOrUpn: string): UserRecord | undefined {
    const key = idOrUpn.replace(/^AAD-UPN:/i, '');
    const byId = this.users.get(key) ?? [...this.users.values()].find((u) => u.id.toLowerCase() === key.toLowerCase());
    if (byId) return byId;
    return [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === key.toLowerCase());
  }

  addGroup(seed: GroupSeed): GroupRecord {
    const group: GroupRecord = { id: seed.id ?? randomUUID(), displayName: seed.displayName, mail: seed.mail ?? null, members: [...(seed.members ?? [])] };
    this.groups.set(group.id, group);
    return { ...group, members: [...group.members] };
  }

  /**
   * The mailbox behind a `/users/{id}/...` route, with Graph's answers when there is none:
   * unknown user → 404 ErrorInvalidUser; user without Exchange mailbox → 404
   * MailboxNotEnabledForRESTAPI.
   */
  mailboxFor(idOrUpn: string): Mailbox {
    const user = this.findUser(idOrUpn);
    if (!user) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${idOrUpn}' is invalid.`);
    if (!user.hasMailbox) throw new GraphHttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    if (user.outsideAppScope) throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
    return this.mailbox(user.id);
  }

  /** Group membership changes between renewal runs (ids of users or nested groups). */
  addMember(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`graph double: no group ${groupId}`);
    if (!group.members.includes(memberId)) group.members.push(memberId);
  }

  removeMember(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`graph double: no group ${groupId}`);
    group.members = group.members.filter((m) => m !== memberId);
  }

  /** Direct access for seeding (no HTTP errors; creates the mailbox state if needed). */
  mailbox(userId: string): Mailbox {
    const user = this.findUser(userId);
    if (!user) throw new Error(`graph double: no user ${userId}`);
    let box = this.mailboxes.get(user.id);
    if (!box) {
      box = new Mailbox(user.id);
      this.mailboxes.set(user.id, box);
    }
    return box;
  }

  /** Makes every delta token of one mailbox (or of all) answer 410 syncStateNotFound. */
  invalidateDeltaTokens(userId?: string): void {
    const boxes = userId ? [this.mailbox(userId)] : [...this.mailboxes.values()];
    for (const box of boxes) box.deltaGeneration += 1;
  }
}

/** Outlook-style item id: base64url, ends in '=' (like real ids, which callers must encode). */
export function outlookId(): string {
  return `AAMkAD${randomBytes(30).toString('base64url')}AAA=`;
}

export function changeKey(): string {
  return `EQAAABYAAAC${randomBytes(18).toString('base64')}`.replace(/=+$/, '');
}

export function etagOf(key: string): string {
  return `W/"${key}"`;
}

/** Graph's DateTimeOffset style for item timestamps: `2024-05-01T10:11:12Z`. */
export function timestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
