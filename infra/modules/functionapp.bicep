// The Function App on the Flex Consumption plan (FC1), its identity's role assignments and its
// app settings. Keyless throughout: storage, deployment, Key Vault references and Application
// Insights all use the user-assigned managed identity (modules/identity.bicep).
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

@description('Existing user-assigned managed identity the app runs as (modules/identity.bicep).')
param identityName string

@description('Existing storage account (AzureWebJobsStorage, deployment package).')
param storageAccountName string

@description('Blob container in that account that holds the deployment package.')
param deploymentContainerName string

@description('Existing Application Insights component (local authentication off).')
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
param alwaysReadyHttpInstances int = 1

@description('PUBLIC_BASE_URL; empty = https://<default host name>.')
param publicBaseUrl string = ''

@description('Settings that provisioning always writes (required settings, Key Vault references).')
param appSettings object

@description('Optional settings (lib/config.ts) as strings, with their code defaults in optionalDefaults: a value equal to the default does not replace a value an operator set on the app.')
param optionalSettings object

@description('The code\'s default of each optional setting, as a string.')
param optionalDefaults object

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

// 'http' is the function group of all HTTP-triggered functions (webhooks, manage, resync, mail, health).
var alwaysReady = alwaysReadyHttpInstances > 0 ? [
  {
    name: 'http'
    instanceCount: alwaysReadyHttpInstances
  }
] : []

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Roles first, on the identity (it exists before the app), so nothing waits for propagation
// after the app starts.
resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoleIds: {
    name: guid(storage.id, identity.id, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
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
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
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
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
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
  dependsOn: [
    storageRoleAssignments
    keyVaultSecretsUser
  ]
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

// Without a trailing slash, as lib/config.ts normalises it.
var givenPublicBaseUrl = endsWith(publicBaseUrl, '/') ? take(publicBaseUrl, length(publicBaseUrl) - 1) : publicBaseUrl
var effectivePublicBaseUrl = empty(givenPublicBaseUrl) ? 'https://${site.properties.defaultHostName}' : givenPublicBaseUrl

// Settings of the platform, all keyless. No AzureWebJobsStorage connection string: it would win
// over the identity settings, in the host and in lib/storage.ts alike.
var platformSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  // DefaultAzureCredential (and the Azure SDKs) pick the user-assigned identity by this.
  AZURE_CLIENT_ID: identity.properties.clientId
  PUBLIC_BASE_URL: effectivePublicBaseUrl
  // The remote build's `npm install` reads npm config from the environment: optional dependencies
  // (azure-functions-core-tools, for `npm start` on a developer's machine) are never installed into
  // the deployed package.
  npm_config_omit: 'optional'
}

// Written by a module, so the app's current settings can be read first (list below) and kept.
module settings 'appsettings.bicep' = {
  name: '${name}-appsettings'
  params: {
    siteName: site.name
    currentAppSettings: list('${site.id}/config/appsettings', '2024-04-01').properties
    managedSettings: union(appSettings, platformSettings)
    optionalSettings: optionalSettings
    optionalDefaults: optionalDefaults
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output publicBaseUrl string = effectivePublicBaseUrl
