/**
 * `field` references: built-in fields (name, fullName, kind, type, location, id, identity.type, tags, tags.x,
 * tags['x'], tags[x]), aliases resolved per resource type and api-version, and plain property paths. Inside a
 * field count, a reference below the counted `[*]` path reads the current member.
 */
import { aliasPathFor, type AliasBinding } from '../catalog/index.js';
import { collectPath, countMembers, everyPath, isPrefix, makePlan, parsePath, readPath, type PathPlan, type Segment } from './paths.js';
import { normaliseLocation, type Runtime } from './runtime.js';
import { report, type Scope } from './scope.js';
import { fold, getKey } from './value.js';

export type BuiltinField = 'name' | 'fullname' | 'kind' | 'type' | 'location' | 'id' | 'identity.type' | 'tags';

export interface FieldReader {
  /** The field as written. */
  readonly text: string;
  readonly builtin?: BuiltinField;
  /** True when the reference selects a collection (`[*]`) at the top level. */
  readonly wildcard: boolean;
  /** Value of a non-wildcard field (the member value inside a count). */
  read(rt: Runtime, root: unknown): unknown;
  /** Condition semantics: every selected value satisfies `pred`. */
  every(rt: Runtime, root: unknown, pred: (v: unknown) => boolean): boolean;
  /** `field()` function value: the value, or the array of selected values for `[*]`. */
  collect(rt: Runtime, root: unknown): unknown;
  /** Count members (path must end in `[*]`). */
  members(rt: Runtime, root: unknown, out: unknown[]): void;
  /** The resolved path for this evaluation (undefined for built-ins). */
  plan(rt: Runtime, root: unknown): PathPlan | undefined;
  /**
   * Wildcard-free readers outside counts: the value case-folded when it is a string (else undefined), remembered
   * for the evaluation, so string operators over the same field fold it once.
   */
  folded?: (rt: Runtime, root: unknown) => string | undefined;
}

/** A memoised case-folded view of a reader. */
function foldedReader(read: (rt: Runtime, root: unknown) => unknown): (rt: Runtime, root: unknown) => string | undefined {
  let memoRoot: unknown = foldedReader;
  let memoEpoch = -1;
  let memoValue: string | undefined;
  // The last string folded and its folding: resources repeat the same values ('Enabled', 'TLS1_2').
  let lastRaw = '';
  let lastFolded = '';
  return (rt, root) => {
    if (root === memoRoot && rt.epoch === memoEpoch) return memoValue;
    const v = read(rt, root);
    if (typeof v === 'string') {
      if (v !== lastRaw) {
        lastFolded = fold(v);
        lastRaw = v;
      }
      memoValue = lastFolded;
    } else memoValue = undefined;
    memoRoot = root;
    memoEpoch = rt.epoch;
    return memoValue;
  };
}

const BUILTINS = new Set<string>(['name', 'fullname', 'kind', 'type', 'location', 'id', 'identity.type', 'tags']);

function typeKeyOf(root: unknown, rt: Runtime): string {
  if (root === rt.target) return rt.typeKey;
  const t = getKey(root, 'type');
  return typeof t === 'string' ? t.toLowerCase() : '';
}

function fullNameOf(root: unknown): unknown {
  const explicit = getKey(root, 'fullName');
  if (explicit !== undefined) return explicit;
  const id = getKey(root, 'id');
  const name = getKey(root, 'name');
  if (typeof id === 'string') {
    const parts = id.split('/').filter((p) => p !== '');
    const p = parts.map((x) => x.toLowerCase()).lastIndexOf('providers');
    if (p >= 0 && parts.length > p + 3) {
      const names: string[] = [];
      for (let i = p + 3; i < parts.length; i += 2) names.push(parts[i]);
      if (names.length > 0) return names.join('/');
    }
  }
  return name;
}

function builtinValue(field: BuiltinField, root: unknown): unknown {
  switch (field) {
    case 'fullname':
      return fullNameOf(root);
    case 'location':
      return normaliseLocation(getKey(root, 'location'));
    case 'identity.type':
      return getKey(getKey(root, 'identity'), 'type');
    default:
      return getKey(root, field);
  }
}

