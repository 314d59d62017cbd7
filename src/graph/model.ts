/**
 * The cloud security graph: entities (resources, identities, the Internet, vulnerabilities, secrets) and the
 * connections between them, with insights (facts) on entities. Nodes and edges are numbered; adjacency is kept
 * as arrays of edge numbers per node so path search never hashes strings.
 */
import { NO_INSIGHTS, NodeInsights } from './insights.js';

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
  key: string;
  id: string;
  type: EntityType;
  name: string;
  resourceType?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  properties?: Record<string, unknown>;
  tags?: Record<string, string>;
}

/** The adjacency of a node without edges (shared: a million empty arrays would cost more than the graph). */
const NO_EDGES: number[] = Object.freeze([]) as unknown as number[];

export const KIND_INDEX: Readonly<Record<string, number>> = Object.fromEntries(EDGE_KINDS.map((k, i) => [k, i]));
/** Out-degree above which duplicate checks use a set instead of scanning the node's edges. */
const HUB_DEGREE = 16;

export class SecurityGraph {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  /** Edge numbers leaving / entering each node. */
  readonly out: number[][] = [];
  readonly in: number[][] = [];
  private readonly byKey = new Map<string, number>();
  private readonly byType = new Map<EntityType, number[]>();
  /** Per hub node: `to * 16 + kind` → edge number of its checked edges, for duplicate checks. */
  private readonly hubEdges = new Map<number, Map<number, number>>();
  /** Nodes by insight id, in the order the insight was first added to them. */
  private readonly byInsight = new Map<string, number[]>();

  get size(): number {
    return this.nodes.length;
  }

  /** Adds a node, or returns the existing one with the same key. */
  addNode(input: NodeInput): GraphNode {
    const existing = this.byKey.get(input.key);
    if (existing !== undefined) return this.nodes[existing];
    const node: GraphNode = {
      index: this.nodes.length,
      key: input.key,
      id: input.id,
      type: input.type,
      name: input.name,
      resourceType: input.resourceType,
      subscriptionId: input.subscriptionId,
      resourceGroup: input.resourceGroup,
      properties: input.properties ?? {},
      tags: input.tags,
      insights: NO_INSIGHTS,
    };
    this.nodes.push(node);
    this.out.push(NO_EDGES);
    this.in.push(NO_EDGES);
    this.byKey.set(input.key, node.index);
    let list = this.byType.get(input.type);
    if (list === undefined) this.byType.set(input.type, (list = []));
    list.push(node.index);
    return node;
  }

  node(key: string): GraphNode | undefined {
    const i = this.byKey.get(key);
    return i === undefined ? undefined : this.nodes[i];
  }

  /** The number of the node with this canonical key. */
  indexOf(key: string): number | undefined {
    return this.byKey.get(key);
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
   * Adds an edge once per (from, to, kind); a second call returns the first edge. `unique` skips the check for
   * callers that cannot add the same edge twice (the tree's `contains`).
   */
  addEdge(from: GraphNode | number, to: GraphNode | number, kind: EdgeKind, properties?: Record<string, unknown>, unique = false): GraphEdge {
    const f = typeof from === 'number' ? from : from.index;
    const t = typeof to === 'number' ? to : to.index;
    const k = KIND_INDEX[kind];
    const out = this.out[f];
    if (!unique) {
      if (out.length <= HUB_DEGREE) {
        for (let i = 0; i < out.length; i++) {
          const e = this.edges[out[i]];
          if (e.to === t && e.kind === kind) return e;
        }
      } else {
        const hit = this.hubEdges.get(f)!.get(t * 16 + k);
        if (hit !== undefined) return this.edges[hit];
      }
    }
    const edge: GraphEdge = { index: this.edges.length, from: f, to: t, kind, properties };
    this.edges.push(edge);
    if (out === NO_EDGES) this.out[f] = [edge.index];
    else out.push(edge.index);
    const inList = this.in[t];
    if (inList === NO_EDGES) this.in[t] = [edge.index];
    else inList.push(edge.index);
    // Hubs keep a set of their checked edges (edges added with `unique` are never checked against: callers add
    // those kinds only that way).
    const list = this.out[f];
    if (list.length === HUB_DEGREE + 1) this.hubEdges.set(f, new Map(list.map((e) => [this.edges[e].to * 16 + KIND_INDEX[this.edges[e].kind], e])));
    else if (!unique && list.length > HUB_DEGREE + 1) this.hubEdges.get(f)!.set(t * 16 + k, edge.index);
    return edge;
  }

  addInsight(node: GraphNode, id: string, value?: unknown): void {
    if (node.insights === NO_INSIGHTS) (node as { insights: NodeInsights }).insights = new NodeInsights();
    if (node.insights.put(value === undefined ? { id } : { id, value })) {
      let list = this.byInsight.get(id);
      if (list === undefined) this.byInsight.set(id, (list = []));
      list.push(node.index);
    }
  }

  /** Node numbers carrying an insight (maintained as insights are added). */
  nodesWithInsight(id: string): ReadonlyArray<number> {
    return this.byInsight.get(id) ?? NO_EDGES;
  }

  outgoing(node: GraphNode, kind?: EdgeKind): GraphEdge[] {
    const list = this.out[node.index].map((e) => this.edges[e]);
    return kind === undefined ? list : list.filter((e) => e.kind === kind);
  }

  incoming(node: GraphNode, kind?: EdgeKind): GraphEdge[] {
    const list = this.in[node.index].map((e) => this.edges[e]);
    return kind === undefined ? list : list.filter((e) => e.kind === kind);
  }

  edgeCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    const edges = this.edges;
    for (let i = 0; i < edges.length; i++) counts[edges[i].kind] = (counts[edges[i].kind] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
