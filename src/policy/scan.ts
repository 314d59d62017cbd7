/**
 * Scanning an estate: every assignment (inherited down the management-group tree) × every definition reference ×
 * every resource its compiled type index says it can apply to → policy states, a summary, and counts of what could
 * not be evaluated and why.
 *
 *   const scanner = new PolicyScanner({ resources, assignments, exemptions, definitions, aliases, hierarchy, clock });
 *   const result = scanner.scan();                      // result.summary, result.stateCounts; result.states on demand
 *   scanner.reevaluateResource(id, changedResource);   // incremental: that resource and the lookups that depend on it
 *
 * Incremental evaluation re-runs only the changed resource and the resources whose related-resource lookups
 * (AINE/DINE) or `subscription()` / `resourceGroup()` reads touched it; the result equals a full scan.
 * A changed management-group tree, assignment or exemption set needs `rescan()`.
 *
 * How a scan stays cheap (one million resources × the MCSB initiative in seconds):
 *  - plan entries are looked up per resource type id (the estate index interns types), never per resource;
 *  - scope, notScope, resourceSelector and exemption decisions, the `subscription()` / `resourceGroup()` objects and
 *    the management-group chain are computed once per resource group / subscription (`ScopeContext`); only
 *    assignments, notScopes or exemptions below that level are checked per resource (`shareScopes: false` turns
 *    this off — the tests compare both);
 *  - a resource's states are stored as (plan entry, engine result) pairs — results are mostly shared frozen
 *    objects — with rare adjustments (exemptions, Modify conflicts, per-resource effect overrides); the
 *    PolicyInsights-shaped records are built only when listed (`states()`, `result.states`), sorted only then;
 *  - the summary and the counts by state come from one pass over the stored pairs with per-resource roll-ups
 *    (`fastSummary`), equal to `summarizeStates` over the records;
 *  - a lookup among the evaluated resource's own children and extensions is not recorded as a dependency: a change
 *    to a child or extension re-evaluates its parent; assessment presence flips re-evaluate the types of the
 *    assessment-reading definitions.
 */
import type { AliasCatalog } from '../catalog/index.js';
import { canonicalKey, systemClock, type Clock, type ScopeHierarchy } from '../core/index.js';
import type { CompiledPolicy } from './compile.js';
import { evaluate, releaseLastEvaluation, type EvaluationResult } from './evaluate.js';
import type { PolicyError } from './errors.js';
import type { EvaluationContext, PolicyHost } from './runtime.js';
import {
  ScopeChains,
  assignmentApplies,
  effectOverride,
  nonComplianceMessage,
  normalizeAssignment,
  overridesFor,
  resourceFacts,
  type AssignmentOverride,
  type NormalizedAssignment,
  type PolicyAssignment,
  type ResourceFacts,
} from './assignments.js';
import { EstateIndex, RG_TYPE, SUBSCRIPTION_TYPE, containerKeyOf, type ArmResource, type IndexedResource } from './estate-host.js';
import { ExemptionIndex, type NormalizedExemption, type PolicyExemption } from './exemptions.js';
import { PolicyCompiler, resolveAssignment, type CompiledReference, type DefinitionInfo, type DefinitionSource, type ResolvedReference } from './initiatives.js';
import { compareStates, type PolicyComplianceState, type PolicyStateRecord } from './states.js';
import { summarizeStates, type ComplianceCount, type PolicyAssignmentSummary, type PolicyStatesSummary, type SummarizeOptions, type SummaryResults } from './summary.js';

export interface ScanOptions {
  resources: Iterable<ArmResource>;
  assignments: Iterable<PolicyAssignment>;
  exemptions?: Iterable<PolicyExemption>;
  /** Definitions and set definitions by id. */
  definitions: DefinitionSource;
  aliases?: AliasCatalog;
  hierarchy?: ScopeHierarchy;
  clock?: Clock;
  /** Answers related-resource lookups instead of the built-in estate index. */
  host?: PolicyHost;
  /**
   * `requestContext().apiVersion` during the scan. Azure's compliance scans present the latest API version of the
   * type; a resource row's own `apiVersion` wins when present. Default `2025-01-01`.
   */
  apiVersion?: string;
  /**
   * Share scope, container and exemption decisions among the resources of one resource group / subscription
   * (default true). False decides them per resource — the reference the shared decisions are tested against.
   */
  shareScopes?: boolean;
  /**
   * Decide an assessment-reading definition whose outcome depends on the resource type alone (see
   * `PlanEntry.typeDecidedAssessment`) once per type while the estate holds no assessment of its name (default
   * true). False evaluates every pair — the reference the shortcut is tested against.
   */
  shortcuts?: boolean;
}

/** Reasons an (assignment, reference) or an evaluation is not evaluated. */
export type NotEvaluatedReason =
  | 'DefinitionNotFound'
  | 'PolicySetDefinitionNotFound'
  | 'InvalidReferenceParameters'
  | 'CompileError'
  | 'ResourceProviderMode'
  | 'EffectDisabled'
  | 'AssessmentNotInEstate'
  | 'EvaluationError';

export interface NotEvaluatedEntry {
  policyAssignmentId: string;
  policyDefinitionReferenceId: string;
  policyDefinitionId: string;
  reason: NotEvaluatedReason;
  message?: string;
}

export interface CompileErrorEntry {
  policyAssignmentId: string;
  policyDefinitionReferenceId: string;
  policyDefinitionId: string;
  errors: Array<{ code: string; message: string; path?: string }>;
}

export interface ScanResult {
  /** Every policy state, sorted by resource, assignment, reference (built on first access). */
  states: PolicyStateRecord[];
  summary: PolicyStatesSummary;
  /** Number of states by compliance state (`Compliant`, `NonCompliant`, `Exempt`, `Conflicting`, `Unknown`). */
  stateCounts: Record<string, number>;
  /**
   * Counts by reason. Definition-level reasons (not found, compile errors, RP modes, Disabled) count
   * (assignment, reference) pairs; AssessmentNotInEstate and EvaluationError count (reference, resource) evaluations.
   */
  notEvaluated: Record<string, number>;
  /** The definition-level entries behind `notEvaluated`. */
  notEvaluatedReferences: NotEvaluatedEntry[];
  compileErrors: CompileErrorEntry[];
  /** `millis`: the whole scan; `evaluateMillis`: evaluating (without sorting and summarising). */
  metrics: {
    resources: number;
    evaluations: number;
    /** Of `evaluations`, those decided per resource type without calling the engine (ScanOptions.shortcuts). */
    typeDecided: number;
    compiledVariants: number;
    millis: number;
    evaluateMillis: number;
  };
}

/** One (assignment, definition reference) of the plan. */
interface PlanEntry {
  readonly ordinal: number;
  /** Position of the assignment in `PolicyScanner.assignments`. */
  readonly assignmentIndex: number;
  readonly assignment: NormalizedAssignment;
  readonly ref: ResolvedReference;
  readonly info: DefinitionInfo;
  readonly base: CompiledReference & { compiled: CompiledPolicy };
  /** Overrides whose selection depends on the resource (location, type); empty when static. */
  readonly dynamicOverrides: ReadonlyArray<AssignmentOverride>;
  /** Compiled variants per dynamic override value (`''` = none). */
  readonly variants: Map<string, CompiledReference>;
  readonly assessment: boolean;
  /**
   * For an assessment-reading AuditIfNotExists / DeployIfNotExists whose outcome depends on the resource's type
   * alone while the estate holds no assessment of this (lower-cased) name — mode All, an `if` of `type` equals / in
   * conditions only, constant details.name and a static effect — the name; else undefined. Such an entry is
   * evaluated once per resource type and its state (Unknown → AssessmentNotInEstate, or NotApplicable) reused.
   */
  readonly typeDecidedAssessment?: string;
  /** Its state per `IndexedResource.typeId` once decided (cleared by `scan()`). */
  readonly decidedByType: Array<string | undefined>;
  /** The definition may look up assessments (details.type is assessments or not a constant). */
  readonly assessmentSensitive: boolean;
  readonly readsContainers: boolean;
  /** The effect may be Modify (static Modify, or decided per resource / override). */
  readonly modifyLike: boolean;
  /** `policy()` of the evaluation context (shared by every evaluation of the entry). */
  readonly policy: Readonly<Record<string, string>>;
  /** Index of `assignmentKey|referenceId` among the plan's distinct policies (summary roll-ups). */
  readonly policyIndex: number;
  /** Indexes of `assignmentKey|groupName` among the plan's distinct groups (deduplicated). */
  readonly groupIndexes: ReadonlyArray<number>;
  readonly template: Omit<PolicyStateRecord, 'timestamp' | 'resourceId' | 'isCompliant' | 'subscriptionId' | 'resourceType' | 'resourceLocation' | 'resourceGroup' | 'resourceTags' | 'managementGroupIds' | 'complianceState' | 'policyDefinitionAction' | 'effect' | 'reason' | 'exemptionIds' | 'evaluatedState'>;
}

