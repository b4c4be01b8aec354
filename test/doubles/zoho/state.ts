/**
 * Everything the Zoho double remembers: records per module, field metadata, users, the org,
 * uploaded files, attachments, filed e-mails, meeting cancellations, invitations, and the clock.
 * Handlers read and write it; tests seed and inspect it through the control API in server.ts.
 */
import { MODULE_FIELDS, NAME_FIELD, toFieldMetadata, type FieldSpec } from './field-defs';

export type StoredRecord = Record<string, unknown> & { id: string };

export interface DoubleUser {
  id: string;
  first_name: string | null;
  last_name: string;
  full_name: string;
  email: string;
  /** active | disabled | deleted */
  status: string;
  confirm: boolean;
  zuid: string;
  role: { name: string; id: string };
  profile: { name: string; id: string };
  [key: string]: unknown;
}

export interface StoredFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  bytes: Buffer;
}

export interface StoredAttachment {
  id: string;
  module: string;
  recordId: string;
  fileName: string | null;
  size: number;
  linkUrl: string | null;
  createdTime: string;
}

export interface StoredEmail {
  module: string;
  recordId: string;
  messageId: string;
  email: Record<string, unknown>;
}

export interface Invitation {
  eventId: string;
  participants: number;
}

export interface PermissionRule {
  module?: string;
  recordId?: string;
  operations?: ('read' | 'create' | 'edit' | 'delete')[];
}

/** A profile as GET /settings/profiles/{id} shows it; `denied` lists `Module:Action` switched off. */
export interface DoubleProfile {
  id: string;
  name: string;
  denied: Set<string>;
}

export const PROFILE_ACTIONS = ['View', 'Create', 'Edit', 'Delete'] as const;
export const ADMIN_PROFILE = { name: 'Administrator', id: '5725767000000026011' };
export const STANDARD_PROFILE = { name: 'Standard', id: '5725767000000026014' };

export const ORG_ID = '5725767000000000001';
export const LAYOUT_ID = '5725767000000091055';

export class DoubleState {
  records = new Map<string, Map<string, StoredRecord>>();
  fieldSpecs = new Map<string, FieldSpec[]>();
  private fieldMeta = new Map<string, Record<string, unknown>[]>();
  users: DoubleUser[] = [];
  currentUserId = '';
  org: Record<string, unknown> = {};
  files = new Map<string, StoredFile>();
  attachments: StoredAttachment[] = [];
  emails: StoredEmail[] = [];
  cancellations: { eventId: string; sendCancellingMail: boolean }[] = [];
  invitations: Invitation[] = [];
  unique = new Map<string, Set<string>>();
  permissions: PermissionRule[] = [];
  profiles = new Map<string, DoubleProfile>();
  /**
   * The org's name format: how Full_Name of Contacts and Leads is composed. A Japanese org shows
   * "Last First" (Setup → Company Details → locale); the API still stores the two parts apart.
   */
  nameFormat: 'firstLast' | 'lastFirst' = 'firstLast';
  /** Search index lag: ids written while lag is on stay invisible to search until a flush. */
  searchLag = false;
  unindexed = new Set<string>();
  private seq = 0;
  private offsetMs = 0;
  private fixedNow?: number;

  constructor(readonly origin: string) {
    this.reset();
  }

  reset(): void {
    this.records = new Map(Object.keys(MODULE_FIELDS).map((m) => [m, new Map()]));
    this.fieldSpecs = new Map(Object.entries(MODULE_FIELDS).map(([m, specs]) => [m, specs.map((s) => ({ ...s }))]));
    this.fieldMeta.clear();
    this.files.clear();
    this.attachments = [];
    this.emails = [];
    this.cancellations = [];
    this.invitations = [];
    this.unique.clear();
    this.permissions = [];
    this.profiles = new Map([ADMIN_PROFILE, STANDARD_PROFILE].map((p) => [p.id, { ...p, denied: new Set<string>() }]));
    this.searchLag = false;
    this.nameFormat = 'firstLast';
    this.unindexed.clear();
    this.seq = 0;
    this.offsetMs = 0;
    this.fixedNow = undefined;
    this.users = [];
    const admin = this.addUser({ first_name: 'Sync', last_name: 'Admin', email: 'sync.admin@example.com', profile: { ...ADMIN_PROFILE } });
    this.currentUserId = admin.id;
    this.org = defaultOrg();
  }

  /** Full_Name as the org's name format composes it. */
  fullName(rec: Record<string, unknown>): string {
    const parts = [rec.First_Name, rec.Last_Name].filter((v): v is string => typeof v === 'string' && v !== '');
    return (this.nameFormat === 'lastFirst' ? parts.reverse() : parts).join(' ');
  }

  now(): number {
    return this.fixedNow ?? Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (this.fixedNow !== undefined) this.fixedNow += ms;
    else this.offsetMs += ms;
  }

  setNow(ms: number): void {
    this.fixedNow = ms;
  }

  /** Zoho ids: 19 digits, increasing. */
  nextId(): string {
    this.seq += 1;
    return `5725767${String(1_000_000_000 + this.seq).padStart(12, '0')}`;
  }

