// The storage account of the app: scenes and results (resources container) and the model registry
// (models container). Also the host storage of the function app (AzureWebJobsStorage).

@description('Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Azure region of the account.')
param location string

@description('Tags of the account.')
param tags object

@description('Replication SKU of the account.')
param skuName string

@description('Whether account keys (and so connection strings and account SAS) are accepted. False when the app uses its managed identity.')
param allowSharedKeyAccess bool

@description('Blob containers created up front (the app also creates them on first use).')
param containerNames array

@description('Log Analytics workspace that receives the blob service logs.')
param logAnalyticsWorkspaceId string

// Network: no virtual network in this template. The app, Key Vault references and the deploy
// script reach this resource over its public endpoint, guarded by Entra ID RBAC; private
// endpoints with VNet integration are the hardening step in docs/deployment.md.
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_206: replicated by default (main.bicep storageSku = Standard_GRS); scanning the folder, checkov cannot resolve the value main.bicep passes in
  // checkov:skip=CKV_AZURE_35: public endpoint, see the network note above
  // checkov:skip=CKV_AZURE_59: public endpoint, see the network note above
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: allowSharedKeyAccess
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for containerName in containerNames: {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}]

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'blob-to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
