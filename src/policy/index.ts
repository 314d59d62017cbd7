/**
 * Azure Policy engine: compile a definition once (named stages, coded errors with JSON paths), evaluate it against
 * ARM resources, and run conformance cases.
 *
 *   const compiled = compileDefinition(definitionJson, { aliases, parameters });
 *   if (compiled.kind === 'errors') ...;                    // PolicyError[] with code + location.path
 *   const r = evaluate(compiled, resource, { host, subscription, resourceGroup, now });
 *   r.effect, r.state, r.details, r.reason
 */
export { compileDefinition, isCompiled } from './compile.js';
export type { CompiledPolicy, CompileFailure, CompileResult, PolicyMode } from './compile.js';
export { evaluate } from './evaluate.js';
export type { ComplianceState, EvaluationResult } from './evaluate.js';
export type { CompileOptions, EvaluationContext, PolicyHost, RelatedResourceQuery } from './runtime.js';
export { PolicyError, EvaluationError, LIMITS } from './errors.js';
export type { PolicyErrorCode } from './errors.js';
export { EFFECTS, effectByName } from './effects.js';
export type { EffectName } from './effects.js';
export { OPERATORS, policyEquals, policyCompare } from './operators.js';
export type { OperatorName } from './operators.js';
export { functionNames, lookupFunction } from './functions/index.js';
export { parseExpression, parseStringValue, isExpression } from './expression-parser.js';
export type { Expr } from './expression-parser.js';
export { runPolicyTests } from './testing/runner.js';
export type { PolicyTestOptions, PolicyTestReport, PolicyTestFailure, CorpusSkip } from './testing/runner.js';
