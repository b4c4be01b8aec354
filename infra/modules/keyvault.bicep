// Key Vault in RBAC mode holding the Zoho credentials (Zoho has no keyless option), and, only when
// the deployment uses one, the Graph client secret or the Graph certificate (a Key Vault
// certificate named by graphCertificateName, created by an administrator, see infra/README.md). App settings reference them
// with @Microsoft.KeyVault(SecretUri=...) (versionless: the platform picks up a new version
// within 24 hours, or at once on restart). The app's identity gets Key Vault Secrets User in
// modules/functionapp.bicep; the person or pipeline running azd may get Secrets Officer here.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Key Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Store a Graph client secret (graphCredential secret); false = none (the default: federated credential).')
param storeGraphClientSecret bool = false

@secure()
@description('Client secret of the Entra app registration (GRAPH_CLIENT_SECRET), with storeGraphClientSecret.')
param graphClientSecret string = ''

@secure()
@description('Zoho self-client secret (ZOHO_CLIENT_SECRET).')
param zohoClientSecret string

@secure()
@description('Zoho refresh token (ZOHO_REFRESH_TOKEN).')
param zohoRefreshToken string

@description('Object id that gets Key Vault Secrets Officer (to read and rotate the secrets); empty for none.')
param secretsOfficerPrincipalId string = ''

var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource graphClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeGraphClientSecret) {
  parent: vault
  name: 'graph-client-secret'
  properties: {
    value: graphClientSecret
    contentType: 'text/plain'
  }
}

resource zohoClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'zoho-client-secret'
  properties: {
    value: zohoClientSecret
    contentType: 'text/plain'
  }
}

resource zohoRefreshTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'zoho-refresh-token'
  properties: {
    value: zohoRefreshToken
    contentType: 'text/plain'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerPrincipalId)) {
  name: guid(vault.id, secretsOfficerPrincipalId, keyVaultSecretsOfficerRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: secretsOfficerPrincipalId
    // principalType left out on purpose: azd may run as a user or as a service principal.
  }
}

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
// Versionless secret URIs (no secret values) for the app settings' Key Vault references.
output graphClientSecretUri string = storeGraphClientSecret ? graphClientSecretSecret!.properties.secretUri : ''
output zohoClientSecretUri string = zohoClientSecretSecret.properties.secretUri
output zohoRefreshTokenUri string = zohoRefreshTokenSecret.properties.secretUri
