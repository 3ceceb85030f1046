// The function app: the registry's image on the Elastic Premium plan, pulled with the app's
// system-assigned identity (acrUseManagedIdentityCreds; AcrPull is granted in roles.bicep).
// Its app settings are written by appsettings.bicep once the role assignments exist.

@description('Name of the function app (also its host name: <name>.azurewebsites.net).')
param name string

@description('Azure region of the app.')
param location string

@description('Tags of the app.')
param tags object

@description('Resource id of the Elastic Premium plan.')
param planId string

@description('Full image reference: <registry login server>/<repository>:<tag>.')
param image string

@description('Always-ready instances of this app.')
param minimumInstances int

@description('Most instances this app scales out to.')
param maximumInstances int

resource site 'Microsoft.Web/sites@2023-12-01' = {
  // checkov:skip=CKV_AZURE_222: a public HTTP API by design; callers authenticate with function keys, and API Management in front is the documented option
  // checkov:skip=CKV_AZURE_17: mutual TLS would shut out ordinary HTTP clients; callers authenticate with function keys
  // checkov:skip=CKV_AZURE_212: the always-ready instance count is the main cost lever (minimumInstances, default 1); set it to 2 or more for failover
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux,container'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: planId
    httpsOnly: true
    clientAffinityEnabled: false
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      linuxFxVersion: 'DOCKER|${image}'
      acrUseManagedIdentityCreds: true
      minimumElasticInstanceCount: minimumInstances
      functionAppScaleLimit: maximumInstances
      healthCheckPath: '/api/health'
      http20Enabled: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
      use32BitWorkerProcess: false
    }
  }
}

// No publishing with user names and passwords: the image comes from the registry, never by FTP/zip.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output principalId string = site.identity.principalId
output baseUrl string = 'https://${site.properties.defaultHostName}/api'
