/** Settings for tests: every required value present, pointing at Azurite and the doubles. */
export const TEST_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const TEST_CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
export const TEST_CLIENT_SECRET = 'test-client-secret';
export const TEST_ZOHO = { clientId: '1000.TESTCLIENT', clientSecret: 'zoho-test-secret', refreshToken: '1000.refresh.test' };

export function testSettings(overrides: Record<string, string | undefined> & { AzureWebJobsStorage: string }): Record<string, string> {
  const base: Record<string, string | undefined> = {
    PUBLIC_BASE_URL: 'http://127.0.0.1:7071',
    GRAPH_TENANT_ID: TEST_TENANT_ID,
    GRAPH_CLIENT_ID: TEST_CLIENT_ID,
    GRAPH_CLIENT_SECRET: TEST_CLIENT_SECRET,
    GRAPH_BASE_URL: 'https://127.0.0.1:1',
    GRAPH_AUTHORITY_HOST: 'https://127.0.0.1:1',
    ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:1',
    ZOHO_API_DOMAIN: 'http://127.0.0.1:1',
    ZOHO_CLIENT_ID: TEST_ZOHO.clientId,
    ZOHO_CLIENT_SECRET: TEST_ZOHO.clientSecret,
    ZOHO_REFRESH_TOKEN: TEST_ZOHO.refreshToken,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** Replaces the settings of this test process (functions read process.env, as in Azure). */
export function applySettings(settings: Record<string, string>): void {
  for (const key of Object.keys(process.env)) {
    if (/^(GRAPH_|ZOHO_|SYNC_|MAIL_|HEALTH_|MANAGE_|TELEMETRY_|APPLICATIONINSIGHTS_|PUBLIC_BASE_URL|AzureWebJobsStorage)/.test(key)) delete process.env[key];
  }
  Object.assign(process.env, settings);
}

/** What settingsFor needs of the Graph double (its `settings()`). */
interface GraphDoubleSettings {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  baseUrl: string;
  authorityHost: string;
}

/**
 * Settings for a system of one Azurite, a function host and the two doubles: the Graph double's
 * tenant, app and URLs, the Zoho double's URL and its self-client credentials.
 */
export function settingsFor(
  parts: { storage: string; hostUrl: string; graph: GraphDoubleSettings; zohoUrl: string; zohoCredentials: { clientId: string; clientSecret: string; refreshToken: string } },
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const { graph: g, zohoCredentials: z } = parts;
  return testSettings({
    AzureWebJobsStorage: parts.storage,
    PUBLIC_BASE_URL: parts.hostUrl,
    GRAPH_TENANT_ID: g.tenantId,
    GRAPH_CLIENT_ID: g.clientId,
    GRAPH_CLIENT_SECRET: g.clientSecret,
    GRAPH_BASE_URL: g.baseUrl,
    GRAPH_AUTHORITY_HOST: g.authorityHost,
    ZOHO_ACCOUNTS_URL: parts.zohoUrl,
    ZOHO_API_DOMAIN: parts.zohoUrl,
    ZOHO_CLIENT_ID: z.clientId,
    ZOHO_CLIENT_SECRET: z.clientSecret,
    ZOHO_REFRESH_TOKEN: z.refreshToken,
    ...overrides,
  });
}
