/**
 * The security graph as a file: JSON (our shape, for scripts and diffs) or GraphML 1.0 (for Gephi, yEd, Cytoscape,
 * NetworkX). Output is deterministic: nodes sorted by key, edges by (from key, to key, kind), insight ids sorted.
 * `writeGraph` streams in chunks of about 64 KiB, so a graph of millions of nodes never becomes one string.
 *
 * JSON: `{"nodes":[{key,id,type,name,insights:{id: value|true}}], "edges":[{from,to,kind,properties}]}` with one
 * node or edge per line; `from` / `to` are node keys.
 * GraphML: node ids `n<i>` and edge ids `e<i>` (GraphML ids must be NMTOKENs, resource ids are not), with data keys
 * label, type, name, key, resourceId, subscriptionId, resourceGroup, insights (JSON text) on nodes and label, kind,
 * properties (JSON text) on edges. Text is escaped for XML 1.0; characters XML cannot carry become U+FFFD.
 */
import { PalisadeError } from '../core/index.js';
import type { GraphNode, SecurityGraph } from './model.js';
import { canonicalEntity, entityTypesOf } from './explorer-vocabulary.js';

export type GraphExportFormat = 'json' | 'graphml';
export const GRAPH_EXPORT_FORMATS: ReadonlyArray<GraphExportFormat> = ['json', 'graphml'];

export interface GraphExportOptions {
  /** Only nodes of these entity types or groups (and the edges between them). */
  types?: ReadonlyArray<string>;
}

export interface GraphExportStats {
  nodes: number;
  edges: number;
}

const CHUNK = 64 * 1024;

/** Buffers small pieces into chunks of about CHUNK characters. */
class Chunker {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (chunk: string) => void) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v));
    return text === undefined ? 'null' : text;
  } catch {
    return JSON.stringify(String(value));
  }
}

