/**
 * Secure Score on the hand-built fixture (test/posture/fixture.ts). Every expected number below is worked out by
 * hand from the table in the fixture, step by step, with the formulas of docs/secure-score.md:
 *
 *   control:       current = max × healthy / (healthy + unhealthy); a resource is unhealthy in a control when any of
 *                  the control's (non-preview) recommendations is Unhealthy for it, healthy when all that apply are
 *                  Healthy; Exempt → NotApplicable, not counted.
 *   subscription:  Σ current / Σ max over controls with ≥ 1 healthy or unhealthy resource.
 *   weight:        distinct resources healthy or unhealthy in ≥ 1 control worth points.
 *   group:         Σ weight × current / Σ weight × max over its subscriptions.
 */
import jmespath from 'jmespath';
import { describe, expect, it } from 'vitest';
import { MCSB_INITIATIVE_ID, loadCatalog, loadPostureCatalog } from '../../src/catalog/index.js';
import {
  aggregateForScope,
  computeAssessments,
  computeSecureScores,
  prioritize,
  toArmAggregateSecureScore,
  toArmSecureScore,
  toArmSecureScoreControl,
  type SubscriptionSecureScore,
} from '../../src/posture/index.js';
import { MG, REF, ROWS, S1, S2, S3, fixtureTree, policyStates, resourceId, withStates, type FixtureRow } from './fixture.js';

const catalog = loadPostureCatalog();
const mcsb = loadCatalog().getSetDefinition(MCSB_INITIATIVE_ID)!;
const definitionOf = (refId: string) => mcsb.properties.policyDefinitions.find((r) => r.policyDefinitionReferenceId === refId)!.policyDefinitionId;
const tree = fixtureTree();

function scores(rows: FixtureRow[], options: Parameters<typeof computeSecureScores>[2] = {}) {
  const assessments = computeAssessments(policyStates(rows, definitionOf), catalog);
  const subs = computeSecureScores(assessments, catalog, options);
  const bySub = (id: string) => subs.find((s) => s.subscriptionId === id) as SubscriptionSecureScore;
  return { assessments, subs, bySub };
}

/** Control → [healthy, unhealthy, notApplicable, current rounded to 2] for the controls that have resources. */
function controlTable(s: SubscriptionSecureScore): Record<string, [number, number, number, number]> {
  const out: Record<string, [number, number, number, number]> = {};
  for (const c of s.controls) {
    if (c.healthyResourceCount + c.unhealthyResourceCount + c.notApplicableResourceCount === 0) continue;
    out[c.displayName] = [c.healthyResourceCount, c.unhealthyResourceCount, c.notApplicableResourceCount, Math.round(c.current * 100) / 100];
  }
  return out;
}

const pct = (s: { properties: { score: { percentage: number } } }) => s.properties.score.percentage;

