/**
 * Structure derived from a graph and reused across queries and path searches: node indexes per entity type, the
 * `contains` parent of every node, per set of types the candidates at or under each scope, flat columns of types
 * and edges, and what callers derive (`derived`). It depends on nodes (never removed, type fixed), edges (never
 * removed, their properties fixed once added) and node properties (never changed after the build: a changed estate
 * builds a new graph), so it stays valid while the graph's node and edge counts are unchanged; any addition drops
 * it. Insights can be added to a built graph: what is read from them is kept per insight list length.
 */
import { KIND_INDEX, type GraphNode, type SecurityGraph } from './model.js';

/** Node types and edges as flat arrays, for scans that would otherwise touch a node or edge object per step. */
export interface Columns {
  /** Per node, the number of its entity type in `typeNames`. */
  typeCode: Uint8Array;
  typeNames: string[];
  /** Per edge, its kind's number (`KIND_INDEX`), source and target. */
  edgeKind: Uint8Array;
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  /** Adjacency (compressed rows): node n's outgoing edges are `outList[outStart[n] .. outStart[n + 1])`, in the order of `graph.firstOut` / `nextOut`; likewise incoming. */
  outStart: Int32Array;
  outList: Int32Array;
  inStart: Int32Array;
  inList: Int32Array;
}

/** Compressed rows of the edges grouped by `owner` (edges stay in number order within a node, the order of a node's edge lists). */
function compressedRows(nodes: number, owner: Int32Array): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(nodes + 1);
  for (let e = 0; e < owner.length; e++) start[owner[e] + 1]++;
  for (let n = 0; n < nodes; n++) start[n + 1] += start[n];
  const fill = start.slice(0, nodes);
  const list = new Int32Array(owner.length);
  for (let e = 0; e < owner.length; e++) list[fill[owner[e]]++] = e;
  return { start, list };
}

interface Structure {
  nodes: number;
  edges: number;
  columns?: Columns;
  keyIsLowerCaseId?: Uint8Array;
  derived: Map<string, unknown>;
  /** Zeroed per-node byte arrays handed back by earlier queries. */
  spareBytes: Uint8Array[];
  /** Per insight id: the length of its node list when the membership array was made, and the array. */
  insights: Map<string, { length: number; members: Uint8Array }>;
  byType: Map<string, number[]>;
  parent?: Int32Array;
  under: Map<string, Map<number, number[]>>;
}

const cache = new WeakMap<SecurityGraph, Structure>();

function structure(graph: SecurityGraph): Structure {
  let s = cache.get(graph);
  if (s === undefined || s.nodes !== graph.nodes.length || s.edges !== graph.edgeCount) {
    s = { nodes: graph.nodes.length, edges: graph.edgeCount, insights: new Map(), derived: new Map(), spareBytes: [], byType: new Map(), under: new Map() };
    cache.set(graph, s);
  }
  return s;
}

export function columns(graph: SecurityGraph): Columns {
  const s = structure(graph);
  if (s.columns === undefined) {
    const typeNames: string[] = [];
    const codes = new Map<string, number>();
    const typeCode = new Uint8Array(graph.nodes.length);
    const nodes = graph.nodes;
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n];
      let code = codes.get(node.type);
      if (code === undefined) {
        codes.set(node.type, (code = typeNames.length));
        typeNames.push(node.type);
      }
      typeCode[node.index] = code;
    }
    const edgeKind = new Uint8Array(graph.edgeCount);
    const edgeFrom = new Int32Array(graph.edgeCount);
    const edgeTo = new Int32Array(graph.edgeCount);
    for (let e = 0; e < graph.edgeCount; e++) {
      edgeKind[e] = graph.edgeKindIndex(e);
      edgeFrom[e] = graph.edgeFrom(e);
      edgeTo[e] = graph.edgeTo(e);
    }
    const out = compressedRows(graph.nodes.length, edgeFrom);
    const inc = compressedRows(graph.nodes.length, edgeTo);
    s.columns = { typeCode, typeNames, edgeKind, edgeFrom, edgeTo, outStart: out.start, outList: out.list, inStart: inc.start, inList: inc.list };
  }
  return s.columns;
}

