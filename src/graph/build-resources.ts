/**
 * Resource nodes and `contains` edges: management group → management group / subscription → resource group →
 * resource → child resource (a SQL server contains its databases).
 */
import { canonicalKey, type ArgRow } from '../core/index.js';
import { entityTypeOf } from './entity-types.js';
import type { GraphNode, SecurityGraph } from './model.js';

/** Rows of the estate kept by the builder, by canonical id. */
export type RowIndex = Map<string, ArgRow>;

const MG_TYPE = 'microsoft.management/managementgroups';
const SUB_TYPE = 'microsoft.resources/subscriptions';
const RG_TYPES = new Set(['microsoft.resources/subscriptions/resourcegroups', 'microsoft.resources/resourcegroups']);
/** Rows that are facts about other nodes, not entities of their own. */
const NOT_ENTITIES = ['microsoft.authorization/', 'microsoft.policyinsights/', 'microsoft.security/'];

export function isEntityRow(typeKey: string): boolean {
  return !NOT_ENTITIES.some((p) => typeKey.startsWith(p));
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const EMPTY_PROPS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export function resourceNode(graph: SecurityGraph, row: ArgRow, key = canonicalKey(row.id), typeKey = row.type.toLowerCase()): GraphNode {
  const props = asRecord(row.properties) ?? EMPTY_PROPS;
  let name = row.name;
  if (typeKey === SUB_TYPE || typeKey === MG_TYPE) name = typeof props.displayName === 'string' ? props.displayName : row.name;
  return graph.addNode({
    key,
    id: row.id,
    type: entityTypeOf(row.type, row.kind, typeKey),
    name,
    resourceType: row.type,
    subscriptionId: row.subscriptionId,
    resourceGroup: row.resourceGroup,
    properties: props,
    tags: asRecord(row.tags) as Record<string, string> | undefined,
  });
}

/** The canonical id of the node that contains `key` (undefined at the top). */
export function containerOf(key: string, typeKey: string, row: ArgRow): string | undefined {
  if (typeKey === MG_TYPE) {
    const details = asRecord(asRecord(row.properties)?.details);
    const parent = asRecord(details?.parent);
    const parentId = typeof parent?.id === 'string' ? parent.id : undefined;
    return parentId ? canonicalKey(parentId) : undefined;
  }
  if (typeKey === SUB_TYPE) {
    const chain = asRecord(row.properties)?.managementGroupAncestorsChain;
    const first = Array.isArray(chain) ? asRecord(chain[0]) : undefined;
    return typeof first?.name === 'string' ? `/providers/microsoft.management/managementgroups/${first.name.toLowerCase()}` : undefined;
  }
  if (RG_TYPES.has(typeKey)) {
    const i = key.indexOf('/resourcegroups/');
    return i > 0 ? key.slice(0, i) : undefined;
  }
  const p = key.lastIndexOf('/providers/');
  if (p < 0) return undefined;
  // namespace/type/name → the resource's container; namespace/type/name/child/name... → the parent resource.
  let slashes = 0;
  for (let i = p + 11; i < key.length; i++) if (key.charCodeAt(i) === 47) slashes++;
  if (slashes > 2) {
    const last = key.lastIndexOf('/');
    return key.slice(0, key.lastIndexOf('/', last - 1));
  }
  const head = key.slice(0, p);
  return head === '' ? undefined : head;
}

/** Adds every entity row as a node, then the `contains` edges between nodes that exist. */
export function addResources(graph: SecurityGraph, rows: Iterable<ArgRow>, keep: RowIndex): void {
  const children: number[] = [];
  const parentKeys: string[] = [];
  for (const row of rows) {
    const typeKey = row.type.toLowerCase();
    if (!isEntityRow(typeKey)) continue;
    const key = canonicalKey(row.id);
    keep.set(key, row);
    const node = resourceNode(graph, row, key, typeKey);
    const parent = containerOf(key, typeKey, row);
    if (parent === undefined) continue;
    children.push(node.index);
    parentKeys.push(parent);
  }
  // Siblings usually come together: the previous child's parent is looked up once for all of them.
  let lastKey: string | undefined;
  let last: GraphNode | undefined;
  for (let i = 0; i < children.length; i++) {
    const parentKey = parentKeys[i];
    if (parentKey !== lastKey) {
      lastKey = parentKey;
      last = graph.node(parentKey);
    }
    if (last !== undefined) graph.addEdge(last, children[i], 'contains', undefined, true);
  }
}