function builtinRead(field: BuiltinField): (rt: Runtime, root: unknown) => unknown {
  switch (field) {
    case 'location':
      return (rt, root) => (root === rt.resource ? rt.location() : builtinValue('location', root));
    case 'fullname':
      return (rt, root) => (root === rt.resource ? rt.fullName(fullNameOf) : fullNameOf(root));
    case 'identity.type':
      return (_rt, root) => getKey(getKey(root, 'identity'), 'type');
    default:
      return (_rt, root) => getKey(root, field, field);
  }
}

function builtinReader(text: string, field: BuiltinField): FieldReader {
  const read = builtinRead(field);
  return {
    text,
    builtin: field,
    wildcard: false,
    read,
    every: (rt, root, pred) => pred(read(rt, root)),
    collect: read,
    members: (rt, root, out) => {
      const v = read(rt, root);
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) out.push(v[i]);
    },
    plan: () => undefined,
    folded: field === 'tags' ? undefined : foldedReader(read),
  };
}

/** Parses `tags.x`, `tags['x']`, `tags[x]`; undefined when `text` is not a tag reference. */
function tagName(text: string): string | undefined {
  const lower = text.toLowerCase();
  if (lower.startsWith('tags.')) return text.slice(5);
  if (lower.startsWith('tags[') && text.endsWith(']')) {
    const inner = text.slice(5, -1).trim();
    if (inner.length >= 2 && inner.startsWith("'") && inner.endsWith("'")) return inner.slice(1, -1).replace(/''/g, "'");
    return inner === '*' ? undefined : inner;
  }
  return undefined;
}

type PlanPicker = (rt: Runtime, root: unknown) => PathPlan | undefined;

interface Picked {
  pick: PlanPicker;
  /** One path for every type. */
  static?: PathPlan;
  /** One path per type (no api-version dependence). */
  byType?: Map<string, PathPlan | undefined>;
  fallback?: PathPlan;
}

function aliasPicker(bindings: ReadonlyArray<AliasBinding>): Picked {
  const versioned = bindings.some((b) => b.entry.paths.length > 0);
  const distinct = new Set(bindings.map((b) => b.entry.defaultPath.toLowerCase()));
  const plans = new Map<string, PathPlan | undefined>();
  const planOf = (path: string): PathPlan | undefined => {
    if (!plans.has(path)) plans.set(path, parsePath(path));
    return plans.get(path);
  };
  if (!versioned && distinct.size === 1) {
    const plan = planOf(bindings[0].entry.defaultPath);
    return { pick: () => plan, static: plan };
  }
  const byType = new Map<string, AliasBinding>();
  for (const b of bindings) if (!byType.has(b.type)) byType.set(b.type, b);
  const fallback = distinct.size === 1 || versioned ? bindings[0] : undefined;
  if (!versioned) {
    // Different default paths per type (`Microsoft.Compute/imageOffer`): one precomputed plan per type.
    const planByType = new Map<string, PathPlan | undefined>();
    for (const [t, b] of byType) planByType.set(t, planOf(b.entry.defaultPath));
    const fallbackPlan = fallback ? planOf(fallback.entry.defaultPath) : undefined;
    return {
      pick: (rt, root) => {
        const t = typeKeyOf(root, rt);
        const p = planByType.get(t);
        return p !== undefined || planByType.has(t) ? p : fallbackPlan;
      },
      byType: planByType,
      fallback: fallbackPlan,
    };
  }
  return {
    pick: (rt, root) => {
      const b = byType.get(typeKeyOf(root, rt)) ?? fallback;
      if (!b) return undefined;
      return planOf(aliasPathFor(b.entry, rt.apiVersion));
    },
  };
}

/** A reader for a wildcard-free key path: segments split once, read with no per-call string work. */
export function keyAccessor(segments: readonly Segment[]): (root: unknown) => unknown {
  if (segments.some((s) => s.kind !== 'key')) return (root) => readPath(root, segments, 0);
  const names = segments.map((s) => (s as { name: string }).name);
  const lowers = segments.map((s) => (s as { lower: string }).lower);
  const [n0, n1, n2, n3] = names;
  const [l0, l1, l2, l3] = lowers;
  switch (names.length) {
    case 1:
      return (r) => getKey(r, n0, l0);
    case 2:
      return (r) => getKey(getKey(r, n0, l0), n1, l1);
    case 3:
      return (r) => getKey(getKey(getKey(r, n0, l0), n1, l1), n2, l2);
    case 4:
      return (r) => getKey(getKey(getKey(getKey(r, n0, l0), n1, l1), n2, l2), n3, l3);
    default:
      return (r) => {
        let cur = r;
        for (let i = 0; i < names.length && cur !== undefined; i++) cur = getKey(cur, names[i], lowers[i]);
        return cur;
      };
  }
}

