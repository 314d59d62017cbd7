/**
 * Evaluating a compiled policy against one resource: applicability (mode, type index, Azure's applicability rules),
 * the `if` condition, the effect, related-resource lookups for AuditIfNotExists/DeployIfNotExists, and the
 * resulting compliance state — with, on request, the reasons (which conditions decided, observed and expected
 * values) in the shape of PolicyInsights' `policyEvaluationDetails`.
 *
 * The hot path allocates nothing for the common outcomes: Compliant, NotApplicable and Disabled results are shared
 * frozen objects, and the resource's normalised view is reused across the definitions evaluated against it.
 */
import type { CompiledPolicy } from './compile.js';
import type { ConditionNode } from './conditions.js';
import { effectByName, type EffectName } from './effects.js';
import { EvaluationError } from './errors.js';
import type { OperatorName } from './operators.js';
import { Runtime, type EvaluationContext, type RelatedResourceQuery } from './runtime.js';
import { getKey, isObject, type JsonObject } from './value.js';

export type ComplianceState = 'Compliant' | 'NonCompliant' | 'NotApplicable' | 'Unknown' | 'NotEvaluated' | 'Disabled' | 'Error';

/** One evaluated condition, as PolicyInsights reports it in `policyEvaluationDetails.evaluatedExpressions`. */
export interface ExpressionEvaluationDetails {
  /** `True` or `False`: what the condition evaluated to. */
  result: 'True' | 'False';
  expressionKind: 'Field' | 'Value' | 'Count';
  /** The field or alias (`Microsoft.Storage/storageAccounts/allowBlobPublicAccess`), value expression or counted field. */
  expression: string;
  /** The resource property the field read (the alias' path for this resource type). */
  path?: string;
  /** The observed value (Azure's name; for `[*]` fields the selected values, for counts the count). */
  expressionValue?: unknown;
  /** The expected value: the operator's right-hand side. */
  targetValue?: unknown;
  /** The operator in Azure's casing (`Equals`, `NotIn`, `Exists` ...). */
  operator: string;
  /** Palisade: the JSON path of the condition inside the definition (`$.properties.policyRule.if.allOf[1]`). */
  conditionPath: string;
  /**
   * Palisade: for a NonCompliant result, what the resource must satisfy instead, in the wording of Azure's compliance
   * reasons ("Current value must be equal to the target value.").
   */
  reason?: string;
}

export interface PolicyEvaluationDetails {
  /**
   * The conditions that decided the outcome: for a true `if`, every condition that made it true (all members of a
   * true allOf, the first true member of an anyOf); for a false `if`, the ones that made it false.
   */
  evaluatedExpressions: ExpressionEvaluationDetails[];
  /** AuditIfNotExists / DeployIfNotExists: the related resources looked at. */
  ifNotExistsDetails?: { resourceId?: string; totalResources: number };
  /** Why the policy does not apply, when it does not. */
  applicability?: string;
}

export interface EvaluationResult {
  /** The effect that fires (as the definition spells it), or undefined when the policy has nothing to say. */
  effect?: string;
  state: ComplianceState;
  /** Structured effect details (Modify operations, Append fields, AINE/DINE target type ...). */
  details?: unknown;
  reason?: string;
  error?: { code: string; message: string };
  /** Which conditions decided; present when the context asks for `reasons` (or from `explain`). */
  evaluationDetails?: PolicyEvaluationDetails;
}

const NOT_INDEXED = new Set(['microsoft.resources/subscriptions', 'microsoft.resources/subscriptions/resourcegroups', 'microsoft.resources/resourcegroups']);

const SUBSCRIPTION = 'microsoft.resources/subscriptions';

function shared(state: ComplianceState, reason: string): EvaluationResult {
  return Object.freeze({ state, reason });
}

