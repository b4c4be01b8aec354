// Azure resources for outlook-zoho-sync, deployed by `azd up` / `azd provision`.
//
//   resource group rg-<env>
//   ├─ Log Analytics + Application Insights              modules/monitoring.bicep
//   ├─ Storage account (AzureWebJobsStorage, queues,      modules/storage.bicep
//   │  tables, Flex deployment container)
//   ├─ Key Vault, RBAC mode, 3 secrets                    modules/keyvault.bicep
//   └─ Flex Consumption plan (FC1) + Linux Function App   modules/functionapp.bicep
//      (Node 22, system-assigned identity, role assignments, app settings)
//
// Every setting that lib/config.ts reads is a parameter below, with the code's default. Values
// come from infra/main.parameters.json, which maps them to azd environment variables of the same
// name as the app setting (`azd env set SYNC_CONTACTS all`).

targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// azd environment
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('azd environment name (AZURE_ENV_NAME): names the resource group, seeds resource names, tags everything.')
param environmentName string

@minLength(1)
@description('Region for every resource (AZURE_LOCATION). Must offer the Flex Consumption plan: az functionapp list-flexconsumption-locations.')
param location string

@description('Resource group name; empty = rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of whoever runs azd (AZURE_PRINCIPAL_ID, set by azd): gets Key Vault Secrets Officer to read and rotate the secrets. Empty = none.')
param principalId string = ''

// ---------------------------------------------------------------------------------------------
// Hosting
// ---------------------------------------------------------------------------------------------

@description('Function App name (becomes <name>.azurewebsites.net); empty = func-<token>.')
param functionAppName string = ''

@description('Flex Consumption: maximum instances per function group (40-1000 in most regions).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption: memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption: always-ready instances for the HTTP functions (0 = scale to zero, cheapest; 1 avoids cold starts on the Graph webhook but is billed while idle).')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 0

// ---------------------------------------------------------------------------------------------
// App settings (lib/config.ts). Same names as the settings, same defaults as the code.
// ---------------------------------------------------------------------------------------------

@description('PUBLIC_BASE_URL: public https base of the app, used to build the Graph notification URLs. Empty = https://<function app default host name> (computed).')
param publicBaseUrl string = ''

@description('GRAPH_TENANT_ID: the Microsoft 365 tenant (GUID) where the Entra app registration lives.')
param graphTenantId string

@description('GRAPH_CLIENT_ID: application (client) id of the Entra app registration (GUID).')
param graphClientId string

@secure()
@description('GRAPH_CLIENT_SECRET: client secret of that app registration. Stored in Key Vault. (The code also accepts a certificate path or a managed identity instead; this deployment uses the secret.)')
param graphClientSecret string

@description('GRAPH_CLIENT_CERTIFICATE_PATH: path of a PEM certificate inside the app. The code prefers GRAPH_CLIENT_SECRET, which this deployment always sets, so this is passed through only. Default: none.')
param graphClientCertificatePath string = ''

@description('GRAPH_BASE_URL.')
param graphBaseUrl string = 'https://graph.microsoft.com'

@description('GRAPH_AUTHORITY_HOST.')
param graphAuthorityHost string = 'https://login.microsoftonline.com'

@description('ZOHO_ACCOUNTS_URL: accounts server of the Zoho org\'s data centre, e.g. https://accounts.zoho.com, https://accounts.zoho.eu, https://accounts.zoho.jp.')
param zohoAccountsUrl string

@description('ZOHO_API_DOMAIN: API domain of that data centre, e.g. https://www.zohoapis.com, https://www.zohoapis.eu, https://www.zohoapis.jp.')
param zohoApiDomain string

@description('ZOHO_CLIENT_ID: Zoho self-client id.')
param zohoClientId string

@secure()
@description('ZOHO_CLIENT_SECRET: Zoho self-client secret. Stored in Key Vault.')
param zohoClientSecret string

@secure()
@description('ZOHO_REFRESH_TOKEN: Zoho refresh token of the self-client. Stored in Key Vault.')
param zohoRefreshToken string

@description('ZOHO_TRIGGER: none, or a comma-separated list of workflow, approval, blueprint, pathfinder, orchestration.')
param zohoTrigger string = 'workflow'

@description('ZOHO_MAX_CONCURRENCY: concurrent Zoho calls per instance.')
@minValue(1)
@maxValue(25)
param zohoMaxConcurrency int = 5

@description('SYNC_CATEGORY: name of the Outlook category that marks items for sync.')
@minLength(1)
@maxLength(255)
param syncCategory string = 'Zoho'

@description('SYNC_CONTACTS.')
@allowed([
  'category'
  'all'
  'off'
])
param syncContacts string = 'category'

@description('SYNC_TASKS.')
@allowed([
  'category'
  'all'
  'off'
])
param syncTasks string = 'category'

