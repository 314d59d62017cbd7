/**
 * The seed article's `az policy ...` commands, run verbatim as `palisade policy ...` against a generated sample estate
 * (10 subscriptions, 2,000 resources) in a real SQLite store, each checked by `policy state list|summarize` before and
 * after; coded errors; what-if grouping; policy tests.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { golden } from './golden.js';
import { runCli } from './helpers.js';
import { cliWorkspace, importSample } from './workspace.js';
import { REGORUS_CORPUS } from '../shared-data.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CORPUS = REGORUS_CORPUS;
const NOW = '2026-09-01T00:00:00Z';
const ROOT_MG = '/providers/Microsoft.Management/managementGroups/contoso-root';
const MCSB = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
const STORAGE_PUBLIC = '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';
const CSPM_DINE = '/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd';

interface Scenario {
  scannerSubscriptionIds: string[];
  scannerResourceGroup: string;
  nakedSubscriptionIds: string[];
  restrictedRegion: string;
  denyAssignmentId: string;
}

const workspace = cliWorkspace('palisade-policy-cmds-', { PALISADE_NOW: NOW });
const { dir, cli, json } = workspace;
let scenario: Scenario;

/** resource id → complianceState for one assignment. */
async function statesOf(assignment: string): Promise<Record<string, string>> {
  const list = await json<Array<{ resourceId: string; complianceState: string }>>('policy', 'state', 'list', '--policy-assignment', assignment);
  return Object.fromEntries(list.map((s) => [s.resourceId.toLowerCase(), s.complianceState]));
}

async function resourceCounts(assignment: string): Promise<Record<string, number>> {
  const s = await json<{ results: { resourceDetails: Array<{ complianceState: string; count: number }> } }>('policy', 'state', 'summarize', '--policy-assignment', assignment);
  return Object.fromEntries(s.results.resourceDetails.map((d) => [d.complianceState, d.count]));
}

beforeAll(async () => {
  scenario = (await importSample<{ scenario: Scenario }>(workspace, 10, 2000)).scenario;
}, 60_000);

