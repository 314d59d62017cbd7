/**
 * Assignment cases (a Palisade extension of the regorus case format): a small estate — management groups,
 * subscriptions, resources — an assignment of a definition or an initiative, exemptions and an evaluation time, run
 * through the real `PolicyScanner`, with the expected compliance state per resource (and per initiative reference).
 *
 *   management_groups: { contoso-root: null, landing-zones: contoso-root }   # name → parent (null: a root)
 *   subscriptions: { 1111...: landing-zones }                               # id → management group (null: none)
 *   resources: [ {id, type, name, location, tags, properties, ...} ]         # ARM / Resource Graph rows
 *   policy_definition: {...} | '<JSON>'        # assign this definition, or:
 *   policy_set_definition: {...}  +  policy_definitions: [ {...}, ... ]      # assign this initiative
 *   assignment: { scope, notScopes, parameters, enforcementMode, resourceSelectors, overrides, nonComplianceMessages,
 *                 name, definitionVersion, policyDefinitionId }
 *   exemptions: [ { scope, category, expiresOn, policyDefinitionReferenceIds, resourceSelectors, name } ]
 *   now: 2026-05-01T12:00:00Z
 *   catalog: true                              # resolve other definitions and the aliases from the shipped catalog
 *   want_states: { <resource id or name>: <state> | { <reference id>: <state> } }
 *   want_effects: { <resource id or name>: <effect> | { <reference id>: <effect> } }
 *   want_not_evaluated: { <reason>: <count> }
 *   want_state_counts: { <state>: <count> }
 *
 * Every key may be given at file level (shared by the cases) or per case (the case's wins; a case's `assignment` is
 * merged over the file's, key by key). States: Compliant, NonCompliant, Exempt, Conflicting, Unknown (the record's
 * state; a plain state for an initiative is the resource's roll-up over the references), NotApplicable (no state,
 * although the assignment's scope, notScopes and resourceSelectors reach the resource), OutOfScope (the assignment
 * does not reach the resource) and absent (no state, for any reason).
 */
import { AliasCatalog, loadCatalog } from '../../catalog/index.js';
import { PalisadeError, ResourceId, canonicalKey, fixedClock, safeJsonParse, type ScopeHierarchy } from '../../core/index.js';
import { assignmentApplies, normalizeAssignment, type PolicyAssignment } from '../assignments.js';
import type { ArmResource } from '../estate-host.js';
import type { PolicyExemption } from '../exemptions.js';
import { definitionsFromList, type DefinitionSource } from '../initiatives.js';
import { PolicyScanner } from '../scan.js';
import { rollUp, type PolicyComplianceState, type PolicyStateRecord } from '../states.js';
import { isObject, show } from '../value.js';

type Doc = Record<string, unknown>;

/** Keys that make a case (or a file) an assignment case. */
const MARKERS = ['assignment', 'want_states', 'want_effects', 'want_not_evaluated', 'want_state_counts'];

export function isAssignmentFile(doc: Doc, cases: Doc[]): boolean {
  return MARKERS.some((k) => k in doc) || cases.some((c) => MARKERS.some((k) => k in c));
}

const RECORD_STATES = new Set(['Compliant', 'NonCompliant', 'Exempt', 'Conflicting', 'Unknown']);
const NO_RECORD_STATES = new Set(['NotApplicable', 'OutOfScope', 'absent']);

const DEFINITION_PREFIX = '/providers/Microsoft.Authorization/policyDefinitions/';
const SET_PREFIX = '/providers/Microsoft.Authorization/policySetDefinitions/';
const MG_PREFIX = '/providers/Microsoft.Management/managementGroups/';

/** A management-group tree given as `name → parent` and `subscription → management group`. */
class CaseHierarchy implements ScopeHierarchy {
  private readonly parents = new Map<string, string | undefined>();
  private readonly subs = new Map<string, string | undefined>();

  constructor(groups: Record<string, unknown>, subscriptions: Record<string, unknown>) {
    for (const [name, parent] of Object.entries(groups)) this.parents.set(name.toLowerCase(), typeof parent === 'string' && parent !== '' ? parent : undefined);
    for (const [id, mg] of Object.entries(subscriptions)) this.subs.set(id.toLowerCase(), typeof mg === 'string' && mg !== '' ? mg : undefined);
  }

