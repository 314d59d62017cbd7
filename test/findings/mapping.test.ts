import { describe, expect, it } from 'vitest';
import { canonicalKey, ResourceId } from '../../src/core/index.js';
import { imageResourceId, parseFindings, parseImageRef, registryOfImageId } from '../../src/findings/index.js';
import { REGISTRY_ID, SUB, VM_WEB, caught, fixture, registryByLoginServer } from './helpers.js';

const OTHER_VM = `/subscriptions/${SUB}/resourceGroups/rg-ops/providers/Microsoft.Compute/virtualMachines/vm-ops-01`;

describe('resource mapping order', () => {
  it('(a) --resource-id wins over an id in the file, and over an image reference (which is kept as `image`)', () => {
    const a = parseFindings(fixture('trivy-vm.json'), 'trivy-vm.json', { resourceId: OTHER_VM });
    expect(new Set(a.findings.map((f) => f.resourceId))).toEqual(new Set([OTHER_VM]));
    const b = parseFindings(fixture('trivy-image.json'), 'trivy-image.json', { resourceId: OTHER_VM, registryByLoginServer });
    expect(b.findings.map((f) => [f.resourceId, f.image])).toEqual([
      [OTHER_VM, 'contosoacr.azurecr.io/payments/api:1.4.2'],
      [OTHER_VM, 'contosoacr.azurecr.io/payments/api:1.4.2'],
    ]);
  });

  it('(b) an id in the file wins over the image reference', () => {
    const doc = JSON.parse(fixture('trivy-image.json'));
    doc.Metadata.resourceId = OTHER_VM;
    const report = parseFindings(JSON.stringify(doc), 't.json', { registryByLoginServer });
    expect(report.findings.map((f) => [f.resourceId, f.image])).toEqual([
      [OTHER_VM, 'contosoacr.azurecr.io/payments/api:1.4.2'],
      [OTHER_VM, 'contosoacr.azurecr.io/payments/api:1.4.2'],
    ]);
  });

  it('(b) ids keep their case, with repeated and trailing slashes normalised', () => {
    const doc = JSON.parse(fixture('trivy-vm.json'));
    doc.ArtifactName = `/subscriptions/${SUB}/resourceGroups/RG-Payments-PROD//providers/Microsoft.Compute/virtualMachines/VM-Pay-Web-01/`;
    const report = parseFindings(JSON.stringify(doc), 't.json');
    expect(report.findings[0].resourceId).toBe(`/subscriptions/${SUB}/resourceGroups/RG-Payments-PROD/providers/Microsoft.Compute/virtualMachines/VM-Pay-Web-01`);
    expect(canonicalKey(report.findings[0].resourceId)).toBe(canonicalKey(VM_WEB));
  });

  it('(b) an id that does not parse falls through to the image; with no image it is unmapped with the reason', () => {
    const doc = JSON.parse(fixture('trivy-vm.json'));
    doc.ArtifactName = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`;
    const report = parseFindings(JSON.stringify(doc), 't.json');
    expect(report.counts).toMatchObject({ records: 6, unmapped: 6, vulnerabilities: 0 });
    expect(report.unmapped[0]).toEqual({
      file: 't.json',
      path: '$.Results[0].Vulnerabilities[0]',
      reason: expect.stringContaining("$.ArtifactName '/subscriptions/"),
    });
    const sub = JSON.parse(fixture('trivy-vm.json'));
    sub.ArtifactName = `/subscriptions/${SUB}`;
    expect(parseFindings(JSON.stringify(sub), 't.json').unmapped[0].reason).toContain('(it is a subscription)');
  });

  it('(c) image references: tag, digest, no tag (latest); unknown registry, non-ACR and no lookup are unmapped with reasons', () => {
    const withImage = (ref: string): string => {
      const doc = JSON.parse(fixture('trivy-image.json'));
      doc.ArtifactName = ref;
      delete doc.Metadata;
      return JSON.stringify(doc);
    };
    const id = (ref: string): string | undefined => parseFindings(withImage(ref), 't.json', { registryByLoginServer }).findings[0]?.resourceId;
    expect(id('contosoacr.azurecr.io/payments/api:1.4.2')).toBe(`${REGISTRY_ID}/repositories/payments%2Fapi/tags/1.4.2`);
    expect(id('ContosoACR.azurecr.io/api')).toBe(`${REGISTRY_ID}/repositories/api/tags/latest`);
    expect(id('contosoacr.azurecr.io/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')).toBe(
      `${REGISTRY_ID}/repositories/api/digests/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`,
    );
    const reason = (ref: string, options = { registryByLoginServer }): string => parseFindings(withImage(ref), 't.json', options).unmapped[0]?.reason;
    expect(reason('fabrikam.azurecr.io/api:1')).toContain("registry 'fabrikam.azurecr.io' is not in the estate");
    expect(reason('ghcr.io/org/api:1')).toContain('is not on an Azure Container Registry');
    expect(reason('contosoacr.azurecr.io/api:1', {} as never)).toContain('no registry lookup was given');
    expect(reason('image.tar')).toContain('is not on an Azure Container Registry'); // docker.io/library/image.tar
  });

  it('the registry lookup is asked once per login server, lower-cased', () => {
    const asked: string[] = [];
    const report = parseFindings(fixture('grype-image.json'), 'g.json', {
      registryByLoginServer: (server) => {
        asked.push(server);
        return registryByLoginServer(server);
      },
    });
    expect(report.counts.vulnerabilities).toBe(4);
    expect(asked).toEqual(['contosoacr.azurecr.io']);
  });

  it('a file that names nothing maps nothing: every record is reported, --resource-id fixes it', () => {
    const doc = JSON.parse(fixture('grype-disk.json'));
    delete doc.source;
    const report = parseFindings(JSON.stringify(doc), 'g.json');
    expect(report.unmapped).toEqual([{ file: 'g.json', path: '$.matches[0]', reason: expect.stringContaining('--resource-id') }]);
    expect(parseFindings(JSON.stringify(doc), 'g.json', { resourceId: OTHER_VM }).findings[0].resourceId).toBe(OTHER_VM);
  });

  it('the unmappable fixture is reported, not fatal', () => {
    const report = parseFindings(fixture('unmappable-trivy.json'), 'unmappable-trivy.json', { registryByLoginServer });
    expect(report.findings).toEqual([]);
    expect(report.counts).toEqual({ records: 1, vulnerabilities: 0, secrets: 0, unmapped: 1, unknownResources: 0, suppressed: 0 });
    expect(report.unmapped).toEqual([
      {
        file: 'unmappable-trivy.json',
        path: '$.Results[0].Vulnerabilities[0]',
        reason: "image 'docker.io/library/redis:7.0.11' is not on an Azure Container Registry (<name>.azurecr.io), so it maps to no Azure resource",
      },
    ]);
  });

  it('an invalid --resource-id is an argument error before anything is read', () => {
    for (const bad of ['vm-1', `/subscriptions/${SUB}`, `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`]) {
      const e = caught(() => parseFindings('not even json', 'x.json', { resourceId: bad }));
      expect([e.code, e.kind]).toEqual(['FindingsInvalidResourceId', 'argument']);
    }
  });
});

describe('unknown resources', () => {
  it('findings on ids the estate does not know are counted per id (case-insensitively) and left out', () => {
    const known = new Set([canonicalKey(VM_WEB)]);
    const knownResource = (id: string): boolean => known.has(canonicalKey(id));
    const vm = parseFindings(fixture('trivy-vm.json'), 'trivy-vm.json', { knownResource });
    expect(vm.counts.unknownResources).toBe(0);
    expect(vm.findings).toHaveLength(6);

    const other = parseFindings(fixture('trivy-vm.json'), 'trivy-vm.json', { knownResource, resourceId: OTHER_VM.toUpperCase() });
    expect(other.findings).toEqual([]);
    expect(other.counts).toEqual({ records: 6, vulnerabilities: 0, secrets: 0, unmapped: 0, unknownResources: 6, suppressed: 0 });
    expect(other.unknownResources).toEqual([{ resourceId: ResourceId.parse(OTHER_VM.toUpperCase()).id, count: 6 }]);
  });

  it('an image is known when its registry is (the image id is our convention, estates hold registries)', () => {
    const knownResource = (id: string): boolean => canonicalKey(id) === canonicalKey(REGISTRY_ID);
    const report = parseFindings(fixture('grype-image.json'), 'g.json', { registryByLoginServer, knownResource });
    expect(report.counts).toMatchObject({ vulnerabilities: 4, unknownResources: 0 });
    const none = parseFindings(fixture('grype-image.json'), 'g.json', { registryByLoginServer, knownResource: () => false });
    expect(none.unknownResources).toEqual([{ resourceId: `${REGISTRY_ID}/repositories/web%2Ffrontend/tags/2.0.1`, count: 4 }]);
    expect(none.counts.records).toBe(none.counts.unknownResources);
  });

  it('several unknown ids are listed sorted, with counts; records = kept + unmapped + unknown', () => {
    const doc = JSON.parse(fixture('vm-vex.cdx.json'));
    const report = parseFindings(JSON.stringify(doc), 'v.cdx.json', { knownResource: () => false });
    expect(report.unknownResources.map((u) => [u.resourceId.split('/').pop(), u.count])).toEqual([
      ['vm-erp-app-03_OsDisk_1', 1],
      ['vm-erp-app-03', 1],
    ]);
    const c = report.counts;
    expect(c.records).toBe(c.vulnerabilities + c.secrets + c.unmapped + c.unknownResources);
  });
});

describe('image references', () => {
  it('parse like Docker does', () => {
    expect(parseImageRef('contosoacr.azurecr.io/payments/api:1.4.2')).toEqual({ registry: 'contosoacr.azurecr.io', repository: 'payments/api', tag: '1.4.2', reference: 'contosoacr.azurecr.io/payments/api:1.4.2' });
    expect(parseImageRef('nginx')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx' });
    expect(parseImageRef('localhost:5000/app:dev')).toMatchObject({ registry: 'localhost:5000', repository: 'app', tag: 'dev' });
    expect(parseImageRef('registry:contosoacr.azurecr.io/app:1')).toMatchObject({ registry: 'contosoacr.azurecr.io', reference: 'contosoacr.azurecr.io/app:1' });
    for (const bad of ['', '/abs/path', 'UPPER/case', 'a b', 'app:bad tag', 'app@sha256:xyz']) expect(parseImageRef(bad)).toBeUndefined();
  });

  it('image ids parse as ARM ids and lead back to their registry', () => {
    const id = imageResourceId(REGISTRY_ID, parseImageRef('contosoacr.azurecr.io/a/b/c:2')!);
    expect(id).toBe(`${REGISTRY_ID}/repositories/a%2Fb%2Fc/tags/2`);
    const parsed = ResourceId.parse(id);
    expect(parsed.type).toBe('Microsoft.ContainerRegistry/registries/repositories/tags');
    expect(registryOfImageId(id)).toBe(REGISTRY_ID);
    expect(registryOfImageId(VM_WEB)).toBeUndefined();
  });
});
