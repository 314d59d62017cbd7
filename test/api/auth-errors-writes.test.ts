/**
 * The auth matrix (no token → 401, another subscription → 403, Reader writing → 403, the right token → 2xx,
 * management-group tokens cover their subscriptions), ARM errors for bad requests (malformed and deep JSON, unknown
 * api-versions, oversized bodies, unknown routes, rate limit), `--auth none` only on loopback, and writes that the
 * next read reflects (exemption → assessments and secure score, pricing PUT → 200, assignment PUT 201 / DELETE).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/index.js';
import { NOW, cliJson, http, sampleStore, type Manifest } from './helpers.js';

let server: RunningServer;
let store: string;
let manifest: Manifest;
let sub: string;
let other: string;
let mg: string;
let owner: string;
const SEC = 'providers/Microsoft.Security';
const AUDIT_STORAGE = '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';
const MCSB = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';

function u(path: string): string {
  return `${server.url}${path}`;
}

beforeAll(async () => {
  ({ store, manifest } = await sampleStore('palisade-api-auth-'));
  sub = manifest.scenario.busiestSubscriptionIds[0];
  mg = manifest.subscriptions.find((s) => s.subscriptionId === sub)!.managementGroup;
  other = manifest.subscriptions.find((s) => s.managementGroup !== mg)?.subscriptionId ?? manifest.subscriptions.find((s) => s.subscriptionId !== sub)!.subscriptionId;
  server = await startServer({ store, port: 0, auth: 'token', env: { PALISADE_NOW: NOW } });
  owner = server.createToken({ role: 'Owner', scope: '/' });
}, 180_000);

afterAll(async () => {
  await server?.close();
});

interface Case {
  name: string;
  method: string;
  path: (s: string) => string;
  /** the request body, or a function of the subscription the request addresses */
  body?: unknown;
  write?: 'security' | 'policy';
}