const RESULTS = {
  compliant: shared('Compliant', "the 'if' condition does not match"),
  notMatched: shared('NotApplicable', "the 'if' condition does not match"),
  notApplicable: shared('NotApplicable', "the policy does not apply: its type, name and kind conditions do not match"),
  typeIndex: shared('NotApplicable', "the 'if' condition does not match"),
  indexed: shared('NotApplicable', 'mode Indexed evaluates only types that support tags and location'),
  resourcesNamespace: shared('NotApplicable', 'Microsoft.Resources types other than subscriptions and resource groups are not evaluated'),
  location: shared('NotApplicable', 'a policy with a location condition does not apply to subscriptions'),
  disabled: shared('Disabled', 'effect is Disabled'),
  noHost: shared('Unknown', 'no host to look up related resources'),
};

const EMPTY_CONTEXT: EvaluationContext = Object.freeze({});

/** The runtime of the last evaluation: a scan evaluates many definitions against one resource in a row. */
let lastRuntime: Runtime | undefined;

/**
 * Forgets the last evaluation's runtime. Callers that evaluate a batch against a host (a scan over an estate index)
 * call it when done: the runtime's context holds the host, which would otherwise stay reachable after the batch.
 */
export function releaseLastEvaluation(): void {
  lastRuntime = undefined;
  lastRelated = undefined;
}

function runtimeFor(resource: JsonObject, context: EvaluationContext): Runtime {
  const last = lastRuntime;
  if (last !== undefined && last.resource === resource && !last.busy) {
    last.reset(context);
    return last;
  }
  if (last !== undefined && !last.busy) {
    last.rebind(resource, context);
    return last;
  }
  const rt = new Runtime(resource, context);
  if (last === undefined) lastRuntime = rt;
  return rt;
}

/**
 * Whether Indexed mode evaluates the resource: types that support tags and location. The alias catalog's type
 * capabilities decide when it has them; otherwise an ARM resource (one with an `id`) without a location is taken to
 * be of a proxy type (child settings, extension resources), which Indexed skips.
 */
function indexedEligible(policy: CompiledPolicy, rt: Runtime): boolean {
  const location = getKey(rt.resource, 'location', 'location');
  if (rt.indexedCatalog === policy.aliases && rt.indexedLocation === location) return rt.indexedValue;
  rt.indexedLocation = location;
  const typeKey = rt.resourceTypeKey;
  let ok: boolean;
  if (NOT_INDEXED.has(typeKey)) ok = false;
  else {
    const caps = policy.aliases?.capabilitiesOf(typeKey);
    if (caps) ok = caps.supportsTags && caps.supportsLocation;
    else {
      ok = typeof getKey(rt.resource, 'id', 'id') !== 'string' || (typeof location === 'string' && location !== '');
    }
  }
  rt.indexedCatalog = policy.aliases;
  rt.indexedValue = ok;
  return ok;
}

/** Evaluates `policy` for `resource` (an ARM / Resource Graph object). Never throws for policy problems. */
export function evaluate(policy: CompiledPolicy, resource: unknown, context: EvaluationContext = EMPTY_CONTEXT): EvaluationResult {
  if (policy.providerMode) {
    return { state: 'NotEvaluated', reason: `mode '${policy.mode}' evaluates resource-provider data, not ARM resources` };
  }
  const rt = runtimeFor(isObject(resource) ? resource : {}, context);
  rt.busy = true;
  try {
    const result = evaluateIn(policy, rt);
    return context.reasons === true ? withReasons(policy, rt, result) : result;
  } catch (e) {
    if (e instanceof EvaluationError) return { state: 'Error', error: { code: e.code, message: e.message }, reason: e.message };
    throw e;
  } finally {
    rt.busy = false;
  }
}

/** `evaluate` with `evaluationDetails`: which conditions decided, the observed and the expected values. */
export function explain(policy: CompiledPolicy, resource: unknown, context: EvaluationContext = EMPTY_CONTEXT): EvaluationResult {
  return evaluate(policy, resource, { ...context, reasons: true });
}

