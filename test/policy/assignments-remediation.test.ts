import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import {
  PolicyScanner,
  applyAppend,
  applyModify,
  createRemediation,
  definitionsFromList,
  denyWhatIf,
  type ArmResource,
  type PolicyAssignment,
  type PolicyExemption,
} from '../../src/policy/index.js';
import { CSPM_DINE, MG, PUBLIC_ACCESS, RG, S1, S2, S3, ST, assignment, buildEstate, hasData, loadAliases, loadBuiltins, storage } from './cases/assignments/fixture.js';

const clock = fixedClock('2026-05-01T12:00:00Z');
const CUSTOM = `${MG('contoso-root')}/providers/Microsoft.Authorization/policyDefinitions`;

const ADD_ENV_TAG = {
  id: `${CUSTOM}/add-env-tag`,
  name: 'add-env-tag',
  properties: {
    mode: 'Indexed',
    displayName: 'Add an env tag when missing',
    parameters: { tagValue: { type: 'String', defaultValue: 'untagged' } },
    policyRule: {
      if: { allOf: [{ field: 'type', equals: 'Microsoft.Storage/storageAccounts' }, { field: "tags['env']", exists: false }] },
      then: {
        effect: 'modify',
        details: {
          roleDefinitionIds: ['/providers/microsoft.authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c'],
          operations: [{ operation: 'addOrReplace', field: "tags['env']", value: "[parameters('tagValue')]" }],
        },
      },
    },
  },
};

const DISALLOW_PUBLIC_MODIFY = {
  id: `${CUSTOM}/disallow-public-modify`,
  name: 'disallow-public-modify',
  properties: {
    mode: 'Indexed',
    displayName: 'Configure storage accounts to disallow public blob access',
    policyRule: {
      if: { allOf: [{ field: 'type', equals: 'Microsoft.Storage/storageAccounts' }, { not: { field: 'Microsoft.Storage/storageAccounts/allowBlobPublicAccess', equals: 'false' } }] },
      then: {
        effect: 'Modify',
        details: {
          roleDefinitionIds: ['/providers/microsoft.authorization/roleDefinitions/17d1049b-9a84-46fb-8f53-869881c3d3ab'],
          conflictEffect: 'audit',
          operations: [
            { condition: "[greaterOrEquals(requestContext().apiVersion, '2019-04-01')]", operation: 'addOrReplace', field: 'Microsoft.Storage/storageAccounts/allowBlobPublicAccess', value: false },
            { condition: "[less(requestContext().apiVersion, '2019-04-01')]", operation: 'addOrReplace', field: "tags['never']", value: 'applied' },
          ],
        },
      },
    },
  },
};

const APPEND_IP_RULE = {
  id: `${CUSTOM}/append-office-ip`,
  name: 'append-office-ip',
  properties: {
    mode: 'Indexed',
    policyRule: {
      if: {
        allOf: [
          { field: 'type', equals: 'Microsoft.Storage/storageAccounts' },
          { count: { field: 'Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]', where: { field: 'Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value', equals: '40.40.40.40' } }, equals: 0 },
        ],
      },
      then: { effect: 'append', details: [{ field: 'Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]', value: { value: '40.40.40.40', action: 'Allow' } }] },
    },
  },
};

function setup(assignments: PolicyAssignment[], exemptions: PolicyExemption[] = [], resources?: ArmResource[]) {
  const { rows, tree } = buildEstate();
  return new PolicyScanner({
    resources: resources ?? rows,
    assignments,
    exemptions,
    definitions: definitionsFromList([...loadBuiltins(), ADD_ENV_TAG, DISALLOW_PUBLIC_MODIFY, APPEND_IP_RULE]),
    aliases: loadAliases(),
    hierarchy: tree,
    clock,
  });
}

const states = (scanner: PolicyScanner, assignmentName: string) =>
  Object.fromEntries(scanner.states().filter((s) => s.policyAssignmentName === assignmentName).map((s) => [s.resourceId.split('/').pop(), s.complianceState]));

