/**
 * Microsoft.Network rows: the subscription's virtual network with subnets (also written as child rows), network
 * security groups with a mix of safe and exposed rules, NICs, public IPs and load balancers.
 */
import type { NetworkLayout, SubContext, SubnetRef } from './context.js';
import { resourceGroupRow } from './containers.js';
import type { Rng } from './prng.js';

const NSG_TYPE = 'Microsoft.Network/networkSecurityGroups';

export interface RuleSpec {
  name: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: 'Tcp' | 'Udp' | 'Icmp' | '*';
  source: string | string[];
  ports: string | string[];
  destination?: string;
  description?: string;
}

function securityRule(nsgId: string, spec: RuleSpec, collection: 'securityRules' | 'defaultSecurityRules'): Record<string, unknown> {
  const properties: Record<string, unknown> = { provisioningState: 'Succeeded' };
  if (spec.description !== undefined) properties.description = spec.description;
  properties.protocol = spec.protocol;
  properties.sourcePortRange = '*';
  if (typeof spec.ports === 'string') properties.destinationPortRange = spec.ports;
  if (typeof spec.source === 'string') properties.sourceAddressPrefix = spec.source;
  properties.destinationAddressPrefix = spec.destination ?? '*';
  properties.access = spec.access;
  properties.priority = spec.priority;
  properties.direction = spec.direction;
  properties.sourcePortRanges = [];
  properties.destinationPortRanges = typeof spec.ports === 'string' ? [] : spec.ports;
  properties.sourceAddressPrefixes = typeof spec.source === 'string' ? [] : spec.source;
  properties.destinationAddressPrefixes = [];
  return {
    name: spec.name,
    id: `${nsgId}/${collection}/${spec.name}`,
    type: `${NSG_TYPE}/${collection}`,
    properties,
  };
}

const DEFAULT_RULES: RuleSpec[] = [
  { name: 'AllowVnetInBound', priority: 65000, direction: 'Inbound', access: 'Allow', protocol: '*', source: 'VirtualNetwork', ports: '*', destination: 'VirtualNetwork', description: 'Allow inbound traffic from all VMs in VNET' },
  { name: 'AllowAzureLoadBalancerInBound', priority: 65001, direction: 'Inbound', access: 'Allow', protocol: '*', source: 'AzureLoadBalancer', ports: '*', description: 'Allow inbound traffic from azure load balancer' },
  { name: 'DenyAllInBound', priority: 65500, direction: 'Inbound', access: 'Deny', protocol: '*', source: '*', ports: '*', description: 'Deny all inbound traffic' },
  { name: 'AllowVnetOutBound', priority: 65000, direction: 'Outbound', access: 'Allow', protocol: '*', source: 'VirtualNetwork', ports: '*', destination: 'VirtualNetwork', description: 'Allow outbound traffic from all VMs to all VMs in VNET' },
  { name: 'AllowInternetOutBound', priority: 65001, direction: 'Outbound', access: 'Allow', protocol: '*', source: '*', ports: '*', destination: 'Internet', description: 'Allow outbound traffic from all VMs to Internet' },
  { name: 'DenyAllOutBound', priority: 65500, direction: 'Outbound', access: 'Deny', protocol: '*', source: '*', ports: '*', description: 'Deny all outbound traffic' },
];

const ANY_SOURCES = ['*', 'Internet', '0.0.0.0/0'];

