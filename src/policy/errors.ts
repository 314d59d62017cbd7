import { PalisadeError, jsonPath } from '../core/index.js';

/**
 * Stable error codes of the policy engine. Compile-time codes describe the definition; evaluation codes
 * describe one resource × definition evaluation (Azure treats those as a failed evaluation).
 */
export type PolicyErrorCode =
  | 'PolicyParseError' // the JSON is not a definition / rule of the documented shape
  | 'UnknownOperator'
  | 'InvalidCondition'
  | 'InvalidExpression' // a template expression does not parse
  | 'UnknownFunction'
  | 'InvalidFunctionCall' // wrong argument count or a function not allowed here
  | 'UnknownAlias'
  | 'UnknownParameter'
  | 'InvalidParameterValue'
  | 'InvalidEffect'
  | 'NotModifiable'
  | 'TooDeep'
  | 'LimitExceeded'
  // evaluation
  | 'FunctionError'
  | 'TypeMismatch';

/** A problem with a JSON path inside the definition (`$.properties.policyRule.if.allOf[2].field`). */
export class PolicyError extends PalisadeError {
  constructor(code: PolicyErrorCode, message: string, path?: ReadonlyArray<string | number>, file?: string) {
    super(code, message, {
      kind: 'validation',
      location: path === undefined && file === undefined ? undefined : { file, path: path ? jsonPath(path) : undefined },
    });
  }
}

/** Raised while evaluating; carries a code but no location (the compiled closure knows no JSON). */
export class EvaluationError extends Error {
  readonly code: PolicyErrorCode;
  constructor(code: PolicyErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function fnError(message: string): EvaluationError {
  return new EvaluationError('FunctionError', message);
}

/** Fixed structural limits (Azure's documented ones where it documents them). */
export const LIMITS = {
  /** Nesting of allOf/anyOf/not/count/where and of expression calls. */
  maxDepth: 64,
  /** Azure: 4096 `if` conditions. */
  maxConditions: 4096,
  /** Azure: 10 value counts per rule. */
  maxValueCounts: 10,
  /** Azure: 100 value-count iterations. */
  maxValueCountIterations: 100,
  /** Azure: string results at most 131072 characters. */
  maxStringLength: 131072,
  /** Longest template expression we parse. */
  maxExpressionLength: 81920,
} as const;
