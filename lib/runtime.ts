import { EntraTokenValidator } from './auth/entra-token';
import { getConfig, type Config } from './config';
import type { GraphApi } from './graph/client';
import type { Logger } from './log';
import { MailService } from './mail/actions';
import { CallCounter } from './metrics';
import type { SyncModule } from './modules';
import { QUEUES, StorageQueue, type MessageQueue } from './queue';
import { previewWorld, RecordingQueue, type DryRunZoho, type RecordedWrite } from './resync/preview';
import { DeltaLinkRepository } from './state/delta';
import { invocationLogger } from './invocation';
import { HolderRepository } from './state/holders';
import { LinkRepository } from './state/links';
import { RunRepository } from './state/runs';
import { SkippedRepository } from './state/skipped';
import { SubscriptionRepository } from './state/subscriptions';
import { TableStore } from './state/tables';
import { StorageAccount } from './storage';
import { ProvisionedUserRepository } from './state/users';
import { UserSettingsRepository } from './state/user-settings';
import { TtlCache } from './cache';
import { effectiveConfig, modeOf, type UserOverrides } from './sync/user-modes';
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
import { FolderScopes } from './graph/folders';
import { MailboxRights, rightsChecked } from './sync/rights';
import type { ZohoPort } from './sync/ports';
import { OutlookWriter } from './graph/outlook-writes';
import { OutlookDuplicates } from './graph/outlook-lookup';
import { ZohoIndexRepository } from './state/zoho-index';
import type { ApplyDeps } from './zohofeed/apply';
import { twoWayPort } from './zohofeed/two-way-port';
import { outlookOps } from './zohofeed/outlook-ops';
import type { TwoWayPort } from './sync/two-way';
import { directionOf, isTwoWayModule, type TwoWayModule } from './direction';
import { randomUUID } from 'node:crypto';
import { PendingZohoChangeRepository, ZohoFeedRepository, type ZohoChannelRecord } from './state/zoho-feed';
import { ZohoChangeMessage } from './zohofeed/messages';
import { OwnerMailboxes } from './zohofeed/owners';
import { TableSlotStore } from './zoho/fleet';

/**
 * The composition root: long-lived clients and repositories of this process, built from settings
 * on first use and shared by every invocation (Functions reuse the worker process).
 */
export class Runtime {
  readonly tables: TableStore;
  readonly subscriptions: SubscriptionRepository;
  readonly links: LinkRepository;
  readonly holders: HolderRepository;
  readonly eventSeries: EventSeriesRepository;
  readonly runs: RunRepository;
  readonly skipped: SkippedRepository;
  readonly deltaLinks: DeltaLinkRepository;
  readonly syncQueue: StorageQueue<SyncItemMessage>;
  readonly lifecycleQueue: StorageQueue<LifecycleMessage>;
  readonly lookupClaims: LookupClaimRepository;
  readonly resyncQueue: StorageQueue<ResyncJobMessage>;
  readonly users: ProvisionedUserRepository;
  readonly userSettings: UserSettingsRepository;
  /** per-user overrides, read at most once a minute per user and instance */
  readonly overrides = new TtlCache<UserOverrides | undefined>(60_000);
  /** Zoho → Outlook: channels and sweep cursors, the change queue, and changes not yet applied */
  readonly zohoFeed: ZohoFeedRepository;
  readonly zohoChangesQueue: StorageQueue<ZohoChangeMessage>;
  readonly pendingZohoChanges: PendingZohoChangeRepository;
  /** Zoho record → the Outlook item it is linked to (Zoho → Outlook) */
  readonly zohoIndex: ZohoIndexRepository;
  /** the callback route reads a channel's token once a minute, not once per callback */
  private readonly channelCache = new TtlCache<ZohoChannelRecord | undefined>(60_000);
  private outlookWriterInstance?: OutlookWriter;
  /** vendor calls made by this process, per endpoint */
  readonly graphCalls = new CallCounter();
  readonly zohoCalls = new CallCounter();
  private graphClient?: GraphApi;
  private zohoClient?: ZohoClient;
  private burstZoho?: ZohoClient;
  private directoryInstance?: Directory;
  private accountResolver?: AccountResolver;
  private mailService?: MailService;
  private tokenValidator?: EntraTokenValidator;
  private folderScopesInstance?: FolderScopes;
  private rightsInstance?: MailboxRights;

