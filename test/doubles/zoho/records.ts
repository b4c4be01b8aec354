/**
 * /crm/v8/{module} routes (record.json): insert, update, upsert, delete, get by id, list.
 *
 * Statuses follow zoho.md §2 (the 2025-06 OAS lists only 200): insert 201 / 207 / 400,
 * update and upsert 200 / 207 / 400, one `data[]` entry per input record in input order.
 * Request-level problems (more than 100 records, bad trigger, no module permission) are flat
 * errors. Every write records its `trigger`, so tests can see whether automations were asked for.
 */
import { SYSTEM_DUPLICATE_FIELDS } from './field-defs';
import { errors, item, itemsStatus, json, noContent, zohoError, type Reply } from './respond';
import type { DoubleState, StoredRecord } from './state';
import { validateRecord, type Normalised } from './validate';
import { NAME_FIELD } from './field-defs';
import type { WatchArea } from './watch';

export const MAX_WRITE = 100;
const TRIGGERS = new Set(['approval', 'workflow', 'blueprint', 'pathfinder', 'orchestration']);
const NO_UPSERT = new Set(['Tasks', 'Events', 'Calls']);

export interface WriteLog {
  method: string;
  module: string;
  /** `undefined` when the key was absent (Zoho then runs every automation). */
  trigger: string[] | undefined;
  duplicateCheckFields?: string[];
  records: number;
  /** Events writes: `$send_notification` of each record as sent (`undefined` when absent). */
  sendNotification?: (boolean | undefined)[];
}

function notificationFlags(module: string, data: Record<string, unknown>[]): Pick<WriteLog, 'sendNotification'> {
  if (module !== 'Events') return {};
  return { sendNotification: data.map((d) => (typeof d.$send_notification === 'boolean' ? d.$send_notification : undefined)) };
}

export interface RecordsContext {
  state: DoubleState;
  strictFields: boolean;
  defaultSendNotification: boolean;
  writes: WriteLog[];
  /** notification channels: told about every write, as Zoho's watch is */
  watch: WatchArea;
}

/** One callback per request and operation, with every id it touched (as Zoho batches them). */
function notify(ctx: RecordsContext, module: string, items: ZohoItemLike[], operation: 'insert' | 'update' | 'delete', pick: (i: ZohoItemLike) => boolean = () => true): void {
  const ids = items.filter((i) => i.status === 'success' && pick(i)).map((i) => String((i.details as { id?: unknown }).id));
  ctx.watch.changed(module, operation, ids);
}

type ZohoItemLike = { status: string; details: Record<string, unknown>; action?: unknown };

type Body = Record<string, unknown> | undefined;

export function insert(ctx: RecordsContext, module: string, body: Body): Reply {
  const checked = checkWrite(ctx, module, body, 'create');
  if ('status' in checked) return checked;
  ctx.writes.push({ method: 'POST', module, trigger: checked.trigger, records: checked.data.length, ...notificationFlags(module, checked.data) });
  const items = checked.data.map((input, i) => {
    const v = validateRecord(ctx.state, module, input, i, 'insert', ctx.strictFields);
    if (!v.ok) return v.error;
    const rec = create(ctx, module, v.value);
    return item('SUCCESS', 'record added', successDetails(rec));
  });
  notify(ctx, module, items, 'insert');
  return json(itemsStatus(items, 201), { data: items });
}