/**
 * A value its caller derives from the graph's nodes and edges (role grants included, which never change once
 * added), kept with the rest of the structure under `name` and dropped with it.
 */
export function derived<T>(graph: SecurityGraph, name: string, make: () => T): T {
  const s = structure(graph);
  let value = s.derived.get(name) as T | undefined;
  if (value === undefined) s.derived.set(name, (value = make()));
  return value;
}

/** What `derived` keeps under `name`, without making it. */
export function peekDerived<T>(graph: SecurityGraph, name: string): T | undefined {
  return structure(graph).derived.get(name) as T | undefined;
}

/**
 * A zeroed byte per node, for one query's scratch work. Queries that hand theirs back (`returnNodeBytes`) let the
 * next one reuse them: a million-node graph would otherwise allocate megabytes of external memory per query, which
 * V8 answers with full collections of the whole heap.
 */
export function borrowNodeBytes(graph: SecurityGraph): Uint8Array {
  return structure(graph).spareBytes.pop() ?? new Uint8Array(graph.nodes.length);
}

export function returnNodeBytes(graph: SecurityGraph, bytes: Iterable<Uint8Array>): void {
  const s = structure(graph);
  for (const b of bytes) {
    if (b.length !== graph.nodes.length || s.spareBytes.length >= 16) continue;
    b.fill(0);
    s.spareBytes.push(b);
  }
}

/** Per node: 0 not checked yet, 1 its key is its id in lower case, 2 not (filled in by the caller as it checks). */
export function keyIsLowerCaseId(graph: SecurityGraph): Uint8Array {
  const s = structure(graph);
  return (s.keyIsLowerCaseId ??= new Uint8Array(graph.nodes.length));
}

/** Per type code of `columns`, 1 when the type is one of `types`. */
export function typeMask(graph: SecurityGraph, types: ReadonlySet<string>): Uint8Array {
  const { typeNames } = columns(graph);
  return Uint8Array.from(typeNames, (t) => (types.has(t) ? 1 : 0));
}

/**
 * Per node, 1 when it carries the insight. Insights are only ever added, so the array stays valid while the
 * insight's node list keeps its length (read it again after adding insights).
 */
export function insightMembers(graph: SecurityGraph, id: string): Uint8Array {
  const s = structure(graph);
  const list = graph.nodesWithInsight(id);
  let hit = s.insights.get(id);
  if (hit === undefined || hit.length !== list.length) {
    const members = new Uint8Array(graph.nodes.length);
    for (const n of list) members[n] = 1;
    s.insights.set(id, (hit = { length: list.length, members }));
  }
  return hit.members;
}

const typesKey = (types: ReadonlySet<string>): string => [...types].sort().join(',');

/** Node indexes of one entity type, in graph order (do not modify). */
export function indexesOfType(graph: SecurityGraph, type: string): readonly number[] {
  const s = structure(graph);
  let list = s.byType.get(type);
  if (list === undefined) s.byType.set(type, (list = graph.nodesOfType(type as GraphNode['type']).map((n) => n.index)));
  return list;
}

/** Per node, the node that `contains` it, or -1 at the top of the tree (do not modify). */
export function containsParents(graph: SecurityGraph): Int32Array {
  const s = structure(graph);
  if (s.parent === undefined) {
    const parent = new Int32Array(graph.nodes.length).fill(-1);
    const contains = KIND_INDEX.contains;
    for (let e = 0; e < graph.edgeCount; e++) {
      const to = graph.edgeTo(e);
      if (graph.edgeKindIndex(e) === contains && parent[to] === -1) parent[to] = graph.edgeFrom(e);
    }
    s.parent = parent;
  }
  return s.parent;
}