/** The last type key checked for the Microsoft.Resources namespace rule, and the answer. */
let namespaceKey = '';
let namespaceSkip = false;

function evaluateIn(policy: CompiledPolicy, rt: Runtime): EvaluationResult {
  lastRelated = undefined;
  const typeKey = rt.resourceTypeKey;
  if (typeKey !== namespaceKey) {
    // Decided once per resource type in a row (a scan evaluates several definitions per resource).
    namespaceKey = typeKey;
    namespaceSkip = typeKey.startsWith('microsoft.resources/') && !NOT_INDEXED.has(typeKey);
  }
  if (namespaceSkip) return RESULTS.resourcesNamespace;
  if (policy.mode === 'Indexed' && !indexedEligible(policy, rt)) return RESULTS.indexed;
  let effectName: EffectName | undefined = policy.staticEffect;
  let effectText: string | undefined = policy.staticEffectText;
  if (!effectName) {
    const v = policy.effect.fn(rt);
    effectName = typeof v === 'string' ? effectByName(v) : undefined;
    if (!effectName) throw new EvaluationError('InvalidEffect', `'${String(v)}' is not a policy effect`);
    effectText = v as string;
  }
  if (effectName === 'Disabled') return RESULTS.disabled;
  if (policy.types !== undefined && !policy.types.has(typeKey)) return RESULTS.typeIndex;
  if (policy.locationSensitive && typeKey === SUBSCRIPTION) return RESULTS.location;
  const existence = effectName === 'AuditIfNotExists' || effectName === 'DeployIfNotExists';
  if (!policy.condition(rt)) {
    if (existence) return RESULTS.notMatched;
    if (policy.applicability !== undefined && !policy.applicability(rt)) return RESULTS.notApplicable;
    return RESULTS.compliant;
  }
  if (existence) return existenceCheck(policy, rt, effectText as string);
  if (policy.staticEffect !== undefined && policy.details?.constant !== false && effectName !== 'Manual') {
    // Static effect and constant (or no) details: one frozen result for every match.
    const m = policy.memo.nonCompliant as EvaluationResult | undefined;
    if (m !== undefined) return m;
    const r = Object.freeze({ effect: effectText, state: 'NonCompliant' as const, details: policy.details?.report(rt), reason: "the 'if' condition matches" });
    policy.memo.nonCompliant = r;
    return r;
  }
  const details = policy.details?.report(rt);
  if (effectName === 'Manual') {
    const s = policy.details?.defaultState?.fn(rt);
    const lower = typeof s === 'string' ? s.toLowerCase() : '';
    const state: ComplianceState = lower === 'compliant' ? 'Compliant' : lower === 'noncompliant' ? 'NonCompliant' : 'Unknown';
    return { effect: effectText, state, details, reason: 'manual attestation' };
  }
  return { effect: effectText, state: 'NonCompliant', details, reason: "the 'if' condition matches" };
}

type MutableQuery = { -readonly [K in keyof RelatedResourceQuery]: RelatedResourceQuery[K] };

const EMPTY_RESOURCE: JsonObject = Object.freeze({}) as JsonObject;
const QUERY: MutableQuery = { type: '', name: undefined, resourceGroupName: undefined, existenceScope: 'ResourceGroup', resource: EMPTY_RESOURCE };
let queryBusy = false;

function isSubscription(scope: string): boolean {
  return scope === 'Subscription' || (scope.length === 12 && scope.toLowerCase() === 'subscription');
}

/** Related resources examined by the last existence check (for reasons). */
let lastRelated: { resourceId?: string; totalResources: number } | undefined;

