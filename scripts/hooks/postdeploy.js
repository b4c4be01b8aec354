#!/usr/bin/env node
// azd postdeploy hook: waits until the deployed app answers GET /api/health, then, when the azd
// environment names a group (`azd env set PROVISION_GROUP_ID <Entra group object id>`), provisions
// it through POST /api/manage/provision with the host's master key (fetched with the caller's
// Azure sign-in, never stored). Fails (exit 1) when the app does not become healthy.
const { accessToken, getJson, env } = require('./lib');

const HEALTH_WAIT_MS = 5 * 60_000;

async function waitForHealth(base) {
  const deadline = Date.now() + HEALTH_WAIT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (res.ok) return text;
      last = `${res.status} ${text.slice(0, 300)}`;
    } catch (err) {
      last = err.message;
    }
    // A cold start, or settings and Key Vault references still resolving.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
  throw new Error(`GET ${base}/api/health did not answer 200 within ${HEALTH_WAIT_MS / 60_000} minutes: ${last}`);
}

async function masterKey() {
  const token = accessToken('https://management.azure.com/');
  if (!token) throw new Error('no Azure token (sign in with `az login` or `azd auth login`)');
  const site = `https://management.azure.com/subscriptions/${env('AZURE_SUBSCRIPTION_ID')}/resourceGroups/${env('AZURE_RESOURCE_GROUP')}/providers/Microsoft.Web/sites/${env('FUNCTION_APP_NAME')}`;
  const res = await fetch(`${site}/host/default/listkeys?api-version=2024-04-01`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`listkeys answered ${res.status}`);
  return (await res.json()).masterKey;
}

async function provisionGroup(base, groupId) {
  const key = await masterKey();
  const res = await fetch(`${base}/api/manage/provision`, {
    method: 'POST',
    headers: { 'x-functions-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ groupId }),
    signal: AbortSignal.timeout(230_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`manage/provision answered ${res.status}: ${text.slice(0, 500)}`);
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (!answer?.summary) {
    console.log(text.slice(0, 2000));
    return;
  }
  // { users, provisioned, refused, failed, left }: per-user details via GET /api/manage/status.
  console.log(`manage/provision (group ${groupId}): ${JSON.stringify(answer.summary)}`);
  if (answer.summary.failed > 0 || answer.summary.refused > 0) {
    console.log('Some users were refused or failed; GET /api/manage/status lists each with its reason.');
  }
}

async function main() {
  const base = (env('PUBLIC_BASE_URL') ?? env('SERVICE_BASE_URL') ?? env('FUNCTION_APP_URL') ?? '').replace(/\/+$/, '');
  if (!base) throw new Error('no app URL in the azd environment (SERVICE_BASE_URL); run `azd provision` first');
  const health = await waitForHealth(base);
  console.log(`health: ${health.slice(0, 500)}`);
  const groupId = env('PROVISION_GROUP_ID');
  if (groupId) await provisionGroup(base, groupId);
  else console.log('No PROVISION_GROUP_ID set: provision users with `azd env set PROVISION_GROUP_ID <group id>` and `azd hooks run postdeploy`, or see infra/README.md.');
}

main().catch((err) => {
  console.error(`postdeploy: ${err.message}`);
  process.exit(1);
});
