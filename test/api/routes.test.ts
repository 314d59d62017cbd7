/**
 * The API over a sample store (6 subscriptions, 1,500 resources) through real HTTP on a random port: every read route
 * answers what the CLI prints for the same store; paging with absolute nextLink; `//`, case-insensitive paths and
 * percent-encoded query keys; the cloud metadata document; the Palisade extensions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/index.js';
import { NOW, allPages, cliJson, http, sampleStore, type Manifest } from './helpers.js';

let server: RunningServer;
let store: string;
let manifest: Manifest;
let sub: string;
let owner: string;
const SEC = 'providers/Microsoft.Security';

function u(path: string): string {
  return `${server.url}${path}`;
}

beforeAll(async () => {
  ({ store, manifest } = await sampleStore('palisade-api-routes-'));
  sub = manifest.scenario.busiestSubscriptionIds[0];
  server = await startServer({ store, port: 0, auth: 'token', env: { PALISADE_NOW: NOW } });
  owner = server.createToken({ role: 'Owner', scope: '/' });
}, 180_000);

afterAll(async () => {
  await server?.close();
});

/** az's flattened pricing without nulls == the wire pricing with properties spread. */
function flatPricing(p: any): any {
  const out: any = { id: p.id, name: p.name, type: p.type, ...p.properties };
  return out;
}
function dropNulls(o: any): any {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
}

