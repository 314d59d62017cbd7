/**
 * Node-level tests of the explorer: property paths, value comparison, insight `where` fields and exposed ports.
 * Pure functions over values; no regular expression is built from query text.
 */
import type { GraphNode } from './model.js';
import type { PropertyOp, Scalar } from './explorer-query.js';

type Getter = (node: GraphNode) => unknown;

/** Top-level names that read the node itself rather than its ARM properties. */
const NODE_FIELDS: Readonly<Record<string, Getter>> = {
  name: (n) => n.name,
  id: (n) => n.id,
  type: (n) => n.type,
  subscriptionid: (n) => n.subscriptionId,
  resourcegroup: (n) => n.resourceGroup,
  resourcetype: (n) => n.resourceType,
};

interface PathSegment {
  exact: string;
  lower: string;
  /** Set when the segment is a non-negative integer: an array index. */
  index?: number;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 9) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function compileSegments(path: ReadonlyArray<string>): PathSegment[] {
  return path.map((s) => ({ exact: s, lower: s.toLowerCase(), ...(isDigits(s) ? { index: Number(s) } : {}) }));
}

function ownValue(obj: Record<string, unknown>, seg: PathSegment): unknown {
  if (Object.hasOwn(obj, seg.exact)) return obj[seg.exact];
  for (const k of Object.keys(obj)) if (k.toLowerCase() === seg.lower) return obj[k];
  return undefined;
}

function pushLeaves(value: unknown, out: unknown[], depth = 0): void {
  if (value === undefined) return;
  if (Array.isArray(value) && depth < 8) {
    for (const v of value) pushLeaves(v, out, depth + 1);
    return;
  }
  out.push(value);
}

/** The values at `segs` below `value`: arrays on the way match each element (or the one at a numeric segment). */
export function walk(value: unknown, segs: ReadonlyArray<PathSegment>, i = 0, out: unknown[] = []): unknown[] {
  if (value === undefined || (value === null && i < segs.length)) return out;
  if (i === segs.length) {
    pushLeaves(value, out);
    return out;
  }
  const seg = segs[i];
  if (Array.isArray(value)) {
    if (seg.index !== undefined) walk(value[seg.index], segs, i + 1, out);
    else for (const v of value) walk(v, segs, i, out);
    return out;
  }
  if (typeof value === 'object') walk(ownValue(value as Record<string, unknown>, seg), segs, i + 1, out);
  return out;
}

/** Resolves a property path of a condition to a function giving the node's values there. */
export function compilePropertyPath(path: string): (node: GraphNode) => unknown[] {
  const segs = path.split('.');
  const head = segs[0].toLowerCase();
  const field = NODE_FIELDS[head];
  if (segs.length === 1 && field !== undefined) {
    return (n) => {
      const v = field(n);
      return v === undefined ? [] : [v];
    };
  }
  if (head === 'tags') {
    const rest = compileSegments(segs.slice(1));
    return (n) => walk(n.tags, rest);
  }
  const rest = compileSegments(head === 'properties' && segs.length > 1 ? segs.slice(1) : segs);
  return (n) => walk(n.properties, rest);
}

/** Case-insensitive text of a value for comparison. */
export function norm(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v).toLowerCase();
  } catch {
    return '';
  }
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A compiled comparison of a property condition over the values at its path. */
export function compileComparison(op: PropertyOp, value: unknown): (values: unknown[]) => boolean {
  switch (op) {
    case 'exists': {
      const wanted = value === undefined ? true : value === true;
      return (values) => values.some((v) => v !== null) === wanted;
    }
    case 'equals': {
      const nv = norm(value);
      return (values) => values.some((v) => norm(v) === nv);
    }
    case 'notEquals': {
      const nv = norm(value);
      return (values) => !values.some((v) => norm(v) === nv);
    }
    case 'contains': {
      const nv = norm(value);
      return (values) => values.some((v) => v !== null && norm(v).includes(nv));
    }
    case 'in': {
      const set = new Set((value as Scalar[]).map(norm));
      return (values) => values.some((v) => set.has(norm(v)));
    }
    case 'greater':
    case 'less': {
      const sign = op === 'greater' ? 1 : -1;
      if (typeof value === 'number') {
        return (values) =>
          values.some((v) => {
            const x = asNumber(v);
            return x !== undefined && Math.sign(x - value) === sign;
          });
      }
      const nv = norm(value);
      return (values) =>
        values.some((v) => {
          if (typeof v !== 'string' && typeof v !== 'number') return false;
          const x = norm(v);
          return (x > nv ? 1 : x < nv ? -1 : 0) === sign;
        });
    }
  }
}

const PORT_KEYS = new Set(['port', 'ports', 'width', 'protocol']);

function list(v: Scalar | Scalar[] | undefined): Scalar[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** `"22"`, `"8000-8080"`, `"*"` → [from, to]; undefined when unreadable. */
function portRange(spec: unknown): [number, number] | undefined {
  if (typeof spec === 'number') return [spec, spec];
  if (typeof spec !== 'string') return undefined;
  const s = spec.trim();
  if (s === '*') return [0, 65535];
  const dash = s.indexOf('-');
  const from = asNumber(dash < 0 ? s : s.slice(0, dash));
  const to = dash < 0 ? from : asNumber(s.slice(dash + 1));
  return from === undefined || to === undefined ? undefined : [from, to];
}

/** `exposedToInternet` with a port: one exposed entry (`{ ports: [{ ports, protocol, width }] }`) opens one of the ports, with the width / protocol asked. */
function compileExposedPorts(where: Record<string, Scalar | Scalar[]>): (value: unknown) => boolean {
  const ports = (list(where.port) ?? list(where.ports) ?? []) as number[];
  const widths = list(where.width)?.map(norm);
  const protocols = list(where.protocol)?.map(norm);
  return (value) => {
    const entries = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).ports : undefined;
    if (!Array.isArray(entries)) return false;
    for (const entry of entries) {
      if (entry === null || typeof entry !== 'object') continue;
      const e = entry as Record<string, unknown>;
      if (widths && !widths.includes(norm(e.width))) continue;
      if (protocols && !protocols.includes(norm(e.protocol)) && norm(e.protocol) !== '*') continue;
      const specs = Array.isArray(e.ports) ? e.ports : [e.ports];
      for (const spec of specs) {
        const r = portRange(spec);
        if (r && ports.some((p) => p >= r[0] && p <= r[1])) return true;
      }
    }
    return false;
  };
}

/** Compiles the `where` of an insight condition into a test of the insight's value. */
export function compileWhere(insight: string, where: Record<string, Scalar | Scalar[]>): (value: unknown) => boolean {
  const byPort = insight === 'exposedToInternet' && (Object.hasOwn(where, 'port') || Object.hasOwn(where, 'ports'));
  const fields = Object.keys(where)
    .filter((k) => !(byPort && PORT_KEYS.has(k)))
    .map((k) => ({ segs: k === 'value' ? [] : compileSegments(k.split('.')), wanted: new Set((list(where[k]) ?? []).map(norm)) }));
  const exposedPorts = byPort ? compileExposedPorts(where) : undefined;
  return (value) => {
    for (const f of fields) {
      const values = walk(value, f.segs);
      if (!values.some((v) => f.wanted.has(norm(v)))) return false;
    }
    return exposedPorts === undefined || exposedPorts(value);
  };
}
