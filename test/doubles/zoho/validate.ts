/**
 * Per-record checks of a write against the double's field metadata, answering with Zoho's
 * per-record error entries (record.json API_Exception, common.json detail shapes):
 * - longer than `length` → INVALID_DATA { api_name, json_path, maximum_length };
 * - wrong type → INVALID_DATA { api_name, json_path, expected_data_type };
 * - pick list value not in the list → INVALID_DATA { api_name, json_path, supported_values };
 * - mandatory missing → MANDATORY_NOT_FOUND { api_name, json_path };
 * - What_Id without $se_module → DEPENDENT_FIELD_MISSING;
 * - more than 50 participants → LIMIT_EXCEEDED;
 * - a value clashing with a field marked unique → DUPLICATE_DATA with `duplicate_record`.
 *
 * The first problem wins (Zoho reports one error per record unless it uses
 * MULTIPLE_OR_MULTI_ERRORS). Unknown field names are refused (`strictFields`, the default) so a
 * misspelt API name fails in tests instead of being dropped silently; read-only fields are ignored.
 */
import { item, type ZohoItem } from './respond';
import type { DoubleState } from './state';

export type WriteMode = 'insert' | 'update';

export interface Normalised {
  values: Record<string, unknown>;
  /** `$send_notification` as sent (undefined when absent). */
  sendNotification?: boolean;
}