const CASES: Case[] = [
  { name: 'pricings list', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/pricings?api-version=2024-01-01` },
  { name: 'pricing get', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/pricings/Arm?api-version=2022-03-01` },
  { name: 'pricing put', method: 'PUT', path: (s) => `/subscriptions/${s}/${SEC}/pricings/Arm?api-version=2022-03-01`, body: { properties: { pricingTier: 'Standard' } }, write: 'security' },
  { name: 'secureScores', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/secureScores?api-version=2020-01-01` },
  { name: 'secureScore get', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/secureScores/ascScore?api-version=2020-01-01` },
  { name: 'secureScoreControls', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/secureScoreControls?api-version=2020-01-01` },
  { name: 'assessments', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/assessments?api-version=2021-06-01` },
  { name: 'assessmentMetadata (sub)', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/assessmentMetadata?api-version=2021-06-01` },
  { name: 'regulatory standards', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/regulatoryComplianceStandards?api-version=2019-01-01-preview` },
  { name: 'attackPaths', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/attackPaths?api-version=2023-11-01-preview` },
  { name: 'policyAssignments', method: 'GET', path: (s) => `/subscriptions/${s}/providers/Microsoft.Authorization/policyAssignments?api-version=2025-03-01` },
  { name: 'policyDefinitions (sub)', method: 'GET', path: (s) => `/subscriptions/${s}/providers/Microsoft.Authorization/policyDefinitions?api-version=2025-03-01&$top=5` },
  {
    name: 'policyAssignment put',
    method: 'PUT',
    path: (s) => `/subscriptions/${s}/providers/Microsoft.Authorization/policyAssignments/auth-matrix?api-version=2025-03-01`,
    body: { properties: { policyDefinitionId: AUDIT_STORAGE, enforcementMode: 'DoNotEnforce' } },
    write: 'policy',
  },
  { name: 'policyExemptions', method: 'GET', path: (s) => `/subscriptions/${s}/providers/Microsoft.Authorization/policyExemptions?api-version=2022-07-01-preview` },
  { name: 'policyExemption delete', method: 'DELETE', path: (s) => `/subscriptions/${s}/providers/Microsoft.Authorization/policyExemptions/none-such?api-version=2022-07-01-preview`, write: 'security' },
  { name: 'summarize', method: 'POST', path: (s) => `/subscriptions/${s}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize?api-version=2024-10-01` },
  { name: 'subscription resources', method: 'GET', path: (s) => `/subscriptions/${s}/resources?api-version=2021-04-01&$top=3` },
  {
    name: 'policyDefinition put',
    method: 'PUT',
    path: (s) => `/subscriptions/${s}/providers/Microsoft.Authorization/policyDefinitions/auth-matrix?api-version=2025-03-01`,
    body: { properties: { mode: 'All', policyRule: { if: { field: 'type', equals: 'Microsoft.Storage/storageAccounts' }, then: { effect: 'audit' } } } },
    write: 'policy',
  },
  { name: 'remediations', method: 'GET', path: (s) => `/subscriptions/${s}/providers/Microsoft.PolicyInsights/remediations?api-version=2021-10-01` },
  {
    name: 'assessmentMetadata put',
    method: 'PUT',
    path: (s) => `/subscriptions/${s}/${SEC}/assessmentMetadata/auth-matrix?api-version=2021-06-01`,
    body: { properties: { displayName: 'Matrix', severity: 'Low', assessmentType: 'CustomerManaged' } },
    write: 'security',
  },
  { name: 'automations', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/automations?api-version=2023-12-01-preview` },
  {
    name: 'automation put',
    method: 'PUT',
    path: (s) => `/subscriptions/${s}/resourceGroups/security-ops/${SEC}/automations/auth-matrix?api-version=2023-12-01-preview`,
    body: (s: string) => ({ location: 'eastus', properties: { isEnabled: true, scopes: [{ scopePath: `/subscriptions/${s}` }], sources: [{ eventSource: 'Assessments' }], actions: [{ actionType: 'Workspace', workspaceResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/w' }] } }),
    write: 'security',
  },
  { name: 'governanceRules', method: 'GET', path: (s) => `/subscriptions/${s}/${SEC}/governanceRules?api-version=2022-01-01-preview` },
  {
    name: 'governanceRule put',
    method: 'PUT',
    path: (s) => `/subscriptions/${s}/${SEC}/governanceRules/auth-matrix?api-version=2022-01-01-preview`,
    body: { properties: { displayName: 'Matrix', rulePriority: 999, ruleType: 'Integrated', sourceResourceType: 'Assessments', conditionSets: [{ conditions: [{ property: '$.Severity', value: '["High"]', operator: 'In' }] }], ownerSource: { type: 'Manually', value: 'sec@contoso.com' } } },
    write: 'security',
  },
];

describe('auth matrix', () => {
  for (const c of CASES) {
    it(`${c.name}: 401 / 403 other subscription / role / 2xx`, async () => {
      const req = (token?: string, s = sub) => http(u(c.path(s)), { method: c.method, token, body: typeof c.body === 'function' ? (c.body as (s: string) => unknown)(s) : c.body });
      const none = await req();
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('AuthenticationFailed');
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const bad = await req('pal1.eyJ.forged');
      expect(bad.status).toBe(401);
      const elsewhere = server.createToken({ role: 'Owner', scope: `/subscriptions/${other}` });
      const cross = await req(elsewhere);
      expect(cross.status).toBe(403);
      expect(cross.body.error.code).toBe('AuthorizationFailed');
      const reader = server.createToken({ role: 'Reader', scope: `/subscriptions/${sub}` });
      const asReader = await req(reader);
      if (c.write) {
        expect(asReader.status).toBe(403);
        expect(asReader.body.error.code).toBe('AuthorizationFailed');
        const secAdmin = await req(server.createToken({ role: 'SecurityAdmin', scope: `/subscriptions/${sub}` }));
        if (c.write === 'security') expect(secAdmin.status, JSON.stringify(secAdmin.body)).toBeLessThan(300);
        else expect(secAdmin.status).toBe(403);
        const contributor = await req(server.createToken({ role: 'Contributor', scope: `/subscriptions/${sub}` }));
        expect(contributor.status, JSON.stringify(contributor.body)).toBeLessThan(300);
      } else {
        expect(asReader.status, JSON.stringify(asReader.body)).toBe(200);
      }
      // a management-group token covers the subscriptions under it
      const mgToken = server.createToken({ role: 'Owner', scope: `/providers/Microsoft.Management/managementGroups/${mg}` });
      expect((await req(mgToken)).status).toBeLessThan(300);
    });
  }

  it('an expired token is 401; a subscription token cannot read the management group', async () => {
    const expired = server.createToken({ role: 'Owner', scope: '/', expiresIn: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await http(u('/palisade/v1/whoami'), { token: expired })).status).toBe(401);
    const subToken = server.createToken({ role: 'Owner', scope: `/subscriptions/${sub}` });
    const r = await http(u(`/providers/Microsoft.Management/managementGroups/${mg}/${SEC}/secureScores?api-version=2020-01-01`), { token: subToken });
    expect(r.status).toBe(403);
    const subs = await http(u('/subscriptions?api-version=2022-12-01'), { token: subToken });
    expect(subs.body.value.map((s: any) => s.subscriptionId)).toEqual([sub]);
    expect((await http(u('/palisade/v1/whoami'), { token: subToken })).body).toMatchObject({ role: 'Owner', scope: `/subscriptions/${sub}` });
  }, 10_000);
});

describe('ARM errors', () => {
  it('unknown and missing api-version → 400', async () => {
    const r = await http(u(`/subscriptions/${sub}/${SEC}/secureScores?api-version=2099-01-01`), { token: owner });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidApiVersionParameter');
    expect(r.body.error.message).toContain('2020-01-01');
    const m = await http(u(`/subscriptions/${sub}/${SEC}/secureScores`), { token: owner });
    expect(m.status).toBe(400);
    expect(m.body.error.code).toBe('MissingApiVersionParameter');
  });
  it('malformed JSON → 400 InvalidRequestContent', async () => {
    const r = await http(u(`/subscriptions/${sub}/${SEC}/pricings/Arm?api-version=2022-03-01`), { method: 'PUT', token: owner, rawBody: '{"properties": {' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidRequestContent');
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.js/);
  });
  it('deep JSON → 400, oversized → 413', async () => {
    const deep = '{"properties":' + '['.repeat(100) + ']'.repeat(100) + '}';
    const r = await http(u(`/subscriptions/${sub}/${SEC}/pricings/Arm?api-version=2022-03-01`), { method: 'PUT', token: owner, rawBody: deep });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidRequestContent');
    const big = JSON.stringify({ properties: { pricingTier: 'Standard', pad: 'x'.repeat(1_100_000) } });
    const o = await http(u(`/subscriptions/${sub}/${SEC}/pricings/Arm?api-version=2022-03-01`), { method: 'PUT', token: owner, rawBody: big });
    expect(o.status).toBe(413);
    expect(o.body.error.code).toBe('RequestEntityTooLarge');
  });
  it('validation errors keep the coded error; unknown route → 404; unknown subscription → 404', async () => {
    const r = await http(u(`/subscriptions/${sub}/${SEC}/pricings/Arm?api-version=2022-03-01`), { method: 'PUT', token: owner, body: { properties: { pricingTier: 'Gold' } } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidPricingTier');
    const n = await http(u(`/subscriptions/${sub}/providers/Microsoft.Nope/things?api-version=2020-01-01`), { token: owner });
    expect(n.status).toBe(404);
    expect(n.body.error.code).toBe('NotFound');
    const s = await http(u(`/subscriptions/00000000-0000-0000-0000-000000000000/${SEC}/secureScores?api-version=2020-01-01`), { token: owner });
    expect(s.status).toBe(404);
    expect(s.body.error.code).toBe('SubscriptionNotFound');
  });
  it('rate limit → 429 with Retry-After', async () => {
    const limited = await startServer({ store, port: 0, auth: 'token', env: { PALISADE_NOW: NOW }, rateLimit: { max: 3, windowMs: 60_000 } });
    try {
      const t = limited.createToken({ role: 'Reader', scope: '/' });
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await http(`${limited.url}/palisade/v1/whoami`, { token: t })).status);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      const r = await http(`${limited.url}/palisade/v1/whoami`, { token: t });
      expect(r.body.error.code).toBe('TooManyRequests');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
  it("auth 'none' only on loopback", async () => {
    await expect(startServer({ store, host: '0.0.0.0', port: 0, auth: 'none' })).rejects.toMatchObject({ code: 'InsecureAuthNone' });
    const warnings: string[] = [];
    const open = await startServer({ store, port: 0, auth: 'none', env: { PALISADE_NOW: NOW }, logger: { info() {}, warning: (m) => warnings.push(m), error() {} } });
    try {
      expect(warnings.join()).toContain('authentication is off');
      expect((await http(`${open.url}/palisade/v1/whoami`)).body).toMatchObject({ role: 'Owner', scope: '/' });
    } finally {
      await open.close();
    }
  });
});

describe('writes are visible to the next read', () => {
  it('PUT pricing → 200, GET and the CLI see it', async () => {
    const put = await http(u(`/subscriptions/${sub}/${SEC}/pricings/KeyVaults?api-version=2022-03-01`), { method: 'PUT', token: owner, body: { properties: { pricingTier: 'Standard', subPlan: 'PerKeyVault' } } });
    expect(put.status).toBe(200);
    expect(put.body.properties).toMatchObject({ pricingTier: 'Standard', subPlan: 'PerKeyVault' });
    const get = await http(u(`/subscriptions/${sub}/${SEC}/pricings/KeyVaults?api-version=2024-01-01`), { token: owner });
    expect(get.body).toEqual(put.body);
    expect(await cliJson(store, 'security', 'pricing', 'show', '-n', 'KeyVaults', '--subscription', sub)).toMatchObject({ pricingTier: 'Standard', subPlan: 'PerKeyVault' });
  });

  it('PUT an exemption → assessments and the secure score change, and equal the CLI', async () => {
    const scoreBefore = (await http(u(`/subscriptions/${sub}/${SEC}/secureScores/ascScore?api-version=2020-01-01`), { token: owner })).body;
    const assignments = (await http(u(`/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments?api-version=2025-03-01&$filter=atScope()`), { token: owner })).body.value;
    const mcsb = assignments.find((a: any) => a.properties.policyDefinitionId.toLowerCase() === MCSB.toLowerCase() && a.id.includes('/managementGroups/'));
    expect(mcsb).toBeDefined();
    const unhealthyBefore = (await cliJson(store, 'security', 'assessment', 'list', '--subscription', sub, '--status', 'Unhealthy')).value.length;
    const put = await http(u(`/subscriptions/${sub}/providers/Microsoft.Authorization/policyExemptions/api-waiver?api-version=2022-07-01-preview`), {
      method: 'PUT',
      token: server.createToken({ role: 'SecurityAdmin', scope: `/subscriptions/${sub}` }),
      body: { properties: { policyAssignmentId: mcsb.id, exemptionCategory: 'Waiver', displayName: 'API waiver' } },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    expect(put.body.properties).toMatchObject({ exemptionCategory: 'Waiver', policyAssignmentId: mcsb.id });
    const scoreAfter = (await http(u(`/subscriptions/${sub}/${SEC}/secureScores/ascScore?api-version=2020-01-01`), { token: owner })).body;
    expect(scoreAfter).toEqual(await cliJson(store, 'security', 'secure-score', 'show', '--subscription', sub));
    expect(scoreAfter).not.toEqual(scoreBefore);
    const unhealthyAfter = (await cliJson(store, 'security', 'assessment', 'list', '--subscription', sub, '--status', 'Unhealthy')).value.length;
    expect(unhealthyAfter).toBeLessThan(unhealthyBefore);
    const apiUnhealthy: any[] = [];
    let next: string | undefined = u(`/subscriptions/${sub}/${SEC}/assessments?api-version=2021-06-01`);
    while (next) {
      const page = await http(next, { token: owner });
      apiUnhealthy.push(...page.body.value.filter((a: any) => a.properties.status.code === 'Unhealthy'));
      next = page.body.nextLink;
    }
    expect(apiUnhealthy.length).toBe(unhealthyAfter);
    const again = await http(u(`/subscriptions/${sub}/providers/Microsoft.Authorization/policyExemptions/api-waiver?api-version=2022-07-01-preview`), {
      method: 'PUT',
      token: owner,
      body: { properties: { policyAssignmentId: mcsb.id, exemptionCategory: 'Mitigated' } },
    });
    expect(again.status).toBe(200);
    const del = await http(u(`/subscriptions/${sub}/providers/Microsoft.Authorization/policyExemptions/api-waiver?api-version=2022-07-01-preview`), { method: 'DELETE', token: owner });
    expect(del.status).toBe(200);
    const back = (await http(u(`/subscriptions/${sub}/${SEC}/secureScores/ascScore?api-version=2020-01-01`), { token: owner })).body;
    expect(back).toEqual(scoreBefore);
  });

  it('policy assignment PUT → 201 with the coded validation of the CLI; DELETE 200 then 204', async () => {
    const path = u(`/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments/api-test?api-version=2025-03-01`);
    const bad = await http(path, { method: 'PUT', token: owner, body: { properties: { policyDefinitionId: MCSB, parameters: { nope: { value: 1 } } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('UndefinedPolicyParameter');
    const put = await http(path, { method: 'PUT', token: owner, body: { properties: { policyDefinitionId: MCSB, enforcementMode: 'DoNotEnforce', displayName: 'API test' } } });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    const cli = await cliJson(store, 'policy', 'assignment', 'show', '-n', 'api-test', '--scope', `/subscriptions/${sub}`);
    expect(cli).toMatchObject({ id: put.body.id, displayName: 'API test', enforcementMode: 'DoNotEnforce' });
    expect((await http(path, { token: owner })).body).toEqual(put.body);
    expect((await http(path, { method: 'DELETE', token: owner })).status).toBe(200);
    expect((await http(path, { method: 'DELETE', token: owner })).status).toBe(204);
    expect((await http(path, { token: owner })).status).toBe(404);
  });
});
