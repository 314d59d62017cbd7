/**
 * Evaluating a compiled policy against one resource: applicability (mode, type index), the `if` condition, the
 * effect, related-resource lookups for AuditIfNotExists/DeployIfNotExists, and the resulting compliance state.
 */
import type { CompiledPolicy } from './compile.js';
import { effectByName, type EffectName } from './effects.js';
import { EvaluationError } from './errors.js';
import { Runtime, type EvaluationContext } from './runtime.js';
import { getKey, isObject, type JsonObject } from './value.js';

export type ComplianceState = 'Compliant' | 'NonCompliant' | 'NotApplicable' | 'Unknown' | 'NotEvaluated' | 'Disabled' | 'Error';

export interface EvaluationResult {
  /** The effect that fires (as the definition spells it), or undefined when the policy has nothing to say. */
  effect?: string;
  state: ComplianceState;
  /** Structured effect details (Modify operations, Append fields, AINE/DINE target type ...). */
  details?: unknown;
  reason?: string;
  error?: { code: string; message: string };
}

const NOT_INDEXED = new Set(['microsoft.resources/subscriptions', 'microsoft.resources/subscriptions/resourcegroups', 'microsoft.resources/resourcegroups']);

function indexedApplies(policy: CompiledPolicy, typeKey: string): boolean {
  if (NOT_INDEXED.has(typeKey)) return false;
  const caps = policy.aliases?.capabilitiesOf(typeKey);
  if (caps) return caps.supportsTags && caps.supportsLocation;
  return true;
}

/** Evaluates `policy` for `resource` (an ARM / Resource Graph object). Never throws for policy problems. */
export function evaluate(policy: CompiledPolicy, resource: unknown, context: EvaluationContext = {}): EvaluationResult {
  if (policy.providerMode) {
    return { state: 'NotEvaluated', reason: `mode '${policy.mode}' evaluates resource-provider data, not ARM resources` };
  }
  const res: JsonObject = isObject(resource) ? resource : {};
  const rt = new Runtime(res, context);
  if (policy.mode === 'Indexed' && !indexedApplies(policy, rt.typeKey)) {
    return { state: 'NotApplicable', reason: `mode Indexed skips type '${String(res.type)}' (no tags and location)` };
  }
  try {
    let effectName: EffectName | undefined = policy.staticEffect;
    let effectText: string | undefined = effectName;
    if (!effectName) {
      const v = policy.effect.fn(rt);
      effectName = typeof v === 'string' ? effectByName(v) : undefined;
      if (!effectName) throw new EvaluationError('InvalidEffect', `'${String(v)}' is not a policy effect`);
      effectText = v as string;
    } else if (policy.effect.isConst && typeof policy.effect.value === 'string') {
      effectText = policy.effect.value;
    }
    if (effectName === 'Disabled') return { state: 'Disabled', reason: 'effect is Disabled' };
    const typeIndexed = policy.types === undefined || policy.types.has(rt.typeKey);
    const matched = typeIndexed && policy.condition(rt);
    const existence = effectName === 'AuditIfNotExists' || effectName === 'DeployIfNotExists';
    if (!matched) {
      if (existence || !typeIndexed) return { state: 'NotApplicable', reason: "the 'if' condition does not match" };
      return { state: 'Compliant', reason: "the 'if' condition does not match" };
    }
    const details = policy.details?.report(rt);
    if (existence) return existenceCheck(policy, rt, effectText as string, details);
    if (effectName === 'Manual') {
      const s = policy.details?.defaultState?.fn(rt);
      const state = typeof s === 'string' && ['compliant', 'noncompliant', 'unknown'].includes(s.toLowerCase()) ? (s.toLowerCase() === 'compliant' ? 'Compliant' : s.toLowerCase() === 'noncompliant' ? 'NonCompliant' : 'Unknown') : 'Unknown';
      return { effect: effectText, state, details, reason: 'manual attestation' };
    }
    return { effect: effectText, state: 'NonCompliant', details, reason: "the 'if' condition matches" };
  } catch (e) {
    if (e instanceof EvaluationError) return { state: 'Error', error: { code: e.code, message: e.message }, reason: e.message };
    throw e;
  }
}

function existenceCheck(policy: CompiledPolicy, rt: Runtime, effect: string, details: unknown): EvaluationResult {
  const rel = policy.details?.related;
  if (!rel) return { effect, state: 'NonCompliant', details, reason: 'no details.type to look up' };
  const type = rel.type.fn(rt);
  if (typeof type !== 'string') throw new EvaluationError('TypeMismatch', 'details.type must be a string');
  const name = rel.name?.fn(rt);
  const rg = rel.resourceGroupName?.fn(rt);
  const scope = rel.existenceScope?.fn(rt);
  const host = rt.context.host;
  if (!host) return { state: 'Unknown', details, reason: 'no host to look up related resources' };
  const found = host.findRelated({
    type,
    name: typeof name === 'string' ? name : undefined,
    resourceGroupName: typeof rg === 'string' ? rg : undefined,
    existenceScope: typeof scope === 'string' && scope.toLowerCase() === 'subscription' ? 'Subscription' : 'ResourceGroup',
    resource: rt.resource,
  });
  if (found === undefined) return { state: 'Unknown', details, reason: `related resources of type '${type}' are not known` };
  const cond = rel.existenceCondition;
  const saveTarget = rt.target;
  const saveType = rt.typeKey;
  try {
    for (const r of found) {
      if (r === null || r === undefined) continue;
      if (!cond) return { state: 'Compliant', reason: `a related '${type}' exists` };
      rt.target = isObject(r) ? r : {};
      const t = getKey(rt.target, 'type');
      rt.typeKey = (typeof t === 'string' ? t : type).toLowerCase();
      if (cond(rt)) return { state: 'Compliant', reason: `a related '${type}' satisfies the existenceCondition` };
    }
  } finally {
    rt.target = saveTarget;
    rt.typeKey = saveType;
  }
  return {
    effect,
    state: 'NonCompliant',
    details,
    reason: found.length === 0 ? `no related '${type}' exists` : `no related '${type}' satisfies the existenceCondition`,
  };
}
