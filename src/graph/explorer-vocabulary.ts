/**
 * The words an explorer query may use: entity types and groups, connection kinds, insight ids, severities, and
 * the limits a query is held to. Kept apart from the evaluator so the validator and the templates share them.
 */
import { ENTITY_GROUPS } from './entity-types.js';
import { EDGE_KINDS, type EdgeKind, type EntityType } from './model.js';

/** Every entity type at run time. A `Record` over the union, so adding a type to model.ts without listing it here fails to compile. */
const ENTITY_TYPE_SET: Readonly<Record<EntityType, true>> = {
  Internet: true,
  AzureManagementGroup: true,
  AzureSubscription: true,
  AzureResourceGroup: true,
  AzureVM: true,
  AzureVMScaleSet: true,
  AzureNetworkInterface: true,
  AzurePublicIP: true,
  AzureLoadBalancer: true,
  AzureApplicationGateway: true,
  AzureNetworkSecurityGroup: true,
  AzureVirtualNetwork: true,
  AzureSubnet: true,
  AzureDisk: true,
  AzureStorageAccount: true,
  AzureKeyVault: true,
  AzureSqlServer: true,
  AzureSqlDatabase: true,
  AzureCosmosDB: true,
  AzurePostgreSQL: true,
  AzureMySQL: true,
  AzureWebApp: true,
  AzureFunctionApp: true,
  AzureKubernetesCluster: true,
  AzureContainerRegistry: true,
  ContainerImage: true,
  AzureApiManagement: true,
  ManagedIdentity: true,
  ServicePrincipal: true,
  User: true,
  Group: true,
  Vulnerability: true,
  Secret: true,
  AzureResource: true,
};

export const ENTITY_TYPE_LIST: ReadonlyArray<EntityType> = Object.keys(ENTITY_TYPE_SET).sort() as EntityType[];

/**
 * Insight ids a condition may name: the cloud security graph components of Defender for Cloud
 * (shared/data/attack-paths/graph-components.json, our camelCase ids) and the ones the graph builder adds.
 * Some are not produced by the builder yet (noMfa, installedSoftware, ...): a query may name them and matches nothing.
 */
export const EXPLORER_INSIGHTS: ReadonlyArray<string> = [
  // graph-components.json
  'exposedToInternet',
  'allowsBasicAuthentication',
  'containsSensitiveData',
  'movesDataTo',
  'getsDataFrom',
  'hasTags',
  'installedSoftware',
  'allowsPublicAccess',
  'noMfa',
  'isExternalUser',
  'isManaged',
  'containsCommonUsernames',
  'canExecuteCodeOnHost',
  'hasVulnerabilities',
  'deasmFindings',
  'privilegedContainer',
  'usesHostNetwork',
  'hasHighSeverityVulnerabilities',
  'vulnerableToRemoteCodeExecution',
  'publicIpMetadata',
  'identityMetadata',
  'exposureWidth',
  'trustedExposure',
  'isCritical',
  // ours (build-findings.ts)
  'hasPlaintextSecret',
];

export const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const PROPERTY_OPS = ['equals', 'notEquals', 'contains', 'in', 'exists', 'greater', 'less'] as const;
export type PropertyOp = (typeof PROPERTY_OPS)[number];

export const ACCESS_LEVELS = ['read', 'write', 'high'] as const;

/** Limits of a query: result count, nesting, and size (each connection costs one memo of a byte per node). */
export const EXPLORER_LIMITS = {
  defaultLimit: 100,
  maxLimit: 10_000,
  /** Connections nested in connections, and conditions nested in `not` / `anyOf`. */
  maxDepth: 6,
  /** Connections in the whole query. */
  maxConnections: 32,
  /** Conditions in the whole query (nested ones included). */
  maxConditions: 256,
  /** Segments of a property path. */
  maxPathSegments: 16,
  /** Neighbours of one node shown per connection in a result's matched sub-graph. */
  matchedPerConnection: 25,
  /** Nodes in one result's matched sub-graph. */
  matchedNodes: 500,
  /** Principals checked one by one for an effective-access connection (and more than its targets) before all qualifying ones are found at once. */
  bulkAfter: 2000,
} as const;

const lower = <T extends string>(list: ReadonlyArray<T>): Map<string, T> => new Map(list.map((x) => [x.toLowerCase(), x]));

const ENTITY_NAMES = lower<string>([...ENTITY_TYPE_LIST, ...Object.keys(ENTITY_GROUPS)]);
const EDGE_NAMES = lower<EdgeKind>(EDGE_KINDS);
const INSIGHT_NAMES = lower(EXPLORER_INSIGHTS);
const SEVERITY_NAMES = lower<Severity>(SEVERITIES);

/** The canonical spelling of an entity type or group name (case-insensitive), or undefined. */
export function canonicalEntity(name: string): string | undefined {
  return ENTITY_NAMES.get(name.toLowerCase());
}

export function canonicalEdge(name: string): EdgeKind | undefined {
  return EDGE_NAMES.get(name.toLowerCase());
}

export function canonicalInsight(name: string): string | undefined {
  return INSIGHT_NAMES.get(name.toLowerCase());
}

export function canonicalSeverity(name: string): Severity | undefined {
  return SEVERITY_NAMES.get(name.toLowerCase());
}

/** Entity types of a (canonical) type or group name. */
export function entityTypesOf(name: string): ReadonlyArray<EntityType> {
  return ENTITY_GROUPS[name] ?? (ENTITY_TYPE_SET[name as EntityType] ? [name as EntityType] : []);
}
