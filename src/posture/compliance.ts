/**
 * Regulatory compliance: each standard is a built-in initiative (catalog/posture/standards.json); each of its
 * policyDefinitionGroups is a control; each initiative reference in the group is one of the control's assessments.
 *
 *   resource, per assessment: states of the initiative's assignments rolled up (NonCompliant > Compliant >
 *     Conflicting > Exempt > Unknown); passed = Compliant, failed = NonCompliant | Conflicting,
 *     skipped = Exempt | Unknown (manual attestation)
 *   assessment: Failed if any resource failed, Passed if any passed, else Skipped (Manual, not evaluated, no resources)
 *   control:    Failed if any assessment Failed, Passed if any Passed, else Skipped (no automated assessment)
 *   standard:   Failed if any control Failed, Passed if any Passed, Skipped if every control is Skipped,
 *               Unsupported if it has no controls
 *
 * MCSB is always listed (Defender turns it on by default); the other standards only when their initiative is assigned.
 */
import { palisadeAssessmentKey, uuidV5, PALISADE_POSTURE_NAMESPACE, type PolicyDefinitionResource, type PolicySetDefinitionResource, type PostureCatalogData, type RegulatoryStandardData } from '../catalog/index.js';
import { PalisadeError } from '../core/index.js';
import { rollUp, type PolicyComplianceState } from '../policy/index.js';
import type { PolicyStateInput } from './assessments.js';

export type ComplianceStateName = 'Passed' | 'Failed' | 'Skipped' | 'Unsupported';

export interface ComplianceAssessmentResult {
  /** GUID: the recommendation key when the policy is an MCSB recommendation, else Palisade-assigned. */
  name: string;
  policyDefinitionId: string;
  policyDefinitionReferenceId: string;
  description: string;
  state: ComplianceStateName;
  passedResources: number;
  failedResources: number;
  skippedResources: number;
}

export interface ComplianceControlResult {
  name: string;
  groupName: string;
  description: string;
  state: ComplianceStateName;
  passedAssessments: number;
  failedAssessments: number;
  skippedAssessments: number;
  /** Distinct resources over the control's assessments: failed if failed anywhere, passed if passed somewhere. */
  passedResources: number;
  failedResources: number;
  skippedResources: number;
  assessments: ComplianceAssessmentResult[];
}

export interface ComplianceStandardResult {
  name: string;
  displayName: string;
  policySetDefinitionId: string;
  state: ComplianceStateName;
  passedControls: number;
  failedControls: number;
  skippedControls: number;
  unsupportedControls: number;
  controls: ComplianceControlResult[];
}

