/**
 * Policy-rule conditions → closures. A condition is `allOf` | `anyOf` | `not`, or one left-hand side (`field`,
 * `value`, `count`) with exactly one operator. Keys are matched ignoring case.
 */
import { EvaluationError, LIMITS } from './errors.js';
import { compileValue, type CompiledValue } from './expression-compiler.js';
import { compileField, type FieldReader } from './fields.js';
import { constantTest, dynamicTest, operatorByName, type OperatorName } from './operators.js';
import type { Frame, Runtime } from './runtime.js';
import { report, withCount, type Scope } from './scope.js';
import { compileLikeFolded } from './match.js';
import { fold, isAscii, isObject, ownEntries, typeOf } from './value.js';

export type Condition = (rt: Runtime) => boolean;

type Path = ReadonlyArray<string | number>;

const FALSE: Condition = () => false;

/**
 * A compiled condition with what it was compiled from: the fast closure (`test`) plus, for leaves, how to observe
 * the left-hand side and the expected value. Reasons and applicability walk these nodes; evaluation only calls
 * `test`.
 */
export interface ConditionNode {
  readonly kind: 'allOf' | 'anyOf' | 'not' | 'field' | 'value' | 'count' | 'invalid';
  /** Where the condition sits in the definition. */
  readonly path: Path;
  readonly test: Condition;
  readonly children?: readonly ConditionNode[];
  readonly operator?: OperatorName;
  /** The left-hand side as written: the field, the value, or the counted field / value. */
  readonly expression?: unknown;
  /** Lower-cased constant field name of a field leaf. */
  readonly field?: string;
  /** The value the operator compared (for `[*]` fields, the selected values; for counts, the count). */
  readonly observe?: (rt: Runtime) => unknown;
  readonly expected?: CompiledValue;
  /** The resource path a field leaf read (the alias' path for the resource's type). */
  readonly resolvedPath?: (rt: Runtime) => string | undefined;
  /** The reader of a field leaf with a constant field name. */
  readonly reader?: FieldReader;
}

function keysOf(node: Record<string, unknown>): Map<string, [string, unknown]> {
  const m = new Map<string, [string, unknown]>();
  for (const [k, v] of ownEntries(node)) m.set(k.toLowerCase(), [k, v]);
  return m;
}

function invalid(path: Path): ConditionNode {
  return { kind: 'invalid', path, test: FALSE };
}

export function compileCondition(node: unknown, scope: Scope, path: Path, depth = 0): Condition {
  return compileConditionNode(node, scope, path, depth).test;
}

