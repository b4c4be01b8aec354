import { checkRole } from '../../lib/manage/principal';
import { contentSecurityPolicy, renderPage } from '../../lib/manage/ui-page';

const header = (claims: { typ: string; val: string }[], extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims, ...extra })).toString('base64');

describe('checkRole: the admin page behind App Service authentication', () => {
  it.each([
    ['no role configured (local): allowed without sign-in', null, undefined, { ok: true }],
    ['role configured, nobody signed in', null, 'Sync.Admin', { ok: false, status: 401 }],
    ['signed in with the role', header([{ typ: 'roles', val: 'Sync.Admin' }]), 'Sync.Admin', { ok: true }],
    ['signed in with the role under the long claim type', header([{ typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Sync.Admin' }], { role_typ: undefined }), 'Sync.Admin', { ok: true }],
    ['signed in with another role', header([{ typ: 'roles', val: 'Sync.Reader' }]), 'Sync.Admin', { ok: false, status: 403 }],
    ['the role name as another claim', header([{ typ: 'name', val: 'Sync.Admin' }]), 'Sync.Admin', { ok: false, status: 403 }],
    ['a header that is not base64 JSON', 'not-json', 'Sync.Admin', { ok: false, status: 401 }],
    ['claims of the wrong shape', Buffer.from(JSON.stringify({ claims: 'roles' })).toString('base64'), 'Sync.Admin', { ok: false, status: 401 }],
  ])('%s', (_name, value, role, want) => {
    expect(checkRole(value, role)).toMatchObject(want);
  });
});

describe('renderPage', () => {
  it('carries the nonce on its only script and style, and escapes the telemetry link', () => {
    const html = renderPage({ nonce: 'n0nce', telemetryUrl: 'https://portal.azure.com/#x"><script>' });
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<script nonce="n0nce">');
    expect(html).toContain('<style nonce="n0nce">');
    expect(html).toContain('href="https://portal.azure.com/#x&quot;>&lt;script>"');
    expect(contentSecurityPolicy('n0nce')).toMatch(/default-src 'none'; script-src 'nonce-n0nce'/);
    // The script lives in a template string, where escapes are easy to lose: it must still parse.
    const script = html.slice(html.indexOf('<script nonce="n0nce">') + 22, html.indexOf('</script>'));
    expect(() => new Function(script)).not.toThrow();
  });
});
