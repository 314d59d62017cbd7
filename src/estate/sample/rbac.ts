/** `authorizationresources` rows: built-in role definitions and role assignments at every scope level. */
import { ids } from '../../core/index.js';
import type { ArgRow } from '../types.js';
import { ROLE, ROOT_MG, daysAgo } from './constants.js';
import type { SubContext } from './context.js';
import type { Rng } from './prng.js';
import { BUILT_IN_ROLES } from './role-definitions.js';
import { argRow } from './row.js';
import type { PrincipalType, Topology } from './topology.js';

export type RoleKey = keyof typeof ROLE;

/** Where built-in role definitions live (ARG reports them with this casing). */
export function roleDefinitionId(roleGuid: string): string {
  return `/providers/Microsoft.Authorization/RoleDefinitions/${roleGuid}`;
}

export function roleDefinitionRows(tenantId: string): ArgRow[] {
  return BUILT_IN_ROLES.map((role) =>
    argRow(tenantId, {
      id: roleDefinitionId(role.id),
      name: role.id,
      type: 'Microsoft.Authorization/roleDefinitions',
      properties: {
        roleName: role.roleName,
        type: 'BuiltInRole',
        description: role.description,
        assignableScopes: role.assignableScopes,
        permissions: role.permissions,
        createdOn: '2015-02-02T21:55:09.8806423Z',
        updatedOn: '2025-01-15T16:00:00.0000000Z',
        createdBy: null,
        updatedBy: null,
      },
    }),
  );
}

const SCOPE_RE = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?/i;

export interface AssignmentInput {
  scope: string;
  role: RoleKey;
  principalId: string;
  principalType: PrincipalType;
  createdOn: string;
  createdBy: string;
  description?: string;
}

/**
 * A role assignment row. `roleDefinitionId` is written the way ARM returns it: subscription-qualified for
 * assignments inside a subscription, tenant-level for management-group scopes.
 */
export function roleAssignmentRow(tenantId: string, rng: Rng, a: AssignmentInput): ArgRow {
  const name = rng.guid();
  const m = SCOPE_RE.exec(a.scope);
  const subscriptionId = m?.[1];
  const roleGuid = ROLE[a.role];
  return argRow(tenantId, {
    id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/roleAssignments',
    subscriptionId,
    resourceGroup: m?.[2],
    properties: {
      roleDefinitionId: subscriptionId
        ? `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`
        : `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      createdOn: a.createdOn,
      updatedOn: a.createdOn,
      createdBy: a.createdBy,
      updatedBy: a.createdBy,
      description: a.description ?? null,
    },
  });
}

/** Tenant-wide grants at management-group scope. */
export function managementGroupAssignments(topology: Topology, rng: Rng, mcsbPrincipalId: string): ArgRow[] {
  const d = topology.directory;
  const root = ids.managementGroup(ROOT_MG);
  const tenantRoot = ids.managementGroup(topology.tenantId);
  const by = d.breakGlass.id;
  const at = (scope: string, role: RoleKey, principalId: string, principalType: PrincipalType, age: number, description?: string): ArgRow =>
    roleAssignmentRow(topology.tenantId, rng, { scope, role, principalId, principalType, createdOn: daysAgo(age), createdBy: by, description });
  return [
    at(tenantRoot, 'owner', d.breakGlass.id, 'User', 1500, 'Emergency access account'),
    at(tenantRoot, 'securityReader', d.secOps.id, 'Group', 1400),
    at(root, 'owner', d.platformAdmins.id, 'Group', 1400),
    at(root, 'securityAdmin', d.secOps.id, 'Group', 1300),
    at(root, 'reader', d.cloudReaders.id, 'Group', 1300),
    at(root, 'contributor', mcsbPrincipalId, 'ServicePrincipal', 600, 'Managed identity of the mcsb-mg-root policy assignment'),
    at(ids.managementGroup('platform'), 'contributor', d.terraform.id, 'ServicePrincipal', 1200),
    at(ids.managementGroup('landing-zones'), 'userAccessAdministrator', d.terraform.id, 'ServicePrincipal', 1100),
    at(ids.managementGroup('landing-zones'), 'contributor', d.terraform.id, 'ServicePrincipal', 1100),
  ];
}

/** Subscription-level grants: owner, app team, CI service principal, readers; sandboxes are looser. */
export function writeSubscriptionAssignments(ctx: SubContext): void {
  const { sub, rng, topology } = ctx;
  const d = topology.directory;
  const scope = ids.subscription(ctx.subscriptionId);
  ctx.assign(scope, 'owner', sub.owner.id, 'User', sub.createdOn);
  ctx.assign(scope, sub.environment === 'sandbox' ? 'owner' : 'contributor', sub.devGroup.id, 'Group', sub.createdOn);
  const ci = d.servicePrincipals.find((p) => p.displayName === `sp-github-${sub.app}`);
  if (ci) ctx.assign(scope, rng.chance(0.25 * (1 - sub.hygiene)) ? 'owner' : 'contributor', ci.id, 'ServicePrincipal', sub.createdOn);
  if (rng.chance(0.5)) ctx.assign(scope, 'reader', d.groups[3].id, 'Group', sub.createdOn);
  if (rng.chance(0.3 * (1 - sub.hygiene))) {
    ctx.assign(scope, 'owner', d.users[rng.int(0, d.users.length - 2)].id, 'User', sub.createdOn);
  }
  if (rng.chance(0.1 * (1 - sub.hygiene))) {
    ctx.assign(scope, 'userAccessAdministrator', d.servicePrincipals[rng.int(0, d.servicePrincipals.length - 1)].id, 'ServicePrincipal', sub.createdOn);
  }
}