const SKIP_PREFIXES = ['microsoft.management/', 'microsoft.policyinsights/', 'microsoft.authorization/policy'];

/** Types a compliance scan never evaluates (management groups, policy objects, Microsoft.Resources/* other than containers). */
export function isEvaluatedType(typeKey: string): boolean {
  if (typeKey === SUBSCRIPTION_TYPE || typeKey === RG_TYPE || typeKey === 'microsoft.resources/resourcegroups') return true;
  if (typeKey.startsWith('microsoft.resources/')) return false;
  return !SKIP_PREFIXES.some((p) => typeKey.startsWith(p));
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * What the scope, container and exemption checks of one container (resource group or subscription) give for every
 * resource directly in it, computed once per container instead of once per resource. A resource's scope chain
 * differs from its container's only by the prefixes below the container, so an assignment, notScope or exemption
 * scope at or above the container decides for all its resources; one below it (a resource-level scope) or
 * resourceSelectors are checked per resource (`applies` = 2).
 */
interface ScopeContext {
  /** The row's `subscriptionId` / `resourceGroup` this context was built from (the container objects use them). */
  readonly subRaw: unknown;
  readonly rgRaw: unknown;
  readonly subscription?: unknown;
  readonly resourceGroup?: unknown;
  /** `c|<subscription>` and `c|<resource group>`: the dependencies of `subscription()` / `resourceGroup()` reads. */
  readonly containerDeps: ReadonlyArray<string>;
  /** Per assignment: 0 = does not apply, 1 = applies, 2 = check per resource. */
  readonly applies: Uint8Array;
  /** Per assignment: 1 = an exemption of the assignment may apply here (checked per record). */
  readonly exempt: Uint8Array;
}

/** A record that is not just (entry, result): another effect, exemptions, or a Modify conflict. */
interface Adjustment {
  readonly slot: number;
  staticEffect?: string;
  exemptions?: NormalizedExemption[];
  conflicting?: boolean;
}

/** Dependency key → the resources whose evaluation read it. */
interface DependencyNode {
  readonly key: string;
  readonly members: Set<string>;
}

/**
 * What the evaluation of one resource left: its states as (plan entry ordinal, engine result) pairs — results are
 * mostly shared frozen objects — with the rare adjustments, the lookups it depends on and its not-evaluated counts.
 * A resource whose evaluations all ended NotApplicable / Disabled is stored as its evaluation count alone.
 */
interface Outcome {
  /** The resource's canonical key. */
  key: string;
  slots: Array<number | EvaluationResult>;
  adjustments: Adjustment[] | undefined;
  deps: DependencyNode[] | undefined;
  evaluations: number;
  assessments: number;
  errors: number;
  providerMode: number;
  readonly now: Date;
}

/** A new outcome (an object literal: V8 pretenures the allocation site, as nearly all of them survive). */
function newOutcome(key: string, now: Date, slots: Array<number | EvaluationResult> = []): Outcome {
  return { key, slots, adjustments: undefined, deps: undefined, evaluations: 0, assessments: 0, errors: 0, providerMode: 0, now };
}

type Stored = Outcome | number;

/** Roll-up rank (states.ts ROLLUP_ORDER): NonCompliant 5 > Compliant 4 > Conflicting 3 > Exempt 2 > Unknown 1. */
const RANK: Readonly<Record<string, number>> = { NonCompliant: 5, Compliant: 4, Conflicting: 3, Exempt: 2, Unknown: 1 };
const BY_RANK: ReadonlyArray<PolicyComplianceState | undefined> = [undefined, 'Unknown', 'Exempt', 'Conflicting', 'Compliant', 'NonCompliant'];
/** Lower-case state names in the order `counts` of summary.ts sorts them. */
const COUNT_ORDER: ReadonlyArray<number> = [4, 3, 2, 5, 1]; // compliant, conflicting, exempt, noncompliant, unknown

const EMPTY_ENTRIES: PlanEntry[] = [];

/** Which states `PolicyScanner.states` lists. */
export interface StateFilter {
  policyAssignmentId?: string;
  policyDefinitionReferenceId?: string;
  complianceState?: PolicyComplianceState;
}

export interface ScanProgress {
  /** Called every `every` resources (default 5,000) with the resources done and the total. */
  onProgress?: (done: number, total: number) => void;
  every?: number;
}

export class PolicyScanner {
  readonly index: EstateIndex;
  readonly compiler: PolicyCompiler;
  readonly clock: Clock;
  readonly hierarchy?: ScopeHierarchy;
  readonly aliases?: AliasCatalog;
  readonly definitions: DefinitionSource;
  readonly apiVersion: string;
  readonly assignments: ReadonlyArray<NormalizedAssignment>;
  private exemptionIndex: ExemptionIndex;
  private readonly host?: PolicyHost;
  private chains: ScopeChains;
  private plan: PlanEntry[] = [];
  private byType = new Map<string, PlanEntry[]>();
  private anyType: PlanEntry[] = [];
  private readonly merged = new Map<string, PlanEntry[]>();
  private notEvaluatedRefs: NotEvaluatedEntry[] = [];
  private compileErrors: CompileErrorEntry[] = [];
  /** By `IndexedResource.slot`. */
  private outcomes: Array<Stored | undefined> = [];
  /** Plan entries by `IndexedResource.typeId`. */
  private readonly typeEntries: Array<PlanEntry[] | undefined> = [];
  private readonly dependents = new Map<string, DependencyNode>();
  private runtimeAssessments = 0;
  private runtimeErrors = 0;
  private runtimeProviderMode = 0;
  private evaluations = 0;
  private readonly containerReaders = new Map<string, boolean>();
  private readonly setInfo = new Map<string, { name: string; category: string | null; version: string }>();
  private readonly scopes = new Map<string, ScopeContext>();
  private readonly shareScopes: boolean;
  private readonly shortcuts: boolean;
  /** Evaluations of the last `scan()` decided per type instead of by the engine (counted in `evaluations` too). */
  private decided = 0;
  private readonly requestContexts = new Map<string, { apiVersion: string }>();
  private readonly defaultRequestContext: { apiVersion: string };
  private readonly depScratch: string[] = [];
  /** The (entry, result) pairs of the resource being evaluated (copied, exactly sized, into its outcome). */
  private readonly slotScratch: Array<number | EvaluationResult> = [];
  /** Types whose resources a change in assessment presence can affect (undefined entry = any type). */
  private assessmentTypes = new Set<string>();
  private assessmentAnyType = false;
  /** Distinct policies (`assignmentKey|referenceId`) and groups (`assignmentKey|group`), for summaries. */
  private policyKeys: string[] = [];
  private groupKeys: string[] = [];
  private groupNames: string[] = [];
  /** The summary fast path cannot reproduce `summarizeStates` exactly (duplicate keys, group names in two casings). */
  private summaryFallback = false;
  private summaryMemo: { summary: PolicyStatesSummary; counts: Record<string, number> } | undefined;

  constructor(options: ScanOptions) {
    this.clock = options.clock ?? systemClock;
    this.hierarchy = options.hierarchy;
    this.host = options.host;
    this.aliases = options.aliases;
    this.definitions = options.definitions;
    this.apiVersion = options.apiVersion ?? '2025-01-01';
    this.defaultRequestContext = Object.freeze({ apiVersion: this.apiVersion });
    this.shareScopes = options.shareScopes !== false;
    this.shortcuts = options.shortcuts !== false;
    this.chains = new ScopeChains(options.hierarchy);
    this.compiler = new PolicyCompiler(options.definitions, options.aliases);
    this.index = options.resources instanceof EstateIndex ? options.resources : new EstateIndex(options.resources);
    this.assignments = [...options.assignments].map(normalizeAssignment).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.exemptionIndex = new ExemptionIndex(options.exemptions ?? []);
    this.buildPlan(options.definitions);
  }

  get exemptions(): ExemptionIndex {
    return this.exemptionIndex;
  }

  /** Replacing the exemptions takes effect for later evaluations (`rescan()` to apply them everywhere). */
  set exemptions(index: ExemptionIndex) {
    this.exemptionIndex = index;
    this.scopes.clear();
    this.summaryMemo = undefined;
  }

  private readsContainers(info: DefinitionInfo): boolean {
    let hit = this.containerReaders.get(info.id);
    if (hit === undefined) {
      hit = /\b(resourceGroup|subscription)\s*\(/i.test(JSON.stringify(info.json));
      this.containerReaders.set(info.id, hit);
    }
    return hit;
  }

  private buildPlan(definitions: DefinitionSource): void {
    let ordinal = 0;
    const policyIds = new Map<string, number>();
    const groupIds = new Map<string, number>();
    this.assignments.forEach((a, assignmentIndex) => {
      const resolved = resolveAssignment(a, definitions);
      const setId = resolved.setDefinitionId ?? '';
      if (resolved.setDefinition) {
        const p = resolved.setDefinition.properties;
        this.setInfo.set(a.key, {
          name: resolved.setDefinition.name ?? setId.split('/').pop() ?? '',
          category: typeof p.metadata?.category === 'string' ? p.metadata.category : null,
          version: typeof p.version === 'string' ? p.version : typeof p.metadata?.version === 'string' ? p.metadata.version : '',
        });
      }
      for (const e of resolved.errors) {
        this.notEvaluatedRefs.push({ policyAssignmentId: a.id, policyDefinitionReferenceId: e.referenceId ?? '', policyDefinitionId: a.definitionId, reason: e.code as NotEvaluatedReason, message: e.message });
      }
      for (const ref of resolved.references) {
        const candidates = overridesFor(a, ref.referenceId);
        const isDynamic = candidates.some((o) => (o.selectors ?? []).some((s) => s.kind.toLowerCase() !== 'policydefinitionreferenceid'));
        const staticOverride = isDynamic || candidates.length === 0 ? undefined : candidates[candidates.length - 1].value;
        const ne = (reason: NotEvaluatedReason, message?: string) =>
          this.notEvaluatedRefs.push({ policyAssignmentId: a.id, policyDefinitionReferenceId: ref.referenceId, policyDefinitionId: ref.definitionId, reason, message });
        const known = this.compiler.info(ref.definitionId);
        if (known && !/^(all|indexed)$/i.test(known.mode)) {
          ne('ResourceProviderMode', `mode '${known.mode}' evaluates resource-provider data, not ARM resources`);
          continue;
        }
        const base = this.compiler.compile(ref.definitionId, ref.parameters, staticOverride);
        if (!base.info) {
          ne('DefinitionNotFound', `policy definition '${ref.definitionId}' is not known`);
          continue;
        }
        if (!base.compiled) {
          ne('CompileError', base.errors?.map((e) => `${e.code}: ${e.message}`).join('; '));
          this.compileErrors.push({
            policyAssignmentId: a.id,
            policyDefinitionReferenceId: ref.referenceId,
            policyDefinitionId: base.info.id,
            errors: (base.errors ?? []).map((e: PolicyError) => ({ code: e.code, message: e.message, path: e.location?.path })),
          });
          continue;
        }
        if (base.compiled.providerMode) {
          ne('ResourceProviderMode', `mode '${base.compiled.mode}' evaluates resource-provider data, not ARM resources`);
          continue;
        }
        if (!isDynamic && base.compiled.staticEffect === 'Disabled') {
          ne('EffectDisabled', 'the effect is Disabled');
          continue;
        }
        const info = base.info;
        const set = this.setInfo.get(a.key);
        const policyKey = `${a.key}|${ref.referenceId.toLowerCase()}`;
        if (policyIds.has(policyKey)) this.summaryFallback = true;
        else {
          policyIds.set(policyKey, this.policyKeys.length);
          this.policyKeys.push(policyKey);
        }
        const groupIndexes: number[] = [];
        for (const g of ref.groupNames) {
          const gk = `${a.key}|${g.toLowerCase()}`;
          let gi = groupIds.get(gk);
          if (gi === undefined) {
            gi = this.groupKeys.length;
            groupIds.set(gk, gi);
            this.groupKeys.push(gk);
            this.groupNames.push(g);
          } else if (this.groupNames[gi] !== g) this.summaryFallback = true;
          if (!groupIndexes.includes(gi)) groupIndexes.push(gi);
        }
        const staticEffect = base.compiled.staticEffect;
        const typeDecidedAssessment =
          this.shortcuts && this.host === undefined && !isDynamic && staticEffect !== undefined && (staticEffect === 'AuditIfNotExists' || staticEffect === 'DeployIfNotExists') && info.detailsType === 'microsoft.security/assessments'
            ? typeDecidedName(info)
            : undefined;
        const entry: PlanEntry = {
          ordinal: ordinal++,
          assignmentIndex,
          assignment: a,
          ref,
          info,
          base: base as CompiledReference & { compiled: CompiledPolicy },
          dynamicOverrides: isDynamic ? candidates : [],
          variants: new Map(),
          assessment: info.detailsType === 'microsoft.security/assessments',
          typeDecidedAssessment,
          decidedByType: [],
          assessmentSensitive: info.detailsType === 'microsoft.security/assessments' || info.detailsType === undefined,
          readsContainers: this.readsContainers(info),
          modifyLike: isDynamic || staticEffect === undefined || staticEffect === 'Modify',
          policy: Object.freeze({ assignmentId: a.id, definitionId: info.id, setDefinitionId: setId, definitionReferenceId: ref.referenceId }),
          policyIndex: policyIds.get(policyKey)!,
          groupIndexes,
          template: {
            policyAssignmentId: a.id,
            policyDefinitionId: info.id,
            effectiveParameters: JSON.stringify(ref.parameters),
            policyAssignmentName: a.name,
            policyAssignmentOwner: 'tbd',
            policyAssignmentParameters: JSON.stringify(a.raw.properties.parameters ?? {}),
            policyAssignmentScope: a.scope,
            policyDefinitionName: info.name,
            policyDefinitionCategory: info.category ?? '',
            policySetDefinitionId: setId,
            policySetDefinitionName: set?.name ?? '',
            policySetDefinitionOwner: null,
            policySetDefinitionCategory: set?.category ?? null,
            policySetDefinitionParameters: null,
            policyDefinitionReferenceId: ref.referenceId,
            policyDefinitionGroupNames: [...ref.groupNames],
            policyDefinitionVersion: info.version ?? '',
            policySetDefinitionVersion: set?.version ?? '',
            policyAssignmentVersion: '',
            enforcementMode: a.enforcementMode,
          },
        };
        this.plan.push(entry);
        const types = base.compiled.types;
        if (types === undefined) this.anyType.push(entry);
        else
          for (const t of types) {
            const list = this.byType.get(t) ?? [];
            list.push(entry);
            this.byType.set(t, list);
          }
        if (entry.assessmentSensitive) {
          if (types === undefined) this.assessmentAnyType = true;
          else for (const t of types) this.assessmentTypes.add(t);
        }
      }
    });
  }

  /** The plan entries (assignment × reference) that can apply to a type, in plan order (none for types a scan skips). */
  entriesFor(typeKey: string): PlanEntry[] {
    let list = this.merged.get(typeKey);
    if (list === undefined) {
      const typed = this.byType.get(typeKey);
      list = !isEvaluatedType(typeKey) ? EMPTY_ENTRIES : !typed ? this.anyType : this.anyType.length === 0 ? typed : [...typed, ...this.anyType].sort((a, b) => a.ordinal - b.ordinal);
      this.merged.set(typeKey, list);
    }
    return list;
  }

  /** `subscription()` and `resourceGroup()` objects for a resource. */
  containerObjects(facts: ResourceFacts): { subscription?: unknown; resourceGroup?: unknown; subKey?: string; rgKey?: string } {
    const out: { subscription?: unknown; resourceGroup?: unknown; subKey?: string; rgKey?: string } = {};
    if (facts.subscriptionId !== undefined) {
      const subKey = `/subscriptions/${facts.subscriptionId.toLowerCase()}`;
      const row = this.index.container(subKey);
      const props = asRecord(row?.properties) ?? {};
      out.subKey = subKey;
      out.subscription = {
        id: `/subscriptions/${facts.subscriptionId}`,
        subscriptionId: facts.subscriptionId,
        tenantId: row?.tenantId ?? props.tenantId,
        displayName: props.displayName ?? row?.name ?? facts.subscriptionId,
        state: props.state,
        tags: row?.tags ?? {},
      };
      if (facts.resourceGroup !== undefined) {
        const rgKey = `${subKey}/resourcegroups/${facts.resourceGroup.toLowerCase()}`;
        const rg = this.index.container(rgKey);
        out.rgKey = rgKey;
        out.resourceGroup = {
          id: rg?.id ?? `/subscriptions/${facts.subscriptionId}/resourceGroups/${facts.resourceGroup}`,
          name: rg?.name ?? facts.resourceGroup,
          type: 'Microsoft.Resources/resourceGroups',
          location: rg?.location,
          managedBy: rg?.managedBy,
          tags: rg?.tags ?? {},
          properties: rg?.properties ?? { provisioningState: 'Succeeded' },
        };
      }
    }
    return out;
  }

  /**
   * The scope context of a resource: shared by its container when the row names its subscription and resource
   * group (as Resource Graph rows do) the way the container's first resource did, else computed for it alone.
   */
  private scopeOf(ie: IndexedResource): ScopeContext {
    const r = ie.resource;
    const sub = r.subscriptionId;
    const rg = r.resourceGroup;
    const ck = ie.containerKey;
    if (ck !== '' && typeof sub === 'string' && typeof rg === 'string' && this.shareScopes) {
      const hit = this.scopes.get(ck);
      if (hit !== undefined && hit.subRaw === sub && hit.rgRaw === rg) return hit;
      if (hit === undefined) {
        const sc = this.buildScope(r, ck);
        this.scopes.set(ck, sc);
        return sc;
      }
    }
    return this.buildScope(r, undefined);
  }

  /** Builds a scope context for the container `containerKey`, or (undefined) for `resource` alone. */
  private buildScope(resource: ArmResource, containerKey: string | undefined): ScopeContext {
    const facts = resourceFacts(resource, this.chains);
    const chain = containerKey === undefined ? facts.chain : this.chains.chainOf(containerKey);
    const below = (scope: string) => containerKey !== undefined && scope.length > containerKey.length + 1 && scope.startsWith(containerKey) && scope.charCodeAt(containerKey.length) === 47;
    const n = this.assignments.length;
    const applies = new Uint8Array(n);
    const exempt = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = this.assignments[i];
      if (containerKey === undefined) applies[i] = assignmentApplies(a, facts) ? 1 : 0;
      else {
        let v = chain.has(a.scopeKey) ? 1 : below(a.scopeKey) ? 2 : 0;
        for (const ns of a.notScopeKeys) {
          if (v === 0) break;
          if (chain.has(ns)) v = 0;
          else if (below(ns)) v = 2;
        }
        if (v === 1 && a.resourceSelectors.length > 0) v = 2;
        applies[i] = v;
      }
      if (applies[i] !== 0 && this.exemptions.has(a.key)) {
        exempt[i] = this.exemptions.all.some((e) => e.assignmentKey === a.key && (chain.has(e.scopeKey) || below(e.scopeKey))) ? 1 : 0;
      }
    }
    const c = this.containerObjects(facts);
    const containerDeps: string[] = [];
    if (c.subKey) containerDeps.push(`c|${c.subKey}`);
    if (c.rgKey) containerDeps.push(`c|${c.rgKey}`);
    return { subRaw: resource.subscriptionId, rgRaw: resource.resourceGroup, subscription: c.subscription, resourceGroup: c.resourceGroup, containerDeps, applies, exempt };
  }

  private variant(entry: PlanEntry, override: string | undefined): CompiledReference {
    const k = override ?? '';
    let v = entry.variants.get(k);
    if (v === undefined) {
      v = this.compiler.compile(entry.ref.definitionId, entry.ref.parameters, override);
      entry.variants.set(k, v);
    }
    return v;
  }

  private requestContextFor(resource: ArmResource): { apiVersion: string } {
    const api = resource.apiVersion;
    if (typeof api !== 'string') return this.defaultRequestContext;
    let rc = this.requestContexts.get(api);
    if (rc === undefined) this.requestContexts.set(api, (rc = Object.freeze({ apiVersion: api })));
    return rc;
  }

  /** A fresh evaluation context for one scan or re-evaluation (mutated per resource and entry, read lazily by the engine). */
  private evaluationContext(now: Date): EvaluationContext & { policy?: unknown; requestContext?: unknown } {
    return { host: this.host ?? this.index, requestContext: this.defaultRequestContext, subscription: undefined, resourceGroup: undefined, policy: undefined, now };
  }

  /** Evaluates one resource against every plan entry that reaches it. */
  private evaluateIndexed(ie: IndexedResource, now: Date, ctx: EvaluationContext & { policy?: unknown; requestContext?: unknown }): Stored | undefined {
    const entries = this.typeEntries[ie.typeId] ?? (this.typeEntries[ie.typeId] = this.entriesFor(ie.typeKey));
    const n = entries.length;
    if (n === 0) return undefined;
    const resource = ie.resource;
    const sc = this.scopeOf(ie);
    let facts: ResourceFacts | undefined;
    ctx.subscription = sc.subscription;
    ctx.resourceGroup = sc.resourceGroup;
    ctx.requestContext = this.requestContextFor(resource);
    const deps = this.depScratch;
    if (deps.length !== 0) deps.length = 0;
    const slots = this.slotScratch;
    if (slots.length !== 0) slots.length = 0;
    let adjustments: Adjustment[] | undefined;
    let outcome: Outcome | undefined;
    let evaluations = 0;
    let containersRead = false;
    let modify = 0;
    this.index.recorder = deps;
    this.index.evaluating = ie;
    try {
      for (let i = 0; i < n; i++) {
        const entry = entries[i];
        const ai = entry.assignmentIndex;
        const applies = sc.applies[ai];
        if (applies === 0) continue;
        if (applies === 2 && !assignmentApplies(entry.assignment, (facts ??= resourceFacts(resource, this.chains)))) continue;
        let compiled = entry.base.compiled;
        let staticEffect = entry.base.effect;
        if (entry.dynamicOverrides.length > 0) {
          const variant = this.variant(entry, effectOverride(entry.dynamicOverrides, (facts ??= resourceFacts(resource, this.chains))));
          if (!variant.compiled) continue;
          compiled = variant.compiled;
          staticEffect = variant.effect;
        }
        if (entry.readsContainers) containersRead = true;
        evaluations++;
        const decidedName = entry.typeDecidedAssessment;
        if (decidedName !== undefined && !this.index.hasAssessmentKey(decidedName)) {
          const known = entry.decidedByType[ie.typeId];
          if (known === 'Unknown') {
            this.decided++;
            outcome ??= newOutcome(ie.key, now);
            outcome.assessments++;
            continue;
          }
          if (known === 'NotApplicable') {
            this.decided++;
            continue;
          }
        }
        ctx.policy = entry.policy;
        const result = evaluate(compiled, resource, ctx);
        const state = result.state;
        if (decidedName !== undefined && (state === 'Unknown' || state === 'NotApplicable') && !this.index.hasAssessmentKey(decidedName)) {
          entry.decidedByType[ie.typeId] = state;
        }
        if (state === 'NotApplicable' || state === 'Disabled') continue;
        if (state === 'NotEvaluated' || state === 'Error' || (state === 'Unknown' && entry.assessment)) {
          outcome ??= newOutcome(ie.key, now);
          if (state === 'Unknown') outcome.assessments++;
          else if (state === 'Error') outcome.errors++;
          else outcome.providerMode++;
          continue;
        }
        const slot = slots.length;
        slots.push(entry.ordinal, result);
        let adj: Adjustment | undefined;
        if (staticEffect !== entry.base.effect) (adjustments ??= []).push((adj = { slot, staticEffect }));
        if (sc.exempt[ai] === 1) {
          const ex = this.exemptions.matching(entry.assignment.key, entry.ref.referenceId, (facts ??= resourceFacts(resource, this.chains)), now);
          if (ex.length > 0) {
            if (adj === undefined) (adjustments ??= []).push((adj = { slot }));
            adj.exemptions = ex;
          }
        }
        if (entry.modifyLike && state === 'NonCompliant') modify++;
      }
    } finally {
      this.index.recorder = undefined;
      this.index.evaluating = undefined;
    }
    if (containersRead) for (const d of sc.containerDeps) deps.push(d);
    if (outcome === undefined && slots.length === 0 && deps.length === 0) return evaluations === 0 ? undefined : evaluations;
    outcome ??= newOutcome(ie.key, now, slots.length === 0 ? [] : slots.slice());
    if (outcome.slots.length !== slots.length) outcome.slots = slots.slice();
    outcome.adjustments = adjustments;
    outcome.evaluations = evaluations;
    if (modify >= 2) this.markConflicts(outcome);
    if (deps.length > 0) {
      const nodes: DependencyNode[] = [];
      for (const d of deps) {
        let node = this.dependents.get(d);
        if (node === undefined) this.dependents.set(d, (node = { key: d, members: new Set() }));
        if (!nodes.includes(node)) nodes.push(node);
      }
      outcome.deps = nodes;
    }
    return outcome;
  }

  /** The effect a slot's record reports. */
  private effectOf(o: Outcome, slot: number, adj: Adjustment | undefined): string {
    const entry = this.plan[o.slots[slot] as number];
    const result = o.slots[slot + 1] as EvaluationResult;
    return result.effect ?? (adj !== undefined && 'staticEffect' in adj ? adj.staticEffect : entry.base.effect) ?? '';
  }

  private adjustmentOf(o: Outcome, slot: number): Adjustment | undefined {
    if (o.adjustments === undefined) return undefined;
    for (const a of o.adjustments) if (a.slot === slot) return a;
    return undefined;
  }

  /** Two Modify assignments that set the same field to different values on one resource → both Conflicting. */
  private markConflicts(o: Outcome): void {
    const modify: Array<{ slot: number; assignment: string; ops: Map<string, string> }> = [];
    for (let s = 0; s < o.slots.length; s += 2) {
      const result = o.slots[s + 1] as EvaluationResult;
      if (result.state !== 'NonCompliant') continue;
      const adj = this.adjustmentOf(o, s);
      if (adj?.exemptions !== undefined) continue;
      if (this.effectOf(o, s, adj).toLowerCase() !== 'modify') continue;
      const ops = new Map<string, string>();
      const list = asRecord(result.details)?.operations;
      if (Array.isArray(list)) {
        for (const op of list) {
          const x = asRecord(op);
          if (!x) continue;
          const field = String(x.field ?? '').toLowerCase();
          const kind = String(x.operation ?? '').toLowerCase();
          ops.set(field, kind === 'remove' ? 'remove' : JSON.stringify(x.value));
        }
      }
      modify.push({ slot: s, assignment: this.plan[o.slots[s] as number].assignment.key, ops });
    }
    if (modify.length < 2) return;
    const conflicting = new Set<number>();
    for (let i = 0; i < modify.length; i++) {
      for (let j = i + 1; j < modify.length; j++) {
        if (modify[i].assignment === modify[j].assignment) continue;
        for (const [f, v] of modify[i].ops) {
          const w = modify[j].ops.get(f);
          if (w !== undefined && w !== v) {
            conflicting.add(modify[i].slot);
            conflicting.add(modify[j].slot);
          }
        }
      }
    }
    for (const slot of conflicting) {
      let adj = this.adjustmentOf(o, slot);
      if (adj === undefined) (o.adjustments ??= []).push((adj = { slot }));
      adj.conflicting = true;
    }
  }

  /** Forgets what the resource in `slot` left (its dependencies and counts). */
  private forget(slot: number): void {
    const old = this.outcomes[slot];
    if (old === undefined) return;
    this.outcomes[slot] = undefined;
    if (typeof old === 'number') {
      this.evaluations -= old;
      return;
    }
    if (old.deps)
      for (const node of old.deps) {
        node.members.delete(old.key);
        if (node.members.size === 0) this.dependents.delete(node.key);
      }
    this.evaluations -= old.evaluations;
    this.runtimeAssessments -= old.assessments;
    this.runtimeErrors -= old.errors;
    this.runtimeProviderMode -= old.providerMode;
  }

  private keep(slot: number, stored: Stored): void {
    this.outcomes[slot] = stored;
    if (typeof stored === 'number') {
      this.evaluations += stored;
      return;
    }
    if (stored.deps) for (const node of stored.deps) node.members.add(stored.key);
    this.evaluations += stored.evaluations;
    this.runtimeAssessments += stored.assessments;
    this.runtimeErrors += stored.errors;
    this.runtimeProviderMode += stored.providerMode;
  }

  private store(key: string, now: Date, ctx: EvaluationContext): void {
    const slot = this.index.slotOf(key);
    if (slot === undefined) return;
    this.forget(slot);
    const ie = this.index.entry(key);
    if (ie === undefined) return;
    const stored = this.evaluateIndexed(ie, now, ctx);
    if (stored !== undefined) this.keep(slot, stored);
  }

  /** The stored outcome of a key (undefined when it has no states, lookups or counts). */
  private outcomeOf(key: string): Outcome | undefined {
    const slot = this.index.slotOf(key);
    const o = slot === undefined ? undefined : this.outcomes[slot];
    return o === undefined || typeof o === 'number' ? undefined : o;
  }

  /** Outcomes with states. */
  private withStates(): IterableIterator<Outcome> {
    return withStates(this.outcomes);
  }

  /** Evaluates everything (again). One evaluation time (`clock.now()`) for the whole scan. */
  scan(progress: ScanProgress = {}): ScanResult {
    const start = performance.now();
    this.outcomes = new Array<Stored | undefined>(this.index.slotCount).fill(undefined);
    this.dependents.clear();
    this.scopes.clear();
    this.summaryMemo = undefined;
    this.runtimeAssessments = this.runtimeErrors = this.runtimeProviderMode = 0;
    this.evaluations = 0;
    this.decided = 0;
    for (const e of this.plan) e.decidedByType.length = 0;
    const now = this.clock.now();
    const ctx = this.evaluationContext(now);
    const every = progress.every ?? 5000;
    const total = this.index.size;
    let done = 0;
    for (const ie of this.index.indexed()) {
      const stored = this.evaluateIndexed(ie, now, ctx);
      if (stored !== undefined) this.keep(ie.slot, stored);
      if (progress.onProgress && ++done % every === 0) progress.onProgress(done, total);
    }
    progress.onProgress?.(total, total);
    releaseLastEvaluation();
    const evaluated = performance.now();
    return this.result(performance.now() - start, evaluated - start, start);
  }

  /** Re-reads the management-group tree and exemptions, then scans everything. */
  rescan(exemptions?: Iterable<PolicyExemption>): ScanResult {
    this.chains = new ScopeChains(this.hierarchy);
    if (exemptions !== undefined) this.exemptions = new ExemptionIndex(exemptions);
    return this.scan();
  }

  /**
   * Incremental evaluation after one resource changed: `resource` is its new state (`null` = deleted, omitted =
   * re-evaluate as stored). Re-evaluates it and the resources whose lookups depend on it; returns their new states.
   */
  reevaluateResource(id: string, resource?: ArmResource | null): { evaluated: string[]; states: PolicyStateRecord[] } {
    const key = canonicalKey(id);
    let affected: Set<string> = new Set();
    if (resource === null) affected = this.index.remove(id);
    else if (resource !== undefined) affected = this.index.upsert(resource);
    const todo = new Set<string>([key]);
    let assessmentsChanged = false;
    for (const d of affected) {
      const c = d.charCodeAt(0);
      if (c === 112 /* p| parent | type: the parent's own child/extension lookups */) {
        const parent = d.slice(2, d.lastIndexOf('|'));
        if (this.index.entry(parent) !== undefined) todo.add(parent);
        continue;
      }
      if (c === 97 /* a| assessment presence */) {
        assessmentsChanged = true;
        continue;
      }
      if (c === 99 /* c| a container row */) this.forgetScopes(d.slice(2));
      const node = this.dependents.get(d);
      if (node) for (const k of node.members) todo.add(k);
    }
    if (assessmentsChanged && (this.assessmentAnyType || this.assessmentTypes.size > 0)) {
      for (const ie of this.index.indexed()) if (this.assessmentAnyType || this.assessmentTypes.has(ie.typeKey)) todo.add(ie.key);
    }
    if (affected.size > 0 || todo.size > 0) this.summaryMemo = undefined;
    const now = this.clock.now();
    const ctx = this.evaluationContext(now);
    const states: PolicyStateRecord[] = [];
    const decided = this.decided;
    for (const k of todo) {
      this.store(k, now, ctx);
      const o = this.outcomeOf(k);
      if (o !== undefined) states.push(...this.materialise(k, o));
    }
    this.decided = decided;
    releaseLastEvaluation();
    return { evaluated: [...todo].sort(), states: states.sort(compareStates) };
  }

  /** A container row changed: forget the scope contexts built from it (a subscription's include its resource groups'). */
  private forgetScopes(key: string): void {
    if (this.scopes.size === 0 || containerKeyOf(key) !== key) return;
    this.scopes.delete(key);
    if (key.indexOf('/', 15) > 0) return;
    const prefix = `${key}/`;
    for (const k of this.scopes.keys()) if (k.startsWith(prefix)) this.scopes.delete(k);
  }

  /** The PolicyInsights-shaped records of one stored outcome (in plan order; only `filter`'s when given). */
  private materialise(key: string, o: Outcome, filter?: (entry: PlanEntry, state: PolicyComplianceState) => boolean): PolicyStateRecord[] {
    const resource = this.index.entry(key)?.resource;
    if (resource === undefined || o.slots.length === 0) return [];
    if (filter !== undefined && !this.anyMatches(o, filter)) return [];
    const facts = resourceFacts(resource, this.chains);
    const mgIds = this.chains.managementGroupNames(facts.id).join(',');
    const tags = JSON.stringify(resource.tags ?? {});
    const timestamp = o.now.toISOString();
    const out: PolicyStateRecord[] = [];
    for (let s = 0; s < o.slots.length; s += 2) {
      const entry = this.plan[o.slots[s] as number];
      const result = o.slots[s + 1] as EvaluationResult;
      const adj = this.adjustmentOf(o, s);
      const evaluatedState = result.state as PolicyStateRecord['evaluatedState'];
      const effect = this.effectOf(o, s, adj);
      let complianceState: PolicyComplianceState = evaluatedState;
      let reason = result.reason ?? '';
      let exemptionIds: string[] = [];
      const ex = adj?.exemptions;
      if (ex !== undefined) {
        complianceState = 'Exempt';
        exemptionIds = ex.map((e) => e.id);
        reason = `exempt (${ex.map((e) => e.category).join(', ')}) by ${exemptionIds.join(', ')}; evaluated ${evaluatedState}: ${reason}`;
      }
      if (adj?.conflicting) complianceState = 'Conflicting';
      if (filter !== undefined && !filter(entry, complianceState)) continue;
      const record: PolicyStateRecord = {
        timestamp,
        resourceId: facts.id,
        ...entry.template,
        policyDefinitionGroupNames: [...entry.template.policyDefinitionGroupNames],
        isCompliant: complianceState === 'Compliant' || complianceState === 'Exempt',
        subscriptionId: facts.subscriptionId ?? '',
        resourceType: facts.type,
        resourceLocation: typeof resource.location === 'string' ? resource.location : '',
        resourceGroup: facts.resourceGroup ?? '',
        resourceTags: tags,
        managementGroupIds: mgIds,
        complianceState,
        policyDefinitionAction: effect.toLowerCase(),
        effect,
        reason,
        exemptionIds,
        evaluatedState,
      };
      if (evaluatedState === 'NonCompliant') {
        if (result.details !== undefined) record.effectDetails = result.details;
        const msg = nonComplianceMessage(entry.assignment, entry.ref.referenceId);
        if (msg !== undefined) record.nonComplianceMessage = msg;
      }
      out.push(record);
    }
    return out;
  }

  /** The compliance state of a slot (after exemptions and conflicts). */
  private stateOf(o: Outcome, slot: number): PolicyComplianceState {
    const adj = this.adjustmentOf(o, slot);
    if (adj?.conflicting) return 'Conflicting';
    if (adj?.exemptions !== undefined) return 'Exempt';
    return (o.slots[slot + 1] as EvaluationResult).state as PolicyComplianceState;
  }

  private anyMatches(o: Outcome, filter: (entry: PlanEntry, state: PolicyComplianceState) => boolean): boolean {
    for (let s = 0; s < o.slots.length; s += 2) if (filter(this.plan[o.slots[s] as number], this.stateOf(o, s))) return true;
    return false;
  }

  /** The records of the given outcomes, sorted as compareStates sorts them (by resource id, then within each resource). */
  private statesOf(outcomes: Iterable<Outcome>, filter?: (entry: PlanEntry, state: PolicyComplianceState) => boolean): PolicyStateRecord[] {
    const order: Array<{ id: string; o: Outcome }> = [];
    for (const o of outcomes) {
      if (filter !== undefined && !this.anyMatches(o, filter)) continue;
      const r = this.index.entry(o.key)?.resource;
      if (r !== undefined) order.push({ id: r.id.toLowerCase(), o });
    }
    order.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const out: PolicyStateRecord[] = [];
    for (const { o } of order) {
      const records = this.materialise(o.key, o, filter);
      if (records.length > 1) records.sort(compareStates);
      for (const r of records) out.push(r);
    }
    return out;
  }

  /**
   * Every policy state, sorted by resource, assignment, reference — or only those of an assignment, reference and
   * compliance state (built for the matching records only: cheap on a large estate).
   */
  states(where: StateFilter = {}): PolicyStateRecord[] {
    const a = where.policyAssignmentId === undefined ? undefined : canonicalKey(where.policyAssignmentId);
    const ref = where.policyDefinitionReferenceId?.toLowerCase();
    const cs = where.complianceState;
    const filter =
      a === undefined && ref === undefined && cs === undefined
        ? undefined
        : (entry: PlanEntry, state: PolicyComplianceState) =>
            (a === undefined || entry.assignment.key === a) && (ref === undefined || entry.ref.referenceId.toLowerCase() === ref) && (cs === undefined || state === cs);
    return this.statesOf(withStates(this.outcomes), filter);
  }

  /** The states of one resource. */
  statesFor(id: string): PolicyStateRecord[] {
    const key = canonicalKey(id);
    const o = this.outcomeOf(key);
    return o === undefined ? [] : this.materialise(key, o).sort(compareStates);
  }

  /** Number of policy states by compliance state (`Compliant`, `NonCompliant`, `Exempt`, `Conflicting`, `Unknown`). */
  stateCounts(): Record<string, number> {
    return this.fastSummary({})?.counts ?? countStates(this.states());
  }

  summary(options: SummarizeOptions = {}): PolicyStatesSummary {
    const fast = this.fastSummary(options);
    if (fast) return fast.summary;
    return summarizeStates(this.states(), { hierarchy: this.hierarchy, ...options });
  }

  /**
   * `summarizeStates(this.states(), options)` computed from the stored outcomes without building records: one pass
   * rolling states up per resource into counters per assignment, policy and group. Undefined when it cannot
   * reproduce it exactly (a `filter`, duplicate reference ids, one group spelled two ways, an effect that differs
   * between the records of one reference).
   */
  private fastSummary(options: SummarizeOptions): { summary: PolicyStatesSummary; counts: Record<string, number> } | undefined {
    if (this.summaryFallback || options.filter !== undefined) return undefined;
    const plain = options.scope === undefined && options.policyAssignmentIds === undefined;
    if (plain && this.summaryMemo) return this.summaryMemo;
    const scopeKey = options.scope === undefined ? undefined : canonicalKey(options.scope);
    const scopeChains = scopeKey === undefined ? undefined : new ScopeChains(options.hierarchy ?? this.hierarchy);
    const within = new Map<string, boolean>();
    const wanted = options.policyAssignmentIds === undefined ? undefined : new Set(options.policyAssignmentIds.map(canonicalKey));
    const nA = this.assignments.length;
    const nP = this.policyKeys.length;
    const nG = this.groupKeys.length;
    // Per-resource roll-ups (rank 0 = none) and the buckets touched by the current resource.
    const curA = new Uint8Array(nA);
    const curP = new Uint8Array(nP);
    const curG = new Uint8Array(nG);
    const touchedA: number[] = [];
    const touchedP: number[] = [];
    const touchedG: number[] = [];
    // Resource counts by rank (6 per bucket) and the highest rank of each policy's records.
    const resAll = new Float64Array(6);
    const resA = new Float64Array(nA * 6);
    const resP = new Float64Array(nP * 6);
    const resG = new Float64Array(nG * 6);
    const policyMax = new Uint8Array(nP);
    const records = new Float64Array(6);
    const action: Array<string | undefined> = new Array(this.plan.length).fill(undefined);
    const actionRaw: Array<string | undefined> = new Array(this.plan.length).fill(undefined);
    for (const o of this.withStates()) {
      const key = o.key;
      if (scopeKey !== undefined) {
        const r = this.index.entry(key)?.resource;
        if (r === undefined) continue;
        const ck = this.index.entry(key)!.containerKey;
        let ok: boolean;
        if (scopeKey === key || (key.startsWith(scopeKey) && key.charCodeAt(scopeKey.length) === 47)) ok = true;
        else {
          // Not a prefix of the key: within only through the container's management groups (or the root).
          const ownKey = ck === '' ? key : ck;
          let hit = within.get(ownKey);
          if (hit === undefined) within.set(ownKey, (hit = scopeChains!.chainOf(r.id).has(scopeKey)));
          ok = hit;
        }
        if (!ok) continue;
      }
      let all = 0;
      for (let s = 0; s < o.slots.length; s += 2) {
        const entry = this.plan[o.slots[s] as number];
        if (wanted !== undefined && !wanted.has(entry.assignment.key)) continue;
        const result = o.slots[s + 1] as EvaluationResult;
        let state: string = result.state;
        let adj: Adjustment | undefined;
        if (o.adjustments !== undefined && (adj = this.adjustmentOf(o, s)) !== undefined) {
          if (adj.exemptions !== undefined) state = 'Exempt';
          if (adj.conflicting) state = 'Conflicting';
        }
        const rank = RANK[state];
        records[rank]++;
        // The effect summarizeStates reports for a reference is its first record's; exact when all agree.
        const raw = result.effect ?? (adj !== undefined && 'staticEffect' in adj ? adj.staticEffect : entry.base.effect) ?? '';
        const e = entry.ordinal;
        if (actionRaw[e] !== raw) {
          const lower = raw.toLowerCase();
          if (action[e] === undefined) action[e] = lower;
          else if (action[e] !== lower) return undefined;
          actionRaw[e] = raw;
        }
        if (rank > all) all = rank;
        const ai = entry.assignmentIndex;
        if (curA[ai] === 0) touchedA.push(ai);
        if (rank > curA[ai]) curA[ai] = rank;
        const pi = entry.policyIndex;
        if (curP[pi] === 0) touchedP.push(pi);
        if (rank > curP[pi]) curP[pi] = rank;
        for (const gi of entry.groupIndexes) {
          if (curG[gi] === 0) touchedG.push(gi);
          if (rank > curG[gi]) curG[gi] = rank;
        }
      }
      if (all === 0) continue;
      resAll[all]++;
      for (const ai of touchedA) {
        resA[ai * 6 + curA[ai]]++;
        curA[ai] = 0;
      }
      for (const pi of touchedP) {
        const rank = curP[pi];
        resP[pi * 6 + rank]++;
        if (rank > policyMax[pi]) policyMax[pi] = rank;
        curP[pi] = 0;
      }
      for (const gi of touchedG) {
        resG[gi * 6 + curG[gi]]++;
        curG[gi] = 0;
      }
      touchedA.length = touchedP.length = touchedG.length = 0;
    }

    // Entries by policy (the first entry of each policy: keys are unique unless summaryFallback).
    const entryOfPolicy: PlanEntry[] = [];
    for (const e of this.plan) entryOfPolicy[e.policyIndex] ??= e;
    const countsOf = (res: ArrayLike<number>, offset: number) => {
      const out: ComplianceCount[] = [];
      for (const rank of COUNT_ORDER) {
        const n = res[offset + rank];
        if (n > 0) out.push({ complianceState: BY_RANK[rank]!.toLowerCase(), count: n });
      }
      return out;
    };
    const rankCounts = (ranks: Iterable<number>) => {
      const c = new Float64Array(6);
      for (const r of ranks) c[r]++;
      return countsOf(c, 0);
    };
    /** Results of a bucket: resource roll-ups, the policies and groups (with their states) it holds. */
    const results = (res: ArrayLike<number>, offset: number, policies: number[], groupStates: Map<number, number>, withPolicies: boolean): SummaryResults => {
      let total = 0;
      for (let r = 1; r <= 5; r++) total += res[offset + r];
      const compliantLike = res[offset + 4] + res[offset + 2] + res[offset + 1];
      const out: SummaryResults = {
        nonCompliantResources: res[offset + 5],
        resourceDetails: countsOf(res, offset),
        policyDetails: rankCounts(policies.map((p) => policyMax[p])),
        policyGroupDetails: rankCounts(groupStates.values()),
        compliancePercentage: total === 0 ? 100 : Math.round((10000 * compliantLike) / total) / 100,
        totalResources: total,
      };
      if (withPolicies) out.nonCompliantPolicies = policies.filter((p) => policyMax[p] === 5).length;
      return out;
    };
    /** Group → highest rank over the given policies' records in it. */
    const groupStatesOf = (policies: number[]) => {
      const m = new Map<number, number>();
      for (const p of policies) for (const g of entryOfPolicy[p].groupIndexes) m.set(g, Math.max(m.get(g) ?? 0, policyMax[p]));
      return m;
    };
    const present: number[] = [];
    for (let p = 0; p < nP; p++) if (policyMax[p] > 0) present.push(p);
    const byKey = (keys: string[]) => (x: number, y: number) => (keys[x] < keys[y] ? -1 : keys[x] > keys[y] ? 1 : 0);
    const policyAssignments: PolicyAssignmentSummary[] = [];
    for (let ai = 0; ai < nA; ai++) {
      const policies = present.filter((p) => entryOfPolicy[p].assignmentIndex === ai).sort(byKey(this.policyKeys));
      if (policies.length === 0) continue;
      const a = this.assignments[ai];
      const groups = [...groupStatesOf(policies).keys()].sort(byKey(this.groupKeys));
      policyAssignments.push({
        policyAssignmentId: a.id,
        policySetDefinitionId: entryOfPolicy[policies[0]].template.policySetDefinitionId,
        results: results(resA, ai * 6, policies, groupStatesOf(policies), true),
        policyDefinitions: policies.map((p) => {
          const e = entryOfPolicy[p];
          return {
            policyDefinitionId: e.template.policyDefinitionId,
            policyDefinitionReferenceId: e.template.policyDefinitionReferenceId,
            policyDefinitionGroupNames: [...e.template.policyDefinitionGroupNames],
            effect: action[e.ordinal] ?? '',
            results: results(resP, p * 6, [p], groupStatesOf([p]), false),
          };
        }),
        policyGroups: groups.map((g) => {
          const inGroup = policies.filter((p) => entryOfPolicy[p].groupIndexes.includes(g));
          return { policyGroupName: this.groupNames[g], results: results(resG, g * 6, inGroup, groupStatesOf(inGroup), false) };
        }),
      });
    }
    // Assignments are sorted by key, as summarizeStates sorts them.
    const summary: PolicyStatesSummary = { results: results(resAll, 0, present, groupStatesOf(present), true), policyAssignments };
    const counts: Record<string, number> = {};
    for (const rank of [4, 5, 2, 3, 1]) if (records[rank] > 0) counts[BY_RANK[rank]!] = records[rank];
    const out = { summary, counts };
    if (plain) this.summaryMemo = out;
    return out;
  }

  notEvaluatedCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.notEvaluatedRefs) counts[e.reason] = (counts[e.reason] ?? 0) + 1;
    const runtime: Array<[string, number]> = [
      ['AssessmentNotInEstate', this.runtimeAssessments],
      ['EvaluationError', this.runtimeErrors],
      ['ResourceProviderMode', this.runtimeProviderMode],
    ];
    for (const [r, n] of runtime) if (n > 0) counts[r] = (counts[r] ?? 0) + n;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /**
   * The scan result. `summary` and `stateCounts` are computed here (one pass over the stored outcomes);
   * `states` — every record in PolicyInsights shape, sorted — is built on first access.
   */
  result(millis = 0, evaluateMillis = 0, start?: number): ScanResult {
    const fast = this.fastSummary({});
    const summary = fast?.summary ?? summarizeStates(this.states(), { hierarchy: this.hierarchy });
    const stateCounts = fast?.counts ?? countStates(this.states());
    let states: PolicyStateRecord[] | undefined;
    const result = {
      summary,
      stateCounts,
      notEvaluated: this.notEvaluatedCounts(),
      notEvaluatedReferences: [...this.notEvaluatedRefs],
      compileErrors: [...this.compileErrors],
      metrics: {
        resources: this.index.size,
        evaluations: this.evaluations,
        typeDecided: this.decided,
        compiledVariants: this.compiler.size,
        millis: Math.round(start === undefined ? millis : performance.now() - start),
        evaluateMillis: Math.round(evaluateMillis),
      },
    } as ScanResult;
    // Built on first access from the outcomes as they are now (a later reevaluateResource does not change it).
    let snapshot: Array<Stored | undefined> | undefined = this.outcomes.slice();
    Object.defineProperty(result, 'states', {
      enumerable: true,
      configurable: true,
      get: () => {
        if (states === undefined) {
          states = this.statesOf(withStates(snapshot!));
          snapshot = undefined;
        }
        return states;
      },
      set: (v: PolicyStateRecord[]) => {
        states = v;
        snapshot = undefined;
      },
    });
    return result;
  }

  /** The plan entry of (assignment, reference), for remediation and what-if. */
  planEntry(assignmentId: string, referenceId = ''): { assignment: NormalizedAssignment; ref: ResolvedReference; info: DefinitionInfo } | undefined {
    const key = canonicalKey(assignmentId);
    const e = this.plan.find((p) => p.assignment.key === key && p.ref.referenceId.toLowerCase() === referenceId.toLowerCase());
    return e ? { assignment: e.assignment, ref: e.ref, info: e.info } : undefined;
  }

  /** The assignment by id or name. */
  assignment(idOrName: string): NormalizedAssignment | undefined {
    const key = canonicalKey(idOrName);
    return this.assignments.find((a) => a.key === key) ?? this.assignments.find((a) => a.name.toLowerCase() === idOrName.toLowerCase());
  }

  /** Scope facts for a resource (for callers that filter by scope). */
  facts(resource: ArmResource): ResourceFacts {
    return resourceFacts(resource, this.chains);
  }
}

