// Azure resources for outlook-zoho-sync, deployed by `azd up` / `azd provision`.
//
//   resource group rg-<env>
//   ├─ User-assigned managed identity                     modules/identity.bicep
//   ├─ Log Analytics + Application Insights (Entra auth)  modules/monitoring.bicep
//   ├─ Storage account, shared keys off (host state,      modules/storage.bicep
//   │  queues, tables, Flex deployment container)
//   ├─ Key Vault, RBAC mode (Zoho secrets; Graph secret   modules/keyvault.bicep
//   │  or certificate only if used)
//   └─ Flex Consumption plan (FC1) + Linux Function App   modules/functionapp.bicep
//      (Node 22, user-assigned identity, roles, settings)  + modules/appsettings.bicep
//   Entra ID (Microsoft Graph Bicep extension):
//   └─ app registration + federated credential for the   modules/entra-app.bicep
//      identity + Graph application permissions
//
// Every setting that lib/config.ts reads is a parameter below (or computed by the template, see
// the table in README.md), with the code's default. infra/main.parameters.json maps each one to
// the azd environment variable of the same name as the app setting (`azd env set SYNC_CONTACTS all`).
// test/unit/infra.test.ts (npm run check:infra) checks this against lib/config.ts.

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

@description('Flex Consumption: always-ready instances for the HTTP functions. 1 (production default) keeps the Graph webhook warm for Graph\'s 3-second answer; 0 scales to zero (cheapest, for test environments).')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 1

// ---------------------------------------------------------------------------------------------
// Graph identity
// ---------------------------------------------------------------------------------------------

@description('How the app authenticates to Microsoft Graph: federated (default: the app registration trusts the user-assigned managed identity, no secret), certificate (a Key Vault certificate, graphCertificateName), or secret (GRAPH_CLIENT_SECRET).')
@allowed([
  'federated'
  'certificate'
  'secret'
])
param graphCredential string = 'federated'

@description('Grant the Graph application permissions of infra/graph-permissions.json while creating the app registration (needs Privileged Role Administrator or Global Administrator running azd). false = the postprovision hook prints the admin-consent URL.')
param grantGraphPermissions bool = true

@description('Display name of the app registration this template creates (when GRAPH_CLIENT_ID is empty).')
param graphAppDisplayName string = 'Outlook to Zoho CRM sync'

@description('Name of the Key Vault certificate (PEM content type) used when graphCredential is certificate.')
param graphCertificateName string = 'graph-app'

// ---------------------------------------------------------------------------------------------
// App settings (lib/config.ts). Same names as the settings, same defaults as the code.
// ---------------------------------------------------------------------------------------------

@description('PUBLIC_BASE_URL: public https base of the app, used to build the Graph notification URLs. Empty = https://<function app default host name> (computed).')
param publicBaseUrl string = ''

@description('GRAPH_TENANT_ID: the Microsoft 365 tenant (GUID) of the app registration. Empty = the tenant azd deploys to.')
param graphTenantId string = ''

@description('GRAPH_CLIENT_ID: application (client) id of an existing app registration. Empty = this template creates one (modules/entra-app.bicep).')
param graphClientId string = ''

@secure()
@description('GRAPH_CLIENT_SECRET: client secret of that app registration, only with graphCredential secret. Stored in Key Vault.')
param graphClientSecret string = ''

@description('GRAPH_CLIENT_CERTIFICATE_PATH: path of a PEM certificate inside the app (local development; in Azure use graphCredential certificate). Default: none.')
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

@description('ZOHO_MAX_CONCURRENCY: the org\'s Zoho concurrency limit, held across all instances (Free 5 ... Ultimate 25).')
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

@description('SYNC_MAX_ATTEMPTS: at most the queue\'s maxDequeueCount (host.json: 5).')
@minValue(1)
@maxValue(20)
param syncMaxAttempts int = 5

@description('SYNC_BUSY_RETRY_SECONDS: wait of an item another instance is creating in Zoho.')
@minValue(1)
@maxValue(600)
param syncBusyRetrySeconds int = 15

