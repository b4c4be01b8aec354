/**
 * Shapes the rest of the app sees. Records stay loosely typed (Zoho's OpenAPI describes `Record`
 * with `additionalProperties: true`, and field API names come from the Fields API at runtime);
 * everything else is narrowed from the zod schemas in schemas.ts.
 */

/** A Zoho record as sent or received: field API name → value (lookups are `{ id }`). */
export type ZohoRecord = Record<string, unknown>;

export interface ZohoRecordSuccess {
  status: 'success';
  /** "SUCCESS" */
  code: string;
  id: string;
  createdTime?: string;
  modifiedTime?: string;
  /** Upsert only: whether Zoho inserted a new record or updated the one it matched. */
  action?: 'insert' | 'update';
  /** Upsert only: the field that matched an existing record. */
  duplicateField?: string;
  details: Record<string, unknown>;
}

export interface ZohoRecordFailure {
  status: 'error';
  /** INVALID_DATA, MANDATORY_NOT_FOUND, DUPLICATE_DATA, NO_PERMISSION, LIMIT_EXCEEDED, RECORD_LOCKED... */
  code: string;
  /** Zoho's message text (fixed strings such as "invalid data"). */
  message: string;
  /** API name of the offending field, when Zoho names one. */
  field?: string;
  /** DUPLICATE_DATA: the existing record the value clashes with ("link to it" rather than fail). */
  duplicateId?: string;
  details: Record<string, unknown>;
}

/** One per input record, in input order. A record-level failure is a value, never a throw. */
export type ZohoRecordResult = ZohoRecordSuccess | ZohoRecordFailure;

export type ZohoWriteTrigger = 'workflow' | 'approval' | 'blueprint' | 'pathfinder' | 'orchestration';

export interface ZohoWriteOptions {
  /**
   * Automations to run for these records. Omitted: Zoho runs all of them. `[]`: none. A list:
   * only those (zoho.md §2).
   */
  trigger?: readonly (ZohoWriteTrigger | string)[];
}

export interface ZohoUpsertOptions extends ZohoWriteOptions {
  /** Fields Zoho matches existing records on, in order; system defaults are ignored when given. */
  duplicateCheckFields: readonly string[];
}

export interface ZohoUser {
  id: string;
  email: string;
  full_name?: string;
  first_name?: string | null;
  last_name?: string | null;
  status?: string;
  zuid?: string | null;
  confirm?: boolean;
  role?: { id: string; name: string };
  profile?: { id: string; name: string };
  time_zone?: unknown;
  [key: string]: unknown;
}

export interface ZohoOrg {
  id: string;
  company_name?: string;
  time_zone?: string;
  currency?: string;
  /** Edition ("free", "standard", "professional", "enterprise", "ultimate"...). */
  paidType?: string;
  raw: Record<string, unknown>;
}

export interface ZohoPicklistValue {
  display_value: string;
  actual_value: string;
  /** "unused" values stay on old records but are not offered for new data. */
  type?: string;
}

export interface ZohoField {
  api_name: string;
  data_type: string;
  /** Maximum length in characters for text-like fields; null/undefined when Zoho gives none. */
  length?: number | null;
  system_mandatory: boolean;
  read_only: boolean;
  field_label?: string;
  pick_list_values: ZohoPicklistValue[];
  /** Target module of a lookup field. */
  lookupModule?: string;
}

/** An e-mail filed into a record's Emails related list (associate_email.json). */
export interface ZohoEmailAddress {
  email: string;
  user_name?: string;
}

export interface ZohoAssociateEmail {
  from: ZohoEmailAddress;
  to: ZohoEmailAddress[];
  cc?: ZohoEmailAddress[];
  bcc?: ZohoEmailAddress[];
  reply_to?: ZohoEmailAddress;
  /** ≤250 characters in the 2025-06 OAS (newer docs say 500). */
  subject?: string;
  /** ≤32,000 characters. */
  content?: string;
  mail_format?: 'html' | 'text';
  /** yyyy-MM-ddTHH:mm:ss±HH:mm */
  date_time: string;
  /** true: sent by the CRM user; false: received. */
  sent: boolean;
  /** RFC 5322 Message-ID (Graph internetMessageId); Zoho answers DUPLICATE_DATA on a repeat. */
  original_message_id: string;
  /** File ids from uploadFiles(). */
  attachments?: { id: string; name?: string }[];
  linked_record?: { id: string; module: { api_name: string; id?: string }; name?: string };
  owner?: { id: string };
}

export type ZohoEmailResult =
  | { status: 'success'; code: string; messageId?: string; alreadyAssociated: boolean }
  | { status: 'error'; code: string; message: string; field?: string; details: Record<string, unknown> };

export interface ZohoUploadFile {
  name: string;
  content: Uint8Array;
  contentType?: string;
}

export type ZohoFileResult =
  | { status: 'success'; id: string; name: string }
  | { status: 'error'; code: string; message: string };