export interface ComplianceInput {
  states: Iterable<PolicyStateInput>;
  /** Initiatives by id (the policy catalog's `getSetDefinition` fits). */
  setDefinition: (id: string) => PolicySetDefinitionResource | undefined;
  /** Definitions by id, for assessment descriptions (optional). */
  definition?: (id: string) => PolicyDefinitionResource | undefined;
  catalog: PostureCatalogData;
  /** Initiatives assigned at or above the scope; default: those that have states. MCSB is listed regardless. */
  assignedInitiativeIds?: readonly string[];
  /** Only states of this subscription count (default: all). */
  subscriptionId?: string;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function combine(passed: number, failed: number): ComplianceStateName {
  return failed > 0 ? 'Failed' : passed > 0 ? 'Passed' : 'Skipped';
}

/** Control name of a group: the group name without the standard's prefix. */
export function controlName(standard: RegulatoryStandardData, groupName: string): string {
  return groupName.toLowerCase().startsWith(standard.groupPrefix.toLowerCase()) ? groupName.slice(standard.groupPrefix.length) : groupName;
}

/** The standards that apply: MCSB by default, others when their initiative is assigned. */
export function activeStandards(standards: readonly RegulatoryStandardData[], assignedInitiativeIds: Iterable<string>): RegulatoryStandardData[] {
  const assigned = new Set([...assignedInitiativeIds].map((i) => i.toLowerCase()));
  return standards.filter((s) => s.enabledByDefault || assigned.has(s.policySetDefinitionId.toLowerCase()));
}

export function computeRegulatoryCompliance(input: ComplianceInput): ComplianceStandardResult[] {
  const sub = input.subscriptionId?.toLowerCase();
  // (initiative, reference) → resource → rolled-up state
  const perRef = new Map<string, Map<string, PolicyComplianceState>>();
  const withStates = new Set<string>();
  for (const s of input.states) {
    if (sub !== undefined && s.subscriptionId.toLowerCase() !== sub) continue;
    const set = (s.policySetDefinitionId ?? '').toLowerCase();
    if (!set) continue;
    withStates.add(set);
    const k = `${set}|${s.policyDefinitionReferenceId.toLowerCase()}`;
    let m = perRef.get(k);
    if (!m) perRef.set(k, (m = new Map()));
    const r = s.resourceId.toLowerCase();
    m.set(r, rollUp(m.get(r), s.complianceState));
  }
  const assigned = input.assignedInitiativeIds ?? [...withStates];
  const recByPolicy = new Map(input.catalog.recommendations.map((r) => [r.policyDefinitionId.toLowerCase(), r]));
  const out: ComplianceStandardResult[] = [];
  for (const std of activeStandards(input.catalog.standards, assigned)) {
    const set = input.setDefinition(std.policySetDefinitionId);
    if (!set) throw new PalisadeError('PolicySetDefinitionNotFound', `standard '${std.name}': initiative '${std.policySetDefinitionId}' is not in the catalog`, { kind: 'notFound' });
    const setKey = set.id.toLowerCase();
    const groups = set.properties.policyDefinitionGroups ?? [];
    const refsByGroup = new Map<string, typeof set.properties.policyDefinitions>();
    for (const ref of set.properties.policyDefinitions) {
      for (const g of ref.groupNames ?? []) {
        const list = refsByGroup.get(g.toLowerCase()) ?? [];
        list.push(ref);
        refsByGroup.set(g.toLowerCase(), list);
      }
    }
    const controls: ComplianceControlResult[] = [];
    for (const g of groups) {
      const refs = refsByGroup.get(g.name.toLowerCase()) ?? [];
      const usedNames = new Set<string>();
      const resources = new Map<string, 'passed' | 'failed' | 'skipped'>();
      const assessments: ComplianceAssessmentResult[] = refs.map((ref) => {
        const refId = ref.policyDefinitionReferenceId ?? '';
        const rec = recByPolicy.get(ref.policyDefinitionId.toLowerCase());
        let name = rec?.assessmentKey ?? palisadeAssessmentKey(ref.policyDefinitionId);
        if (usedNames.has(name)) name = uuidV5(`compliance:${setKey}|${refId.toLowerCase()}`, PALISADE_POSTURE_NAMESPACE);
        usedNames.add(name);
        let passed = 0;
        let failed = 0;
        let skipped = 0;
        for (const [rid, st] of perRef.get(`${setKey}|${refId.toLowerCase()}`) ?? []) {
          const r = st === 'Compliant' ? 'passed' : st === 'NonCompliant' || st === 'Conflicting' ? 'failed' : 'skipped';
          if (r === 'passed') passed++;
          else if (r === 'failed') failed++;
          else skipped++;
          const prev = resources.get(rid);
          if (prev === undefined || r === 'failed' || (r === 'passed' && prev === 'skipped')) resources.set(rid, r);
        }
        return {
          name,
          policyDefinitionId: ref.policyDefinitionId,
          policyDefinitionReferenceId: refId,
          description: rec?.displayName ?? input.definition?.(ref.policyDefinitionId)?.properties.displayName ?? refId,
          state: combine(passed, failed),
          passedResources: passed,
          failedResources: failed,
          skippedResources: skipped,
        };
      });
      const count = (s: ComplianceStateName) => assessments.filter((a) => a.state === s).length;
      const resCount = (s: 'passed' | 'failed' | 'skipped') => [...resources.values()].filter((v) => v === s).length;
      const name = controlName(std, g.name);
      controls.push({
        name,
        groupName: g.name,
        description: g.displayName ?? `${std.displayName} control ${name}`,
        state: combine(count('Passed'), count('Failed')),
        passedAssessments: count('Passed'),
        failedAssessments: count('Failed'),
        skippedAssessments: count('Skipped'),
        passedResources: resCount('passed'),
        failedResources: resCount('failed'),
        skippedResources: resCount('skipped'),
        assessments,
      });
    }
    const c = (s: ComplianceStateName) => controls.filter((x) => x.state === s).length;
    out.push({
      name: std.name,
      displayName: std.displayName,
      policySetDefinitionId: set.id,
      state: controls.length === 0 ? 'Unsupported' : combine(c('Passed'), c('Failed')),
      passedControls: c('Passed'),
      failedControls: c('Failed'),
      skippedControls: c('Skipped'),
      unsupportedControls: c('Unsupported'),
      controls,
    });
  }
  return out.sort((a, b) => cmp(a.name.toLowerCase(), b.name.toLowerCase()));
}

// ---------------------------------------------------------------------------------------------------- ARM shapes

const base = (subscriptionId: string) => `/subscriptions/${subscriptionId}/providers/Microsoft.Security/regulatoryComplianceStandards`;

export function toArmComplianceStandard(subscriptionId: string, s: ComplianceStandardResult) {
  return {
    id: `${base(subscriptionId)}/${s.name}`,
    name: s.name,
    type: 'Microsoft.Security/regulatoryComplianceStandard',
    properties: { state: s.state, passedControls: s.passedControls, failedControls: s.failedControls, skippedControls: s.skippedControls, unsupportedControls: s.unsupportedControls },
  };
}

export function toArmComplianceControl(subscriptionId: string, standardName: string, c: ComplianceControlResult) {
  return {
    id: `${base(subscriptionId)}/${standardName}/regulatoryComplianceControls/${c.name}`,
    name: c.name,
    type: 'Microsoft.Security/regulatoryComplianceControl',
    properties: { description: c.description, state: c.state, passedAssessments: c.passedAssessments, failedAssessments: c.failedAssessments, skippedAssessments: c.skippedAssessments },
  };
}

export function toArmComplianceAssessment(subscriptionId: string, standardName: string, controlName: string, a: ComplianceAssessmentResult) {
  return {
    id: `${base(subscriptionId)}/${standardName}/regulatoryComplianceControls/${controlName}/regulatoryComplianceAssessments/${a.name}`,
    name: a.name,
    type: 'Microsoft.Security/regulatoryComplianceAssessment',
    properties: {
      description: a.description,
      assessmentType: 'Assessment',
      assessmentDetailsLink: `/subscriptions/${subscriptionId}/providers/Microsoft.Security/assessmentMetadata/${a.name}`,
      state: a.state,
      passedResources: a.passedResources,
      failedResources: a.failedResources,
      skippedResources: a.skippedResources,
    },
  };
}

/** The standard of a result list by name, or a coded error listing the valid names. */
export function findStandard(results: readonly ComplianceStandardResult[], name: string): ComplianceStandardResult {
  const hit = results.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!hit) {
    throw new PalisadeError('UnknownStandard', `unknown regulatory compliance standard '${name}'; valid values: ${results.map((r) => r.name).join(', ')}`, { kind: 'argument', target: 'standardName' });
  }
  return hit;
}
