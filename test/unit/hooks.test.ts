/** The azd hooks (scripts/hooks/*.js): their pure parts, and postdeploy against a local app. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hooks = require('../../scripts/hooks/lib.js') as {
  requiredPermissions(): string[];
  consentUrl(authority: string, tenant: string, clientId: string): string;
  missingPermissions(required: string[], graphSp: { id: string; appRoles: { id: string; value: string }[] }, assignments: { appRoleId: string; resourceId: string }[]): string[];
};

describe('postprovision', () => {
  it('prints the tenant\'s admin-consent URL for the app', () => {
    expect(hooks.consentUrl('https://login.microsoftonline.com/', '72f988bf-86f1-41af-91ab-2d7cd011db47', '6731de76-14a6-49ae-97bc-6eba6914391e')).toBe(
      'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/adminconsent?client_id=6731de76-14a6-49ae-97bc-6eba6914391e',
    );
  });

  it('names the permissions not granted (by Graph\'s role ids, on Graph only)', () => {
    const graphSp = { id: 'graph', appRoles: [{ id: 'r1', value: 'Mail.Read' }, { id: 'r2', value: 'User.Read.All' }, { id: 'r3', value: 'Contacts.Read' }] };
    const assignments = [{ appRoleId: 'r1', resourceId: 'graph' }, { appRoleId: 'r2', resourceId: 'another-api' }];
    expect(hooks.missingPermissions(['Mail.Read', 'User.Read.All', 'Contacts.Read'], graphSp, assignments)).toEqual(['User.Read.All', 'Contacts.Read']);
    expect(hooks.requiredPermissions()).toContain('Tasks.ReadWrite.All');
  });
});

describe('postdeploy', () => {
  function run(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.resolve(__dirname, '../../scripts/hooks/postdeploy.js')], { env: { PATH: process.env.PATH ?? '', ...env } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
  }

  it('checks GET /api/health on the public base URL', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await run({ PUBLIC_BASE_URL: `http://127.0.0.1:${port}/` });
      expect(result).toMatchObject({ code: 0 });
      expect(result.out).toMatch(/health: \{"status":"healthy"\}/);
      expect(seen).toEqual(['GET /api/health']);
    } finally {
      server.close();
    }
  });

  it('fails without an app URL', async () => {
    const result = await run({});
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/no app URL/);
  });
});
