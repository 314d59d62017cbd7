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
  const edge = graph.edge(e.edge);
  return `${edge.kind} ${graph.nodes[edge.from].name} → ${graph.nodes[edge.to].name}`;
}

/**
 * How directly a user can remove an element (lower first, for ties): a route admitted by an NSG rule, then a
 * permission, secret or identity attachment, then an insight (patching, classification), then any other edge.
 */
function fixability(graph: SecurityGraph, e: PathElement): number {
  if (e.kind === 'insight') return 2;
  const edge = graph.edge(e.edge);
  if (edge.kind === 'routesTrafficTo' && Array.isArray(edge.properties?.nsgRules) && (edge.properties.nsgRules as unknown[]).length > 0) return 0;
  if (edge.kind === 'hasPermissionTo' || edge.kind === 'hasSecret' || edge.kind === 'canAuthenticateTo' || edge.kind === 'canAuthenticateAs') return 1;
  return 3;
}

/**
 * Greedy set cover by risk weight; at most `max` picks (default: until every path is broken). Lazy: an element's
 * open weight only falls as paths break, so a heap entry is re-scored when it reaches the top and taken only if it
 * still beats the next one — the same picks as re-scoring everything each round, in near-linear time.
 */
export function greedyChokePoints(graph: SecurityGraph, paths: ReadonlyArray<AttackPath>, max = Infinity): ChokePoint[] {
  const elements: Array<{ key: string; element: PathElement; paths: number[]; rank: number }> = [];
  const byKey = new Map<string, number>();
  paths.forEach((p, i) => {
    for (const el of p.elements) {
      const k = elementKey(el);
      let idx = byKey.get(k);
      if (idx === undefined) {
        byKey.set(k, (idx = elements.length));
        elements.push({ key: k, element: el, paths: [], rank: fixability(graph, el) });
      }
      const list = elements[idx].paths;
      if (list[list.length - 1] !== i) list.push(i);
    }
  });
  const broken = new Uint8Array(paths.length);
  const score = (idx: number): { weight: number; open: number } => {
    let weight = 0;
    let open = 0;
    for (const i of elements[idx].paths) {
      if (broken[i]) continue;
      weight += RISK_WEIGHT[paths[i].riskLevel];
      open++;
    }
    return { weight, open };
  };
  // Heap ordered by (weight desc, open desc, rank asc, key asc): the order the eager version picks in.
  type Entry = { idx: number; weight: number; open: number };
  const better = (a: Entry, b: Entry): boolean => {
    if (a.weight !== b.weight) return a.weight > b.weight;
    if (a.open !== b.open) return a.open > b.open;
    const ea = elements[a.idx];
    const eb = elements[b.idx];
    if (ea.rank !== eb.rank) return ea.rank < eb.rank;
    return ea.key < eb.key;
  };
  const heap: Entry[] = [];
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!better(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && better(heap[l], heap[top])) top = l;
      if (r < heap.length && better(heap[r], heap[top])) top = r;
      if (top === i) break;
      [heap[i], heap[top]] = [heap[top], heap[i]];
      i = top;
    }
  };
  const pop = (): Entry => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      down(0);
    }
    return top;
  };
  for (let idx = 0; idx < elements.length; idx++) {
    heap.push({ idx, ...score(idx) });
    up(heap.length - 1);
  }
  const picks: ChokePoint[] = [];
  while (picks.length < max && heap.length > 0) {
    const top = pop();
    const fresh = { idx: top.idx, ...score(top.idx) };
    if (fresh.weight === 0) continue;
    if (heap.length > 0 && (fresh.weight !== top.weight || fresh.open !== top.open) && better(heap[0], fresh)) {
      heap.push(fresh);
      up(heap.length - 1);
      continue;
    }
    const open = elements[fresh.idx].paths.filter((i) => !broken[i]);
    for (const i of open) broken[i] = 1;
    const element = elements[fresh.idx].element;
    picks.push({ element, label: describeElement(graph, element), pathIds: open.map((i) => paths[i].id), weight: fresh.weight });
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
    if (element.kind === 'edge' && graph.edgeKind(element.edge) === 'contains') continue;
    elements.push({ element, label: describeElement(graph, element), pathIds: mine.map((p) => p.id), weight });
  }
  return { elements: elements.reverse(), nodes: nodes.reverse() };
}
