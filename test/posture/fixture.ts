/**
 * Hand-built posture fixture: a management-group tree (contoso-root → mg-prod {S1, S2}, mg-dev {S3}), 25 resources,
 * and the policy states an MCSB assignment at contoso-root gives them — written out directly, one letter per
 * (recommendation, resource): C Compliant, N NonCompliant, E Exempt. The recommendations are real MCSB references
 * from the shipped catalog; the expected scores are worked out by hand in secure-score.test.ts.
 */
import { MCSB_INITIATIVE_ID } from '../../src/catalog/index.js';
import { ManagementGroupTree, type ArgRow } from '../../src/estate/index.js';
import type { PolicyComplianceState } from '../../src/policy/index.js';
import type { PolicyStateInput } from '../../src/posture/index.js';

export const S1 = '11111111-1111-1111-1111-111111111111';
export const S2 = '22222222-2222-2222-2222-222222222222';
export const S3 = '33333333-3333-3333-3333-333333333333';
export const MG = (name: string) => `/providers/Microsoft.Management/managementGroups/${name}`;
export const MCSB_ASSIGNMENT = `${MG('contoso-root')}/providers/Microsoft.Authorization/policyAssignments/mcsb`;
export const CIS_INITIATIVE = '/providers/Microsoft.Authorization/policySetDefinitions/470a962c-86a0-433b-803a-3c176b5ce79c';
export const CIS_ASSIGNMENT = `/subscriptions/${S1}/providers/Microsoft.Authorization/policyAssignments/cis`;

/** MCSB reference ids used, with the control each belongs to in catalog/posture. */
export const REF = {
  secureTransfer: 'secureTransferToStorageAccountMonitoring', // Encrypt data in transit (4)
  httpsWebApp: 'webAppEnforceHttpsMonitoring', // Encrypt data in transit (4)
  tlsWebApp: 'latestTLSVersionShouldBeUsedInYourWebAppMonitoringEffect', // Encrypt data in transit (4)
  publicAccess: 'StorageDisallowPublicAccess', // Restrict unauthorized network access (4)
  storageNetwork: 'disableUnrestrictedNetworkToStorageAccountMonitoring', // Restrict unauthorized network access (4)
  sqlPublic: 'publicNetworkAccessOnAzureSQLDatabaseShouldBeDisabledMonitoringEffect', // Restrict unauthorized network access (4)
  jit: 'jitNetworkAccessMonitoring', // Secure management ports (8)
  mgmtPorts: 'restrictAccessToManagementPortsMonitoring', // Secure management ports (8)
  systemUpdates: 'systemUpdatesV2Monitoring', // Apply system updates (6)
  sqlAuditing: 'sqlServerAuditingMonitoring', // Enable auditing and logging (1)
  kvLogs: 'diagnosticsLogsInKeyVaultMonitoring', // Enable auditing and logging (1)
  owners: 'identityDesignateMoreThanOneOwnerMonitoring', // Manage access and permissions (4)
  defenderServers: 'virtualMachinesAdvancedThreatProtectionMonitoringEffect', // Enable enhanced security features (0)
  vtpm: 'VtpmShouldBeEnabledOnSupportedVirtualMachinesMonitoringEffect', // preview: Remediate security configurations
} as const;
export type RefName = keyof typeof REF;

const TYPES = {
  st: 'Microsoft.Storage/storageAccounts',
  vm: 'Microsoft.Compute/virtualMachines',
  app: 'Microsoft.Web/sites',
  sql: 'Microsoft.Sql/servers',
  kv: 'Microsoft.KeyVault/vaults',
} as const;

export function resourceId(sub: string, kind: keyof typeof TYPES | 'sub', name: string): string {
  return kind === 'sub' ? `/subscriptions/${sub}` : `/subscriptions/${sub}/resourceGroups/rg-${name.slice(-2, -1)}/providers/${TYPES[kind]}/${name}`;
}

type Letter = 'C' | 'N' | 'E' | 'U';
const STATE: Record<Letter, PolicyComplianceState> = { C: 'Compliant', N: 'NonCompliant', E: 'Exempt', U: 'Unknown' };

export interface FixtureRow {
  sub: string;
  kind: keyof typeof TYPES | 'sub';
  name: string;
  states: Partial<Record<RefName, Letter>>;
}

