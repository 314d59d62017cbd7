/**
 * Export records on the hand-built posture fixture (test/posture/fixture.ts), through a real SQLite store and the
 * real deliverer into the workspace tables: the documented Log Analytics columns of every table, the REST shapes,
 * streamed changes vs snapshots, the secure score's change-only rules, rule and scope filtering, alerts and attack
 * paths, idempotent enqueueing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MCSB_INITIATIVE_ID, loadCatalog, loadPostureCatalog } from '../../src/catalog/index.js';
import type { ArmAttackPath } from '../../src/graph/index.js';
import { runPosture, toArmSecureScore, type PostureRun } from '../../src/posture/index.js';
import {
  ExportDeliverer,
  alertRecords,
  deleteAutomation,
  enqueueRecords,
  exportPosture,
  hasChanged,
  putAutomation,
  workspaceCustomerId,
  type RestAlert,
} from '../../src/program/index.js';
import { WORKSPACE_TABLES, openStore, type Store } from '../../src/store/index.js';
import { MG, ROWS, S1, S2, S3, fixtureTree, policyStates, withStates, type FixtureRow } from '../posture/fixture.js';

const postureCatalog = loadPostureCatalog();
const policyCatalog = loadCatalog();
const mcsb = policyCatalog.getSetDefinition(MCSB_INITIATIVE_ID)!;
const definitionOf = (refId: string) => mcsb.properties.policyDefinitions.find((r) => r.policyDefinitionReferenceId === refId)!.policyDefinitionId;
const WS = `/subscriptions/${S1}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/la1`;
const T1 = '2026-09-01T00:00:00.000Z';
const day = 24 * 3600_000;
const later = (days: number) => new Date(Date.parse(T1) + days * day).toISOString();

function run(rows: FixtureRow[], at = T1): PostureRun {
  return runPosture({
    states: policyStates(rows, definitionOf),
    catalog: postureCatalog,
    setDefinition: (id) => policyCatalog.getSetDefinition(id),
    hierarchy: fixtureTree(),
    subscriptions: [S1, S2, S3].map((s) => ({ subscriptionId: s, displayName: s })),
    assignments: [{ scope: MG('contoso-root'), policyDefinitionId: MCSB_INITIATIVE_ID }],
    evaluatedAt: new Date(at),
  });
}

/** The Azure Monitor reference's column lists (azure-monitor-ref/tables/includes/<table>-include.md), verbatim names. */
const DOCUMENTED: Record<string, string> = {
  SecurityRecommendation:
    'AssessedResourceId _BilledSize Description DeviceId DiscoveredTimeUTC Environment FirstEvaluationDate _IsBillable IsSnapshot PolicyDefinitionId Properties ProviderName RecommendationAdditionalData RecommendationDisplayName RecommendationId RecommendationName RecommendationSeverity RecommendationState ResolvedTimeUTC ResourceRegion StatusChangeDate TimeGenerated Type',
  SecureScores:
    'AssessedResourceId _BilledSize CurrentScore DisplayName Environment _IsBillable IsSnapshot MaxScore PercentageScore Properties _ResourceId ResourceProviderType SecureScoresSubscriptionId SourceSystem _SubscriptionId TenantId TimeGenerated Type Weight',
  SecureScoreControls:
    'AssessedResourceId _BilledSize ControlId ControlName ControlType CurrentScore Description Environment HealthyResources _IsBillable IsSnapshot MaxScore NotApplicableResources PercentageScore Properties RecommendationResourceIds _ResourceId ResourceProviderType SecureScoresSubscriptionId SourceSystem _SubscriptionId TenantId TimeGenerated Type UnhealthyResources Weight',
  SecurityRegulatoryCompliance:
    'AssessedResourceId _BilledSize ComplianceControl ComplianceStandard FailedResources _IsBillable IsSnapshot PassedResources Properties RecommendationId RecommendationLink RecommendationName RegulatoryComplianceSubscriptionId _ResourceId ResourceProviderType SkippedResources SourceSystem State _SubscriptionId TenantId TimeGenerated Type',
  SecurityAlert:
    'AlertLink AlertName AlertSeverity AlertType _BilledSize CompromisedEntity ConfidenceLevel ConfidenceScore Description DisplayName EndTime Entities ExtendedLinks ExtendedProperties _IsBillable IsIncident ProcessingEndTime ProductComponentName ProductName ProviderName RemediationSteps ResourceId SourceComputerId SourceSystem StartTime Status SubTechniques SystemAlertId Tactics Techniques TenantId TimeGenerated Type VendorName VendorOriginalId WorkspaceResourceGroup WorkspaceSubscriptionId',
  SecurityAttackPathData:
    'AdditionalRemediationSteps Assessments AttackPathId AttackStory _BilledSize Description DisplayName EntrypointId _IsBillable Mitre Path PotentialImpact _ResourceId RiskFactors RiskLevel SourceSystem _SubscriptionId TargetId TenantId TimeGenerated Type',
};

