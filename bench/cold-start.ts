/**
 * bench/cold-start: how long each compiled function file takes to load (its whole module graph),
 * each in a fresh Node process, and which heavy libraries that load pulls in. The last row loads
 * every function file in one process, as the Functions worker does when it starts (`main` is
 * `dist/functions/*.js`). Run with `npm run bench -- cold-start` (it reads the compiled dist-bench/).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { report, table } from './stats';

const RUNS = 7;
/** Libraries only workers need; a webhook function that loads one pays for it on every cold start. */
const HEAVY = ['@azure/identity', '@microsoft/microsoft-graph-client', '@azure/msal-node'];

const PROBE = `
const files = JSON.parse(process.argv[1]);
const t0 = process.hrtime.bigint();
for (const f of files) require(f);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const loaded = Object.keys(require.cache);
const heavy = ${JSON.stringify(HEAVY)}.filter((h) => loaded.some((k) => k.includes('/node_modules/' + h + '/')));
process.stdout.write(JSON.stringify({ ms, modules: loaded.length, heavy }));
`;

interface Probe {
  ms: number;
  modules: number;
  heavy: string[];
}

function probe(files: string[]): Probe {
  const quiet = path.resolve(__dirname, '../../test/support/quiet-functions.js');
  const r = spawnSync(process.execPath, ['-r', quiet, '-e', PROBE, JSON.stringify(files)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loading ${files.join(', ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Probe;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function runColdStartBench(): Promise<string> {
  const dir = path.resolve(__dirname, '../functions');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  const rows: (string | number)[][] = [];
  const measure = (name: string, paths: string[]) => {
    const runs = Array.from({ length: RUNS }, () => probe(paths));
    rows.push([name, runs[0].modules, median(runs.map((r) => r.ms)), Math.min(...runs.map((r) => r.ms)), runs[0].heavy.join(', ') || '-']);
  };
  for (const f of files) measure(f.replace(/\.js$/, ''), [path.join(dir, f)]);
  measure('all functions (worker start)', files.map((f) => path.join(dir, f)));
  return table(['function file', 'modules loaded', `median ms (${RUNS} runs)`, 'min ms', 'worker-only libraries loaded'], rows);
}

if (require.main === module) report('bench/cold-start', runColdStartBench);