/** Rules for a subnet- or NIC-level NSG; `exposure` forces a specific internet-facing management port. */
export function ruleSet(
  rng: Rng,
  hygiene: number,
  role: 'web' | 'app' | 'data' | 'vm',
  os: 'Linux' | 'Windows',
  exposure?: 'ssh' | 'rdp',
): RuleSpec[] {
  const rules: RuleSpec[] = [];
  const bad = 1 - hygiene;
  let p = 100;
  const nextPriority = (): number => (p += rng.pick([10, 20, 50, 100]));
  const inbound = (name: string, protocol: RuleSpec['protocol'], source: RuleSpec['source'], ports: RuleSpec['ports'], access: RuleSpec['access'] = 'Allow', priority = nextPriority()): void => {
    rules.push({ name, priority, direction: 'Inbound', access, protocol, source, ports });
  };
  const mgmtPort = os === 'Windows' ? '3389' : '22';
  if (exposure === 'ssh') inbound('default-allow-ssh', 'Tcp', '*', '22', 'Allow', 1000);
  if (exposure === 'rdp') inbound('rdp', 'Tcp', '*', '3389', 'Allow', 1000);
  if (role === 'web') {
    inbound('AllowHttpsInbound', 'Tcp', 'Internet', '443');
    if (rng.chance(0.5)) inbound('AllowHttpInbound', 'Tcp', 'Internet', '80');
  }
  if (role === 'app') inbound('AllowAppFromWeb', 'Tcp', 'VirtualNetwork', rng.pick(['8080', '8443', '443']));
  if (role === 'data') inbound('AllowSqlFromApp', 'Tcp', 'VirtualNetwork', rng.pick(['1433', '5432', '3306']));
  // A deny placed in front of an allow that would otherwise expose the port (the allow is shadowed).
  if (rng.chance(0.12)) {
    inbound('DenyInternetMgmt', 'Tcp', 'Internet', mgmtPort, 'Deny', 105);
    inbound(os === 'Windows' ? 'AllowRdpLegacy' : 'AllowSshLegacy', 'Tcp', 'Internet', mgmtPort, 'Allow', 2000);
  }
  if (exposure === undefined && role !== 'data' && rng.chance(0.3 * bad)) {
    if (os === 'Windows') inbound(rng.pick(['AllowRDP', 'rdp', 'AllowAnyRDPInbound']), 'Tcp', rng.pick(ANY_SOURCES), '3389');
    else inbound(rng.pick(['AllowSSH', 'default-allow-ssh', 'AllowAnySSHInbound']), 'Tcp', rng.pick(ANY_SOURCES), '22');
  }
  if (rng.chance(0.08 * bad)) inbound('AllowMgmtPorts', 'Tcp', 'Internet', ['22', '3389', '5985-5986']);
  if (rng.chance(0.04 * bad)) inbound('AllowAnyCustomAnyInbound', '*', '*', '*', 'Allow', 4000);
  if (rng.chance(0.05 * bad)) inbound('AllowWinRM', 'Tcp', '*', '5985-5986');
  if (rng.chance(0.35)) inbound('AllowMgmtFromCorp', 'Tcp', ['203.0.113.0/24', '198.51.100.16/28'], mgmtPort);
  if (rng.chance(0.3)) inbound('AllowBastion', 'Tcp', 'VirtualNetwork', ['22', '3389']);
  if (rng.chance(0.25 * hygiene)) inbound('DenyAllInternetInbound', '*', 'Internet', '*', 'Deny', 4096);
  if (rng.chance(0.15)) {
    rules.push({ name: 'DenyInternetOutbound', priority: 4000, direction: 'Outbound', access: 'Deny', protocol: '*', source: '*', ports: '*', destination: 'Internet' });
  }
  return rules;
}

export function writeNsg(
  ctx: SubContext,
  name: string,
  location: string,
  rules: RuleSpec[],
  attached: { subnets?: string[]; networkInterfaces?: string[] },
  rg?: string,
): string {
  const id = ctx.idFor(NSG_TYPE, name, rg);
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    resourceGuid: ctx.rng.guid(),
    securityRules: rules.map((r) => securityRule(id, r, 'securityRules')),
    defaultSecurityRules: DEFAULT_RULES.map((r) => securityRule(id, r, 'defaultSecurityRules')),
  };
  if (attached.subnets) properties.subnets = attached.subnets.map((s) => ({ id: s }));
  if (attached.networkInterfaces) properties.networkInterfaces = attached.networkInterfaces.map((n) => ({ id: n }));
  ctx.resource({ id, name, type: NSG_TYPE, location, resourceGroup: rg, properties, tags: ctx.tags() });
  return id;
}