  constructor(readonly config: Config, private readonly logger?: Logger) {
    const storage = new StorageAccount(config);
    this.tables = new TableStore(storage);
    this.subscriptions = new SubscriptionRepository(this.tables);
    this.links = new LinkRepository(this.tables);
    this.holders = new HolderRepository(this.tables);
    this.eventSeries = new EventSeriesRepository(this.tables);
    this.runs = new RunRepository(this.tables);
    this.skipped = new SkippedRepository(this.tables);
    this.deltaLinks = new DeltaLinkRepository(this.tables);
    this.syncQueue = new StorageQueue(storage, QUEUES.syncItems, SyncItemMessage);
    this.lifecycleQueue = new StorageQueue(storage, QUEUES.lifecycle, LifecycleMessage);
    this.lookupClaims = new LookupClaimRepository(this.tables);
    this.resyncQueue = new StorageQueue(storage, QUEUES.resyncJobs, ResyncJobMessage);
    this.users = new ProvisionedUserRepository(this.tables);
    this.userSettings = new UserSettingsRepository(this.tables);
    this.zohoFeed = new ZohoFeedRepository(this.tables);
    this.zohoChangesQueue = new StorageQueue(storage, QUEUES.zohoChanges, ZohoChangeMessage);
    this.pendingZohoChanges = new PendingZohoChangeRepository(this.tables);
    this.zohoIndex = new ZohoIndexRepository(this.tables);
  }

  /**
   * One user's view of the settings (per-user overrides over the tenant's, `manage/users`): the
   * settings, the adapters and mail handler built from them, and which modules only a resync syncs.
   */
  async forUser(userId: string, zoho: ZohoClient = this.zoho): Promise<UserView> {
    const overrides = await this.overrides.get(userId.toLowerCase(), () => this.userSettings.get(userId));
    const config = effectiveConfig(this.config, overrides);
    return {
      config,
      zoho: rightsChecked(zoho, userId, this.rights),
      adapters: this.adapters(config, this.adapterWorld(zoho)),
      handlers: { mail: (msg, logger) => this.mail.capture(msg, logger, config) },
      manualOnly: (module) => module !== 'mail' && modeOf(this.config, overrides, module) === 'manual',
      receivesOnly: (module) => module !== 'mail' && directionOf(config, module) === 'to-outlook',
    };
  }

  /** The callback route's channel look-up (cached; a channel just created is stored before Zoho knows it). */
  readonly zohoChannels = {
    getChannel: (channelId: string, opts: { fresh?: boolean } = {}) => {
      if (opts.fresh) this.channelCache.invalidate(channelId);
      return this.channelCache.get(channelId, () => this.zohoFeed.getChannel(channelId));
    },
  };

  /** Graph writes for Zoho → Outlook (contacts folder per SYNC_CONTACTS_FOLDER). */
  get outlookWriter(): OutlookWriter {
    this.outlookWriterInstance ??= new OutlookWriter(this.graph, { contactsFolder: this.config.SYNC_CONTACTS_FOLDER });
    return this.outlookWriterInstance;
  }

  /** The zoho-change worker's executor: Zoho → Outlook writes, reported into the day's automatic run. */
  applyDeps(logger: Logger): ApplyDeps {
    return {
      zoho: this.zoho,
      owners: { zohoUsers: () => this.directory.zohoUsers(), mailboxes: () => this.ownerMailboxes.mailboxes() },
      index: this.zohoIndex,
      links: this.links,
      holders: this.holders,
      writer: this.outlookWriter,
      duplicates: new OutlookDuplicates(this.graph, this.outlookWriter),
      adaptersFor: async (userId) => (await this.forUser(userId)).adapters,
      timeZone: (userId) => this.directory.mailboxTimeZone(userId),
      fieldRules: (zohoModule) => this.directory.fieldRules(zohoModule),
      pending: this.pendingZohoChanges,
      runs: this.runs,
      skipped: this.skipped,
      config: this.config,
      logger,
      now: () => new Date(),
      claimToken: randomUUID(),
    };
  }

