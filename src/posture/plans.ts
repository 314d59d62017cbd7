/**
 * Defender for Cloud plans (`Microsoft.Security/pricings`): the plan names `az security pricing` accepts, their tiers,
 * sub-plans and extensions, what each plan protects, validation of a pricing update with coded errors that list the
 * valid values, the ARM / az shapes, and coverage — per plan, the subscriptions (and their resources) the plan does
 * not cover ("joined the estate naked").
 *
 * Sources: api-contract.md §2 (pricings 2022-03-01 / 2024-01-01 fields, sub-plan and extension examples, deprecated
 * plans), the seed article §1–§2 (plan table). Foundational CSPM is not a pricing: it is always on. Defender CSPM is
 * `CloudPosture` at `Standard`.
 *
 * Pure: no store, no CLI. Rows in and rows out are Azure Resource Graph `securityresources` rows.
 */
import { PalisadeError, type ArgRow } from '../core/index.js';

export type PricingTier = 'Free' | 'Standard';
export const PRICING_TIERS: readonly PricingTier[] = ['Free', 'Standard'];

export interface PlanDefinition {
  /** `az security pricing` name (`--name`). */
  name: string;
  displayName: string;
  /** Valid `subPlan` values (empty: the plan has none). */
  subPlans: readonly string[];
  /** The sub-plan Azure applies when Standard is set without one (undefined: none). */
  defaultSubPlan?: string;
  /** Valid extension names. */
  extensions: readonly string[];
  /** Lower-cased resource types the plan protects; `*` = every resource of the subscription (CSPM). */
  resourceTypes: readonly string[];
  deprecated?: boolean;
  replacedBy?: readonly string[];
}

/** In the order Azure lists them (the sample estate's order, then the newer and deprecated plans). */
export const PLAN_DEFINITIONS: readonly PlanDefinition[] = [
  {
    name: 'VirtualMachines',
    displayName: 'Defender for Servers',
    subPlans: ['P1', 'P2'],
    defaultSubPlan: 'P2',
    extensions: ['MdeDesignatedSubscription', 'AgentlessVmScanning', 'FileIntegrityMonitoring'],
    resourceTypes: ['microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets', 'microsoft.hybridcompute/machines', 'microsoft.classiccompute/virtualmachines'],
  },
  { name: 'SqlServers', displayName: 'Defender for Azure SQL Databases', subPlans: [], extensions: [], resourceTypes: ['microsoft.sql/servers', 'microsoft.sql/managedinstances', 'microsoft.synapse/workspaces'] },
  { name: 'AppServices', displayName: 'Defender for App Service', subPlans: [], extensions: [], resourceTypes: ['microsoft.web/sites'] },
  {
    name: 'StorageAccounts',
    displayName: 'Defender for Storage',
    subPlans: ['DefenderForStorageV2', 'PerTransaction'],
    defaultSubPlan: 'DefenderForStorageV2',
    extensions: ['OnUploadMalwareScanning', 'SensitiveDataDiscovery'],
    resourceTypes: ['microsoft.storage/storageaccounts'],
  },
  { name: 'SqlServerVirtualMachines', displayName: 'Defender for SQL servers on machines', subPlans: [], extensions: [], resourceTypes: ['microsoft.sqlvirtualmachine/sqlvirtualmachines'] },
  { name: 'KeyVaults', displayName: 'Defender for Key Vault', subPlans: ['PerKeyVault', 'PerTransaction'], defaultSubPlan: 'PerKeyVault', extensions: [], resourceTypes: ['microsoft.keyvault/vaults', 'microsoft.keyvault/managedhsms'] },
  { name: 'Arm', displayName: 'Defender for Resource Manager', subPlans: ['PerSubscription', 'PerApiCall'], defaultSubPlan: 'PerSubscription', extensions: [], resourceTypes: [] },
  {
    name: 'OpenSourceRelationalDatabases',
    displayName: 'Defender for open-source relational databases',
    subPlans: [],
    extensions: [],
    resourceTypes: [
      'microsoft.dbforpostgresql/servers',
      'microsoft.dbforpostgresql/flexibleservers',
      'microsoft.dbformysql/servers',
      'microsoft.dbformysql/flexibleservers',
      'microsoft.dbformariadb/servers',
    ],
  },
  {
    name: 'Containers',
    displayName: 'Defender for Containers',
    subPlans: [],
    extensions: ['ContainerRegistriesVulnerabilityAssessments', 'AgentlessDiscoveryForKubernetes', 'ContainerSensor', 'AgentlessVmScanning', 'ContainerIntegrityContribution'],
    resourceTypes: ['microsoft.containerservice/managedclusters', 'microsoft.containerregistry/registries', 'microsoft.kubernetes/connectedclusters'],
  },
  {
    name: 'CloudPosture',
    displayName: 'Defender CSPM',
    subPlans: [],
    extensions: ['SensitiveDataDiscovery', 'ContainerRegistriesVulnerabilityAssessments', 'AgentlessDiscoveryForKubernetes', 'AgentlessVmScanning', 'EntraPermissionsManagement', 'ApiPosture'],
    resourceTypes: ['*'],
  },
  { name: 'Api', displayName: 'Defender for APIs', subPlans: ['P1', 'P2', 'P3', 'P4', 'P5'], defaultSubPlan: 'P1', extensions: [], resourceTypes: ['microsoft.apimanagement/service'] },
  { name: 'CosmosDbs', displayName: 'Defender for Azure Cosmos DB', subPlans: [], extensions: [], resourceTypes: ['microsoft.documentdb/databaseaccounts'] },
  { name: 'AI', displayName: 'Defender for AI services', subPlans: [], extensions: ['AIPromptEvidence'], resourceTypes: ['microsoft.cognitiveservices/accounts', 'microsoft.machinelearningservices/workspaces'] },
  { name: 'KubernetesService', displayName: 'Defender for Kubernetes (deprecated)', subPlans: [], extensions: [], resourceTypes: [], deprecated: true, replacedBy: ['Containers'] },
  { name: 'ContainerRegistry', displayName: 'Defender for container registries (deprecated)', subPlans: [], extensions: [], resourceTypes: [], deprecated: true, replacedBy: ['Containers'] },
  { name: 'Dns', displayName: 'Defender for DNS (deprecated)', subPlans: [], extensions: [], resourceTypes: [], deprecated: true, replacedBy: ['VirtualMachines'] },
];