  /** Names above a management group, nearest first (cycle-safe). */
  private above(name: string): string[] {
    const out: string[] = [];
    const seen = new Set([name.toLowerCase()]);
    let p = this.parents.get(name.toLowerCase());
    while (p !== undefined && !seen.has(p.toLowerCase())) {
      out.push(p);
      seen.add(p.toLowerCase());
      p = this.parents.get(p.toLowerCase());
    }
    return out;
  }

  managementGroupAncestors(scope: ResourceId): ReadonlyArray<string> {
    if (scope.kind === 'managementGroup' && scope.managementGroup !== undefined) return this.above(scope.managementGroup);
    if (scope.subscriptionId !== undefined) {
      const mg = this.subs.get(scope.subscriptionId.toLowerCase());
      return mg === undefined ? [] : [mg, ...this.above(mg)];
    }
    if (scope.managementGroup !== undefined) return [scope.managementGroup, ...this.above(scope.managementGroup)];
    return [];
  }

  chainOf(subscriptionId: string): string[] {
    const mg = this.subs.get(subscriptionId.toLowerCase());
    return mg === undefined ? [] : [mg, ...this.above(mg)];
  }
}

class CaseError extends Error {}

function fail(message: string): never {
  throw new CaseError(message);
}

/** A definition given as an object or JSON text. */
function definitionObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v === 'string') {
    if (v.trim().startsWith('/')) fail(`${what}: give the definition itself, or its id in assignment.policyDefinitionId`);
    let parsed: unknown;
    try {
      parsed = safeJsonParse(v);
    } catch (e) {
      fail(`${what} is not valid JSON: ${(e as Error).message}`);
    }
    if (!isObject(parsed)) fail(`${what} is not a JSON object`);
    return parsed;
  }
  if (!isObject(v)) fail(`${what} must be an object or JSON text`);
  return v;
}

function withId(def: Record<string, unknown>, prefix: string, fallbackName: string): Record<string, unknown> {
  if (typeof def.id === 'string') return def;
  const name = typeof def.name === 'string' ? def.name : fallbackName;
  return { ...def, id: `${prefix}${name}`, name };
}

function pick(c: Doc, doc: Doc, key: string): unknown {
  return key in c ? c[key] : doc[key];
}

function objectOr(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) fail(`${what} must be a mapping`);
  return v;
}

/** Fills what the id says when the row leaves it out (type, name, subscriptionId, resourceGroup). */
function resourceRow(v: unknown, i: number): ArmResource {
  if (!isObject(v) || typeof v.id !== 'string') fail(`resources[${i}] needs an id`);
  const parsed = ResourceId.tryParse(v.id);
  if (typeof parsed === 'string') fail(`resources[${i}]: '${v.id}' is not a resource id (${parsed})`);
  const row: Record<string, unknown> = { ...v };
  if (typeof row.type !== 'string') row.type = parsed.kind === 'subscription' ? 'Microsoft.Resources/subscriptions' : parsed.kind === 'resourceGroup' ? 'Microsoft.Resources/subscriptions/resourceGroups' : parsed.type;
  if (typeof row.name !== 'string') row.name = parsed.kind === 'subscription' ? parsed.subscriptionId : parsed.name;
  if (typeof row.subscriptionId !== 'string' && parsed.subscriptionId !== undefined) row.subscriptionId = parsed.subscriptionId;
  if (typeof row.resourceGroup !== 'string' && parsed.resourceGroup !== undefined) row.resourceGroup = parsed.resourceGroup;
  return row as ArmResource;
}

/** The estate: the given rows plus a row for every subscription and resource group they imply (unless given). */
function estateRows(given: ArmResource[], hierarchy: CaseHierarchy, subscriptions: Record<string, unknown>): ArmResource[] {
  const have = new Set(given.map((r) => canonicalKey(r.id)));
  const extra: ArmResource[] = [];
  const addSub = (id: string) => {
    const key = canonicalKey(`/subscriptions/${id}`);
    if (have.has(key)) return;
    have.add(key);
    extra.push({
      id: `/subscriptions/${id}`,
      type: 'Microsoft.Resources/subscriptions',
      name: id,
      subscriptionId: id,
      properties: { displayName: id, state: 'Enabled', managementGroupAncestorsChain: hierarchy.chainOf(id).map((n) => ({ name: n, displayName: n })) },
    });
  };
  for (const id of Object.keys(subscriptions)) addSub(id);
  for (const r of given) {
    const p = ResourceId.tryParse(r.id);
    if (typeof p === 'string' || p.subscriptionId === undefined) continue;
    addSub(p.subscriptionId);
    if (p.resourceGroup === undefined) continue;
    const rgId = `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}`;
    if (have.has(canonicalKey(rgId))) continue;
    have.add(canonicalKey(rgId));
    extra.push({ id: rgId, type: 'Microsoft.Resources/subscriptions/resourceGroups', name: p.resourceGroup, subscriptionId: p.subscriptionId, resourceGroup: p.resourceGroup, location: 'eastus', tags: {}, properties: { provisioningState: 'Succeeded' } });
  }
  return [...extra, ...given];
}

