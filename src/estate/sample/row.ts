import type { ArgRow } from '../types.js';

/** The fields a builder supplies; everything else gets ARG's empty value. */
export interface RowInput {
  id: string;
  name: string;
  /** ARM casing (`Microsoft.Compute/virtualMachines`); the row carries it lower-cased, as ARG does. */
  type: string;
  kind?: string;
  location?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  managedBy?: string;
  sku?: Record<string, unknown> | null;
  plan?: Record<string, unknown> | null;
  properties?: Record<string, unknown> | null;
  tags?: Record<string, string> | null;
  identity?: Record<string, unknown> | null;
  zones?: string[] | null;
  extendedLocation?: Record<string, unknown> | null;
}

/**
 * An Azure Resource Graph row with ARG's fixed column order and empty values (`""` for strings, `null` for
 * objects). `type` and `resourceGroup` are lower-cased like ARG reports them; `id` keeps ARM's casing.
 */
export function argRow(tenantId: string, r: RowInput): ArgRow {
  return {
    id: r.id,
    name: r.name,
    type: r.type.toLowerCase(),
    tenantId,
    kind: r.kind ?? '',
    location: r.location ?? '',
    resourceGroup: r.resourceGroup === undefined ? '' : r.resourceGroup.toLowerCase(),
    subscriptionId: r.subscriptionId ?? '',
    managedBy: r.managedBy ?? '',
    sku: r.sku ?? null,
    plan: r.plan ?? null,
    properties: r.properties ?? {},
    tags: r.tags ?? null,
    identity: r.identity ?? null,
    zones: r.zones ?? null,
    extendedLocation: r.extendedLocation ?? null,
  };
}
