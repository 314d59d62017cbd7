/**
 * A small hand-built estate for the assignment / exemption / scan tests: a management-group tree, three
 * subscriptions, resource groups, storage accounts, SQL servers with auditing settings and Defender pricings —
 * plus loaders for the real built-in definitions and alias tables under ../shared (tests skip when it is absent).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AliasCatalog } from '../../../../src/catalog/index.js';
import { ManagementGroupTree, type ArgRow } from '../../../../src/estate/index.js';
import type { ArmResource, PolicyAssignment } from '../../../../src/policy/index.js';
import { POLICY_DATA } from '../../../shared-data.js';

export const DATA = POLICY_DATA;
export const hasData = existsSync(join(DATA, 'manifest.json'));

let aliasCache: AliasCatalog | undefined;
export function loadAliases(): AliasCatalog {
  if (aliasCache) return aliasCache;
  const catalog = new AliasCatalog();
  const dir = join(DATA, 'aliases');
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.json')) catalog.merge(AliasCatalog.fromJson(JSON.parse(readFileSync(join(dir, f), 'utf8')), f));
  }
  aliasCache = catalog;
  return catalog;
}

let defCache: unknown[] | undefined;
/** Every built-in definition and initiative under shared/data (via manifest.json). */
export function loadBuiltins(): unknown[] {
  if (defCache) return defCache;
  const manifest = JSON.parse(readFileSync(join(DATA, 'manifest.json'), 'utf8')) as {
    definitions: Array<{ path: string }>;
    initiatives: Record<string, string>;
  };
  const out: unknown[] = [];
  for (const d of manifest.definitions) out.push(JSON.parse(readFileSync(join(DATA, d.path), 'utf8')));
  for (const path of Object.values(manifest.initiatives)) if (existsSync(join(DATA, path))) out.push(JSON.parse(readFileSync(join(DATA, path), 'utf8')));
  defCache = out;
  return out;
}

