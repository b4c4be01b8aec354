// The app's user-assigned managed identity. It exists before the Function App, so every role it
// needs (storage, Key Vault, Application Insights) is assigned before the app's first start, and
// the Entra app registration can trust it as a federated credential (no Graph secret anywhere).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Identity name.')
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