/** The outcomes with states in a slot array. */
function* withStates(list: ReadonlyArray<Stored | undefined>): IterableIterator<Outcome> {
  for (let i = 0; i < list.length; i++) {
    const o = list[i];
    if (o !== undefined && typeof o !== 'number' && o.slots.length > 0) yield o;
  }
}

/**
 * The lower-cased `details.name` of an assessment-reading definition whose outcome, while no assessment of that
 * name exists, depends on the resource type alone: mode All (Indexed eligibility can depend on the resource), an
 * `if` made only of `field: type` equals / in conditions (under allOf / anyOf), a constant name.
 */
function typeDecidedName(info: DefinitionInfo): string | undefined {
  const get = (o: unknown, key: string): unknown => {
    const r = asRecord(o);
    if (!r) return undefined;
    for (const k of Object.keys(r)) if (k.toLowerCase() === key) return r[k];
    return undefined;
  };
  const props = asRecord(get(info.json, 'properties')) ?? info.json;
  if (String(get(props, 'mode') ?? '').toLowerCase() !== 'all') return undefined;
  const rule = get(props, 'policyrule');
  const name = get(get(get(rule, 'then'), 'details'), 'name');
  if (typeof name !== 'string' || name === '' || name.startsWith('[')) return undefined;
  const typeOnly = (c: unknown, depth: number): boolean => {
    const r = asRecord(c);
    if (!r || depth > 8) return false;
    const keys = Object.keys(r).map((k) => k.toLowerCase());
    const allOf = get(r, 'allof');
    const anyOf = get(r, 'anyof');
    if (keys.length === 1 && Array.isArray(allOf)) return allOf.length > 0 && allOf.every((x) => typeOnly(x, depth + 1));
    if (keys.length === 1 && Array.isArray(anyOf)) return anyOf.length > 0 && anyOf.every((x) => typeOnly(x, depth + 1));
    if (keys.length !== 2 || String(get(r, 'field')).toLowerCase() !== 'type') return false;
    const eq = get(r, 'equals');
    const list = get(r, 'in');
    if (typeof eq === 'string') return !eq.startsWith('[');
    return Array.isArray(list) && list.every((x) => typeof x === 'string' && !x.startsWith('['));
  };
  return typeOnly(get(rule, 'if'), 0) ? name.toLowerCase() : undefined;
}

function countStates(states: ReadonlyArray<PolicyStateRecord>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of states) counts[s.complianceState] = (counts[s.complianceState] ?? 0) + 1;
  return counts;
}

/** One-shot scan. */
export function evaluateEstate(options: ScanOptions): ScanResult {
  return new PolicyScanner(options).scan();
}
