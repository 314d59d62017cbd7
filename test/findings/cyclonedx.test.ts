import { describe, expect, it } from 'vitest';
import { parseFindings } from '../../src/findings/index.js';
import { REGISTRY_ID, caught, fixture, lineOf, registryByLoginServer } from './helpers.js';

const ERP = '/subscriptions/0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d/resourceGroups/RG-ERP/providers/Microsoft.Compute';

describe('CycloneDX 1.5', () => {
  it('reads an image BOM: components by bom-ref (nested too), ratings, CWEs, VEX not_affected kept but suppressed', () => {
    const report = parseFindings(fixture('image.cdx.json'), 'image.cdx.json', { registryByLoginServer });
    const imageId = `${REGISTRY_ID}/repositories/shop%2Forders/tags/2024.06.1`;
    expect(report.counts).toEqual({ records: 2, vulnerabilities: 2, secrets: 0, unmapped: 0, unknownResources: 0, suppressed: 1 });
    expect(report.findings[0]).toEqual({
      kind: 'vulnerability',
      resourceId: imageId,
      image: 'contosoacr.azurecr.io/shop/orders:2024.06.1',
      id: 'CVE-2021-44228',
      severity: 'Critical',
      title: expect.stringMatching(/^Apache Log4j2 JNDI features/),
      packageName: 'log4j-core',
      installedVersion: '2.14.1',
      fixedVersion: '2.15.0', // from the recommendation
      cvssScore: 10, // CVSSv31 before CVSSv2, highest first
      remoteCodeExecution: true, // AV:N and CWE-502 / CWE-917
      source: { format: 'cyclonedx', file: 'image.cdx.json', path: '$.vulnerabilities[0].affects[0]' },
    });
    expect(report.findings[1]).toMatchObject({
      id: 'CVE-2022-22965',
      packageName: 'spring-webmvc',
      installedVersion: '5.3.17',
      fixedVersion: '5.3.18', // the unaffected version
      suppressed: true,
      remoteCodeExecution: true,
    });
  });

  it('reads a VM BOM: palisade:resourceId on the main component, azure:resourceId on a vulnerability overrides it', () => {
    const report = parseFindings(fixture('vm-vex.cdx.json'), 'vm-vex.cdx.json');
    expect(report.findings.map((f) => [f.id, f.resourceId, f.severity, f.packageName, f.installedVersion, f.fixedVersion, f.suppressed ?? false])).toEqual([
      ['CVE-2023-22809', `${ERP}/virtualMachines/vm-erp-app-03`, 'High', 'sudo', '1.8.31-1ubuntu1.2', '1.8.31-1ubuntu1.4', false],
      ['CVE-2021-3156', `${ERP}/disks/vm-erp-app-03_OsDisk_1`, 'High', 'sudo', '1.8.31-1ubuntu1.2', undefined, true], // analysis resolved
    ]);
    expect(report.findings[0].remoteCodeExecution).toBe(false); // AV:L
  });

  it('a vulnerability without affects is one record; an unknown ref falls back to its purl', () => {
    const doc = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      metadata: { component: { type: 'application', name: 'x', properties: [{ name: 'azure:resourceId', value: `${ERP}/virtualMachines/vm-1` }] } },
      vulnerabilities: [
        { id: 'CVE-2024-6387', ratings: [{ score: 8.1, method: 'CVSSv31' }] },
        { id: 'CVE-2023-38408', ratings: [{ severity: 'critical' }], affects: [{ ref: 'pkg:deb/ubuntu/openssh-client@1%3A8.9p1-3ubuntu0.1?arch=amd64' }] },
      ],
    };
    const report = parseFindings(JSON.stringify(doc), 'x.cdx.json');
    expect(report.findings.map((f) => [f.id, f.severity, f.cvssScore, f.packageName, f.installedVersion, f.source.path])).toEqual([
      ['CVE-2024-6387', 'High', 8.1, undefined, undefined, '$.vulnerabilities[0]'], // severity from the score
      ['CVE-2023-38408', 'Critical', undefined, 'openssh-client', '1:8.9p1-3ubuntu0.1', '$.vulnerabilities[1].affects[0]'],
    ]);
  });

  it('specVersion with a major other than 1 is FindingsUnsupportedVersion', () => {
    const text = fixture('vm-vex.cdx.json').replace('"specVersion": "1.5"', '"specVersion": "2.0"');
    const e = caught(() => parseFindings(text, 'v2.cdx.json'));
    expect(e.code).toBe('FindingsUnsupportedVersion');
    expect(e.location).toEqual({ file: 'v2.cdx.json', line: lineOf(text, '"specVersion"'), path: '$.specVersion' });
  });

  it('coded errors for wrong types and unknown enum values', () => {
    const base = { bomFormat: 'CycloneDX', specVersion: '1.5' };
    const cases: Array<[unknown, string]> = [
      [{ ...base, vulnerabilities: [{ id: 'CVE-1', ratings: [{ severity: 'catastrophic' }] }] }, '$.vulnerabilities[0].ratings[0].severity'],
      [{ ...base, vulnerabilities: [{ id: 'CVE-1', analysis: { state: 'ignored' } }] }, '$.vulnerabilities[0].analysis.state'],
      [{ ...base, vulnerabilities: [{ id: 'CVE-1', affects: [{ ref: 5 }] }] }, '$.vulnerabilities[0].affects[0].ref'],
      [{ ...base, vulnerabilities: [{ id: 'CVE-1', cwes: [{}] }] }, '$.vulnerabilities[0].cwes[0]'],
      [{ ...base, components: [{ name: 'a', components: [{ 'bom-ref': 7 }] }] }, '$.components[0].components[0]["bom-ref"]'],
      [{ ...base, vulnerabilities: 'none' }, '$.vulnerabilities'],
    ];
    for (const [doc, path] of cases) {
      const err = caught(() => parseFindings(JSON.stringify(doc), 'bad.cdx.json'));
      expect([err.code, err.location?.path]).toEqual(['FindingsInvalidRecord', path]);
    }
  });
});
