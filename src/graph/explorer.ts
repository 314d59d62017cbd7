/**
 * The cloud security explorer: runs a query (explorer-query.ts) over the security graph and returns the matching
 * root entities, each with the sub-graph that made it match.
 *
 * Evaluation is built for large graphs (millions of nodes):
 * - candidates are the nodes of the root entity's types (`nodesOfType`), or fewer when the pattern bounds them more
 *   cheaply (the planner, `superset`: nodes with an insight the pattern requires, sources of matching vulnerability
 *   edges, neighbours of a small connected type, holders of roles above possible targets);
 * - conditions run cheapest first (insights, then properties, recommendations, vulnerabilities), connections last;
 * - whether a node matches a connection's pattern is memoised per (connection, node) in a byte array;
 * - effective access (`hasPermissionTo` with `access` / `capabilities`) never walks a scope's whole subtree per
 *   principal: a per-connection index lists the candidate targets under each scope, the answer for
 *   (scope, capabilities held there) is cached; the `in` direction reads the grantors of the scopes above the target,
 *   grouped by the capabilities they hold (one `levelFor` call per group, layers shared down the tree), and combines
 *   a principal's grants one by one only when the insufficient grantors together would suffice;
 * - once more principals than possible targets have been checked one by one, effective access out is found for all
 *   principals at once from the targets' side.
 * The matched sub-graph is assembled afterwards, only for the returned results.
 */
import { PalisadeError } from '../core/index.js';
import { accessProfile, accessTo, atLeast, containersOf, levelFor, type Access, type AccessLevel } from './access.js';
import { KIND_INDEX, type EdgeKind, type GraphNode, type SecurityGraph } from './model.js';
import { validateQuery, type Condition, type Connection, type ExplorerQuery } from './explorer-query.js';
import { compileComparison, compilePropertyPath, compileWhere } from './explorer-match.js';
import { EXPLORER_LIMITS, entityTypesOf } from './explorer-vocabulary.js';
import { NO_CHAIN, capsKey, edgeCaps, roleGrants, type Chain, type RoleGrants } from './role-grants.js';
import { borrowNodeBytes, candidatesUnder, columns, derived, indexesOfType, peekDerived, returnNodeBytes, insightMembers, keyIsLowerCaseId, typeMask, type Columns } from './structure.js';

export { validateQuery, validateQueryAt } from './explorer-query.js';
export type {
  ExplorerQuery,
  Condition,
  Connection,
  InsightCondition,
  PropertyCondition,
  RecommendationCondition,
  VulnerabilityCondition,
  NotCondition,
  AnyOfCondition,
  PropertyOp,
  Severity,
  Scalar,
} from './explorer-query.js';
export { EXPLORER_INSIGHTS, EXPLORER_LIMITS } from './explorer-vocabulary.js';
export { loadExplorerTemplates, findExplorerTemplate } from './explorer-templates.js';
export type { ExplorerTemplate } from './explorer-templates.js';

export interface ExplorerOptions {
  /** Recommendations assessed on a resource (by canonical key); needed by `recommendation` conditions. */
  recommendations?: (resourceKey: string) => ReadonlyArray<{ key: string; name: string; state: string }>;
  /**
   * How to evaluate; the results are the same either way. `true` (default): start from the cheapest side of the
   * pattern when it bounds the root candidates, and find effective access out for all principals at once (from the
   * targets' side) once more principals than targets (and a few thousand) have been checked one by one. `'bulk'`:
   * the latter from the start. `false`:
   * test every node of the root's types, each principal one by one.
   */
  plan?: boolean | 'bulk';
}

export interface ExplorerNodeRef {
  id: string;
  name: string;
  type: string;
}

export interface ExplorerEdgeRef {
  from: string;
  to: string;
  kind: string;
}

export interface ExplorerMatch {
  id: string;
  name: string;
  type: string;
  subscriptionId?: string;
  /** The root first, then the neighbours (and their neighbours) that satisfied the connections, with the edges used. */
  matched: { nodes: ExplorerNodeRef[]; edges: ExplorerEdgeRef[] };
}

export interface ExplorerResult {
  /** Matching root entities, before `limit`. */
  count: number;
  truncated: boolean;
  /** Sorted by id (case-insensitively). */
  results: ExplorerMatch[];
  millis: number;
}

/** A condition on the node with this number. */
type Test = (index: number) => boolean;

interface Sink {
  nodes: number[];
  nodeSet: Set<number>;
  edges: Set<number>;
  visited: Set<string>;
}

interface CompiledCondition {
  cost: number;
  test: Test;
  /** Adds what a positive match rests on (vulnerability edges) to the sub-graph. */
  collect?: (node: GraphNode, sink: Sink) => void;
  /**
   * For the planner: the nodes that can satisfy the condition, when they can be listed without testing every node
   * (an insight's index, the sources of the vulnerability edges it accepts, the union of those of `anyOf` branches).
   */
  sources?: Sources;
}

interface Sources {
  /** About how many nodes or edges listing them visits. */
  estimate(): number;
  /** Adds those of the given types to `into`. */
  add(mask: Uint8Array, into: Set<number>): void;
}

interface Spec {
  id: number;
  types: ReadonlySet<string>;
  /** `types` per type code of the graph's columns. */
  mask: Uint8Array;
  conditions: CompiledCondition[];
  connections: CompiledConnection[];
}

