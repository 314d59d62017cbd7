/**
 * Network reachability: `routesTrafficTo` from the Internet through public IPs, load balancer rules and inbound NAT
 * rules and application gateways to NICs and their VMs — kept only where the effective NSGs (subnet, then NIC) let
 * internet traffic in on the ports the route delivers — and `exposedToInternet` insights with ports and width.
 * Inside a virtual network, `lateralMovementTo` the VNet and `routesTrafficTo` the VMs whose NSGs admit VirtualNetwork
 * traffic on a management port. PaaS endpoints are exposed by their own network settings.
 */
import { canonicalKey, type ArgRow } from '../core/index.js';
import { keyHash, plainIdHash } from './key-table.js';
import { compileNsg, internetExposure, nsgRules, vnetReachablePorts, type CompiledNsg, type Exposure, type NsgRule, type PortRange } from './nsg.js';
import type { GraphNode, SecurityGraph } from './model.js';
import type { RowIndex } from './build-resources.js';

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
function idOf(ref: unknown): string | undefined {
  const id = rawIdOf(ref);
  return id === undefined ? undefined : canonicalKey(id);
}
/** The `id` of a reference as written (any case: compare canonical keys, or look it up with `indexOfId`). */
function rawIdOf(ref: unknown): string | undefined {
  const id = asRecord(ref)?.id;
  return typeof id === 'string' ? id : undefined;
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
/** `<resource>/<childCollection>/<name>` → `<resource>` (an ipConfiguration's NIC, a frontend's load balancer). */
function ownerOf(childKey: string): string {
  const parts = childKey.split('/');
  return parts.slice(0, parts.length - 2).join('/');
}

export const INTERNET_KEY = 'internet';
export const MANAGEMENT_PORTS: ReadonlyArray<number> = [22, 3389, 5985, 5986];
const ALL_PORTS: PortRange[] = [{ from: 0, to: 65535 }];
/** The properties of every NIC → VM edge (shared: edge properties are never changed after the build). */
const ATTACHMENT = Object.freeze({ attachment: true });
/** The properties of the Internet → public IP and Internet → PaaS edges, and of a public IP → load balancer or gateway edge (shared). */
const WIDE_ROUTE = Object.freeze({ width: 'wide' });
const NARROW_ROUTE = Object.freeze({ width: 'narrow' });
const NO_DETAIL = Object.freeze({});

export interface NetworkStats {
  nics: number;
  exposedNics: number;
  nsgProblems: number;
}

interface Subnet {
  /** The canonical key of the subnet's NSG. */
  nsgKey: string | undefined;
  rules: CompiledNsg | undefined;
  vnet: GraphNode | undefined;
}

interface Delivery {
  /** The public entry (public IP node) and the hop in between (load balancer, application gateway), if any. */
  publicIp: GraphNode;
  via?: GraphNode;
  ports: PortRange[];
  protocol?: 'Tcp' | 'Udp';
  rule?: string;
}

export class NetworkBuilder {
  readonly stats: NetworkStats = { nics: 0, exposedNics: 0, nsgProblems: 0 };
  /** Compiled rules by NSG node (null: the node has no NSG row). */
  private readonly compiled = new Map<number, CompiledNsg | null>();
  private readonly internet: GraphNode;
  /** The properties of the VNet's route to a VM, per list of management ports it reaches (shared lists). */
  private readonly lateral = new Map<readonly number[], { ports: readonly number[]; source: 'VirtualNetwork' }>();
  /** NIC ipConfiguration key → deliveries of internet traffic to it. */
  private readonly deliveries = new Map<string, Delivery[]>();
  /** `keyHash` of every key in `deliveries`: most ipConfigurations receive nothing, and are told so by their id's hash. */
  private readonly deliveryHashes = new Set<number>();
  /** Subnets by canonical key, and by id as the NICs spell it (NICs of a subnet spell it alike). */
  private readonly subnets = new Map<string, Subnet>();
  private readonly subnetsById = new Map<string, Subnet>();

  constructor(private readonly graph: SecurityGraph, private readonly rows: RowIndex) {
    this.internet = graph.addNode({ key: INTERNET_KEY, id: 'Internet', type: 'Internet', name: 'Internet', properties: {} });
  }

  /** The compiled rules of the NSG with this id or key (read once per NSG), if it is in the estate. */
  private rules(nsgId: string | undefined): CompiledNsg | undefined {
    if (nsgId === undefined) return undefined;
    const node = this.graph.indexOfId(nsgId);
    if (node === undefined) return undefined;
    let known = this.compiled.get(node);
    if (known === undefined) {
      const row = this.rows.ofNode(node);
      this.compiled.set(node, (known = row ? compileNsg(nsgRules(row)) : null));
    }
    return known ?? undefined;
  }

  /** A subnet's NSG and virtual network, read once per subnet (a hundred thousand NICs share a few hundred). */
  private subnet(subnetId: string | undefined): Subnet | undefined {
    if (subnetId === undefined) return undefined;
    let hit = this.subnetsById.get(subnetId);
    if (hit === undefined) {
      const subnetKey = canonicalKey(subnetId);
      hit = this.subnets.get(subnetKey);
      if (hit === undefined) {
        const vnet = this.graph.node(subnetKey.slice(0, subnetKey.indexOf('/subnets/')));
        const nsgKey = this.subnetNsg(subnetKey);
        this.subnets.set(subnetKey, (hit = { nsgKey, rules: this.rules(nsgKey), vnet }));
      }
      this.subnetsById.set(subnetId, hit);
    }
    return hit;
  }

  private subnetNsg(subnetKey: string): string | undefined {
    const row = this.rows.get(subnetKey);
    if (row) return idOf(asRecord(row.properties)?.networkSecurityGroup);
    const vnet = this.rows.get(ownerOf(subnetKey));
    for (const s of list(asRecord(vnet?.properties)?.subnets)) {
      const rec = asRecord(s);
      if (typeof rec?.id === 'string' && canonicalKey(rec.id) === subnetKey) return idOf(asRecord(rec.properties)?.networkSecurityGroup);
    }
    return undefined;
  }

  /** The deliveries to the ipConfiguration with this id (none for most: their hash says so without making a key). */
  private deliveriesTo(ipConfigId: string): Delivery[] | undefined {
    const hash = plainIdHash(ipConfigId);
    if (hash !== -1 && !this.deliveryHashes.has(hash)) return undefined;
    return this.deliveries.get(canonicalKey(ipConfigId));
  }

  private deliver(ipConfigKey: string, d: Delivery): void {
    let l = this.deliveries.get(ipConfigKey);
    if (l === undefined) {
      this.deliveries.set(ipConfigKey, (l = []));
      this.deliveryHashes.add(keyHash(ipConfigKey));
    }
    l.push(d);
  }

  /** Public IPs, load balancers and application gateways: which NIC ipConfigurations receive internet traffic. */
  collectDeliveries(): void {
    const g = this.graph;
    for (const pip of g.nodesOfType('AzurePublicIP')) {
      const target = idOf(pip.properties.ipConfiguration);
      if (target === undefined) continue;
      if (target.includes('/networkinterfaces/')) this.deliver(target, { publicIp: pip, ports: ALL_PORTS });
      else {
        const owner = g.node(ownerOf(target));
        if (owner) this.frontend(pip, owner, target);
      }
    }
  }

  private frontend(pip: GraphNode, owner: GraphNode, frontendKey: string): void {
    const p = owner.properties;
    if (owner.type === 'AzureLoadBalancer') {
      const pools = new Map<string, unknown[]>();
      for (const pool of list(p.backendAddressPools)) {
        const rec = asRecord(pool);
        if (typeof rec?.id === 'string') pools.set(canonicalKey(rec.id), list(asRecord(rec.properties)?.backendIPConfigurations));
      }
      for (const rule of list(p.loadBalancingRules)) {
        const rp = asRecord(asRecord(rule)?.properties) ?? {};
        if (idOf(rp.frontendIPConfiguration) !== frontendKey) continue;
        const port = Number(rp.backendPort ?? rp.frontendPort);
        const ports = port === 0 ? ALL_PORTS : [{ from: port, to: port }];
        const protocol = String(rp.protocol ?? 'Tcp').toLowerCase() === 'udp' ? 'Udp' : 'Tcp';
        const poolKeys = [idOf(rp.backendAddressPool), ...list(rp.backendAddressPools).map(idOf)].filter((k): k is string => k !== undefined);
        for (const poolKey of poolKeys) {
          for (const ipc of pools.get(poolKey) ?? []) {
            const k = idOf(ipc);
            if (k) this.deliver(k, { publicIp: pip, via: owner, ports, protocol, rule: String(asRecord(rule)?.name ?? '') });
          }
        }
      }
      for (const rule of list(p.inboundNatRules)) {
        const rp = asRecord(asRecord(rule)?.properties) ?? {};
        if (idOf(rp.frontendIPConfiguration) !== frontendKey) continue;
        const k = idOf(rp.backendIPConfiguration);
        const port = Number(rp.backendPort);
        if (k && Number.isFinite(port)) {
          const protocol = String(rp.protocol ?? 'Tcp').toLowerCase() === 'udp' ? 'Udp' : 'Tcp';
          this.deliver(k, { publicIp: pip, via: owner, ports: [{ from: port, to: port }], protocol, rule: String(asRecord(rule)?.name ?? '') });
        }
      }
    } else if (owner.type === 'AzureApplicationGateway') {
      const ports = list(p.backendHttpSettingsCollection)
        .map((s) => Number(asRecord(asRecord(s)?.properties)?.port))
        .filter((n) => Number.isFinite(n) && n > 0)
        .map((n) => ({ from: n, to: n }));
      for (const pool of list(p.backendAddressPools)) {
        for (const ipc of list(asRecord(asRecord(pool)?.properties)?.backendIPConfigurations)) {
          const k = idOf(ipc);
          if (k) this.deliver(k, { publicIp: pip, via: owner, ports: ports.length ? ports : [{ from: 80, to: 80 }, { from: 443, to: 443 }], protocol: 'Tcp' });
        }
      }
    }
  }

  /** Effective NSG per NIC: internet routes that survive, exposure insights, and the VNet lateral-movement edges. */
  evaluateNics(): void {
    const g = this.graph;
    for (const nic of g.nodesOfType('AzureNetworkInterface')) {
      this.stats.nics++;
      const vmId = rawIdOf(nic.properties.virtualMachine);
      const vm = vmId ? g.nodeById(vmId) : undefined;
      if (vm) g.addEdge(nic, vm, 'routesTrafficTo', ATTACHMENT);
      const nicNsgId = rawIdOf(nic.properties.networkSecurityGroup);
      const nicRules = this.rules(nicNsgId);
      let exposedAny = false;
      for (const ipc of list(nic.properties.ipConfigurations)) {
        const rec = asRecord(ipc);
        if (typeof rec?.id !== 'string') continue;
        const subnet = this.subnet(rawIdOf(asRecord(rec.properties)?.subnet));
        const subnetRules = subnet?.rules;
        const target = vm ?? nic;
        for (const d of this.deliveriesTo(rec.id) ?? []) {
          const exposures = internetExposure(subnetRules, nicRules, { ports: d.ports }).filter((x) => d.protocol === undefined || x.protocol === d.protocol);
          if (exposures.length === 0) continue;
          exposedAny = true;
          this.expose(target, nic, d, exposures, { subnetNsg: subnet?.nsgKey, nicNsg: nicNsgId === undefined ? undefined : canonicalKey(nicNsgId) });
        }
        // Lateral movement inside the virtual network.
        if (vm && subnet) {
          const vnet = subnet.vnet;
          if (vnet) {
            g.addEdge(vm, vnet, 'lateralMovementTo');
            const open = vnetReachablePorts(subnetRules, nicRules, MANAGEMENT_PORTS, 'Tcp');
            if (open.length > 0) {
              let route = this.lateral.get(open);
              if (route === undefined) this.lateral.set(open, (route = Object.freeze({ ports: open, source: 'VirtualNetwork' as const })));
              g.addEdge(vnet, vm, 'routesTrafficTo', route);
            }
          }
        }
      }
      if (exposedAny) this.stats.exposedNics++;
    }
  }

  private expose(target: GraphNode, nic: GraphNode, d: Delivery, exposures: Exposure[], nsgs: { subnetNsg?: string; nicNsg?: string }): void {
    const g = this.graph;
    const wide = exposures.some((x) => x.width === 'wide');
    const ports = exposures.map((x) => ({ protocol: x.protocol, ports: x.ports.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)), width: x.width }));
    const rules = exposures.flatMap((x) => [x.allowedBy.subnet, x.allowedBy.nic]).filter((r): r is NsgRule => r !== undefined);
    const routeProps = { ports, width: wide ? 'wide' : 'narrow', nsgRules: [...new Set(rules.map((r) => r.id ?? r.name))] };
    g.addEdge(this.internet, d.publicIp, 'routesTrafficTo', wide ? WIDE_ROUTE : NARROW_ROUTE);
    if (d.via) {
      g.addEdge(d.publicIp, d.via, 'routesTrafficTo', NO_DETAIL);
      g.addEdge(d.via, nic, 'routesTrafficTo', { ...routeProps, rule: d.rule });
    } else g.addEdge(d.publicIp, nic, 'routesTrafficTo', routeProps);
    const previous = target.insights.get('exposedToInternet')?.value as ExposureInsight | undefined;
    const insight: ExposureInsight = previous ?? { width: 'narrow', ports: [], entryPoints: [], nsgRules: [], ...nsgs };
    if (wide) insight.width = 'wide';
    // Lists of the exact length (\`push\` would leave room for sixteen more on each exposed node).
    insight.ports = insight.ports.concat(ports);
    insight.entryPoints = insight.entryPoints.concat(d.publicIp.id);
    const newRules = routeProps.nsgRules.filter((r) => !insight.nsgRules.includes(r));
    if (newRules.length > 0) insight.nsgRules = insight.nsgRules.concat(newRules);
    g.addInsight(target, 'exposedToInternet', insight);
    g.addInsight(target, 'exposureWidth', insight.width);
  }

  /** PaaS endpoints open to the internet by their own network settings. */
  exposePaaS(firewallRules: Map<string, Array<{ start: string; end: string }>>): void {
    const g = this.graph;
    // The nodes of the types paasExposure reads, in graph order.
    const candidates: number[] = [];
    for (const type of PAAS_TYPES) for (const node of g.nodesOfType(type)) candidates.push(node.index);
    candidates.sort((a, b) => a - b);
    for (const index of candidates) {
      const node = g.nodes[index];
      const width = paasExposure(node, FIREWALLED.has(node.type) ? firewallRules.get(node.key) : undefined);
      if (width === undefined) continue;
      g.addEdge(this.internet, node, 'routesTrafficTo', width === 'wide' ? WIDE_ROUTE : NARROW_ROUTE);
      g.addInsight(node, 'exposedToInternet', { width, ports: [], entryPoints: [], nsgRules: [] } satisfies ExposureInsight);
      g.addInsight(node, 'exposureWidth', width);
    }
  }
}

