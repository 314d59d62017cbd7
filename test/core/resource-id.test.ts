import { describe, expect, it } from 'vitest';
import { ResourceId, canonicalKey, isWithin, PalisadeError, type ScopeHierarchy } from '../../src/core/index.js';

const SUB = '00000000-0000-0000-0000-000000000001';

interface Shape {
  id: string;
  kind: ResourceId['kind'];
  type: string;
  name: string;
  subscriptionId?: string;
  resourceGroup?: string;
  managementGroup?: string;
  scope: string;
  parent?: string;
  isExtension?: boolean;
  isChild?: boolean;
}

const shapes: Shape[] = [
  { id: '/', kind: 'tenant', type: 'Microsoft.Resources/tenants', name: '', scope: '/' },
  {
    id: '/providers/Microsoft.Management/managementGroups/contoso-root',
    kind: 'managementGroup',
    type: 'Microsoft.Management/managementGroups',
    name: 'contoso-root',
    managementGroup: 'contoso-root',
    scope: '/',
    parent: '/',
  },
  { id: `/subscriptions/${SUB}`, kind: 'subscription', type: 'Microsoft.Resources/subscriptions', name: SUB, subscriptionId: SUB, scope: '/', parent: '/' },
  {
    id: `/subscriptions/${SUB}/resourceGroups/rg-app`,
    kind: 'resourceGroup',
    type: 'Microsoft.Resources/subscriptions/resourceGroups',
    name: 'rg-app',
    subscriptionId: SUB,
    resourceGroup: 'rg-app',
    scope: `/subscriptions/${SUB}`,
    parent: `/subscriptions/${SUB}`,
  },
  {
    id: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1`,
    kind: 'resource',
    type: 'Microsoft.Compute/virtualMachines',
    name: 'vm1',
    subscriptionId: SUB,
    resourceGroup: 'rg-app',
    scope: `/subscriptions/${SUB}/resourceGroups/rg-app`,
    parent: `/subscriptions/${SUB}/resourceGroups/rg-app`,
  },
  {
    // nested child resource
    id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default`,
    kind: 'resource',
    type: 'Microsoft.Network/virtualNetworks/subnets',
    name: 'default',
    subscriptionId: SUB,
    resourceGroup: 'rg-net',
    scope: `/subscriptions/${SUB}/resourceGroups/rg-net`,
    parent: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1`,
    isChild: true,
  },
  {
    // two levels of children
    id: `/subscriptions/${SUB}/resourceGroups/rg-sql/providers/Microsoft.Sql/servers/sql1/databases/db1/securityAlertPolicies/default`,
    kind: 'resource',
    type: 'Microsoft.Sql/servers/databases/securityAlertPolicies',
    name: 'default',
    subscriptionId: SUB,
    resourceGroup: 'rg-sql',
    scope: `/subscriptions/${SUB}/resourceGroups/rg-sql`,
    parent: `/subscriptions/${SUB}/resourceGroups/rg-sql/providers/Microsoft.Sql/servers/sql1/databases/db1`,
    isChild: true,
  },
  {
    // extension resource on a resource
    id: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1/providers/Microsoft.Security/assessments/k1`,
    kind: 'resource',
    type: 'Microsoft.Security/assessments',
    name: 'k1',
    subscriptionId: SUB,
    resourceGroup: 'rg-app',
    scope: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1`,
    parent: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1`,
    isExtension: true,
  },
  {
    // subscription-level resource
    id: `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/CloudPosture`,
    kind: 'resource',
    type: 'Microsoft.Security/pricings',
    name: 'CloudPosture',
    subscriptionId: SUB,
    scope: `/subscriptions/${SUB}`,
    parent: `/subscriptions/${SUB}`,
  },
  {
    // tenant-level resource
    id: '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751',
    kind: 'resource',
    type: 'Microsoft.Authorization/policyDefinitions',
    name: '4fa4b6c0-31ca-4c0d-b10d-24b96f62a751',
    scope: '/',
    parent: '/',
  },
  {
    // extension resource on a management group
    id: '/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Authorization/policyAssignments/mcsb-mg-root',
    kind: 'resource',
    type: 'Microsoft.Authorization/policyAssignments',
    name: 'mcsb-mg-root',
    managementGroup: 'contoso-root',
    scope: '/providers/Microsoft.Management/managementGroups/contoso-root',
    parent: '/providers/Microsoft.Management/managementGroups/contoso-root',
  },
  {
    // extension on a resource group
    id: `/subscriptions/${SUB}/resourceGroups/DefenderForCloud-Scanner/providers/Microsoft.Authorization/policyExemptions/allow-scanner`,
    kind: 'resource',
    type: 'Microsoft.Authorization/policyExemptions',
    name: 'allow-scanner',
    subscriptionId: SUB,
    resourceGroup: 'DefenderForCloud-Scanner',
    scope: `/subscriptions/${SUB}/resourceGroups/DefenderForCloud-Scanner`,
    parent: `/subscriptions/${SUB}/resourceGroups/DefenderForCloud-Scanner`,
  },
];

