import { GraphApiError } from '../graph/errors';
import { LinkConflictError } from '../state/links';
import { ZohoApiError } from '../zoho/errors';
import type { ZohoRecordFailure } from '../zoho/types';

/**
 * Thrown when another worker is creating the same first-seen item right now. Not a failure: the
 * message is retried later and by then the other worker has linked the record.
 */
export class ItemBusyError extends Error {
  constructor() {
    super('Another worker is creating this item in Zoho right now');
    this.name = 'ItemBusyError';
  }
}

/**
 * Zoho refused a look-up id the adapter had cached (an Account deleted in Zoho since). The adapter
 * has forgotten it; the retry resolves the look-up afresh.
 */
export class StaleLookupError extends Error {
  constructor(readonly field: string | undefined) {
    super(`Zoho no longer knows the record cached for ${field ?? 'a look-up'}`);
    this.name = 'StaleLookupError';
  }
}

/** A Zoho per-record refusal, carried as an error so the engine has one place that reports skips. */
export class ZohoRecordRefused extends Error {
  constructor(readonly failure: ZohoRecordFailure, readonly zohoModule: string) {
    super(`Zoho refused the record: ${failure.code}${failure.field ? ` (${failure.field})` : ''}`);
    this.name = 'ZohoRecordRefused';
  }
}

export type Outcome = { transient: true; retryAfterMs?: number; code: string } | { transient: false; code: string; reason: string };

/** Words an administrator understands for Zoho's codes (SPEC §2.6: "no permission"). */
export function zohoReason(code: string, field?: string, message?: string): string {
  switch (code) {
    case 'NO_PERMISSION':
    case 'PERMISSION_DENIED':
      return 'no permission';
    // Our own check of the mailbox owner's profile (lib/sync/rights.ts), before any Zoho call.
    case 'PROFILE_NO_PERMISSION':
      return 'no permission (your Zoho profile)';
    case 'NO_ZOHO_USER':
      return 'the mailbox has no Zoho user (SYNC_NO_ZOHO_USER=skip)';
    case 'MANDATORY_NOT_FOUND':
      return `mandatory field missing${field ? `: ${field}` : ''}`;
    case 'INVALID_DATA':
      return `invalid data${field ? ` in ${field}` : ''}${message ? ` (${message})` : ''}`;
    case 'DUPLICATE_DATA':
      return `duplicate value${field ? ` in ${field}` : ''} refused by Zoho`;
    case 'RECORD_LOCKED':
      return 'the Zoho record is locked (approval or review)';
    case 'LIMIT_EXCEEDED':
      return 'Zoho limit exceeded';
    case 'FEATURE_NOT_SUPPORTED':
    case 'FEATURE_NOT_ENABLED':
      return 'not available in this Zoho edition';
    case 'OAUTH_SCOPE_MISMATCH':
      return 'the Zoho connection lacks an OAuth scope';
    default:
      return `Zoho refused it: ${code}${field ? ` (${field})` : ''}${message ? ` ${message}` : ''}`;
  }
}

/** What the report says once retries end: a transient failure says how often it was tried. */
export function finalReason(outcome: Outcome, attempts: number): string {
  return outcome.transient ? `gave up after ${attempts} attempts (${outcome.code})` : outcome.reason;
}

export function classify(err: unknown): Outcome {
  if (err instanceof ItemBusyError || err instanceof LinkConflictError || err instanceof StaleLookupError) return { transient: true, code: err.name };
  if (err instanceof ZohoRecordRefused) {
    const f = err.failure;
    return { transient: false, code: f.code, reason: zohoReason(f.code, f.field, f.message) };
  }
  if (err instanceof ZohoApiError) {
    if (err.transient) return { transient: true, retryAfterMs: err.retryAfterMs, code: err.code };
    return { transient: false, code: err.code, reason: zohoReason(err.code, err.apiName, err.zohoMessage) };
  }
  if (err instanceof GraphApiError) {
    if (err.transient) return { transient: true, retryAfterMs: err.retryAfterMs, code: err.code };
    const reason =
      err.status === 403 ? 'Microsoft Graph refused access to this mailbox (permission or RBAC scope)' : `Microsoft Graph error ${err.status} ${err.code}`;
    return { transient: false, code: err.code, reason };
  }
  // Storage hiccups, network resets: unknown errors are retried, and recorded on the last attempt.
  return { transient: true, code: (err as Error)?.name ?? 'Error' };
}
