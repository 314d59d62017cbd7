import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalKey } from '../../src/core/index.js';
import { sampleFindingFiles, sampleImageResourceId, type SampleFindingTarget } from '../../src/estate/sample/findings.js';
import { detectFormat, imageResourceId, parseFindings, parseImageRef, type Finding } from '../../src/findings/index.js';

const S1 = '11111111-2222-4333-8444-555555555555';
const S2 = '99999999-8888-4777-8666-555555555555';
const rg = (sub: string, name: string): string => `/subscriptions/${sub}/resourceGroups/${name}`;
const vm = (sub: string, group: string, name: string): string => `${rg(sub, group)}/providers/Microsoft.Compute/virtualMachines/${name}`;
const ACR1 = `${rg(S1, 'rg-acr')}/providers/Microsoft.ContainerRegistry/registries/contosoprodacr`;
const ACR2 = `${rg(S2, 'rg-shared')}/providers/Microsoft.ContainerRegistry/registries/contosodevacr`;
const STORAGE = `${rg(S1, 'rg-data')}/providers/Microsoft.Storage/storageAccounts/stcontosoexports`;
const SQL = `${rg(S1, 'rg-data')}/providers/Microsoft.Sql/servers/sql-contoso-ledger`;
const DB_VM = vm(S1, 'rg-data', 'vm-db-01');

const image = (registryId: string, loginServer: string, repo: string, tag: string): SampleFindingTarget => {
  const ref = `${loginServer}/${repo}:${tag}`;
  return { resourceId: sampleImageResourceId(registryId, ref), kind: 'image', image: ref, name: `${repo.replace(/\//g, '-')}-${tag}`, highSeverity: false };
};

const TARGETS: SampleFindingTarget[] = [
  { resourceId: vm(S1, 'rg-web', 'vm-web-01'), kind: 'vm', name: 'vm-web-01', highSeverity: true, secrets: [{ type: 'sshPrivateKey', targetResourceId: DB_VM, targetName: 'vm-db-01' }] },
  {
    resourceId: vm(S1, 'rg-web', 'vm-web-02'),
    kind: 'vm',
    name: 'vm-web-02',
    highSeverity: true,
    secrets: [
      { type: 'storageConnectionString', targetResourceId: STORAGE, targetName: 'stcontosoexports' },
      { type: 'sqlConnectionString', targetResourceId: SQL, targetName: 'sql-contoso-ledger' },
    ],
  },
  { resourceId: vm(S1, 'rg-batch', 'vm-batch-01'), kind: 'vm', name: 'vm-batch-01', highSeverity: false },
  { resourceId: vm(S2, 'rg-dev', 'vm-web-01'), kind: 'vm', name: 'vm-web-01', highSeverity: false, secrets: [{ type: 'sshPrivateKey', targetResourceId: DB_VM, targetName: 'vm-db-01' }] },
  { ...image(ACR1, 'contosoprodacr.azurecr.io', 'payments/api', '1.4.2'), highSeverity: true, secrets: [{ type: 'storageConnectionString', targetResourceId: STORAGE, targetName: 'stcontosoexports' }] },
  { ...image(ACR1, 'contosoprodacr.azurecr.io', 'payments/worker', '3.1.0'), highSeverity: false },
  { ...image(ACR2, 'contosodevacr.azurecr.io', 'web', '2024.06.1'), highSeverity: true, secrets: [{ type: 'sqlConnectionString', targetResourceId: SQL, targetName: 'sql-contoso-ledger' }] },
  { ...image(ACR2, 'contosodevacr.azurecr.io', 'tools/cli', '0.9.0'), highSeverity: false },
];
const BASE = '2026-09-01T00:00:00.000Z';

const registries = new Map([
  ['contosoprodacr.azurecr.io', ACR1],
  ['contosodevacr.azurecr.io', ACR2],
]);
const known = new Set([...TARGETS.map((t) => canonicalKey(t.resourceId))]);

