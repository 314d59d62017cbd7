import { ResourceId, canonicalKey } from './resource-id.js';

/**
 * The management-group hierarchy as scope containment needs it: the chain of management-group names above a
 * management group or subscription, nearest first. The estate module implements this from its MG tree.
 */
export interface ScopeHierarchy {
  /** Management group names (lower-cased keys are fine) above `scope` (a management group or subscription id). */
  managementGroupAncestors(scope: ResourceId): ReadonlyArray<string>;
}

function asId(value: ResourceId | string): ResourceId {
  return typeof value === 'string' ? ResourceId.parse(value) : value;
}

/**
 * True when `id` equals `scope` or lies below it. Lexical containment covers resource groups, resources, children
 * and extension resources; a management-group scope also contains what the hierarchy places under it.
 */
export function isWithin(scope: ResourceId | string, id: ResourceId | string, hierarchy?: ScopeHierarchy): boolean {
  const s = asId(scope);
  const target = asId(id);
  if (s.kind === 'tenant') return true;
  if (target.key === s.key || target.key.startsWith(s.key + '/')) return true;
  if (s.kind !== 'managementGroup' || hierarchy === undefined) return false;

  const mgName = (s.managementGroup ?? '').toLowerCase();
  const anchor = hierarchyAnchor(target);
  if (anchor === undefined) return false;
  if (anchor.kind === 'managementGroup' && anchor.key === s.key) return true;
  return hierarchy.managementGroupAncestors(anchor).some((name) => name.toLowerCase() === mgName);
}

/** The management group or subscription through which `id` hangs in the management-group tree. */
export function hierarchyAnchor(id: ResourceId): ResourceId | undefined {
  if (id.managementGroup !== undefined) return ResourceId.parse(`/providers/Microsoft.Management/managementGroups/${id.managementGroup}`);
  if (id.subscriptionId !== undefined) return ResourceId.parse(`/subscriptions/${id.subscriptionId}`);
  return undefined;
}

/** Case-insensitive id equality without parsing. */
export function sameId(a: string, b: string): boolean {
  return canonicalKey(a) === canonicalKey(b);
}
