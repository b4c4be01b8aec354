import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { parseConfig } from '../../lib/config';
import { QUEUES, StorageQueue } from '../../lib/queue';
import { Runtime } from '../../lib/runtime';
import { StorageAccount, storageTarget } from '../../lib/storage';
import { TableStore } from '../../lib/state/tables';
import { SyncItemMessage } from '../../lib/sync/messages';
import { decodeMessage, startAzurite, type Azurite } from '../support/azurite';
import { testSettings } from '../support/settings';

/**
 * Keyless storage: Azurite over https with OAuth on, so a request is accepted only with an Entra
 * bearer token of the storage audience, and the managed identity is replaced by a token-credential
 * double that mints such tokens (the only thing that differs from Azure is where the token comes from).
 */
class StorageTokenDouble implements TokenCredential {
  readonly scopes: string[] = [];

  constructor(private readonly audience = 'https://storage.azure.com') {}

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { aud: this.audience, iss: 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/', iat: now - 60, nbf: now - 60, exp: now + 3600, oid: 'mi-object-id' };
    return { token: `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2ln`, expiresOnTimestamp: (now + 3600) * 1000 };
  }
}

describe('storage settings', () => {
  it.each([
    ['a connection string wins, as in the Functions host', { AzureWebJobsStorage: 'UseDevelopmentStorage=true', AzureWebJobsStorage__accountName: 'stx' }, { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' }],
    ['an account name gives the public endpoints', { AzureWebJobsStorage__accountName: 'stabc' }, { kind: 'identity', tableUrl: 'https://stabc.table.core.windows.net', queueUrl: 'https://stabc.queue.core.windows.net' }],
    ['a user-assigned identity is named by __clientId', { AzureWebJobsStorage__accountName: 'stabc', AzureWebJobsStorage__clientId: 'c1' }, { kind: 'identity', tableUrl: 'https://stabc.table.core.windows.net', queueUrl: 'https://stabc.queue.core.windows.net', clientId: 'c1' }],
    ['service URIs win over the account name', { AzureWebJobsStorage__accountName: 'stabc', AzureWebJobsStorage__tableServiceUri: 'https://t.example/', AzureWebJobsStorage__queueServiceUri: 'https://q.example' }, { kind: 'identity', tableUrl: 'https://t.example', queueUrl: 'https://q.example' }],
  ])('%s', (_name, settings, expected) => {
    expect(storageTarget(settings)).toEqual(expected);
  });

  it('names the missing setting, with the other problems', () => {
    expect(storageTarget({})).toMatchObject({ kind: 'missing', problem: expect.stringMatching(/^AzureWebJobsStorage .* or AzureWebJobsStorage__accountName/) });
    expect(storageTarget({ AzureWebJobsStorage__tableServiceUri: 'https://t.example' })).toMatchObject({ kind: 'missing', problem: expect.stringMatching(/__queueServiceUri/) });
    const env = testSettings({ AzureWebJobsStorage: '' });
    expect(() => parseConfig(env)).toThrow(/AzureWebJobsStorage .*required/);
    expect(parseConfig({ ...env, AzureWebJobsStorage__accountName: 'stabc' }).AzureWebJobsStorage__accountName).toBe('stabc');
  });

  it('the app is composed keyless from an account name alone', () => {
    const runtime = new Runtime(parseConfig({ ...testSettings({ AzureWebJobsStorage: '' }), AzureWebJobsStorage__accountName: 'stabc' }));
    expect(runtime.tables.service().url).toBe('https://stabc.table.core.windows.net');
    expect(runtime.syncQueue.raw().url).toBe('https://stabc.queue.core.windows.net/sync-items');
  });
});

describe('tables and queues with a managed identity (Azurite with OAuth)', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite({ oauth: true });
  });
  afterAll(() => azurite.close());

  const keyless = (credential: TokenCredential) =>
    new StorageAccount({ AzureWebJobsStorage__tableServiceUri: azurite.tableServiceUri, AzureWebJobsStorage__queueServiceUri: azurite.queueServiceUri }, credential);

  it('writes and reads a table row and a queue message with bearer tokens only', async () => {
    const credential = new StorageTokenDouble();
    const account = keyless(credential);
    expect(account.keyless).toBe(true);

    const table = await new TableStore(account).table('keyless');
    await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', value: 'kept' });
    expect((await table.getEntity('p', 'r')).value).toBe('kept');

    const queue = new StorageQueue(account, QUEUES.syncItems, SyncItemMessage);
    await queue.send({ v: 1, userId: 'u1', module: 'contacts', itemId: 'i1', changeType: 'updated' });
    const received = await account.queue(QUEUES.syncItems).receiveMessages();
    expect(decodeMessage(received.receivedMessageItems[0].messageText)).toMatchObject({ userId: 'u1', itemId: 'i1' });

    expect(new Set(credential.scopes)).toEqual(new Set(['https://storage.azure.com/.default']));
  });

  it('is refused with a token for another audience, so the token is what lets the calls in', async () => {
    const table = keyless(new StorageTokenDouble('https://graph.microsoft.com')).table('refused');
    await expect(table.createTable()).rejects.toMatchObject({ statusCode: 403 });
  });
});
