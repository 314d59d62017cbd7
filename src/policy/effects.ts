/**
 * Effects: names, and the compiled `then.details` of each (AINE/DINE related-resource lookup with
 * existenceCondition, Modify operations, Append fields, Manual default state).
 */
import { compileCondition, type Condition } from './conditions.js';
import { compileValue, constant, type CompiledValue } from './expression-compiler.js';
import type { Runtime } from './runtime.js';
import { report, type Scope } from './scope.js';
import { isObject, newObject, ownEntries, setKey } from './value.js';

export const EFFECTS = [
  'Audit',
  'Deny',
  'Append',
  'Modify',
  'AuditIfNotExists',
  'DeployIfNotExists',
  'Disabled',
  'Manual',
  'DenyAction',
  // Resource-provider modes (Kubernetes / data plane).
  'Mutate',
  'EnforceOPAConstraint',
  'EnforceRegoPolicy',
] as const;
export type EffectName = (typeof EFFECTS)[number];

const BY_LOWER = new Map<string, EffectName>(EFFECTS.map((e) => [e.toLowerCase(), e]));

export function effectByName(name: string): EffectName | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

type Path = ReadonlyArray<string | number>;

/** Compiled `then.details`. */
export interface CompiledDetails {
  /** Details as reported (expressions evaluated; existenceCondition and deployment left out). */
  report(rt: Runtime): unknown;
  /** False when `report` returns an empty object. */
  hasReport?: boolean;
  /** True when `report` returns the same frozen value every time. */
  constant?: boolean;
  /** AINE/DINE only. */
  related?: {
    type: CompiledValue;
    name?: CompiledValue;
    resourceGroupName?: CompiledValue;
    existenceScope?: CompiledValue;
    existenceCondition?: Condition;
  };
  /** Manual only. */
  defaultState?: CompiledValue;
}

/** Kept out of the reported details (they are how the effect runs, not what it reports). */
const HIDDEN = new Set(['existencecondition', 'deployment', 'conflicteffect']);

/** Compiles `then.details` for an effect known at compile time (or `undefined` when the effect is dynamic). */
export function compileDetails(effect: EffectName | undefined, details: unknown, scope: Scope, path: Path): CompiledDetails | undefined {
  if (details === undefined) return undefined;
  if (Array.isArray(details)) {
    const v = compileValue(details, scope, path);
    if (v.isConst) {
      const frozen = deepFreeze(v.value);
      return { report: () => frozen, hasReport: true, constant: true };
    }
    return { report: (rt) => v.fn(rt), hasReport: true, constant: false };
  }
  if (!isObject(details)) {
    report(scope, 'PolicyParseError', `'details' must be an object or an array`, path);
    return undefined;
  }
  const entries = ownEntries(details);
  const get = (key: string) => entries.find(([k]) => k.toLowerCase() === key);
  const reported: Array<[string, CompiledValue]> = [];
  let related: CompiledDetails['related'];
  const isExistence = effect === 'AuditIfNotExists' || effect === 'DeployIfNotExists' || (effect === undefined && get('existencecondition') !== undefined);

  for (const [k, v] of entries) {
    const lower = k.toLowerCase();
    if (HIDDEN.has(lower)) continue;
    if (lower === 'operations' && Array.isArray(v)) {
      // Modify operations: value evaluated, condition kept as written (applied by the remediation step).
      const ops = v.map((op, i) => {
        if (!isObject(op)) {
          report(scope, 'PolicyParseError', 'a modify operation must be an object', [...path, k, i]);
          return constant(op);
        }
        const parts = ownEntries(op).map(([ok, ov]) => [ok, ok.toLowerCase() === 'value' ? compileValue(ov, scope, [...path, k, i, ok]) : constant(ov)] as const);
        const kind = ownEntries(op).find(([ok]) => ok.toLowerCase() === 'operation')?.[1];
        if (typeof kind === 'string' && !['add', 'addorreplace', 'remove'].includes(kind.toLowerCase())) {
          report(scope, 'PolicyParseError', `'${kind}' is not a modify operation (add, addOrReplace, remove)`, [...path, k, i, 'operation']);
        }
        if (parts.every(([, pv]) => pv.isConst)) {
          const out = newObject();
          for (const [pk, pv] of parts) setKey(out, pk, pv.value);
          return constant(out);
        }
        return {
          isConst: false,
          fn: (rt: Runtime) => {
            const out = newObject();
            for (const [pk, pv] of parts) setKey(out, pk, pv.fn(rt));
            return out;
          },
        } as CompiledValue;
      });
      reported.push([k, ops.every((o) => o.isConst) ? constant(ops.map((o) => o.value)) : { isConst: false, fn: (rt) => ops.map((o) => o.fn(rt)) }]);
      continue;
    }
    reported.push([k, compileValue(v, scope, [...path, k])]);
  }

  if (isExistence) {
    const type = get('type');
    if (!type) report(scope, 'PolicyParseError', `'details.type' is required for ${effect ?? 'this effect'}`, path);
    const cond = get('existencecondition');
    const relatedType = type && typeof type[1] === 'string' ? type[1] : undefined;
    const comp = (e: [string, unknown] | undefined) => (e ? compileValue(e[1], scope, [...path, e[0]]) : undefined);
    related = {
      type: comp(type) ?? constant(''),
      name: comp(get('name')),
      resourceGroupName: comp(get('resourcegroupname')),
      existenceScope: comp(get('existencescope')),
      existenceCondition: cond ? compileCondition(cond[1], { ...scope, relatedType }, [...path, cond[0]]) : undefined,
    };
  }
  const defaultState = effect === 'Manual' ? reported.find(([k]) => k.toLowerCase() === 'defaultstate')?.[1] : undefined;
  if (reported.every(([, c]) => c.isConst)) {
    // Constant details: built once, frozen, shared by every result.
    const out = newObject();
    for (const [k, c] of reported) setKey(out, k, c.value);
    const frozen = deepFreeze(out);
    return { report: () => frozen, hasReport: reported.length > 0, constant: true, related, defaultState };
  }
  return {
    report: (rt) => {
      // `out` has no prototype, so plain assignment creates own properties even for `__proto__`.
      const out = newObject();
      for (let i = 0; i < reported.length; i++) out[reported[i][0]] = reported[i][1].fn(rt);
      return out;
    },
    hasReport: true,
    constant: false,
    related,
    defaultState,
  };
}

/** A frozen deep copy (the constants may be the caller's parameter values, which must stay theirs). */
function deepFreeze(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(deepFreeze));
  if (isObject(value)) {
    const out = newObject();
    for (const [k, v] of ownEntries(value)) out[k] = deepFreeze(v);
    return Object.freeze(out);
  }
  return value;
}
