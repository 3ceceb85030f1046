// Key Vault in RBAC mode (no access policies): who may read secrets is an Azure role assignment.
// In keyvault access mode it holds the storage connection string (storage-secret.bicep).

@description('Name of the vault (3-24 letters, digits and hyphens).')
param name string

@description('Azure region of the vault.')
param location string

@description('Tags of the vault.')
param tags object

@description('Days a deleted vault or secret stays recoverable.')
param softDeleteRetentionInDays int

@description('Log Analytics workspace that receives the vault audit logs.')
param logAnalyticsWorkspaceId string

// Network: no virtual network in this template. The app, Key Vault references and the deploy
// script reach this resource over its public endpoint, guarded by Entra ID RBAC; private
// endpoints with VNet integration are the hardening step in docs/deployment.md.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: public endpoint, see the network note above
  // checkov:skip=CKV_AZURE_189: public endpoint, see the network note above
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
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'vault-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
