/**
 * Resource nodes and `contains` edges: management group → management group / subscription → resource group →
 * resource → child resource (a SQL server contains its databases).
 */
import { canonicalKey, type ArgRow } from '../core/index.js';
import { entityTypeOf } from './entity-types.js';
import { plainIdHash } from './key-table.js';
import type { GraphNode, NodeInput, SecurityGraph } from './model.js';

/**
 * The estate rows of the graph's resource nodes, by node number; a key is found through the graph's own key index,
 * so the builder keeps no second map of a million ids. A key given twice keeps the last row (as a Map would).
 */
export class RowIndex {
  private readonly byNode: Array<ArgRow | undefined> = [];

  constructor(private readonly graph: SecurityGraph) {}

  set(node: number, row: ArgRow): void {
    this.byNode[node] = row;
  }

  get(key: string): ArgRow | undefined {
    const n = this.graph.indexOf(key);
    return n === undefined ? undefined : this.byNode[n];
  }

  ofNode(node: number): ArgRow | undefined {
    return this.byNode[node];
  }
}

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

/** The input of `addNode` for each resource row: one object refilled per row (`addNode` copies what it keeps). */
const input: NodeInput = { id: '', type: 'AzureResource', name: '' };

/**
 * The node of an entity row (its key, the canonical form of its id, is made by the graph when it needs it).
 * `idHash`: `plainIdHash(row.id)`, when the caller has it.
 */
export function resourceNode(graph: SecurityGraph, row: ArgRow, typeKey = row.type.toLowerCase(), idHash?: number): GraphNode {
  const props = asRecord(row.properties) ?? EMPTY_PROPS;
  let name = row.name;
  if (typeKey === SUB_TYPE || typeKey === MG_TYPE) name = typeof props.displayName === 'string' ? props.displayName : row.name;
  input.id = row.id;
  input.idHash = idHash;
  input.type = entityTypeOf(row.type, row.kind, typeKey);
  input.name = name;
  input.resourceType = row.type;
  input.subscriptionId = row.subscriptionId;
  input.resourceGroup = row.resourceGroup;
  input.properties = props;
  input.tags = asRecord(row.tags) as Record<string, string> | undefined;
  return graph.addNode(input);
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
    const first = asRecord(Array.isArray(chain) ? chain[0] : undefined);
    return typeof first?.name === 'string' ? `/providers/microsoft.management/managementgroups/${first.name.toLowerCase()}` : undefined;
  }
  const n = containerLength(key, typeKey);
  return n > 0 ? key.slice(0, n) : undefined;
}

/** ARM writes `/providers/` and `/resourceGroups/` in one case; an id made by hand may use another. */
const PROVIDERS = /\/providers\//gi;
const RESOURCE_GROUPS = /\/resourcegroups\//i;

/** Where the last `/providers/` of `id` starts, in any case (-1: nowhere). */
function lastProviders(id: string): number {
  let p = id.lastIndexOf('/providers/');
  // Only a later one in another case can follow the last one in lower case.
  PROVIDERS.lastIndex = p + 1;
  while (PROVIDERS.test(id)) {
    p = PROVIDERS.lastIndex - 11;
    PROVIDERS.lastIndex = p + 1;
  }
  return p;
}

/**
 * For a resource group or resource (not a management group or subscription): the length of the prefix of `id` that
 * is its container's id, or 0 at the top. `id` is a canonical key or a plain id (`plainIdHash`), in any case.
 */
function containerLength(id: string, typeKey: string): number {
  if (RG_TYPES.has(typeKey)) return Math.max(0, id.search(RESOURCE_GROUPS));
  const p = lastProviders(id);
  if (p < 0) return 0;
  // namespace/type/name → the resource's container; namespace/type/name/child/name... → the parent resource.
  let slashes = 0;
  for (let i = p + 11; i < id.length; i++) if (id.charCodeAt(i) === 47) slashes++;
  if (slashes > 2) return id.lastIndexOf('/', id.lastIndexOf('/') - 1);
  return p;
}

/**
 * Adds entity rows as nodes (`add`), then the `contains` edges between the nodes that exist (`linkContainers`,
 * once every row is in: a parent may come after its children).
 */
export class ResourceNodes {
  private readonly children: number[] = [];
  /** Parent ids in runs (keys, or prefixes of plain ids): siblings usually come together, so a run's id is kept once. */
  private readonly runKeys: string[] = [];
  /** Index into `children` where each run starts. */
  private readonly runStarts: number[] = [];
  /** Nodes whose row has an `identity` (noted while the row is at hand, so identities need no pass over every row). */
  private readonly identityNodes: number[] = [];
  private identityNodesSorted = true;

  constructor(private readonly graph: SecurityGraph, private readonly rows: RowIndex) {}

  /** The last type `add` was given and whether its rows are entities (rows come in runs of one type). */
  private lastTypeKey: string | undefined;
  private lastIsEntity = false;

  /** The id prefix of the last container read off an id (in the id's own case). */
  private lastPrefix = '';

  /** Adds the row when it is an entity (`typeKey` is its lower-case type). */
  add(row: ArgRow, typeKey: string): void {
    if (typeKey !== this.lastTypeKey) {
      this.lastTypeKey = typeKey;
      this.lastIsEntity = isEntityRow(typeKey);
    }
    if (!this.lastIsEntity) return;
    const idHash = plainIdHash(row.id);
    const node = resourceNode(this.graph, row, typeKey, idHash);
    this.rows.set(node.index, row);
    if (row.identity !== undefined && row.identity !== null) {
      const last = this.identityNodes.length === 0 ? -1 : this.identityNodes[this.identityNodes.length - 1];
      if (node.index <= last) this.identityNodesSorted = false;
      this.identityNodes.push(node.index);
    }
    const runs = this.runKeys.length;
    const last = runs === 0 ? undefined : this.runKeys[runs - 1];
    let parent: string | undefined;
    if (typeKey === MG_TYPE || typeKey === SUB_TYPE) parent = containerOf(node.key, typeKey, row);
    else {
      // A plain id itself (its key is its lower case), else the key: no key string is made for a plain id. Its
      // container is named by a prefix of it (a plain id too), kept once per run of siblings.
      const id = idHash !== -1 ? row.id : node.key;
      const n = containerLength(id, typeKey);
      if (n <= 0) return;
      // A sibling of the row before: the same prefix, in the same case.
      if (this.lastPrefix.length === n && id.startsWith(this.lastPrefix)) parent = this.lastPrefix;
      else parent = this.lastPrefix = id.slice(0, n);
    }
    if (parent === undefined) return;
    if (parent !== last) {
      this.runKeys.push(parent);
      this.runStarts.push(this.children.length);
    }
    this.children.push(node.index);
  }

  /** Nodes whose (last) row has an identity, in node order. */
  withIdentity(): number[] {
    if (!this.identityNodesSorted) {
      const unique = [...new Set(this.identityNodes)].sort((a, b) => a - b);
      this.identityNodes.length = 0;
      for (const n of unique) this.identityNodes.push(n);
      this.identityNodesSorted = true;
    }
    return this.identityNodes;
  }

  linkContainers(): void {
    const { children, runKeys, runStarts, graph } = this;
    for (let r = 0; r < runKeys.length; r++) {
      const parent = graph.indexOfId(runKeys[r]);
      if (parent === undefined) continue;
      const end = r + 1 < runStarts.length ? runStarts[r + 1] : children.length;
      for (let i = runStarts[r]; i < end; i++) graph.addEdge(parent, children[i], 'contains', undefined, true);
    }
  }
}
