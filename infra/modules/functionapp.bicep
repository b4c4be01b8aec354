// The Function App on the Flex Consumption plan (FC1), its role assignments and its app settings.
//
// Why Flex Consumption and not Consumption (Y1):
// - Linux Consumption (Y1) is the legacy serverless plan: Microsoft gives it no new language
//   versions after September 2025 and retires it in September 2028; Flex Consumption is the plan
//   Microsoft points new Linux apps to, and it runs Node 22.
// - Flex deploys from a blob container with the app's managed identity (no shared-key
//   WEBSITE_CONTENT* file share), scales each queue-triggered function on its own (per-function
//   scaling), and offers "always ready" instances: Graph wants the webhook to answer within 3 s
//   (validation handshake: 10 s), and a cold start eats into that.
// Limits to know: Flex exists in fewer regions than Y1 (pick AZURE_LOCATION from
// `az functionapp list-flexconsumption-locations`), has no deployment slots, and in most regions
// its maximum instance count cannot go below 40 (Zoho's concurrency limit is per organisation, so
// the app's own limiter and 429 handling are what keep it under that limit, not the plan).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Function App name; also the host name <name>.azurewebsites.net.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('azd service name (azure.yaml) this app is tagged with.')
param serviceName string = 'api'

@description('Existing storage account (AzureWebJobsStorage, deployment package).')
param storageAccountName string

@description('Blob container in that account that holds the deployment package.')
param deploymentContainerName string

@description('Existing Application Insights component.')
param applicationInsightsName string

@description('Existing Key Vault (RBAC mode) holding the secrets the app settings reference.')
param keyVaultName string

@description('Maximum instances per function group (40-1000 in most regions; lower values are accepted only in some).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the HTTP function group (0 = scale to zero; each one is billed while idle).')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 0

@description('PUBLIC_BASE_URL; empty = https://<default host name>.')
param publicBaseUrl string = ''

@description('The app\'s own settings (lib/config.ts), secrets already as Key Vault references. Storage, Application Insights and PUBLIC_BASE_URL are added here.')
param appSettings object

// Built-in role definitions.
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

var storageRoleIds = [
  storageBlobDataOwnerRoleId // Flex deployment package container + host blobs (keys, locks)
  storageQueueDataContributorRoleId // queue triggers and our queues
  storageTableDataContributorRoleId // our Table Storage state
]

// 'http' is the function group of all HTTP-triggered functions (webhooks, admin, resync, mail).
var alwaysReady = alwaysReadyHttpInstances > 0 ? [
  {
    name: 'http'
    instanceCount: alwaysReadyHttpInstances
  }
] : []

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    // Flex Consumption: runtime and version live here, not in linuxFxVersion or in the
    // FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION / WEBSITE_NODE_DEFAULT_VERSION app
    // settings, which Flex rejects.
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// No FTP and no basic-auth publishing: azd deploys with an Entra token.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoleIds: {
    name: guid(storage.id, site.id, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: site.identity.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, site.id, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: site.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Without a trailing slash, as lib/config.ts normalises it.
var givenPublicBaseUrl = endsWith(publicBaseUrl, '/') ? take(publicBaseUrl, length(publicBaseUrl) - 1) : publicBaseUrl
var effectivePublicBaseUrl = empty(givenPublicBaseUrl) ? 'https://${site.properties.defaultHostName}' : givenPublicBaseUrl

// All app settings in one resource, written after the role assignments so that the Key Vault
// references resolve on the first start. (This resource replaces the whole app-settings list:
// a setting added by hand in the portal is removed by the next `azd provision`.)
resource siteAppSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, {
    // Our own code (lib/state/tables.ts, lib/queue.ts via lib/runtime.ts) reads AzureWebJobsStorage
    // as a *connection string*, so it is one, built from the account key. The Functions host also
    // uses it (a connection string wins over the AzureWebJobsStorage__* identity settings below).
    // Moving to identity-only storage (allowSharedKeyAccess: false, no key here) requires a code
    // change first: TableStore and StorageQueue must accept an account name/endpoint and use
    // DefaultAzureCredential (the role assignments above already grant what they need).
    AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
    AzureWebJobsStorage__accountName: storage.name
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    PUBLIC_BASE_URL: effectivePublicBaseUrl
  })
  dependsOn: [
    storageRoleAssignments
    keyVaultSecretsUser
  ]
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output publicBaseUrl string = effectivePublicBaseUrl
output principalId string = site.identity.principalId
