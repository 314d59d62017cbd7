/** Plans (Microsoft.Security/pricings): validation with coded errors, extensions, updates, coverage. */
import { describe, expect, it } from 'vitest';
import { PalisadeError, type ArgRow } from '../../src/core/index.js';
import {
  PLAN_DEFINITIONS,
  applyPricingUpdate,
  computeCoverage,
  parseExtensionTokens,
  planDefinition,
  subscriptionPricings,
  toArmPricing,
  toAzPricing,
  validatePricingUpdate,
} from '../../src/posture/index.js';

function codeOf(f: () => unknown): { code: string; message: string; kind: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PalisadeError);
    const p = e as PalisadeError;
    return { code: p.code, message: p.message, kind: p.kind };
  }
  throw new Error('no error');
}

const SUB = '00000000-0000-0000-0000-000000000001';
const NOW = new Date('2026-09-01T00:00:00Z');

describe('plan validation', () => {
  it('accepts the seed article plans and sub-plans, any case for the tier', () => {
    for (const name of ['CloudPosture', 'VirtualMachines', 'StorageAccounts', 'Containers', 'SqlServers', 'KeyVaults', 'Api', 'SqlServerVirtualMachines']) {
      expect(validatePricingUpdate({ name, tier: 'standard' }).tier).toBe('Standard');
    }
    expect(validatePricingUpdate({ name: 'virtualmachines', tier: 'Standard', subPlan: 'p2' })).toMatchObject({ plan: { name: 'VirtualMachines' }, subPlan: 'P2' });
  });

  it('unknown plan, tier, sub-plan and extension are coded errors listing the valid values', () => {
    const name = codeOf(() => validatePricingUpdate({ name: 'CloudPostures', tier: 'Standard' }));
    expect(name.code).toBe('InvalidPricingName');
    expect(name.kind).toBe('validation');
    for (const p of PLAN_DEFINITIONS) expect(name.message).toContain(p.name);
    const tier = codeOf(() => validatePricingUpdate({ name: 'CloudPosture', tier: 'Premium' }));
    expect(tier.code).toBe('InvalidPricingTier');
    expect(tier.message).toContain('Valid values: Free, Standard');
    const sub = codeOf(() => validatePricingUpdate({ name: 'VirtualMachines', tier: 'Standard', subPlan: 'P3' }));
    expect(sub).toMatchObject({ code: 'InvalidSubPlan' });
    expect(sub.message).toContain('Valid values: P1, P2');
    expect(codeOf(() => validatePricingUpdate({ name: 'CloudPosture', tier: 'Standard', subPlan: 'P1' })).message).toContain('Valid values: none');
    const ext = codeOf(() => validatePricingUpdate({ name: 'CloudPosture', tier: 'Standard', extensions: [{ name: 'Nope', isEnabled: 'True' }] }));
    expect(ext.code).toBe('InvalidExtensionName');
    expect(ext.message).toContain('AgentlessVmScanning');
    expect(codeOf(() => validatePricingUpdate({ name: 'Dns', tier: 'Standard' })).code).toBe('PlanDeprecated');
    expect(codeOf(() => planDefinition('')).code).toBe('InvalidPricingName');
  });

  it('parses --extensions the way az takes them (name= starts an extension)', () => {
    expect(parseExtensionTokens(['name=ContainerSensor', 'isEnabled=True', 'name=AgentlessVmScanning', 'isEnabled=false', 'ExclusionTags=[]'])).toEqual([
      { name: 'ContainerSensor', isEnabled: 'True' },
      { name: 'AgentlessVmScanning', isEnabled: 'False', additionalExtensionProperties: { ExclusionTags: '[]' } },
    ]);
    expect(parseExtensionTokens(['name=OnUploadMalwareScanning isEnabled=True additionalExtensionProperties={"CapGBPerMonthPerStorageAccount":"10"}'])).toEqual([
      { name: 'OnUploadMalwareScanning', isEnabled: 'True', additionalExtensionProperties: { CapGBPerMonthPerStorageAccount: '10' } },
    ]);
    expect(codeOf(() => parseExtensionTokens(['isEnabled=True'])).code).toBe('InvalidExtension');
    expect(codeOf(() => parseExtensionTokens(['name=X', 'isEnabled=maybe'])).code).toBe('InvalidExtension');
  });
});

