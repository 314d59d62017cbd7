/**
 * Scanner findings on the graph: `hasVulnerability` edges to one node per CVE (shared by every resource that has
 * it), vulnerability insights on the resource, `hasSecret` edges to a node per plaintext secret and, where the
 * secret names what it opens, `canAuthenticateTo` from the secret to that resource. A finding on a managed disk
 * counts for the VM the disk is attached to; an image finding creates the image node under its registry.
 */
import { canonicalKey, type ArgRow } from '../core/index.js';
import type { GraphNode, SecurityGraph } from './model.js';
import type { RowIndex } from './build-resources.js';

/** What the graph needs of a scanner finding (the `findings` module's `Finding` has this shape). */
export interface GraphFinding {
  kind: 'vulnerability' | 'secret';
  resourceId: string;
  image?: string;
  id: string;
  severity: string;
  title?: string;
  packageName?: string;
  installedVersion?: string;
  fixedVersion?: string;
  cvssScore?: number;
  remoteCodeExecution?: boolean;
  secretType?: string;
  secretTarget?: string;
  suppressed?: boolean;
}

export interface FindingStats {
  findings: number;
  vulnerabilities: number;
  secrets: number;
  suppressed: number;
  unknownResources: number;
  unresolvedSecretTargets: number;
  unknownResourceIds: string[];
}

const HIGH = new Set(['critical', 'high']);

/** The node a finding lands on: the resource, the VM a disk belongs to, or the container image (created). */
function findingNode(graph: SecurityGraph, rows: RowIndex, f: GraphFinding): GraphNode | undefined {
  const node = graph.nodeById(f.resourceId);
  if (node?.type === 'AzureDisk') {
    const managedBy = rows.ofNode(node.index)?.managedBy;
    const owner = typeof managedBy === 'string' && managedBy !== '' ? graph.nodeById(managedBy) : undefined;
    return owner ?? node;
  }
  if (node) return node;
  const key = canonicalKey(f.resourceId);
  const repo = key.indexOf('/repositories/');
  if (repo > 0) {
    const registry = graph.node(key.slice(0, repo));
    if (!registry) return undefined;
    const image = graph.addNode({
      key,
      id: f.resourceId,
      type: 'ContainerImage',
      name: f.image ?? f.resourceId.slice(f.resourceId.toLowerCase().indexOf('/repositories/') + 14),
      subscriptionId: registry.subscriptionId,
      resourceGroup: registry.resourceGroup,
      properties: { image: f.image ?? null, registryId: registry.id },
    });
    graph.addEdge(registry, image, 'contains');
    return image;
  }
  return undefined;
}

/** The host a (lower-case) secret target names: `tcp:` and a `,port` dropped; undefined for a resource id. */
function targetHost(target: string): string | undefined {
  if (target.startsWith('/subscriptions/')) return undefined;
  return target.replace(/^tcp:/, '').replace(/,\d+$/, '');
}

interface VulnSummary {
  count: number;
  high: string[];
  rce: string[];
}

export class FindingsBuilder {
  readonly stats: FindingStats = { findings: 0, vulnerabilities: 0, secrets: 0, suppressed: 0, unknownResources: 0, unresolvedSecretTargets: 0, unknownResourceIds: [] };
  private readonly vulns = new Map<number, VulnSummary>();
  /** Vulnerability nodes by CVE id as given (a few hundred CVEs over a hundred thousand findings). */
  private readonly vulnNodes = new Map<string, GraphNode>();
  /**
   * Name lookups for secret targets, made on the first secret that names a host, and holding only the names some
   * secret asks for (a map of every VM, storage account and SQL server by name cost more than the rest of the stage).
   */
  private names: { storage: Map<string, GraphNode>; sql: Map<string, GraphNode>; vm: Map<string, GraphNode> } | undefined;
  /** The host names (and their first labels) the secrets of this `add` name. */
  private wanted: ReadonlySet<string> = new Set();

  constructor(private readonly graph: SecurityGraph, private readonly rows: RowIndex) {}

  private byName(): NonNullable<FindingsBuilder['names']> {
    if (this.names !== undefined) return this.names;
    const wanted = this.wanted;
    const storage = new Map<string, GraphNode>();
    const sql = new Map<string, GraphNode>();
    const vm = new Map<string, GraphNode>();
    const keep = (map: Map<string, GraphNode>, name: string, n: GraphNode) => {
      const lower = name.toLowerCase();
      if (wanted.has(lower)) map.set(lower, n);
    };
    for (const n of this.graph.nodesOfType('AzureStorageAccount')) keep(storage, n.name, n);
    for (const n of this.graph.nodesOfType('AzureSqlServer')) {
      keep(sql, n.name, n);
      const fqdn = n.properties.fullyQualifiedDomainName;
      if (typeof fqdn === 'string') keep(sql, fqdn, n);
    }
    for (const n of this.graph.nodesOfType('AzureVM')) keep(vm, n.name, n);
    return (this.names = { storage, sql, vm });
  }

