import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CATALOG_DIR,
  MCSB_INITIATIVE_ID,
  buildPostureCatalog,
  loadCatalog,
  loadPostureCatalog,
  palisadeAssessmentKey,
  type RecommendationMetadata,
} from '../../src/catalog/index.js';
import {
  computeAssessments,
  computeRegulatoryCompliance,
  exploitabilityFactor,
  exposureFromMap,
  findStandard,
  prioritize,
  toArmAssessment,
  toArmAssessmentMetadata,
  toArmComplianceAssessment,
  toArmComplianceControl,
  toArmComplianceStandard,
  toArmControlDefinition,
  type Assessment,
} from '../../src/posture/index.js';
import { CIS_ASSIGNMENT, CIS_INITIATIVE, ROWS, S1, policyStates, resourceId } from './fixture.js';
import { SHARED_DATA } from '../shared-data.js';

const policy = loadCatalog();
const catalog = loadPostureCatalog();
const mcsb = policy.getSetDefinition(MCSB_INITIATIVE_ID)!;
const definitionOf = (refId: string) => mcsb.properties.policyDefinitions.find((r) => r.policyDefinitionReferenceId === refId)!.policyDefinitionId;
const SECURE_SCORE = resolve(SHARED_DATA, 'secure-score', 'secure-score-controls.json');

