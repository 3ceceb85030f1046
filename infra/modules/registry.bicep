// Container registry of the app image. No admin user and no anonymous pull: the function app pulls
// with its managed identity (AcrPull), the deployer pushes with `az acr build` and their Entra ID login.

@description('Name of the registry (5-50 letters and digits).')
param name string

@description('Azure region of the registry.')
param location string

@description('Tags of the registry.')
param tags object

@description('Registry tier.')
param skuName string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  // checkov:skip=CKV_AZURE_139: ACR Tasks (`az acr build`) and the function app pull over the public endpoint; private access needs the Premium tier plus a VNet (documented hardening step)
  // checkov:skip=CKV_AZURE_163: image scanning is Microsoft Defender for Containers, a subscription-level plan, not a registry property
  // checkov:skip=CKV_AZURE_166: quarantine is a Premium-tier preview feature; images come only from `az acr build` of this repository
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = registry.name
output id string = registry.id
output loginServer string = registry.properties.loginServer
