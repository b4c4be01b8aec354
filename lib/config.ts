import { z } from 'zod';
import { parseFolderSelection } from './mapping/folders';
import { storageTarget } from './storage';

/**
 * The one place settings are read. Parsed once with zod; every problem is collected so an
 * administrator fixes them all in one round instead of one per restart.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const requiredString = (what: string) =>
  z.preprocess(blankToUndefined, z.string({ error: `is required (${what})` }).trim().min(1, `is required (${what})`));

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

/** https, or http on loopback (local development against Azurite and the test doubles). */
const baseUrl = (def?: string) => {
  const schema = z
    .string()
    .trim()
    .refine((v) => URL.canParse(v), 'must be an absolute URL')
    .refine((v) => !URL.canParse(v) || new URL(v).protocol === 'https:' || isLoopback(new URL(v)), 'must use https')
    .transform((v) => v.replace(/\/+$/, ''));
  return def === undefined ? z.preprocess(blankToUndefined, schema) : z.preprocess(blankToUndefined, schema.default(def));
};

/** Setting words are case-insensitive; a blank value means "use the default". */
const lowerTrimmed = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().toLowerCase()) : v);

const choice = <T extends readonly [string, ...string[]]>(values: T, def: T[number]) =>
  z.preprocess(lowerTrimmed, z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(def as never));

/** A comma-separated list of `values`, or the word given as `none` (`none`, `off`) for an empty list. */
const commaList = <T extends readonly [string, ...string[]]>(values: T, none: string, def: string, error: string) =>
  z.preprocess(
    lowerTrimmed,
    z
      .string()
      .default(def)
      .transform((v) => (v === none ? [] : v.split(',').map((s) => s.trim()).filter(Boolean)))
      .pipe(z.array(z.enum(values, { error }))),
  );

const bool = (def: boolean) =>
  z.preprocess(
    lowerTrimmed,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

const int = (def: number, min: number, max: number) =>
  z.preprocess(blankToUndefined, z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max).default(def));

const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[,;\s]+/).map((s) => s.trim().toLowerCase()).filter(Boolean) : v ?? []),
  z.array(z.string()),
);

/** The renewal timer's default: every 30 minutes, on the hour and the half hour. */
export const DEFAULT_RENEW_SCHEDULE = '0 */30 * * * *';
/** NCRONTAB as the Functions timer reads it: six fields, seconds first. */
const renewSchedule = z.preprocess(
  blankToUndefined,
  z.string().trim().regex(/^\S+(\s+\S+){5}$/, 'must be a six-field NCRONTAB expression (seconds first), e.g. 0 */30 * * * *').default(DEFAULT_RENEW_SCHEDULE),
);