export const PRICING_TYPE = 'Microsoft.Security/pricings';

const byName = new Map(PLAN_DEFINITIONS.map((p) => [p.name.toLowerCase(), p]));

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

/** A plan by name (case-insensitive), or `InvalidPricingName` listing the valid names. */
export function planDefinition(name: string): PlanDefinition {
  const hit = byName.get(name.trim().toLowerCase());
  if (!hit) {
    throw new PalisadeError('InvalidPricingName', `'${name}' is not a Defender for Cloud plan. Valid values: ${list(PLAN_DEFINITIONS.map((p) => p.name))}.`, {
      kind: 'validation',
      target: 'name',
    });
  }
  return hit;
}

/** `Free` / `Standard` in any case (az accepts `standard`), or `InvalidPricingTier` listing the valid values. */
export function parsePricingTier(tier: string): PricingTier {
  const hit = PRICING_TIERS.find((t) => t.toLowerCase() === tier.trim().toLowerCase());
  if (!hit) throw new PalisadeError('InvalidPricingTier', `--tier can only accept "standard" or "free" values ('${tier}' given). Valid values: ${list(PRICING_TIERS)}.`, { kind: 'validation', target: 'tier' });
  return hit;
}

export interface PricingExtension {
  name: string;
  isEnabled: 'True' | 'False';
  additionalExtensionProperties?: Record<string, unknown>;
  operationStatus?: { code: 'Succeeded' | 'Failed'; message?: string };
}

/**
 * `--extensions` tokens as az takes them: `name=X isEnabled=True [additionalExtensionProperties={json}] [Key=Value]`,
 * the flag repeated per extension. Tokens of all flags arrive in one list; a `name=` token starts a new extension.
 */