function attackPath(id: string, riskLevel: string): ArmAttackPath {
  const vm = `/subscriptions/${S1}/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm1a`;
  const kv = `/subscriptions/${S1}/resourceGroups/rg-1/providers/Microsoft.KeyVault/vaults/kv1a`;
  return {
    id: `/subscriptions/${S1}/providers/Microsoft.Security/attackPaths/${id}`,
    name: id,
    type: 'microsoft.security/attackpaths',
    tenantId: null,
    location: 'global',
    subscriptionId: S1,
    properties: {
      displayName: 'Internet exposed VM with high severity vulnerabilities has read permission to a Key Vault',
      description: 'A VM reachable from the internet can read secrets.',
      attackPathType: 'template-1',
      riskLevel,
      riskFactors: ['Exposure', 'Vulnerabilities'],
      riskCategories: ['Exposure'],
      potentialImpact: 'Secrets and keys held in the vault can be read.',
      attackStory: "the internet → AzureVM 'vm1a' → AzureKeyVault 'kv1a'",
      entryPointEntityInternalID: vm,
      targetEntityInternalID: kv,
      assessments: [{ entityInternalId: vm, assessmentKey: 'k1', assessmentName: 'Restrict management ports', breaksPath: true }],
      graphComponent: {
        entities: [
          { entityInternalId: vm, entityName: 'vm1a', entityType: 'AzureVM', entityIdentifiers: { azureResourceId: vm } },
          { entityInternalId: kv, entityName: 'kv1a', entityType: 'AzureKeyVault', entityIdentifiers: { azureResourceId: kv } },
        ],
        connections: [{ sourceEntityInternalId: vm, targetEntityInternalId: kv, title: 'hasPermissionTo' }],
        insights: [{ id: 'exposedToInternet', entityInternalId: vm }],
      },
      manualRemediationSteps: [`Restrict management ports (${vm})`],
      refreshInterval: '1.00:00:00',
      chokePoints: [],
    },
  };
}

function alert(name: string, status = 'Active'): RestAlert {
  const vm = `/subscriptions/${S1}/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm1a`;
  return {
    id: `/subscriptions/${S1}/resourceGroups/rg-1/providers/Microsoft.Security/locations/westeurope/alerts/${name}`,
    name,
    type: 'Microsoft.Security/Locations/alerts',
    properties: {
      alertType: 'VM_SshBruteForce',
      systemAlertId: name,
      alertDisplayName: 'SSH brute force attempt',
      description: 'Many failed SSH logins from one address.',
      severity: 'Medium',
      intent: 'CredentialAccess',
      startTimeUtc: '2026-09-01T01:00:00.000Z',
      endTimeUtc: '2026-09-01T01:05:00.000Z',
      timeGeneratedUtc: '2026-09-01T01:06:00.000Z',
      processingEndTimeUtc: '2026-09-01T01:06:00.000Z',
      resourceIdentifiers: [{ type: 'AzureResource', azureResourceId: vm }],
      remediationSteps: ['Block the address.'],
      vendorName: 'Palisade',
      status,
      entities: [{ type: 'ip', address: '203.0.113.7' }],
      extendedProperties: { failedAttempts: '120' },
      productName: 'Microsoft Defender for Cloud',
      compromisedEntity: 'vm1a',
      techniques: ['T1110'],
      isIncident: false,
    },
  };
}