describe("the seed's policy commands, as palisade", () => {
  it('assigns the MCSB initiative at contoso-root with a system-assigned identity (an upsert of the sample assignment)', async () => {
    const before = await resourceCounts('mcsb-mg-root');
    expect(before.noncompliant).toBeGreaterThan(0);
    const r = await cli('policy', 'assignment', 'create', '--name', 'mcsb-mg-root', '--display-name', 'Microsoft cloud security benchmark', '--policy-set-definition', MCSB, '--scope', ROOT_MG, '--location', 'eastus', '--mi-system-assigned');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(Object.keys(a).sort()).toEqual(['displayName', 'enforcementMode', 'id', 'identity', 'location', 'metadata', 'name', 'notScopes', 'parameters', 'policyDefinitionId', 'scope', 'systemData', 'type']);
    expect(a).toMatchObject({ id: `${ROOT_MG}/providers/Microsoft.Authorization/policyAssignments/mcsb-mg-root`, type: 'Microsoft.Authorization/policyAssignments', location: 'eastus', policyDefinitionId: MCSB, scope: ROOT_MG, enforcementMode: 'Default' });
    expect(a.identity.type).toBe('SystemAssigned');
    expect(a.identity.principalId).toMatch(/^[0-9a-f-]{36}$/);
    // PUT kept the creation time of the sample's assignment and stamped the update
    expect(a.metadata.updatedOn).toBe('2026-09-01T00:00:00.000Z');
    expect(await resourceCounts('mcsb-mg-root')).toEqual(before);
    // the article's verification step 3
    const verify = await cli('policy', 'assignment', 'list', '--scope', ROOT_MG, '--query', "[?displayName=='Microsoft cloud security benchmark'].name", '-o', 'tsv');
    expect(verify.stdout).toBe('mcsb-mg-root\n');
  });

  it('the Deny assignment with --params reports what the Audit assignment of the same definition reports, as Deny', async () => {
    const missing = await cli('policy', 'state', 'list', '--policy-assignment', 'deny-storage-public');
    expect(missing.code).toBe(3);
    const r = await cli('policy', 'assignment', 'create', '--name', 'deny-storage-public', '--policy', STORAGE_PUBLIC, '--scope', ROOT_MG, '--params', '{ "effect": { "value": "Deny" } }');
    expect(r.code).toBe(0);
    golden('policy-assignment-create-deny.json', r.stdout);
    const deny = await json<any[]>('policy', 'state', 'list', '--policy-assignment', 'deny-storage-public', '--filter', "complianceState eq 'NonCompliant'");
    expect(deny.length).toBeGreaterThan(0);
    expect(new Set(deny.map((s) => s.policyDefinitionAction))).toEqual(new Set(['deny']));
    const audit = await json<any[]>('policy', 'state', 'list', '--policy-assignment', 'audit-storage-public', '--filter', "evaluatedState eq 'NonCompliant'");
    expect(deny.map((s) => s.resourceId).sort()).toEqual(audit.map((s) => s.resourceId).sort());
    const counts = await resourceCounts('deny-storage-public');
    expect(counts.noncompliant).toBe(deny.length);
  });

  it("the exemption carves the scanner's resource group out of the snapshot deny (resolving the assignment by name)", async () => {
    const sub = scenario.scannerSubscriptionIds[0];
    const rg = `/subscriptions/${sub}/resourceGroups/${scenario.scannerResourceGroup}`;
    // the scanner's snapshot disk, as Defender's agentless scanner creates it in the restricted region
    const snapshot = `${rg}/providers/Microsoft.Compute/snapshots/scan-snapshot-1`;
    const file = join(dir, 'resources.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: snapshot, name: 'scan-snapshot-1', type: 'microsoft.compute/snapshots', subscriptionId: sub, resourceGroup: scenario.scannerResourceGroup.toLowerCase(), location: scenario.restrictedRegion, properties: { creationData: { createOption: 'Copy' } } })}\n`);
    expect((await cli('estate', 'import', '--from', file, '-o', 'none')).code).toBe(0);
    expect((await statesOf('deny-snapshots-restricted-region'))[snapshot.toLowerCase()]).toBe('NonCompliant');

    const r = await cli('policy', 'exemption', 'create', '--name', 'allow-defender-scanner-snapshots', '--policy-assignment', 'deny-snapshots-restricted-region', '--exemption-category', 'Mitigated', '--scope', rg);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({ name: 'allow-defender-scanner-snapshots', type: 'Microsoft.Authorization/policyExemptions', exemptionCategory: 'Mitigated', policyAssignmentId: scenario.denyAssignmentId, policyDefinitionReferenceIds: [] });
    const after = await json<any[]>('policy', 'state', 'list', '--resource', snapshot);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ complianceState: 'Exempt', evaluatedState: 'NonCompliant', isCompliant: true, exemptionIds: [e.id] });
    expect((await resourceCounts('deny-snapshots-restricted-region')).exempt).toBe(1);
    // list at the scope, show, and the expiry format az prints
    expect((await json<any[]>('policy', 'exemption', 'list', '--scope', rg)).map((x) => x.name)).toEqual(['allow-defender-scanner-snapshots']);
    const dated = await json('policy', 'exemption', 'create', '-n', 'dated', '-a', 'deny-snapshots-restricted-region', '-e', 'Waiver', '--scope', rg, '--expires-on', '2027-01-31T00:00:00Z');
    expect(dated.expiresOn).toBe('2027-01-31T00:00:00+00:00');
    expect((await cli('policy', 'exemption', 'delete', '-n', 'dated', '--scope', rg)).code).toBe(0);
    expect((await cli('policy', 'exemption', 'show', '-n', 'dated', '--scope', rg)).code).toBe(3);
  });

  it('the CSPM DINE assignment finds the naked subscriptions; a remediation turns their CloudPosture plans Standard', async () => {
    const r = await cli('policy', 'assignment', 'create', '--name', 'enable-cspm-mg', '--policy', CSPM_DINE, '--scope', ROOT_MG, '--location', 'eastus', '--mi-system-assigned');
    expect(r.code).toBe(0);
    const before = await statesOf('enable-cspm-mg');
    const nonCompliant = Object.entries(before).filter(([, s]) => s === 'NonCompliant').map(([id]) => id).sort();
    expect(nonCompliant).toEqual(scenario.nakedSubscriptionIds.map((s) => `/subscriptions/${s}`).sort());
    golden('policy-state-summarize-cspm.json', (await cli('policy', 'state', 'summarize', '--policy-assignment', 'enable-cspm-mg', '--query', '{results: results, policyAssignments: policyAssignments[].{id: policyAssignmentId, results: results}}')).stdout);

    const rem = await cli('policy', 'remediation', 'create', '--name', 'enable-cspm', '--policy-assignment', 'enable-cspm-mg', '--resource-discovery-mode', 'ReEvaluateCompliance');
    expect(rem.stderr).toBe('');
    expect(rem.code).toBe(0);
    expect(JSON.parse(rem.stdout)).toMatchObject({
      name: 'enable-cspm',
      type: 'Microsoft.PolicyInsights/remediations',
      provisioningState: 'Succeeded',
      resourceDiscoveryMode: 'ReEvaluateCompliance',
      deploymentStatus: { totalDeployments: nonCompliant.length, successfulDeployments: nonCompliant.length, failedDeployments: 0 },
    });
    const after = await statesOf('enable-cspm-mg');
    expect(Object.values(after).every((s) => s === 'Compliant')).toBe(true);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const sub of scenario.nakedSubscriptionIds) {
      const p = await json('resource', 'show', '--ids', `/subscriptions/${sub}/providers/Microsoft.Security/pricings/CloudPosture`);
      expect(p.properties.pricingTier).toBe('Standard');
    }
    expect((await json<any[]>('policy', 'remediation', 'list')).map((x) => x.name)).toEqual(['enable-cspm']);
    expect((await json('policy', 'remediation', 'show', '-n', 'enable-cspm')).resourceCount).toBe(nonCompliant.length);
    const deployments = await json<any[]>('policy', 'remediation', 'deployment', 'list', '-n', 'enable-cspm');
    expect(deployments.map((d) => d.remediatedResourceId.toLowerCase()).sort()).toEqual(nonCompliant);
    expect(deployments[0].deployment.properties.template.resources[0]).toMatchObject({ type: 'Microsoft.Security/pricings', name: 'CloudPosture', properties: { pricingTier: 'Standard' } });
  });

  it("the seed's MCSB remediation fails as Azure would: the initiative has no 'deployDiagnosticSettings' reference", async () => {
    const r = await cli('policy', 'remediation', 'create', '--name', 'remediate-diag-settings', '--policy-assignment', 'mcsb-mg-root', '--definition-reference-id', 'deployDiagnosticSettings', '--resource-discovery-mode', 'ReEvaluateCompliance');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ERROR: (PolicyDefinitionReferenceNotFound) The policy definition reference 'deployDiagnosticSettings' does not exist");
    expect(r.stderr).toContain('References that can be remediated (DeployIfNotExists, Modify, Append): none');
    const audit = await cli('policy', 'remediation', 'create', '--name', 'x', '--policy-assignment', 'audit-storage-public');
    expect(audit.code).toBe(1);
    expect(audit.stderr).toContain('(InvalidCreateRemediationRequest)');
  });
});