describe.skipIf(!hasData)('remediation', () => {
  it('DeployIfNotExists: the real "Configure Microsoft Defender CSPM to be enabled" turns Free / missing CloudPosture to Standard', () => {
    const a = assignment('enable-cspm-mg', MG('contoso-root'), CSPM_DINE, { location: undefined } as Partial<PolicyAssignment['properties']>);
    const scanner = setup([a]);
    scanner.scan();
    expect(states(scanner, 'enable-cspm-mg')).toEqual({ [S1]: 'NonCompliant', [S2]: 'Compliant', [S3]: 'NonCompliant' });
    const nc = scanner.states().find((s) => s.subscriptionId === S3) ;
    expect(nc?.policyDefinitionAction).toBe('deployifnotexists');
    expect(nc?.reason).toMatch(/no related 'Microsoft.Security\/pricings'/);

    const { remediation, changes, statesAfter } = createRemediation(scanner, { name: 'enable-cspm', policyAssignmentId: 'enable-cspm-mg' });
    expect(remediation).toMatchObject({
      id: `${MG('contoso-root')}/providers/Microsoft.PolicyInsights/remediations/enable-cspm`,
      name: 'enable-cspm',
      type: 'Microsoft.PolicyInsights/remediations',
      properties: {
        policyAssignmentId: a.id,
        policyDefinitionReferenceId: '',
        resourceDiscoveryMode: 'ExistingNonCompliant',
        provisioningState: 'Succeeded',
        createdOn: '2026-05-01T12:00:00.000Z',
        deploymentStatus: { totalDeployments: 2, successfulDeployments: 2, failedDeployments: 0 },
      },
    });
    const s3 = changes.find((c) => c.resourceId === `/subscriptions/${S3}`);
    expect(s3?.deployment).toMatchObject({ scope: `/subscriptions/${S3}`, location: 'westeurope', properties: { mode: 'incremental', parameters: {} } });
    expect(s3?.deployment?.properties.template).toMatchObject({ resources: [{ type: 'Microsoft.Security/pricings', name: 'CloudPosture' }] });
    expect(s3?.deployedResources).toEqual([
      {
        id: `/subscriptions/${S3}/providers/Microsoft.Security/pricings/CloudPosture`,
        type: 'Microsoft.Security/pricings',
        name: 'CloudPosture',
        subscriptionId: S3,
        properties: { pricingTier: 'Standard' },
        apiVersion: '2023-01-01',
      },
    ]);
    expect(statesAfter.map((s) => s.complianceState)).toEqual(['Compliant', 'Compliant']);
    expect(states(scanner, 'enable-cspm-mg')).toEqual({ [S1]: 'Compliant', [S2]: 'Compliant', [S3]: 'Compliant' });
    expect(scanner.index.get(`/subscriptions/${S1}/providers/Microsoft.Security/pricings/CloudPosture`)?.properties).toEqual({ pricingTier: 'Standard' });

    // The estate after remediation scans the same from scratch.
    const fresh = setup([a], [], [...scanner.index.resources()]);
    expect(fresh.scan().states).toEqual(scanner.states());
  });

  it('Modify: tags and aliases, with operation conditions; the resources then evaluate compliant', () => {
    const tag = assignment('add-env-tag', RG(S1, 'rg-app'), ADD_ENV_TAG.id, { parameters: { tagValue: { value: 'dev' } } });
    const pub = assignment('disallow-public', MG('contoso-root'), DISALLOW_PUBLIC_MODIFY.id);
    const audit = assignment('audit-public', MG('contoso-root'), PUBLIC_ACCESS);
    const scanner = setup([tag, pub, audit]);
    scanner.scan();
    expect(states(scanner, 'add-env-tag')).toEqual({ stapp1: 'NonCompliant', stapp2: 'Compliant' });
    const r1 = createRemediation(scanner, { name: 'tag', policyAssignmentId: tag.id });
    expect(r1.changes).toHaveLength(1);
    expect(r1.changes[0].after?.tags).toEqual({ env: 'dev' });
    expect(r1.changes[0].before?.tags).toEqual({});
    expect(states(scanner, 'add-env-tag')).toEqual({ stapp1: 'Compliant', stapp2: 'Compliant' });

    expect(states(scanner, 'audit-public')).toEqual({ stapp1: 'NonCompliant', stapp2: 'Compliant', stdata1: 'NonCompliant', stshared: 'NonCompliant', stplay: 'NonCompliant' });
    const r2 = createRemediation(scanner, { name: 'public', policyAssignmentId: 'disallow-public', scope: `/subscriptions/${S1}` });
    expect(r2.remediation.properties.deploymentStatus).toEqual({ totalDeployments: 2, successfulDeployments: 2, failedDeployments: 0 });
    const after = r2.changes.find((c) => c.resourceId === ST(S1, 'rg-data', 'stdata1'))?.after;
    expect(after?.properties).toMatchObject({ allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true });
    expect(after?.tags).toEqual({}); // the second operation's condition is false
    // Only S1 was in the remediation scope; the real built-in now finds S1 compliant.
    expect(states(scanner, 'audit-public')).toEqual({ stapp1: 'Compliant', stapp2: 'Compliant', stdata1: 'Compliant', stshared: 'NonCompliant', stplay: 'NonCompliant' });
  });

  it('Append: [*] appends to the array (creating it); a plain alias with another value conflicts', () => {
    const a = assignment('office-ip', `/subscriptions/${S2}`, APPEND_IP_RULE.id);
    const scanner = setup([a]);
    scanner.scan();
    expect(states(scanner, 'office-ip')).toEqual({ stshared: 'NonCompliant' });
    const r = createRemediation(scanner, { name: 'ip', policyAssignmentId: a.id, resourceDiscoveryMode: 'ReEvaluateCompliance' });
    expect(r.remediation.properties.resourceDiscoveryMode).toBe('ReEvaluateCompliance');
    expect((r.changes[0].after?.properties as Record<string, unknown>).networkAcls).toEqual({ ipRules: [{ value: '40.40.40.40', action: 'Allow' }] });
    expect(states(scanner, 'office-ip')).toEqual({ stshared: 'Compliant' });

    const aliases = loadAliases();
    const st = storage(S1, 'rg', 'x', 'eastus', { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '1.1.1.1', action: 'Allow' }] } });
    const appended = applyAppend(st, [{ field: 'Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]', value: [{ value: '2.2.2.2' }, { value: '3.3.3.3' }] }], aliases);
    expect((appended.properties as { networkAcls: { ipRules: unknown[] } }).networkAcls.ipRules).toEqual([{ value: '1.1.1.1', action: 'Allow' }, { value: '2.2.2.2' }, { value: '3.3.3.3' }]);
    const members = applyAppend(st, [{ field: 'Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].action', value: 'Allow' }], aliases);
    expect(members).toEqual(st);
    expect(applyAppend(st, [{ field: 'Microsoft.Storage/storageAccounts/minimumTlsVersion', value: 'TLS1_2' }], aliases)).toEqual(st);
    expect(() => applyAppend(st, [{ field: 'Microsoft.Storage/storageAccounts/minimumTlsVersion', value: 'TLS1_0' }], aliases)).toThrow(/different value/);
    const removed = applyModify(storage(S1, 'rg', 'x', 'eastus', {}, { env: 'a', keep: 'b' }), [{ operation: 'remove', field: 'tags.env' }, { operation: 'add', field: "tags['keep']", value: 'c' }, { operation: 'add', field: 'tags.new', value: 'n' }]);
    expect(removed.tags).toEqual({ keep: 'b', new: 'n' });
  });

  it('requires a reference id for an initiative and names unknown assignments', () => {
    const scanner = setup([assignment('mcsb', MG('contoso-root'), '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8')]);
    scanner.scan();
    expect(() => createRemediation(scanner, { name: 'x', policyAssignmentId: 'mcsb' })).toThrow(/definition-reference-id/);
    expect(() => createRemediation(scanner, { name: 'x', policyAssignmentId: 'nope' })).toThrow(/not known/);
  });
});

