/**
 * Resource nodes and `contains` edges: management group → management group / subscription → resource group →
 * resource → child resource (a SQL server contains its databases).
 */
import { canonicalKey, type ArgRow } from '../core/index.js';
import { entityTypeOf } from './entity-types.js';
import { PrefixHasher, plainIdHash } from './key-table.js';
import type { EntityType, GraphNode, NodeInput, SecurityGraph } from './model.js';

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
 * `idHash`: `plainIdHash(row.id)`, and `entityType`: the row's entity type, when the caller has them.
 */
export function resourceNode(graph: SecurityGraph, row: ArgRow, typeKey = row.type.toLowerCase(), idHash?: number, entityType?: EntityType): GraphNode {
  const props = asRecord(row.properties) ?? EMPTY_PROPS;
  let name = row.name;
  if (typeKey === SUB_TYPE || typeKey === MG_TYPE) name = typeof props.displayName === 'string' ? props.displayName : row.name;
  input.id = row.id;
  input.idHash = idHash;
  input.type = entityType ?? entityTypeOf(row.type, row.kind, typeKey);
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
  const n = containerLength(key, RG_TYPES.has(typeKey));
  return n > 0 ? key.slice(0, n) : undefined;
}

/** ARM writes `/providers/` and `/resourceGroups/` in one case; an id made by hand may use another. */
const RESOURCE_GROUPS = /\/resourcegroups\//i;
const PROVIDERS = 'providers';

/** Whether `/providers/` (in any case) starts at `i`, where `id` has a `/`. */
function providersAt(id: string, i: number): boolean {
  if (i + 10 >= id.length || id.charCodeAt(i + 10) !== 47) return false;
  // Or'ing in 32 folds a capital to its letter (and maps nothing else to a lower-case letter).
  for (let k = 0; k < 9; k++) if ((id.charCodeAt(i + 1 + k) | 32) !== PROVIDERS.charCodeAt(k)) return false;
  return true;
}

/**
 * For a resource group or resource (not a management group or subscription): the length of the prefix of `id` that
 * is its container's id, or 0 at the top. `id` is a canonical key or a plain id (`plainIdHash`), in any case.
 * `resourceGroup`: whether it is a resource group's.
 */
function containerLength(id: string, resourceGroup: boolean): number {
  if (resourceGroup) return Math.max(0, id.search(RESOURCE_GROUPS));
  // One pass from the end to the last `/providers/`, counting the slashes after it and noting the last two.
  let slashes = 0;
  let secondLast = -1;
  for (let i = id.length - 1; i >= 0; i--) {
    if (id.charCodeAt(i) !== 47) continue;
    if (providersAt(id, i)) {
      // namespace/type/name → the resource's container; namespace/type/name/child/name... → the parent resource
      // (`slashes` counts the one closing `/providers/` too).
      return slashes - 1 > 2 ? secondLast : i;
    }
    if (++slashes === 2) secondLast = i;
  }
  return 0;
}

/** What `ResourceNodes` needs of a type, worked out once per type (estates interleave rows of many types). */
interface TypeFacts {
  entity: boolean;
  /** A management group or subscription: its container is read off its properties, not its id. */
  topLevel: boolean;
  resourceGroup: boolean;
  /** The entity type, unless it depends on the row (`kind`). */
  entityType: EntityType | undefined;
}

function typeFacts(typeKey: string): TypeFacts {
  return {
    entity: isEntityRow(typeKey),
    topLevel: typeKey === MG_TYPE || typeKey === SUB_TYPE,
    resourceGroup: RG_TYPES.has(typeKey),
    entityType: typeKey === 'microsoft.web/sites' ? undefined : entityTypeOf(typeKey, undefined, typeKey),
  };
}

/** `HashedPrefix.memo` of a prefix whose node was looked for and is not (yet) in the graph. */
const NOT_FOUND = -2;

/**
 * Adds entity rows as nodes (`add`), then the `contains` edges between the nodes that exist (`linkContainers`,
 * once every row is in: a parent may come after its children).
 */