let store: Store;

beforeEach(async () => {
  store = await openStore(join(mkdtempSync(join(tmpdir(), 'palisade-export-records-')), 'p.db'));
});

afterEach(async () => {
  await store.close();
});

async function automation(name: string, sources: Array<string | { eventSource: string; ruleSets?: unknown[] }>, scopePath = `/subscriptions/${S1}`, sub = S1): Promise<void> {
  await putAutomation(store, sub, 'rg-sec', name, {
    location: 'eastus',
    properties: {
      scopes: [{ scopePath }],
      sources: sources.map((s) => (typeof s === 'string' ? { eventSource: s } : s)),
      actions: [{ actionType: 'Workspace', workspaceResourceId: WS }],
    },
  });
}

async function deliverAll(): Promise<void> {
  const d = new ExportDeliverer(store, { pollIntervalMs: 50 });
  try {
    const r = await d.drain({ untilEmpty: true, timeoutMs: 20_000 });
    expect(r).toMatchObject({ pending: 0, deadTotal: 0 });
  } finally {
    await d.close();
  }
}

async function rows(sql: string): Promise<Record<string, any>[]> {
  return (await store.queryWorkspace(sql)).rows;
}

describe('workspace tables and their columns', () => {
  it('every table has exactly the columns of the Azure Monitor reference, plus _ItemId and _WorkspaceResourceId', () => {
    expect(WORKSPACE_TABLES.map((t) => t.name).sort()).toEqual(Object.keys(DOCUMENTED).sort());
    for (const t of WORKSPACE_TABLES) expect(t.columns.map((c) => c.name)).toEqual(DOCUMENTED[t.name]!.split(' '));
  });

  it('a snapshot of every source lands in its table, each row with only documented columns and the documented values', async () => {
    await automation('everything', [
      'AssessmentsSnapshot',
      'SecureScoresSnapshot',
      'SecureScoreControlsSnapshot',
      'RegulatoryComplianceAssessmentSnapshot',
      'AttackPathsSnapshot',
      'Alerts',
    ]);
    const r = run(ROWS);
    const summary = await exportPosture(store, { run: r, attackPaths: () => [attackPath('p1', 'High')] });
    await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert('a1') }]));
    expect(summary.automations).toBe(1);
    await deliverAll();

    const s1Assessments = r.assessmentsOf(S1);
    const recs = await rows(`SELECT * FROM SecurityRecommendation ORDER BY RecommendationId`);
    expect(recs).toHaveLength(s1Assessments.length);
    for (const row of recs) expect(Object.keys(row)).toEqual([...DOCUMENTED.SecurityRecommendation!.split(' '), '_ItemId', '_WorkspaceResourceId']);
    const st1b = recs.find((x) => x.AssessedResourceId.endsWith('/st1b') && x.RecommendationState === 'Unhealthy')!;
    expect(st1b).toMatchObject({
      Type: 'SecurityRecommendation',
      IsSnapshot: true,
      TimeGenerated: T1,
      Environment: 'Azure',
      RecommendationSeverity: expect.stringMatching(/^(High|Medium|Low)$/),
      ResolvedTimeUTC: null,
      _IsBillable: 'false',
      _WorkspaceResourceId: WS,
    });
    expect(st1b.RecommendationId).toBe(`${st1b.AssessedResourceId}/providers/Microsoft.Security/assessments/${st1b.RecommendationName}`);
    expect(st1b.Properties.status.code).toBe('Unhealthy');
    expect(st1b.Properties.metadata.severity).toBe(st1b.RecommendationSeverity);
    expect(st1b._BilledSize).toBeGreaterThan(100);

    const scores = await rows('SELECT * FROM SecureScores');
    const arm = toArmSecureScore(r.subscriptionScore(S1)!);
    expect(scores).toEqual([
      expect.objectContaining({
        AssessedResourceId: arm.id,
        CurrentScore: arm.properties.score.current,
        MaxScore: arm.properties.score.max,
        PercentageScore: arm.properties.score.percentage,
        Weight: arm.properties.weight,
        DisplayName: 'ASC score',
        IsSnapshot: true,
        SecureScoresSubscriptionId: S1,
        _SubscriptionId: S1,
        TenantId: workspaceCustomerId(WS),
        Properties: arm.properties,
        Type: 'SecureScores',
      }),
    ]);

    const controls = await rows('SELECT ControlName, MaxScore, CurrentScore, HealthyResources, UnhealthyResources, NotApplicableResources, ControlType, RecommendationResourceIds FROM SecureScoreControls ORDER BY ControlName');
    const expected = r.subscriptionScore(S1)!.controls.filter((c) => c.maxScore > 0 && c.healthyResourceCount + c.unhealthyResourceCount + c.notApplicableResourceCount > 0);
    expect(controls.map((c) => c.ControlName)).toEqual(expected.map((c) => c.displayName).sort());
    const transit = controls.find((c) => c.ControlName === 'Encrypt data in transit')!;
    expect(transit).toMatchObject({ MaxScore: 4, ControlType: 'BuiltIn' });
    expect(transit.RecommendationResourceIds[0]).toMatch(new RegExp(`^/subscriptions/${S1}/providers/Microsoft.Security/assessmentMetadata/`));

    const compliance = await rows('SELECT ComplianceStandard, ComplianceControl, State, PassedResources, FailedResources, SkippedResources, RecommendationLink FROM SecurityRegulatoryCompliance');
    const total = r.compliance(S1).reduce((n, s) => n + s.controls.reduce((m, c) => m + c.assessments.length, 0), 0);
    expect(compliance).toHaveLength(total);
    expect(new Set(compliance.map((c) => c.ComplianceStandard))).toEqual(new Set(r.compliance(S1).map((s) => s.name)));
    expect(compliance.filter((c) => c.State === 'Failed').length).toBeGreaterThan(0);

    const paths = await rows('SELECT * FROM SecurityAttackPathData');
    expect(paths).toHaveLength(1);
    expect(Object.keys(paths[0]!)).toEqual([...DOCUMENTED.SecurityAttackPathData!.split(' '), '_ItemId', '_WorkspaceResourceId']);
    expect(paths[0]).toMatchObject({ AttackPathId: attackPath('p1', 'High').id, RiskLevel: 'High', RiskFactors: ['Exposure', 'Vulnerabilities'], EntrypointId: expect.stringContaining('/vm1a'), TargetId: expect.stringContaining('/kv1a'), Mitre: null, TenantId: workspaceCustomerId(WS) });
    expect(paths[0]!.Path.entities).toHaveLength(2);

    const alerts = await rows('SELECT * FROM SecurityAlert');
    expect(alerts).toHaveLength(1);
    expect(Object.keys(alerts[0]!)).toEqual([...DOCUMENTED.SecurityAlert!.split(' '), '_ItemId', '_WorkspaceResourceId']);
    expect(alerts[0]).toMatchObject({ AlertType: 'VM_SshBruteForce', AlertSeverity: 'Medium', Tactics: 'CredentialAccess', Status: 'Active', IsIncident: false, TimeGenerated: '2026-09-01T01:06:00.000Z', Entities: '[{"type":"ip","address":"203.0.113.7"}]', ResourceId: expect.stringContaining('/vm1a') });
  });
});

