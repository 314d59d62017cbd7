/**
 * Writes re-evaluate the estate incrementally: after each kind of write, what the long-running server answers (its
 * evaluation re-derived from the previous one) equals what a server started afresh on the same store answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/index.js';
import { NOW, allPages, http, ownerServer } from './helpers.js';

const MCSB = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
// Storage accounts should restrict network access (a built-in definition the sample does not assign on its own)
const STORAGE_NETWORK = '/providers/Microsoft.Authorization/policyDefinitions/34c877ad-507e-4c82-993e-3452a6e0ad3c';
const SEC = 'providers/Microsoft.Security';

let store: string;
let sub: string;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  ({ store, sub, server, token } = await ownerServer('palisade-incremental-'));
}, 180_000);

afterAll(async () => {
  await server?.close();
});

/** What a client sees of the posture and the policy states of one subscription. */
async function view(base: string, bearer: string) {
  const get = async (path: string) => {
    const r = await http(`${base}${path}`, { token: bearer });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const summarize = await http(`${base}/subscriptions/${sub}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize?api-version=2024-10-01`, { method: 'POST', token: bearer });
  expect(summarize.status).toBe(200);
  const v = {
    score: await get(`/subscriptions/${sub}/${SEC}/secureScores/ascScore?api-version=2020-01-01`),
    controls: await get(`/subscriptions/${sub}/${SEC}/secureScoreControls?api-version=2020-01-01&$expand=definition`),
    assessments: (await allPages(`${base}/subscriptions/${sub}/${SEC}/assessments?api-version=2021-06-01`, bearer)).items,
    compliance: await get(`/subscriptions/${sub}/${SEC}/regulatoryComplianceStandards?api-version=2019-01-01-preview`),
    states: summarize.body.value[0],
    attackPaths: (await allPages(`${base}/subscriptions/${sub}/${SEC}/attackPaths?api-version=2023-11-01-preview`, bearer)).items.map((p) => p.name).sort(),
  };
  // links point at the server that answered
  return JSON.parse(JSON.stringify(v).replaceAll(base, 'https://palisade.test')) as typeof v;
}

async function evaluation(base: string, bearer: string) {
  return (await http(`${base}/palisade/v1/evaluation`, { token: bearer })).body as { generation: number; rebuild: { kind: string; incremental: boolean; ms: number } };
}

async function freshView() {
  const fresh = await startServer({ store, port: 0, auth: 'token', env: { PALISADE_NOW: NOW } });
  try {
    const bearer = fresh.createToken({ role: 'Owner', scope: '/' });
    const v = await view(fresh.url, bearer);
    expect((await evaluation(fresh.url, bearer)).rebuild.incremental).toBe(false);
    return v;
  } finally {
    await fresh.close();
  }
}

async function write(method: string, path: string, body?: unknown) {
  const r = await http(`${server.url}${path}`, { method, token, body });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r;
}

describe('incremental re-evaluation after writes', () => {
  it('each kind of write is applied to the previous evaluation and answers as a full rebuild does', { timeout: 600_000 }, async () => {
    const before = await view(server.url, token);
    expect((await evaluation(server.url, token)).rebuild).toMatchObject({ kind: 'full', incremental: false });

    const assignments = (await http(`${server.url}/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments?api-version=2025-03-01&$filter=atScope()`, { token })).body.value;
    const mcsb = assignments.find((a: any) => a.properties.policyDefinitionId.toLowerCase() === MCSB.toLowerCase());
    expect(mcsb).toBeDefined();
    const exemption = `/subscriptions/${sub}/providers/Microsoft.Authorization/policyExemptions/incremental-waiver?api-version=2022-07-01-preview`;
    const deny = (await http(`${server.url}/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments?api-version=2025-03-01`, { token })).body.value.find((a: any) => a.name === 'deny-snapshots-restricted-region');
    expect(deny).toBeDefined();
    const scannerExemption = `/subscriptions/${sub}/resourceGroups/DefenderForCloud-Scanner/providers/Microsoft.Authorization/policyExemptions/allow-defender-scanner-snapshots?api-version=2022-07-01-preview`;
    const assignment = `/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments/incremental-storage?api-version=2025-03-01`;
    const steps: Array<{ kind: string; run: () => Promise<unknown> }> = [
      { kind: 'resources', run: () => write('PUT', `/subscriptions/${sub}/${SEC}/pricings/VirtualMachines?api-version=2022-03-01`, { properties: { pricingTier: 'Free' } }) },
      { kind: 'exemptions', run: () => write('PUT', exemption, { properties: { policyAssignmentId: mcsb.id, exemptionCategory: 'Waiver' } }) },
      { kind: 'policy', run: () => write('PUT', assignment, { properties: { policyDefinitionId: STORAGE_NETWORK, displayName: 'incremental' } }) },
      { kind: 'policy', run: () => write('DELETE', assignment) },
      { kind: 'exemptions', run: () => write('DELETE', exemption) },
      // the article's scanner exemption: agentless scanning provisions, its findings enter the graph
      { kind: 'exemptions', run: () => write('PUT', scannerExemption, { properties: { policyAssignmentId: deny.id, exemptionCategory: 'Mitigated' } }) },
    ];
    const seen: unknown[] = [];
    for (const step of steps) {
      await step.run();
      const live = await view(server.url, token);
      const how = await evaluation(server.url, token);
      expect(how.rebuild, step.kind).toMatchObject({ kind: step.kind, incremental: true });
      expect(live, `after a ${step.kind} write`).toEqual(await freshView());
      seen.push(live);
    }
    // every write moved what clients see; the last two undo the middle ones
    expect(seen[0]).not.toEqual(before);
    for (let i = 1; i < seen.length; i++) expect(seen[i], `step ${i}`).not.toEqual(seen[i - 1]);
    expect(seen[4]).toEqual(seen[0]);
    expect((seen[5] as { attackPaths: string[] }).attackPaths.length).toBeGreaterThan((seen[4] as { attackPaths: string[] }).attackPaths.length);
  });
});