interface CompiledConnection extends Spec {
  edge: EdgeKind;
  out: boolean;
  access?: AccessLevel;
  capabilities?: string[];
  effective: boolean;
  /** Per node: 0 unknown, 1 matches this connection's pattern, 2 does not. */
  memo?: Uint8Array;
  /** Effective access, out: scope → candidate targets (of `types`) at or under it. */
  under?: ReadonlyMap<number, number[]>;
  /** Effective access, out: principals evaluated one by one so far, and, past a threshold, all qualifying principals at once. */
  evaluations: number;
  targets?: readonly number[];
  bulk?: Uint8Array;
  /** Effective access, out: `${scope}|${capabilities}` → some candidate under the scope qualifies. */
  scopeHits: Map<string, boolean>;
  /** Effective access out to a far side of types only: the key of the answer shared across queries. */
  sharedKey?: string;
  /** Effective access: chain → target access profile → its insufficient grantor groups (`insufficientAbove`). */
  insufficient?: Map<Chain, Map<string, { insufficient: number; rest: ReadonlySet<string> }>>;
  /** Effective access: grantor-group capability set → target access profile → the access asked is held. */
  allowed?: WeakMap<ReadonlySet<string>, Map<string, boolean>>;
  /** Effective access, in: grantor → some member of it matches this connection's pattern. */
  memberHits?: Map<number, boolean>;
}

class Explorer {
  private specs = 0;
  private readonly recommendationCache = new Map<number, ReadonlyArray<{ key: string; name: string; state: string }>>();
  /** Who holds which roles where: shared by every query over the same graph. */
  private readonly grants: RoleGrants;
  private readonly borrowed: Uint8Array[] = [];
  private readonly supersets = new Map<number, number[] | null>();

  private readonly planning: boolean;
  private readonly bulkAfter: number;
  private readonly columns: Columns;

  constructor(
    private readonly graph: SecurityGraph,
    private readonly options: ExplorerOptions,
  ) {
    this.columns = columns(graph);
    this.grants = roleGrants(graph);
    this.planning = options.plan !== false;
    this.bulkAfter = options.plan === 'bulk' ? 0 : EXPLORER_LIMITS.bulkAfter;
  }

  // ---- compilation -------------------------------------------------------------------------------------------

  compileRoot(q: ExplorerQuery): Spec {
    const types = new Set(entityTypesOf(q.entity));
    return { id: this.specs++, types, mask: typeMask(this.graph, types), conditions: this.compileConditions(q.conditions ?? []), connections: (q.connections ?? []).map((c) => this.compileConnection(c)) };
  }

  private compileConnection(c: Connection): CompiledConnection {
    const effective = c.edge === 'hasPermissionTo' && (c.access !== undefined || c.capabilities !== undefined);
    const types = new Set(entityTypesOf(c.entity));
    return {
      id: this.specs++,
      types,
      mask: typeMask(this.graph, types),
      conditions: this.compileConditions(c.conditions ?? []),
      connections: (c.connections ?? []).map((x) => this.compileConnection(x)),
      edge: c.edge,
      out: c.direction !== 'in',
      access: c.access,
      capabilities: c.capabilities,
      effective,
      scopeHits: new Map(),
      evaluations: 0,
    };
  }

  private compileConditions(list: Condition[]): CompiledCondition[] {
    return list.map((c) => this.compileCondition(c)).sort((a, b) => a.cost - b.cost);
  }