@description('RESYNC_INVOCATION_BUDGET_SECONDS: how long one resync invocation works before it continues from a checkpoint in a follow-up message (under the 10-minute function timeout).')
@minValue(1)
@maxValue(570)
param resyncInvocationBudgetSeconds int = 480

@description('SYNC_MASS_DELETE_SHARE: a number from 0 to 1 (a string, as Bicep has no decimals).')
param syncMassDeleteShare string = '0.2'

@description('MAIL_CAPTURE: contacts,leads, contacts, or off.')
param mailCapture string = 'contacts,leads'

@description('MAIL_RESYNC_DAYS: how far back a Sent Items resync from scratch looks.')
@minValue(0)
@maxValue(3650)
param mailResyncDays int = 30

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

@description('MAIL_ROUTES_AUTH: key-or-token, or token (the keyed mail/... routes also require a bearer token).')
@allowed([
  'key-or-token'
  'token'
])
param mailRoutesAuth string = 'key-or-token'

@description('MAIL_TOKEN_AUDIENCES: extra accepted token audiences, comma-separated (e.g. an Office add-in\'s api://host/{client id}).')
param mailTokenAudiences string = ''

@description('SYNC_CONTACT_FOLDERS: all, or display names of the contact folders to sync (default = the default folder).')
param syncContactFolders string = 'all'

@description('SYNC_CALENDARS: all, or display names of the calendars to sync (default = the primary calendar).')
param syncCalendars string = 'all'

@description('SYNC_TODO_LISTS: all, or display names of the To Do lists to sync (default = the default list).')
param syncTodoLists string = 'all'

@description('SYNC_ZOHO_RIGHTS: profile (writes follow the mailbox owner\'s Zoho profile) or off.')
@allowed([
  'profile'
  'off'
])
param syncZohoRights string = 'profile'

@description('SYNC_NO_ZOHO_USER: a mailbox with no Zoho user is written as the integration user, or skipped.')
@allowed([
  'integration'
  'skip'
])
param syncNoZohoUser string = 'integration'

@description('SYNC_CONTACTS_DIRECTION: to-zoho, to-outlook or both.')
@allowed([
  'to-zoho'
  'to-outlook'
  'both'
])
param syncContactsDirection string = 'to-zoho'

@description('SYNC_TASKS_DIRECTION: to-zoho, to-outlook or both.')
@allowed([
  'to-zoho'
  'to-outlook'
  'both'
])
param syncTasksDirection string = 'to-zoho'

@description('SYNC_EVENTS_DIRECTION: to-zoho, to-outlook or both.')
@allowed([
  'to-zoho'
  'to-outlook'
  'both'
])
param syncEventsDirection string = 'to-zoho'

@description('SYNC_CONFLICTS: which side wins a field changed on both sides: newest, outlook or zoho.')
@allowed([
  'newest'
  'outlook'
  'zoho'
])
param syncConflicts string = 'newest'

@description('SYNC_CONTACTS_FOLDER: empty = the mailbox\'s Contacts folder; a name = a folder the sync creates for contacts from Zoho.')
param syncContactsFolder string = ''

@description('HEALTH_QUEUE_MAX_AGE_SECONDS: GET /api/health fails when the oldest sync-items message is older.')
param healthQueueMaxAgeSeconds string = '1800'

@description('HEALTH_NOTIFICATION_MAX_AGE_HOURS: GET /api/health fails when no notification arrived for this long (0 = not checked).')
param healthNotificationMaxAgeHours string = '48'

@description('MANAGE_UI_ROLE: the Entra app role the admin page requires (App Service authentication); empty = none.')
param manageUiRole string = ''

@description('TELEMETRY_PORTAL_URL: https link to Application Insights shown on the admin page.')
param telemetryPortalUrl string = ''