export function update(ctx: RecordsContext, module: string, body: Body, pathId?: string): Reply {
  const checked = checkWrite(ctx, module, body, 'edit');
  if ('status' in checked) return checked;
  ctx.writes.push({ method: 'PUT', module, trigger: checked.trigger, records: checked.data.length, ...notificationFlags(module, checked.data) });
  const items = checked.data.map((input, i) => {
    const id = pathId ?? input.id;
    if (typeof id !== 'string') return item('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'id', json_path: `$.data[${i}].id` });
    const existing = ctx.state.get(module, id);
    if (!existing) return item('INVALID_DATA', 'the id given seems to be invalid', { id });
    if (ctx.state.denied('edit', module, id)) return item('NO_PERMISSION', 'permission denied', { id });
    const v = validateRecord(ctx.state, module, input, i, 'update', ctx.strictFields, id);
    if (!v.ok) return v.error;
    const rec = apply(ctx, module, existing, v.value);
    return item('SUCCESS', 'record updated', successDetails(rec));
  });
  notify(ctx, module, items, 'update');
  return json(itemsStatus(items, 200), { data: items });
}

export function upsert(ctx: RecordsContext, module: string, body: Body): Reply {
  if (NO_UPSERT.has(module)) return zohoError(400, 'NOT_SUPPORTED', 'upsert is not supported for this module', { module });
  const checked = checkWrite(ctx, module, body, 'create');
  if ('status' in checked) return checked;
  const requested = body?.duplicate_check_fields;
  if (requested !== undefined && (!Array.isArray(requested) || requested.some((f) => typeof f !== 'string' || !ctx.state.spec(module, f)))) {
    return zohoError(400, 'INVALID_DATA', 'invalid data', { api_name: 'duplicate_check_fields', json_path: '$.duplicate_check_fields' });
  }
  const fields = (requested as string[] | undefined) ?? [...(ctx.state.unique.get(module) ?? []), ...(SYSTEM_DUPLICATE_FIELDS[module] ?? [])];
  ctx.writes.push({ method: 'POST', module, trigger: checked.trigger, duplicateCheckFields: requested as string[] | undefined, records: checked.data.length });
  const items = checked.data.map((input, i) => {
    const match = findDuplicate(ctx.state, module, input, fields);
    if (match) {
      if (ctx.state.denied('edit', module, match.record.id)) return item('NO_PERMISSION', 'permission denied', { id: match.record.id });
      const v = validateRecord(ctx.state, module, input, i, 'update', ctx.strictFields, match.record.id);
      if (!v.ok) return v.error;
      const rec = apply(ctx, module, match.record, v.value);
      return { ...item('SUCCESS', 'record updated', successDetails(rec)), action: 'update', duplicate_field: match.field };
    }
    const v = validateRecord(ctx.state, module, input, i, 'insert', ctx.strictFields);
    if (!v.ok) return v.error;
    const rec = create(ctx, module, v.value);
    return { ...item('SUCCESS', 'record added', successDetails(rec)), action: 'insert', duplicate_field: null };
  });
  notify(ctx, module, items, 'insert', (i) => i.action === 'insert');
  notify(ctx, module, items, 'update', (i) => i.action === 'update');
  return json(itemsStatus(items, 200), { data: items });
}

export function remove(ctx: RecordsContext, module: string, query: URLSearchParams, pathId?: string): Reply {
  if (!ctx.state.isModule(module)) return errors.invalidModule();
  const ids = pathId ? [pathId] : (query.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length === 0) return errors.requiredParam('ids');
  if (ids.length > MAX_WRITE) return errors.limitExceeded({ limit: MAX_WRITE, param_name: 'ids' });
  if (ctx.state.denied('delete', module)) return errors.noPermission([`Crm_Implied_Delete_${module}`]);
  ctx.writes.push({ method: 'DELETE', module, trigger: query.has('wf_trigger') ? [`wf_trigger=${query.get('wf_trigger')}`] : undefined, records: ids.length });
  const items = ids.map((id) => {
    if (!ctx.state.get(module, id)) return item('INVALID_DATA', 'the id given seems to be invalid', { id });
    if (ctx.state.denied('delete', module, id)) return item('NO_PERMISSION', 'permission denied', { id });
    ctx.watch.recordDeleted(module, ctx.state.get(module, id)!, NAME_FIELD[module]);
    ctx.state.store(module).delete(id);
    ctx.state.unindexed.delete(id);
    return item('SUCCESS', 'record deleted', { id });
  });
  notify(ctx, module, items, 'delete');
  return json(itemsStatus(items, 200), { data: items });
}

export function getOne(ctx: RecordsContext, module: string, id: string, query: URLSearchParams): Reply {
  if (!ctx.state.isModule(module)) return errors.invalidModule();
  if (ctx.state.denied('read', module, id)) return errors.noPermission([`Crm_Implied_View_${module}`]);
  const rec = ctx.state.get(module, id);
  if (!rec) return noContent();
  return json(200, { data: [project(rec, query.get('fields'))] });
}

/** GET /{module}: `fields` is mandatory in v8 (≤50), `per_page` ≤200, sort by id/Created_Time/Modified_Time; `ids` (≤100) picks records. */
export function list(ctx: RecordsContext, module: string, query: URLSearchParams): Reply {
  if (!ctx.state.isModule(module)) return errors.invalidModule();
  const fields = query.get('fields');
  if (!fields) return errors.requiredParam('fields');
  if (fields.split(',').length > 50) return errors.limitExceeded({ limit: 50, param_name: 'fields' });
  const perPage = Math.min(Number(query.get('per_page') ?? 200) || 200, 200);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const sortBy = query.get('sort_by') ?? 'id';
  const desc = (query.get('sort_order') ?? 'desc') === 'desc';
  const ids = query.get('ids');
  if (ids !== null && ids.split(',').length > MAX_WRITE) return errors.limitExceeded({ limit: MAX_WRITE, param_name: 'ids' });
  const wanted = ids === null ? undefined : new Set(ids.split(',').map((s) => s.trim()));
  const all = [...ctx.state.store(module).values()]
    .filter((r) => !wanted || wanted.has(r.id))
    .sort((a, b) => compareKey(a, b, sortBy) * (desc ? -1 : 1));
  const slice = all.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return noContent();
  return json(200, {
    data: slice.map((r) => project(r, fields)),
    info: { per_page: perPage, count: slice.length, page, sort_by: sortBy, sort_order: desc ? 'desc' : 'asc', more_records: page * perPage < all.length },
  });
}

/** Creates a record from validated values (also used by seeding through the API path). */
export function create(ctx: RecordsContext, module: string, v: Normalised): StoredRecord {
  const { state } = ctx;
  const now = state.formatTime(state.now());
  const me = state.userRef(state.currentUserId);
  const rec: StoredRecord = {
    Owner: me,
    ...v.values,
    id: state.nextId(),
    Created_Time: now,
    Modified_Time: now,
    Created_By: me,
    Modified_By: me,
  };
  finish(ctx, module, rec, v);
  state.store(module).set(rec.id, rec);
  if (state.searchLag) state.unindexed.add(rec.id);
  return rec;
}

export function apply(ctx: RecordsContext, module: string, existing: StoredRecord, v: Normalised): StoredRecord {
  const { state } = ctx;
  Object.assign(existing, v.values, { Modified_Time: state.formatTime(state.now()), Modified_By: state.userRef(state.currentUserId) });
  finish(ctx, module, existing, v);
  if (state.searchLag) state.unindexed.add(existing.id);
  return existing;
}

/** Derived fields, and the invitation model for meetings (see events.ts in lib/zoho). */
function finish(ctx: RecordsContext, module: string, rec: StoredRecord, v: Normalised): void {
  if (module === 'Contacts' || module === 'Leads') {
    rec.Full_Name = ctx.state.fullName(rec);
  }
  if (module === 'Events' && Array.isArray(v.values.Participants) && v.values.Participants.length > 0) {
    const invite = v.sendNotification ?? ctx.defaultSendNotification;
    for (const p of v.values.Participants as Record<string, unknown>[]) p.invited = invite;
    if (invite) ctx.state.invitations.push({ eventId: rec.id, participants: v.values.Participants.length });
  }
}

function successDetails(rec: StoredRecord): Record<string, unknown> {
  return {
    Modified_Time: rec.Modified_Time,
    Modified_By: strip(rec.Modified_By),
    Created_Time: rec.Created_Time,
    id: rec.id,
    Created_By: strip(rec.Created_By),
    $approval_state: 'approved',
  };
}

function strip(user: unknown): unknown {
  if (!user || typeof user !== 'object') return user;
  const { name, id } = user as { name?: unknown; id?: unknown };
  return { name, id };
}

function checkWrite(
  ctx: RecordsContext,
  module: string,
  body: Body,
  op: 'create' | 'edit',
): Reply | { data: Record<string, unknown>[]; trigger: string[] | undefined } {
  if (!ctx.state.isModule(module)) return errors.invalidModule();
  if (!body || typeof body !== 'object') return errors.invalidBody();
  const data = body.data;
  if (!Array.isArray(data) || data.length === 0) return errors.requiredParam('data');
  if (data.length > MAX_WRITE) return errors.limitExceeded({ limit: MAX_WRITE, api_name: 'data' }, 'Record count exceeded');
  if (data.some((d) => !d || typeof d !== 'object' || Array.isArray(d))) return errors.invalidBody();
  const trigger = body.trigger;
  if (trigger !== undefined && (!Array.isArray(trigger) || trigger.some((t) => typeof t !== 'string' || !TRIGGERS.has(t)))) {
    return zohoError(400, 'INVALID_DATA', 'invalid data', { api_name: 'trigger', json_path: '$.trigger' });
  }
  if (ctx.state.denied(op, module)) return errors.noPermission([`Crm_Implied_${op === 'create' ? 'Create' : 'Edit'}_${module}`]);
  return { data: data as Record<string, unknown>[], trigger: trigger as string[] | undefined };
}

/** The earliest-created record matching on the first duplicate-check field that has a value. */
function findDuplicate(state: DoubleState, module: string, input: Record<string, unknown>, fields: string[]): { record: StoredRecord; field: string } | undefined {
  for (const field of fields) {
    const value = input[field];
    if (typeof value !== 'string' || value === '') continue;
    const matches = [...state.store(module).values()]
      .filter((r) => typeof r[field] === 'string' && (r[field] as string).toLowerCase() === value.toLowerCase())
      .sort((a, b) => compareKey(a, b, 'Created_Time'));
    if (matches[0]) return { record: matches[0], field };
  }
  return undefined;
}

function compareKey(a: StoredRecord, b: StoredRecord, key: string): number {
  if (key === 'id') return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ta = Date.parse(String(a[key]));
  const tb = Date.parse(String(b[key]));
  return ta - tb || compareKey(a, b, 'id');
}

export function project(rec: StoredRecord, fields: string | null): Record<string, unknown> {
  if (!fields) return { ...rec };
  const out: Record<string, unknown> = { id: rec.id };
  for (const f of fields.split(',').map((s) => s.trim())) if (f && f in rec) out[f] = rec[f];
  return out;
}

