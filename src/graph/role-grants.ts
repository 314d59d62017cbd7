/**
 * Who holds which roles where, read from a graph's permission and membership edges for the explorer's effective
 * access: a principal's grants by scope, the grantors of a scope and of the scopes above it (as layers grouped by
 * the capabilities they hold), the members of a grantor. It depends on edges only (and a principal's object id), so
 * one instance serves every query over the same graph (`roleGrants`), filling its caches as queries ask.
 */
import { principalAndGroups } from './access.js';
import { KIND_INDEX, type GraphNode, type SecurityGraph } from './model.js';
import { columns, containsParents, derived, type Columns } from './structure.js';

/** Principals holding roles at a scope or above, by principal, and grouped by the capability set they hold. */
export interface Inherited {
  byPrincipal: Map<number, Set<string>>;
  groups: Array<{ caps: Set<string>; principals: number[] }>;
}

const NO_GRANTORS: Map<number, Set<string>> = new Map();

/**
 * Grantors of a scope and the scopes above it, as layers: one per scope that has roles, nearest first. A layer holds
 * the grantors with a role at its scope, each with the capabilities of all its grants at that scope and above,
 * grouped by equal capability sets.
 */
export interface Chain {
  parent?: Chain;
  own: Map<number, Set<string>>;
  groups: Array<{ caps: Set<string>; grantors: number[] }>;
}

export const NO_CHAIN: Chain = { own: NO_GRANTORS, groups: [] };
const NO_CAPS: ReadonlySet<string> = new Set();

interface Grant {
  capabilities?: string[];
  conditional?: boolean;
}

/** Capabilities of the unconditional grants of a permission edge, and whether it has any (an access policy has none). */
export function edgeCaps(properties: Record<string, unknown> | undefined): { caps: string[]; used: boolean } {
  const grants = (properties?.grants ?? []) as Grant[];
  const caps: string[] = [];
  let used = false;
  if (!Array.isArray(grants)) return { caps, used };
  for (const g of grants) {
    if (g === null || typeof g !== 'object' || g.conditional) continue;
    used = true;
    if (Array.isArray(g.capabilities)) for (const c of g.capabilities) caps.push(c);
  }
  return { caps, used };
}

/** Adds `caps` to the capabilities kept under `key` (scope or grantor). */
function addCaps(into: Map<number, Set<string>>, key: number, caps: readonly string[]): void {
  let set = into.get(key);
  if (set === undefined) into.set(key, (set = new Set()));
  for (const c of caps) set.add(c);
}

export function capsKey(caps: ReadonlySet<string>): string {
  return [...caps].sort().join(',');
}

function objectIdOf(principal: GraphNode): string | undefined {
  const p = principal.properties;
  return typeof p.objectId === 'string' ? p.objectId : typeof p.principalId === 'string' ? p.principalId : undefined;
}

/** The role structure of `graph`, made once per graph. */
export function roleGrants(graph: SecurityGraph): RoleGrants {
  return derived(graph, 'explorer.roleGrants', () => new RoleGrants(graph));
}

export class RoleGrants {
  private readonly columns: Columns;
  private readonly parents: Int32Array;
  private readonly grantCache = new Map<number, Map<number, Set<string>>>();
  private readonly inheritedCache = new Map<number, Inherited>();
  private readonly chainCache = new Map<number, Chain>();
  private readonly standaloneMemo: Int8Array;
  // Filled arrays (not `new Array(n)`, whose million holes V8 would keep as a dictionary). An identity's object id
  // is what it is; a permission edge's grants never change once added.
  private readonly objectIds: Array<string | null | undefined>;
  private readonly edgeGrants: Array<{ caps: string[]; used: boolean } | undefined>;

  constructor(private readonly graph: SecurityGraph) {
    this.columns = columns(graph);
    this.parents = containsParents(graph);
    this.standaloneMemo = new Int8Array(graph.size);
    this.objectIds = Array.from({ length: graph.size }, () => undefined);
    this.edgeGrants = Array.from({ length: graph.edgeCount }, () => undefined);
  }

