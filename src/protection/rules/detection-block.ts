/**
 * A Sigma `detection` block: named selections plus a `condition` over them, compiled to one predicate.
 */
import { ruleError, type RulePath } from './location.js';
import { compileCondition } from './condition.js';
import { compileSelection, type Predicate, type SelectionEnv } from './selection.js';

export function compileDetectionBlock(detection: unknown, env: SelectionEnv, path: RulePath): Predicate {
  if (detection === null || typeof detection !== 'object' || Array.isArray(detection)) {
    throw ruleError('SigmaInvalidDetection', 'detection must be a map of selections and a condition', env.origin, path);
  }
  const block = detection as Record<string, unknown>;
  if ('timeframe' in block) {
    throw ruleError('SigmaUnsupportedCondition', "'timeframe' belongs to Sigma 1 aggregations; write a correlation rule with 'timespan'", env.origin, [...path, 'timeframe']);
  }
  if (!('condition' in block)) throw ruleError('SigmaInvalidDetection', "detection has no 'condition'", env.origin, path);
  const selections = new Map<string, Predicate>();
  for (const [name, value] of Object.entries(block)) {
    if (name === 'condition') continue;
    selections.set(name, compileSelection(value, env, [...path, name]));
  }
  if (selections.size === 0) throw ruleError('SigmaInvalidDetection', 'detection has no selections', env.origin, path);
  return compileCondition(block.condition, selections, env.origin, [...path, 'condition']);
}