describe('coded errors', () => {
  const deny = ['policy', 'assignment', 'create', '--name', 'bad', '--policy', STORAGE_PUBLIC, '--scope', ROOT_MG];

  it('a value outside allowedValues lists the valid values', async () => {
    const r = await cli(...deny, '--params', '{ "effect": { "value": "Block" } }');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ERROR: (InvalidPolicyParameters) The policy assignment 'bad' has invalid parameters: parameter 'effect' value Block is not allowed; allowed values: audit, Audit, deny, Deny, disabled, Disabled.");
  });

  it('a value of the wrong type, an unknown parameter', async () => {
    const wrongType = await cli(...deny, '--params', '{ "effect": { "value": 5 } }');
    expect(wrongType.code).toBe(1);
    expect(wrongType.stderr).toContain("(InvalidPolicyParameters) The policy assignment 'bad' has invalid parameters: parameter 'effect' expects a value of type 'string', got 5");
    const unknown = await cli(...deny, '--params', '{ "efect": { "value": "Deny" } }');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("(UndefinedPolicyParameter) The policy assignment 'bad' has the parameter(s) 'efect' which are not defined in the policy definition '4fa4b6c0-31ca-4c0d-b10d-24b96f62a751'. Valid parameters: effect (string: audit | Audit | deny | Deny | disabled | Disabled).");
  });

  it('unknown definition, unknown assignment, missing assignment', async () => {
    const def = await cli('policy', 'assignment', 'create', '--name', 'x', '--policy', 'no-such-policy', '--scope', ROOT_MG);
    expect(def.code).toBe(3);
    expect(def.stderr).toContain("ERROR: (PolicyDefinitionNotFound) The policy definition 'no-such-policy' could not be found.");
    const ex = await cli('policy', 'exemption', 'create', '--name', 'x', '--policy-assignment', 'no-such-assignment', '--exemption-category', 'Waiver', '--scope', ROOT_MG);
    expect(ex.code).toBe(3);
    expect(ex.stderr).toContain("ERROR: (PolicyAssignmentNotFound) The policy assignment 'no-such-assignment' is not found at or above scope");
    const show = await cli('policy', 'assignment', 'show', '--name', 'no-such-assignment');
    expect(show.code).toBe(3);
    expect(show.stderr).toContain("(PolicyAssignmentNotFound) The policy assignment 'no-such-assignment' is not found.");
  });

  it('identity rules: DINE needs an identity, an identity needs a location; --policy xor --policy-set-definition', async () => {
    const dine = await cli('policy', 'assignment', 'create', '--name', 'cspm-no-mi', '--policy', CSPM_DINE, '--scope', ROOT_MG);
    expect(dine.code).toBe(1);
    expect(dine.stderr).toContain("(InvalidCreatePolicyAssignmentRequest) The policy assignment 'cspm-no-mi' request is invalid. Policy assignments must include a 'managed identity'");
    const noLocation = await cli('policy', 'assignment', 'create', '--name', 'x', '--policy', CSPM_DINE, '--scope', ROOT_MG, '--mi-system-assigned');
    expect(noLocation.code).toBe(2);
    const both = await cli('policy', 'assignment', 'create', '--name', 'x', '--policy', CSPM_DINE, '--policy-set-definition', MCSB, '--scope', ROOT_MG);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('usage error: --policy NAME_OR_ID | --policy-set-definition NAME_OR_ID');
  });

  it('an assignment name that two scopes above the exemption use is ambiguous; delete removes an assignment', async () => {
    const sub = scenario.scannerSubscriptionIds[0];
    const mine = await cli('policy', 'assignment', 'create', '--name', 'deny-snapshots-restricted-region', '--policy', STORAGE_PUBLIC, '--scope', `/subscriptions/${sub}`);
    expect(mine.code).toBe(0);
    const r = await cli('policy', 'exemption', 'create', '--name', 'x', '--policy-assignment', 'deny-snapshots-restricted-region', '--exemption-category', 'Waiver', '--scope', `/subscriptions/${sub}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("(AmbiguousPolicyAssignment) 2 policy assignments named 'deny-snapshots-restricted-region' apply");
    expect((await cli('policy', 'assignment', 'delete', '--name', 'deny-snapshots-restricted-region', '--scope', `/subscriptions/${sub}`)).code).toBe(0);
    expect((await cli('policy', 'assignment', 'show', '--name', 'deny-snapshots-restricted-region', '--scope', `/subscriptions/${sub}`)).code).toBe(3);
    expect((await json<any[]>('policy', 'assignment', 'list', '--scope', `/subscriptions/${sub}`))).toEqual([]);
    // inherited assignments show with -d
    const inherited = await json<any[]>('policy', 'assignment', 'list', '--scope', `/subscriptions/${sub}`, '-d');
    expect(inherited.map((a) => a.name)).toContain('mcsb-mg-root');
  });

  it('a bad --filter is an argument error', async () => {
    const r = await cli('policy', 'state', 'list', '--filter', "complianceState eq");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(InvalidFilter)');
  });
});

describe('policy what-if', () => {
  it('groups the resources Deny would block by resource group, each with a runnable exemption command', async () => {
    const w = await json('policy', 'what-if', '--assignment', 'audit-storage-public', '--effect', 'Deny');
    const audit = await json<any[]>('policy', 'state', 'list', '--policy-assignment', 'audit-storage-public', '--filter', "complianceState eq 'NonCompliant'");
    expect(w.totalResources).toBe(audit.length);
    expect(w.groups.length).toBeGreaterThan(1);
    for (const g of w.groups) {
      expect(g.scopeKind).toBe('resourceGroup');
      for (const r of g.resources) expect(r.resourceId.toLowerCase().startsWith(`${g.scope.toLowerCase()}/`)).toBe(true);
      expect(g.proposedExemption.command).toMatch(/^palisade policy exemption create --name \S+ --policy-assignment \S+ --exemption-category Waiver --scope \S+$/);
    }
    // a user marks the first group legitimate: run the proposed command; its resources move to `exempt`
    const first = w.groups[0];
    const args = first.proposedExemption.command.split(' ').slice(1);
    expect((await cli(...args)).code).toBe(0);
    const again = await json('policy', 'what-if', '--assignment', 'audit-storage-public', '--effect', 'Deny');
    expect(again.groups.map((g: any) => g.scope)).not.toContain(first.scope);
    expect(again.totalResources).toBe(w.totalResources - first.resources.length);
    expect(again.exempt.map((r: any) => r.resourceId)).toEqual(expect.arrayContaining(first.resources.map((r: any) => r.resourceId)));
  });
});

describe('policy state', () => {
  it('--filter, --top, --select', async () => {
    const nc = await json<any[]>('policy', 'state', 'list', '--filter', "complianceState eq 'NonCompliant' and policyAssignmentName eq 'mcsb-mg-root'", '--top', '5', '--select', 'resourceId,complianceState,policyDefinitionReferenceId');
    expect(nc).toHaveLength(5);
    for (const s of nc) expect(Object.keys(s).sort()).toEqual(['complianceState', 'policyDefinitionReferenceId', 'resourceId']);
    expect(new Set(nc.map((s) => s.complianceState))).toEqual(new Set(['NonCompliant']));
  });

  it('summarize reports the not-evaluated references by reason', async () => {
    const s = await json('policy', 'state', 'summarize', '--management-group', 'contoso-root', '--top', '2');
    expect(s.policyAssignments).toHaveLength(2);
    expect(s.policyAssignments[0].results.nonCompliantResources).toBeGreaterThanOrEqual(s.policyAssignments[1].results.nonCompliantResources);
    expect(Object.keys(s.notEvaluated)).toEqual(expect.arrayContaining(['ResourceProviderMode']));
  });
});

describe('policy test', () => {
  it('runs the example files', async () => {
    const r = await runCli(['policy', 'test', join(ROOT, 'examples', 'policy-tests')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('7 passed, 0 failed, 0 skipped\n');
  });

  it('prints failures with note and difference and exits 1; -o json gives the report', async () => {
    const file = join(dir, 'failing.yaml');
    writeFileSync(file, `cases:\n- note: wrong_expectation\n  resource: {type: Microsoft.Storage/storageAccounts, name: st, id: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st}\n  policy_rule: '{"if": {"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, "then": {"effect": "audit"}}'\n  want_effect: deny\n`);
    const r = await runCli(['policy', 'test', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`FAIL ${file} :: wrong_expectation\n  expected effect 'deny', got effect=audit state=NonCompliant\n0 passed, 1 failed, 0 skipped\n`);
    expect(r.stderr).toContain('(PolicyTestsFailed)');
    const j = await runCli(['policy', 'test', file, '-o', 'json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ passed: 0, failed: 1, skipped: 0, failures: [{ note: 'wrong_expectation' }] });
  });

  it.skipIf(!existsSync(CORPUS))('the regorus corpus passes with the documented skips and exits 0', async () => {
    const r = await runCli(['policy', 'test', CORPUS]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').pop()).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/);
  }, 60_000);
});