describe('Microsoft.Security reads equal the CLI', () => {
  it('pricings list / get', async () => {
    const api = await http(u(`/subscriptions/${sub}/${SEC}/pricings?api-version=2024-01-01`), { token: owner });
    expect(api.status).toBe(200);
    expect(api.body.nextLink).toBeUndefined();
    const cli = await cliJson(store, 'security', 'pricing', 'list', '--subscription', sub);
    expect(api.body.value.map(flatPricing)).toEqual(cli.value.map(dropNulls));
    const one = await http(u(`/subscriptions/${sub}/${SEC}/pricings/virtualmachines?api-version=2022-03-01`), { token: owner });
    expect(one.status).toBe(200);
    expect(flatPricing(one.body)).toEqual(dropNulls(await cliJson(store, 'security', 'pricing', 'show', '-n', 'VirtualMachines', '--subscription', sub)));
  });

  it('secureScores list / get and controls with $expand=definition', async () => {
    const list = await http(u(`/subscriptions/${sub}/${SEC}/secureScores?api-version=2020-01-01`), { token: owner });
    expect(list.status).toBe(200);
    expect(list.body).toEqual(await cliJson(store, 'security', 'secure-score', 'list', '--subscription', sub));
    const get = await http(u(`/subscriptions/${sub}/${SEC}/secureScores/ascScore?api-version=2020-01-01`), { token: owner });
    expect(get.body).toEqual(await cliJson(store, 'security', 'secure-score', 'show', '--subscription', sub));
    const controls = await allPages(u(`/subscriptions/${sub}/${SEC}/secureScores/ascScore/secureScoreControls?api-version=2020-01-01&%24expand=definition`), owner);
    const cli = await cliJson(store, 'security', 'secure-score-controls', 'list', '--expand', 'definition', '--subscription', sub);
    expect(controls.items).toEqual(cli.value);
    expect(controls.items[0].properties.definition).toBeDefined();
    const flat = await allPages(u(`/subscriptions/${sub}/${SEC}/secureScoreControls?api-version=2020-01-01`), owner);
    expect(flat.items.length).toBe(cli.value.length);
    const defs = await allPages(u(`/${SEC}/secureScoreControlDefinitions?api-version=2020-01-01`), owner);
    expect(defs.items).toEqual((await cliJson(store, 'security', 'secure-score-control-definitions', 'list')).value);
  });

  it('secure score at a management group equals the CLI --management-group', async () => {
    const mg = manifest.subscriptions.find((s) => s.subscriptionId === sub)!.managementGroup;
    const api = await http(u(`/providers/Microsoft.Management/managementGroups/${mg}/${SEC}/secureScores/ascScore?api-version=2020-01-01`), { token: owner });
    expect(api.status).toBe(200);
    expect(api.body).toEqual(await cliJson(store, 'security', 'secure-score', 'show', '--management-group', mg));
  });

  it('assessments: paged with absolute nextLink, all pages equal the CLI list', async () => {
    const all = await allPages(u(`/subscriptions/${sub}/${SEC}/assessments?api-version=2021-06-01`), owner);
    const cli = await cliJson(store, 'security', 'assessment', 'list', '--subscription', sub);
    expect(cli.value.length).toBeGreaterThan(100);
    expect(all.pages).toBe(Math.ceil(cli.value.length / 100));
    expect(all.first.value).toHaveLength(100);
    expect(all.first.nextLink.startsWith(`${server.url}/subscriptions/${sub}/`)).toBe(true);
    expect(all.items).toEqual(cli.value);
    const small = await http(u(`/subscriptions/${sub}/${SEC}/assessments?api-version=2021-06-01&$top=7`), { token: owner });
    expect(small.body.value).toHaveLength(7);
    expect(small.body.nextLink).toContain('$top=7');
  });

  it('assessment get by resource id with // and $expand=metadata; case-insensitive path', async () => {
    const cli = await cliJson(store, 'security', 'assessment', 'list', '--subscription', sub);
    const a = cli.value.find((x: any) => x.properties.resourceDetails.Id.includes('/resourceGroups/'));
    const resourceId = a.properties.resourceDetails.Id;
    const api = await http(u(`/${resourceId}/providers/microsoft.security/ASSESSMENTS/${a.name}?api-version=2021-06-01&%24expand=metadata`), { token: owner });
    expect(api.status, JSON.stringify(api.body)).toBe(200);
    const show = await cliJson(store, 'security', 'assessment', 'show', '-n', a.name, '--assessed-resource-id', resourceId, '--expand', 'metadata', '--subscription', sub);
    expect(api.body).toEqual(show);
    const missing = await http(u(`${resourceId}/providers/Microsoft.Security/assessments/00000000-0000-0000-0000-000000000000?api-version=2021-06-01`), { token: owner });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('AssessmentNotFound');
  });

  it('assessment metadata (tenant and subscription)', async () => {
    const all = await allPages(u(`/${SEC}/assessmentMetadata?api-version=2021-06-01`), owner);
    const cli = await cliJson(store, 'security', 'assessment-metadata', 'list');
    expect(all.items).toEqual(cli.value);
    const key = cli.value[0].name;
    const one = await http(u(`/subscriptions/${sub}/${SEC}/assessmentMetadata/${key}?api-version=2021-06-01`), { token: owner });
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(`/subscriptions/${sub}/providers/Microsoft.Security/assessmentMetadata/${key}`);
    expect(one.body.properties).toEqual(cli.value[0].properties);
  });

  it('regulatory compliance standards / controls / assessments', async () => {
    const std = await allPages(u(`/subscriptions/${sub}/${SEC}/regulatoryComplianceStandards?api-version=2019-01-01-preview`), owner);
    expect(std.items).toEqual((await cliJson(store, 'security', 'regulatory-compliance-standards', 'list', '--subscription', sub)).value);
    const name = std.items[0].name;
    const controls = await allPages(u(`/subscriptions/${sub}/${SEC}/regulatoryComplianceStandards/${name}/regulatoryComplianceControls?api-version=2019-01-01-preview`), owner);
    expect(controls.items).toEqual((await cliJson(store, 'security', 'regulatory-compliance-controls', 'list', '--standard-name', name, '--subscription', sub)).value);
    const ctl = controls.items[0].name;
    const assessments = await allPages(u(`/subscriptions/${sub}/${SEC}/regulatoryComplianceStandards/${name}/regulatoryComplianceControls/${ctl}/regulatoryComplianceAssessments?api-version=2019-01-01-preview`), owner);
    expect(assessments.items).toEqual((await cliJson(store, 'security', 'regulatory-compliance-assessments', 'list', '--standard-name', name, '--control-name', ctl, '--subscription', sub)).value);
  });

  it('attack paths (extension, 2023-11-01-preview)', async () => {
    const all = await allPages(u(`/subscriptions/${sub}/${SEC}/attackPaths?api-version=2023-11-01-preview`), owner);
    const cli = await cliJson(store, 'security', 'attack-path', 'list', '--subscription', sub);
    expect(all.items).toEqual(cli.value);
    if (all.items.length > 0) {
      const one = await http(u(`/subscriptions/${sub}/${SEC}/attackPaths/${all.items[0].name}?api-version=2023-11-01-preview`), { token: owner });
      expect(one.body).toEqual(all.items[0]);
    }
  });
});