describe('posture catalog', () => {
  it('has one recommendation per MCSB reference, each in exactly one existing control', () => {
    expect(catalog.recommendations.length).toBe(mcsb.properties.policyDefinitions.length);
    expect(catalog.controls.length).toBe(15);
    const controlIds = new Set(catalog.controls.map((c) => c.id));
    const memberships = new Map<string, number>();
    for (const c of catalog.controls) for (const k of c.assessmentDefinitions) memberships.set(k, (memberships.get(k) ?? 0) + 1);
    for (const r of catalog.recommendations) {
      expect(controlIds.has(r.controlId), r.policyDefinitionReferenceId).toBe(true);
      expect(memberships.get(r.assessmentKey), r.policyDefinitionReferenceId).toBe(1);
      expect(catalog.control(r.controlId)!.assessmentDefinitions).toContain(r.assessmentKey);
      expect(['High', 'Medium', 'Low']).toContain(r.severity);
      expect(r.categories).toHaveLength(1);
    }
    expect(new Set(catalog.recommendations.map((r) => r.assessmentKey)).size).toBe(catalog.recommendations.length);
    expect(catalog.controls.reduce((n, c) => n + c.maxScore, 0)).toBe(58);
  });

  it('keeps published keys and derives the others as UUID v5 of the policy definition id', () => {
    const byRef = (id: string) => catalog.recommendations.find((r) => r.policyDefinitionReferenceId === id) as RecommendationMetadata;
    expect(byRef('identityDesignateMoreThanOneOwnerMonitoring').assessmentKey).toBe('2c79b4af-f830-b61e-92b9-63dfa30f16e4');
    expect(byRef('vnetEnableDDoSProtectionMonitoring')).toMatchObject({ assessmentKey: 'e3de1cc0-f4dd-3b34-e496-8b5381ba2d70', assessmentKeySource: 'controlDefinition', controlName: 'Protect applications against DDoS attacks' });
    expect(byRef('sqlDbVulnerabilityAssesmentMonitoring').assessmentKey).toBe('82e20e14-edc5-4373-bfc4-f13121257c37');
    const st = byRef('secureTransferToStorageAccountMonitoring');
    expect(st).toMatchObject({ assessmentKeySource: 'palisade', assessmentKey: palisadeAssessmentKey(st.policyDefinitionId), controlBasis: '2020' });
    expect(st.assessmentKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(catalog.recommendations.filter((r) => r.assessmentKeySource !== 'palisade')).toHaveLength(25);
  });

  it.skipIf(!existsSync(SECURE_SCORE))('regenerates byte-identical files from the shipped initiative, secure-score-controls.json and the mapping', () => {
    const built = buildPostureCatalog({
      mcsb,
      definition: (id) => policy.getDefinition(id),
      secureScore: JSON.parse(readFileSync(SECURE_SCORE, 'utf8')),
      mapping: JSON.parse(readFileSync(join(DEFAULT_CATALOG_DIR, 'posture', 'recommendation-mapping.json'), 'utf8')),
      policyProvenance: policy.info.policySource,
    });
    for (const [rel, text] of built.files) expect(readFileSync(join(DEFAULT_CATALOG_DIR, rel), 'utf8'), rel).toBe(text);
    expect(built.counts).toEqual({ recommendations: 223, controls: 15, publishedKeys: 25, palisadeKeys: 198, preview: 16 });
  });

  it('produces the assessmentMetadata and secureScoreControlDefinitions shapes', () => {
    const r = catalog.recommendations.find((x) => x.policyDefinitionReferenceId === 'jitNetworkAccessMonitoring')!;
    expect(toArmAssessmentMetadata(r)).toEqual({
      id: '/providers/Microsoft.Security/assessmentMetadata/805651bc-6ecd-4c73-9b55-97a19d0582d0',
      name: '805651bc-6ecd-4c73-9b55-97a19d0582d0',
      type: 'Microsoft.Security/assessmentMetadata',
      properties: expect.objectContaining({ displayName: r.displayName, policyDefinitionId: r.policyDefinitionId, severity: 'High', categories: ['Networking'], assessmentType: 'BuiltIn', preview: false }),
    });
    const mfa = toArmControlDefinition(catalog.controlByName('Enable MFA')!);
    expect(mfa).toMatchObject({ id: '/providers/Microsoft.Security/secureScoreControlDefinitions/34a42fb3-e6db-409c-b56b-7b1db6b8aee0', properties: { maxScore: 10, source: { sourceType: 'BuiltIn' } } });
  });
});

describe('assessments', () => {
  const assessments = computeAssessments(policyStates(ROWS, definitionOf), catalog);

  it('gives one assessment per (recommendation, resource) in the ARM shape', () => {
    expect(assessments).toHaveLength(ROWS.reduce((n, r) => n + Object.keys(r.states).length, 0));
    const st1b = resourceId(S1, 'st', 'st1b');
    const a = assessments.find((x) => x.resourceId === st1b && x.policyDefinitionReferenceId === 'secureTransferToStorageAccountMonitoring')!;
    const arm = toArmAssessment(a, { expand: 'metadata', recommendation: catalog.recommendation(a.assessmentKey) });
    expect(arm).toMatchObject({
      id: `${st1b}/providers/Microsoft.Security/assessments/${a.assessmentKey}`,
      name: a.assessmentKey,
      type: 'Microsoft.Security/assessments',
      properties: {
        resourceDetails: { Source: 'Azure', Id: st1b },
        displayName: 'Secure transfer to storage accounts should be enabled',
        status: { code: 'Unhealthy', cause: 'NonCompliant', description: 'fixture: secureTransferToStorageAccountMonitoring not met' },
        metadata: { severity: 'High' },
      },
    });
  });

  it('ignores other initiatives and rolls several MCSB assignments up (NonCompliant wins)', () => {
    const st1a = resourceId(S1, 'st', 'st1a');
    const extra = policyStates([{ sub: S1, kind: 'st', name: 'st1a', states: { secureTransfer: 'N' } }], definitionOf, { assignmentId: `/subscriptions/${S1}/providers/Microsoft.Authorization/policyAssignments/mcsb-sub` });
    const cis = policyStates([{ sub: S1, kind: 'st', name: 'st1c', states: { secureTransfer: 'N' } }], definitionOf, { assignmentId: CIS_ASSIGNMENT, setId: CIS_INITIATIVE });
    const list = computeAssessments([...policyStates(ROWS, definitionOf), ...extra, ...cis], catalog);
    const a = list.find((x) => x.resourceId === st1a && x.policyDefinitionReferenceId === 'secureTransferToStorageAccountMonitoring')!;
    expect([a.status.code, a.policyAssignmentIds.length]).toEqual(['Unhealthy', 2]);
    const c = list.find((x) => x.resourceId === resourceId(S1, 'st', 'st1c') && x.policyDefinitionReferenceId === 'secureTransferToStorageAccountMonitoring')!;
    expect(c.status.code).toBe('Healthy');
  });
});

describe('prioritisation', () => {
  it('ranks a 6-point control on an exposed attack path above a 10-point control three hops behind', () => {
    // A 10-point recommendation (the published "Enable MFA" key) and the real 6-point system updates one.
    const mfaControl = catalog.controlByName('Enable MFA')!;
    const updates = catalog.recommendations.find((r) => r.policyDefinitionReferenceId === 'systemUpdatesV2Monitoring')!;
    const mfa: RecommendationMetadata = { ...updates, assessmentKey: '94290b00-4d0c-d7b4-7cea-064a9554e681', displayName: 'MFA for owners', controlId: mfaControl.id, controlName: mfaControl.displayName, preview: false };
    const cat = { ...catalog, recommendations: [...catalog.recommendations, mfa], controls: catalog.controls.map((c) => (c.id === mfaControl.id ? { ...c, assessmentDefinitions: [mfa.assessmentKey] } : c)) };
    const vm = resourceId(S1, 'vm', 'vmweb');
    const sub = `/subscriptions/${S1}`;
    const mk = (key: string, name: string, resource: string): Assessment => ({
      assessmentKey: key, displayName: name, resourceId: resource, subscriptionId: S1, resourceType: '', status: { code: 'Unhealthy', cause: 'NonCompliant' },
      complianceState: 'NonCompliant', policyAssignmentIds: [], policyDefinitionId: '', policyDefinitionReferenceId: '', timestamp: '', controlId: '', severity: 'High', preview: false,
    });
    const list = [mk(updates.assessmentKey, updates.displayName, vm), mk(mfa.assessmentKey, mfa.displayName, sub)];
    // Without exposure, points decide: 10 (MFA: the subscription is the control's only resource) before 6.
    expect(prioritize(list, cat).map((p) => [p.controlName, p.points, p.priority])).toEqual([
      ['Enable MFA', 10, 10],
      ['Apply system updates', 6, 6],
    ]);
    // vmweb is internet-facing on an attack path: factor 1 + 2 × 1 + 1 = 4 → 24.
    // the subscription's principal sits three hops behind, on no path: factor 1 + 2 × 1/8 = 1.25 → 12.5.
    const exposure = exposureFromMap([
      [vm, { internetExposed: true, hops: 0, onAttackPath: true }],
      [sub, { internetExposed: false, hops: 3, onAttackPath: false }],
    ]);
    expect(prioritize(list, cat, { exposure }).map((p) => [p.controlName, p.priority])).toEqual([
      ['Apply system updates', 24],
      ['Enable MFA', 12.5],
    ]);
    expect(exploitabilityFactor(undefined)).toBe(1);
  });
});

describe('regulatory compliance', () => {
  const states = [
    ...policyStates(ROWS, definitionOf),
    // CIS assigned at S1: its secure transfer reference (CIS 3.1 / storage) on two storage accounts.
    ...policyStates(
      [
        { sub: S1, kind: 'st', name: 'st1a', states: { secureTransfer: 'C' } },
        { sub: S1, kind: 'st', name: 'st1b', states: { secureTransfer: 'N' } },
      ],
      () => definitionOf('secureTransferToStorageAccountMonitoring'),
      { assignmentId: CIS_ASSIGNMENT, setId: CIS_INITIATIVE },
    ).map((s) => ({ ...s, policyDefinitionReferenceId: cisRefFor(s.policyDefinitionId) })),
  ];
  function cisRefFor(defId: string): string {
    const cis = policy.getSetDefinition(CIS_INITIATIVE)!;
    return cis.properties.policyDefinitions.find((r) => r.policyDefinitionId.toLowerCase() === defId.toLowerCase())!.policyDefinitionReferenceId!;
  }
  const all = ['1f3afdf9-d0c9-4c3d-847f-89da613e70a8', '470a962c-86a0-433b-803a-3c176b5ce79c', '179d1daa-458f-4e47-8086-2a68d0d6c38f', 'a06d5deb-24aa-4991-9d58-fa7563154e31'].map(
    (n) => `/providers/Microsoft.Authorization/policySetDefinitions/${n}`,
  );
  const setDefinition = (id: string) => policy.getSetDefinition(id);

  it('lists MCSB by default and adds a standard when its initiative is assigned', () => {
    expect(computeRegulatoryCompliance({ states: [], setDefinition, catalog, assignedInitiativeIds: [] }).map((s) => s.name)).toEqual(['Microsoft-cloud-security-benchmark']);
    const withCis = computeRegulatoryCompliance({ states, setDefinition, catalog, subscriptionId: S1 });
    expect(withCis.map((s) => s.name)).toEqual(['CIS-Azure-Foundations-v3.0.0', 'Microsoft-cloud-security-benchmark']);
    expect(() => findStandard(withCis, 'SOC-TSP')).toThrow(/valid values: CIS-Azure-Foundations-v3.0.0, Microsoft-cloud-security-benchmark/);
  });

  it('makes every MCSB, CIS, NIST and PCI group a control with a state', () => {
    const result = computeRegulatoryCompliance({ states, setDefinition, catalog, assignedInitiativeIds: all });
    expect(result.map((s) => [s.name, s.controls.length])).toEqual([
      ['CIS-Azure-Foundations-v3.0.0', 72],
      ['Microsoft-cloud-security-benchmark', 85],
      ['NIST-SP-800-53-R5', 970],
      ['PCI-DSS-v4.0.1', 85],
    ]);
    for (const s of result) {
      const groups = setDefinition(s.policySetDefinitionId)!.properties.policyDefinitionGroups!.map((g) => g.name).sort();
      expect(s.controls.map((c) => c.groupName).sort()).toEqual(groups);
      for (const c of s.controls) expect(['Passed', 'Failed', 'Skipped']).toContain(c.state);
      expect(s.passedControls + s.failedControls + s.skippedControls).toBe(s.controls.length);
    }
  });

  it('computes control states and counts, and the ARM shapes', () => {
    const [cis, mcsbStd] = computeRegulatoryCompliance({ states, setDefinition, catalog, subscriptionId: S1 });
    // MCSB DP-3 (data in transit) in S1: secure transfer st1a C, st1b N, st1c C → Failed (1 failed, 2 passed);
    // web app HTTPS app1a C → Passed; TLS app1a N → Failed; other DP-3 references have no states → Skipped.
    const dp3 = mcsbStd.controls.find((c) => c.name === 'DP-3')!;
    const secure = dp3.assessments.find((a) => a.policyDefinitionReferenceId === 'secureTransferToStorageAccountMonitoring')!;
    expect([secure.state, secure.passedResources, secure.failedResources, secure.skippedResources]).toEqual(['Failed', 2, 1, 0]);
    expect([dp3.state, dp3.failedAssessments, dp3.passedAssessments]).toEqual(['Failed', 2, 1]);
    expect([dp3.failedResources, dp3.passedResources]).toEqual([2, 2]); // st1b, app1a failed; st1a, st1c passed
    // NS-2 has the exempt sql1a: it counts as skipped.
    const ns2 = mcsbStd.controls.find((c) => c.name === 'NS-2')!;
    expect(ns2.assessments.find((a) => a.policyDefinitionReferenceId === 'publicNetworkAccessOnAzureSQLDatabaseShouldBeDisabledMonitoringEffect')!.state).toBe('Skipped');
    // A control no reference evaluated is Skipped: MCSB BR-1 (backup) has no states here.
    expect(mcsbStd.controls.find((c) => c.name === 'BR-1')!.state).toBe('Skipped');
    expect(cis.state).toBe('Failed');
    expect(toArmComplianceStandard(S1, mcsbStd)).toMatchObject({ name: 'Microsoft-cloud-security-benchmark', type: 'Microsoft.Security/regulatoryComplianceStandard', properties: { state: 'Failed' } });
    expect(toArmComplianceControl(S1, mcsbStd.name, dp3)).toMatchObject({
      id: `/subscriptions/${S1}/providers/Microsoft.Security/regulatoryComplianceStandards/Microsoft-cloud-security-benchmark/regulatoryComplianceControls/DP-3`,
      properties: { state: 'Failed', failedAssessments: 2, passedAssessments: 1 },
    });
    expect(toArmComplianceAssessment(S1, mcsbStd.name, 'DP-3', secure).properties).toMatchObject({ state: 'Failed', passedResources: 2, failedResources: 1, skippedResources: 0 });
  });
});