interface Plan {
  rows: ArmResource[];
  assignment: PolicyAssignment;
  exemptions: PolicyExemption[];
  definitions: DefinitionSource;
  hierarchy: CaseHierarchy;
  now: Date;
  aliases?: AliasCatalog;
}

const catalogAliasCache = new WeakMap<AliasCatalog, Map<AliasCatalog | undefined, AliasCatalog>>();

function mergedAliases(own: AliasCatalog | undefined, useCatalog: boolean): AliasCatalog | undefined {
  if (!useCatalog) return own;
  const base = loadCatalog().aliases();
  if (own === undefined) return base;
  let byOwn = catalogAliasCache.get(base);
  if (!byOwn) catalogAliasCache.set(base, (byOwn = new Map()));
  let merged = byOwn.get(own);
  if (!merged) byOwn.set(own, (merged = new AliasCatalog().merge(base).merge(own)));
  return merged;
}

function buildPlan(doc: Doc, c: Doc, aliases: AliasCatalog | undefined, defaultNow: Date | undefined): Plan {
  const useCatalog = pick(c, doc, 'catalog') === true;
  const groups = objectOr(pick(c, doc, 'management_groups'), 'management_groups');
  const subscriptions = objectOr(pick(c, doc, 'subscriptions'), 'subscriptions');
  const hierarchy = new CaseHierarchy(groups, subscriptions);
  const rawResources = pick(c, doc, 'resources') ?? [];
  if (!Array.isArray(rawResources)) fail('resources must be a list');
  const rows = estateRows(rawResources.map(resourceRow), hierarchy, subscriptions);

  // Definitions: the case's (single definition, or initiative with its definitions), then the catalog.
  // The assigned one: the initiative, else the definition — a case's own before the file's.
  const list: unknown[] = [];
  const targets: Array<string | undefined> = [];
  for (const [source, level] of [[c, 'case'], [doc, 'file']] as const) {
    let target: string | undefined;
    if (source.policy_set_definition !== undefined) {
      const s = withId(definitionObject(source.policy_set_definition, `${level} policy_set_definition`), SET_PREFIX, 'test-initiative');
      list.push(s);
      target = s.id as string;
    }
    if (source.policy_definition !== undefined) {
      const d = withId(definitionObject(source.policy_definition, `${level} policy_definition`), DEFINITION_PREFIX, 'test-policy');
      list.push(d);
      target ??= d.id as string;
    }
    targets.push(target);
  }
  const defs = pick(c, doc, 'policy_definitions') ?? [];
  if (!Array.isArray(defs)) fail('policy_definitions must be a list');
  defs.forEach((d, i) => list.push(withId(definitionObject(d, `policy_definitions[${i}]`), DEFINITION_PREFIX, `test-policy-${i}`)));
  const own = definitionsFromList(list);
  const catalog = useCatalog ? loadCatalog() : undefined;
  const definitions: DefinitionSource = catalog ? (id) => own(id) ?? catalog.resolve(id) : own;

  // The assignment: the file's, with the case's keys over it.
  const fileA = isObject(doc.assignment) ? doc.assignment : {};
  const caseA = isObject(c.assignment) ? c.assignment : {};
  const a: Record<string, unknown> = { ...fileA, ...caseA };
  if (typeof a.scope !== 'string' || a.scope === '') fail('assignment.scope is required');
  const idOf = (o: Record<string, unknown>) => (typeof o.policyDefinitionId === 'string' ? o.policyDefinitionId : undefined);
  const definitionId = idOf(caseA) ?? targets[0] ?? idOf(fileA) ?? targets[1];
  if (definitionId === undefined) fail('no policy_definition, policy_set_definition or assignment.policyDefinitionId');
  const name = typeof a.name === 'string' ? a.name : 'test-assignment';
  const scope = a.scope.replace(/\/+$/, '') || '/';
  const assignmentId = `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/policyAssignments/${name}`;
  const properties: Record<string, unknown> = { displayName: name, policyDefinitionId: definitionId, scope, enforcementMode: 'Default' };
  for (const [k, v] of Object.entries(a)) if (k !== 'name' && k !== 'scope' && k !== 'policyDefinitionId') properties[k] = v;
  const assignment = { id: assignmentId, name, type: 'Microsoft.Authorization/policyAssignments', properties } as unknown as PolicyAssignment;

  const rawEx = pick(c, doc, 'exemptions') ?? [];
  if (!Array.isArray(rawEx)) fail('exemptions must be a list');
  const exemptions = rawEx.map((e, i): PolicyExemption => {
    if (!isObject(e) || typeof e.scope !== 'string') fail(`exemptions[${i}] needs a scope`);
    const exName = typeof e.name === 'string' ? e.name : `exemption-${i}`;
    const exScope = e.scope.replace(/\/+$/, '');
    const props: Record<string, unknown> = { policyAssignmentId: typeof e.policyAssignmentId === 'string' ? e.policyAssignmentId : assignmentId, exemptionCategory: e.category ?? e.exemptionCategory };
    for (const k of ['expiresOn', 'policyDefinitionReferenceIds', 'resourceSelectors', 'displayName', 'assignmentScopeValidation']) {
      if (e[k] !== undefined) props[k] = e[k] instanceof Date ? (e[k] as Date).toISOString() : e[k];
    }
    return { id: `${exScope}/providers/Microsoft.Authorization/policyExemptions/${exName}`, name: exName, type: 'Microsoft.Authorization/policyExemptions', properties: props as PolicyExemption['properties'] };
  });

  const rawNow = pick(c, doc, 'now');
  let now: Date;
  if (rawNow === undefined) now = defaultNow ?? new Date();
  else {
    now = rawNow instanceof Date ? rawNow : new Date(String(rawNow));
    if (Number.isNaN(now.getTime())) fail(`now: '${String(rawNow)}' is not an ISO date-time`);
  }
  return { rows, assignment, exemptions, definitions, hierarchy, now, aliases: mergedAliases(aliases, useCatalog) };
}

