import type { EntityType } from './model.js';

/** ARM type (lower case) → explorer entity type. Types not listed are `AzureResource`. */
const BY_ARM_TYPE: Readonly<Record<string, EntityType>> = {
  'microsoft.management/managementgroups': 'AzureManagementGroup',
  'microsoft.resources/subscriptions': 'AzureSubscription',
  'microsoft.resources/subscriptions/resourcegroups': 'AzureResourceGroup',
  'microsoft.resources/resourcegroups': 'AzureResourceGroup',
  'microsoft.compute/virtualmachines': 'AzureVM',
  'microsoft.compute/virtualmachinescalesets': 'AzureVMScaleSet',
  'microsoft.compute/disks': 'AzureDisk',
  'microsoft.network/networkinterfaces': 'AzureNetworkInterface',
  'microsoft.network/publicipaddresses': 'AzurePublicIP',
  'microsoft.network/loadbalancers': 'AzureLoadBalancer',
  'microsoft.network/applicationgateways': 'AzureApplicationGateway',
  'microsoft.network/networksecuritygroups': 'AzureNetworkSecurityGroup',
  'microsoft.network/virtualnetworks': 'AzureVirtualNetwork',
  'microsoft.network/virtualnetworks/subnets': 'AzureSubnet',
  'microsoft.storage/storageaccounts': 'AzureStorageAccount',
  'microsoft.keyvault/vaults': 'AzureKeyVault',
  'microsoft.sql/servers': 'AzureSqlServer',
  'microsoft.sql/servers/databases': 'AzureSqlDatabase',
  'microsoft.documentdb/databaseaccounts': 'AzureCosmosDB',
  'microsoft.dbforpostgresql/flexibleservers': 'AzurePostgreSQL',
  'microsoft.dbforpostgresql/servers': 'AzurePostgreSQL',
  'microsoft.dbformysql/flexibleservers': 'AzureMySQL',
  'microsoft.dbformysql/servers': 'AzureMySQL',
  'microsoft.containerservice/managedclusters': 'AzureKubernetesCluster',
  'microsoft.containerregistry/registries': 'AzureContainerRegistry',
  'microsoft.apimanagement/service': 'AzureApiManagement',
  'microsoft.managedidentity/userassignedidentities': 'ManagedIdentity',
};

export function entityTypeOf(armType: string, kind?: unknown, typeKey?: string): EntityType {
  const t = typeKey ?? armType.toLowerCase();
  if (t === 'microsoft.web/sites') return typeof kind === 'string' && kind.toLowerCase().includes('functionapp') ? 'AzureFunctionApp' : 'AzureWebApp';
  return BY_ARM_TYPE[t] ?? 'AzureResource';
}

/** Entity groups the attack-path templates and explorer name (Defender's "data store", "managed database", ...). */
export const ENTITY_GROUPS: Readonly<Record<string, ReadonlyArray<EntityType>>> = {
  DataStore: ['AzureStorageAccount', 'AzureSqlServer', 'AzureSqlDatabase', 'AzureCosmosDB', 'AzurePostgreSQL', 'AzureMySQL'],
  ManagedDatabase: ['AzureSqlServer', 'AzureCosmosDB', 'AzurePostgreSQL', 'AzureMySQL'],
  Compute: ['AzureVM', 'AzureVMScaleSet', 'AzureWebApp', 'AzureFunctionApp', 'AzureKubernetesCluster'],
  AppService: ['AzureWebApp', 'AzureFunctionApp'],
  Identity: ['ManagedIdentity', 'ServicePrincipal', 'User', 'Group'],
};

/** Expands a type name or group name ("DataStore") to entity types. */
export function expandEntityType(name: string): ReadonlyArray<EntityType> {
  return ENTITY_GROUPS[name] ?? [name as EntityType];
}
