import type { Config } from '../config';
import type { GraphApi } from '../graph/client';
import type { CallCounter } from '../metrics';
import type { SyncModule } from '../modules';
import type { MessageQueue } from '../queue';
import type { Runtime } from '../runtime';
import type { DeltaLinkRepository } from '../state/delta';
import type { HolderRepository } from '../state/holders';
import type { LinkRepository } from '../state/links';
import type { RunRepository } from '../state/runs';
import type { SkippedRepository } from '../state/skipped';
import type { ModuleAdapter } from '../sync/engine';
import type { ResyncJobMessage } from '../sync/messages';
import type { SyncQueue, ZohoPort } from '../sync/ports';
import type { WorkerDeps } from '../sync/worker';
import { ResyncJobRepository } from './jobs';
import { resyncFromZoho } from '../zohofeed/apply';
import { invocationLogger } from '../invocation';
import { ResyncScratch } from './scratch';

export interface ResyncDeps {
  config: Pick<
    Config,
    | 'SYNC_CONTACTS' | 'SYNC_TASKS' | 'SYNC_EVENTS' | 'SYNC_CATEGORY' | 'SYNC_DELETES' | 'ZOHO_TRIGGER' | 'SYNC_MASS_DELETE_SHARE'
    | 'SYNC_EVENTS_PAST_DAYS' | 'SYNC_EVENTS_FUTURE_DAYS' | 'MAIL_RESYNC_DAYS' | 'MAIL_CAPTURE' | 'SYNC_MAX_ATTEMPTS' | 'SYNC_BUSY_RETRY_SECONDS'
    | 'SYNC_CONTACT_FOLDERS' | 'SYNC_CALENDARS' | 'SYNC_TODO_LISTS' | 'RESYNC_INVOCATION_BUDGET_SECONDS'
  > & Partial<Pick<Config, 'SYNC_CONTACTS_DIRECTION' | 'SYNC_TASKS_DIRECTION' | 'SYNC_EVENTS_DIRECTION'>>;
  graph: GraphApi;
  zoho: ZohoPort;
  links: LinkRepository;
  holders: HolderRepository;
  runs: RunRepository;
  skipped: SkippedRepository;
  deltaLinks: Pick<DeltaLinkRepository, 'get' | 'put'>;
  jobs: ResyncJobRepository;
  scratch: ResyncScratch;
  syncQueue: SyncQueue;
  resyncQueue: MessageQueue<ResyncJobMessage>;
  adapters: Partial<Record<SyncModule, ModuleAdapter<unknown>>>;
  /** the Zoho side of a module that syncs to Outlook (lib/zohofeed/apply.ts resyncFromZoho) */
  fromZoho?: (userId: string, module: 'contacts' | 'tasks' | 'events', mode: 'full' | 'delta', runId: string, force?: boolean) => Promise<{ read: number; lines: number; note?: string }>;
  handlers?: WorkerDeps['handlers'];
  /** SYNC_*_DIRECTION=both: the executor merges an update with Zoho's values, as a notification does */
  twoWay?: WorkerDeps['twoWay'];
  /** hook: per-user overrides (manage/users): the settings, adapters and handlers as they apply to one user */
  forUser?: (userId: string) => Promise<{ config: ResyncDeps['config']; zoho: ResyncDeps['zoho']; adapters: ResyncDeps['adapters']; handlers?: ResyncDeps['handlers'] }>;
  /**
   * hook: one user's preview world (lib/resync/preview.ts): the user's settings and adapters over a
   * dry-run Zoho port and in-memory overlays of the state tables
   */
  preview?: (userId: string) => Promise<Pick<ResyncDeps, 'config' | 'zoho' | 'adapters' | 'links' | 'holders' | 'skipped' | 'deltaLinks' | 'syncQueue'>>;
  /** users a job that names none covers */
  provisionedUsers(): Promise<string[]>;
  /**
   * The process's call counters. A part's calls are the difference before/after it, so calls of
   * other invocations running in the same instance at the same time are counted in too.
   */
  calls: { graph: CallCounter; zoho: CallCounter };
  now: () => Date;
  /** items read and stored in parallel per part */
  concurrency?: number;
}

/**
 * How the resync holds Zoho's fleet-wide slots (issue 14's leases in Table Storage). A part's Zoho
 * calls come in short bursts (a chunk's look-ups, then its 100-record writes) with Graph pages and
 * Table transactions between them, often more than the default 100 ms apart: each gap then cost a
 * slot delete, a list and a claim, and each burst of 4 writes claimed 4 slots (~0.04 Table
 * requests per item on a full resync). Two calls at once, and an idle slot kept 10 s, longer than
 * a chunk takes (1–2 s in Azure, ~6 s in Azurite at 10,000 items): while it runs a resync holds at
 * most 2 of the org's slots, and other instances wait at most 10 s after its last call for them.
 */
export const RESYNC_ZOHO_SLOTS = { callsAtOnce: 2, slotLingerMs: 10_000 };

export function resyncDeps(rt: Runtime): ResyncDeps {
  const worker = rt.workerDeps();
  const zoho = rt.zohoForBursts(RESYNC_ZOHO_SLOTS);
  return {
    config: rt.config,
    graph: rt.graph,
    zoho,
    links: rt.links,
    holders: rt.holders,
    runs: rt.runs,
    skipped: rt.skipped,
    deltaLinks: rt.deltaLinks,
    jobs: new ResyncJobRepository(rt.tables),
    scratch: new ResyncScratch(rt.tables),
    syncQueue: rt.syncQueue,
    resyncQueue: rt.resyncQueue,
    adapters: rt.adapters(rt.config, rt.adapterWorld(zoho)),
    handlers: worker.handlers,
    twoWay: worker.twoWay,
    forUser: (userId) => rt.forUser(userId, zoho),
    preview: (userId) => rt.preview(userId),
    fromZoho: (userId, module, mode, runId, force) =>
      resyncFromZoho(userId, module, mode, runId, {
        ...rt.applyDeps(invocationLogger()),
        coql: (query) => rt.zoho.coql(query),
        zohoUserId: (u) => rt.directory.ownerFor(u),
        cursor: async (zohoModule) => (await rt.zohoFeed.getCursor(zohoModule)).modifiedSince,
      }, force),
    provisionedUsers: async () => (await rt.users.list()).filter((u) => u.state === 'active').map((u) => u.userId),
    calls: { graph: rt.graphCalls, zoho: rt.zohoCalls },
    now: () => new Date(),
  };
}
