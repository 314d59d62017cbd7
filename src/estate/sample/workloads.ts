/**
 * One subscription's rows: its container row, plans, role assignments, network, the scenario's scanner
 * resource group and exposed chains, then workload "bundles" (a VM with its NIC and disks, a web tier behind a
 * load balancer, a SQL server with databases, ...) until the subscription's share of resource rows is reached.
 */
import { ids } from '../../core/index.js';
import { RESTRICTED_REGION, SCANNER_RG } from './constants.js';
import type { IdentityRef, SubContext } from './context.js';
import { resourceGroupRow, subscriptionRow } from './containers.js';
import { writeUserAssignedIdentity, writeVm } from './compute.js';
import { writeKeyVault, writeSqlServer, writeStorageAccount } from './data-services.js';
import { writeAksCluster, writeApiManagement, writeContainerRegistry, writeWebApps } from './app-services.js';
import { planLoadBalancer, writeLoadBalancer, writeNetwork, writePublicIp } from './network.js';
import { pricingRows } from './pricings.js';
import { writeSubscriptionAssignments } from './rbac.js';
import type { Environment } from './topology.js';

/** An internet-exposed chain planted in a busy subscription (what attack-path analysis should find). */
export interface ExposedChain {
  subscriptionId: string;
  kind: 'ssh-vm-to-keyvault' | 'rdp-nat-vm-to-sql' | 'https-lb-vm-to-storage';
  resourceGroup: string;
  vmId: string;
  /** The public entry point (public IP of the VM or of the load balancer). */
  publicIpId: string;
  targets: string[];
}

export interface SubscriptionOutcome {
  resourceRows: number;
  workloadGroups: string[];
  firstPublicStorageId?: string;
  chain?: ExposedChain;
}

type Bundle = 'vm' | 'webTier' | 'storage' | 'keyVault' | 'sql' | 'aks' | 'acr' | 'web' | 'apim' | 'identity';

const MIX: Record<'default' | 'sandbox' | 'platform', ReadonlyArray<readonly [number, Bundle]>> = {
  default: [[24, 'vm'], [5, 'webTier'], [18, 'storage'], [9, 'keyVault'], [5, 'sql'], [2, 'aks'], [2, 'acr'], [9, 'web'], [0.6, 'apim'], [4, 'identity']],
  sandbox: [[30, 'vm'], [1, 'webTier'], [24, 'storage'], [8, 'keyVault'], [2, 'sql'], [1, 'aks'], [2, 'acr'], [10, 'web'], [4, 'identity']],
  platform: [[30, 'vm'], [2, 'webTier'], [16, 'storage'], [14, 'keyVault'], [1, 'sql'], [6, 'identity'], [1, 'acr']],
};

const COMPONENTS = ['web', 'api', 'data', 'batch', 'shared', 'ops', 'ml', 'integration', 'jobs', 'cache'];

function mixFor(env: Environment): ReadonlyArray<readonly [number, Bundle]> {
  return env === 'sandbox' ? MIX.sandbox : env === 'platform' ? MIX.platform : MIX.default;
}

function startResourceGroup(ctx: SubContext, component?: string): void {
  const { sub, rng } = ctx;
  const comp = component ?? rng.pick(COMPONENTS);
  const name = `rg-${sub.app}-${comp}-${sub.environment}-${String(ctx.workloadGroups.length + 1).padStart(3, '0')}`;
  ctx.rg = { name, id: ids.resourceGroup(ctx.subscriptionId, name), location: sub.location, component: comp };
  ctx.workloadGroups.push(name);
  ctx.write('resourcecontainers', resourceGroupRow(ctx.tenantId, ctx.subscriptionId, name, sub.location, ctx.tags()));
}

/** Role assignments a workload identity typically holds (data roles on nearby vaults and storage, sometimes too much). */
function grantWorkloadRoles(ctx: SubContext, principalId: string): void {
  const { rng, sub } = ctx;
  const bad = 1 - sub.hygiene;
  const vault = ctx.vaults.pick(rng);
  if (vault && rng.chance(0.35)) ctx.assign(vault.id, rng.chance(0.3 + 0.3 * bad) ? 'keyVaultSecretsOfficer' : 'keyVaultSecretsUser', principalId, 'ServicePrincipal');
  const storage = ctx.storage.pick(rng);
  if (storage && rng.chance(0.3)) ctx.assign(storage.id, rng.chance(0.6) ? 'storageBlobDataContributor' : 'storageBlobDataReader', principalId, 'ServicePrincipal');
  if (rng.chance(0.05 + 0.08 * bad)) ctx.assign(ctx.rg.id, 'contributor', principalId, 'ServicePrincipal');
  if (rng.chance(0.01 + 0.02 * bad)) ctx.assign(ids.subscription(ctx.subscriptionId), 'contributor', principalId, 'ServicePrincipal');
  if (vault && rng.chance(0.02 * bad)) ctx.assign(vault.id, 'keyVaultAdministrator', principalId, 'ServicePrincipal');
}

