/**
 * Policy engine micro-benchmark: the definitions referenced by the MCSB initiative (parameters resolved from the
 * initiative's defaults, as an assignment with no overrides gets them), compiled once against the alias data, then
 * timed over every (resource, applicable definition) pair of a few thousand generated ARM resources of the types
 * those definitions target. "Applicable" = the definition's type index admits the resource type (what a scan would
 * evaluate). The baseline is JSON.parse of the same resources as JSON lines, measured in the same process.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/policy-micro.js [--resources 4000] [--seconds 3] [--json]
 *   node dist/bench/policy-micro.js --compile-all        compile all built-in definitions, list failures by code
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AliasCatalog } from '../catalog/index.js';
import { compileDefinition, evaluate, type CompiledPolicy, type EvaluationContext, type PolicyHost, type RelatedResourceQuery } from '../policy/index.js';

const DATA = process.env.PALISADE_POLICY_DATA ?? '/work/shared/data/azure-policy';
const DEFS = join(DATA, 'built-in-policies', 'policyDefinitions');
const MCSB = join(DATA, 'built-in-policies', 'policySetDefinitions', 'Security Center', 'AzureSecurityCenter.json');

type Json = Record<string, unknown>;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.json')) out.push(p);
  }
}

export function loadAliases(): AliasCatalog {
  const catalog = new AliasCatalog();
  const dir = join(DATA, 'aliases');
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    catalog.merge(AliasCatalog.fromJson(JSON.parse(readFileSync(join(dir, name), 'utf8')), name));
  }
  return catalog;
}

export function loadDefinitions(): Map<string, { file: string; json: Json }> {
  const files: string[] = [];
  walk(DEFS, files);
  const byName = new Map<string, { file: string; json: Json }>();
  for (const file of files) {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Json;
    if (typeof json.name === 'string') byName.set(json.name.toLowerCase(), { file, json });
  }
  return byName;
}

/** Initiative reference parameters with `[parameters('x')]` resolved to the initiative's default for `x`. */
function referenceParameters(ref: Json, setParams: Json): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((ref.parameters as Json | undefined) ?? {})) {
    const value = (v as Json).value;
    const m = typeof value === 'string' ? /^\[parameters\('([^']+)'\)\]$/.exec(value) : null;
    if (m) {
      const p = Object.entries(setParams).find(([n]) => n.toLowerCase() === m[1].toLowerCase());
      const d = p ? (p[1] as Json).defaultValue : undefined;
      if (d !== undefined) out[k] = d;
    } else out[k] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Resource generation (seeded, realistic shapes of the types MCSB targets).

let seed = 42;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const chance = (p: number) => rnd() < p;

const LOCATIONS = ['eastus', 'westeurope', 'East US 2', 'northeurope', 'uksouth', 'centralus'];
const SUB = '00000000-0000-0000-0000-0000000000a1';

function base(type: string, name: string, rg: string, extra: Json = {}): Json {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/${type}/${name}`,
    name,
    type,
    location: pick(LOCATIONS),
    tags: chance(0.6) ? { env: pick(['prod', 'dev', 'test']), owner: `team${Math.floor(rnd() * 20)}` } : {},
    ...extra,
  };
}

const IMAGES = [
  ['MicrosoftWindowsServer', 'WindowsServer', '2019-Datacenter'],
  ['MicrosoftWindowsServer', 'WindowsServer', '2022-datacenter-azure-edition'],
  ['Canonical', '0001-com-ubuntu-server-jammy', '22_04-lts-gen2'],
  ['Canonical', 'UbuntuServer', '18.04-LTS'],
  ['RedHat', 'RHEL', '8-lvm-gen2'],
  ['MicrosoftSQLServer', 'sql2019-ws2019', 'enterprise'],
  ['OpenLogic', 'CentOS', '7_9'],
  ['debian', 'debian-11', '11-gen2'],
  ['SUSE', 'sles-15-sp4', 'gen2'],
];

const privateEndpoints = () =>
  chance(0.5)
    ? [{ id: 'pe1', properties: { privateLinkServiceConnectionState: { status: pick(['Approved', 'Pending', 'Rejected']) } } }]
    : [];

type Gen = (i: number, rg: string) => Json;

const GENERATORS: Record<string, Gen> = {
  'Microsoft.Compute/virtualMachines': (i, rg) => {
    const [publisher, offer, sku] = pick(IMAGES);
    const windows = publisher.startsWith('MicrosoftWindows') || publisher === 'MicrosoftSQLServer';
    return base('Microsoft.Compute/virtualMachines', `vm-${i}`, rg, {
      identity: chance(0.5) ? { type: pick(['SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned']) } : undefined,
      zones: ['1'],
      properties: {
        vmId: `vm-guid-${i}`,
        hardwareProfile: { vmSize: pick(['Standard_D2s_v3', 'Standard_B2ms', 'Standard_E4s_v5']) },
        storageProfile: {
          imageReference: { publisher, offer, sku, version: 'latest' },
          osDisk: { osType: windows ? 'Windows' : 'Linux', createOption: 'FromImage', managedDisk: { storageAccountType: 'Premium_LRS' } },
          dataDisks: [],
        },
        osProfile: windows
          ? { computerName: `vm${i}`, adminUsername: 'azureuser', windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: true } }
          : { computerName: `vm${i}`, adminUsername: 'azureuser', linuxConfiguration: { disablePasswordAuthentication: chance(0.7) } },
        securityProfile: chance(0.4) ? { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: chance(0.8), vTpmEnabled: true }, encryptionAtHost: chance(0.3) } : undefined,
        networkProfile: { networkInterfaces: [{ id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/nic-${i}` }] },
        provisioningState: 'Succeeded',
      },
    });
  },
  'Microsoft.Compute/virtualMachineScaleSets': (i, rg) => {
    const [publisher, offer, sku] = pick(IMAGES);
    return base('Microsoft.Compute/virtualMachineScaleSets', `vmss-${i}`, rg, {
      sku: { name: 'Standard_D2s_v3', capacity: 3 },
      properties: {
        upgradePolicy: { mode: 'Manual' },
        virtualMachineProfile: {
          storageProfile: { imageReference: { publisher, offer, sku }, osDisk: { osType: publisher.startsWith('Microsoft') ? 'Windows' : 'Linux' } },
          osProfile: { computerNamePrefix: 'vmss' },
          securityProfile: chance(0.5) ? { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } : undefined,
          extensionProfile: { extensions: chance(0.5) ? [{ name: 'MMA', properties: { publisher: 'Microsoft.EnterpriseCloud.Monitoring', type: 'MicrosoftMonitoringAgent' } }] : [] },
        },
      },
    });
  },
  'Microsoft.Storage/storageAccounts': (i, rg) =>
    base('Microsoft.Storage/storageAccounts', `st${i}`, rg, {
      kind: pick(['StorageV2', 'BlobStorage', 'Storage']),
      sku: { name: pick(['Standard_LRS', 'Standard_GRS', 'Premium_LRS']), tier: 'Standard' },
      properties: {
        allowBlobPublicAccess: chance(0.3),
        allowSharedKeyAccess: chance(0.5),
        supportsHttpsTrafficOnly: chance(0.9),
        minimumTlsVersion: pick(['TLS1_0', 'TLS1_2']),
        publicNetworkAccess: pick(['Enabled', 'Disabled']),
        networkAcls: { defaultAction: pick(['Allow', 'Deny']), bypass: 'AzureServices', ipRules: chance(0.5) ? [{ value: '1.2.3.4', action: 'Allow' }] : [], virtualNetworkRules: [] },
        encryption: { keySource: pick(['Microsoft.Storage', 'Microsoft.Keyvault']), services: { blob: { enabled: true } } },
        privateEndpointConnections: privateEndpoints(),
      },
    }),
  'Microsoft.Network/networkSecurityGroups': (i, rg) =>
    base('Microsoft.Network/networkSecurityGroups', `nsg-${i}`, rg, {
      properties: {
        securityRules: Array.from({ length: 2 + Math.floor(rnd() * 5) }, (_, k) => ({
          name: `rule${k}`,
          properties: {
            protocol: pick(['Tcp', '*', 'Udp']),
            sourcePortRange: '*',
            destinationPortRange: pick(['22', '3389', '443', '80', '*', '1000-4000']),
            sourceAddressPrefix: pick(['*', 'Internet', '10.0.0.0/8', 'VirtualNetwork']),
            destinationAddressPrefix: '*',
            access: pick(['Allow', 'Deny']),
            priority: 100 + k,
            direction: pick(['Inbound', 'Outbound']),
          },
        })),
      },
    }),
  'Microsoft.Network/virtualNetworks': (i, rg) =>
    base('Microsoft.Network/virtualNetworks', `vnet-${i}`, rg, {
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, k) => ({
          name: pick(['default', 'GatewaySubnet', `snet-${k}`, 'AzureFirewallSubnet']),
          properties: {
            addressPrefix: `10.0.${k}.0/24`,
            networkSecurityGroup: chance(0.6) ? { id: `nsg-${k}` } : undefined,
            routeTable: chance(0.3) ? { id: 'rt' } : undefined,
            ipConfigurations: chance(0.5) ? [{ id: 'ipc' }] : undefined,
          },
        })),
      },
    }),
  'Microsoft.KeyVault/vaults': (i, rg) =>
    base('Microsoft.KeyVault/vaults', `kv-${i}`, rg, {
      properties: {
        tenantId: 't',
        sku: { family: 'A', name: 'standard' },
        enableSoftDelete: chance(0.8),
        enablePurgeProtection: chance(0.4) ? true : undefined,
        enableRbacAuthorization: chance(0.5),
        publicNetworkAccess: pick(['Enabled', 'Disabled']),
        networkAcls: chance(0.5) ? { defaultAction: pick(['Allow', 'Deny']), ipRules: [] } : undefined,
        privateEndpointConnections: privateEndpoints(),
      },
    }),
  'Microsoft.Sql/servers': (i, rg) =>
    base('Microsoft.Sql/servers', `sql-${i}`, rg, {
      kind: 'v12.0',
      properties: {
        administratorLogin: 'sqladmin',
        version: '12.0',
        minimalTlsVersion: pick(['1.0', '1.1', '1.2']),
        publicNetworkAccess: pick(['Enabled', 'Disabled']),
        administrators: chance(0.5) ? { administratorType: 'ActiveDirectory', azureADOnlyAuthentication: chance(0.5) } : undefined,
        privateEndpointConnections: privateEndpoints(),
      },
    }),
  'Microsoft.Web/sites': (i, rg) =>
    base('Microsoft.Web/sites', `app-${i}`, rg, {
      kind: pick(['app', 'app,linux', 'functionapp', 'functionapp,linux', 'app,linux,container', 'api']),
      identity: chance(0.5) ? { type: 'SystemAssigned' } : undefined,
      properties: {
        state: 'Running',
        httpsOnly: chance(0.7),
        clientCertEnabled: chance(0.3),
        publicNetworkAccess: pick(['Enabled', 'Disabled', undefined]),
        siteConfig: { minTlsVersion: '1.2', ftpsState: pick(['AllAllowed', 'FtpsOnly', 'Disabled']), http20Enabled: chance(0.5) },
      },
    }),
  'Microsoft.ContainerService/managedClusters': (i, rg) =>
    base('Microsoft.ContainerService/managedClusters', `aks-${i}`, rg, {
      identity: { type: 'SystemAssigned' },
      properties: {
        kubernetesVersion: pick(['1.27.7', '1.28.3', '1.29.0']),
        enableRBAC: chance(0.9),
        aadProfile: chance(0.5) ? { managed: true, enableAzureRBAC: true } : undefined,
        apiServerAccessProfile: chance(0.5) ? { enablePrivateCluster: chance(0.5), authorizedIPRanges: chance(0.5) ? ['1.2.3.0/24'] : [] } : undefined,
        addonProfiles: { azurepolicy: { enabled: chance(0.5) }, omsagent: { enabled: chance(0.5) } },
        securityProfile: chance(0.5) ? { defender: { securityMonitoring: { enabled: chance(0.5) } } } : undefined,
        agentPoolProfiles: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v3', osType: 'Linux', mode: 'System' }],
        networkProfile: { networkPlugin: 'azure', networkPolicy: pick(['azure', 'calico', undefined]) },
      },
    }),
  'Microsoft.ContainerRegistry/registries': (i, rg) =>
    base('Microsoft.ContainerRegistry/registries', `acr${i}`, rg, {
      sku: { name: pick(['Basic', 'Standard', 'Premium']) },
      properties: {
        adminUserEnabled: chance(0.4),
        publicNetworkAccess: pick(['Enabled', 'Disabled']),
        networkRuleSet: chance(0.5) ? { defaultAction: pick(['Allow', 'Deny']), ipRules: [] } : undefined,
        encryption: { status: pick(['enabled', 'disabled']) },
        privateEndpointConnections: privateEndpoints(),
      },
    }),
  'Microsoft.DocumentDB/databaseAccounts': (i, rg) =>
    base('Microsoft.DocumentDB/databaseAccounts', `cosmos-${i}`, rg, {
      kind: 'GlobalDocumentDB',
      properties: {
        databaseAccountOfferType: 'Standard',
        publicNetworkAccess: pick(['Enabled', 'Disabled']),
        isVirtualNetworkFilterEnabled: chance(0.5),
        ipRules: chance(0.5) ? [{ ipAddressOrRange: '1.2.3.4' }] : [],
        disableLocalAuth: chance(0.5),
        keyVaultKeyUri: chance(0.3) ? 'https://kv.vault.azure.net/keys/k' : undefined,
        capabilities: [{ name: 'EnableServerless' }],
        privateEndpointConnections: privateEndpoints(),
      },
    }),
  'Microsoft.Cache/Redis': (i, rg) =>
    base('Microsoft.Cache/Redis', `redis-${i}`, rg, {
      properties: { enableNonSslPort: chance(0.2), minimumTlsVersion: '1.2', sku: { name: 'Standard', family: 'C', capacity: 1 }, privateEndpointConnections: privateEndpoints() },
    }),
  'Microsoft.CognitiveServices/accounts': (i, rg) =>
    base('Microsoft.CognitiveServices/accounts', `cog-${i}`, rg, {
      kind: pick(['OpenAI', 'TextAnalytics', 'CognitiveServices']),
      sku: { name: 'S0' },
      properties: {
        publicNetworkAccess: pick(['Enabled', 'Disabled']),
        disableLocalAuth: chance(0.5),
        networkAcls: { defaultAction: pick(['Allow', 'Deny']) },
        encryption: chance(0.3) ? { keySource: 'Microsoft.KeyVault' } : undefined,
        privateEndpointConnections: privateEndpoints(),
      },
    }),
  'Microsoft.Search/searchServices': (i, rg) =>
    base('Microsoft.Search/searchServices', `srch-${i}`, rg, {
      sku: { name: 'standard' },
      properties: { publicNetworkAccess: pick(['enabled', 'disabled']), disableLocalAuth: chance(0.5), networkRuleSet: { ipRules: [] }, privateEndpointConnections: privateEndpoints() },
    }),
  'Microsoft.DBforPostgreSQL/flexibleServers': (i, rg) =>
    base('Microsoft.DBforPostgreSQL/flexibleServers', `pg-${i}`, rg, {
      sku: { name: 'Standard_D2s_v3', tier: 'GeneralPurpose' },
      properties: { version: '15', authConfig: { activeDirectoryAuth: pick(['Enabled', 'Disabled']), passwordAuth: pick(['Enabled', 'Disabled']) }, network: { publicNetworkAccess: 'Enabled' } },
    }),
  'Microsoft.DBforMySQL/flexibleServers': (i, rg) =>
    base('Microsoft.DBforMySQL/flexibleServers', `mysql-${i}`, rg, { sku: { name: 'Standard_B1ms' }, properties: { version: '8.0.21', network: { publicNetworkAccess: 'Enabled' } } }),
  'Microsoft.ApiManagement/service': (i, rg) =>
    base('Microsoft.ApiManagement/service', `apim-${i}`, rg, {
      sku: { name: pick(['Developer', 'Premium', 'Standard']), capacity: 1 },
      properties: { virtualNetworkType: pick(['None', 'External', 'Internal']), platformVersion: pick(['stv1', 'stv2']), publisherEmail: 'a@b.c' },
    }),
  'Microsoft.MachineLearningServices/workspaces': (i, rg) =>
    base('Microsoft.MachineLearningServices/workspaces', `mlw-${i}`, rg, {
      identity: { type: 'SystemAssigned' },
      properties: { publicNetworkAccess: pick(['Enabled', 'Disabled']), encryption: { status: pick(['Enabled', 'Disabled']) }, privateEndpointConnections: privateEndpoints() },
    }),
  'Microsoft.Synapse/workspaces': (i, rg) =>
    base('Microsoft.Synapse/workspaces', `syn-${i}`, rg, { properties: { azureADOnlyAuthentication: chance(0.5), publicNetworkAccess: 'Enabled', extraProperties: { WorkspaceType: 'Normal' } } }),
  'Microsoft.HybridCompute/machines': (i, rg) =>
    base('Microsoft.HybridCompute/machines', `arc-${i}`, rg, {
      kind: chance(0.2) ? 'AVS' : undefined,
      properties: { osName: pick(['windows', 'linux']), osType: pick(['windows', 'linux']), osSku: 'Windows Server 2019 Datacenter', status: 'Connected' },
    }),
  'Microsoft.Kubernetes/connectedClusters': (i, rg) =>
    base('Microsoft.Kubernetes/connectedClusters', `arck8s-${i}`, rg, { identity: { type: 'SystemAssigned' }, properties: { distribution: pick(['aks', 'k3s', 'openshift', 'eks']), kubernetesVersion: '1.28.0' } }),
  'Microsoft.Databricks/workspaces': (i, rg) =>
    base('Microsoft.Databricks/workspaces', `dbw-${i}`, rg, {
      sku: { name: pick(['standard', 'premium']) },
      properties: {
        publicNetworkAccess: pick(['Enabled', 'Disabled']),
        parameters: chance(0.5) ? { enableNoPublicIp: { value: chance(0.5) }, customVirtualNetworkId: { value: 'vnet' } } : {},
        privateEndpointConnections: privateEndpoints(),
      },
    }),
  'Microsoft.ServiceBus/namespaces': (i, rg) => base('Microsoft.ServiceBus/namespaces', `sb-${i}`, rg, { sku: { name: 'Premium' }, properties: { disableLocalAuth: chance(0.5), minimumTlsVersion: '1.2' } }),
  'Microsoft.EventHub/namespaces': (i, rg) => base('Microsoft.EventHub/namespaces', `evh-${i}`, rg, { sku: { name: 'Standard' }, properties: { disableLocalAuth: chance(0.5) } }),
  'Microsoft.Network/applicationGateways': (i, rg) =>
    base('Microsoft.Network/applicationGateways', `agw-${i}`, rg, {
      properties: { sku: { name: 'WAF_v2', tier: 'WAF_v2' }, webApplicationFirewallConfiguration: chance(0.5) ? { enabled: true, firewallMode: 'Prevention' } : undefined },
    }),
  'Microsoft.Network/publicIPAddresses': (i, rg) =>
    base('Microsoft.Network/publicIPAddresses', `pip-${i}`, rg, { sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static', ipAddress: `20.1.${i % 250}.${i % 200}` } }),
  'Microsoft.Network/networkInterfaces': (i, rg) =>
    base('Microsoft.Network/networkInterfaces', `nic-${i}`, rg, {
      properties: { ipConfigurations: [{ name: 'ipconfig1', properties: { privateIPAddress: '10.0.0.4', subnet: { id: 'snet' }, publicIPAddress: chance(0.3) ? { id: 'pip' } : undefined } }] },
    }),
  'Microsoft.Compute/disks': (i, rg) =>
    base('Microsoft.Compute/disks', `disk-${i}`, rg, { sku: { name: 'Premium_LRS' }, properties: { diskSizeGB: 128, encryption: { type: pick(['EncryptionAtRestWithPlatformKey', 'EncryptionAtRestWithCustomerKey']) }, networkAccessPolicy: 'AllowAll' } }),
  'Microsoft.Network/frontDoors': (i, rg) =>
    base('Microsoft.Network/frontDoors', `fd-${i}`, rg, { location: 'global', properties: { frontendEndpoints: [{ name: 'fe', properties: { webApplicationFirewallPolicyLink: chance(0.5) ? { id: 'waf' } : undefined } }] } }),
};

/** Weights: VMs, storage, NSGs, web apps dominate real estates. */
const WEIGHTS: Record<string, number> = {
  'Microsoft.Compute/virtualMachines': 12,
  'Microsoft.Network/networkInterfaces': 10,
  'Microsoft.Compute/disks': 10,
  'Microsoft.Storage/storageAccounts': 8,
  'Microsoft.Network/networkSecurityGroups': 6,
  'Microsoft.Network/publicIPAddresses': 5,
  'Microsoft.Web/sites': 6,
  'Microsoft.Network/virtualNetworks': 4,
  'Microsoft.KeyVault/vaults': 4,
  'Microsoft.Sql/servers': 3,
  'Microsoft.ContainerService/managedClusters': 2,
  'Microsoft.ContainerRegistry/registries': 2,
};

function relatedFor(r: Json, type: string, out: Json[]): void {
  const id = r.id as string;
  const child = (t: string, name: string, properties: Json) => out.push({ id: `${id}/${t.split('/').pop()}/${name}`, name, type: t, properties });
  switch (type) {
    case 'Microsoft.Compute/virtualMachines':
      if (chance(0.6)) child('Microsoft.Compute/virtualMachines/extensions', 'MicrosoftMonitoringAgent', { publisher: 'Microsoft.EnterpriseCloud.Monitoring', type: 'MicrosoftMonitoringAgent', provisioningState: 'Succeeded' });
      if (chance(0.4)) child('Microsoft.Compute/virtualMachines/extensions', 'AzurePolicyforWindows', { publisher: 'Microsoft.GuestConfiguration', type: 'ConfigurationforWindows', provisioningState: 'Succeeded' });
      if (chance(0.5)) out.push({ id: `${id}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/AzureWindowsBaseline`, name: 'AzureWindowsBaseline', type: 'Microsoft.GuestConfiguration/guestConfigurationAssignments', properties: { complianceStatus: pick(['Compliant', 'NonCompliant']) } });
      break;
    case 'Microsoft.Web/sites':
      child('Microsoft.Web/sites/config', 'web', { remoteDebuggingEnabled: chance(0.2), minTlsVersion: pick(['1.0', '1.2']), ftpsState: pick(['AllAllowed', 'FtpsOnly']), http20Enabled: chance(0.5), cors: { allowedOrigins: chance(0.2) ? ['*'] : [] } });
      break;
    case 'Microsoft.Sql/servers':
      child('Microsoft.Sql/servers/auditingSettings', 'default', { state: pick(['Enabled', 'Disabled']), retentionDays: pick([0, 30, 90, 120]) });
      child('Microsoft.Sql/servers/securityAlertPolicies', 'Default', { state: pick(['Enabled', 'Disabled']) });
      break;
    default:
      break;
  }
  if (chance(0.5)) out.push({ id: `${id}/providers/Microsoft.Insights/diagnosticSettings/diag`, name: 'diag', type: 'Microsoft.Insights/diagnosticSettings', properties: { logs: [{ category: 'AuditEvent', enabled: chance(0.8), retentionPolicy: { enabled: true, days: 365 } }], storageAccountId: 'st' } });
}

function generate(count: number): { resources: Json[]; related: Json[] } {
  const types = Object.keys(GENERATORS);
  const weighted: string[] = [];
  for (const t of types) for (let k = 0; k < (WEIGHTS[t] ?? 1); k++) weighted.push(t);
  const resources: Json[] = [
    { id: `/subscriptions/${SUB}`, name: SUB, type: 'Microsoft.Resources/subscriptions', subscriptionId: SUB, displayName: 'Contoso Prod', properties: { state: 'Enabled' } },
  ];
  const related: Json[] = [];
  for (let i = 0; resources.length < count; i++) {
    const type = pick(weighted);
    const r = GENERATORS[type](i, `rg-${i % 40}`);
    resources.push(r);
    relatedFor(r, type, related);
  }
  // Subscription-level Defender plans and contacts (AINE on subscriptions).
  for (const plan of ['VirtualMachines', 'SqlServers', 'AppServices', 'StorageAccounts', 'KeyVaults', 'Containers', 'Arm', 'CloudPosture']) {
    related.push({ id: `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/${plan}`, name: plan, type: 'Microsoft.Security/pricings', properties: { pricingTier: chance(0.6) ? 'Standard' : 'Free' } });
  }
  related.push({ id: `/subscriptions/${SUB}/providers/Microsoft.Security/securityContacts/default`, name: 'default', type: 'Microsoft.Security/securityContacts', properties: { emails: 'sec@contoso.com', alertNotifications: { state: 'On', minimalSeverity: 'High' }, notificationsByRole: { state: 'On' } } });
  return { resources, related };
}

/**
 * Related resources indexed by parent id, then type, then name (all lower-cased), as an estate index would; the
 * lower-cased forms of ids and types are remembered, so a lookup hashes no new string.
 */
class BenchHost implements PolicyHost {
  private readonly index = new Map<string, Map<string, { all: Json[]; byName: Map<string, Json[]> }>>();
  private readonly ids = new WeakMap<object, string>();
  private readonly lower = new Map<string, string>();
  private static readonly NONE: Json[] = [];

  constructor(related: Json[]) {
    for (const r of related) {
      const id = (r.id as string).toLowerCase();
      const type = (r.type as string).toLowerCase();
      const parent = id.slice(0, id.lastIndexOf('/' + (r.type as string).split('/').pop()!.toLowerCase() + '/'));
      const cut = parent.indexOf('/providers/microsoft.insights') >= 0 || parent.indexOf('/providers/microsoft.guestconfiguration') >= 0 ? parent.slice(0, parent.lastIndexOf('/providers/')) : parent;
      this.add(cut, type, r);
      if (type.startsWith('microsoft.security/')) this.add('', type, r);
    }
  }

  private add(parent: string, type: string, r: Json): void {
    let byType = this.index.get(parent);
    if (!byType) this.index.set(parent, (byType = new Map()));
    let e = byType.get(type);
    if (!e) byType.set(type, (e = { all: [], byName: new Map() }));
    e.all.push(r);
    push(e.byName, String(r.name).toLowerCase(), r);
  }

  private lc(s: string): string {
    let l = this.lower.get(s);
    if (l === undefined) {
      l = s.toLowerCase();
      if (this.lower.size < 10000) this.lower.set(s, l);
    }
    return l;
  }

  findRelated(q: RelatedResourceQuery): ReadonlyArray<unknown> {
    const type = this.lc(q.type);
    let rid = this.ids.get(q.resource);
    if (rid === undefined) {
      rid = String(q.resource.id ?? '').toLowerCase();
      this.ids.set(q.resource, rid);
    }
    const e = this.index.get(type.startsWith('microsoft.security/') ? '' : rid)?.get(type);
    if (!e) return BenchHost.NONE;
    if (q.name === undefined) return e.all;
    const n = this.lc(q.name);
    return e.byName.get(n.includes('/') ? n.slice(n.lastIndexOf('/') + 1) : n) ?? BenchHost.NONE;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

// ---------------------------------------------------------------------------------------------------------------

function compileAll(): void {
  const aliases = loadAliases();
  const defs = loadDefinitions();
  const byCode = new Map<string, Array<{ file: string; path?: string; message: string }>>();
  let ok = 0;
  for (const { file, json } of defs.values()) {
    const c = compileDefinition(json, { aliases, file });
    if (c.kind === 'compiled') {
      ok++;
      continue;
    }
    for (const e of c.errors) push(byCode, e.code, { file: file.slice(DEFS.length + 1), path: e.location?.path, message: e.message });
  }
  console.log(`${defs.size} definitions: ${ok} compiled, ${defs.size - ok} failed`);
  for (const [code, list] of [...byCode].sort()) {
    console.log(`\n${code} (${list.length})`);
    for (const e of list) console.log(`  ${e.file} ${e.path ?? ''}: ${e.message}`);
  }
}

function main(): void {
  if (process.argv.includes('--compile-all')) return compileAll();
  const count = arg('--resources', 4000);
  const seconds = arg('--seconds', 3);
  const t0 = performance.now();
  const aliases = loadAliases();
  const defs = loadDefinitions();
  const set = JSON.parse(readFileSync(MCSB, 'utf8')) as { properties: Json };
  const setParams = set.properties.parameters as Json;
  const refs = set.properties.policyDefinitions as Json[];
  const policies: CompiledPolicy[] = [];
  const failures: string[] = [];
  for (const ref of refs) {
    const name = String(ref.policyDefinitionId).split('/').pop()!.toLowerCase();
    const def = defs.get(name);
    if (!def) {
      failures.push(`${name}: not in the data`);
      continue;
    }
    const c = compileDefinition(def.json, { aliases, parameters: referenceParameters(ref, setParams), file: def.file });
    if (c.kind === 'compiled') policies.push(c);
    else failures.push(`${name}: ${c.errors.map((e) => e.code).join(',')}`);
  }
  const compileMs = performance.now() - t0;

  const { resources, related } = generate(count);
  const host = new BenchHost(related);
  const lines = resources.map((r) => JSON.stringify(r));

  // Type index: which policies a scan evaluates for each type.
  const byType = new Map<string, CompiledPolicy[]>();
  const untyped = policies.filter((p) => p.types === undefined && !p.providerMode);
  const plan: Array<{ resource: Json; policies: CompiledPolicy[] }> = [];
  let pairs = 0;
  for (const r of resources) {
    const t = String(r.type).toLowerCase();
    let list = byType.get(t);
    if (!list) {
      list = [...untyped, ...policies.filter((p) => p.types?.has(t))];
      byType.set(t, list);
    }
    plan.push({ resource: r, policies: list });
    pairs += list.length;
  }

  const context: EvaluationContext = {
    host,
    subscription: { subscriptionId: SUB, id: `/subscriptions/${SUB}`, displayName: 'Contoso Prod' },
    resourceGroup: { name: 'rg', location: 'eastus' },
    requestContext: { apiVersion: '2024-04-01' },
    now: new Date('2026-01-01T00:00:00Z'),
  };
  const states = new Map<string, number>();
  const errors = new Map<string, number>();
  const runOnce = (record: boolean) => {
    for (const { resource, policies: ps } of plan) {
      for (let k = 0; k < ps.length; k++) {
        const r = evaluate(ps[k], resource, context);
        if (record) {
          states.set(r.state, (states.get(r.state) ?? 0) + 1);
          if (process.env.BENCH_DEBUG && r.reason?.startsWith('the policy does not apply')) errors.set(`not applicable: ${ps[k].displayName} (${String(resource.type)}, kind ${String(resource.kind)})`, (errors.get(`not applicable: ${ps[k].displayName} (${String(resource.type)}, kind ${String(resource.kind)})`) ?? 0) + 1);
          if (r.state === 'Error' && process.env.BENCH_DEBUG) errors.set(`${ps[k].name}: ${r.error?.message}`, (errors.get(`${ps[k].name}: ${r.error?.message}`) ?? 0) + 1);
        }
      }
    }
  };
  runOnce(true); // warm-up + state census
  if (process.env.BENCH_PER_POLICY) {
    // Time per definition (for finding the expensive ones).
    const per = new Map<CompiledPolicy, { ms: number; n: number }>();
    for (let round = 0; round < 5; round++) {
      for (const { resource, policies: ps } of plan) {
        for (let k = 0; k < ps.length; k++) {
          const t = performance.now();
          for (let x = 0; x < 20; x++) evaluate(ps[k], resource, context);
          const e = per.get(ps[k]) ?? { ms: 0, n: 0 };
          e.ms += (performance.now() - t) / 20;
          e.n++;
          per.set(ps[k], e);
        }
      }
    }
    const rows = [...per].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
    for (const [p, e] of rows) console.log(`${(e.ms / 5).toFixed(2)} ms/pass  ${Math.round((e.ms * 1e6) / e.n)} ns/eval  n=${e.n / 5}  ${p.name} ${p.displayName}`);
  }
  if (process.env.BENCH_DEBUG) for (const [m, n] of errors) console.log(`debug x${n}: ${m}`);
  runOnce(false);

  // Eval and parse passes interleaved, so both see the same machine load; the fastest pass of each is the figure
  // (the least disturbed by other processes), the median is printed too.
  let sink = 0;
  const parsePass = () => {
    for (const l of lines) sink += (JSON.parse(l) as Json).name ? 1 : 0;
  };
  parsePass();
  parsePass();
  const evalTimes: number[] = [];
  const parseTimes: number[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || evalTimes.length < 5) {
    let t = performance.now();
    runOnce(false);
    evalTimes.push(performance.now() - t);
    t = performance.now();
    parsePass();
    parseTimes.push(performance.now() - t);
  }
  const iterations = evalTimes.length;
  const best = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const evalMsPerPass = best(evalTimes);
  const parseMsPerPass = best(parseTimes);
  const evalPerSec = pairs / (evalMsPerPass / 1000);
  const medianEvalPerSec = pairs / (median(evalTimes) / 1000);
  const bytes = lines.reduce((n, l) => n + l.length, 0);

  const result = {
    definitions: refs.length,
    compiled: policies.length,
    compileFailures: failures,
    compileMs: Math.round(compileMs),
    resources: resources.length,
    relatedResources: related.length,
    evaluationsPerPass: pairs,
    passes: iterations,
    evaluationsPerSecond: Math.round(evalPerSec),
    medianEvaluationsPerSecond: Math.round(medianEvalPerSec),
    medianEvalOverParseRatio: Number((median(evalTimes) / median(parseTimes)).toFixed(2)),
    nsPerEvaluation: Math.round((evalMsPerPass * 1e6) / pairs),
    evalMsPerPass: Number(evalMsPerPass.toFixed(2)),
    jsonParseMsPerPass: Number(parseMsPerPass.toFixed(2)),
    jsonBytes: bytes,
    evalOverParseRatio: Number((evalMsPerPass / parseMsPerPass).toFixed(2)),
    states: Object.fromEntries(states),
    sink,
  };
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`MCSB: ${result.compiled}/${result.definitions} definitions compiled in ${result.compileMs} ms (alias data + definitions loaded)`);
    if (failures.length > 0) console.log(`  not compiled: ${failures.join('; ')}`);
    console.log(`${result.resources} resources (${result.relatedResources} related), ${pairs} (resource, applicable definition) evaluations per pass`);
    console.log(`evaluate: ${result.evaluationsPerSecond.toLocaleString('en-US')} evaluations/s (${result.nsPerEvaluation} ns each), ${result.evalMsPerPass} ms per pass (best of ${iterations}; median ${result.medianEvaluationsPerSecond.toLocaleString('en-US')}/s)`);
    console.log(`JSON.parse of the same resources: ${result.jsonParseMsPerPass} ms per pass (${(bytes / 1e6).toFixed(1)} MB); eval/parse = ${result.evalOverParseRatio} (median ${result.medianEvalOverParseRatio})`);
    console.log(`states: ${JSON.stringify(result.states)}`);
  }
}

main();
