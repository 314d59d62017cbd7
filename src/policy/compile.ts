/**
 * Compiling a policy definition, in named and timed stages (after OPA's compiler):
 *
 *   parse            JSON text/object → definition parts, shape checked
 *   bindParameters   assignment values → defaults, types and allowedValues checked
 *   buildClosures    conditions, aliases, expressions, effect and details → closures
 *   indexTypes       the resource types the rule can match
 *
 * A definition with errors yields every error (code + JSON path), never a partial policy.
 */
import type { AliasCatalog } from '../catalog/index.js';
import { safeJsonParse } from '../core/index.js';
import { applicabilityOf, compileConditionNode, mentionsLocation, type Condition, type ConditionNode } from './conditions.js';
import { compileDetails, effectByName, type CompiledDetails, type EffectName } from './effects.js';
import { PolicyError } from './errors.js';
import { compileValue, type CompiledValue } from './expression-compiler.js';
import { bindParameters } from './parameters.js';
import type { CompileOptions } from './runtime.js';
import type { Scope } from './scope.js';
import { findDuplicateKey, locateJsonError } from './json-strict.js';
import { typesOf } from './type-index.js';
import { isObject, ownEntries } from './value.js';

export type PolicyMode = 'All' | 'Indexed' | string;

export interface CompiledPolicy {
  readonly kind: 'compiled';
  readonly name?: string;
  readonly displayName?: string;
  /** `All`, `Indexed`, or a resource-provider mode such as `Microsoft.Kubernetes.Data`. */
  readonly mode: PolicyMode;
  /** True for resource-provider (data-plane) modes that ARM resources cannot be evaluated under. */
  readonly providerMode: boolean;
  /** Lower-cased resource types the rule can match; undefined = any. */
  readonly types: ReadonlySet<string> | undefined;
  readonly condition: Condition;
  /** The `if` condition as a tree (for reasons and applicability); `condition` is `conditionTree.test`. */
  readonly conditionTree: ConditionNode;
  /**
   * Azure's applicability test for effects other than AuditIfNotExists / DeployIfNotExists: only the `type`, `name`
   * and `kind` conditions are evaluated, every other condition counts as true (false under `not`). Undefined when
   * the policy applies to every resource its mode and type index admit.
   */
  readonly applicability?: Condition;
  /** The rule has a `location` condition (or reads `field('location')`): it does not apply to subscriptions. */
  readonly locationSensitive: boolean;
  readonly effect: CompiledValue;
  /** The effect when it is known at compile time. */
  readonly staticEffect?: EffectName;
  /** The effect as the definition spells it, when known at compile time. */
  readonly staticEffectText?: string;
  readonly details?: CompiledDetails;
  /** JSON path of `then.details` inside the definition. */
  readonly detailsPath?: ReadonlyArray<string | number>;
  /** Results shared by every evaluation that reaches them (filled by `evaluate`). */
  readonly memo: { nonCompliant?: unknown; existence?: unknown[] };
  readonly aliases?: AliasCatalog;
  /** Stage timings in nanoseconds. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface CompileFailure {
  readonly kind: 'errors';
  readonly errors: PolicyError[];
  readonly metrics: Readonly<Record<string, number>>;
}

export type CompileResult = CompiledPolicy | CompileFailure;

interface Parsed {
  rule: Record<string, unknown>;
  rulePath: Array<string | number>;
  mode: string;
  parameters?: Record<string, unknown>;
  parametersPath: Array<string | number>;
  name?: string;
  displayName?: string;
}

function getCI(obj: Record<string, unknown>, key: string): [string, unknown] | undefined {
  return ownEntries(obj).find(([k]) => k.toLowerCase() === key.toLowerCase());
}

function parseStage(input: unknown, file: string | undefined, errors: PolicyError[]): Parsed | undefined {
  let json = input;
  if (typeof input === 'string') {
    try {
      json = safeJsonParse(input);
      const dup = findDuplicateKey(input);
      if (dup) {
        errors.push(new PolicyError('PolicyParseError', `duplicate property '${dup.key}' at offset ${dup.offset}`, [], file));
        return undefined;
      }
    } catch (e) {
      const at = locateJsonError(input);
      const where = at ? `${at.message} at offset ${at.offset}` : (e as Error).message;
      errors.push(new PolicyError('PolicyParseError', `not JSON: ${where}`, at?.path ?? [], file));
      return undefined;
    }
  }
  if (!isObject(json)) {
    errors.push(new PolicyError('PolicyParseError', 'a policy definition must be a JSON object', [], file));
    return undefined;
  }
  let props: Record<string, unknown> = json;
  let base: Array<string | number> = [];
  const p = getCI(json, 'properties');
  if (p && isObject(p[1])) {
    props = p[1];
    base = [p[0]];
  }
  const ruleEntry = getCI(props, 'policyRule');
  let rule: Record<string, unknown>;
  let rulePath: Array<string | number>;
  let mode = 'All';
  let parameters: Record<string, unknown> | undefined;
  let parametersPath: Array<string | number> = [...base, 'parameters'];
  if (ruleEntry) {
    if (!isObject(ruleEntry[1])) {
      errors.push(new PolicyError('PolicyParseError', 'policyRule must be an object', [...base, ruleEntry[0]], file));
      return undefined;
    }
    rule = ruleEntry[1];
    rulePath = [...base, ruleEntry[0]];
    const m = getCI(props, 'mode');
    if (m && typeof m[1] === 'string') mode = m[1];
    else if (m && m[1] !== null) errors.push(new PolicyError('PolicyParseError', 'mode must be a string', [...base, m[0]], file));
    else if (m === undefined || m[1] === null) mode = 'Indexed';
    const params = getCI(props, 'parameters');
    if (params) {
      if (!isObject(params[1])) errors.push(new PolicyError('PolicyParseError', 'parameters must be an object', [...base, params[0]], file));
      else parameters = params[1];
      parametersPath = [...base, params[0]];
    }
  } else {
    rule = json;
    rulePath = [];
  }
  const ifEntry = getCI(rule, 'if');
  const thenEntry = getCI(rule, 'then');
  if (!ifEntry) errors.push(new PolicyError('PolicyParseError', "policyRule needs 'if'", rulePath, file));
  if (!thenEntry) errors.push(new PolicyError('PolicyParseError', "policyRule needs 'then'", rulePath, file));
  else if (!isObject(thenEntry[1]) || !getCI(thenEntry[1], 'effect')) {
    errors.push(new PolicyError('PolicyParseError', "'then' needs 'effect'", [...rulePath, thenEntry[0]], file));
  }
  if (errors.length > 0) return undefined;
  const name = getCI(json, 'name')?.[1];
  const displayName = getCI(props, 'displayName')?.[1];
  return {
    rule,
    rulePath,
    mode,
    parameters,
    parametersPath,
    name: typeof name === 'string' ? name : undefined,
    displayName: typeof displayName === 'string' ? displayName : undefined,
  };
}

const MODES = new Map([
  ['all', 'All'],
  ['indexed', 'Indexed'],
]);

function timed<T>(metrics: Record<string, number>, stage: string, f: () => T): T {
  const start = process.hrtime.bigint();
  try {
    return f();
  } finally {
    metrics[`compile_stage_${stage}`] = Number(process.hrtime.bigint() - start);
  }
}

/**
 * Compiles a definition (`{properties: {policyRule, parameters, mode}}`, `{policyRule, ...}`) or a bare rule
 * (`{if, then}`) with the assignment's parameter values bound.
 */
export function compileDefinition(input: unknown, options: CompileOptions = {}): CompileResult {
  const metrics: Record<string, number> = {};
  const errors: PolicyError[] = [];
  const file = options.file;
  const parsed = timed(metrics, 'parse', () => parseStage(input, file, errors));
  if (!parsed) return { kind: 'errors', errors, metrics };

  const bound = timed(metrics, 'bind_parameters', () => bindParameters(parsed.parameters, options.parameters, parsed.parametersPath, file));
  if (bound.errors.length > 0) return { kind: 'errors', errors: bound.errors, metrics };

  const scope: Scope = {
    aliases: options.aliases,
    unknownAliases: options.unknownAliases ?? 'error',
    params: bound.values,
    declared: parsed.parameters !== undefined,
    declaredNames: new Set(ownEntries(parsed.parameters ?? {}).map(([k]) => k.toLowerCase())),
    counts: [],
    errors,
    file,
    frameDepth: 0,
    valueCounts: 0,
    conditions: 0,
    fieldsUsed: new Set(),
    readers: new Map(),
  };
  const built = timed(metrics, 'build_closures', () => {
    const [ifKey, ifNode] = getCI(parsed.rule, 'if') as [string, unknown];
    const [thenKey, thenNode] = getCI(parsed.rule, 'then') as [string, Record<string, unknown>];
    const conditionTree = compileConditionNode(ifNode, scope, [...parsed.rulePath, ifKey]);
    const [effectKey, effectJson] = getCI(thenNode, 'effect') as [string, unknown];
    const effectPath = [...parsed.rulePath, thenKey, effectKey];
    const effect = compileValue(effectJson, scope, effectPath);
    let staticEffect: EffectName | undefined;
    if (effect.isConst) {
      staticEffect = typeof effect.value === 'string' ? effectByName(effect.value) : undefined;
      if (!staticEffect) errors.push(new PolicyError('InvalidEffect', `'${String(effect.value)}' is not a policy effect`, effectPath, file));
    }
    const detailsEntry = getCI(thenNode, 'details');
    const detailsPath = detailsEntry ? [...parsed.rulePath, thenKey, detailsEntry[0]] : undefined;
    const details = detailsEntry ? compileDetails(staticEffect, detailsEntry[1], { ...scope, inDetails: true }, detailsPath as Array<string | number>) : undefined;
    for (const [k] of ownEntries(thenNode)) {
      if (!['effect', 'details'].includes(k.toLowerCase())) errors.push(new PolicyError('PolicyParseError', `unexpected key '${k}' in 'then'`, [...parsed.rulePath, thenKey, k], file));
    }
    return { conditionTree, effect, staticEffect, details, detailsPath, ifNode, thenNode };
  });
  if (errors.length > 0) return { kind: 'errors', errors, metrics };
  const types = timed(metrics, 'index_types', () => typesOf(built.ifNode));
  const applicability = timed(metrics, 'applicability', () => applicabilityOf(built.conditionTree));
  const locationSensitive = mentionsLocation(built.ifNode) || mentionsLocation(built.thenNode);
  const mode = MODES.get(parsed.mode.toLowerCase()) ?? parsed.mode;
  return {
    kind: 'compiled',
    name: parsed.name,
    displayName: parsed.displayName,
    mode,
    providerMode: mode !== 'All' && mode !== 'Indexed',
    types,
    condition: built.conditionTree.test,
    conditionTree: built.conditionTree,
    applicability,
    locationSensitive,
    effect: built.effect,
    staticEffect: built.staticEffect,
    staticEffectText: built.staticEffect && typeof built.effect.value === 'string' ? built.effect.value : undefined,
    details: built.details,
    detailsPath: built.detailsPath,
    memo: {},
    aliases: options.aliases,
    metrics,
  };
}

export function isCompiled(result: CompileResult): result is CompiledPolicy {
  return result.kind === 'compiled';
}
