/**
 * Policy assignments (ARM `Microsoft.Authorization/policyAssignments`): scope inheritance down the management-group
 * tree, `notScopes`, `resourceSelectors`, `overrides` (policyEffect), `enforcementMode`, parameters and
 * non-compliance messages.
 *
 * Scope checks run once per resource: `resourceFacts` computes the set of scope keys a resource lies within (every
 * id prefix, plus the management groups above its subscription); `isWithin(scope, id, hierarchy)` of src/core is
 * equivalent to `facts.chain.has(canonicalKey(scope))` (a test checks this).
 */
import { PalisadeError, ResourceId, canonicalKey, type ScopeHierarchy } from '../core/index.js';

/** A resource selector clause. */
export interface ResourceSelectorClause {
  kind: 'resourceLocation' | 'resourceType' | 'resourceWithoutLocation' | string;
  in?: string[];
  notIn?: string[];
}

export interface ResourceSelector {
  name?: string;
  selectors: ResourceSelectorClause[];
}

export interface OverrideSelector {
  kind: 'policyDefinitionReferenceId' | 'resourceLocation' | 'resourceType' | string;
  in?: string[];
  notIn?: string[];
}

export interface AssignmentOverride {
  kind: 'policyEffect' | 'definitionVersion' | string;
  value: string;
  selectors?: OverrideSelector[];
}

export interface NonComplianceMessage {
  message: string;
  policyDefinitionReferenceId?: string;
}

/** The ARM shape of a policy assignment (what `az policy assignment show` prints). */
export interface PolicyAssignment {
  id: string;
  name?: string;
  type?: string;
  location?: string;
  identity?: unknown;
  properties: {
    displayName?: string;
    description?: string;
    policyDefinitionId: string;
    definitionVersion?: string;
    scope?: string;
    notScopes?: string[] | null;
    parameters?: Record<string, { value: unknown }> | null;
    enforcementMode?: 'Default' | 'DoNotEnforce' | string;
    resourceSelectors?: ResourceSelector[] | null;
    overrides?: AssignmentOverride[] | null;
    nonComplianceMessages?: NonComplianceMessage[] | null;
    metadata?: unknown;
  };
}

/** An assignment prepared for evaluation. */
export interface NormalizedAssignment {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly displayName?: string;
  readonly scope: string;
  readonly scopeKey: string;
  readonly notScopeKeys: ReadonlyArray<string>;
  readonly definitionId: string;
  readonly isSet: boolean;
  /** Plain parameter values (`{name: value}`). */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly enforce: boolean;
  readonly enforcementMode: string;
  readonly resourceSelectors: ReadonlyArray<ResourceSelector>;
  readonly overrides: ReadonlyArray<AssignmentOverride>;
  readonly nonComplianceMessages: ReadonlyArray<NonComplianceMessage>;
  readonly raw: PolicyAssignment;
}

/** What the scope, selector and exemption checks need to know about a resource (computed once per resource). */
export interface ResourceFacts {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly typeKey: string;
  readonly name: string;
  /** Normalised location (`East US 2` → `eastus2`), undefined when the resource has none. */
  readonly location?: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  /** Every scope key this resource lies within (itself included). */
  readonly chain: ReadonlySet<string>;
}

export function normalizeLocation(location: unknown): string | undefined {
  if (typeof location !== 'string' || location.length === 0) return undefined;
  return location.replace(/\s+/g, '').toLowerCase();
}

/** Computes scope chains; caches the management-group ancestors of each subscription / management group. */
export class ScopeChains {
  private readonly anchors = new Map<string, string[]>();
  constructor(private readonly hierarchy?: ScopeHierarchy) {}

  /** Management-group keys above (and including, for an MG) the anchor of `key`. */
  private anchorKeys(key: string): string[] {
    let anchor: string | undefined;
    const parts = key.split('/');
    if (parts[1] === 'subscriptions' && parts[2] !== undefined) anchor = `/subscriptions/${parts[2]}`;
    else if (parts[1] === 'providers' && parts[2] === 'microsoft.management' && parts[3] === 'managementgroups' && parts[4] !== undefined) {
      anchor = `/providers/microsoft.management/managementgroups/${parts[4]}`;
    }
    if (anchor === undefined || this.hierarchy === undefined) return [];
    let cached = this.anchors.get(anchor);
    if (cached === undefined) {
      const names = this.hierarchy.managementGroupAncestors(ResourceId.parse(anchor));
      cached = names.map((n) => `/providers/microsoft.management/managementgroups/${n.toLowerCase()}`);
      this.anchors.set(anchor, cached);
    }
    return cached;
  }

