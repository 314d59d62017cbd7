/**
 * Identities and permissions: `canAuthenticateAs` from a resource to its system- or user-assigned managed identity,
 * `hasPermissionTo` from a principal to the scope of each of its role assignments (inheritance down the tree is
 * followed through `contains` when access is asked for, see access.ts), `memberOf` from directory data when given.
 */
import type { ArgRow } from '../core/index.js';
import { capabilitiesOf } from './capabilities.js';
import type { RoleDefinitionLike } from './rbac.js';
import type { EntityType, GraphNode, SecurityGraph } from './model.js';
import type { RowIndex } from './build-resources.js';

/** Directory facts ARG does not hold (display names, group membership); optional. */
export interface DirectoryPrincipal {
  id: string;
  displayName?: string;
  type?: 'User' | 'Group' | 'ServicePrincipal';
  userPrincipalName?: string;
  /** Object ids of the groups it is a direct member of. */
  memberOf?: string[];
  [extra: string]: unknown;
}

export interface IdentityStats {
  roleAssignments: number;
  unresolvedRoles: number;
  unresolvedScopes: number;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export const principalKey = (objectId: string): string => `principal:${objectId.toLowerCase()}`;

const PRINCIPAL_TYPES: Readonly<Record<string, EntityType>> = {
  user: 'User',
  group: 'Group',
  serviceprincipal: 'ServicePrincipal',
  foreigngroup: 'Group',
};

export class IdentityIndex {
  /**
   * Principal object id (lower case) → node number, for the principals whose node is not keyed by it (user-assigned
   * identity resources are keyed by their resource id); every other principal is found by its key.
   */
  readonly aliases = new Map<string, number>();
  readonly roles = new Map<string, { roleName: string; capabilities: string[] }>();
  readonly stats: IdentityStats = { roleAssignments: 0, unresolvedRoles: 0, unresolvedScopes: 0 };

  constructor(private readonly graph: SecurityGraph, private readonly directory = new Map<string, DirectoryPrincipal>()) {}

  principal(objectId: string, principalType?: string): GraphNode {
    const lower = objectId.toLowerCase();
    const alias = this.aliases.get(lower);
    if (alias !== undefined) return this.graph.nodes[alias];
    const known = this.graph.indexOf(principalKey(lower));
    if (known !== undefined) return this.graph.nodes[known];
    const dir = this.directory.get(lower);
    const type = PRINCIPAL_TYPES[String(dir?.type ?? principalType ?? '').toLowerCase()] ?? 'ServicePrincipal';
    const node = this.graph.addNode({
      key: principalKey(lower),
      id: objectId,
      type,
      name: dir?.displayName ?? objectId,
      properties: { objectId, principalType: dir?.type ?? principalType ?? null, userPrincipalName: dir?.userPrincipalName ?? null },
    });
    return node;
  }

