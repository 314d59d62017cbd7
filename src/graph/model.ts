/**
 * The cloud security graph: entities (resources, identities, the Internet, vulnerabilities, secrets) and the
 * connections between them, with insights (facts) on entities. Nodes and edges are numbered; adjacency is kept
 * as lists of edge numbers per node so path search never hashes strings.
 */
import { NO_INSIGHTS, NodeInsights } from './insights.js';
import { canonicalKey } from '../core/index.js';
import { KeyTable, equalFolded, plainIdHash, zeros, type KeyedNodes } from './key-table.js';

/** Entity types, in the vocabulary of Defender's cloud security explorer (Azure subset). */
export type EntityType =
  | 'Internet'
  | 'AzureManagementGroup'
  | 'AzureSubscription'
  | 'AzureResourceGroup'
  | 'AzureVM'
  | 'AzureVMScaleSet'
  | 'AzureNetworkInterface'
  | 'AzurePublicIP'
  | 'AzureLoadBalancer'
  | 'AzureApplicationGateway'
  | 'AzureNetworkSecurityGroup'
  | 'AzureVirtualNetwork'
  | 'AzureSubnet'
  | 'AzureDisk'
  | 'AzureStorageAccount'
  | 'AzureKeyVault'
  | 'AzureSqlServer'
  | 'AzureSqlDatabase'
  | 'AzureCosmosDB'
  | 'AzurePostgreSQL'
  | 'AzureMySQL'
  | 'AzureWebApp'
  | 'AzureFunctionApp'
  | 'AzureKubernetesCluster'
  | 'AzureContainerRegistry'
  | 'ContainerImage'
  | 'AzureApiManagement'
  | 'ManagedIdentity'
  | 'ServicePrincipal'
  | 'User'
  | 'Group'
  | 'Vulnerability'
  | 'Secret'
  | 'AzureResource';

/** Connection kinds (graph-components.json, plus `hasSecret` / `canAuthenticateTo` / `hasVulnerability` / `lateralMovementTo`). */
export type EdgeKind =
  | 'contains'
  | 'routesTrafficTo'
  | 'canAuthenticateAs'
  | 'hasPermissionTo'
  | 'memberOf'
  | 'isRunning'
  | 'hasVulnerability'
  | 'hasSecret'
  | 'canAuthenticateTo'
  | 'lateralMovementTo'
  | 'movesDataTo';

export const EDGE_KINDS: ReadonlyArray<EdgeKind> = [
  'contains',
  'routesTrafficTo',
  'canAuthenticateAs',
  'hasPermissionTo',
  'memberOf',
  'isRunning',
  'hasVulnerability',
  'hasSecret',
  'canAuthenticateTo',
  'lateralMovementTo',
  'movesDataTo',
];

/** A node fact. `value` carries detail (ports and width of an exposure, CVE ids, classification). */
export interface Insight {
  readonly id: string;
  readonly value?: unknown;
}

export interface GraphNode {
  readonly index: number;
  /** Canonical (lower-case) key: the resource id, `principal:<objectId>`, `internet`, `vuln:<resource>|<cve>`, ... */
  readonly key: string;
  /** Display id, original case. */
  readonly id: string;
  readonly type: EntityType;
  readonly name: string;
  /** ARM type of a resource node. */
  readonly resourceType?: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  /** Entity properties shown by the explorer (ARM `properties` of resources, metadata of others). */
  readonly properties: Record<string, unknown>;
  readonly tags?: Record<string, string>;
  readonly insights: NodeInsights;
}

export interface GraphEdge {
  readonly index: number;
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKind;
  /** Detail: ports, protocol and width of a route; roles and capabilities of a permission; NSG rules that admit. */
  readonly properties?: Record<string, unknown>;
}

export interface NodeInput {
  /** The canonical key; by default that of `id` (core's `canonicalKey`). */
  key?: string;
  /** `plainIdHash(id)`, when the caller has it (used when `key` is not given). */
  idHash?: number;
  id: string;
  type: EntityType;
  name: string;
  resourceType?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  properties?: Record<string, unknown>;
  tags?: Record<string, string>;
}

