/**
 * E-mail routes: POST /{module}/{id}/actions/associate_email (associate_email.json),
 * POST /files (files.json) and POST /{module}/{id}/Attachments (attachments.json).
 *
 * Rules from zoho.md §5 and the OAS: one e-mail per call; `from`, `to`, `original_message_id`,
 * `sent` and `date_time` required (the OAS also lists `linked_record`, which the docs and the
 * SDK treat as optional, so the double does too); every address is `{ user_name, email }` with
 * both keys present (the OAS requires both; `""` is a name, as in zoho.md's example); subject ≤ 250;
 * ≤ 50 addresses per list;
 * attachments must be uploaded file ids, ≤ 20 and ≤ 10 MB together; a repeated
 * `original_message_id` on the same record answers DUPLICATE_DATA. Not for Cases, Tasks, Events.
 * Files: ≤ 20 MB each, ≤ 10 per call [the per-call count is unverified, see lib/zoho/email.ts].
 */
import { randomBytes } from 'node:crypto';
import { errors, item, json, zohoError, type Reply } from './respond';
import type { DoubleState } from './state';

const PARENTS = new Set(['Leads', 'Contacts', 'Accounts', 'Deals', 'Quotes', 'Invoices', 'Sales_Orders', 'Purchase_Orders']);
const REQUIRED = ['from', 'to', 'original_message_id', 'sent', 'date_time'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A multipart file part as Response.formData() yields it. */
interface UploadedFile {
  name: string;
  size: number;
  type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface FileLimits {
  maxFileBytes: number;
  maxFilesPerCall: number;
  maxEmailAttachmentBytes: number;
}

export function associateEmailRoute(state: DoubleState, module: string, id: string, body: unknown): Reply {
  if (!state.isModule(module) || !PARENTS.has(module)) return errors.invalidModule();
  if (!state.get(module, id)) return zohoError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 1 });
  if (state.denied('edit', module, id)) return errors.noPermission([`Crm_Implied_Edit_${module}`]);
  const emails = body && typeof body === 'object' ? (body as { Emails?: unknown }).Emails : undefined;
  if (!Array.isArray(emails) || emails.length === 0) return errors.requiredParam('Emails');
  if (emails.length > 1) return zohoError(400, 'INVALID_DATA', 'invalid data', { api_name: 'Emails', maximum_length: 1 });
  const email = emails[0] as Record<string, unknown>;
  const refuse = (code: string, message: string, details: Record<string, unknown>) => json(400, { Emails: [item(code, message, details)] });
  for (const key of REQUIRED) {
    if (email[key] === undefined || email[key] === null || email[key] === '') return refuse('REQUIRED_PARAM_MISSING', 'required field not found', { api_name: key });
  }
  if (!isAddress(email.from)) return refuse('INVALID_DATA', 'invalid data', { api_name: 'from', expected_data_type: 'jsonobject' });
  for (const list of ['to', 'cc', 'bcc'] as const) {
    const v = email[list];
    if (v === undefined && list !== 'to') continue;
    if (!Array.isArray(v) || (list === 'to' && v.length === 0) || !v.every(isAddress)) return refuse('INVALID_DATA', 'invalid data', { api_name: list, expected_data_type: 'jsonarray' });
    if (v.length > 50) return refuse('LIMIT_EXCEEDED', 'limit exceeded', { api_name: list, limit: 50 });
  }
  for (const a of [email.from, ...(['to', 'cc', 'bcc'] as const).flatMap((list) => (Array.isArray(email[list]) ? (email[list] as unknown[]) : []))]) {
    if (typeof (a as { user_name?: unknown }).user_name !== 'string') return refuse('REQUIRED_PARAM_MISSING', 'required field not found', { api_name: 'user_name' });
  }
  if (typeof email.sent !== 'boolean') return refuse('INVALID_DATA', 'invalid data', { api_name: 'sent', expected_data_type: 'boolean' });
  if (typeof email.date_time !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/.test(email.date_time)) {
    return refuse('INVALID_DATA', 'invalid data', { api_name: 'date_time', expected_data_type: 'datetime' });
  }
  if (email.subject !== undefined && (typeof email.subject !== 'string' || Array.from(email.subject).length > 250)) {
    return refuse('INVALID_DATA', 'invalid data', { api_name: 'subject', maximum_length: 250 });
  }
  if (email.content !== undefined && (typeof email.content !== 'string' || Array.from(email.content).length > 32000)) {
    return refuse('INVALID_DATA', 'invalid data', { api_name: 'content', maximum_length: 32000 });
  }
  if (email.mail_format !== undefined && email.mail_format !== 'html' && email.mail_format !== 'text') {
    return refuse('INVALID_DATA', 'invalid data', { api_name: 'mail_format', expected_data_type: 'picklist' });
  }
  if (email.attachments !== undefined) {
    const atts = email.attachments;
    if (!Array.isArray(atts)) return refuse('INVALID_DATA', 'invalid data', { api_name: 'attachments', expected_data_type: 'jsonarray' });
    if (atts.length > 20) return refuse('LIMIT_EXCEEDED', 'limit exceeded', { api_name: 'attachments', limit: 20 });
    let total = 0;
    for (const a of atts) {
      const file = a && typeof a === 'object' ? state.files.get(String((a as { id?: unknown }).id)) : undefined;
      if (!file) return refuse('INVALID_DATA', 'invalid data', { api_name: 'attachments' });
      total += file.size;
    }
    if (total > 10 * 1024 * 1024) return refuse('FILE_SIZE_EXCEEDS', 'attachments exceed the allowed size', { api_name: 'attachments' });
  }
  const original = String(email.original_message_id);
  if (state.emails.some((e) => e.module === module && e.recordId === id && e.email.original_message_id === original)) {
    return refuse('DUPLICATE_DATA', 'duplicate data', { api_name: 'original_message_id' });
  }
  const messageId = randomBytes(16).toString('hex');
  state.emails.push({ module, recordId: id, messageId, email });
  return json(201, { Emails: [item('SUCCESS', 'Your mail has been added successfully', { message_id: messageId })] });
}