const TEXT_TYPES = new Set(['text', 'textarea', 'email', 'phone', 'website']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
/** `$` keys the double understands; any other `$` key is accepted and ignored. */
const KNOWN_DOLLAR = new Set(['$se_module', '$send_notification']);
export const PARTICIPANT_LIMIT = 50;

export function validateRecord(
  state: DoubleState,
  module: string,
  input: Record<string, unknown>,
  index: number,
  mode: WriteMode,
  strictFields: boolean,
  selfId?: string,
): { ok: true; value: Normalised } | { ok: false; error: ZohoItem } {
  const path = (f: string) => `$.data[${index}].${f}`;
  const invalid = (api: string, extra: Record<string, unknown> = {}) => fail(item('INVALID_DATA', 'invalid data', { api_name: api, json_path: path(api), ...extra }));
  const values: Record<string, unknown> = {};
  let sendNotification: boolean | undefined;

  for (const [key, raw] of Object.entries(input)) {
    if (key === 'id') continue;
    if (key.startsWith('$')) {
      if (key === '$send_notification') {
        if (typeof raw !== 'boolean') return invalid(key, { expected_data_type: 'boolean' });
        sendNotification = raw;
      } else if (KNOWN_DOLLAR.has(key)) {
        values[key] = raw;
      }
      continue;
    }
    const spec = state.spec(module, key);
    if (!spec) {
      if (strictFields) return invalid(key);
      continue;
    }
    if (spec.readOnly) continue;
    if (raw === null || raw === '') {
      if (spec.mandatory) return fail(item('MANDATORY_NOT_FOUND', 'required field not found', { api_name: key, json_path: path(key) }));
      values[key] = null;
      continue;
    }
    if (TEXT_TYPES.has(spec.type)) {
      if (typeof raw !== 'string') return invalid(key, { expected_data_type: spec.type });
      const max = spec.length ?? 255;
      if (Array.from(raw).length > max) return invalid(key, { maximum_length: max });
      if (spec.type === 'email' && !EMAIL.test(raw)) return invalid(key);
      values[key] = raw;
    } else if (spec.type === 'picklist') {
      if (typeof raw !== 'string') return invalid(key, { expected_data_type: 'picklist' });
      if (spec.picklist && !spec.picklist.includes(raw)) return invalid(key, { supported_values: spec.picklist });
      values[key] = raw;
    } else if (spec.type === 'date') {
      if (typeof raw !== 'string' || !DATE.test(raw) || Number.isNaN(Date.parse(raw))) return invalid(key, { expected_data_type: 'date' });
      values[key] = raw;
    } else if (spec.type === 'datetime') {
      if (typeof raw !== 'string' || !DATETIME.test(raw) || Number.isNaN(Date.parse(raw))) return invalid(key, { expected_data_type: 'datetime' });
      values[key] = raw;
    } else if (spec.type === 'boolean') {
      if (typeof raw !== 'boolean') return invalid(key, { expected_data_type: 'boolean' });
      values[key] = raw;
    } else if (spec.type === 'integer' || spec.type === 'currency') {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return invalid(key, { expected_data_type: spec.type === 'integer' ? 'integer' : 'double' });
      values[key] = raw;
    } else if (spec.type === 'ownerlookup') {
      const id = lookupId(raw);
      const user = id === undefined ? undefined : state.user(id);
      if (!user || user.status !== 'active') return invalid(key, { expected_data_type: 'ownerlookup' });
      values[key] = state.userRef(user.id);
    } else if (spec.type === 'lookup') {
      const id = lookupId(raw);
      if (id === undefined) return invalid(key, { expected_data_type: 'lookup' });
      let target = spec.lookup;
      if (key === 'What_Id') {
        const se = input.$se_module;
        if (typeof se !== 'string') {
          return fail(item('DEPENDENT_FIELD_MISSING', 'Dependent Fields missing', {
            api_name: '$se_module',
            json_path: path('$se_module'),
            dependee: { api_name: key, json_path: path(key) },
          }));
        }
        target = se;
      }
      if (!target || !state.get(target, id)) return invalid(key);
      values[key] = state.lookupRef(target, id);
    } else if (spec.type === 'multiselectlookup') {
      const participants = participantsOf(state, raw);
      if (participants === 'too-many') return fail(item('LIMIT_EXCEEDED', 'Only 50 participants can be added to an event', { api_name: key, json_path: path(key), limit: PARTICIPANT_LIMIT }));
      if (participants === undefined) return invalid(key);
      values[key] = participants;
    } else {
      values[key] = raw;
    }
  }

  if (mode === 'insert') {
    for (const spec of state.fieldSpecs.get(module) ?? []) {
      if (spec.mandatory && (values[spec.api] === undefined || values[spec.api] === null)) {
        return fail(item('MANDATORY_NOT_FOUND', 'required field not found', { api_name: spec.api, json_path: path(spec.api) }));
      }
    }
  }

  if (module === 'Events') {
    const existing = selfId ? state.get(module, selfId) : undefined;
    const start = (values.Start_DateTime ?? existing?.Start_DateTime) as string | undefined;
    const end = (values.End_DateTime ?? existing?.End_DateTime) as string | undefined;
    if (start && end && Date.parse(end) < Date.parse(start)) return invalid('End_DateTime');
  }

  for (const field of state.unique.get(module) ?? []) {
    const value = values[field];
    if (typeof value !== 'string') continue;
    const clash = [...state.store(module).values()].find((r) => r.id !== selfId && typeof r[field] === 'string' && (r[field] as string).toLowerCase() === value.toLowerCase());
    if (clash) {
      return fail(item('DUPLICATE_DATA', 'duplicate data', {
        api_name: field,
        json_path: path(field),
        duplicate_record: { id: clash.id, Owner: clash.Owner, module: { api_name: module, id: moduleId(module) } },
        more_records: false,
      }));
    }
  }

  return { ok: true, value: { values, sendNotification } };
}

function fail(error: ZohoItem): { ok: false; error: ZohoItem } {
  return { ok: false, error };
}

function lookupId(raw: unknown): string | undefined {
  if (raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string') return (raw as { id: string }).id;
  return undefined;
}

/** Participants as Zoho renders them in answers (name, Email, invited, status added). */
function participantsOf(state: DoubleState, raw: unknown): Record<string, unknown>[] | 'too-many' | undefined {
  if (!Array.isArray(raw)) return undefined;
  if (raw.length > PARTICIPANT_LIMIT) return 'too-many';
  const out: Record<string, unknown>[] = [];
  for (const p of raw) {
    if (!p || typeof p !== 'object') return undefined;
    const { type, participant, Email } = p as { type?: unknown; participant?: unknown; Email?: unknown };
    if (type === 'email') {
      if (typeof Email !== 'string' || !EMAIL.test(Email)) return undefined;
      out.push({ type, participant: null, Email, name: Email, invited: false, status: 'not_known' });
      continue;
    }
    if (typeof participant !== 'string') return undefined;
    if (type === 'user') {
      const u = state.user(participant);
      if (!u) return undefined;
      out.push({ type, participant, Email: u.email, name: u.full_name, invited: false, status: 'not_known' });
    } else if (type === 'contact' || type === 'lead') {
      const r = state.get(type === 'contact' ? 'Contacts' : 'Leads', participant);
      if (!r) return undefined;
      out.push({ type, participant, Email: r.Email ?? null, name: r.Full_Name ?? null, invited: false, status: 'not_known' });
    } else {
      return undefined;
    }
  }
  return out;
}

function moduleId(module: string): string {
  return `57257670000000021${String(module.length).padStart(2, '0')}`;
}