describe('streamed changes', () => {
  it('the first run records a baseline and exports nothing; later runs export what changed, with IsSnapshot false', async () => {
    await automation('stream', ['Assessments', 'SecureScores', 'SecureScoreControls'], `/subscriptions/${S2}`, S2);
    const first = await exportPosture(store, { run: run(ROWS) });
    expect(first.baselines).toEqual(['assessments', 'secureScores', 'secureScoreControls']);
    expect(first.enqueued).toBe(0);
    const same = await exportPosture(store, { run: run(ROWS, later(1)) });
    expect(same).toMatchObject({ enqueued: 0, baselines: [] });
    expect(same.bySource).toEqual({ Assessments: { records: 0, rows: 0 }, SecureScores: { records: 0, rows: 0 }, SecureScoreControls: { records: 0, rows: 0 } });

    // st2b's secure transfer fixed (a score change), a new healthy storage account (a count-only change in a control
    // already at its maximum), S2's Defender for Servers turned off (a change in a control worth 0 points).
    const changed = withStates([...ROWS, { sub: S2, kind: 'st', name: 'st2z', states: { publicAccess: 'C' } }], 'st2b', { secureTransfer: 'C' });
    const third = withStates(changed, 'S2', { defenderServers: 'N' });
    const summary = await exportPosture(store, { run: run(third, later(2)) });
    expect(summary.bySource.Assessments).toEqual({ records: 3, rows: 3 });
    expect(summary.bySource.SecureScores).toEqual({ records: 1, rows: 1 });
    // Only the control whose score moved; not the count-only change, not the zero-point control; the other
    // subscriptions' records were made but are outside the automation's scope.
    await deliverAll();
    const controls = await rows('SELECT ControlName, IsSnapshot, SecureScoresSubscriptionId FROM SecureScoreControls');
    expect(controls).toEqual([{ ControlName: 'Encrypt data in transit', IsSnapshot: false, SecureScoresSubscriptionId: S2 }]);
    const recs = await rows('SELECT AssessedResourceId, RecommendationState, ResolvedTimeUTC, StatusChangeDate, IsSnapshot FROM SecurityRecommendation ORDER BY AssessedResourceId');
    expect(recs.map((x) => [x.AssessedResourceId.split('/').pop(), x.RecommendationState, x.ResolvedTimeUTC, x.IsSnapshot])).toEqual([
      [S2, 'Unhealthy', null, false],
      ['st2b', 'Healthy', later(2), false],
      ['st2z', 'Healthy', null, false],
    ]);
    const scores = await rows('SELECT SecureScoresSubscriptionId, CurrentScore, IsSnapshot FROM SecureScores');
    expect(scores).toEqual([{ SecureScoresSubscriptionId: S2, CurrentScore: toArmSecureScore(run(third).subscriptionScore(S2)!).properties.score.current, IsSnapshot: false }]);
  });

  it('the change state lives while an automation streams it: deleting the last one drops it, a new one starts from a new baseline', async () => {
    await automation('stream', ['Assessments']);
    expect((await exportPosture(store, { run: run(ROWS) })).baselines).toEqual(['assessments']);
    expect(await store.listExportScopes('stream:')).toEqual(['stream:assessments']);
    await automation('snapshots-only', ['AssessmentsSnapshot']);
    expect(await store.listExportScopes('stream:')).toEqual(['stream:assessments']);
    await deleteAutomation(store, S1, 'rg-sec', 'stream');
    expect(await store.listExportScopes('stream:')).toEqual([]);
    await automation('stream-again', ['Assessments']);
    const changed = withStates(ROWS, 'st1b', { secureTransfer: 'C' });
    expect((await exportPosture(store, { run: run(changed, later(1)) })).baselines).toEqual(['assessments']);
  });

  it('secure score: exported on a change of 0.01 points or more since the last export, not below, nor on count-only changes', () => {
    expect(hasChanged('secureScores', undefined, { c: 1, m: 27 })).toBe(true);
    expect(hasChanged('secureScores', { c: 11.05, m: 27 }, { c: 11.059999, m: 27 })).toBe(false);
    expect(hasChanged('secureScores', { c: 11.05, m: 27 }, { c: 11.06, m: 27 })).toBe(true);
    expect(hasChanged('secureScores', { c: 11.05, m: 27 }, { c: 11.04, m: 27 })).toBe(true);
    expect(hasChanged('secureScoreControls', { c: 2, m: 4 }, { c: 2.004, m: 4 })).toBe(false);
    expect(hasChanged('secureScoreControls', { c: 2, m: 4 }, { c: 2, m: 6 })).toBe(true);
    expect(hasChanged('assessments', { s: 'Healthy' }, { s: 'Healthy' })).toBe(false);
    expect(hasChanged('regulatoryCompliance', { s: 'Failed', n: [1, 2, 0] }, { s: 'Failed', n: [2, 1, 0] })).toBe(true);
  });

  it('regulatory compliance streams per subscription: a subscription whose automation comes later gets its own baseline', async () => {
    await automation('comp-s1', ['RegulatoryComplianceAssessment']);
    expect((await exportPosture(store, { run: run(ROWS) })).baselines).toEqual(['regulatoryCompliance']);
    await automation('comp-s2', ['RegulatoryComplianceAssessment'], `/subscriptions/${S2}`, S2);
    // S1's SQL auditing fixed; S2 joins: its first run is a baseline, not a flood of "new" assessments.
    const fixed = withStates(ROWS, 'sql1a', { sqlAuditing: 'C' });
    const next = await exportPosture(store, { run: run(fixed, later(1)) });
    expect(next.baselines).toEqual(['regulatoryCompliance']);
    const before = run(ROWS).compliance(S1).flatMap((s) => s.controls.flatMap((c) => c.assessments.map((a) => [`${s.name}|${c.name}|${a.name}`, `${a.state}|${a.passedResources}|${a.failedResources}`])));
    const after = new Map(run(fixed).compliance(S1).flatMap((s) => s.controls.flatMap((c) => c.assessments.map((a) => [`${s.name}|${c.name}|${a.name}`, `${a.state}|${a.passedResources}|${a.failedResources}`]))));
    const changed = before.filter(([k, v]) => after.get(k) !== v).length;
    expect(changed).toBeGreaterThan(0);
    expect(next.bySource.RegulatoryComplianceAssessment).toEqual({ records: changed, rows: changed });
    await deliverAll();
    const rowsOut = await rows('SELECT DISTINCT RegulatoryComplianceSubscriptionId AS s, IsSnapshot FROM SecurityRegulatoryCompliance');
    expect(rowsOut).toEqual([{ s: S1, IsSnapshot: false }]);
  });

  it('attack paths: a path that appears or changes risk level is exported; one that stays is not', async () => {
    await automation('paths', ['AttackPaths']);
    expect((await exportPosture(store, { run: run(ROWS), attackPaths: () => [attackPath('p1', 'High')] })).baselines).toEqual(['attackPaths']);
    const next = await exportPosture(store, { run: run(ROWS, later(1)), attackPaths: () => [attackPath('p1', 'Critical'), attackPath('p2', 'Medium')] });
    expect(next.bySource.AttackPaths).toEqual({ records: 2, rows: 2 });
    const stay = await exportPosture(store, { run: run(ROWS, later(2)), attackPaths: () => [attackPath('p1', 'Critical'), attackPath('p2', 'Medium')] });
    expect(stay.bySource.AttackPaths).toEqual({ records: 0, rows: 0 });
    await deliverAll();
    expect((await rows('SELECT AttackPathId, RiskLevel FROM SecurityAttackPathData ORDER BY AttackPathId')).map((x) => [x.AttackPathId.split('/').pop(), x.RiskLevel])).toEqual([
      ['p1', 'Critical'],
      ['p2', 'Medium'],
    ]);
  });
});

