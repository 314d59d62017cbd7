import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PalisadeError } from '../../src/core/index.js';
import { SecurityGraph, accessTo, reachableTargets, type AccessLevel, type GraphNode } from '../../src/graph/index.js';
import {
  EXPLORER_INSIGHTS,
  findExplorerTemplate,
  loadExplorerTemplates,
  runQuery,
  validateQuery,
  type Connection,
  type ExplorerOptions,
  type ExplorerQuery,
} from '../../src/graph/explorer.js';
import { SUB, SUB2, fixtureBuild } from '../fixtures/graph/explorer/load.js';

const { graph } = fixtureBuild();

/** Names of the results, in result order. */
const names = (q: ExplorerQuery, options?: ExplorerOptions): string[] => runQuery(graph, q, options).results.map((r) => r.name);
const sortedNames = (q: ExplorerQuery, options?: ExplorerOptions): string[] => names(q, options).sort();

/** `name level` of every principal with some access to the target (access.ts). */
function principalsWith(g: SecurityGraph, target: GraphNode): string[] {
  return g.nodes.flatMap((p) => {
    const a = ['User', 'Group', 'ServicePrincipal', 'ManagedIdentity'].includes(p.type) ? accessTo(g, p, target) : undefined;
    return a ? [`${p.name} ${a.level}`] : [];
  });
}

function failure(fn: () => unknown): PalisadeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PalisadeError);
    return e as PalisadeError;
  }
  throw new Error('expected a PalisadeError');
}

function expectError(json: unknown, code: string, path: string): PalisadeError {
  const e = failure(() => validateQuery(json));
  expect({ code: e.code, path: e.location?.path }).toEqual({ code, path });
  expect(e.message).toContain(path);
  return e;
}

const byName = (name: string): GraphNode => {
  const hit = graph.nodes.find((n) => n.name === name);
  if (!hit) throw new Error(`no node ${name}`);
  return hit;
};