export function parseExtensionTokens(tokens: readonly string[]): PricingExtension[] {
  const out: PricingExtension[] = [];
  let current: { name?: string; isEnabled?: string; extra: Record<string, unknown> } | undefined;
  const flush = () => {
    if (!current) return;
    if (!current.name) throw new PalisadeError('InvalidExtension', `--extensions: every extension needs name=NAME`, { kind: 'argument', target: 'extensions' });
    const enabled = (current.isEnabled ?? 'True').toLowerCase();
    if (enabled !== 'true' && enabled !== 'false') {
      throw new PalisadeError('InvalidExtension', `--extensions: isEnabled of '${current.name}' must be True or False ('${current.isEnabled}' given)`, { kind: 'argument', target: 'extensions' });
    }
    const ext: PricingExtension = { name: current.name, isEnabled: enabled === 'true' ? 'True' : 'False' };
    if (Object.keys(current.extra).length > 0) ext.additionalExtensionProperties = current.extra;
    out.push(ext);
  };
  for (const token of tokens) {
    for (const part of token.split(/\s+(?=[A-Za-z]+=)/)) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new PalisadeError('InvalidExtension', `--extensions: expected KEY=VALUE, got '${part}'`, { kind: 'argument', target: 'extensions' });
      const key = part.slice(0, eq);
      const value = part.slice(eq + 1);
      const k = key.toLowerCase();
      if (k === 'name') {
        flush();
        current = { name: value, extra: {} };
        continue;
      }
      if (!current) current = { extra: {} };
      if (k === 'isenabled') current.isEnabled = value;
      else if (k === 'additionalextensionproperties') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          throw new PalisadeError('InvalidExtension', `--extensions: additionalExtensionProperties must be a JSON object ('${value}' given)`, { kind: 'argument', target: 'extensions' });
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new PalisadeError('InvalidExtension', `--extensions: additionalExtensionProperties must be a JSON object`, { kind: 'argument', target: 'extensions' });
        }
        Object.assign(current.extra, parsed);
      } else current.extra[key] = value;
    }
  }
  flush();
  return out;
}

export interface PricingUpdate {
  plan: PlanDefinition;
  tier: PricingTier;
  subPlan?: string;
  extensions?: PricingExtension[];
}

/** Validates `--name --tier [--subplan] [--extensions]`: coded errors list the valid values. */
export function validatePricingUpdate(input: { name: string; tier: string; subPlan?: string; extensions?: readonly PricingExtension[] }): PricingUpdate {
  const plan = planDefinition(input.name);
  const tier = parsePricingTier(input.tier);
  let subPlan: string | undefined;
  if (input.subPlan !== undefined && input.subPlan !== '') {
    const hit = plan.subPlans.find((s) => s.toLowerCase() === input.subPlan!.trim().toLowerCase());
    if (!hit) {
      throw new PalisadeError('InvalidSubPlan', `'${input.subPlan}' is not a sub-plan of ${plan.name}. Valid values: ${list(plan.subPlans)}.`, { kind: 'validation', target: 'subplan' });
    }
    if (tier !== 'Standard') throw new PalisadeError('InvalidSubPlan', `a sub-plan needs --tier Standard (${plan.name} '${input.subPlan}' with tier ${tier})`, { kind: 'validation', target: 'subplan' });
    subPlan = hit;
  }
  if (plan.deprecated && tier === 'Standard') {
    throw new PalisadeError('PlanDeprecated', `The plan ${plan.name} is deprecated and cannot be enabled; use ${list(plan.replacedBy ?? [])}.`, { kind: 'validation', target: 'name' });
  }
  let extensions: PricingExtension[] | undefined;
  if (input.extensions && input.extensions.length > 0) {
    extensions = input.extensions.map((e) => {
      const hit = plan.extensions.find((n) => n.toLowerCase() === e.name.toLowerCase());
      if (!hit) {
        throw new PalisadeError('InvalidExtensionName', `'${e.name}' is not an extension of ${plan.name}. Valid values: ${list(plan.extensions)}.`, { kind: 'validation', target: 'extensions' });
      }
      return { ...e, name: hit };
    });
  }
  return { plan, tier, subPlan, extensions };
}

function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The pricing id of a plan in a subscription. */
export function pricingId(subscriptionId: string, plan: string): string {
  return `/subscriptions/${subscriptionId}/providers/${PRICING_TYPE}/${plan}`;
}

/**
 * The new `securityresources` row after a pricing update (PUT semantics of 2024-01-01): tier and sub-plan as given
 * (Standard without a sub-plan keeps the current one, else the plan's default), extensions merged by name over the
 * current ones, `enablementTime` set when the plan turns Standard (kept while it stays Standard).
 */