function existenceCheck(policy: CompiledPolicy, rt: Runtime, effect: string): EvaluationResult {
  const rel = policy.details?.related;
  if (!rel) return { effect, state: 'NonCompliant', details: policy.details?.report(rt), reason: 'no details.type to look up' };
  const type = rel.type.fn(rt);
  if (typeof type !== 'string') throw new EvaluationError('TypeMismatch', 'details.type must be a string');
  const name = rel.name?.fn(rt);
  const rg = rel.resourceGroupName?.fn(rt);
  const scope = rel.existenceScope?.fn(rt);
  const host = rt.context.host;
  if (!host) return policy.details?.hasReport ? { ...RESULTS.noHost, details: policy.details.report(rt) } : RESULTS.noHost;
  // One query object for every lookup; a lookup made while another is in flight (a host that evaluates) gets its own.
  const q: MutableQuery = queryBusy ? { type, existenceScope: 'ResourceGroup', resource: rt.resource } : QUERY;
  q.type = type;
  q.name = typeof name === 'string' ? name : undefined;
  q.resourceGroupName = typeof rg === 'string' ? rg : undefined;
  q.existenceScope = typeof scope === 'string' && isSubscription(scope) ? 'Subscription' : 'ResourceGroup';
  q.resource = rt.resource;
  let found: ReadonlyArray<unknown> | undefined;
  if (q === QUERY) {
    queryBusy = true;
    try {
      found = host.findRelated(q);
    } finally {
      queryBusy = false;
      QUERY.resource = EMPTY_RESOURCE;
    }
  } else found = host.findRelated(q);
  if (found === undefined) {
    if (policy.details?.constant === false) return existenceResult(policy, rt, 3, type, effect, false);
    return memoResult(policy, rt, 3, type, effect, false);
  }
  const cond = rel.existenceCondition;
  const saveTarget = rt.target;
  const saveType = rt.typeKey;
  let matched: unknown;
  try {
    let lastType: unknown = undefined;
    let lastKey = '';
    for (let i = 0, n = found.length; i < n; i++) {
      const r = found[i];
      if (r === null || r === undefined) continue;
      if (!cond) {
        matched = r;
        break;
      }
      rt.target = isObject(r) ? r : {};
      const t = getKey(rt.target, 'type');
      const source = typeof t === 'string' ? t : type;
      if (source !== lastType) {
        lastType = source;
        lastKey = source.toLowerCase();
      }
      rt.typeKey = lastKey;
      if (cond(rt)) {
        matched = r;
        break;
      }
    }
  } finally {
    rt.target = saveTarget;
    rt.typeKey = saveType;
  }
  if (matched !== undefined) {
    if (rt.context.reasons === true) lastRelated = { resourceId: idOf(matched), totalResources: found.length };
    return memoResult(policy, rt, 0, type, effect, cond !== undefined);
  }
  if (rt.context.reasons === true) lastRelated = { resourceId: found.length > 0 ? idOf(found[0]) : undefined, totalResources: found.length };
  const outcome = found.length === 0 ? 1 : 2;
  if (policy.details?.constant === false || policy.staticEffect === undefined) return existenceResult(policy, rt, outcome, type, effect, false);
  return memoResult(policy, rt, outcome, type, effect, false);
}

/** The result of an existence check that ends with `outcome` (see memoResult); `withCondition` for outcome 0. */
function existenceResult(policy: CompiledPolicy, rt: Runtime, outcome: 0 | 1 | 2 | 3, type: string, effect: string, withCondition: boolean): EvaluationResult {
  switch (outcome) {
    case 0:
      return { state: 'Compliant', reason: withCondition ? `a related '${type}' satisfies the existenceCondition` : `a related '${type}' exists` };
    case 3:
      return { state: 'Unknown', details: policy.details?.report(rt), reason: `related resources of type '${type}' are not known` };
    default:
      return {
        effect,
        state: 'NonCompliant',
        details: policy.details?.report(rt),
        reason: outcome === 1 ? `no related '${type}' exists` : `no related '${type}' satisfies the existenceCondition`,
      };
  }
}

