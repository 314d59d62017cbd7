/**
 * Turns template expressions and JSON values that contain them into closures. Pure calls over constants are folded
 * at compile time; `parameters()` is bound at compile time; `field()`/`current()` read the runtime.
 */
import { EvaluationError, fnError, LIMITS } from './errors.js';
import { ExpressionSyntaxError, parseStringValue, type Expr } from './expression-parser.js';
import { compileField } from './fields.js';
import { CONTEXT_FUNCTIONS, DETAILS_ONLY_FUNCTIONS, lookupFunction, UNSUPPORTED_IN_POLICY } from './functions/index.js';
import { argBool } from './functions/types.js';
import { collectPath, parsePath, readPath } from './paths.js';
import type { Runtime } from './runtime.js';
import { report, type Scope } from './scope.js';
import { getKey, isObject, newObject, ownEntries, setKey, typeOf } from './value.js';

export interface CompiledValue {
  readonly isConst: boolean;
  /** The value when `isConst`. */
  readonly value?: unknown;
  readonly fn: (rt: Runtime) => unknown;
}

export function constant(value: unknown): CompiledValue {
  return { isConst: true, value, fn: () => value };
}

function dynamic(fn: (rt: Runtime) => unknown): CompiledValue {
  return { isConst: false, fn };
}

function failing(error: unknown): CompiledValue {
  return dynamic(() => {
    throw error;
  });
}

type Path = ReadonlyArray<string | number>;

/** Compiles a JSON value: strings may be expressions, arrays and objects are compiled element-wise. */
export function compileValue(json: unknown, scope: Scope, path: Path, depth = 0): CompiledValue {
  if (depth > LIMITS.maxDepth) {
    report(scope, 'TooDeep', `value nests deeper than ${LIMITS.maxDepth}`, path);
    return constant(undefined);
  }
  if (typeof json === 'string') return compileString(json, scope, path);
  if (Array.isArray(json)) {
    const items = json.map((x, i) => compileValue(x, scope, [...path, i], depth + 1));
    if (items.every((x) => x.isConst)) return constant(items.map((x) => x.value));
    return dynamic((rt) => items.map((x) => x.fn(rt)));
  }
  if (isObject(json)) {
    const entries = ownEntries(json).map(([k, v]) => [k, compileValue(v, scope, [...path, k], depth + 1)] as const);
    const build = (get: (c: CompiledValue) => unknown) => {
      const out = newObject();
      for (const [k, c] of entries) setKey(out, k, get(c));
      return out;
    };
    if (entries.every(([, c]) => c.isConst)) return constant(build((c) => c.value));
    return dynamic((rt) => build((c) => c.fn(rt)));
  }
  return constant(json);
}

export function compileString(text: string, scope: Scope, path: Path): CompiledValue {
  let expr: Expr;
  try {
    expr = parseStringValue(text);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) {
      report(scope, 'InvalidExpression', `invalid template expression '${text}': ${e.message} at ${e.offset}`, path);
      return constant(undefined);
    }
    throw e;
  }
  return compileExpr(expr, scope, path, 0);
}

export function compileExpr(expr: Expr, scope: Scope, path: Path, depth: number): CompiledValue {
  if (depth > LIMITS.maxDepth) {
    report(scope, 'TooDeep', `expression nests deeper than ${LIMITS.maxDepth}`, path);
    return constant(undefined);
  }
  switch (expr.k) {
    case 'lit':
      return constant(expr.v);
    case 'prop': {
      const target = compileExpr(expr.target, scope, path, depth + 1);
      const name = expr.name;
      const get = (v: unknown) => {
        if (v === undefined || v === null) return undefined;
        if (!isObject(v)) throw fnError(`cannot read property '${name}' of ${typeOf(v)}`);
        return getKey(v, name);
      };
      if (!target.isConst) {
        const t = target.fn;
        return dynamic((rt) => get(t(rt)));
      }
      return fold([target], (args) => get(args[0]), true, [target]);
    }
    case 'index': {
      const target = compileExpr(expr.target, scope, path, depth + 1);
      const index = compileExpr(expr.index, scope, path, depth + 1);
      const get = (args: unknown[]) => {
        const [v, i] = args;
        if (Array.isArray(v) && typeof i === 'number') {
          if (!Number.isInteger(i) || i < 0 || i >= v.length) throw fnError(`index ${i} is out of range`);
          return v[i];
        }
        if (isObject(v) && typeof i === 'string') return getKey(v, i);
        if (v === undefined || v === null) return undefined;
        throw fnError(`cannot index ${typeOf(v)} with ${typeOf(i)}`);
      };
      return fold([target, index], get, true, [target, index]);
    }
    case 'call':
      return compileCall(expr, scope, path, depth);
  }
}