describe('snapshots, filtering, idempotency', () => {
  it('a snapshot source exports everything on its first run, then once the 7-day interval has passed', async () => {
    await automation('weekly', ['AssessmentsSnapshot']);
    const n = run(ROWS).assessmentsOf(S1).length;
    expect((await exportPosture(store, { run: run(ROWS) })).bySource.AssessmentsSnapshot).toEqual({ records: run(ROWS).assessments().length, rows: n });
    expect((await exportPosture(store, { run: run(ROWS, later(3)) })).bySource.AssessmentsSnapshot).toEqual({ records: 0, rows: 0 });
    expect((await exportPosture(store, { run: run(ROWS, later(7)) })).enqueued).toBe(n);
    await deliverAll();
    // Deleted and created again: a new automation, whose first run exports its snapshot at once.
    expect(await deleteAutomation(store, S1, 'rg-sec', 'weekly')).toBe(true);
    await automation('weekly', ['AssessmentsSnapshot']);
    expect((await exportPosture(store, { run: run(ROWS, later(8)) })).bySource.AssessmentsSnapshot).toEqual({ records: run(ROWS).assessments().length, rows: n });
    expect(await rows('SELECT TimeGenerated, count(*) AS n FROM SecurityRecommendation WHERE IsSnapshot GROUP BY TimeGenerated ORDER BY 1')).toEqual([
      { TimeGenerated: T1, n },
      { TimeGenerated: later(7), n },
    ]);
  });

  it('rules filter on the REST shape and scopes on the resource: a resource-group scope, High severity only', async () => {
    await automation('rg-high', [{ eventSource: 'AssessmentsSnapshot', ruleSets: [{ rules: [{ propertyJPath: 'properties.metadata.severity', propertyType: 'String', expectedValue: 'high', operator: 'Equals' }] }] }], `/subscriptions/${S1}/resourceGroups/rg-1`);
    const r = run(ROWS);
    const expected = r.assessmentsOf(S1).filter((a) => a.severity === 'High' && a.resourceId.toLowerCase().includes('/resourcegroups/rg-1/'));
    expect(expected.length).toBeGreaterThan(0);
    const summary = await exportPosture(store, { run: r });
    expect(summary.enqueued).toBe(expected.length);
    await deliverAll();
    const got = await rows('SELECT AssessedResourceId, RecommendationName, RecommendationSeverity FROM SecurityRecommendation');
    expect(got.map((g) => `${g.AssessedResourceId}|${g.RecommendationName}`).sort()).toEqual(expected.map((a) => `${a.resourceId}|${a.assessmentKey}`).sort());
  });

  it('disabled automations export nothing; without automations nothing (not even change state) is written', async () => {
    const none = await exportPosture(store, { run: run(ROWS) });
    expect(none).toEqual({ automations: 0, enqueued: 0, duplicates: 0, bySource: {}, baselines: [] });
    expect((await store.readExportState('stream:assessments')).size).toBe(0);
    await putAutomation(store, S1, 'rg-sec', 'off', { location: 'eastus', properties: { isEnabled: false, scopes: [{ scopePath: `/subscriptions/${S1}` }], sources: [{ eventSource: 'AssessmentsSnapshot' }], actions: [{ actionType: 'Workspace', workspaceResourceId: WS }] } });
    expect((await exportPosture(store, { run: run(ROWS) })).automations).toBe(0);
  });

  it('enqueueing the same records twice inserts them once (stable idempotency keys); a status change is a new record', async () => {
    await automation('alerts', ['Alerts']);
    const first = await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert('a1') }, { alert: alert('a2') }]));
    expect(first).toMatchObject({ enqueued: 2, duplicates: 0 });
    const again = await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert('a1') }, { alert: alert('a2') }]));
    expect(again).toMatchObject({ enqueued: 0, duplicates: 2 });
    const resolved = await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert('a1', 'Resolved') }]));
    expect(resolved).toMatchObject({ enqueued: 1, duplicates: 0 });
    const keys = (await store.listOutbox()).map((o) => o.idempotencyKey);
    expect(new Set(keys).size).toBe(3);
    for (const k of keys) expect(k).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // A caller-built row (protection's toSecurityAlertRow) is used as given.
    await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert('a3'), row: { AlertName: 'from protection', AlertSeverity: 'High', TimeGenerated: '2026-09-01T02:00:00Z' } }]));
    await deliverAll();
    expect(await rows("SELECT AlertName, Status FROM SecurityAlert ORDER BY SystemAlertId IS NULL, SystemAlertId, Status")).toEqual([
      { AlertName: 'SSH brute force attempt', Status: 'Active' },
      { AlertName: 'SSH brute force attempt', Status: 'Resolved' },
      { AlertName: 'SSH brute force attempt', Status: 'Active' },
      { AlertName: 'from protection', Status: null },
    ]);
  });
});
