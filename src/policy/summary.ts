/**
 * Policy state summaries as `az policy state summarize` (PolicyInsights `summarize`) returns them: overall results,
 * then per assignment, per definition reference and per group. Roll-up: a resource (policy, group) takes the
 * highest-ranked state of its records (NonCompliant > Compliant > Conflicting > Exempt > Unknown), so a resource is
 * non-compliant for an initiative when it is non-compliant for any of its policies.
 *
 * Compliance percentage (Learn, compliance states): (Compliant + Exempt + Unknown) / (Compliant + NonCompliant +
 * Exempt + Conflicting + Unknown) over distinct resources. Learn leaves Unknown out of the denominator, which can
 * exceed 100%; we count it in both so the figure stays a percentage (identical when nothing is Unknown).
 */
import { canonicalKey, type ScopeHierarchy } from '../core/index.js';
import { ScopeChains } from './assignments.js';
import { ROLLUP_ORDER, rollUp, type PolicyComplianceState, type PolicyStateRecord } from './states.js';

export interface ComplianceCount {
  /** Lower-case, as PolicyInsights reports it: `compliant`, `noncompliant`, `exempt`, `conflicting`, `unknown`. */
  complianceState: string;
  count: number;
}

export interface SummaryResults {
  nonCompliantResources: number;
  nonCompliantPolicies?: number;
  resourceDetails: ComplianceCount[];
  policyDetails: ComplianceCount[];
  policyGroupDetails: ComplianceCount[];
  /** Palisade addition: the compliance percentage over distinct resources (0–100). */
  compliancePercentage: number;
  /** Palisade addition: distinct resources counted. */
  totalResources: number;
}

export interface PolicyDefinitionSummary {
  policyDefinitionId: string;
  policyDefinitionReferenceId: string;
  policyDefinitionGroupNames: string[];
  effect: string;
  results: SummaryResults;
}

export interface PolicyGroupSummary {
  policyGroupName: string;
  results: SummaryResults;
}

export interface PolicyAssignmentSummary {
  policyAssignmentId: string;
  policySetDefinitionId: string;
  results: SummaryResults;
  policyDefinitions: PolicyDefinitionSummary[];
  policyGroups: PolicyGroupSummary[];
}

export interface PolicyStatesSummary {
  results: SummaryResults;
  policyAssignments: PolicyAssignmentSummary[];
}

export interface SummarizeOptions {
  /** Only resources within this scope (management group, subscription, resource group, resource). */
  scope?: string;
  hierarchy?: ScopeHierarchy;
  /** Only these assignments (ids). */
  policyAssignmentIds?: string[];
  /** Any extra record filter. */
  filter?: (record: PolicyStateRecord) => boolean;
}

function counts(map: Map<string, PolicyComplianceState>): ComplianceCount[] {
  const c = new Map<string, number>();
  for (const s of map.values()) c.set(s, (c.get(s) ?? 0) + 1);
  return [...c.entries()]
    .map(([s, n]) => ({ complianceState: s.toLowerCase(), count: n }))
    .sort((a, b) => (a.complianceState < b.complianceState ? -1 : a.complianceState > b.complianceState ? 1 : 0));
}

/** A record with its roll-up keys computed once. */
interface Keyed {
  record: PolicyStateRecord;
  resource: string;
  policy: string;
  groups: string[];
}

function keyed(r: PolicyStateRecord): Keyed {
  const a = r.policyAssignmentId.toLowerCase();
  return {
    record: r,
    resource: r.resourceId.toLowerCase(),
    policy: `${a}|${r.policyDefinitionReferenceId.toLowerCase()}`,
    groups: r.policyDefinitionGroupNames.length === 0 ? [] : r.policyDefinitionGroupNames.map((g) => `${a}|${g.toLowerCase()}`),
  };
}

