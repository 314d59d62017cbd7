/**
 * Drift detection between two hand-made snapshots: each kind fires on what it should and not on the rest
 * (thresholds, like-for-like subscriptions, assignments made inside the window, improvements), the Deny candidate is
 * the single-policy assignment before an initiative's reference, a policy no assignment can deny is named with the
 * reason, ids are stable per kind, subject and window, and the change log attributes each drift.
 */
import { describe, expect, it } from 'vitest';
import { denyOption, detectDrifts, flipCommand, type BodySubscription, type DriftSnapshot, type HistorySection, type NonComplianceGroup, type SnapshotAssignment } from '../../src/program/index.js';

const S1 = '11111111-1111-1111-1111-111111111111';
const S2 = '22222222-2222-2222-2222-222222222222';
const S3 = '33333333-3333-3333-3333-333333333333';
const PUBLIC = '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';
const PATCH = '/providers/Microsoft.Authorization/policyDefinitions/bd876905-5b84-4f73-ab2d-2e7a7c4568d9';
const MCSB_SET = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
const ROOT = '/providers/Microsoft.Management/managementGroups/contoso-root';
const NETWORK = '3044fd5b-4d0b-549d-8450-dc17a906c0b8';
const UPDATES = '943cc8fa-3cff-593e-87f2-73219a04ff73';

const assignments: SnapshotAssignment[] = [
  { id: `${ROOT}/providers/Microsoft.Authorization/policyAssignments/audit-storage-public`, name: 'audit-storage-public', displayName: 'Audit public storage', scope: ROOT, policyDefinitionId: PUBLIC, enforcementMode: 'Default', parameters: { effect: { value: 'Audit' } } },
  { id: `${ROOT}/providers/Microsoft.Authorization/policyAssignments/mcsb-mg-root`, name: 'mcsb-mg-root', displayName: 'Microsoft cloud security benchmark', scope: ROOT, policyDefinitionId: MCSB_SET, enforcementMode: 'Default', parameters: {} },
];