describe('pricing rows', () => {
  it('an update to Standard sets enablementTime, keeps it while Standard, merges extensions, applies the default sub-plan', () => {
    const first = applyPricingUpdate({ subscriptionId: SUB, tenantId: 't', update: validatePricingUpdate({ name: 'VirtualMachines', tier: 'Standard' }), now: NOW });
    expect(first.properties).toMatchObject({ pricingTier: 'Standard', subPlan: 'P2', enablementTime: NOW.toISOString(), resourcesCoverageStatus: 'FullyCovered' });
    const later = new Date('2026-10-01T00:00:00Z');
    const second = applyPricingUpdate({
      subscriptionId: SUB,
      tenantId: 't',
      existing: first,
      update: validatePricingUpdate({ name: 'VirtualMachines', tier: 'Standard', subPlan: 'P1', extensions: parseExtensionTokens(['name=MdeDesignatedSubscription', 'isEnabled=False']) }),
      now: later,
    });
    expect(second.properties).toMatchObject({ subPlan: 'P1', enablementTime: NOW.toISOString(), extensions: [{ name: 'MdeDesignatedSubscription', isEnabled: 'False' }] });
    const free = applyPricingUpdate({ subscriptionId: SUB, tenantId: 't', existing: second, update: validatePricingUpdate({ name: 'VirtualMachines', tier: 'Free' }), now: later });
    expect(free.properties).toEqual({ pricingTier: 'Free', freeTrialRemainingTime: 'PT0S' });
    expect(free.id).toBe(`/subscriptions/${SUB}/providers/Microsoft.Security/pricings/VirtualMachines`);
  });

  it('lists every plan (missing ones Free) in the az shape, flattened, and the ARM shape nested', () => {
    const list = subscriptionPricings(SUB, 't', []).map(toAzPricing);
    expect(list.map((p) => p.name)).toEqual(PLAN_DEFINITIONS.map((p) => p.name));
    expect(list.every((p) => p.pricingTier === 'Free')).toBe(true);
    expect(Object.keys(list[0]).sort()).toEqual(Object.keys(list[0]));
    expect(list.find((p) => p.name === 'Dns')).toMatchObject({ deprecated: true, replacedBy: ['VirtualMachines'] });
    expect(toArmPricing(subscriptionPricings(SUB, 't', [])[0])).toEqual({
      id: `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/VirtualMachines`,
      name: 'VirtualMachines',
      type: 'Microsoft.Security/pricings',
      properties: { freeTrialRemainingTime: 'PT0S', inherited: 'False', pricingTier: 'Free', resourcesCoverageStatus: 'NotCovered' },
    });
  });
});

describe('coverage', () => {
  it('lists, per plan, the subscriptions that are not Standard and the resources the plan would protect there', () => {
    const S2 = '00000000-0000-0000-0000-000000000002';
    const row = (sub: string, plan: string, tier: string) => ({ id: `/subscriptions/${sub}/providers/Microsoft.Security/pricings/${plan}`, name: plan, type: 'microsoft.security/pricings', subscriptionId: sub, properties: { pricingTier: tier } }) as ArgRow;
    const vm = (sub: string, n: string) => ({ id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${n}`, type: 'microsoft.compute/virtualmachines', subscriptionId: sub });
    const kv = (sub: string, n: string) => ({ id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${n}`, type: 'microsoft.keyvault/vaults', subscriptionId: sub });
    const coverage = computeCoverage({
      subscriptions: [
        { subscriptionId: SUB, displayName: 'a' },
        { subscriptionId: S2, displayName: 'b' },
      ],
      pricings: [row(SUB, 'CloudPosture', 'Standard'), row(SUB, 'VirtualMachines', 'Standard'), row(S2, 'CloudPosture', 'Free')],
      resources: [vm(SUB, 'v1'), vm(S2, 'v2'), kv(S2, 'k2')],
    });
    const byPlan = Object.fromEntries(coverage.map((c) => [c.plan, c]));
    expect(byPlan.CloudPosture.uncoveredSubscriptions.map((s) => [s.subscriptionId, s.resourceCount])).toEqual([[S2, 2]]);
    expect(byPlan.VirtualMachines.uncoveredSubscriptions.map((s) => s.resources)).toEqual([[vm(S2, 'v2').id]]);
    expect(byPlan.KeyVaults.uncoveredSubscriptions.map((s) => s.subscriptionId)).toEqual([S2]);
    // Subscription-wide plans list every subscription without them; type plans only those with resources.
    expect(byPlan.Arm.uncoveredSubscriptionCount).toBe(2);
    expect(byPlan.SqlServers).toBeUndefined();
  });
});