export interface ExposureInsight {
  width: 'wide' | 'narrow';
  ports: Array<{ protocol: string; ports: string[]; width: string }>;
  entryPoints: string[];
  nsgRules: string[];
  subnetNsg?: string;
  nicNsg?: string;
}

function disabled(v: unknown): boolean {
  return typeof v === 'string' && v.toLowerCase() === 'disabled';
}

function firewallWidth(rules: Array<{ start: string; end: string }> | undefined): 'wide' | 'narrow' | undefined {
  let narrow = false;
  for (const r of rules ?? []) {
    if (r.start === '0.0.0.0' && r.end === '0.0.0.0') continue; // "Allow Azure services": not the internet
    if (r.start === '0.0.0.0' && r.end === '255.255.255.255') return 'wide';
    narrow = true;
  }
  return narrow ? 'narrow' : undefined;
}

/** The entity types `paasExposure` can find exposed. */
const PAAS_TYPES: ReadonlyArray<GraphNode['type']> = [
  'AzureStorageAccount',
  'AzureKeyVault',
  'AzureSqlServer',
  'AzurePostgreSQL',
  'AzureMySQL',
  'AzureCosmosDB',
  'AzureWebApp',
  'AzureFunctionApp',
  'AzureKubernetesCluster',
  'AzureApiManagement',
];

