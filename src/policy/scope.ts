/** Compile-time scope: what a condition or expression can see where it is written. */
import type { AliasCatalog } from '../catalog/index.js';
import { PolicyError, type PolicyErrorCode } from './errors.js';
import type { FieldReader } from './fields.js';

export interface CountScope {
  kind: 'field' | 'value';
  /** Frame index in Runtime.frames. */
  frame: number;
  /** Value count: lower-cased `name`. */
  name?: string;
  /** Field count: the counted field. */
  field?: FieldReader;
  /** Field count: the counted field as written (lower-cased) for current('<alias>'). */
  fieldName?: string;
}

export interface Scope {
  readonly aliases: AliasCatalog | undefined;
  readonly unknownAliases: 'error' | 'path';
  /** Bound parameter values by lower-cased name; `declared` false means any name may be supplied at evaluation. */
  readonly params: Map<string, unknown>;
  readonly declared: boolean;
  /** Declared parameter names (lower-cased), bound or not. */
  readonly declaredNames: Set<string>;
  readonly counts: CountScope[];
  /** Inside `existenceCondition`: field conditions read the related resource of this type. */
  readonly relatedType?: string;
  readonly errors: PolicyError[];
  readonly file?: string;
  /** Number of frames in use (next free frame index). */
  frameDepth: number;
  valueCounts: number;
  conditions: number;
  /** Lower-cased types a `field: type` condition can match, collected for indexing (undefined = any). */
  fieldsUsed: Set<string>;
  /** Compiling `then.details` (where `uniqueString` and `guid` are available). */
  readonly inDetails?: boolean;
  /** Field readers outside counts, shared by lower-cased field name within one definition. */
  readers?: Map<string, FieldReader>;
}

export function report(scope: Scope, code: PolicyErrorCode, message: string, path: ReadonlyArray<string | number>): void {
  scope.errors.push(new PolicyError(code, message, path, scope.file));
}

export function withCount(scope: Scope, count: CountScope): Scope {
  return { ...scope, counts: [...scope.counts, count], frameDepth: scope.frameDepth + 1 };
}
