import { describe, expect, it } from 'vitest';
import { parseFindings } from '../../src/findings/index.js';
import { REGISTRY_ID, SUB, VM_WEB, caught, fixture, lineOf, registryByLoginServer } from './helpers.js';

describe('Trivy JSON', () => {
  it('reads a VM scan: vulnerabilities and secrets on the VM named by ArtifactName', () => {
    const report = parseFindings(fixture('trivy-vm.json'), 'trivy-vm.json');
    expect(report.counts).toEqual({ records: 6, vulnerabilities: 3, secrets: 3, unmapped: 0, unknownResources: 0, suppressed: 0 });
    expect(new Set(report.findings.map((f) => f.resourceId))).toEqual(new Set([VM_WEB]));
    const [regresshion, agent, coreutils, key, storage, sql] = report.findings;
    expect(regresshion).toEqual({
      kind: 'vulnerability',
      resourceId: VM_WEB,
      id: 'CVE-2024-6387',
      severity: 'Critical',
      title: "openssh: regreSSHion - race condition in sshd's SIGALRM handler",
      packageName: 'openssh-server',
      installedVersion: '1:8.9p1-3ubuntu0.6',
      fixedVersion: '1:8.9p1-3ubuntu0.10',
      cvssScore: 8.1,
      remoteCodeExecution: true,
      source: { format: 'trivy', file: 'trivy-vm.json', path: '$.Results[0].Vulnerabilities[0]' },
    });
    expect(agent).toMatchObject({ id: 'CVE-2023-38408', severity: 'Critical', cvssScore: 9.8, remoteCodeExecution: true });
    // NVD's v3 score is preferred to the other vendors' and to v2
    expect(coreutils).toMatchObject({ id: 'CVE-2016-2781', severity: 'Low', cvssScore: 6.5, remoteCodeExecution: false });
    expect(coreutils.fixedVersion).toBeUndefined();
    expect(key).toMatchObject({
      kind: 'secret',
      id: 'private-key',
      severity: 'High',
      title: 'Asymmetric Private Key',
      secretType: 'sshPrivateKey',
      secretTarget: `/subscriptions/${SUB}/resourceGroups/rg-payments-prod/providers/Microsoft.Compute/virtualMachines/vm-pay-db-01`,
      source: { path: '$.Results[1].Secrets[0]' },
    });
    expect(key.remoteCodeExecution).toBeUndefined();
    // the rule says "account key" but the match is a whole connection string: the text decides
    expect(storage).toMatchObject({ id: 'azure-storage-account-key', secretType: 'storageConnectionString', secretTarget: 'stpaymentsprod01', severity: 'Critical' });
    expect(sql).toMatchObject({ id: 'azure-sql-connection-string', secretType: 'sqlConnectionString', secretTarget: 'sql-payments-prod.database.windows.net' });
  });

  it('reads an image scan: the ACR reference becomes the image id, Status not_affected is suppressed', () => {
    const report = parseFindings(fixture('trivy-image.json'), 'trivy-image.json', { registryByLoginServer });
    const imageId = `${REGISTRY_ID}/repositories/payments%2Fapi/tags/1.4.2`;
    expect(report.counts).toEqual({ records: 2, vulnerabilities: 2, secrets: 0, unmapped: 0, unknownResources: 0, suppressed: 1 });
    expect(report.findings[0]).toMatchObject({
      resourceId: imageId,
      image: 'contosoacr.azurecr.io/payments/api:1.4.2',
      id: 'CVE-2021-44228',
      severity: 'Critical',
      packageName: 'org.apache.logging.log4j:log4j-core',
      fixedVersion: '2.15.0, 2.3.1, 2.12.2',
      cvssScore: 10,
      remoteCodeExecution: true,
      source: { path: '$.Results[1].Vulnerabilities[0]' },
    });
    expect(report.findings[0].suppressed).toBeUndefined();
    expect(report.findings[1]).toMatchObject({ id: 'CVE-2020-8908', severity: 'Low', suppressed: true, remoteCodeExecution: false });
  });

  it('a null Vulnerabilities list and a report without Results are fine', () => {
    const text = JSON.stringify({ SchemaVersion: 2, ArtifactName: VM_WEB, ArtifactType: 'vm', Results: [{ Target: 'x', Class: 'os-pkgs', Vulnerabilities: null }] });
    expect(parseFindings(text, 'a.json').counts.records).toBe(0);
    expect(parseFindings(JSON.stringify({ SchemaVersion: 2, ArtifactName: VM_WEB }), 'b.json').findings).toEqual([]);
  });

  it('a wrong severity is a located FindingsInvalidRecord', () => {
    const text = fixture('trivy-vm.json').replace('"Severity": "LOW"', '"Severity": "SEVERE"');
    const e = caught(() => parseFindings(text, 'trivy-vm.json'));
    expect(e.code).toBe('FindingsInvalidRecord');
    expect(e.kind).toBe('validation');
    expect(e.location).toEqual({ file: 'trivy-vm.json', line: lineOf(text, '"Severity": "SEVERE"'), path: '$.Results[0].Vulnerabilities[2].Severity' });
    expect(e.message).toContain('SEVERE');
  });

  it('values of the wrong type never crash: they are coded errors with their path', () => {
    const cases: Array<[unknown, string]> = [
      [{ SchemaVersion: 2, Results: 'nope' }, '$.Results'],
      [{ SchemaVersion: 2, Results: [7] }, '$.Results[0]'],
      [{ SchemaVersion: 2, Results: [{ Vulnerabilities: {} }] }, '$.Results[0].Vulnerabilities'],
      [{ SchemaVersion: 2, Results: [{ Vulnerabilities: [{ VulnerabilityID: 44228 }] }] }, '$.Results[0].Vulnerabilities[0].VulnerabilityID'],
      [{ SchemaVersion: 2, Results: [{ Vulnerabilities: [{ VulnerabilityID: 'CVE-1', Severity: 4 }] }] }, '$.Results[0].Vulnerabilities[0].Severity'],
      [{ SchemaVersion: 2, Results: [{ Vulnerabilities: [{ VulnerabilityID: 'CVE-1', CVSS: { nvd: { V3Score: '9.8' } } }] }] }, '$.Results[0].Vulnerabilities[0].CVSS.nvd.V3Score'],
      [{ SchemaVersion: 2, Results: [{ Vulnerabilities: [{ VulnerabilityID: 'CVE-1', CweIDs: [94] }] }] }, '$.Results[0].Vulnerabilities[0].CweIDs[0]'],
      [{ SchemaVersion: 2, Results: [{ Secrets: [{ RuleID: '' }] }] }, '$.Results[0].Secrets[0].RuleID'],
      [{ SchemaVersion: 2, Results: [{ Secrets: [{ RuleID: 'private-key', Match: ['x'] }] }] }, '$.Results[0].Secrets[0].Match'],
      [{ SchemaVersion: 2, ArtifactName: VM_WEB, Metadata: 'x' }, '$.Metadata'],
    ];
    for (const [doc, path] of cases) {
      const e = caught(() => parseFindings(JSON.stringify(doc), 'bad.json', { format: 'trivy' }));
      expect([e.code, e.location?.path]).toEqual(['FindingsInvalidRecord', path]);
    }
  });

  it('SchemaVersion other than 2, and the old bare-array schema, are FindingsUnsupportedVersion', () => {
    const e1 = caught(() => parseFindings('{"SchemaVersion": 3, "ArtifactName": "x", "Results": []}', 'v3.json'));
    expect([e1.code, e1.location?.path, e1.location?.line]).toEqual(['FindingsUnsupportedVersion', '$.SchemaVersion', 1]);
    const e2 = caught(() => parseFindings('[{"Target": "alpine:3.7 (alpine 3.7.1)", "Vulnerabilities": []}]', 'v1.json'));
    expect(e2.code).toBe('FindingsUnsupportedVersion');
  });
});
