import { ResourceId, canonicalKey, type ScopeHierarchy } from '../core/index.js';
import { CONTAINER_TYPES, type ArgRow } from './types.js';

export interface ManagementGroupNode {
  id: string;
  name: string;
  displayName: string;
  /** name of the parent management group, undefined for the tenant root group */
  parentName?: string;
  parentId?: string;
  tenantId?: string;
}

export interface SubscriptionNode {
  id: string;
  subscriptionId: string;
  displayName: string;
  state?: string;
  /** management group names from the nearest parent up to the root, as ARG's managementGroupAncestorsChain */
  chain: string[];
}

/**
 * The management-group tree of an estate, built from `resourcecontainers` rows: management groups name their parent
 * in `properties.details.parent`, subscriptions carry `properties.managementGroupAncestorsChain`.
 */
export class ManagementGroupTree implements ScopeHierarchy {
  private readonly groups = new Map<string, ManagementGroupNode>();
  private readonly subs = new Map<string, SubscriptionNode>();

  static fromRows(rows: Iterable<ArgRow>): ManagementGroupTree {
    const tree = new ManagementGroupTree();
    for (const row of rows) tree.add(row);
    return tree;
  }

  /** Adds a resourcecontainers row; other rows are ignored. Returns true when the row was a container it keeps. */
  add(row: ArgRow): boolean {
    const type = row.type.toLowerCase();
    const properties = (row.properties ?? {}) as Record<string, unknown>;
    if (type === CONTAINER_TYPES.managementGroup) {
      const details = (properties.details ?? {}) as Record<string, unknown>;
      const parent = (details.parent ?? undefined) as Record<string, unknown> | undefined;
      const parentId = typeof parent?.id === 'string' ? parent.id : undefined;
      let parentName = typeof parent?.name === 'string' ? parent.name : undefined;
      if (parentName === undefined && parentId !== undefined) parentName = parentId.split('/').filter(Boolean).pop();
      this.groups.set(row.name.toLowerCase(), {
        id: row.id,
        name: row.name,
        displayName: typeof properties.displayName === 'string' ? properties.displayName : row.name,
        parentName,
        parentId,
        tenantId: typeof properties.tenantId === 'string' ? properties.tenantId : row.tenantId,
      });
      return true;
    }
    if (type === CONTAINER_TYPES.subscription) {
      const rawChain = properties.managementGroupAncestorsChain;
      const chain = Array.isArray(rawChain)
        ? rawChain.map((entry) => (entry && typeof entry === 'object' ? String((entry as Record<string, unknown>).name ?? '') : '')).filter(Boolean)
        : [];
      const subscriptionId = row.subscriptionId ?? ResourceId.parse(row.id).subscriptionId ?? row.name;
      this.subs.set(subscriptionId.toLowerCase(), {
        id: row.id,
        subscriptionId,
        displayName: typeof properties.displayName === 'string' ? properties.displayName : row.name,
        state: typeof properties.state === 'string' ? properties.state : undefined,
        chain,
      });
      return true;
    }
    return false;
  }

  managementGroup(name: string): ManagementGroupNode | undefined {
    return this.groups.get(name.toLowerCase());
  }

  subscription(subscriptionId: string): SubscriptionNode | undefined {
    return this.subs.get(subscriptionId.toLowerCase());
  }

  managementGroups(): ManagementGroupNode[] {
    return [...this.groups.values()].sort((a, b) => compareKeys(a.id, b.id));
  }

  subscriptions(): SubscriptionNode[] {
    return [...this.subs.values()].sort((a, b) => compareKeys(a.id, b.id));
  }

  childGroups(name: string): ManagementGroupNode[] {
    const key = name.toLowerCase();
    return this.managementGroups().filter((g) => g.parentName?.toLowerCase() === key);
  }

  /** Subscriptions whose nearest management group is `name`. */
  childSubscriptions(name: string): SubscriptionNode[] {
    const key = name.toLowerCase();
    return this.subscriptions().filter((s) => (s.chain[0] ?? '').toLowerCase() === key);
  }

  /** Management group names above a management group (walking parents) — nearest first, cycle-safe. */
  groupAncestors(name: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>([name.toLowerCase()]);
    let current = this.groups.get(name.toLowerCase())?.parentName;
    while (current !== undefined && !seen.has(current.toLowerCase())) {
      out.push(current);
      seen.add(current.toLowerCase());
      current = this.groups.get(current.toLowerCase())?.parentName;
    }
    return out;
  }

  /** Management group names above a subscription: its chain, extended through known parents. */
  subscriptionAncestors(subscriptionId: string): string[] {
    const sub = this.subs.get(subscriptionId.toLowerCase());
    if (sub === undefined || sub.chain.length === 0) return [];
    const out = [...sub.chain];
    const seen = new Set(out.map((n) => n.toLowerCase()));
    for (const name of this.groupAncestors(out[out.length - 1])) {
      if (seen.has(name.toLowerCase())) break;
      out.push(name);
      seen.add(name.toLowerCase());
    }
    return out;
  }

  managementGroupAncestors(scope: ResourceId): ReadonlyArray<string> {
    if (scope.kind === 'managementGroup' && scope.managementGroup !== undefined) return this.groupAncestors(scope.managementGroup);
    if (scope.subscriptionId !== undefined) return this.subscriptionAncestors(scope.subscriptionId);
    if (scope.managementGroup !== undefined) return [scope.managementGroup, ...this.groupAncestors(scope.managementGroup)];
    return [];
  }

  /** The root management groups (no known parent in the tree). */
  roots(): ManagementGroupNode[] {
    return this.managementGroups().filter((g) => g.parentName === undefined || !this.groups.has(g.parentName.toLowerCase()));
  }
}

function compareKeys(a: string, b: string): number {
  const ka = canonicalKey(a);
  const kb = canonicalKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
