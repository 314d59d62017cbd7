/**
 * Policy-rule conditions → closures. A condition is `allOf` | `anyOf` | `not`, or one left-hand side (`field`,
 * `value`, `count`) with exactly one operator. Keys are matched ignoring case.
 */
import { EvaluationError, LIMITS } from './errors.js';
import { compileValue, type CompiledValue } from './expression-compiler.js';
import { compileField, type FieldReader } from './fields.js';
import { constantTest, dynamicTest, operatorByName, type OperatorName } from './operators.js';
import type { Runtime } from './runtime.js';
import { report, withCount, type Scope } from './scope.js';
import { isObject, ownEntries, typeOf } from './value.js';

export type Condition = (rt: Runtime) => boolean;

type Path = ReadonlyArray<string | number>;

const FALSE: Condition = () => false;

function keysOf(node: Record<string, unknown>): Map<string, [string, unknown]> {
  const m = new Map<string, [string, unknown]>();
  for (const [k, v] of ownEntries(node)) m.set(k.toLowerCase(), [k, v]);
  return m;
}

export function compileCondition(node: unknown, scope: Scope, path: Path, depth = 0): Condition {
  if (depth > LIMITS.maxDepth) {
    report(scope, 'TooDeep', `conditions nest deeper than ${LIMITS.maxDepth}`, path);
    return FALSE;
  }
  if (++scope.conditions > LIMITS.maxConditions) {
    if (scope.conditions === LIMITS.maxConditions + 1) report(scope, 'LimitExceeded', `more than ${LIMITS.maxConditions} conditions`, path);
    return FALSE;
  }
  if (!isObject(node)) {
    report(scope, 'PolicyParseError', `a condition must be an object, got ${typeOf(node)}`, path);
    return FALSE;
  }
  const keys = keysOf(node);
  for (const logical of ['allof', 'anyof', 'not'] as const) {
    const hit = keys.get(logical);
    if (!hit) continue;
    if (keys.size !== 1) {
      report(scope, 'PolicyParseError', `'${hit[0]}' cannot be combined with other keys`, path);
      return FALSE;
    }
    const [key, value] = hit;
    const at = [...path, key];
    if (logical === 'not') {
      if (!isObject(value)) {
        report(scope, 'PolicyParseError', `'not' takes one condition object`, at);
        return FALSE;
      }
      const inner = compileCondition(value, scope, at, depth + 1);
      return (rt) => !inner(rt);
    }
    if (!Array.isArray(value)) {
      report(scope, 'PolicyParseError', `'${key}' takes an array of conditions`, at);
      return FALSE;
    }
    const parts = value.map((c, i) => compileCondition(c, scope, [...at, i], depth + 1));
    if (logical === 'allof') {
      if (parts.length === 1) return parts[0];
      if (parts.length === 2) {
        const [a, b] = parts;
        return (rt) => a(rt) && b(rt);
      }
      return (rt) => {
        for (let i = 0; i < parts.length; i++) if (!parts[i](rt)) return false;
        return true;
      };
    }
    if (parts.length === 1) return parts[0];
    return (rt) => {
      for (let i = 0; i < parts.length; i++) if (parts[i](rt)) return true;
      return false;
    };
  }

  // Leaf: one LHS and one operator.
  const lhsKeys = ['field', 'value', 'count'].filter((k) => keys.has(k));
  if (lhsKeys.length !== 1) {
    report(scope, 'PolicyParseError', lhsKeys.length === 0 ? 'a condition needs field, value or count' : `a condition takes one of ${lhsKeys.join(', ')}`, path);
    return FALSE;
  }
  const opEntries = [...keys.entries()].filter(([k]) => !lhsKeys.includes(k));
  if (opEntries.length !== 1) {
    report(scope, opEntries.length === 0 ? 'PolicyParseError' : 'PolicyParseError', opEntries.length === 0 ? 'a condition needs an operator' : `unexpected keys ${opEntries.map(([, [k]]) => `'${k}'`).join(', ')}`, path);
    return FALSE;
  }
  const [, [opKey, rhsJson]] = opEntries[0];
  const op = operatorByName(opKey);
  if (!op) {
    report(scope, 'UnknownOperator', `'${opKey}' is not a condition operator`, [...path, opKey]);
    return FALSE;
  }
  const rhs = compileValue(rhsJson, scope, [...path, opKey]);
  const test = makeTest(op, rhs);
  const lhsKey = lhsKeys[0];
  const [lhsName, lhsJson] = keys.get(lhsKey) as [string, unknown];
  const lhsPath = [...path, lhsName];

  if (lhsKey === 'field') {
    if (typeof lhsJson !== 'string') {
      report(scope, 'PolicyParseError', `'field' takes a string`, lhsPath);
      return FALSE;
    }
    // `field` may itself be an expression ("[concat('tags[', parameters('tagName'), ']')]").
    const fieldName = compileValue(lhsJson, scope, lhsPath);
    if (!fieldName.isConst) {
      // A field named by current() inside a count: resolve each distinct name once.
      const cache = new Map<string, FieldReader>();
      const snapshot: Scope = { ...scope, errors: [] };
      return (rt) => {
        const name = fieldName.fn(rt);
        if (typeof name !== 'string') throw new EvaluationError('TypeMismatch', `'field' must name a field, got ${typeOf(name)}`);
        let reader = cache.get(name);
        if (!reader) {
          reader = compileField(name, snapshot, lhsPath);
          if (snapshot.errors.length > 0) throw new EvaluationError(snapshot.errors[0].code as never, snapshot.errors[0].message);
          if (cache.size < 1000) cache.set(name, reader);
        }
        return reader.every(rt, rt.target, (v) => test(v, rt));
      };
    }
    if (typeof fieldName.value !== 'string') {
      report(scope, 'PolicyParseError', `'field' must be a string`, lhsPath);
      return FALSE;
    }
    scope.fieldsUsed.add(fieldName.value.toLowerCase());
    const reader = compileField(fieldName.value, scope, lhsPath);
    return (rt) => reader.every(rt, rt.target, (v) => test(v, rt));
  }
  if (lhsKey === 'value') {
    const value = compileValue(lhsJson, scope, lhsPath);
    if (value.isConst) {
      const v = value.value;
      return (rt) => test(v, rt);
    }
    return (rt) => {
      const v = value.fn(rt);
      return test(v, rt);
    };
  }
  return compileCount(lhsJson, scope, lhsPath, test, depth);
}

