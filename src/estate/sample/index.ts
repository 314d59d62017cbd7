/**
 * The built-in sample estate: a deterministic, streaming generator of Azure Resource Graph rows modelling the
 * article's 140-subscription enterprise (see DESIGN.md and seed/). Same options → byte-identical files.
 *
 *   const manifest = await generateSample({ outDir: 'sample', resources: 30_000 });
 *
 * writes resources.jsonl, resourcecontainers.jsonl, authorizationresources.jsonl, securityresources.jsonl,
 * policyresources.jsonl and manifest.json (the SampleManifest) into outDir.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ids, PalisadeError } from '../../core/index.js';
import { ARG_TABLES, type ArgTable } from '../types.js';
import {
  AUDIT_STORAGE_ASSIGNMENT_NAME,
  BASE_TIME,
  DENY_ASSIGNMENT_NAME,
  MCSB_ASSIGNMENT_NAME,
  MCSB_SET_ID,
  PLANS,
  QUARTER_START,
  RESTRICTED_REGION,
  RESTRICTED_REGIONS,
  ROOT_MG,
  SCANNER_RG,
  daysAgo,
  daysAhead,
  type PlanName,
} from './constants.js';
import { managementGroupRows } from './containers.js';
import { SubContext, type Sink } from './context.js';
import type { SampleExemption, SampleManifest, SampleOptions, SampleSubscription } from './manifest.js';
import {
  AUDIT_STORAGE_ASSIGNMENT_ID,
  DENY_ASSIGNMENT_ID,
  DENY_DEFINITION_ID,
  MCSB_ASSIGNMENT_ID,
  exemptionId,
  exemptionRow,
  policyAssignmentRows,
  policyDefinitionRows,
  type ExemptionSpec,
} from './policy.js';
import { choosePlans } from './pricings.js';
import { Rng } from './prng.js';
import { managementGroupAssignments, roleDefinitionRows } from './rbac.js';
import { buildTopology, type Topology } from './topology.js';
import { writeSubscription, type SubscriptionOutcome } from './workloads.js';
import { writeAgentlessMarker, writeSubscriptionFindings } from './scan-findings.js';
import { TableWriter } from './writer.js';

export type { SampleOptions, SampleManifest, SampleSubscription, SampleExemption } from './manifest.js';
export type { ExposedChain } from './workloads.js';
export type { ManagementGroupNode, Principal, Environment } from './topology.js';
export { BASE_TIME, RESTRICTED_REGION, SCANNER_RG, PLANS } from './constants.js';
export type { PlanName } from './constants.js';
export { Rng, hashString } from './prng.js';
export { writeSampleTelemetry, TELEMETRY_DIRECTORY } from './telemetry.js';
export type { SampleTelemetryOptions, SampleTelemetrySummary, SampleTelemetryLabels, SampleAttackLabel } from './telemetry.js';
export { writeSampleHistory, HISTORY_DIRECTORY, HISTORY_CHANGES_FILE, HISTORY_LABELS_FILE, MAX_HISTORY_DAYS } from './history.js';
export { DRIFT_KINDS, HISTORY_CHANGE_KINDS } from './history-types.js';
export type { DenyCandidateRef, DriftKind, HistoryChange, HistoryChangeKind, InjectedDrift, SampleHistoryLabels, SampleHistoryOptions, SampleHistorySummary } from './history-types.js';

export const DEFAULT_SAMPLE_SUBSCRIPTIONS = 140;
export const DEFAULT_SAMPLE_RESOURCES = 30_000;
export const DEFAULT_SAMPLE_SEED = 'contoso';

function validate(options: SampleOptions): { subscriptions: number; resources: number; seed: string } {
  const subscriptions = options.subscriptions ?? DEFAULT_SAMPLE_SUBSCRIPTIONS;
  const resources = options.resources ?? DEFAULT_SAMPLE_RESOURCES;
  const seed = options.seed ?? DEFAULT_SAMPLE_SEED;
  const bad = (message: string, target: string): never => {
    throw new PalisadeError('InvalidSampleOptions', message, { kind: 'validation', target });
  };
  if (typeof options.outDir !== 'string' || options.outDir.length === 0) bad('outDir is required', 'outDir');
  if (!Number.isInteger(subscriptions) || subscriptions < 1 || subscriptions > 10_000) bad('subscriptions must be an integer between 1 and 10000', 'subscriptions');
  if (!Number.isInteger(resources) || resources < 0 || resources > 50_000_000) bad('resources must be an integer between 0 and 50000000', 'resources');
  if (typeof seed !== 'string' || seed.length === 0) bad('seed must be a non-empty string', 'seed');
  return { subscriptions, resources, seed };
}

/** Generates the sample estate into `options.outDir` and returns (and writes) its manifest. */
export async function generateSample(options: SampleOptions): Promise<SampleManifest> {
  const opts = validate(options);
  const { seed } = opts;
  await mkdir(options.outDir, { recursive: true });
  const topology = buildTopology(seed, opts.subscriptions);
  const tenantRng = new Rng(seed, 'tenant');
  const mcsbPrincipalId = tenantRng.guid();

  const writers = {} as Sink;
  for (const table of ARG_TABLES) writers[table] = new TableWriter(options.outDir, table);
  const writerList = ARG_TABLES.map((t) => writers[t]);

  const total = opts.resources;
  let reported = 0;
  const settle = async (): Promise<void> => {
    for (const w of writerList) await w.settle();
    const written = writers.resources.rows;
    if (options.onProgress && written - reported >= 2_000) {
      reported = written;
      options.onProgress(written, Math.max(total, written));
    }
  };

  const outcomes: SubscriptionOutcome[] = [];
  const findings: SampleManifest['findings'] = { directory: 'findings', scannedSubscriptionIds: [], blockedSubscriptionIds: [], targets: 0, files: 0 };
  const planTiers: Array<Record<PlanName, 'Free' | 'Standard'>> = [];
  try {
    for (const row of managementGroupRows(topology, tenantRng)) writers.resourcecontainers.write(row);
    for (const row of roleDefinitionRows(topology.tenantId)) writers.authorizationresources.write(row);
    for (const row of managementGroupAssignments(topology, tenantRng, mcsbPrincipalId)) writers.authorizationresources.write(row);
    for (const row of policyDefinitionRows(topology)) writers.policyresources.write(row);
    for (const row of policyAssignmentRows(topology, mcsbPrincipalId)) writers.policyresources.write(row);

    const totalWeight = topology.subscriptions.reduce((sum, s) => sum + s.weight, 0);
    let cumulative = 0;
    let scannerOrdinal = 0;
    for (const sub of topology.subscriptions) {
      cumulative += sub.weight;
      const target = Math.round((total * cumulative) / totalWeight);
      const budget = target - writers.resources.rows;
      const plans = choosePlans(sub, new Rng(seed, 'plans', String(sub.index)));
      planTiers.push(Object.fromEntries(PLANS.map((p) => [p, plans.get(p)?.tier ?? 'Free'])) as Record<PlanName, 'Free' | 'Standard'>);
      const ctx = new SubContext(topology, sub, new Rng(seed, 'subscription', String(sub.index)), writers, plans);
      const outcome = await writeSubscription(ctx, budget, sub.scanner ? scannerOrdinal++ : undefined, settle);
      outcomes.push(outcome);
      const scanned = await writeSubscriptionFindings(ctx, options.outDir, seed, BASE_TIME);
      findings.targets += scanned.targets;
      findings.files += scanned.files;
      if (scanned.scanned) findings.scannedSubscriptionIds.push(sub.subscriptionId);
      else if (scanned.reason === 'scannerBlocked') findings.blockedSubscriptionIds.push(sub.subscriptionId);
      await settle();
    }

    if (findings.files > 0) await writeAgentlessMarker(options.outDir, findings);
    const exemptions = chooseExemptions(topology, outcomes);
    exemptions.forEach((spec, i) => writers.policyresources.write(exemptionRow(topology, spec, 30 + i * 17)));

    const hashes = {} as Record<ArgTable, string>;
    for (const table of ARG_TABLES) hashes[table] = await writers[table].close();
    options.onProgress?.(writers.resources.rows, writers.resources.rows);

    const manifest = { ...buildManifest(topology, opts, writers, hashes, outcomes, planTiers, exemptions, mcsbPrincipalId), findings };
    await writeFile(join(options.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', 'utf8');
    return manifest;
  } catch (err) {
    for (const w of writerList) w.destroy();
    throw err;
  }
}

/** A handful of exemptions over the estate, some of them already expired at the base date. */
function chooseExemptions(topology: Topology, outcomes: SubscriptionOutcome[]): ExemptionSpec[] {
  const specs: ExemptionSpec[] = [];
  const subs = topology.subscriptions;
  const publicStorage = subs.findIndex((s, i) => !s.naked && !s.scanner && outcomes[i].firstPublicStorageId !== undefined);
  if (publicStorage >= 0) {
    specs.push({
      name: 'legacy-partner-feed-public-blob',
      scope: outcomes[publicStorage].firstPublicStorageId!,
      policyAssignmentId: AUDIT_STORAGE_ASSIGNMENT_ID,
      category: 'Waiver',
      displayName: 'Partner feed container must stay anonymous until migration',
      description: 'Temporary waiver for the legacy partner product feed; migration to SAS tokens was due in June.',
      expiresInDays: -63,
    });
  }
  specs.push({
    name: 'sandbox-mcsb-waiver',
    scope: ids.managementGroup('sandbox'),
    policyAssignmentId: MCSB_ASSIGNMENT_ID,
    category: 'Waiver',
    displayName: 'Sandboxes: no JIT or vulnerability assessment requirement',
    description: 'Sandbox subscriptions are short-lived and hold no production data.',
    expiresInDays: 121,
    policyDefinitionReferenceIds: ['jitNetworkAccessMonitoring', 'serverVulnerabilityAssessment'],
  });
  const devSub = subs.find((s) => (s.environment === 'dev' || s.environment === 'test') && !s.naked);
  if (devSub) {
    specs.push({
      name: 'dev-keyvault-purge-waiver',
      scope: ids.subscription(devSub.subscriptionId),
      policyAssignmentId: MCSB_ASSIGNMENT_ID,
      category: 'Waiver',
      displayName: 'Dev vaults are recreated by the pipeline',
      description: 'Purge protection blocks the nightly teardown of development vaults.',
      expiresInDays: -17,
      policyDefinitionReferenceIds: ['keyVaultsShouldHavePurgeProtectionEnabledMonitoringEffect'],
    });
  }
  const busyIndex = subs.findIndex((s) => s.busy);
  if (busyIndex >= 0 && outcomes[busyIndex].workloadGroups.length > 0) {
    const rg = outcomes[busyIndex].workloadGroups[outcomes[busyIndex].workloadGroups.length - 1];
    specs.push({
      name: 'storefront-network-mitigated',
      scope: ids.resourceGroup(subs[busyIndex].subscriptionId, rg),
      policyAssignmentId: MCSB_ASSIGNMENT_ID,
      category: 'Mitigated',
      displayName: 'Storage network access enforced by the edge firewall',
      description: 'Traffic to these accounts is restricted by Azure Firewall rules upstream of the storage endpoints.',
      policyDefinitionReferenceIds: ['storageAccountsShouldRestrictNetworkAccessUsingVirtualNetworkRulesMonitoringEffect'],
    });
  }
  const backupIndex = subs.findIndex((s) => !s.scanner && !s.naked && s.environment === 'prod' && !s.busy);
  if (backupIndex >= 0 && outcomes[backupIndex].workloadGroups.length > 0) {
    specs.push({
      name: 'allow-backup-snapshots',
      scope: ids.resourceGroup(subs[backupIndex].subscriptionId, outcomes[backupIndex].workloadGroups[0]),
      policyAssignmentId: DENY_ASSIGNMENT_ID,
      category: 'Mitigated',
      displayName: 'Backup vault snapshots are encrypted and stay in-region',
      description: 'Backup snapshots are encrypted with customer-managed keys and never leave the region.',
    });
  }
  const expiredAudit = subs.find((s) => s.environment === 'staging' && !s.naked);
  if (expiredAudit) {
    specs.push({
      name: 'staging-public-storage-waiver',
      scope: ids.subscription(expiredAudit.subscriptionId),
      policyAssignmentId: AUDIT_STORAGE_ASSIGNMENT_ID,
      category: 'Waiver',
      displayName: 'Staging static sites',
      description: 'Static site previews are served anonymously from blob storage.',
      expiresInDays: -2,
    });
  }
  return specs;
}

function buildManifest(
  topology: Topology,
  opts: { subscriptions: number; resources: number; seed: string },
  writers: Sink,
  hashes: Record<ArgTable, string>,
  outcomes: SubscriptionOutcome[],
  planTiers: Array<Record<PlanName, 'Free' | 'Standard'>>,
  exemptions: ExemptionSpec[],
  mcsbPrincipalId: string,
): Omit<SampleManifest, 'findings'> {
  const byTable = {} as Record<ArgTable, number>;
  const files = {} as SampleManifest['files'];
  const typeCounts = new Map<string, number>();
  for (const table of ARG_TABLES) {
    const w = writers[table];
    byTable[table] = w.rows;
    files[table] = { file: w.file, rows: w.rows, sha256: hashes[table] };
    for (const [type, n] of w.types) typeCounts.set(type, (typeCounts.get(type) ?? 0) + n);
  }
  const byType: Record<string, number> = {};
  for (const type of [...typeCounts.keys()].sort()) byType[type] = typeCounts.get(type)!;

  const subs = topology.subscriptions;
  const subscriptions: SampleSubscription[] = subs.map((s, i) => ({
    subscriptionId: s.subscriptionId,
    displayName: s.displayName,
    managementGroup: s.managementGroup,
    environment: s.environment,
    location: s.location,
    createdOn: s.createdOn,
    busy: s.busy,
    naked: s.naked,
    scanner: s.scanner,
    resourceRows: outcomes[i].resourceRows,
    plans: planTiers[i],
  }));
  const sampleExemptions: SampleExemption[] = exemptions.map((e) => {
    const expiresOn = e.expiresInDays === undefined ? undefined : e.expiresInDays < 0 ? daysAgo(-e.expiresInDays) : daysAhead(e.expiresInDays);
    return {
      id: exemptionId(e),
      name: e.name,
      policyAssignmentId: e.policyAssignmentId,
      category: e.category,
      scope: e.scope,
      ...(expiresOn === undefined ? {} : { expiresOn }),
      expired: e.expiresInDays !== undefined && e.expiresInDays < 0,
    };
  });
  const d = topology.directory;
  return {
    generator: 'palisade-sample',
    formatVersion: 1,
    seed: opts.seed,
    options: { subscriptions: opts.subscriptions, resources: opts.resources, seed: opts.seed },
    baseTime: BASE_TIME,
    tenantId: topology.tenantId,
    files,
    counts: { byTable, byType },
    scenario: {
      rootManagementGroup: ROOT_MG,
      tenantRootGroup: topology.tenantId,
      managementGroups: topology.managementGroups,
      onboardedSince: QUARTER_START,
      nakedSubscriptionIds: subs.filter((s) => s.naked).map((s) => s.subscriptionId),
      busiestSubscriptionIds: subs.filter((s) => s.busy).map((s) => s.subscriptionId),
      scannerSubscriptionIds: subs.filter((s) => s.scanner).map((s) => s.subscriptionId),
      scannerResourceGroup: SCANNER_RG,
      restrictedRegion: RESTRICTED_REGION,
      restrictedRegions: RESTRICTED_REGIONS,
      denyPolicyDefinitionId: DENY_DEFINITION_ID,
      denyAssignmentId: DENY_ASSIGNMENT_ID,
      denyAssignmentName: DENY_ASSIGNMENT_NAME,
      mcsbAssignmentId: MCSB_ASSIGNMENT_ID,
      mcsbAssignmentName: MCSB_ASSIGNMENT_NAME,
      mcsbPolicySetDefinitionId: MCSB_SET_ID,
      mcsbAssignmentPrincipalId: mcsbPrincipalId,
      auditStoragePublicAssignmentId: AUDIT_STORAGE_ASSIGNMENT_ID,
      exemptions: sampleExemptions,
      exposedChains: outcomes.flatMap((o) => (o.chain ? [o.chain] : [])),
      plans: PLANS,
    },
    subscriptions,
    principals: [...d.users, ...d.groups, ...d.servicePrincipals],
  };
}
