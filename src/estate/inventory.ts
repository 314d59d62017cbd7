import { ManagementGroupTree } from './mg-tree.js';
import type { ArgRow } from './types.js';

export interface InventorySummary {
  managementGroups: Array<{ name: string; displayName: string; parent: string | null; depth: number; subscriptions: number }>;
  subscriptions: { total: number; byManagementGroup: Record<string, number> };
  resources: { total: number; byType: Array<{ type: string; count: number }> };
  plans: Array<{ plan: string; standard: number; free: number; subscriptionsWithoutPricing: number }>;
}

/**
 * The inventory an operator wants first: the management-group tree, subscriptions, resources by type and which
 * Defender plans are on. Pure: containers and pricing rows in, summary out.
 */
export function summarizeInventory(input: {
  containers: ArgRow[];
  resourceCounts: Array<{ type: string; count: number }>;
  pricings: ArgRow[];
}): InventorySummary {
  const tree = ManagementGroupTree.fromRows(input.containers);
  const subs = tree.subscriptions();
  const byGroup: Record<string, number> = {};
  for (const sub of subs) {
    const parent = sub.chain[0] ?? '(none)';
    byGroup[parent] = (byGroup[parent] ?? 0) + 1;
  }

  const groups: InventorySummary['managementGroups'] = [];
  const visit = (name: string, depth: number, parent: string | null): void => {
    const node = tree.managementGroup(name);
    if (!node) return;
    groups.push({ name: node.name, displayName: node.displayName, parent, depth, subscriptions: byGroup[node.name] ?? 0 });
    for (const child of tree.childGroups(node.name).sort((a, b) => a.name.localeCompare(b.name))) visit(child.name, depth + 1, node.name);
  };
  for (const root of tree.roots()) visit(root.name, 0, null);

  const planTiers = new Map<string, { standard: Set<string>; free: Set<string> }>();
  for (const row of input.pricings) {
    const tier = String(((row.properties ?? {}) as Record<string, unknown>).pricingTier ?? 'Free');
    const entry = planTiers.get(row.name) ?? { standard: new Set<string>(), free: new Set<string>() };
    (tier.toLowerCase() === 'standard' ? entry.standard : entry.free).add((row.subscriptionId ?? '').toLowerCase());
    planTiers.set(row.name, entry);
  }
  const plans = [...planTiers.entries()]
    .map(([plan, tiers]) => ({
      plan,
      standard: tiers.standard.size,
      free: tiers.free.size,
      subscriptionsWithoutPricing: Math.max(0, subs.length - tiers.standard.size - tiers.free.size),
    }))
    .sort((a, b) => a.plan.localeCompare(b.plan));

  const byType = input.resourceCounts
    .filter((entry) => !entry.type.startsWith('microsoft.resources/subscriptions') && entry.type !== 'microsoft.management/managementgroups')
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
  return {
    managementGroups: groups,
    subscriptions: { total: subs.length, byManagementGroup: byGroup },
    resources: { total: byType.reduce((sum, e) => sum + e.count, 0), byType },
    plans,
  };
}

/** A human-readable rendering of the summary for `palisade start`. */
export function renderInventory(summary: InventorySummary): string {
  const lines: string[] = [];
  lines.push('Management groups');
  for (const group of summary.managementGroups) {
    const subs = group.subscriptions > 0 ? `  (${group.subscriptions} subscription${group.subscriptions === 1 ? '' : 's'})` : '';
    lines.push(`  ${'  '.repeat(group.depth)}${group.name}${group.displayName !== group.name ? ` — ${group.displayName}` : ''}${subs}`);
  }
  lines.push('', `Subscriptions: ${summary.subscriptions.total}`, '', `Resources: ${summary.resources.total}`);
  const width = Math.max(4, ...summary.resources.byType.map((e) => e.type.length));
  for (const entry of summary.resources.byType) lines.push(`  ${entry.type.padEnd(width)}  ${String(entry.count).padStart(8)}`);
  lines.push('', 'Defender plans (subscriptions)');
  const planWidth = Math.max(4, ...summary.plans.map((p) => p.plan.length));
  lines.push(`  ${'plan'.padEnd(planWidth)}  standard      free`);
  for (const plan of summary.plans) {
    lines.push(`  ${plan.plan.padEnd(planWidth)}  ${String(plan.standard).padStart(8)}  ${String(plan.free).padStart(8)}`);
  }
  return lines.join('\n') + '\n';
}
