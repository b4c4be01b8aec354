/**
 * The mailbox owner's own Zoho rights (seed: every change is made with the user's own Zoho rights).
 * One org-wide token writes for every mailbox, so Zoho itself only checks the integration user;
 * before a write for a mailbox, the Zoho user's profile (matched by e-mail) is checked for the
 * module and action (create / edit / delete) here, and a refused write is reported
 * "no permission (your Zoho profile)" without calling Zoho.
 *
 * What one org token cannot enforce: record-level sharing (data-sharing rules, role hierarchy,
 * territories, a record shared read-only with the user). Zoho evaluates those for the token's
 * user only, and the API has no "as user X" check, so an edit the owner could not make on one
 * particular record still succeeds when the profile allows edits on the module.
 */
import { TtlCache } from '../cache';
import type { Config } from '../config';
import type { Logger } from '../log';
import { ZohoApiError } from '../zoho/errors';
import { allowed, type RecordAction, type ZohoProfile } from '../zoho/profiles';
import type { ZohoRecordFailure, ZohoUser } from '../zoho/types';
import type { ZohoPort } from './ports';

export type RightsSettings = Pick<Config, 'SYNC_ZOHO_RIGHTS' | 'SYNC_NO_ZOHO_USER'>;

export const PROFILE_REFUSAL = 'PROFILE_NO_PERMISSION';
export const NO_ZOHO_USER = 'NO_ZOHO_USER';

export type RightsVerdict = { ok: true } | { ok: false; failure: ZohoRecordFailure };

export interface RightsDeps {
  zoho: { getProfile(id: string): Promise<ZohoProfile> };
  /** the Zoho user whose e-mail is the mailbox owner's */
  zohoUserFor(userId: string): Promise<ZohoUser | undefined>;
  settings: RightsSettings;
  logger?: Logger;
}

export class MailboxRights {
  private readonly profiles: TtlCache<ZohoProfile | null>;

  constructor(private readonly deps: RightsDeps, ttlMs = 10 * 60_000) {
    this.profiles = new TtlCache(ttlMs);
  }

  async check(userId: string, module: string, action: RecordAction): Promise<RightsVerdict> {
    if (this.deps.settings.SYNC_ZOHO_RIGHTS === 'off') return { ok: true };
    const user = await this.deps.zohoUserFor(userId);
    if (!user) {
      if (this.deps.settings.SYNC_NO_ZOHO_USER === 'integration') return { ok: true };
      return refused(NO_ZOHO_USER, 'the mailbox has no Zoho user (SYNC_NO_ZOHO_USER=skip)');
    }
    const profileId = user.profile?.id;
    if (!profileId) return { ok: true };
    const profile = await this.profiles.get(profileId, () => this.load(profileId));
    if (!profile || allowed(action, module, profile.permissions)) return { ok: true };
    return refused(PROFILE_REFUSAL, `the Zoho profile ${profile.name ?? profileId} may not ${action} ${module}`);
  }

  /** A profile Zoho will not show (scope not granted) leaves the check to Zoho, as without this. */
  private async load(profileId: string): Promise<ZohoProfile | null> {
    try {
      return await this.deps.zoho.getProfile(profileId);
    } catch (err) {
      if (!(err instanceof ZohoApiError) || err.transient) throw err;
      this.deps.logger?.warn('Zoho profile not readable; writes are checked by Zoho only', { code: err.code });
      return null;
    }
  }
}

function refused(code: string, message: string): RightsVerdict {
  return { ok: false, failure: { status: 'error', code, message, details: {} } };
}

/**
 * The engine's Zoho port for one mailbox: inserts, updates and deletes are checked against the
 * owner's profile first; a refused call answers each record with the refusal and reaches no Zoho.
 * Look-ups pass through.
 */
export function rightsChecked<P extends ZohoPort>(port: P, userId: string, rights: Pick<MailboxRights, 'check'>): P {
  const checked: P = Object.create(port);
  const guard = async <T>(module: string, action: RecordAction, count: number, write: () => Promise<T>): Promise<T | ZohoRecordFailure[]> => {
    const verdict = await rights.check(userId, module, action);
    return verdict.ok ? write() : Array.from({ length: count }, () => ({ ...verdict.failure }));
  };
  checked.insertRecords = (module, records, opts) => guard(module, 'create', records.length, () => port.insertRecords(module, records, opts));
  checked.updateRecords = (module, records, opts) => guard(module, 'edit', records.length, () => port.updateRecords(module, records, opts));
  checked.deleteRecords = (module, ids) => guard(module, 'delete', ids.length, () => port.deleteRecords(module, ids));
  return checked;
}