/** Folds when every argument is constant and the operation is pure; errors are deferred to evaluation. */
function fold(_unused: CompiledValue[], op: (args: unknown[]) => unknown, pure: boolean, args: CompiledValue[]): CompiledValue {
  if (pure && args.every((a) => a.isConst)) {
    try {
      return constant(op(args.map((a) => a.value)));
    } catch (e) {
      return failing(e);
    }
  }
  if (args.length === 1) {
    const a0 = args[0].fn;
    return dynamic((rt) => op([a0(rt)]));
  }
  return dynamic((rt) => op(args.map((a) => a.fn(rt))));
}

function constString(c: CompiledValue): string | undefined {
  return c.isConst && typeof c.value === 'string' ? c.value : undefined;
}

function compileCall(expr: Extract<Expr, { k: 'call' }>, scope: Scope, path: Path, depth: number): CompiledValue {
  const name = expr.lower;
  const args = expr.args.map((a) => compileExpr(a, scope, path, depth + 1));
  if (CONTEXT_FUNCTIONS.has(name)) return compileContextCall(name, expr.name, args, scope, path);

  // Lazy forms.
  if (name === 'if') {
    if (args.length !== 3) return arity(scope, 'if', path);
    const [c, a, b] = args;
    if (c.isConst) {
      try {
        return argBool('if', c.value, 0) ? a : b;
      } catch (e) {
        return failing(e);
      }
    }
    return dynamic((rt) => (argBool('if', c.fn(rt), 0) ? a.fn(rt) : b.fn(rt)));
  }
  if ((name === 'and' || name === 'or') && args.some((a) => !a.isConst)) {
    const isAnd = name === 'and';
    return dynamic((rt) => {
      for (let i = 0; i < args.length; i++) {
        const v = argBool(name, args[i].fn(rt), i);
        if (isAnd ? !v : v) return !isAnd;
      }
      return isAnd;
    });
  }
  if (name === 'coalesce' && args.some((a) => !a.isConst)) {
    return dynamic((rt) => {
      for (const a of args) {
        const v = a.fn(rt);
        if (v !== null && v !== undefined) return v;
      }
      return null;
    });
  }

  const fn = lookupFunction(name);
  if (!fn || fn.internal || UNSUPPORTED_IN_POLICY.has(name)) {
    report(scope, 'UnknownFunction', `'${expr.name}' is not a template function available in Azure Policy`, path);
    return constant(undefined);
  }
  if (DETAILS_ONLY_FUNCTIONS.has(name) && !scope.inDetails) {
    report(scope, 'UnknownFunction', `'${expr.name}' is available in 'then.details' only, not in policy conditions`, path);
    return constant(undefined);
  }
  if (args.length < fn.min || args.length > fn.max) return arity(scope, fn.name, path, fn.min, fn.max);
  if (fn.pure && args.every((a) => a.isConst)) {
    try {
      return constant(fn.call(args.map((a) => a.value), { now: () => new Date() }));
    } catch (e) {
      return failing(e);
    }
  }
  const fns = args.map((a) => a.fn);
  return dynamic((rt) => {
    const values = new Array<unknown>(fns.length);
    for (let i = 0; i < fns.length; i++) values[i] = fns[i](rt);
    return fn.call(values, rt);
  });
}

function arity(scope: Scope, name: string, path: Path, min?: number, max?: number): CompiledValue {
  const expected = min === undefined ? '' : max === min ? ` (expects ${min})` : max === Infinity ? ` (expects at least ${min})` : ` (expects ${min} to ${max})`;
  report(scope, 'InvalidFunctionCall', `wrong number of arguments for '${name}'${expected}`, path);
  return constant(undefined);
}

