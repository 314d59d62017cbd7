/**
 * Assessments: the policy states of the Microsoft cloud security benchmark assignment(s), seen through the
 * recommendation catalog, become one assessment per (recommendation, resource) — Healthy, Unhealthy or NotApplicable
 * with a cause — the records Defender for Cloud lists under `Microsoft.Security/assessments`.
 *
 *   Compliant               → Healthy
 *   NonCompliant            → Unhealthy      cause NonCompliant, description = the policy's reason
 *   Conflicting             → Unhealthy      cause Conflicting   (Azure counts it against compliance)
 *   Exempt                  → NotApplicable  cause Exempt        (not counted, as Defender shows exempt resources)
 *   Unknown (manual)        → NotApplicable  cause Unknown
 *
 * When several MCSB assignments cover a resource (say, one at a management group and one at the subscription), their
 * states roll up with Azure's order NonCompliant > Compliant > Conflicting > Exempt > Unknown.
 */
import { MCSB_INITIATIVE_ID, type PostureCatalogData, type RecommendationMetadata } from '../catalog/index.js';
import { rollUp, type PolicyComplianceState, type PolicyStateRecord } from '../policy/index.js';

export type AssessmentStatusCode = 'Healthy' | 'Unhealthy' | 'NotApplicable';
export type AssessmentCause = 'NonCompliant' | 'Conflicting' | 'Exempt' | 'Unknown';

export interface AssessmentStatus {
  code: AssessmentStatusCode;
  cause?: AssessmentCause;
  description?: string;
}

/** The fields of a policy state an assessment needs (a `PolicyStateRecord` fits). */
export type PolicyStateInput = Pick<PolicyStateRecord, 'resourceId' | 'policyAssignmentId' | 'policyDefinitionId' | 'policyDefinitionReferenceId' | 'policySetDefinitionId' | 'complianceState' | 'subscriptionId'> &
  Partial<Pick<PolicyStateRecord, 'resourceType' | 'timestamp' | 'reason' | 'exemptionIds' | 'nonComplianceMessage' | 'resourceGroup'>>;

export interface Assessment {
  assessmentKey: string;
  displayName: string;
  resourceId: string;
  subscriptionId: string;
  resourceType: string;
  status: AssessmentStatus;
  /** The rolled-up policy compliance state behind the status. */
  complianceState: PolicyComplianceState;
  /** Assignments whose states were rolled up (sorted). */
  policyAssignmentIds: string[];
  policyDefinitionId: string;
  policyDefinitionReferenceId: string;
  /** Latest evaluation time among the states. */
  timestamp: string;
  controlId: string;
  severity: RecommendationMetadata['severity'];
  preview: boolean;
}

export interface AssessmentOptions {
  /** Initiatives whose assignments produce assessments (default: MCSB only, as Defender's score counts only MCSB). */
  initiativeIds?: readonly string[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function statusFor(state: PolicyComplianceState, reason: string, exemptionIds: readonly string[] = []): AssessmentStatus {
  switch (state) {
    case 'Compliant':
      return { code: 'Healthy' };
    case 'NonCompliant':
      return { code: 'Unhealthy', cause: 'NonCompliant', description: reason || 'The resource does not meet the policy.' };
    case 'Conflicting':
      return { code: 'Unhealthy', cause: 'Conflicting', description: reason || 'Assignments of the policy conflict for this resource.' };
    case 'Exempt':
      return { code: 'NotApplicable', cause: 'Exempt', description: exemptionIds.length > 0 ? `Exempt by ${exemptionIds.join(', ')}` : reason || 'The resource is exempt.' };
    default:
      return { code: 'NotApplicable', cause: 'Unknown', description: reason || 'The policy needs a manual attestation.' };
  }
}

/**
 * One assessment per (recommendation, resource), from policy states. States of other initiatives, and references the
 * catalog does not know, are ignored. Output is sorted by resource id, then assessment key (case-insensitive).
 */
export function computeAssessments(states: Iterable<PolicyStateInput>, catalog: PostureCatalogData, options: AssessmentOptions = {}): Assessment[] {
  const initiatives = new Set((options.initiativeIds ?? [MCSB_INITIATIVE_ID]).map((i) => i.toLowerCase()));
  const byRef = new Map<string, RecommendationMetadata>();
  const byPolicy = new Map<string, RecommendationMetadata>();
  for (const r of catalog.recommendations) {
    byRef.set(r.policyDefinitionReferenceId.toLowerCase(), r);
    byPolicy.set(r.policyDefinitionId.toLowerCase(), r);
  }
  interface Acc {
    rec: RecommendationMetadata;
    state?: PolicyComplianceState;
    reason: string;
    exemptionIds: Set<string>;
    assignments: Set<string>;
    subscriptionId: string;
    resourceId: string;
    resourceType: string;
    timestamp: string;
  }
  const acc = new Map<string, Acc>();
  for (const s of states) {
    if (!initiatives.has((s.policySetDefinitionId ?? '').toLowerCase())) continue;
    // By reference id (checked against the definition), else by definition (a copy of the initiative).
    const byReference = byRef.get(s.policyDefinitionReferenceId.toLowerCase());
    const r = byReference && byReference.policyDefinitionId.toLowerCase() === s.policyDefinitionId.toLowerCase() ? byReference : byPolicy.get(s.policyDefinitionId.toLowerCase());
    if (!r) continue;
    const key = `${r.assessmentKey}|${s.resourceId.toLowerCase()}`;
    let a = acc.get(key);
    if (!a) {
      a = { rec: r, reason: '', exemptionIds: new Set(), assignments: new Set(), subscriptionId: s.subscriptionId, resourceId: s.resourceId, resourceType: s.resourceType ?? '', timestamp: s.timestamp ?? '' };
      acc.set(key, a);
    }
    const before = a.state;
    a.state = rollUp(a.state, s.complianceState);
    if (a.state !== before || !a.reason) {
      if (a.state === s.complianceState) a.reason = s.nonComplianceMessage && s.complianceState === 'NonCompliant' ? `${s.nonComplianceMessage} (${s.reason ?? ''})` : (s.reason ?? '');
    }
    for (const e of s.exemptionIds ?? []) a.exemptionIds.add(e);
    a.assignments.add(s.policyAssignmentId);
    if ((s.timestamp ?? '') > a.timestamp) a.timestamp = s.timestamp ?? '';
  }
  const out: Assessment[] = [];
  for (const a of acc.values()) {
    const state = a.state ?? 'Unknown';
    out.push({
      assessmentKey: a.rec.assessmentKey,
      displayName: a.rec.displayName,
      resourceId: a.resourceId,
      subscriptionId: a.subscriptionId,
      resourceType: a.resourceType,
      status: statusFor(state, a.reason, state === 'Exempt' ? [...a.exemptionIds].sort(cmp) : []),
      complianceState: state,
      policyAssignmentIds: [...a.assignments].sort(cmp),
      policyDefinitionId: a.rec.policyDefinitionId,
      policyDefinitionReferenceId: a.rec.policyDefinitionReferenceId,
      timestamp: a.timestamp,
      controlId: a.rec.controlId,
      severity: a.rec.severity,
      preview: a.rec.preview,
    });
  }
  return out.sort(compareAssessments);
}

export function compareAssessments(a: Assessment, b: Assessment): number {
  return cmp(a.resourceId.toLowerCase(), b.resourceId.toLowerCase()) || cmp(a.assessmentKey, b.assessmentKey);
}
