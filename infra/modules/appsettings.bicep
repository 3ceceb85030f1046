// App settings of the function app: the Functions host's own and every setting the app reads
// (shared/settings.py SETTINGS; tests/deploy checks that none is missing). Writing them restarts
// the app, so main.bicep deploys this module after the role assignments.

@description('Name of the function app.')
param functionAppName string

@description('keyvault (connection string from Key Vault) or identity (managed identity, no keys).')
param storageAccess string

@description('Name of the storage account.')
param storageAccountName string

@description('Blob endpoint of the storage account (https://<account>.blob.core.windows.net/).')
param storageBlobEndpoint string

@description('Name of the Key Vault.')
param keyVaultName string

@description('URI of the Key Vault (https://<vault>.vault.azure.net/).')
param keyVaultUri string

@description('Name of the Key Vault secret holding the storage connection string.')
param storageSecretName string

@description('Connection string of the Application Insights component.')
param applicationInsightsConnectionString string

@description('Blob container of scenes and results.')
param resourcesContainerName string

@description('Blob container of the model registry.')
param modelsContainerName string

@description('Sensor assumed when a request names none.')
param defaultSensor string

@description('Largest request body the app accepts, in bytes.')
param maxUploadBytes int

@description('Largest image (height x width) classified in one request.')
param maxPixels int

@description('Comma-separated sha256 digests of the only model files the app may load; empty for any.')
param modelAllowedSha256 string

var useIdentity = storageAccess == 'identity'

var hostSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'python'
  // The app is in the image: never mount the platform's /home share over it.
  WEBSITES_ENABLE_APP_SERVICE_STORAGE: 'false'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  // 1 MiB above the app's own limit, so that oversize bodies get the app's 413 problem answer.
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: string(maxUploadBytes + 1048576)
}

var hostStorageSettings = useIdentity ? {
  AzureWebJobsStorage__accountName: storageAccountName
} : {
  AzureWebJobsStorage: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${storageSecretName})'
}

// One entry per SettingSpec in shared/settings.py.
var applicationSettings = {
  STORAGE_ACCOUNT_URL: useIdentity ? storageBlobEndpoint : ''
  KEY_VAULT_URL: useIdentity ? '' : keyVaultUri
  STORAGE_SECRET_NAME: storageSecretName
  STORAGE_CONNECTION_STRING: ''
  SECRET_CACHE_TTL_SECONDS: '300'
  IDENTITY_DISABLE_INSTANCE_DISCOVERY: 'false'
  RESOURCES_CONTAINER: resourcesContainerName
  MODELS_CONTAINER: modelsContainerName
  DEFAULT_SENSOR: defaultSensor
  MODEL_LOCAL_DIR: ''
  MODEL_ALLOWED_SHA256: modelAllowedSha256
  MODEL_REFRESH_SECONDS: '60'
  MAX_UPLOAD_BYTES: string(maxUploadBytes)
  MAX_PIXELS: string(maxPixels)
  MAX_METADATA_BYTES: '4096'
  RETRY_AFTER_SECONDS: '5'
}

resource site 'Microsoft.Web/sites@2023-12-01' existing = {
  name: functionAppName
}

resource appSettings 'Microsoft.Web/sites/config@2023-12-01' = {
  // The checks skipped below read the web configuration of a site, and this resource is its
  // app-settings dictionary (name appsettings); the site itself is checked in functionapp.bicep.
  // checkov:skip=CKV_AZURE_13: callers authenticate with function keys (authLevel function); Easy Auth is optional
  // checkov:skip=CKV_AZURE_63: not web config; logs go to Application Insights
  // checkov:skip=CKV_AZURE_65: not web config; errors are problem+json bodies and Application Insights traces
  // checkov:skip=CKV_AZURE_66: not web config; request telemetry goes to Application Insights
  // checkov:skip=CKV_AZURE_80: not web config; the app is Python in a container, no .NET Framework
  // checkov:skip=CKV_AZURE_88: not web config; the app ships in its image (WEBSITES_ENABLE_APP_SERVICE_STORAGE=false), no Azure Files share
  // checkov:skip=CKV_AZURE_222: not web config; public network access is decided (and skipped with its reason) on the site
  parent: site
  name: 'appsettings'
  properties: union(hostSettings, hostStorageSettings, applicationSettings)
}
