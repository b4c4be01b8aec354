#!/usr/bin/env node
// `npm start`: build, check settings, start Azurite (data under .azurite/, git-ignored) and the
// Functions host. The host comes from a global install of azure-functions-core-tools (not a
// dependency: a remote build would download it into the deployed package); when it is missing we
// say how to get it instead of failing obscurely.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function checkSettings() {
  const file = path.join(root, 'local.settings.json');
  if (!fs.existsSync(file)) {
    console.error('local.settings.json is missing: copy local.settings.example.json and fill in your values (README, "Settings").');
    process.exit(1);
  }
  const values = JSON.parse(fs.readFileSync(file, 'utf8')).Values ?? {};
  const { parseConfig, ConfigError } = require(path.join(root, 'dist/lib/config.js'));
  try {
    parseConfig({ ...values, ...process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function findFunc() {
  if (fs.existsSync(bin('func'))) return bin('func');
  const which = spawnSync('sh', ['-c', 'command -v func'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

(async () => {
  const build = spawnSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  checkSettings();

  const children = [];
  if (await portOpen(10001)) {
    console.log('Azurite (or another storage emulator) is already listening on 10001; using it.');
  } else {
    fs.mkdirSync(path.join(root, '.azurite'), { recursive: true });
    const azurite = spawn(process.execPath, [path.join(root, 'node_modules/azurite/dist/src/azurite.js'), '--silent', '--location', path.join(root, '.azurite'), '--disableTelemetry', '--skipApiVersionCheck'], { cwd: root, stdio: 'inherit' });
    children.push(azurite);
    console.log('Azurite started (blob 10000, queue 10001, table 10002), data in .azurite/');
  }
  const stop = () => { for (const c of children) c.kill('SIGTERM'); };
  process.on('SIGINT', () => { stop(); process.exit(130); });
  process.on('SIGTERM', () => { stop(); process.exit(143); });

  const func = findFunc();
  if (!func) {
    console.error('Azure Functions Core Tools were not found. Install them (npm i -g azure-functions-core-tools@4, or see https://aka.ms/azfunc-install) and run npm start again.');
    stop();
    process.exit(1);
  }
  const host = spawn(func, ['start', '--typescript'], { cwd: root, stdio: 'inherit' });
  host.on('exit', (code) => { stop(); process.exit(code ?? 0); });
})();
