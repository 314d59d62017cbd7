/**
 * Insights read from a resource's own configuration and tags: sensitive data (classification tags), criticality,
 * public (anonymous) access, basic (local user / key) authentication, tags.
 */
import type { GraphNode, SecurityGraph } from './model.js';

const SENSITIVE_TAGS = ['dataclassification', 'data-classification', 'classification', 'sensitivity', 'datasensitivity'];
const SENSITIVE_VALUES = new Set(['confidential', 'highly-confidential', 'highlyconfidential', 'highly confidential', 'restricted', 'secret', 'sensitive', 'pii', 'pci']);
const CRITICAL_TAGS = ['criticality', 'businesscriticality', 'business-criticality', 'assetcriticality', 'critical'];
const CRITICAL_VALUES = new Set(['critical', 'high', 'mission-critical', 'business-critical', 'tier0', 'tier-0', 'true']);

const enum TagKind {
  Other,
  Sensitivity,
  Criticality,
}

/** Tag names seen so far → what they mean here (names repeat across resources: each is lowered once). */
const tagKinds = new Map<string, TagKind>();

function tagKind(name: string): TagKind {
  let kind = tagKinds.get(name);
  if (kind === undefined) {
    const lower = name.toLowerCase();
    kind = SENSITIVE_TAGS.includes(lower) ? TagKind.Sensitivity : CRITICAL_TAGS.includes(lower) ? TagKind.Criticality : TagKind.Other;
    if (tagKinds.size < 10_000) tagKinds.set(name, kind);
  }
  return kind;
}

/** What `readTags` found (one object reused: it runs once per resource). */
const found: { any: boolean; classification?: string; criticality?: string } = { any: false };

/** The first string-valued classification tag and criticality tag, and whether there is any tag at all. */
function readTags(tags: Record<string, string>): typeof found {
  found.any = false;
  found.classification = undefined;
  found.criticality = undefined;
  for (const k in tags) {
    if (!Object.hasOwn(tags, k)) continue;
    found.any = true;
    const v = tags[k];
    if (typeof v !== 'string') continue;
    const kind = tagKind(k);
    if (kind === TagKind.Sensitivity) found.classification ??= v;
    else if (kind === TagKind.Criticality) found.criticality ??= v;
  }
  return found;
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

/** The entity types `allowsBasicAuthentication` reads. */
const BASIC_AUTH_TYPES: ReadonlySet<string> = new Set(['AzureSqlServer', 'AzurePostgreSQL', 'AzureMySQL', 'AzureCosmosDB', 'AzureStorageAccount']);

export function addConfigurationInsights(graph: SecurityGraph, node: GraphNode): void {
  const tags = node.tags;
  if (tags) {
    const { any, classification, criticality } = readTags(tags);
    // The node's own tags (never changed after the build).
    if (any) graph.addInsight(node, 'hasTags', tags);
    if (classification !== undefined && SENSITIVE_VALUES.has(classification.toLowerCase())) {
      graph.addInsight(node, 'containsSensitiveData', { classification, source: 'tag' });
    }
    if (criticality !== undefined && CRITICAL_VALUES.has(criticality.toLowerCase())) graph.addInsight(node, 'isCritical', { criticality, source: 'tag' });
  }
  const p = node.properties;
  if (node.type === 'AzureStorageAccount' && p.allowBlobPublicAccess === true) graph.addInsight(node, 'allowsPublicAccess', { allowBlobPublicAccess: true });
  if (node.type === 'AzureContainerRegistry' && p.anonymousPullEnabled === true) graph.addInsight(node, 'allowsPublicAccess', { anonymousPullEnabled: true });
  if (BASIC_AUTH_TYPES.has(node.type) && allowsBasicAuthentication(node)) {
    graph.addInsight(node, 'allowsBasicAuthentication');
  }
}

/** A SQL database inherits its server's classification when it has none (and the server its databases'). */
export function propagateSensitivity(graph: SecurityGraph): void {
  for (const server of graph.nodesOfType('AzureSqlServer')) {
    for (let e = graph.firstOut(server.index); e !== -1; e = graph.nextOut(e)) {
      if (graph.edgeKind(e) !== 'contains') continue;
      const db = graph.nodes[graph.edgeTo(e)];
      if (db.type !== 'AzureSqlDatabase') continue;
      const own = db.insights.get('containsSensitiveData');
      const parent = server.insights.get('containsSensitiveData');
      if (own && !parent) graph.addInsight(server, 'containsSensitiveData', { ...(own.value as object), source: 'database' });
      if (parent && !own) graph.addInsight(db, 'containsSensitiveData', { ...(parent.value as object), source: 'server' });
    }
  }
}
