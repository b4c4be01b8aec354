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
