// Shared by the azd hooks (postprovision.js, postdeploy.js). Plain Node (no build step, no
// dependencies): azd runs hooks before or without `npm run build`. Tokens come from the Azure CLI
// or azd itself, whichever is signed in; nothing is stored.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

function requiredPermissions() {
  const file = path.join(__dirname, '../../infra/graph-permissions.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).applicationPermissions;
}

/** The URL a Global Administrator (or Privileged Role Administrator) opens to grant every permission at once. */
function consentUrl(authorityHost, tenantId, clientId) {
  return `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/adminconsent?client_id=${encodeURIComponent(clientId)}`;
}

/**
 * Pure: which required application permissions are not granted, from the Graph service principal's
 * appRoles ({ id, value }) and the app's appRoleAssignments ({ appRoleId, resourceId }).
 */
function missingPermissions(required, graphSp, assignments) {
  const granted = new Set(assignments.filter((a) => a.resourceId === graphSp.id).map((a) => a.appRoleId));
  return required.filter((value) => {
    const role = graphSp.appRoles.find((r) => r.value === value);
    return !role || !granted.has(role.id);
  });
}

/** A bearer token for `resource` from `az`, else from `azd auth token`; undefined when neither is signed in. */
function accessToken(resource) {
  const az = spawnSync('az', ['account', 'get-access-token', '--resource', resource, '--query', 'accessToken', '-o', 'tsv'], { encoding: 'utf8', shell: process.platform === 'win32' });
  if (az.status === 0 && az.stdout.trim()) return az.stdout.trim();
  const azd = spawnSync('azd', ['auth', 'token', '--scope', `${resource.replace(/\/+$/, '')}/.default`, '--output', 'json'], { encoding: 'utf8', shell: process.platform === 'win32' });
  if (azd.status === 0) {
    try {
      return JSON.parse(azd.stdout).token;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function getJson(url, token) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${res.status} from ${new URL(url).pathname}`);
  return res.json();
}

function env(name) {
  const v = process.env[name];
  return v && v.trim() ? v.trim() : undefined;
}

module.exports = { GRAPH_APP_ID, requiredPermissions, consentUrl, missingPermissions, accessToken, getJson, env };
