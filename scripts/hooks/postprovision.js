#!/usr/bin/env node
// azd postprovision hook: says what is left to do for Microsoft Graph, and checks it.
// - With the app registration created and granted by the Bicep (the default, when an
//   administrator runs azd), it only confirms the permissions.
// - Otherwise it prints the exact admin-consent URL and, for an existing app registration with
//   the federated credential, the command that adds it; then checks which permissions are missing.
// Never fails the deployment: consent is a person's decision; `azd hooks run postprovision` checks again.
const { GRAPH_APP_ID, requiredPermissions, consentUrl, missingPermissions, accessToken, getJson, env } = require('./lib');

async function main() {
  const clientId = env('GRAPH_APP_CLIENT_ID');
  const tenantId = env('GRAPH_APP_TENANT_ID') ?? env('AZURE_TENANT_ID');
  if (!clientId || !tenantId) {
    console.log('postprovision: no GRAPH_APP_CLIENT_ID output yet; run `azd provision` first.');
    return;
  }
  const authority = env('GRAPH_AUTHORITY_HOST') ?? 'https://login.microsoftonline.com';
  const graph = (env('GRAPH_BASE_URL') ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  const required = requiredPermissions();

  if (env('GRAPH_CREDENTIAL') === 'federated' && env('GRAPH_APP_CREATED') !== 'true') {
    const fic = { name: 'function-app-identity', issuer: `${authority}/${env('AZURE_TENANT_ID')}/v2.0`, subject: env('MANAGED_IDENTITY_PRINCIPAL_ID'), audiences: ['api://AzureADTokenExchange'] };
    console.log('\nThe existing app registration must trust the Function App\'s managed identity (once):');
    console.log(`  az ad app federated-credential create --id ${clientId} --parameters '${JSON.stringify(fic)}'`);
  }

  const token = accessToken(graph);
  let missing = required;
  if (token) {
    try {
      const sp = await getJson(`${graph}/v1.0/servicePrincipals(appId='${clientId}')?$select=id`, token);
      const graphSp = await getJson(`${graph}/v1.0/servicePrincipals(appId='${GRAPH_APP_ID}')?$select=id,appRoles`, token);
      const assignments = (await getJson(`${graph}/v1.0/servicePrincipals/${sp.id}/appRoleAssignments`, token)).value;
      missing = missingPermissions(required, graphSp, assignments);
    } catch (err) {
      console.log(`postprovision: could not read the app's permissions (${err.message}); check them in Entra.`);
    }
  } else {
    console.log('postprovision: neither `az` nor `azd auth token` gave a Graph token; permissions not checked.');
  }

  if (token && missing.length === 0) {
    console.log(`\nMicrosoft Graph: all ${required.length} application permissions are granted to ${clientId}.`);
    return;
  }
  console.log(`\nMicrosoft Graph permissions${token ? ' missing' : ' to grant'}: ${missing.join(', ')}`);
  console.log('A Global Administrator (or Privileged Role Administrator) of the tenant grants them by opening:');
  console.log(`  ${consentUrl(authority, tenantId, clientId)}`);
  console.log('then runs `azd hooks run postprovision` to check again. Until then Graph refuses every call.\n');
}

main().catch((err) => {
  console.log(`postprovision: ${err.message}`);
});
