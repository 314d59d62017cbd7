/**
 * The resource types a rule can apply to, derived from its `field: type` conditions, so a scan evaluates a
 * definition only against the types it can match. `undefined` = any type.
 */
import { isObject, ownEntries } from './value.js';

function get(node: Record<string, unknown>, key: string): unknown {
  const hit = ownEntries(node).find(([k]) => k.toLowerCase() === key);
  return hit?.[1];
}

/** Lower-cased types for which `node` can be true; undefined when not constrained by type. */
export function typesOf(node: unknown): Set<string> | undefined {
  if (!isObject(node)) return undefined;
  const allOf = get(node, 'allof');
  if (Array.isArray(allOf)) {
    let acc: Set<string> | undefined;
    for (const c of allOf) {
      const t = typesOf(c);
      if (t === undefined) continue;
      acc = acc === undefined ? t : new Set([...acc].filter((x) => t.has(x)));
    }
    return acc;
  }
  const anyOf = get(node, 'anyof');
  if (Array.isArray(anyOf)) {
    const acc = new Set<string>();
    for (const c of anyOf) {
      const t = typesOf(c);
      if (t === undefined) return undefined;
      for (const x of t) acc.add(x);
    }
    return anyOf.length === 0 ? undefined : acc;
  }
  const field = get(node, 'field');
  if (typeof field !== 'string' || field.toLowerCase() !== 'type') return undefined;
  const eq = get(node, 'equals');
  if (typeof eq === 'string' && !eq.startsWith('[')) return new Set([eq.toLowerCase()]);
  const inList = get(node, 'in');
  if (Array.isArray(inList) && inList.every((x) => typeof x === 'string' && !x.startsWith('['))) {
    return new Set((inList as string[]).map((x) => x.toLowerCase()));
  }
  return undefined;
}
