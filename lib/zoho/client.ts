/**
 * The Zoho CRM client the sync engine uses: a thin typed layer over fetch (not Zoho's SDK, see
 * zoho.md §8). It only wires the pieces together; each API area lives in its own module.
 *
 * One client per process is the intent (the limiter and the token cache are per instance), but a
 * client per invocation still shares field metadata through `processFieldCache` and tokens
 * through the ZohoTokenStore.
 */
import type { Logger } from '../log';
import type { CallCounter } from '../metrics';
import { COQL_DEFAULT_PAGE, earliestByField, findByField, runCoql, type FindByFieldOptions } from './coql';
import { addAttachment, associateEmail, uploadFiles } from './email';
import { getDeletedRecords, type DeletedRecord } from './deleted';
import { getRecordsByIds, type RecordsById } from './read';
import { cancelEvent } from './events';
import { FleetSemaphore, type SlotStore } from './fleet';
import { ZohoHttp, type CallLimiter, type ZohoHttpOptions } from './http';
import { Semaphore } from './limiter';
import { getProfile, type ZohoProfile } from './profiles';
import { fetchFields, getOrg, getUsers, processFieldCache, type ZohoFieldCache, type ZohoUserType } from './metadata';
import { deleteRecords, getRecord, insertRecords, updateRecords, upsertRecords } from './records';
import { searchRecords, type ZohoSearchQuery } from './search';
import { ZohoTokenProvider, type ZohoAccessTokenSource } from './token';
import type { ZohoTokenStore } from './token-store';
import { disableWatch, enableWatch, listWatch, updateWatch, type ListedWatchChannel, type WatchChannelSpec, type WatchResult } from './watch';
import type {
  ZohoAssociateEmail, ZohoEmailResult, ZohoField, ZohoFileResult, ZohoOrg, ZohoRecord, ZohoRecordResult,
  ZohoUploadFile, ZohoUpsertOptions, ZohoUser, ZohoWriteOptions,
} from './types';

export interface ZohoClientOptions extends Omit<ZohoHttpOptions, 'tokens'> {
  tokens: ZohoAccessTokenSource;
  /** Default: the process-wide cache (30 min TTL). */
  fieldCache?: ZohoFieldCache;
  /** Rows per COQL call, 1..2000. Default 200 (one credit per call). */
  coqlPageSize?: number;
}

export class ZohoClient {
  readonly http: ZohoHttp;
  private readonly fieldCache: ZohoFieldCache;
  private readonly coqlPageSize: number;
  private readonly org: string;

  constructor(options: ZohoClientOptions) {
    this.http = new ZohoHttp(options);
    this.fieldCache = options.fieldCache ?? processFieldCache;
    this.coqlPageSize = options.coqlPageSize ?? COQL_DEFAULT_PAGE;
    this.org = new URL(options.apiDomain).origin;
  }

  /** ≤100 records per call, results in input order; a refused record is a result, not a throw. */
  insertRecords(module: string, records: readonly ZohoRecord[], opts?: ZohoWriteOptions): Promise<ZohoRecordResult[]> {
    return insertRecords(this.http, module, records, opts);
  }

  /** Each record carries its `id`. */
  updateRecords(module: string, records: readonly ZohoRecord[], opts?: ZohoWriteOptions): Promise<ZohoRecordResult[]> {
    return updateRecords(this.http, module, records, opts);
  }

  /** Not for Tasks, Events or Calls. */
  upsertRecords(module: string, records: readonly ZohoRecord[], opts: ZohoUpsertOptions): Promise<ZohoRecordResult[]> {
    return upsertRecords(this.http, module, records, opts);
  }

  deleteRecords(module: string, ids: readonly string[], opts?: { workflowTrigger?: boolean }): Promise<ZohoRecordResult[]> {
    return deleteRecords(this.http, module, ids, opts);
  }