/** The estate: every resource and its MCSB states. */
export const ROWS: FixtureRow[] = [
  // ---- S1 (mg-prod) — 9 resources
  { sub: S1, kind: 'st', name: 'st1a', states: { secureTransfer: 'C', publicAccess: 'N', storageNetwork: 'C' } },
  { sub: S1, kind: 'st', name: 'st1b', states: { secureTransfer: 'N', publicAccess: 'C', storageNetwork: 'C' } },
  { sub: S1, kind: 'st', name: 'st1c', states: { secureTransfer: 'C', publicAccess: 'C', storageNetwork: 'N' } },
  { sub: S1, kind: 'app', name: 'app1a', states: { httpsWebApp: 'C', tlsWebApp: 'N' } },
  { sub: S1, kind: 'sql', name: 'sql1a', states: { sqlPublic: 'E', sqlAuditing: 'N' } },
  { sub: S1, kind: 'kv', name: 'kv1a', states: { kvLogs: 'C' } },
  { sub: S1, kind: 'vm', name: 'vm1a', states: { jit: 'N', mgmtPorts: 'C', systemUpdates: 'C' } },
  { sub: S1, kind: 'vm', name: 'vm1b', states: { jit: 'C', mgmtPorts: 'C', systemUpdates: 'N', vtpm: 'N' } },
  { sub: S1, kind: 'sub', name: 'S1', states: { owners: 'C', defenderServers: 'N' } },
  // ---- S2 (mg-prod) — 8 resources
  { sub: S2, kind: 'st', name: 'st2a', states: { secureTransfer: 'C', publicAccess: 'C', storageNetwork: 'C' } },
  { sub: S2, kind: 'st', name: 'st2b', states: { secureTransfer: 'N', publicAccess: 'C', storageNetwork: 'C' } },
  { sub: S2, kind: 'app', name: 'app2a', states: { httpsWebApp: 'C', tlsWebApp: 'N' } },
  { sub: S2, kind: 'app', name: 'app2b', states: { httpsWebApp: 'N', tlsWebApp: 'N' } },
  { sub: S2, kind: 'vm', name: 'vm2a', states: { jit: 'N', mgmtPorts: 'N', systemUpdates: 'C' } },
  { sub: S2, kind: 'vm', name: 'vm2b', states: { jit: 'N', mgmtPorts: 'C', systemUpdates: 'C' } },
  { sub: S2, kind: 'vm', name: 'vm2c', states: { jit: 'C', mgmtPorts: 'C', systemUpdates: 'N' } },
  { sub: S2, kind: 'sub', name: 'S2', states: { owners: 'N', defenderServers: 'C' } },
  // ---- S3 (mg-dev) — 8 resources
  { sub: S3, kind: 'st', name: 'st3a', states: { secureTransfer: 'N', publicAccess: 'N', storageNetwork: 'C' } },
  { sub: S3, kind: 'st', name: 'st3b', states: { secureTransfer: 'N', publicAccess: 'C', storageNetwork: 'C' } },
  { sub: S3, kind: 'st', name: 'st3c', states: { secureTransfer: 'C', publicAccess: 'C', storageNetwork: 'C' } },
  { sub: S3, kind: 'st', name: 'st3d', states: { secureTransfer: 'E', publicAccess: 'C', storageNetwork: 'N' } },
  { sub: S3, kind: 'sql', name: 'sql3a', states: { sqlPublic: 'N', sqlAuditing: 'C' } },
  { sub: S3, kind: 'kv', name: 'kv3a', states: { kvLogs: 'N' } },
  { sub: S3, kind: 'vm', name: 'vm3a', states: { jit: 'N', mgmtPorts: 'N', systemUpdates: 'N' } },
  { sub: S3, kind: 'sub', name: 'S3', states: { owners: 'C', defenderServers: 'N' } },
];

/** Policy definition id of an MCSB reference, from the shipped initiative. */
export type DefinitionOf = (refId: string) => string;

export function policyStates(rows: FixtureRow[], definitionOf: DefinitionOf, options: { assignmentId?: string; setId?: string } = {}): PolicyStateInput[] {
  const out: PolicyStateInput[] = [];
  for (const r of rows) {
    const rid = resourceId(r.sub, r.kind, r.name);
    for (const [ref, letter] of Object.entries(r.states) as Array<[RefName, Letter]>) {
      out.push({
        resourceId: rid,
        subscriptionId: r.sub,
        resourceType: r.kind === 'sub' ? 'Microsoft.Resources/subscriptions' : TYPES[r.kind],
        policyAssignmentId: options.assignmentId ?? MCSB_ASSIGNMENT,
        policySetDefinitionId: options.setId ?? MCSB_INITIATIVE_ID,
        policyDefinitionReferenceId: REF[ref],
        policyDefinitionId: definitionOf(REF[ref]),
        complianceState: STATE[letter],
        reason: letter === 'N' ? `fixture: ${REF[ref]} not met` : '',
        exemptionIds: letter === 'E' ? [`${rid}/providers/Microsoft.Authorization/policyExemptions/waiver`] : [],
        timestamp: '2026-05-01T12:00:00.000Z',
      });
    }
  }
  return out;
}

/** A copy of ROWS with one resource's states replaced. */
export function withStates(rows: FixtureRow[], name: string, states: FixtureRow['states']): FixtureRow[] {
  return rows.map((r) => (r.name === name ? { ...r, states: { ...r.states, ...states } } : r));
}

/** The management-group tree of the fixture. */
export function fixtureTree(): ManagementGroupTree {
  const mg = (name: string, parent?: string): ArgRow => ({
    id: MG(name),
    type: 'Microsoft.Management/managementGroups',
    name,
    properties: { displayName: name, details: parent ? { parent: { id: MG(parent), name: parent } } : {} },
  });
  const sub = (id: string, chain: string[]): ArgRow => ({
    id: `/subscriptions/${id}`,
    type: 'Microsoft.Resources/subscriptions',
    name: id,
    subscriptionId: id,
    properties: { displayName: id, state: 'Enabled', managementGroupAncestorsChain: chain.map((n) => ({ name: n, displayName: n })) },
  });
  return ManagementGroupTree.fromRows([
    mg('contoso-root'),
    mg('mg-prod', 'contoso-root'),
    mg('mg-dev', 'contoso-root'),
    sub(S1, ['mg-prod', 'contoso-root']),
    sub(S2, ['mg-prod', 'contoso-root']),
    sub(S3, ['mg-dev', 'contoso-root']),
  ]);
}
