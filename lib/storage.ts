import { TableClient, TableServiceClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { QueueClient, type StoragePipelineOptions } from '@azure/storage-queue';

/**
 * Where Table and Queue storage are, and how to authenticate: the same `AzureWebJobsStorage`
 * settings the Functions host reads, so the app and its triggers always use one account.
 *
 * - `AzureWebJobsStorage` = a connection string (Azurite, or an account whose keys are allowed).
 *   As in the host, it wins over the identity settings below when both are present.
 * - `AzureWebJobsStorage__accountName` (or `__tableServiceUri` + `__queueServiceUri`) = keyless:
 *   a Microsoft Entra token from the managed identity. `__clientId` names a user-assigned identity
 *   (the host reads the same setting); without it the system-assigned identity, or a developer's
 *   `az login`, is used through DefaultAzureCredential.
 */
export interface StorageSettings {
  AzureWebJobsStorage?: string;
  AzureWebJobsStorage__accountName?: string;
  AzureWebJobsStorage__tableServiceUri?: string;
  AzureWebJobsStorage__queueServiceUri?: string;
  AzureWebJobsStorage__clientId?: string;
}

export type StorageTarget =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableUrl: string; queueUrl: string; clientId?: string };

/** Public Azure's storage suffix; sovereign clouds set the service URIs instead. */
const STORAGE_SUFFIX = 'core.windows.net';

/** Pure: which account and which kind of authentication the settings describe, or why none. */
export function storageTarget(settings: StorageSettings): StorageTarget | { kind: 'missing'; problem: string } {
  const connectionString = settings.AzureWebJobsStorage?.trim();
  if (connectionString) return { kind: 'connectionString', connectionString };
  const account = settings.AzureWebJobsStorage__accountName?.trim();
  const tableUri = settings.AzureWebJobsStorage__tableServiceUri?.trim();
  const queueUri = settings.AzureWebJobsStorage__queueServiceUri?.trim();
  const clientId = settings.AzureWebJobsStorage__clientId?.trim() || undefined;
  const tableUrl = tableUri || (account ? `https://${account}.table.${STORAGE_SUFFIX}` : undefined);
  const queueUrl = queueUri || (account ? `https://${account}.queue.${STORAGE_SUFFIX}` : undefined);
  if (tableUrl && queueUrl) return { kind: 'identity', tableUrl: trimSlash(tableUrl), queueUrl: trimSlash(queueUrl), clientId };
  if (!account && !tableUri && !queueUri) {
    return { kind: 'missing', problem: 'AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__accountName (managed identity) is required' };
  }
  return { kind: 'missing', problem: 'AzureWebJobsStorage__tableServiceUri and AzureWebJobsStorage__queueServiceUri are both required without AzureWebJobsStorage__accountName' };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Azurite speaks plain http, which the SDK refuses unless told so explicitly. */
function isInsecure(connectionString: string): boolean {
  return /(^|;)\s*(DefaultEndpointsProtocol=http|UseDevelopmentStorage=true|TableEndpoint=http:)/i.test(connectionString);
}

/** Opens Table and Queue clients for one storage account. */
export class StorageAccount {
  private readonly target: StorageTarget;
  private readonly credential?: TokenCredential;
  private readonly insecure: boolean;

  /**
   * A connection string, or settings. `credential` replaces the managed identity (tests, tools);
   * it is only used for the keyless form.
   */
  constructor(source: string | StorageSettings, credential?: TokenCredential) {
    const target = storageTarget(typeof source === 'string' ? { AzureWebJobsStorage: source } : source);
    if (target.kind === 'missing') throw new Error(target.problem);
    this.target = target;
    this.insecure = target.kind === 'connectionString' && isInsecure(target.connectionString);
    if (target.kind === 'identity') {
      // Loaded only here: with a connection string (Azurite) the webhook's cold start never pays for it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DefaultAzureCredential, ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
      this.credential = credential ?? (target.clientId ? new ManagedIdentityCredential({ clientId: target.clientId }) : new DefaultAzureCredential());
    }
  }

  get keyless(): boolean {
    return this.target.kind === 'identity';
  }

  table(name: string): TableClient {
    const t = this.target;
    if (t.kind === 'connectionString') return TableClient.fromConnectionString(t.connectionString, name, { allowInsecureConnection: this.insecure });
    return new TableClient(t.tableUrl, name, this.credential!);
  }

  tableService(): TableServiceClient {
    const t = this.target;
    if (t.kind === 'connectionString') return TableServiceClient.fromConnectionString(t.connectionString, { allowInsecureConnection: this.insecure });
    return new TableServiceClient(t.tableUrl, this.credential!);
  }

  queue(name: string, options?: StoragePipelineOptions): QueueClient {
    const t = this.target;
    if (t.kind === 'connectionString') return new QueueClient(t.connectionString, name, options);
    return new QueueClient(`${t.queueUrl}/${encodeURIComponent(name)}`, this.credential!, options);
  }
}
