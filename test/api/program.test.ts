/**
 * The posture program through the server: an automation PUT over the API makes the server's evaluation export its
 * snapshot, and the background deliverer writes it to the workspace tables (queried with the CLI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/api/index.js';
import { runCli } from '../cli/helpers.js';
import { http, ownerServer } from './helpers.js';

let server: RunningServer;
let store: string;
let sub: string;
let token: string;

beforeAll(async () => {
  ({ store, sub, server, token } = await ownerServer('palisade-api-program-'));
}, 180_000);

afterAll(async () => {
  await server?.close();
});

describe('continuous export from the server', () => {
  it('an automation created over the API receives the evaluation snapshot in its workspace', { timeout: 120_000 }, async () => {
    const workspace = `/subscriptions/${sub}/resourceGroups/security-ops/providers/Microsoft.OperationalInsights/workspaces/posture`;
    const put = await http(`${server.url}/subscriptions/${sub}/resourceGroups/security-ops/providers/Microsoft.Security/automations/to-workspace?api-version=2023-12-01-preview`, {
      method: 'PUT',
      token,
      body: {
        location: 'eastus',
        properties: { isEnabled: true, scopes: [{ scopePath: `/subscriptions/${sub}` }], sources: [{ eventSource: 'SecureScoresSnapshot' }, { eventSource: 'AssessmentsSnapshot' }], actions: [{ actionType: 'Workspace', workspaceResourceId: workspace }] },
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    // the first read builds the evaluation, which enqueues the snapshot; the deliverer polls every 2 s
    const score = (await http(`${server.url}/subscriptions/${sub}/providers/Microsoft.Security/secureScores/ascScore?api-version=2020-01-01`, { token })).body;
    const query = async (sql: string) => {
      const r = await runCli(['workspace', 'query', sql, '--store', store, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    };
    await expect.poll(async () => (await query(`SELECT count(*) AS n FROM SecureScores WHERE SecureScoresSubscriptionId = '${sub}'`))[0]?.n, { timeout: 60_000, interval: 1000 }).toBe(1);
    const [row] = await query(`SELECT PercentageScore, CurrentScore, IsSnapshot FROM SecureScores WHERE SecureScoresSubscriptionId = '${sub}'`);
    expect(Number(row.PercentageScore)).toBeCloseTo(score.properties.score.percentage, 4);
    expect([true, 1, 'true']).toContain(row.IsSnapshot);
    const recs = await query(`SELECT count(*) AS n FROM SecurityRecommendation WHERE AssessedResourceId LIKE '/subscriptions/${sub}/%'`);
    expect(Number(recs[0].n)).toBeGreaterThan(0);
  });
});

describe('drift and review over the API', () => {
  it('GET /palisade/v1/drift answers the window; /palisade/v1/review the facts and the HTML; a subscription token is refused', async () => {
    // two scans a day apart give a window to compare
    for (const at of ['2026-08-31T00:00:00Z', '2026-09-01T00:00:00Z']) expect((await runCli(['scan', '--store', store, '-o', 'none'], { PALISADE_NOW: at })).code).toBe(0);
    const drift = await http(`${server.url}/palisade/v1/drift?since=1d`, { token });
    expect(drift.status, JSON.stringify(drift.body)).toBe(200);
    expect(drift.body).toMatchObject({ from: { takenAt: expect.any(String) }, to: { takenAt: expect.any(String) }, drifts: expect.any(Array) });
    const facts = await http(`${server.url}/palisade/v1/review?month=2026-09`, { token });
    expect(facts.status, JSON.stringify(facts.body)).toBe(200);
    expect(facts.body).toMatchObject({ month: '2026-09', previousMonth: '2026-08', score: { current: expect.any(Number), previous: expect.any(Number) } });
    const res = await fetch(`${server.url}/palisade/v1/review?month=2026-09&format=html`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('Posture review 2026-09');
    const bad = await http(`${server.url}/palisade/v1/drift?since=soon`, { token });
    expect(bad.status).toBe(400);
    const subToken = server.createToken({ role: 'Owner', scope: `/subscriptions/${sub}` });
    expect((await http(`${server.url}/palisade/v1/review?month=2026-09`, { token: subToken })).status).toBe(403);
  });
});
