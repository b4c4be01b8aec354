#!/usr/bin/env node
// `npm test`: type-check, then every Jest test (unit + Azurite-backed integration), then one plain
// summary line, because CI reads `N passed, N failed` and not Jest's own output.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(root, 'test/fixtures/tls/ca.pem') };

const tsc = spawnSync(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit', env });
const results = path.join(root, 'jest-results.json');
fs.rmSync(results, { force: true });
const jest = spawnSync(bin('jest'), ['--json', `--outputFile=${results}`, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });

let passed = 0, failed = 0;
if (fs.existsSync(results)) {
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
}
if (tsc.status !== 0) { console.log('typecheck failed'); failed += 1; }
if (jest.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
