/** What one evaluation carries: the resource, the caller's context and the count frames. */
import type { AliasCatalog } from '../catalog/index.js';
import type { PathPlan } from './paths.js';
import type { JsonObject } from './value.js';

/** A related-resource lookup for AuditIfNotExists / DeployIfNotExists. */
export interface RelatedResourceQuery {
  /** `details.type` (full type, e.g. `Microsoft.Sql/servers/auditingSettings`). */
  type: string;
  /** `details.name` when given (exact name, or `parent/?`-style wildcard). */
  name?: string;
  resourceGroupName?: string;
  existenceScope: 'ResourceGroup' | 'Subscription';
  /** The evaluated resource (its `id` decides where to look). */
  resource: JsonObject;
}

/**
 * The caller answers related-resource lookups (the estate in production, `host_await` in the conformance corpus).
 * Returning `undefined` means "cannot tell": the evaluation reports state Unknown for AINE/DINE.
 */
export interface PolicyHost {
  findRelated(query: RelatedResourceQuery): ReadonlyArray<unknown> | undefined;
}

/** Per-evaluation inputs besides the resource. */
export interface EvaluationContext {
  /** Containing resource group object for `resourceGroup()` (name, id, location, tags, ...). */
  resourceGroup?: unknown;
  /** Containing subscription object for `subscription()` (subscriptionId, displayName, id, tenantId, ...). */
  subscription?: unknown;
  /** For `requestContext()`; compliance scans use `{ apiVersion: <latest> }`. */
  requestContext?: unknown;
  /** For `policy()`: assignmentId, definitionId, setDefinitionId, definitionReferenceId. */
  policy?: unknown;
  /** The API version the resource was read with (selects versioned alias paths). */
  apiVersion?: string;
  /** Evaluation time; `utcNow()` reads it. */
  now?: Date;
  host?: PolicyHost;
}

/** A count frame: the member being tested and, for field counts, the path that selected it. */
export interface Frame {
  value: unknown;
  plan?: PathPlan;
}

export class Runtime {
  /** The evaluated resource (what `field()` reads). */
  readonly resource: JsonObject;
  /** What `field` conditions read: the resource, or a related resource inside `existenceCondition`. */
  target: JsonObject;
  /** Lower-cased type of `target`, for per-type alias paths. */
  typeKey: string;
  readonly apiVersion: string | undefined;
  readonly frames: Frame[] = [];
  readonly context: EvaluationContext;
  valueCountIterations = 0;
  private nowValue: Date | undefined;

  constructor(resource: JsonObject, context: EvaluationContext) {
    this.resource = resource;
    this.target = resource;
    const type = resource.type;
    this.typeKey = typeof type === 'string' ? type.toLowerCase() : '';
    this.apiVersion = context.apiVersion?.toLowerCase();
    this.context = context;
  }

  now(): Date {
    if (this.nowValue === undefined) this.nowValue = this.context.now ?? new Date();
    return this.nowValue;
  }
}

/** Compile-time options shared by the stages. */
export interface CompileOptions {
  /** Alias table; without one, `field` paths are read as plain property paths (`properties.x`). */
  aliases?: AliasCatalog;
  /**
   * What an alias name that the catalog lacks means: `'error'` (Azure rejects such definitions: UnknownAlias) or
   * `'path'` (read it as a property path below `properties`). Default `'error'` with a catalog.
   */
  unknownAliases?: 'error' | 'path';
  /** Assignment parameter values (`{name: value}` or `{name: {value}}`). */
  parameters?: Record<string, unknown>;
  /** Where the definition came from, for error locations. */
  file?: string;
}