@description('RENEW_SCHEDULE: NCRONTAB (six fields, seconds first) of the subscription renewal timer.')
param renewSchedule string = '0 */30 * * * *'

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var rgName = empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
var appName = empty(functionAppName) ? 'func-${resourceToken}' : functionAppName
var createGraphApp = empty(graphClientId)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-${resourceToken}'
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    metricsPublisherPrincipalId: identity.outputs.principalId
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
    storeGraphClientSecret: graphCredential == 'secret'
    graphClientSecret: graphCredential == 'secret' ? graphClientSecret : ''
    zohoClientSecret: zohoClientSecret
    zohoRefreshToken: zohoRefreshToken
    secretsOfficerPrincipalId: principalId
  }
}

module entraApp 'modules/entra-app.bicep' = if (createGraphApp) {
  name: 'entra-app'
  scope: rg
  params: {
    uniqueName: 'outlook-zoho-sync-${resourceToken}'
    displayName: graphAppDisplayName
    managedIdentityPrincipalId: identity.outputs.principalId
    grantPermissions: grantGraphPermissions
  }
}

var effectiveGraphClientId = createGraphApp ? entraApp!.outputs.clientId : graphClientId

// Written on every provision. The Graph credential settings are written even when unused (empty),
// so switching graphCredential never leaves an older credential in place that would win.
var appSettings = {
  GRAPH_TENANT_ID: empty(graphTenantId) ? tenant().tenantId : graphTenantId
  GRAPH_CLIENT_ID: effectiveGraphClientId
  GRAPH_FEDERATED_IDENTITY_CLIENT_ID: graphCredential == 'federated' ? identity.outputs.clientId : ''
  GRAPH_CLIENT_CERTIFICATE: graphCredential == 'certificate' ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.vaultUri}secrets/${graphCertificateName})' : ''
  GRAPH_CLIENT_SECRET: graphCredential == 'secret' ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.graphClientSecretUri})' : ''
  GRAPH_CLIENT_CERTIFICATE_PATH: graphClientCertificatePath
  ZOHO_ACCOUNTS_URL: zohoAccountsUrl
  ZOHO_API_DOMAIN: zohoApiDomain
  ZOHO_CLIENT_ID: zohoClientId
  ZOHO_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.zohoClientSecretUri})'
  ZOHO_REFRESH_TOKEN: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.zohoRefreshTokenUri})'
}

// Optional settings: an azd value equal to the code's default keeps what an operator set on the
// app (modules/appsettings.bicep). Both objects list the same names.
var optionalSettings = {
  GRAPH_BASE_URL: graphBaseUrl
  GRAPH_AUTHORITY_HOST: graphAuthorityHost
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
  SYNC_BUSY_RETRY_SECONDS: string(syncBusyRetrySeconds)
  RESYNC_INVOCATION_BUDGET_SECONDS: string(resyncInvocationBudgetSeconds)
  SYNC_MASS_DELETE_SHARE: syncMassDeleteShare
  MAIL_CAPTURE: mailCapture
  MAIL_RESYNC_DAYS: string(mailResyncDays)
  MAIL_CREATE_UNKNOWN: mailCreateUnknown
  MAIL_ATTACHMENTS: mailAttachments ? 'true' : 'false'
  MAIL_INTERNAL_DOMAINS: mailInternalDomains
  MAIL_EXCLUDE: mailExclude
  MAIL_ROUTES_AUTH: mailRoutesAuth
  MAIL_TOKEN_AUDIENCES: mailTokenAudiences
  RENEW_SCHEDULE: renewSchedule
  SYNC_CONTACT_FOLDERS: syncContactFolders
  SYNC_CALENDARS: syncCalendars
  SYNC_TODO_LISTS: syncTodoLists
  SYNC_ZOHO_RIGHTS: syncZohoRights
  SYNC_NO_ZOHO_USER: syncNoZohoUser
  SYNC_CONTACTS_DIRECTION: syncContactsDirection
  SYNC_TASKS_DIRECTION: syncTasksDirection
  SYNC_EVENTS_DIRECTION: syncEventsDirection
  SYNC_CONFLICTS: syncConflicts
  SYNC_CONTACTS_FOLDER: syncContactsFolder
  HEALTH_QUEUE_MAX_AGE_SECONDS: healthQueueMaxAgeSeconds
  HEALTH_NOTIFICATION_MAX_AGE_HOURS: healthNotificationMaxAgeHours
  MANAGE_UI_ROLE: manageUiRole
  TELEMETRY_PORTAL_URL: telemetryPortalUrl
}