describe('secure score on the hand-built fixture', () => {
  it('every fixture reference is in the control the fixture comments say', () => {
    const control = (ref: string) => catalog.recommendations.find((r) => r.policyDefinitionReferenceId === ref)!.controlName;
    expect(control(REF.secureTransfer)).toBe('Encrypt data in transit');
    expect(control(REF.tlsWebApp)).toBe('Encrypt data in transit');
    expect(control(REF.publicAccess)).toBe('Restrict unauthorized network access');
    expect(control(REF.sqlPublic)).toBe('Restrict unauthorized network access');
    expect(control(REF.jit)).toBe('Secure management ports');
    expect(control(REF.systemUpdates)).toBe('Apply system updates');
    expect(control(REF.kvLogs)).toBe('Enable auditing and logging');
    expect(control(REF.owners)).toBe('Manage access and permissions');
    expect(control(REF.defenderServers)).toBe('Enable enhanced security features');
    expect(catalog.recommendations.find((r) => r.policyDefinitionReferenceId === REF.vtpm)!.preview).toBe(true);
  });

  it('per-control counts and points of S1, S2, S3', () => {
    const { bySub } = scores(ROWS);
    // S1
    //  Encrypt data in transit (4): st1a secureTransfer C → healthy; st1b N → unhealthy; st1c C → healthy;
    //    app1a https C + tls N → unhealthy.                              h=2 u=2      4 × 2/4 = 2.00
    //  Restrict unauthorized network access (4): st1a publicAccess N → unhealthy; st1b C,C → healthy;
    //    st1c network N → unhealthy; sql1a Exempt → not applicable.       h=1 u=2 na=1 4 × 1/3 = 1.33
    //  Secure management ports (8): vm1a jit N → unhealthy; vm1b C,C → healthy.   h=1 u=1  8 × 1/2 = 4.00
    //  Apply system updates (6): vm1a C → healthy; vm1b N → unhealthy.            h=1 u=1  6 × 1/2 = 3.00
    //  Enable auditing and logging (1): sql1a auditing N → unhealthy; kv1a C.     h=1 u=1  1 × 1/2 = 0.50
    //  Manage access and permissions (4): subscription owners C.                  h=1 u=0  4 × 1/1 = 4.00
    //  Enable enhanced security features (0): subscription N.                     h=0 u=1  0
    //  vTPM on vm1b is a preview recommendation: Remediate security configurations stays empty.
    expect(controlTable(bySub(S1))).toEqual({
      'Encrypt data in transit': [2, 2, 0, 2],
      'Restrict unauthorized network access': [1, 2, 1, 1.33],
      'Secure management ports': [1, 1, 0, 4],
      'Apply system updates': [1, 1, 0, 3],
      'Enable auditing and logging': [1, 1, 0, 0.5],
      'Manage access and permissions': [1, 0, 0, 4],
      'Enable enhanced security features': [0, 1, 0, 0],
    });
    // S2
    //  Encrypt data in transit: st2a C → h; st2b N → u; app2a tls N → u; app2b N,N → u.   h=1 u=3  4 × 1/4 = 1.00
    //  Restrict unauthorized network access: st2a C,C → h; st2b C,C → h.                   h=2 u=0  4 × 2/2 = 4.00
    //  Secure management ports: vm2a N,N → u; vm2b jit N → u; vm2c C,C → h.                h=1 u=2  8 × 1/3 = 2.67
    //  Apply system updates: vm2a C, vm2b C → h; vm2c N → u.                               h=2 u=1  6 × 2/3 = 4.00
    //  Manage access and permissions: subscription owners N → u.                           h=0 u=1  0.00
    //  Enable enhanced security features: subscription C.                                  h=1 u=0  (0 points)
    expect(controlTable(bySub(S2))).toEqual({
      'Encrypt data in transit': [1, 3, 0, 1],
      'Restrict unauthorized network access': [2, 0, 0, 4],
      'Secure management ports': [1, 2, 0, 2.67],
      'Apply system updates': [2, 1, 0, 4],
      'Manage access and permissions': [0, 1, 0, 0],
      'Enable enhanced security features': [1, 0, 0, 0],
    });
    // S3
    //  Encrypt data in transit: st3a N → u; st3b N → u; st3c C → h; st3d Exempt → na.       h=1 u=2 na=1  4/3 = 1.33
    //  Restrict unauthorized network access: st3a publicAccess N → u; st3b, st3c → h;
    //    st3d network N → u; sql3a N → u.                                                  h=2 u=3  4 × 2/5 = 1.60
    //  Secure management ports: vm3a N,N → u.                                              h=0 u=1  0.00
    //  Apply system updates: vm3a N → u.                                                   h=0 u=1  0.00
    //  Enable auditing and logging: sql3a C → h; kv3a N → u.                               h=1 u=1  0.50
    //  Manage access and permissions: subscription C → h.                                  h=1 u=0  4.00
    expect(controlTable(bySub(S3))).toEqual({
      'Encrypt data in transit': [1, 2, 1, 1.33],
      'Restrict unauthorized network access': [2, 3, 0, 1.6],
      'Secure management ports': [0, 1, 0, 0],
      'Apply system updates': [0, 1, 0, 0],
      'Enable auditing and logging': [1, 1, 0, 0.5],
      'Manage access and permissions': [1, 0, 0, 4],
      'Enable enhanced security features': [0, 1, 0, 0],
    });
  });

  it('subscription scores: Σ current / Σ max over controls with assessed resources', () => {
    const { bySub } = scores(ROWS);
    // S1: Σcurrent = 2 + 4/3 + 4 + 3 + 0.5 + 4 = 14.8333…   Σmax = 4 + 4 + 8 + 6 + 1 + 4 = 27
    //     percentage = 14.8333/27 = 0.549382… → 0.5494; weight = 9 (st1a st1b st1c app1a sql1a kv1a vm1a vm1b S1)
    expect(toArmSecureScore(bySub(S1)).properties).toEqual({ displayName: 'ASC score', score: { max: 27, current: 14.83, percentage: 0.5494 }, weight: 9 });
    // S2: Σcurrent = 1 + 4 + 8/3 + 4 + 0 = 11.6667 (logging has no resources here and drops out)
    //     Σmax = 4 + 4 + 8 + 6 + 4 = 26; percentage = 11.6667/26 = 0.448717… → 0.4487; weight = 8
    expect(toArmSecureScore(bySub(S2)).properties).toEqual({ displayName: 'ASC score', score: { max: 26, current: 11.67, percentage: 0.4487 }, weight: 8 });
    // S3: Σcurrent = 4/3 + 1.6 + 0 + 0 + 0.5 + 4 = 7.4333…   Σmax = 27
    //     percentage = 7.4333/27 = 0.275308… → 0.2753; weight = 8 (st3d is exempt in transit but assessed in network)
    expect(toArmSecureScore(bySub(S3)).properties).toEqual({ displayName: 'ASC score', score: { max: 27, current: 7.43, percentage: 0.2753 }, weight: 8 });
  });

  it('management-group scores are weighted sums, not averages', () => {
    const { subs } = scores(ROWS);
    // mg-prod = S1 + S2:  Σ w·current = 9 × 14.8333 + 8 × 11.6667 = 133.5 + 93.3333 = 226.8333
    //                     Σ w·max     = 9 × 27      + 8 × 26      = 243   + 208     = 451
    //                     percentage  = 226.8333 / 451 = 0.502956… → 0.5030
    //   (the plain average of 0.5494 and 0.4487 would be 0.4991 — not what Palisade computes)
    //   points view: max = 27 (controls assessed in S1 or S2), current = 0.502956 × 27 = 13.58
    const prod = aggregateForScope(MG('mg-prod'), subs, catalog, tree);
    expect(prod.subscriptionIds).toEqual([S1, S2]);
    expect(prod.weightedCurrent).toBeCloseTo(226.8333, 3);
    expect(prod.weightedMax).toBe(451);
    expect(toArmAggregateSecureScore(MG('mg-prod'), prod)).toEqual({
      id: `${MG('mg-prod')}/providers/Microsoft.Security/secureScores/ascScore`,
      name: 'ascScore',
      type: 'Microsoft.Security/secureScores',
      properties: { displayName: 'ASC score', score: { max: 27, current: 13.58, percentage: 0.503 }, weight: 17 },
    });
    expect(prod.percentage).not.toBeCloseTo((0.5494 + 0.4487) / 2, 3);
    // mg-dev = S3 alone: the same as S3, 0.2753 (max 27, current 7.43).
    const dev = aggregateForScope(MG('mg-dev'), subs, catalog, tree);
    expect(toArmAggregateSecureScore(MG('mg-dev'), dev).properties.score).toEqual({ max: 27, current: 7.43, percentage: 0.2753 });
    // contoso-root = all three: Σ w·current = 226.8333 + 8 × 7.4333 = 226.8333 + 59.4667 = 286.3
    //                           Σ w·max     = 451 + 8 × 27 = 667;  percentage = 286.3/667 = 0.429235… → 0.4292
    const root = aggregateForScope(MG('contoso-root'), subs, catalog, tree);
    expect(root.weightedCurrent).toBeCloseTo(286.3, 6);
    expect(root.weightedMax).toBe(667);
    expect(toArmAggregateSecureScore(MG('contoso-root'), root).properties.score).toEqual({ max: 27, current: 11.59, percentage: 0.4292 });
    // Aggregated per-control counts pool the resources: Secure management ports over the root = h 2, u 4 → 8 × 2/6.
    const ports = root.controls.find((c) => c.displayName === 'Secure management ports')!;
    expect([ports.healthyResourceCount, ports.unhealthyResourceCount, Math.round(ports.current * 100) / 100]).toEqual([2, 4, 2.67]);
  });

  it('exempting one resource changes the score exactly as the formula says', () => {
    // Exempt app1a (S1) from the MCSB assignment: both its states become Exempt → not applicable.
    //  Encrypt data in transit in S1: st1a h, st1b u, st1c h, app1a na   → h=2 u=1  4 × 2/3 = 2.6667 (was 2.00)
    //  Nothing else involves app1a. S1 Σcurrent = 14.8333 + 0.6667 = 15.5; Σmax = 27
    //  percentage = 15.5 / 27 = 0.574074… → 0.5741; weight 9 → 8 (app1a is no longer assessed anywhere)
    //  mg-prod: Σ w·current = 8 × 15.5 + 93.3333 = 217.3333; Σ w·max = 8 × 27 + 208 = 424 → 0.512578… → 0.5126
    const rows = withStates(ROWS, 'app1a', { httpsWebApp: 'E', tlsWebApp: 'E' });
    const { bySub, subs, assessments } = scores(rows);
    expect(toArmSecureScore(bySub(S1)).properties).toEqual({ displayName: 'ASC score', score: { max: 27, current: 15.5, percentage: 0.5741 }, weight: 8 });
    expect(controlTable(bySub(S1))['Encrypt data in transit']).toEqual([2, 1, 1, 2.67]);
    expect(toArmAggregateSecureScore(MG('mg-prod'), aggregateForScope(MG('mg-prod'), subs, catalog, tree)).properties.score.percentage).toBe(0.5126);
    const a = assessments.find((x) => x.resourceId === resourceId(S1, 'app', 'app1a') && x.policyDefinitionReferenceId === REF.tlsWebApp)!;
    expect(a.status).toEqual({ code: 'NotApplicable', cause: 'Exempt', description: `Exempt by ${resourceId(S1, 'app', 'app1a')}/providers/Microsoft.Authorization/policyExemptions/waiver` });
  });

  it('fixing one resource adds exactly max / (healthy + unhealthy) to its control — the prioritised points', () => {
    // vm2b (S2) gets just-in-time access: jit N → C. Secure management ports in S2: vm2a u, vm2b h, vm2c h
    //  → h=2 u=1: 8 × 2/3 = 5.3333 (was 2.6667): +8/3 = max/(h+u) = 8/3.
    //  S2 Σcurrent = 11.6667 + 2.6667 = 14.3333; Σmax 26 → 14.3333/26 = 0.551282… → 0.5513
    const before = scores(ROWS);
    const item = prioritize(before.assessments, catalog).find((p) => p.resourceId === resourceId(S2, 'vm', 'vm2b') && p.displayName.startsWith('Management ports of virtual machines'))!;
    expect(item.points).toBeCloseTo(8 / 3, 10);
    expect(item.otherUnhealthyInControl).toBe(0);
    expect(item.scoreIncrease).toBeCloseTo(8 / 3 / 26, 10);
    const after = scores(withStates(ROWS, 'vm2b', { jit: 'C' }));
    expect(after.bySub(S2).score.current - before.bySub(S2).score.current).toBeCloseTo(item.points, 10);
    expect(toArmSecureScore(after.bySub(S2)).properties.score).toEqual({ max: 26, current: 14.33, percentage: 0.5513 });
    // vm2a has two unhealthy recommendations in the control: fixing only one of them earns nothing.
    const vm2a = prioritize(before.assessments, catalog).filter((p) => p.resourceId === resourceId(S2, 'vm', 'vm2a') && p.controlName === 'Secure management ports');
    expect(vm2a.map((p) => p.otherUnhealthyInControl)).toEqual([1, 1]);
    const half = scores(withStates(ROWS, 'vm2a', { jit: 'C' }));
    expect(half.bySub(S2).score.current).toBeCloseTo(before.bySub(S2).score.current, 10);
  });

  it('an unhealthy assessment in its grace period does not lower the score', () => {
    // Governance marks (jit, vm2b) in grace: it scores as if healthy — the same 0.5513 as fixing it — yet the
    // assessment itself stays Unhealthy.
    const key = catalog.recommendations.find((r) => r.policyDefinitionReferenceId === REF.jit)!.assessmentKey;
    const vm2b = resourceId(S2, 'vm', 'vm2b');
    const graced = scores(ROWS, { inGracePeriod: (k, id) => k === key && id === vm2b });
    expect(toArmSecureScore(graced.bySub(S2)).properties.score).toEqual({ max: 26, current: 14.33, percentage: 0.5513 });
    expect(graced.assessments.find((a) => a.assessmentKey === key && a.resourceId === vm2b)!.status.code).toBe('Unhealthy');
    const p = prioritize(graced.assessments, catalog, { inGracePeriod: (k, id) => k === key && id === vm2b }).find((x) => x.assessmentKey === key && x.resourceId === vm2b)!;
    expect([p.inGracePeriod, p.points]).toEqual([true, 0]);
  });

  it('secureScoreControls list: ARM shape, $expand=definition, and the article\'s JMESPath', () => {
    const { bySub } = scores(ROWS);
    const list = { value: bySub(S1).controls.map((c) => toArmSecureScoreControl(S1, c, { expand: 'definition', definitions: catalog.controls })) };
    const ports = list.value.find((c) => c.properties.displayName === 'Secure management ports')!;
    expect(ports).toMatchObject({
      id: `/subscriptions/${S1}/providers/Microsoft.Security/secureScores/ascScore/secureScoreControls/${ports.name}`,
      type: 'Microsoft.Security/secureScores/secureScoreControls',
      properties: { score: { max: 8, current: 4, percentage: 0.5 }, healthyResourceCount: 1, unhealthyResourceCount: 1, notApplicableResourceCount: 0, weight: 2 },
    });
    expect(ports.properties.definition?.properties.assessmentDefinitions.length).toBe(2);
    // The article: sort_by(value[].{control, current, max, gap:max}[?max>`0`], &gap)
    const q = 'sort_by(value[].{control:properties.displayName, current:properties.score.current, max:properties.score.max, gap:properties.score.max}[?max>`0`], &gap)';
    const rows = jmespath.search(list, q) as Array<{ control: string; current: number; max: number; gap: number }>;
    // 13 controls worth points (the two zero-point ones are filtered out), ascending by max points.
    expect(rows.map((r) => r.gap)).toEqual([1, 2, 2, 3, 4, 4, 4, 4, 4, 6, 6, 8, 10]);
    expect(rows.map((r) => r.control)).not.toContain('Enable enhanced security features');
    expect(rows.find((r) => r.control === 'Restrict unauthorized network access')).toEqual({ control: 'Restrict unauthorized network access', current: 1.33, max: 4, gap: 4 });
    expect(jmespath.search(toArmSecureScore(bySub(S1)), 'properties.score.percentage')).toBe(0.5494);
  });
});