export function compileConditionNode(node: unknown, scope: Scope, path: Path, depth = 0): ConditionNode {
  if (depth > LIMITS.maxDepth) {
    report(scope, 'TooDeep', `conditions nest deeper than ${LIMITS.maxDepth}`, path);
    return invalid(path);
  }
  if (++scope.conditions > LIMITS.maxConditions) {
    if (scope.conditions === LIMITS.maxConditions + 1) report(scope, 'LimitExceeded', `more than ${LIMITS.maxConditions} conditions`, path);
    return invalid(path);
  }
  if (!isObject(node)) {
    report(scope, 'PolicyParseError', `a condition must be an object, got ${typeOf(node)}`, path);
    return invalid(path);
  }
  const keys = keysOf(node);
  for (const logical of ['allof', 'anyof', 'not'] as const) {
    const hit = keys.get(logical);
    if (!hit) continue;
    if (keys.size !== 1) {
      report(scope, 'PolicyParseError', `'${hit[0]}' cannot be combined with other keys`, path);
      return invalid(path);
    }
    const [key, value] = hit;
    const at = [...path, key];
    if (logical === 'not') {
      if (!isObject(value)) {
        report(scope, 'PolicyParseError', `'not' takes one condition object`, at);
        return invalid(path);
      }
      const inner = compileConditionNode(value, scope, at, depth + 1);
      const t = inner.test;
      return { kind: 'not', path, children: [inner], test: (rt) => !t(rt) };
    }
    if (!Array.isArray(value)) {
      report(scope, 'PolicyParseError', `'${key}' takes an array of conditions`, at);
      return invalid(path);
    }
    const children = value.map((c, i) => compileConditionNode(c, scope, [...at, i], depth + 1));
    const parts = children.map((c) => c.test);
    const kind = logical === 'allof' ? 'allOf' : 'anyOf';
    return { kind, path, children, test: logical === 'allof' ? allOf(parts) : (dispatchAnyOf(children) ?? anyOf(parts)) };
  }

  // Leaf: one LHS and one operator.
  const lhsKeys = ['field', 'value', 'count'].filter((k) => keys.has(k));
  if (lhsKeys.length !== 1) {
    report(scope, 'PolicyParseError', lhsKeys.length === 0 ? 'a condition needs field, value or count' : `a condition takes one of ${lhsKeys.join(', ')}`, path);
    return invalid(path);
  }
  const opEntries = [...keys.entries()].filter(([k]) => !lhsKeys.includes(k));
  if (opEntries.length !== 1) {
    report(scope, 'PolicyParseError', opEntries.length === 0 ? 'a condition needs an operator' : `unexpected keys ${opEntries.map(([, [k]]) => `'${k}'`).join(', ')}`, path);
    return invalid(path);
  }
  const [, [opKey, rhsJson]] = opEntries[0];
  const op = operatorByName(opKey);
  if (!op) {
    report(scope, 'UnknownOperator', `'${opKey}' is not a condition operator`, [...path, opKey]);
    return invalid(path);
  }
  const rhs = compileValue(rhsJson, scope, [...path, opKey]);
  const constTest = rhs.isConst ? constantTest(op, rhs.value) : undefined;
  const dynTest = dynamicTest(op);
  const rhsFn = rhs.fn;
  const lhsKey = lhsKeys[0];
  const [lhsName, lhsJson] = keys.get(lhsKey) as [string, unknown];
  const lhsPath = [...path, lhsName];
  const leaf = { path, operator: op, expected: rhs, expression: lhsJson };

  if (lhsKey === 'field') {
    if (typeof lhsJson !== 'string') {
      report(scope, 'PolicyParseError', `'field' takes a string`, lhsPath);
      return invalid(path);
    }
    // `field` may itself be an expression ("[concat('tags[', parameters('tagName'), ']')]").
    const fieldName = compileValue(lhsJson, scope, lhsPath);
    if (!fieldName.isConst) {
      // A field named by current() inside a count: resolve each distinct name once.
      const cache = new Map<string, FieldReader>();
      const snapshot: Scope = { ...scope, errors: [] };
      const readerFor = (rt: Runtime): FieldReader => {
        const name = fieldName.fn(rt);
        if (typeof name !== 'string') throw new EvaluationError('TypeMismatch', `'field' must name a field, got ${typeOf(name)}`);
        let reader = cache.get(name);
        if (!reader) {
          reader = compileField(name, snapshot, lhsPath);
          if (snapshot.errors.length > 0) throw new EvaluationError(snapshot.errors[0].code as never, snapshot.errors[0].message);
          if (cache.size < 1000) cache.set(name, reader);
        }
        return reader;
      };
      return {
        ...leaf,
        kind: 'field',
        test: (rt) => readerFor(rt).every(rt, rt.target, (v) => dynTest(v, rhsFn(rt))),
        observe: (rt) => {
          const r = readerFor(rt);
          return r.wildcard ? r.collect(rt, rt.target) : r.read(rt, rt.target);
        },
      };
    }
    if (typeof fieldName.value !== 'string') {
      report(scope, 'PolicyParseError', `'field' must be a string`, lhsPath);
      return invalid(path);
    }
    const lower = fieldName.value.toLowerCase();
    scope.fieldsUsed.add(lower);
    const reader = compileField(fieldName.value, scope, lhsPath);
    return {
      ...leaf,
      kind: 'field',
      field: lower,
      reader,
      test: fieldTest(reader, op, rhs, constTest, dynTest),
      observe: (rt) => (reader.wildcard ? reader.collect(rt, rt.target) : reader.read(rt, rt.target)),
      resolvedPath: (rt) => (reader.builtin !== undefined ? reader.text : reader.plan(rt, rt.target)?.text ?? reader.text),
    };
  }
  if (lhsKey === 'value') {
    const value = compileValue(lhsJson, scope, lhsPath);
    const observe = value.fn;
    if (value.isConst) {
      const v = value.value;
      if (constTest) {
        // Both sides constant: decide now unless the operator rejects the operands (an evaluation error).
        try {
          const r = constTest(v);
          return { ...leaf, kind: 'value', observe, test: r ? () => true : FALSE };
        } catch {
          return { ...leaf, kind: 'value', observe, test: () => constTest(v) };
        }
      }
      return { ...leaf, kind: 'value', observe, test: (rt) => dynTest(v, rhsFn(rt)) };
    }
    if (constTest) return { ...leaf, kind: 'value', observe, test: (rt) => constTest(observe(rt)) };
    return { ...leaf, kind: 'value', observe, test: (rt) => dynTest(observe(rt), rhsFn(rt)) };
  }
  const count = compileCount(lhsJson, scope, lhsPath, depth);
  if (!count) return invalid(path);
  const countFn = count;
  return {
    ...leaf,
    kind: 'count',
    observe: countFn,
    test: constTest ? (rt) => constTest(countFn(rt)) : (rt) => dynTest(countFn(rt), rhsFn(rt)),
  };
}

