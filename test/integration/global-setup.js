// Starts Azurite (tables + queues) in this process, in memory, on free ports, before any test file
// runs. Deep imports because azurite's package main is its VS Code extension; the version is pinned.
const TableServer = require('azurite/dist/src/table/TableServer').default;
const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;
const QueueServer = require('azurite/dist/src/queue/QueueServer').default;
const QueueConfiguration = require('azurite/dist/src/queue/QueueConfiguration').default;

const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

module.exports = async () => {
  // positional: host, port, keepAlive, dbPath, debugLog, accessLog, accessLogStream, debugPath,
  // loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, inMemory
  const table = new TableServer(new TableConfiguration('127.0.0.1', 0, undefined, 'unused-table.json', false, false, undefined, undefined, false, true, '', '', '', undefined, false, true));
  // host, port, keepAlive, dbPath, extentDbPath, persistenceArray, accessLog, accessLogStream,
  // debugLog, debugPath, loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, inMemory
  const queue = new QueueServer(new QueueConfiguration('127.0.0.1', 0, undefined, 'unused-queue.json', 'unused-extent.json', undefined, false, undefined, false, undefined, false, true, '', '', '', undefined, false, true));
  await table.start();
  await queue.start();
  const t = table.httpServer.address().port;
  const q = queue.httpServer.address().port;
  process.env.AzureWebJobsStorage = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};QueueEndpoint=http://127.0.0.1:${q}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${t}/devstoreaccount1;`;
  globalThis.__AZURITE__ = { table, queue };
};
