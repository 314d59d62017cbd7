/**
 * `palisade findings ...`, `palisade security attack-path ...`, `palisade graph show` and the prioritisation hook on
 * the article-chain fixture in a real SQLite store: the estate import brings the fixture's findings/ along; paths and
 * choke points come out in the Resource Graph shape; malformed scanner files give coded errors with their location
 * and write nothing; unknown resources are counted, not fatal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const FIXTURE = resolve(import.meta.dirname, '..', 'fixtures', 'graph', 'article-chain');
let dir: string;
let env: NodeJS.ProcessEnv;

async function json(args: string[]): Promise<unknown> {
  const r = await runCli(args, env);
  expect(r.stderr.replace(/^WARNING:.*\n/gm, '')).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-graph-cli-'));
  env = { PALISADE_STORE: join(dir, 'store.db'), PALISADE_NOW: '2026-09-01T00:00:00Z' };
  const imported = (await json(['estate', 'import', '--from', FIXTURE])) as { findings: { files: number; findings: number } };
  expect(imported.findings).toEqual({ files: 2, findings: 2 });
});

describe('attack paths from the CLI', () => {
  it('lists the paths in the Resource Graph shape, Critical first', async () => {
    const page = (await json(['security', 'attack-path', 'list'])) as { value: Array<{ id: string; name: string; type: string; properties: Record<string, unknown> }> };
    expect(page.value.map((p) => [p.properties.attackPathType, p.properties.riskLevel])).toEqual([
      ['az-vm-internet-highsev-keyvault-read', 'Critical'],
      ['az-vm-internet-highsev', 'High'],
    ]);
    const [kv] = page.value;
    expect(kv.type).toBe('microsoft.security/attackpaths');
    expect(kv.id).toBe(`/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Security/attackPaths/${kv.name}`);
    expect(kv.properties.entryPointEntityInternalID).toMatch(/virtualMachines\/vm-jumpbox$/);
    expect(kv.properties.targetEntityInternalID).toMatch(/vaults\/kv-payments$/);
    const graph = kv.properties.graphComponent as { entities: unknown[]; connections: Array<{ title: string }>; insights: Array<{ id: string }> };
    expect(graph.entities).toHaveLength(6);
    expect(graph.connections.map((c) => c.title)).toEqual(['routesTrafficTo', 'routesTrafficTo', 'routesTrafficTo', 'canAuthenticateAs', 'hasPermissionTo']);
    expect(graph.insights.map((i) => i.id)).toEqual(expect.arrayContaining(['exposedToInternet', 'hasHighSeverityVulnerabilities', 'isCritical']));
    const shown = (await json(['security', 'attack-path', 'show', '--name', kv.name])) as { name: string };
    expect(shown.name).toBe(kv.name);
    const critical = (await json(['security', 'attack-path', 'list', '--risk-level', 'Critical', '--query', 'length(value)'])) as number;
    expect(critical).toBe(1);
  });

  it('names the choke point and the NSG rule behind it', async () => {
    const top = (await json(['security', 'attack-path', 'choke-points', '--top', '1'])) as Array<{ fix: string; pathsBroken: number; nsgRules: string[] }>;
    expect(top).toHaveLength(1);
    expect(top[0].fix).toBe('routesTrafficTo pip-jumpbox → nic-jumpbox');
    expect(top[0].pathsBroken).toBe(2);
    expect(top[0].nsgRules[0]).toMatch(/securityRules\/allow-ssh-internet$/);
    const exact = (await json(['security', 'attack-path', 'choke-points', '--target', '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-payments-edge/providers/Microsoft.KeyVault/vaults/kv-payments'])) as { paths: number; chokePoints: unknown[] };
    expect(exact.paths).toBe(1);
    expect(exact.chokePoints.length).toBeGreaterThan(3);
  });

  it('reports a missing path with exit code 3', async () => {
    const r = await runCli(['security', 'attack-path', 'show', '--name', 'nope'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('AttackPathNotFound');
  });

  it('shows graph statistics and lists the templates with what is not modelled', async () => {
    const stats = (await json(['graph', 'show'])) as { nodes: number; attackPaths: { total: number } };
    expect(stats.attackPaths.total).toBe(2);
    const templates = (await json(['security', 'attack-path', 'template', 'list'])) as Array<{ id: string; modelled: boolean; notModelled: string | null }>;
    expect(templates).toHaveLength(33);
    expect(templates.filter((t) => !t.modelled).every((t) => typeof t.notModelled === 'string' && t.notModelled.length > 10)).toBe(true);
  });

  it('ranks the exposed VM first when prioritising recommendations', async () => {
    const items = (await json(['security', 'recommendation', 'prioritize'])) as Array<{ resourceId: string; exploitability: number; exposure: { onAttackPath: boolean } | null }>;
    const onPath = items.filter((i) => i.exposure?.onAttackPath);
    expect(onPath.length).toBeGreaterThan(0);
    // Internet-facing and on a path: 1 + 2 × 1 + 1.
    expect(onPath.every((i) => /vm-jumpbox$|kv-payments$|pip-jumpbox$|nic-jumpbox$/.test(i.resourceId))).toBe(true);
    expect(Math.max(...items.map((i) => i.exploitability))).toBe(4);
    expect(items.find((i) => /vm-jumpbox$/.test(i.resourceId))?.exploitability).toBe(4);
    // vm-batch is one lateral hop behind the exposed VM: 1 + 2 × 1/2, on no default path.
    expect(items.find((i) => /vm-batch$/.test(i.resourceId))?.exploitability).toBe(2);
  });
});

describe('findings from the CLI', () => {
  it('lists imported findings and files', async () => {
    const files = (await json(['findings', 'list', '--files'])) as Array<{ name: string; format: string }>;
    expect(files.map((f) => f.name)).toEqual(['trivy-vm-batch.json', 'trivy-vm-jumpbox.json']);
    const critical = (await json(['findings', 'list', '--severity', 'Critical'])) as Array<{ id: string }>;
    expect(critical.map((f) => f.id)).toEqual(['CVE-2024-6387']);
  });

  it('rejects a malformed file with a coded error and its location, writing nothing', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"SchemaVersion": 2,\n "ArtifactName": "x",\n "Results": [ { "Vulnerabilities": [ {"VulnerabilityID": "CVE-1", } ] } ]\n}\n');
    const r = await runCli(['findings', 'import', '--file', bad], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FindingsJsonSyntax');
    expect(r.stderr).toContain('bad.json:3');
    const files = (await json(['findings', 'list', '--files'])) as unknown[];
    expect(files).toHaveLength(2);
  });

  it('counts findings on resources the estate does not hold instead of failing', async () => {
    const file = join(dir, 'elsewhere.json');
    writeFileSync(
      file,
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: '/subscriptions/99999999-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-gone',
        ArtifactType: 'vm',
        Results: [{ Target: 'vm-gone', Vulnerabilities: [{ VulnerabilityID: 'CVE-2021-44228', PkgName: 'log4j', InstalledVersion: '2.14.1', Severity: 'CRITICAL' }] }],
      }),
    );
    const r = await runCli(['findings', 'import', '--file', file], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { unknownResources: number; unknownResourceIds: Array<{ resourceId: string }> };
    expect(out.unknownResources).toBe(1);
    expect(out.unknownResourceIds[0].resourceId).toMatch(/vm-gone$/);
    expect(r.stderr).toContain('not in the estate');
    const deleted = await runCli(['findings', 'delete', '--name', 'elsewhere.json'], env);
    expect(deleted.code).toBe(0);
  });
});

describe('the explorer and export from the CLI', () => {
  it('lists and runs saved queries', async () => {
    const templates = (await json(['graph', 'template', 'list'])) as Array<{ id: string }>;
    expect(templates.length).toBeGreaterThanOrEqual(10);
    const run = (await json(['graph', 'template', 'run', '-n', 'vm-internet-highsev'])) as { count: number; results: Array<{ name: string }> };
    expect(run.results.map((r) => r.name)).toEqual(['vm-jumpbox']);
  });

  it('runs a query file, and rejects a bad one with its JSON path', async () => {
    const file = join(dir, 'q.json');
    writeFileSync(file, JSON.stringify({ entity: 'AzureVM', connections: [{ edge: 'canAuthenticateAs', entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }] }] }));
    const result = (await json(['graph', 'query', '--file', file])) as { count: number; results: Array<{ name: string }> };
    expect(result.results.map((r) => r.name)).toEqual(['vm-jumpbox']);
    writeFileSync(file, JSON.stringify({ entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet' }, { property: 'name', op: 'like', value: 'x' }] }));
    const bad = await runCli(['graph', 'query', '--file', file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\$\.conditions\[1\]/);
  });

  it('exports GraphML and JSON with every node', async () => {
    const stats = (await json(['graph', 'show'])) as { nodes: number; edges: number };
    const out = join(dir, 'graph.json');
    const written = (await json(['graph', 'export', '--format', 'json', '--file', out])) as { nodes: number; edges: number };
    expect(written).toMatchObject({ nodes: stats.nodes, edges: stats.edges });
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { nodes: unknown[]; edges: unknown[] };
    expect(doc.nodes).toHaveLength(stats.nodes);
    const graphml = await runCli(['graph', 'export', '--format', 'graphml'], env);
    expect(graphml.code).toBe(0);
    expect(graphml.stdout.startsWith('<?xml')).toBe(true);
    expect((graphml.stdout.match(/<node /g) ?? []).length).toBe(stats.nodes);
  });
});

