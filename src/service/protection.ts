/**
 * Opening the detection engine over the store, shared by `palisade detect` and the streaming ingestion of
 * `palisade serve`: the catalog (with configuration and extra Sigma rules), the plan lookup from the estate's
 * pricings (Free plans raise nothing) and the region of each protected resource (its alerts' location).
 */
import { canonicalKey } from '../core/index.js';
import {
  DetectionEngine,
  allPlansStandard,
  loadDetectionCatalog,
  planLookupFromPricings,
  readConfigFile,
  toArmAlert,
  toSecurityAlertRow,
  type DetectionCatalog,
  type PlanLookup,
  type SecurityAlertRecord,
} from '../protection/index.js';
import { alertRecords, enqueueRecords, type RestAlert } from '../program/index.js';
import type { Store } from '../store/index.js';
import { catalogDir, type ServiceContext } from './context.js';
import { pricingRows } from './posture-session.js';

/** Resource types whose alerts Palisade raises (their region is the alert's location). */
const PROTECTED_TYPES = [
  'microsoft.compute/virtualmachines',
  'microsoft.compute/virtualmachinescalesets',
  'microsoft.hybridcompute/machines',
  'microsoft.storage/storageaccounts',
  'microsoft.keyvault/vaults',
  'microsoft.sql/servers',
  'microsoft.sql/servers/databases',
  'microsoft.sql/managedinstances',
  'microsoft.containerservice/managedclusters',
  'microsoft.kubernetes/connectedclusters',
  'microsoft.apimanagement/service',
];

export interface DetectionSetupOptions {
  /** a detection configuration file (JSON or YAML) */
  config?: string;
  /** more Sigma rule files or directories */
  sigma?: string[];
  /** fail on any rule error */
  strict?: boolean;
  /** treat every plan as Standard (no estate needed) */
  allPlans?: boolean;
  checkpointEvery?: number;
  /** the plan lookup to use instead of one read now (a server passes one that follows pricing writes) */
  plans?: PlanLookup;
}

export interface DetectionSetup {
  engine: DetectionEngine;
  catalog: DetectionCatalog;
  warnings: string[];
}

async function resourceRegions(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const r of store.iterateResources({ types: PROTECTED_TYPES, pageSize: 5000 })) {
    if (r.location) out.set(r.key, r.location.toLowerCase().replace(/\s+/g, ''));
  }
  return out;
}

/** The plan lookup of the estate's pricings now, and a warning when the store holds none. */
export async function estatePlans(ctx: ServiceContext): Promise<{ plans: PlanLookup; warning?: string }> {
  const rows = await pricingRows(ctx);
  const warning =
    rows.length === 0 ? "The store holds no Defender pricings: every plan counts as Free and nothing will alert. Import the estate first ('palisade estate import'), or pass --all-plans." : undefined;
  return { plans: planLookupFromPricings(rows), warning };
}

export async function openDetectionEngine(ctx: ServiceContext, options: DetectionSetupOptions = {}): Promise<DetectionSetup> {
  const store = await ctx.store();
  const config = options.config ? readConfigFile(options.config) : undefined;
  const catalog = loadDetectionCatalog(catalogDir(ctx.io.env), { config, sigmaPaths: options.sigma, strict: options.strict });
  const warnings = catalog.errors.slice(0, 20).map((e) => `(${e.code}) ${e.message}`);
  if (catalog.errors.length > 20) warnings.push(`${catalog.errors.length - 20} more rule errors`);
  let plans = options.plans ?? allPlansStandard;
  if (!options.allPlans && !options.plans) {
    const estate = await estatePlans(ctx);
    plans = estate.plans;
    if (estate.warning) warnings.push(estate.warning);
  }
  const regions = await resourceRegions(store);
  const engine = await DetectionEngine.open({
    catalog,
    store,
    plans,
    locationOf: (id) => regions.get(canonicalKey(id)) ?? regions.get(canonicalKey(id.replace(/\/databases\/[^/]+$/i, ''))),
    checkpointEvery: options.checkpointEvery,
  });
  return { engine, catalog, warnings };
}

/** Alerts to continuous export (source Alerts): the REST shape and the SecurityAlert row; returns rows enqueued. */
export async function exportAlerts(store: Store, alerts: readonly SecurityAlertRecord[], now = new Date()): Promise<number> {
  if (alerts.length === 0) return 0;
  const records = alertRecords(
    alerts.map((a) => ({ alert: toArmAlert(a) as unknown as RestAlert, row: toSecurityAlertRow(a), version: `${a.properties.status}|${a.count}|${a.properties.endTimeUtc}` })),
    now,
  );
  return (await enqueueRecords(store, 'Alerts', records, { now })).enqueued;
}