/** Scope → nodes of `types` at or under it (along `contains`), in graph order per type (do not modify). */
export function candidatesUnder(graph: SecurityGraph, types: ReadonlySet<string>): ReadonlyMap<number, number[]> {
  const s = structure(graph);
  const key = typesKey(types);
  let under = s.under.get(key);
  if (under === undefined) {
    under = new Map();
    const parent = containsParents(graph);
    for (const type of [...types].sort()) {
      for (const n of indexesOfType(graph, type)) {
        for (let a = n, guard = 0; a !== -1 && guard < 33; a = parent[a], guard++) {
          let l = under.get(a);
          if (l === undefined) under.set(a, (l = []));
          l.push(n);
        }
      }
    }
    s.under.set(key, under);
  }
  return under;
}

/** Where each node sits in a depth-first walk down `contains` (roots in node order, children in edge order). */
interface Preorder {
  /** Per node, its position in the walk (-1: not reached). */
  position: Int32Array;
  /** Per node, how many nodes its subtree holds (itself included). */
  size: Int32Array;
  /** Nodes by position. */
  order: Int32Array;
}

function reverseFrom(list: number[], start: number): void {
  for (let i = start, j = list.length - 1; i < j; i++, j--) {
    const x = list[i];
    list[i] = list[j];
    list[j] = x;
  }
}

function preorder(graph: SecurityGraph): Preorder {
  return derived(graph, 'structure.preorder', () => {
    const n = graph.nodes.length;
    const parent = containsParents(graph);
    const position = new Int32Array(n).fill(-1);
    const size = new Int32Array(n);
    const order = new Int32Array(n);
    let next = 0;
    const stack: number[] = [];
    for (let root = 0; root < n; root++) {
      if (parent[root] !== -1) continue;
      stack.push(root);
      while (stack.length > 0) {
        const node = stack.pop()!;
        position[node] = next;
        order[next++] = node;
        // Children go on the stack last first, so the walk takes them in edge order.
        const mark = stack.length;
        for (let e = graph.firstOut(node); e !== -1; e = graph.nextOut(e)) {
          const to = graph.edgeTo(e);
          if (graph.edgeKind(e) === 'contains' && parent[to] === node && position[to] === -1) stack.push(to);
        }
        reverseFrom(stack, mark);
      }
    }
    // Subtree sizes, children before parents (reverse walk order).
    for (let i = next - 1; i >= 0; i--) {
      const node = order[i];
      size[node] += 1;
      if (parent[node] !== -1) size[parent[node]] += size[node];
    }
    return { position, size, order: order.subarray(0, next) };
  });
}

/** The nodes of some types at or under a scope, in walk order (`preorderUnder`). */
export interface PreorderCandidates {
  under(scope: number): ArrayLike<number>;
}

/**
 * Nodes of `types` at or under each scope, in the order a depth-first walk down `contains` from the scope meets
 * them (children in edge order), the scope itself first. A subtree is a range of the walk, so each scope's
 * candidates are a slice of one list.
 */
export function preorderUnder(graph: SecurityGraph, types: ReadonlySet<string>): PreorderCandidates {
  const key = `structure.preorderUnder|${typesKey(types)}`;
  return derived(graph, key, () => {
    const { position, size, order } = preorder(graph);
    const picked: number[] = [];
    for (let i = 0; i < order.length; i++) if (types.has(graph.nodes[order[i]].type)) picked.push(order[i]);
    const nodes = Int32Array.from(picked);
    const positions = Int32Array.from(picked, (node) => position[node]);
    const firstAtOrAfter = (p: number): number => {
      let lo = 0;
      let hi = positions.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (positions[mid] < p) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return {
      under: (scope: number) => {
        const from = position[scope];
        if (from === -1) return nodes.subarray(0, 0);
        return nodes.subarray(firstAtOrAfter(from), firstAtOrAfter(from + size[scope]));
      },
    };
  });
}
