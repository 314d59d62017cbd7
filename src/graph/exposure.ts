/**
 * The prioritisation hook: per resource, whether the internet reaches it, in how many network hops, and which
 * attack paths it is on — the `ExposureProvider` the posture module's `prioritize` multiplies points by.
 */
import type { ExposureProvider, ResourceExposure } from '../posture/index.js';
import type { AttackPath } from './attack-paths.js';
import { INTERNET_KEY } from './build-network.js';
import type { SecurityGraph } from './model.js';

/** Hop counts from the Internet along routesTrafficTo / lateralMovementTo: exposed resources are at 0. */
export function internetHops(graph: SecurityGraph, maxHops = 4): Map<number, number> {
  const hops = new Map<number, number>();
  const internet = graph.node(INTERNET_KEY);
  if (!internet) return hops;
  // Exposed resources (those with the insight) are hop 0; infrastructure in between (IPs, balancers, NICs) is not counted.
  let frontier: number[] = [];
  for (const n of graph.nodes) if (n.insights.has('exposedToInternet')) {
    hops.set(n.index, 0);
    frontier.push(n.index);
  }
  for (let h = 1; h <= maxHops && frontier.length > 0; h++) {
    const next: number[] = [];
    for (const n of frontier) {
      for (let e = graph.firstOut(n); e !== -1; e = graph.nextOut(e)) {
        if (graph.edgeKind(e) !== 'lateralMovementTo') continue;
        // VM → VNet → VMs the VNet routes to: one hop.
        for (let e2 = graph.firstOut(graph.edgeTo(e)); e2 !== -1; e2 = graph.nextOut(e2)) {
          const to = graph.edgeTo(e2);
          if (graph.edgeKind(e2) !== 'routesTrafficTo' || hops.has(to)) continue;
          hops.set(to, h);
          next.push(to);
        }
      }
    }
    frontier = next;
  }
  return hops;
}

export function exposureProvider(graph: SecurityGraph, paths: ReadonlyArray<AttackPath>): ExposureProvider & { size: number } {
  const hops = internetHops(graph);
  const onPaths = new Map<number, string[]>();
  for (const p of paths) for (const n of p.nodes) {
    const list = onPaths.get(n);
    if (list) {
      if (list[list.length - 1] !== p.id) list.push(p.id);
    } else onPaths.set(n, [p.id]);
  }
  const byKey = new Map<string, ResourceExposure>();
  const keys = new Set<number>([...hops.keys(), ...onPaths.keys()]);
  for (const n of keys) {
    const node = graph.nodes[n];
    if (node.resourceType === undefined) continue;
    const h = hops.get(n);
    const ids = onPaths.get(n);
    byKey.set(node.key, { internetExposed: h === 0, hops: h, onAttackPath: ids !== undefined, attackPaths: ids });
  }
  return { exposure: (id) => byKey.get(id.toLowerCase()), size: byKey.size };
}
