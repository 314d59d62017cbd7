/**
 * What a principal can do to a resource: the capabilities of every role it holds (directly or through its groups)
 * at the resource or any scope above it, read as an access level for the resource's kind.
 *
 *   read  — can read the data (secrets, blobs, rows) or get the keys that do;
 *   write — can change the data or the access configuration of the resource;
 *   high  — can take the resource (or everything under a scope) over: grant roles, run code, reset admin credentials.
 *
 * RBAC is additive: capabilities union across assignments; `notActions` were already subtracted per role.
 * Key Vault has two permission models: RBAC vaults read secrets with the data action, access-policy vaults through an
 * access policy for the principal, or by anyone who can write the vault's access policies (they can grant
 * themselves one). Storage keys read everything unless the account disables shared-key access.
 */
import type { GraphEdge, GraphNode, SecurityGraph } from './model.js';
import { containsParents, preorderUnder } from './structure.js';

export type AccessLevel = 'read' | 'write' | 'high';
const RANK: Readonly<Record<AccessLevel, number>> = { read: 1, write: 2, high: 3 };

export interface Access {
  level: AccessLevel;
  capabilities: string[];
  /** The permission edges (principal or one of its groups → scope) the access comes from. */
  via: GraphEdge[];
}

/** Ancestors of a node along incoming `contains` edges, the node first. */
export function containersOf(graph: SecurityGraph, node: GraphNode): number[] {
  const out: number[] = [node.index];
  let current = node.index;
  for (let guard = 0; guard < 32; guard++) {
    let parent = graph.firstIn(current);
    while (parent !== -1 && graph.edgeKind(parent) !== 'contains') parent = graph.nextIn(parent);
    if (parent === -1) break;
    current = graph.edgeFrom(parent);
    out.push(current);
  }
  return out;
}

/** The principal and the groups it is a member of (transitively). */
export function principalAndGroups(graph: SecurityGraph, principal: GraphNode): number[] {
  const seen = new Set<number>([principal.index]);
  const stack = [principal.index];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (let e = graph.firstOut(n); e !== -1; e = graph.nextOut(e)) {
      const to = graph.edgeTo(e);
      if (graph.edgeKind(e) === 'memberOf' && !seen.has(to)) {
        seen.add(to);
        stack.push(to);
      }
    }
  }
  return [...seen];
}