  private compileCondition(c: Condition): CompiledCondition {
    if ('insight' in c) {
      const id = c.insight;
      const g = this.graph;
      const sources: Sources = {
        estimate: () => g.nodesWithInsight(id).length,
        add: (mask, into) => {
          const { typeCode } = this.columns;
          for (const n of g.nodesWithInsight(id)) if (mask[typeCode[n]] === 1) into.add(n);
        },
      };
      const members = insightMembers(g, id);
      if (c.where === undefined) return { cost: 0, sources, test: (n) => members[n] === 1 };
      const where = compileWhere(id, c.where);
      return {
        cost: 0,
        sources,
        test: (n) => {
          if (members[n] === 0) return false;
          const insight = g.nodes[n].insights.get(id);
          return insight !== undefined && where(insight.value);
        },
      };
    }
    if ('property' in c) {
      const values = compilePropertyPath(c.property);
      const compare = compileComparison(c.op, c.value);
      return { cost: 1, test: (n) => compare(values(this.graph.nodes[n])) };
    }
    if ('recommendation' in c) {
      if (this.options.recommendations === undefined) {
        throw new PalisadeError('ExplorerRecommendationsUnavailable', `a recommendation condition ('${c.recommendation}') needs recommendations (assessments) to be given`, { kind: 'argument' });
      }
      const wanted = c.recommendation.toLowerCase();
      const state = (c.state ?? 'Unhealthy').toLowerCase();
      return {
        cost: 2,
        test: (n) => this.recommendationsOf(this.graph.nodes[n]).some((r) => (r.key.toLowerCase() === wanted || r.name.toLowerCase() === wanted) && r.state.toLowerCase() === state),
      };
    }
    if ('vulnerability' in c) {
      const v = c.vulnerability;
      const id = v.id?.toLowerCase();
      const severities = v.severity ? new Set(v.severity.map((s) => s.toLowerCase())) : undefined;
      const rce = v.remoteCodeExecution;
      const cols = this.columns;
      const kind = KIND_INDEX.hasVulnerability;
      // Per vulnerability node whose own properties decide: 1 accepted, 2 not (most edges point at a few CVEs).
      const byVulnerability = this.bytes();
      const accepts = (e: number, vuln: GraphNode): boolean => {
        if (id !== undefined && vuln.id.toLowerCase() !== id) return false;
        if (severities !== undefined) {
          const s = vuln.properties.severity ?? this.graph.edgeProperties(e)?.severity ?? 'Unknown';
          if (!severities.has(String(s).toLowerCase())) return false;
        }
        if (rce !== undefined && (vuln.properties.remoteCodeExecution === true) !== rce) return false;
        return true;
      };
      const hit = (e: number): boolean => {
        if (cols.edgeKind[e] !== kind) return false;
        const to = cols.edgeTo[e];
        const known = byVulnerability[to];
        if (known !== 0) return known === 1;
        const vuln = this.graph.nodes[to];
        const ok = accepts(e, vuln);
        if (severities === undefined || vuln.properties.severity !== undefined) byVulnerability[to] = ok ? 1 : 2;
        return ok;
      };
      return {
        cost: 3,
        sources: {
          estimate: () => {
            let n = 0;
            for (const v of indexesOfType(this.graph, 'Vulnerability')) n += 1 + cols.inStart[v + 1] - cols.inStart[v];
            return n;
          },
          add: (mask, into) => {
            const g = this.graph;
            const { inStart, inList } = cols;
            for (const v of indexesOfType(g, 'Vulnerability')) {
              for (let i = inStart[v], end = inStart[v + 1]; i < end; i++) {
                const e = inList[i];
                if (hit(e) && mask[cols.typeCode[cols.edgeFrom[e]]] === 1) into.add(cols.edgeFrom[e]);
              }
            }
          },
        },
        test: (n) => {
          const { outStart, outList } = cols;
          for (let i = outStart[n], end = outStart[n + 1]; i < end; i++) if (hit(outList[i])) return true;
          return false;
        },
        collect: (n, sink) => {
          let count = 0;
          const { outStart, outList } = cols;
          for (let i = outStart[n.index], end = outStart[n.index + 1]; i < end; i++) {
            const e = outList[i];
            if (!hit(e)) continue;
            this.addEdge(sink, e);
            if (++count >= EXPLORER_LIMITS.matchedPerConnection) break;
          }
        },
      };
    }
    if ('not' in c) {
      const inner = this.compileCondition(c.not);
      return { cost: inner.cost, test: (n) => !inner.test(n) };
    }
    const branches = this.compileConditions(c.anyOf);
    const all = branches.every((b) => b.sources !== undefined);
    return {
      cost: Math.max(...branches.map((b) => b.cost)),
      ...(all
        ? {
            sources: {
              estimate: () => branches.reduce((sum, b) => sum + b.sources!.estimate(), 0),
              add: (mask: Uint8Array, into: Set<number>) => {
                for (const b of branches) b.sources!.add(mask, into);
              },
            },
          }
        : {}),
      test: (n) => branches.some((b) => b.test(n)),
      collect: (n, sink) => {
        for (const b of branches) if (b.collect && b.test(n.index)) b.collect(n, sink);
      },
    };
  }

  private recommendationsOf(n: GraphNode): ReadonlyArray<{ key: string; name: string; state: string }> {
    let list = this.recommendationCache.get(n.index);
    if (list === undefined) {
      const got = this.options.recommendations?.(n.key);
      list = Array.isArray(got) ? got.filter((r) => r !== null && typeof r === 'object' && typeof r.key === 'string' && typeof r.name === 'string' && typeof r.state === 'string') : [];
      this.recommendationCache.set(n.index, list);
    }
    return list;
  }

  // ---- matching ----------------------------------------------------------------------------------------------

  /** The node has a type of the spec, and every condition and connection holds. */
  matches(spec: Spec, index: number): boolean {
    if (spec.mask[this.columns.typeCode[index]] === 0) return false;
    for (const c of spec.conditions) if (!c.test(index)) return false;
    for (const c of spec.connections) if (!this.connectionHolds(c, index)) return false;
    return true;
  }

  /** Memoised: the node matches the pattern at the far end of the connection. */
  private target(conn: CompiledConnection, index: number): boolean {
    const memo = (conn.memo ??= this.bytes());
    const known = memo[index];
    if (known !== 0) return known === 1;
    const ok = this.matches(conn, index);
    memo[index] = ok ? 1 : 2;
    return ok;
  }

