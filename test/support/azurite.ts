/* eslint-disable @typescript-eslint/no-require-imports */
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';

/**
 * An Azurite of its own for one test file: in this process, in memory, on free ports, so test files
 * running in parallel never see each other's tables or queues. Deep imports because azurite's
 * package main is its VS Code extension; the version is pinned in package.json.
 */
const TableServer = require('azurite/dist/src/table/TableServer').default;
const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;
const QueueServer = require('azurite/dist/src/queue/QueueServer').default;
const QueueConfiguration = require('azurite/dist/src/queue/QueueConfiguration').default;

export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  /** Service URLs of the account (https when started with `oauth`). */
  tableServiceUri: string;
  queueServiceUri: string;
  /** CPU seconds the emulator has used (its own process only: `startAzuriteProcess`). */
  cpuSeconds?(): Promise<number>;
  close(): Promise<void>;
}

const TLS_DIR = path.resolve(__dirname, '../fixtures/tls');

/**
 * `oauth`: https with the test CA's certificate and Azurite's "basic" OAuth, which accepts
 * Entra bearer tokens (audience and issuer checked, signature not) as Azure Storage does.
 */
export async function startAzurite(options: { oauth?: boolean } = {}): Promise<Azurite> {
  const [cert, key, oauth] = options.oauth ? [path.join(TLS_DIR, 'server.pem'), path.join(TLS_DIR, 'server.key'), 'basic'] : ['', '', undefined];
  const table = new TableServer(new TableConfiguration('127.0.0.1', 0, undefined, 'unused-table.json', false, false, undefined, undefined, false, true, cert, key, '', oauth, false, true));
  const queue = new QueueServer(new QueueConfiguration('127.0.0.1', 0, undefined, 'unused-queue.json', 'unused-extent.json', undefined, false, undefined, false, undefined, false, true, cert, key, '', oauth, false, true));
  await table.start();
  await queue.start();
  const t = table.httpServer.address().port;
  const q = queue.httpServer.address().port;
  const scheme = options.oauth ? 'https' : 'http';
  return {
    connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=devstoreaccount1;AccountKey=${AZURITE_ACCOUNT_KEY};QueueEndpoint=${scheme}://127.0.0.1:${q}/devstoreaccount1;TableEndpoint=${scheme}://127.0.0.1:${t}/devstoreaccount1;`,
    tableServiceUri: `${scheme}://127.0.0.1:${t}/devstoreaccount1`,
    queueServiceUri: `${scheme}://127.0.0.1:${q}/devstoreaccount1`,
    close: async () => {
      await Promise.all([table.close(), queue.close()]);
    },
  };
}

/**
 * The same Azurite in a child process of its own (compiled code only: the benchmarks), so the
 * memory a benchmark reports is the code under test's and not the emulator's (LokiJS keeps every
 * row in memory). Set BENCH_AZURITE_PROCESS=1.
 */
export async function startAzuriteProcess(): Promise<Azurite> {
  const { fork } = require('node:child_process') as typeof import('node:child_process');
  // The emulator keeps its own heap limit: a benchmark's NODE_OPTIONS limit the code under test only.
  const child = fork(__filename, ['--azurite-child'], { stdio: 'inherit', execArgv: [], env: { ...process.env, NODE_OPTIONS: '' } });
  const started = await new Promise<Omit<Azurite, 'close'>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Omit<Azurite, 'close'>));
    child.once('exit', (code) => reject(new Error(`Azurite process exited with ${code}`)));
  });
  return {
    ...started,
    cpuSeconds: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve(Number((m as { cpuSeconds: number }).cpuSeconds)));
        child.send('cpu');
      }),
    close: async () => {
      child.kill();
    },
  };
}

if (require.main === module && process.argv.includes('--azurite-child')) {
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send!({ cpuSeconds: (user + system) / 1e6 });
  });
  startAzurite().then((a) => process.send!({ connectionString: a.connectionString, tableServiceUri: a.tableServiceUri, queueServiceUri: a.queueServiceUri }));
}

/** Every message currently visible in a queue, decoded and removed from it. */
export async function drainQueue(connectionString: string, name: string): Promise<unknown[]> {
  const client = new QueueClient(connectionString, name);
  await client.createIfNotExists();
  const out: unknown[] = [];
  for (;;) {
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    if (receivedMessageItems.length === 0) return out;
    for (const m of receivedMessageItems) {
      out.push(decodeMessage(m.messageText));
      await client.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

/** A queue message's body as our StorageQueue writes it (base64 JSON, as the Functions host expects). */
export function decodeMessage(messageText: string): unknown {
  return JSON.parse(Buffer.from(messageText, 'base64').toString('utf8'));
}
