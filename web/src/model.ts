/**
 * What the pages derive from the API's answers: recommendations grouped from assessments, their control, and the
 * points at risk (what fixing a recommendation on all its unhealthy resources adds to the secure score).
 */
import { DEFAULT_POLICY_ASSIGNMENT_ID } from './api';
import type { Assessment, SecureScoreControl } from './types';

export interface Recommendation {
  key: string;
  displayName: string;
  severity: string;
  preview: boolean;
  description: string;
  remediation: string;
  categories: string[];
  userImpact: string;
  implementationEffort: string;
  controlId?: string;
  controlName?: string;
  healthy: number;
  unhealthy: number;
  notApplicable: number;
  /** Secure score points fixing every unhealthy resource of this recommendation would add (exact, given the others). */
  pointsAtRisk: number;
  assessments: Assessment[];
}

export function assessedResourceId(a: Assessment): string {
  const d = a.properties.resourceDetails ?? {};
  const id = d.Id ?? d.id;
  if (id) return id;
  const i = a.id.toLowerCase().indexOf('/providers/microsoft.security/assessments/');
  return i >= 0 ? a.id.slice(0, i) : a.id;
}

/** The recommendation key → control map from the controls' `$expand=definition`. */
export function controlIndex(controls: readonly SecureScoreControl[]): Map<string, SecureScoreControl> {
  const m = new Map<string, SecureScoreControl>();
  for (const c of controls) {
    for (const d of c.properties.definition?.properties.assessmentDefinitions ?? []) {
      const key = d.id.split('/').pop();
      if (key) m.set(key.toLowerCase(), c);
    }
  }
  return m;
}

export function buildRecommendations(assessments: readonly Assessment[], controls: readonly SecureScoreControl[]): Recommendation[] {
  const byControl = controlIndex(controls);
  const recs = new Map<string, Recommendation>();
  for (const a of assessments) {
    const key = a.name.toLowerCase();
    let r = recs.get(key);
    if (!r) {
      const m = a.properties.metadata;
      const c = byControl.get(key);
      r = {
        key: a.name,
        displayName: m?.displayName ?? a.properties.displayName,
        severity: m?.severity ?? 'Unknown',
        preview: m?.preview ?? false,
        description: m?.description ?? '',
        remediation: m?.remediationDescription ?? '',
        categories: m?.categories ?? [],
        userImpact: m?.userImpact ?? '',
        implementationEffort: m?.implementationEffort ?? '',
        controlId: c?.name,
        controlName: c?.properties.displayName,
        healthy: 0,
        unhealthy: 0,
        notApplicable: 0,
        pointsAtRisk: 0,
        assessments: [],
      };
      recs.set(key, r);
    }
    r.assessments.push(a);
    const code = a.properties.status.code;
    if (code === 'Healthy') r.healthy++;
    else if (code === 'Unhealthy') r.unhealthy++;
    else r.notApplicable++;
  }
  // Points: a resource turns healthy in its control only when none of the control's (non-preview) recommendations
  // is unhealthy on it; each such resource is worth max / (healthy + unhealthy) of the control.
  const unhealthyIn = new Map<string, Set<string>>(); // control|resource → recommendation keys
  for (const r of recs.values()) {
    if (!r.controlId || r.preview) continue;
    for (const a of r.assessments) {
      if (a.properties.status.code !== 'Unhealthy') continue;
      const k = `${r.controlId.toLowerCase()}|${assessedResourceId(a).toLowerCase()}`;
      let s = unhealthyIn.get(k);
      if (!s) unhealthyIn.set(k, (s = new Set()));
      s.add(r.key.toLowerCase());
    }
  }
  for (const r of recs.values()) {
    const c = r.controlId ? byControl.get(r.key.toLowerCase()) : undefined;
    if (!c || r.preview) continue;
    const assessed = c.properties.healthyResourceCount + c.properties.unhealthyResourceCount;
    if (assessed === 0 || c.properties.score.max === 0) continue;
    let only = 0;
    for (const a of r.assessments) {
      if (a.properties.status.code !== 'Unhealthy') continue;
      const s = unhealthyIn.get(`${r.controlId!.toLowerCase()}|${assessedResourceId(a).toLowerCase()}`);
      if (s && s.size === 1) only++;
    }
    r.pointsAtRisk = (c.properties.score.max * only) / assessed;
  }
  return [...recs.values()];
}

/** What an exemption for this assessment targets: its MCSB assignment and the initiative's reference id. */
export function exemptionTarget(a: Assessment): { policyAssignmentIds: string[]; referenceId?: string } {
  const ad = a.properties.additionalData ?? {};
  const ids = (ad.policyAssignmentIds ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { policyAssignmentIds: ids.length ? ids : [DEFAULT_POLICY_ASSIGNMENT_ID], referenceId: ad.policyDefinitionReferenceId || undefined };
}
