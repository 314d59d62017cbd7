import { describe, expect, it } from 'vitest';
import {
  compileNsg,
  decideInbound,
  decideInboundPath,
  defaultSecurityRules,
  internetExposure,
  nsgRules,
  parsePortRanges,
  readNsg,
  vnetReachable,
  type Exposure,
  type NsgRule,
  type PortRange,
  type SourceClass,
} from '../../src/graph/nsg.js';

// ---------------------------------------------------------------------------------------------------------------------
// fixtures: NSG rows in the ARM / Azure Resource Graph shape the sample generator writes (src/estate/sample/network.ts)

const NSG_ID = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups';

interface RuleSpec {
  priority: number;
  access?: 'Allow' | 'Deny';
  protocol?: string;
  source?: string | string[];
  ports?: string | string[];
  destination?: string | string[];
  sourcePorts?: string | string[];
  direction?: 'Inbound' | 'Outbound';
  destinationAsgs?: string[];
}

/** One security rule; string fields go to the singular ARM property, arrays to the plural one (augmented rules). */
function rule(name: string, s: RuleSpec): Record<string, unknown> {
  const src = s.source ?? '*';
  const ports = s.ports ?? '*';
  const dst = s.destination ?? '*';
  const sp = s.sourcePorts ?? '*';
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    protocol: s.protocol ?? 'Tcp',
    sourcePortRange: typeof sp === 'string' ? sp : '',
    sourcePortRanges: typeof sp === 'string' ? [] : sp,
    destinationPortRange: typeof ports === 'string' ? ports : '',
    destinationPortRanges: typeof ports === 'string' ? [] : ports,
    sourceAddressPrefix: typeof src === 'string' ? src : '',
    sourceAddressPrefixes: typeof src === 'string' ? [] : src,
    destinationAddressPrefix: s.destinationAsgs ? '' : typeof dst === 'string' ? dst : '',
    destinationAddressPrefixes: s.destinationAsgs || typeof dst === 'string' ? [] : dst,
    access: s.access ?? 'Allow',
    priority: s.priority,
    direction: s.direction ?? 'Inbound',
  };
  if (s.destinationAsgs) properties.destinationApplicationSecurityGroups = s.destinationAsgs.map((id) => ({ id }));
  return { name, id: `${NSG_ID}/nsg/securityRules/${name}`, type: 'Microsoft.Network/networkSecurityGroups/securityRules', properties };
}

/** An NSG row without defaultSecurityRules (so readNsg adds the six defaults), rules given as [name, spec]. */
function nsgRow(name: string, ...rules: Array<[string, RuleSpec]>): Record<string, unknown> {
  return { id: `${NSG_ID}/${name}`, name, type: 'Microsoft.Network/networkSecurityGroups', properties: { securityRules: rules.map(([n, s]) => rule(n, s)) } };
}

const nsg = (...rules: Array<[string, RuleSpec]>): NsgRule[] => nsgRules(nsgRow('nsg', ...rules));
const NONE: NsgRule[] = nsg(); // only the default rules

const r = (from: number, to = from): PortRange => ({ from, to });
const ALL = [r(0, 65535)];

/** Exposures reduced to comparable tuples: protocol, width, ports, sources, allowing rule names (subnet/nic). */
function brief(xs: Exposure[]): Array<[string, string, string, string, string]> {
  return xs.map((x) => [
    x.protocol,
    x.width,
    x.ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(','),
    x.sources.join(','),
    `${x.allowedBy.subnet?.name ?? '-'}/${x.allowedBy.nic?.name ?? '-'}`,
  ]);
}

// ---------------------------------------------------------------------------------------------------------------------

describe('parsePortRanges', () => {
  it.each<[string | string[] | undefined, PortRange[], string]>([
    ['*', ALL, "'*' is every port"],
    ['22', [r(22)], 'a single port'],
    ['80-443', [r(80, 443)], 'an inclusive range'],
    [['80', '443'], [r(80), r(443)], 'a list (destinationPortRanges)'],
    [['20-25', '22', '26'], [r(20, 26)], 'overlapping and adjacent ranges merge'],
    ['443, 80', [r(80), r(443)], 'a comma list in one string, sorted'],
    [['*', '22'], ALL, "'*' swallows the rest"],
    [[], [], 'empty list'],
    ['', [], "ARM's empty singular field"],
    [undefined, [], 'absent'],
    ['0-65535', ALL, 'the full range spelled out'],
  ])('%j → %j (%s)', (spec, expected) => {
    expect(parsePortRanges(spec)).toEqual(expected);
  });

  it.each(['abc', '70000', '25-20', '-5', '1-2-3', '22 23'])('rejects %j', (spec) => {
    expect(() => parsePortRanges(spec)).toThrow(expect.objectContaining({ code: 'NsgInvalidPortRange' }));
  });
});

