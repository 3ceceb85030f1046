// The storage connection string as a Key Vault secret: what the app reads with its managed
// identity (KEY_VAULT_URL + STORAGE_SECRET_NAME) and what the AzureWebJobsStorage Key Vault
// reference of the host points to. Rewritten from the current account key on every deployment,
// so rotating the key (docs/deployment.md) is: regenerate key1, redeploy.

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the storage account whose connection string is stored.')
param storageAccountName string

@description('Name of the secret (app setting STORAGE_SECRET_NAME).')
param secretName string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource storageSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  // checkov:skip=CKV_AZURE_41: the value is derived from the account key and rewritten on every deployment; an expiry would not rotate the key, it would only break host storage and the app on that date.
  properties: {
    contentType: 'text/plain; storage connection string'
    value: 'DefaultEndpointsProtocol=https;AccountName=${storageAccount.name};AccountKey=${storageAccount.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

output name string = storageSecret.name
