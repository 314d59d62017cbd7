/**
 * Scanning an estate: every assignment (inherited down the management-group tree) × every definition reference ×
 * every resource its compiled type index says it can apply to → policy states, a summary, and counts of what could
 * not be evaluated and why.
 *
 *   const scanner = new PolicyScanner({ resources, assignments, exemptions, definitions, aliases, hierarchy, clock });
 *   const result = scanner.scan();
 *   scanner.reevaluateResource(id, changedResource);   // incremental: that resource and the lookups that depend on it
 *
 * Incremental evaluation re-runs only the changed resource and the resources whose related-resource lookups
 * (AINE/DINE) or `subscription()` / `resourceGroup()` reads touched it; the result equals a full scan.
 * A changed management-group tree, assignment or exemption set needs `rescan()`.
 */
import type { AliasCatalog } from '../catalog/index.js';
import { canonicalKey, systemClock, type Clock, type ScopeHierarchy } from '../core/index.js';
import type { CompiledPolicy } from './compile.js';
import { evaluate, type EvaluationResult } from './evaluate.js';
import type { PolicyError } from './errors.js';
import type { PolicyHost } from './runtime.js';
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
import { EstateIndex, RG_TYPE, SUBSCRIPTION_TYPE, type ArmResource } from './estate-host.js';
import { ExemptionIndex, type NormalizedExemption, type PolicyExemption } from './exemptions.js';
import { PolicyCompiler, resolveAssignment, type CompiledReference, type DefinitionInfo, type DefinitionSource, type ResolvedReference } from './initiatives.js';
import { compareStates, type PolicyStateRecord } from './states.js';
import { summarizeStates, type PolicyStatesSummary, type SummarizeOptions } from './summary.js';

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
  states: PolicyStateRecord[];
  summary: PolicyStatesSummary;
  /**
   * Counts by reason. Definition-level reasons (not found, compile errors, RP modes, Disabled) count
   * (assignment, reference) pairs; AssessmentNotInEstate and EvaluationError count (reference, resource) evaluations.
   */
  notEvaluated: Record<string, number>;
  /** The definition-level entries behind `notEvaluated`. */
  notEvaluatedReferences: NotEvaluatedEntry[];
  compileErrors: CompileErrorEntry[];
  /** `millis`: the whole scan; `evaluateMillis`: evaluating (without sorting and summarising). */
  metrics: { resources: number; evaluations: number; compiledVariants: number; millis: number; evaluateMillis: number };
}

/** One (assignment, definition reference) of the plan. */
interface PlanEntry {
  readonly ordinal: number;
  readonly assignment: NormalizedAssignment;
  readonly ref: ResolvedReference;
  readonly info: DefinitionInfo;
  readonly base: CompiledReference & { compiled: CompiledPolicy };
  /** Overrides whose selection depends on the resource (location, type); empty when static. */
  readonly dynamicOverrides: ReadonlyArray<AssignmentOverride>;
  readonly assessment: boolean;
  readonly readsContainers: boolean;
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

interface ResourceOutcome {
  records: PolicyStateRecord[];
  deps: Set<string>;
  notEvaluated: Map<string, number>;
  evaluations: number;
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
  exemptions: ExemptionIndex;
  private readonly host?: PolicyHost;
  private chains: ScopeChains;
  private plan: PlanEntry[] = [];
  private byType = new Map<string, PlanEntry[]>();
  private anyType: PlanEntry[] = [];
  private readonly merged = new Map<string, PlanEntry[]>();
  private notEvaluatedRefs: NotEvaluatedEntry[] = [];
  private compileErrors: CompileErrorEntry[] = [];
  private readonly outcomes = new Map<string, ResourceOutcome>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly runtimeCounts = new Map<string, number>();
  private evaluations = 0;
  private readonly containerReaders = new Map<string, boolean>();
  private readonly setInfo = new Map<string, { name: string; category: string | null; version: string }>();

  constructor(options: ScanOptions) {
    this.clock = options.clock ?? systemClock;
    this.hierarchy = options.hierarchy;
    this.host = options.host;
    this.aliases = options.aliases;
    this.definitions = options.definitions;
    this.apiVersion = options.apiVersion ?? '2025-01-01';
    this.chains = new ScopeChains(options.hierarchy);
    this.compiler = new PolicyCompiler(options.definitions, options.aliases);
    this.index = options.resources instanceof EstateIndex ? options.resources : new EstateIndex(options.resources);
    this.assignments = [...options.assignments].map(normalizeAssignment).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.exemptions = new ExemptionIndex(options.exemptions ?? []);
    this.buildPlan(options.definitions);
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
    for (const a of this.assignments) {
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
        const entry: PlanEntry = {
          ordinal: ordinal++,
          assignment: a,
          ref,
          info,
          base: base as CompiledReference & { compiled: CompiledPolicy },
          dynamicOverrides: isDynamic ? candidates : [],
          assessment: info.detailsType === 'microsoft.security/assessments',
          readsContainers: this.readsContainers(info),
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
      }
    }
  }

