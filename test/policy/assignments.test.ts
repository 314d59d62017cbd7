import { describe, expect, it } from 'vitest';
import { fixedClock, isWithin } from '../../src/core/index.js';
import {
  PolicyScanner,
  ScopeChains,
  definitionsFromList,
  evaluateEstate,
  type PolicyAssignment,
  type PolicyExemption,
  type PolicySetDefinition,
  type PolicyStateRecord,
} from '../../src/policy/index.js';
import {
  MG,
  PUBLIC_ACCESS,
  RG,
  S1,
  S2,
  S3,
  SECURE_TRANSFER,
  SQL_AUDITING,
  ST,
  assignment,
  buildEstate,
  hasData,
  loadAliases,
  loadBuiltins,
} from './cases/assignments/fixture.js';

const clock = fixedClock('2026-05-01T12:00:00Z');

const STORAGE_INITIATIVE: PolicySetDefinition = {
  id: '/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Authorization/policySetDefinitions/storage-baseline',
  name: 'storage-baseline',
  properties: {
    displayName: 'Storage baseline',
    metadata: { category: 'Storage', version: '1.0.0' },
    version: '1.0.0',
    parameters: {
      publicAccessEffect: { type: 'String', defaultValue: 'Audit', allowedValues: ['Audit', 'Deny', 'Disabled'] },
      secureTransferEffect: { type: 'String', defaultValue: 'Audit' },
    },
    policyDefinitionGroups: [{ name: 'network' }, { name: 'data' }],
    policyDefinitions: [
      { policyDefinitionId: PUBLIC_ACCESS, policyDefinitionReferenceId: 'publicAccess', parameters: { effect: { value: "[parameters('publicAccessEffect')]" } }, groupNames: ['network', 'data'], definitionVersion: '3.*.*' },
      { policyDefinitionId: SECURE_TRANSFER, policyDefinitionReferenceId: 'secureTransfer', parameters: { effect: { value: "[parameters('secureTransferEffect')]" } }, groupNames: ['data'] },
      // Same definition and same parameter values as publicAccess: compiled once.
      { policyDefinitionId: PUBLIC_ACCESS, policyDefinitionReferenceId: 'publicAccessAgain', parameters: { effect: { value: 'Audit' } }, groupNames: [] },
    ],
  },
};

function setup(assignments: PolicyAssignment[], exemptions: PolicyExemption[] = [], extra: unknown[] = []) {
  const { rows, tree } = buildEstate();
  const scanner = new PolicyScanner({
    resources: rows,
    assignments,
    exemptions,
    definitions: definitionsFromList([...loadBuiltins(), STORAGE_INITIATIVE, ...extra]),
    aliases: loadAliases(),
    hierarchy: tree,
    clock,
  });
  return { scanner, result: scanner.scan(), tree, rows };
}

function byResource(states: PolicyStateRecord[], ref = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of states) if (s.policyDefinitionReferenceId === ref) out[s.resourceId.split('/').pop() as string] = s.complianceState;
  return out;
}

const denyPublic = (scope: string, props: Partial<PolicyAssignment['properties']> = {}) =>
  assignment('deny-storage-public', scope, PUBLIC_ACCESS, { parameters: { effect: { value: 'Deny' } }, ...props });