  /** Scope → capabilities of the unconditional grants the principal (or one of its groups) holds there. */
  grantsOf(principal: GraphNode): Map<number, Set<string>> {
    let grants = this.grantCache.get(principal.index);
    if (grants !== undefined) return grants;
    const g = this.graph;
    // Most nodes (a VM's identity without roles) hold nothing: answer without walking groups or caching.
    let any = false;
    let member = false;
    for (let e = g.firstOut(principal.index); e !== -1 && !member; e = g.nextOut(e)) {
      const kind = g.edgeKind(e);
      if (kind === 'memberOf') any = member = true;
      else if (kind === 'hasPermissionTo') any = true;
    }
    if (!any) return NO_GRANTORS;
    grants = new Map();
    for (const p of member ? principalAndGroups(g, principal) : [principal.index]) {
      for (let e = g.firstOut(p); e !== -1; e = g.nextOut(e)) {
        if (g.edgeKind(e) !== 'hasPermissionTo') continue;
        const { caps, used } = this.grantsOfEdge(e);
        if (used) addCaps(grants, g.edgeTo(e), caps);
      }
    }
    this.grantCache.set(principal.index, grants);
    return grants;
  }

  /** Capabilities in force at scope `s`: grants at `s` and every scope above it (not to be modified). */
  capsAt(grants: Map<number, Set<string>>, s: number): ReadonlySet<string> {
    if (grants.size === 1) return grants.get(s) ?? NO_CAPS;
    const caps = new Set<string>();
    let n: number | undefined = s;
    for (let guard = 0; n !== undefined && guard < 32; guard++, n = this.parentOf(n)) {
      const held = grants.get(n);
      if (held) for (const c of held) caps.add(c);
    }
    return caps;
  }

  /** Grantors (principals or groups) with unconditional roles at `s`, with their capabilities there. */
  grantorsAt(s: number): Map<number, Set<string>> {
    const out = new Map<number, Set<string>>();
    const g = this.graph;
    for (let e = g.firstIn(s); e !== -1; e = g.nextIn(e)) {
      if (g.edgeKind(e) !== 'hasPermissionTo') continue;
      const { caps, used } = this.grantsOfEdge(e);
      if (used) addCaps(out, g.edgeFrom(e), caps);
    }
    return out;
  }

  /** Grantors and everyone who is (transitively) a member of them, each with the union of what they receive. */
  expandMembers(grantors: Map<number, Set<string>>, into = new Map<number, Set<string>>()): Map<number, Set<string>> {
    const g = this.graph;
    for (const [grantor, caps] of grantors) {
      const seen = new Set<number>([grantor]);
      const stack = [grantor];
      while (stack.length > 0) {
        const n = stack.pop()!;
        let set = into.get(n);
        if (set === undefined) into.set(n, (set = new Set()));
        for (const c of caps) set.add(c);
        for (let e = g.firstIn(n); e !== -1; e = g.nextIn(e)) {
          const from = g.edgeFrom(e);
          if (g.edgeKind(e) === 'memberOf' && !seen.has(from)) {
            seen.add(from);
            stack.push(from);
          }
        }
      }
    }
    return into;
  }

  parentOf(index: number): number | undefined {
    const parent = this.parents[index];
    return parent === -1 ? undefined : parent;
  }

