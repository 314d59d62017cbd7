/**
 * Whether Defender's agentless scanner can run in each subscription, and if not, why.
 *
 * Scanning needs Defender CSPM (or Defender for Servers Plan 2) on the subscription, and the scanner must be able to
 * create snapshot disks in its resource group (`DefenderForCloud-Scanner`). Palisade checks the second part with the
 * policy engine: a probe `Microsoft.Compute/snapshots` resource in that resource group's region is evaluated against
 * every assignment and exemption of the estate; a Deny that is not exempted blocks the scanner. This is the
 * article's enterprise-scenario failure: "a pre-existing deny policy on the management group blocked the scanner's
 * snapshot disks in a restricted region, so the attack-paths blade was empty".
 *
 * Scanner output marked `agentless` (the sample's, or a directory imported with a `findings/agentless.json` marker)
 * reaches the security graph only for subscriptions where scanning is provisioned.
 */
import { canonicalKey, type ArgRow } from '../core/index.js';
import { PolicyScanner, type ArmResource } from '../policy/index.js';
import { PolicySession } from './policy-session.js';
import { estateSubscriptions, pricingRows } from './posture-session.js';
import type { ServiceContext } from './context.js';

export const SCANNER_RESOURCE_GROUP = 'DefenderForCloud-Scanner';
const SNAPSHOT_TYPE = 'Microsoft.Compute/snapshots';

export interface ScanningBlock {
  policyAssignmentId: string;
  policyAssignmentName: string;
  policyDefinitionId: string;
  /** the scanner resource group's region */
  region: string;
  resourceGroupId: string;
  /** the exemption that carves the scanner out (the article's fix) */
  exemptionCommand: string;
}

export interface ScanningStatus {
  subscriptionId: string;
  provisioned: boolean;
  /** why not, when not provisioned */
  reason?: 'planOff' | 'deniedByPolicy';
  /** the plan that turns scanning on (CloudPosture, or VirtualMachines P2), when one is on */
  plan?: 'CloudPosture' | 'VirtualMachines/P2';
  blockedBy?: ScanningBlock;
}

function tierOf(rows: ArgRow[], subscriptionId: string, plan: string): { tier?: string; subPlan?: string } {
  const row = rows.find((r) => String(r.subscriptionId ?? '').toLowerCase() === subscriptionId.toLowerCase() && String(r.name).toLowerCase() === plan.toLowerCase());
  const props = (row?.properties ?? {}) as Record<string, unknown>;
  return { tier: typeof props.pricingTier === 'string' ? props.pricingTier : undefined, subPlan: typeof props.subPlan === 'string' ? props.subPlan : undefined };
}

/** The agentless scanning status of every subscription of the estate, by lower-case subscription id. */
export async function agentlessScanningStatus(ctx: ServiceContext, policy?: PolicySession): Promise<Map<string, ScanningStatus>> {
  const subs = await estateSubscriptions(ctx);
  const pricings = await pricingRows(ctx);
  const out = new Map<string, ScanningStatus>();
  const probes: Array<{ status: ScanningStatus; probe: ArmResource; rg: ArgRow }> = [];
  const session = policy ?? (await PolicySession.open(ctx));
  for (const sub of subs) {
    const cspm = tierOf(pricings, sub.subscriptionId, 'CloudPosture');
    const servers = tierOf(pricings, sub.subscriptionId, 'VirtualMachines');
    const plan = cspm.tier === 'Standard' ? 'CloudPosture' : servers.tier === 'Standard' && servers.subPlan === 'P2' ? 'VirtualMachines/P2' : undefined;
    const status: ScanningStatus = plan ? { subscriptionId: sub.subscriptionId, provisioned: true, plan } : { subscriptionId: sub.subscriptionId, provisioned: false, reason: 'planOff' };
    out.set(sub.subscriptionId.toLowerCase(), status);
    if (!plan) continue;
    const rg = session.containers.get(canonicalKey(`/subscriptions/${sub.subscriptionId}/resourceGroups/${SCANNER_RESOURCE_GROUP}`));
    if (!rg || typeof rg.location !== 'string' || rg.location === '') continue;
    const id = `${rg.id}/providers/${SNAPSHOT_TYPE}/palisade-scanner-probe`;
    probes.push({ status, rg, probe: { id, name: 'palisade-scanner-probe', type: SNAPSHOT_TYPE, location: rg.location, properties: {} } as unknown as ArmResource });
  }
  if (probes.length === 0) return out;
  const scanner = new PolicyScanner({
    resources: [...session.containers.values(), ...probes.map((p) => p.probe)] as ArmResource[],
    assignments: session.assignments().map(PolicySession.toAssignment),
    exemptions: session.exemptions().map(PolicySession.toExemption),
    definitions: session.definitions,
    aliases: session.catalog.aliases(),
    hierarchy: session.tree,
    clock: session.clock,
  });
  scanner.scan();
  for (const { status, probe, rg } of probes) {
    const denied = scanner.statesFor(probe.id).find((s) => s.effect === 'deny' && s.complianceState === 'NonCompliant');
    if (!denied) continue;
    status.provisioned = false;
    status.reason = 'deniedByPolicy';
    status.blockedBy = {
      policyAssignmentId: denied.policyAssignmentId,
      policyAssignmentName: denied.policyAssignmentName,
      policyDefinitionId: denied.policyDefinitionId,
      region: String(rg.location),
      resourceGroupId: String(rg.id),
      exemptionCommand: `palisade policy exemption create --name allow-defender-scanner-snapshots --policy-assignment ${denied.policyAssignmentName} --exemption-category Mitigated --scope ${rg.id}`,
    };
  }
  return out;
}

/** A stable fingerprint of which subscriptions scan (to tell whether a write changed it). */
export function scanningFingerprint(status: ReadonlyMap<string, ScanningStatus>): string {
  return [...status.values()]
    .filter((s) => s.provisioned)
    .map((s) => s.subscriptionId.toLowerCase())
    .sort()
    .join(',');
}
