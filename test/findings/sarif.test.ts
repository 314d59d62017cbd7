import { describe, expect, it } from 'vitest';
import { parseFindings } from '../../src/findings/index.js';
import { REGISTRY_ID, SUB, caught, fixture, lineOf, registryByLoginServer } from './helpers.js';

const VM_REPORT = `/subscriptions/${SUB}/resourceGroups/rg-reporting/providers/Microsoft.Compute/virtualMachines/vm-report-02`;

describe('SARIF 2.1.0', () => {
  it("reads Trivy's SARIF: package fields from the message, severity from the tags, the image from run properties", () => {
    const report = parseFindings(fixture('trivy-image.sarif'), 'trivy-image.sarif', { registryByLoginServer });
    const imageId = `${REGISTRY_ID}/repositories/payments%2Fworker/tags/3.1.0`;
    expect(report.counts).toEqual({ records: 3, vulnerabilities: 2, secrets: 1, unmapped: 0, unknownResources: 0, suppressed: 0 });
    expect(report.findings[0]).toEqual({
      kind: 'vulnerability',
      resourceId: imageId,
      image: 'contosoacr.azurecr.io/payments/worker:3.1.0',
      id: 'CVE-2024-6387',
      severity: 'Critical', // the CRITICAL tag wins over security-severity 8.1
      title: "openssh: regreSSHion - race condition in sshd's SIGALRM handler",
      packageName: 'openssh-server',
      installedVersion: '1:9.2p1-2+deb12u2',
      fixedVersion: '1:9.2p1-2+deb12u3',
      cvssScore: 8.1,
      remoteCodeExecution: true,
      source: { format: 'sarif', file: 'trivy-image.sarif', path: '$.runs[0].results[0]' },
    });
    expect(report.findings[1]).toMatchObject({ id: 'CVE-2024-2511', severity: 'Low', packageName: 'libssl3', cvssScore: 2 });
    expect(report.findings[1].fixedVersion).toBeUndefined();
    expect(report.findings[2]).toMatchObject({ kind: 'secret', id: 'private-key', severity: 'High', secretType: 'sshPrivateKey', title: 'Asymmetric Private Key' });
  });

  it('reads a secrets scanner (gitleaks): snippets give type and target, accepted suppressions mark the finding', () => {
    const report = parseFindings(fixture('gitleaks-vm.sarif'), 'gitleaks-vm.sarif');
    expect(report.counts).toEqual({ records: 3, vulnerabilities: 0, secrets: 3, unmapped: 0, unknownResources: 0, suppressed: 1 });
    expect(report.findings.map((f) => [f.resourceId, f.id, f.secretType, f.secretTarget, f.suppressed ?? false])).toEqual([
      [VM_REPORT, 'azure-storage-connection-string', 'storageConnectionString', 'streportingexp', false],
      [VM_REPORT, 'azure-sas-token', 'sasToken', 'streportingexp', true],
      [VM_REPORT, 'postgres-connection-string', 'postgresConnectionString', 'psql-reporting.postgres.database.azure.com', false],
    ]);
    // no level anywhere: SARIF's default level is warning
    expect(report.findings[0].severity).toBe('Medium');
  });

  it('one file, three runs: an id in automationDetails maps, a Docker Hub image and a code-scanning result are unmapped', () => {
    const report = parseFindings(fixture('mixed-runs.sarif'), 'mixed-runs.sarif', { registryByLoginServer });
    expect(report.counts).toEqual({ records: 3, vulnerabilities: 1, secrets: 0, unmapped: 2, unknownResources: 0, suppressed: 0 });
    // Grype's SARIF rule id carries the package: the advisory id is split off, package and version come from the message
    expect(report.findings[0]).toMatchObject({
      resourceId: `/subscriptions/${SUB}/resourceGroups/rg-batch/providers/Microsoft.Compute/virtualMachines/vm-batch-07`,
      id: 'CVE-2023-48795',
      severity: 'Medium',
      packageName: 'openssh-client',
      installedVersion: '1:8.9p1-3ubuntu0.4',
      fixedVersion: '1:8.9p1-3ubuntu0.5',
      cvssScore: 5.9,
    });
    expect(report.unmapped).toEqual([
      { file: 'mixed-runs.sarif', path: '$.runs[1].results[0]', reason: expect.stringContaining("'docker.io/library/nginx:1.25.3' is not on an Azure Container Registry") },
      { file: 'mixed-runs.sarif', path: '$.runs[2].results[0]', reason: expect.stringContaining("rule 'js/sql-injection' is neither a vulnerability nor a secret") },
    ]);
  });

  it('a result-level resource id wins over the run-level one; ruleIndex finds the rule without a ruleId', () => {
    const other = `/subscriptions/${SUB}/resourceGroups/rg-x/providers/Microsoft.Compute/virtualMachines/vm-x`;
    const doc = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'scanner', rules: [{ id: 'CVE-2021-44228', shortDescription: { text: 'log4shell' }, properties: { 'security-severity': 10 } }] } },
          properties: { resourceId: VM_REPORT },
          results: [{ ruleIndex: 0, message: { text: 'x' } }, { ruleId: 'CVE-2021-44228', message: { text: 'y' }, properties: { 'azure:resourceId': other } }],
        },
      ],
    };
    const report = parseFindings(JSON.stringify(doc), 's.sarif');
    expect(report.findings.map((f) => [f.id, f.resourceId, f.severity, f.cvssScore])).toEqual([
      ['CVE-2021-44228', VM_REPORT, 'Critical', 10],
      ['CVE-2021-44228', other, 'Critical', 10],
    ]);
  });

  it('a secret target in result properties is not taken for the resource; properties.secretType is used as given', () => {
    const target = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Compute/virtualMachines/vm-db-01`;
    const doc = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'keyfinder' } },
          properties: { resourceId: VM_REPORT },
          results: [
            { ruleId: 'found-key', level: 'error', message: { text: 'key in /root/.ssh/id_ed25519' }, properties: { secretType: 'sshPrivateKey', 'palisade:secretTarget': target } },
            { ruleId: 'found-conn', message: { text: 'x' }, properties: { secretType: 'cosmosConnectionString', secretTarget: 'cosmos-a.documents.azure.com' } },
          ],
        },
      ],
    };
    const report = parseFindings(JSON.stringify(doc), 'k.sarif');
    expect(report.findings.map((f) => [f.kind, f.resourceId, f.severity, f.secretType, f.secretTarget])).toEqual([
      ['secret', VM_REPORT, 'High', 'sshPrivateKey', target],
      ['secret', VM_REPORT, 'Medium', 'cosmosConnectionString', 'cosmos-a.documents.azure.com'],
    ]);
  });

  it('pass and notApplicable results are not findings', () => {
    const doc = { version: '2.1.0', runs: [{ properties: { resourceId: VM_REPORT }, results: [{ ruleId: 'CVE-2021-44228', kind: 'pass' }, { ruleId: 'CVE-2021-44228', kind: 'notApplicable' }] }] };
    expect(parseFindings(JSON.stringify(doc), 's.sarif').counts.records).toBe(0);
  });

  it('a version other than 2.1.0 is FindingsUnsupportedVersion, located', () => {
    const text = fixture('sarif-2.0.0.sarif');
    const e = caught(() => parseFindings(text, 'sarif-2.0.0.sarif'));
    expect(e.code).toBe('FindingsUnsupportedVersion');
    expect(e.kind).toBe('validation');
    expect(e.location).toEqual({ file: 'sarif-2.0.0.sarif', line: lineOf(text, '"version"'), path: '$.version' });
  });

  it('coded errors for wrong types', () => {
    const cases: Array<[unknown, string]> = [
      [{ version: '2.1.0', runs: {} }, '$.runs'],
      [{ version: '2.1.0', runs: [{ results: [{ ruleId: 'CVE-1', level: 'fatal' }] }] }, '$.runs[0].results[0].level'],
      [{ version: '2.1.0', runs: [{ results: [{ message: { text: 'no rule' } }] }] }, '$.runs[0].results[0].ruleId'],
      [{ version: '2.1.0', runs: [{ results: [{ ruleId: 'CVE-1', properties: { 'security-severity': 'high' } }] }] }, '$.runs[0].results[0].properties["security-severity"]'],
      [{ version: '2.1.0', runs: [{ tool: { driver: { rules: [{ id: 'x', properties: { tags: 'secret' } }] } } }] }, '$.runs[0].tool.driver.rules[0].properties.tags'],
      [{ version: '2.1.0', runs: [{ results: [{ ruleId: 'CVE-1', locations: [{ physicalLocation: { region: { snippet: 'x' } } }] }] }] }, '$.runs[0].results[0].locations[0].physicalLocation.region.snippet'],
    ];
    for (const [doc, path] of cases) {
      const err = caught(() => parseFindings(JSON.stringify(doc), 'bad.sarif'));
      expect([err.code, err.location?.path]).toEqual(['FindingsInvalidRecord', path]);
    }
  });
});
