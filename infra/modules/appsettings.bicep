// The Function App's app settings, written without wiping what an operator set:
// 1. every setting already on the app is kept (settings this template does not know, e.g.
//    AzureFunctionsJobHost__* overrides or WEBSITE_* switches added in the portal);
// 2. an optional setting of lib/config.ts is written with its azd value, except that a value equal
//    to the code's default does not replace a value already on the app: an operator's
//    SYNC_DELETES=unlink set in the portal survives `azd provision` until azd is given a value;
// 3. required settings, Key Vault references and the platform's (storage, Application Insights,
//    identity) are always written.
// (Microsoft.Web/sites/config 'appsettings' replaces the whole list, hence the merge.)

@description('Function App name.')
param siteName string

@description('The app settings the app has now (list(.../config/appsettings).properties).')
param currentAppSettings object

@description('Settings always written.')
param managedSettings object

@description('Optional settings as azd passes them (strings).')
param optionalSettings object

@description('The code\'s default of each optional setting (strings).')
param optionalDefaults object

@description('Settings removed from the app if present (e.g. an AzureWebJobsStorage connection string of an older deployment, which would win over the keyless settings and use a key the account now refuses).')
param retiredSettings array = [
  'AzureWebJobsStorage'
]

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

var current = toObject(filter(items(currentAppSettings), s => !contains(retiredSettings, s.key)), s => s.key, s => s.value)

var keptByOperator = toObject(
  filter(items(optionalSettings), s => s.value == optionalDefaults[s.key] && contains(current, s.key)),
  s => s.key,
  s => current[s.key]
)

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(current, optionalSettings, keptByOperator, managedSettings)
}
