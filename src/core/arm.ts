/**
 * The shape every module shares for an ARM resource as Azure Resource Graph returns it: the estate loads these,
 * the store keeps them, the policy engine and the graph read them.
 */
/** One Azure Resource Graph row, as `az graph query` returns it. Unknown extra fields are kept. */
export interface ArgRow {
  id: string;
  type: string;
  name: string;
  tenantId?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  kind?: string;
  managedBy?: string;
  sku?: Record<string, unknown> | null;
  plan?: Record<string, unknown> | null;
  identity?: Record<string, unknown> | null;
  zones?: string[] | null;
  extendedLocation?: Record<string, unknown> | null;
  tags?: Record<string, string> | null;
  properties?: Record<string, unknown> | null;
  [extra: string]: unknown;
}

/** The Azure Resource Graph tables an estate is made of. */
export const ARG_TABLES = [
  'resources',
  'resourcecontainers',
  'authorizationresources',
  'securityresources',
  'policyresources',
] as const;

export type ArgTable = (typeof ARG_TABLES)[number];

const typeKeys = new Map<string, string>();

/**
 * An ARM type in lower case. A million rows share a few hundred type names, so each distinct string is lowered once
 * (the cache is bounded: past 4,096 names it starts again).
 */
export function lowerCaseType(type: string): string {
  let key = typeKeys.get(type);
  if (key === undefined) {
    key = type.toLowerCase();
    if (typeKeys.size >= 4096) typeKeys.clear();
    typeKeys.set(type, key);
  }
  return key;
}