function allOf(parts: Condition[]): Condition {
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) {
    const [a, b] = parts;
    return (rt) => a(rt) && b(rt);
  }
  if (parts.length === 3) {
    const [a, b, c] = parts;
    return (rt) => a(rt) && b(rt) && c(rt);
  }
  return (rt) => {
    for (let i = 0; i < parts.length; i++) if (!parts[i](rt)) return false;
    return true;
  };
}

function anyOf(parts: Condition[]): Condition {
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) {
    const [a, b] = parts;
    return (rt) => a(rt) || b(rt);
  }
  return (rt) => {
    for (let i = 0; i < parts.length; i++) if (parts[i](rt)) return true;
    return false;
  };
}

/** The field and constant strings a node's truth requires (`field F equals S`, `F in [S...]`, or an allOf led by one). */
function keyOf(node: ConditionNode): { reader: FieldReader; keys: string[] } | undefined {
  if (node.kind === 'allOf') return node.children && node.children.length > 0 ? keyOf(node.children[0]) : undefined;
  if (node.kind !== 'field' || !node.reader || node.reader.wildcard || !node.reader.folded || !node.expected?.isConst) return undefined;
  const v = node.expected.value;
  if (node.operator === 'equals' && typeof v === 'string') return { reader: node.reader, keys: [fold(v)] };
  if (node.operator === 'in' && Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return { reader: node.reader, keys: (v as string[]).map(fold) };
  return undefined;
}

/**
 * Rule indexing for long anyOf lists keyed on one field (the VM image lists: `anyOf: [{allOf: [{field:
 * imagePublisher, equals: X}, ...]}, ...]`): members whose leading condition requires the field to equal one of some
 * strings are looked up by the field's folded value; the others always run, in the original order. A member skipped
 * this way would have stopped at that leading condition, which reads a field and compares constants (no errors, no
 * side effects), so the result is the same. Non-string values take the full list.
 */
function dispatchAnyOf(children: readonly ConditionNode[]): Condition | undefined {
  if (children.length < 4) return undefined;
  const keyed = children.map(keyOf);
  const counts = new Map<FieldReader, number>();
  for (const k of keyed) if (k) counts.set(k.reader, (counts.get(k.reader) ?? 0) + 1);
  let reader: FieldReader | undefined;
  let best = 0;
  for (const [r, n] of counts) if (n > best) [reader, best] = [r, n];
  if (!reader || best < 4) return undefined;
  const others: number[] = [];
  const byKey = new Map<string, number[]>();
  keyed.forEach((k, i) => {
    if (k && k.reader === reader) {
      for (const key of new Set(k.keys)) {
        const list = byKey.get(key) ?? [];
        list.push(i);
        byKey.set(key, list);
      }
    } else others.push(i);
  });
  const table = new Map<string, Condition[]>();
  for (const [key, list] of byKey) table.set(key, [...list, ...others].sort((a, b) => a - b).map((i) => children[i].test));
  const rest = others.map((i) => children[i].test);
  const all = anyOf(children.map((c) => c.test));
  const folded = reader.folded as (rt: Runtime, root: unknown) => string | undefined;
  return (rt) => {
    const f = folded(rt, rt.target);
    if (f === undefined) return all(rt);
    const candidates = table.get(f) ?? rest;
    for (let i = 0; i < candidates.length; i++) if (candidates[i](rt)) return true;
    return false;
  };
}

/**
 * The test of a string operator against a constant, for a left-hand side that is a string already case-folded
 * (exactly the operator's result for that string). Undefined when the operator has no such shortcut.
 */
function foldedTest(op: OperatorName, rhs: unknown): ((folded: string) => boolean) | undefined {
  switch (op) {
    case 'equals':
    case 'notEquals': {
      if (typeof rhs !== 'string') return undefined;
      const want = fold(rhs);
      return op === 'equals' ? (f) => f === want : (f) => f !== want;
    }
    case 'in':
    case 'notIn': {
      if (!Array.isArray(rhs) || !rhs.every((x) => typeof x === 'string')) return undefined;
      const set = new Set((rhs as string[]).map(fold));
      return op === 'in' ? (f) => set.has(f) : (f) => !set.has(f);
    }
    case 'like':
    case 'notLike': {
      if (typeof rhs !== 'string') return undefined;
      const m = compileLikeFolded(rhs);
      if (!m) return undefined;
      return op === 'like' ? m : (f) => !m(f);
    }
    case 'contains':
    case 'notContains': {
      if (typeof rhs !== 'string') return undefined;
      const want = fold(rhs);
      return op === 'contains' ? (f) => f.includes(want) : (f) => !f.includes(want);
    }
    default:
      return undefined;
  }
}

/**
 * The closure of a field condition. `type` against constant strings compares the resource's lower-cased type
 * (computed once per resource); other wildcard-free fields read once and test; `[*]` fields test every selected
 * value. No closure is allocated per evaluation unless the right-hand side is dynamic.
 */
function fieldTest(
  reader: FieldReader,
  op: OperatorName,
  rhs: CompiledValue,
  constTest: ((lhs: unknown) => boolean) | undefined,
  dynTest: (lhs: unknown, rhs: unknown) => boolean,
): Condition {
  if (constTest) {
    if (reader.builtin === 'type') {
      const v = rhs.value;
      if ((op === 'equals' || op === 'notEquals') && typeof v === 'string' && v !== '' && isAscii(v)) {
        const want = v.toLowerCase();
        const general = (rt: Runtime) => constTest(reader.read(rt, rt.target));
        return op === 'equals'
          ? (rt) => (rt.target === rt.resource ? rt.resourceTypeKey === want : general(rt))
          : (rt) => (rt.target === rt.resource ? rt.resourceTypeKey !== want : general(rt));
      }
      if ((op === 'in' || op === 'notIn') && Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '' && isAscii(x))) {
        const set = new Set((v as string[]).map((x) => x.toLowerCase()));
        const general = (rt: Runtime) => constTest(reader.read(rt, rt.target));
        return op === 'in'
          ? (rt) => (rt.target === rt.resource ? set.has(rt.resourceTypeKey) : general(rt))
          : (rt) => (rt.target === rt.resource ? !set.has(rt.resourceTypeKey) : general(rt));
      }
    }
    if (!reader.wildcard) {
      const read = reader.read;
      const folded = reader.folded;
      if (folded) {
        const viaFold = foldedTest(op, rhs.value);
        if (viaFold) {
          // String values take the folded path; anything else the operator's general rule.
          return (rt) => {
            const f = folded(rt, rt.target);
            return f !== undefined ? viaFold(f) : constTest(read(rt, rt.target));
          };
        }
      }
      return (rt) => constTest(read(rt, rt.target));
    }
    return (rt) => reader.every(rt, rt.target, constTest);
  }
  const rhsFn = rhs.fn;
  if (!reader.wildcard) {
    const read = reader.read;
    return (rt) => dynTest(read(rt, rt.target), rhsFn(rt));
  }
  return (rt) => reader.every(rt, rt.target, (v) => dynTest(v, rhsFn(rt)));
}

