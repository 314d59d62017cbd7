import type { AttackPath, AttackPathConnection } from '../types';

/**
 * The choke points of a path: the `routesTrafficTo` connections that carry the NSG rules admitting the internet
 * (Palisade also lists them in `properties.chokePoints` as "routesTrafficTo <from name> → <to name>").
 */
export function isChokeConnection(path: AttackPath, c: AttackPathConnection): boolean {
  if (c.title === 'routesTrafficTo' && Array.isArray(c.properties?.nsgRules) && (c.properties.nsgRules as unknown[]).length > 0) return true;
  const names = new Map(path.properties.graphComponent.entities.map((e) => [e.entityInternalId, e.entityName]));
  const text = `${c.title} ${names.get(c.sourceEntityInternalId) ?? c.sourceEntityInternalId} → ${names.get(c.targetEntityInternalId) ?? c.targetEntityInternalId}`;
  return (path.properties.chokePoints ?? []).includes(text);
}
