import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilitiesOf, capabilityGrants, loadCapabilities } from '../../src/graph/capabilities.js';
import {
  ActionPattern,
  CompiledRole,
  PermissionIndex,
  actionPatternMatches,
  roleAssignmentFromRow,
  roleDefinitionFromRow,
  roleDefinitionKey,
  roleGrants,
  scopeContains,
  type RoleAssignmentLike,
  type RoleDefinitionLike,
} from '../../src/graph/rbac.js';
import { SHARED_DATA } from '../shared-data.js';

const RBAC_DATA = join(SHARED_DATA, 'rbac');
const BUILTIN_FILE = join(RBAC_DATA, 'builtin-role-definitions.json');
const CAPS_FILE = join(RBAC_DATA, 'role-capabilities.json');
const OPS_FILE = join(RBAC_DATA, 'provider-operations-subset.json');
const HAS_RBAC_DATA = existsSync(BUILTIN_FILE) && existsSync(CAPS_FILE);
if (!HAS_RBAC_DATA) console.warn(`[rbac.test] skipping built-in role tests: ${BUILTIN_FILE} or ${CAPS_FILE} not found (set PALISADE_SHARED_DATA)`);

interface BuiltinFile {
  roles: RoleDefinitionLike[];
}
interface CapsFile {
  _meta: { operations: Record<string, { operation: string; plane: 'control' | 'data' }> };
  roles: Array<{ id: string; roleName: string; capabilities: string[] | Record<string, true | 'conditional'> }>;
}

const builtins: RoleDefinitionLike[] = HAS_RBAC_DATA
  ? (JSON.parse(readFileSync(BUILTIN_FILE, 'utf8')) as BuiltinFile).roles.map((r) => ({ ...r, id: `/providers/Microsoft.Authorization/roleDefinitions/${r.id}`, name: r.id }))
  : [];
const byName = new Map(builtins.map((r) => [r.roleName, r]));
const builtin = (roleName: string): RoleDefinitionLike => {
  const r = byName.get(roleName);
  if (!r) throw new Error(`built-in role '${roleName}' not in ${BUILTIN_FILE}`);
  return r;
};

const block = (p: Partial<RoleDefinitionLike['permissions'][number]>): RoleDefinitionLike['permissions'][number] => ({ actions: [], notActions: [], dataActions: [], notDataActions: [], ...p });
const role = (name: string, ...permissions: RoleDefinitionLike['permissions']): RoleDefinitionLike => ({
  id: `/providers/Microsoft.Authorization/roleDefinitions/${name}`,
  name,
  roleName: name,
  permissions,
});