function parseAll(files: ReturnType<typeof sampleFindingFiles>): Map<string, Finding[]> {
  const byResource = new Map<string, Finding[]>();
  for (const f of files) {
    expect(detectFormat(JSON.parse(f.text))).toBe(f.format);
    const report = parseFindings(f.text, f.file, { registryByLoginServer: (s) => registries.get(s), knownResource: (id) => known.has(canonicalKey(id)) });
    expect([f.file, report.counts.unmapped, report.counts.unknownResources]).toEqual([f.file, 0, 0]);
    expect(report.counts.records).toBeGreaterThan(0);
    for (const finding of report.findings) {
      const key = canonicalKey(finding.resourceId);
      byResource.set(key, [...(byResource.get(key) ?? []), finding]);
    }
  }
  return byResource;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sample finding files', () => {
  it('are deterministic, without Math.random', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    const a = sampleFindingFiles(TARGETS, BASE, 'contoso');
    const b = sampleFindingFiles(TARGETS, BASE, 'contoso');
    expect(b).toEqual(a);
    const c = sampleFindingFiles(TARGETS, BASE, 'fabrikam');
    expect(c.map((f) => f.text)).not.toEqual(a.map((f) => f.text));
  });

  it('rotate through the four formats, with unique file names and companion secret files', () => {
    const files = sampleFindingFiles(TARGETS, BASE, 'contoso');
    expect(new Set(files.map((f) => f.format))).toEqual(new Set(['trivy', 'grype', 'sarif', 'cyclonedx']));
    expect(new Set(files.map((f) => f.file)).size).toBe(files.length);
    for (const f of files) expect(f.file).toMatch(/^findings\/(trivy|grype|sarif|cyclonedx)-(vm|image)-[A-Za-z0-9._-]+\.(json|sarif|cdx\.json)$/);
    const main = files.filter((f) => !f.file.includes('-secrets.'));
    expect(main).toHaveLength(TARGETS.length);
    // consecutive targets get consecutive formats
    const order = ['trivy', 'grype', 'sarif', 'cyclonedx'];
    for (let i = 1; i < main.length; i++) expect(order.indexOf(main[i].format)).toBe((order.indexOf(main[i - 1].format) + 1) % 4);
    // the two VMs named vm-web-01 (different subscriptions) do not collide
    expect(main.filter((f) => f.file.includes('vm-web-01'))).toHaveLength(2);
    for (const f of files.filter((x) => x.file.includes('-secrets.'))) expect(['trivy', 'sarif']).toContain(f.format);
  });

  it('parse back to the targets: resource ids, severities, RCE flags, secret types and targets', () => {
    for (const seed of ['contoso', 'fabrikam', 'northwind', 'tailspin']) {
      const byResource = parseAll(sampleFindingFiles(TARGETS, BASE, seed));
      expect(new Set(byResource.keys())).toEqual(known);
      for (const target of TARGETS) {
        const findings = byResource.get(canonicalKey(target.resourceId)) ?? [];
        for (const f of findings) expect(f.resourceId).toBe(target.resourceId);
        if (target.kind === 'image') for (const f of findings) expect(f.image).toBe(target.image);
        const vulns = findings.filter((f) => f.kind === 'vulnerability');
        const highIds = target.kind === 'vm' ? ['CVE-2024-6387', 'CVE-2023-38408'] : ['CVE-2021-44228', 'CVE-2022-22965'];
        if (target.highSeverity) {
          for (const id of highIds) {
            expect(vulns.find((v) => v.id === id)).toMatchObject({ severity: 'Critical', remoteCodeExecution: true });
            expect(vulns.find((v) => v.id === id)?.suppressed).toBeUndefined();
          }
          expect(vulns.length).toBeGreaterThan(highIds.length);
        } else {
          expect(vulns.length).toBeGreaterThanOrEqual(2);
          for (const v of vulns) {
            expect(['Medium', 'Low']).toContain(v.severity);
            expect(v.remoteCodeExecution).toBe(false);
          }
        }
        for (const v of vulns) {
          expect(v.id).toMatch(/^CVE-\d{4}-\d+$/);
          expect(v.packageName).toBeTruthy();
          expect(v.installedVersion).toBeTruthy();
        }
        const secrets = findings.filter((f) => f.kind === 'secret');
        const expected = (target.secrets ?? []).map((s) => [
          s.type,
          s.type === 'sshPrivateKey' ? s.targetResourceId : s.type === 'storageConnectionString' ? s.targetName : `${s.targetName}.database.windows.net`,
        ]);
        expect(secrets.map((s) => [s.secretType, s.secretTarget]).sort()).toEqual(expected.sort());
      }
    }
  });

  it('file names stay unique when targets repeat', () => {
    // eight copies: each format comes round twice, with the same name (once in another case)
    const same = [...Array(7).fill(TARGETS[0]), { ...TARGETS[0], name: 'VM-WEB-01' }];
    const files = sampleFindingFiles(same, BASE, 'contoso');
    expect(new Set(files.map((f) => f.file.toLowerCase())).size).toBe(files.length);
  });

  it('image ids follow the findings convention', () => {
    for (const ref of ['contosoprodacr.azurecr.io/payments/api:1.4.2', 'contosoprodacr.azurecr.io/api', 'contosoprodacr.azurecr.io/a/b@sha256:0123456789abcdef0123456789abcdef']) {
      expect(sampleImageResourceId(ACR1, ref)).toBe(imageResourceId(ACR1, parseImageRef(ref)!));
    }
  });

  it('an empty target list gives no files; a bad base time is an error', () => {
    expect(sampleFindingFiles([], BASE, 'contoso')).toEqual([]);
    expect(() => sampleFindingFiles(TARGETS, 'yesterday', 'contoso')).toThrow(/baseTime/);
  });
});