describe('ResourceId.parse', () => {
  for (const shape of shapes) {
    it(`parses ${shape.type} (${shape.kind}) and round-trips`, () => {
      const id = ResourceId.parse(shape.id);
      expect(id.id).toBe(shape.id);
      expect(id.toString()).toBe(shape.id);
      expect(id.kind).toBe(shape.kind);
      expect(id.type).toBe(shape.type);
      expect(id.name).toBe(shape.name);
      expect(id.subscriptionId).toBe(shape.subscriptionId);
      expect(id.resourceGroup).toBe(shape.resourceGroup);
      expect(id.managementGroup).toBe(shape.managementGroup);
      expect(id.scope.id).toBe(shape.scope);
      expect(id.parent?.id).toBe(shape.parent);
      expect(id.isExtension).toBe(shape.isExtension ?? false);
      expect(id.isChild).toBe(shape.isChild ?? false);
      // round trip through the parsed parts
      expect(ResourceId.parse(id.id).key).toBe(id.key);
    });
  }

  it('compares case-insensitively through the canonical key and keeps the original case', () => {
    const a = ResourceId.parse(`/subscriptions/${SUB}/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/VM1`);
    const b = ResourceId.parse(`/SUBSCRIPTIONS/${SUB}/resourcegroups/rg-app/providers/microsoft.compute/VIRTUALMACHINES/vm1`);
    expect(a.equals(b)).toBe(true);
    expect(a.key).toBe(b.key);
    expect(a.id).toContain('RG-App');
    expect(b.resourceGroup).toBe('rg-app');
    expect(a.resourceGroup).toBe('RG-App');
  });

  it('collapses repeated slashes and drops a trailing slash', () => {
    const id = ResourceId.parse(`//subscriptions/${SUB}//resourceGroups/rg/`);
    expect(id.id).toBe(`/subscriptions/${SUB}/resourceGroups/rg`);
    expect(canonicalKey(`//subscriptions/${SUB.toUpperCase()}//resourceGroups/RG/`)).toBe(`/subscriptions/${SUB}/resourcegroups/rg`);
  });

  it('gives the top-level resource of a child or extension resource', () => {
    const id = ResourceId.parse(shapes[7].id);
    expect(id.topLevelResource.id).toBe(`/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1`);
  });

  const invalid: Array<[string, RegExp]> = [
    ['subscriptions/x', /starts with '\/'/],
    ['/subscriptions', /missing subscription id/],
    [`/subscriptions/${SUB}/resourceGroups`, /missing resource group name/],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers`, /namespace/],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute`, /no resource type/],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`, /has no name/],
    [`/subscriptions/${SUB}/things/x`, /expected 'providers'/],
  ];
  for (const [text, reason] of invalid) {
    it(`rejects '${text}' with InvalidResourceId`, () => {
      expect(() => ResourceId.parse(text)).toThrow(PalisadeError);
      try {
        ResourceId.parse(text);
      } catch (error) {
        expect((error as PalisadeError).code).toBe('InvalidResourceId');
        expect((error as PalisadeError).message).toMatch(reason);
      }
    });
  }
});

describe('isWithin', () => {
  // contoso-root > landing-zones > corp > SUB
  const hierarchy: ScopeHierarchy = {
    managementGroupAncestors(scope) {
      if (scope.kind === 'subscription' && scope.subscriptionId === SUB) return ['corp', 'landing-zones', 'contoso-root'];
      if (scope.kind === 'managementGroup') {
        const parents: Record<string, string[]> = { corp: ['landing-zones', 'contoso-root'], 'landing-zones': ['contoso-root'], 'contoso-root': [] };
        return parents[scope.managementGroup!.toLowerCase()] ?? [];
      }
      return [];
    },
  };
  const vm = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1`;
  const mg = (name: string) => `/providers/Microsoft.Management/managementGroups/${name}`;

  it('is lexical below subscriptions, resource groups and resources', () => {
    expect(isWithin(`/subscriptions/${SUB}`, vm)).toBe(true);
    expect(isWithin(`/subscriptions/${SUB}/resourceGroups/RG-APP`, vm)).toBe(true);
    expect(isWithin(vm, `${vm}/providers/Microsoft.Security/assessments/k`)).toBe(true);
    expect(isWithin(vm, vm)).toBe(true);
    expect(isWithin(`/subscriptions/${SUB}/resourceGroups/rg-ap`, vm)).toBe(false); // prefix of a name is not containment
    expect(isWithin(`/subscriptions/${SUB}/resourceGroups/other`, vm)).toBe(false);
  });

  it('climbs the management-group tree', () => {
    expect(isWithin(mg('corp'), vm, hierarchy)).toBe(true);
    expect(isWithin(mg('landing-zones'), vm, hierarchy)).toBe(true);
    expect(isWithin(mg('Contoso-Root'), vm, hierarchy)).toBe(true);
    expect(isWithin(mg('sandbox'), vm, hierarchy)).toBe(false);
    expect(isWithin(mg('contoso-root'), mg('corp'), hierarchy)).toBe(true);
    expect(isWithin(mg('corp'), mg('contoso-root'), hierarchy)).toBe(false);
    expect(isWithin(mg('contoso-root'), `${mg('corp')}/providers/Microsoft.Authorization/policyAssignments/a`, hierarchy)).toBe(true);
  });

  it('needs the hierarchy for management groups and treats the tenant as containing everything', () => {
    expect(isWithin(mg('corp'), vm)).toBe(false);
    expect(isWithin('/', vm)).toBe(true);
    expect(isWithin('/', mg('corp'))).toBe(true);
  });
});
