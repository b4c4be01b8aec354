import { getConfig, type Config } from './config';
import type { GraphApi } from './graph/client';
import type { Logger } from './log';
import { MailService } from './mail/actions';
import { CallCounter } from './metrics';
import type { SyncModule } from './modules';
import { QUEUES, StorageQueue } from './queue';
import { DeltaLinkRepository } from './state/delta';
import { LinkRepository } from './state/links';
import { RunRepository } from './state/runs';
import { SkippedRepository } from './state/skipped';
import { SubscriptionRepository } from './state/subscriptions';
import { TableStore } from './state/tables';
import { ProvisionedUserRepository } from './state/users';
import type { ProvisionDeps } from './provision/deps';
import { LifecycleMessage, ResyncJobMessage, SyncItemMessage } from './sync/messages';
import { LookupClaimRepository } from './state/lookup-claims';
import { TableZohoTokenStore } from './state/zoho-token';
import { AccountResolver } from './sync/accounts';
import { ContactsAdapter } from './sync/adapters/contacts';
import { EventsAdapter } from './sync/adapters/events';
import { EventSeriesRepository } from './state/event-series';
import { TasksAdapter } from './sync/adapters/tasks';
import { Directory } from './sync/directory';
import type { ModuleAdapter } from './sync/engine';
import { BatchedAttendeeDirectory } from './sync/participants';
import type { WorkerDeps } from './sync/worker';
import { forgetSubscription, resetWebhookRuntime } from './webhook/runtime';
import { createZohoClient, type ZohoClient } from './zoho/client';

/**
 * The composition root: long-lived clients and repositories of this process, built from settings
 * on first use and shared by every invocation (Functions reuse the worker process).
 */
export class Runtime {
  readonly tables: TableStore;
  readonly subscriptions: SubscriptionRepository;
  readonly links: LinkRepository;
  readonly eventSeries: EventSeriesRepository;
  readonly runs: RunRepository;
  readonly skipped: SkippedRepository;
  readonly deltaLinks: DeltaLinkRepository;
  readonly syncQueue: StorageQueue<SyncItemMessage>;
  readonly lifecycleQueue: StorageQueue<LifecycleMessage>;
  readonly lookupClaims: LookupClaimRepository;
  readonly resyncQueue: StorageQueue<ResyncJobMessage>;
  readonly users: ProvisionedUserRepository;
  /** vendor calls made by this process, per endpoint */
  readonly graphCalls = new CallCounter();
  readonly zohoCalls = new CallCounter();
  private graphClient?: GraphApi;
  private zohoClient?: ZohoClient;
  private directoryInstance?: Directory;
  private accountResolver?: AccountResolver;
  private mailService?: MailService;

  constructor(readonly config: Config, private readonly logger?: Logger) {
    this.tables = new TableStore(config.AzureWebJobsStorage);
    this.subscriptions = new SubscriptionRepository(this.tables);
    this.links = new LinkRepository(this.tables);
    this.eventSeries = new EventSeriesRepository(this.tables);
    this.runs = new RunRepository(this.tables);
    this.skipped = new SkippedRepository(this.tables);
    this.deltaLinks = new DeltaLinkRepository(this.tables);
    this.syncQueue = new StorageQueue(config.AzureWebJobsStorage, QUEUES.syncItems, SyncItemMessage);
    this.lifecycleQueue = new StorageQueue(config.AzureWebJobsStorage, QUEUES.lifecycle, LifecycleMessage);
    this.lookupClaims = new LookupClaimRepository(this.tables);
    this.resyncQueue = new StorageQueue(config.AzureWebJobsStorage, QUEUES.resyncJobs, ResyncJobMessage);
    this.users = new ProvisionedUserRepository(this.tables);
  }

  /** Provisioning, renewal and the lifecycle worker, logging through the invocation's logger. */
  provisionDeps(logger: Logger): ProvisionDeps {
    return {
      graph: this.graph,
      config: this.config,
      subscriptions: this.subscriptions,
      users: this.users,
      links: this.links,
      deltaLinks: this.deltaLinks,
      eventSeries: this.eventSeries,
      skipped: this.skipped,
      runs: this.runs,
      resyncQueue: this.resyncQueue,
      // the webhook's cache of subscriptions lives in its own light runtime (lib/webhook/runtime)
      forgetSubscription,
      logger,
      now: () => new Date(),
    };
  }

