/**
 * `field` references: built-in fields (name, fullName, kind, type, location, id, identity.type, tags, tags.x,
 * tags['x'], tags[x]), aliases resolved per resource type and api-version, and plain property paths. Inside a
 * field count, a reference below the counted `[*]` path reads the current member.
 */
import { aliasPathFor, type AliasBinding } from '../catalog/index.js';
import { collectPath, countMembers, everyPath, isPrefix, makePlan, parsePath, readPath, type PathPlan } from './paths.js';
import type { Runtime } from './runtime.js';
import { report, type Scope } from './scope.js';
import { getKey } from './value.js';

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
    case 'location': {
      const loc = getKey(root, 'location');
      return typeof loc === 'string' ? loc.replace(/\s+/g, '').toLowerCase() : loc;
    }
    case 'identity.type':
      return getKey(getKey(root, 'identity'), 'type');
    default:
      return getKey(root, field);
  }
}

function builtinReader(text: string, field: BuiltinField): FieldReader {
  const read = (_rt: Runtime, root: unknown) => builtinValue(field, root);
  return {
    text,
    builtin: field,
    wildcard: false,
    read,
    every: (rt, root, pred) => pred(read(rt, root)),
    collect: read,
    members: (rt, root, out) => {
      const v = read(rt, root);
      if (Array.isArray(v)) out.push(...v);
    },
    plan: () => undefined,
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

function aliasPicker(bindings: ReadonlyArray<AliasBinding>): PlanPicker {
  const versioned = bindings.some((b) => b.entry.paths.length > 0);
  const distinct = new Set(bindings.map((b) => b.entry.defaultPath.toLowerCase()));
  const plans = new Map<string, PathPlan | undefined>();
  const planOf = (path: string): PathPlan | undefined => {
    if (!plans.has(path)) plans.set(path, parsePath(path));
    return plans.get(path);
  };
  if (!versioned && distinct.size === 1) {
    const plan = planOf(bindings[0].entry.defaultPath);
    return () => plan;
  }
  const byType = new Map<string, AliasBinding>();
  for (const b of bindings) if (!byType.has(b.type)) byType.set(b.type, b);
  return (rt, root) => {
    const b = byType.get(typeKeyOf(root, rt)) ?? (distinct.size === 1 || versioned ? bindings[0] : undefined);
    if (!b) return undefined;
    return planOf(aliasPathFor(b.entry, rt.apiVersion));
  };
}

/** Builds the reader for a `field` value. Reports UnknownAlias / invalid paths into the scope. */
export function compileField(text: string, scope: Scope, path: ReadonlyArray<string | number>): FieldReader {
  const lower = text.toLowerCase();
  if (BUILTINS.has(lower)) return builtinReader(text, lower as BuiltinField);
  const tag = tagName(text);
  if (tag !== undefined) {
    const read = (_rt: Runtime, root: unknown) => getKey(getKey(root, 'tags'), tag);
    return { text, wildcard: false, read, every: (rt, r, pred) => pred(read(rt, r)), collect: read, members: () => undefined, plan: () => undefined };
  }
  let picker: PlanPicker;
  let staticPlan: PathPlan | undefined;
  const bindings = scope.aliases?.lookup(text);
  if (bindings && bindings.length > 0) {
    picker = aliasPicker(bindings);
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
    picker = () => plan;
  }

  // Count frames that may contain this field, innermost first.
  const frames = scope.counts.filter((c) => c.kind === 'field').map((c) => c.frame).reverse();
  const locate = (rt: Runtime, root: unknown): { root: unknown; plan: PathPlan; from: number } | undefined => {
    const plan = picker(rt, root);
    if (!plan) return undefined;
    for (const k of frames) {
      const f = rt.frames[k];
      if (f?.plan && isPrefix(f.plan.segments, plan.segments)) return { root: f.value, plan, from: f.plan.segments.length };
    }
    return { root, plan, from: 0 };
  };
  const hasWildcardAfter = (plan: PathPlan, from: number) => plan.segments.slice(from).some((s) => s.kind === 'all');
  const wildcard = staticPlan ? staticPlan.wildcards > 0 : /\[\*\]/.test(text);

  return {
    text,
    wildcard,
    read(rt, root) {
      const at = locate(rt, root);
      return at ? readPath(at.root, at.plan.segments, at.from) : undefined;
    },
    every(rt, root, pred) {
      const at = locate(rt, root);
      if (!at) return pred(undefined);
      return everyPath(at.root, at.plan.segments, at.from, pred);
    },
    collect(rt, root) {
      const at = locate(rt, root);
      if (!at) return undefined;
      if (!hasWildcardAfter(at.plan, at.from)) {
        const v = readPath(at.root, at.plan.segments, at.from);
        return at.from > 0 && at.plan.wildcards > 0 ? [v] : v;
      }
      const out: unknown[] = [];
      collectPath(at.root, at.plan.segments, at.from, out);
      return out.filter((v) => v !== undefined);
    },
    members(rt, root, out) {
      const at = locate(rt, root);
      if (at) countMembers(at.root, at.plan.segments, at.from, out);
    },
    plan: (rt, root) => picker(rt, root),
  };
}