  private connectionHolds(conn: CompiledConnection, index: number): boolean {
    if (conn.effective) {
      if (!conn.out) return this.effectiveIn(conn, this.graph.nodes[index]);
      if (conn.bulk === undefined && this.planning) {
        // A shared answer (far side of types only) is used as soon as some query has found it; finding it pays off
        // once more principals than targets are checked, or, being kept for later queries, after a few thousand.
        const shared = this.sharedBulkKey(conn);
        conn.bulk = shared === undefined ? undefined : peekDerived<Uint8Array>(this.graph, shared);
        if (conn.bulk === undefined && ++conn.evaluations > this.bulkAfter && (this.bulkAfter === 0 || shared !== undefined || conn.evaluations > this.bulkTargets(conn).length)) {
          conn.bulk = this.bulkOut(conn);
        }
      }
      return conn.bulk !== undefined ? conn.bulk[index] === 1 : this.effectiveOut(conn, this.graph.nodes[index]);
    }
    const { edgeKind, edgeFrom, edgeTo } = this.columns;
    const kind = KIND_INDEX[conn.edge];
    const start = conn.out ? this.columns.outStart : this.columns.inStart;
    const list = conn.out ? this.columns.outList : this.columns.inList;
    for (let i = start[index], end = start[index + 1]; i < end; i++) {
      const e = list[i];
      if (edgeKind[e] !== kind) continue;
      if (this.target(conn, conn.out ? edgeTo[e] : edgeFrom[e])) return true;
    }
    return false;
  }

  /** The capabilities (and access level) held are what the connection asks for. */
  private allows(conn: CompiledConnection, target: GraphNode, caps: ReadonlySet<string>, objectId: string | undefined): boolean {
    if (conn.capabilities !== undefined) for (const c of conn.capabilities) if (!caps.has(c)) return false;
    return conn.access === undefined || atLeast(levelFor(target, caps, objectId), conn.access);
  }

  /**
   * `allows` without an object id, for a grantor group's capability set (never changed once made): remembered per
   * set and per what the target's access depends on besides capabilities (`accessProfile`).
   */
  private allowsGroup(conn: CompiledConnection, target: GraphNode, caps: ReadonlySet<string>): boolean {
    const byCaps = (conn.allowed ??= new WeakMap());
    let byProfile = byCaps.get(caps);
    if (byProfile === undefined) byCaps.set(caps, (byProfile = new Map()));
    const profile = accessProfile(target);
    let ok = byProfile.get(profile);
    if (ok === undefined) byProfile.set(profile, (ok = this.allows(conn, target, caps, undefined)));
    return ok;
  }

  private allowsAccess(conn: CompiledConnection, access: Access | undefined): boolean {
    if (access === undefined) return false;
    if (conn.capabilities !== undefined && !conn.capabilities.every((c) => access.capabilities.includes(c))) return false;
    return conn.access === undefined || atLeast(access.level, conn.access);
  }

  /** Candidate targets of the connection's types at or under each scope. */
  private underIndex(conn: CompiledConnection): ReadonlyMap<number, number[]> {
    return (conn.under ??= candidatesUnder(this.graph, conn.types));
  }

  /**
   * Principal → some target with the access asked. Exact: a target's capabilities are those in force at the
   * deepest scope above it that the principal holds a role on, so checking every granted scope's candidates with the
   * capabilities in force at that scope finds it; the scope itself is checked with the principal's object id (for
   * access-policy vaults, whose policies always come with a direct edge).
   */
  private effectiveOut(conn: CompiledConnection, principal: GraphNode): boolean {
    const grants = this.grants.grantsOf(principal);
    if (grants.size === 0) return false;
    const under = this.underIndex(conn);
    const objectId = this.grants.objectIdOf(principal);
    for (const s of grants.keys()) {
      const candidates = under.get(s);
      if (candidates === undefined) continue;
      const caps = this.grants.capsAt(grants, s);
      const scope = this.graph.nodes[s];
      if (conn.types.has(scope.type) && this.allows(conn, scope, caps, objectId) && this.target(conn, s)) return true;
      if (this.scopeHit(conn, s, caps, candidates)) return true;
    }
    return false;
  }

  /** Some candidate strictly under `s` qualifies with `caps` (cached per scope and capability set). */
  private scopeHit(conn: CompiledConnection, s: number, caps: ReadonlySet<string>, candidates: readonly number[]): boolean {
    const key = `${s}|${capsKey(caps)}`;
    let hit = conn.scopeHits.get(key);
    if (hit === undefined) {
      hit = false;
      for (const t of candidates) {
        if (t === s) continue;
        if (this.allows(conn, this.graph.nodes[t], caps, undefined) && this.target(conn, t)) {
          hit = true;
          break;
        }
      }
      conn.scopeHits.set(key, hit);
    }
    return hit;
  }

  /** Some member of the grantor matches the connection's pattern (cached: it does not depend on the target). */
  private memberHit(conn: CompiledConnection, grantor: number): boolean {
    const cache = (conn.memberHits ??= new Map());
    let hit = cache.get(grantor);
    if (hit === undefined) {
      hit = false;
      for (const p of this.grants.members(grantor)) {
        if (conn.mask[this.columns.typeCode[p]] === 1 && this.target(conn, p)) {
          hit = true;
          break;
        }
      }
      cache.set(grantor, hit);
    }
    return hit;
  }

