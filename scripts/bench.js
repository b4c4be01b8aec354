#!/usr/bin/env node
// `npm run bench [-- name...]`: compiles the benchmarks and runs each (bench/<name>.ts) in its own
// process, so one benchmark's warm caches never flatter another's. Never part of `npm test`.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist-bench');
fs.rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.bench.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// The doubles read their TLS material and fixtures relative to their own files.
fs.cpSync(path.join(root, 'test/fixtures'), path.join(out, 'test/fixtures'), { recursive: true });

const all = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts') && f !== 'stats.ts').map((f) => f.replace(/\.ts$/, ''));
// Names choose benchmarks; `--flag value` pairs go to each of them (`-- resync --contacts 10000`).
const args = process.argv.slice(2);
const flags = [];
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) flags.push(args[i], args[++i]);
  else names.push(args[i]);
}
const chosen = names.length ? names : all;
const env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(root, 'test/fixtures/tls/ca.pem') };
console.log(`node ${process.version}, ${require('node:os').cpus().length} cpus, ${new Date().toISOString()}`);
let failed = 0;
for (const name of chosen) {
  const r = spawnSync(process.execPath, ['-r', path.join(root, 'test/support/quiet-functions.js'), path.join(out, 'bench', `${name}.js`), ...flags], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
