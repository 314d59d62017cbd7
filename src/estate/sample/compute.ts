/** Microsoft.Compute rows: virtual machines with their managed disks and extensions (and the NIC / public IP / NSG they use). */
import type { IdentityRef, SubContext, SubnetRef } from './context.js';
import { ruleSet, writeNic, writeNsg, writePublicIp, nicIpConfigId } from './network.js';

interface ImageSpec {
  os: 'Linux' | 'Windows';
  publisher: string;
  offer: string;
  sku: string;
  osName: string;
  osVersion: string;
  /** Out-of-support images the vulnerability scanner will have findings for. */
  legacy: boolean;
}

const IMAGES: ReadonlyArray<readonly [number, ImageSpec]> = [
  [30, { os: 'Linux', publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', osName: 'ubuntu', osVersion: '22.04', legacy: false }],
  [12, { os: 'Linux', publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', osName: 'ubuntu', osVersion: '24.04', legacy: false }],
  [6, { os: 'Linux', publisher: 'Canonical', offer: 'UbuntuServer', sku: '18.04-LTS', osName: 'ubuntu', osVersion: '18.04', legacy: true }],
  [8, { os: 'Linux', publisher: 'RedHat', offer: 'RHEL', sku: '9-lvm-gen2', osName: 'redhat', osVersion: '9.4', legacy: false }],
  [18, { os: 'Windows', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-azure-edition', osName: 'Windows Server 2022 Datacenter Azure Edition', osVersion: '10.0.20348.2700', legacy: false }],
  [10, { os: 'Windows', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2019-datacenter-gensecond', osName: 'Windows Server 2019 Datacenter', osVersion: '10.0.17763.6293', legacy: false }],
  [4, { os: 'Windows', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2016-Datacenter', osName: 'Windows Server 2016 Datacenter', osVersion: '10.0.14393.7336', legacy: true }],
  [4, { os: 'Windows', publisher: 'MicrosoftSQLServer', offer: 'sql2019-ws2019', sku: 'enterprise', osName: 'Windows Server 2019 Datacenter', osVersion: '10.0.17763.6293', legacy: false }],
];

const SIZES = ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_D8s_v5', 'Standard_B2ms', 'Standard_E4s_v5', 'Standard_F4s_v2', 'Standard_D4as_v5'];

export interface VmOptions {
  name?: string;
  subnet: SubnetRef;
  /** Give the VM a public IP on its NIC. */
  publicIp?: boolean;
  /** Force an internet-exposed management port on a NIC-level NSG. */
  exposure?: 'ssh' | 'rdp';
  /** Force the OS family / an old image. */
  os?: 'Linux' | 'Windows';
  legacyImage?: boolean;
  identity?: 'SystemAssigned' | 'UserAssigned' | 'SystemAssigned, UserAssigned' | 'None';
  /** The user-assigned identity to attach (otherwise one from the subscription's pool). */
  userAssigned?: IdentityRef;
  backendPoolIds?: string[];
  natRuleIds?: string[];
}

export interface VmResult {
  id: string;
  name: string;
  nicId: string;
  ipConfigurationId: string;
  publicIpId?: string;
  nsgId?: string;
  principalId?: string;
  userAssigned?: IdentityRef;
  os: 'Linux' | 'Windows';
}

function pickImage(ctx: SubContext, o: VmOptions): ImageSpec {
  for (let tries = 0; tries < 20; tries++) {
    const img = ctx.rng.weighted(IMAGES);
    if (o.os !== undefined && img.os !== o.os) continue;
    if (o.legacyImage !== undefined && img.legacy !== o.legacyImage) continue;
    return img;
  }
  return IMAGES.find(([, i]) => (o.os === undefined || i.os === o.os) && (o.legacyImage === undefined || i.legacy === o.legacyImage))![1];
}

export function writeVm(ctx: SubContext, o: VmOptions): VmResult {
  const { rng, sub } = ctx;
  const location = ctx.rg.location;
  const name = o.name ?? `vm-${sub.app}-${ctx.serialName()}`;
  const vmId = ctx.idFor('Microsoft.Compute/virtualMachines', name);
  const image = pickImage(ctx, o);
  const zones = rng.chance(0.5) ? [String(rng.int(1, 3))] : null;
  const bad = 1 - sub.hygiene;

  // Network: optional public IP and NIC-level NSG.
  const nicName = `${name}-nic01`;
  const nicId = ctx.idFor('Microsoft.Network/networkInterfaces', nicName);
  const ipConfigurationId = nicIpConfigId(nicId);
  const wantsPip = o.publicIp ?? rng.chance(0.08 + 0.25 * bad);
  const publicIpId = wantsPip ? writePublicIp(ctx, `${name}-pip`, location, ipConfigurationId, zones) : undefined;
  let nsgId: string | undefined;
  if (o.exposure !== undefined || rng.chance(wantsPip ? 0.7 : 0.2)) {
    const rules = ruleSet(rng, sub.hygiene, 'vm', image.os, o.exposure);
    nsgId = writeNsg(ctx, `${name}-nsg`, location, rules, { networkInterfaces: [nicId] });
  }
  writeNic(ctx, { name: nicName, location, subnet: o.subnet, vmId, publicIpId, nsgId, backendPoolIds: o.backendPoolIds, natRuleIds: o.natRuleIds });

  // Identity.
  const identityKind =
    o.identity ?? rng.weighted<VmOptions['identity']>([[45, 'None'], [35, 'SystemAssigned'], [12, 'UserAssigned'], [8, 'SystemAssigned, UserAssigned']]);
  let identity: Record<string, unknown> | null = null;
  let principalId: string | undefined;
  let userAssigned: IdentityRef | undefined;
  if (identityKind !== 'None' && identityKind !== undefined) {
    identity = { type: identityKind };
    if (identityKind.includes('SystemAssigned')) {
      principalId = rng.guid();
      identity.principalId = principalId;
      identity.tenantId = ctx.tenantId;
    }
    if (identityKind.includes('UserAssigned')) {
      userAssigned = o.userAssigned ?? ctx.identities.pick(rng) ?? writeUserAssignedIdentity(ctx, `id-${sub.app}-${ctx.serialName()}`);
      identity.userAssignedIdentities = { [userAssigned.id]: { principalId: userAssigned.principalId, clientId: userAssigned.clientId } };
    }
  }

  // Disks.
  const created = ctx.createdTime();
  const premium = rng.chance(0.7);
  const storageType = premium ? 'Premium_LRS' : 'StandardSSD_LRS';
  const osDiskName = `${name}_OsDisk_1_${rng.hex(32)}`;
  const osDiskSize = image.os === 'Windows' ? 127 : 30;
  const cmk = rng.chance(0.1 + 0.2 * sub.hygiene);
  const osDiskId = writeDisk(ctx, osDiskName, vmId, location, zones, storageType, osDiskSize, image.os, created, cmk, image);
  const dataDisks: Array<Record<string, unknown>> = [];
  const dataCount = rng.weighted([[50, 0], [35, 1], [15, 2]]);
  for (let lun = 0; lun < dataCount; lun++) {
    const diskName = `${name}-datadisk-${String(lun).padStart(2, '0')}`;
    const size = rng.pick([64, 128, 256, 512, 1024]);
    const diskId = writeDisk(ctx, diskName, vmId, location, zones, storageType, size, undefined, created, cmk);
    dataDisks.push({
      lun,
      name: diskName,
      createOption: 'Attach',
      caching: 'ReadOnly',
      managedDisk: { storageAccountType: storageType, id: diskId },
      diskSizeGB: size,
      toBeDetached: false,
      deleteOption: 'Detach',
    });
  }

  const computerName = image.os === 'Windows' ? name.replace(/^vm-/, '').slice(0, 15) : name;
  const osProfile: Record<string, unknown> = { computerName, adminUsername: rng.pick(['azureuser', 'contosoadmin', 'adminuser']) };
  if (image.os === 'Linux') {
    const passwordAuth = rng.chance(0.15 * bad + 0.02);
    osProfile.linuxConfiguration = {
      disablePasswordAuthentication: !passwordAuth,
      ...(passwordAuth ? {} : { ssh: { publicKeys: [{ path: `/home/${osProfile.adminUsername as string}/.ssh/authorized_keys`, keyData: `ssh-rsa AAAAB3NzaC1yc2E${rng.alnum(40)} generated-by-azure` }] } }),
      provisionVMAgent: true,
      patchSettings: { patchMode: rng.chance(sub.hygiene) ? 'AutomaticByPlatform' : 'ImageDefault', assessmentMode: rng.chance(sub.hygiene) ? 'AutomaticByPlatform' : 'ImageDefault' },
    };
  } else {
    osProfile.windowsConfiguration = {
      provisionVMAgent: true,
      enableAutomaticUpdates: rng.chance(0.5 + 0.5 * sub.hygiene),
      patchSettings: { patchMode: rng.chance(sub.hygiene) ? 'AutomaticByPlatform' : 'AutomaticByOS', assessmentMode: 'ImageDefault' },
    };
  }
  osProfile.secrets = [];
  osProfile.allowExtensionOperations = true;
  osProfile.requireGuestProvisionSignal = true;

  const trusted = !image.legacy && rng.chance(0.3 + 0.6 * sub.hygiene);
  const properties: Record<string, unknown> = {
    vmId: rng.guid(),
    hardwareProfile: { vmSize: rng.pick(SIZES) },
    storageProfile: {
      imageReference: { publisher: image.publisher, offer: image.offer, sku: image.sku, version: 'latest' },
      osDisk: {
        osType: image.os,
        name: osDiskName,
        createOption: 'FromImage',
        caching: 'ReadWrite',
        managedDisk: { storageAccountType: storageType, id: osDiskId },
        deleteOption: 'Delete',
        diskSizeGB: osDiskSize,
      },
      dataDisks,
      diskControllerType: 'SCSI',
    },
    osProfile,
    networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true, deleteOption: 'Detach' } }] },
    diagnosticsProfile: { bootDiagnostics: { enabled: rng.chance(0.7) } },
    provisioningState: 'Succeeded',
    timeCreated: created,
    extended: {
      instanceView: {
        computerName,
        osName: image.osName,
        osVersion: image.osVersion,
        hyperVGeneration: image.sku.includes('gen2') || image.sku.includes('gensecond') || image.sku.includes('azure-edition') ? 'V2' : 'V1',
        powerState: rng.chance(0.92)
          ? { code: 'PowerState/running', displayStatus: 'VM running', level: 'Info' }
          : { code: 'PowerState/deallocated', displayStatus: 'VM deallocated', level: 'Info' },
      },
    },
  };
  if (trusted) {
    properties.securityProfile = {
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      securityType: 'TrustedLaunch',
      ...(rng.chance(0.3 * sub.hygiene) ? { encryptionAtHost: true } : {}),
    };
  }
  ctx.resource({
    id: vmId,
    name,
    type: 'Microsoft.Compute/virtualMachines',
    location,
    properties,
    tags: ctx.tags(),
    identity,
    zones,
  });

  // Extensions: the Defender for Endpoint integration follows the Servers plan; the monitor agent is a choice.
  if (ctx.planOn('VirtualMachines') && rng.chance(0.9)) {
    writeExtension(ctx, vmId, location, image.os === 'Linux' ? 'MDE.Linux' : 'MDE.Windows', 'Microsoft.Azure.AzureDefenderForServers', image.os === 'Linux' ? 'MDE.Linux' : 'MDE.Windows', '1.0');
  }
  if (rng.chance(0.2 + 0.5 * sub.hygiene)) {
    const agent = image.os === 'Linux' ? 'AzureMonitorLinuxAgent' : 'AzureMonitorWindowsAgent';
    writeExtension(ctx, vmId, location, agent, 'Microsoft.Azure.Monitor', agent, image.os === 'Linux' ? '1.33' : '1.30');
  }
  ctx.scanTargets.push({ id: vmId, name, legacy: image.legacy === true });
  return { id: vmId, name, nicId, ipConfigurationId, publicIpId, nsgId, principalId, userAssigned, os: image.os };
}

function writeDisk(
  ctx: SubContext,
  name: string,
  vmId: string,
  location: string,
  zones: string[] | null,
  storageType: string,
  sizeGb: number,
  osType: 'Linux' | 'Windows' | undefined,
  created: string,
  cmk: boolean,
  image?: ImageSpec,
): string {
  const { rng } = ctx;
  const id = ctx.idFor('Microsoft.Compute/disks', name);
  const properties: Record<string, unknown> = {};
  if (osType) {
    properties.osType = osType;
    properties.hyperVGeneration = 'V2';
    properties.supportedCapabilities = { diskControllerTypes: 'SCSI, NVMe', acceleratedNetwork: true, architecture: 'x64' };
    properties.creationData = {
      createOption: 'FromImage',
      imageReference: {
        id: `/Subscriptions/${ctx.subscriptionId}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${image?.publisher}/ArtifactTypes/VMImage/Offers/${image?.offer}/Skus/${image?.sku}/Versions/latest`,
      },
    };
  } else {
    properties.creationData = { createOption: 'Empty' };
  }
  properties.diskSizeGB = sizeGb;
  properties.diskIOPSReadWrite = storageType === 'Premium_LRS' ? 120 * Math.ceil(sizeGb / 32) : 500;
  properties.diskMBpsReadWrite = storageType === 'Premium_LRS' ? 25 : 60;
  properties.encryption = cmk
    ? {
        type: 'EncryptionAtRestWithCustomerKey',
        diskEncryptionSetId: `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.rg.name}/providers/Microsoft.Compute/diskEncryptionSets/des-${ctx.sub.app}`,
      }
    : { type: 'EncryptionAtRestWithPlatformKey' };
  const open = rng.chance(0.6);
  properties.networkAccessPolicy = open ? 'AllowAll' : 'DenyAll';
  properties.publicNetworkAccess = open ? 'Enabled' : 'Disabled';
  properties.timeCreated = created;
  properties.provisioningState = 'Succeeded';
  properties.diskState = 'Attached';
  properties.diskSizeBytes = sizeGb * 1073741824;
  properties.uniqueId = rng.guid();
  if (storageType === 'Premium_LRS') properties.tier = sizeGb <= 32 ? 'P4' : sizeGb <= 128 ? 'P10' : sizeGb <= 256 ? 'P15' : sizeGb <= 512 ? 'P20' : 'P30';
  ctx.resource({
    id,
    name,
    type: 'Microsoft.Compute/disks',
    location,
    managedBy: vmId,
    sku: { name: storageType, tier: storageType === 'Premium_LRS' ? 'Premium' : 'Standard' },
    properties,
    tags: ctx.tags(),
    zones,
  });
  return id;
}

function writeExtension(ctx: SubContext, vmId: string, location: string, name: string, publisher: string, type: string, version: string): void {
  ctx.resource({
    id: `${vmId}/extensions/${name}`,
    name,
    type: 'Microsoft.Compute/virtualMachines/extensions',
    location,
    properties: {
      publisher,
      type,
      typeHandlerVersion: version,
      autoUpgradeMinorVersion: true,
      enableAutomaticUpgrade: publisher === 'Microsoft.Azure.Monitor',
      provisioningState: 'Succeeded',
      settings: {},
    },
  });
}

export function writeUserAssignedIdentity(ctx: SubContext, name: string): IdentityRef {
  const { rng } = ctx;
  const id = ctx.idFor('Microsoft.ManagedIdentity/userAssignedIdentities', name);
  const ref: IdentityRef = { id, name, principalId: rng.guid(), clientId: rng.guid() };
  ctx.resource({
    id,
    name,
    type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    location: ctx.rg.location,
    properties: { tenantId: ctx.tenantId, principalId: ref.principalId, clientId: ref.clientId },
    tags: ctx.tags(),
  });
  ctx.identities.add(ref, rng);
  return ref;
}