function compileCount(json: unknown, scope: Scope, path: Path, depth: number): ((rt: Runtime) => number) | undefined {
  if (!isObject(json)) {
    report(scope, 'PolicyParseError', `'count' takes an object`, path);
    return undefined;
  }
  const keys = keysOf(json);
  const field = keys.get('field');
  const value = keys.get('value');
  const where = keys.get('where');
  const name = keys.get('name');
  for (const [k, [orig]] of keys) {
    if (!['field', 'value', 'where', 'name'].includes(k)) {
      report(scope, 'PolicyParseError', `unexpected key '${orig}' in count`, [...path, orig]);
      return undefined;
    }
  }
  if ((field ? 1 : 0) + (value ? 1 : 0) !== 1) {
    report(scope, 'PolicyParseError', `'count' takes exactly one of field or value`, path);
    return undefined;
  }
  const frame = scope.frameDepth;
  if (field) {
    if (name) {
      report(scope, 'PolicyParseError', `'name' is only valid in a value count`, [...path, name[0]]);
      return undefined;
    }
    if (typeof field[1] !== 'string') {
      report(scope, 'PolicyParseError', `count 'field' takes a string`, [...path, field[0]]);
      return undefined;
    }
    const text = field[1];
    if (!/\[\*\]\s*$/.test(text)) {
      report(scope, 'InvalidCondition', `count 'field' must end in [*] ('${text}')`, [...path, field[0]]);
      return undefined;
    }
    const reader = compileField(text, scope, [...path, field[0]]);
    const inner = withCount(scope, { kind: 'field', frame, field: reader, fieldName: text.toLowerCase() });
    const cond = where ? compileCondition(where[1], inner, [...path, where[0]], depth + 1) : undefined;
    scope.conditions = inner.conditions;
    // One scratch array per count site; a re-entrant use (an evaluation inside a host callback) gets its own.
    const scratch: unknown[] = [];
    const scratchFrame: Frame = { value: undefined, plan: undefined };
    let busy = false;
    return (rt) => {
      const members = busy ? [] : scratch;
      const owner = !busy;
      busy = true;
      if (members.length !== 0) members.length = 0;
      reader.members(rt, rt.target, members);
      let n = members.length;
      if (cond && n > 0) {
        const plan = reader.plan(rt, rt.target);
        n = 0;
        const saved = rt.frames[frame];
        const current: Frame = owner ? scratchFrame : { value: undefined, plan };
        current.value = undefined;
        current.plan = plan;
        rt.frames[frame] = current;
        for (let i = 0; i < members.length; i++) {
          current.value = members[i];
          if (cond(rt)) n++;
        }
        rt.frames[frame] = saved as Frame;
        if (saved === undefined) rt.frames.length = Math.min(rt.frames.length, frame);
        current.value = undefined;
      }
      if (members.length !== 0) members.length = 0;
      if (owner) busy = false;
      return n;
    };
  }
  // value count
  if (++scope.valueCounts > LIMITS.maxValueCounts) {
    report(scope, 'LimitExceeded', `more than ${LIMITS.maxValueCounts} value counts`, path);
    return undefined;
  }
  if (name && typeof name[1] !== 'string') {
    report(scope, 'PolicyParseError', `count 'name' takes a string`, [...path, name[0]]);
    return undefined;
  }
  const source = compileValue((value as [string, unknown])[1], scope, [...path, (value as [string, unknown])[0]]);
  const inner = withCount(scope, { kind: 'value', frame, name: name ? (name[1] as string).toLowerCase() : undefined });
  const cond = where ? compileCondition(where[1], inner, [...path, where[0]], depth + 1) : undefined;
  scope.conditions = inner.conditions;
  return (rt) => {
    const arr = source.fn(rt);
    if (!Array.isArray(arr) && arr !== undefined && arr !== null) {
      throw new EvaluationError('TypeMismatch', `value count expects an array, got ${typeOf(arr)}`);
    }
    const items: unknown[] = Array.isArray(arr) ? arr : [];
    let n = items.length;
    if (cond) {
      n = 0;
      const saved = rt.frames[frame];
      const current: Frame = { value: undefined };
      rt.frames[frame] = current;
      for (let i = 0; i < items.length; i++) {
        if (++rt.valueCountIterations > LIMITS.maxValueCountIterations * LIMITS.maxValueCounts) {
          throw new EvaluationError('LimitExceeded', 'too many value count iterations');
        }
        current.value = items[i];
        if (cond(rt)) n++;
      }
      rt.frames[frame] = saved as Frame;
    }
    return n;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Applicability (Learn, "Azure Policy applicability logic", Resource Manager modes)

type Decider = 'type' | 'name' | 'kind' | 'other';

function decider(node: ConditionNode): Decider {
  if (node.kind === 'field' && (node.field === 'type' || node.field === 'name' || node.field === 'kind')) return node.field;
  return 'other';
}

function leaves(node: ConditionNode, out: ConditionNode[]): void {
  if (node.children) for (const c of node.children) leaves(c, out);
  else if (node.kind !== 'invalid') out.push(node);
}

/**
 * The applicability test for effects other than AuditIfNotExists / DeployIfNotExists: only `type`, `name` and `kind`
 * conditions are evaluated, every other condition is treated as true (false when negated). Special cases: a rule
 * with only `name` or only `kind` conditions applies to every resource; with only `type` and `name`, or only
 * `type` and `kind` conditions, the type conditions alone decide. Returns undefined when the policy applies to
 * every resource.
 */
export function applicabilityOf(tree: ConditionNode): Condition | undefined {
  const all: ConditionNode[] = [];
  leaves(tree, all);
  const kinds = new Set(all.map(decider));
  const deciders = new Set<Decider>();
  if (kinds.has('other')) {
    for (const k of ['type', 'name', 'kind'] as const) if (kinds.has(k)) deciders.add(k);
  } else if (kinds.has('type')) {
    deciders.add('type');
    // only type conditions, or type with name / kind only: the type conditions decide
    if (kinds.has('name') && kinds.has('kind')) {
      deciders.add('name');
      deciders.add('kind');
    }
  } else if (kinds.has('name') && kinds.has('kind')) {
    deciders.add('name');
    deciders.add('kind');
  }
  if (deciders.size === 0) return undefined;
  const built = neutralise(tree, false, deciders);
  if (built === true) return undefined;
  if (built === false) return FALSE;
  return built;
}

/** Rebuilds `node` with non-deciding leaves replaced by the constant that does not restrict. */
function neutralise(node: ConditionNode, negated: boolean, deciders: Set<Decider>): Condition | boolean {
  switch (node.kind) {
    case 'not': {
      const inner = neutralise((node.children as ConditionNode[])[0], !negated, deciders);
      if (typeof inner === 'boolean') return !inner;
      return (rt) => !inner(rt);
    }
    case 'allOf':
    case 'anyOf': {
      const isAll = node.kind === 'allOf';
      const parts: Condition[] = [];
      for (const c of node.children as ConditionNode[]) {
        const p = neutralise(c, negated, deciders);
        if (typeof p === 'boolean') {
          if (p !== isAll) return p; // false in allOf, true in anyOf settles it
          continue;
        }
        parts.push(p);
      }
      if (parts.length === 0) return isAll;
      return isAll ? allOf(parts) : anyOf(parts);
    }
    case 'invalid':
      return false;
    default: {
      const d = decider(node);
      if (d !== 'other' && deciders.has(d)) return node.test;
      return !negated;
    }
  }
}

const FIELD_LOCATION = /field\(\s*'location'\s*\)/i;

/** True when a rule fragment has a `field: location` condition or reads `field('location')`. */
export function mentionsLocation(json: unknown, depth = 0): boolean {
  if (depth > LIMITS.maxDepth * 2) return false;
  if (typeof json === 'string') return FIELD_LOCATION.test(json);
  if (Array.isArray(json)) return json.some((x) => mentionsLocation(x, depth + 1));
  if (!isObject(json)) return false;
  for (const [k, v] of ownEntries(json)) {
    if (k.toLowerCase() === 'field' && typeof v === 'string' && v.toLowerCase() === 'location') return true;
    if (mentionsLocation(v, depth + 1)) return true;
  }
  return false;
}
