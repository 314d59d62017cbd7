/**
 * The seed article's `az rest` commands, run by the Debian `azure-cli` package against `palisade serve` over a
 * sample store: the article's URLs with management.azure.com swapped for the server, its `--query` expressions, and
 * a bearer token passed as a header (`--skip-authorization-header`, so no `az login`). The numbers equal what the
 * CLI prints for the same store. `.ci/run` installs azure-cli when it is missing; without `az` this file says SKIP.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jmespath from 'jmespath';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/api/index.js';
import { cliJson, ownerServer, type Manifest } from './helpers.js';

const run = promisify(execFile);
const AZ = ['/usr/bin/az', '/usr/local/bin/az'].find((p) => existsSync(p));
if (!AZ) console.log('SKIP az rest tests: azure-cli is not installed (apt-get install azure-cli; .ci/run does it)');

let server: RunningServer;
let store: string;
let manifest: Manifest;
let sub: string;
let token: string;
const config = mkdtempSync(join(tmpdir(), 'palisade-az-'));

async function az(args: string[]): Promise<string> {
  const { stdout } = await run(AZ!, args, {
    env: { ...process.env, AZURE_CONFIG_DIR: config, AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_NO_COLOR: 'true', AZURE_CORE_ONLY_SHOW_ERRORS: 'true' },
    timeout: 120_000,
  });
  return stdout;
}

async function rest(method: string, path: string, query: string, output = 'json', body?: string): Promise<string> {
  const args = ['rest', '--method', method, '--url', `${server.url}${path}`, '--skip-authorization-header', '--headers', `Authorization=Bearer ${token}`, '--query', query, '-o', output];
  if (body) args.push('--body', body);
  return az(args);
}

describe.skipIf(!AZ)('the article’s az rest commands against palisade serve', () => {
  beforeAll(async () => {
    ({ store, manifest, sub, server, token } = await ownerServer('palisade-az-rest-'));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it('secureScores/ascScore --query "properties.score" (section 3)', async () => {
    const score = JSON.parse(await rest('get', `/subscriptions/${sub}/providers/Microsoft.Security/secureScores/ascScore?api-version=2020-01-01`, 'properties.score'));
    const cli = (await cliJson(store, 'security', 'secure-score', 'show', '--subscription', sub)) as { properties: { score: unknown } };
    expect(score).toEqual(cli.properties.score);
    const pct = JSON.parse(await rest('get', `/subscriptions/${sub}/providers/Microsoft.Security/secureScores/ascScore?api-version=2020-01-01`, 'properties.score.percentage'));
    expect(pct).toBe((cli.properties.score as { percentage: number }).percentage);
  }, 180_000);

  it('secureScoreControls with $expand=definition and the article’s sort_by query (section 3)', async () => {
    const query = 'sort_by(value[].{control:properties.displayName, current:properties.score.current, max:properties.score.max, gap:properties.score.max}[?max>`0`], &gap)';
    const got = JSON.parse(await rest('get', `/subscriptions/${sub}/providers/Microsoft.Security/secureScores/ascScore/secureScoreControls?api-version=2020-01-01&$expand=definition`, query));
    const cli = await cliJson(store, 'security', 'secure-score-controls', 'list', '--expand', 'definition', '--subscription', sub);
    expect(got).toEqual(jmespath.search(cli, query));
    expect(got.length).toBeGreaterThan(5);
  }, 180_000);

  it('attackPaths with the article’s name/risk query (section 6)', async () => {
    const query = 'value[].{name:properties.displayName, risk:properties.riskLevel}';
    const got = JSON.parse(await rest('get', `/subscriptions/${sub}/providers/Microsoft.Security/attackPaths?api-version=2023-11-01-preview`, query));
    const cli = await cliJson(store, 'security', 'attack-path', 'list', '--subscription', sub);
    expect(got).toEqual(jmespath.search(cli, query));
  }, 180_000);

  it('pricings: PUT CloudPosture Standard, then the article’s Standard-plans query (section 1 and Verify)', async () => {
    const put = JSON.parse(
      await rest('put', `/subscriptions/${sub}/providers/Microsoft.Security/pricings/CloudPosture?api-version=2024-01-01`, 'properties', 'json', JSON.stringify({ properties: { pricingTier: 'Standard', extensions: [{ name: 'AgentlessVmScanning', isEnabled: 'True' }, { name: 'SensitiveDataDiscovery', isEnabled: 'True' }] } })),
    );
    expect(put.pricingTier).toBe('Standard');
    expect(put.extensions.filter((e: any) => e.isEnabled === 'True').map((e: any) => e.name)).toEqual(expect.arrayContaining(['AgentlessVmScanning', 'SensitiveDataDiscovery']));
    const standard = (await rest('get', `/subscriptions/${sub}/providers/Microsoft.Security/pricings?api-version=2024-01-01`, "value[?properties.pricingTier=='Standard'].name", 'tsv')).trim().split('\n');
    expect(standard).toContain('CloudPosture');
    const cli = await cliJson(store, 'security', 'pricing', 'list', '--subscription', sub);
    expect(standard.sort()).toEqual((jmespath.search(cli, "value[?pricingTier=='Standard'].name") as string[]).sort());
  }, 180_000);

  it('policy exemptions PUT / GET / list / PATCH, and the state summary counts the exemption', async () => {
    const mcsb = (await cliJson<any[]>(store, 'policy', 'assignment', 'list', '--disable-scope-strict-match')).find((a) => a.name === 'mcsb-mg-root');
    expect(mcsb).toBeDefined();
    const url = `/subscriptions/${sub}/providers/Microsoft.Authorization/policyExemptions/az-waiver?api-version=2022-07-01-preview`;
    const put = JSON.parse(await rest('put', url, '@', 'json', JSON.stringify({ properties: { policyAssignmentId: mcsb.id, exemptionCategory: 'Waiver', displayName: 'az rest waiver' } })));
    expect(put).toMatchObject({ name: 'az-waiver', properties: { exemptionCategory: 'Waiver', policyAssignmentId: mcsb.id } });
    expect((await rest('get', url, 'properties.displayName', 'tsv')).trim()).toBe('az rest waiver');
    const listed = (await rest('get', `/subscriptions/${sub}/providers/Microsoft.Authorization/policyExemptions?api-version=2022-07-01-preview`, '[value[].name]', 'tsv')).trim().split(/\s+/);
    expect(listed).toEqual((await cliJson<any[]>(store, 'policy', 'exemption', 'list', '--scope', `/subscriptions/${sub}`, '--disable-scope-strict-match')).map((e) => e.name));
    const patched = JSON.parse(await rest('patch', url, 'properties.assignmentScopeValidation', 'json', JSON.stringify({ properties: { assignmentScopeValidation: 'DoNotValidate' } })));
    expect(patched).toBe('DoNotValidate');
    const exempt = Number((await rest('post', `/subscriptions/${sub}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize?api-version=2024-10-01`, "value[0].results.resourceDetails[?complianceState=='exempt'].count | [0]", 'tsv')).trim());
    const cli = await cliJson(store, 'policy', 'state', 'summarize', '--subscription', sub);
    expect(exempt).toBe((jmespath.search(cli, "results.resourceDetails[?complianceState=='exempt'].count | [0]") as number) ?? 0);
    expect(exempt).toBeGreaterThan(0);
    // the waiver covers the whole subscription: remove it so later tests see the assessments again
    await az(['rest', '--method', 'delete', '--url', `${server.url}${url}`, '--skip-authorization-header', '--headers', `Authorization=Bearer ${token}`]);
  }, 300_000);

  it('governance rules PUT / GET / list / execute, then the owners and due dates of the assignments', async () => {
    const url = `/subscriptions/${sub}/providers/Microsoft.Security/governanceRules/high-severity-30d?api-version=2022-01-01-preview`;
    const body = {
      properties: {
        displayName: 'High severity within 30 days',
        rulePriority: 100,
        ruleType: 'Integrated',
        sourceResourceType: 'Assessments',
        remediationTimeframe: '30.00:00:00',
        isGracePeriod: true,
        ownerSource: { type: 'Manually', value: 'secops@contoso.com' },
        conditionSets: [{ conditions: [{ property: '$.Severity', value: '["High"]', operator: 'In' }] }],
      },
    };
    expect((await rest('put', url, 'properties.remediationTimeframe', 'tsv', JSON.stringify(body))).trim()).toBe('30.00:00:00');
    expect((await rest('get', url, 'properties.ownerSource.value', 'tsv')).trim()).toBe('secops@contoso.com');
    expect((await rest('get', `/subscriptions/${sub}/providers/Microsoft.Security/governanceRules?api-version=2022-01-01-preview`, 'value[].name', 'tsv')).trim()).toBe('high-severity-30d');
    await az(['rest', '--method', 'post', '--url', `${server.url}/subscriptions/${sub}/providers/Microsoft.Security/governanceRules/high-severity-30d/execute?api-version=2022-01-01-preview`, '--skip-authorization-header', '--headers', `Authorization=Bearer ${token}`, '--body', '{"override": true}']);
    const cli = await cliJson<any>(store, 'security', 'governance-assignment', 'list', '--subscription', sub);
    const items = (cli.value ?? cli) as any[];
    expect(items.length).toBeGreaterThan(0);
    const first = items.find((a) => a.properties?.owner === 'secops@contoso.com') ?? items[0];
    const [resourceId, key] = first.id.split('/providers/Microsoft.Security/assessments/');
    const viaApi = JSON.parse(await rest('get', `${resourceId}/providers/Microsoft.Security/assessments/${key.split('/')[0]}/governanceAssignments?api-version=2022-01-01-preview`, 'value[0].properties'));
    expect(viaApi).toMatchObject({ owner: 'secops@contoso.com', remediationDueDate: first.properties.remediationDueDate, isGracePeriod: true });
  }, 300_000);

  it('remediations: the CSPM DeployIfNotExists assignment at contoso-root, PUT a remediation, GET it and its deployments', async () => {
    const root = '/providers/Microsoft.Management/managementGroups/contoso-root';
    await rest('put', `${root}/providers/Microsoft.Authorization/policyAssignments/enable-cspm?api-version=2025-03-01`, 'name', 'tsv', JSON.stringify({
      location: 'eastus',
      identity: { type: 'SystemAssigned' },
      properties: { policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd' },
    }));
    const url = `${root}/providers/Microsoft.PolicyInsights/remediations/enable-cspm?api-version=2021-10-01`;
    const created = JSON.parse(await rest('put', url, 'properties', 'json', JSON.stringify({ properties: { policyAssignmentId: `${root}/providers/Microsoft.Authorization/policyAssignments/enable-cspm`, resourceDiscoveryMode: 'ReEvaluateCompliance' } })));
    expect(created).toMatchObject({ provisioningState: 'Succeeded', deploymentStatus: { totalDeployments: manifest.scenario.nakedSubscriptionIds.length, failedDeployments: 0 } });
    expect((await rest('get', url, 'properties.provisioningState', 'tsv')).trim()).toBe('Succeeded');
    const deployed = (await rest('post', `${root}/providers/Microsoft.PolicyInsights/remediations/enable-cspm/listDeployments?api-version=2021-10-01`, 'value[].remediatedResourceId', 'tsv')).trim().split('\n');
    expect(deployed.sort()).toEqual(manifest.scenario.nakedSubscriptionIds.map((s) => `/subscriptions/${s}`).sort());
    // the remediation's writes are visible at once: the naked subscriptions' CloudPosture plans are Standard now
    for (const s of manifest.scenario.nakedSubscriptionIds) {
      expect((await rest('get', `/subscriptions/${s}/providers/Microsoft.Security/pricings/CloudPosture?api-version=2024-01-01`, 'properties.pricingTier', 'tsv')).trim()).toBe('Standard');
    }
    expect((await cliJson(store, 'policy', 'remediation', 'show', '-n', 'enable-cspm', '--scope', root)).deploymentStatus).toEqual(created.deploymentStatus);
  }, 300_000);
});