describe.skipIf(!hasData)('policy assignments over an estate', () => {
  it('inherits an assignment from a management group to every subscription below it', () => {
    const { result } = setup([denyPublic(MG('contoso-root'))]);
    expect(byResource(result.states)).toEqual({ stapp1: 'NonCompliant', stapp2: 'Compliant', stdata1: 'NonCompliant', stshared: 'NonCompliant', stplay: 'NonCompliant' });
    const s = result.states.find((x) => x.resourceId === ST(S1, 'rg-app', 'stapp1')) as PolicyStateRecord;
    expect(s).toMatchObject({
      policyAssignmentId: `${MG('contoso-root')}/providers/Microsoft.Authorization/policyAssignments/deny-storage-public`,
      policyAssignmentName: 'deny-storage-public',
      policyAssignmentScope: MG('contoso-root'),
      policyDefinitionId: PUBLIC_ACCESS,
      policyDefinitionName: '4fa4b6c0-31ca-4c0d-b10d-24b96f62a751',
      policyDefinitionAction: 'deny',
      policyDefinitionCategory: 'Storage',
      policyDefinitionVersion: '3.1.1',
      policyDefinitionReferenceId: '',
      policySetDefinitionId: '',
      complianceState: 'NonCompliant',
      isCompliant: false,
      subscriptionId: S1,
      resourceGroup: 'rg-app',
      resourceType: 'Microsoft.Storage/storageAccounts',
      resourceLocation: 'eastus',
      managementGroupIds: 'corp,landing-zones,contoso-root',
      timestamp: '2026-05-01T12:00:00.000Z',
      exemptionIds: [],
      effect: 'Deny',
      policyAssignmentParameters: '{"effect":{"value":"Deny"}}',
    });
    expect(s.reason).toMatch(/condition/);
    // Only storage accounts meet this policy (type index): no SQL server or pricing was evaluated against it.
    expect(result.metrics.evaluations).toBe(5);
  });

  it('limits an assignment to its subtree: a management group below the root, a subscription, a resource group', () => {
    expect(Object.keys(byResource(setup([denyPublic(MG('landing-zones'))]).result.states)).sort()).toEqual(['stapp1', 'stapp2', 'stdata1']);
    expect(Object.keys(byResource(setup([denyPublic(`/subscriptions/${S2}`)]).result.states))).toEqual(['stshared']);
    expect(Object.keys(byResource(setup([denyPublic(RG(S1, 'rg-data'))]).result.states))).toEqual(['stdata1']);
    expect(Object.keys(byResource(setup([denyPublic(ST(S1, 'rg-app', 'stapp2'))]).result.states))).toEqual(['stapp2']);
  });

  it('excludes notScopes entirely (not counted, unlike exemptions)', () => {
    const { result } = setup([denyPublic(MG('contoso-root'), { notScopes: [MG('sandbox'), RG(S1, 'rg-data')] })]);
    expect(byResource(result.states)).toEqual({ stapp1: 'NonCompliant', stapp2: 'Compliant', stshared: 'NonCompliant' });
    expect(result.summary.results.totalResources).toBe(3);
  });

  it('still reports compliance under DoNotEnforce', () => {
    const { result } = setup([denyPublic(MG('contoso-root'), { enforcementMode: 'DoNotEnforce' })]);
    expect(byResource(result.states)).toEqual({ stapp1: 'NonCompliant', stapp2: 'Compliant', stdata1: 'NonCompliant', stshared: 'NonCompliant', stplay: 'NonCompliant' });
    expect(result.states.every((s) => s.enforcementMode === 'DoNotEnforce')).toBe(true);
  });

  it('applies resourceSelectors (any selector, all clauses; location names normalised)', () => {
    const eastus = setup([denyPublic(MG('contoso-root'), { resourceSelectors: [{ name: 'east', selectors: [{ kind: 'resourceLocation', in: ['eastus'] }] }] })]);
    expect(Object.keys(byResource(eastus.result.states)).sort()).toEqual(['stapp1', 'stdata1', 'stplay']);
    const notEast = setup([denyPublic(MG('contoso-root'), { resourceSelectors: [{ name: 'not-east', selectors: [{ kind: 'resourceLocation', notIn: ['East US'] }, { kind: 'resourceType', in: ['microsoft.storage/storageaccounts'] }] }] })]);
    expect(Object.keys(byResource(notEast.result.states)).sort()).toEqual(['stapp2', 'stshared']);
    const wrongType = setup([denyPublic(MG('contoso-root'), { resourceSelectors: [{ name: 'vms', selectors: [{ kind: 'resourceType', in: ['Microsoft.Compute/virtualMachines'] }] }] })]);
    expect(wrongType.result.states).toEqual([]);
  });

  it('resolves initiative reference parameters from the assignment and the initiative defaults, compiling each variant once', () => {
    const a = assignment('storage-baseline', MG('contoso-root'), STORAGE_INITIATIVE.id as string, { parameters: { publicAccessEffect: { value: 'Deny' } } });
    const { result, scanner } = setup([a]);
    const actions = new Map(result.states.map((s) => [s.policyDefinitionReferenceId, s.policyDefinitionAction]));
    expect(Object.fromEntries(actions)).toEqual({ publicAccess: 'deny', secureTransfer: 'audit', publicAccessAgain: 'audit' });
    expect(byResource(result.states, 'secureTransfer')).toEqual({ stapp1: 'NonCompliant', stapp2: 'Compliant', stdata1: 'Compliant', stshared: 'Compliant', stplay: 'NonCompliant' });
    const s = result.states.find((x) => x.policyDefinitionReferenceId === 'publicAccess') as PolicyStateRecord;
    expect(s.policySetDefinitionId).toBe(STORAGE_INITIATIVE.id);
    expect(s.policySetDefinitionName).toBe('storage-baseline');
    expect(s.policySetDefinitionVersion).toBe('1.0.0');
    expect(s.policyDefinitionGroupNames).toEqual(['network', 'data']);
    // publicAccess (Deny), secureTransfer (Audit), publicAccessAgain (Audit): three variants for three references.
    expect(scanner.compiler.size).toBe(3);

    const dflt = setup([assignment('storage-baseline', MG('contoso-root'), STORAGE_INITIATIVE.id as string)]);
    expect(new Set(dflt.result.states.map((x) => x.policyDefinitionAction))).toEqual(new Set(['audit']));
    // publicAccess and publicAccessAgain now share (definition, {effect: Audit}).
    expect(dflt.scanner.compiler.size).toBe(2);
  });

  it('applies policyEffect overrides by reference id and by resource location, in order', () => {
    const a = assignment('storage-baseline', MG('contoso-root'), STORAGE_INITIATIVE.id as string, {
      overrides: [
        { kind: 'policyEffect', value: 'Deny', selectors: [{ kind: 'policyDefinitionReferenceId', in: ['publicAccess', 'secureTransfer'] }] },
        { kind: 'policyEffect', value: 'Disabled', selectors: [{ kind: 'policyDefinitionReferenceId', in: ['secureTransfer'] }, { kind: 'resourceLocation', in: ['westeurope'] }] },
      ],
    });
    const { result } = setup([a]);
    const action = (ref: string, name: string) => result.states.find((s) => s.policyDefinitionReferenceId === ref && s.resourceId.endsWith(`/${name}`))?.policyDefinitionAction;
    expect(action('publicAccess', 'stapp1')).toBe('deny');
    expect(action('publicAccessAgain', 'stapp1')).toBe('audit');
    expect(action('secureTransfer', 'stapp1')).toBe('deny');
    // westeurope resources: secureTransfer overridden again to Disabled → not evaluated, no record.
    expect(action('secureTransfer', 'stapp2')).toBeUndefined();
    expect(action('secureTransfer', 'stshared')).toBeUndefined();
    expect(action('publicAccess', 'stshared')).toBe('deny');
  });

  it('attaches the non-compliance message of the reference, else the assignment-wide one', () => {
    const a = assignment('storage-baseline', MG('contoso-root'), STORAGE_INITIATIVE.id as string, {
      nonComplianceMessages: [{ message: 'Storage must follow the baseline.' }, { message: 'Disable anonymous blob access.', policyDefinitionReferenceId: 'publicAccess' }],
    });
    const { result } = setup([a]);
    const msg = (ref: string) => result.states.find((s) => s.policyDefinitionReferenceId === ref && s.complianceState === 'NonCompliant')?.nonComplianceMessage;
    expect(msg('publicAccess')).toBe('Disable anonymous blob access.');
    expect(msg('secureTransfer')).toBe('Storage must follow the baseline.');
  });
});

