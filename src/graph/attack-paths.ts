/**
 * Attack paths: every modelled template matched over the graph. An instance is the chain of nodes and edges from
 * the entry point (the Internet first, when the template starts from an exposed entry) to the target, with a risk
 * level (the template's default, raised for a critical target and lowered for a narrow exposure), risk factors,
 * the recommendations that break it and those that only reduce risk, and the elements (edges, entry insights) a
 * fix can remove — the input of choke-point analysis. Ids are stable: a hash of the template and the chain's keys.
 */
import { hash } from 'node:crypto';
import { atLeast, containersOf, principalAndGroups, reachableTargets, type Access } from './access.js';
import { expandEntityType } from './entity-types.js';
import type { GraphEdge, GraphNode, SecurityGraph } from './model.js';
import { RISK_LEVELS, type AttackPathTemplate, type NodeSpec, type RecommendationRef, type RiskLevel, type StepSpec } from './templates.js';
import { INTERNET_KEY } from './build-network.js';

/** Something a fix removes: an edge, or an insight of a node. */
export type PathElement = { kind: 'edge'; edge: number } | { kind: 'insight'; node: number; insight: string };

/**
 * The element objects of one search, one per edge and per (node, insight): paths share them (a million-resource
 * estate's paths name a few hundred thousand elements, most of them again and again). They are frozen.
 */
class PathElements {
  private readonly edges = new Map<number, PathElement>();
  private readonly insights = new Map<number, Map<string, PathElement>>();

  edge(edge: number): PathElement {
    let hit = this.edges.get(edge);
    if (hit === undefined) this.edges.set(edge, (hit = Object.freeze({ kind: 'edge', edge })));
    return hit;
  }

  insight(node: number, insight: string): PathElement {
    let byId = this.insights.get(node);
    if (byId === undefined) this.insights.set(node, (byId = new Map()));
    let hit = byId.get(insight);
    if (hit === undefined) byId.set(insight, (hit = Object.freeze({ kind: 'insight', node, insight })));
    return hit;
  }
}

export function elementKey(e: PathElement): string {
  return e.kind === 'edge' ? `e:${e.edge}` : `i:${e.node}:${e.insight}`;
}

export interface PathRecommendation extends RecommendationRef {
  /** The resource the recommendation is assessed on. */
  resourceId: string;
}

export interface AttackPath {
  id: string;
  templateId: string;
  templateName: string;
  category: string;
  displayName: string;
  description: string;
  riskLevel: RiskLevel;
  riskFactors: string[];
  entry: number;
  target: number;
  /** Node indexes from the first hop (the Internet, or the entry) to the target. */
  nodes: number[];
  edges: number[];
  elements: PathElement[];
  recommendations: PathRecommendation[];
  additionalRecommendations: PathRecommendation[];
}

export interface FindPathsOptions {
  /** Also match the legacy templates whose entry needs no internet exposure (default false: explorer material). */
  includeLegacy?: boolean;
  /** Targets kept per (template, entry) through one broad permission (default 25). */
  maxTargetsPerEntry?: number;
  /** Only these template ids. */
  templates?: ReadonlyArray<string>;
}

/** `name(key=value)` → its parts. */
function parseInsight(spec: string): { name: string; key?: string; value?: string } {
  const m = /^([A-Za-z]+)(?:\((\w+)=([\w-]+)\))?$/.exec(spec.trim());
  if (!m) return { name: spec.trim() };
  return { name: m[1], key: m[2], value: m[3] };
}

interface InsightAlt {
  name: string;
  key?: string;
  value?: string;
}

/** `a|b(key=value)` → its alternatives, parsed once. */
function compileInsight(spec: string): InsightAlt[] {
  return spec.split('|').map(parseInsight);
}

function hasInsight(node: GraphNode, alts: ReadonlyArray<InsightAlt>): string | undefined {
  for (const { name, key, value } of alts) {
    const insight = node.insights.get(name);
    if (!insight) continue;
    if (key !== undefined) {
      const v = insight.value;
      if (v === null || typeof v !== 'object' || String((v as Record<string, unknown>)[key]) !== value) continue;
    }
    return name;
  }
  return undefined;
}

interface CompiledSpec {
  types: Set<string>;
  /** The alternatives of the first required insight (candidates can be read from the insight index), if any. */
  first?: ReadonlyArray<InsightAlt>;
  test: (node: GraphNode) => string[] | undefined;
}

