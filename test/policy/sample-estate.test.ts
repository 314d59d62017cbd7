/**
 * The MCSB initiative over the sample estate, hand-verified.
 *
 * A small sample (12 subscriptions, ~1,500 resource rows, seed 'policy-acceptance' — small, yet holding every
 * resource type the full-size sample has) is generated, loaded and scanned the way `palisade policy ...` does it
 * (src/service/policy-session.ts: every table but policyresources as resources; assignments, exemptions and custom
 * definitions from policyresources; built-ins and aliases from the shipped catalog; the management-group tree as the
 * hierarchy), with the clock at the sample's base time. Then:
 *  (a) every one of the 223 MCSB references is accounted for: it produced states, or it is counted under a stated
 *      reason (the scanner's definition-level reasons, assessments Defender computes that the estate lacks, or no
 *      resource of the sample it applies to);
 *  (b) for chosen resources — compliant and non-compliant ones of every type that gets MCSB states, and a NIC, NSG,
 *      public IP and disk, which no MCSB reference can reach — the state of several MCSB references is the one
 *      worked out by hand from the resource's JSON and the policy rule (the reasoning is next to each expectation;
 *      the JSON facts it rests on are asserted first). Resources are picked by name, stable for the seed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, normalizePolicyResource, type CatalogIssue, type PolicyResource } from '../../src/catalog/index.js';
import { canonicalKey, fixedClock } from '../../src/core/index.js';
import { generateSample, loadEstate, type ManagementGroupTree, type SampleManifest } from '../../src/estate/index.js';
import {
  PolicyScanner,
  assignmentApplies,
  evaluate,
  isEvaluatedType,
  resolveAssignment,
  type ArmResource,
  type DefinitionSource,
  type PolicyAssignment,
  type PolicyExemption,
  type PolicyStateRecord,
  type ScanResult,
} from '../../src/policy/index.js';

const MCSB_SET = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
const MCSB_ASSIGNMENT = '/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Authorization/policyAssignments/mcsb-mg-root';
const TABLES = new Set(['resources', 'resourcecontainers', 'securityresources', 'authorizationresources']);

interface Loaded {
  manifest: SampleManifest;
  resources: ArmResource[];
  tree: ManagementGroupTree;
  scanner: PolicyScanner;
  result: ScanResult;
  /** MCSB states by lower-cased resource id, then reference id. */
  mcsb: Map<string, Map<string, PolicyStateRecord>>;
}

let dir: string;
let loaded: Loaded;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-policy-acceptance-'));
  const manifest = await generateSample({ outDir: dir, subscriptions: 12, resources: 1500, seed: 'policy-acceptance' });
  const load = await loadEstate([dir]);
  const resources: ArmResource[] = [];
  const assignments: PolicyAssignment[] = [];
  const exemptions: PolicyExemption[] = [];
  const customs = new Map<string, PolicyResource>();
  const issues: CatalogIssue[] = [];
  for await (const batch of load.batches()) {
    for (const rec of batch) {
      const type = rec.row.type.toLowerCase();
      if (rec.table === 'policyresources') {
        if (type === 'microsoft.authorization/policyassignments') assignments.push({ id: rec.row.id, name: rec.row.name, type: 'Microsoft.Authorization/policyAssignments', properties: rec.row.properties } as unknown as PolicyAssignment);
        else if (type === 'microsoft.authorization/policyexemptions') exemptions.push({ id: rec.row.id, name: rec.row.name, type: 'Microsoft.Authorization/policyExemptions', properties: rec.row.properties } as unknown as PolicyExemption);
        else if (type === 'microsoft.authorization/policydefinitions' || type === 'microsoft.authorization/policysetdefinitions') {
          const r = normalizePolicyResource(rec.row, 'estate', [], issues);
          if (r) customs.set(canonicalKey(rec.row.id), r);
        }
      } else if (TABLES.has(rec.table)) resources.push(rec.row as ArmResource);
    }
  }
  const catalog = loadCatalog();
  const definitions: DefinitionSource = (id) => customs.get(canonicalKey(id)) ?? catalog.resolve(id);
  const scanner = new PolicyScanner({ resources, assignments, exemptions, definitions, aliases: catalog.aliases(), hierarchy: load.tree, clock: fixedClock(manifest.baseTime) });
  const result = scanner.scan();
  const mcsb = new Map<string, Map<string, PolicyStateRecord>>();
  for (const s of result.states) {
    if (canonicalKey(s.policyAssignmentId) !== canonicalKey(MCSB_ASSIGNMENT)) continue;
    const k = s.resourceId.toLowerCase();
    const m = mcsb.get(k) ?? new Map<string, PolicyStateRecord>();
    m.set(s.policyDefinitionReferenceId, s);
    mcsb.set(k, m);
  }
  loaded = { manifest, resources, tree: load.tree, scanner, result, mcsb };
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Where each MCSB reference ended up: 'Evaluated' (it produced states) or the reason it did not. */
type Account = 'Evaluated' | 'ResourceProviderMode' | 'EffectDisabled' | 'AssessmentNotInEstate' | 'NoApplicableResource' | string;

