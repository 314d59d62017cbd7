/**
 * Insights read from a resource's own configuration and tags: sensitive data (classification tags), criticality,
 * public (anonymous) access, basic (local user / key) authentication, tags.
 */
import type { GraphNode, SecurityGraph } from './model.js';

const SENSITIVE_TAGS = ['dataclassification', 'data-classification', 'classification', 'sensitivity', 'datasensitivity'];
const SENSITIVE_VALUES = new Set(['confidential', 'highly-confidential', 'highlyconfidential', 'highly confidential', 'restricted', 'secret', 'sensitive', 'pii', 'pci']);
const CRITICAL_TAGS = ['criticality', 'businesscriticality', 'business-criticality', 'assetcriticality', 'critical'];
const CRITICAL_VALUES = new Set(['critical', 'high', 'mission-critical', 'business-critical', 'tier0', 'tier-0', 'true']);

function tagValue(tags: Record<string, string> | undefined, names: ReadonlyArray<string>): string | undefined {
  if (!tags) return undefined;
  for (const k in tags) {
    if (!Object.hasOwn(tags, k)) continue;
    const v = tags[k];
    if (typeof v === 'string' && names.includes(k.toLowerCase())) return v;
  }
  return undefined;
}

function hasOwnKeys(tags: Record<string, string>): boolean {
  for (const k in tags) if (Object.hasOwn(tags, k)) return true;
  return false;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function enabled(v: unknown): boolean {
  return typeof v === 'string' ? v.toLowerCase() === 'enabled' : v === true;
}

/** Whether the resource accepts local (non-Entra) credentials. */
export function allowsBasicAuthentication(node: GraphNode): boolean {
  const p = node.properties;
  switch (node.type) {
    case 'AzureSqlServer': {
      const admins = asRecord(p.administrators);
      return admins?.azureADOnlyAuthentication !== true;
    }
    case 'AzurePostgreSQL':
    case 'AzureMySQL': {
      const auth = asRecord(p.authConfig);
      return auth === undefined || enabled(auth.passwordAuth) || auth.passwordAuth === undefined;
    }
    case 'AzureCosmosDB':
      return p.disableLocalAuth !== true;
    case 'AzureStorageAccount':
      return p.allowSharedKeyAccess !== false;
    default:
      return false;
  }
}

export function addConfigurationInsights(graph: SecurityGraph, node: GraphNode): void {
  const tags = node.tags;
  // The node's own tags (never changed after the build).
  if (tags && hasOwnKeys(tags)) graph.addInsight(node, 'hasTags', tags);
  const classification = tagValue(tags, SENSITIVE_TAGS);
  if (classification !== undefined && SENSITIVE_VALUES.has(classification.toLowerCase())) {
    graph.addInsight(node, 'containsSensitiveData', { classification, source: 'tag' });
  }
  const criticality = tagValue(tags, CRITICAL_TAGS);
  if (criticality !== undefined && CRITICAL_VALUES.has(criticality.toLowerCase())) graph.addInsight(node, 'isCritical', { criticality, source: 'tag' });
  const p = node.properties;
  if (node.type === 'AzureStorageAccount' && p.allowBlobPublicAccess === true) graph.addInsight(node, 'allowsPublicAccess', { allowBlobPublicAccess: true });
  if (node.type === 'AzureContainerRegistry' && p.anonymousPullEnabled === true) graph.addInsight(node, 'allowsPublicAccess', { anonymousPullEnabled: true });
  if (['AzureSqlServer', 'AzurePostgreSQL', 'AzureMySQL', 'AzureCosmosDB', 'AzureStorageAccount'].includes(node.type) && allowsBasicAuthentication(node)) {
    graph.addInsight(node, 'allowsBasicAuthentication');
  }
}

/** A SQL database inherits its server's classification when it has none (and the server its databases'). */
export function propagateSensitivity(graph: SecurityGraph): void {
  for (const server of graph.nodesOfType('AzureSqlServer')) {
    for (const e of graph.out[server.index]) {
      const edge = graph.edges[e];
      if (edge.kind !== 'contains') continue;
      const db = graph.nodes[edge.to];
      if (db.type !== 'AzureSqlDatabase') continue;
      const own = db.insights.get('containsSensitiveData');
      const parent = server.insights.get('containsSensitiveData');
      if (own && !parent) graph.addInsight(server, 'containsSensitiveData', { ...(own.value as object), source: 'database' });
      if (parent && !own) graph.addInsight(db, 'containsSensitiveData', { ...(parent.value as object), source: 'server' });
    }
  }
}
