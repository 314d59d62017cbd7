import { ResourceId } from '../core/index.js';
import type { ArgRow } from './types.js';

/** The generic ARM resource as `az resource list|show` prints it; `type` and `resourceGroup` keep ARM's casing. */
export function toGenericResource(row: ArgRow, options: { withProperties: boolean }): Record<string, unknown> {
  const id = ResourceId.parse(row.id);
  const out: Record<string, unknown> = {
    extendedLocation: row.extendedLocation ?? null,
    id: id.id,
    identity: row.identity ?? null,
    kind: row.kind === undefined || row.kind === '' ? null : row.kind,
    location: row.location ?? null,
    managedBy: row.managedBy === undefined || row.managedBy === '' ? null : row.managedBy,
    name: row.name,
    plan: row.plan ?? null,
    resourceGroup: id.resourceGroup ?? row.resourceGroup ?? null,
    sku: row.sku ?? null,
    tags: row.tags ?? null,
    type: id.type,
  };
  if (options.withProperties) out.properties = row.properties ?? null;
  if (Array.isArray(row.zones)) out.zones = row.zones;
  return out;
}

/** `az account management-group list` item. */
export function toManagementGroupSummary(row: ArgRow): Record<string, unknown> {
  const properties = (row.properties ?? {}) as Record<string, unknown>;
  return {
    displayName: typeof properties.displayName === 'string' ? properties.displayName : row.name,
    id: row.id,
    name: row.name,
    tenantId: (properties.tenantId as string | undefined) ?? row.tenantId ?? null,
    type: 'Microsoft.Management/managementGroups',
  };
}

/** `az account list` item (without the signed-in `user`, which a snapshot does not have). */
export function toAccountSummary(row: ArgRow): Record<string, unknown> {
  const properties = (row.properties ?? {}) as Record<string, unknown>;
  const subscriptionId = row.subscriptionId ?? ResourceId.parse(row.id).subscriptionId ?? row.name;
  return {
    cloudName: 'AzureCloud',
    homeTenantId: row.tenantId ?? null,
    id: subscriptionId,
    isDefault: false,
    managedByTenants: [],
    name: row.name,
    state: (properties.state as string | undefined) ?? 'Enabled',
    tenantId: row.tenantId ?? null,
  };
}