/**
 * A frozen result shared by the evaluations of `policy` that end the same way (outcome 0 compliant, 1 no related
 * resource, 2 none satisfies the existenceCondition, 3 the host cannot tell), remembered for the last related type seen.
 */
function memoResult(policy: CompiledPolicy, rt: Runtime, outcome: 0 | 1 | 2 | 3, type: string, effect: string, withCondition: boolean): EvaluationResult {
  const slots = (policy.memo.existence ??= [undefined, undefined, undefined, undefined]) as Array<{ type: string; result: EvaluationResult } | undefined>;
  const slot = slots[outcome];
  if (slot !== undefined && slot.type === type) return slot.result;
  const result = Object.freeze(existenceResult(policy, rt, outcome, type, effect, withCondition));
  slots[outcome] = { type, result };
  return result;
}

function idOf(r: unknown): string | undefined {
  const id = getKey(r, 'id');
  return typeof id === 'string' ? id : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Reasons

const OPERATOR_CASE: Record<OperatorName, string> = {
  equals: 'Equals',
  notEquals: 'NotEquals',
  like: 'Like',
  notLike: 'NotLike',
  match: 'Match',
  notMatch: 'NotMatch',
  matchInsensitively: 'MatchInsensitively',
  notMatchInsensitively: 'NotMatchInsensitively',
  contains: 'Contains',
  notContains: 'NotContains',
  in: 'In',
  notIn: 'NotIn',
  containsKey: 'ContainsKey',
  notContainsKey: 'NotContainsKey',
  less: 'Less',
  lessOrEquals: 'LessOrEquals',
  greater: 'Greater',
  greaterOrEquals: 'GreaterOrEquals',
  exists: 'Exists',
};

/** Azure's compliance-reason wording for "the value must satisfy <operator>". */
const MUST: Record<Exclude<OperatorName, 'exists'>, string> = {
  equals: 'be equal to the target value',
  notEquals: 'not be equal to the target value',
  like: 'be like the target value',
  notLike: 'not be like the target value',
  match: 'case-sensitive match the target value',
  notMatch: 'not case-sensitive match the target value',
  matchInsensitively: 'case-insensitive match the target value',
  notMatchInsensitively: 'not case-insensitive match the target value',
  contains: 'contain the target value',
  notContains: 'not contain the target value',
  in: 'be in the target value',
  notIn: 'not be in the target value',
  containsKey: 'contain the target value as a key',
  notContainsKey: 'not contain the target value as a key',
  less: 'be less than the target value',
  lessOrEquals: 'be less than or equal to the target value',
  greater: 'be greater than the target value',
  greaterOrEquals: 'be greater than or equal to the target value',
};

const NEGATED: Record<Exclude<OperatorName, 'exists'>, Exclude<OperatorName, 'exists'>> = {
  equals: 'notEquals',
  notEquals: 'equals',
  like: 'notLike',
  notLike: 'like',
  match: 'notMatch',
  notMatch: 'match',
  matchInsensitively: 'notMatchInsensitively',
  notMatchInsensitively: 'matchInsensitively',
  contains: 'notContains',
  notContains: 'contains',
  in: 'notIn',
  notIn: 'in',
  containsKey: 'notContainsKey',
  notContainsKey: 'containsKey',
  less: 'greaterOrEquals',
  lessOrEquals: 'greater',
  greater: 'lessOrEquals',
  greaterOrEquals: 'less',
};

/** What the resource must satisfy instead of a condition that evaluated to `result` and made the `if` true. */
function requirement(op: OperatorName, result: boolean, target: unknown): string {
  if (op === 'exists') {
    const want = target === true || (typeof target === 'string' && target.toLowerCase() === 'true');
    // The condition held as written (result true) ⇒ the opposite is required.
    return want === result ? 'Current value must not exist.' : 'Current value must exist.';
  }
  return `Current value must ${MUST[result ? NEGATED[op] : op]}.`;
}

function jsonPathOf(path: ReadonlyArray<string | number>): string {
  let out = '$';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `['${p.replace(/'/g, "\\'")}']`;
  return out;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function describeLeaf(node: ConditionNode, rt: Runtime, result: boolean, nonCompliant: boolean): ExpressionEvaluationDetails {
  const kind = node.kind === 'field' ? 'Field' : node.kind === 'value' ? 'Value' : 'Count';
  const expr = node.expression;
  const expression =
    typeof expr === 'string'
      ? expr
      : isObject(expr) && typeof (getKey(expr, 'field') ?? getKey(expr, 'value')) === 'string'
        ? String(getKey(expr, 'field') ?? getKey(expr, 'value'))
        : JSON.stringify(expr);
  const target = node.expected?.isConst ? node.expected.value : safe(() => node.expected?.fn(rt));
  const out: ExpressionEvaluationDetails = {
    result: result ? 'True' : 'False',
    expressionKind: kind,
    expression,
    operator: OPERATOR_CASE[node.operator as OperatorName],
    conditionPath: jsonPathOf(node.path),
  };
  const path = node.resolvedPath ? safe(() => node.resolvedPath?.(rt)) : undefined;
  if (path !== undefined) out.path = path;
  const observed = node.observe ? safe(() => node.observe?.(rt)) : undefined;
  out.expressionValue = observed === undefined ? null : observed;
  out.targetValue = target === undefined ? null : target;
  if (nonCompliant) out.reason = requirement(node.operator as OperatorName, result, target);
  return out;
}

/** Collects the conditions that decided `node`'s value; returns that value. */
function decide(node: ConditionNode, rt: Runtime, out: ExpressionEvaluationDetails[], nonCompliant: boolean): boolean {
  switch (node.kind) {
    case 'not':
      return !decide((node.children as ConditionNode[])[0], rt, out, nonCompliant);
    case 'allOf':
    case 'anyOf': {
      const children = node.children as ConditionNode[];
      const decisive = node.kind === 'anyOf'; // the child value that settles the node
      for (const c of children) {
        if (c.test(rt) === decisive) return decide(c, rt, out, nonCompliant);
      }
      for (const c of children) decide(c, rt, out, nonCompliant);
      return !decisive;
    }
    case 'invalid':
      return false;
    default: {
      const result = node.test(rt);
      out.push(describeLeaf(node, rt, result, nonCompliant));
      return result;
    }
  }
}

function withReasons(policy: CompiledPolicy, rt: Runtime, result: EvaluationResult): EvaluationResult {
  const details: PolicyEvaluationDetails = { evaluatedExpressions: [] };
  if (result.state === 'NotApplicable') details.applicability = result.reason;
  const evaluatedIf = result.state === 'Compliant' || result.state === 'NonCompliant' || result === RESULTS.notMatched || result === RESULTS.notApplicable;
  if (evaluatedIf) {
    rt.reset(rt.context);
    const nonCompliant = result.state === 'NonCompliant';
    safe(() => decide(policy.conditionTree, rt, details.evaluatedExpressions, nonCompliant && result.effect !== undefined && !isExistence(result)));
    if (isExistence(result) && lastRelated) details.ifNotExistsDetails = lastRelated;
    if (nonCompliant && isExistence(result) && lastRelated?.totalResources === 0) {
      details.evaluatedExpressions.push({
        result: 'False',
        expressionKind: 'Value',
        expression: 'details.type',
        operator: 'Exists',
        conditionPath: jsonPathOf(policy.detailsPath ?? []),
        expressionValue: null,
        targetValue: true,
        reason: 'No related resources match the effect details in the policy definition.',
      });
    }
  }
  return { ...result, evaluationDetails: details };
}

function isExistence(result: EvaluationResult): boolean {
  const e = result.effect?.toLowerCase();
  return e === 'auditifnotexists' || e === 'deployifnotexists' || lastRelated !== undefined;
}
