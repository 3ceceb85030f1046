// IceSurf API on Azure: one resource group holding monitoring, storage, Key Vault, a container
// registry, an Elastic Premium plan and the function app running the registry's image.
//
// Every name derives from one token (environmentName + subscription + location), so one
// subscription can hold several environments side by side and a redeploy finds the same resources.
// scripts/deploy.sh drives it in two passes: first without the function app (deployFunctionApp=false)
// so that the registry exists for `az acr build`, then everything with the image tag just built.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('Name of the environment (for example icesurf-dev). Names the resource group and seeds the unique token from which every other resource name derives.')
param environmentName string

@minLength(1)
@description('Azure region of every resource (a region that offers Elastic Premium Linux plans, for example westeurope).')
param location string

@description('Object id of the person or service principal who deploys. It gets Storage Blob Data Contributor on the storage account so that the deploy script can publish the default model with its own Entra ID login. Leave empty to skip.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principal that principalId names.')
param principalType string = 'User'

@allowed([
  'keyvault'
  'identity'
])
@description('How the app reaches Blob Storage. keyvault: the storage connection string lives in Key Vault and the app reads it with its managed identity (KEY_VAULT_URL); identity: the app uses its managed identity directly (STORAGE_ACCOUNT_URL) and shared-key access to the account is turned off.')
param storageAccess string = 'keyvault'

@description('Deploy the function app, its role assignments and its app settings. The deploy script passes false on its first pass, before the image exists in the registry.')
param deployFunctionApp bool = true

@minLength(1)
@description('Repository of the app image in the registry.')
param imageName string = 'icesurf-api'

@minLength(1)
@description('Tag of the app image in the registry (the deploy script uses the git commit).')
param imageTag string = 'latest'

@allowed([
  'EP1'
  'EP2'
  'EP3'
])
@description('Elastic Premium plan size: EP1 = 1 core and 3.5 GB per instance, EP2 = 2 cores and 7 GB, EP3 = 4 cores and 14 GB.')
param planSku string = 'EP1'

@minValue(1)
@maxValue(20)
@description('Always-ready instances of the plan and the app: billed around the clock, they remove cold starts. The main cost lever.')
param minimumInstances int = 1

@minValue(1)
@maxValue(100)
@description('Most instances the plan may scale out to (burst limit of the plan and scale limit of the app). Caps the bill under load.')
param maximumInstances int = 10

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
@description('Replication of the storage account holding scenes, results and models.')
param storageSku string = 'Standard_GRS'

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Container registry tier. Basic holds 10 GB, which is plenty for a few versions of the image.')
param registrySku string = 'Basic'

@minValue(30)
@maxValue(730)
@description('Days Log Analytics keeps logs and Application Insights telemetry.')
param logRetentionDays int = 30

@minValue(7)
@maxValue(90)
@description('Days a deleted Key Vault or secret can be recovered. With purge protection the vault name stays reserved for this long after a teardown.')
param keyVaultSoftDeleteDays int = 7

@allowed([
  'micasense'
  'sentinel2'
])
@description('Sensor assumed when a request names none (app setting DEFAULT_SENSOR).')
param defaultSensor string = 'micasense'

@minValue(1)
@maxValue(209715200)
@description('Largest request body the app accepts, in bytes (MAX_UPLOAD_BYTES; 413 beyond). The host limit is raised 1 MiB above it so that the app, not the host, answers oversize bodies.')
param maxUploadBytes int = 104857600

@minValue(1)
@description('Largest image (height x width) classified in one request (MAX_PIXELS; 413 beyond).')
param maxPixels int = 16777216

@description('Comma-separated sha256 digests of the only model files the app may unpickle (MODEL_ALLOWED_SHA256). Empty allows any model whose manifest hash matches.')
param modelAllowedSha256 string = ''

@description('Tags added to every resource.')
param tags object = {}

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, {
  'azd-env-name': environmentName
  application: 'icesurf-api'
})
var resourcesContainerName = 'resources'
var modelsContainerName = 'models'
var storageSecretName = 'storage-connection-string'
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: allTags
    retentionDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: allTags
    skuName: storageSku
    allowSharedKeyAccess: storageAccess == 'keyvault'
    containerNames: [
      resourcesContainerName
      modelsContainerName
    ]
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: allTags
    softDeleteRetentionInDays: keyVaultSoftDeleteDays
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module storageSecret 'modules/storage-secret.bicep' = if (storageAccess == 'keyvault') {
  name: 'storage-secret'
  scope: rg
  params: {
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    secretName: storageSecretName
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: '${abbrs.containerRegistryRegistries}${resourceToken}'
    location: location
    tags: allTags
    skuName: registrySku
  }
}

module plan 'modules/plan.bicep' = {
  name: 'plan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: allTags
    skuName: planSku
    minimumInstances: minimumInstances
    maximumInstances: maximumInstances
  }
}

module functionApp 'modules/functionapp.bicep' = if (deployFunctionApp) {
  name: 'functionapp'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: allTags
    planId: plan.outputs.id
    image: '${registry.outputs.loginServer}/${imageName}:${imageTag}'
    minimumInstances: minimumInstances
    maximumInstances: maximumInstances
  }
}

module roles 'modules/roles.bicep' = if (deployFunctionApp) {
  name: 'roles'
  scope: rg
  params: {
    appPrincipalId: deployFunctionApp ? functionApp.outputs.principalId : ''
    registryName: registry.outputs.name
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    hostStorageOwner: storageAccess == 'identity'
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// App settings come last: writing them restarts the app, which then pulls the image and resolves
// the Key Vault reference with the role assignments above already in place.
module appSettings 'modules/appsettings.bicep' = if (deployFunctionApp) {
  name: 'appsettings'
  scope: rg
  dependsOn: [
    roles
    storageSecret
  ]
  params: {
    functionAppName: functionAppName
    storageAccess: storageAccess
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    keyVaultName: keyVault.outputs.name
    keyVaultUri: keyVault.outputs.uri
    storageSecretName: storageSecretName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    resourcesContainerName: resourcesContainerName
    modelsContainerName: modelsContainerName
    defaultSensor: defaultSensor
    maxUploadBytes: maxUploadBytes
    maxPixels: maxPixels
    modelAllowedSha256: modelAllowedSha256
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URL string = keyVault.outputs.uri
output MODELS_CONTAINER string = modelsContainerName
output FUNCTION_APP_NAME string = deployFunctionApp ? functionAppName : ''
output FUNCTION_BASE_URL string = deployFunctionApp ? functionApp.outputs.baseUrl : ''