function compileSpec(spec: NodeSpec): CompiledSpec {
  const types = new Set(spec.types.flatMap((t) => [...expandEntityType(t)]));
  const required = (spec.insights ?? []).map(compileInsight);
  const excluded = (spec.notInsights ?? []).map(compileInsight);
  const where = Object.entries(spec.where ?? {}).map(([k, values]) => [k, values.map((v) => v.toLowerCase())] as const);
  return {
    types,
    first: required[0],
    test: (node) => {
      if (!types.has(node.type)) return undefined;
      if (node.insights.size === 0 && required.length > 0) return undefined;
      const matched: string[] = [];
      for (const alts of required) {
        const hit = hasInsight(node, alts);
        if (hit === undefined) return undefined;
        matched.push(hit);
      }
      for (const alts of excluded) if (hasInsight(node, alts) !== undefined) return undefined;
      for (const [k, values] of where) {
        const v = node.properties[k];
        if (typeof v !== 'string' || !values.includes(v.toLowerCase())) return undefined;
      }
      return matched;
    },
  };
}

/** Entry candidates: the nodes of the types carrying the first required insight (any alternative), else every node of the types. */
function candidates(graph: SecurityGraph, spec: CompiledSpec): GraphNode[] {
  if (!spec.first) return [...spec.types].flatMap((t) => graph.nodesOfType(t as GraphNode['type']));
  // Marked per node, then read in node order (the insight lists are in the order insights were added).
  const marked = new Uint8Array(graph.nodes.length);
  let count = 0;
  for (const alt of spec.first) {
    const list = graph.nodesWithInsight(alt.name);
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      if (marked[n] === 0 && spec.types.has(graph.nodes[n].type)) {
        marked[n] = 1;
        count++;
      }
    }
  }
  const out: GraphNode[] = [];
  for (let n = 0; n < marked.length && out.length < count; n++) if (marked[n] === 1) out.push(graph.nodes[n]);
  return out;
}

interface Partial {
  nodes: number[];
  edges: number[];
}

/** The chain principal → (memberOf → group)? → scope → contains… → target for one permission edge. */
function permissionChain(graph: SecurityGraph, principal: GraphNode, target: GraphNode, via: GraphEdge[]): Partial | undefined {
  const ancestors = containersOf(graph, target);
  const own = new Set(principalAndGroups(graph, principal));
  // Prefer a grant of the principal itself, then the nearest scope.
  const sorted = [...via].sort((a, b) => Number(a.from !== principal.index) - Number(b.from !== principal.index) || ancestors.indexOf(a.to) - ancestors.indexOf(b.to));
  const edge = sorted.find((e) => own.has(e.from));
  if (!edge) return undefined;
  const nodes: number[] = [];
  const edges: number[] = [];
  if (edge.from !== principal.index) {
    const member = graph.findEdge(principal.index, 'memberOf', edge.from);
    if (member === -1) return undefined;
    edges.push(member);
    nodes.push(edge.from);
  }
  edges.push(edge.index);
  nodes.push(edge.to);
  // Down from the scope to the target along contains.
  const down = ancestors.slice(0, ancestors.indexOf(edge.to)).reverse();
  let current = edge.to;
  for (const n of down) {
    const c = graph.findEdge(current, 'contains', n);
    if (c === -1) return undefined;
    edges.push(c);
    nodes.push(n);
    current = n;
  }
  return { nodes, edges };
}

/** Internet → ... → entry along routesTrafficTo (the shortest route, ties by first edge). */
export function internetRoute(graph: SecurityGraph, entry: GraphNode): Partial | undefined {
  const internet = graph.node(INTERNET_KEY);
  if (!internet) return undefined;
  const prev = new Map<number, number>();
  const queue = [entry.index];
  prev.set(entry.index, -1);
  while (queue.length > 0) {
    const n = queue.shift()!;
    if (n === internet.index) break;
    for (let e = graph.firstIn(n); e !== -1; e = graph.nextIn(e)) {
      const from = graph.edgeFrom(e);
      if (graph.edgeKind(e) !== 'routesTrafficTo' || prev.has(from)) continue;
      if (graph.nodes[from].type === 'AzureVirtualNetwork') continue; // lateral, not from the internet
      prev.set(from, e);
      queue.push(from);
    }
  }
  if (!prev.has(internet.index)) return undefined;
  const nodes: number[] = [];
  const edges: number[] = [];
  let n = internet.index;
  while (n !== entry.index) {
    nodes.push(n);
    const e = prev.get(n)!;
    edges.push(e);
    n = graph.edgeTo(e);
  }
  return { nodes, edges };
}