describe.skipIf(!hasData)('conflicting Modify assignments', () => {
  it('marks both states Conflicting when two assignments set the same tag differently', () => {
    const a = assignment('tag-dev', `/subscriptions/${S1}`, ADD_ENV_TAG.id, { parameters: { tagValue: { value: 'dev' } } });
    const b = assignment('tag-prod', MG('contoso-root'), ADD_ENV_TAG.id, { parameters: { tagValue: { value: 'prod' } } });
    const scanner = setup([a, b]);
    const result = scanner.scan();
    const stapp1 = result.states.filter((s) => s.resourceId === ST(S1, 'rg-app', 'stapp1'));
    expect(stapp1.map((s) => s.complianceState)).toEqual(['Conflicting', 'Conflicting']);
    // Outside S1 only tag-prod applies: no conflict.
    expect(result.states.find((s) => s.resourceId.endsWith('stplay'))?.complianceState).toBe('NonCompliant');
    expect(result.summary.results.resourceDetails).toContainEqual({ complianceState: 'conflicting', count: 2 });
  });
});

describe.skipIf(!hasData)('Deny what-if', () => {
  it('lists the resources an Audit assignment would deny, grouped by resource group, with exemption commands', () => {
    const a = assignment('storage-public', MG('contoso-root'), PUBLIC_ACCESS);
    const scanner = setup([a]);
    scanner.scan();
    const w = denyWhatIf(scanner, { assignment: 'storage-public' });
    expect(w.effect).toBe('Deny');
    expect(w.totalResources).toBe(4);
    expect(w.groups.map((g) => [g.scope, g.resources.map((r) => r.resourceId.split('/').pop())])).toEqual([
      [RG(S1, 'rg-app'), ['stapp1']],
      [RG(S1, 'rg-data'), ['stdata1']],
      [RG(S2, 'rg-shared'), ['stshared']],
      [RG(S3, 'rg-play'), ['stplay']],
    ]);
    expect(w.groups[0].proposedExemption.command).toBe(
      `az policy exemption create --name storage-public-waiver-rg-app --policy-assignment ${a.id} --exemption-category Waiver --scope ${RG(S1, 'rg-app')}`,
    );
    // The original assignment is untouched (still Audit).
    expect(new Set(scanner.states().map((s) => s.policyDefinitionAction))).toEqual(new Set(['audit']));

    // The user marks rg-play legitimate: with the proposed exemption, the what-if drops that group.
    const exemption = w.groups[3].proposedExemption.exemption;
    scanner.rescan([exemption]);
    const w2 = denyWhatIf(scanner, { assignment: a.id });
    expect(w2.groups.map((g) => g.scope)).toEqual([RG(S1, 'rg-app'), RG(S1, 'rg-data'), RG(S2, 'rg-shared')]);
    expect(w2.exempt.map((r) => r.resourceId.split('/').pop())).toEqual(['stplay']);
  });

  it('skips initiative references whose effect cannot be Deny and groups subscription-level resources by subscription', () => {
    const mcsb = assignment('mcsb', MG('contoso-root'), '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8');
    const scanner = setup([mcsb]);
    scanner.scan();
    const w = denyWhatIf(scanner, { assignment: 'mcsb' });
    expect(w.referencesSkipped.length).toBeGreaterThan(100);
    for (const g of w.groups) {
      expect(g.proposedExemption.command).toMatch(/--policy-definition-reference-ids /);
      expect(g.proposedExemption.exemption.properties.policyDefinitionReferenceIds?.length).toBeGreaterThan(0);
    }
    expect(w.groups.some((g) => g.resources.some((r) => r.resourceId.endsWith('stapp1')))).toBe(true);
  });
});