  get graph(): GraphApi {
    // Loaded on first use, not with this file: @azure/identity and the Graph SDK are about half of a
    // function file's load time, and the functions that never call Graph should not pay it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createGraphClient } = require('./graph/client') as typeof import('./graph/client');
    this.graphClient ??= createGraphClient(
      {
        baseUrl: this.config.GRAPH_BASE_URL,
        authorityHost: this.config.GRAPH_AUTHORITY_HOST,
        tenantId: this.config.GRAPH_TENANT_ID,
        clientId: this.config.GRAPH_CLIENT_ID,
        clientSecret: this.config.GRAPH_CLIENT_SECRET,
        certificatePath: this.config.GRAPH_CLIENT_CERTIFICATE_PATH,
      },
      { calls: this.graphCalls, logger: this.logger },
    );
    return this.graphClient;
  }

  get zoho(): ZohoClient {
    this.zohoClient ??= createZohoClient({
      accountsUrl: this.config.ZOHO_ACCOUNTS_URL,
      apiDomain: this.config.ZOHO_API_DOMAIN,
      clientId: this.config.ZOHO_CLIENT_ID,
      clientSecret: this.config.ZOHO_CLIENT_SECRET,
      refreshToken: this.config.ZOHO_REFRESH_TOKEN,
      tokenStore: new TableZohoTokenStore(this.tables),
      maxConcurrency: this.config.ZOHO_MAX_CONCURRENCY,
      calls: this.zohoCalls,
      logger: this.logger,
    });
    return this.zohoClient;
  }

  get directory(): Directory {
    this.directoryInstance ??= new Directory(this.zoho, this.graph);
    return this.directoryInstance;
  }

  get accounts(): AccountResolver {
    this.accountResolver ??= new AccountResolver(this.zoho, this.lookupClaims, this.config.ZOHO_TRIGGER);
    return this.accountResolver;
  }

  /** E-mail to CRM: sent-mail capture (the worker's `mail` handler) and the operator actions. */
  get mail(): MailService {
    this.mailService ??= new MailService({
      graph: this.graph,
      zoho: this.zoho,
      links: this.links,
      lookupClaims: this.lookupClaims,
      runs: this.runs,
      directory: this.directory,
      config: this.config,
    });
    return this.mailService;
  }

  /** The modules that are not turned off, each behind the engine's adapter interface. */
  adapters(): Partial<Record<SyncModule, ModuleAdapter<unknown>>> {
    const out: Partial<Record<SyncModule, ModuleAdapter<unknown>>> = {};
    if (this.config.SYNC_CONTACTS !== 'off') {
      out.contacts = new ContactsAdapter({ graph: this.graph, zoho: this.zoho, directory: this.directory, accounts: this.accounts, config: this.config }) as ModuleAdapter<unknown>;
    }
    if (this.config.SYNC_TASKS !== 'off') {
      out.tasks = new TasksAdapter({ graph: this.graph, zoho: this.zoho, directory: this.directory, config: this.config }) as ModuleAdapter<unknown>;
    }
    if (this.config.SYNC_EVENTS !== 'off') {
      out.events = new EventsAdapter({
        graph: this.graph,
        zoho: this.zoho,
        directory: this.directory,
        attendees: new BatchedAttendeeDirectory(this.zoho, this.directory),
        links: this.links,
        series: this.eventSeries,
        queue: this.syncQueue,
        config: this.config,
        now: () => new Date(),
      }) as ModuleAdapter<unknown>;
    }
    return out;
  }

  workerDeps(): WorkerDeps {
    return {
      links: this.links,
      zoho: this.zoho,
      config: this.config,
      now: () => new Date(),
      runs: this.runs,
      skipped: this.skipped,
      queue: this.syncQueue,
      adapters: this.adapters(),
      // Sent mail is filed on several records per message, so it bypasses the one-item engine.
      handlers: { mail: (msg, logger) => this.mail.capture(msg, logger) },
      noteNotification: (userId, module, at) => this.users.recordNotification(userId, module, at),
      maxAttempts: this.config.SYNC_MAX_ATTEMPTS,
      busyRetrySeconds: this.config.SYNC_BUSY_RETRY_SECONDS,
    };
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
  resetWebhookRuntime();
}