function insightsOf(node: GraphNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const id of [...node.insights.keys()].sort()) {
    const v = node.insights.get(id)!.value;
    Object.defineProperty(out, id, { value: v === undefined ? true : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Node indexes in key order (restricted to `types`), and each included node's rank (-1 when left out). */
function selection(graph: SecurityGraph, options: GraphExportOptions): { order: number[]; rank: Int32Array } {
  let include: Set<string> | undefined;
  if (options.types !== undefined) {
    include = new Set();
    for (const t of options.types) {
      const name = typeof t === 'string' ? canonicalEntity(t) : undefined;
      if (name === undefined) throw new PalisadeError('GraphExportUnknownType', `unknown entity type or group '${String(t)}'`, { kind: 'argument', target: String(t) });
      for (const x of entityTypesOf(name)) include.add(x);
    }
  }
  const order: number[] = [];
  for (const n of graph.nodes) if (include === undefined || include.has(n.type)) order.push(n.index);
  order.sort((a, b) => {
    const x = graph.nodes[a].key;
    const y = graph.nodes[b].key;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const rank = new Int32Array(graph.nodes.length).fill(-1);
  order.forEach((n, i) => (rank[n] = i));
  return { order, rank };
}

function sortedEdges(graph: SecurityGraph, rank: Int32Array): number[] {
  const edges: number[] = [];
  for (let e = 0; e < graph.edgeCount; e++) if (rank[graph.edgeFrom(e)] >= 0 && rank[graph.edgeTo(e)] >= 0) edges.push(e);
  return edges.sort((a, b) => {
    const x = graph.edgeKind(a);
    const y = graph.edgeKind(b);
    return rank[graph.edgeFrom(a)] - rank[graph.edgeFrom(b)] || rank[graph.edgeTo(a)] - rank[graph.edgeTo(b)] || (x < y ? -1 : x > y ? 1 : 0);
  });
}

// ---- XML -----------------------------------------------------------------------------------------------------

const NEEDS_ESCAPE = /[&<>"\u0000-\u001f\ud800-\udfff\ufffe\uffff]/;

/** XML 1.0 text or attribute value: markup characters as entities, whitespace that parsers normalise as character references, invalid characters as U+FFFD. */
export function xmlEscape(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 38:
        out += '&amp;';
        continue;
      case 60:
        out += '&lt;';
        continue;
      case 62:
        out += '&gt;';
        continue;
      case 34:
        out += '&quot;';
        continue;
      case 9:
        out += '&#9;';
        continue;
      case 10:
        out += '&#10;';
        continue;
      case 13:
        out += '&#13;';
        continue;
    }
    if (c < 0x20 || c === 0xfffe || c === 0xffff) {
      out += '\ufffd';
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd';
    } else out += s[i];
  }
  return out;
}

const NODE_KEYS = ['label', 'type', 'name', 'key', 'resourceId', 'subscriptionId', 'resourceGroup', 'insights'] as const;
const EDGE_KEYS: ReadonlyArray<[id: string, name: string]> = [
  ['edgeLabel', 'label'],
  ['kind', 'kind'],
  ['properties', 'properties'],
];

function graphmlHeader(): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ...NODE_KEYS.map((k) => `  <key id="${k}" for="node" attr.name="${k}" attr.type="string"/>`),
    ...EDGE_KEYS.map(([id, name]) => `  <key id="${id}" for="edge" attr.name="${name}" attr.type="string"/>`),
    '  <graph id="palisade" edgedefault="directed">',
  ];
  return `${lines.join('\n')}\n`;
}

function data(key: string, value: string | undefined): string {
  return value === undefined ? '' : `<data key="${key}">${xmlEscape(value)}</data>`;
}

// ---- entry points --------------------------------------------------------------------------------------------

/** Streams the graph in `format` to `write`; returns what was written. */
export function writeGraph(graph: SecurityGraph, format: GraphExportFormat, write: (chunk: string) => void, options: GraphExportOptions = {}): GraphExportStats {
  if (!GRAPH_EXPORT_FORMATS.includes(format)) {
    throw new PalisadeError('GraphExportFormatInvalid', `unknown export format '${String(format)}' (expected ${GRAPH_EXPORT_FORMATS.join(' or ')})`, { kind: 'argument', target: String(format) });
  }
  const { order, rank } = selection(graph, options);
  const edges = sortedEdges(graph, rank);
  const out = new Chunker(write);
  if (format === 'json') {
    out.push('{"nodes":[');
    order.forEach((n, i) => {
      const node = graph.nodes[n];
      out.push(`${i === 0 ? '\n' : ',\n'}${safeJson({ key: node.key, id: node.id, type: node.type, name: node.name, insights: insightsOf(node) })}`);
    });
    out.push('\n],"edges":[');
    edges.forEach((e, i) => {
      const edge = graph.edge(e);
      out.push(`${i === 0 ? '\n' : ',\n'}${safeJson({ from: graph.nodes[edge.from].key, to: graph.nodes[edge.to].key, kind: edge.kind, properties: edge.properties ?? {} })}`);
    });
    out.push('\n]}\n');
  } else {
    out.push(graphmlHeader());
    for (const n of order) {
      const node = graph.nodes[n];
      const insights = node.insights.size > 0 ? safeJson(insightsOf(node)) : undefined;
      out.push(
        `    <node id="n${rank[n]}">${data('label', node.name)}${data('type', node.type)}${data('name', node.name)}${data('key', node.key)}${data('resourceId', node.id)}${data('subscriptionId', node.subscriptionId)}${data('resourceGroup', node.resourceGroup)}${data('insights', insights)}</node>\n`,
      );
    }
    edges.forEach((e, i) => {
      const edge = graph.edge(e);
      const props = edge.properties !== undefined && Object.keys(edge.properties).length > 0 ? safeJson(edge.properties) : undefined;
      out.push(`    <edge id="e${i}" source="n${rank[edge.from]}" target="n${rank[edge.to]}">${data('edgeLabel', edge.kind)}${data('kind', edge.kind)}${data('properties', props)}</edge>\n`);
    });
    out.push('  </graph>\n</graphml>\n');
  }
  out.flush();
  return { nodes: order.length, edges: edges.length };
}

/** The graph in `format` as one string (use `writeGraph` for large graphs). */
export function exportGraph(graph: SecurityGraph, format: GraphExportFormat, options: GraphExportOptions = {}): string {
  const chunks: string[] = [];
  writeGraph(graph, format, (c) => chunks.push(c), options);
  return chunks.join('');
}