const SUBNETS: ReadonlyArray<{ key: SubnetRef['key']; name: string; octet: number; bits: number; nsg: boolean }> = [
  { key: 'web', name: 'snet-web', octet: 0, bits: 19, nsg: true },
  { key: 'app', name: 'snet-app', octet: 32, bits: 19, nsg: true },
  { key: 'data', name: 'snet-data', octet: 64, bits: 20, nsg: true },
  { key: 'pe', name: 'snet-privateendpoints', octet: 80, bits: 22, nsg: false },
  { key: 'aks', name: 'snet-aks', octet: 128, bits: 17, nsg: false },
];

/** The network resource group: virtual network, subnet rows, subnet NSGs, and the region's Network Watcher. */
export function writeNetwork(ctx: SubContext): NetworkLayout {
  const { sub, rng } = ctx;
  const location = sub.location;
  const rg = `rg-network-${location}`;
  ctx.write('resourcecontainers', resourceGroupRow(ctx.tenantId, ctx.subscriptionId, rg, location, ctx.tags()));
  const watcherRg = 'NetworkWatcherRG';
  ctx.write('resourcecontainers', resourceGroupRow(ctx.tenantId, ctx.subscriptionId, watcherRg, location, null));
  ctx.resource({
    id: ctx.idFor('Microsoft.Network/networkWatchers', `NetworkWatcher_${location}`, watcherRg),
    name: `NetworkWatcher_${location}`,
    type: 'Microsoft.Network/networkWatchers',
    location,
    resourceGroup: watcherRg,
    properties: { provisioningState: 'Succeeded', runningOperationIds: [] },
  });

  const second = (sub.index % 250) + 1;
  const vnetName = `vnet-${sub.app}-${sub.environment}-${location}`;
  const vnetId = ctx.idFor('Microsoft.Network/virtualNetworks', vnetName, rg);
  const subnets = {} as NetworkLayout['subnets'];
  const subnetObjects: Array<Record<string, unknown>> = [];
  const nsgByKey = new Map<string, string>();
  // Some subscriptions leave a subnet without any NSG.
  for (const s of SUBNETS) {
    if (s.nsg && rng.chance(0.85 + 0.15 * sub.hygiene)) nsgByKey.set(s.key, ctx.idFor('Microsoft.Network/networkSecurityGroups', `nsg-${vnetName}-${s.key}`, rg));
  }
  for (const s of SUBNETS) {
    const id = `${vnetId}/subnets/${s.name}`;
    const prefix = `10.${second}.${s.octet}.0/${s.bits}`;
    const nsgId = nsgByKey.get(s.key);
    subnets[s.key] = { key: s.key, id, prefix, nsgId, octet: s.octet, blocks: 2 ** (24 - s.bits), used: 0 };
    const properties: Record<string, unknown> = { provisioningState: 'Succeeded', addressPrefix: prefix };
    if (nsgId) properties.networkSecurityGroup = { id: nsgId };
    if (s.key === 'data' || s.key === 'app') {
      properties.serviceEndpoints = [
        { provisioningState: 'Succeeded', service: 'Microsoft.Storage', locations: [location] },
        { provisioningState: 'Succeeded', service: 'Microsoft.KeyVault', locations: ['*'] },
      ];
    }
    properties.privateEndpointNetworkPolicies = s.key === 'pe' ? 'Disabled' : 'Enabled';
    properties.privateLinkServiceNetworkPolicies = 'Enabled';
    subnetObjects.push({ name: s.name, id, type: 'Microsoft.Network/virtualNetworks/subnets', properties });
  }
  ctx.resource({
    id: vnetId,
    name: vnetName,
    type: 'Microsoft.Network/virtualNetworks',
    location,
    resourceGroup: rg,
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: rng.guid(),
      addressSpace: { addressPrefixes: [`10.${second}.0.0/16`] },
      dhcpOptions: { dnsServers: [] },
      subnets: subnetObjects,
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
    tags: ctx.tags(),
  });
  for (const s of subnetObjects) {
    ctx.resource({
      id: s.id as string,
      name: s.name as string,
      type: 'Microsoft.Network/virtualNetworks/subnets',
      resourceGroup: rg,
      properties: s.properties as Record<string, unknown>,
    });
  }
  for (const s of SUBNETS) {
    const nsgId = nsgByKey.get(s.key);
    if (!nsgId) continue;
    const role = s.key === 'web' ? 'web' : s.key === 'app' ? 'app' : 'data';
    writeNsg(ctx, `nsg-${vnetName}-${s.key}`, location, ruleSet(rng, sub.hygiene, role, 'Linux'), { subnets: [subnets[s.key].id] }, rg);
  }
  return { rg, vnetId, vnetName, secondOctet: second, subnets };
}

