/**
 * Filing e-mails into CRM records (zoho.md §5): the Associate Email API, the Files API that
 * holds its attachments, and record attachments (the route for Cases, which cannot take
 * associate_email).
 */
import { asDetails, ZohoApiError, ZohoInvalidRequestError } from './errors';
import type { ZohoHttp } from './http';
import { assertModule, chunk } from './records';
import { emailsResponse, filesResponse, parseOrThrow } from './schemas';
import type { ZohoAssociateEmail, ZohoEmailResult, ZohoFileResult, ZohoUploadFile } from './types';

/** Limits from zoho.md §5 and associate_email.json. */
export const EMAIL_LIMITS = {
  /** The 2025-06 OAS says 250 (newer docs 500): mappings should cut to 250. */
  subject: 250,
  content: 32_000,
  addressesPerList: 50,
  attachments: 20,
  attachmentsTotalBytes: 10 * 1024 * 1024,
} as const;

/** Per file, for both the Files API and record attachments. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/**
 * Files per upload call. zoho.md only says "several"; Zoho's older Files API page said ten, which
 * is also safe if the real limit is higher [verify].
 */
export const FILES_PER_UPLOAD = 10;

/**
 * Files one e-mail into a record's Emails related list. It sends nothing. A repeat of the same
 * `original_message_id` answers DUPLICATE_DATA, which is reported as success with
 * `alreadyAssociated: true`, so redelivery is harmless.
 */
export async function associateEmail(http: ZohoHttp, module: string, recordId: string, email: ZohoAssociateEmail): Promise<ZohoEmailResult> {
  const path = `/${assertModule(module)}/{id}/actions/associate_email`;
  const res = await http.send({ method: 'POST', path, params: { id: recordId }, json: { Emails: [email] }, itemsKey: 'Emails' });
  const item = parseOrThrow(emailsResponse, res.body, `POST /crm/v8${path}`, res.status).Emails[0];
  if (!item) throw ZohoApiError.fromResponse(res.status, res.body, { endpoint: `POST /crm/v8${path}` });
  const details = asDetails(item.details);
  if (item.status === 'success') {
    return { status: 'success', code: item.code, messageId: typeof details.message_id === 'string' ? details.message_id : undefined, alreadyAssociated: false };
  }
  if (item.code === 'DUPLICATE_DATA') return { status: 'success', code: item.code, alreadyAssociated: true };
  return {
    status: 'error',
    code: item.code,
    message: item.message ?? '',
    field: typeof details.api_name === 'string' ? details.api_name : typeof details.param === 'string' ? details.param : undefined,
    details,
  };
}

/**
 * Uploads files to Zoho's file store (POST /files, multipart part `file`) and returns one result
 * per file in input order; pass successful ids as associate_email `attachments[].id`. A file over
 * 20 MB is refused here without a call.
 */
export async function uploadFiles(http: ZohoHttp, files: readonly ZohoUploadFile[], opts: { inline?: boolean } = {}): Promise<ZohoFileResult[]> {
  const results: ZohoFileResult[] = new Array(files.length);
  const sendable: { index: number; file: ZohoUploadFile }[] = [];
  files.forEach((file, index) => {
    if (file.content.byteLength > MAX_FILE_BYTES) {
      results[index] = { status: 'error', code: 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE', message: 'file is larger than 20 MB' };
    } else {
      sendable.push({ index, file });
    }
  });
  for (const part of chunk(sendable, FILES_PER_UPLOAD)) {
    const form = new FormData();
    for (const { file } of part) form.append('file', blobOf(file), file.name);
    const res = await http.send({ method: 'POST', path: '/files', query: { type: opts.inline ? 'inline' : undefined }, form, itemsKey: 'data' });
    const items = parseOrThrow(filesResponse, res.body, 'POST /crm/v8/files', res.status).data;
    if (items.length !== part.length) throw ZohoApiError.fromResponse(res.status, res.body, { endpoint: 'POST /crm/v8/files' });
    part.forEach(({ index, file }, i) => {
      const item = items[i];
      const details = asDetails(item.details);
      results[index] =
        item.status === 'success' && typeof details.id === 'string'
          ? { status: 'success', id: details.id, name: typeof details.name === 'string' ? details.name : file.name }
          : { status: 'error', code: item.code, message: item.message ?? '' };
    });
  }
  return results;
}

/** Attaches a file to a record (POST /{module}/{id}/Attachments) and returns the attachment id. */
export async function addAttachment(http: ZohoHttp, module: string, recordId: string, file: ZohoUploadFile): Promise<{ id: string }> {
  const path = `/${assertModule(module)}/{id}/Attachments`;
  const endpoint = `POST /crm/v8${path}`;
  if (file.content.byteLength > MAX_FILE_BYTES) {
    throw new ZohoInvalidRequestError({ status: 413, code: 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE', message: `Zoho refuses attachments over 20 MB (${endpoint}, not sent)`, endpoint });
  }
  const form = new FormData();
  form.append('file', blobOf(file), file.name);
  const res = await http.send({ method: 'POST', path, params: { id: recordId }, form });
  const item = parseOrThrow(filesResponse, res.body, endpoint, res.status).data[0];
  const id = item ? asDetails(item.details).id : undefined;
  if (!item || item.status !== 'success' || typeof id !== 'string') throw ZohoApiError.fromResponse(res.status >= 400 ? res.status : 400, item ?? res.body, { endpoint });
  return { id };
}

function blobOf(file: ZohoUploadFile): Blob {
  // Copy into a plain ArrayBuffer: Blob does not accept views over SharedArrayBuffer-typed buffers.
  const bytes = new Uint8Array(file.content.byteLength);
  bytes.set(file.content);
  return new Blob([bytes.buffer], { type: file.contentType ?? 'application/octet-stream' });
}
