import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, HOST_MAX_DEQUEUE_COUNT, parseConfig } from '../../lib/config';
import { testSettings } from '../support/settings';

const valid = () => testSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe('settings', () => {
  it('applies the documented defaults', () => {
    const c = parseConfig(valid());
    expect(c.SYNC_CATEGORY).toBe('Zoho');
    expect(c.SYNC_CONTACTS).toBe('category');
    expect(c.SYNC_DELETES).toBe('delete');
    expect(c.MAIL_CAPTURE).toEqual(['contacts', 'leads']);
    expect(c.MAIL_CREATE_UNKNOWN).toBe('none');
    expect(c.MAIL_ATTACHMENTS).toBe(false);
    expect(c.ZOHO_TRIGGER).toEqual(['workflow']);
  });

  it.each([
    ['MAIL_CAPTURE off', { MAIL_CAPTURE: 'off' }, 'MAIL_CAPTURE', []],
    ['MAIL_CAPTURE contacts', { MAIL_CAPTURE: 'Contacts' }, 'MAIL_CAPTURE', ['contacts']],
    ['SYNC_TASKS all', { SYNC_TASKS: 'ALL' }, 'SYNC_TASKS', 'all'],
    ['MAIL_EXCLUDE list', { MAIL_EXCLUDE: 'Boss@Contoso.com, @spam.example' }, 'MAIL_EXCLUDE', ['boss@contoso.com', '@spam.example']],
    ['ZOHO_TRIGGER none', { ZOHO_TRIGGER: 'none' }, 'ZOHO_TRIGGER', []],
    ['trailing slash trimmed', { ZOHO_API_DOMAIN: 'https://www.zohoapis.jp/' }, 'ZOHO_API_DOMAIN', 'https://www.zohoapis.jp'],
    ['SYNC_CALENDARS default', {}, 'SYNC_CALENDARS', { all: true }],
    ['SYNC_CONTACT_FOLDERS names', { SYNC_CONTACT_FOLDERS: 'default, 取引先' }, 'SYNC_CONTACT_FOLDERS', { all: false, includeDefault: true, names: ['取引先'] }],
    ['SYNC_ZOHO_RIGHTS default', {}, 'SYNC_ZOHO_RIGHTS', 'profile'],
    ['SYNC_NO_ZOHO_USER skip', { SYNC_NO_ZOHO_USER: 'Skip' }, 'SYNC_NO_ZOHO_USER', 'skip'],
  ])('%s', (_name, override, key, expected) => {
    expect(parseConfig({ ...valid(), ...override })[key as 'MAIL_CAPTURE']).toEqual(expected);
  });

  it('keeps SYNC_MAX_ATTEMPTS within the queue\'s maxDequeueCount, so the last attempt is reported', () => {
    const host = JSON.parse(readFileSync(join(__dirname, '../../host.json'), 'utf8'));
    expect(host.extensions.queues.maxDequeueCount).toBe(HOST_MAX_DEQUEUE_COUNT);
    expect(problems({ ...valid(), SYNC_MAX_ATTEMPTS: String(HOST_MAX_DEQUEUE_COUNT) })).toEqual([]);
    expect(problems({ ...valid(), SYNC_MAX_ATTEMPTS: '8' })).toEqual([expect.stringMatching(/^SYNC_MAX_ATTEMPTS must not exceed the queue's maxDequeueCount \(5\)/)]);
    expect(problems({ ...valid(), SYNC_MAX_ATTEMPTS: '8', AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '10' })).toEqual([]);
  });

  it('refuses all mixed with folder names, and a rights mode it does not know', () => {
    expect(problems({ ...valid(), SYNC_TODO_LISTS: 'all, Work', SYNC_ZOHO_RIGHTS: 'user' })).toEqual([
      expect.stringMatching(/^SYNC_TODO_LISTS must be all, or a comma-separated list of display names/),
      'SYNC_ZOHO_RIGHTS must be one of profile, off',
    ]);
  });

  it('lists every problem at once, without values', () => {
    const env = { ...valid(), GRAPH_TENANT_ID: 'not-a-guid', ZOHO_CLIENT_SECRET: '', SYNC_CONTACTS: 'sometimes', ZOHO_API_DOMAIN: 'http://zoho.example', MAIL_CAPTURE: 'deals' };
    const found = problems(env);
    expect(found).toHaveLength(5);
    expect(found.join('\n')).toMatch(/GRAPH_TENANT_ID must be a GUID/);
    expect(found.join('\n')).toMatch(/ZOHO_CLIENT_SECRET is required/);
    expect(found.join('\n')).toMatch(/SYNC_CONTACTS must be one of category, all, off/);
    expect(found.join('\n')).toMatch(/ZOHO_API_DOMAIN must use https/);
    expect(found.join('\n')).toMatch(/MAIL_CAPTURE/);
    expect(found.join('\n')).not.toContain('not-a-guid');
  });

  it('reports missing required settings by name', () => {
    const found = problems({});
    for (const name of ['AzureWebJobsStorage', 'PUBLIC_BASE_URL', 'GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'ZOHO_ACCOUNTS_URL', 'ZOHO_API_DOMAIN', 'ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN']) {
      expect(found.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('needs a Graph credential unless a managed identity is present', () => {
    const env = { ...valid(), GRAPH_CLIENT_SECRET: undefined };
    expect(problems(env)).toEqual(['GRAPH_FEDERATED_IDENTITY_CLIENT_ID, GRAPH_CLIENT_CERTIFICATE, GRAPH_CLIENT_CERTIFICATE_PATH or GRAPH_CLIENT_SECRET is required when the app has no managed identity']);
    expect(problems({ ...env, GRAPH_FEDERATED_IDENTITY_CLIENT_ID: 'c0ffee00-0000-4000-8000-000000000001' })).toEqual([]);
    expect(problems({ ...env, GRAPH_CLIENT_CERTIFICATE: 'not pem' })).toEqual([expect.stringMatching(/^GRAPH_CLIENT_CERTIFICATE must be PEM text/)]);
    expect(problems({ ...env, IDENTITY_ENDPOINT: 'http://localhost:4141/msi/token' })).toEqual([]);
  });

  it('the message has one line per problem and no stack', () => {
    let err: unknown;
    try {
      parseConfig({});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const [head, ...lines] = (err as ConfigError).message.split('\n');
    expect(head).toBe(`Invalid settings (${(err as ConfigError).problems.length}):`);
    expect(lines).toEqual((err as ConfigError).problems.map((p) => `  - ${p}`));
  });
});