  add(input: Iterable<GraphFinding>): void {
    const findings = Array.isArray(input) ? (input as GraphFinding[]) : [...input];
    const wanted = new Set<string>();
    for (let i = 0; i < findings.length; i++) {
      const f = findings[i];
      if (f.kind !== 'secret' || f.suppressed || !f.secretTarget) continue;
      const host = targetHost(f.secretTarget.toLowerCase());
      if (host === undefined) continue;
      wanted.add(host);
      wanted.add(host.split('.')[0]);
    }
    this.wanted = wanted;
    this.names = undefined;
    const unknown = new Set<string>();
    // A scanner reports a resource's findings together: the resource of the finding before is reused.
    let lastResourceId: string | undefined;
    let lastNode: GraphNode | undefined;
    for (const f of findings) {
      this.stats.findings++;
      if (f.suppressed) {
        this.stats.suppressed++;
        continue;
      }
      if (f.resourceId !== lastResourceId) {
        lastResourceId = f.resourceId;
        lastNode = findingNode(this.graph, this.rows, f);
      }
      const node = lastNode;
      if (!node) {
        this.stats.unknownResources++;
        if (unknown.size < 100) unknown.add(f.resourceId);
        continue;
      }
      if (f.kind === 'vulnerability') this.vulnerability(node, f);
      else this.secret(node, f);
    }
    this.stats.unknownResourceIds.push(...[...unknown].sort());
    this.summarize();
  }

  private vulnerability(node: GraphNode, f: GraphFinding): void {
    this.stats.vulnerabilities++;
    const g = this.graph;
    let vuln = this.vulnNodes.get(f.id);
    if (vuln === undefined) {
      vuln = g.addNode({
        key: `vulnerability:${f.id.toLowerCase()}`,
        id: f.id,
        type: 'Vulnerability',
        name: f.id,
        properties: { severity: f.severity, title: f.title ?? null, cvssScore: f.cvssScore ?? null, remoteCodeExecution: f.remoteCodeExecution === true },
      });
      this.vulnNodes.set(f.id, vuln);
    }
    g.addEdge(node, vuln, 'hasVulnerability', { severity: f.severity, packageName: f.packageName ?? null, installedVersion: f.installedVersion ?? null, fixedVersion: f.fixedVersion ?? null });
    let s = this.vulns.get(node.index);
    if (!s) this.vulns.set(node.index, (s = { count: 0, high: [], rce: [] }));
    s.count++;
    if (HIGH.has(f.severity.toLowerCase()) && !s.high.includes(f.id)) s.high.push(f.id);
    if (f.remoteCodeExecution && !s.rce.includes(f.id)) s.rce.push(f.id);
  }

  private secret(node: GraphNode, f: GraphFinding): void {
    this.stats.secrets++;
    const g = this.graph;
    const type = f.secretType ?? 'other';
    const targetText = (f.secretTarget ?? '').toLowerCase();
    const secret = g.addNode({
      key: `secret:${node.key}|${type.toLowerCase()}|${targetText || f.id.toLowerCase()}`,
      id: `${node.id}/secrets/${type}${targetText ? `/${targetText}` : ''}`,
      type: 'Secret',
      name: `${type}${f.secretTarget ? ` for ${f.secretTarget}` : ''} on ${node.name}`,
      properties: { secretType: type, ruleId: f.id, target: f.secretTarget ?? null, severity: f.severity },
    });
    g.addEdge(node, secret, 'hasSecret', { secretType: type });
    const types = (node.insights.get('hasPlaintextSecret')?.value as string[] | undefined) ?? [];
    if (!types.includes(type)) g.addInsight(node, 'hasPlaintextSecret', [...types, type].sort());
    const target = this.resolveTarget(type, f.secretTarget);
    if (target) g.addEdge(secret, target, 'canAuthenticateTo', { secretType: type });
    else if (f.secretTarget) this.stats.unresolvedSecretTargets++;
  }

  private resolveTarget(type: string, target: string | undefined): GraphNode | undefined {
    if (!target) return undefined;
    const host = targetHost(target.toLowerCase());
    if (host === undefined) return this.graph.nodeById(target);
    const names = this.byName();
    if (/storage/i.test(type) || type === 'sasToken') return names.storage.get(host.split('.')[0]);
    if (/sql/i.test(type)) return names.sql.get(host) ?? names.sql.get(host.split('.')[0]);
    if (type === 'sshPrivateKey') return names.vm.get(host) ?? names.vm.get(host.split('.')[0]);
    return names.storage.get(host.split('.')[0]) ?? names.sql.get(host) ?? names.vm.get(host);
  }

  private summarize(): void {
    const g = this.graph;
    for (const [index, s] of this.vulns) {
      const node = g.nodes[index];
      g.addInsight(node, 'hasVulnerabilities', { count: s.count });
      // Copies of the exact length: the lists grew by \`push\`, with room for more.
      if (s.high.length > 0) g.addInsight(node, 'hasHighSeverityVulnerabilities', { cves: s.high.slice().sort() });
      if (s.rce.length > 0) g.addInsight(node, 'vulnerableToRemoteCodeExecution', { cves: s.rce.slice().sort() });
    }
  }
}