/** `all`, or display names of folders / calendars / To Do lists, `default` for the default one. */
const folderSelection = z.preprocess(
  (v) => (v === undefined || v === null ? undefined : String(v)),
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseFolderSelection(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be all, or a comma-separated list of display names (default = the default one): ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
);
/** Which way a module syncs: today's Outlook → Zoho, Zoho → Outlook, or both with a field merge. */
export const SYNC_DIRECTIONS = ['to-zoho', 'to-outlook', 'both'] as const;
export type SyncDirection = (typeof SYNC_DIRECTIONS)[number];

const ZOHO_TRIGGERS = ['workflow', 'approval', 'blueprint', 'pathfinder', 'orchestration'] as const;

const schema = z.object({
  /** Storage (lib/storage.ts): a connection string, or the keyless settings below. Set by the infrastructure. */
  AzureWebJobsStorage: optionalString,
  AzureWebJobsStorage__accountName: optionalString,
  AzureWebJobsStorage__tableServiceUri: baseUrl().optional(),
  AzureWebJobsStorage__queueServiceUri: baseUrl().optional(),
  AzureWebJobsStorage__clientId: optionalString,
  PUBLIC_BASE_URL: baseUrl(),
  GRAPH_TENANT_ID: z.preprocess(blankToUndefined, z.string({ error: 'is required (Entra tenant id)' }).regex(GUID, 'must be a GUID')),
  GRAPH_CLIENT_ID: z.preprocess(blankToUndefined, z.string({ error: 'is required (Entra application id)' }).regex(GUID, 'must be a GUID')),
  GRAPH_CLIENT_SECRET: optionalString,
  /** PEM key + certificate as text, normally a Key Vault reference to a Key Vault certificate. */
  GRAPH_CLIENT_CERTIFICATE: optionalString,
  GRAPH_CLIENT_CERTIFICATE_PATH: optionalString,
  /** client id of the user-assigned managed identity the app registration trusts (federated identity credential) */
  GRAPH_FEDERATED_IDENTITY_CLIENT_ID: optionalString,
  GRAPH_BASE_URL: baseUrl('https://graph.microsoft.com'),
  GRAPH_AUTHORITY_HOST: baseUrl('https://login.microsoftonline.com'),
  ZOHO_ACCOUNTS_URL: baseUrl(),
  ZOHO_API_DOMAIN: baseUrl(),
  ZOHO_CLIENT_ID: requiredString('Zoho self-client id'),
  ZOHO_CLIENT_SECRET: requiredString('Zoho self-client secret'),
  ZOHO_REFRESH_TOKEN: requiredString('Zoho refresh token'),
  ZOHO_TRIGGER: commaList(ZOHO_TRIGGERS, 'none', 'workflow', `must be none or a comma-separated list of ${ZOHO_TRIGGERS.join(', ')}`),
  ZOHO_MAX_CONCURRENCY: int(5, 1, 25),
  SYNC_CATEGORY: z.preprocess(blankToUndefined, z.string().trim().min(1).max(255).default('Zoho')),
  SYNC_CONTACTS: choice(['category', 'all', 'off'] as const, 'category'),
  SYNC_TASKS: choice(['category', 'all', 'off'] as const, 'category'),
  SYNC_EVENTS: choice(['category', 'all', 'off'] as const, 'category'),
  SYNC_CONTACT_FOLDERS: folderSelection,
  SYNC_CALENDARS: folderSelection,
  SYNC_TODO_LISTS: folderSelection,
  SYNC_ZOHO_RIGHTS: choice(['profile', 'off'] as const, 'profile'),
  SYNC_NO_ZOHO_USER: choice(['integration', 'skip'] as const, 'integration'),
  SYNC_DELETES: choice(['delete', 'unlink'] as const, 'delete'),
  SYNC_CONTACTS_DIRECTION: choice(SYNC_DIRECTIONS, 'to-zoho'),
  SYNC_TASKS_DIRECTION: choice(SYNC_DIRECTIONS, 'to-zoho'),
  SYNC_EVENTS_DIRECTION: choice(SYNC_DIRECTIONS, 'to-zoho'),
  SYNC_CONFLICTS: choice(['newest', 'outlook', 'zoho'] as const, 'newest'),
  /**
   * Where contacts from Zoho go: blank = the mailbox's own Contacts folder; a name = a folder of
   * that name under Contacts, which the sync creates (Zoho's own Office 365 sync uses "Zoho CRM Contacts").
   */
  SYNC_CONTACTS_FOLDER: z.preprocess(blankToUndefined, z.string().trim().min(1).max(255).optional()),
  SYNC_PRIVATE_EVENTS: bool(false),
  SYNC_EVENTS_PAST_DAYS: int(30, 0, 3650),
  SYNC_EVENTS_FUTURE_DAYS: int(365, 1, 3650),
  SYNC_MAX_ATTEMPTS: int(5, 1, 20),
  SYNC_BUSY_RETRY_SECONDS: int(15, 1, 600),
  /**
   * How long one resync invocation works before it stops at a checkpoint and continues in a
   * follow-up `resync-jobs` message: well under the 10-minute function timeout.
   */
  RESYNC_INVOCATION_BUDGET_SECONDS: int(480, 1, 570),
  SYNC_MASS_DELETE_SHARE: z.preprocess(blankToUndefined, z.coerce.number({ error: 'must be a number' }).min(0).max(1).default(0.2)),
  MAIL_CAPTURE: commaList(['contacts', 'leads'] as const, 'off', 'contacts,leads', 'must be contacts,leads, contacts, or off'),
  /** how far back a Sent Items resync that starts from scratch looks (a full resync, or a first one) */
  MAIL_RESYNC_DAYS: int(30, 0, 3650),
  MAIL_CREATE_UNKNOWN: choice(['none', 'lead', 'contact'] as const, 'none'),
  MAIL_ATTACHMENTS: bool(false),
  MAIL_INTERNAL_DOMAINS: list,
  MAIL_EXCLUDE: list,
  RENEW_SCHEDULE: renewSchedule,
  /** `token`: the keyed mail routes also demand a bearer token (key-only access off) */
  MAIL_ROUTES_AUTH: choice(['key-or-token', 'token'] as const, 'key-or-token'),
  /** audiences accepted besides the client id and api://{client id}, e.g. an add-in's api://{host}/{client id} */
  MAIL_TOKEN_AUDIENCES: z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean) : v ?? []),
    z.array(z.string()),
  ),
  /** `GET /api/health` fails when the oldest visible message of `sync-items` is older than this */
  HEALTH_QUEUE_MAX_AGE_SECONDS: int(1800, 1, 7 * 86400),
  /** … or when no change notification arrived for this long while subscriptions exist (0 = not checked) */
  HEALTH_NOTIFICATION_MAX_AGE_HOURS: int(48, 0, 24 * 365),
  /** in Azure: the app role (Entra, via App Service authentication) the admin page requires */
  MANAGE_UI_ROLE: optionalString,
  /** a link to the Application Insights resource in the portal, shown on the admin page */
  TELEMETRY_PORTAL_URL: z.preprocess(blankToUndefined, z.string().trim().refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'must be an https URL').optional()),
});