function st(sub: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${name}`;
}
function vm(sub: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;
}

function groups(publicResources: string[], patchResources: string[]): NonComplianceGroup[] {
  return [
    { assignment: 0, policyDefinitionId: PUBLIC, policyDefinitionReferenceId: '', effect: 'Audit', auditMode: true, deny: { allowed: true, via: 'parameter', parameter: 'effect' }, resources: publicResources },
    { assignment: 1, policyDefinitionId: PUBLIC, policyDefinitionReferenceId: 'StorageDisallowPublicAccess', effect: 'audit', auditMode: true, deny: { allowed: true, via: 'parameter', parameter: 'disallowPublicBlobAccessEffect' }, recommendation: 'k-public', controlId: NETWORK, resources: publicResources },
    {
      assignment: 1,
      policyDefinitionId: PATCH,
      policyDefinitionReferenceId: 'systemUpdatesAutoAssessmentMode',
      effect: 'Audit',
      auditMode: true,
      deny: { allowed: false, via: 'none', reason: "the initiative's parameter systemUpdatesAutoAssessmentModeEffect allows only Audit, Disabled" },
      recommendation: 'k-patch',
      controlId: UPDATES,
      resources: patchResources,
    },
  ];
}

interface Shape {
  subs: Array<{ id: string; plans?: string[]; pct: number; weight?: number; controls?: Array<[string, number, number]> }>;
  publicResources?: string[];
  patchResources?: string[];
  paths?: Array<[string, string, string[]]>;
  extraAssignments?: SnapshotAssignment[];
}

function snapshot(id: string, at: string, shape: Shape): DriftSnapshot {
  const body: BodySubscription[] = shape.subs.map((s) => ({
    subscriptionId: s.id,
    current: s.pct * 30,
    max: 30,
    percentage: s.pct,
    weight: s.weight ?? 10,
    controls: (s.controls ?? []).map(([cid, healthy, unhealthy]) => ({ id: cid, current: 0, max: 4, healthy, unhealthy, notApplicable: 0 })),
  }));
  const history: HistorySection = {
    formatVersion: 1,
    subscriptions: shape.subs.map((s) => ({ subscriptionId: s.id, displayName: `sub-${s.id.slice(0, 1)}`, standardPlans: s.plans ?? ['CloudPosture'] })),
    controls: [
      { id: NETWORK, displayName: 'Restrict unauthorized network access', maxScore: 4 },
      { id: UPDATES, displayName: 'Apply system updates', maxScore: 6 },
    ],
    attackPaths: (shape.paths ?? []).map(([templateId, sub, entries]) => ({ templateId, templateName: templateId, subscriptionId: sub, count: entries.length, entries, targets: entries })),
    nonCompliance: { assignments: [...assignments, ...(shape.extraAssignments ?? [])], groups: groups(shape.publicResources ?? [], shape.patchResources ?? []) },
  };
  return { id, takenAt: new Date(at), subscriptions: body, history };
}

const FROM = '2026-08-01T00:00:00.000Z';
const TO = '2026-08-08T00:00:00.000Z';
const base: Shape = {
  subs: [
    { id: S1, pct: 0.6, controls: [[NETWORK, 8, 2], [UPDATES, 9, 1]] },
    { id: S2, pct: 0.5, controls: [[NETWORK, 5, 5], [UPDATES, 5, 5]] },
  ],
  publicResources: [st(S2, 'old')],
  patchResources: [vm(S2, 'old')],
};

describe('detectDrifts', () => {
  it('nothing changed (or only got better): no drift', () => {
    const a = snapshot('a', FROM, base);
    expect(detectDrifts(a, snapshot('b', TO, base))).toEqual([]);
    const better = snapshot('b', TO, { ...base, subs: base.subs.map((s) => ({ ...s, pct: s.pct + 0.1 })), publicResources: [], patchResources: [] });
    expect(detectDrifts(a, better)).toEqual([]);
  });

  it('new audit-mode non-compliance: one drift per policy, the single-policy assignment first, old violations left out', () => {
    const b = snapshot('b', TO, { ...base, publicResources: [st(S2, 'old'), st(S1, 'new')] });
    const drifts = detectDrifts(snapshot('a', FROM, base), b);
    expect(drifts).toHaveLength(1);
    const [d] = drifts;
    expect(d).toMatchObject({ kind: 'AuditModeNonCompliance', subject: PUBLIC, resources: [st(S1, 'new')], before: 1, after: 2, unit: 'resources', from: FROM, to: TO, fromSnapshotId: 'a', toSnapshotId: 'b' });
    expect(d.denyCandidate).toMatchObject({ assignmentName: 'audit-storage-public', via: 'parameter', parameter: 'effect', currentEffect: 'Audit' });
    expect(d.denyCandidate!.command).toBe(
      `palisade policy assignment create --name audit-storage-public --scope ${ROOT} --policy ${PUBLIC} --display-name 'Audit public storage' --params '{"effect":{"value":"Deny"}}'`,
    );
    expect(d.denyCandidate!.whatIfCommand).toBe(`palisade policy what-if --assignment ${assignments[0].id} --effect Deny`);
    expect(d.denyCandidates).toHaveLength(1);
    expect(d.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a policy no assignment can deny: no candidate, the reason in a note', () => {
    const b = snapshot('b', TO, { ...base, patchResources: [vm(S2, 'old'), vm(S1, 'a'), vm(S1, 'b')] });
    const [d] = detectDrifts(snapshot('a', FROM, base), b);
    expect(d).toMatchObject({ kind: 'AuditModeNonCompliance', subject: PATCH, resources: [vm(S1, 'a'), vm(S1, 'b')], denyCandidate: null, denyCandidates: [] });
    expect(d.unblockable).toEqual([{ policyDefinitionId: PATCH, reason: "the initiative's parameter systemUpdatesAutoAssessmentModeEffect allows only Audit, Disabled" }]);
    expect(d.note).toContain('allows only Audit, Disabled');
  });

  it('secure score drops beyond the threshold (subscription and tenant), naming the newly failing resources', () => {
    const worse: Shape = { ...base, subs: [{ ...base.subs[0], pct: 0.5 }, base.subs[1]], patchResources: [vm(S2, 'old'), vm(S1, 'a')] };
    const drifts = detectDrifts(snapshot('a', FROM, base), snapshot('b', TO, worse));
    const score = drifts.filter((d) => d.kind === 'SecureScoreDrop');
    expect(score.map((d) => d.subject)).toEqual(['/', `/subscriptions/${S1}`]);
    expect(score[1]).toMatchObject({ before: 60, after: 50, unit: 'percent', resources: [vm(S1, 'a')], denyCandidate: null });
    expect(score[0]).toMatchObject({ before: 55, after: 50 });
    // 10 points fall: at --score-drop 10 it is not drift (more than N points), at 9.9 it is.
    expect(detectDrifts(snapshot('a', FROM, base), snapshot('b', TO, worse), { scoreDrop: 10 }).filter((d) => d.kind === 'SecureScoreDrop')).toEqual([]);
    expect(detectDrifts(snapshot('a', FROM, base), snapshot('b', TO, worse), { scoreDrop: 9.9 }).filter((d) => d.subject === `/subscriptions/${S1}`)).toHaveLength(1);
  });

  it("a control's healthy ratio falling tenant-wide beyond the threshold", () => {
    const worse: Shape = {
      ...base,
      subs: [{ ...base.subs[0], controls: [[NETWORK, 8, 2], [UPDATES, 7, 3]] }, base.subs[1]],
      patchResources: [vm(S2, 'old'), vm(S1, 'a'), vm(S1, 'b')],
    };
    const drifts = detectDrifts(snapshot('a', FROM, base), snapshot('b', TO, worse)).filter((d) => d.kind === 'ControlHealthDrop');
    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toMatchObject({ subject: UPDATES, subjectDisplayName: 'Apply system updates', before: 70, after: 60, resources: [vm(S1, 'a'), vm(S1, 'b')] });
    expect(detectDrifts(snapshot('a', FROM, base), snapshot('b', TO, worse), { controlDrop: 10 }).filter((d) => d.kind === 'ControlHealthDrop')).toEqual([]);
  });

  it('an attack-path template with no path into a subscription now has one; one that already had does not count', () => {
    const a = snapshot('a', FROM, { ...base, paths: [['az-vm-x', S2, [vm(S2, 'x')]]] });
    const b = snapshot('b', TO, { ...base, publicResources: [st(S2, 'old'), st(S1, 'blob')], paths: [['az-vm-x', S2, [vm(S2, 'x'), vm(S2, 'y')]], ['az-blob', S1, [st(S1, 'blob')]]] });
    const paths = detectDrifts(a, b).filter((d) => d.kind === 'AttackPathOpened');
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatchObject({ subject: `az-blob@/subscriptions/${S1}`, subscriptionId: S1, before: 0, after: 1, unit: 'paths', resources: [st(S1, 'blob')] });
    expect(paths[0].denyCandidate?.assignmentName).toBe('audit-storage-public');
  });

  it('a subscription joining without Defender CSPM is drift; its own posture is not compared (like for like)', () => {
    const b = snapshot('b', TO, {
      ...base,
      subs: [...base.subs, { id: S3, plans: [], pct: 0.1, controls: [[UPDATES, 0, 9]] }],
      publicResources: [st(S2, 'old'), st(S3, 'naked')],
      paths: [['az-blob', S3, [st(S3, 'naked')]]],
    });
    const drifts = detectDrifts(snapshot('a', FROM, base), b);
    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toMatchObject({ kind: 'UnprotectedSubscription', subject: `/subscriptions/${S3}`, subjectDisplayName: 'sub-3', resources: [`/subscriptions/${S3}`], denyCandidate: null });
    expect(drifts[0].note).toContain('689f7782-ef2c-4270-a6d0-7664869076bd');
    // A subscription that had Defender CSPM and lost it.
    const lost = snapshot('c', TO, { ...base, subs: [{ ...base.subs[0], plans: ['VirtualMachines'] }, base.subs[1]] });
    expect(detectDrifts(snapshot('a', FROM, base), lost).map((d) => [d.kind, d.before, d.after])).toEqual([['UnprotectedSubscription', 1, 1]]);
  });

  it('an assignment made inside the window reveals old violations: not drift', () => {
    const extra: SnapshotAssignment = { ...assignments[0], id: `${ROOT}/providers/Microsoft.Authorization/policyAssignments/audit-again`, name: 'audit-again' };
    const b = snapshot('b', TO, { ...base, extraAssignments: [extra] });
    b.history.nonCompliance.groups.push({ ...b.history.nonCompliance.groups[0], assignment: 2, resources: [st(S1, 'ancient')] });
    expect(detectDrifts(snapshot('a', FROM, base), b)).toEqual([]);
  });

  it('ids are stable per kind, subject and window; the change log attributes drifts (an expiring exemption too)', () => {
    const b = snapshot('b', TO, { ...base, publicResources: [st(S2, 'old'), st(S1, 'new'), st(S1, 'waived')] });
    const changes = [
      { at: '2026-08-03T10:00:00.000Z', id: st(S1, 'new'), table: 'resources' as const, kind: 'deployment' as const, before: null, after: null },
      { at: '2026-08-04T00:00:00.001Z', id: `/subscriptions/${S1}/providers/Microsoft.Authorization/policyExemptions/waiver`, table: 'policyresources' as const, kind: 'exemption-expiry' as const, before: null, after: null },
      { at: '2026-08-05T10:00:00.000Z', id: st(S2, 'unrelated'), table: 'resources' as const, kind: 'configuration' as const, before: null, after: null },
    ];
    const [d] = detectDrifts(snapshot('a', FROM, base), b, { changes });
    expect(d.changes.map((c) => c.id)).toEqual([changes[0].id, changes[1].id]);
    const again = detectDrifts(snapshot('a', FROM, base), b)[0];
    expect(again.id).toBe(d.id);
    const otherWindow = detectDrifts(snapshot('a', '2026-07-31T00:00:00.000Z', base), b)[0];
    expect(otherWindow.id).not.toBe(d.id);
  });
});

describe('deny options and the flip command', () => {
  const definitions = new Map<string, any>([
    [PUBLIC, { id: PUBLIC, type: 'Microsoft.Authorization/policyDefinitions', properties: { parameters: { effect: { allowedValues: ['Audit', 'Deny', 'Disabled'] } }, policyRule: { if: {}, then: { effect: "[parameters('effect')]" } } } }],
    ['/d/fixed', { id: '/d/fixed', type: 'Microsoft.Authorization/policyDefinitions', properties: { policyRule: { if: {}, then: { effect: 'audit' } } } }],
    ['/d/deny', { id: '/d/deny', type: 'Microsoft.Authorization/policyDefinitions', properties: { policyRule: { if: {}, then: { effect: 'deny' } } } }],
    [
      '/s/set',
      {
        id: '/s/set',
        type: 'Microsoft.Authorization/policySetDefinitions',
        properties: {
          parameters: { pubEffect: { allowedValues: ['audit', 'deny', 'disabled'] }, narrow: { allowedValues: ['Audit', 'Disabled'] } },
          policyDefinitions: [
            { policyDefinitionId: PUBLIC, policyDefinitionReferenceId: 'pub', parameters: { effect: { value: "[parameters('pubEffect')]" } } },
            { policyDefinitionId: PUBLIC, policyDefinitionReferenceId: 'narrowed', parameters: { effect: { value: "[parameters('narrow')]" } } },
            { policyDefinitionId: PUBLIC, policyDefinitionReferenceId: 'fixed' },
          ],
        },
      },
    ],
  ]);
  const lookup = (id: string) => definitions.get(id);

  it('reads the definition, the initiative pass-through and the enforcement mode', () => {
    expect(denyOption(lookup, PUBLIC, '', 'Default')).toMatchObject({ allowed: true, via: 'parameter', parameter: 'effect' });
    expect(denyOption(lookup, '/s/set', 'pub', 'Default')).toMatchObject({ allowed: true, via: 'parameter', parameter: 'pubEffect' });
    expect(denyOption(lookup, '/s/set', 'narrowed', 'Default')).toMatchObject({ allowed: false, reason: "the initiative's parameter narrow allows only Audit, Disabled" });
    expect(denyOption(lookup, '/s/set', 'fixed', 'Default')).toMatchObject({ allowed: false, reason: 'the initiative does not pass the effect through a parameter' });
    expect(denyOption(lookup, '/d/fixed', '', 'Default')).toMatchObject({ allowed: false, reason: 'the effect is fixed to audit' });
    expect(denyOption(lookup, '/d/deny', '', 'DoNotEnforce')).toMatchObject({ allowed: true, via: 'enforcementMode' });
    expect(denyOption(lookup, '/nope', '', 'Default')).toMatchObject({ allowed: false });
  });

  it('keeps the other parameters and flips only the effect', () => {
    const a: SnapshotAssignment = { ...assignments[1], parameters: { other: { value: 1 } } };
    const g = groups([], [])[1];
    expect(flipCommand(a, g)).toBe(
      `palisade policy assignment create --name mcsb-mg-root --scope ${ROOT} --policy-set-definition ${MCSB_SET} --display-name 'Microsoft cloud security benchmark' --params '{"other":{"value":1},"disallowPublicBlobAccessEffect":{"value":"Deny"}}'`,
    );
    expect(flipCommand({ ...a, parameters: {} }, { ...g, deny: { allowed: true, via: 'enforcementMode' } })).toContain('--enforcement-mode Default');
  });
});
