/**
 * Agentless scanning provisioning on the sample estate: the scenario's scanner subscriptions are blocked by the
 * restricted-region deny on snapshot disks, the naked subscription has no plan; their scanner output stays out of the
 * security graph until the article's fixes (the scanner exemption, CSPM on) — then it is in, and attack paths that
 * need a vulnerability appear there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { GraphSession, agentlessScanningStatus, type ServiceContext } from '../../src/service/index.js';
import { runCli } from '../cli/helpers.js';
import { NOW, sampleStore, type Manifest } from '../api/helpers.js';

let storePath: string;
let manifest: Manifest & { scenario: { scannerSubscriptionIds: string[]; restrictedRegion: string; denyAssignmentName: string } };
let store: Store;
let ctx: ServiceContext;

beforeAll(async () => {
  const s = await sampleStore('palisade-agentless-');
  storePath = s.store;
  manifest = s.manifest as typeof manifest;
  store = await openStore(storePath);
  const quiet = { update() {}, stop() {} };
  ctx = { store: async () => store, io: { env: { PALISADE_NOW: NOW } }, options: { onlyShowErrors: true, output: 'none' }, progress: () => quiet, logger: { info() {}, warning() {} } } as unknown as ServiceContext;
}, 180_000);

afterAll(async () => {
  await store?.close();
});

const needsScanner = (graph: GraphSession, sub: string) =>
  graph.paths().filter((p) => (graph.graph.nodes[p.entry].subscriptionId ?? '').toLowerCase() === sub.toLowerCase() && p.elements.some((e) => e.kind === 'insight' && /Vulnerab|RemoteCode/.test(e.insight)));

describe('agentless scanning provisioning', () => {
  it('diagnoses the scanner subscriptions (deny on snapshot disks) and the naked one (plan off)', async () => {
    const status = await agentlessScanningStatus(ctx);
    for (const sub of manifest.scenario.scannerSubscriptionIds) {
      const s = status.get(sub.toLowerCase())!;
      expect(s).toMatchObject({ provisioned: false, reason: 'deniedByPolicy', blockedBy: { policyAssignmentName: manifest.scenario.denyAssignmentName, region: manifest.scenario.restrictedRegion } });
      expect(s.blockedBy!.resourceGroupId).toBe(`/subscriptions/${sub}/resourceGroups/DefenderForCloud-Scanner`);
      expect(s.blockedBy!.exemptionCommand).toContain(`--scope /subscriptions/${sub}/resourceGroups/DefenderForCloud-Scanner`);
    }
    for (const sub of manifest.scenario.nakedSubscriptionIds) expect(status.get(sub.toLowerCase())).toMatchObject({ provisioned: false, reason: 'planOff' });
    const provisioned = [...status.values()].filter((s) => s.provisioned).map((s) => s.subscriptionId.toLowerCase()).sort();
    expect(provisioned).toEqual(manifest.subscriptions.map((s) => s.subscriptionId.toLowerCase()).filter((s) => !manifest.scenario.scannerSubscriptionIds.map((x) => x.toLowerCase()).includes(s) && !manifest.scenario.nakedSubscriptionIds.map((x) => x.toLowerCase()).includes(s)).sort());
    const graph = await GraphSession.open(ctx);
    for (const sub of manifest.scenario.scannerSubscriptionIds) expect(needsScanner(graph, sub)).toEqual([]);
  });

  it('the printed exemption provisions the scanner: its findings reach the graph and vulnerability paths appear', async () => {
    const sub = manifest.scenario.scannerSubscriptionIds[0];
    const command = (await agentlessScanningStatus(ctx)).get(sub.toLowerCase())!.blockedBy!.exemptionCommand;
    const args = command.split(' ').slice(1);
    const r = await runCli([...args, '--store', storePath], { PALISADE_NOW: NOW });
    expect(r.code, r.stderr).toBe(0);
    const after = await agentlessScanningStatus(ctx);
    expect(after.get(sub.toLowerCase())).toMatchObject({ provisioned: true, plan: 'CloudPosture' });
    expect(after.get(manifest.scenario.scannerSubscriptionIds[1].toLowerCase())?.provisioned).toBe(false);
    const graph = await GraphSession.open(ctx);
    expect(needsScanner(graph, sub).length).toBeGreaterThan(0);
  });
});