function compileContextCall(name: string, display: string, args: CompiledValue[], scope: Scope, path: Path): CompiledValue {
  switch (name) {
    case 'parameters': {
      if (args.length !== 1) return arity(scope, 'parameters', path, 1, 1);
      const key = constString(args[0]);
      if (key === undefined) {
        const a = args[0];
        return dynamic((rt) => {
          const k = a.fn(rt);
          if (typeof k !== 'string') throw fnError('parameters() expects a string');
          return lookupParameter(scope, k);
        });
      }
      if (!scope.params.has(key.toLowerCase())) {
        if (scope.declared && !scope.declaredNames.has(key.toLowerCase())) {
          report(scope, 'UnknownParameter', `parameter '${key}' is not defined`, path);
          return constant(undefined);
        }
        return failing(new EvaluationError('UnknownParameter', `parameter '${key}' has no value`));
      }
      return constant(scope.params.get(key.toLowerCase()));
    }
    case 'field': {
      if (args.length !== 1) return arity(scope, 'field', path, 1, 1);
      const text = constString(args[0]);
      if (text === undefined) {
        report(scope, 'InvalidFunctionCall', 'field() takes a constant string', path);
        return constant(undefined);
      }
      const reader = compileField(text, scope, path);
      return dynamic((rt) => reader.collect(rt, rt.resource));
    }
    case 'current':
      return compileCurrent(args, scope, path);
    case 'resourcegroup':
    case 'subscription':
    case 'requestcontext':
    case 'policy': {
      if (args.length !== 0) return arity(scope, display, path, 0, 0);
      const key = name === 'resourcegroup' ? 'resourceGroup' : name === 'requestcontext' ? 'requestContext' : name;
      return dynamic((rt) => {
        const v = (rt.context as Record<string, unknown>)[key];
        if (v === undefined) throw fnError(`${display}() is not available in this evaluation`);
        return v;
      });
    }
    default:
      report(scope, 'UnknownFunction', `'${display}' is not supported`, path);
      return constant(undefined);
  }
}

function lookupParameter(scope: Scope, name: string): unknown {
  const v = scope.params.get(name.toLowerCase());
  if (v === undefined) throw new EvaluationError('UnknownParameter', `parameter '${name}' has no value`);
  return v;
}

function compileCurrent(args: CompiledValue[], scope: Scope, path: Path): CompiledValue {
  if (scope.counts.length === 0) {
    report(scope, 'InvalidFunctionCall', 'current() is only valid inside a count', path);
    return constant(undefined);
  }
  if (args.length > 1) return arity(scope, 'current', path, 0, 1);
  if (args.length === 0) {
    const k = scope.counts[scope.counts.length - 1].frame;
    return dynamic((rt) => rt.frames[k]?.value);
  }
  const key = constString(args[0]);
  if (key === undefined) {
    report(scope, 'InvalidFunctionCall', 'current() takes a constant string', path);
    return constant(undefined);
  }
  const lower = key.toLowerCase();
  for (let i = scope.counts.length - 1; i >= 0; i--) {
    const c = scope.counts[i];
    if (c.kind === 'value' && c.name === lower) return dynamic((rt) => rt.frames[c.frame]?.value);
    if (c.kind === 'field' && c.fieldName !== undefined) {
      if (lower === c.fieldName) return dynamic((rt) => rt.frames[c.frame]?.value);
      if (lower.startsWith(c.fieldName)) {
        // current('<counted alias>.<property>'): resolve the alias and read below the member.
        const reader = compileField(key, scope, path);
        const frame = c.frame;
        return dynamic((rt) => {
          const f = rt.frames[frame];
          const plan = reader.plan(rt, rt.target);
          if (!f?.plan || !plan) return undefined;
          const from = f.plan.segments.length;
          if (!plan.segments.slice(from).some((s) => s.kind === 'all')) return readPath(f.value, plan.segments, from);
          const out: unknown[] = [];
          collectPath(f.value, plan.segments, from, out);
          return out.filter((v) => v !== undefined);
        });
      }
    }
  }
  // A value count may also be named like a path ('a.b'); fall back to the innermost member's property.
  const rel = parsePath(key);
  const inner = scope.counts[scope.counts.length - 1].frame;
  if (rel) return dynamic((rt) => readPath(rt.frames[inner]?.value, rel.segments));
  report(scope, 'InvalidFunctionCall', `current('${key}') does not name an enclosing count`, path);
  return constant(undefined);
}