function vmBundle(ctx: SubContext): void {
  const { rng } = ctx;
  const subnet = rng.chance(0.3) ? ctx.network.subnets.web : ctx.network.subnets.app;
  const vm = writeVm(ctx, { subnet });
  if (vm.principalId) grantWorkloadRoles(ctx, vm.principalId);
  if (rng.chance(0.1)) ctx.assign(vm.id, 'virtualMachineAdministratorLogin', ctx.sub.devGroup.id, 'Group');
}

function webTierBundle(
  ctx: SubContext,
  o: { natPort?: number; os?: 'Linux' | 'Windows'; legacyImage?: boolean; exposure?: 'rdp' | 'ssh'; firstIdentity?: IdentityRef } = {},
): { lbPipId: string; vms: ReturnType<typeof writeVm>[] } {
  const { rng, sub } = ctx;
  const n = ctx.next().toString(36);
  const lbName = `lbe-${sub.app}-${sub.environment}-${n}`;
  const count = rng.int(2, 4);
  const natPort = 'natPort' in o ? o.natPort : (rng.chance(0.25 * (1 - sub.hygiene)) ? (rng.chance(0.5) ? 22 : 3389) : undefined);
  const lb = planLoadBalancer(ctx, lbName, count, natPort);
  const pipId = writePublicIp(ctx, `${lbName}-pip`, ctx.rg.location, lb.frontendId, ['1', '2', '3']);
  const os = o.os ?? (natPort === 3389 ? 'Windows' : natPort === 22 ? 'Linux' : undefined);
  const vms: ReturnType<typeof writeVm>[] = [];
  for (let i = 0; i < count; i++) {
    const natRuleId = lb.natRuleIds[i];
    const vm = writeVm(ctx, {
      name: `vm-${sub.app}-web-${n}-${i + 1}`,
      subnet: ctx.network.subnets.web,
      publicIp: false,
      os,
      legacyImage: i === 0 ? o.legacyImage : undefined,
      exposure: i === 0 ? o.exposure : undefined,
      identity: i === 0 && o.firstIdentity ? 'UserAssigned' : undefined,
      userAssigned: i === 0 ? o.firstIdentity : undefined,
      backendPoolIds: [lb.backendPoolId],
      natRuleIds: natRuleId ? [natRuleId] : undefined,
    });
    if (vm.principalId) grantWorkloadRoles(ctx, vm.principalId);
    vms.push(vm);
  }
  writeLoadBalancer(ctx, lb, ctx.rg.location, pipId, vms.map((v) => v.nicId));
  return { lbPipId: pipId, vms };
}

function identityBundle(ctx: SubContext): void {
  const uami = writeUserAssignedIdentity(ctx, `id-${ctx.sub.app}-${ctx.rg.component}-${ctx.serialName()}`);
  grantWorkloadRoles(ctx, uami.principalId);
}

function runBundle(ctx: SubContext, bundle: Bundle): void {
  switch (bundle) {
    case 'vm':
      return vmBundle(ctx);
    case 'webTier':
      webTierBundle(ctx);
      return;
    case 'storage':
      writeStorageAccount(ctx);
      return;
    case 'keyVault':
      writeKeyVault(ctx);
      return;
    case 'sql':
      writeSqlServer(ctx);
      return;
    case 'aks':
      writeAksCluster(ctx);
      return;
    case 'acr':
      writeContainerRegistry(ctx);
      return;
    case 'web':
      return writeWebApps(ctx);
    case 'apim':
      writeApiManagement(ctx);
      return;
    case 'identity':
      return identityBundle(ctx);
  }
}