  /**
   * Target ← some principal with the access asked, in three steps: principals with a role on the target itself,
   * exactly (with their object id and inherited capabilities); then every grantor of the scopes above whose own
   * capabilities suffice, by whether any member matches (cached per grantor); and only when the insufficient
   * grantors together would suffice, principals one by one, grouped by the capabilities they combine.
   */
  private effectiveIn(conn: CompiledConnection, target: GraphNode): boolean {
    const parent = this.grants.parentOf(target.index);
    const chain = parent === undefined ? NO_CHAIN : this.grants.grantorChain(parent);
    const direct = this.grants.grantorsAt(target.index);
    if (direct.size > 0) {
      for (const [p, own] of this.grants.expandMembers(direct)) {
        const principal = this.graph.nodes[p];
        if (!conn.types.has(principal.type)) continue;
        const caps = this.grants.inheritedCaps(p, chain);
        for (const c of own) caps.add(c);
        if (this.allows(conn, target, caps, this.grants.objectIdOf(principal)) && this.target(conn, p)) return true;
      }
    }
    if (chain.groups.length === 0) return false;
    // Principals under no sufficient grantor hold at most the capabilities of the insufficient ones together.
    const rest = new Set<string>();
    let insufficient = 0;
    for (let c: Chain | undefined = chain; c !== undefined; c = c.parent) {
      for (const grp of c.groups) {
        if (!this.allowsGroup(conn, target, grp.caps)) {
          insufficient++;
          for (const x of grp.caps) rest.add(x);
          continue;
        }
        for (const g of grp.grantors) if (this.memberHit(conn, g)) return true;
      }
    }
    if (insufficient < 2 || !this.allows(conn, target, rest, undefined)) return false;
    for (const grp of this.grants.inherited(parent!).groups) {
      if (!this.allowsGroup(conn, target, grp.caps)) continue;
      for (const p of grp.principals) if (conn.mask[this.columns.typeCode[p]] === 1 && this.target(conn, p)) return true;
    }
    return false;
  }

  /**
   * Every principal with the access asked to some target of the connection, found from the targets' side: for each
   * target that matches, the principals with a role on it (exactly, with their object id), the grantors above it
   * whose own capabilities suffice (their members qualify too), and, when only a combination of grantors suffices,
   * the principals holding that combination. The same set `effectiveOut` answers for one principal at a time.
   */
  private bulkOut(conn: CompiledConnection): Uint8Array {
    const shared = this.sharedBulkKey(conn);
    if (shared === undefined) return this.bulkOutInto(conn, this.bytes());
    return derived(this.graph, shared, () => this.bulkOutInto(conn, new Uint8Array(this.graph.size)));
  }

  /**
   * A far side of types only: who has the access asked depends on role grants and target properties alone, fixed
   * once the graph is built, so every query asking the same access shares the answer (kept under this key).
   */
  private sharedBulkKey(conn: CompiledConnection): string | undefined {
    if (conn.conditions.length > 0 || conn.connections.length > 0) return undefined;
    return (conn.sharedKey ??= `explorer.bulk|${[...conn.types].sort().join(',')}|${conn.access ?? ''}|${conn.capabilities?.join(',') ?? ''}`);
  }

  private bulkOutInto(conn: CompiledConnection, out: Uint8Array): Uint8Array {
    const g = this.graph;
    const grantors = new Set<number>();
    const caps = new Set<string>();
    const taken = new Set<object>();
    const { inStart, inList, edgeKind, edgeFrom } = this.columns;
    const permission = KIND_INDEX.hasPermissionTo;
    for (const t of this.bulkTargets(conn)) {
      if (!this.target(conn, t)) continue;
      const node = g.nodes[t];
      const parent = this.grants.parentOf(t);
      const chain = parent === undefined ? NO_CHAIN : this.grants.grantorChain(parent);
      // Roles on the target itself. A grantor outside every group (the usual managed identity) is checked in place;
      // groups and their members go through the general expansion.
      let grouped: Map<number, Set<string>> | undefined;
      for (let i = inStart[t], end = inStart[t + 1]; i < end; i++) {
        const e = inList[i];
        if (edgeKind[e] !== permission) continue;
        const x = edgeFrom[e];
        if (!this.grants.standalone(x)) {
          const { caps: own, used } = this.grants.grantsOfEdge(e);
          if (!used) continue;
          grouped ??= new Map<number, Set<string>>();
          let set = grouped.get(x);
          if (set === undefined) grouped.set(x, (set = new Set<string>()));
          for (const c of own) set.add(c);
          continue;
        }
        if (out[x] === 1) continue;
        const own = this.grants.grantsOfEdge(e);
        if (!own.used) continue;
        for (const c of own.caps) caps.add(c);
        for (let c: Chain | undefined = chain; c !== undefined; c = c.parent) {
          const above = c.own.get(x);
          if (above) for (const a of above) caps.add(a);
        }
        if (this.allows(conn, node, caps, this.grants.objectIdOf(x))) out[x] = 1;
        caps.clear();
      }
      if (grouped !== undefined) {
        for (const [p, own] of this.grants.expandMembers(grouped)) {
          if (out[p] === 1) continue;
          const held = this.grants.inheritedCaps(p, chain);
          for (const c of own) held.add(c);
          if (this.allows(conn, node, held, this.grants.objectIdOf(p))) out[p] = 1;
        }
      }
      // Groups are shared down the tree: one whose grantors were taken for an earlier target adds nothing new.
      for (let c: Chain | undefined = chain; c !== undefined; c = c.parent) {
        for (const grp of c.groups) {
          if (taken.has(grp) || !this.allowsGroup(conn, node, grp.caps)) continue;
          taken.add(grp);
          for (const x of grp.grantors) grantors.add(x);
        }
      }
      const { insufficient, rest } = this.insufficientAbove(conn, chain, node);
      if (insufficient >= 2 && this.allows(conn, node, rest, undefined)) {
        for (const grp of this.grants.inherited(parent!).groups) {
          if (taken.has(grp) || !this.allowsGroup(conn, node, grp.caps)) continue;
          taken.add(grp);
          for (const p of grp.principals) out[p] = 1;
        }
      }
    }
    for (const x of grantors) for (const p of this.grants.members(x)) out[p] = 1;
    return out;
  }

