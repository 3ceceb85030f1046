// Elastic Premium plan on Linux: pre-warmed, always-ready instances (no cold start on the minimum)
// and event-driven scale-out up to the burst limit.

@description('Name of the plan.')
param name string

@description('Azure region of the plan.')
param location string

@description('Tags of the plan.')
param tags object

@description('Elastic Premium size: EP1, EP2 or EP3.')
param skuName string

@description('Always-ready instances (the plan\'s capacity, billed continuously).')
param minimumInstances int

@description('Burst limit: the most instances the plan scales out to.')
param maximumInstances int

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy needs at least 3 always-ready instances (3x the base cost); minimumInstances is the documented lever
  name: name
  location: location
  tags: tags
  kind: 'elastic'
  sku: {
    name: skuName
    tier: 'ElasticPremium'
    capacity: minimumInstances
  }
  properties: {
    reserved: true
    maximumElasticWorkerCount: maximumInstances
    zoneRedundant: false
  }
}

output id string = plan.id
output name string = plan.name
