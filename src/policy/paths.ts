/**
 * Property paths inside a resource (`properties.securityRules[*].properties.access`, `tags['cost center']`) and the
 * accessors compiled from them. Keys match case-insensitively (ARM is OrdinalIgnoreCase); only own properties are
 * read, so `__proto__`/`constructor` in a path or a resource reach nothing but data.
 */
import { getKey } from './value.js';

export type Segment =
  | { readonly kind: 'key'; readonly name: string; readonly lower: string }
  | { readonly kind: 'all' }
  | { readonly kind: 'index'; readonly index: number };

export interface PathPlan {
  readonly text: string;
  readonly segments: readonly Segment[];
  /** Number of `[*]` segments. */
  readonly wildcards: number;
}

/** Parses `a.b[*].c['d.e'][0]`. Returns undefined for malformed paths. */
export function parsePath(text: string): PathPlan | undefined {
  const segments: Segment[] = [];
  let i = 0;
  let expectKey = true;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (expectKey) return undefined;
      expectKey = true;
      i++;
      continue;
    }
    if (c === '[') {
      const close = findClose(text, i);
      if (close < 0) return undefined;
      const inner = text.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'all' });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else {
        const name = inner.length >= 2 && inner[0] === "'" && inner[inner.length - 1] === "'" ? inner.slice(1, -1).replace(/''/g, "'") : inner;
        segments.push({ kind: 'key', name, lower: name.toLowerCase() });
      }
      i = close + 1;
      expectKey = false;
      continue;
    }
    let j = i;
    while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
    const name = text.slice(i, j);
    segments.push({ kind: 'key', name, lower: name.toLowerCase() });
    i = j;
    expectKey = false;
  }
  if (segments.length === 0) return undefined;
  return { text, segments, wildcards: segments.filter((s) => s.kind === 'all').length };
}

function findClose(text: string, open: number): number {
  let i = open + 1;
  while (text[i] === ' ') i++;
  if (text[i] === "'") {
    let k = i + 1;
    for (;;) {
      const n = text.indexOf("'", k);
      if (n < 0) return -1;
      if (text[n + 1] === "'") {
        k = n + 2;
        continue;
      }
      return text.indexOf(']', n);
    }
  }
  return text.indexOf(']', i);
}

export function makePlan(segments: readonly Segment[]): PathPlan {
  return {
    text: segments.map((s) => (s.kind === 'key' ? s.name : s.kind === 'all' ? '[*]' : `[${s.index}]`)).join('.'),
    segments,
    wildcards: segments.filter((s) => s.kind === 'all').length,
  };
}

function step(value: unknown, seg: Segment): unknown {
  if (seg.kind === 'key') return getKey(value, seg.name, seg.lower);
  if (seg.kind === 'index') return Array.isArray(value) ? value[seg.index] : undefined;
  return undefined;
}

/** Reads a path without wildcards (a `[*]` yields undefined). */
export function readPath(root: unknown, segments: readonly Segment[], from = 0): unknown {
  let cur = root;
  for (let i = from; i < segments.length && cur !== undefined; i++) cur = step(cur, segments[i]);
  return cur;
}

/**
 * Every value a wildcard path selects, flattened (`a[*].b[*]`). Missing arrays select nothing.
 */
export function collectPath(root: unknown, segments: readonly Segment[], from: number, out: unknown[]): void {
  let cur = root;
  for (let i = from; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.kind === 'all') {
      if (!Array.isArray(cur)) return;
      for (let j = 0; j < cur.length; j++) collectPath(cur[j], segments, i + 1, out);
      return;
    }
    cur = step(cur, seg);
    if (cur === undefined) {
      // the member lacks the property: it still counts as one (missing) selection
      out.push(undefined);
      return;
    }
  }
  out.push(cur);
}

/**
 * `[*]` condition semantics: the predicate must hold for every selected value (vacuously true for an empty
 * array); an array position that is missing or not an array makes the whole condition false.
 */
export function everyPath(root: unknown, segments: readonly Segment[], from: number, pred: (v: unknown) => boolean): boolean {
  let cur = root;
  for (let i = from; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.kind === 'all') {
      if (!Array.isArray(cur)) return false;
      for (let j = 0; j < cur.length; j++) if (!everyPath(cur[j], segments, i + 1, pred)) return false;
      return true;
    }
    cur = step(cur, seg);
    if (cur === undefined) return pred(undefined);
  }
  return pred(cur);
}

/** Members of the array a count iterates: the flattened selection of a path that ends in `[*]`. */
export function countMembers(root: unknown, segments: readonly Segment[], from: number, out: unknown[]): void {
  let cur = root;
  for (let i = from; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.kind === 'all') {
      if (!Array.isArray(cur)) return;
      if (i === segments.length - 1) {
        for (let j = 0; j < cur.length; j++) out.push(cur[j]);
        return;
      }
      for (let j = 0; j < cur.length; j++) countMembers(cur[j], segments, i + 1, out);
      return;
    }
    cur = step(cur, seg);
    if (cur === undefined) return;
  }
  out.push(cur);
}

/** True when `prefix` is a segment-wise prefix of `path` (keys compared ignoring case). */
export function isPrefix(prefix: readonly Segment[], path: readonly Segment[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const a = prefix[i];
    const b = path[i];
    if (a.kind !== b.kind) return false;
    if (a.kind === 'key' && a.lower !== (b as { lower: string }).lower) return false;
    if (a.kind === 'index' && a.index !== (b as { index: number }).index) return false;
  }
  return true;
}