/**
 * Builds the reader for a `field` value. Reports UnknownAlias / invalid paths into the scope. Outside counts, the
 * readers of one definition are shared by field name, and each remembers its last value for the current evaluation
 * (rules such as the VM image lists read the same alias hundreds of times).
 */
export function compileField(text: string, scope: Scope, path: ReadonlyArray<string | number>): FieldReader {
  const shareable = !scope.counts.some((c) => c.kind === 'field');
  const key = text.toLowerCase();
  const known = shareable ? scope.readers?.get(key) : undefined;
  if (known) return known;
  const errors = scope.errors.length;
  const reader = buildField(text, scope, path);
  if (shareable && scope.readers && scope.errors.length === errors) scope.readers.set(key, reader);
  return reader;
}

/** A reader that remembers its last value for one root within one evaluation. */
function memoised(read: (root: unknown) => unknown): (rt: Runtime, root: unknown) => unknown {
  let memoRoot: unknown = memoised;
  let memoEpoch = -1;
  let memoValue: unknown;
  return (rt, root) => {
    if (root === memoRoot && rt.epoch === memoEpoch) return memoValue;
    const v = read(root);
    memoRoot = root;
    memoEpoch = rt.epoch;
    memoValue = v;
    return v;
  };
}

function buildField(text: string, scope: Scope, path: ReadonlyArray<string | number>): FieldReader {
  const lower = text.toLowerCase();
  if (BUILTINS.has(lower)) return builtinReader(text, lower as BuiltinField);
  const tag = tagName(text);
  if (tag !== undefined) {
    const tagLower = tag.toLowerCase();
    const read = (_rt: Runtime, root: unknown) => getKey(getKey(root, 'tags', 'tags'), tag, tagLower);
    return { text, wildcard: false, read, every: (rt, r, pred) => pred(read(rt, r)), collect: read, members: () => undefined, plan: () => undefined, folded: foldedReader(read) };
  }
  let picker: PlanPicker;
  let staticPlan: PathPlan | undefined;
  let isStatic = false;
  let perType: Picked | undefined;
  const bindings = scope.aliases?.lookup(text);
  if (bindings && bindings.length > 0) {
    const p = aliasPicker(bindings);
    picker = p.pick;
    staticPlan = p.static;
    isStatic = p.static !== undefined;
    if (p.byType) perType = p;
  } else {
    let plan: PathPlan | undefined;
    if (scope.aliases && text.includes('/')) {
      if (scope.unknownAliases === 'error') {
        report(scope, 'UnknownAlias', `'${text}' is not a known alias`, path);
      }
      // Property below `properties` named by what follows the type (`<Namespace>/<type>/<prop>`).
      const rest = text.slice(text.lastIndexOf('/') + 1);
      const p = parsePath(rest);
      plan = p ? makePlan([{ kind: 'key', name: 'properties', lower: 'properties' }, ...p.segments]) : undefined;
    } else {
      plan = parsePath(text);
    }
    if (!plan) report(scope, 'InvalidCondition', `'${text}' is not a valid field path`, path);
    staticPlan = plan;
    isStatic = plan !== undefined;
    picker = () => plan;
  }

  // Count frames that may contain this field, innermost first.
  const frames = scope.counts.filter((c) => c.kind === 'field').map((c) => c.frame).reverse();
  const wildcard = staticPlan ? staticPlan.wildcards > 0 : /\[\*\]/.test(text);

  if (frames.length === 0 && isStatic && staticPlan) {
    // Fast path: not inside a field count, one path for every type.
    const plan = staticPlan;
    const segs = plan.segments;
    if (plan.wildcards === 0) {
      const read = memoised(keyAccessor(segs));
      return {
        text,
        wildcard: false,
        read,
        every: (rt, root, pred) => pred(read(rt, root)),
        collect: read,
        members: (_rt, root, out) => countMembers(root, segs, 0, out),
        plan: () => plan,
        folded: foldedReader(read),
      };
    }
    return {
      text,
      wildcard: true,
      read: (_rt, root) => readPath(root, segs, 0),
      every: (_rt, root, pred) => everyPath(root, segs, 0, pred),
      collect: (_rt, root) => collectDefined(root, segs, 0),
      members: (_rt, root, out) => countMembers(root, segs, 0, out),
      plan: () => plan,
    };
  }

  if (frames.length === 0 && perType && perType.byType && [...perType.byType.values(), perType.fallback].every((p) => p === undefined || p.wildcards === 0)) {
    // Fast path for aliases whose path depends on the type (`Microsoft.Compute/imageOffer`): an accessor per type.
    const accessors = new Map<string, ((root: unknown) => unknown) | undefined>();
    for (const [t, p] of perType.byType) accessors.set(t, p ? keyAccessor(p.segments) : undefined);
    const fallback = perType.fallback ? keyAccessor(perType.fallback.segments) : undefined;
    const pick = picker;
    let memoRoot: unknown = accessors;
    let memoEpoch = -1;
    let memoValue: unknown;
    const read = (rt: Runtime, root: unknown): unknown => {
      if (root === memoRoot && rt.epoch === memoEpoch) return memoValue;
      const t = typeKeyOf(root, rt);
      let acc = accessors.get(t);
      if (acc === undefined && !accessors.has(t)) acc = fallback;
      const v = acc ? acc(root) : undefined;
      memoRoot = root;
      memoEpoch = rt.epoch;
      memoValue = v;
      return v;
    };
    return {
      text,
      wildcard: false,
      read,
      every: (rt, root, pred) => pred(read(rt, root)),
      collect: read,
      members: (rt, root, out) => {
        const p = pick(rt, root);
        if (p) countMembers(root, p.segments, 0, out);
      },
      plan: pick,
      folded: foldedReader(read),
    };
  }

  /** Where to read from: the innermost count member whose path prefixes this one, else the root. */
  let locRoot: unknown;
  const locate = (rt: Runtime, root: unknown, plan: PathPlan): number => {
    for (let i = 0; i < frames.length; i++) {
      const f = rt.frames[frames[i]];
      if (f?.plan && isPrefix(f.plan.segments, plan.segments)) {
        locRoot = f.value;
        return f.plan.segments.length;
      }
    }
    locRoot = root;
    return 0;
  };
  const hasWildcardAfter = (plan: PathPlan, from: number) => {
    for (let i = from; i < plan.segments.length; i++) if (plan.segments[i].kind === 'all') return true;
    return false;
  };

  return {
    text,
    wildcard,
    read(rt, root) {
      const plan = picker(rt, root);
      if (!plan) return undefined;
      const from = locate(rt, root, plan);
      return readPath(locRoot, plan.segments, from);
    },
    every(rt, root, pred) {
      const plan = picker(rt, root);
      if (!plan) return pred(undefined);
      const from = locate(rt, root, plan);
      return everyPath(locRoot, plan.segments, from, pred);
    },
    collect(rt, root) {
      const plan = picker(rt, root);
      if (!plan) return undefined;
      const from = locate(rt, root, plan);
      const at = locRoot;
      if (!hasWildcardAfter(plan, from)) {
        const v = readPath(at, plan.segments, from);
        return from > 0 && plan.wildcards > 0 ? [v] : v;
      }
      return collectDefined(at, plan.segments, from);
    },
    members(rt, root, out) {
      const plan = picker(rt, root);
      if (!plan) return;
      const from = locate(rt, root, plan);
      countMembers(locRoot, plan.segments, from, out);
    },
    plan: (rt, root) => picker(rt, root),
  };
}

/** `field()` of a `[*]` path: the selected values that exist. */
function collectDefined(root: unknown, segments: readonly Segment[], from: number): unknown[] {
  const out: unknown[] = [];
  collectPath(root, segments, from, out);
  let missing = false;
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) missing = true;
  return missing ? out.filter((v) => v !== undefined) : out;
}