/**
 * Re-evaluates one reference over the estate outside the scanner (same compiled policy, same scope check, same
 * context) and tallies the engine's states, to tell a reference whose evaluations all needed a Defender assessment
 * from one that no resource of the sample meets.
 */
function tally(scanner: PolicyScanner, resources: ArmResource[], referenceId: string, now: Date): Record<string, number> {
  const a = scanner.assignment(MCSB_ASSIGNMENT)!;
  const ref = resolveAssignment(a, scanner.definitions).references.find((r) => r.referenceId === referenceId)!;
  const compiled = scanner.compiler.compile(ref.definitionId, ref.parameters).compiled!;
  const out: Record<string, number> = {};
  for (const r of resources) {
    const typeKey = r.type.toLowerCase();
    if (!isEvaluatedType(typeKey) || (compiled.types !== undefined && !compiled.types.has(typeKey))) continue;
    const facts = scanner.facts(r);
    if (!assignmentApplies(a, facts)) continue;
    const c = scanner.containerObjects(facts);
    const policy = { assignmentId: a.id, definitionId: ref.definitionId, setDefinitionId: MCSB_SET, definitionReferenceId: referenceId };
    const ctx = { host: scanner.index, requestContext: { apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : scanner.apiVersion }, subscription: c.subscription, resourceGroup: c.resourceGroup, policy, now };
    const state = evaluate(compiled, r, ctx).state;
    out[state] = (out[state] ?? 0) + 1;
  }
  return out;
}

function accounts(): { byRef: Map<string, Account>; counts: Record<string, number>; unknownEvaluations: number } {
  const { scanner, result, resources, mcsb, manifest } = loaded;
  const a = scanner.assignment(MCSB_ASSIGNMENT)!;
  const resolved = resolveAssignment(a, scanner.definitions);
  const evaluated = new Set<string>();
  for (const m of mcsb.values()) for (const ref of m.keys()) evaluated.add(ref);
  const reasons = new Map(result.notEvaluatedReferences.filter((e) => canonicalKey(e.policyAssignmentId) === canonicalKey(MCSB_ASSIGNMENT)).map((e) => [e.policyDefinitionReferenceId, e.reason]));
  const byRef = new Map<string, Account>();
  let unknownEvaluations = 0;
  for (const ref of resolved.references) {
    const id = ref.referenceId;
    const reason = reasons.get(id);
    if (evaluated.has(id)) {
      expect(reason, id).toBeUndefined();
      byRef.set(id, 'Evaluated');
      continue;
    }
    if (reason !== undefined) {
      byRef.set(id, reason);
      continue;
    }
    // No states and no definition-level reason: every evaluation ended NotApplicable, or Unknown for want of a
    // Defender assessment (AuditIfNotExists on Microsoft.Security/assessments with none in the estate).
    const t = tally(scanner, resources, id, new Date(manifest.baseTime));
    const states = Object.keys(t).filter((s) => s !== 'NotApplicable');
    if (states.length === 0) byRef.set(id, 'NoApplicableResource');
    else {
      expect(states, id).toEqual(['Unknown']);
      expect(scanner.compiler.info(ref.definitionId)?.detailsType, id).toBe('microsoft.security/assessments');
      unknownEvaluations += t.Unknown;
      byRef.set(id, 'AssessmentNotInEstate');
    }
  }
  const counts: Record<string, number> = {};
  for (const v of byRef.values()) counts[v] = (counts[v] ?? 0) + 1;
  return { byRef, counts, unknownEvaluations };
}

/** The engine's own answer for one (resource, reference), outside the scanner: 'NotApplicable', 'Unknown', ... */
function engineState(resource: ArmResource, referenceId: string): string {
  const { scanner, manifest } = loaded;
  const a = scanner.assignment(MCSB_ASSIGNMENT)!;
  const ref = resolveAssignment(a, scanner.definitions).references.find((r) => r.referenceId === referenceId);
  if (!ref) throw new Error(`no MCSB reference '${referenceId}'`);
  const compiled = scanner.compiler.compile(ref.definitionId, ref.parameters).compiled;
  if (!compiled) return 'NotCompiled';
  const typeKey = resource.type.toLowerCase();
  if (compiled.types !== undefined && !compiled.types.has(typeKey)) return 'NotApplicable';
  const facts = scanner.facts(resource);
  const c = scanner.containerObjects(facts);
  const policy = { assignmentId: a.id, definitionId: ref.definitionId, setDefinitionId: MCSB_SET, definitionReferenceId: referenceId };
  const apiVersion = typeof resource.apiVersion === 'string' ? resource.apiVersion : scanner.apiVersion;
  return evaluate(compiled, resource, { host: scanner.index, requestContext: { apiVersion }, subscription: c.subscription, resourceGroup: c.resourceGroup, policy, now: new Date(manifest.baseTime) }).state;
}