/**
 * host.json `extensions.queues.maxDequeueCount`: after that many deliveries the host moves a message
 * to the poison queue without calling the function, so the workers' last attempt must come first.
 */
export const HOST_MAX_DEQUEUE_COUNT = 5;

export type Config = z.infer<typeof schema>;
export type SyncMode = Config['SYNC_CONTACTS'];
export type ConflictPolicy = Config['SYNC_CONFLICTS'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path.join('.') || '(settings)';
      // Never echo the value: secrets live here.
      problems.push(`${name} ${issue.message}`);
    }
  }
  // On the raw values, so a missing storage setting is reported with every other problem.
  const storage = storageTarget(env);
  if (storage.kind === 'missing') problems.push(storage.problem);
  if (result.success) {
    const d = result.data;
    const graphCredential = d.GRAPH_CLIENT_SECRET || d.GRAPH_CLIENT_CERTIFICATE || d.GRAPH_CLIENT_CERTIFICATE_PATH || d.GRAPH_FEDERATED_IDENTITY_CLIENT_ID;
    if (!graphCredential && !env.IDENTITY_ENDPOINT && !env.MSI_ENDPOINT) {
      problems.push('GRAPH_FEDERATED_IDENTITY_CLIENT_ID, GRAPH_CLIENT_CERTIFICATE, GRAPH_CLIENT_CERTIFICATE_PATH or GRAPH_CLIENT_SECRET is required when the app has no managed identity');
    }
    if (d.GRAPH_CLIENT_CERTIFICATE && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(d.GRAPH_CLIENT_CERTIFICATE)) {
      problems.push('GRAPH_CLIENT_CERTIFICATE must be PEM text with the private key (a Key Vault certificate created with content type application/x-pem-file)');
    }
    // The host setting can be overridden by an app setting of this name.
    const maxDequeue = Number(env.AzureFunctionsJobHost__extensions__queues__maxDequeueCount) || HOST_MAX_DEQUEUE_COUNT;
    if (result.data.SYNC_MAX_ATTEMPTS > maxDequeue) {
      problems.push(`SYNC_MAX_ATTEMPTS must not exceed the queue's maxDequeueCount (${maxDequeue}), or a failing item goes to the poison queue unreported`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.sort());
  return result.data!;
}

/**
 * The renewal timer's schedule, needed when the function registers (before start-up validation
 * runs). A bad value falls back to the default here; start-up then stops with the problem listed.
 */
export function renewScheduleSetting(env: Record<string, string | undefined> = process.env): string {
  const parsed = renewSchedule.safeParse(env.RENEW_SCHEDULE);
  return parsed.success ? parsed.data : DEFAULT_RENEW_SCHEDULE;
}

let cached: Config | undefined;

/** Settings of this process, parsed on first use. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Tests change process.env between cases. */
export function resetConfigCache(): void {
  cached = undefined;
}
