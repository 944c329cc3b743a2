// Azure resources for the reinstatement workflow: a Linux Consumption Function App (Node 20) with a
// system-assigned identity, its storage (also the Durable task hub and the Reinstatements table),
// Azure Communication Services Email, Application Insights, and a Key Vault for the link-signing keys.
// Deploy: az deployment group create -g <rg> -f infra/main.bicep -p partnerTenantId=<guid> partnerOpsEmail=<addr>

@description('Short name used to derive resource names.')
@minLength(3)
@maxLength(11)
param prefix string = 'csprein'

param location string = resourceGroup().location

@description('The partner\'s Entra tenant id.')
param partnerTenantId string

@description('Where the partner\'s operations team is notified.')
param partnerOpsEmail string

@description('0 for a direct partner; the indirect provider\'s MPN id otherwise.')
param partnerMsppId string = '0'

@description('Partner group the customer grants Owner to.')
param partnerGroupName string = 'AdminAgents'

@description('How mails name the partner to its customers; empty: "your Microsoft partner".')
param partnerName string = ''

@description('Custom https origin for customer links; defaults to the Function App host name.')
param publicBaseUrl string = ''

var unique = uniqueString(resourceGroup().id, prefix)
var storageName = toLower('${prefix}${take(unique, 24 - length(prefix))}')
var functionAppName = '${prefix}-func-${unique}'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-ai-${unique}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web' }
}

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: '${prefix}-email-${unique}'
  location: 'global'
  properties: { dataLocation: 'Europe' }
}

// Azure-managed domains have low send quotas (reported 5/min, 10/hour); link a custom domain for
// bulk work (30/min, 100/hour by default) and raise the app's send-rate settings to match.
resource emailDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  properties: { domainManagement: 'AzureManaged', userEngagementTracking: 'Disabled' }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: '${prefix}-acs-${unique}'
  location: 'global'
  properties: { dataLocation: 'Europe', linkedDomains: [emailDomain.id] }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${prefix}kv${unique}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
  }
}

// Create the secret once by hand (32 random bytes, base64); rotation moves it to -previous.
var signingKeyRef = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=link-signing-key)'
var previousKeyRef = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=link-signing-key-previous)'
// Optional: a partner user's refresh token from the consent step run elsewhere. Usually left empty:
// the partner's admin connects a user with GET /api/identity/consent after the deployment.
var refreshTokenRef = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=partner-refresh-token)'

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${prefix}-plan-${unique}'
  location: location
  sku: { name: 'Y1', tier: 'Dynamic' }
  kind: 'functionapp'
  properties: { reserved: true }
}

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

resource functionApp 'Microsoft.Web/sites@2023-12-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'Node|20'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }
        { name: 'AzureWebJobsStorage', value: storageConnection }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'TASK_HUB_NAME', value: 'ReinstatementHub' }
        { name: 'TABLE_REINSTATEMENTS', value: 'Reinstatements' }
        { name: 'PARTNER_TENANT_ID', value: partnerTenantId }
        { name: 'PARTNER_MSPP_ID', value: partnerMsppId }
        { name: 'PARTNER_GROUP_NAME', value: partnerGroupName }
        { name: 'PARTNER_NAME', value: partnerName }
        { name: 'PARTNER_OPS_EMAIL', value: partnerOpsEmail }
        { name: 'DELEGATED_ADMIN_DEFAULT', value: 'false' }
        { name: 'EMAIL_SENDER_ADDRESS', value: 'DoNotReply@${emailDomain.properties.mailFromSenderDomain}' }
        { name: 'ACS_ENDPOINT', value: 'https://${communication.properties.hostName}' }
        { name: 'PUBLIC_BASE_URL', value: empty(publicBaseUrl) ? 'https://${functionAppName}.azurewebsites.net' : publicBaseUrl }
        { name: 'LINK_SIGNING_KEY', value: signingKeyRef }
        { name: 'LINK_SIGNING_KEY_PREVIOUS', value: previousKeyRef }
        { name: 'VERIFICATION_IDENTITY', value: 'secureApplicationModel' }
        { name: 'PARTNER_REFRESH_TOKEN', value: refreshTokenRef }
        { name: 'INVITATION_REMINDER_DAYS', value: '3,7' }
        { name: 'INVITATION_EXPIRY_DAYS', value: '14' }
        { name: 'ROLE_ASSIGNMENT_REMINDER_DAYS', value: '3,7' }
        { name: 'ROLE_ASSIGNMENT_DEADLINE_DAYS', value: '14' }
        { name: 'VERIFY_SCHEDULE', value: '0 */15 * * * *' }
        { name: 'VERIFY_CONCURRENCY', value: '8' }
      ]
    }
  }
}

// Key Vault Secrets User, so app settings can reference the signing keys.
resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, functionApp.id, '4633458b-17de-408a-b874-0445c86b69e6')
  properties: {
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
  }
}

// Contributor on the ACS resource only, so the managed identity can send (ACS Email with Entra ID).
resource acsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: communication
  name: guid(communication.id, functionApp.id, 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  properties: {
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  }
}

output functionAppName string = functionAppName
output principalId string = functionApp.identity.principalId