function read(o: unknown, path: string): unknown {
  let v = o;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

interface Expectation {
  type: string;
  /** The resource's name, or (for names that repeat in the sample) a unique suffix of its id. */
  name: string;
  /** What the resource's JSON says (dotted paths), checked first: the expectations below were reasoned from it. */
  facts: Record<string, unknown>;
  /**
   * MCSB reference → Compliant | NonCompliant | Exempt (a state record), Unknown (no record: the definition needs a
   * Defender assessment the estate lacks — counted under AssessmentNotInEstate) or NotApplicable (no record).
   */
  states: Record<string, string>;
}

// Every expectation below was worked out by reading the resource row in the generated files and the policy rule in
// catalog/policy (all parameters at the MCSB defaults; the scan's requestContext().apiVersion is 2025-01-01).
const EXPECTED: Expectation[] = [
  // ── storage accounts ──────────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.Storage/storageAccounts',
    name: 'stcheckoutp2ggl57',
    facts: { 'properties.allowBlobPublicAccess': true, 'properties.supportsHttpsTrafficOnly': true, 'properties.allowSharedKeyAccess': false, 'properties.networkAcls.defaultAction': 'Deny', 'properties.networkAcls.ipRules': [], 'properties.privateEndpointConnections': [] },
    states: {
      StorageDisallowPublicAccess: 'NonCompliant', // 4fa4b6c0: allowBlobPublicAccess true is not "false" → the rule matches → NonCompliant
      secureTransferToStorageAccountMonitoring: 'Compliant', // 404c3081: supportsHttpsTrafficOnly true (not "false"), API ≥ 2019-04-01 → no match
      storageAccountsShouldPreventSharedKeyAccess: 'Compliant', // 8c6a50c6: allowSharedKeyAccess false exists, is not "" nor "true"
      storageAccountsShouldRestrictNetworkAccessUsingVirtualNetworkRulesMonitoringEffect: 'Compliant', // 2a1a9cdf: defaultAction Deny and 0 ipRules
      storageAccountShouldUseAPrivateLinkConnectionMonitoringEffect: 'NonCompliant', // 6edd7eda: AINE, no privateEndpointConnections child with status Approved
      classicStorageAccountsMonitoring: 'Compliant', // 37e0d2fe: type is Microsoft.Storage, not Microsoft.ClassicStorage
    },
  },
  {
    type: 'Microsoft.Storage/storageAccounts',
    name: 'stpaymentspioh5g',
    facts: { 'properties.allowBlobPublicAccess': false, 'properties.networkAcls.defaultAction': 'Deny', 'properties.networkAcls.ipRules': [{ value: '203.0.113.0/24', action: 'Allow' }] },
    states: {
      StorageDisallowPublicAccess: 'Compliant', // 4fa4b6c0: allowBlobPublicAccess false equals "false" → no match
      storageAccountsShouldRestrictNetworkAccessUsingVirtualNetworkRulesMonitoringEffect: 'NonCompliant', // 2a1a9cdf: Deny, but count(ipRules[*]) = 1 ≥ 1
    },
  },
  {
    type: 'Microsoft.Storage/storageAccounts',
    name: 'stcheckoutpn9axa',
    facts: { 'properties.supportsHttpsTrafficOnly': false, 'properties.allowSharedKeyAccess': true, 'properties.allowBlobPublicAccess': false },
    states: {
      secureTransferToStorageAccountMonitoring: 'NonCompliant', // 404c3081: supportsHttpsTrafficOnly equals "false"
      storageAccountsShouldPreventSharedKeyAccess: 'NonCompliant', // 8c6a50c6: allowSharedKeyAccess equals "true"
      StorageDisallowPublicAccess: 'Compliant', // 4fa4b6c0: allowBlobPublicAccess false
    },
  },
  {
    // In rg-storefront-shared-prod-005, where the sample's Mitigated exemption "storefront-network-mitigated" covers
    // the reference storageAccountsShouldRestrictNetworkAccessUsingVirtualNetworkRulesMonitoringEffect (no expiry).
    type: 'Microsoft.Storage/storageAccounts',
    name: 'ststorefrop2vadrk',
    facts: { resourceGroup: 'rg-storefront-shared-prod-005', 'properties.networkAcls.defaultAction': 'Deny', 'properties.networkAcls.ipRules': [], 'properties.allowSharedKeyAccess': false },
    states: {
      storageAccountsShouldRestrictNetworkAccessUsingVirtualNetworkRulesMonitoringEffect: 'Exempt', // compliant by the rule, but exempt (Mitigated) at its RG
      storageAccountsShouldRestrictNetworkAccessUsingVirtualNetworkRulesExDataBricksMonitoringEffect: 'Compliant', // db4f9b05: same condition, not exempted
      storageAccountsShouldPreventSharedKeyAccess: 'Compliant', // 8c6a50c6: allowSharedKeyAccess false
    },
  },
  // ── virtual machines ──────────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.Compute/virtualMachines',
    name: 'vm-checkout-0009',
    facts: { 'properties.securityProfile.encryptionAtHost': true, 'properties.storageProfile.imageReference.publisher': 'Canonical', 'properties.storageProfile.osDisk.osType': 'Linux', 'properties.osProfile.linuxConfiguration.patchSettings.assessmentMode': 'AutomaticByPlatform' },
    states: {
      virtualMachinesAndVirtualMachineScaleSetsShouldHaveEncryptionAtHostEnabled: 'Compliant', // fc4d8e41: encryptionAtHost true equals "true"
      systemUpdatesAutoAssessmentMode: 'Compliant', // bd876905: Canonical image matches; Linux assessmentMode is AutomaticByPlatform
      azureBackupShouldBeEnabledForVirtualMachinesMonitoringEffect: 'NonCompliant', // 013e242c: AINE, the estate has no Microsoft.RecoveryServices/backupprotecteditems
      classicComputeVMsMonitoring: 'Compliant', // 1d84d5fb: type is not Microsoft.ClassicCompute/virtualMachines
      jitNetworkAccessMonitoring: 'Unknown', // b0f33259: AINE on Microsoft.Security/assessments, none in the estate
    },
  },
  {
    type: 'Microsoft.Compute/virtualMachines',
    name: 'vm-checkout-0004',
    facts: { 'properties.securityProfile.encryptionAtHost': undefined, 'properties.storageProfile.imageReference.publisher': 'Canonical', 'properties.osProfile.linuxConfiguration.patchSettings.assessmentMode': 'ImageDefault' },
    states: {
      virtualMachinesAndVirtualMachineScaleSetsShouldHaveEncryptionAtHostEnabled: 'NonCompliant', // fc4d8e41: missing encryptionAtHost notEquals "true"
      systemUpdatesAutoAssessmentMode: 'NonCompliant', // bd876905: Canonical; Linux assessmentMode ImageDefault ≠ AutomaticByPlatform
    },
  },
  {
    // Internet-exposed jump box: NIC with a public IP and its own NSG. MCSB judges NSGs through assessments on the VM.
    type: 'Microsoft.Compute/virtualMachines',
    name: 'vm-storefront-jumpbox-01',
    facts: { 'properties.storageProfile.osDisk.osType': 'Linux' },
    states: {
      networkSecurityGroupsOnVirtualMachinesMonitoring: 'Unknown', // f6de0be7: assessment needed (Defender computes it)
      restrictAccessToManagementPortsMonitoring: 'Unknown', // 22730e10: assessment needed
      classicComputeVMsMonitoring: 'Compliant', // 1d84d5fb: ARM VM
    },
  },
  // NIC, NSG, public IP and disk: no MCSB reference can apply to these types (checked against the scanner's type
  // index below); their recommendations are the VM assessments above, and e71308d3 (subnets) is Disabled by default.
  { type: 'Microsoft.Network/networkInterfaces', name: 'vm-storefront-jumpbox-01-nic01', facts: { 'properties.networkSecurityGroup.id': '/subscriptions/1adea097-6aea-47b4-ae40-f86a0af8f1a5/resourceGroups/rg-storefront-edge-prod-001/providers/Microsoft.Network/networkSecurityGroups/vm-storefront-jumpbox-01-nsg' }, states: { networkSecurityGroupsOnVirtualMachinesMonitoring: 'NotApplicable' } },
  { type: 'Microsoft.Network/networkSecurityGroups', name: 'vm-storefront-jumpbox-01-nsg', facts: {}, states: { networkSecurityGroupsOnSubnetsMonitoring: 'NotApplicable' } },
  { type: 'Microsoft.Network/publicIPAddresses', name: 'vm-storefront-jumpbox-01-pip', facts: { 'properties.publicIPAllocationMethod': 'Static' }, states: { networkSecurityGroupsOnVirtualMachinesMonitoring: 'NotApplicable' } },
  { type: 'Microsoft.Compute/disks', name: 'vm-storefront-jumpbox-01_OsDisk_1_81651900e09a9b5b999ac8353b125866', facts: {}, states: { virtualMachinesAndVirtualMachineScaleSetsShouldHaveEncryptionAtHostEnabled: 'NotApplicable' } },
  // ── virtual network ───────────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.Network/virtualNetworks',
    name: 'vnet-storefront-prod-westeurope',
    facts: { location: 'westeurope', subscriptionId: '1adea097-6aea-47b4-ae40-f86a0af8f1a5' },
    states: {
      networkWatcherShouldBeEnabledMonitoringEffect: 'Compliant', // b6e2945c: NetworkWatcherRG holds NetworkWatcher_westeurope (location = the vnet's)
      vnetEnableDDoSProtectionMonitoring: 'Unknown', // a7aca53f: assessment needed
      AzureFirewallEffect: 'NotApplicable', // fc5e4038: no subnet has ≥ 2 ipConfigurations
    },
  },
  // ── key vaults ────────────────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.KeyVault/vaults',
    name: 'kv-payments-prd-v5g6',
    facts: { 'properties.enableSoftDelete': true, 'properties.enablePurgeProtection': true, 'properties.enableRbacAuthorization': true, 'properties.publicNetworkAccess': 'Disabled', 'properties.networkAcls.defaultAction': 'Deny' },
    states: {
      keyVaultsShouldHaveSoftDeleteEnabledMonitoringEffect: 'Compliant', // 1e66c121: enableSoftDelete true
      keyVaultsShouldHavePurgeProtectionEnabledMonitoringEffect: 'Compliant', // 0b60c0b2: soft delete and purge protection true
      keyvaultServiceRbacEnabledMonitoring: 'Compliant', // 12d4fa5e: enableRbacAuthorization true
      firewallShouldBeEnabledOnKeyVaultMonitoringEffect: 'Compliant', // 55615ac9: defaultAction Deny, restrictIPAddresses "No"
    },
  },
  {
    type: 'Microsoft.KeyVault/vaults',
    name: 'kv-checkout-prd-o9na',
    facts: { 'properties.enableSoftDelete': false, 'properties.enablePurgeProtection': undefined, 'properties.enableRbacAuthorization': false, 'properties.networkAcls.defaultAction': 'Deny' },
    states: {
      keyVaultsShouldHaveSoftDeleteEnabledMonitoringEffect: 'NonCompliant', // 1e66c121: enableSoftDelete equals "false"
      keyVaultsShouldHavePurgeProtectionEnabledMonitoringEffect: 'NonCompliant', // 0b60c0b2: API ≥ 2019-09-01 and soft delete false; purge protection missing
      keyvaultServiceRbacEnabledMonitoring: 'NonCompliant', // 12d4fa5e: enableRbacAuthorization false
      firewallShouldBeEnabledOnKeyVaultMonitoringEffect: 'Compliant', // 55615ac9: defaultAction Deny
    },
  },
  {
    type: 'Microsoft.KeyVault/vaults',
    name: 'kv-checkout-prd-pxr8',
    facts: { 'properties.networkAcls.defaultAction': 'Allow', 'properties.publicNetworkAccess': 'Enabled' },
    states: { firewallShouldBeEnabledOnKeyVaultMonitoringEffect: 'NonCompliant' }, // 55615ac9: Allow ≠ Deny and publicNetworkAccess ≠ Disabled (API ≥ 2021-06-01-preview)
  },
  // ── SQL servers and databases ─────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.Sql/servers',
    name: 'sql-storefront-prod-2o029',
    facts: { 'properties.minimalTlsVersion': '1.2', 'properties.publicNetworkAccess': 'Disabled', 'properties.administrators.azureADOnlyAuthentication': true },
    states: {
      azureSQLDatabaseShouldBeRunningTLSVersion12OrNewer: 'Compliant', // 32e6bbec: "1.2" exists and is not less than "1.2"
      publicNetworkAccessOnAzureSQLDatabaseShouldBeDisabledMonitoringEffect: 'Compliant', // 1b8ca024: publicNetworkAccess Disabled
      sqlServerADOnlyEnabledMonitoring: 'Compliant', // abda6d70: administrators.azureADOnlyAuthentication true
      sqlServerAuditingMonitoring: 'Compliant', // a6fb4358: child auditingSettings "Default" (name matches "default") has state Enabled
      // 1f314764: AINE on Microsoft.Sql/servers/administrators children; the sample has the administrator only as the
      // embedded `properties.administrators`, no child row → NonCompliant (Azure, seeing the child, would say Compliant).
      aadAuthenticationInSqlServerMonitoring: 'NonCompliant',
    },
  },
  {
    type: 'Microsoft.Sql/servers',
    name: 'sql-checkout-prod-hdue',
    facts: { 'properties.minimalTlsVersion': '1.0', 'properties.publicNetworkAccess': 'Enabled' },
    states: {
      azureSQLDatabaseShouldBeRunningTLSVersion12OrNewer: 'NonCompliant', // 32e6bbec: "1.0" less "1.2"
      publicNetworkAccessOnAzureSQLDatabaseShouldBeDisabledMonitoringEffect: 'NonCompliant', // 1b8ca024: Enabled ≠ Disabled
    },
  },
  {
    type: 'Microsoft.Sql/servers',
    name: 'sql-checkout-prod-17pq4',
    facts: { 'properties.minimalTlsVersion': 'None', 'properties.administrators.azureADOnlyAuthentication': false },
    states: {
      // 32e6bbec as written: "None" exists, and as a string it is not less than "1.2" (digits sort before letters) → Compliant.
      azureSQLDatabaseShouldBeRunningTLSVersion12OrNewer: 'Compliant',
      sqlServerAuditingMonitoring: 'NonCompliant', // a6fb4358: auditingSettings "Default" has state Disabled ≠ "enabled"
      sqlServerADOnlyEnabledMonitoring: 'NonCompliant', // abda6d70: azureADOnlyAuthentication equals false
    },
  },
  {
    type: 'Microsoft.Sql/servers/databases',
    name: 'servers/sql-checkout-prod-13i4/databases/sqldb-checkout-orders',
    facts: {},
    states: { sqlDbEncryptionMonitoring: 'NonCompliant' }, // 17k78e20: child transparentDataEncryption "current" has state Disabled
  },
  {
    type: 'Microsoft.Sql/servers/databases',
    name: 'servers/sql-storefront-prod-2o029/databases/sqldb-storefront-orders',
    facts: {},
    states: { sqlDbEncryptionMonitoring: 'Compliant' }, // 17k78e20: "current" has state Enabled (equals "enabled", case-insensitive)
  },
  {
    type: 'Microsoft.Sql/servers/databases',
    name: 'servers/sql-storefront-prod-2o029/databases/master',
    facts: { name: 'master' },
    states: { sqlDbEncryptionMonitoring: 'NotApplicable' }, // 17k78e20: name notEquals "master" fails
  },
  // ── AKS ───────────────────────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.ContainerService/managedClusters',
    name: 'aks-storefront-prod-1k',
    facts: { 'properties.enableRBAC': true, 'properties.addonProfiles.azurepolicy.enabled': false, 'properties.apiServerAccessProfile.enablePrivateCluster': false, 'properties.apiServerAccessProfile.authorizedIPRanges': undefined },
    states: {
      kubernetesServiceRbacEnabledMonitoring: 'Compliant', // ac4a19c2: enableRBAC true, not "false"
      azurePolicyAddonStatus: 'NonCompliant', // 0a15ec92: addonProfiles.azurePolicy.enabled (key matched case-insensitively) equals "false"
      kubernetesServiceAuthorizedIPRangesEnabledMonitoring: 'NonCompliant', // 0e246bcf: no authorizedIPRanges, enablePrivateCluster false
    },
  },
  {
    type: 'Microsoft.ContainerService/managedClusters',
    name: 'aks-storefront-prod-2i',
    facts: { 'properties.addonProfiles.azurepolicy.enabled': true },
    states: { azurePolicyAddonStatus: 'Compliant' }, // 0a15ec92: enabled true
  },
  // ── container registries ──────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.ContainerRegistry/registries',
    name: 'acrstorefrontpro4qv814',
    facts: { 'properties.networkRuleSet.defaultAction': 'Deny', 'properties.publicNetworkAccess': 'Disabled', 'properties.privateEndpointConnections': [] },
    states: {
      containerRegistriesShouldNotAllowUnrestrictedNetworkAccessMonitoringEffect: 'Compliant', // d0793b48: defaultAction Deny (and access Disabled)
      containerRegistriesShouldUsePrivateLinkMonitoringEffect: 'NonCompliant', // e8eef0a8: 0 approved private endpoint connections < 1
    },
  },
  {
    type: 'Microsoft.ContainerRegistry/registries',
    name: 'acrstorefrontpros5rg2g',
    facts: { 'properties.networkRuleSet.defaultAction': undefined, 'properties.publicNetworkAccess': 'Enabled' },
    states: { containerRegistriesShouldNotAllowUnrestrictedNetworkAccessMonitoringEffect: 'NonCompliant' }, // d0793b48: no defaultAction, access Enabled
  },
  // ── App Service ───────────────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.Web/sites',
    name: 'app-storefront-prod-f-vl27',
    facts: { kind: 'app', 'properties.httpsOnly': true },
    states: {
      webAppEnforceHttpsMonitoring: 'Compliant', // a4af4a39: kind "app", httpsOnly true
      fTPSShouldBeRequiredInYourWebAppMonitoringEffect: 'Compliant', // 4d24b6d4: config "web" ftpsState FtpsOnly ∈ [FtpsOnly, Disabled]
      webAppDisableRemoteDebuggingMonitoring: 'Compliant', // cb510bfd: config remoteDebuggingEnabled false
      functionAppEnforceHttpsMonitoring: 'NotApplicable', // 6d555dd1: kind does not contain "functionapp"
    },
  },
  {
    type: 'Microsoft.Web/sites',
    name: 'app-payments-prod-k-79vo',
    facts: { kind: 'app', 'properties.httpsOnly': false },
    states: {
      webAppEnforceHttpsMonitoring: 'NonCompliant', // a4af4a39: httpsOnly equals "false"
      fTPSShouldBeRequiredInYourWebAppMonitoringEffect: 'NonCompliant', // 4d24b6d4: ftpsState AllAllowed
      webAppDisableRemoteDebuggingMonitoring: 'Compliant', // cb510bfd: remoteDebuggingEnabled false
    },
  },
  {
    type: 'Microsoft.Web/sites',
    name: 'app-storefront-prod-18-2-jk98',
    facts: { kind: 'app,linux' },
    states: { webAppDisableRemoteDebuggingMonitoring: 'NonCompliant' }, // cb510bfd: config "web" remoteDebuggingEnabled true
  },
  {
    type: 'Microsoft.Web/sites',
    name: 'func-storefront-prod-23-2-v5ez',
    facts: { kind: 'functionapp', 'properties.httpsOnly': false },
    states: {
      functionAppEnforceHttpsMonitoring: 'NonCompliant', // 6d555dd1: kind contains functionapp, httpsOnly false
      fTPSOnlyShouldBeRequiredInYourFunctionAppMonitoringEffect: 'NonCompliant', // 399b2637: ftpsState AllAllowed
      webAppEnforceHttpsMonitoring: 'NotApplicable', // a4af4a39: kind contains "functionapp"
    },
  },
  // ── API Management ────────────────────────────────────────────────────────────────────────────────────────────
  {
    type: 'Microsoft.ApiManagement/service',
    name: 'apim-storefront-prod-j7sk1h',
    facts: { 'sku.name': 'Premium', 'properties.virtualNetworkType': 'External', 'properties.platformVersion': 'stv2' },
    states: {
      aPIManagementServicesShouldUseAVirtualNetworkMonitoringEffect: 'Compliant', // ef619a2c: Premium ∈ [Developer, Premium], virtualNetworkType External
      aPIManagementServicePlatformVersionShouldBeStv2: 'Compliant', // 1dc2fc00: platformVersion stv2 ≠ stv1
    },
  },
  {
    type: 'Microsoft.ApiManagement/service',
    name: 'apim-checkout-prod-bwebl',
    facts: { 'sku.name': 'Premium', 'properties.virtualNetworkType': 'None' },
    states: { aPIManagementServicesShouldUseAVirtualNetworkMonitoringEffect: 'NonCompliant' }, // ef619a2c: Premium with virtualNetworkType None
  },
  // ── subscriptions (Defender plans are subscription-level pricings) ────────────────────────────────────────────
  {
    type: 'Microsoft.Resources/subscriptions',
    name: 'contoso-corp-finance-prod',
    facts: { subscriptionId: 'bda12fce-5ecf-40e0-a064-6746fea44382' },
    states: {
      virtualMachinesAdvancedThreatProtectionMonitoringEffect: 'NonCompliant', // 4da35fc9: pricings/VirtualMachines is Free
      MicrosoftDefenderCSPMShouldBeEnabledMonitoringEffect: 'NonCompliant', // 1f90fc71: pricings/CloudPosture is Free
      subscriptionsShouldHaveAContactEmailAddressForSecurityIssuesMonitoringEffect: 'NonCompliant', // 4f4f78b8: no securityContacts in the estate
    },
  },
  {
    type: 'Microsoft.Resources/subscriptions',
    name: 'contoso-online-storefront-prod',
    facts: { subscriptionId: '1adea097-6aea-47b4-ae40-f86a0af8f1a5' },
    states: {
      virtualMachinesAdvancedThreatProtectionMonitoringEffect: 'Compliant', // 4da35fc9: pricings/VirtualMachines is Standard
      MicrosoftDefenderCSPMShouldBeEnabledMonitoringEffect: 'Compliant', // 1f90fc71: pricings/CloudPosture is Standard
      subscriptionsShouldHaveAContactEmailAddressForSecurityIssuesMonitoringEffect: 'NonCompliant', // 4f4f78b8: no securityContacts
    },
  },
];

