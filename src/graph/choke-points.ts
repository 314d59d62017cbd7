/**
 * Choke points: the fixes (an edge removed, an insight cleared) that break attack paths.
 *
 *  - `greedyChokePoints`: over all paths, repeatedly the element on the largest risk-weighted set of paths not yet
 *    broken (Critical 8, High 4, Medium 2, Low 1) — the first pick is "the single fix that breaks the most".
 *  - `targetChokePoints`: for one target, the elements on *every* path to it, exactly: the dominators of the target
 *    in the union of its paths (edges and entry insights subdivided into vertices of their own, a super-source in
 *    front of every first hop), by the iterative algorithm of Cooper, Harvey and Kennedy.
 */
import { elementKey, type AttackPath, type PathElement } from './attack-paths.js';
import type { SecurityGraph } from './model.js';
import type { RiskLevel } from './templates.js';

export const RISK_WEIGHT: Readonly<Record<RiskLevel, number>> = { Critical: 8, High: 4, Medium: 2, Low: 1 };

export interface ChokePoint {
  element: PathElement;
  /** Human description: `routesTrafficTo pip-x → nic-y`, `hasHighSeverityVulnerabilities on vm-x`. */
  label: string;
  pathIds: string[];
  weight: number;
}

export function describeElement(graph: SecurityGraph, e: PathElement): string {
  if (e.kind === 'insight') return `${e.insight} on ${graph.nodes[e.node].name}`;
  const edge = graph.edges[e.edge];
  return `${edge.kind} ${graph.nodes[edge.from].name} → ${graph.nodes[edge.to].name}`;
}

/**
 * How directly a user can remove an element (lower first, for ties): a route admitted by an NSG rule, then a
 * permission, secret or identity attachment, then an insight (patching, classification), then any other edge.
 */
function fixability(graph: SecurityGraph, e: PathElement): number {
  if (e.kind === 'insight') return 2;
  const edge = graph.edges[e.edge];
  if (edge.kind === 'routesTrafficTo' && Array.isArray(edge.properties?.nsgRules) && (edge.properties.nsgRules as unknown[]).length > 0) return 0;
  if (edge.kind === 'hasPermissionTo' || edge.kind === 'hasSecret' || edge.kind === 'canAuthenticateTo' || edge.kind === 'canAuthenticateAs') return 1;
  return 3;
}

/** Greedy set cover by risk weight; at most `max` picks (default: until every path is broken). */
export function greedyChokePoints(graph: SecurityGraph, paths: ReadonlyArray<AttackPath>, max = Infinity): ChokePoint[] {
  const byElement = new Map<string, { element: PathElement; paths: number[] }>();
  paths.forEach((p, i) => {
    for (const el of p.elements) {
      const k = elementKey(el);
      let entry = byElement.get(k);
      if (!entry) byElement.set(k, (entry = { element: el, paths: [] }));
      if (entry.paths[entry.paths.length - 1] !== i) entry.paths.push(i);
    }
  });
  const broken = new Uint8Array(paths.length);
  const picks: ChokePoint[] = [];
  while (picks.length < max) {
    let best: { key: string; weight: number; paths: number[]; element: PathElement; rank: number } | undefined;
    for (const [key, { element, paths: members }] of byElement) {
      let weight = 0;
      const open: number[] = [];
      for (const i of members) {
        if (broken[i]) continue;
        weight += RISK_WEIGHT[paths[i].riskLevel];
        open.push(i);
      }
      if (weight === 0) continue;
      if (best && weight < best.weight) continue;
      const rank = fixability(graph, element);
      if (
        !best ||
        weight > best.weight ||
        open.length > best.paths.length ||
        (open.length === best.paths.length && (rank < best.rank || (rank === best.rank && key < best.key)))
      ) {
        best = { key, weight, paths: open, element, rank };
      }
    }
    if (!best) break;
    for (const i of best.paths) broken[i] = 1;
    picks.push({ element: best.element, label: describeElement(graph, best.element), pathIds: best.paths.map((i) => paths[i].id), weight: best.weight });
  }
  return picks;
}

/** The vertex sequence of a path with edges and entry insights as vertices of their own. */
function sequence(p: AttackPath): string[] {
  const seq: string[] = ['S'];
  for (let i = 0; i < p.nodes.length; i++) {
    if (i > 0) seq.push(`e:${p.edges[i - 1]}`);
    if (p.nodes[i] === p.entry) for (const el of p.elements) if (el.kind === 'insight') seq.push(elementKey(el));
    seq.push(`n:${p.nodes[i]}`);
  }
  return seq;
}

/** Elements (edges, insights) and nodes on every path to `target`, exactly. */
export function targetChokePoints(graph: SecurityGraph, paths: ReadonlyArray<AttackPath>, target: number): { elements: ChokePoint[]; nodes: number[] } {
  const mine = paths.filter((p) => p.target === target);
  if (mine.length === 0) return { elements: [], nodes: [] };
  // Build the union graph.
  const ids = new Map<string, number>();
  const succ: number[][] = [];
  const pred: number[][] = [];
  const vertex = (k: string) => {
    let v = ids.get(k);
    if (v === undefined) {
      ids.set(k, (v = succ.length));
      succ.push([]);
      pred.push([]);
    }
    return v;
  };
  for (const p of mine) {
    const seq = sequence(p).map(vertex);
    for (let i = 1; i < seq.length; i++) {
      if (!succ[seq[i - 1]].includes(seq[i])) {
        succ[seq[i - 1]].push(seq[i]);
        pred[seq[i]].push(seq[i - 1]);
      }
    }
  }
  // Reverse post-order from S.
  const order: number[] = [];
  const seen = new Uint8Array(succ.length);
  const stack: Array<[number, number]> = [[0, 0]];
  seen[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top[1] < succ[top[0]].length) {
      const next = succ[top[0]][top[1]++];
      if (!seen[next]) {
        seen[next] = 1;
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  order.reverse();
  const rpo = new Int32Array(succ.length).fill(-1);
  order.forEach((v, i) => (rpo[v] = i));
  const idom = new Int32Array(succ.length).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (rpo[a] > rpo[b]) a = idom[a];
      while (rpo[b] > rpo[a]) b = idom[b];
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const v of order) {
      if (v === 0) continue;
      let next = -1;
      for (const p of pred[v]) if (idom[p] !== -1) next = next === -1 ? p : intersect(p, next);
      if (next !== -1 && idom[v] !== next) {
        idom[v] = next;
        changed = true;
      }
    }
  }
  const t = ids.get(`n:${target}`)!;
  const keys = [...ids.keys()];
  const elements: ChokePoint[] = [];
  const nodes: number[] = [];
  const weight = mine.reduce((s, p) => s + RISK_WEIGHT[p.riskLevel], 0);
  for (let v = idom[t]; v !== 0; v = idom[v]) {
    const k = keys[v];
    if (k.startsWith('n:')) {
      const n = Number(k.slice(2));
      if (graph.nodes[n].type !== 'Internet') nodes.push(n);
      continue;
    }
    const element: PathElement = k.startsWith('e:') ? { kind: 'edge', edge: Number(k.slice(2)) } : { kind: 'insight', node: Number(k.split(':')[1]), insight: k.split(':').slice(2).join(':') };
    if (element.kind === 'edge' && graph.edges[element.edge].kind === 'contains') continue;
    elements.push({ element, label: describeElement(graph, element), pathIds: mine.map((p) => p.id), weight });
  }
  return { elements: elements.reverse(), nodes: nodes.reverse() };
}
