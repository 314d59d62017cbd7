/**
 * `securityresources` rows: the Defender for Cloud pricing (plan) of every subscription. Naked subscriptions
 * (onboarded by hand this quarter) have every plan Free; all others have Defender CSPM (CloudPosture) Standard
 * and a plausible, varied set of Standard workload plans.
 */
import type { ArgRow } from '../types.js';
import { BASE_MS, PLANS, daysAgo, type PlanName } from './constants.js';
import type { PlanSetting } from './context.js';
import type { Rng } from './prng.js';
import { argRow } from './row.js';
import type { SubscriptionProfile } from './topology.js';

/** Which plans a subscription has, decided before its resources (VM extensions etc. follow the plans). */
export function choosePlans(sub: SubscriptionProfile, rng: Rng): Map<PlanName, PlanSetting> {
  const plans = new Map<PlanName, PlanSetting>();
  const prodLike = sub.environment === 'prod' || sub.environment === 'platform';
  const p = sub.naked ? 0 : prodLike ? 0.85 : sub.environment === 'sandbox' ? 0.15 : 0.45;
  for (const plan of PLANS) {
    let setting: PlanSetting;
    if (sub.naked) setting = { tier: 'Free' };
    else if (plan === 'CloudPosture') setting = { tier: 'Standard' };
    else if (plan === 'VirtualMachines') {
      setting = rng.chance(p) || sub.busy ? { tier: 'Standard', subPlan: sub.busy || rng.chance(0.7) ? 'P2' : 'P1' } : { tier: 'Free' };
    } else if (plan === 'StorageAccounts') {
      setting = rng.chance(p) || sub.busy ? { tier: 'Standard', subPlan: 'DefenderForStorageV2' } : { tier: 'Free' };
    } else if (plan === 'KeyVaults') {
      setting = rng.chance(p) || sub.busy ? { tier: 'Standard', subPlan: 'PerKeyVault' } : { tier: 'Free' };
    } else if (plan === 'Arm') {
      setting = rng.chance(p) ? { tier: 'Standard', subPlan: 'PerSubscription' } : { tier: 'Free' };
    } else if (plan === 'Api') {
      setting = rng.chance(p * 0.4) ? { tier: 'Standard', subPlan: 'P1' } : { tier: 'Free' };
    } else if (plan === 'Containers' || plan === 'SqlServers') {
      setting = rng.chance(p) || sub.busy ? { tier: 'Standard' } : { tier: 'Free' };
    } else {
      setting = rng.chance(p * 0.5) ? { tier: 'Standard' } : { tier: 'Free' };
    }
    plans.set(plan, setting);
  }
  return plans;
}

type Extension = { name: string; isEnabled: 'True' | 'False'; additionalExtensionProperties?: Record<string, string> };

function extensionsFor(plan: PlanName, setting: PlanSetting, rng: Rng): Extension[] | undefined {
  if (setting.tier !== 'Standard') return undefined;
  const on = (name: string, enabled = true, extra?: Record<string, string>): Extension =>
    extra ? { name, isEnabled: enabled ? 'True' : 'False', additionalExtensionProperties: extra } : { name, isEnabled: enabled ? 'True' : 'False' };
  switch (plan) {
    case 'CloudPosture':
      return [
        on('SensitiveDataDiscovery', rng.chance(0.9)),
        on('ContainerRegistriesVulnerabilityAssessments'),
        on('AgentlessDiscoveryForKubernetes'),
        on('AgentlessVmScanning', true, { ExclusionTags: '[]' }),
        on('EntraPermissionsManagement', rng.chance(0.3)),
        on('ApiPosture', rng.chance(0.2)),
      ];
    case 'VirtualMachines':
      return setting.subPlan === 'P2'
        ? [on('MdeDesignatedSubscription', false), on('AgentlessVmScanning', true, { ExclusionTags: '[]' }), on('FileIntegrityMonitoring', rng.chance(0.4))]
        : [on('MdeDesignatedSubscription', false)];
    case 'StorageAccounts':
      return [on('OnUploadMalwareScanning', rng.chance(0.8), { CapGBPerMonthPerStorageAccount: '5000' }), on('SensitiveDataDiscovery', rng.chance(0.8))];
    case 'Containers':
      return [
        on('ContainerRegistriesVulnerabilityAssessments'),
        on('AgentlessDiscoveryForKubernetes'),
        on('ContainerSensor', rng.chance(0.8)),
        on('AgentlessVmScanning', true, { ExclusionTags: '[]' }),
      ];
    default:
      return undefined;
  }
}

export function pricingRows(tenantId: string, sub: SubscriptionProfile, plans: ReadonlyMap<PlanName, PlanSetting>, rng: Rng): ArgRow[] {
  const rows: ArgRow[] = [];
  for (const plan of PLANS) {
    const setting = plans.get(plan) ?? { tier: 'Free' };
    const properties: Record<string, unknown> = { pricingTier: setting.tier };
    if (setting.subPlan) properties.subPlan = setting.subPlan;
    properties.freeTrialRemainingTime = 'PT0S';
    if (setting.tier === 'Standard') {
      const subAge = (BASE_MS - Date.parse(sub.createdOn)) / 86_400_000;
      properties.enablementTime = daysAgo(rng.real(1, Math.max(2, Math.min(subAge, 700))));
    }
    const extensions = extensionsFor(plan, setting, rng);
    if (extensions) properties.extensions = extensions;
    if (setting.tier === 'Standard') properties.resourcesCoverageStatus = 'FullyCovered';
    rows.push(
      argRow(tenantId, {
        id: `/subscriptions/${sub.subscriptionId}/providers/Microsoft.Security/pricings/${plan}`,
        name: plan,
        type: 'Microsoft.Security/pricings',
        subscriptionId: sub.subscriptionId,
        properties,
      }),
    );
  }
  return rows;
}
