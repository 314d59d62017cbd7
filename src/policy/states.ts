/**
 * Policy states: one record per (assignment, definition reference, resource), shaped like the PolicyInsights
 * `policyStates` records that `az policy state list` prints, plus Palisade's own fields (`effect`, `reason`,
 * `exemptionIds`, `evaluatedState`, `effectDetails`). NotApplicable resources are not recorded (as in Azure).
 */

export type PolicyComplianceState = 'Compliant' | 'NonCompliant' | 'Exempt' | 'Conflicting' | 'Unknown';

export interface PolicyStateRecord {
  timestamp: string;
  resourceId: string;
  policyAssignmentId: string;
  policyDefinitionId: string;
  effectiveParameters: string | null;
  /** Compliant or Exempt (the deprecated flag PolicyInsights still returns). */
  isCompliant: boolean;
  subscriptionId: string;
  resourceType: string;
  resourceLocation: string;
  resourceGroup: string;
  resourceTags: string;
  policyAssignmentName: string;
  policyAssignmentOwner: string;
  /** JSON text of the assignment's parameters (`{"effect":{"value":"Deny"}}`). */
  policyAssignmentParameters: string;
  policyAssignmentScope: string;
  policyDefinitionName: string;
  /** The effect, lower-cased (`audit`, `deny`, `auditifnotexists` ...). */
  policyDefinitionAction: string;
  policyDefinitionCategory: string;
  policySetDefinitionId: string;
  policySetDefinitionName: string;
  policySetDefinitionOwner: string | null;
  policySetDefinitionCategory: string | null;
  policySetDefinitionParameters: string | null;
  /** Management group names above the resource, nearest first, comma-separated. */
  managementGroupIds: string;
  policyDefinitionReferenceId: string;
  complianceState: PolicyComplianceState;
  policyDefinitionGroupNames: string[];
  policyDefinitionVersion: string;
  policySetDefinitionVersion: string;
  policyAssignmentVersion: string;
  // Palisade additions.
  /** The effect as the definition (or override) spells it. */
  effect: string;
  /** Why: what `evaluate` said (the deciding condition), or the exemption. */
  reason: string;
  /** The exemptions that apply (sorted ids); empty unless Exempt. */
  exemptionIds: string[];
  /** The state before exemptions and conflicts (Compliant / NonCompliant / Unknown). */
  evaluatedState: 'Compliant' | 'NonCompliant' | 'Unknown';
  /** Effect details from the evaluation (Modify operations, Append fields, AINE/DINE target) when non-compliant. */
  effectDetails?: unknown;
  /** The assignment's non-compliance message for this reference, when non-compliant. */
  nonComplianceMessage?: string;
  /** enforcementMode of the assignment. */
  enforcementMode: string;
}

/**
 * Roll-up rank (Learn, compliance states): NonCompliant > Compliant > Conflicting > Exempt > Unknown. A resource,
 * policy, group or initiative takes the highest-ranked state among its parts.
 */
export const ROLLUP_ORDER: ReadonlyArray<PolicyComplianceState> = ['NonCompliant', 'Compliant', 'Conflicting', 'Exempt', 'Unknown'];
const RANK = new Map(ROLLUP_ORDER.map((s, i) => [s, ROLLUP_ORDER.length - i]));

export function rollUp(a: PolicyComplianceState | undefined, b: PolicyComplianceState): PolicyComplianceState {
  if (a === undefined) return b;
  return (RANK.get(b) ?? 0) > (RANK.get(a) ?? 0) ? b : a;
}

/** Sort order of records: resource, assignment, reference (case-insensitive ids). */
export function compareStates(a: PolicyStateRecord, b: PolicyStateRecord): number {
  const ka = a.resourceId.toLowerCase();
  const kb = b.resourceId.toLowerCase();
  if (ka !== kb) return ka < kb ? -1 : 1;
  const aa = a.policyAssignmentId.toLowerCase();
  const ab = b.policyAssignmentId.toLowerCase();
  if (aa !== ab) return aa < ab ? -1 : 1;
  const ra = a.policyDefinitionReferenceId.toLowerCase();
  const rb = b.policyDefinitionReferenceId.toLowerCase();
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}