export function applyPricingUpdate(input: { subscriptionId: string; tenantId: string; existing?: ArgRow; update: PricingUpdate; now: Date }): ArgRow {
  const { update, existing } = input;
  const before = asRecord(existing?.properties);
  const wasStandard = before.pricingTier === 'Standard';
  const props: Record<string, unknown> = { pricingTier: update.tier };
  if (update.tier === 'Standard') {
    const sub = update.subPlan ?? (typeof before.subPlan === 'string' && update.plan.subPlans.includes(before.subPlan) ? before.subPlan : update.plan.defaultSubPlan);
    if (sub) props.subPlan = sub;
  }
  props.freeTrialRemainingTime = 'PT0S';
  if (update.tier === 'Standard') props.enablementTime = wasStandard && typeof before.enablementTime === 'string' ? before.enablementTime : input.now.toISOString();
  const current = Array.isArray(before.extensions) ? (before.extensions as PricingExtension[]) : [];
  if (update.tier === 'Standard') {
    const merged = new Map(current.map((e) => [e.name.toLowerCase(), { ...e }]));
    for (const e of update.extensions ?? []) merged.set(e.name.toLowerCase(), { ...e, operationStatus: { code: 'Succeeded' } });
    if (merged.size > 0) props.extensions = [...merged.values()];
    props.resourcesCoverageStatus = 'FullyCovered';
  }
  const plan = update.plan.name;
  return {
    ...(existing ?? {}),
    id: pricingId(input.subscriptionId, plan),
    name: plan,
    type: PRICING_TYPE.toLowerCase(),
    tenantId: existing?.tenantId ?? input.tenantId,
    kind: '',
    location: '',
    resourceGroup: '',
    subscriptionId: input.subscriptionId,
    managedBy: '',
    sku: null,
    plan: null,
    properties: props,
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  } as ArgRow;
}

/** A plan with no row in the estate: Free, as Azure lists every plan of a registered subscription. */
export function defaultPricingRow(subscriptionId: string, tenantId: string, plan: PlanDefinition): ArgRow {
  return {
    id: pricingId(subscriptionId, plan.name),
    name: plan.name,
    type: PRICING_TYPE.toLowerCase(),
    tenantId,
    subscriptionId,
    properties: { pricingTier: 'Free', freeTrialRemainingTime: 'PT0S' },
  } as ArgRow;
}

/**
 * The pricing as `az security pricing show` prints it (2024-01-01 model, `properties` flattened, absent fields null):
 * `id, name, type, pricingTier, subPlan, freeTrialRemainingTime, enablementTime, enforce, inherited, inheritedFrom,
 * resourcesCoverageStatus, deprecated, replacedBy, extensions`.
 */
export function toAzPricing(row: ArgRow): Record<string, unknown> {
  const p = asRecord(row.properties);
  const plan = byName.get(String(row.name).toLowerCase());
  const tier = p.pricingTier === 'Standard' ? 'Standard' : 'Free';
  return {
    deprecated: plan?.deprecated ?? (typeof p.deprecated === 'boolean' ? p.deprecated : null),
    enablementTime: typeof p.enablementTime === 'string' ? p.enablementTime : null,
    enforce: typeof p.enforce === 'string' ? p.enforce : null,
    extensions: Array.isArray(p.extensions) ? p.extensions : null,
    freeTrialRemainingTime: typeof p.freeTrialRemainingTime === 'string' ? p.freeTrialRemainingTime : 'PT0S',
    id: pricingId(String(row.subscriptionId ?? ''), plan?.name ?? String(row.name)),
    inherited: typeof p.inherited === 'string' ? p.inherited : 'False',
    inheritedFrom: typeof p.inheritedFrom === 'string' ? p.inheritedFrom : null,
    name: plan?.name ?? row.name,
    pricingTier: tier,
    replacedBy: plan?.replacedBy ? [...plan.replacedBy] : null,
    resourcesCoverageStatus: typeof p.resourcesCoverageStatus === 'string' ? p.resourcesCoverageStatus : tier === 'Standard' ? 'FullyCovered' : 'NotCovered',
    subPlan: typeof p.subPlan === 'string' ? p.subPlan : null,
    type: PRICING_TYPE,
  };
}

/** The ARM wire shape (`properties` nested), as `az rest` prints it. */
export function toArmPricing(row: ArgRow): { id: string; name: string; type: string; properties: Record<string, unknown> } {
  const { id, name, type, ...properties } = toAzPricing(row);
  for (const k of Object.keys(properties)) if (properties[k] === null) delete properties[k];
  return { id: String(id), name: String(name), type: String(type), properties };
}

/**
 * Every plan of a subscription: its rows (by name), plus a Free row for plans without one, in catalog order;
 * rows of names Palisade does not know come last.
 */
