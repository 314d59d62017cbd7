/**
 * The estate is a set of Azure Resource Graph rows. These are the ARG tables Palisade reads; a row's table
 * decides where it is stored, its `type` decides what it means.
 */
import { ARG_TABLES, type ArgTable } from '../core/index.js';

export { ARG_TABLES };
export type { ArgTable };

export function isArgTable(value: string): value is ArgTable {
  return (ARG_TABLES as readonly string[]).includes(value);
}

export type { ArgRow } from '../core/index.js';
import type { ArgRow } from '../core/index.js';

/** A validated row with its canonical key and where it came from. */
export interface EstateRecord {
  /** canonicalKey(row.id) */
  key: string;
  table: ArgTable;
  row: ArgRow;
  /** The original JSON text of the row when it was read from a file (saves re-serialising). */
  json?: string;
}

/** Well-known (lower-cased, as ARG reports them) container types. */
export const CONTAINER_TYPES = {
  managementGroup: 'microsoft.management/managementgroups',
  subscription: 'microsoft.resources/subscriptions',
  resourceGroup: 'microsoft.resources/subscriptions/resourcegroups',
} as const;

/** Which table a row of this type belongs in when the source does not say. */
export function defaultTableForType(type: string): ArgTable {
  const t = type.toLowerCase();
  if (t === CONTAINER_TYPES.managementGroup || t === CONTAINER_TYPES.subscription || t === CONTAINER_TYPES.resourceGroup) {
    return 'resourcecontainers';
  }
  if (t.startsWith('microsoft.authorization/role')) return 'authorizationresources';
  if (t.startsWith('microsoft.authorization/policy')) return 'policyresources';
  if (t.startsWith('microsoft.policyinsights/')) return 'policyresources';
  if (t.startsWith('microsoft.security/')) return 'securityresources';
  return 'resources';
}