describe.skipIf(!hasData)('policy exemptions', () => {
  const a = assignment('storage-baseline', MG('contoso-root'), STORAGE_INITIATIVE.id as string);
  const exemption = (name: string, scope: string, props: Partial<PolicyExemption['properties']> = {}): PolicyExemption => ({
    id: `${scope}/providers/Microsoft.Authorization/policyExemptions/${name}`,
    name,
    properties: { policyAssignmentId: a.id, exemptionCategory: 'Waiver', ...props },
  });

  it('exempts every reference of the assignment below the exemption scope, keeping the evaluation', () => {
    const ex = exemption('rg-app-waiver', RG(S1, 'rg-app'));
    const { result } = setup([a], [ex]);
    expect(byResource(result.states, 'publicAccess')).toEqual({ stapp1: 'Exempt', stapp2: 'Exempt', stdata1: 'NonCompliant', stshared: 'NonCompliant', stplay: 'NonCompliant' });
    expect(byResource(result.states, 'secureTransfer')).toMatchObject({ stapp1: 'Exempt', stapp2: 'Exempt' });
    const s = result.states.find((x) => x.policyDefinitionReferenceId === 'publicAccess' && x.resourceId.endsWith('stapp1')) as PolicyStateRecord;
    expect(s.evaluatedState).toBe('NonCompliant');
    expect(s.exemptionIds).toEqual([ex.id]);
    expect(s.isCompliant).toBe(true);
    expect(s.reason).toMatch(/Waiver/);
  });

  it('narrows to policyDefinitionReferenceIds and inherits from a management group', () => {
    const ex = exemption('sandbox-public', MG('sandbox'), { policyDefinitionReferenceIds: ['publicAccess'], exemptionCategory: 'Mitigated' });
    const { result } = setup([a], [ex]);
    expect(byResource(result.states, 'publicAccess').stplay).toBe('Exempt');
    expect(byResource(result.states, 'publicAccessAgain').stplay).toBe('NonCompliant');
    expect(byResource(result.states, 'secureTransfer').stplay).toBe('NonCompliant');
    expect(byResource(result.states, 'publicAccess').stshared).toBe('NonCompliant');
  });

  it('stops applying once expiresOn lies before the evaluation time', () => {
    const expired = exemption('old', RG(S1, 'rg-app'), { expiresOn: '2026-04-30T00:00:00Z' });
    const live = exemption('current', RG(S1, 'rg-app'), { expiresOn: '2026-05-02T00:00:00Z' });
    expect(byResource(setup([a], [expired]).result.states, 'publicAccess').stapp1).toBe('NonCompliant');
    expect(byResource(setup([a], [live]).result.states, 'publicAccess').stapp1).toBe('Exempt');
  });

  it('ignores exemptions of another assignment', () => {
    const other = { ...exemption('other', RG(S1, 'rg-app')), properties: { policyAssignmentId: `${MG('contoso-root')}/providers/Microsoft.Authorization/policyAssignments/other`, exemptionCategory: 'Waiver' } };
    expect(byResource(setup([a], [other]).result.states, 'publicAccess').stapp1).toBe('NonCompliant');
  });
});