export function subscriptionPricings(subscriptionId: string, tenantId: string, rows: Iterable<ArgRow>): ArgRow[] {
  const found = new Map<string, ArgRow>();
  for (const r of rows) found.set(String(r.name).toLowerCase(), r);
  const out: ArgRow[] = [];
  for (const plan of PLAN_DEFINITIONS) {
    const k = plan.name.toLowerCase();
    out.push(found.get(k) ?? defaultPricingRow(subscriptionId, tenantId, plan));
    found.delete(k);
  }
  out.push(...[...found.values()].sort((a, b) => String(a.name).localeCompare(String(b.name))));
  return out;
}

// ---------------------------------------------------------------------------------------------------- coverage

export interface CoverageSubscription {
  subscriptionId: string;
  displayName: string;
  pricingTier: PricingTier;
  /** Resources of the subscription the plan would protect. */
  resourceCount: number;
  resourceTypes: Record<string, number>;
  resources: string[];
}

export interface PlanCoverage {
  plan: string;
  displayName: string;
  coveredSubscriptions: number;
  uncoveredSubscriptionCount: number;
  uncoveredResourceCount: number;
  uncoveredSubscriptions: CoverageSubscription[];
}

export interface CoverageInput {
  subscriptions: ReadonlyArray<{ subscriptionId: string; displayName: string }>;
  /** Pricing rows of the estate (any subscriptions). */
  pricings: Iterable<ArgRow>;
  /** Resource rows (id, type, subscriptionId) of the estate. */
  resources: Iterable<{ id: string; type: string; subscriptionId: string | null }>;
  /** Only these plans (default: every non-deprecated plan). */
  plans?: readonly PlanDefinition[];
  /** Include plans with nothing uncovered (default false). */
  includeCovered?: boolean;
}

/**
 * Per plan, the subscriptions where it is not Standard, with the resources it would protect there. A subscription
 * without a pricing row counts as Free. Subscription-wide plans (CloudPosture, Arm) list every such subscription;
 * plans that protect resource types list those that hold resources of the types.
 */
export function computeCoverage(input: CoverageInput): PlanCoverage[] {
  const plans = input.plans ?? PLAN_DEFINITIONS.filter((p) => !p.deprecated);
  const tiers = new Map<string, PricingTier>();
  for (const r of input.pricings) {
    const sub = String(r.subscriptionId ?? '').toLowerCase();
    tiers.set(`${sub}|${String(r.name).toLowerCase()}`, asRecord(r.properties).pricingTier === 'Standard' ? 'Standard' : 'Free');
  }
  const bySub = new Map<string, Array<{ id: string; type: string }>>();
  for (const r of input.resources) {
    const sub = (r.subscriptionId ?? '').toLowerCase();
    if (!sub) continue;
    let l = bySub.get(sub);
    if (!l) bySub.set(sub, (l = []));
    l.push({ id: r.id, type: r.type.toLowerCase() });
  }
  const subs = [...input.subscriptions].sort((a, b) => a.displayName.localeCompare(b.displayName) || a.subscriptionId.localeCompare(b.subscriptionId));
  const out: PlanCoverage[] = [];
  for (const plan of plans) {
    const types = new Set(plan.resourceTypes);
    const all = types.has('*');
    let covered = 0;
    const uncovered: CoverageSubscription[] = [];
    for (const s of subs) {
      const tier = tiers.get(`${s.subscriptionId.toLowerCase()}|${plan.name.toLowerCase()}`) ?? 'Free';
      if (tier === 'Standard') {
        covered++;
        continue;
      }
      const mine = (bySub.get(s.subscriptionId.toLowerCase()) ?? []).filter((r) => all || types.has(r.type));
      if (!all && types.size > 0 && mine.length === 0) continue; // nothing the plan would protect here
      const byType: Record<string, number> = {};
      for (const r of mine) byType[r.type] = (byType[r.type] ?? 0) + 1;
      uncovered.push({
        subscriptionId: s.subscriptionId,
        displayName: s.displayName,
        pricingTier: tier,
        resourceCount: mine.length,
        resourceTypes: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        resources: mine.map((r) => r.id).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)),
      });
    }
    if (uncovered.length === 0 && !input.includeCovered) continue;
    out.push({
      plan: plan.name,
      displayName: plan.displayName,
      coveredSubscriptions: covered,
      uncoveredSubscriptionCount: uncovered.length,
      uncoveredResourceCount: uncovered.reduce((n, s) => n + s.resourceCount, 0),
      uncoveredSubscriptions: uncovered,
    });
  }
  return out;
}
