/**
 * The seed article's `az security ...` commands (sections 1, 2, 3, 5) run as `palisade security ...` on a generated
 * sample (40 subscriptions — enough for the twelve naked ones — and 3,000 resources) in a real SQLite store; the
 * article's `az rest --query` expressions give through `palisade ... --query` what JMESPath gives over the API shape;
 * the plans scenario end to end (coverage lists the naked subscriptions; the CSPM DINE policy at contoso-root plus a
 * remediation empties it); regulatory compliance for MCSB, CIS, NIST and PCI; the evidence export; coded errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jmespath from 'jmespath';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { chromiumPath } from '../../src/cli/commands/compliance.js';
import { golden } from './golden.js';
import { runCli } from './helpers.js';
import { cliWorkspace, importSample } from './workspace.js';

const NOW = '2026-09-01T00:00:00Z';
const ROOT_MG = '/providers/Microsoft.Management/managementGroups/contoso-root';
const CSPM_DINE = '/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd';
const STANDARDS = {
  'CIS-Azure-Foundations-v3.0.0': '/providers/Microsoft.Authorization/policySetDefinitions/470a962c-86a0-433b-803a-3c176b5ce79c',
  'NIST-SP-800-53-R5': '/providers/Microsoft.Authorization/policySetDefinitions/179d1daa-458f-4e47-8086-2a68d0d6c38f',
  'PCI-DSS-v4.0.1': '/providers/Microsoft.Authorization/policySetDefinitions/a06d5deb-24aa-4991-9d58-fa7563154e31',
};
const MCSB = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
const ARTICLE_CONTROLS_QUERY = 'sort_by(value[].{control:properties.displayName, current:properties.score.current, max:properties.score.max, gap:properties.score.max}[?max>`0`], &gap)';

interface Manifest {
  scenario: { nakedSubscriptionIds: string[]; busiestSubscriptionIds: string[] };
  subscriptions: Array<{ subscriptionId: string; naked: boolean; managementGroup: string }>;
}

const workspace = cliWorkspace('palisade-security-cmds-', { PALISADE_NOW: NOW });
const { dir, store, cli, json } = workspace;
let manifest: Manifest;
let busy: string;
let naked: string;

beforeAll(async () => {
  manifest = await importSample<Manifest>(workspace, 40, 3000);
  expect(manifest.scenario.nakedSubscriptionIds).toHaveLength(12);
  busy = manifest.scenario.busiestSubscriptionIds[0];
  naked = manifest.scenario.nakedSubscriptionIds[0];
}, 120_000);

describe('section 3: secure score through the article queries', () => {
  it('secure-score show --query properties.score / properties.score.percentage', async () => {
    const show = await json('security', 'secure-score', 'show', '--subscription', busy);
    expect(show).toMatchObject({ id: `/subscriptions/${busy}/providers/Microsoft.Security/secureScores/ascScore`, name: 'ascScore', type: 'Microsoft.Security/secureScores', properties: { displayName: 'ASC score' } });
    const score = await json('security', 'secure-score', 'show', '--subscription', busy, '--query', 'properties.score');
    expect(score).toEqual(jmespath.search(show, 'properties.score'));
    const pct = await json<number>('security', 'secure-score', 'show', '-n', 'ascScore', '--subscription', busy, '--query', 'properties.score.percentage');
    expect(pct).toBeGreaterThan(0);
    expect(pct).toBeLessThanOrEqual(1);
    expect(pct).toBeCloseTo(score.current / score.max, 3); // the API rounds both from the exact values
    const list = await json('security', 'secure-scores', 'list', '--subscription', busy);
    expect(list).toEqual({ value: [show] });
  });

  it("the article's per-control sort_by gives through --query what JMESPath gives over the API page", async () => {
    const page = await json<{ value: any[] }>('security', 'secure-score-controls', 'list', '--expand', 'definition', '--subscription', busy);
    expect(page.value.length).toBeGreaterThan(0);
    for (const c of page.value) {
      expect(c.type).toBe('Microsoft.Security/secureScores/secureScoreControls');
      expect(c.properties.definition.type).toBe('Microsoft.Security/secureScoreControlDefinitions');
      expect(Object.keys(c.properties).sort()).toEqual(['definition', 'displayName', 'healthyResourceCount', 'notApplicableResourceCount', 'score', 'unhealthyResourceCount', 'weight']);
    }
    const viaCli = await json('security', 'secure-score-controls', 'list', '--expand', 'definition', '--subscription', busy, '--query', ARTICLE_CONTROLS_QUERY);
    expect(viaCli).toEqual(jmespath.search(page, ARTICLE_CONTROLS_QUERY));
    expect(viaCli.length).toBeGreaterThan(0);
    const table = await cli('security', 'secure-score-controls', 'list', '--expand', 'definition', '--subscription', busy, '--query', ARTICLE_CONTROLS_QUERY, '-o', 'table');
    expect(table.code).toBe(0);
    golden('security-secure-score-controls.article.table.txt', table.stdout);
    // the subscription score is the sum over the assessed controls
    const show = await json('security', 'secure-score', 'show', '--subscription', busy);
    const assessed = page.value.filter((c) => c.properties.healthyResourceCount + c.properties.unhealthyResourceCount > 0 && c.properties.score.max > 0);
    expect(show.properties.score.max).toBe(assessed.reduce((n, c) => n + c.properties.score.max, 0));
    expect(show.properties.score.current).toBeCloseTo(assessed.reduce((n, c) => n + c.properties.score.current, 0), 1);
  });

  it('the management-group score is the weighted sum of the subscription scores, not their average', async () => {
    let wc = 0;
    let wm = 0;
    let sum = 0;
    const subs = manifest.subscriptions.filter((s) => s.managementGroup === 'online');
    expect(subs.length).toBeGreaterThan(2);
    for (const s of subs) {
      const p = (await json('security', 'secure-score', 'show', '--subscription', s.subscriptionId)).properties;
      wc += p.weight * p.score.current;
      wm += p.weight * p.score.max;
      sum += p.score.percentage;
    }
    const mg = await json('security', 'secure-score', 'show', '--management-group', 'online');
    expect(mg.id).toBe('/providers/Microsoft.Management/managementGroups/online/providers/Microsoft.Security/secureScores/ascScore');
    expect(mg.properties.score.percentage).toBeCloseTo(wc / wm, 3);
    expect(Math.abs(mg.properties.score.percentage - sum / subs.length)).toBeGreaterThan(0.0005); // not the average
    const root = await json('security', 'secure-score', 'list', '-m', 'contoso-root');
    expect(root.value[0].id).toBe(`${ROOT_MG}/providers/Microsoft.Security/secureScores/ascScore`);
    const missing = await cli('security', 'secure-score', 'show', '-m', 'nope');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('(ManagementGroupNotFound)');
    const definitions = await json<{ value: any[] }>('security', 'secure-score-control-definitions', 'list');
    expect(definitions.value.length).toBe(15);
  }, 60_000);

  it('assessments and their metadata', async () => {
    const list = await json<{ value: any[] }>('security', 'assessment', 'list', '--subscription', busy);
    expect(list.value.length).toBeGreaterThan(0);
    const unhealthy = list.value.find((a) => a.properties.status.code === 'Unhealthy');
    expect(unhealthy.properties.status).toMatchObject({ cause: 'NonCompliant' });
    const show = await json('security', 'assessment', 'show', '--subscription', busy, '-n', unhealthy.name, '--assessed-resource-id', unhealthy.properties.resourceDetails.Id, '--expand', 'metadata');
    expect(show.id).toBe(unhealthy.id);
    expect(show.properties.metadata.severity).toMatch(/^(High|Medium|Low)$/);
    const meta = await json('security', 'assessment-metadata', 'show', '-n', unhealthy.name);
    expect(meta).toMatchObject({ name: unhealthy.name, type: 'Microsoft.Security/assessmentMetadata', properties: { assessmentType: 'BuiltIn' } });
    const missing = await cli('security', 'assessment-metadata', 'show', '-n', '00000000-0000-0000-0000-000000000000');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('(AssessmentMetadataNotFound)');
    const status = await json<number>('security', 'assessment', 'list', '--subscription', busy, '--status', 'Healthy', '--query', 'length(value)');
    expect(status).toBe(list.value.filter((a) => a.properties.status.code === 'Healthy').length);
  });

  it('recommendation prioritize ranks by points × exploitability', async () => {
    const top = await json<any[]>('security', 'recommendation', 'prioritize', '--top', '5');
    expect(top).toHaveLength(5);
    expect(top.map((t) => t.rank)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < top.length; i++) expect(top[i - 1].priority).toBeGreaterThanOrEqual(top[i].priority);
    const one = await json<any[]>('security', 'recommendation', 'prioritize', '--top', '3', '--subscription', busy);
    expect(one.every((t) => t.subscriptionId === busy)).toBe(true);
  });
});

describe('sections 1-2: plans', () => {
  it("pricing list with the seed's query; --subscription is required with several subscriptions", async () => {
    const r = await cli('security', 'pricing', 'list', '--query', 'value[].{plan:name, tier:pricingTier}', '-o', 'table', '--subscription', naked);
    expect(r.code).toBe(0);
    golden('security-pricing-list.naked.table.txt', r.stdout);
    const page = await json('security', 'pricing', 'list', '--subscription', busy);
    expect(Object.keys(page)).toEqual(['value']);
    expect(page.value.find((p: any) => p.name === 'CloudPosture')).toMatchObject({ pricingTier: 'Standard', type: 'Microsoft.Security/pricings' });
    const none = await cli('security', 'pricing', 'list');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('(SubscriptionRequired) The estate has 40 subscriptions: pass --subscription');
  });

  it('coverage lists the twelve naked subscriptions for Defender CSPM', async () => {
    const cov = await json<any[]>('security', 'pricing', 'coverage', '--plan', 'CloudPosture');
    expect(cov).toHaveLength(1);
    expect(cov[0].uncoveredSubscriptions.map((s: any) => s.subscriptionId).sort()).toEqual([...manifest.scenario.nakedSubscriptionIds].sort());
    expect(cov[0].coveredSubscriptions).toBe(28);
    expect(cov[0].uncoveredResourceCount).toBe(cov[0].uncoveredSubscriptions.reduce((n: number, s: any) => n + s.resources.length, 0));
    const all = await json<any[]>('security', 'pricing', 'coverage');
    expect(all.find((c) => c.plan === 'CloudPosture').uncoveredSubscriptionCount).toBe(12);
    expect(all[0].uncoveredSubscriptions[0].resources).toBeUndefined();
  });

  it("the seed's pricing create commands, as palisade, persist as securityresources rows", async () => {
    const sub = manifest.scenario.nakedSubscriptionIds[1];
    const created = await json('security', 'pricing', 'create', '--name', 'CloudPosture', '--tier', 'Standard', '--subscription', sub);
    expect(created).toMatchObject({ name: 'CloudPosture', pricingTier: 'Standard', enablementTime: '2026-09-01T00:00:00.000Z', id: `/subscriptions/${sub}/providers/Microsoft.Security/pricings/CloudPosture` });
    for (const plan of ['VirtualMachines', 'StorageAccounts', 'Containers', 'SqlServers', 'KeyVaults']) {
      expect((await cli('security', 'pricing', 'create', '--name', plan, '--tier', 'Standard', '--subscription', sub, '-o', 'none')).code).toBe(0);
    }
    const p2 = await json('security', 'pricing', 'create', '--name', 'VirtualMachines', '--tier', 'Standard', '--subplan', 'P2', '--subscription', sub, '--extensions', 'name=AgentlessVmScanning', 'isEnabled=True', '--extensions', 'name=FileIntegrityMonitoring', 'isEnabled=False');
    expect(p2).toMatchObject({ subPlan: 'P2', extensions: [{ name: 'AgentlessVmScanning', isEnabled: 'True' }, { name: 'FileIntegrityMonitoring', isEnabled: 'False' }] });
    const standard = await json<string[]>('security', 'pricing', 'list', '--subscription', sub, '--query', "value[?pricingTier=='Standard'].name");
    expect(standard.sort()).toEqual(['CloudPosture', 'Containers', 'KeyVaults', 'SqlServers', 'StorageAccounts', 'VirtualMachines']);
    expect((await json('resource', 'show', '--ids', `/subscriptions/${sub}/providers/Microsoft.Security/pricings/VirtualMachines`)).properties).toMatchObject({ pricingTier: 'Standard', subPlan: 'P2' });
    expect(await json('security', 'pricing', 'show', '-n', 'virtualmachines', '--subscription', sub, '--query', "extensions[?name=='AgentlessVmScanning'].isEnabled")).toEqual(['True']);
    const cov = await json<any[]>('security', 'pricing', 'coverage', '--plan', 'CloudPosture');
    expect(cov[0].uncoveredSubscriptionCount).toBe(11);
  });

  it('unknown plan, tier and sub-plan are coded errors listing the valid values (exit 1, as az)', async () => {
    const name = await cli('security', 'pricing', 'create', '--name', 'CloudPostur', '--tier', 'Standard', '--subscription', busy);
    expect(name.code).toBe(1);
    expect(name.stderr).toContain('(InvalidPricingName)');
    expect(name.stderr).toContain('Valid values: VirtualMachines, SqlServers, AppServices');
    const tier = await cli('security', 'pricing', 'create', '--name', 'CloudPosture', '--tier', 'Gold', '--subscription', busy);
    expect(tier.code).toBe(1);
    expect(tier.stderr).toContain('(InvalidPricingTier)');
    expect(tier.stderr).toContain('Valid values: Free, Standard');
    const sub = await cli('security', 'pricing', 'create', '--name', 'VirtualMachines', '--tier', 'Standard', '--subplan', 'P9', '--subscription', busy);
    expect(sub.code).toBe(1);
    expect(sub.stderr).toContain('(InvalidSubPlan)');
    expect(sub.stderr).toContain('Valid values: P1, P2');
    const show = await cli('security', 'pricing', 'show', '--name', 'Nope', '--subscription', busy);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('(InvalidPricingName)');
  });

  it('the CSPM DINE policy at contoso-root plus a remediation makes every subscription Standard and coverage empty', async () => {
    expect((await cli('policy', 'assignment', 'create', '--name', 'enable-cspm-mg', '--policy', CSPM_DINE, '--scope', ROOT_MG, '--location', 'eastus', '--mi-system-assigned', '-o', 'none')).code).toBe(0);
    const rem = await cli('policy', 'remediation', 'create', '--name', 'enable-cspm', '--policy-assignment', 'enable-cspm-mg', '--resource-discovery-mode', 'ReEvaluateCompliance');
    expect(rem.stderr).toBe('');
    expect(JSON.parse(rem.stdout).deploymentStatus).toMatchObject({ totalDeployments: 11, failedDeployments: 0 });
    const cov = await json<any[]>('security', 'pricing', 'coverage', '--plan', 'CloudPosture');
    expect(cov[0].uncoveredSubscriptions).toEqual([]);
    expect(cov[0].coveredSubscriptions).toBe(40);
    expect((await json<any[]>('security', 'pricing', 'coverage')).find((c) => c.plan === 'CloudPosture')).toBeUndefined();
    for (const s of manifest.scenario.nakedSubscriptionIds) {
      expect(await json('security', 'pricing', 'show', '-n', 'CloudPosture', '--subscription', s, '--query', 'pricingTier')).toBe('Standard');
    }
  }, 60_000);
});

describe('section 5: regulatory compliance', () => {
  it('MCSB is on by default; an unknown standard lists the valid values; CIS is not enabled until assigned', async () => {
    const std = await json<{ value: any[] }>('security', 'regulatory-compliance-standards', 'list', '--subscription', busy);
    expect(std.value.map((s) => s.name)).toEqual(['Microsoft-cloud-security-benchmark']);
    expect(std.value[0].type).toBe('Microsoft.Security/regulatoryComplianceStandard');
    const unknown = await cli('security', 'regulatory-compliance-controls', 'list', '--standard-name', 'ISO-27001', '--subscription', busy);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("(UnknownStandard) unknown regulatory compliance standard 'ISO-27001'; valid values: Microsoft-cloud-security-benchmark, CIS-Azure-Foundations-v3.0.0, NIST-SP-800-53-R5, PCI-DSS-v4.0.1");
    const cis = await cli('security', 'regulatory-compliance-standards', 'show', '-n', 'CIS-Azure-Foundations-v3.0.0', '--subscription', busy);
    expect(cis.code).toBe(3);
    expect(cis.stderr).toContain('(StandardNotEnabled)');
    const badControl = await cli('security', 'regulatory-compliance-assessments', 'list', '--standard-name', 'Microsoft-cloud-security-benchmark', '--control-name', 'ZZ-99', '--subscription', busy);
    expect(badControl.code).toBe(2);
    expect(badControl.stderr).toContain('(UnknownControl)');
  });

  it('every MCSB, CIS, NIST and PCI group is a control with a state once the initiatives are assigned', async () => {
    for (const [name, id] of Object.entries(STANDARDS)) {
      const r = await cli('policy', 'assignment', 'create', '--name', name.toLowerCase().replace(/\./g, '-'), '--policy-set-definition', id, '--scope', ROOT_MG, '--location', 'eastus', '--mi-system-assigned', '-o', 'none');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const std = await json<{ value: any[] }>('security', 'regulatory-compliance-standards', 'list', '--subscription', busy);
    expect(std.value.map((s) => s.name).sort()).toEqual(['CIS-Azure-Foundations-v3.0.0', 'Microsoft-cloud-security-benchmark', 'NIST-SP-800-53-R5', 'PCI-DSS-v4.0.1']);
    const policy = loadCatalog();
    for (const [name, id] of Object.entries({ ...STANDARDS, 'Microsoft-cloud-security-benchmark': MCSB })) {
      const groups = policy.getSetDefinition(id)!.properties.policyDefinitionGroups ?? [];
      const controls = await json<{ value: any[] }>('security', 'regulatory-compliance-controls', 'list', '--standard-name', name, '--subscription', busy);
      expect(controls.value).toHaveLength(groups.length);
      for (const c of controls.value) expect(['Passed', 'Failed', 'Skipped']).toContain(c.properties.state);
      const s = std.value.find((x) => x.name === name).properties;
      expect(s.passedControls + s.failedControls + s.skippedControls + s.unsupportedControls).toBe(groups.length);
      const failed = controls.value.find((c) => c.properties.state === 'Failed');
      if (failed) {
        const a = await json<{ value: any[] }>('security', 'regulatory-compliance-assessments', 'list', '--standard-name', name, '--control-name', failed.name, '--subscription', busy);
        expect(a.value.some((x) => x.properties.state === 'Failed')).toBe(true);
        const one = await json('security', 'regulatory-compliance-assessments', 'show', '--standard-name', name, '--control-name', failed.name, '-n', a.value[0].name, '--subscription', busy);
        expect(one).toEqual(a.value[0]);
      }
    }
  }, 120_000);

  it('compliance export: csv, json and self-contained html with the evaluation time, per-control and per-resource results', async () => {
    const jsonOut = join(dir, 'cis.json');
    const meta = await json('compliance', 'export', '--standard', 'CIS-Azure-Foundations-v3.0.0', '--format', 'json', '--out', jsonOut);
    expect(meta).toMatchObject({ file: jsonOut, format: 'json', standard: 'CIS-Azure-Foundations-v3.0.0', evaluatedAt: '2026-09-01T00:00:00.000Z' });
    const e = JSON.parse(readFileSync(jsonOut, 'utf8'));
    expect(e.evaluatedAt).toBe('2026-09-01T00:00:00.000Z');
    expect(e.scope).toBe('/');
    const groups = loadCatalog().getSetDefinition(STANDARDS['CIS-Azure-Foundations-v3.0.0'])!.properties.policyDefinitionGroups!;
    expect(e.controls).toHaveLength(groups.length);
    const failed = e.controls.find((c: any) => c.state === 'Failed');
    const fa = failed.assessments.find((a: any) => a.state === 'Failed');
    expect(fa.resources.filter((r: any) => r.state === 'Failed')).toHaveLength(fa.failedResources);
    expect(fa.resources[0]).toMatchObject({ state: 'Failed' });

    const csv = await cli('compliance', 'export', '--standard', 'CIS-Azure-Foundations-v3.0.0', '--format', 'csv');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.split('\r\n');
    expect(lines[0]).toBe('evaluatedAt,standard,scope,control,controlDescription,controlState,assessment,assessmentDescription,policyDefinitionId,policyDefinitionReferenceId,assessmentState,resourceId,resourceType,subscriptionId,resourceState,complianceState,reason');
    const rows = e.controls.reduce((n: number, c: any) => n + Math.max(1, c.assessments.reduce((m: number, a: any) => m + Math.max(1, a.resources.length), 0)), 0);
    expect(lines.length).toBe(rows + 2); // header + trailing empty
    expect(lines[1].startsWith('2026-09-01T00:00:00.000Z,CIS-Azure-Foundations-v3.0.0,/,')).toBe(true);
    const controlsInCsv = new Set(lines.slice(1, -1).map((l) => l.split(',')[3]));
    expect(controlsInCsv.size).toBe(groups.length);

    const htmlOut = join(dir, 'mcsb.html');
    expect((await cli('compliance', 'export', '--standard', 'microsoft-cloud-security-benchmark', '--format', 'html', '--out', htmlOut, '--subscription', busy, '-o', 'none')).code).toBe(0);
    const html = readFileSync(htmlOut, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('Evaluated at <b>2026-09-01T00:00:00.000Z</b>');
    expect(html).toContain(`<code>/subscriptions/${busy}</code>`);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import|url\(/i);
  }, 60_000);

  const chromium = chromiumPath(process.env);
  it.skipIf(!chromium)('compliance export --format pdf prints the HTML with headless Chromium (skipped: no /usr/bin/chromium — apt-get install chromium)', async () => {
    const out = join(dir, 'mcsb.pdf');
    const r = await cli('compliance', 'export', '--standard', 'Microsoft-cloud-security-benchmark', '--format', 'pdf', '--out', out, '--subscription', busy, '--max-resources', '20');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  }, 120_000);

  it('without Chromium the pdf format fails with a coded error telling how to install it', async () => {
    const r = await runCli(
      ['compliance', 'export', '--standard', 'Microsoft-cloud-security-benchmark', '--format', 'pdf', '--out', join(dir, 'x.pdf'), '--subscription', busy, '--store', store],
      { PALISADE_NOW: NOW, PALISADE_CHROMIUM: join(dir, 'no-such-chromium') },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(ChromiumNotFound)');
    expect(r.stderr).toContain('apt-get install chromium');
  });
});