export function writePublicIp(ctx: SubContext, name: string, location: string, ipConfigurationId: string | undefined, zones: string[] | null): string {
  const id = ctx.idFor('Microsoft.Network/publicIPAddresses', name);
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    resourceGuid: ctx.rng.guid(),
    ipAddress: ctx.publicIp(),
    publicIPAddressVersion: 'IPv4',
    publicIPAllocationMethod: 'Static',
    idleTimeoutInMinutes: 4,
    ipTags: [],
  };
  if (ipConfigurationId) properties.ipConfiguration = { id: ipConfigurationId };
  properties.ddosSettings = { protectionMode: 'VirtualNetworkInherited' };
  ctx.resource({ id, name, type: 'Microsoft.Network/publicIPAddresses', location, sku: { name: 'Standard', tier: 'Regional' }, properties, tags: ctx.tags(), zones });
  return id;
}

export interface NicOptions {
  name: string;
  location: string;
  subnet: SubnetRef;
  vmId: string;
  publicIpId?: string;
  nsgId?: string;
  backendPoolIds?: string[];
  natRuleIds?: string[];
}

export function nicIpConfigId(nicId: string): string {
  return `${nicId}/ipConfigurations/ipconfig1`;
}

export function writeNic(ctx: SubContext, o: NicOptions): string {
  const id = ctx.idFor('Microsoft.Network/networkInterfaces', o.name);
  const ipProps: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    privateIPAddress: ctx.nextIp(o.subnet.key),
    privateIPAllocationMethod: 'Dynamic',
    subnet: { id: o.subnet.id },
    primary: true,
    privateIPAddressVersion: 'IPv4',
  };
  if (o.publicIpId) ipProps.publicIPAddress = { id: o.publicIpId };
  if (o.backendPoolIds) ipProps.loadBalancerBackendAddressPools = o.backendPoolIds.map((p) => ({ id: p }));
  if (o.natRuleIds && o.natRuleIds.length > 0) ipProps.loadBalancerInboundNatRules = o.natRuleIds.map((p) => ({ id: p }));
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    resourceGuid: ctx.rng.guid(),
    ipConfigurations: [{ name: 'ipconfig1', id: nicIpConfigId(id), type: 'Microsoft.Network/networkInterfaces/ipConfigurations', properties: ipProps }],
    dnsSettings: { dnsServers: [], appliedDnsServers: [] },
    macAddress: ctx.rng.hex(12).toUpperCase().replace(/(..)(?!$)/g, '$1-'),
    enableAcceleratedNetworking: ctx.rng.chance(0.6),
    enableIPForwarding: false,
    primary: true,
    virtualMachine: { id: o.vmId },
    nicType: 'Standard',
  };
  if (o.nsgId) properties.networkSecurityGroup = { id: o.nsgId };
  ctx.resource({ id, name: o.name, type: 'Microsoft.Network/networkInterfaces', location: o.location, properties, tags: ctx.tags() });
  return id;
}

export interface LoadBalancerPlan {
  id: string;
  name: string;
  backendPoolId: string;
  frontendId: string;
  /** NAT rule id per backend VM index (undefined: no NAT rule for that VM). */
  natRuleIds: Array<string | undefined>;
  natPorts: Array<{ frontendPort: number; backendPort: number } | undefined>;
  probeId: string;
}