var optionalDefaults = {
  GRAPH_BASE_URL: 'https://graph.microsoft.com'
  GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com'
  ZOHO_TRIGGER: 'workflow'
  ZOHO_MAX_CONCURRENCY: '5'
  SYNC_CATEGORY: 'Zoho'
  SYNC_CONTACTS: 'category'
  SYNC_TASKS: 'category'
  SYNC_EVENTS: 'category'
  SYNC_DELETES: 'delete'
  SYNC_PRIVATE_EVENTS: 'false'
  SYNC_EVENTS_PAST_DAYS: '30'
  SYNC_EVENTS_FUTURE_DAYS: '365'
  SYNC_MAX_ATTEMPTS: '5'
  SYNC_BUSY_RETRY_SECONDS: '15'
  RESYNC_INVOCATION_BUDGET_SECONDS: '480'
  SYNC_MASS_DELETE_SHARE: '0.2'
  MAIL_CAPTURE: 'contacts,leads'
  MAIL_RESYNC_DAYS: '30'
  MAIL_CREATE_UNKNOWN: 'none'
  MAIL_ATTACHMENTS: 'false'
  MAIL_INTERNAL_DOMAINS: ''
  MAIL_EXCLUDE: ''
  MAIL_ROUTES_AUTH: 'key-or-token'
  MAIL_TOKEN_AUDIENCES: ''
  RENEW_SCHEDULE: '0 */30 * * * *'
  SYNC_CONTACT_FOLDERS: 'all'
  SYNC_CALENDARS: 'all'
  SYNC_TODO_LISTS: 'all'
  SYNC_ZOHO_RIGHTS: 'profile'
  SYNC_NO_ZOHO_USER: 'integration'
  SYNC_CONTACTS_DIRECTION: 'to-zoho'
  SYNC_TASKS_DIRECTION: 'to-zoho'
  SYNC_EVENTS_DIRECTION: 'to-zoho'
  SYNC_CONFLICTS: 'newest'
  SYNC_CONTACTS_FOLDER: ''
  HEALTH_QUEUE_MAX_AGE_SECONDS: '1800'
  HEALTH_NOTIFICATION_MAX_AGE_HOURS: '48'
  MANAGE_UI_ROLE: ''
  TELEMETRY_PORTAL_URL: ''
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
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    publicBaseUrl: publicBaseUrl
    appSettings: appSettings
    optionalSettings: optionalSettings
    optionalDefaults: optionalDefaults
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd writes them into .azure/<env>/.env; the hooks read them). Names, URLs and ids
// only: no secret, key or connection string.
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_HOST_NAME string = functionApp.outputs.defaultHostName
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output SERVICE_BASE_URL string = functionApp.outputs.publicBaseUrl
output GRAPH_NOTIFICATION_URL string = '${functionApp.outputs.publicBaseUrl}/api/graph/notifications'
output GRAPH_LIFECYCLE_URL string = '${functionApp.outputs.publicBaseUrl}/api/graph/lifecycle'
// Not named GRAPH_CLIENT_ID: azd would feed it back as that parameter and the next provision
// would treat a created app registration as an existing one.
output GRAPH_APP_CLIENT_ID string = effectiveGraphClientId
output GRAPH_APP_TENANT_ID string = empty(graphTenantId) ? tenant().tenantId : graphTenantId
output GRAPH_APP_CREATED bool = createGraphApp
output GRAPH_PERMISSIONS_GRANTED bool = createGraphApp && grantGraphPermissions
output GRAPH_CREDENTIAL string = graphCredential
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output KEY_VAULT_NAME string = keyVault.outputs.name
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