@description('SYNC_EVENTS.')
@allowed([
  'category'
  'all'
  'off'
])
param syncEvents string = 'category'

@description('SYNC_DELETES: what an Outlook deletion does to the linked Zoho record.')
@allowed([
  'delete'
  'unlink'
])
param syncDeletes string = 'delete'

@description('SYNC_PRIVATE_EVENTS.')
param syncPrivateEvents bool = false

@description('SYNC_EVENTS_PAST_DAYS.')
@minValue(0)
@maxValue(3650)
param syncEventsPastDays int = 30

@description('SYNC_EVENTS_FUTURE_DAYS.')
@minValue(1)
@maxValue(3650)
param syncEventsFutureDays int = 365

@description('SYNC_MAX_ATTEMPTS.')
@minValue(1)
@maxValue(20)
param syncMaxAttempts int = 5

@description('SYNC_MASS_DELETE_SHARE: a number from 0 to 1 (a string, as Bicep has no decimals).')
param syncMassDeleteShare string = '0.2'

@description('MAIL_CAPTURE: contacts,leads, contacts, or off.')
param mailCapture string = 'contacts,leads'

@description('MAIL_CREATE_UNKNOWN.')
@allowed([
  'none'
  'lead'
  'contact'
])
param mailCreateUnknown string = 'none'

@description('MAIL_ATTACHMENTS.')
param mailAttachments bool = false

@description('MAIL_INTERNAL_DOMAINS: comma-separated; empty = the tenant\'s verified domains.')
param mailInternalDomains string = ''

@description('MAIL_EXCLUDE: comma-separated addresses and @domains never captured or created.')
param mailExclude string = ''

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var rgName = empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
var appName = empty(functionAppName) ? 'func-${resourceToken}' : functionAppName

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    deploymentContainerName: 'app-package'
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'kv-${resourceToken}'
    graphClientSecret: graphClientSecret
    zohoClientSecret: zohoClientSecret
    zohoRefreshToken: zohoRefreshToken
    secretsOfficerPrincipalId: principalId
  }
}

// The app's own settings; the module adds AzureWebJobsStorage (+ __accountName),
// APPLICATIONINSIGHTS_CONNECTION_STRING and PUBLIC_BASE_URL.
var appSettings = {
  GRAPH_TENANT_ID: graphTenantId
  GRAPH_CLIENT_ID: graphClientId
  GRAPH_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.graphClientSecretUri})'
  GRAPH_CLIENT_CERTIFICATE_PATH: graphClientCertificatePath
  GRAPH_BASE_URL: graphBaseUrl
  GRAPH_AUTHORITY_HOST: graphAuthorityHost
  ZOHO_ACCOUNTS_URL: zohoAccountsUrl
  ZOHO_API_DOMAIN: zohoApiDomain
  ZOHO_CLIENT_ID: zohoClientId
  ZOHO_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.zohoClientSecretUri})'
  ZOHO_REFRESH_TOKEN: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.zohoRefreshTokenUri})'
  ZOHO_TRIGGER: zohoTrigger
  ZOHO_MAX_CONCURRENCY: string(zohoMaxConcurrency)
  SYNC_CATEGORY: syncCategory
  SYNC_CONTACTS: syncContacts
  SYNC_TASKS: syncTasks
  SYNC_EVENTS: syncEvents
  SYNC_DELETES: syncDeletes
  SYNC_PRIVATE_EVENTS: syncPrivateEvents ? 'true' : 'false'
  SYNC_EVENTS_PAST_DAYS: string(syncEventsPastDays)
  SYNC_EVENTS_FUTURE_DAYS: string(syncEventsFutureDays)
  SYNC_MAX_ATTEMPTS: string(syncMaxAttempts)
  SYNC_MASS_DELETE_SHARE: syncMassDeleteShare
  MAIL_CAPTURE: mailCapture
  MAIL_CREATE_UNKNOWN: mailCreateUnknown
  MAIL_ATTACHMENTS: mailAttachments ? 'true' : 'false'
  MAIL_INTERNAL_DOMAINS: mailInternalDomains
  MAIL_EXCLUDE: mailExclude
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    location: location
    tags: tags
    name: appName
    planName: 'plan-${resourceToken}'
    serviceName: 'api'
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    publicBaseUrl: publicBaseUrl
    appSettings: appSettings
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd writes them into .azure/<env>/.env)
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_HOST_NAME string = functionApp.outputs.defaultHostName
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output GRAPH_NOTIFICATION_URL string = '${functionApp.outputs.publicBaseUrl}/api/graph/notifications'
output GRAPH_LIFECYCLE_URL string = '${functionApp.outputs.publicBaseUrl}/api/graph/lifecycle'
output KEY_VAULT_NAME string = keyVault.outputs.name
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
