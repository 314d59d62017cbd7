/**
 * Attack paths over the default sample estate (140 subscriptions, 30,000 resource rows, with its scanner output).
 *  - every template category the sample models (Azure VMs, Azure data, the post-2023 engine's titles) yields paths;
 *  - the scanner-blocked subscriptions show no findings, hence no path that needs a vulnerability or a secret;
 *  - the scenario's three planted exposed chains are in those subscriptions: exposure-only paths remain there;
 *  - the graph's counts are consistent with the estate (every VM a node, every role assignment resolved).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgRow } from '../../src/core/index.js';
import { generateSample, loadEstate, type SampleManifest } from '../../src/estate/index.js';
import { readFindingsFile, type Finding } from '../../src/findings/index.js';
import { RISK_WEIGHT, buildGraph, elementKey, findAttackPaths, greedyChokePoints, loadAttackPathTemplates, type AttackPath, type GraphBuild } from '../../src/graph/index.js';
import { readdirSync, statSync } from 'node:fs';

let dir: string;
let manifest: SampleManifest;
let build: GraphBuild;
let paths: AttackPath[];
let legacy: AttackPath[];

function files(root: string): string[] {
  return readdirSync(root).flatMap((n) => (statSync(join(root, n)).isDirectory() ? files(join(root, n)) : [join(root, n)]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-sample-paths-'));
  manifest = await generateSample({ outDir: dir });
  const rows: ArgRow[] = [];
  const loaded = loadEstate([dir]);
  for await (const batch of loaded.batches()) for (const r of batch) rows.push(r.row);
  const registries = new Map(rows.filter((r) => r.type.toLowerCase() === 'microsoft.containerregistry/registries').map((r) => [`${r.name.toLowerCase()}.azurecr.io`, r.id]));
  // what the scanner shows: the directories of the subscriptions where it was provisioned when the sample was made
  const scanned = manifest.findings.scannedSubscriptionIds.filter((s) => existsSync(join(dir, 'findings', s))).flatMap((s) => files(join(dir, 'findings', s)));
  const findings: Finding[] = scanned.flatMap((f) => readFindingsFile(f, { registryByLoginServer: (s) => registries.get(s.toLowerCase()) }).findings);
  build = buildGraph({ rows, findings, directory: manifest.principals });
  const templates = loadAttackPathTemplates();
  paths = findAttackPaths(build.graph, templates);
  legacy = findAttackPaths(build.graph, templates, { includeLegacy: true });
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('attack paths on the sample estate', () => {
  it('resolves every role assignment and maps every finding', () => {
    expect(build.stats.identity.unresolvedRoles).toBe(0);
    expect(build.stats.identity.unresolvedScopes).toBe(0);
    expect(build.stats.findings.unknownResources).toBe(0);
    expect(build.stats.findings.vulnerabilities).toBeGreaterThan(1000);
    expect(build.stats.findings.secrets).toBeGreaterThan(20);
    expect(build.stats.nodesByType.AzureVM).toBe(manifest.counts.byType['microsoft.compute/virtualmachines']);
  });

  it('yields paths in every category it models', () => {
    const modelled = new Set(loadAttackPathTemplates().filter((t) => !t.notModelled).map((t) => t.category));
    const found = new Set(legacy.map((p) => p.category));
    expect([...modelled].sort()).toEqual(['Azure VMs', 'Azure data', 'post-2023 dynamic engine']);
    for (const category of modelled) expect(found.has(category), category).toBe(true);
    // Each kind of chain appears: identity, secrets, data exposure, and the single-node ones.
    const templates = new Set(legacy.map((p) => p.templateId));
    for (const id of ['az-vm-internet-highsev', 'az-vm-internet-highsev-keyvault-read', 'az-vm-internet-highsev-datastore-sensitive-read', 'az-vm-highsev-secret-to-storage', 'az-vm-highsev-secret-to-sql', 'az-manageddb-wideexposure-basicauth', 'az-blob-internet-sensitive-public', 'az-vm-wide-internet-highperm-storage']) {
      expect(templates.has(id), id).toBe(true);
    }
  });

  it('has no vulnerability- or secret-based path in the subscriptions whose scanner is blocked', () => {
    const blocked = new Set(manifest.scenario.scannerSubscriptionIds.map((s) => s.toLowerCase()));
    expect(blocked.size).toBe(3);
    expect(manifest.findings.blockedSubscriptionIds.map((s) => s.toLowerCase()).sort()).toEqual([...blocked].sort());
    const g = build.graph;
    const inBlocked = legacy.filter((p) => blocked.has((g.nodes[p.entry].subscriptionId ?? '').toLowerCase()));
    const needsScanner = (p: AttackPath) => p.elements.some((e) => e.kind === 'insight' && /Vulnerab|RemoteCode/.test(e.insight)) || p.edges.some((e) => g.edgeKind(e) === 'hasSecret');
    expect(inBlocked.filter(needsScanner)).toEqual([]);
    // Elsewhere the scanner-based paths exist.
    expect(legacy.filter((p) => !blocked.has((g.nodes[p.entry].subscriptionId ?? '').toLowerCase())).some(needsScanner)).toBe(true);
    // The planted chains sit in the blocked subscriptions and still show their exposure-only paths.
    for (const chain of manifest.scenario.exposedChains) expect(blocked.has(chain.subscriptionId.toLowerCase())).toBe(true);
    const chainVms = new Set(manifest.scenario.exposedChains.map((c) => c.vmId.toLowerCase()));
    expect(paths.some((p) => chainVms.has(g.nodes[p.entry].key) && p.templateId === 'az-vm-wide-internet-highperm-storage')).toBe(true);
  });

  it('ranks Critical first and gives unique, stable ids', () => {
    const order = ['Critical', 'High', 'Medium', 'Low'];
    for (let i = 1; i < paths.length; i++) expect(order.indexOf(paths[i - 1].riskLevel)).toBeLessThanOrEqual(order.indexOf(paths[i].riskLevel));
    expect(new Set(paths.map((p) => p.id)).size).toBe(paths.length);
    expect(findAttackPaths(build.graph, loadAttackPathTemplates()).map((p) => p.id)).toEqual(paths.map((p) => p.id));
  });

  it('picks, lazily, at every round an element of the largest open risk weight (what re-scoring everything gives)', () => {
    const lazy = greedyChokePoints(build.graph, legacy);
    const members = new Map<string, number[]>();
    legacy.forEach((p, i) => {
      for (const el of p.elements) {
        const k = elementKey(el);
        const list = members.get(k) ?? [];
        if (list[list.length - 1] !== i) list.push(i);
        members.set(k, list);
      }
    });
    const byId = new Map(legacy.map((p, i) => [p.id, i]));
    const broken = new Set<number>();
    for (const pick of lazy) {
      let best = 0;
      for (const list of members.values()) {
        const w = list.filter((i) => !broken.has(i)).reduce((s, i) => s + RISK_WEIGHT[legacy[i].riskLevel], 0);
        if (w > best) best = w;
      }
      expect(pick.weight).toBe(best);
      const open = members.get(elementKey(pick.element))!.filter((i) => !broken.has(i));
      expect(pick.pathIds.map((id) => byId.get(id)).sort((a, b) => a! - b!)).toEqual(open);
      for (const i of open) broken.add(i);
    }
    expect(broken.size).toBe(legacy.length);
  });
});
