// The Entra app registration the sync calls Microsoft Graph as, created by the Microsoft Graph
// Bicep extension (infra/bicepconfig.json) in the tenant azd deploys to:
// - a federated identity credential that trusts the app's user-assigned managed identity, so the
//   app gets Graph tokens with the identity's token as client assertion: no secret, no certificate;
// - its service principal;
// - the Graph application permissions of infra/graph-permissions.json, granted as app role
//   assignments (this *is* admin consent). Granting needs Privileged Role Administrator (or Global
//   Administrator) in that tenant; with `grantPermissions` false the app is created without them
//   and the postprovision hook prints the admin-consent URL instead.
extension microsoftGraphV1

@description('Unique name (and display name) of the app registration.')
param uniqueName string

@description('Display name shown in Entra and on the consent screen.')
param displayName string

@description('Object (principal) id of the managed identity the app registration trusts.')
param managedIdentityPrincipalId string

@description('Grant the Graph application permissions now (needs an administrator running azd).')
param grantPermissions bool = true

var permissions = loadJsonContent('../graph-permissions.json').applicationPermissions
var graphAppId = '00000003-0000-0000-c000-000000000000'
// Entra's issuer for managed identity tokens of this tenant, and the token-exchange audience.
var issuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

resource graphSp 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  // For the signed-in token/mail/... routes (lib/auth): v2.0 tokens (audience = the client id),
  // the delegated scope an Outlook add-in asks for, and the app role scripts need.
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: guid(uniqueName, 'access_as_user')
        value: 'access_as_user'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'File e-mail in Zoho CRM as the signed-in user'
        adminConsentDescription: 'Lets the Outlook add-in file the signed-in user\'s own e-mail in Zoho CRM.'
        userConsentDisplayName: 'File your e-mail in Zoho CRM'
        userConsentDescription: 'Lets the Outlook add-in file your e-mail in Zoho CRM.'
      }
    ]
  }
  appRoles: [
    {
      id: guid(uniqueName, 'Mail.File.All')
      value: 'Mail.File.All'
      allowedMemberTypes: [
        'Application'
      ]
      isEnabled: true
      displayName: 'File any mailbox\'s e-mail in Zoho CRM'
      description: 'Scripts with this role may call the token/mail routes for any provisioned mailbox.'
    }
  ]
  // Declared (shows on the consent screen and in "API permissions"); granted below.
  requiredResourceAccess: [
    {
      resourceAppId: graphAppId
      resourceAccess: [for p in permissions: {
        id: filter(graphSp.appRoles, r => r.value == p)[0].id
        type: 'Role'
      }]
    }
  ]

  resource managedIdentityCredential 'federatedIdentityCredentials@v1.0' = {
    name: '${app.uniqueName}/function-app-identity'
    description: 'The Function App\'s user-assigned managed identity; its token is the client assertion.'
    audiences: [
      'api://AzureADTokenExchange'
    ]
    issuer: issuer
    subject: managedIdentityPrincipalId
  }
}

resource sp 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
}

resource grants 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [for p in permissions: if (grantPermissions) {
  appRoleId: filter(graphSp.appRoles, r => r.value == p)[0].id
  principalId: sp.id
  resourceId: graphSp.id
}]

output clientId string = app.appId
output servicePrincipalId string = sp.id
output permissionsGranted bool = grantPermissions