describe('policy, subscriptions, resources', () => {
  it('policy assignments list with %24filter=atScope() equals the CLI; get; 404 code', async () => {
    const all = await allPages(u(`//subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments?api-version=2025-03-01&%24filter=atScope%28%29`), owner);
    const cli = await cliJson(store, 'policy', 'assignment', 'list', '--scope', `/subscriptions/${sub}`, '--filter', 'atScope()');
    expect(all.items.map((a: any) => a.id).sort()).toEqual(cli.map((a: any) => a.id).sort());
    expect(all.items.length).toBeGreaterThan(0);
    const a = all.items[0];
    const one = await http(u(`${a.id}?api-version=2025-03-01`), { token: owner });
    expect(one.status).toBe(200);
    expect(one.body.properties.policyDefinitionId).toBe(a.properties.policyDefinitionId);
    const missing = await http(u(`/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments/nope?api-version=2025-03-01`), { token: owner });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PolicyAssignmentNotFound');
  });

  it('policy definitions: built-ins at the tenant, paged', async () => {
    const first = await http(u(`/providers/Microsoft.Authorization/policyDefinitions?api-version=2025-03-01`), { token: owner });
    expect(first.status).toBe(200);
    expect(first.body.value).toHaveLength(100);
    expect(first.body.nextLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/providers\/Microsoft\.Authorization\/policyDefinitions\?/);
    const one = await http(u(`/providers/Microsoft.Authorization/policyDefinitions/${first.body.value[0].name}?api-version=2021-06-01`), { token: owner });
    expect(one.body.id).toBe(first.body.value[0].id);
  });

  it('policy states summarize equals the CLI', async () => {
    const api = await http(u(`/subscriptions/${sub}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize?api-version=2019-10-01`), { method: 'POST', token: owner });
    expect(api.status).toBe(200);
    const cli = await cliJson(store, 'policy', 'state', 'summarize', '--subscription', sub);
    expect(api.body.value[0].results).toEqual(cli.results);
    expect(api.body.value[0].policyAssignments).toEqual(cli.policyAssignments);
  });

  it('subscriptions and resources', async () => {
    const subs = await http(u('/subscriptions?api-version=2022-12-01'), { token: owner });
    const cli = await cliJson(store, 'account', 'list');
    expect(subs.body.value.map((s: any) => s.subscriptionId).sort()).toEqual(cli.map((s: any) => s.id).sort());
    const res = await allPages(u(`/subscriptions/${sub}/resources?api-version=2021-04-01`), owner);
    const cliRes = await cliJson(store, 'resource', 'list', '--subscription', sub);
    expect(res.items).toEqual(cliRes);
  });

  it('metadata/endpoints answers without a token (az cloud register)', async () => {
    const r = await http(u('//metadata/endpoints?api-version=2015-01-01'));
    expect(r.status).toBe(200);
    expect(r.body.authentication.audiences[0].startsWith(server.url)).toBe(true);
  });
});

describe('Palisade extensions', () => {
  it('whoami', async () => {
    const r = await http(u('/palisade/v1/whoami'), { token: owner });
    expect(r.body).toMatchObject({ role: 'Owner', scope: '/' });
  });
  it('priorities equal recommendation prioritize', async () => {
    const r = await http(u(`/palisade/v1/priorities?subscriptionId=${sub}&top=5`), { token: owner });
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual(await cliJson(store, 'security', 'recommendation', 'prioritize', '--subscription', sub, '--top', '5'));
  });
  it('score-history from posture snapshots', async () => {
    const before = await http(u(`/palisade/v1/score-history?subscriptionId=${sub}`), { token: owner });
    expect(before.status).toBe(200);
    await cliJson(store, 'scan', '-o', 'json');
    const after = await http(u(`/palisade/v1/score-history?subscriptionId=${sub}`), { token: owner });
    expect(after.body.value.length).toBe(before.body.value.length + 1);
    const score = await cliJson(store, 'security', 'secure-score', 'show', '--subscription', sub);
    expect(after.body.value.at(-1).score).toBe(score.properties.score.percentage);
  });
});
