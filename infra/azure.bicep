// CRM Sync in Azure: everything the app needs, with identity-based access only (no keys or
// connection strings in app settings). Deployed by the Agents Toolkit (teamsapp.yml, arm/deploy)
// with azure.parameters.json. Kept to plain, stable resource versions: no Bicep compiler runs in
// this project's CI, so test/infra checks this file against the code instead (README, contributor notes).

@maxLength(20)
@minLength(4)
@description('Prefix of every resource name, e.g. "crmsync" + the environment suffix.')
param resourceBaseName string

param location string = resourceGroup().location

@description('Client id of the Entra app registration (aadApp/create): the tab\'s SSO audience and Graph\'s identity.')
param aadAppClientId string

@description('The Teams app id (teamsApp/create): cards link into the tab inside Teams.')
param teamsAppId string = ''

@description('Display name of the bot in Teams.')
param botDisplayName string = 'CRM Sync'

@description('Cosmos DB capacity: serverless (pay per request, the default) or provisioned with autoscale.')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosCapacityMode string = 'serverless'

@description('Autoscale maximum RU/s for the database when cosmosCapacityMode is autoscale.')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('App Service plan SKU; B1 or above for always-on.')
param appServiceSku string = 'B1'

@description('Comma-separated tenant ids allowed to use the tab; empty: this tenant only.')
param allowedTenants string = ''

@description('Comma-separated Entra object ids of CRM Sync admins (besides the CrmSync.Admin app role); never sign-in names.')
param adminUsers string = ''

var databaseName = 'crm-sync'
var tenantId = subscription().tenantId

// The containers the app uses in Azure, exactly as bot/store/containers.ts defines them
// (AZURE_CONTAINERS: every container but the embedded job queue). Partition key /pk everywhere;
// defaultTtl -1 means TTL is on but items expire only when they carry a ttl.
var containers = [
  { name: 'settings', defaultTtl: null, excludedPaths: [] }
  { name: 'ledger', defaultTtl: null, excludedPaths: [] }
  { name: 'itemLedger', defaultTtl: null, excludedPaths: [] }
  { name: 'syncState', defaultTtl: -1, excludedPaths: [] }
  { name: 'conversations', defaultTtl: null, excludedPaths: [] }
  { name: 'notifications', defaultTtl: -1, excludedPaths: [] }
  { name: 'crm', defaultTtl: null, excludedPaths: ['/body/*', '/attachments/*'] }
]

// Queues of bot/worker/jobs.ts (SYNC_QUEUE) and its poison queue (bot/queue/storage-queue.ts).
var queues = ['sync-jobs', 'sync-jobs-poison']
// The blob container of bot/composition.ts (ATTACHMENTS_CONTAINER).
var attachmentsContainer = 'attachments'

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}
// Cosmos DB's data-plane "Built-in Data Contributor" (a Cosmos SQL role, not an Azure RBAC role).
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-id'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${resourceBaseName}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${resourceBaseName}-ai'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: false // the connection string's ingestion key is how the SDK sends; not a secret that grants reads
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: '${resourceBaseName}-cosmos'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    // Keys off: only Entra ID (the app's managed identity with a data-plane role) gets in.
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: cosmosCapacityMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: databaseName
  properties: {
    resource: { id: databaseName }
    // Serverless accounts take no throughput setting at all.
    options: cosmosCapacityMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: cosmosAutoscaleMaxThroughput } } : {}
  }
}

resource cosmosContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for c in containers: {
    parent: database
    name: c.name
    properties: {
      resource: union(
        {
          id: c.name
          partitionKey: { paths: ['/pk'], kind: 'Hash' }
          indexingPolicy: {
            indexingMode: 'consistent'
            includedPaths: [{ path: '/*' }]
            excludedPaths: concat(map(c.excludedPaths, p => { path: p }), [{ path: '/"_etag"/?' }])
          }
        },
        c.defaultTtl == null ? {} : { defaultTtl: c.defaultTtl }
      )
    }
  }
]

resource cosmosRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, identity.id, cosmosDataContributor)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}'
    principalId: identity.properties.principalId
    scope: cosmos.id
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: toLower(replace('${resourceBaseName}st', '-', ''))
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // No shared keys: queues and blobs only with Entra ID.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource storageQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for q in queues: {
    parent: queueService
    name: q
  }
]

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource attachments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: attachmentsContainer
  properties: { publicAccess: 'None' }
}

resource queueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Holds no secret at provisioning: there for an operator's own (e.g. a certificate, were the bot to
// use one instead of the managed identity), readable by the managed identity only.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${resourceBaseName}-kv'
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${resourceBaseName}-plan'
  location: location
  kind: 'linux'
  sku: { name: appServiceSku }
  properties: { reserved: true } // Linux
}

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: '${resourceBaseName}-app'
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|24-lts'
      // The deploy step ships built files and production node_modules: nothing to build there.
      appCommandLine: 'node --max-semi-space-size=8 --import ./bot/logging/azure-monitor.ts bot/main.ts'
      alwaysOn: true
      // App Service takes an instance out of rotation when this fails: the store and the queue answer.
      healthCheckPath: '/readyz'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: [
        { name: 'CLIENT_ID', value: identity.properties.clientId }
        { name: 'TENANT_ID', value: tenantId }
        { name: 'BOT_TYPE', value: 'UserAssignedMsi' }
        { name: 'MANAGED_IDENTITY_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AAD_APP_CLIENT_ID', value: aadAppClientId }
        { name: 'COSMOS_ENDPOINT', value: cosmos.properties.documentEndpoint }
        { name: 'COSMOS_DATABASE', value: databaseName }
        { name: 'STORAGE_ACCOUNT_NAME', value: storage.name }
        { name: 'STORAGE_ENDPOINT_SUFFIX', value: environment().suffixes.storage }
        { name: 'TEAMS_APP_ID', value: teamsAppId }
        { name: 'ALLOWED_TENANTS', value: allowedTenants }
        { name: 'ADMIN_USERS', value: adminUsers }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        { name: 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES', value: '5' }
      ]
    }
  }
}

// Console output (the app's JSON log lines) and HTTP logs into the workspace too.
resource webDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: web
  name: 'to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [
      { category: 'AppServiceConsoleLogs', enabled: true }
      { category: 'AppServiceHTTPLogs', enabled: true }
      { category: 'AppServicePlatformLogs', enabled: true }
    ]
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${resourceBaseName}-bot'
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${web.properties.defaultHostName}/api/messages'
    msaAppId: identity.properties.clientId
    msaAppMSIResourceId: identity.id
    msaAppTenantId: tenantId
    msaAppType: 'UserAssignedMSI'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: { channelName: 'MsTeamsChannel' }
}

// What teamsapp.yml writes into env/.env.<environment> after provisioning.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = web.id
output BOT_DOMAIN string = web.properties.defaultHostName
output BOT_ID string = identity.properties.clientId
output MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output COSMOS_ENDPOINT string = cosmos.properties.documentEndpoint
output STORAGE_ACCOUNT_NAME string = storage.name
output KEY_VAULT_NAME string = vault.name