/** The entity types whose exposure their server-level firewall rules decide. */
const FIREWALLED: ReadonlySet<GraphNode['type']> = new Set(['AzureSqlServer', 'AzurePostgreSQL', 'AzureMySQL']);

/** Exposure width of a PaaS resource, or undefined when it is not reachable from the internet. */
export function paasExposure(node: GraphNode, firewall: Array<{ start: string; end: string }> | undefined): 'wide' | 'narrow' | undefined {
  const p = node.properties;
  switch (node.type) {
    case 'AzureStorageAccount':
    case 'AzureKeyVault': {
      if (disabled(p.publicNetworkAccess)) return undefined;
      const acls = asRecord(p.networkAcls);
      if (acls === undefined || String(acls.defaultAction ?? 'Allow').toLowerCase() === 'allow') return 'wide';
      return list(acls.ipRules).length > 0 ? 'narrow' : undefined;
    }
    case 'AzureSqlServer':
    case 'AzurePostgreSQL':
    case 'AzureMySQL': {
      const network = asRecord(p.network);
      if (disabled(p.publicNetworkAccess) || disabled(network?.publicNetworkAccess)) return undefined;
      return firewallWidth(firewall);
    }
    case 'AzureCosmosDB': {
      if (disabled(p.publicNetworkAccess)) return undefined;
      if (p.isVirtualNetworkFilterEnabled === true) return undefined;
      return list(p.ipRules).length > 0 ? 'narrow' : 'wide';
    }
    case 'AzureWebApp':
    case 'AzureFunctionApp': {
      if (disabled(p.publicNetworkAccess)) return undefined;
      const restrictions = list(asRecord(p.siteConfig)?.ipSecurityRestrictions).filter((r) => String(asRecord(r)?.action ?? '').toLowerCase() === 'allow' && asRecord(r)?.ipAddress !== 'Any');
      return restrictions.length > 0 ? 'narrow' : 'wide';
    }
    case 'AzureKubernetesCluster': {
      const api = asRecord(p.apiServerAccessProfile);
      if (api?.enablePrivateCluster === true) return undefined;
      return list(api?.authorizedIPRanges).length > 0 ? 'narrow' : 'wide';
    }
    case 'AzureApiManagement':
      return String(p.virtualNetworkType ?? 'None').toLowerCase() === 'internal' ? undefined : 'wide';
    default:
      return undefined;
  }
}
