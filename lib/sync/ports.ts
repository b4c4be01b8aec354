import type { MessageQueue } from '../queue';
import type { ZohoField, ZohoRecord, ZohoRecordResult, ZohoUser, ZohoWriteOptions } from '../zoho/types';
import type { SyncItemMessage } from './messages';

/**
 * The part of the Zoho client the engine uses. The engine receives it, so the client can be
 * swapped (or counted) without the engine knowing.
 */
export interface ZohoPort {
  insertRecords(module: string, records: readonly ZohoRecord[], opts?: ZohoWriteOptions): Promise<ZohoRecordResult[]>;
  updateRecords(module: string, records: readonly ZohoRecord[], opts?: ZohoWriteOptions): Promise<ZohoRecordResult[]>;
  deleteRecords(module: string, ids: readonly string[]): Promise<ZohoRecordResult[]>;
  coql(query: string): Promise<ZohoRecord[]>;
  /** for each value (lower-cased key), the record created first whose `field` equals it, batched with `in (…)` */
  earliestByField(module: string, field: string, values: readonly string[], selectFields: readonly string[]): Promise<Map<string, ZohoRecord>>;
  /** every record whose `field` equals one of `values` (case-insensitive), batched with `in (…)`, earliest created first */
  findByField(module: string, field: string, values: readonly string[], selectFields: readonly string[]): Promise<ZohoRecord[]>;
  getUsers(opts?: { type?: 'ActiveUsers' }): Promise<ZohoUser[]>;
  getFields(module: string): Promise<ZohoField[]>;
}

export type SyncQueue = MessageQueue<SyncItemMessage>;
