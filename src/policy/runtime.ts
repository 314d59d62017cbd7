/** What one evaluation carries: the resource, the caller's context and the count frames. */
import { lowerCaseType } from '../core/index.js';
import type { AliasCatalog } from '../catalog/index.js';
import type { PathPlan } from './paths.js';
import { getKey, type JsonObject } from './value.js';

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
  /** `query` is valid for the duration of the call only (the engine reuses the object): copy what you keep. */
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
  /**
   * When true, results carry `evaluationDetails` (which conditions decided, with observed and expected values).
   * Off by default: computing them re-walks the rule, so scans ask only for the results they show.
   */
  reasons?: boolean;
}

/** A count frame: the member being tested and, for field counts, the path that selected it. */
export interface Frame {
  value: unknown;
  plan?: PathPlan;
}

let epochs = 0;

/** Lower-cased resource types, one string per type (a scan meets a few hundred types across many resources). */
function lowerType(type: unknown): string {
  return typeof type === 'string' ? lowerCaseType(type) : '';
}

/**
 * The state of one evaluation. A scan evaluates many definitions against one resource in a row, so `evaluate`
 * reuses the Runtime of the previous call when the resource and context are the same objects: the resource's
 * normalised view (lower-cased type, normalised location, fullName, Indexed eligibility) is computed once per
 * resource, not once per definition.
 */
export class Runtime {
  /** The evaluated resource (what `field()` reads). */
  resource: JsonObject;
  /** What `field` conditions read: the resource, or a related resource inside `existenceCondition`. */
  target: JsonObject;
  /** Lower-cased type of `target`, for per-type alias paths. */
  typeKey: string;
  apiVersion: string | undefined;
  readonly frames: Frame[] = [];
  context: EvaluationContext;
  valueCountIterations = 0;
  /** Identifies one evaluation (field readers memoise values per epoch). */
  epoch = ++epochs;
  /** True while an evaluation uses this runtime (a re-entrant evaluate gets a fresh one). */
  busy = false;
  /** Lower-cased type of `resource` and the raw type string it was computed from. */
  resourceTypeKey: string;
  private typeSource: unknown;
  private nowValue: Date | undefined;
  private locationSource: unknown;
  private locationValue: unknown;
  private fullNameSource: unknown = Runtime;
  private fullNameValue: unknown;
  /** Indexed-mode eligibility, memoised per alias catalog. */
  indexedCatalog: unknown = Runtime;
  indexedValue = false;
  indexedLocation: unknown;

  constructor(resource: JsonObject, context: EvaluationContext) {
    this.resource = resource;
    this.target = resource;
    const type = resource.type;
    this.typeSource = type;
    this.resourceTypeKey = lowerType(type);
    this.typeKey = this.resourceTypeKey;
    this.apiVersion = context.apiVersion?.toLowerCase();
    this.context = context;
  }

  /** Prepares the runtime for another evaluation of the same resource (which may have been changed since). */
  reset(context: EvaluationContext): void {
    if (context !== this.context) {
      this.context = context;
      this.apiVersion = context.apiVersion?.toLowerCase();
      this.nowValue = undefined;
    }
    const type = this.resource.type;
    if (type !== this.typeSource) {
      this.typeSource = type;
      this.resourceTypeKey = lowerType(type);
      this.indexedCatalog = Runtime;
    }
    this.epoch = ++epochs;
    this.target = this.resource;
    this.typeKey = this.resourceTypeKey;
    if (this.frames.length !== 0) this.frames.length = 0;
    this.valueCountIterations = 0;
  }

  /**
   * Prepares the runtime for an evaluation of another resource (a scan reuses one runtime for every resource): the
   * same state as `new Runtime(resource, context)`.
   */
  rebind(resource: JsonObject, context: EvaluationContext): void {
    this.resource = resource;
    this.target = resource;
    const type = resource.type;
    this.typeSource = type;
    this.resourceTypeKey = lowerType(type);
    this.typeKey = this.resourceTypeKey;
    if (context !== this.context) {
      this.context = context;
      this.apiVersion = context.apiVersion?.toLowerCase();
    }
    if (this.frames.length !== 0) this.frames.length = 0;
    this.valueCountIterations = 0;
    this.epoch = ++epochs;
    this.nowValue = undefined;
    this.locationSource = undefined;
    this.locationValue = undefined;
    this.fullNameSource = Runtime;
    this.fullNameValue = undefined;
    this.indexedCatalog = Runtime;
    this.indexedValue = false;
    this.indexedLocation = undefined;
  }

  now(): Date {
    if (this.nowValue === undefined) this.nowValue = this.context.now ?? new Date();
    return this.nowValue;
  }

  /** `location` of the evaluated resource, normalised (`East US 2` → `eastus2`), memoised. */
  location(): unknown {
    const loc = getKey(this.resource, 'location', 'location');
    if (loc !== this.locationSource || this.locationValue === undefined) {
      this.locationSource = loc;
      this.locationValue = normaliseLocation(loc);
    }
    return this.locationValue;
  }

  /** `fullName` of the evaluated resource, memoised on its id and name. */
  fullName(compute: (root: unknown) => unknown): unknown {
    const key = this.resource.id;
    if (key !== this.fullNameSource || typeof key !== 'string') {
      this.fullNameSource = key;
      this.fullNameValue = compute(this.resource);
    }
    return this.fullNameValue;
  }
}

export function normaliseLocation(loc: unknown): unknown {
  if (typeof loc !== 'string') return loc;
  let plain = true;
  for (let i = 0; i < loc.length; i++) {
    const c = loc.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c === 32 || c === 9 || c === 10 || c === 13 || c > 127) {
      plain = false;
      break;
    }
  }
  return plain ? loc : loc.replace(/\s+/g, '').toLowerCase();
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
