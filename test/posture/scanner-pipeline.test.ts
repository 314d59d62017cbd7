/**
 * End to end on the real engine: the MCSB initiative from the shipped catalog assigned at contoso-root over the policy
 * tests' small estate (test/policy/cases/assignments/fixture.ts), then assessments and scores from its states.
 */
import { describe, expect, it } from 'vitest';
import { MCSB_INITIATIVE_ID, loadCatalog, loadPostureCatalog } from '../../src/catalog/index.js';
import { PolicyScanner } from '../../src/policy/index.js';
import { computeAssessments, computeSecureScores } from '../../src/posture/index.js';
import { MG, S1, ST, assignment, buildEstate } from '../policy/cases/assignments/fixture.js';

describe('posture from a real MCSB scan', () => {
  it('turns the scanner\'s MCSB states into assessments and a score', () => {
    const policy = loadCatalog();
    const catalog = loadPostureCatalog();
    const { rows, tree } = buildEstate();
    const scan = new PolicyScanner({
      resources: rows,
      assignments: [assignment('mcsb', MG('contoso-root'), MCSB_INITIATIVE_ID)],
      definitions: (id) => policy.resolve(id),
      aliases: policy.aliases(),
      hierarchy: tree,
    }).scan();
    const assessments = computeAssessments(scan.states, catalog);
    expect(assessments.length).toBeGreaterThan(0);
    const transfer = (name: string) =>
      assessments.find((a) => a.resourceId === ST(S1, 'rg-app', name) && a.policyDefinitionReferenceId === 'secureTransferToStorageAccountMonitoring')?.status.code;
    // stapp1 has supportsHttpsTrafficOnly false, stapp2 true.
    expect([transfer('stapp1'), transfer('stapp2')]).toEqual(['Unhealthy', 'Healthy']);
    const s1 = computeSecureScores(assessments, catalog).find((s) => s.subscriptionId === S1)!;
    const transit = s1.controls.find((c) => c.displayName === 'Encrypt data in transit')!;
    expect(transit.unhealthyResourceCount).toBeGreaterThanOrEqual(1);
    expect(s1.score.max).toBeGreaterThan(0);
    expect(s1.score.percentage).toBeGreaterThanOrEqual(0);
    expect(s1.score.percentage).toBeLessThanOrEqual(1);
  });
});
