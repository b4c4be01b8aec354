/**
 * Records API: insert, update, upsert, delete, get (record.json; zoho.md §2).
 *
 * Zoho takes at most 100 records per write call, answers one `data[]` entry per input record in
 * input order, and summarises with 201/200 (all ok), 207 (mixed) or 400 (all refused). So the
 * status is ignored, each entry becomes a ZohoRecordResult, and a refused record is a value, not
 * an exception. Only request-level failures throw; when a later chunk fails, the results of the
 * chunks already applied travel on the error as `partialResults`.
 */
import { asDetails, ZohoApiError, ZohoResponseValidationError } from './errors';
import type { ZohoHttp, ZohoResponse } from './http';
import { actionItem, actionResponse, parseOrThrow, recordsResponse } from './schemas';
import type { ZohoRecord, ZohoRecordResult, ZohoUpsertOptions, ZohoWriteOptions } from './types';
import type { z } from 'zod';

export const MAX_RECORDS_PER_WRITE = 100;
export const MAX_IDS_PER_DELETE = 100;
/** Zoho counts writes of more than 10 records against the heavy-API sub-concurrency. */
const HEAVY_WRITE = 10;

const MODULE = /^[A-Za-z][A-Za-z0-9_]*$/;

export function assertModule(module: string): string {
  if (!MODULE.test(module)) throw new TypeError('invalid Zoho module API name');
  return module;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function insertRecords(http: ZohoHttp, module: string, records: readonly ZohoRecord[], opts: ZohoWriteOptions = {}): Promise<ZohoRecordResult[]> {
  return write(http, 'POST', `/${assertModule(module)}`, records, (data) => ({ data, ...triggerOf(opts) }));
}

export async function updateRecords(http: ZohoHttp, module: string, records: readonly ZohoRecord[], opts: ZohoWriteOptions = {}): Promise<ZohoRecordResult[]> {
  for (const r of records) {
    if (typeof r.id !== 'string' || r.id === '') throw new TypeError('every record to update needs its id');
  }
  return write(http, 'PUT', `/${assertModule(module)}`, records, (data) => ({ data, ...triggerOf(opts) }));
}

/** Not for Tasks, Events or Calls: Zoho has no upsert for activities (zoho.md §2). */
export async function upsertRecords(http: ZohoHttp, module: string, records: readonly ZohoRecord[], opts: ZohoUpsertOptions): Promise<ZohoRecordResult[]> {
  if (opts.duplicateCheckFields.length === 0) throw new TypeError('upsert needs at least one duplicate check field');
  return write(http, 'POST', `/${assertModule(module)}/upsert`, records, (data) => ({
    data,
    duplicate_check_fields: [...opts.duplicateCheckFields],
    ...triggerOf(opts),
  }));
}

export async function deleteRecords(http: ZohoHttp, module: string, ids: readonly string[], opts: { workflowTrigger?: boolean } = {}): Promise<ZohoRecordResult[]> {
  const path = `/${assertModule(module)}`;
  const results: ZohoRecordResult[] = [];
  for (const part of chunk(ids, MAX_IDS_PER_DELETE)) {
    let res: ZohoResponse;
    try {
      res = await http.send({
        method: 'DELETE',
        path,
        query: { ids: part.join(','), wf_trigger: opts.workflowTrigger },
        itemsKey: 'data',
        heavy: part.length > HEAVY_WRITE,
      });
    } catch (err) {
      throw withPartial(err, results);
    }
    const items = parseOrThrow(actionResponse, res.body, `DELETE /crm/v8${path}`, res.status).data;
    // Delete answers name the id in each entry; use it, and fall back to position.
    const byId = new Map<string, z.infer<typeof actionItem>>();
    for (const item of items) {
      const id = asDetails(item.details).id;
      if (typeof id === 'string') byId.set(id, item);
    }
    if (byId.size !== part.length && items.length !== part.length) throw countMismatch(`DELETE /crm/v8${path}`, res.status, results);
    part.forEach((id, i) => results.push(toResultFor(byId.get(id) ?? items[i], id)));
  }
  return results;
}

/** One record, or null when Zoho has none with that id (204 or 404). */
export async function getRecord(http: ZohoHttp, module: string, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> {
  const path = `/${assertModule(module)}/{id}`;
  let res: ZohoResponse;
  try {
    res = await http.send({ method: 'GET', path, params: { id }, query: { fields: fields?.join(',') } });
  } catch (err) {
    // 204 is the documented "no such record"; some answers say it as 404 or as INVALID_DATA
    // naming the very id that was asked for.
    if (err instanceof ZohoApiError && (err.status === 404 || (err.code === 'INVALID_DATA' && err.details.id === id))) return null;
    throw err;
  }
  if (res.status === 204 || res.body === undefined) return null;
  const data = parseOrThrow(recordsResponse, res.body, `GET /crm/v8${path}`, res.status).data;
  return data[0] ?? null;
}

function triggerOf(opts: ZohoWriteOptions): { trigger?: string[] } {
  return opts.trigger === undefined ? {} : { trigger: [...opts.trigger] };
}

async function write(
  http: ZohoHttp,
  method: 'POST' | 'PUT',
  path: string,
  records: readonly ZohoRecord[],
  body: (data: ZohoRecord[]) => Record<string, unknown>,
): Promise<ZohoRecordResult[]> {
  const endpoint = `${method} /crm/v8${path}`;
  const results: ZohoRecordResult[] = [];
  for (const part of chunk(records, MAX_RECORDS_PER_WRITE)) {
    let res: ZohoResponse;
    try {
      res = await http.send({ method, path, json: body(part), itemsKey: 'data', heavy: part.length > HEAVY_WRITE });
    } catch (err) {
      throw withPartial(err, results);
    }
    const items = parseOrThrow(actionResponse, res.body, endpoint, res.status).data;
    // Results are matched to inputs by position; a different count makes that unsafe.
    if (items.length !== part.length) throw countMismatch(endpoint, res.status, results);
    for (const item of items) results.push(toResult(item));
  }
  return results;
}

/** For answers about a known record (delete, cancel), whose success entry may omit the id. */
export function toResultFor(item: z.infer<typeof actionItem>, id: string): ZohoRecordResult {
  const details = asDetails(item.details);
  return toResult(item.status === 'success' && typeof details.id !== 'string' ? { ...item, details: { ...details, id } } : item);
}

export function toResult(item: z.infer<typeof actionItem>): ZohoRecordResult {
  const details = asDetails(item.details);
  if (item.status === 'success') {
    if (typeof details.id !== 'string') return { status: 'error', code: 'INVALID_RESPONSE', message: 'success without a record id', details };
    return {
      status: 'success',
      code: item.code,
      id: details.id,
      createdTime: typeof details.Created_Time === 'string' ? details.Created_Time : undefined,
      modifiedTime: typeof details.Modified_Time === 'string' ? details.Modified_Time : undefined,
      action: item.action ?? undefined,
      duplicateField: item.duplicate_field ?? undefined,
      details,
    };
  }
  const duplicate = details.duplicate_record as { id?: unknown } | undefined;
  const duplicateId =
    typeof duplicate?.id === 'string' ? duplicate.id : item.code === 'DUPLICATE_DATA' && typeof details.id === 'string' ? details.id : undefined;
  return {
    status: 'error',
    code: item.code,
    message: item.message ?? '',
    field: fieldOf(details),
    duplicateId,
    details,
  };
}

function fieldOf(details: Record<string, unknown>): string | undefined {
  if (typeof details.api_name === 'string') return details.api_name;
  // MULTIPLE_OR_MULTI_ERRORS: name the first field Zoho complains about.
  const first = Array.isArray(details.errors) ? (details.errors[0] as { details?: { api_name?: unknown } } | undefined) : undefined;
  return typeof first?.details?.api_name === 'string' ? first.details.api_name : undefined;
}

function withPartial(err: unknown, done: ZohoRecordResult[]): unknown {
  if (err instanceof ZohoApiError && done.length > 0) err.partialResults = [...done];
  return err;
}

function countMismatch(endpoint: string, status: number, done: ZohoRecordResult[]): ZohoApiError {
  const err = new ZohoResponseValidationError({
    status,
    code: 'INVALID_RESPONSE',
    message: `Zoho answer on ${endpoint} has a different number of results than records sent`,
    endpoint,
  });
  if (done.length > 0) err.partialResults = [...done];
  return err;
}