export function planLoadBalancer(ctx: SubContext, name: string, vmCount: number, natPort?: number): LoadBalancerPlan {
  const id = ctx.idFor('Microsoft.Network/loadBalancers', name);
  const natRuleIds: Array<string | undefined> = [];
  const natPorts: LoadBalancerPlan['natPorts'] = [];
  for (let i = 0; i < vmCount; i++) {
    if (natPort !== undefined && (i === 0 || ctx.rng.chance(0.5))) {
      natRuleIds.push(`${id}/inboundNatRules/nat-${natPort}-vm${i + 1}`);
      natPorts.push({ frontendPort: 50000 + i + 1, backendPort: natPort });
    } else {
      natRuleIds.push(undefined);
      natPorts.push(undefined);
    }
  }
  return {
    id,
    name,
    backendPoolId: `${id}/backendAddressPools/bepool-web`,
    frontendId: `${id}/frontendIPConfigurations/fe-public`,
    natRuleIds,
    natPorts,
    probeId: `${id}/probes/probe-https`,
  };
}

export function writeLoadBalancer(ctx: SubContext, lb: LoadBalancerPlan, location: string, publicIpId: string, nicIds: string[]): void {
  const natRules = lb.natRuleIds.flatMap((ruleId, i) => {
    const ports = lb.natPorts[i];
    if (ruleId === undefined || ports === undefined) return [];
    return [
      {
        name: ruleId.slice(ruleId.lastIndexOf('/') + 1),
        id: ruleId,
        type: 'Microsoft.Network/loadBalancers/inboundNatRules',
        properties: {
          provisioningState: 'Succeeded',
          frontendIPConfiguration: { id: lb.frontendId },
          frontendPort: ports.frontendPort,
          backendPort: ports.backendPort,
          enableFloatingIP: false,
          idleTimeoutInMinutes: 4,
          protocol: 'Tcp',
          enableTcpReset: false,
          backendIPConfiguration: { id: nicIpConfigId(nicIds[i]) },
        },
      },
    ];
  });
  ctx.resource({
    id: lb.id,
    name: lb.name,
    type: 'Microsoft.Network/loadBalancers',
    location,
    sku: { name: 'Standard', tier: 'Regional' },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: ctx.rng.guid(),
      frontendIPConfigurations: [
        {
          name: 'fe-public',
          id: lb.frontendId,
          type: 'Microsoft.Network/loadBalancers/frontendIPConfigurations',
          properties: {
            provisioningState: 'Succeeded',
            privateIPAllocationMethod: 'Dynamic',
            publicIPAddress: { id: publicIpId },
            loadBalancingRules: [{ id: `${lb.id}/loadBalancingRules/lbr-https` }],
            inboundNatRules: natRules.map((r) => ({ id: r.id })),
          },
        },
      ],
      backendAddressPools: [
        {
          name: 'bepool-web',
          id: lb.backendPoolId,
          type: 'Microsoft.Network/loadBalancers/backendAddressPools',
          properties: {
            provisioningState: 'Succeeded',
            backendIPConfigurations: nicIds.map((n) => ({ id: nicIpConfigId(n) })),
            loadBalancingRules: [{ id: `${lb.id}/loadBalancingRules/lbr-https` }],
          },
        },
      ],
      loadBalancingRules: [
        {
          name: 'lbr-https',
          id: `${lb.id}/loadBalancingRules/lbr-https`,
          type: 'Microsoft.Network/loadBalancers/loadBalancingRules',
          properties: {
            provisioningState: 'Succeeded',
            frontendIPConfiguration: { id: lb.frontendId },
            frontendPort: 443,
            backendPort: 443,
            enableFloatingIP: false,
            idleTimeoutInMinutes: 4,
            protocol: 'Tcp',
            enableTcpReset: false,
            loadDistribution: 'Default',
            disableOutboundSnat: true,
            backendAddressPool: { id: lb.backendPoolId },
            probe: { id: lb.probeId },
          },
        },
      ],
      probes: [
        {
          name: 'probe-https',
          id: lb.probeId,
          type: 'Microsoft.Network/loadBalancers/probes',
          properties: { provisioningState: 'Succeeded', protocol: 'Tcp', port: 443, intervalInSeconds: 15, numberOfProbes: 2, probeThreshold: 1 },
        },
      ],
      inboundNatRules: natRules,
      outboundRules: [],
      inboundNatPools: [],
    },
    tags: ctx.tags(),
  });
}
