/**
 * What the sample telemetry needs to know about a generated estate, read back from its files (so the telemetry
 * writer never touches the estate generator's state, and works on any sample directory): the resources that emit
 * telemetry (storage accounts, key vaults, SQL databases, AKS clusters, Linux VMs, API Management services) and each
 * subscription's Defender plan tier and sub-plan from the pricing rows.
 */
import { join } from 'node:path';
import { safeJsonParse } from '../../core/index.js';
import { readLines } from '../line-reader.js';
import type { PlanName } from './constants.js';

export type TelemetryResourceKind = 'storage' | 'keyVault' | 'sqlDatabase' | 'aks' | 'linuxVm' | 'apim';

export interface TelemetryResource {
  kind: TelemetryResourceKind;
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** SQL databases: the server's name. */
  server?: string;
  /** Linux VMs: whether password authentication is enabled. */
  passwordAuth?: boolean;
  /** Linux VMs: the admin user name. */
  adminUser?: string;
}

export interface PlanState {
  tier: 'Free' | 'Standard';
  subPlan?: string;
}

export interface TelemetryInventory {
  resources: Record<TelemetryResourceKind, TelemetryResource[]>;
  /** subscription id (lower case) → plan → state; a plan without a pricing row is Free. */
  plans: Map<string, Map<PlanName, PlanState>>;
}

/** The Defender plan whose alerts cover each kind of resource. */
export const PLAN_OF_KIND: Record<TelemetryResourceKind, PlanName> = {
  storage: 'StorageAccounts',
  keyVault: 'KeyVaults',
  sqlDatabase: 'SqlServers',
  aks: 'Containers',
  linuxVm: 'VirtualMachines',
  apim: 'Api',
};

const KIND_BY_TYPE: Record<string, TelemetryResourceKind> = {
  'microsoft.storage/storageaccounts': 'storage',
  'microsoft.keyvault/vaults': 'keyVault',
  'microsoft.sql/servers/databases': 'sqlDatabase',
  'microsoft.containerservice/managedclusters': 'aks',
  'microsoft.compute/virtualmachines': 'linuxVm',
  'microsoft.apimanagement/service': 'apim',
};

/** At most this many candidates per kind are kept (the first ones in file order), so memory stays bounded. */
const MAX_PER_KIND = 20_000;

type Row = Record<string, unknown>;

function obj(value: unknown): Row | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Row) : undefined;
}

export async function readTelemetryInventory(outDir: string): Promise<TelemetryInventory> {
  const resources: TelemetryInventory['resources'] = { storage: [], keyVault: [], sqlDatabase: [], aks: [], linuxVm: [], apim: [] };
  for await (const line of readLines(join(outDir, 'resources.jsonl'))) {
    if (line.text.length === 0) continue;
    const type = /"type":"([^"]+)"/.exec(line.text)?.[1];
    const kind = type === undefined ? undefined : KIND_BY_TYPE[type.toLowerCase()];
    if (kind === undefined || resources[kind].length >= MAX_PER_KIND) continue;
    const row = safeJsonParse(line.text) as Row;
    const resource = toResource(kind, row);
    if (resource !== undefined) resources[kind].push(resource);
  }
  const plans = new Map<string, Map<PlanName, PlanState>>();
  for await (const line of readLines(join(outDir, 'securityresources.jsonl'))) {
    if (!line.text.includes('"microsoft.security/pricings"')) continue;
    const row = safeJsonParse(line.text) as Row;
    const sub = String(row.subscriptionId ?? '').toLowerCase();
    const properties = obj(row.properties) ?? {};
    const tier = properties.pricingTier === 'Standard' ? 'Standard' : 'Free';
    const state: PlanState = { tier };
    if (typeof properties.subPlan === 'string') state.subPlan = properties.subPlan;
    let map = plans.get(sub);
    if (map === undefined) plans.set(sub, (map = new Map()));
    map.set(String(row.name) as PlanName, state);
  }
  return { resources, plans };
}

function toResource(kind: TelemetryResourceKind, row: Row): TelemetryResource | undefined {
  const id = String(row.id);
  const base: TelemetryResource = {
    kind,
    id,
    name: String(row.name),
    subscriptionId: String(row.subscriptionId),
    resourceGroup: id.split('/')[4] ?? String(row.resourceGroup),
    location: String(row.location ?? ''),
  };
  const properties = obj(row.properties) ?? {};
  if (kind === 'sqlDatabase') {
    if (base.name.toLowerCase() === 'master') return undefined;
    base.server = id.split('/')[8];
    return base;
  }
  if (kind === 'linuxVm') {
    const osDisk = obj(obj(properties.storageProfile)?.osDisk);
    if (osDisk?.osType !== 'Linux') return undefined;
    const osProfile = obj(properties.osProfile);
    const linux = obj(osProfile?.linuxConfiguration);
    base.passwordAuth = linux?.disablePasswordAuthentication === false;
    base.adminUser = typeof osProfile?.adminUsername === 'string' ? osProfile.adminUsername : 'azureuser';
    return base;
  }
  return base;
}

export function planState(inventory: TelemetryInventory, subscriptionId: string, plan: PlanName): PlanState {
  return inventory.plans.get(subscriptionId.toLowerCase())?.get(plan) ?? { tier: 'Free' };
}
