// Role assignments (Azure RBAC, built-in role ids) of the function app's system-assigned identity,
// and optionally of the deploying principal. Assignment names are deterministic (guid of scope,
// principal and role), so redeploying is idempotent.

@description('Principal id of the function app\'s system-assigned identity.')
param appPrincipalId string

@description('Registry the app pulls its image from (AcrPull).')
param registryName string

@description('Vault the app reads the storage secret from (Key Vault Secrets User).')
param keyVaultName string

@description('Storage account of the app data and the model registry (Storage Blob Data Contributor).')
param storageAccountName string

@description('Also grant Storage Blob Data Owner, which the Functions host needs for identity-based host storage (AzureWebJobsStorage__accountName).')
param hostStorageOwner bool

@description('Object id of the deploying principal, granted Storage Blob Data Contributor to publish the default model. Empty: none.')
param deployerPrincipalId string

@description('Kind of the deploying principal: User or ServicePrincipal.')
param deployerPrincipalType string

var roleIds = {
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, appPrincipalId, roleIds.acrPull)
  scope: registry
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrPull)
  }
}

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
  }
}

resource appBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, appPrincipalId, roleIds.storageBlobDataContributor)
  scope: storageAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
  }
}

resource appHostStorageOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hostStorageOwner) {
  name: guid(storageAccount.id, appPrincipalId, roleIds.storageBlobDataOwner)
  scope: storageAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
  }
}

resource deployerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(storageAccount.id, deployerPrincipalId, roleIds.storageBlobDataContributor)
  scope: storageAccount
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
  }
}