describe('validateQuery', () => {
  it('returns a normalised copy: canonical spellings, unknown-case names accepted', () => {
    const q = validateQuery({
      entity: 'azurevm',
      conditions: [{ insight: 'ExposedToInternet', where: { width: 'wide' } }, { vulnerability: { severity: 'critical' } }],
      connections: [{ edge: 'CANAUTHENTICATEAS', entity: 'managedidentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'datastore' }] }],
      limit: 5,
    });
    expect(q).toEqual({
      entity: 'AzureVM',
      conditions: [{ insight: 'exposedToInternet', where: { width: 'wide' } }, { vulnerability: { severity: ['Critical'] } }],
      connections: [{ edge: 'canAuthenticateAs', entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'DataStore' }] }],
      limit: 5,
    });
  });

  it('refuses wrong shapes with ExplorerQueryInvalid and the JSON path', () => {
    expectError(42, 'ExplorerQueryInvalid', '$');
    expectError(null, 'ExplorerQueryInvalid', '$');
    expectError([], 'ExplorerQueryInvalid', '$');
    expectError({}, 'ExplorerQueryInvalid', '$');
    expectError({ entity: 7 }, 'ExplorerQueryInvalid', '$.entity');
    expectError({ entity: 'AzureVM', condition: [] }, 'ExplorerQueryInvalid', '$.condition');
    expectError({ entity: 'AzureVM', conditions: 'exposedToInternet' }, 'ExplorerQueryInvalid', '$.conditions');
    expectError({ entity: 'AzureVM', conditions: [null] }, 'ExplorerQueryInvalid', '$.conditions[0]');
    expectError({ entity: 'AzureVM', conditions: [{}] }, 'ExplorerQueryInvalid', '$.conditions[0]');
    expectError({ entity: 'AzureVM', conditions: [{ insight: 'isCritical', property: 'name', op: 'exists' }] }, 'ExplorerQueryInvalid', '$.conditions[0]');
    expectError({ entity: 'AzureVM', conditions: [{ property: 'name', op: 'like', value: 'x' }] }, 'ExplorerQueryInvalid', '$.conditions[0].op');
    expectError({ entity: 'AzureVM', conditions: [{ property: 'name', op: 'in', value: 'x' }] }, 'ExplorerQueryInvalid', '$.conditions[0].value');
    expectError({ entity: 'AzureVM', conditions: [{ property: 'name', op: 'equals' }] }, 'ExplorerQueryInvalid', '$.conditions[0]');
    expectError({ entity: 'AzureVM', conditions: [{ property: 'a..b', op: 'exists' }] }, 'ExplorerQueryInvalid', '$.conditions[0].property');
    expectError({ entity: 'AzureVM', conditions: [{ property: 'name', op: 'greater', value: { a: 1 } }] }, 'ExplorerQueryInvalid', '$.conditions[0].value');
    expectError({ entity: 'AzureVM', conditions: [{ insight: 'isCritical', where: { a: { b: 1 } } }] }, 'ExplorerQueryInvalid', '$.conditions[0].where.a');
    expectError({ entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet', where: { port: 'ssh' } }] }, 'ExplorerQueryInvalid', '$.conditions[0].where.port');
    expectError({ entity: 'AzureVM', conditions: [{ vulnerability: { severity: ['Severe'] } }] }, 'ExplorerQueryInvalid', '$.conditions[0].vulnerability.severity[0]');
    expectError({ entity: 'AzureVM', conditions: [{ vulnerability: { remoteCodeExecution: 'yes' } }] }, 'ExplorerQueryInvalid', '$.conditions[0].vulnerability.remoteCodeExecution');
    expectError({ entity: 'AzureVM', conditions: [{ recommendation: 'x', state: 'Broken' }] }, 'ExplorerQueryInvalid', '$.conditions[0].state');
    expectError({ entity: 'AzureVM', conditions: [{ anyOf: [] }] }, 'ExplorerQueryInvalid', '$.conditions[0].anyOf');
    expectError({ entity: 'AzureVM', limit: 0 }, 'ExplorerQueryInvalid', '$.limit');
    expectError({ entity: 'AzureVM', limit: 1.5 }, 'ExplorerQueryInvalid', '$.limit');
    expectError({ entity: 'AzureVM', limit: 10_001 }, 'ExplorerQueryInvalid', '$.limit');
    expectError({ entity: 'AzureVM', connections: [{ edge: 'contains', entity: 'AzureVM', access: 'read' }] }, 'ExplorerQueryInvalid', '$.connections[0].access');
    expectError({ entity: 'AzureVM', connections: [{ edge: 'hasPermissionTo', entity: 'AzureVM', access: 'admin' }] }, 'ExplorerQueryInvalid', '$.connections[0].access');
    expectError({ entity: 'Identity', connections: [{ edge: 'hasPermissionTo', entity: 'AzureVM', capabilities: ['rbac.everything'] }] }, 'ExplorerQueryInvalid', '$.connections[0].capabilities[0]');
    expectError({ entity: 'AzureVM', connections: [{ edge: 'contains', entity: 'AzureVM', direction: 'up' }] }, 'ExplorerQueryInvalid', '$.connections[0].direction');
    expectError({ entity: 'AzureVM', connections: [{ entity: 'AzureVM' }] }, 'ExplorerQueryInvalid', '$.connections[0]');
    expectError('{"entity": "AzureVM",', 'ExplorerQueryInvalid', '$');
  });

  it('names unknown entities, edges and insights with their own codes', () => {
    expectError({ entity: 'AzureToaster' }, 'ExplorerUnknownEntity', '$.entity');
    expectError({ entity: 'AzureVM', connections: [{ edge: 'hasSecret', entity: 'Secret', connections: [{ edge: 'contains', entity: 'Blob' }] }] }, 'ExplorerUnknownEntity', '$.connections[0].connections[0].entity');
    expectError(
      { entity: 'AzureVM', connections: [{ edge: 'hasSecret', entity: 'Secret', connections: [{ edge: 'canAuthenticateTo', entity: 'AzureVM' }, { edge: 'teleportsTo', entity: 'AzureVM' }] }] },
      'ExplorerUnknownEdge',
      '$.connections[0].connections[1].edge',
    );
    const e = expectError({ entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet' }, { insight: 'isHaunted' }] }, 'ExplorerUnknownInsight', '$.conditions[1].insight');
    expect(e.message).toContain('isHaunted');
    expectError({ entity: 'AzureVM', conditions: [{ not: { anyOf: [{ insight: 'isHaunted' }] } }] }, 'ExplorerUnknownInsight', '$.conditions[0].not.anyOf[0].insight');
  });

  it('accepts connections nested 6 deep and refuses 7 (ExplorerTooDeep), likewise not/anyOf', () => {
    const nest = (depth: number): Connection => ({ edge: 'contains', entity: 'AzureResource', ...(depth > 1 ? { connections: [nest(depth - 1)] } : {}) });
    expect(() => validateQuery({ entity: 'AzureSubscription', connections: [nest(6)] })).not.toThrow();
    expectError({ entity: 'AzureSubscription', connections: [nest(7)] }, 'ExplorerTooDeep', '$.connections[0].connections[0].connections[0].connections[0].connections[0].connections[0].connections[0]');
    let cond: unknown = { insight: 'isCritical' };
    for (let i = 0; i < 6; i++) cond = { not: cond };
    expect(() => validateQuery({ entity: 'AzureVM', conditions: [cond] })).not.toThrow();
    expect(failure(() => validateQuery({ entity: 'AzureVM', conditions: [{ anyOf: [cond] }] })).code).toBe('ExplorerTooDeep');
  });

  it('ignores __proto__ keys, in text (safeJsonParse) and in parsed objects, and pollutes nothing', () => {
    const text = '{"entity":"AzureVM","__proto__":{"polluted":true},"conditions":[{"insight":"isCritical","where":{"__proto__":{"x":1},"criticality":"high"}}]}';
    const q = validateQuery(text);
    expect(q).toEqual({ entity: 'AzureVM', conditions: [{ insight: 'isCritical', where: { criticality: 'high' } }] });
    const parsed = validateQuery(JSON.parse(text));
    expect(Object.keys(parsed)).toEqual(['entity', 'conditions']);
    expect(Object.hasOwn(parsed.conditions![0] as object, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('puts the file in the message and location', () => {
    const e = failure(() => validateQuery({ entity: 'Nope' }, 'queries/q1.json'));
    expect(e.location).toEqual({ file: 'queries/q1.json', path: '$.entity' });
    expect(e.message).toMatch(/^queries\/q1\.json: \$\.entity: /);
  });

  it('never crashes on junk: every failure is a coded PalisadeError', () => {
    const junk: unknown[] = [undefined, null, 0, -1, 1e309, NaN, '', 'x', true, [], [null], {}, { a: 1 }, [[[]]], () => 1, Symbol('s'), 10n];
    const base = (): Record<string, unknown> => ({
      entity: 'AzureVM',
      conditions: [{ insight: 'exposedToInternet', where: { port: 22 } }, { property: 'tags.env', op: 'in', value: ['prod'] }, { not: { vulnerability: { severity: ['High'] } } }],
      connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault', conditions: [{ anyOf: [{ recommendation: 'r' }] }] }],
    });
    // Every path of the base query, replaced in turn with every junk value.
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, path: Array<string | number>) => {
      paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(base(), []);
    let failures = 0;
    for (const path of paths) {
      for (const j of junk) {
        const q = base();
        if (path.length === 0) continue;
        let at: Record<string | number, unknown> = q;
        for (const seg of path.slice(0, -1)) at = at[seg] as Record<string | number, unknown>;
        at[path[path.length - 1]] = j;
        try {
          const ok = validateQuery(q);
          expect(typeof ok.entity).toBe('string');
        } catch (e) {
          failures++;
          expect(e).toBeInstanceOf(PalisadeError);
          expect((e as PalisadeError).code).toMatch(/^Explorer/);
          expect((e as PalisadeError).location?.path).toMatch(/^\$/);
        }
      }
    }
    expect(failures).toBeGreaterThan(paths.length);
  });

  it('knows the graph-components vocabulary and our insights', () => {
    for (const id of ['exposedToInternet', 'allowsBasicAuthentication', 'containsSensitiveData', 'noMfa', 'trustedExposure', 'hasPlaintextSecret', 'isCritical', 'exposureWidth', 'hasTags', 'isManaged', 'hasVulnerabilities']) {
      expect(EXPLORER_INSIGHTS).toContain(id);
    }
    // every insight the builder produced on the fixture is in the vocabulary
    const produced = new Set(graph.nodes.flatMap((n) => [...n.insights.keys()]));
    for (const id of produced) expect(EXPLORER_INSIGHTS).toContain(id);
  });
});

describe('runQuery: conditions', () => {
  it('insight, with and without where', () => {
    expect(names({ entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet' }] })).toEqual(['vm-narrow-04', 'vm-rdp-03', 'vm-web-01']);
    expect(names({ entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet', where: { width: 'NARROW' } }] })).toEqual(['vm-narrow-04']);
    expect(names({ entity: 'AzureVM', conditions: [{ insight: 'exposureWidth', where: { value: 'wide' } }] })).toEqual(['vm-rdp-03', 'vm-web-01']);
    expect(names({ entity: 'AzureVM', conditions: [{ insight: 'hasPlaintextSecret', where: { value: 'sqlConnectionString' } }] })).toEqual(['vm-rdp-03']);
    expect(names({ entity: 'AzureVM', conditions: [{ insight: 'hasTags', where: { owner: 'web-team' } }] })).toEqual(['vm-web-01']);
    expect(names({ entity: 'AzureSqlServer', conditions: [{ insight: 'containsSensitiveData', where: { source: ['tag', 'database'] } }] })).toEqual(['sql-orders']);
    expect(names({ entity: 'ManagedIdentity', conditions: [{ insight: 'noMfa' }] })).toEqual([]);
  });

  it('exposedToInternet by port, width and protocol of one exposed entry', () => {
    const exposed = (where: Record<string, unknown>) => names({ entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet', where } as never] });
    expect(exposed({ port: 22 })).toEqual(['vm-narrow-04', 'vm-web-01']);
    expect(exposed({ port: 22, width: 'wide' })).toEqual(['vm-web-01']);
    expect(exposed({ port: [22, 3389], width: 'wide' })).toEqual(['vm-rdp-03', 'vm-web-01']);
    expect(exposed({ port: 443, protocol: 'tcp' })).toEqual(['vm-web-01']);
    expect(exposed({ port: 443, protocol: 'udp' })).toEqual([]);
    expect(exposed({ port: 3389, width: 'narrow' })).toEqual([]);
  });

  it('property: node fields, tags, ARM property paths, every operator', () => {
    const vm = (c: Record<string, unknown>) => names({ entity: 'AzureVM', conditions: [c as never] });
    expect(vm({ property: 'name', op: 'equals', value: 'VM-WEB-01' })).toEqual(['vm-web-01']);
    expect(vm({ property: 'tags.env', op: 'equals', value: 'prod' })).toEqual(['vm-app-02', 'vm-web-01']);
    expect(vm({ property: 'tags.ENV', op: 'in', value: ['mgmt', 'dev'] })).toEqual(['vm-rdp-03']);
    expect(vm({ property: 'tags.owner', op: 'exists' })).toEqual(['vm-web-01']);
    expect(vm({ property: 'tags.owner', op: 'exists', value: false })).toEqual(['vm-app-02', 'vm-narrow-04', 'vm-rdp-03']);
    expect(vm({ property: 'storageProfile.osDisk.osType', op: 'equals', value: 'windows' })).toEqual(['vm-rdp-03']);
    expect(vm({ property: 'properties.storageProfile.osDisk.osType', op: 'notEquals', value: 'windows' })).toEqual(['vm-app-02', 'vm-narrow-04', 'vm-web-01']);
    expect(vm({ property: 'name', op: 'contains', value: 'NARROW' })).toEqual(['vm-narrow-04']);
    expect(vm({ property: 'resourceGroup', op: 'equals', value: 'RG-WEB' })).toHaveLength(4);
    expect(vm({ property: 'resourceType', op: 'equals', value: 'Microsoft.Compute/virtualMachines' })).toHaveLength(4);
    expect(vm({ property: 'networkProfile.networkInterfaces.id', op: 'contains', value: 'nic-app' })).toEqual(['vm-app-02']);
    const nsg = (c: Record<string, unknown>) => names({ entity: 'AzureNetworkSecurityGroup', conditions: [c as never] });
    expect(nsg({ property: 'securityRules.properties.priority', op: 'greater', value: 3000 })).toEqual(['nsg-rdp']);
    expect(nsg({ property: 'securityRules.properties.priority', op: 'less', value: 105 })).toHaveLength(3);
    expect(nsg({ property: 'securityRules.1.name', op: 'equals', value: 'deny-vnet-in' })).toEqual(['nsg-rdp']);
    expect(nsg({ property: 'securityRules.properties.sourceAddressPrefix', op: 'equals', value: '*' })).toEqual(['nsg-web']);
    const st = (c: Record<string, unknown>) => names({ entity: 'AzureStorageAccount', conditions: [c as never] });
    expect(st({ property: 'minimumTlsVersion', op: 'less', value: 'TLS1_2' })).toEqual(['stinternal']);
    expect(st({ property: 'minimumTlsVersion', op: 'greater', value: 'tls1_0' })).toEqual(['stpublicdata', 'stdevscratch']);
    expect(st({ property: 'allowBlobPublicAccess', op: 'equals', value: true })).toEqual(['stpublicdata', 'stdevscratch']);
    expect(st({ property: 'subscriptionId', op: 'equals', value: SUB2 })).toEqual(['stdevscratch']);
    expect(names({ entity: 'AppService', conditions: [{ property: 'type', op: 'equals', value: 'AzureWebApp' }] })).toEqual(['app-portal']);
    expect(names({ entity: 'AzureSqlServer', conditions: [{ property: 'administrators.azureADOnlyAuthentication', op: 'equals', value: 'false' }] })).toEqual(['sql-orders']);
  });

  it('recommendation: by key or display name, in the asked state; needs recommendations', () => {
    const web = byName('vm-web-01').key;
    const options: ExplorerOptions = {
      recommendations: (key) =>
        key === web
          ? [
              { key: '22730e10-96f6-4aac-ad84-9383d35b5917', name: 'Management ports should be closed on your virtual machines', state: 'Unhealthy' },
              { key: 'abc', name: 'Machines should have vulnerability findings resolved', state: 'Healthy' },
            ]
          : [],
    };
    expect(names({ entity: 'AzureVM', conditions: [{ recommendation: '22730E10-96F6-4AAC-AD84-9383D35B5917' }] }, options)).toEqual(['vm-web-01']);
    expect(names({ entity: 'AzureVM', conditions: [{ recommendation: 'management ports should be closed on your virtual machines' }] }, options)).toEqual(['vm-web-01']);
    expect(names({ entity: 'AzureVM', conditions: [{ recommendation: 'abc' }] }, options)).toEqual([]);
    expect(names({ entity: 'AzureVM', conditions: [{ recommendation: 'abc', state: 'Healthy' }] }, options)).toEqual(['vm-web-01']);
    expect(failure(() => runQuery(graph, { entity: 'AzureVM', conditions: [{ recommendation: 'abc' }] })).code).toBe('ExplorerRecommendationsUnavailable');
  });

  it('vulnerability: by id, severity and RCE, through hasVulnerability edges', () => {
    expect(names({ entity: 'AzureVM', conditions: [{ vulnerability: {} }] })).toEqual(['vm-app-02', 'vm-narrow-04', 'vm-web-01']);
    expect(names({ entity: 'AzureVM', conditions: [{ vulnerability: { id: 'cve-2023-4911' } }] })).toEqual(['vm-app-02', 'vm-narrow-04']);
    expect(names({ entity: 'AzureVM', conditions: [{ vulnerability: { severity: ['Low'] } }] })).toEqual(['vm-web-01']);
    expect(names({ entity: 'AzureVM', conditions: [{ vulnerability: { severity: ['Critical'], remoteCodeExecution: true } }] })).toEqual(['vm-web-01']);
    expect(names({ entity: 'ContainerImage', conditions: [{ vulnerability: { remoteCodeExecution: false } }] })).toHaveLength(2);
    expect(names({ entity: 'ContainerImage', conditions: [{ vulnerability: { remoteCodeExecution: true } }] })).toEqual(['acrprod.azurecr.io/payments/api:1.4.2']);
  });

  it('not and anyOf (and their combination)', () => {
    expect(names({ entity: 'AzureVM', conditions: [{ not: { insight: 'exposedToInternet' } }] })).toEqual(['vm-app-02']);
    const either = { anyOf: [{ insight: 'hasPlaintextSecret', where: { value: 'sqlConnectionString' } }, { property: 'tags.env', op: 'equals', value: 'prod' }] } as const;
    expect(names({ entity: 'AzureVM', conditions: [either as never] })).toEqual(['vm-app-02', 'vm-rdp-03', 'vm-web-01']);
    expect(names({ entity: 'AzureVM', conditions: [{ not: either as never }] })).toEqual(['vm-narrow-04']);
    expect(names({ entity: 'AzureVM', conditions: [{ not: { not: { insight: 'exposedToInternet', where: { width: 'narrow' } } } }] })).toEqual(['vm-narrow-04']);
  });
});

describe('runQuery: connections', () => {
  it('nested two deep: VM → secret → VM, with the matched sub-graph', () => {
    const r = runQuery(graph, {
      entity: 'AzureVM',
      connections: [{ edge: 'hasSecret', entity: 'Secret', conditions: [{ property: 'secretType', op: 'equals', value: 'sshPrivateKey' }], connections: [{ edge: 'canAuthenticateTo', entity: 'AzureVM' }] }],
    });
    expect(r.results.map((x) => x.name)).toEqual(['vm-web-01']);
    const m = r.results[0].matched;
    expect(m.nodes.map((n) => n.type)).toEqual(['AzureVM', 'Secret', 'AzureVM']);
    expect(m.nodes[2].name).toBe('vm-app-02');
    expect(m.edges.map((e) => e.kind)).toEqual(['hasSecret', 'canAuthenticateTo']);
    expect(m.edges[0].from).toBe(byName('vm-web-01').id);
  });

  it('nested three deep: management group → subscription → resource group → public, unclassified storage', () => {
    const r = runQuery(graph, {
      entity: 'AzureManagementGroup',
      connections: [
        {
          edge: 'contains',
          entity: 'AzureSubscription',
          connections: [
            {
              edge: 'contains',
              entity: 'AzureResourceGroup',
              connections: [{ edge: 'contains', entity: 'AzureStorageAccount', conditions: [{ insight: 'allowsPublicAccess' }, { not: { insight: 'containsSensitiveData' } }] }],
            },
          ],
        },
      ],
    });
    expect(r.results.map((x) => x.name)).toEqual(['Contoso']);
    expect(r.results[0].matched.nodes.map((n) => n.name)).toEqual(['Contoso', 'contoso-dev', 'rg-dev', 'stdevscratch']);
    expect(r.results[0].matched.edges.map((e) => e.kind)).toEqual(['contains', 'contains', 'contains']);
    // the same with the sensitive account asked for instead goes through contoso-prod
    const sensitive = runQuery(graph, {
      entity: 'AzureSubscription',
      connections: [{ edge: 'contains', entity: 'AzureResourceGroup', connections: [{ edge: 'contains', entity: 'DataStore', conditions: [{ insight: 'containsSensitiveData' }, { insight: 'exposedToInternet' }] }] }],
    });
    expect(sensitive.results.map((x) => x.name)).toEqual(['contoso-prod']);
    expect(sensitive.results[0].matched.nodes.map((n) => n.name)).toEqual(['contoso-prod', 'rg-data', 'stpublicdata', 'sql-orders']);
  });

  it('in direction: what routes to a VM, who has a vulnerability, which secret opens a resource', () => {
    expect(names({ entity: 'AzureVM', connections: [{ edge: 'routesTrafficTo', direction: 'in', entity: 'AzureVirtualNetwork' }] })).toEqual(['vm-app-02', 'vm-narrow-04', 'vm-web-01']);
    expect(names({ entity: 'AzureVM', connections: [{ edge: 'routesTrafficTo', direction: 'in', entity: 'AzureNetworkInterface', connections: [{ edge: 'routesTrafficTo', direction: 'in', entity: 'AzurePublicIP' }] }] })).toEqual([
      'vm-narrow-04',
      'vm-rdp-03',
      'vm-web-01',
    ]);
    expect(names({ entity: 'Vulnerability', connections: [{ edge: 'hasVulnerability', direction: 'in', entity: 'ContainerImage' }] })).toEqual(['CVE-2020-8908', 'CVE-2021-44228']);
    expect(names({ entity: 'Vulnerability', connections: [{ edge: 'hasVulnerability', direction: 'in', entity: 'ContainerImage' }, { edge: 'hasVulnerability', direction: 'in', entity: 'AzureVM' }] })).toEqual([]);
    expect(sortedNames({ entity: 'DataStore', connections: [{ edge: 'canAuthenticateTo', direction: 'in', entity: 'Secret', connections: [{ edge: 'hasSecret', direction: 'in', entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet' }] }] }] })).toEqual([
      'sql-orders',
      'stpublicdata',
    ]);
  });

  it('hasPermissionTo without access is the direct edge; with access it follows scope inheritance and groups', () => {
    // a role at the resource group reaches the vault in it
    expect(names({ entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', entity: 'AzureKeyVault' }] })).toEqual(['vm-narrow-04 (system-assigned)']);
    expect(sortedNames({ entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }] })).toEqual([
      'app-portal (system-assigned)',
      'id-app',
      'vm-narrow-04 (system-assigned)',
    ]);
    const portal = runQuery(graph, { entity: 'AppService', connections: [{ edge: 'canAuthenticateAs', entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }] }] });
    expect(portal.results.map((r) => r.name)).toEqual(['app-portal']);
    expect(portal.results[0].matched.nodes.map((n) => n.name)).toEqual(['app-portal', 'app-portal (system-assigned)', 'rg-apps', 'kv-app']);
    expect(portal.results[0].matched.edges.map((e) => e.kind)).toEqual(['canAuthenticateAs', 'hasPermissionTo', 'contains']);
    // direct Owner edge to a subscription vs Owner rights through the management group
    expect(names({ entity: 'User', connections: [{ edge: 'hasPermissionTo', entity: 'AzureSubscription' }] })).toEqual(['alice']);
    expect(sortedNames({ entity: 'User', connections: [{ edge: 'hasPermissionTo', capabilities: ['rbac.write'], entity: 'AzureSubscription' }] })).toEqual(['alice', 'breakglass']);
  });

  it('access levels: read < write < high, per vault permission model', () => {
    const vaults = (access: AccessLevel, entity = 'ManagedIdentity') => sortedNames({ entity: 'AzureKeyVault', connections: [{ edge: 'hasPermissionTo', direction: 'in', access, entity }] });
    expect(vaults('read')).toEqual(['kv-app', 'kv-legacy', 'kv-ops']);
    expect(vaults('write')).toEqual(['kv-legacy']); // Contributor (id-app) can rewrite the access policies of the policy-model vault
    expect(vaults('high')).toEqual(['kv-legacy']);
    expect(vaults('write', 'Group')).toEqual(['kv-ops']); // Secrets Officer on rg-data: RBAC vault only
    expect(vaults('high', 'Group')).toEqual([]);
    // through nested groups: carol → platform-team → kv-admins
    const carol = runQuery(graph, { entity: 'User', conditions: [{ property: 'name', op: 'equals', value: 'carol' }], connections: [{ edge: 'hasPermissionTo', access: 'write', entity: 'AzureKeyVault' }] });
    expect(carol.results[0].matched.nodes.map((n) => n.name)).toEqual(['carol', 'platform-team', 'kv-admins', 'rg-data', 'kv-ops']);
    expect(carol.results[0].matched.edges.map((e) => e.kind)).toEqual(['memberOf', 'memberOf', 'hasPermissionTo', 'contains']);
    expect(sortedNames({ entity: 'User', connections: [{ edge: 'hasPermissionTo', access: 'write', entity: 'AzureKeyVault' }] })).toEqual(['alice', 'bob', 'breakglass', 'carol']);
    // alice reads the access-policy vault through her policy even without Owner
    const noOwner = fixtureBuild((rows) => rows.filter((r) => !(r.type === 'microsoft.authorization/roleassignments' && String((r.properties as { principalId?: string }).principalId).endsWith('a11ce'))));
    const aliceVaults = (access: AccessLevel) =>
      runQuery(noOwner.graph, { entity: 'User', conditions: [{ property: 'name', op: 'equals', value: 'alice' }], connections: [{ edge: 'hasPermissionTo', access, entity: 'AzureKeyVault' }] }).results.flatMap((r) =>
        r.matched.nodes.filter((n) => n.type === 'AzureKeyVault').map((n) => n.name),
      );
    expect(aliceVaults('read')).toEqual(['kv-legacy']);
    expect(aliceVaults('write')).toEqual([]);
  });

  it('effective access agrees with access.ts (reachableTargets / accessTo) for every principal, target type and level', () => {
    const principals = graph.nodes.filter((n) => ['User', 'Group', 'ServicePrincipal', 'ManagedIdentity'].includes(n.type));
    const types = ['AzureKeyVault', 'AzureStorageAccount', 'AzureSubscription', 'AzureResourceGroup', 'AzureVM', 'AzureSqlServer', 'AzureWebApp'] as const;
    let positives = 0;
    for (const level of ['read', 'write', 'high'] as const) {
      for (const type of types) {
        for (const p of principals) {
          const expected = reachableTargets(graph, p, new Set([type]), level).map((t) => t.target.name).sort();
          const q: ExplorerQuery = { entity: p.type, conditions: [{ property: 'id', op: 'equals', value: p.id }], connections: [{ edge: 'hasPermissionTo', access: level, entity: type }] };
          const r = runQuery(graph, q);
          const got = r.results.flatMap((x) => x.matched.nodes.slice(1).filter((n) => n.type === type).map((n) => n.name)).sort();
          expect({ p: p.name, level, type, got }).toEqual({ p: p.name, level, type, got: expected });
          expect(runQuery(graph, q, { plan: 'bulk' }).results).toEqual(r.results);
          expect(runQuery(graph, q, { plan: false }).results).toEqual(r.results);
          positives += expected.length;
        }
        for (const t of graph.nodesOfType(type)) {
          const expected = principals.filter((p) => {
            const a = accessTo(graph, p, t);
            return a !== undefined && ['read', 'write', 'high'].indexOf(a.level) >= ['read', 'write', 'high'].indexOf(level);
          });
          const r = runQuery(graph, { entity: type, conditions: [{ property: 'id', op: 'equals', value: t.id }], connections: [{ edge: 'hasPermissionTo', direction: 'in', access: level, entity: 'Identity' }] });
          expect({ t: t.name, level, n: r.count }).toEqual({ t: t.name, level, n: expected.length > 0 ? 1 : 0 });
          const got = (r.results[0]?.matched.nodes ?? []).filter((n) => principals.some((p) => p.id === n.id) && expected.some((e) => e.id === n.id)).map((n) => n.name);
          expect(got.sort()).toEqual(expected.map((e) => e.name).sort());
        }
      }
    }
    expect(positives).toBeGreaterThan(40);
  });

  it('combines capabilities of several grants (own and groups, different scopes) exactly as access.ts does', () => {
    const g = new SecurityGraph();
    const node = (key: string, type: GraphNode['type'], properties: Record<string, unknown> = {}) => g.addNode({ key, id: key, type, name: key, properties });
    const mg = node('/providers/microsoft.management/managementgroups/root', 'AzureManagementGroup');
    const sub = node('/subscriptions/s1', 'AzureSubscription');
    const rg = node('/subscriptions/s1/resourcegroups/rg', 'AzureResourceGroup');
    const rg2 = node('/subscriptions/s1/resourcegroups/rg2', 'AzureResourceGroup'); // no role of its own: only inherited combinations reach it
    const policyVault = node('/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-policy', 'AzureKeyVault', {
      enableRbacAuthorization: false,
      accessPolicies: [{ objectId: 'u3', permissions: { secrets: ['get'] } }],
    });
    const rbacVault = node('/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-rbac', 'AzureKeyVault', { enableRbacAuthorization: true });
    const storage = node('/subscriptions/s1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st', 'AzureStorageAccount', { allowSharedKeyAccess: true });
    for (const [a, b] of [[mg, sub], [sub, rg], [sub, rg2], [rg, policyVault], [rg, rbacVault], [rg, storage]] as const) g.addEdge(a, b, 'contains');
    const [u1, u2, u3, u4] = ['u1', 'u2', 'u3', 'u4'].map((id) => node(`principal:${id}`, 'User', { objectId: id }));
    const [gA, gB] = ['gA', 'gB'].map((id) => node(`principal:${id}`, 'Group', { objectId: id }));
    g.addEdge(u1, gA, 'memberOf');
    g.addEdge(u2, gA, 'memberOf');
    g.addEdge(u2, gB, 'memberOf');
    const grant = (from: GraphNode, to: GraphNode, capabilities: string[], conditional = false) => g.addEdge(from, to, 'hasPermissionTo', { grants: [{ roleName: 'r', capabilities, conditional }] });
    grant(gA, mg, ['vm.runCommand', 'vm.write']);
    grant(gB, sub, ['storage.listKeys']);
    grant(u1, rg, ['storage.listKeys', 'kv.secret.get']);
    grant(u4, sub, ['rbac.write'], true); // conditional: counts for nothing
    grant(u4, rbacVault, ['kv.secret.set']);
    g.addEdge(u3, policyVault, 'hasPermissionTo', { grants: [{ roleName: 'Key Vault access policy', capabilities: [] }] });
    // what the fixture is for: high on the subscription only by combining two groups, on the group by own + group
    expect(accessTo(g, u2, sub)?.level).toBe('high');
    expect(accessTo(g, gA, sub)).toBeUndefined();
    expect(accessTo(g, gB, sub)).toBeUndefined();
    expect(accessTo(g, u1, rg)?.level).toBe('high');
    expect(principalsWith(g, rg2)).toEqual(['principal:u2 high']);
    expect(accessTo(g, u3, policyVault)?.level).toBe('read');

    const principals = [u1, u2, u3, u4, gA, gB];
    const levels = ['read', 'write', 'high'] as const;
    const seen: string[] = [];
    for (const level of levels) {
      for (const type of ['AzureSubscription', 'AzureResourceGroup', 'AzureKeyVault', 'AzureStorageAccount'] as const) {
        for (const t of g.nodesOfType(type)) {
          const who = principals.filter((p) => levels.indexOf(accessTo(g, p, t)?.level ?? ('none' as AccessLevel)) >= levels.indexOf(level)).map((p) => p.name);
          const r = runQuery(g, { entity: type, conditions: [{ property: 'id', op: 'equals', value: t.id }], connections: [{ edge: 'hasPermissionTo', direction: 'in', access: level, entity: 'Identity' }] });
          const got = (r.results[0]?.matched.nodes ?? []).map((n) => n.name).filter((n) => who.includes(n));
          expect({ t: t.name, level, got: got.sort(), count: r.count }).toEqual({ t: t.name, level, got: who.sort(), count: who.length > 0 ? 1 : 0 });
          for (const w of who) seen.push(`${w} ${level} ${t.name.split('/').pop()}`);
        }
        for (const p of principals) {
          const want = reachableTargets(g, p, new Set([type]), level).map((x) => x.target.name).sort();
          const q: ExplorerQuery = { entity: p.type, conditions: [{ property: 'id', op: 'equals', value: p.id }], connections: [{ edge: 'hasPermissionTo', access: level, entity: type }] };
          const r = runQuery(g, q);
          expect(runQuery(g, q, { plan: 'bulk' }).results).toEqual(r.results);
          expect({ p: p.name, level, type, got: (r.results[0]?.matched.nodes ?? []).slice(1).filter((n) => n.type === type).map((n) => n.name).sort() }).toEqual({ p: p.name, level, type, got: want });
        }
      }
    }
    for (const level of levels) {
      for (const type of ['AzureSubscription', 'AzureResourceGroup', 'AzureKeyVault', 'AzureStorageAccount'] as const) {
        const q: ExplorerQuery = { entity: 'Identity', connections: [{ edge: 'hasPermissionTo', access: level, entity: type }] };
        const want = principals.filter((p) => reachableTargets(g, p, new Set([type]), level).length > 0).map((p) => p.name).sort();
        for (const plan of [true, false, 'bulk'] as const) expect(runQuery(g, q, { plan }).results.map((r) => r.name).sort()).toEqual(want);
      }
    }
    expect(seen).toEqual(expect.arrayContaining(['principal:u2 high rg2', 'principal:u2 high s1', 'principal:u1 high rg', 'principal:u3 read kv-policy', 'principal:u4 write kv-rbac']));
    expect(seen.filter((s) => s.startsWith('principal:u4') && s.endsWith('s1'))).toEqual([]);
  });

  it('all connections must hold; memoised neighbours give the same answers from every root', () => {
    const q: ExplorerQuery = {
      entity: 'AzureVM',
      connections: [
        { edge: 'lateralMovementTo', entity: 'AzureVirtualNetwork', connections: [{ edge: 'routesTrafficTo', entity: 'AzureVM', conditions: [{ vulnerability: { severity: ['High'] } }] }] },
        { edge: 'canAuthenticateAs', entity: 'ManagedIdentity' },
      ],
    };
    expect(names(q)).toEqual(['vm-app-02', 'vm-narrow-04', 'vm-web-01']);
    expect(names({ ...q, connections: [q.connections![0]] })).toEqual(['vm-app-02', 'vm-narrow-04', 'vm-web-01']);
    expect(names({ entity: 'AzureVM', connections: [q.connections![0], { edge: 'hasSecret', entity: 'Secret' }] })).toEqual(['vm-web-01']);
  });

  it('limit, truncation and order by id', () => {
    const all = runQuery(graph, { entity: 'AzureVM' });
    expect(all.count).toBe(4);
    expect(all.truncated).toBe(false);
    expect(all.results.map((r) => r.name)).toEqual(['vm-app-02', 'vm-narrow-04', 'vm-rdp-03', 'vm-web-01']);
    expect(all.results[0].subscriptionId).toBe(SUB);
    const two = runQuery(graph, { entity: 'AzureVM', limit: 2 });
    expect({ count: two.count, truncated: two.truncated, names: two.results.map((r) => r.name) }).toEqual({ count: 4, truncated: true, names: ['vm-app-02', 'vm-narrow-04'] });
    expect(runQuery(graph, { entity: 'AzureVM', limit: 4 }).truncated).toBe(false);
    const ids = runQuery(graph, { entity: 'AzureResource', limit: 10_000 }).results.map((r) => r.id.toLowerCase());
    expect(ids).toEqual([...ids].sort());
    expect(typeof all.millis).toBe('number');
  });

  it('sees insights, nodes and edges added to the graph after an earlier query', () => {
    const { graph: g } = fixtureBuild();
    const q: ExplorerQuery = { entity: 'AzureVM', conditions: [{ insight: 'isCritical' }], connections: [{ edge: 'contains', direction: 'in', entity: 'AzureResourceGroup' }] };
    expect(runQuery(g, q).count).toBe(0);
    const app = g.nodes.find((n) => n.name === 'vm-app-02')!;
    g.addInsight(app, 'isCritical', { criticality: 'high', source: 'test' });
    expect(runQuery(g, q).results.map((r) => r.name)).toEqual(['vm-app-02']);
    const rg = g.nodes.find((n) => n.name === 'rg-data')!;
    const vm = g.addNode({ key: `${rg.key}/providers/microsoft.compute/virtualmachines/vm-new`, id: `${rg.id}/providers/Microsoft.Compute/virtualMachines/vm-new`, type: 'AzureVM', name: 'vm-new', properties: {} });
    g.addEdge(rg, vm, 'contains');
    g.addInsight(vm, 'isCritical');
    expect(runQuery(g, q).results.map((r) => r.name)).toEqual(['vm-new', 'vm-app-02']); // by id: rg-data before rg-web
    const vaults = { entity: 'ManagedIdentity', conditions: [{ property: 'name', op: 'equals', value: 'vm-narrow-04 (system-assigned)' }], connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }] } as ExplorerQuery;
    const before = runQuery(g, vaults).results[0].matched.nodes.filter((n) => n.type === 'AzureKeyVault').map((n) => n.name);
    const kv = g.addNode({ key: `${rg.key}/providers/microsoft.keyvault/vaults/kv-new`, id: `${rg.id}/providers/Microsoft.KeyVault/vaults/kv-new`, type: 'AzureKeyVault', name: 'kv-new', properties: { enableRbacAuthorization: true } });
    g.addEdge(rg, kv, 'contains');
    g.addEdge(g.nodes.find((n) => n.name === 'vm-narrow-04 (system-assigned)')!, kv, 'hasPermissionTo', { grants: [{ roleName: 'Key Vault Secrets User', capabilities: ['kv.secret.get'] }] });
    expect(before).toEqual(['kv-ops']);
    expect(runQuery(g, vaults).results[0].matched.nodes.filter((n) => n.type === 'AzureKeyVault').map((n) => n.name)).toEqual(['kv-ops', 'kv-new']);
  });

  it('shows the vulnerabilities a vulnerability condition matched', () => {
    const r = runQuery(graph, { entity: 'AzureVM', conditions: [{ vulnerability: { severity: ['Critical', 'High'] } }, { insight: 'exposedToInternet' }] });
    const web = r.results.find((x) => x.name === 'vm-web-01')!;
    expect(web.matched.nodes.map((n) => n.name)).toEqual(['vm-web-01', 'CVE-2024-6387']);
    expect(web.matched.edges).toEqual([{ from: byName('vm-web-01').id, to: 'CVE-2024-6387', kind: 'hasVulnerability' }]);
  });
});

describe('saved templates', () => {
  const templates = loadExplorerTemplates();
  const expected: Record<string, string[]> = {
    'vm-internet-highsev': ['vm-narrow-04', 'vm-web-01'],
    'vm-secret-to-storage': ['vm-web-01'],
    'vm-secret-to-sql': ['vm-rdp-03'],
    'vm-secret-to-vm': ['vm-web-01'],
    'identity-keyvault-write': ['alice', 'bob', 'breakglass', 'carol', 'id-app', 'kv-admins', 'platform-team'],
    'storage-internet-sensitive-public': ['stpublicdata'],
    'manageddb-wide-basicauth': ['sql-orders'],
    'vm-identity-subscription-high': ['vm-app-02'],
    'appservice-internet-identity-keyvault-read': ['app-portal'],
    'vm-management-ports-wide': ['vm-rdp-03', 'vm-web-01'],
    'image-rce': ['acrprod.azurecr.io/payments/api:1.4.2'],
    'principal-owner-subscription': ['alice', 'breakglass'],
    'vm-internet-lateral-vnet': ['vm-narrow-04', 'vm-web-01'],
    'vm-internet-highsev-identity-keyvault-read': ['vm-narrow-04'],
    'keyvault-critical-readers': ['kv-app'],
    'datastore-sensitive-no-owner-tag': ['sql-orders', 'sqldb-orders', 'stinternal', 'stpublicdata'],
    'vulnerability-internet-exposed-hosts': ['CVE-2016-2781', 'CVE-2023-4911', 'CVE-2024-6387'],
  };

  it('has at least 12 templates with our own descriptions, every one valid', () => {
    expect(templates.length).toBeGreaterThanOrEqual(12);
    for (const t of templates) {
      expect(t.description.length).toBeGreaterThan(20);
      expect(validateQuery(t.query)).toEqual(t.query);
    }
    expect(templates.map((t) => t.id).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s returns the hand-checked result', (id, want) => {
    const t = findExplorerTemplate(id)!;
    const r = runQuery(graph, t.query);
    expect(r.results.map((x) => x.name).sort()).toEqual(want);
  });

  it('explains its matches: the exposed VM, its identity and the subscription it controls', () => {
    const r = runQuery(graph, findExplorerTemplate('vm-identity-subscription-high')!.query);
    expect(r.results[0].matched.nodes.map((n) => n.name)).toEqual(['vm-app-02', 'id-app', 'contoso-prod']);
    expect(r.results[0].matched.edges.map((e) => e.kind)).toEqual(['canAuthenticateAs', 'hasPermissionTo']);
    const readers = runQuery(graph, findExplorerTemplate('keyvault-critical-readers')!.query).results[0].matched.nodes.map((n) => n.name);
    expect(readers).toEqual(expect.arrayContaining(['kv-app', 'app-portal (system-assigned)', 'rg-apps', 'alice', 'breakglass']));
    expect(readers).not.toContain('bob');
  });

  it('finds templates by id or name, case-insensitively', () => {
    expect(findExplorerTemplate('IMAGE-RCE')?.id).toBe('image-rce');
    expect(findExplorerTemplate('internet-exposed vms with high-severity vulnerabilities')?.id).toBe('vm-internet-highsev');
    expect(findExplorerTemplate('nope')).toBeUndefined();
  });

  describe('loader errors', () => {
    const dirs: string[] = [];
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    const catalog = (content: string | undefined): string => {
      const dir = mkdtempSync(join(tmpdir(), 'palisade-explorer-'));
      dirs.push(dir);
      mkdirSync(join(dir, 'graph'));
      if (content !== undefined) writeFileSync(join(dir, 'graph', 'explorer-templates.json'), content);
      return dir;
    };
    const good = { id: 'ok', name: 'OK', description: 'fine', query: { entity: 'AzureVM' } };

    it('names the template and the path of a bad query', () => {
      const dir = catalog(JSON.stringify({ format: 1, templates: [good, { ...good, id: 'bad-one', query: { entity: 'AzureVM', conditions: [{ insight: 'isHaunted' }] } }] }));
      const e = failure(() => loadExplorerTemplates(dir));
      expect(e.code).toBe('ExplorerUnknownInsight');
      expect(e.location?.path).toBe('$.templates[1].query.conditions[0].insight');
      expect(e.location?.file).toBe(join(dir, 'graph', 'explorer-templates.json'));
      expect(e.message).toContain("template 'bad-one'");
    });

    it('refuses duplicates, missing fields, a wrong format, and a missing file', () => {
      expect(failure(() => loadExplorerTemplates(catalog(JSON.stringify({ format: 1, templates: [good, good] }))))).toMatchObject({ code: 'ExplorerTemplatesInvalid', location: { path: '$.templates[1].id' } });
      expect(failure(() => loadExplorerTemplates(catalog(JSON.stringify({ format: 1, templates: [{ ...good, description: '' }] }))))).toMatchObject({
        code: 'ExplorerTemplatesInvalid',
        location: { path: '$.templates[0].description' },
      });
      expect(failure(() => loadExplorerTemplates(catalog(JSON.stringify({ format: 2, templates: [] }))))).toMatchObject({ code: 'ExplorerTemplatesInvalid', location: { path: '$.format' } });
      expect(failure(() => loadExplorerTemplates(catalog('{"format": 1, "templates": [')))).toMatchObject({ code: 'ExplorerTemplatesInvalid' });
      expect(failure(() => loadExplorerTemplates(catalog(undefined)))).toMatchObject({ code: 'ExplorerTemplatesNotFound', kind: 'io' });
    });
  });
});

describe('scale', () => {
  /**
   * A synthetic estate: 20 subscriptions × 50 resource groups, each with 40 VMs (NIC, identity), 10 storage accounts
   * and a vault; a few principals with roles at subscription, group and resource scope. About 150k nodes.
   */
  function synthetic(): SecurityGraph {
    const g = new SecurityGraph();
    const internet = g.addNode({ key: 'internet', id: 'Internet', type: 'Internet', name: 'Internet', properties: {} });
    const owner = { roleName: 'Owner', capabilities: ['rbac.write', 'vm.runCommand', 'storage.listKeys', 'vm.write', 'kv.accessPolicies.write', 'kv.vault.write'] };
    const reader = { roleName: 'Reader', capabilities: [] as string[] };
    const kvUser = { roleName: 'Key Vault Secrets User', capabilities: ['kv.secret.get'] };
    const readers = Array.from({ length: 2500 }, (_, i) => g.addNode({ key: `principal:reader-${i}`, id: `reader-${i}`, type: 'User', name: `reader-${i}`, properties: { objectId: `reader-${i}` } }));
    // high on subscription s3 only by holding both groups' roles
    const vmOps = g.addNode({ key: 'principal:vmops', id: 'vmops', type: 'Group', name: 'vmops', properties: {} });
    const storageOps = g.addNode({ key: 'principal:storageops', id: 'storageops', type: 'Group', name: 'storageops', properties: {} });
    const combo = g.addNode({ key: 'principal:combo', id: 'combo', type: 'User', name: 'combo', properties: {} });
    g.addEdge(combo, vmOps, 'memberOf');
    g.addEdge(combo, storageOps, 'memberOf');
    for (let s = 0; s < 20; s++) {
      const sub = g.addNode({ key: `/subscriptions/s${s}`, id: `/subscriptions/s${s}`, type: 'AzureSubscription', name: `s${s}`, properties: {} });
      for (const r of readers) g.addEdge(r, sub, 'hasPermissionTo', { grants: [reader] });
      if (s === 3) {
        g.addEdge(vmOps, sub, 'hasPermissionTo', { grants: [{ roleName: 'VM ops', capabilities: ['vm.runCommand', 'vm.write'] }] });
        g.addEdge(storageOps, sub, 'hasPermissionTo', { grants: [{ roleName: 'Storage ops', capabilities: ['storage.listKeys'] }] });
      }
      if (s === 7) {
        const admin = g.addNode({ key: 'principal:admin', id: 'admin', type: 'User', name: 'admin', properties: {} });
        g.addEdge(admin, sub, 'hasPermissionTo', { grants: [owner] });
      }
      for (let r = 0; r < 50; r++) {
        const rgId = `/subscriptions/s${s}/resourcegroups/rg${r}`;
        const rg = g.addNode({ key: rgId, id: rgId, type: 'AzureResourceGroup', name: `rg${r}`, subscriptionId: `s${s}`, properties: {} });
        g.addEdge(sub, rg, 'contains');
        const vault = g.addNode({ key: `${rgId}/kv`, id: `${rgId}/kv`, type: 'AzureKeyVault', name: `kv-${s}-${r}`, properties: { enableRbacAuthorization: true } });
        g.addEdge(rg, vault, 'contains');
        for (let k = 0; k < 10; k++) {
          const st = g.addNode({ key: `${rgId}/st${k}`, id: `${rgId}/st${k}`, type: 'AzureStorageAccount', name: `st-${s}-${r}-${k}`, properties: { allowBlobPublicAccess: k === 0 } });
          g.addEdge(rg, st, 'contains');
        }
        for (let v = 0; v < 40; v++) {
          const vmId = `${rgId}/vm${v}`;
          const vm = g.addNode({ key: vmId, id: vmId, type: 'AzureVM', name: `vm-${s}-${r}-${v}`, subscriptionId: `s${s}`, properties: { size: v % 4 === 0 ? 'big' : 'small' } });
          g.addEdge(rg, vm, 'contains');
          const nic = g.addNode({ key: `${vmId}-nic`, id: `${vmId}-nic`, type: 'AzureNetworkInterface', name: `nic-${v}`, properties: {} });
          g.addEdge(nic, vm, 'routesTrafficTo');
          if (v % 10 === 0) {
            g.addEdge(internet, nic, 'routesTrafficTo');
            g.addInsight(vm, 'exposedToInternet', { width: v % 20 === 0 ? 'wide' : 'narrow', ports: [] });
          }
          const mi = g.addNode({ key: `principal:${vmId}`, id: `mi-${vmId}`, type: 'ManagedIdentity', name: `mi-${v}`, properties: { principalId: `mi-${vmId}` } });
          g.addEdge(vm, mi, 'canAuthenticateAs');
          if (v === 5 && r % 10 === 0) g.addEdge(mi, rg, 'hasPermissionTo', { grants: [kvUser] });
        }
      }
    }
    return g;
  }

  it('answers nested, effective-access queries over ~150k nodes quickly', () => {
    const g = synthetic();
    expect(g.size).toBeGreaterThan(100_000);
    const t0 = performance.now();
    const chain = runQuery(g, {
      entity: 'AzureVM',
      connections: [{ edge: 'canAuthenticateAs', entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }] }],
    });
    expect(chain.count).toBe(20 * 5); // one VM in every tenth resource group
    const exposed = runQuery(g, { entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet', where: { width: 'wide' } }], connections: [{ edge: 'routesTrafficTo', direction: 'in', entity: 'AzureNetworkInterface', connections: [{ edge: 'routesTrafficTo', direction: 'in', entity: 'Internet' }] }] });
    expect(exposed.count).toBe(20 * 50 * 2);
    expect(exposed.truncated).toBe(true);
    const writers = runQuery(g, { entity: 'User', connections: [{ edge: 'hasPermissionTo', access: 'write', entity: 'AzureKeyVault' }] });
    expect(writers.results.map((r) => r.name)).toEqual(['admin']);
    expect(runQuery(g, { entity: 'User', connections: [{ edge: 'hasPermissionTo', access: 'high', entity: 'AzureSubscription' }] }).results.map((r) => r.name)).toEqual(['admin', 'combo']);
    const vaults = runQuery(g, { entity: 'AzureKeyVault', connections: [{ edge: 'hasPermissionTo', direction: 'in', access: 'read', entity: 'Identity' }], limit: 10_000 });
    expect(vaults.count).toBe(50 + 20 * 5 - 5); // subscription s7 through its owner, plus the vaults of the tenth groups (5 of them in s7)
    const owners = runQuery(g, { entity: 'Identity', connections: [{ edge: 'hasPermissionTo', capabilities: ['rbac.write'], entity: 'AzureStorageAccount', conditions: [{ property: 'allowBlobPublicAccess', op: 'equals', value: true }] }] });
    expect(owners.results.map((r) => r.name)).toEqual(['admin']);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  it('planning (starting from the small side of the pattern) changes the work, never the results', () => {
    const g = synthetic();
    const queries: ExplorerQuery[] = [
      { entity: 'AzureVM', connections: [{ edge: 'canAuthenticateAs', entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }] }] },
      { entity: 'AzureVM', connections: [{ edge: 'canAuthenticateAs', entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', entity: 'AzureResourceGroup' }] }] },
      { entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault', conditions: [{ property: 'name', op: 'contains', value: 'kv-7-' }] }] },
      { entity: 'Identity', connections: [{ edge: 'hasPermissionTo', capabilities: ['rbac.write'], entity: 'AzureSubscription' }] },
      // thousands of principals hold roles: effective access is found in bulk from the targets' side
      { entity: 'User', connections: [{ edge: 'hasPermissionTo', access: 'high', entity: 'AzureResourceGroup' }] },
      { entity: 'Identity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }], limit: 10_000 },
      { entity: 'User', conditions: [{ property: 'name', op: 'contains', value: 'o' }], connections: [{ edge: 'hasPermissionTo', access: 'high', entity: 'AzureSubscription' }] },
      { entity: 'AzureVM', conditions: [{ insight: 'exposedToInternet' }], connections: [{ edge: 'routesTrafficTo', direction: 'in', entity: 'AzureNetworkInterface', connections: [{ edge: 'routesTrafficTo', direction: 'in', entity: 'Internet' }] }], limit: 10_000 },
      { entity: 'AzureResourceGroup', connections: [{ edge: 'contains', entity: 'AzureKeyVault' }, { edge: 'hasPermissionTo', direction: 'in', entity: 'ManagedIdentity' }] },
      { entity: 'AzureSubscription', connections: [{ edge: 'contains', entity: 'AzureResourceGroup', connections: [{ edge: 'hasPermissionTo', direction: 'in', entity: 'ManagedIdentity' }] }] },
    ];
    expect(runQuery(g, queries[4]).results.map((r) => r.name)).toEqual(['admin', 'combo']);
    expect(runQuery(g, queries[6]).results.map((r) => r.name)).toEqual(['combo']);
    for (const q of queries) {
      const planned = runQuery(g, q);
      const scanned = runQuery(g, q, { plan: false });
      expect({ count: planned.count, results: planned.results }).toEqual({ count: scanned.count, results: scanned.results });
      expect(planned.count).toBeGreaterThan(0);
    }
    // and on the fixture, for every template
    for (const t of loadExplorerTemplates()) {
      const r = runQuery(graph, t.query);
      expect(runQuery(graph, t.query, { plan: false }).results).toEqual(r.results);
      expect(runQuery(graph, t.query, { plan: 'bulk' }).results).toEqual(r.results);
    }
    for (const q of queries.slice(0, 4)) expect(runQuery(g, q, { plan: 'bulk' }).results).toEqual(runQuery(g, q, { plan: false }).results);
  });

  it('answers kept per graph (effective access shared across queries, flat columns) follow what is added to the graph', () => {
    const g = synthetic();
    const readers: ExplorerQuery = { entity: 'Identity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }], limit: 10_000 };
    // The bulk answer for "read access to a Key Vault" is found by this query and kept with the graph ...
    const first = runQuery(g, readers, { plan: 'bulk' });
    expect(first.results.map((r) => r.name)).not.toContain('late-reader');
    // ... and reused by a query reaching the same far side from another root (checked against the unplanned scan).
    const viaVm: ExplorerQuery = { entity: 'AzureVM', connections: [{ edge: 'canAuthenticateAs', entity: 'ManagedIdentity', connections: [{ edge: 'hasPermissionTo', access: 'read', entity: 'AzureKeyVault' }] }] };
    expect(runQuery(g, viaVm).results).toEqual(runQuery(g, viaVm, { plan: false }).results);
    // A principal granted read on a vault afterwards: the kept answers are dropped with the graph's structure.
    const vault = g.nodesOfType('AzureKeyVault')[0];
    const late = g.addNode({ key: 'principal:late-reader', id: 'late-reader', type: 'User', name: 'late-reader', properties: { objectId: 'late-reader' } });
    g.addEdge(late, vault, 'hasPermissionTo', { grants: [{ roleName: 'Key Vault Secrets User', capabilities: ['kv.secret.get'] }] });
    const again = runQuery(g, readers, { plan: 'bulk' });
    expect(again.count).toBe(first.count + 1);
    expect(again.results.map((r) => r.name)).toContain('late-reader');
    expect(again.results).toEqual(runQuery(g, readers, { plan: false }).results);
  });
});