export class ResourceNodes {
  private readonly children: number[] = [];
  /** Parent ids in runs (keys, or prefixes of plain ids): siblings usually come together, so a run's id is kept once. */
  private readonly runKeys: string[] = [];
  /** `plainIdHash` of each run's id (-1: not plain, or not known). */
  private readonly runHashes: number[] = [];
  /** The node of each run's id when it was known as the run began (-1: to be looked up). */
  private readonly runParents: number[] = [];
  /** Index into `children` where each run starts. */
  private readonly runStarts: number[] = [];
  /** Nodes whose row has an `identity` (noted while the row is at hand, so identities need no pass over every row). */
  private readonly identityNodes: number[] = [];
  private identityNodesSorted = true;
  /** Hashes the ids of siblings past their container's id, which it hashes once. */
  private readonly hasher = new PrefixHasher();
  private readonly facts = new Map<string, TypeFacts>();
  /** The last type `add` was given, and its facts. */
  private lastTypeKey: string | undefined;
  private lastFacts: TypeFacts = typeFacts('');

  constructor(private readonly graph: SecurityGraph, private readonly rows: RowIndex) {}

  /** Adds the row when it is an entity (`typeKey` is its lower-case type). */
  add(row: ArgRow, typeKey: string): void {
    let facts = this.lastFacts;
    if (typeKey !== this.lastTypeKey) {
      const known = this.facts.get(typeKey);
      if (known !== undefined) facts = known;
      else this.facts.set(typeKey, (facts = typeFacts(typeKey)));
      this.lastTypeKey = typeKey;
      this.lastFacts = facts;
    }
    if (!facts.entity) return;
    const id = row.id;
    // Where the container's id ends in the id (its prefix; 0: none, or not read off the id).
    const n = facts.topLevel ? 0 : containerLength(id, facts.resourceGroup);
    const idHash = n > 0 ? this.hasher.hash(id, n) : plainIdHash(id);
    const graph = this.graph;
    const node = resourceNode(graph, row, typeKey, idHash, facts.entityType);
    this.rows.set(node.index, row);
    if (row.identity !== undefined && row.identity !== null) {
      const last = this.identityNodes.length === 0 ? -1 : this.identityNodes[this.identityNodes.length - 1];
      if (node.index <= last) this.identityNodesSorted = false;
      this.identityNodes.push(node.index);
    }
    let parent: string | undefined;
    let parentHash = -1;
    let parentNode = -1;
    if (facts.topLevel) parent = containerOf(node.key, typeKey, row);
    else if (idHash !== -1) {
      // A plain id: its container is named by its prefix (a plain id too), looked up once per prefix read.
      if (n <= 0) return;
      const prefix = this.hasher.current;
      parent = prefix.prefix;
      parentHash = prefix.prefixHash;
      if (prefix.memo === -1 && parentHash !== -1) prefix.memo = graph.indexOfPlainId(parent, parentHash) ?? NOT_FOUND;
      parentNode = prefix.memo === NOT_FOUND ? -1 : prefix.memo;
    } else {
      const key = node.key;
      const m = containerLength(key, facts.resourceGroup);
      if (m <= 0) return;
      parent = key.slice(0, m);
    }
    if (parent === undefined) return;
    const runs = this.runKeys.length;
    if (runs === 0 || parent !== this.runKeys[runs - 1]) {
      this.runKeys.push(parent);
      this.runHashes.push(parentHash);
      this.runParents.push(parentNode);
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
      const known = this.runParents[r];
      const hash = this.runHashes[r];
      const parent = known !== -1 ? known : hash !== -1 ? graph.indexOfPlainId(runKeys[r], hash) : graph.indexOfId(runKeys[r]);
      if (parent === undefined) continue;
      const end = r + 1 < runStarts.length ? runStarts[r + 1] : children.length;
      for (let i = runStarts[r]; i < end; i++) graph.addEdge(parent, children[i], 'contains', undefined, true);
    }
  }
}