/** Plants the scenario's internet-exposed chain number `ordinal` (0, 1, 2, ...) in the current subscription. */
function plantChain(ctx: SubContext, ordinal: number): ExposedChain {
  const { sub } = ctx;
  startResourceGroup(ctx, 'edge');
  const base = { subscriptionId: ctx.subscriptionId, resourceGroup: ctx.rg.name };
  switch (ordinal % 3) {
    case 0: {
      const storage = writeStorageAccount(ctx, { confidential: true, publicBlob: false });
      const vault = writeKeyVault(ctx, { confidential: true, rbac: true, publicNetwork: true });
      const vm = writeVm(ctx, {
        name: `vm-${sub.app}-jumpbox-01`,
        subnet: ctx.network.subnets.web,
        publicIp: true,
        exposure: 'ssh',
        os: 'Linux',
        legacyImage: true,
        identity: 'SystemAssigned',
      });
      ctx.assign(vault.id, 'keyVaultSecretsOfficer', vm.principalId!, 'ServicePrincipal');
      ctx.assign(storage.id, 'storageBlobDataContributor', vm.principalId!, 'ServicePrincipal');
      return { ...base, kind: 'ssh-vm-to-keyvault', vmId: vm.id, publicIpId: vm.publicIpId!, targets: [vault.id, storage.id] };
    }
    case 1: {
      const sql = writeSqlServer(ctx, { confidential: true });
      const uami = writeUserAssignedIdentity(ctx, `id-${sub.app}-legacy-admin`);
      ctx.assign(ctx.rg.id, 'contributor', uami.principalId, 'ServicePrincipal');
      const tier = webTierBundle(ctx, { natPort: 3389, os: 'Windows', legacyImage: true, exposure: 'rdp', firstIdentity: uami });
      return { ...base, kind: 'rdp-nat-vm-to-sql', vmId: tier.vms[0].id, publicIpId: tier.lbPipId, targets: [sql.id, uami.id] };
    }
    default: {
      const storage = writeStorageAccount(ctx, { confidential: true, publicBlob: false });
      const vault = writeKeyVault(ctx, { confidential: true, rbac: true, publicNetwork: true });
      const uami = writeUserAssignedIdentity(ctx, `id-${sub.app}-web-reader`);
      const tier = webTierBundle(ctx, { legacyImage: true, os: 'Linux', natPort: undefined, firstIdentity: uami });
      const vm = tier.vms[0];
      const principalId = uami.principalId;
      ctx.assign(storage.id, 'storageBlobDataContributor', principalId, 'ServicePrincipal');
      ctx.assign(vault.id, 'keyVaultSecretsUser', principalId, 'ServicePrincipal');
      return { ...base, kind: 'https-lb-vm-to-storage', vmId: vm.id, publicIpId: tier.lbPipId, targets: [storage.id, vault.id] };
    }
  }
}

/**
 * Writes one subscription. `budget` is how many resource rows it should contribute (it always writes its
 * network and scenario rows, and may overshoot by one bundle). `settle` lets the writers drain between bundles.
 */
export async function writeSubscription(
  ctx: SubContext,
  budget: number,
  chainOrdinal: number | undefined,
  settle: () => Promise<void>,
): Promise<SubscriptionOutcome> {
  const { sub, topology, rng } = ctx;
  ctx.write('resourcecontainers', subscriptionRow(topology, sub));
  for (const row of pricingRows(ctx.tenantId, sub, ctx.plans, rng)) ctx.write('securityresources', row);
  writeSubscriptionAssignments(ctx);
  ctx.network = writeNetwork(ctx);
  if (sub.scanner) {
    ctx.write('resourcecontainers', resourceGroupRow(ctx.tenantId, ctx.subscriptionId, SCANNER_RG, RESTRICTED_REGION, null));
  }
  let chain: ExposedChain | undefined;
  if (chainOrdinal !== undefined) chain = plantChain(ctx, chainOrdinal);
  startResourceGroup(ctx);
  const mix = mixFor(sub.environment);
  let left = rng.int(4, sub.busy ? 60 : 25);
  while (ctx.resourceRows < budget) {
    if (left-- <= 0) {
      startResourceGroup(ctx);
      left = rng.int(4, sub.busy ? 60 : 25);
    }
    runBundle(ctx, rng.weighted(mix));
    await settle();
  }
  return { resourceRows: ctx.resourceRows, workloadGroups: ctx.workloadGroups, firstPublicStorageId: ctx.firstPublicStorageId, chain };
}