  /**
   * Root connections of effective access out, on a root without conditions: when more root candidates than targets
   * will be asked about, find the qualifying principals in bulk from the start rather than after checking as many
   * one by one.
   */
  prepareRoot(root: Spec, candidates: readonly number[] | undefined): void {
    if (root.conditions.length > 0) return; // they may leave few candidates: decide as evaluation goes
    const count = candidates?.length ?? this.typeCount(root.types);
    for (const conn of root.connections) {
      if (conn.effective && conn.out && conn.bulk === undefined && count > EXPLORER_LIMITS.bulkAfter && count > this.bulkTargets(conn).length) conn.bulk = this.bulkOut(conn);
    }
  }

  /**
   * The grantor groups of a chain whose capabilities do not give the access asked on a target like `node`: how many,
   * and all their capabilities together (remembered per connection, chain and target profile).
   */
  private insufficientAbove(conn: CompiledConnection, chain: Chain, node: GraphNode): { insufficient: number; rest: ReadonlySet<string> } {
    const byChain = (conn.insufficient ??= new Map());
    let byProfile = byChain.get(chain);
    if (byProfile === undefined) byChain.set(chain, (byProfile = new Map()));
    const key = accessProfile(node);
    let hit = byProfile.get(key);
    if (hit === undefined) {
      const rest = new Set<string>();
      let insufficient = 0;
      for (let c: Chain | undefined = chain; c !== undefined; c = c.parent) {
        for (const grp of c.groups) {
          if (this.allowsGroup(conn, node, grp.caps)) continue;
          insufficient++;
          for (const x of grp.caps) rest.add(x);
        }
      }
      byProfile.set(key, (hit = { insufficient, rest }));
    }
    return hit;
  }

  /** The targets a bulk evaluation goes through (it pays off once more principals than these have been checked). */
  private bulkTargets(conn: CompiledConnection): readonly number[] {
    return (conn.targets ??= this.superset(conn) ?? this.allOf(conn.types));
  }

  /** A zeroed byte per node for this query (handed back by `release`). */
  bytes(): Uint8Array {
    const b = borrowNodeBytes(this.graph);
    this.borrowed.push(b);
    return b;
  }

  /** Hands the query's scratch arrays back for the next query over the graph. */
  release(): void {
    returnNodeBytes(this.graph, this.borrowed);
    this.borrowed.length = 0;
  }

  // ---- planning: where to start -------------------------------------------------------------------------------

  private typeCount(types: ReadonlySet<string>): number {
    let n = 0;
    for (const t of types) n += indexesOfType(this.graph, t).length;
    return n;
  }

  private allOf(types: ReadonlySet<string>): number[] {
    const out: number[] = [];
    for (const t of types) for (const n of indexesOfType(this.graph, t)) out.push(n);
    return out;
  }

  /**
   * A superset of the nodes that can match `spec`, when one is cheaper to get than all the nodes of its types, else
   * undefined. Candidates come from what the pattern requires: the nodes carrying an insight (the graph's insight
   * index), the sources of the `hasVulnerability` edges a vulnerability condition accepts; the nodes next to a connection's (small, or itself bounded) far side;
   * for effective access out, the principals holding a role on a scope above some possible target. Every candidate
   * is still matched in full.
   */
  superset(spec: Spec): number[] | undefined {
    if (this.supersets.has(spec.id)) return this.supersets.get(spec.id) ?? undefined;
    let bestSize = this.typeCount(spec.types);
    let best: Set<number> | undefined;
    const g = this.graph;
    const { typeCode, edgeKind, edgeFrom, edgeTo, outStart, outList, inStart, inList } = this.columns;
    const permission = KIND_INDEX.hasPermissionTo;
    const consider = (estimate: number, build: () => Set<number>): void => {
      if (estimate * 2 >= bestSize) return;
      const set = build();
      if (set.size < bestSize) {
        best = set;
        bestSize = set.size;
      }
    };
    for (const c of spec.conditions) {
      const sources = c.sources;
      if (sources === undefined) continue;
      consider(sources.estimate(), () => {
        const set = new Set<number>();
        sources.add(spec.mask, set);
        return set;
      });
    }
    for (const k of spec.connections) {
      if (k.effective && !k.out) continue;
      const farBound = this.superset(k);
      const far = farBound ?? (this.typeCount(k.types) * 2 < bestSize ? this.allOf(k.types) : undefined);
      if (far === undefined) continue;
      if (k.effective) {
        // principals with a role on a scope at or above a possible target (or members of such grantors)
        consider(far.length * 4, () => {
          const scopes = new Set<number>();
          for (const t of far) {
            for (let n: number | undefined = t, guard = 0; n !== undefined && guard < 32 && !scopes.has(n); n = this.grants.parentOf(n), guard++) scopes.add(n);
          }
          const set = new Set<number>();
          const seen = new Set<number>();
          for (const sc of scopes) {
            for (let i = inStart[sc], end = inStart[sc + 1]; i < end; i++) {
              const e = inList[i];
              const from = edgeFrom[e];
              if (edgeKind[e] !== permission || seen.has(from)) continue;
              seen.add(from);
              for (const p of this.grants.members(from)) if (spec.mask[typeCode[p]] === 1) set.add(p);
            }
          }
          return set;
        });
        continue;
      }
      let estimate = far.length;
      for (const n of far) estimate += k.out ? inStart[n + 1] - inStart[n] : outStart[n + 1] - outStart[n];
      const kind = KIND_INDEX[k.edge];
      consider(estimate, () => {
        const set = new Set<number>();
        for (const n of far) {
          const start = k.out ? inStart : outStart;
          const list = k.out ? inList : outList;
          for (let i = start[n], end = start[n + 1]; i < end; i++) {
            const e = list[i];
            if (edgeKind[e] !== kind) continue;
            const m = k.out ? edgeFrom[e] : edgeTo[e];
            if (spec.mask[typeCode[m]] === 1) set.add(m);
          }
        }
        return set;
      });
    }
    const result = best === undefined ? undefined : [...best].sort((a, b) => a - b);
    this.supersets.set(spec.id, result ?? null);
    return result;
  }