function isAddress(v: unknown): boolean {
  return !!v && typeof v === 'object' && typeof (v as { email?: unknown }).email === 'string' && EMAIL.test((v as { email: string }).email);
}

export async function filesRoute(state: DoubleState, form: FormData | undefined, limits: FileLimits): Promise<Reply> {
  const files = form ? (form.getAll('file').filter((f) => typeof f !== 'string') as unknown as UploadedFile[]) : [];
  if (files.length === 0) return errors.requiredParam('file');
  if (files.length > limits.maxFilesPerCall) return errors.limitExceeded({ limit: limits.maxFilesPerCall, param_name: 'file' });
  if (files.some((f) => f.size > limits.maxFileBytes)) return zohoError(400, 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE', 'file size is more than the allowed size', {});
  const data = [];
  for (const f of files) {
    const id = randomBytes(24).toString('hex');
    state.files.set(id, { id, name: f.name, size: f.size, contentType: f.type, bytes: Buffer.from(await f.arrayBuffer()) });
    data.push(item('SUCCESS', 'file uploaded.', { name: f.name, id }));
  }
  return json(200, { data });
}

export function attachmentRoute(state: DoubleState, module: string, id: string, form: FormData | undefined, query: URLSearchParams, limits: FileLimits): Reply {
  if (!state.isModule(module)) return errors.invalidModule();
  if (!state.get(module, id)) return zohoError(400, 'INVALID_DATA', 'the related id given seems to be invalid', { related_status: 'invalid', resource_path_index: 1 });
  if (state.denied('edit', module, id)) return errors.noPermission([`Crm_Implied_Edit_${module}`]);
  const part = form?.get('file');
  const file = part && typeof part !== 'string' ? (part as unknown as UploadedFile) : undefined;
  const url = query.get('attachmentUrl');
  if (!file && !url) return zohoError(400, 'INVALID_REQUEST', 'file or attachmentUrl is required', { expected_type: 'file' });
  if (file && file.size > limits.maxFileBytes) {
    return zohoError(413, 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE', 'file size is more than the allowed size', {});
  }
  const now = state.formatTime(state.now());
  const attachmentId = state.nextId();
  state.attachments.push({
    id: attachmentId,
    module,
    recordId: id,
    fileName: file ? file.name : query.get('title'),
    size: file ? file.size : 0,
    linkUrl: url,
    createdTime: now,
  });
  const me = state.userRef(state.currentUserId);
  return json(200, {
    data: [item('SUCCESS', 'attachment uploaded successfully', { Modified_Time: now, Modified_By: me, Created_Time: now, id: attachmentId, Created_By: me })],
  });
}