describe.skipIf(!hasData)('policy state summaries', () => {
  it('rolls up per resource, policy, group and assignment, with the compliance percentage', () => {
    const a = assignment('storage-baseline', MG('contoso-root'), STORAGE_INITIATIVE.id as string);
    const ex: PolicyExemption = {
      id: `${RG(S1, 'rg-app')}/providers/Microsoft.Authorization/policyExemptions/w`,
      properties: { policyAssignmentId: a.id, exemptionCategory: 'Waiver' },
    };
    const { result, scanner, tree } = setup([a], [ex]);
    // stapp1/stapp2 exempt everywhere; stdata1 NC (public), stshared NC (public), stplay NC (both).
    const r = result.summary.results;
    expect(r.nonCompliantResources).toBe(3);
    expect(r.resourceDetails).toEqual([
      { complianceState: 'exempt', count: 2 },
      { complianceState: 'noncompliant', count: 3 },
    ]);
    expect(r.nonCompliantPolicies).toBe(3);
    expect(r.policyDetails).toEqual([{ complianceState: 'noncompliant', count: 3 }]);
    expect(r.compliancePercentage).toBe(40);
    expect(result.summary.policyAssignments).toHaveLength(1);
    const pa = result.summary.policyAssignments[0];
    expect(pa.policySetDefinitionId).toBe(STORAGE_INITIATIVE.id);
    const st = pa.policyDefinitions.find((d) => d.policyDefinitionReferenceId === 'secureTransfer');
    expect(st?.results).toMatchObject({ nonCompliantResources: 1, resourceDetails: [{ complianceState: 'compliant', count: 2 }, { complianceState: 'exempt', count: 2 }, { complianceState: 'noncompliant', count: 1 }] });
    expect(st?.effect).toBe('audit');
    expect(pa.policyGroups.map((g) => g.policyGroupName)).toEqual(['data', 'network']);
    expect(pa.results.policyGroupDetails).toEqual([{ complianceState: 'noncompliant', count: 2 }]);

    // A scope filter: only subscription S1 → stapp1, stapp2 exempt; stdata1 non-compliant.
    const s1 = scanner.summary({ scope: `/subscriptions/${S1}` });
    expect(s1.results.totalResources).toBe(3);
    expect(s1.results.compliancePercentage).toBeCloseTo(66.67, 2);
    // A management-group scope goes through the hierarchy.
    const corp = scanner.summary({ scope: MG('corp'), hierarchy: tree });
    expect(corp.results.totalResources).toBe(3);
  });
});