  chainOf(id: string): Set<string> {
    const key = canonicalKey(id);
    const chain = new Set<string>(['/']);
    let i = key.indexOf('/', 1);
    while (i > 0) {
      chain.add(key.slice(0, i));
      i = key.indexOf('/', i + 1);
    }
    chain.add(key);
    for (const k of this.anchorKeys(key)) chain.add(k);
    return chain;
  }

  /** Management group names above `id` (nearest first; an id inside a management group starts with that group). */
  managementGroupNames(id: string): string[] {
    const key = canonicalKey(id);
    const own = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)/.exec(key);
    const names = this.anchorKeys(key).map((k) => k.slice(k.lastIndexOf('/') + 1));
    return own ? [own[1], ...names] : names;
  }

  /** Forgets cached ancestors (after the management-group tree changed). */
  clear(): void {
    this.anchors.clear();
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

const SUB_RG = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?/i;

/** Builds the facts of an ARM / ARG resource object (the id is parsed only when the row lacks type or name). */
export function resourceFacts(resource: Record<string, unknown>, chains: ScopeChains): ResourceFacts {
  const id = str(resource.id);
  if (id === undefined) throw new PalisadeError('InvalidResource', 'a resource needs an id', { kind: 'validation' });
  const key = canonicalKey(id);
  let type = str(resource.type);
  let name = str(resource.name);
  if (type === undefined || name === undefined) {
    const parsed = ResourceId.tryParse(id);
    const pid = typeof parsed === 'string' ? undefined : parsed;
    type ??= pid?.type ?? '';
    name ??= pid?.name ?? '';
  }
  const m = SUB_RG.exec(key);
  let resourceGroup = str(resource.resourceGroup);
  if (resourceGroup === undefined && m?.[2] !== undefined) resourceGroup = id.split('/').filter(Boolean)[3];
  let subscriptionId = str(resource.subscriptionId);
  if (subscriptionId === undefined && m?.[1] !== undefined) subscriptionId = id.split('/').filter(Boolean)[1];
  return {
    id,
    key,
    type,
    typeKey: type.toLowerCase(),
    name,
    location: normalizeLocation(resource.location),
    subscriptionId,
    resourceGroup,
    chain: chains.chainOf(key),
  };
}

function asStringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The scope an assignment or exemption id sits at (`{scope}/providers/Microsoft.Authorization/...`). */
export function scopeOfId(id: string): string {
  const parsed = ResourceId.tryParse(id);
  if (typeof parsed === 'string') throw new PalisadeError('InvalidResourceId', `'${id}' is not a valid id: ${parsed}`, { target: id });
  return parsed.scope.id;
}

/** Validates and prepares an assignment. */
export function normalizeAssignment(assignment: PolicyAssignment): NormalizedAssignment {
  if (assignment === null || typeof assignment !== 'object' || typeof assignment.id !== 'string') {
    throw new PalisadeError('InvalidPolicyAssignment', 'a policy assignment needs an id', { kind: 'validation' });
  }
  const p = (assignment.properties ?? {}) as PolicyAssignment['properties'];
  if (typeof p.policyDefinitionId !== 'string') {
    throw new PalisadeError('InvalidPolicyAssignment', `policy assignment '${assignment.id}' has no policyDefinitionId`, { target: assignment.id });
  }
  const scope = typeof p.scope === 'string' && p.scope.length > 0 ? p.scope : scopeOfId(assignment.id);
  const parameters: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.parameters ?? {})) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    parameters[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v ? (v as { value: unknown }).value : v;
  }
  const mode = typeof p.enforcementMode === 'string' ? p.enforcementMode : 'Default';
  return {
    id: assignment.id,
    key: canonicalKey(assignment.id),
    name: assignment.name ?? assignment.id.split('/').pop() ?? '',
    displayName: p.displayName,
    scope,
    scopeKey: canonicalKey(scope),
    notScopeKeys: asStringList(p.notScopes).map(canonicalKey),
    definitionId: p.policyDefinitionId,
    isSet: /\/policysetdefinitions\//i.test(p.policyDefinitionId),
    parameters,
    enforce: mode.toLowerCase() !== 'donotenforce',
    enforcementMode: mode,
    resourceSelectors: Array.isArray(p.resourceSelectors) ? p.resourceSelectors : [],
    overrides: Array.isArray(p.overrides) ? p.overrides : [],
    nonComplianceMessages: Array.isArray(p.nonComplianceMessages) ? p.nonComplianceMessages : [],
    raw: assignment,
  };
}

