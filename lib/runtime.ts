import { getConfig, type Config } from './config';
import { QUEUES, StorageQueue } from './queue';
import { DeltaLinkRepository } from './state/delta';
import { LinkRepository } from './state/links';
import { RunRepository } from './state/runs';
import { SkippedRepository } from './state/skipped';
import { SubscriptionRepository } from './state/subscriptions';
import { TableStore } from './state/tables';
import { LifecycleMessage, SyncItemMessage } from './sync/messages';
import { CachedSubscriptionLookup } from './webhook/subscription-cache';

/**
 * The composition root: long-lived clients and repositories of this process, built from settings
 * on first use and shared by every invocation (Functions reuse the worker process).
 */
export class Runtime {
  readonly tables: TableStore;
  readonly subscriptions: SubscriptionRepository;
  readonly subscriptionLookup: CachedSubscriptionLookup;
  readonly links: LinkRepository;
  readonly runs: RunRepository;
  readonly skipped: SkippedRepository;
  readonly deltaLinks: DeltaLinkRepository;
  readonly syncQueue: StorageQueue<SyncItemMessage>;
  readonly lifecycleQueue: StorageQueue<LifecycleMessage>;

  constructor(readonly config: Config) {
    this.tables = new TableStore(config.AzureWebJobsStorage);
    this.subscriptions = new SubscriptionRepository(this.tables);
    this.subscriptionLookup = new CachedSubscriptionLookup(this.subscriptions);
    this.links = new LinkRepository(this.tables);
    this.runs = new RunRepository(this.tables);
    this.skipped = new SkippedRepository(this.tables);
    this.deltaLinks = new DeltaLinkRepository(this.tables);
    this.syncQueue = new StorageQueue(config.AzureWebJobsStorage, QUEUES.syncItems, SyncItemMessage);
    this.lifecycleQueue = new StorageQueue(config.AzureWebJobsStorage, QUEUES.lifecycle, LifecycleMessage);
  }
}

let current: Runtime | undefined;

export function getRuntime(): Runtime {
  current ??= new Runtime(getConfig());
  return current;
}

/** Tests point settings at fresh doubles and storage between files. */
export function resetRuntime(): void {
  current = undefined;
}