export const S1 = '11111111-1111-1111-1111-111111111111';
export const S2 = '22222222-2222-2222-2222-222222222222';
export const S3 = '33333333-3333-3333-3333-333333333333';
export const MG = (name: string) => `/providers/Microsoft.Management/managementGroups/${name}`;
export const RG = (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}`;
export const ST = (sub: string, rg: string, name: string) => `${RG(sub, rg)}/providers/Microsoft.Storage/storageAccounts/${name}`;
export const PUBLIC_ACCESS = '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';
export const SECURE_TRANSFER = '/providers/Microsoft.Authorization/policyDefinitions/404c3081-a854-4457-ae30-26a93ef643f9';
export const SQL_AUDITING = '/providers/Microsoft.Authorization/policyDefinitions/a6fb4358-5bf4-4ad7-ba82-2cd2f41ce5e9';
export const CSPM_DINE = '/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd';
export const MCSB = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';

function mg(name: string, parent?: string): ArgRow {
  return {
    id: MG(name),
    type: 'Microsoft.Management/managementGroups',
    name,
    properties: { displayName: name, details: parent ? { parent: { id: MG(parent), name: parent } } : {} },
  };
}

function sub(id: string, name: string, chain: string[]): ArgRow {
  return {
    id: `/subscriptions/${id}`,
    type: 'Microsoft.Resources/subscriptions',
    name,
    subscriptionId: id,
    properties: { displayName: name, state: 'Enabled', managementGroupAncestorsChain: chain.map((n) => ({ name: n, displayName: n })) },
  };
}

function rg(subId: string, name: string, location = 'eastus'): ArgRow {
  return { id: RG(subId, name), type: 'Microsoft.Resources/subscriptions/resourceGroups', name, subscriptionId: subId, resourceGroup: name, location, tags: {}, properties: { provisioningState: 'Succeeded' } };
}

export function storage(subId: string, rgName: string, name: string, location: string, props: Record<string, unknown>, tags: Record<string, string> = {}): ArmResource {
  return {
    id: ST(subId, rgName, name),
    type: 'Microsoft.Storage/storageAccounts',
    name,
    kind: 'StorageV2',
    location,
    subscriptionId: subId,
    resourceGroup: rgName,
    tags,
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    properties: { minimumTlsVersion: 'TLS1_2', ...props },
  };
}

function sqlServer(subId: string, rgName: string, name: string, auditing?: 'Enabled' | 'Disabled'): ArmResource[] {
  const id = `${RG(subId, rgName)}/providers/Microsoft.Sql/servers/${name}`;
  const out: ArmResource[] = [{ id, type: 'Microsoft.Sql/servers', name, kind: 'v12.0', location: 'eastus', subscriptionId: subId, resourceGroup: rgName, tags: {}, properties: { version: '12.0', publicNetworkAccess: 'Disabled' } }];
  if (auditing) out.push({ id: `${id}/auditingSettings/default`, type: 'Microsoft.Sql/servers/auditingSettings', name: 'default', subscriptionId: subId, resourceGroup: rgName, properties: { state: auditing } });
  return out;
}

export function pricing(subId: string, name: string, tier: 'Free' | 'Standard'): ArmResource {
  return { id: `/subscriptions/${subId}/providers/Microsoft.Security/pricings/${name}`, type: 'Microsoft.Security/pricings', name, subscriptionId: subId, properties: { pricingTier: tier } };
}

/** The estate: rows (containers and resources) and its management-group tree. */
export function buildEstate(): { rows: ArmResource[]; tree: ManagementGroupTree } {
  const containers: ArgRow[] = [
    mg('contoso-root'),
    mg('platform', 'contoso-root'),
    mg('landing-zones', 'contoso-root'),
    mg('corp', 'landing-zones'),
    mg('sandbox', 'contoso-root'),
    sub(S1, 'corp-prod', ['corp', 'landing-zones', 'contoso-root']),
    sub(S2, 'platform-mgmt', ['platform', 'contoso-root']),
    sub(S3, 'sandbox-dev', ['sandbox', 'contoso-root']),
    rg(S1, 'rg-app'),
    rg(S1, 'rg-data', 'westeurope'),
    rg(S2, 'rg-shared'),
    rg(S3, 'rg-play'),
  ];
  const resources: ArmResource[] = [
    storage(S1, 'rg-app', 'stapp1', 'eastus', { allowBlobPublicAccess: true, supportsHttpsTrafficOnly: false }),
    storage(S1, 'rg-app', 'stapp2', 'westeurope', { allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true }, { env: 'prod' }),
    storage(S1, 'rg-data', 'stdata1', 'East US', { supportsHttpsTrafficOnly: true }),
    storage(S2, 'rg-shared', 'stshared', 'westeurope', { allowBlobPublicAccess: true, supportsHttpsTrafficOnly: true }),
    storage(S3, 'rg-play', 'stplay', 'eastus', { allowBlobPublicAccess: true, supportsHttpsTrafficOnly: false }),
    ...sqlServer(S1, 'rg-data', 'sql1', 'Disabled'),
    ...sqlServer(S2, 'rg-shared', 'sql2', 'Enabled'),
    pricing(S1, 'CloudPosture', 'Free'),
    pricing(S2, 'CloudPosture', 'Standard'),
    pricing(S2, 'VirtualMachines', 'Free'),
  ];
  const rows = [...(containers as ArmResource[]), ...resources];
  return { rows, tree: ManagementGroupTree.fromRows(containers) };
}

export function assignment(name: string, scope: string, policyDefinitionId: string, props: Partial<PolicyAssignment['properties']> = {}): PolicyAssignment {
  return {
    id: `${scope}/providers/Microsoft.Authorization/policyAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/policyAssignments',
    properties: { displayName: name, policyDefinitionId, scope, enforcementMode: 'Default', ...props },
  };
}