/** The resource an expectation names: exactly one row of the type with that name (or id suffix). */
function find(e: Expectation): ArmResource {
  const type = e.type.toLowerCase();
  const suffix = `/${e.name.toLowerCase()}`;
  const hits = loaded.resources.filter((r) => r.type.toLowerCase() === type && (e.name.includes('/') ? r.id.toLowerCase().endsWith(suffix) : (r.name ?? '').toLowerCase() === e.name.toLowerCase()));
  expect(hits.length, `${e.type} ${e.name}`).toBe(1);
  return hits[0];
}

describe('MCSB over the sample estate', () => {
  it('is a small sample holding every resource type of the full-size one', () => {
    const { manifest } = loaded;
    expect(manifest.options).toEqual({ subscriptions: 12, resources: 1500, seed: 'policy-acceptance' });
    expect(Object.keys(manifest.counts.byType).sort()).toEqual([
      'microsoft.apimanagement/service',
      'microsoft.authorization/policyassignments',
      'microsoft.authorization/policydefinitions',
      'microsoft.authorization/policyexemptions',
      'microsoft.authorization/roleassignments',
      'microsoft.authorization/roledefinitions',
      'microsoft.compute/disks',
      'microsoft.compute/virtualmachines',
      'microsoft.compute/virtualmachines/extensions',
      'microsoft.containerregistry/registries',
      'microsoft.containerservice/managedclusters',
      'microsoft.insights/diagnosticsettings',
      'microsoft.keyvault/vaults',
      'microsoft.managedidentity/userassignedidentities',
      'microsoft.management/managementgroups',
      'microsoft.network/loadbalancers',
      'microsoft.network/networkinterfaces',
      'microsoft.network/networksecuritygroups',
      'microsoft.network/networkwatchers',
      'microsoft.network/publicipaddresses',
      'microsoft.network/virtualnetworks',
      'microsoft.network/virtualnetworks/subnets',
      'microsoft.resources/subscriptions',
      'microsoft.resources/subscriptions/resourcegroups',
      'microsoft.security/pricings',
      'microsoft.sql/servers',
      'microsoft.sql/servers/auditingsettings',
      'microsoft.sql/servers/databases',
      'microsoft.sql/servers/databases/transparentdataencryption',
      'microsoft.sql/servers/firewallrules',
      'microsoft.sql/servers/securityalertpolicies',
      'microsoft.storage/storageaccounts',
      'microsoft.web/serverfarms',
      'microsoft.web/sites',
      'microsoft.web/sites/config',
    ]);
    // No Defender assessments and no security contacts: those references cannot be evaluated / are not met.
    expect(manifest.counts.byType['microsoft.security/assessments']).toBeUndefined();
    expect(manifest.counts.byType['microsoft.security/securitycontacts']).toBeUndefined();
    expect(loaded.scanner.assignment(MCSB_ASSIGNMENT)?.definitionId).toBe(MCSB_SET);
    expect(loaded.scanner.assignment(MCSB_ASSIGNMENT)?.scope).toBe('/providers/Microsoft.Management/managementGroups/contoso-root');
  });

  it('accounts for all 223 MCSB references: states, or a stated reason', () => {
    const { byRef, counts, unknownEvaluations } = accounts();
    console.log(`MCSB references by outcome: ${JSON.stringify(counts)}; scan notEvaluated: ${JSON.stringify(loaded.result.notEvaluated)}`);
    expect(byRef.size).toBe(223);
    expect(counts).toEqual({
      Evaluated: 83, // produced Compliant / NonCompliant / Exempt states
      NoApplicableResource: 87, // evaluated, but no resource of the sample meets the rule (Cosmos DB, Synapse, ... or conditions)
      AssessmentNotInEstate: 23, // AuditIfNotExists on Microsoft.Security/assessments, none in the estate
      ResourceProviderMode: 19, // Microsoft.Kubernetes.Data / Microsoft.KeyVault.Data: resource-provider data, not ARM
      EffectDisabled: 11, // the initiative's default effect for the reference is Disabled
    });
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(223);
    // The evaluations of the AssessmentNotInEstate references are exactly what the scan counts under that reason.
    expect(unknownEvaluations).toBe(loaded.result.notEvaluated.AssessmentNotInEstate);
    expect(loaded.result.notEvaluated).toEqual({ AssessmentNotInEstate: 1864, EffectDisabled: 11, ResourceProviderMode: 19 });
    expect(loaded.result.compileErrors).toEqual([]);
  });

  it('covers every resource type that has MCSB states with a hand-verified resource', () => {
    const withStates = new Set<string>();
    for (const m of loaded.mcsb.values()) for (const s of m.values()) withStates.add(s.resourceType.toLowerCase());
    const covered = new Set(EXPECTED.map((e) => e.type.toLowerCase()));
    // Pricings carry a state only for SQL-server-on-machines autoprovisioning; their plans are checked on subscriptions.
    expect([...withStates].filter((t) => !covered.has(t)).sort()).toEqual(['microsoft.security/pricings']);
  });

  for (const e of EXPECTED) {
    it(`${e.type} ${e.name}`, () => {
      const resource = find(e);
      for (const [path, value] of Object.entries(e.facts)) expect(read(resource, path), `${e.name}: ${path}`).toEqual(value);
      const states = loaded.mcsb.get(resource.id.toLowerCase()) ?? new Map<string, PolicyStateRecord>();
      const got: Record<string, string> = {};
      for (const ref of Object.keys(e.states)) {
        const record = states.get(ref);
        if (record) got[ref] = record.complianceState;
        else {
          // No record: the engine itself must say why (NotApplicable, or Unknown for want of an assessment).
          const engine = engineState(resource, ref);
          got[ref] = engine === 'NotApplicable' || engine === 'Unknown' ? engine : `no record, engine says ${engine}`;
        }
      }
      expect(got).toEqual(e.states);
      if (['Microsoft.Network/networkInterfaces', 'Microsoft.Network/networkSecurityGroups', 'Microsoft.Network/publicIPAddresses', 'Microsoft.Compute/disks'].includes(e.type)) {
        // No MCSB reference can apply to the type at all, so the resource has no MCSB state.
        expect(loaded.scanner.entriesFor(e.type.toLowerCase()).filter((x) => canonicalKey(x.assignment.id) === canonicalKey(MCSB_ASSIGNMENT))).toEqual([]);
        expect(states.size).toBe(0);
      }
    });
  }
});