describe('actionPatternMatches', () => {
  const cases: Array<[pattern: string, operation: string, expected: boolean, why: string]> = [
    ['*', 'Microsoft.Storage/storageAccounts/listkeys/action', true, "'*' matches every operation (Owner/Contributor actions)"],
    ['*', '', true, "'*' matches even the empty string"],
    ['Microsoft.Storage/*', 'Microsoft.Storage/storageAccounts/listkeys/action', true, 'provider wildcard covers every operation of the provider, across several / levels'],
    ['Microsoft.Storage/*', 'Microsoft.StorageSync/storageSyncServices/read', false, "the literal prefix includes the '/': another provider with a common prefix does not match"],
    ['Microsoft.Storage/*', 'Microsoft.Storage', false, "nothing after the provider: 'Microsoft.Storage/' is required"],
    ['*/read', 'Microsoft.Compute/virtualMachines/read', true, "Reader's '*/read' matches any read"],
    ['*/read', 'Microsoft.KeyVault/vaults/secrets/read', true, "'*' spans several '/' segments"],
    ['*/read', 'Microsoft.Compute/virtualMachines/write', false, 'suffix must be /read'],
    ['*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action', false, 'the suffix is anchored at the end'],
    ['Microsoft.CostManagement/*/query/*', 'Microsoft.CostManagement/exports/query/action', true, 'several stars per pattern'],
    ['Microsoft.CostManagement/*/query/*', 'Microsoft.CostManagement/a/b/query/c/d', true, 'each star spans several segments'],
    ['Microsoft.CostManagement/*/query/*', 'Microsoft.CostManagement/query/action', true, "the '/*/' star may also match nothing, leaving a single '/'"],
    ['Microsoft.CostManagement/*/query/*', 'Microsoft.CostManagement/exports/read', false, "no 'query/' piece"],
    ['Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action', 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action', true, "Managed Identity Operator: '/*/' also matches a single '/' (role-capabilities.json _meta.matching)"],
    ['Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action', 'Microsoft.ManagedIdentity/userAssignedIdentities/x/assign/action', true, "'/*/' still matches '/x/'"],
    ['Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action', 'Microsoft.ManagedIdentity/userAssignedIdentitiesassign/action', false, "at least the single '/' must be there"],
    ['Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action', 'Microsoft.ManagedIdentity/userAssignedIdentities/x/assign/action/more', false, 'the tail is anchored'],
    ['Microsoft.Compute/*/read', 'Microsoft.Compute/read', true, "consequence of the '/*/' rule: the middle star may vanish"],
    ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/read', true, 'exact pattern'],
    ['Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/read/extra', false, 'an exact pattern is not a prefix match'],
    ['microsoft.storage/STORAGEACCOUNTS/*', 'Microsoft.Storage/storageAccounts/read', true, 'case-insensitive (pattern upper/lower mix)'],
    ['Microsoft.Authorization/*/Write', 'microsoft.authorization/roleassignments/write', true, "case-insensitive (Contributor's notActions spelling)"],
    ['Microsoft.Network/virtualNetworks/read ', 'Microsoft.Network/virtualNetworks/read', true, 'surrounding whitespace ignored (one built-in role carries a trailing space)'],
    ['a*b*c', 'aXXbYYc', true, 'greedy pieces in order'],
    ['a*b*c', 'abc', true, 'stars may match nothing'],
    ['a*b*c', 'acb', false, 'pieces must appear in order'],
    ['a*b*c', 'abcb', false, 'last piece anchored at the end'],
    ['*ab*ab*', 'xabyab', true, 'two occurrences needed, found left to right'],
    ['*ab*ab*', 'xaby', false, 'only one occurrence'],
    ['*aab', 'aaab', true, 'suffix overlapping a failed earlier attempt (KMP restart)'],
    ['*aab*', 'aaab', true, 'middle piece after a partial match (KMP failure link)'],
    ['a**b', 'ab', true, "'**' behaves like '*'"],
  ];
  it.each(cases)('%j vs %j → %s (%s)', (pattern, operation, expected) => {
    expect(actionPatternMatches(pattern, operation)).toBe(expected);
  });

  it('is linear on hostile patterns (counted character comparisons, not wall clock)', () => {
    // Backtracking matchers take exponential or quadratic time on these; we bound the comparisons by c·(|p|+|t|).
    const hostile: Array<[string, string]> = [
      [`${'a*'.repeat(500)}b`, 'a'.repeat(20_000)],
      [`*${'a'.repeat(200)}b*`, 'a'.repeat(20_000)],
      [`${'*a'.repeat(300)}*b`, 'a'.repeat(20_000)],
      [`${'/*'.repeat(300)}/x`, '/'.repeat(20_000)],
    ];
    let total = 0;
    for (const [p, t] of hostile) {
      const compiled = new ActionPattern(p);
      for (let i = 0; i < 200; i++) {
        expect(compiled.matches(t)).toBe(false);
        expect(compiled.lastSteps).toBeLessThanOrEqual(2 * (p.length + t.length) + 10);
        total += compiled.lastSteps;
      }
    }
    expect(total).toBeGreaterThan(0);
    // and a successful hostile match
    const ok = new ActionPattern(`${'a*'.repeat(500)}b`);
    expect(ok.matches(`${'a'.repeat(20_000)}b`)).toBe(true);
    expect(ok.lastSteps).toBeLessThanOrEqual(2 * (1001 + 20_001) + 10);
  });
});

describe('roleGrants (synthetic roles)', () => {
  const op = 'Microsoft.Storage/storageAccounts/listkeys/action';
  it.each<[string, RoleDefinitionLike, string, 'control' | 'data', boolean | 'conditional']>([
    ['actions − notActions: notActions subtracts', role('r1', block({ actions: ['Microsoft.Storage/*'], notActions: ['Microsoft.Storage/storageAccounts/listKeys/action'] })), op, 'control', false],
    ['actions − notActions: other operations stay granted', role('r1', block({ actions: ['Microsoft.Storage/*'], notActions: ['Microsoft.Storage/storageAccounts/listKeys/action'] })), 'Microsoft.Storage/storageAccounts/write', 'control', true],
    ['notActions only subtracts within its own block: a second block grants it', role('r2', block({ actions: ['Microsoft.Storage/*'], notActions: [op] }), block({ actions: [op] })), op, 'control', true],
    ["'*' in actions never grants a data action", role('r3', block({ actions: ['*'] })), 'Microsoft.KeyVault/vaults/secrets/getSecret/action', 'data', false],
    ["'*' in dataActions grants data actions", role('r4', block({ dataActions: ['*'] })), 'Microsoft.KeyVault/vaults/secrets/getSecret/action', 'data', true],
    ['dataActions never grant the control plane', role('r5', block({ dataActions: ['*'] })), op, 'control', false],
    ['notDataActions subtracts data actions', role('r6', block({ dataActions: ['Microsoft.KeyVault/vaults/secrets/*'], notDataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action'] })), 'Microsoft.KeyVault/vaults/secrets/getSecret/action', 'data', false],
    ['a grant only from a block with an ABAC condition is conditional', role('r7', block({ actions: ['Microsoft.Authorization/roleAssignments/write'], condition: "@Resource[...] ForAnyOfAnyValues:GuidEquals{...}" })), 'Microsoft.Authorization/roleAssignments/write', 'control', 'conditional'],
    ['an unconditional block wins over a conditional one', role('r8', block({ actions: ['Microsoft.Authorization/*'], condition: 'x' }), block({ actions: ['Microsoft.Authorization/roleAssignments/write'] })), 'Microsoft.Authorization/roleAssignments/write', 'control', true],
    ['an empty condition string is no condition', role('r9', block({ actions: ['*'], condition: '  ' })), op, 'control', true],
    ['no permission block grants nothing', role('r10'), op, 'control', false],
  ])('%s', (_why, r, operation, plane, expected) => {
    expect(roleGrants(r, operation, plane)).toBe(expected);
  });

  it('CompiledRole memoises per operation and plane (same answer, case-insensitive operation)', () => {
    const c = new CompiledRole(role('m', block({ actions: ['Microsoft.Compute/*'] })));
    expect(c.grants('Microsoft.Compute/virtualMachines/runCommand/action', 'control')).toBe(true);
    expect(c.grants('MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION', 'control')).toBe(true);
    expect(c.grants('Microsoft.Compute/virtualMachines/runCommand/action', 'data')).toBe(false);
  });

  it('reads role definitions and assignments from ARG rows and flattened CLI output', () => {
    const arm = roleDefinitionFromRow({
      id: '/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/abc',
      name: 'abc',
      type: 'Microsoft.Authorization/roleDefinitions',
      properties: { roleName: 'Custom', permissions: [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [], condition: null }] },
    })!;
    expect(arm).toEqual({ id: '/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/abc', name: 'abc', roleName: 'Custom', permissions: [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }] });
    const flat = roleDefinitionFromRow({ id: 'x', roleName: 'Flat', permissions: [{ actions: ['a'] }] })!;
    expect(flat.permissions[0]).toEqual({ actions: ['a'], notActions: [], dataActions: [], notDataActions: [] });
    const a = roleAssignmentFromRow({
      id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/g1',
      properties: { roleDefinitionId: '/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/abc', principalId: 'p1', principalType: 'User', scope: '/subscriptions/s1/resourceGroups/rg' },
    });
    expect(a).toEqual({ id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/g1', scope: '/subscriptions/s1/resourceGroups/rg', roleDefinitionId: '/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/abc', principalId: 'p1', principalType: 'User' });
    expect(roleAssignmentFromRow({ id: '/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/g2', roleDefinitionId: 'r', principalId: 'p' })?.scope).toBe('/subscriptions/s1');
  });
});

describe('PermissionIndex', () => {
  // Hierarchy: root MG → mg-prod → subscription s1 → resource group rg → storage account sa (→ blob container).
  const MG_ROOT = '/providers/Microsoft.Management/managementGroups/root';
  const MG_PROD = '/providers/Microsoft.Management/managementGroups/mg-prod';
  const SUB = '/subscriptions/s1';
  const RG = `${SUB}/resourceGroups/rg`;
  const SA = `${RG}/providers/Microsoft.Storage/storageAccounts/sa`;
  const CONTAINER = `${SA}/blobServices/default/containers/c1`;
  const OTHER_SUB_SA = '/subscriptions/s2/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/other';
  const mgOfSub: Record<string, string[]> = { s1: [MG_ROOT, MG_PROD], s2: [MG_ROOT] };
  const isWithin = (scope: string, resourceId: string): boolean => {
    if (scope.toLowerCase().startsWith('/providers/microsoft.management/managementgroups/')) {
      const sub = /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1];
      return sub !== undefined && (mgOfSub[sub] ?? []).some((m) => m.toLowerCase() === scope.toLowerCase());
    }
    return scopeContains(scope, resourceId);
  };
  const keyReader = role('11111111-0000-0000-0000-000000000001', block({ actions: ['Microsoft.Storage/storageAccounts/read'] }));
  const keyLister = role('11111111-0000-0000-0000-000000000002', block({ actions: ['Microsoft.Storage/*'], notActions: ['Microsoft.Storage/storageAccounts/delete'] }));
  const deleter = role('11111111-0000-0000-0000-000000000003', block({ actions: ['Microsoft.Storage/storageAccounts/delete'] }));
  const blobReader = role('11111111-0000-0000-0000-000000000004', block({ dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'] }));
  const LIST_KEYS = 'Microsoft.Storage/storageAccounts/listkeys/action';
  const DELETE = 'Microsoft.Storage/storageAccounts/delete';
  const BLOB_READ = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read';
  const asg = (id: string, scope: string, r: RoleDefinitionLike, principalId: string, form: 'tenant' | 'sub' = 'sub', condition?: string): RoleAssignmentLike => ({
    id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${id}`,
    scope,
    // ARM writes built-in role ids subscription-qualified inside a subscription, tenant-level at MG scope
    roleDefinitionId: form === 'sub' ? `/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/${r.name}` : `/providers/Microsoft.Authorization/RoleDefinitions/${r.name.toUpperCase()}`,
    principalId,
    principalType: 'User',
    ...(condition ? { condition } : {}),
  });
  const assignments: RoleAssignmentLike[] = [
    asg('a-mg', MG_PROD, keyLister, 'alice', 'tenant'), // MG scope, tenant-level role id
    asg('a-del', RG, deleter, 'alice'), // second assignment: adds delete (keyLister's notActions is no deny)
    asg('b-rg', RG, keyReader, 'bob'),
    asg('c-res', SA, blobReader, 'carol'),
    asg('d-cond', SA, blobReader, 'dave', 'sub', "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'c1'"),
    asg('e-root', '/', keyReader, 'erin', 'tenant'),
    asg('x-unknown', SUB, role('99999999-dead-beef-0000-000000000000'), 'mallory'),
  ];
  const index = new PermissionIndex([keyReader, keyLister, deleter, blobReader], assignments, isWithin);

  it('resolves roleDefinitionId in subscription-qualified, tenant-level and bare forms (case-insensitive)', () => {
    expect(roleDefinitionKey('/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/ABC-1')).toBe('abc-1');
    expect(roleDefinitionKey('/providers/Microsoft.Authorization/roleDefinitions/abc-1/')).toBe('abc-1');
    expect(roleDefinitionKey('abc-1')).toBe('abc-1');
    expect(index.role(`/subscriptions/zzz/providers/Microsoft.Authorization/roleDefinitions/${keyLister.name}`)?.roleName).toBe(keyLister.roleName);
    expect(index.role(`/providers/Microsoft.Authorization/roleDefinitions/${keyLister.name.toUpperCase()}`)?.roleName).toBe(keyLister.roleName);
    expect(index.unresolved.map((a) => a.principalId)).toEqual(['mallory']);
  });

  it.each<[string, string, string, string[]]>([
    ['MG assignment reaches a resource in a subscription below that MG', 'alice', SA, ['a-mg', 'a-del']],
    ['MG assignment does not reach a subscription outside that MG', 'alice', OTHER_SUB_SA, []],
    ['RG assignment reaches the RG itself', 'bob', RG, ['b-rg']],
    ['RG assignment reaches child resources', 'bob', CONTAINER, ['b-rg']],
    ['RG assignment does not reach the subscription above', 'bob', SUB, []],
    ['resource assignment reaches the resource', 'carol', SA, ['c-res']],
    ['resource assignment reaches its child resources', 'carol', CONTAINER, ['c-res']],
    ["a prefix that is not a '/' boundary is not an ancestor", 'carol', `${SA}2`, []],
    ["root scope '/' reaches everything", 'erin', OTHER_SUB_SA, ['e-root']],
    ['principal ids compare case-insensitively', 'ALICE', SA, ['a-mg', 'a-del']],
  ])('assignmentsOn: %s', (_why, principal, resource, expected) => {
    expect(index.assignmentsOn(principal, resource).map((a) => a.id.split('/').pop())).toEqual(expected);
  });

  it('can: RBAC is additive across assignments; notActions of one role does not deny what another grants', () => {
    // keyLister (MG) grants listKeys but subtracts delete; deleter (RG) grants delete → alice can both.
    expect(index.can('alice', SA, LIST_KEYS, 'control')).toMatchObject({ granted: true, via: [expect.objectContaining({ id: expect.stringContaining('a-mg') })] });
    const del = index.can('alice', SA, DELETE, 'control');
    expect(del.granted).toBe(true);
    expect(del.via.map((a) => a.id.split('/').pop())).toEqual(['a-del']);
    // outside the RG only the MG assignment applies → delete is not granted there
    expect(index.can('alice', `${SUB}/resourceGroups/rg2/providers/Microsoft.Storage/storageAccounts/sa9`, DELETE, 'control').granted).toBe(false);
    // bob's reader role grants no listKeys
    expect(index.can('bob', SA, LIST_KEYS, 'control').granted).toBe(false);
    // control-plane Microsoft.Storage/* (alice) grants no data-plane blob read
    expect(index.can('alice', CONTAINER, BLOB_READ, 'data').granted).toBe(false);
    expect(index.can('carol', CONTAINER, BLOB_READ, 'data').granted).toBe(true);
  });

  it('can: an assignment with an ABAC condition grants only conditionally', () => {
    expect(index.can('dave', CONTAINER, BLOB_READ, 'data')).toEqual({ granted: false, via: [], conditionalVia: [assignments[4]] });
  });

  it('principalsWith lists every principal that may perform the operation, sorted, with conditional ones flagged', () => {
    expect(index.principalsWith(CONTAINER, BLOB_READ, 'data').map((p) => [p.principalId, p.conditional])).toEqual([
      ['carol', false],
      ['dave', true],
    ]);
    expect(index.principalsWith(SA, 'Microsoft.Storage/storageAccounts/read', 'control').map((p) => p.principalId)).toEqual(['alice', 'bob', 'erin']);
  });
});

describe.skipIf(!HAS_RBAC_DATA)('built-in roles (shared/data/rbac)', () => {
  const caps = HAS_RBAC_DATA ? (JSON.parse(readFileSync(CAPS_FILE, 'utf8')) as CapsFile) : undefined;
  const GET_SECRET = 'Microsoft.KeyVault/vaults/secrets/getSecret/action';

  it.each<[string, string, 'control' | 'data', boolean | 'conditional']>([
    ['Owner', GET_SECRET, 'data', false], // '*' in actions never grants data actions
    ['Contributor', GET_SECRET, 'data', false],
    ['Owner', 'Microsoft.Authorization/roleAssignments/write', 'control', true],
    ['Contributor', 'Microsoft.Authorization/roleAssignments/write', 'control', false], // notActions Microsoft.Authorization/*/Write
    ['Contributor', 'Microsoft.Storage/storageAccounts/listkeys/action', 'control', true],
    ['Key Vault Secrets User', GET_SECRET, 'data', true],
    ['Key Vault Secrets User', 'Microsoft.KeyVault/vaults/secrets/setSecret/action', 'data', false],
    ['Key Vault Secrets Officer', 'Microsoft.KeyVault/vaults/secrets/setSecret/action', 'data', true],
    ['Key Vault Contributor', GET_SECRET, 'data', false], // manages vaults, no data access...
    ['Key Vault Contributor', 'Microsoft.KeyVault/vaults/accessPolicies/write', 'control', true], // ...but can grant itself an access policy
    ['Managed Identity Operator', 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action', 'control', true], // the '/*/' case
    ['Reader', 'Microsoft.Compute/virtualMachines/read', 'control', true],
    ['Reader', 'Microsoft.Storage/storageAccounts/listkeys/action', 'control', false],
    ['Role Based Access Control Administrator', 'Microsoft.Authorization/roleAssignments/write', 'control', true],
    ['Virtual Machine Administrator Login', 'Microsoft.Compute/virtualMachines/loginAsAdmin/action', 'data', true],
  ])('%s: %s (%s) → %s', (roleName, operation, plane, expected) => {
    expect(roleGrants(builtin(roleName), operation, plane)).toBe(expected);
  });

  it('capabilities.json lists exactly the operations of role-capabilities.json _meta.operations (plus our kv.secret.set)', () => {
    const ours = Object.fromEntries(loadCapabilities().map((c) => [c.name, { operation: c.operation, plane: c.plane }]));
    const { ['kv.secret.set']: extra, ...rest } = ours;
    expect(rest).toEqual(caps!._meta.operations);
    expect(Object.keys(rest)).toHaveLength(29);
    expect(extra).toEqual({ operation: 'Microsoft.KeyVault/vaults/secrets/setSecret/action', plane: 'data' });
  });

  it.skipIf(!existsSync(OPS_FILE))('each capability operation exists in its plane in the provider operation lists', () => {
    const ops = JSON.parse(readFileSync(OPS_FILE, 'utf8')) as { operations: Record<string, { control: string[]; data: string[] }> };
    const missing: string[] = [];
    for (const c of loadCapabilities()) {
      const provider = c.operation.split('/')[0];
      const lists = ops.operations[provider];
      if (!lists) continue; // provider not in the subset
      if (!lists[c.plane].some((o) => o.toLowerCase() === c.operation.toLowerCase())) missing.push(`${c.name}: ${c.operation} (${c.plane})`);
    }
    expect(missing).toEqual([]);
  });

  it('conformance: roleGrants agrees with role-capabilities.json for all 928 roles × 29 operations', () => {
    const ops = caps!._meta.operations;
    const expected = new Map<string, Record<string, true | 'conditional'>>();
    for (const r of caps!.roles) {
      expected.set(r.id.toLowerCase(), Array.isArray(r.capabilities) ? Object.fromEntries(r.capabilities.map((c) => [c, true as const])) : r.capabilities);
    }
    // Known disagreements: none. Should the data change, list the case here with the reason.
    const KNOWN: Record<string, string> = {};
    const disagreements: string[] = [];
    let checked = 0;
    for (const r of builtins) {
      const want = expected.get(r.name.toLowerCase()) ?? {};
      for (const [cap, { operation, plane }] of Object.entries(ops)) {
        checked++;
        const got = roleGrants(r, operation, plane);
        const exp = want[cap] ?? false;
        if (got !== exp) {
          const key = `${r.roleName} / ${cap}`;
          if (!(key in KNOWN)) disagreements.push(`${key}: ours ${JSON.stringify(got)}, data ${JSON.stringify(exp)}`);
        }
      }
    }
    expect(builtins).toHaveLength(928);
    expect(checked).toBe(928 * 29);
    expect(disagreements).toEqual([]);
    // the comparison is not vacuous: the roles we find granting something are exactly the 111 roles the data lists
    const granting = builtins.filter((r) => Object.values(ops).some(({ operation, plane }) => roleGrants(r, operation, plane) !== false));
    expect(granting.map((r) => r.name).sort()).toEqual(caps!.roles.map((r) => r.id.toLowerCase()).sort());
    expect(granting).toHaveLength(111);
    // every role named in the data exists in the definitions
    expect(caps!.roles.filter((r) => !builtins.some((b) => b.name.toLowerCase() === r.id.toLowerCase())).map((r) => r.roleName)).toEqual([]);
  });

  it('capabilitiesOf / capabilityGrants (conditional grants only in capabilityGrants)', () => {
    expect([...capabilitiesOf(builtin('Owner'))]).toEqual(expect.arrayContaining(['rbac.write', 'vm.runCommand', 'storage.listKeys', 'kv.accessPolicies.write']));
    expect(capabilitiesOf(builtin('Owner')).has('kv.secret.get')).toBe(false);
    expect(capabilitiesOf(builtin('Contributor')).has('rbac.write')).toBe(false);
    expect([...capabilitiesOf(builtin('Key Vault Secrets User'))]).toEqual(['kv.secret.get']);
    expect([...capabilitiesOf(builtin('Key Vault Secrets Officer'))].sort()).toEqual(['kv.secret.get', 'kv.secret.set']);
    const conditional = caps!.roles.find((r) => !Array.isArray(r.capabilities) && r.capabilities['rbac.write'] === 'conditional')!;
    const def = builtins.find((b) => b.name === conditional.id)!;
    expect(capabilityGrants(def).get('rbac.write')).toBe('conditional');
    expect(capabilitiesOf(def).has('rbac.write')).toBe(false);
  });
});

describe('capability catalog loader', () => {
  it('loads the shipped catalog, sorted by name, frozen', () => {
    const caps = loadCapabilities();
    expect(caps.length).toBe(30);
    expect(caps.map((c) => c.name)).toEqual([...caps.map((c) => c.name)].sort());
    expect(caps.find((c) => c.name === 'mi.assign')).toEqual({ name: 'mi.assign', operation: 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action', plane: 'control' });
    expect(Object.isFrozen(caps)).toBe(true);
  });

  it('reports an invalid catalog with file and JSON path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-caps-'));
    mkdirSync(join(dir, 'graph'));
    writeFileSync(join(dir, 'graph', 'capabilities.json'), JSON.stringify({ format: 1, capabilities: { 'x.y': { operation: 'A/b/read', plane: 'both' } } }));
    expect(() => loadCapabilities(dir)).toThrow(expect.objectContaining({ code: 'GraphCatalogInvalid', location: { file: join(dir, 'graph', 'capabilities.json'), path: "$.capabilities['x.y'].plane" } }));
    expect(() => loadCapabilities(join(dir, 'nope'))).toThrow(expect.objectContaining({ code: 'GraphCatalogNotFound' }));
  });
});