  isModule(module: string): boolean {
    return this.records.has(module);
  }

  store(module: string): Map<string, StoredRecord> {
    const s = this.records.get(module);
    if (!s) throw new Error(`unknown module ${module}`);
    return s;
  }

  get(module: string, id: string): StoredRecord | undefined {
    return this.records.get(module)?.get(id);
  }

  /** Finds a record by id in any module (What_Id targets, participants). */
  findAnywhere(id: string): { module: string; record: StoredRecord } | undefined {
    for (const [module, store] of this.records) {
      const record = store.get(id);
      if (record) return { module, record };
    }
    return undefined;
  }

  spec(module: string, field: string): FieldSpec | undefined {
    return this.fieldSpecs.get(module)?.find((f) => f.api === field);
  }

  fieldMetadata(module: string): Record<string, unknown>[] {
    let meta = this.fieldMeta.get(module);
    if (!meta) {
      meta = (this.fieldSpecs.get(module) ?? []).map((spec) => toFieldMetadata(module, spec, LAYOUT_ID));
      this.fieldMeta.set(module, meta);
    }
    return meta;
  }

  updateField(module: string, field: string, patch: Partial<FieldSpec>): void {
    const specs = this.fieldSpecs.get(module);
    const spec = specs?.find((f) => f.api === field);
    if (!specs || !spec) throw new Error(`unknown field ${module}.${field}`);
    Object.assign(spec, patch);
    this.fieldMeta.delete(module);
  }

  user(id: string): DoubleUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  currentUser(): DoubleUser {
    const u = this.user(this.currentUserId);
    if (!u) throw new Error('no current user');
    return u;
  }

  addUser(init: Partial<DoubleUser> & { email: string; last_name: string }): DoubleUser {
    const id = init.id ?? this.nextId();
    const first = init.first_name ?? null;
    const user: DoubleUser = {
      status: 'active',
      confirm: true,
      zuid: String(60000000 + this.users.length + 1),
      role: { name: 'CEO', id: '5725767000000026005' },
      profile: { ...STANDARD_PROFILE },
      language: 'en_US',
      locale: 'en_US',
      country_locale: 'en_US',
      ...init,
      id,
      first_name: first,
      full_name: init.full_name ?? [first, init.last_name].filter(Boolean).join(' '),
    };
    this.users.push(user);
    return user;
  }

  /** `{ name, id }` as lookups are rendered in answers (v7+: display name included). */
  lookupRef(module: string, id: string): { name: string | null; id: string } {
    const target = this.get(module, id);
    const nameField = NAME_FIELD[module];
    const name = target && nameField ? (target[nameField] as string | undefined) ?? null : null;
    return { name, id };
  }

  userRef(id: string): { name: string; id: string; email: string } {
    const u = this.user(id);
    return { name: u?.full_name ?? '', id, email: u?.email ?? '' };
  }

  formatTime(ms: number): string {
    return formatZohoDateTime(ms);
  }

  denied(op: 'read' | 'create' | 'edit' | 'delete', module: string, recordId?: string): PermissionRule | undefined {
    return this.permissions.find(
      (r) =>
        (r.module === undefined || r.module === module) &&
        (r.recordId === undefined || r.recordId === recordId) &&
        (r.operations === undefined || r.operations.includes(op)),
    );
  }
}

/** yyyy-MM-ddTHH:mm:ss+00:00, the form Zoho uses (offset, no milliseconds). */
export function formatZohoDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function defaultOrg(): Record<string, unknown> {
  return {
    country: 'Japan',
    photo_id: null,
    city: null,
    description: null,
    mc_status: false,
    gapps_enabled: false,
    translation_enabled: true,
    street: null,
    domain_name: 'org60000001',
    alias: null,
    currency: 'Japanese Yen - JPY',
    id: ORG_ID,
    state: null,
    fax: null,
    zip: null,
    employee_count: '10',
    website: 'www.example.com',
    currency_symbol: '¥',
    mobile: null,
    currency_locale: 'ja_JP',
    primary_zuid: '60000001',
    zia_portal_id: null,
    time_zone: 'Asia/Tokyo',
    zgid: '60000002',
    country_code: 'JP',
    deletable_org_account: false,
    license_details: {
      paid_expiry: '2030-01-01T00:00:00+09:00',
      users_license_purchased: 10,
      trial_type: null,
      trial_expiry: null,
      paid: true,
      paid_type: 'enterprise',
      trial_action: 'none',
    },
    hierarchy_preferences: { type: 'Role_Hierarchy', strictly_reporting: false },
    phone: '03-0000-0000',
    company_name: 'Example KK',
    privacy_settings: false,
    primary_email: 'sync.admin@example.com',
    iso_code: 'JPY',
    hipaa_compliance_enabled: false,
    lite_users_enabled: false,
    max_per_page: 200,
    ezgid: 'ez60000002',
    call_icon: 'icon',
    oauth_presence: true,
    zia_zgid: 60000002,
    checkin_preferences: { restricted_event_types: null },
    type: 'Production',
    created_time: '2024-01-01T09:00:00+09:00',
  };
}