  /** SYNC_*_DIRECTION=both: the forward path's merge with Zoho, one port per module over its reverse codec. */
  twoWayPort(module: TwoWayModule): TwoWayPort {
    return twoWayPort(module, {
      zoho: this.zoho,
      index: this.zohoIndex,
      ops: outlookOps(module, { writer: this.outlookWriter, duplicates: new OutlookDuplicates(this.graph, this.outlookWriter) }),
      adapter: async (userId) => (await this.forUser(userId)).adapters[module],
      timeZone: (userId) => this.directory.mailboxTimeZone(userId),
      fieldRules: (zohoModule) => this.directory.fieldRules(zohoModule),
      zohoUserId: (userId) => this.directory.ownerFor(userId),
      category: this.config.SYNC_CATEGORY,
      policy: this.config.SYNC_CONFLICTS,
    });
  }

  /** Which mailbox a Zoho record goes to (its Owner's). */
  get ownerMailboxes(): OwnerMailboxes {
    return new OwnerMailboxes(this.directory, this.users);
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
        certificate: this.config.GRAPH_CLIENT_CERTIFICATE,
        certificatePath: this.config.GRAPH_CLIENT_CERTIFICATE_PATH,
        federatedIdentityClientId: this.config.GRAPH_FEDERATED_IDENTITY_CLIENT_ID,
      },
      { calls: this.graphCalls, logger: invocationLogger(this.logger) },
    );
    return this.graphClient;
  }

  /** One per process, so the tenant's signing keys are fetched once and cached by jose. */
  get tokens(): EntraTokenValidator {
    this.tokenValidator ??= new EntraTokenValidator({
      authorityHost: this.config.GRAPH_AUTHORITY_HOST,
      tenantId: this.config.GRAPH_TENANT_ID,
      clientId: this.config.GRAPH_CLIENT_ID,
      extraAudiences: this.config.MAIL_TOKEN_AUDIENCES,
    });
    return this.tokenValidator;
  }

  get zoho(): ZohoClient {
    this.zohoClient ??= this.createZoho();
    return this.zohoClient;
  }

  /**
   * A Zoho client of its own for a worker whose calls come in short bursts with Graph pages and
   * Table writes between them (the resync): at most `callsAtOnce` at a time, and an idle fleet slot
   * kept `slotLingerMs` for the next call, where the default client gives it back after 100 ms
   * (each gap then cost a delete, a list and a claim in Table Storage). Made once, on first use.
   */
  zohoForBursts(slots: { slotLingerMs: number; callsAtOnce: number }): ZohoClient {
    this.burstZoho ??= this.createZoho(slots);
    return this.burstZoho;
  }

  private createZoho(slots?: { slotLingerMs: number; callsAtOnce: number }): ZohoClient {
    return createZohoClient({
      accountsUrl: this.config.ZOHO_ACCOUNTS_URL,
      apiDomain: this.config.ZOHO_API_DOMAIN,
      clientId: this.config.ZOHO_CLIENT_ID,
      clientSecret: this.config.ZOHO_CLIENT_SECRET,
      refreshToken: this.config.ZOHO_REFRESH_TOKEN,
      tokenStore: new TableZohoTokenStore(this.tables),
      maxConcurrency: this.config.ZOHO_MAX_CONCURRENCY,
      slots: new TableSlotStore(this.tables),
      ...slots,
      calls: this.zohoCalls,
      logger: invocationLogger(this.logger),
    });
  }

  get directory(): Directory {
    this.directoryInstance ??= new Directory(this.zoho, this.graph);
    return this.directoryInstance;
  }

  /** Which contact folders, calendars and To Do lists the folder settings choose, per user (cached). */
  get folderScopes(): FolderScopes {
    this.folderScopesInstance ??= new FolderScopes(this.graph, this.config);
    return this.folderScopesInstance;
  }

  /** Each mailbox owner's Zoho profile rights, checked before the sync writes for that mailbox. */
  get rights(): MailboxRights {
    this.rightsInstance ??= new MailboxRights({ zoho: this.zoho, zohoUserFor: (userId) => this.directory.zohoUserFor(userId), settings: this.config, logger: this.logger });
    return this.rightsInstance;
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
      rights: this.rights,
    });
    return this.mailService;
  }

  /** The modules that are not turned off, each behind the engine's adapter interface. */
  adapters(config: Config = this.config, world: AdapterWorld = this.adapterWorld()): Partial<Record<SyncModule, ModuleAdapter<unknown>>> {
    const out: Partial<Record<SyncModule, ModuleAdapter<unknown>>> = {};
    if (config.SYNC_CONTACTS !== 'off') {
      out.contacts = new ContactsAdapter({ graph: this.graph, zoho: world.zoho, directory: this.directory, accounts: world.accounts, config, folders: this.folderScopes }) as ModuleAdapter<unknown>;
    }
    if (config.SYNC_TASKS !== 'off') {
      out.tasks = new TasksAdapter({ graph: this.graph, zoho: world.zoho, directory: this.directory, config, folders: this.folderScopes }) as ModuleAdapter<unknown>;
    }
    if (config.SYNC_EVENTS !== 'off') {
      out.events = new EventsAdapter({
        graph: this.graph,
        zoho: world.zoho,
        directory: this.directory,
        attendees: new BatchedAttendeeDirectory(world.zoho, this.directory),
        links: world.links,
        series: world.series,
        queue: world.queue,
        config,
        folders: this.folderScopes,
        now: () => new Date(),
      }) as ModuleAdapter<unknown>;
    }
    return out;
  }

  /** The real clients the adapters write through, with `zoho` (the resync's lingering client) in place of the default. */
  adapterWorld(zoho: ZohoClient = this.zoho): AdapterWorld {
    return { zoho, accounts: this.accounts, links: this.links, series: this.eventSeries, queue: this.syncQueue };
  }

  /**
   * One user's resync preview (lib/resync/preview.ts): the user's settings and adapters, built over
   * a dry-run Zoho port and in-memory overlays of the state tables, so the full run's executor
   * runs and nothing is written. The Account resolver is a fresh one, so a would-be Account is
   * neither created nor cached beyond the preview.
   */
  async preview(userId: string): Promise<PreviewView> {
    const view = await this.forUser(userId);
    const world = previewWorld(this.tables, this.zoho);
    const queue = new RecordingQueue<SyncItemMessage>();
    const accounts = new AccountResolver(world.zoho, world.lookupClaims, view.config.ZOHO_TRIGGER);
    return {
      config: view.config,
      zoho: rightsChecked(world.zoho, userId, this.rights),
      adapters: this.adapters(view.config, { zoho: world.zoho, accounts, links: world.links, series: world.series, queue }),
      links: world.links,
      holders: world.holders,
      skipped: world.skipped,
      deltaLinks: world.deltaLinks,
      syncQueue: queue,
      writes: world.zoho.writes,
    };
  }

  workerDeps(): WorkerDeps {
    return {
      links: this.links,
      holders: this.holders,
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
      forUser: (userId) => this.forUser(userId),
      maxAttempts: this.config.SYNC_MAX_ATTEMPTS,
      busyRetrySeconds: this.config.SYNC_BUSY_RETRY_SECONDS,
      twoWay: (module) => (isTwoWayModule(module) && directionOf(this.config, module) === 'both' ? this.twoWayPort(module) : undefined),
    };
  }
}

