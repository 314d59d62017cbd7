/**
 * Which subscriptions a detection may alert for: the plan of the workload must be Standard (and, where a detection
 * says so, on a given sub-plan or with an extension enabled). The engine asks a `PlanLookup` supplied by its caller;
 * `planLookupFromPricings` builds one from the estate's `Microsoft.Security/pricings` rows (a plan without a row is
 * Free, as in Azure).
 */
import type { ArgRow } from '../core/index.js';

export interface PlanStatus {
  tier: string;
  subPlan?: string;
  /** enabled extension names (lower-case comparison) */
  extensions?: readonly string[];
}

export type PlanLookup = (subscriptionId: string, planName: string) => PlanStatus | undefined;

export interface PlanRequirement {
  plan: string;
  subPlans?: readonly string[];
  extensions?: readonly string[];
}

const enabled = (v: unknown) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true');

/** A lookup over pricing rows (`/subscriptions/{sub}/providers/Microsoft.Security/pricings/{plan}`). */
export function planLookupFromPricings(rows: readonly ArgRow[]): PlanLookup {
  const byKey = new Map<string, PlanStatus>();
  for (const row of rows) {
    const m = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.security\/pricings\/([^/]+)$/i.exec(String(row.id ?? ''));
    if (!m) continue;
    const p = (row.properties ?? {}) as Record<string, unknown>;
    const extensions = Array.isArray(p.extensions)
      ? (p.extensions as Array<Record<string, unknown>>).filter((e) => e && enabled(e.isEnabled) && typeof e.name === 'string').map((e) => String(e.name))
      : undefined;
    byKey.set(`${m[1].toLowerCase()}|${m[2].toLowerCase()}`, {
      tier: typeof p.pricingTier === 'string' ? p.pricingTier : 'Free',
      subPlan: typeof p.subPlan === 'string' ? p.subPlan : undefined,
      extensions,
    });
  }
  return (subscriptionId, planName) => byKey.get(`${subscriptionId.toLowerCase()}|${planName.toLowerCase()}`);
}

/** A lookup where every plan is Standard (tests, and `palisade detect --all-plans`). */
export const allPlansStandard: PlanLookup = () => ({ tier: 'Standard' });

/** The sub-plan Azure applies when a plan is set to Standard without one (as `az security pricing create` does). */
export const DEFAULT_SUB_PLANS: Readonly<Record<string, string>> = {
  virtualmachines: 'P2',
  storageaccounts: 'DefenderForStorageV2',
  keyvaults: 'PerKeyVault',
  arm: 'PerSubscription',
};

export function satisfies(status: PlanStatus | undefined, requirement: PlanRequirement): boolean {
  if (!status || status.tier.toLowerCase() !== 'standard') return false;
  if (requirement.subPlans && requirement.subPlans.length > 0) {
    const sub = (status.subPlan ?? DEFAULT_SUB_PLANS[requirement.plan.toLowerCase()])?.toLowerCase();
    if (!sub || !requirement.subPlans.some((s) => s.toLowerCase() === sub)) return false;
  }
  if (requirement.extensions && requirement.extensions.length > 0 && status.extensions !== undefined) {
    const on = new Set(status.extensions.map((e) => e.toLowerCase()));
    if (!requirement.extensions.every((e) => on.has(e.toLowerCase()))) return false;
  }
  return true;
}