function results(items: ReadonlyArray<Keyed>, withPolicies: boolean): SummaryResults {
  const resources = new Map<string, PolicyComplianceState>();
  const policies = new Map<string, PolicyComplianceState>();
  const groups = new Map<string, PolicyComplianceState>();
  for (const it of items) {
    const state = it.record.complianceState;
    resources.set(it.resource, rollUp(resources.get(it.resource), state));
    policies.set(it.policy, rollUp(policies.get(it.policy), state));
    for (const g of it.groups) groups.set(g, rollUp(groups.get(g), state));
  }
  let compliantLike = 0;
  let nonCompliantResources = 0;
  for (const s of resources.values()) {
    if (s === 'Compliant' || s === 'Exempt' || s === 'Unknown') compliantLike++;
    if (s === 'NonCompliant') nonCompliantResources++;
  }
  let nonCompliantPolicies = 0;
  for (const s of policies.values()) if (s === 'NonCompliant') nonCompliantPolicies++;
  const out: SummaryResults = {
    nonCompliantResources,
    resourceDetails: counts(resources),
    policyDetails: counts(policies),
    policyGroupDetails: counts(groups),
    compliancePercentage: resources.size === 0 ? 100 : Math.round((10000 * compliantLike) / resources.size) / 100,
    totalResources: resources.size,
  };
  if (withPolicies) out.nonCompliantPolicies = nonCompliantPolicies;
  return out;
}

/** Roll-up results over a set of records. */
export function computeResults(records: ReadonlyArray<PolicyStateRecord>, withPolicies = true): SummaryResults {
  return results(records.map(keyed), withPolicies);
}

function selectRecords(states: Iterable<PolicyStateRecord>, options: SummarizeOptions): PolicyStateRecord[] {
  const scopeKey = options.scope === undefined ? undefined : canonicalKey(options.scope);
  const chains = scopeKey === undefined ? undefined : new ScopeChains(options.hierarchy);
  const assignments = options.policyAssignmentIds === undefined ? undefined : new Set(options.policyAssignmentIds.map(canonicalKey));
  const out: PolicyStateRecord[] = [];
  const within = new Map<string, boolean>();
  for (const r of states) {
    if (assignments && !assignments.has(r.policyAssignmentId.toLowerCase())) continue;
    if (scopeKey !== undefined && chains) {
      const rk = r.resourceId.toLowerCase();
      let ok = within.get(rk);
      if (ok === undefined) {
        ok = chains.chainOf(r.resourceId).has(scopeKey);
        within.set(rk, ok);
      }
      if (!ok) continue;
    }
    if (options.filter && !options.filter(r)) continue;
    out.push(r);
  }
  return out;
}

/** Summarizes policy states like `az policy state summarize`. */
export function summarizeStates(states: Iterable<PolicyStateRecord>, options: SummarizeOptions = {}): PolicyStatesSummary {
  const records = selectRecords(states, options).map(keyed);
  const byAssignment = new Map<string, Keyed[]>();
  for (const r of records) {
    const k = r.record.policyAssignmentId.toLowerCase();
    const list = byAssignment.get(k);
    if (list) list.push(r);
    else byAssignment.set(k, [r]);
  }
  const cmp = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
  const policyAssignments: PolicyAssignmentSummary[] = [];
  for (const [, list] of [...byAssignment.entries()].sort(cmp)) {
    const first = list[0].record;
    const byRef = new Map<string, Keyed[]>();
    const byGroup = new Map<string, { name: string; records: Keyed[] }>();
    for (const it of list) {
      const refList = byRef.get(it.policy);
      if (refList) refList.push(it);
      else byRef.set(it.policy, [it]);
      it.record.policyDefinitionGroupNames.forEach((g, i) => {
        const gk = it.groups[i];
        let entry = byGroup.get(gk);
        if (!entry) byGroup.set(gk, (entry = { name: g, records: [] }));
        entry.records.push(it);
      });
    }
    const policyDefinitions = [...byRef.entries()].sort(cmp).map(([, refRecords]) => {
      const r0 = refRecords[0].record;
      return {
        policyDefinitionId: r0.policyDefinitionId,
        policyDefinitionReferenceId: r0.policyDefinitionReferenceId,
        policyDefinitionGroupNames: r0.policyDefinitionGroupNames,
        effect: r0.policyDefinitionAction,
        results: results(refRecords, false),
      };
    });
    const policyGroups = [...byGroup.entries()].sort(cmp).map(([, g]) => ({ policyGroupName: g.name, results: results(g.records, false) }));
    policyAssignments.push({
      policyAssignmentId: first.policyAssignmentId,
      policySetDefinitionId: first.policySetDefinitionId,
      results: results(list, true),
      policyDefinitions,
      policyGroups,
    });
  }
  return { results: results(records, true), policyAssignments };
}

export { ROLLUP_ORDER };