/** What the adapters write through: the real clients, or a preview's recording ones. */
export interface AdapterWorld {
  zoho: ZohoClient | DryRunZoho;
  accounts: AccountResolver;
  links: LinkRepository;
  series: EventSeriesRepository;
  queue: MessageQueue<SyncItemMessage>;
}

export interface PreviewView {
  config: Config;
  zoho: ZohoPort;
  adapters: Partial<Record<SyncModule, ModuleAdapter<unknown>>>;
  links: LinkRepository;
  holders: HolderRepository;
  skipped: SkippedRepository;
  deltaLinks: DeltaLinkRepository;
  syncQueue: MessageQueue<SyncItemMessage>;
  /** the Zoho writes the preview recorded instead of making */
  writes: readonly RecordedWrite[];
}

export interface UserView {
  config: Config;
  /** the Zoho port the engine writes through for this mailbox: the owner's profile rights checked first */
  zoho: ZohoPort;
  adapters: Partial<Record<SyncModule, ModuleAdapter<unknown>>>;
  handlers: NonNullable<WorkerDeps['handlers']>;
  /** `manual`: change notifications are ignored, only a resync syncs the module */
  manualOnly(module: SyncModule): boolean;
  /** SYNC_*_DIRECTION=to-outlook: Outlook changes of the module are not sent to Zoho */
  receivesOnly(module: SyncModule): boolean;
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