describe('readNsg / nsgRules', () => {
  it('adds the six Azure default rules when the row has none, and sorts every rule by priority', () => {
    const rules = nsg(['b', { priority: 300, ports: '80' }], ['a', { priority: 100, ports: '22' }]);
    expect(rules.map((x) => `${x.direction}:${x.priority}:${x.name}:${x.isDefault}`)).toEqual([
      'Inbound:100:a:false',
      'Inbound:300:b:false',
      'Inbound:65000:AllowVnetInBound:true',
      'Outbound:65000:AllowVnetOutBound:true',
      'Inbound:65001:AllowAzureLoadBalancerInBound:true',
      'Outbound:65001:AllowInternetOutBound:true',
      'Inbound:65500:DenyAllInBound:true',
      'Outbound:65500:DenyAllOutBound:true',
    ]);
    expect(rules[0]).toEqual({
      name: 'a',
      id: `${NSG_ID}/nsg/securityRules/a`,
      priority: 100,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      sources: ['*'],
      sourcePorts: ALL,
      destinations: ['*'],
      destinationPorts: [r(22)],
      isDefault: false,
    });
  });

  it('keeps the row’s own defaultSecurityRules instead of adding them again', () => {
    const row = nsgRow('x', ['a', { priority: 100 }]);
    (row.properties as Record<string, unknown>).defaultSecurityRules = [rule('DenyAllInBound', { priority: 65500, access: 'Deny', protocol: '*' })];
    const rules = nsgRules(row);
    expect(rules.map((x) => [x.name, x.isDefault])).toEqual([
      ['a', false],
      ['DenyAllInBound', true],
    ]);
  });

  it('reads default rules written as Azure writes them exactly as a full read of the same rules would', () => {
    // The row carries all six defaults in the ARM shape (ids of its own, empty plural lists): readNsg makes these
    // without its checks. The same rules with each plural list spelled out go through the full read; both must give
    // the same rules, with the row's ids.
    const asAzure = defaultSecurityRules().map((d) => ({
      name: d.name,
      id: `${NSG_ID}/x/defaultSecurityRules/${d.name}`,
      properties: {
        protocol: '*',
        sourcePortRange: '*',
        destinationPortRange: '*',
        sourceAddressPrefix: d.sources[0],
        destinationAddressPrefix: d.destinations[0],
        access: d.access,
        priority: d.priority,
        direction: d.direction,
        sourcePortRanges: [],
        destinationPortRanges: [],
        sourceAddressPrefixes: [],
        destinationAddressPrefixes: [],
      },
    }));
    const spelledOut = asAzure.map((d) => ({ ...d, properties: { ...d.properties, sourcePortRanges: ['*'], destinationPortRanges: ['*'] } }));
    const fast = readNsg({ id: `${NSG_ID}/x`, properties: { securityRules: [], defaultSecurityRules: asAzure } });
    const full = readNsg({ id: `${NSG_ID}/x`, properties: { securityRules: [], defaultSecurityRules: spelledOut } });
    expect(fast.problems).toEqual([]);
    expect(full.problems).toEqual([]);
    expect(fast.rules).toEqual(full.rules);
    expect(fast.rules.map((x) => x.id)).toEqual(full.rules.map((x) => x.id));
    expect(fast.rules.every((x) => x.isDefault && x.id?.endsWith(`/defaultSecurityRules/${x.name}`))).toBe(true);
    // A default rule changed from Azure's (here: DenyAllInBound turned into an allow) is read in full, as written.
    const changed = asAzure.map((d) => (d.name === 'DenyAllInBound' ? { ...d, properties: { ...d.properties, access: 'Allow' } } : d));
    expect(readNsg({ properties: { defaultSecurityRules: changed } }).rules.find((x) => x.name === 'DenyAllInBound')?.access).toBe('Allow');
  });

  it('accepts the flattened az CLI shape (rule fields outside properties)', () => {
    const rules = nsgRules({ securityRules: [{ name: 'ssh', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'TCP', sourceAddressPrefix: 'Internet', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '22' }] });
    expect(rules[0]).toMatchObject({ name: 'ssh', protocol: 'Tcp', sources: ['Internet'], destinationPorts: [r(22)] });
  });

  it('skips malformed rules and reports each with a code and JSON path; notes tags and ASGs it cannot evaluate', () => {
    const row = nsgRow(
      'bad',
      ['noPriority', { priority: undefined as unknown as number }],
      ['badProtocol', { priority: 110, protocol: 'Gre' }],
      ['badPort', { priority: 120, ports: '99999' }],
      ['badAddress', { priority: 130, source: '10.0.0.300/8' }],
      ['badDirection', { priority: 140, direction: 'Sideways' as 'Inbound' }],
      ['storageTag', { priority: 150, source: 'Storage.WestEurope', ports: '443' }],
      ['dupA', { priority: 160, ports: '1' }],
      ['dupB', { priority: 160, ports: '2' }],
      ['ok', { priority: 170, ports: '3' }],
    );
    const props = row.properties as { securityRules: Array<Record<string, unknown>> };
    props.securityRules.push({ name: 'noDestination', properties: { ...(props.securityRules[8].properties as object), priority: 180, destinationAddressPrefix: '', destinationAddressPrefixes: [] } });
    props.securityRules.push({ name: 'asgSource', properties: { ...(props.securityRules[8].properties as object), priority: 190, sourceAddressPrefix: '', sourceApplicationSecurityGroups: [{ id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg-web' }] } });
    props.securityRules.push('not a rule' as unknown as Record<string, unknown>);
    const { rules, problems } = readNsg(row);
    expect(rules.filter((x) => !x.isDefault).map((x) => x.name)).toEqual(['storageTag', 'dupA', 'dupB', 'ok', 'asgSource']);
    expect(problems.map((p) => [p.severity, p.code, p.rule ?? '', p.path])).toEqual([
      ['error', 'NsgRuleInvalidPriority', 'noPriority', '$.properties.securityRules[0].properties.priority'],
      ['error', 'NsgRuleInvalidProtocol', 'badProtocol', '$.properties.securityRules[1].properties.protocol'],
      ['error', 'NsgRuleInvalidPort', 'badPort', '$.properties.securityRules[2].properties.destinationPortRange'],
      ['error', 'NsgRuleInvalidAddress', 'badAddress', '$.properties.securityRules[3].properties.sourceAddressPrefix'],
      ['error', 'NsgRuleInvalidDirection', 'badDirection', '$.properties.securityRules[4].properties.direction'],
      ['note', 'NsgServiceTagNotEvaluated', 'storageTag', '$.properties.securityRules[5].properties.sourceAddressPrefix'],
      ['error', 'NsgRuleNoDestination', 'noDestination', '$.properties.securityRules[9].properties.destinationAddressPrefix'],
      ['note', 'NsgAsgSourceNotEvaluated', 'asgSource', '$.properties.securityRules[10].properties.sourceApplicationSecurityGroups'],
      ['error', 'NsgRuleNotObject', '', '$.properties.securityRules[11]'],
      ['note', 'NsgDuplicatePriority', 'dupB', '$.properties'],
    ]);
    expect(problems[0].message).toContain('rule skipped');
  });

  it('defaultSecurityRules are the documented six', () => {
    expect(defaultSecurityRules().map((x) => `${x.name} ${x.priority} ${x.direction} ${x.access} ${x.sources[0]}→${x.destinations[0]}`)).toEqual([
      'AllowVnetInBound 65000 Inbound Allow VirtualNetwork→VirtualNetwork',
      'AllowAzureLoadBalancerInBound 65001 Inbound Allow AzureLoadBalancer→*',
      'DenyAllInBound 65500 Inbound Deny *→*',
      'AllowVnetOutBound 65000 Outbound Allow VirtualNetwork→VirtualNetwork',
      'AllowInternetOutBound 65001 Outbound Allow *→Internet',
      'DenyAllOutBound 65500 Outbound Deny *→*',
    ]);
  });
});

describe('decideInbound (one NSG level)', () => {
  type Case = [why: string, rules: NsgRule[] | undefined, source: SourceClass, port: number, protocol: 'Tcp' | 'Udp', access: 'Allow' | 'Deny', rule: string | undefined];
  const only = (src: string | string[], extra: RuleSpec = { priority: 100 }): NsgRule[] =>
    // allow 8080/Tcp from `src`, then deny everything (so the defaults' AllowVnetInBound does not blur the tag tests)
    nsg(['allowX', { ...extra, priority: 100, source: src, ports: '8080' }], ['denyAll', { priority: 4000, access: 'Deny', protocol: '*', source: '*' }]);
  const cases: Case[] = [
    // no NSG / defaults
    ['no NSG at this level: pass-through', undefined, 'Internet', 22, 'Tcp', 'Allow', undefined],
    ['defaults only: internet blocked by DenyAllInBound', NONE, 'Internet', 22, 'Tcp', 'Deny', 'DenyAllInBound'],
    ['defaults only: virtual network allowed by AllowVnetInBound', NONE, 'VirtualNetwork', 22, 'Tcp', 'Allow', 'AllowVnetInBound'],
    ['defaults only: Azure load balancer probes allowed', NONE, 'AzureLoadBalancer', 80, 'Tcp', 'Allow', 'AllowAzureLoadBalancerInBound'],
    ['defaults only: a public address is internet', NONE, { cidr: '203.0.113.9' }, 22, 'Udp', 'Deny', 'DenyAllInBound'],
    ['defaults only: a private address is virtual network', NONE, { cidr: '10.1.2.3' }, 22, 'Udp', 'Allow', 'AllowVnetInBound'],
    // priorities
    ['lower priority number wins: deny 100 before allow 200', nsg(['allow', { priority: 200, source: 'Internet', ports: '22' }], ['deny', { priority: 100, access: 'Deny', source: 'Internet', ports: '22' }]), 'Internet', 22, 'Tcp', 'Deny', 'deny'],
    ['lower priority number wins: allow 100 before deny 200', nsg(['allow', { priority: 100, source: 'Internet', ports: '22' }], ['deny', { priority: 200, access: 'Deny', source: 'Internet', ports: '22' }]), 'Internet', 22, 'Tcp', 'Allow', 'allow'],
    ['first match stops: a broad allow before a narrower deny', nsg(['allowAll', { priority: 100, source: '*', ports: '*' }], ['deny22', { priority: 200, access: 'Deny', source: '*', ports: '22' }]), 'Internet', 22, 'Tcp', 'Allow', 'allowAll'],
    ['a rule for another port does not match: falls through to the defaults', nsg(['allow80', { priority: 100, source: 'Internet', ports: '80' }]), 'Internet', 22, 'Tcp', 'Deny', 'DenyAllInBound'],
    // service tags and address forms
    ["'Internet' tag: internet allowed", only('Internet'), 'Internet', 8080, 'Tcp', 'Allow', 'allowX'],
    ["'Internet' tag: not the virtual network", only('Internet'), 'VirtualNetwork', 8080, 'Tcp', 'Deny', 'denyAll'],
    ["'*': internet", only('*'), 'Internet', 8080, 'Tcp', 'Allow', 'allowX'],
    ["'*': virtual network too", only('*'), 'VirtualNetwork', 8080, 'Tcp', 'Allow', 'allowX'],
    ["'0.0.0.0/0' is any", only('0.0.0.0/0'), 'Internet', 8080, 'Tcp', 'Allow', 'allowX'],
    ["'Any' is any", only('Any'), 'AzureLoadBalancer', 8080, 'Tcp', 'Allow', 'allowX'],
    ["'::/0' is any", only('::/0'), 'Internet', 8080, 'Tcp', 'Allow', 'allowX'],
    ["'VirtualNetwork' tag: not internet", only('VirtualNetwork'), 'Internet', 8080, 'Tcp', 'Deny', 'denyAll'],
    ["'VirtualNetwork' tag: virtual network", only('VirtualNetwork'), 'VirtualNetwork', 8080, 'Tcp', 'Allow', 'allowX'],
    ["other service tag ('AzureCloud'): not internet", only('AzureCloud'), 'Internet', 8080, 'Tcp', 'Deny', 'denyAll'],
    ["other service tag ('AzureCloud'): not virtual network either", only('AzureCloud'), 'VirtualNetwork', 8080, 'Tcp', 'Deny', 'denyAll'],
    ['public CIDR: an arbitrary internet address is not in it', only('203.0.113.0/24'), 'Internet', 8080, 'Tcp', 'Deny', 'denyAll'],
    ['public CIDR: an address inside it is allowed', only('203.0.113.0/24'), { cidr: '203.0.113.9' }, 8080, 'Tcp', 'Allow', 'allowX'],
    ['public CIDR: an address outside it is not', only('203.0.113.0/24'), { cidr: '198.51.100.1' }, 8080, 'Tcp', 'Deny', 'denyAll'],
    ['public CIDR: a range overlapping it has some allowed address', only('203.0.113.0/24'), { cidr: '203.0.0.0/16' }, 8080, 'Tcp', 'Allow', 'allowX'],
    ['private CIDR: some virtual network address is in it', only('10.0.0.0/8'), 'VirtualNetwork', 8080, 'Tcp', 'Allow', 'allowX'],
    ['private CIDR: not internet', only('10.0.0.0/8'), 'Internet', 8080, 'Tcp', 'Deny', 'denyAll'],
    ['augmented rule: any of several prefixes', only(['198.51.100.7', '203.0.113.0/24']), { cidr: '198.51.100.7' }, 8080, 'Tcp', 'Allow', 'allowX'],
    ['AzureLoadBalancer address is not internet', only('Internet'), 'AzureLoadBalancer', 8080, 'Tcp', 'Deny', 'denyAll'],
    // protocols
    ['Tcp rule does not open Udp', nsg(['tcp53', { priority: 100, source: 'Internet', ports: '53', protocol: 'Tcp' }]), 'Internet', 53, 'Udp', 'Deny', 'DenyAllInBound'],
    ['Udp rule opens Udp', nsg(['udp53', { priority: 100, source: 'Internet', ports: '53', protocol: 'Udp' }]), 'Internet', 53, 'Udp', 'Allow', 'udp53'],
    ["'*' protocol opens Tcp", nsg(['any', { priority: 100, source: 'Internet', ports: '53', protocol: '*' }]), 'Internet', 53, 'Tcp', 'Allow', 'any'],
    ["'*' protocol opens Udp", nsg(['any', { priority: 100, source: 'Internet', ports: '53', protocol: '*' }]), 'Internet', 53, 'Udp', 'Allow', 'any'],
    ['Icmp rule opens neither Tcp nor Udp', nsg(['icmp', { priority: 100, source: 'Internet', ports: '*', protocol: 'Icmp' }]), 'Internet', 7, 'Tcp', 'Deny', 'DenyAllInBound'],
    // destinations (NAT has translated the public IP to the NIC's private one)
    ['destination public CIDR never matches inbound NIC traffic', nsg(['toPublic', { priority: 100, source: 'Internet', ports: '22', destination: '20.1.2.3' }]), 'Internet', 22, 'Tcp', 'Deny', 'DenyAllInBound'],
    ["destination 'VirtualNetwork' matches", nsg(['toVnet', { priority: 100, source: 'Internet', ports: '22', destination: 'VirtualNetwork' }]), 'Internet', 22, 'Tcp', 'Allow', 'toVnet'],
    ['destination private CIDR matches without a destination IP', nsg(['toSubnet', { priority: 100, source: 'Internet', ports: '22', destination: '10.0.1.0/24' }]), 'Internet', 22, 'Tcp', 'Allow', 'toSubnet'],
    ["destination 'Internet' tag never matches inbound", nsg(['toInternet', { priority: 100, source: 'Internet', ports: '22', destination: 'Internet' }]), 'Internet', 22, 'Tcp', 'Deny', 'DenyAllInBound'],
    // source ports are the sender's choice
    ['an allow restricted to high source ports still lets the attacker in', nsg(['hi', { priority: 100, source: 'Internet', ports: '22', sourcePorts: '1024-65535' }]), 'Internet', 22, 'Tcp', 'Allow', 'hi'],
    ['a deny of low source ports is sidestepped with a high source port', nsg(['denyLow', { priority: 100, access: 'Deny', source: 'Internet', ports: '22', sourcePorts: '0-1023' }], ['allow', { priority: 200, source: 'Internet', ports: '22' }]), 'Internet', 22, 'Tcp', 'Allow', 'allow'],
  ];
  it.each(cases)('%s', (_why, rules, source, port, protocol, access, ruleName) => {
    const d = decideInbound(rules, { source, port, protocol });
    expect(d.access).toBe(access);
    expect(d.rule?.name).toBe(ruleName);
  });

  it('VirtualNetwork is existential: denying one private host does not block the virtual network, denying the tag does', () => {
    const oneHost = nsg(['denyHost', { priority: 100, access: 'Deny', source: '10.1.2.3', ports: '22' }]);
    expect(decideInbound(oneHost, { source: 'VirtualNetwork', port: 22, protocol: 'Tcp' })).toMatchObject({ access: 'Allow', rule: { name: 'AllowVnetInBound' } });
    expect(decideInbound(oneHost, { source: { cidr: '10.1.2.3' }, port: 22, protocol: 'Tcp' })).toMatchObject({ access: 'Deny', rule: { name: 'denyHost' } });
    const tag = nsg(['denyVnet', { priority: 100, access: 'Deny', source: 'VirtualNetwork', ports: '22' }]);
    expect(decideInbound(tag, { source: 'VirtualNetwork', port: 22, protocol: 'Tcp' })).toMatchObject({ access: 'Deny', rule: { name: 'denyVnet' } });
  });

  it('exact destination: destinationIp and destination application security groups', () => {
    const rules = nsg(['toSubnet', { priority: 100, source: 'Internet', ports: '22', destination: '10.0.1.0/24' }]);
    expect(decideInbound(rules, { source: 'Internet', port: 22, protocol: 'Tcp', destinationIp: '10.0.1.5' }).access).toBe('Allow');
    expect(decideInbound(rules, { source: 'Internet', port: 22, protocol: 'Tcp', destinationIp: '10.0.2.5' }).access).toBe('Deny');
    const WEB = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg-web';
    const asg = nsg(['toWeb', { priority: 100, source: 'Internet', ports: '443', destinationAsgs: [WEB] }]);
    expect(decideInbound(asg, { source: 'Internet', port: 443, protocol: 'Tcp' }).access).toBe('Allow'); // membership unknown: assumed
    expect(decideInbound(asg, { source: 'Internet', port: 443, protocol: 'Tcp', destinationAsgIds: [WEB.toUpperCase()] }).access).toBe('Allow');
    expect(decideInbound(asg, { source: 'Internet', port: 443, protocol: 'Tcp', destinationAsgIds: [] }).access).toBe('Deny');
  });

  it('rejects a bad port, source or destination IP', () => {
    expect(() => decideInbound(NONE, { source: 'Internet', port: 70000, protocol: 'Tcp' })).toThrow(expect.objectContaining({ code: 'NsgInvalidPortRange' }));
    expect(() => decideInbound(NONE, { source: { cidr: 'nope' }, port: 22, protocol: 'Tcp' })).toThrow(expect.objectContaining({ code: 'NsgInvalidAddress' }));
    expect(() => decideInbound(nsg(['x', { priority: 100, destination: '10.0.0.0/8' }]), { source: 'Internet', port: 22, protocol: 'Tcp', destinationIp: '10.0.0.0/8' })).toThrow(
      expect.objectContaining({ code: 'NsgInvalidAddress' }),
    );
  });
});

describe('both NSG levels (subnet first, then NIC)', () => {
  const allow22 = nsg(['allow22', { priority: 100, source: 'Internet', ports: '22' }]);
  const deny22 = nsg(['deny22', { priority: 100, access: 'Deny', source: 'Internet', ports: '22' }]);
  it.each<[string, NsgRule[] | undefined, NsgRule[] | undefined, 'Allow' | 'Deny', 'subnet' | 'nic' | undefined]>([
    ['subnet deny + NIC allow = blocked at the subnet', deny22, allow22, 'Deny', 'subnet'],
    ['subnet allow + NIC deny = blocked at the NIC', allow22, deny22, 'Deny', 'nic'],
    ['subnet allow + NIC allow = allowed', allow22, allow22, 'Allow', undefined],
    ['only a subnet NSG, allowing', allow22, undefined, 'Allow', undefined],
    ['only a NIC NSG, allowing', undefined, allow22, 'Allow', undefined],
    ['only a NIC NSG with defaults: DenyAllInBound', undefined, NONE, 'Deny', 'nic'],
    ['no NSG at either level: allowed', undefined, undefined, 'Allow', undefined],
  ])('%s', (_why, subnet, nic, access, deniedAt) => {
    const d = decideInboundPath(subnet, nic, { source: 'Internet', port: 22, protocol: 'Tcp' });
    expect(d.access).toBe(access);
    expect(d.deniedAt).toBe(deniedAt);
    expect(d.subnet === undefined).toBe(subnet === undefined);
    expect(d.nic === undefined).toBe(nic === undefined);
  });

  it('vnetReachable: lateral movement through both levels', () => {
    const denyVnet22 = nsg(['denyVnet22', { priority: 100, access: 'Deny', source: 'VirtualNetwork', ports: '22' }]);
    const onlyHub = nsg(['fromHub', { priority: 100, source: '10.1.0.0/16', ports: '22' }], ['denyVnet', { priority: 200, access: 'Deny', source: 'VirtualNetwork', ports: '*', protocol: '*' }]);
    expect(vnetReachable(NONE, NONE, 22, 'Tcp')).toBe(true); // AllowVnetInBound at both levels
    expect(vnetReachable(undefined, undefined, 22, 'Tcp')).toBe(true);
    expect(vnetReachable(denyVnet22, NONE, 22, 'Tcp')).toBe(false);
    expect(vnetReachable(NONE, denyVnet22, 22, 'Tcp')).toBe(false);
    expect(vnetReachable(denyVnet22, NONE, 3389, 'Tcp')).toBe(true);
    expect(vnetReachable(NONE, onlyHub, 22, 'Tcp')).toBe(true); // some VNet address (10.1.x.x) gets through
    expect(vnetReachable(NONE, onlyHub, 22, 'Tcp', { sourcePrefixes: ['10.2.0.0/16'] })).toBe(false); // but not from 10.2/16
    expect(vnetReachable(NONE, onlyHub, 22, 'Tcp', { sourcePrefixes: ['10.1.5.0/24', '10.2.0.0/16'] })).toBe(true);
    expect(vnetReachable(NONE, onlyHub, 3389, 'Tcp')).toBe(false);
    // the same address must pass both levels: subnet admits only 10.1/16, the NIC only 10.2/16 → nobody
    const only101 = nsg(['a', { priority: 100, source: '10.1.0.0/16', ports: '22' }], ['d', { priority: 200, access: 'Deny', source: '*', ports: '*', protocol: '*' }]);
    const only102 = nsg(['b', { priority: 100, source: '10.2.0.0/16', ports: '22' }], ['d', { priority: 200, access: 'Deny', source: '*', ports: '*', protocol: '*' }]);
    expect(vnetReachable(only101, only102, 22, 'Tcp')).toBe(false);
    expect(vnetReachable(only101, only101, 22, 'Tcp')).toBe(true);
  });
});

describe('internetExposure (exact port intervals)', () => {
  type Row = [string, string, string, string, string];
  const cases: Array<[why: string, subnet: NsgRule[] | undefined, nic: NsgRule[] | undefined, expected: Row[]]> = [
    [
      'no NSG at all: every port, both protocols, wide (the caller only asks when a public path exists)',
      undefined,
      undefined,
      [
        ['Tcp', 'wide', '0-65535', '*', '-/-'],
        ['Udp', 'wide', '0-65535', '*', '-/-'],
      ],
    ],
    ['default rules only, both levels: nothing', NONE, NONE, []],
    ['default rules only at the subnet, no NIC NSG: nothing', NONE, undefined, []],
    ['single port from Internet, only a subnet NSG', nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }]), undefined, [['Tcp', 'wide', '22', 'Internet', 'ssh/-']]],
    ['single port from *, only a NIC NSG', undefined, nsg(['ssh', { priority: 100, source: '*', ports: '22' }]), [['Tcp', 'wide', '22', '*', '-/ssh']]],
    ['a range', nsg(['ftp', { priority: 100, source: 'Internet', ports: '20-25' }]), undefined, [['Tcp', 'wide', '20-25', 'Internet', 'ftp/-']]],
    ['a list (augmented ports)', nsg(['web', { priority: 100, source: 'Internet', ports: ['80', '443'] }]), undefined, [['Tcp', 'wide', '80,443', 'Internet', 'web/-']]],
    ["'*' ports", nsg(['all', { priority: 100, source: '0.0.0.0/0', ports: '*' }]), undefined, [['Tcp', 'wide', '0-65535', '0.0.0.0/0', 'all/-']]],
    [
      'a higher-priority deny carves a hole out of a wide allow',
      nsg(['deny22', { priority: 100, access: 'Deny', source: '*', ports: '22' }], ['allowAll', { priority: 200, source: 'Internet', ports: '0-65535' }]),
      undefined,
      [['Tcp', 'wide', '0-21,23-65535', 'Internet', 'allowAll/-']],
    ],
    [
      'a lower-priority deny does not: the allow matched first',
      nsg(['allowAll', { priority: 100, source: 'Internet', ports: '*' }], ['deny22', { priority: 200, access: 'Deny', source: '*', ports: '22' }]),
      undefined,
      [['Tcp', 'wide', '0-65535', 'Internet', 'allowAll/-']],
    ],
    [
      'a shadowed allow (sample generator: DenyInternetMgmt 105 before AllowSshLegacy 2000) exposes nothing',
      nsg(['DenyInternetMgmt', { priority: 105, access: 'Deny', source: 'Internet', ports: '22' }], ['AllowSshLegacy', { priority: 2000, source: 'Internet', ports: '22' }]),
      undefined,
      [],
    ],
    [
      'both levels: the intersection of what each allows, with the rule at each level',
      nsg(['lowPorts', { priority: 100, source: 'Internet', ports: '0-1000' }]),
      nsg(['midPorts', { priority: 100, source: '*', ports: '500-2000' }]),
      [['Tcp', 'wide', '500-1000', 'Internet,*', 'lowPorts/midPorts']],
    ],
    ['subnet allows, NIC denies (defaults): nothing', nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }]), NONE, []],
    ['subnet denies (defaults), NIC allows: nothing', NONE, nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }]), []],
    [
      'one exposure per pair of allowing rules (the choke points)',
      nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }], ['rdp', { priority: 110, source: 'Internet', ports: '3389' }]),
      nsg(['any', { priority: 100, source: '*', ports: '*', protocol: '*' }]),
      [
        ['Tcp', 'wide', '22', 'Internet,*', 'ssh/any'],
        ['Tcp', 'wide', '3389', 'Internet,*', 'rdp/any'],
      ],
    ],
    ['Tcp rule does not open Udp', nsg(['dns', { priority: 100, source: 'Internet', ports: '53', protocol: 'Tcp' }]), undefined, [['Tcp', 'wide', '53', 'Internet', 'dns/-']]],
    ['Udp rule opens only Udp', nsg(['dns', { priority: 100, source: 'Internet', ports: '53', protocol: 'Udp' }]), undefined, [['Udp', 'wide', '53', 'Internet', 'dns/-']]],
    [
      "'*' protocol opens Tcp and Udp",
      nsg(['rdp', { priority: 100, source: 'Internet', ports: '3389', protocol: '*' }]),
      undefined,
      [
        ['Tcp', 'wide', '3389', 'Internet', 'rdp/-'],
        ['Udp', 'wide', '3389', 'Internet', 'rdp/-'],
      ],
    ],
    ['VirtualNetwork source is not internet', nsg(['app', { priority: 100, source: 'VirtualNetwork', ports: '8080' }]), undefined, []],
    ['private CIDR source is not internet', nsg(['corp', { priority: 100, source: '192.168.0.0/16', ports: '22' }]), undefined, []],
    ["a service tag other than Internet ('AzureFrontDoor.Backend') is not counted as internet", nsg(['afd', { priority: 100, source: 'AzureFrontDoor.Backend', ports: '443' }]), undefined, []],
    [
      'narrow: specific public CIDRs (augmented sources), reported as CIDRs in address order',
      nsg(['AllowMgmtFromCorp', { priority: 100, source: ['203.0.113.0/24', '198.51.100.16/28'], ports: '22' }]),
      undefined,
      [['Tcp', 'narrow', '22', '198.51.100.16/28,203.0.113.0/24', 'AllowMgmtFromCorp/-']],
    ],
    [
      'narrow: augmented rule with several prefixes (one a single host) and several port forms',
      nsg(['AllowMgmtPorts', { priority: 100, source: ['203.0.113.0/24', '198.51.100.7'], ports: ['22', '3389', '5985-5986'] }]),
      undefined,
      [['Tcp', 'narrow', '22,3389,5985-5986', '198.51.100.7,203.0.113.0/24', 'AllowMgmtPorts/-']],
    ],
    [
      'narrow: private space inside a public CIDR is removed (8.0.0.0/6 contains 10.0.0.0/8)',
      nsg(['big', { priority: 100, source: '8.0.0.0/6', ports: '22' }]),
      undefined,
      [['Tcp', 'narrow', '22', '8.0.0.0/7,11.0.0.0/8', 'big/-']],
    ],
    [
      'narrow at the NIC behind a wide subnet rule is narrow',
      nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }]),
      nsg(['corp', { priority: 100, source: '203.0.113.0/24', ports: '22' }]),
      [['Tcp', 'narrow', '22', '203.0.113.0/24', 'ssh/corp']],
    ],
    [
      'wide and narrow side by side',
      nsg(['https', { priority: 100, source: 'Internet', ports: '443' }], ['corp', { priority: 110, source: '203.0.113.0/24', ports: '22' }]),
      undefined,
      [
        ['Tcp', 'wide', '443', 'Internet', 'https/-'],
        ['Tcp', 'narrow', '22', '203.0.113.0/24', 'corp/-'],
      ],
    ],
    [
      'a CIDR rule shadowed by a wide rule for the same port adds nothing',
      nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }], ['corp', { priority: 110, source: '203.0.113.0/24', ports: '22' }]),
      undefined,
      [['Tcp', 'wide', '22', 'Internet', 'ssh/-']],
    ],
    [
      'a CIDR rule before a wide rule on the same port: the rest of the internet is wide via the second rule, the CIDR via the first',
      nsg(['corp', { priority: 100, source: '203.0.113.0/24', ports: '22' }], ['ssh', { priority: 110, source: 'Internet', ports: '22' }]),
      undefined,
      [
        ['Tcp', 'wide', '22', 'Internet', 'ssh/-'],
        ['Tcp', 'narrow', '22', '203.0.113.0/24', 'corp/-'],
      ],
    ],
    [
      'denying one CIDR before a wide allow leaves the exposure wide (every other address gets in)',
      nsg(['denyBad', { priority: 100, access: 'Deny', source: '203.0.113.0/24', ports: '22' }], ['ssh', { priority: 200, source: '*', ports: '22' }]),
      undefined,
      [['Tcp', 'wide', '22', '*', 'ssh/-']],
    ],
    [
      'a CIDR allowed on every port before a deny of the whole internet: narrow, both protocols',
      nsg(['partner', { priority: 100, source: '198.51.100.0/24', ports: '*', protocol: '*' }], ['denyInternet', { priority: 4096, access: 'Deny', source: 'Internet', ports: '*', protocol: '*' }]),
      undefined,
      [
        ['Tcp', 'narrow', '0-65535', '198.51.100.0/24', 'partner/-'],
        ['Udp', 'narrow', '0-65535', '198.51.100.0/24', 'partner/-'],
      ],
    ],
    [
      'different CIDRs with different ports are separate exposures',
      nsg(['a', { priority: 100, source: '203.0.113.0/24', ports: '22' }], ['b', { priority: 110, source: '198.51.100.0/24', ports: ['22', '3389'] }]),
      undefined,
      [
        // same first port: ordered by sources
        ['Tcp', 'narrow', '22,3389', '198.51.100.0/24', 'b/-'],
        ['Tcp', 'narrow', '22', '203.0.113.0/24', 'a/-'],
      ],
    ],
    [
      'overlapping CIDRs split exactly: the /25 inside the /24 is denied on 22',
      nsg(['denyHalf', { priority: 100, access: 'Deny', source: '203.0.113.128/25', ports: '22' }], ['allow', { priority: 110, source: '203.0.113.0/24', ports: '20-22' }]),
      undefined,
      [
        ['Tcp', 'narrow', '20-22', '203.0.113.0/25', 'allow/-'],
        ['Tcp', 'narrow', '20-21', '203.0.113.128/25', 'allow/-'],
      ],
    ],
    [
      'the same address must pass both levels: subnet admits one CIDR, NIC another → nothing',
      nsg(['a', { priority: 100, source: '203.0.113.0/24', ports: '22' }]),
      nsg(['b', { priority: 100, source: '198.51.100.0/24', ports: '22' }]),
      [],
    ],
    ['IPv6: ::/0 is wide', nsg(['v6any', { priority: 100, source: '::/0', ports: '443' }]), undefined, [['Tcp', 'wide', '443', '::/0', 'v6any/-']]],
    ['IPv6: a global prefix is narrow', nsg(['v6', { priority: 100, source: '2001:DB8::/32', ports: '443' }]), undefined, [['Tcp', 'narrow', '443', '2001:db8::/32', 'v6/-']]],
    ['IPv6: unique-local fc00::/7 is not internet', nsg(['ula', { priority: 100, source: 'fd00::/8', ports: '443' }]), undefined, []],
    [
      'an allow restricted to some source ports still exposes (the sender picks the source port)',
      nsg(['hi', { priority: 100, source: 'Internet', ports: '22', sourcePorts: '1024-65535' }]),
      undefined,
      [['Tcp', 'wide', '22', 'Internet', 'hi/-']],
    ],
    [
      'source ports must be the same at both levels: subnet admits only low ones, NIC only high ones → nothing',
      nsg(['low', { priority: 100, source: 'Internet', ports: '22', sourcePorts: '0-1023' }]),
      nsg(['high', { priority: 100, source: 'Internet', ports: '22', sourcePorts: '1024-65535' }]),
      [],
    ],
    [
      'destination: a rule for a public destination never matches (NSGs see the NIC’s private IP)',
      nsg(['toPip', { priority: 100, source: 'Internet', ports: '22', destination: '20.30.40.50' }]),
      undefined,
      [],
    ],
  ];
  it.each(cases)('%s', (_why, subnet, nic, expected) => {
    expect(brief(internetExposure(subnet, nic))).toEqual(expected);
  });

  it('returns the allowing NsgRule objects themselves (ids for the choke point)', () => {
    const subnet = nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }]);
    const [x] = internetExposure(subnet, undefined);
    expect(x.allowedBy.subnet).toBe(subnet[0]);
    expect(x.allowedBy.subnet?.id).toBe(`${NSG_ID}/nsg/securityRules/ssh`);
    expect('nic' in x.allowedBy).toBe(false);
  });

  it('options.ports restricts the answer', () => {
    const open = nsg(['all', { priority: 100, source: 'Internet', ports: '*', protocol: '*' }]);
    expect(brief(internetExposure(open, undefined, { ports: [r(22), r(80, 90), r(3389)] }))).toEqual([
      ['Tcp', 'wide', '22,80-90,3389', 'Internet', 'all/-'],
      ['Udp', 'wide', '22,80-90,3389', 'Internet', 'all/-'],
    ]);
    expect(internetExposure(nsg(['ssh', { priority: 100, source: 'Internet', ports: '22' }]), undefined, { ports: [r(443)] })).toEqual([]);
  });

  it('options.destinationIp / destinationAsgIds make the destination test exact', () => {
    const subnet = nsg(['toWebSubnet', { priority: 100, source: 'Internet', ports: '443', destination: '10.0.1.0/24' }]);
    expect(brief(internetExposure(subnet, undefined))).toEqual([['Tcp', 'wide', '443', 'Internet', 'toWebSubnet/-']]);
    expect(brief(internetExposure(subnet, undefined, { destinationIp: '10.0.1.4' }))).toEqual([['Tcp', 'wide', '443', 'Internet', 'toWebSubnet/-']]);
    expect(internetExposure(subnet, undefined, { destinationIp: '10.0.2.4' })).toEqual([]);
    const ASG = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg-web';
    const asg = nsg(['toAsg', { priority: 100, source: 'Internet', ports: '443', destinationAsgs: [ASG] }]);
    expect(internetExposure(asg, undefined, { destinationAsgIds: [ASG] })).toHaveLength(1);
    expect(internetExposure(asg, undefined, { destinationAsgIds: [] })).toEqual([]);
  });

  it('compiles each rule array once (cached by identity) and gives the same answers from the compiled form', () => {
    const subnet = nsg(['https', { priority: 100, source: 'Internet', ports: '443' }], ['corp', { priority: 110, source: '203.0.113.0/24', ports: '22' }]);
    const compiled = compileNsg(subnet);
    expect(compileNsg(subnet)).toBe(compiled);
    expect(compiled.inbound.map((x) => x.name)).toEqual(['https', 'corp', 'AllowVnetInBound', 'AllowAzureLoadBalancerInBound', 'DenyAllInBound']);
    expect(internetExposure(compiled, undefined)).toEqual(internetExposure(subnet, undefined));
  });

  it('scales: many NICs with their own NSGs behind a few shared subnet NSGs (counts, not timing)', () => {
    const subnets = [
      nsg(['https', { priority: 100, source: 'Internet', ports: '443' }], ['http', { priority: 110, source: 'Internet', ports: '80' }]),
      nsg(['app', { priority: 100, source: 'VirtualNetwork', ports: '8080' }], ['corp', { priority: 200, source: ['203.0.113.0/24', '198.51.100.16/28'], ports: '22' }]),
      undefined,
    ];
    let exposures = 0;
    let reachable = 0;
    const N = 5000;
    for (let i = 0; i < N; i++) {
      const nic =
        i % 4 === 0
          ? undefined
          : nsg(
              ['ssh', { priority: 1000, source: i % 3 === 0 ? '*' : 'VirtualNetwork', ports: '22' }],
              ['corp', { priority: 1100 + (i % 7), source: ['203.0.113.0/24'], ports: ['22', '3389'] }],
              ['deny', { priority: 4000, access: 'Deny', source: 'Internet', ports: '*', protocol: '*' }],
            );
      const subnet = subnets[i % 3];
      exposures += internetExposure(subnet, nic).length;
      if (vnetReachable(subnet, nic, 22, 'Tcp')) reachable++;
    }
    // Per 12 consecutive NICs (i mod 3 picks the subnet NSG and the NIC's ssh source, i mod 4 = 0 means no NIC NSG):
    //   subnet https/http, no NIC NSG: 2 wide (443, 80)          × 1
    //   subnet https/http, NIC NSG denying other internet: 0     × 3
    //   subnet corp-only 22, with or without NIC NSG: 1 narrow   × 4
    //   no subnet NSG, no NIC NSG: Tcp + Udp everything = 2      × 1
    //   no subnet NSG, NIC corp 22/3389 only: 1 narrow           × 3
    // = 11 per 12 → 416 × 11 + 7 for the last 8 NICs = 4583. Every NIC is reachable on 22 from the VNet.
    expect(exposures).toBe(4583);
    expect(reachable).toBe(N);
  });

  it('NSGs with the same rule content share evaluation but report their own rules', () => {
    const one = nsg(['ssh-a', { priority: 100, source: 'Internet', ports: '22' }]);
    const two = nsg(['ssh-b', { priority: 300, source: 'Internet', ports: '22' }]);
    const [x] = internetExposure(one, undefined);
    const [y] = internetExposure(two, undefined);
    expect(x.allowedBy.subnet).toBe(one[0]);
    expect(y.allowedBy.subnet).toBe(two[0]);
    // returned objects are fresh: mutating one answer does not leak into the next
    x.ports.push(r(1));
    expect(internetExposure(one, undefined)[0].ports).toEqual([r(22)]);
  });
});
