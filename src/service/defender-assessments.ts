/**
 * Assessments Defender for Cloud writes about the estate itself, which an estate snapshot may lack: today the
 * vulnerability-assessment coverage of virtual machines (`Microsoft.Security/assessments/ffff0522-…`), which the
 * MCSB policy "A vulnerability assessment solution should be enabled on your virtual machines" reads. Defender marks a
 * machine Healthy when a scanner covers it — for Palisade, when agentless scanning is provisioned in its subscription
 * (see agentless-scanning.ts) — and Unhealthy otherwise.
 *
 * Only derived when the estate holds no such assessment at all: an Azure Resource Graph export carries Defender's own.
 */
import { canonicalKey } from '../core/index.js';
import type { ArmResource } from '../policy/index.js';
import type { ScanningStatus } from './agentless-scanning.js';

export const VM_VULNERABILITY_ASSESSMENT_KEY = 'ffff0522-1e88-47fc-8382-2a80ba848f5d';
const VM_TYPES = new Set(['microsoft.compute/virtualmachines']);
const ASSESSMENT_TYPE = 'microsoft.security/assessments';

/** Whether the estate carries Defender's own VM vulnerability-assessment rows (then nothing is derived). */
export function hasOwnVulnerabilityAssessments(resources: Iterable<ArmResource>): boolean {
  for (const r of resources) {
    if (String(r.type).toLowerCase() === ASSESSMENT_TYPE && String(r.name).toLowerCase() === VM_VULNERABILITY_ASSESSMENT_KEY) return true;
  }
  return false;
}

function subscriptionOf(id: string): string {
  return (/^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '').toLowerCase();
}

/** The derived assessment row of each VM, by the row's canonical key. */
export function vulnerabilityAssessmentRows(vmIds: Iterable<string>, scanning: ReadonlyMap<string, ScanningStatus>): Map<string, ArmResource> {
  const out = new Map<string, ArmResource>();
  for (const vmId of vmIds) {
    const status = scanning.get(subscriptionOf(vmId));
    const healthy = status?.provisioned === true;
    const id = `${vmId}/providers/Microsoft.Security/assessments/${VM_VULNERABILITY_ASSESSMENT_KEY}`;
    out.set(canonicalKey(id), {
      id,
      name: VM_VULNERABILITY_ASSESSMENT_KEY,
      type: 'Microsoft.Security/assessments',
      properties: {
        resourceDetails: { Source: 'Azure', Id: vmId },
        displayName: 'Machines should have a vulnerability assessment solution',
        status: healthy
          ? { code: 'Healthy', description: `Agentless scanning covers this machine (${status!.plan}).` }
          : {
              code: 'Unhealthy',
              cause: status?.reason === 'deniedByPolicy' ? 'ScannerBlockedByPolicy' : 'NoVulnerabilityAssessmentSolution',
              description:
                status?.reason === 'deniedByPolicy'
                  ? `Agentless scanning cannot run: assignment '${status.blockedBy?.policyAssignmentName}' denies its snapshot disks.`
                  : 'No vulnerability assessment solution covers this machine: turn on Defender CSPM or Defender for Servers Plan 2.',
            },
        additionalData: { source: 'palisade:agentless-scanning' },
      },
    } as unknown as ArmResource);
  }
  return out;
}

export function isVirtualMachine(r: ArmResource): boolean {
  return VM_TYPES.has(String(r.type).toLowerCase());
}
