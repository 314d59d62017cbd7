import type { ArgTable } from '../types.js';
import type { PlanName } from './constants.js';
import type { Environment, ManagementGroupNode, Principal } from './topology.js';
import type { ExposedChain } from './workloads.js';

export interface SampleOptions {
  /** Directory the JSONL files and manifest.json are written to (created if missing). */
  outDir: string;
  /** Number of subscriptions (default 140, the article's estate). */
  subscriptions?: number;
  /** Approximate number of rows in resources.jsonl (default 30,000). */
  resources?: number;
  /** PRNG seed (default 'contoso'); the same options give byte-identical files. */
  seed?: string;
  /** Called as resource rows are written. */
  onProgress?: (written: number, total: number) => void;
}

export interface SampleSubscription {
  subscriptionId: string;
  displayName: string;
  managementGroup: string;
  environment: Environment;
  location: string;
  createdOn: string;
  busy: boolean;
  naked: boolean;
  scanner: boolean;
  resourceRows: number;
  /** Plan name → pricing tier ('Free' | 'Standard'). */
  plans: Record<PlanName, 'Free' | 'Standard'>;
}

export interface SampleExemption {
  id: string;
  name: string;
  policyAssignmentId: string;
  category: 'Waiver' | 'Mitigated';
  scope: string;
  expiresOn?: string;
  expired: boolean;
}

/** Everything later stages and tests need to know about the generated estate. */
export interface SampleManifest {
  generator: 'palisade-sample';
  formatVersion: 1;
  seed: string;
  options: { subscriptions: number; resources: number; seed: string };
  /** The instant the estate is frozen at (every timestamp derives from it). */
  baseTime: string;
  tenantId: string;
  files: Record<ArgTable, { file: string; rows: number; sha256: string }>;
  counts: {
    byTable: Record<ArgTable, number>;
    /** Row count per (lower-case) type, over all tables, keys sorted. */
    byType: Record<string, number>;
  };
  scenario: {
    rootManagementGroup: string;
    tenantRootGroup: string;
    managementGroups: ManagementGroupNode[];
    /** The quarter before the base date: subscriptions created since then were "onboarded this quarter". */
    onboardedSince: string;
    /** Subscriptions onboarded this quarter with every Defender plan Free (CloudPosture included). */
    nakedSubscriptionIds: string[];
    busiestSubscriptionIds: string[];
    /** Subscriptions whose `DefenderForCloud-Scanner` resource group sits in the restricted region. */
    scannerSubscriptionIds: string[];
    scannerResourceGroup: string;
    restrictedRegion: string;
    restrictedRegions: string[];
    denyPolicyDefinitionId: string;
    denyAssignmentId: string;
    denyAssignmentName: string;
    mcsbAssignmentId: string;
    mcsbAssignmentName: string;
    mcsbPolicySetDefinitionId: string;
    mcsbAssignmentPrincipalId: string;
    auditStoragePublicAssignmentId: string;
    exemptions: SampleExemption[];
    /** Internet-exposed chains planted in the busiest subscriptions (one per scanner subscription). */
    exposedChains: ExposedChain[];
    plans: readonly PlanName[];
  };
  subscriptions: SampleSubscription[];
  principals: Principal[];
  /**
   * The agentless scanner's output under `<outDir>/findings/<subscriptionId>/` (Trivy, Grype, SARIF, CycloneDX):
   * only for subscriptions where scanning runs — not the scanner-blocked ones, nor those without Defender CSPM or
   * Defender for Servers Plan 2.
   */
  findings: { directory: string; scannedSubscriptionIds: string[]; blockedSubscriptionIds: string[]; targets: number; files: number };
}