/** Finds the resource a `want_states` key names: an id, or a name that exactly one row has. */
function resolveKey(key: string, rows: ArmResource[]): ArmResource {
  if (key.startsWith('/')) {
    const k = canonicalKey(key);
    return rows.find((r) => canonicalKey(r.id) === k) ?? fail(`no resource with id '${key}'`);
  }
  const lower = key.toLowerCase();
  const named = rows.filter((r) => typeof r.name === 'string' && r.name.toLowerCase() === lower);
  if (named.length === 1) return named[0];
  if (named.length === 0) fail(`no resource named '${key}'`);
  return fail(`${named.length} resources are named '${key}'; use the id`);
}

function describe(records: PolicyStateRecord[]): string {
  if (records.length === 0) return 'no state';
  return records.map((r) => `${r.policyDefinitionReferenceId ? `${r.policyDefinitionReferenceId}=` : ''}${r.complianceState} (effect ${r.effect})`).join(', ');
}

function signature(states: PolicyStateRecord[]): string {
  return states.map((s) => `${s.resourceId.toLowerCase()}|${s.policyDefinitionReferenceId}|${s.complianceState}|${s.effect}|${s.exemptionIds.join(',')}`).join('\n');
}

/** Runs one assignment case; undefined when it passes, else what differs. */
export function runAssignmentCase(doc: Doc, c: Doc, aliases: AliasCatalog | undefined, now: Date | undefined): string | undefined {
  let plan: Plan;
  try {
    plan = buildPlan(doc, c, aliases, now);
  } catch (e) {
    if (e instanceof CaseError || e instanceof PalisadeError) return `invalid case: ${e.message}`;
    throw e;
  }
  const options = { resources: plan.rows, assignments: [plan.assignment], exemptions: plan.exemptions, definitions: plan.definitions, aliases: plan.aliases, hierarchy: plan.hierarchy, clock: fixedClock(plan.now) };
  let scanner: PolicyScanner;
  try {
    scanner = new PolicyScanner(options);
  } catch (e) {
    if (e instanceof PalisadeError) return `invalid case: ${e.message}`;
    throw e;
  }
  const result = scanner.scan();
  const problems: string[] = [];
  // The scan shares scope and exemption decisions per resource group; deciding per resource must give the same states.
  const perResource = new PolicyScanner({ ...options, shareScopes: false }).scan();
  if (signature(perResource.states) !== signature(result.states)) problems.push('the scan with shared scope decisions differs from the scan deciding per resource');

  const normalized = scanner.assignments[0];
  const byResource = new Map<string, PolicyStateRecord[]>();
  for (const s of result.states) {
    const k = canonicalKey(s.resourceId);
    const list = byResource.get(k) ?? [];
    list.push(s);
    byResource.set(k, list);
  }

  const check = (field: 'want_states' | 'want_effects') => {
    const want = c[field] ?? doc[field];
    if (want === undefined) return;
    if (!isObject(want)) return problems.push(`${field} must be a mapping of resource → expectation`);
    for (const [key, expected] of Object.entries(want)) {
      let resource: ArmResource;
      try {
        resource = resolveKey(key, plan.rows);
      } catch (e) {
        if (e instanceof CaseError) {
          problems.push(`${field}.${key}: ${e.message}`);
          continue;
        }
        throw e;
      }
      const records = byResource.get(canonicalKey(resource.id)) ?? [];
      const reaches = () => assignmentApplies(normalized, scanner.facts(resource));
      const compare = (label: string, subset: PolicyStateRecord[], exp: unknown) => {
        if (typeof exp !== 'string') return problems.push(`${label}: expected a string, got ${show(exp)}`);
        if (field === 'want_effects') {
          if (subset.length === 0) return problems.push(`${label}: expected effect ${exp}, got no state`);
          const bad = subset.filter((r) => r.effect.toLowerCase() !== exp.toLowerCase());
          if (bad.length > 0) problems.push(`${label}: expected effect ${exp}, got ${describe(subset)}`);
          return;
        }
        if (RECORD_STATES.has(exp)) {
          let rolled: PolicyComplianceState | undefined;
          for (const r of subset) rolled = rollUp(rolled, r.complianceState);
          if (rolled !== exp) problems.push(`${label}: expected ${exp}, got ${describe(subset)}`);
        } else if (NO_RECORD_STATES.has(exp)) {
          if (subset.length > 0) problems.push(`${label}: expected ${exp}, got ${describe(subset)}`);
          else if (exp === 'NotApplicable' && !reaches()) problems.push(`${label}: expected NotApplicable, but the assignment does not reach the resource (OutOfScope)`);
          else if (exp === 'OutOfScope' && reaches()) problems.push(`${label}: expected OutOfScope, but the assignment reaches the resource (NotApplicable)`);
        } else problems.push(`${label}: unknown state '${exp}' (Compliant, NonCompliant, Exempt, Conflicting, Unknown, NotApplicable, OutOfScope, absent)`);
      };
      if (isObject(expected)) {
        for (const [ref, exp] of Object.entries(expected)) {
          compare(`${key} [${ref}]`, records.filter((r) => r.policyDefinitionReferenceId.toLowerCase() === ref.toLowerCase()), exp);
        }
      } else compare(key, records, expected);
    }
  };
  check('want_states');
  check('want_effects');

  const wantNe = c.want_not_evaluated ?? doc.want_not_evaluated;
  if (wantNe !== undefined) {
    if (!isObject(wantNe)) problems.push('want_not_evaluated must be a mapping of reason → count');
    else for (const [reason, n] of Object.entries(wantNe)) if ((result.notEvaluated[reason] ?? 0) !== n) problems.push(`not evaluated '${reason}': expected ${show(n)}, got ${result.notEvaluated[reason] ?? 0} (${show(result.notEvaluated)})`);
  }
  const wantCounts = c.want_state_counts ?? doc.want_state_counts;
  if (wantCounts !== undefined) {
    if (!isObject(wantCounts)) problems.push('want_state_counts must be a mapping of state → count');
    else for (const [state, n] of Object.entries(wantCounts)) if ((result.stateCounts[state] ?? 0) !== n) problems.push(`states '${state}': expected ${show(n)}, got ${result.stateCounts[state] ?? 0} (${show(result.stateCounts)})`);
  }
  if (!['want_states', 'want_effects', 'want_not_evaluated', 'want_state_counts'].some((k) => k in c || k in doc)) problems.push('case has no expectation (want_states, want_effects, want_not_evaluated or want_state_counts)');
  return problems.length === 0 ? undefined : problems.join('\n');
}