  addRoleDefinition(row: ArgRow): void {
    const props = asRecord(row.properties) ?? {};
    const role: RoleDefinitionLike = {
      id: row.id,
      name: row.name,
      roleName: String(props.roleName ?? row.name),
      permissions: Array.isArray(props.permissions) ? (props.permissions as RoleDefinitionLike['permissions']) : [],
    };
    this.roles.set(row.name.toLowerCase(), { roleName: role.roleName, capabilities: [...capabilitiesOf(role)].sort() });
  }
}

/** Shared properties of the resource → identity edges (edge properties are never changed after the build). */
const SYSTEM_ASSIGNED = Object.freeze({ assignment: 'SystemAssigned' });
const USER_ASSIGNED = Object.freeze({ assignment: 'UserAssigned' });

/**
 * Managed identities of resources: system-assigned ones become nodes of their own, user-assigned ones are resources.
 * `candidates`: the resource nodes whose row has an identity, in node order.
 */
export function addManagedIdentities(graph: SecurityGraph, rows: RowIndex, ids: IdentityIndex, candidates: ReadonlyArray<number>): void {
  // User-assigned identity resources are principals too.
  for (const node of graph.nodesOfType('ManagedIdentity')) {
    const principalId = node.properties.principalId;
    if (typeof principalId === 'string') ids.aliases.set(principalId.toLowerCase(), node.index);
    graph.addInsight(node, 'isManaged');
  }
  for (let i = 0; i < candidates.length; i++) {
    const n = candidates[i];
    const row = rows.ofNode(n);
    if (row === undefined) continue;
    const identity = asRecord(row.identity);
    if (!identity) continue;
    const resource = graph.nodes[n];
    const type = String(identity.type ?? '').toLowerCase();
    if (type.includes('systemassigned') && typeof identity.principalId === 'string') {
      const principalId = identity.principalId;
      const mi = graph.addNode({
        key: principalKey(principalId),
        id: principalId,
        type: 'ManagedIdentity',
        name: `${row.name} (system-assigned)`,
        properties: { principalId, tenantId: identity.tenantId ?? null, assignment: 'SystemAssigned', resourceId: row.id },
      });
      graph.addInsight(mi, 'isManaged');
      // Found by its key from now on (a user-assigned identity claiming the same object id no longer answers).
      if (ids.aliases.size > 0) ids.aliases.delete(principalId.toLowerCase());
      graph.addEdge(resource, mi, 'canAuthenticateAs', SYSTEM_ASSIGNED);
    }
    const user = asRecord(identity.userAssignedIdentities);
    if (user) {
      for (const uamiId of Object.keys(user)) {
        const uami = graph.nodeById(uamiId);
        if (uami) graph.addEdge(resource, uami, 'canAuthenticateAs', USER_ASSIGNED);
        else {
          const principalId = asRecord(user[uamiId])?.principalId;
          if (typeof principalId === 'string') graph.addEdge(resource, ids.principal(principalId, 'ServicePrincipal'), 'canAuthenticateAs', { assignment: 'UserAssigned', identityId: uamiId });
        }
      }
    }
  }
}

const GUID_TAIL = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

/** One `hasPermissionTo` edge per (principal, scope); several assignments on the same pair merge their roles. */
export function addRoleAssignments(graph: SecurityGraph, assignments: Iterable<ArgRow>, ids: IdentityIndex): void {
  for (const row of assignments) {
    const props = asRecord(row.properties) ?? {};
    const principalId = props.principalId;
    const scope = typeof props.scope === 'string' ? props.scope : row.id.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, '');
    if (typeof principalId !== 'string') continue;
    ids.stats.roleAssignments++;
    const roleGuid = GUID_TAIL.exec(String(props.roleDefinitionId ?? ''))?.[1]?.toLowerCase();
    const role = roleGuid ? ids.roles.get(roleGuid) : undefined;
    if (!role) ids.stats.unresolvedRoles++;
    const target = graph.nodeById(scope === '' ? '/' : scope);
    if (!target) {
      ids.stats.unresolvedScopes++;
      continue;
    }
    const principal = ids.principal(principalId, typeof props.principalType === 'string' ? props.principalType : undefined);
    const grant = {
      roleAssignmentId: row.id,
      roleDefinitionId: String(props.roleDefinitionId ?? ''),
      roleName: role?.roleName ?? roleGuid ?? 'unknown',
      capabilities: role?.capabilities ?? [],
      conditional: typeof props.condition === 'string' && props.condition !== '',
    };
    // A new edge gets a list of exactly one grant (\`push\` on an empty list would reserve room for sixteen more).
    const edges = graph.edgeCount;
    const edge = graph.addEdge(principal, target, 'hasPermissionTo', { grants: [grant] });
    if (edge < edges) (graph.edgeProperties(edge)!.grants as unknown[]).push(grant);
  }
}

/** `memberOf` edges from the directory (users and groups → groups). */
export function addMemberships(graph: SecurityGraph, directory: Iterable<DirectoryPrincipal>, ids: IdentityIndex): void {
  for (const p of directory) {
    if (!p.memberOf?.length) continue;
    const member = ids.principal(p.id, p.type);
    for (const groupId of p.memberOf) graph.addEdge(member, ids.principal(groupId, 'Group'), 'memberOf');
  }
}