  /** null when the record does not exist (204/404). */
  getRecord(module: string, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> {
    return getRecord(this.http, module, id, fields);
  }

  /** Every row of a COQL query, paging with LIMIT/OFFSET; [] for no rows. */
  coql(query: string): Promise<ZohoRecord[]> {
    return runCoql(this.http, query, this.coqlPageSize);
  }

  /** Records whose `field` is one of `values`, IN lists split to Zoho's limit, earliest created first. */
  findByField(module: string, field: string, values: readonly string[], selectFields: readonly string[], opts?: FindByFieldOptions): Promise<ZohoRecord[]> {
    return findByField(this.http, module, field, values, selectFields, { pageSize: this.coqlPageSize, ...opts });
  }

  /** Per lower-cased value, the record created first. */
  earliestByField(module: string, field: string, values: readonly string[], selectFields: readonly string[]): Promise<Map<string, ZohoRecord>> {
    return earliestByField(this.http, module, field, values, selectFields, this.coqlPageSize);
  }

  searchRecords(module: string, query: ZohoSearchQuery, maxResults?: number): Promise<ZohoRecord[]> {
    return searchRecords(this.http, module, query, maxResults);
  }

  getUsers(opts?: { type?: ZohoUserType }): Promise<ZohoUser[]> {
    return getUsers(this.http, opts);
  }

  /** A profile and its permissions per module (settings/profiles/{id}). */
  getProfile(id: string): Promise<ZohoProfile> {
    return getProfile(this.http, id);
  }

  getOrg(): Promise<ZohoOrg> {
    return getOrg(this.http);
  }

  /** Field metadata of a module, cached per process (TTL) and per org. */
  getFields(module: string): Promise<ZohoField[]> {
    return this.fieldCache.get(`${this.org}|${module}`, () => fetchFields(this.http, module));
  }

  associateEmail(module: string, recordId: string, email: ZohoAssociateEmail): Promise<ZohoEmailResult> {
    return associateEmail(this.http, module, recordId, email);
  }

  uploadFiles(files: readonly ZohoUploadFile[], opts?: { inline?: boolean }): Promise<ZohoFileResult[]> {
    return uploadFiles(this.http, files, opts);
  }

  addAttachment(module: string, recordId: string, file: ZohoUploadFile): Promise<{ id: string }> {
    return addAttachment(this.http, module, recordId, file);
  }

  cancelEvent(eventId: string, opts?: { sendCancellingMail?: boolean }): Promise<ZohoRecordResult> {
    return cancelEvent(this.http, eventId, opts);
  }

  /** Notification channels (watch.ts). */
  enableWatch(spec: WatchChannelSpec): Promise<WatchResult> {
    return enableWatch(this.http, spec);
  }

  updateWatch(spec: WatchChannelSpec): Promise<WatchResult> {
    return updateWatch(this.http, spec);
  }

  listWatch(channelId?: string): Promise<ListedWatchChannel[]> {
    return listWatch(this.http, channelId);
  }

  disableWatch(channelIds: readonly string[]): Promise<WatchResult[]> {
    return disableWatch(this.http, channelIds);
  }

  /** Records by id, ≤ 100 per call; ids not returned are listed as missing. */
  getRecordsByIds(module: string, ids: readonly string[], fields: readonly string[]): Promise<RecordsById> {
    return getRecordsByIds(this.http, module, ids, fields);
  }

  /** Records deleted since `since` (recycle bin and permanent). */
  getDeletedRecords(module: string, opts?: { since?: string; maxRecords?: number }): Promise<DeletedRecord[]> {
    return getDeletedRecords(this.http, module, opts);
  }
}

export interface ZohoSettings {
  accountsUrl: string;
  apiDomain: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenStore?: ZohoTokenStore;
  /** Concurrency limit; with `slots`, for the whole fleet of instances, otherwise per process. */
  maxConcurrency?: number;
  /** Shared slot leases (Table Storage), so several instances together stay within `maxConcurrency`. */
  slots?: SlotStore;
  /** How long an idle slot is kept for this client's next call (FleetSemaphore `lingerMs`); default 100 ms. */
  slotLingerMs?: number;
  /**
   * With `slots`: at most this many of this client's calls at once (default: up to the fleet's
   * limit). A client whose bursts are short (a resync writing 400 records as 4 calls) then holds
   * few slots, which its linger keeps for its next burst instead of claiming and freeing them each time.
   */
  callsAtOnce?: number;
  timeoutMs?: number;
  calls?: CallCounter;
  logger?: Logger;
}

function fleetLimiter(store: SlotStore, settings: Pick<ZohoSettings, 'maxConcurrency' | 'slotLingerMs' | 'callsAtOnce'>): CallLimiter {
  const fleet = new FleetSemaphore({ limit: settings.maxConcurrency ?? 5, store, lingerMs: settings.slotLingerMs });
  if (!settings.callsAtOnce) return fleet;
  const local = new Semaphore(settings.callsAtOnce);
  return { run: (task) => local.run(() => fleet.run(task)), get inFlight() { return fleet.inFlight; } };
}

/** The production wiring: token provider (with the shared store) + client on one api domain. */
export function createZohoClient(settings: ZohoSettings): ZohoClient {
  const tokens = new ZohoTokenProvider({
    accountsUrl: settings.accountsUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    refreshToken: settings.refreshToken,
    store: settings.tokenStore,
    expectedApiDomain: settings.apiDomain,
    timeoutMs: settings.timeoutMs,
    calls: settings.calls,
    logger: settings.logger,
  });
  return new ZohoClient({
    apiDomain: settings.apiDomain,
    tokens,
    maxConcurrency: settings.maxConcurrency,
    limiter: settings.slots ? fleetLimiter(settings.slots, settings) : undefined,
    timeoutMs: settings.timeoutMs,
    calls: settings.calls,
    logger: settings.logger,
  });
}