function stableId(templateId: string, keys: string[]): string {
  const h = hash('sha256', `${templateId}\n${keys.join('\n')}`, 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function shift(level: RiskLevel, by: number): RiskLevel {
  const i = Math.max(0, Math.min(RISK_LEVELS.length - 1, RISK_LEVELS.indexOf(level) + by));
  return RISK_LEVELS[i];
}

/** Every path of every modelled template, sorted by risk (Critical first), then template, then id. */
export function findAttackPaths(graph: SecurityGraph, templates: ReadonlyArray<AttackPathTemplate>, options: FindPathsOptions = {}): AttackPath[] {
  const out: AttackPath[] = [];
  const limit = options.maxTargetsPerEntry ?? 25;
  // What each principal can reach, computed once for every type a permission step asks for.
  const permissionTypes = new Set<string>();
  for (const t of templates) for (const s of t.steps ?? []) if (s.edge === 'hasPermissionTo') for (const x of compileSpec(s.to).types) permissionTypes.add(x);
  const reachCache = new Map<number, Array<{ target: GraphNode; access: Access }>>();
  const elementsOf = new PathElements();
  const routes = new Map<number, Partial | null>();
  const reach: Reach = (principal) => {
    let hit = reachCache.get(principal.index);
    if (hit === undefined) reachCache.set(principal.index, (hit = reachableTargets(graph, principal, permissionTypes, 'read', limit * 8)));
    return hit;
  };
  // Templates often share an entry (eight start from an internet-exposed VM with high-severity vulnerabilities):
  // its matching nodes are found once per spec.
  const entriesBySpec = new Map<string, ReadonlyArray<{ entry: GraphNode; matchedInsights: string[] }>>();
  const entries = (spec: NodeSpec) => {
    const key = JSON.stringify(spec);
    let hit = entriesBySpec.get(key);
    if (hit === undefined) {
      const compiled = compileSpec(spec);
      const found: Array<{ entry: GraphNode; matchedInsights: string[] }> = [];
      for (const entry of candidates(graph, compiled)) {
        const matchedInsights = compiled.test(entry);
        if (matchedInsights) found.push({ entry, matchedInsights });
      }
      entriesBySpec.set(key, (hit = found));
    }
    return hit;
  };
  for (const t of templates) {
    if (t.notModelled || !t.entry || !t.steps) continue;
    if (t.legacy && !options.includeLegacy) continue;
    if (options.templates && !options.templates.includes(t.id)) continue;
    const steps = t.steps.map((s) => ({ step: s, spec: compileSpec(s.to) }));
    for (const { entry, matchedInsights } of entries(t.entry)) {
      const tails = walk(graph, entry, steps, limit, reach);
      if (tails.length === 0) continue;
      let prefix: Partial = { nodes: [], edges: [] };
      if (t.internetExposedEntry) {
        let route = routes.get(entry.index);
        if (route === undefined) routes.set(entry.index, (route = internetRoute(graph, entry) ?? null));
        if (route === null) continue;
        prefix = route;
      }
      for (const tail of tails) out.push(instance(graph, t, entry, matchedInsights, prefix, tail, elementsOf));
    }
  }
  const rank = (p: AttackPath) => RISK_LEVELS.indexOf(p.riskLevel);
  return out.sort((a, b) => rank(b) - rank(a) || (a.templateId < b.templateId ? -1 : a.templateId > b.templateId ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

type Reach = (principal: GraphNode) => ReadonlyArray<{ target: GraphNode; access: Access }>;

/** All step chains from `entry` (each ends at a target), up to `limit` per entry. */
function walk(graph: SecurityGraph, entry: GraphNode, steps: Array<{ step: StepSpec; spec: CompiledSpec }>, limit: number, reach: Reach): Partial[] {
  let frontier: Array<{ at: GraphNode; chain: Partial }> = [{ at: entry, chain: { nodes: [entry.index], edges: [] } }];
  for (const { step, spec } of steps) {
    const next: Array<{ at: GraphNode; chain: Partial }> = [];
    for (const { at, chain } of frontier) {
      if (step.edge === 'hasPermissionTo') {
        for (const { target, access } of reach(at)) {
          if (!spec.types.has(target.type) || !atLeast(access.level, step.access ?? 'read') || !spec.test(target)) continue;
          const via = permissionChain(graph, at, target, access.via);
          if (!via) continue;
          next.push({ at: target, chain: { nodes: chain.nodes.concat(via.nodes), edges: chain.edges.concat(via.edges) } });
          if (next.length >= limit) break;
        }
      } else {
        for (let e = graph.firstOut(at.index); e !== -1; e = graph.nextOut(e)) {
          if (graph.edgeKind(e) !== step.edge) continue;
          const to = graph.nodes[graph.edgeTo(e)];
          if (!spec.test(to) || chain.nodes.includes(to.index)) continue;
          next.push({ at: to, chain: { nodes: chain.nodes.concat(to.index), edges: chain.edges.concat(e) } });
        }
      }
    }
    frontier = next.slice(0, limit);
    if (frontier.length === 0) return [];
  }
  return frontier.map((f) => f.chain);
}

function instance(
  graph: SecurityGraph,
  t: AttackPathTemplate,
  entry: GraphNode,
  entryInsights: string[],
  prefix: Partial,
  tail: Partial,
  elementsOf: PathElements,
): AttackPath {
  // \`concat\` makes lists of the exact length (a spread leaves room to grow, kept by every path).
  const nodes = prefix.nodes.concat(tail.nodes);
  const edges = prefix.edges.concat(tail.edges);
  const target = graph.nodes[nodes[nodes.length - 1]];
  const exposure = entry.insights.get('exposedToInternet')?.value as { width?: string } | undefined;
  const widthFixed = (t.entry?.insights ?? []).some((s) => s.includes('width='));
  let level = t.defaultRiskLevel;
  if (target.insights.has('isCritical')) level = shift(level, 1);
  if (t.internetExposedEntry && !widthFixed && exposure?.width === 'narrow') level = shift(level, -1);
  const factors: string[] = [];
  if (t.internetExposedEntry) factors.push('Internet exposure');
  if (exposure?.width === 'wide' && t.internetExposedEntry) factors.push('Wide exposure');
  if (entryInsights.some((i) => i === 'hasHighSeverityVulnerabilities' || i === 'vulnerableToRemoteCodeExecution')) factors.push('Vulnerabilities');
  if (tail.edges.length > 0) factors.push('Lateral movement');
  if (target.insights.has('containsSensitiveData') || entry.insights.has('containsSensitiveData')) factors.push('Sensitive data');
  if (target.insights.has('isCritical')) factors.push('Critical asset');

  const elements: PathElement[] = [];
  for (const i of entryInsights) elements.push(elementsOf.insight(entry.index, i));
  for (const e of edges) {
    if (graph.edgeKind(e) === 'contains') continue; // a resource's place in the tree is not something a fix removes
    elements.push(elementsOf.edge(e));
  }
  const recommendations: PathRecommendation[] = [];
  for (const b of t.breaks ?? []) {
    if (!b.recommendation) continue;
    let on = entry;
    if (b.on === 'edge') {
      const e = tail.edges.find((x) => graph.edgeKind(x) === b.element);
      if (e === undefined) continue;
      on = b.element === 'hasPermissionTo' ? target : graph.nodes[graph.edgeFrom(e)];
    } else if (!entryInsights.includes(b.element) && !(b.element === 'hasHighSeverityVulnerabilities' && entryInsights.includes('vulnerableToRemoteCodeExecution'))) continue;
    recommendations.push({ key: b.recommendation.key, name: b.recommendation.name, resourceId: on.id });
  }
  const additional: PathRecommendation[] = (t.reduces ?? []).map((r) => ({ key: r.key, name: r.name, resourceId: assessedOnTarget(r) ? target.id : entry.id }));
  const keys = nodes.map((n) => graph.nodes[n].key);
  const names = nodes.filter((n) => graph.nodes[n].type !== 'Internet').map((n) => graph.nodes[n].name);
  return {
    id: stableId(t.id, keys),
    templateId: t.id,
    templateName: t.name,
    category: t.category,
    displayName: target.index === entry.index ? `${t.name}: ${entry.name}` : `${t.name}: ${entry.name} → ${target.name}`,
    description: `${t.description ?? t.name} Path: ${names.join(' → ')}.`,
    riskLevel: level,
    // Copies of the exact length of the lists built by \`push\` (every path keeps them).
    riskFactors: factors.slice(),
    entry: entry.index,
    target: target.index,
    nodes,
    edges,
    elements: elements.slice(),
    recommendations: dedupe(recommendations),
    additionalRecommendations: dedupe(additional),
  };
}

const onTarget = new WeakMap<RecommendationRef, boolean>();

/** A risk-reducing recommendation about the data store or vault at the end of the path (else about the entry). */
function assessedOnTarget(r: RecommendationRef): boolean {
  let hit = onTarget.get(r);
  if (hit === undefined) {
    const name = r.name.toLowerCase();
    onTarget.set(r, (hit = name.includes('key vault') || name.includes('storage') || name.includes('sql')));
  }
  return hit;
}

/** Whether two resource ids name one resource (ids compare case-insensitively; most are the same string). */
function sameResource(a: string, b: string): boolean {
  return a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}

/** The recommendations without repeats (same key, same resource), in a list of the exact length. */
function dedupe(list: PathRecommendation[]): PathRecommendation[] {
  const out: PathRecommendation[] = [];
  next: for (let i = 0; i < list.length; i++) {
    const r = list[i];
    for (let j = 0; j < out.length; j++) if (out[j].key === r.key && sameResource(out[j].resourceId, r.resourceId)) continue next;
    out.push(r);
  }
  return out.slice();
}