  /** The plan entries (assignment × reference) that can apply to a type, in plan order. */
  entriesFor(typeKey: string): PlanEntry[] {
    let list = this.merged.get(typeKey);
    if (list === undefined) {
      const typed = this.byType.get(typeKey);
      list = !typed ? this.anyType : this.anyType.length === 0 ? typed : [...typed, ...this.anyType].sort((a, b) => a.ordinal - b.ordinal);
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

  /** Evaluates one resource against every plan entry that reaches it. */
  private evaluateResource(resource: ArmResource): ResourceOutcome {
    const outcome: ResourceOutcome = { records: [], deps: new Set(), notEvaluated: new Map(), evaluations: 0 };
    const facts = resourceFacts(resource, this.chains);
    if (!isEvaluatedType(facts.typeKey)) return outcome;
    const entries = this.entriesFor(facts.typeKey);
    if (entries.length === 0) return outcome;
    const now = this.clock.now();
    const timestamp = now.toISOString();
    const applies = new Map<string, boolean>();
    let containers: ReturnType<PolicyScanner['containerObjects']> | undefined;
    let mgIds: string | undefined;
    let tags: string | undefined;
    const host = this.host ?? this.index;
    this.index.recorder = outcome.deps;
    try {
      for (const entry of entries) {
        const a = entry.assignment;
        let ok = applies.get(a.key);
        if (ok === undefined) {
          ok = assignmentApplies(a, facts);
          applies.set(a.key, ok);
        }
        if (!ok) continue;
        let compiled = entry.base.compiled;
        let staticEffect = entry.base.effect as string | undefined;
        if (entry.dynamicOverrides.length > 0) {
          const ov = effectOverride(entry.dynamicOverrides, facts);
          const variant = this.compiler.compile(entry.ref.definitionId, entry.ref.parameters, ov);
          if (!variant.compiled) continue;
          compiled = variant.compiled;
          staticEffect = variant.effect;
        }
        containers ??= this.containerObjects(facts);
        if (entry.readsContainers) {
          if (containers.subKey) outcome.deps.add(`c|${containers.subKey}`);
          if (containers.rgKey) outcome.deps.add(`c|${containers.rgKey}`);
        }
        outcome.evaluations++;
        const result: EvaluationResult = evaluate(compiled, resource, {
          host,
          requestContext: { apiVersion: typeof resource.apiVersion === 'string' ? resource.apiVersion : this.apiVersion },
          subscription: containers.subscription,
          resourceGroup: containers.resourceGroup,
          policy: { assignmentId: a.id, definitionId: entry.info.id, setDefinitionId: entry.template.policySetDefinitionId, definitionReferenceId: entry.ref.referenceId },
          now,
        });
        const state = result.state;
        if (state === 'NotApplicable' || state === 'Disabled') continue;
        if (state === 'NotEvaluated' || state === 'Error' || (state === 'Unknown' && entry.assessment)) {
          const reason = state === 'Unknown' ? 'AssessmentNotInEstate' : state === 'Error' ? 'EvaluationError' : 'ResourceProviderMode';
          outcome.notEvaluated.set(reason, (outcome.notEvaluated.get(reason) ?? 0) + 1);
          continue;
        }
        const evaluatedState = state;
        const effect = result.effect ?? staticEffect ?? '';
        let complianceState: PolicyStateRecord['complianceState'] = evaluatedState;
        let reason = result.reason ?? '';
        let exemptionIds: string[] = [];
        if (this.exemptions.has(a.key)) {
          const ex: NormalizedExemption[] = this.exemptions.matching(a.key, entry.ref.referenceId, facts, now);
          if (ex.length > 0) {
            complianceState = 'Exempt';
            exemptionIds = ex.map((e) => e.id);
            reason = `exempt (${ex.map((e) => e.category).join(', ')}) by ${exemptionIds.join(', ')}; evaluated ${evaluatedState}: ${reason}`;
          }
        }
        mgIds ??= this.chains.managementGroupNames(facts.id).join(',');
        const record: PolicyStateRecord = {
          timestamp,
          resourceId: facts.id,
          ...entry.template,
          isCompliant: complianceState === 'Compliant' || complianceState === 'Exempt',
          subscriptionId: facts.subscriptionId ?? '',
          resourceType: facts.type,
          resourceLocation: typeof resource.location === 'string' ? resource.location : '',
          resourceGroup: facts.resourceGroup ?? '',
          resourceTags: (tags ??= JSON.stringify(resource.tags ?? {})),
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
          const msg = nonComplianceMessage(a, entry.ref.referenceId);
          if (msg !== undefined) record.nonComplianceMessage = msg;
        }
        outcome.records.push(record);
      }
    } finally {
      this.index.recorder = undefined;
    }
    markConflicts(outcome.records);
    return outcome;
  }

  private store(key: string): void {
    const old = this.outcomes.get(key);
    if (old) {
      for (const d of old.deps) {
        const set = this.dependents.get(d);
        set?.delete(key);
        if (set && set.size === 0) this.dependents.delete(d);
      }
      for (const [r, n] of old.notEvaluated) this.runtimeCounts.set(r, (this.runtimeCounts.get(r) ?? 0) - n);
      this.evaluations -= old.evaluations;
      this.outcomes.delete(key);
    }
    const resource = this.index.get(key);
    if (!resource) return;
    const outcome = this.evaluateResource(resource);
    if (outcome.records.length === 0 && outcome.deps.size === 0 && outcome.notEvaluated.size === 0 && outcome.evaluations === 0) return;
    this.outcomes.set(key, outcome);
    for (const d of outcome.deps) {
      let set = this.dependents.get(d);
      if (!set) this.dependents.set(d, (set = new Set()));
      set.add(key);
    }
    for (const [r, n] of outcome.notEvaluated) this.runtimeCounts.set(r, (this.runtimeCounts.get(r) ?? 0) + n);
    this.evaluations += outcome.evaluations;
  }

  /** Evaluates everything (again). */
  scan(): ScanResult {
    const start = performance.now();
    this.outcomes.clear();
    this.dependents.clear();
    this.runtimeCounts.clear();
    this.evaluations = 0;
    for (const r of this.index.resources()) this.store(canonicalKey(r.id));
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
    for (const d of affected) for (const k of this.dependents.get(d) ?? []) todo.add(k);
    const states: PolicyStateRecord[] = [];
    for (const k of todo) {
      this.store(k);
      const o = this.outcomes.get(k);
      if (o) states.push(...o.records);
    }
    return { evaluated: [...todo].sort(), states: states.sort(compareStates) };
  }

  /** Every policy state, sorted by resource, assignment, reference. */
  states(): PolicyStateRecord[] {
    const out: PolicyStateRecord[] = [];
    for (const o of this.outcomes.values()) for (const r of o.records) out.push(r);
    return out.sort(compareStates);
  }

  /** The states of one resource. */
  statesFor(id: string): PolicyStateRecord[] {
    return [...(this.outcomes.get(canonicalKey(id))?.records ?? [])].sort(compareStates);
  }

  summary(options: SummarizeOptions = {}): PolicyStatesSummary {
    return summarizeStates(this.states(), { hierarchy: this.hierarchy, ...options });
  }

  notEvaluatedCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.notEvaluatedRefs) counts[e.reason] = (counts[e.reason] ?? 0) + 1;
    for (const [r, n] of [...this.runtimeCounts.entries()].sort()) if (n > 0) counts[r] = (counts[r] ?? 0) + n;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  result(millis = 0, evaluateMillis = 0, start?: number): ScanResult {
    const states = this.states();
    return {
      states,
      summary: summarizeStates(states, { hierarchy: this.hierarchy }),
      notEvaluated: this.notEvaluatedCounts(),
      notEvaluatedReferences: [...this.notEvaluatedRefs],
      compileErrors: [...this.compileErrors],
      metrics: {
        resources: this.index.size,
        evaluations: this.evaluations,
        compiledVariants: this.compiler.size,
        millis: Math.round(start === undefined ? millis : performance.now() - start),
        evaluateMillis: Math.round(evaluateMillis),
      },
    };
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

/** Two Modify assignments that set the same field to different values on one resource → both Conflicting. */
function markConflicts(records: PolicyStateRecord[]): void {
  const modify = records.filter((r) => r.evaluatedState === 'NonCompliant' && r.effect.toLowerCase() === 'modify' && r.complianceState !== 'Exempt');
  if (modify.length < 2) return;
  const opsOf = (r: PolicyStateRecord) => {
    const ops = asRecord(r.effectDetails)?.operations;
    const out = new Map<string, string>();
    if (Array.isArray(ops)) {
      for (const op of ops) {
        const o = asRecord(op);
        if (!o) continue;
        const field = String(o.field ?? '').toLowerCase();
        const kind = String(o.operation ?? '').toLowerCase();
        out.set(field, kind === 'remove' ? 'remove' : JSON.stringify(o.value));
      }
    }
    return out;
  };
  const ops = modify.map(opsOf);
  for (let i = 0; i < modify.length; i++) {
    for (let j = i + 1; j < modify.length; j++) {
      if (modify[i].policyAssignmentId.toLowerCase() === modify[j].policyAssignmentId.toLowerCase()) continue;
      for (const [f, v] of ops[i]) {
        const w = ops[j].get(f);
        if (w !== undefined && w !== v) {
          modify[i].complianceState = 'Conflicting';
          modify[j].complianceState = 'Conflicting';
          modify[i].isCompliant = false;
          modify[j].isCompliant = false;
        }
      }
    }
  }
}

/** One-shot scan. */
export function evaluateEstate(options: ScanOptions): ScanResult {
  return new PolicyScanner(options).scan();
}
