module.exports = async () => {
  const servers = globalThis.__AZURITE__;
  if (servers) await Promise.all([servers.table.close(), servers.queue.close()]);
};