interface Grant {
  capabilities: string[];
  conditional?: boolean;
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

const NO_POLICY = Object.freeze({ read: false, write: false });
/** Per vault properties object: object id (lower case) → what its access policies allow (read once per vault). */
const vaultPolicies = new WeakMap<object, Map<string, { read: boolean; write: boolean }>>();

/** Access-policy grants of a vault for an object id: secret / key / certificate permissions. */
function vaultPolicyAllows(vault: GraphNode, objectId: string | undefined): { read: boolean; write: boolean } {
  const policies = vault.properties.accessPolicies;
  if (!Array.isArray(policies) || objectId === undefined) return NO_POLICY;
  let byObject = vaultPolicies.get(vault.properties);
  if (byObject === undefined) {
    byObject = new Map();
    for (const p of policies) {
      const rec = p as Record<string, unknown>;
      const id = String(rec.objectId ?? '').toLowerCase();
      const perms = (rec.permissions ?? {}) as Record<string, unknown>;
      const secrets = Array.isArray(perms.secrets) ? perms.secrets.map((s) => String(s).toLowerCase()) : [];
      const held = byObject.get(id) ?? { read: false, write: false };
      if (secrets.includes('get') || secrets.includes('all')) held.read = true;
      if (secrets.includes('set') || secrets.includes('all')) held.write = true;
      byObject.set(id, held);
    }
    vaultPolicies.set(vault.properties, byObject);
  }
  return byObject.get(objectId.toLowerCase()) ?? NO_POLICY;
}

/** The access level that a set of capabilities gives on `target`. */
export function levelFor(target: GraphNode, caps: ReadonlySet<string>, objectId?: string): AccessLevel | undefined {
  if (caps.has('rbac.write')) return 'high';
  const p = target.properties;
  switch (target.type) {
    case 'AzureKeyVault': {
      const rbacModel = truthy(p.enableRbacAuthorization);
      if (!rbacModel && (caps.has('kv.accessPolicies.write') || caps.has('kv.vault.write'))) return 'high';
      if (rbacModel && caps.has('kv.secret.set')) return 'write';
      const policy = rbacModel ? NO_POLICY : vaultPolicyAllows(target, objectId);
      if (policy.write) return 'write';
      if ((rbacModel && (caps.has('kv.secret.get') || caps.has('kv.key.decrypt') || caps.has('kv.certificate.read'))) || policy.read) return 'read';
      return undefined;
    }
    case 'AzureStorageAccount': {
      const sharedKey = p.allowSharedKeyAccess !== false && String(p.allowSharedKeyAccess).toLowerCase() !== 'false';
      if (sharedKey && caps.has('storage.listKeys')) return 'high';
      if (caps.has('storage.blob.write')) return 'write';
      if (caps.has('storage.blob.read') || (sharedKey && caps.has('storage.listAccountSas'))) return 'read';
      return undefined;
    }
    case 'AzureSqlServer':
    case 'AzureSqlDatabase':
    case 'AzurePostgreSQL':
    case 'AzureMySQL':
    case 'AzureCosmosDB':
      return caps.has('sql.write') ? 'high' : undefined;
    case 'AzureVM':
    case 'AzureVMScaleSet':
      if (caps.has('vm.runCommand') || caps.has('vm.runCommands.write') || caps.has('vm.extensions.write') || caps.has('vmss.vm.runCommand')) return 'high';
      if (caps.has('vm.loginAsAdmin')) return 'high';
      if (caps.has('vm.login')) return 'read';
      return undefined;
    case 'AzureWebApp':
    case 'AzureFunctionApp':
      return caps.has('web.config.list') || caps.has('web.publishxml') ? 'high' : undefined;
    case 'AzureKubernetesCluster':
      return caps.has('aks.adminCreds') ? 'high' : caps.has('aks.userCreds') ? 'read' : undefined;
    case 'AzureSubscription':
    case 'AzureResourceGroup':
    case 'AzureManagementGroup':
      // Control of a scope: Contributor-like write and code execution on what it holds (Owner adds rbac.write above).
      return caps.has('vm.runCommand') && caps.has('storage.listKeys') && caps.has('vm.write') ? 'high' : undefined;
    default:
      return undefined;
  }
}

/**
 * What `levelFor` reads of the target besides the capabilities and the object id: targets with the same profile get
 * the same level from the same capabilities when no object id is given.
 */
export function accessProfile(target: GraphNode): string {
  const p = target.properties;
  switch (target.type) {
    case 'AzureKeyVault':
      return truthy(p.enableRbacAuthorization) ? 'AzureKeyVault|rbac' : 'AzureKeyVault|policies';
    case 'AzureStorageAccount':
      return p.allowSharedKeyAccess !== false && String(p.allowSharedKeyAccess).toLowerCase() !== 'false' ? 'AzureStorageAccount|sharedKey' : 'AzureStorageAccount';
    default:
      return target.type;
  }
}

/** The principal's access to `target`, or undefined. `members`: the principal and its groups, when known. */
export function accessTo(graph: SecurityGraph, principal: GraphNode, target: GraphNode, members: ReadonlyArray<number> = principalAndGroups(graph, principal)): Access | undefined {
  const scopes = containersOf(graph, target);
  const caps = new Set<string>();
  const via: GraphEdge[] = [];
  for (const p of members) {
    for (let e = graph.firstOut(p); e !== -1; e = graph.nextOut(e)) {
      if (graph.edgeKind(e) !== 'hasPermissionTo' || !scopes.includes(graph.edgeTo(e))) continue;
      const grants = (graph.edgeProperties(e)?.grants ?? []) as Grant[];
      let used = false;
      for (const g of grants) {
        if (g.conditional) continue;
        for (const c of g.capabilities) caps.add(c);
        used = true;
      }
      if (used) via.push(graph.edge(e));
    }
  }
  const objectId = typeof principal.properties.objectId === 'string' ? principal.properties.objectId : typeof principal.properties.principalId === 'string' ? principal.properties.principalId : undefined;
  const level = levelFor(target, caps, objectId);
  if (level === undefined) return undefined;
  return { level, capabilities: [...caps].sort(), via };
}

export function atLeast(level: AccessLevel | undefined, wanted: AccessLevel): boolean {
  return level !== undefined && RANK[level] >= RANK[wanted];
}

/**
 * Resources of the given types the principal reaches with at least `wanted` access: the candidates of those types
 * under every scope it (or a group of it) holds a role on, in tree order, each with the capabilities of the grants
 * on the scopes above it accumulated (so a subscription-wide role costs one pass over the subscription's candidates,
 * not one permission lookup per resource). Access-policy vaults are found through their policies too. At most
 * `perType` targets of each entity type (in tree order).
 */
export function reachableTargets(
  graph: SecurityGraph,
  principal: GraphNode,
  types: ReadonlySet<string>,
  wanted: AccessLevel,
  perType = Infinity,
): Array<{ target: GraphNode; access: Access }> {
  const members = principalAndGroups(graph, principal);
  // Grants by scope node.
  const grants = new Map<number, { caps: string[]; edges: GraphEdge[] }>();
  for (const p of members) {
    for (let e = graph.firstOut(p); e !== -1; e = graph.nextOut(e)) {
      if (graph.edgeKind(e) !== 'hasPermissionTo') continue;
      const scope = graph.edgeTo(e);
      let g = grants.get(scope);
      if (!g) grants.set(scope, (g = { caps: [], edges: [] }));
      for (const grant of (graph.edgeProperties(e)?.grants ?? []) as Grant[]) if (!grant.conditional) g.caps.push(...grant.capabilities);
      g.edges.push(graph.edge(e));
    }
  }
  if (grants.size === 0) return [];
  const objectId = typeof principal.properties.objectId === 'string' ? principal.properties.objectId : typeof principal.properties.principalId === 'string' ? principal.properties.principalId : undefined;
  const parent = containsParents(graph);
  // Walk from the scopes no other granted scope contains.
  const roots = [...grants.keys()].filter((n) => !containersOf(graph, graph.nodes[n]).slice(1).some((a) => grants.has(a))).sort((a, b) => a - b);
  // What a granted scope passes down: its grants and those of the granted scopes above it.
  const inherited = new Map<number, { caps: Set<string>; sorted: string[]; via: GraphEdge[] }>();
  const inheritedAt = (scope: number): { caps: Set<string>; sorted: string[]; via: GraphEdge[] } => {
    let hit = inherited.get(scope);
    if (hit !== undefined) return hit;
    let above = parent[scope];
    while (above !== -1 && !grants.has(above)) above = parent[above];
    const own = grants.get(scope)!;
    const base = above === -1 ? undefined : inheritedAt(above);
    const caps = new Set([...(base?.caps ?? []), ...own.caps]);
    hit = { caps, sorted: [...caps].sort(), via: [...(base?.via ?? []), ...own.edges] };
    inherited.set(scope, hit);
    return hit;
  };
  const under = preorderUnder(graph, types);
  const out: Array<{ target: GraphNode; access: Access }> = [];
  const counts = new Map<string, number>();
  let capped = 0;
  // Candidates come in runs of siblings (the walk is depth first): the granted scope above the last one's parent.
  let lastParent = -1;
  let lastFrom: ReturnType<typeof inheritedAt> | undefined;
  for (const root of roots) {
    const candidates = under.under(root);
    for (let i = 0; i < candidates.length; i++) {
      const n = candidates[i];
      if (capped >= types.size) return out;
      const node = graph.nodes[n];
      const count = counts.get(node.type) ?? 0;
      if (count >= perType) continue;
      let from: ReturnType<typeof inheritedAt>;
      if (grants.has(n)) from = inheritedAt(n);
      else if (parent[n] === lastParent && lastFrom !== undefined) from = lastFrom;
      else {
        // Below a granted root, so a granted scope is met on the way up.
        let scope = parent[n];
        while (!grants.has(scope)) scope = parent[scope];
        from = inheritedAt(scope);
        lastParent = parent[n];
        lastFrom = from;
      }
      const level = levelFor(node, from.caps, objectId);
      if (level === undefined || !atLeast(level, wanted)) continue;
      out.push({ target: node, access: { level, capabilities: from.sorted, via: from.via } });
      counts.set(node.type, count + 1);
      if (count + 1 === perType) capped++;
    }
  }
  return out;
}
