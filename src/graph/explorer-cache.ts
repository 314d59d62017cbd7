/**
 * Structure the explorer derives from a graph and reuses across queries: node indexes per entity type, and per set
 * of types, the candidates at or under each scope. Both depend only on nodes (never removed, type fixed) and
 * `contains` edges (never removed), so they stay valid while the graph's node and edge counts are unchanged; any
 * addition drops them. Insights and properties, which can change in place, are never cached.
 */
import { containersOf } from './access.js';
import type { GraphNode, SecurityGraph } from './model.js';

interface Structure {
  nodes: number;
  edges: number;
  byType: Map<string, number[]>;
  under: Map<string, Map<number, number[]>>;
}

const cache = new WeakMap<SecurityGraph, Structure>();

function structure(graph: SecurityGraph): Structure {
  let s = cache.get(graph);
  if (s === undefined || s.nodes !== graph.nodes.length || s.edges !== graph.edges.length) {
    s = { nodes: graph.nodes.length, edges: graph.edges.length, byType: new Map(), under: new Map() };
    cache.set(graph, s);
  }
  return s;
}

/** Node indexes of one entity type, in graph order (do not modify). */
export function indexesOfType(graph: SecurityGraph, type: string): readonly number[] {
  const s = structure(graph);
  let list = s.byType.get(type);
  if (list === undefined) s.byType.set(type, (list = graph.nodesOfType(type as GraphNode['type']).map((n) => n.index)));
  return list;
}

/** Scope → nodes of `types` at or under it (along `contains`), in graph order per type (do not modify). */
export function candidatesUnder(graph: SecurityGraph, types: ReadonlySet<string>): ReadonlyMap<number, number[]> {
  const s = structure(graph);
  const key = [...types].sort().join(',');
  let under = s.under.get(key);
  if (under === undefined) {
    under = new Map();
    for (const type of [...types].sort()) {
      for (const n of indexesOfType(graph, type)) {
        for (const a of containersOf(graph, graph.nodes[n])) {
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