  // ---- the matched sub-graph -----------------------------------------------------------------------------------

  private addNode(sink: Sink, n: number): boolean {
    if (sink.nodeSet.has(n)) return true;
    if (sink.nodes.length >= EXPLORER_LIMITS.matchedNodes) return false;
    sink.nodeSet.add(n);
    sink.nodes.push(n);
    return true;
  }

  private addEdge(sink: Sink, e: number): void {
    if (this.addNode(sink, this.graph.edgeFrom(e)) && this.addNode(sink, this.graph.edgeTo(e))) sink.edges.add(e);
  }

  collect(spec: Spec, node: GraphNode, sink: Sink): void {
    const key = `${spec.id}:${node.index}`;
    if (sink.visited.has(key) || !this.addNode(sink, node.index)) return;
    sink.visited.add(key);
    for (const c of spec.conditions) c.collect?.(node, sink);
    for (const conn of spec.connections) {
      let count = 0;
      for (const m of this.neighbours(conn, node, sink)) {
        this.collect(conn, this.graph.nodes[m], sink);
        if (++count >= EXPLORER_LIMITS.matchedPerConnection || sink.nodes.length >= EXPLORER_LIMITS.matchedNodes) break;
      }
    }
  }

  /** The neighbours that satisfy a connection, adding the edges that connect them to the sub-graph as they come. */
  private *neighbours(conn: CompiledConnection, node: GraphNode, sink: Sink): Generator<number> {
    const g = this.graph;
    if (!conn.effective) {
      const { edgeKind, edgeFrom, edgeTo } = this.columns;
      const start = conn.out ? this.columns.outStart : this.columns.inStart;
      const list = conn.out ? this.columns.outList : this.columns.inList;
      const kind = KIND_INDEX[conn.edge];
      for (let i = start[node.index], end = start[node.index + 1]; i < end; i++) {
        const e = list[i];
        if (edgeKind[e] !== kind) continue;
        const m = conn.out ? edgeTo[e] : edgeFrom[e];
        if (!this.target(conn, m)) continue;
        this.addEdge(sink, e);
        yield m;
      }
      return;
    }
    if (conn.out) {
      const grants = this.grants.grantsOf(node);
      const under = this.underIndex(conn);
      const seen = new Set<number>();
      for (const s of grants.keys()) {
        const candidates = under.get(s);
        if (candidates === undefined) continue;
        const caps = this.grants.capsAt(grants, s);
        const scope = g.nodes[s];
        const self = conn.types.has(scope.type) && this.allows(conn, scope, caps, this.grants.objectIdOf(node)) && this.target(conn, s);
        if (!self && !this.scopeHit(conn, s, caps, candidates)) continue;
        for (const t of candidates) {
          if (seen.has(t)) continue;
          seen.add(t);
          if (!this.target(conn, t)) continue;
          const access = accessTo(g, node, g.nodes[t]);
          if (!this.allowsAccess(conn, access)) continue;
          this.addAccessChain(sink, node, g.nodes[t], access!);
          yield t;
        }
      }
      return;
    }
    // In: principals with a role on the node, members of sufficient grantors above, then any other inheritor.
    const parent = this.grants.parentOf(node.index);
    const chain = parent === undefined ? NO_CHAIN : this.grants.grantorChain(parent);
    const seen = new Set<number>();
    const candidates = function* (this: Explorer): Generator<number> {
      yield* this.grants.expandMembers(this.grants.grantorsAt(node.index)).keys();
      const rest = new Set<string>();
      let insufficient = 0;
      for (let c: Chain | undefined = chain; c !== undefined; c = c.parent) {
        for (const grp of c.groups) {
          if (this.allowsGroup(conn, node, grp.caps)) for (const grantor of grp.grantors) yield* this.grants.members(grantor);
          else {
            insufficient++;
            for (const x of grp.caps) rest.add(x);
          }
        }
      }
      if (parent !== undefined && insufficient >= 2 && this.allows(conn, node, rest, undefined)) {
        for (const grp of this.grants.inherited(parent).groups) if (this.allowsGroup(conn, node, grp.caps)) yield* grp.principals;
      }
    };
    for (const p of candidates.call(this)) {
      if (seen.has(p)) continue;
      seen.add(p);
      const principal = g.nodes[p];
      if (!conn.types.has(principal.type) || !this.target(conn, p)) continue;
      const access = accessTo(g, principal, node);
      if (!this.allowsAccess(conn, access)) continue;
      this.addAccessChain(sink, principal, node, access!);
      yield p;
    }
  }