  /** The grantor layers of scope `s` (shared down the tree while no scope adds a role). */
  grantorChain(s: number, depth = 0): Chain {
    const cached = this.chainCache.get(s);
    if (cached) return cached;
    const parent = depth < 32 ? this.parentOf(s) : undefined;
    const base = parent === undefined ? NO_CHAIN : this.grantorChain(parent, depth + 1);
    const own = this.grantorsAt(s);
    let result = base;
    if (own.size > 0) {
      const groups = new Map<string, { caps: Set<string>; grantors: number[] }>();
      for (const [g, caps] of own) {
        for (let c: Chain | undefined = base; c !== undefined; c = c.parent) {
          const above = c.own.get(g);
          if (above) for (const x of above) caps.add(x);
        }
        const key = capsKey(caps);
        let grp = groups.get(key);
        if (grp === undefined) groups.set(key, (grp = { caps, grantors: [] }));
        grp.grantors.push(g);
      }
      result = { parent: base.groups.length > 0 ? base : undefined, own, groups: [...groups.values()] };
    }
    this.chainCache.set(s, result);
    return result;
  }

  /** Members of a grantor (itself included, groups transitively) in breadth-first order. */
  *members(grantor: number): Generator<number> {
    const g = this.graph;
    const seen = new Set<number>([grantor]);
    const queue = [grantor];
    for (let i = 0; i < queue.length; i++) {
      yield queue[i];
      for (let e = g.firstIn(queue[i]); e !== -1; e = g.nextIn(e)) {
        const from = g.edgeFrom(e);
        if (g.edgeKind(e) === 'memberOf' && !seen.has(from)) {
          seen.add(from);
          queue.push(from);
        }
      }
    }
  }

  /** Capabilities a principal inherits at a scope: those of every chain grantor it is, or is a member of. */
  inheritedCaps(principal: number, chain: Chain): Set<string> {
    const caps = new Set<string>();
    if (chain.groups.length === 0) return caps;
    for (const g of principalAndGroups(this.graph, this.graph.nodes[principal])) {
      for (let c: Chain | undefined = chain; c !== undefined; c = c.parent) {
        const held = c.own.get(g);
        if (held) for (const x of held) caps.add(x);
      }
    }
    return caps;
  }

  /** Who holds roles at scope `s` or above, by principal with the union of what they hold, grouped by that set. */
  inherited(s: number): Inherited {
    const cached = this.inheritedCache.get(s);
    if (cached) return cached;
    const byPrincipal = new Map<number, Set<string>>();
    for (let c: Chain | undefined = this.grantorChain(s); c !== undefined; c = c.parent) this.expandMembers(c.own, byPrincipal);
    const groups = new Map<string, { caps: Set<string>; principals: number[] }>();
    for (const [p, caps] of byPrincipal) {
      const key = capsKey(caps);
      let grp = groups.get(key);
      if (grp === undefined) groups.set(key, (grp = { caps, principals: [] }));
      grp.principals.push(p);
    }
    const result = { byPrincipal, groups: [...groups.values()] };
    this.inheritedCache.set(s, result);
    return result;
  }

  /** The node is in no group and has no members: its roles are its own only. */
  objectIdOf(principal: GraphNode | number): string | undefined {
    const index = typeof principal === 'number' ? principal : principal.index;
    let id = this.objectIds[index];
    if (id === undefined) this.objectIds[index] = id = objectIdOf(this.graph.nodes[index]) ?? null;
    return id ?? undefined;
  }

  /** What a permission edge's unconditional grants hold (read once per graph: grants never change once added). */
  grantsOfEdge(e: number): { caps: string[]; used: boolean } {
    let grants = this.edgeGrants[e];
    if (grants === undefined) this.edgeGrants[e] = grants = edgeCaps(this.graph.edgeProperties(e));
    return grants;
  }

  standalone(n: number): boolean {
    const memo = this.standaloneMemo;
    if (memo[n] !== 0) return memo[n] === 1;
    const { outStart, outList, inStart, inList, edgeKind } = this.columns;
    const member = KIND_INDEX.memberOf;
    let alone = true;
    for (let i = outStart[n], end = outStart[n + 1]; alone && i < end; i++) if (edgeKind[outList[i]] === member) alone = false;
    for (let i = inStart[n], end = inStart[n + 1]; alone && i < end; i++) if (edgeKind[inList[i]] === member) alone = false;
    memo[n] = alone ? 1 : 2;
    return alone;
  }
}