type BoundTest = (lhs: unknown, rt: Runtime) => boolean;

function makeTest(op: OperatorName, rhs: CompiledValue): BoundTest {
  if (rhs.isConst) {
    const t = constantTest(op, rhs.value);
    return (lhs) => t(lhs);
  }
  const t = dynamicTest(op);
  return (lhs, rt) => t(lhs, rhs.fn(rt));
}

function compileCount(json: unknown, scope: Scope, path: Path, test: BoundTest, depth: number): Condition {
  if (!isObject(json)) {
    report(scope, 'PolicyParseError', `'count' takes an object`, path);
    return FALSE;
  }
  const keys = keysOf(json);
  const field = keys.get('field');
  const value = keys.get('value');
  const where = keys.get('where');
  const name = keys.get('name');
  for (const [k, [orig]] of keys) {
    if (!['field', 'value', 'where', 'name'].includes(k)) {
      report(scope, 'PolicyParseError', `unexpected key '${orig}' in count`, [...path, orig]);
      return FALSE;
    }
  }
  if ((field ? 1 : 0) + (value ? 1 : 0) !== 1) {
    report(scope, 'PolicyParseError', `'count' takes exactly one of field or value`, path);
    return FALSE;
  }
  const frame = scope.frameDepth;
  if (field) {
    if (name) {
      report(scope, 'PolicyParseError', `'name' is only valid in a value count`, [...path, name[0]]);
      return FALSE;
    }
    if (typeof field[1] !== 'string') {
      report(scope, 'PolicyParseError', `count 'field' takes a string`, [...path, field[0]]);
      return FALSE;
    }
    const text = field[1];
    if (!/\[\*\]\s*$/.test(text)) {
      report(scope, 'InvalidCondition', `count 'field' must end in [*] ('${text}')`, [...path, field[0]]);
      return FALSE;
    }
    const reader = compileField(text, scope, [...path, field[0]]);
    const inner = withCount(scope, { kind: 'field', frame, field: reader, fieldName: text.toLowerCase() });
    const cond = where ? compileCondition(where[1], inner, [...path, where[0]], depth + 1) : undefined;
    scope.conditions = inner.conditions;
    return (rt) => {
      const members: unknown[] = [];
      reader.members(rt, rt.target, members);
      let n = members.length;
      if (cond) {
        const plan = reader.plan(rt, rt.target);
        n = 0;
        const saved = rt.frames[frame];
        for (const m of members) {
          rt.frames[frame] = { value: m, plan };
          if (cond(rt)) n++;
        }
        rt.frames[frame] = saved;
        rt.frames.length = Math.min(rt.frames.length, saved === undefined ? frame : rt.frames.length);
      }
      return test(n, rt);
    };
  }
  // value count
  if (++scope.valueCounts > LIMITS.maxValueCounts) {
    report(scope, 'LimitExceeded', `more than ${LIMITS.maxValueCounts} value counts`, path);
    return FALSE;
  }
  if (name && typeof name[1] !== 'string') {
    report(scope, 'PolicyParseError', `count 'name' takes a string`, [...path, name[0]]);
    return FALSE;
  }
  const source = compileValue((value as [string, unknown])[1], scope, [...path, (value as [string, unknown])[0]]);
  const inner = withCount(scope, { kind: 'value', frame, name: name ? (name[1] as string).toLowerCase() : undefined });
  const cond = where ? compileCondition(where[1], inner, [...path, where[0]], depth + 1) : undefined;
  scope.conditions = inner.conditions;
  return (rt) => {
    const arr = source.fn(rt);
    const items = Array.isArray(arr) ? arr : arr === undefined || arr === null ? [] : [arr];
    if (!Array.isArray(arr) && arr !== undefined && arr !== null) {
      throw new EvaluationError('TypeMismatch', `value count expects an array, got ${typeOf(arr)}`);
    }
    let n = items.length;
    if (cond) {
      n = 0;
      const saved = rt.frames[frame];
      for (const item of items) {
        if (++rt.valueCountIterations > LIMITS.maxValueCountIterations * LIMITS.maxValueCounts) {
          throw new EvaluationError('LimitExceeded', 'too many value count iterations');
        }
        rt.frames[frame] = { value: item };
        if (cond(rt)) n++;
      }
      rt.frames[frame] = saved as never;
    }
    return test(n, rt);
  };
}
