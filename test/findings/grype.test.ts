import { describe, expect, it } from 'vitest';
import { parseFindings } from '../../src/findings/index.js';
import { REGISTRY_ID, SUB, caught, fixture, lineOf, registryByLoginServer } from './helpers.js';

describe('Grype JSON', () => {
  it('reads an image scan: matches and ignoredMatches (suppressed) on the ACR image', () => {
    const report = parseFindings(fixture('grype-image.json'), 'grype-image.json', { registryByLoginServer });
    const imageId = `${REGISTRY_ID}/repositories/web%2Ffrontend/tags/2.0.1`;
    expect(report.counts).toEqual({ records: 4, vulnerabilities: 4, secrets: 0, unmapped: 0, unknownResources: 0, suppressed: 1 });
    expect(report.findings.every((f) => f.resourceId === imageId && f.image === 'contosoacr.azurecr.io/web/frontend:2.0.1')).toBe(true);
    const [spring, jetty, gpg, coreutils] = report.findings;
    expect(spring).toMatchObject({
      kind: 'vulnerability',
      id: 'GHSA-36p3-wjmg-h94x',
      severity: 'Critical',
      title: 'Remote Code Execution in Spring Framework',
      packageName: 'spring-beans',
      installedVersion: '5.3.17',
      fixedVersion: '5.3.18',
      cvssScore: 9.8,
      remoteCodeExecution: true,
      source: { format: 'grype', file: 'grype-image.json', path: '$.matches[0]' },
    });
    expect(jetty).toMatchObject({ id: 'CVE-2023-26049', severity: 'Medium', cvssScore: 5.3, fixedVersion: '9.4.51.v20230217', remoteCodeExecution: false });
    // a title is the first sentence of the description, unless that sentence says too little
    expect(jetty.title.startsWith('Jetty is a java based web server and servlet engine. Nonstandard cookie parsing')).toBe(true);
    expect(jetty.title.length).toBeLessThanOrEqual(160);
    // Negligible is Low; not-fixed gives no fixed version; the score comes from the related NVD record
    expect(gpg).toMatchObject({ id: 'CVE-2022-3219', severity: 'Low', cvssScore: 3.3 });
    expect(gpg.fixedVersion).toBeUndefined();
    expect(coreutils).toMatchObject({ id: 'CVE-2016-2781', suppressed: true, source: { path: '$.ignoredMatches[0]' } });
  });

  it('reads a directory scan whose source.metadata names the disk', () => {
    const report = parseFindings(fixture('grype-disk.json'), 'grype-disk.json');
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      resourceId: `/subscriptions/${SUB}/resourceGroups/rg-batch/providers/Microsoft.Compute/disks/osdisk-vm-batch-07`,
      id: 'CVE-2023-48795',
      severity: 'Medium',
      packageName: 'openssh-server',
      fixedVersion: '1:8.9p1-3ubuntu0.5',
      cvssScore: 5.9,
    });
    expect(report.findings[0].image).toBeUndefined();
  });

  it('source.target as a resource id string', () => {
    const doc = JSON.parse(fixture('grype-disk.json'));
    doc.source = { type: 'directory', target: `/subscriptions/${SUB}/resourceGroups/rg-batch/providers/Microsoft.Compute/virtualMachines/vm-batch-07` };
    expect(parseFindings(JSON.stringify(doc), 'g.json').findings[0].resourceId).toBe(doc.source.target);
  });

  it('a snapshot mounted at the resource id path: source.metadata.path', () => {
    const disk = `/subscriptions/${SUB}/resourceGroups/rg-batch/providers/Microsoft.Compute/disks/datadisk-1`;
    const doc = JSON.parse(fixture('grype-disk.json'));
    doc.source = { type: 'directory', target: '/mnt/x', metadata: { path: disk, note: `/subscriptions/${SUB}/not-this-one` } };
    expect(parseFindings(JSON.stringify(doc), 'g.json').findings[0].resourceId).toBe(disk);
  });

  it('coded errors for wrong types and unknown severities', () => {
    const text = fixture('grype-image.json').replace('"severity": "Medium"', '"severity": "Moderately bad"');
    const e = caught(() => parseFindings(text, 'g.json'));
    expect(e.location).toEqual({ file: 'g.json', line: lineOf(text, 'Moderately bad'), path: '$.matches[1].vulnerability.severity' });
    const cases: Array<[unknown, string]> = [
      [{ matches: {}, source: {} }, '$.matches'],
      [{ matches: [{}], source: {} }, '$.matches[0].vulnerability'],
      [{ matches: [{ vulnerability: { id: 'CVE-1' } }], source: {} }, '$.matches[0].artifact'],
      [{ matches: [{ vulnerability: { id: 'CVE-1' }, artifact: { name: 1 } }], source: {} }, '$.matches[0].artifact.name'],
      [{ matches: [{ vulnerability: { id: 'CVE-1', cvss: [{ metrics: { baseScore: 'high' } }] }, artifact: { name: 'x' } }], source: {} }, '$.matches[0].vulnerability.cvss[0].metrics.baseScore'],
      [{ matches: [], source: { target: 42 } }, '$.source.target'],
    ];
    for (const [doc, path] of cases) {
      const err = caught(() => parseFindings(JSON.stringify(doc), 'bad.json', { format: 'grype' }));
      expect([err.code, err.location?.path]).toEqual(['FindingsInvalidRecord', path]);
    }
  });
});
