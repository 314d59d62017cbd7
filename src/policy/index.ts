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
// Assignments, initiatives, exemptions, policy states, summaries, scans, remediation and Deny what-if.
export { normalizeAssignment, assignmentApplies, assignmentAppliesTo, resourceFacts, ScopeChains, resourceSelectorsMatch, clauseMatches, overridesFor, effectOverride, nonComplianceMessage, normalizeLocation, scopeOfId } from './assignments.js';
export type { PolicyAssignment, NormalizedAssignment, ResourceFacts, ResourceSelector, ResourceSelectorClause, AssignmentOverride, OverrideSelector, NonComplianceMessage } from './assignments.js';
export { normalizeExemption, isExpired, ExemptionIndex } from './exemptions.js';
export type { PolicyExemption, NormalizedExemption } from './exemptions.js';
export { resolveAssignment, initiativeParameters, PolicyCompiler, definitionsFromList } from './initiatives.js';
export type { DefinitionSource, PolicySetDefinition, PolicyDefinitionReference, PolicyDefinitionGroup, ResolvedReference, ResolvedAssignment, DefinitionInfo, CompiledReference } from './initiatives.js';
export { ROLLUP_ORDER, rollUp, compareStates } from './states.js';
export type { PolicyStateRecord, PolicyComplianceState } from './states.js';
export { summarizeStates, computeResults } from './summary.js';
export type { PolicyStatesSummary, PolicyAssignmentSummary, PolicyDefinitionSummary, PolicyGroupSummary, SummaryResults, ComplianceCount, SummarizeOptions } from './summary.js';
export { EstateIndex, EXTENSION_TYPES } from './estate-host.js';
export type { ArmResource } from './estate-host.js';
export { PolicyScanner, evaluateEstate, isEvaluatedType } from './scan.js';
export type { ScanOptions, ScanResult, ScanProgress, StateFilter, NotEvaluatedReason, NotEvaluatedEntry, CompileErrorEntry } from './scan.js';
export { createRemediation, applyModify, applyAppend, planDeployment, deployTemplate, fieldPath } from './remediation.js';
export type { RemediationOptions, RemediationRecord, RemediationResult, RemediationChange, DeploymentPlan, ResourceDiscoveryMode, ModifyOperation } from './remediation.js';
export { denyWhatIf, effectAllows } from './what-if.js';
export type { DenyWhatIfOptions, DenyWhatIfResult, WhatIfGroup, WhatIfResource } from './what-if.js';
export { evaluateTemplateValue, TemplateError } from './template-eval.js';
export type { TemplateEnv } from './template-eval.js';
export { explain } from './evaluate.js';
export type { ExpressionEvaluationDetails, PolicyEvaluationDetails } from './evaluate.js';
export type { ConditionNode } from './conditions.js';
export { parameterTypeMatches } from './parameters.js';
