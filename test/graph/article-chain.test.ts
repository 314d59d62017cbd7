import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArgRow } from '../../src/core/index.js';
import { readFindingsFile } from '../../src/findings/index.js';
import { buildGraph, findAttackPaths, greedyChokePoints, loadAttackPathTemplates, targetChokePoints, describeElement } from '../../src/graph/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'graph', 'article-chain');

function rows(): ArgRow[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(DIR, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ArgRow));
}

function findings() {
  return ['trivy-vm-jumpbox.json', 'trivy-vm-batch.json'].flatMap((f) => readFindingsFile(join(DIR, 'findings', f)).findings);
}

function scan(mutate?: (rows: ArgRow[]) => ArgRow[], options: { includeLegacy?: boolean } = {}) {
  const build = buildGraph({ rows: mutate ? mutate(rows()) : rows(), findings: findings() });
  const paths = findAttackPaths(build.graph, loadAttackPathTemplates(), options);
  return { ...build, paths };
}

const summary = (s: ReturnType<typeof scan>) =>
  s.paths.map((p) => `${p.templateId} ${s.graph.nodes[p.entry].name} -> ${s.graph.nodes[p.target].name} ${p.riskLevel}`).sort();

describe('the article chain (internet-exposed VM with a critical CVE whose identity can read a critical Key Vault)', () => {
  it('yields exactly the expected paths and risk levels', () => {
    const s = scan();
    expect(summary(s)).toEqual([
      'az-vm-internet-highsev vm-jumpbox -> vm-jumpbox High',
      'az-vm-internet-highsev-keyvault-read vm-jumpbox -> kv-payments Critical',
    ]);
    const kvPath = s.paths.find((p) => p.templateId === 'az-vm-internet-highsev-keyvault-read')!;
    expect(kvPath.nodes.map((n) => s.graph.nodes[n].name)).toEqual([
      'Internet',
      'pip-jumpbox',
      'nic-jumpbox',
      'vm-jumpbox',
      'vm-jumpbox (system-assigned)',
      'kv-payments',
    ]);
    expect(kvPath.edges.map((e) => s.graph.edgeKind(e))).toEqual(['routesTrafficTo', 'routesTrafficTo', 'routesTrafficTo', 'canAuthenticateAs', 'hasPermissionTo']);
    expect(kvPath.riskFactors).toEqual(['Internet exposure', 'Wide exposure', 'Vulnerabilities', 'Lateral movement', 'Sensitive data', 'Critical asset']);
    expect(kvPath.recommendations.map((r) => r.name)).toContain('Management ports should be closed on your virtual machines');
    expect(kvPath.additionalRecommendations.map((r) => r.name)).toContain('Azure Key Vault should use RBAC permission model');
    const vm = s.graph.node(kvPath.nodes.map((n) => s.graph.nodes[n]).find((n) => n.name === 'vm-jumpbox')!.key)!;
    expect(vm.insights.get('exposedToInternet')?.value).toMatchObject({ width: 'wide', ports: [{ protocol: 'Tcp', ports: ['22'], width: 'wide' }] });
    expect(vm.insights.get('vulnerableToRemoteCodeExecution')?.value).toEqual({ cves: ['CVE-2024-6387'] });
  });

  it('shares one frozen element object per edge and per entry insight among the paths', () => {
    const s = scan();
    const [vmPath, kvPath] = ['az-vm-internet-highsev', 'az-vm-internet-highsev-keyvault-read'].map((id) => s.paths.find((p) => p.templateId === id)!);
    // Both paths start with the same route from the Internet and the same vulnerable entry.
    const firstEdge = vmPath.elements.find((e) => e.kind === 'edge')!;
    expect(kvPath.elements).toContain(firstEdge);
    expect(kvPath.elements.filter((e) => e.kind === 'edge' && firstEdge.kind === 'edge' && e.edge === firstEdge.edge)).toEqual([firstEdge]);
    const insight = vmPath.elements.find((e) => e.kind === 'insight')!;
    expect(kvPath.elements.find((e) => e.kind === 'insight')).toBe(insight);
    expect(Object.isFrozen(firstEdge) && Object.isFrozen(insight)).toBe(true);
    // Recommendations are listed once per (key, resource), whatever the case of the resource id.
    for (const p of s.paths) {
      const keys = p.recommendations.concat(p.additionalRecommendations).map((r) => `${r.key}|${r.resourceId.toLowerCase()}`);
      expect(new Set(p.recommendations.map((r) => `${r.key}|${r.resourceId.toLowerCase()}`)).size).toBe(p.recommendations.length);
      expect(keys.length).toBeGreaterThan(0);
    }
  });

  it('gives the same ids on a second build (stable path ids)', () => {
    expect(scan().paths.map((p) => p.id)).toEqual(scan().paths.map((p) => p.id));
  });

  it('names the NSG-admitted route as the choke point, greedily and exactly for the vault', () => {
    const s = scan();
    const [first] = greedyChokePoints(s.graph, s.paths);
    expect(first.label).toBe('routesTrafficTo pip-jumpbox → nic-jumpbox');
    expect(first.pathIds).toHaveLength(2);
    const edge = s.graph.edge((first.element as { edge: number }).edge);
    expect(edge.properties?.nsgRules).toEqual([expect.stringMatching(/securityRules\/allow-ssh-internet$/)]);
    const kv = s.paths.find((p) => p.templateId === 'az-vm-internet-highsev-keyvault-read')!;
    const exact = targetChokePoints(s.graph, s.paths, kv.target);
    // One path to the vault: every element of it dominates the vault.
    expect(exact.elements.map((c) => c.label)).toEqual([
      'routesTrafficTo Internet → pip-jumpbox',
      'routesTrafficTo pip-jumpbox → nic-jumpbox',
      'routesTrafficTo nic-jumpbox → vm-jumpbox',
      'exposedToInternet on vm-jumpbox',
      'hasHighSeverityVulnerabilities on vm-jumpbox',
      'canAuthenticateAs vm-jumpbox → vm-jumpbox (system-assigned)',
      'hasPermissionTo vm-jumpbox (system-assigned) → kv-payments',
    ]);
    expect(exact.nodes.map((n) => s.graph.nodes[n].name)).toEqual(['pip-jumpbox', 'nic-jumpbox', 'vm-jumpbox', 'vm-jumpbox (system-assigned)']);
    expect(describeElement(s.graph, first.element)).toBe(first.label);
  });

  it('loses every path when the NSG rule that admits SSH from the internet is removed', () => {
    const s = scan((rs) =>
      rs.map((r) => {
        if (r.name !== 'nsg-jumpbox') return r;
        const props = { ...(r.properties as Record<string, unknown>) };
        props.securityRules = (props.securityRules as Array<{ name: string }>).filter((x) => x.name !== 'allow-ssh-internet');
        return { ...r, properties: props };
      }),
    );
    expect(s.paths).toEqual([]);
  });

  it('loses the vault path, and keeps the single-node one, when the role assignment is removed', () => {
    const s = scan((rs) => rs.filter((r) => !r.id.endsWith('00000000a001')));
    expect(summary(s)).toEqual(['az-vm-internet-highsev vm-jumpbox -> vm-jumpbox High']);
  });

  it('adds the internal (legacy) paths only when asked', () => {
    expect(summary(scan(undefined, { includeLegacy: true }))).toEqual([
      'az-vm-highsev-datastore-sensitive-read vm-batch -> stpayments Medium',
      'az-vm-highsev-keyvault-read vm-jumpbox -> kv-payments Medium',
      'az-vm-internet-highsev vm-jumpbox -> vm-jumpbox High',
      'az-vm-internet-highsev-keyvault-read vm-jumpbox -> kv-payments Critical',
    ]);
  });
});