describe.skipIf(!hasData)('AuditIfNotExists with the estate index', () => {
  it('finds child resources (SQL auditing settings) and re-evaluates the parent when the child changes', () => {
    const a = assignment('sql-auditing', MG('contoso-root'), SQL_AUDITING, { parameters: { setting: { value: 'enabled' } } });
    const { scanner, result } = setup([a]);
    expect(byResource(result.states)).toEqual({ sql1: 'NonCompliant', sql2: 'Compliant' });
    const child = `${RG(S1, 'rg-data')}/providers/Microsoft.Sql/servers/sql1/auditingSettings/default`;
    const changed = scanner.reevaluateResource(child, { id: child, type: 'Microsoft.Sql/servers/auditingSettings', name: 'default', properties: { state: 'Enabled' } });
    expect(changed.evaluated).toContain(`${RG(S1, 'rg-data')}/providers/Microsoft.Sql/servers/sql1`.toLowerCase());
    expect(byResource(scanner.states())).toEqual({ sql1: 'Compliant', sql2: 'Compliant' });
    scanner.reevaluateResource(child, null);
    expect(byResource(scanner.states())).toEqual({ sql1: 'NonCompliant', sql2: 'Compliant' });
  });
});

describe('scope chains', () => {
  it('agree with core isWithin for every pair of scopes in the estate', () => {
    const { rows, tree } = buildEstate();
    const chains = new ScopeChains(tree);
    const scopes = ['/', MG('contoso-root'), MG('landing-zones'), MG('corp'), MG('platform'), MG('sandbox'), `/subscriptions/${S1}`, `/subscriptions/${S2}`, `/subscriptions/${S3}`, RG(S1, 'rg-app'), RG(S1, 'RG-APP'), ST(S1, 'rg-app', 'stapp1')];
    for (const row of rows) {
      const chain = chains.chainOf(row.id);
      for (const scope of scopes) expect([row.id, scope, chain.has(scope === '/' ? '/' : scope.toLowerCase())]).toEqual([row.id, scope, isWithin(scope, row.id, tree)]);
    }
  });
});

describe.skipIf(!hasData)('evaluateEstate', () => {
  it('evaluates the real MCSB initiative on the small estate, counting what it cannot evaluate by reason', () => {
    const { rows, tree } = buildEstate();
    const sql1 = `${RG(S1, 'rg-data')}/providers/Microsoft.Sql/servers/sql1`;
    const key = '82e20e14-edc5-4373-bfc4-f13121257c37';
    const mcsb = assignment('mcsb-mg-root', MG('contoso-root'), '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8');
    const result = evaluateEstate({ resources: rows, assignments: [mcsb], definitions: definitionsFromList(loadBuiltins()), aliases: loadAliases(), hierarchy: tree, clock });
    expect(result.compileErrors).toEqual([]);
    expect(result.notEvaluated.EffectDisabled).toBeGreaterThan(0);
    expect(result.notEvaluated.AssessmentNotInEstate).toBeGreaterThan(0);
    expect(result.states.length).toBeGreaterThan(20);
    const refs = new Set(result.states.map((s) => s.policyDefinitionReferenceId));
    expect(refs.size).toBeGreaterThan(5);
    for (const s of result.states) expect(['Compliant', 'NonCompliant', 'Unknown']).toContain(s.complianceState);
    // Feeding a Defender assessment row makes that assessment key evaluate.
    const withAssessment = evaluateEstate({
      resources: [...rows, { id: `${sql1}/providers/Microsoft.Security/assessments/${key}`, type: 'Microsoft.Security/assessments', name: key, properties: { status: { code: 'Healthy' } } }],
      assignments: [mcsb],
      definitions: definitionsFromList(loadBuiltins()),
      aliases: loadAliases(),
      hierarchy: tree,
      clock,
    });
    expect(withAssessment.notEvaluated.AssessmentNotInEstate).toBeLessThan(result.notEvaluated.AssessmentNotInEstate);
    const vuln = withAssessment.states.filter((s) => s.policyDefinitionId.endsWith('feedbf84-6b99-488c-acc2-71c829aa5ffc'));
    expect(Object.fromEntries(vuln.map((s) => [s.resourceId.split('/').pop(), s.complianceState]))).toEqual({ sql1: 'Compliant', sql2: 'NonCompliant' });
    expect(result.notEvaluated.ResourceProviderMode).toBeGreaterThan(0);
  });
});
