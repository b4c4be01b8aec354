import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium from the npm package @sparticuz/chromium (installed by `npm ci`, no CDN
 * download), driven by playwright-core. The package is ESM-only and Jest's module loader cannot
 * require it, so a plain Node process unpacks the browser and prints its path and flags. Any
 * failure here throws: the browser test fails, it never skips.
 */
export async function launchChromium(): Promise<Browser> {
  const script = "import('@sparticuz/chromium').then(async ({ default: c }) => process.stdout.write(JSON.stringify({ executable: await c.executablePath(), args: c.args })))";
  const out = execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8', timeout: 120_000 });
  const { executable, args } = JSON.parse(out) as { executable: string; args: string[] };
  return chromium.launch({ executablePath: executable, args, headless: true, timeout: 60_000 });
}