  /** principal (memberOf → group)* → hasPermissionTo → scope (contains →)* → target, for the first few grants used. */
  private addAccessChain(sink: Sink, principal: GraphNode, target: GraphNode, access: Access): void {
    const g = this.graph;
    const chain = containersOf(g, target);
    // The grants that give something: capabilities, or an access policy on the target itself (Reader-like roles do not).
    const giving = access.via.filter((e) => edgeCaps(e.properties).caps.length > 0 || e.to === target.index);
    for (const via of (giving.length > 0 ? giving : access.via).slice(0, 5)) {
      if (via.from !== principal.index) for (const e of this.memberPath(principal.index, via.from)) this.addEdge(sink, e);
      this.addEdge(sink, via.index);
      for (let i = chain.indexOf(via.to); i > 0; i--) {
        const e = g.findEdge(chain[i], 'contains', chain[i - 1]);
        if (e !== -1) this.addEdge(sink, e);
      }
    }
  }

  /** The memberOf edges from a principal to one of its (transitive) groups, shortest first. */
  private memberPath(from: number, to: number): number[] {
    const g = this.graph;
    const prev = new Map<number, number>([[from, -1]]);
    const queue = [from];
    for (let i = 0; i < queue.length && !prev.has(to); i++) {
      for (let e = g.firstOut(queue[i]); e !== -1; e = g.nextOut(e)) {
        const group = g.edgeTo(e);
        if (g.edgeKind(e) !== 'memberOf' || prev.has(group)) continue;
        prev.set(group, e);
        queue.push(group);
      }
    }
    const path: number[] = [];
    for (let n = to; prev.has(n) && prev.get(n)! >= 0; n = g.edgeFrom(prev.get(n)!)) path.unshift(prev.get(n)!);
    return path;
  }

  newSink(): Sink {
    return { nodes: [], nodeSet: new Set(), edges: new Set(), visited: new Set() };
  }
}

/**
 * Result order: ids compared case-insensitively, then keys. A node whose key is its id in lower case (every resource
 * node, once checked; remembered per graph) compares by key alone, without lower-casing its id again.
 */
function resultOrder(graph: SecurityGraph): (a: GraphNode, b: GraphNode) => boolean {
  const folded = keyIsLowerCaseId(graph);
  const byKey = (n: GraphNode): boolean => {
    let known = folded[n.index];
    if (known === 0) folded[n.index] = known = n.key === n.id.toLowerCase() ? 1 : 2;
    return known === 1;
  };
  return (a, b) => {
    if (byKey(a) && byKey(b)) return a.key < b.key;
    const x = a.id.toLowerCase();
    const y = b.id.toLowerCase();
    return x < y || (x === y && a.key < b.key);
  };
}

/** Runs an explorer query (validated again here, so any value is safe to pass) over the graph. */
export function runQuery(graph: SecurityGraph, query: ExplorerQuery, options: ExplorerOptions = {}): ExplorerResult {
  const started = performance.now();
  const q = validateQuery(query);
  const explorer = new Explorer(graph, options);
  try {
    const root = explorer.compileRoot(q);
    const limit = q.limit ?? EXPLORER_LIMITS.defaultLimit;
    // The first `limit` matches by id, kept sorted as they come (no sort of every match).
    const top: GraphNode[] = [];
    const before = resultOrder(graph);
    let count = 0;
    const consider = (index: number): void => {
      if (!explorer.matches(root, index)) return;
      count++;
      const node = graph.nodes[index];
      if (top.length === limit && !before(node, top[top.length - 1])) return;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(top[mid], node)) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, node);
      if (top.length > limit) top.pop();
    };
    const candidates = options.plan === false ? undefined : explorer.superset(root);
    if (options.plan !== false) explorer.prepareRoot(root, candidates);
    if (candidates !== undefined) for (const n of candidates) consider(n);
    else for (const type of root.types) for (const n of indexesOfType(graph, type)) consider(n);
    const results: ExplorerMatch[] = top.map((node) => {
      const sink = explorer.newSink();
      explorer.collect(root, node, sink);
      const ref = (n: number): ExplorerNodeRef => ({ id: graph.nodes[n].id, name: graph.nodes[n].name, type: graph.nodes[n].type });
      return {
        id: node.id,
        name: node.name,
        type: node.type,
        ...(node.subscriptionId !== undefined ? { subscriptionId: node.subscriptionId } : {}),
        matched: {
          nodes: sink.nodes.map(ref),
          edges: [...sink.edges].map((e) => {
            return { from: graph.nodes[graph.edgeFrom(e)].id, to: graph.nodes[graph.edgeTo(e)].id, kind: graph.edgeKind(e) };
          }),
        },
      };
    });
    return { count, truncated: count > limit, results, millis: Math.round((performance.now() - started) * 10) / 10 };
  } finally {
    explorer.release();
  }
}