function listHas(list: string[] | undefined, value: string, normalize: (s: string) => string): boolean {
  return (list ?? []).some((x) => normalize(x) === value);
}

const lower = (s: string) => s.toLowerCase();
const loc = (s: string) => normalizeLocation(s) ?? '';

/** One selector clause (`in` / `notIn`) against a resource. */
export function clauseMatches(clause: ResourceSelectorClause, facts: ResourceFacts, referenceId?: string): boolean {
  const test = (value: string | undefined, normalize: (s: string) => string): boolean => {
    if (clause.in !== undefined) return value !== undefined && listHas(clause.in, value, normalize);
    if (clause.notIn !== undefined) return value === undefined || !listHas(clause.notIn, value, normalize);
    return true;
  };
  switch (clause.kind.toLowerCase()) {
    case 'resourcelocation':
      // A location-less resource is never selected by location (Azure has resourceWithoutLocation for it).
      if (facts.location === undefined || facts.location === 'global') return false;
      return test(facts.location, loc);
    case 'resourcetype':
      return test(facts.typeKey, lower);
    case 'resourcewithoutlocation': {
      const without = facts.location === undefined || facts.location === 'global';
      // The only documented value is `subscriptionLevelResources`.
      return test(without ? 'subscriptionlevelresources' : undefined, lower);
    }
    case 'policydefinitionreferenceid':
      return test(referenceId?.toLowerCase() ?? '', lower);
    default:
      return false;
  }
}

/** True when no selectors are given, or any selector has all of its clauses matching. */
export function resourceSelectorsMatch(selectors: ReadonlyArray<ResourceSelector>, facts: ResourceFacts): boolean {
  if (selectors.length === 0) return true;
  return selectors.some((s) => (s.selectors ?? []).every((c) => clauseMatches(c, facts)));
}

/** The assignment reaches the resource: within its scope, outside every notScope, selected by its resourceSelectors. */
export function assignmentApplies(assignment: NormalizedAssignment, facts: ResourceFacts): boolean {
  if (!facts.chain.has(assignment.scopeKey)) return false;
  for (const n of assignment.notScopeKeys) if (facts.chain.has(n)) return false;
  return resourceSelectorsMatch(assignment.resourceSelectors, facts);
}

/** `assignmentApplies` with the hierarchy, for callers without precomputed facts. */
export function assignmentAppliesTo(assignment: NormalizedAssignment, resource: Record<string, unknown>, hierarchy?: ScopeHierarchy): boolean {
  return assignmentApplies(assignment, resourceFacts(resource, new ScopeChains(hierarchy)));
}

/** Filters the assignment's policyEffect overrides to those that can apply to `referenceId`. */
export function overridesFor(assignment: NormalizedAssignment, referenceId: string): AssignmentOverride[] {
  return assignment.overrides.filter((o) => {
    if (typeof o.kind !== 'string' || o.kind.toLowerCase() !== 'policyeffect' || typeof o.value !== 'string') return false;
    return (o.selectors ?? [])
      .filter((s) => s.kind.toLowerCase() === 'policydefinitionreferenceid')
      .every((s) => {
        const id = referenceId.toLowerCase();
        if (s.in !== undefined) return s.in.some((x) => x.toLowerCase() === id);
        if (s.notIn !== undefined) return !s.notIn.some((x) => x.toLowerCase() === id);
        return true;
      });
  });
}

/**
 * The effect override for a resource: the last override (they apply in order, a later one refining an earlier one)
 * whose resource-dependent selectors (resourceLocation, resourceType) match.
 */
export function effectOverride(candidates: ReadonlyArray<AssignmentOverride>, facts: ResourceFacts): string | undefined {
  let chosen: string | undefined;
  for (const o of candidates) {
    const dynamic = (o.selectors ?? []).filter((s) => s.kind.toLowerCase() !== 'policydefinitionreferenceid');
    if (dynamic.every((s) => clauseMatches(s, facts))) chosen = o.value;
  }
  return chosen;
}

/** The non-compliance message for a reference: the reference's own, else the assignment-wide one. */
export function nonComplianceMessage(assignment: NormalizedAssignment, referenceId: string): string | undefined {
  const own = assignment.nonComplianceMessages.find((m) => typeof m.policyDefinitionReferenceId === 'string' && m.policyDefinitionReferenceId.toLowerCase() === referenceId.toLowerCase());
  if (own) return own.message;
  return assignment.nonComplianceMessages.find((m) => m.policyDefinitionReferenceId === undefined || m.policyDefinitionReferenceId === '')?.message;
}