/**
 * A node. The canonical key of a node added by a plain id (`plainIdHash`: every resource of a well-formed estate) is
 * its id in lower case, made when first read: the build compares and hashes the id itself, so a million resource
 * keys (a fifth of the graph's memory) are never made unless something asks for them.
 */
class Node implements GraphNode {
  #key: string | undefined;
  insights: NodeInsights = NO_INSIGHTS;

  constructor(
    readonly index: number,
    key: string | undefined,
    readonly id: string,
    readonly type: EntityType,
    readonly name: string,
    readonly resourceType: string | undefined,
    readonly subscriptionId: string | undefined,
    readonly resourceGroup: string | undefined,
    readonly properties: Record<string, unknown>,
    readonly tags: Record<string, string> | undefined,
  ) {
    this.#key = key;
  }

  get key(): string {
    return (this.#key ??= this.id.toLowerCase());
  }

  /** Whether the key is `key`, without making a key not yet made. */
  hasKey(key: string): boolean {
    return this.#key !== undefined ? this.#key === key : equalFolded(this.id, key);
  }

  /** Whether the key is that of the plain id `id`, without making a key not yet made. */
  hasKeyOfPlainId(id: string): boolean {
    return equalFolded(this.#key ?? this.id, id);
  }

  /** The fields as an object literal had them (JSON and structured output see the key, not the memo). */
  toJSON(): GraphNode {
    const { index, key, id, type, name, resourceType, subscriptionId, resourceGroup, properties, tags, insights } = this;
    return { index, key, id, type, name, resourceType, subscriptionId, resourceGroup, properties, tags, insights };
  }
}

/** Node numbers of an insight nobody carries (shared). */
const NONE: ReadonlyArray<number> = Object.freeze([]);

export const KIND_INDEX: Readonly<Record<string, number>> = Object.fromEntries(EDGE_KINDS.map((k, i) => [k, i]));
/** Out-degree above which duplicate checks use a set instead of scanning the node's edges. */
const HUB_DEGREE = 16;
/** Edge kinds fit in four bits: an edge's target and kind share one field (`to * KINDS + kind`). */
const KIND_BITS = 4;
const KINDS = 1 << KIND_BITS;
if (EDGE_KINDS.length > KINDS) throw new Error(`graph model: ${EDGE_KINDS.length} edge kinds do not fit in ${KIND_BITS} bits`);

/** Fields of an edge's record in `edgeRecords`. */
const FROM = 0;
const TO_KIND = 1;
const NEXT_OUT = 2;
const NEXT_IN = 3;
const EDGE_FIELDS = 4;
/** Fields of a node's record in `nodeRecords`: its first and last edge out and in (-1: none). */
const FIRST_OUT = 0;
const LAST_OUT = 1;
const FIRST_IN = 2;
const LAST_IN = 3;
const NODE_FIELDS = 4;

/**
 * Nodes are objects; edges and adjacency are records of small integers in two flat arrays (a million edge objects
 * and two adjacency arrays per node were most of what a large build kept alive, and the young-generation collector
 * copied them all). A record's fields sit side by side, so reading an edge costs one cache miss, as an object did.
 * The arrays are plain arrays: their growth stays inside V8's heap, where typed arrays' external buffers made V8
 * collect the whole heap as they grew. A node's edges out (and in) form a list threaded through the edge records,
 * in the order they were added:
 *
 *   for (let e = graph.firstOut(n); e !== -1; e = graph.nextOut(e)) ... graph.edgeTo(e), graph.edgeKind(e) ...
 */
export class SecurityGraph implements KeyedNodes {
  readonly nodes: GraphNode[] = [];
  private readonly byKey: KeyTable;
  private readonly byType = new Map<EntityType, number[]>();
  /** Per hub node: `to * KINDS + kind` → edge number of its checked edges, for duplicate checks. */
  private readonly hubEdges = new Map<number, Map<number, number>>();
  /** Nodes by insight id, in the order the insight was first added to them. */
  private readonly byInsight = new Map<string, number[]>();
  private readonly edgeRecords: number[];
  private readonly edgeProps: Array<Record<string, unknown> | undefined> = [];
  private readonly nodeRecords: number[];

  /**
   * `expectedNodes` and `expectedEdges`: about how many the graph will have (hints for sizing its key index and
   * records; 0: unknown).
   */
  constructor(expectedNodes = 0, expectedEdges = 2 * expectedNodes) {
    this.byKey = new KeyTable(this, expectedNodes);
    // The record arrays are made at the expected size and filled by index; past it they grow by \`push\`. Growing a
    // ten-million-element array by \`push\` copies it again and again.
    this.nodeRecords = zeros(expectedNodes * NODE_FIELDS);
    this.edgeRecords = zeros(expectedEdges * EDGE_FIELDS);
  }

  get size(): number {
    return this.nodes.length;
  }

  get edgeCount(): number {
    return this.edgeProps.length;
  }

  /** Adds a node, or returns the existing one with the same key. */
  addNode(input: NodeInput): GraphNode {
    const index = this.nodes.length;
    let key = input.key;
    let existing: number;
    if (key !== undefined) existing = this.byKey.getOrAdd(key, index);
    else {
      const hash = input.idHash ?? plainIdHash(input.id);
      if (hash !== -1) existing = this.byKey.getOrAddPlainId(input.id, hash, index);
      else existing = this.byKey.getOrAdd((key = canonicalKey(input.id)), index);
    }
    if (existing !== -1) return this.nodes[existing];
    const node = new Node(
      index,
      key,
      input.id,
      input.type,
      input.name,
      input.resourceType,
      input.subscriptionId,
      input.resourceGroup,
      input.properties ?? {},
      input.tags,
    );
    this.nodes.push(node);
    const records = this.nodeRecords;
    const r = index * NODE_FIELDS;
    if (r < records.length) {
      records[r + FIRST_OUT] = -1;
      records[r + LAST_OUT] = -1;
      records[r + FIRST_IN] = -1;
      records[r + LAST_IN] = -1;
    } else records.push(-1, -1, -1, -1);
    let list = this.byType.get(input.type);
    if (list === undefined) this.byType.set(input.type, (list = []));
    list.push(index);
    return node;
  }

  hasKey(node: number, key: string): boolean {
    return (this.nodes[node] as Node).hasKey(key);
  }

  hasKeyOfPlainId(node: number, id: string): boolean {
    return (this.nodes[node] as Node).hasKeyOfPlainId(id);
  }

  node(key: string): GraphNode | undefined {
    const i = this.byKey.get(key);
    return i === -1 ? undefined : this.nodes[i];
  }

  /** The node whose key is the canonical key of `id` (no key is made for a plain id). */
  nodeById(id: string): GraphNode | undefined {
    const i = this.indexOfId(id);
    return i === undefined ? undefined : this.nodes[i];
  }

  /** The number of the node whose key is the canonical key of `id` (no key is made for a plain id). */
  indexOfId(id: string): number | undefined {
    const hash = plainIdHash(id);
    const i = hash !== -1 ? this.byKey.getPlainId(id, hash) : this.byKey.get(canonicalKey(id));
    return i === -1 ? undefined : i;
  }

  /** `indexOfId` of a plain id whose `plainIdHash` is `hash`. */
  indexOfPlainId(id: string, hash: number): number | undefined {
    const i = this.byKey.getPlainId(id, hash);
    return i === -1 ? undefined : i;
  }

  /** The number of the node with this canonical key. */
  indexOf(key: string): number | undefined {
    const i = this.byKey.get(key);
    return i === -1 ? undefined : i;
  }

  nodesOfType(type: EntityType): GraphNode[] {
    return (this.byType.get(type) ?? []).map((i) => this.nodes[i]);
  }

  /** How many nodes have the type. */
  countOfType(type: EntityType): number {
    return this.byType.get(type)?.length ?? 0;
  }

  types(): EntityType[] {
    return [...this.byType.keys()].sort();
  }

  /**
   * Adds an edge once per (from, to, kind) and returns its number; a second call returns the first edge's.
   * `unique` skips the check for callers that cannot add the same edge twice (the tree's `contains`).
   */
  addEdge(from: GraphNode | number, to: GraphNode | number, kind: EdgeKind, properties?: Record<string, unknown>, unique = false): number {
    const f = typeof from === 'number' ? from : from.index;
    const t = typeof to === 'number' ? to : to.index;
    const toKind = t * KINDS + KIND_INDEX[kind];
    const edges = this.edgeRecords;
    const nodes = this.nodeRecords;
    const source = f * NODE_FIELDS;
    const target = t * NODE_FIELDS;
    let hub: Map<number, number> | undefined;
    let becomesHub = false;
    if (!unique) {
      hub = this.hubEdges.get(f);
      if (hub !== undefined) {
        const hit = hub.get(toKind);
        if (hit !== undefined) return hit;
      } else {
        let degree = 0;
        for (let x = nodes[source + FIRST_OUT]; x !== -1; x = edges[x * EDGE_FIELDS + NEXT_OUT], degree++) {
          if (edges[x * EDGE_FIELDS + TO_KIND] === toKind) return x;
        }
        becomesHub = degree >= HUB_DEGREE;
      }
    }
    const e = this.edgeProps.length;
    const r = e * EDGE_FIELDS;
    if (r < edges.length) {
      edges[r + FROM] = f;
      edges[r + TO_KIND] = toKind;
      edges[r + NEXT_OUT] = -1;
      edges[r + NEXT_IN] = -1;
    } else edges.push(f, toKind, -1, -1);
    this.edgeProps.push(properties);
    if (nodes[source + LAST_OUT] === -1) nodes[source + FIRST_OUT] = e;
    else edges[nodes[source + LAST_OUT] * EDGE_FIELDS + NEXT_OUT] = e;
    nodes[source + LAST_OUT] = e;
    if (nodes[target + LAST_IN] === -1) nodes[target + FIRST_IN] = e;
    else edges[nodes[target + LAST_IN] * EDGE_FIELDS + NEXT_IN] = e;
    nodes[target + LAST_IN] = e;
    // A node past HUB_DEGREE edges keeps a set of them for duplicate checks (edges added with \`unique\` are never
    // checked against once it has one: callers add those kinds only that way).
    if (hub !== undefined) hub.set(toKind, e);
    else if (becomesHub) {
      const set = new Map<number, number>();
      for (let x = nodes[source + FIRST_OUT]; x !== -1; x = edges[x * EDGE_FIELDS + NEXT_OUT]) {
        if (!set.has(edges[x * EDGE_FIELDS + TO_KIND])) set.set(edges[x * EDGE_FIELDS + TO_KIND], x);
      }
      this.hubEdges.set(f, set);
    }
    return e;
  }

  /** The first edge of `kind` from node `from` to node `to` (walking `from`'s edges out), or -1. */
  findEdge(from: number, kind: EdgeKind, to: number): number {
    const edges = this.edgeRecords;
    const toKind = to * KINDS + KIND_INDEX[kind];
    for (let e = this.nodeRecords[from * NODE_FIELDS + FIRST_OUT]; e !== -1; e = edges[e * EDGE_FIELDS + NEXT_OUT]) {
      if (edges[e * EDGE_FIELDS + TO_KIND] === toKind) return e;
    }
    return -1;
  }

  edgeFrom(e: number): number {
    return this.edgeRecords[e * EDGE_FIELDS + FROM];
  }

  edgeTo(e: number): number {
    return this.edgeRecords[e * EDGE_FIELDS + TO_KIND] >> KIND_BITS;
  }

  edgeKind(e: number): EdgeKind {
    return EDGE_KINDS[this.edgeRecords[e * EDGE_FIELDS + TO_KIND] & (KINDS - 1)];
  }

  /** The kind's position in `EDGE_KINDS` (`KIND_INDEX[kind]`). */
  edgeKindIndex(e: number): number {
    return this.edgeRecords[e * EDGE_FIELDS + TO_KIND] & (KINDS - 1);
  }

  edgeProperties(e: number): Record<string, unknown> | undefined {
    return this.edgeProps[e];
  }

  /** The edge as one object (made on each call: hot loops read the fields one by one instead). */
  edge(e: number): GraphEdge {
    if (!(e >= 0 && e < this.edgeProps.length)) throw new RangeError(`no edge ${e}`);
    const r = e * EDGE_FIELDS;
    const edges = this.edgeRecords;
    const toKind = edges[r + TO_KIND];
    return { index: e, from: edges[r + FROM], to: toKind >> KIND_BITS, kind: EDGE_KINDS[toKind & (KINDS - 1)], properties: this.edgeProps[e] };
  }

  /** The first edge leaving node n, or -1. */
  firstOut(n: number): number {
    return this.nodeRecords[n * NODE_FIELDS + FIRST_OUT];
  }

  /** The edge after e among its source's edges out, or -1. */
  nextOut(e: number): number {
    return this.edgeRecords[e * EDGE_FIELDS + NEXT_OUT];
  }

  /** The first edge entering node n, or -1. */
  firstIn(n: number): number {
    return this.nodeRecords[n * NODE_FIELDS + FIRST_IN];
  }

  /** The edge after e among its target's edges in, or -1. */
  nextIn(e: number): number {
    return this.edgeRecords[e * EDGE_FIELDS + NEXT_IN];
  }

  /** How many edges leave node n (counted along its list: `columns` has degrees at hand). */
  outDegree(n: number): number {
    let degree = 0;
    for (let e = this.firstOut(n); e !== -1; e = this.nextOut(e)) degree++;
    return degree;
  }

  /** How many edges enter node n (counted along its list: `columns` has degrees at hand). */
  inDegree(n: number): number {
    let degree = 0;
    for (let e = this.firstIn(n); e !== -1; e = this.nextIn(e)) degree++;
    return degree;
  }

  /** Numbers of the edges leaving node n, in the order they were added (a new array). */
  outEdges(n: number): number[] {
    const list: number[] = [];
    for (let e = this.firstOut(n); e !== -1; e = this.nextOut(e)) list.push(e);
    return list;
  }

  /** Numbers of the edges entering node n, in the order they were added (a new array). */
  inEdges(n: number): number[] {
    const list: number[] = [];
    for (let e = this.firstIn(n); e !== -1; e = this.nextIn(e)) list.push(e);
    return list;
  }

  addInsight(node: GraphNode, id: string, value?: unknown): void {
    if (node.insights === NO_INSIGHTS) (node as Node).insights = new NodeInsights();
    if (node.insights.add(id, value)) {
      let list = this.byInsight.get(id);
      if (list === undefined) this.byInsight.set(id, (list = []));
      list.push(node.index);
    }
  }

  /** Node numbers carrying an insight (maintained as insights are added). */
  nodesWithInsight(id: string): ReadonlyArray<number> {
    return this.byInsight.get(id) ?? NONE;
  }

  outgoing(node: GraphNode, kind?: EdgeKind): GraphEdge[] {
    const list: GraphEdge[] = [];
    for (let e = this.firstOut(node.index); e !== -1; e = this.nextOut(e)) if (kind === undefined || this.edgeKind(e) === kind) list.push(this.edge(e));
    return list;
  }

  incoming(node: GraphNode, kind?: EdgeKind): GraphEdge[] {
    const list: GraphEdge[] = [];
    for (let e = this.firstIn(node.index); e !== -1; e = this.nextIn(e)) if (kind === undefined || this.edgeKind(e) === kind) list.push(this.edge(e));
    return list;
  }

  edgeCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (let e = 0; e < this.edgeProps.length; e++) {
      const kind = this.edgeKind(e);
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
