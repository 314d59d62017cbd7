/**
 * Sample telemetry for a generated sample estate: `palisade sample --out DIR --telemetry` writes DIR/telemetry/ with a
 * day of benign activity of some of the estate's storage accounts, key vaults, SQL databases, AKS clusters, Linux VMs
 * and API Management services, plus labelled attacks (docs/telemetry.md):
 *
 *   telemetry/<source>/<file>      the logs, one folder per source (storageBlob, keyVault, sqlAudit, kubernetesAudit,
 *                                  processEvent, sshAuth, apim); attack files are named attack-<id>.*
 *   telemetry/index.json           {"resources": {"<file stem>": "<resource id>"}} for the logs that name no resource
 *   telemetry/labels.json          the truth: each attack's alert type, plan, subscription, resource, severity and
 *                                  whether it must raise an alert (false on subscriptions whose plan is Free)
 *
 * It reads the estate back from DIR (resources.jsonl, securityresources.jsonl, manifest.json) and uses its own PRNG
 * streams, so the estate files are byte-identical with or without telemetry; the same estate and seed give
 * byte-identical telemetry. Every timestamp lies in the day before the sample's base time.
 */
import { readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PalisadeError, safeJsonParse } from '../../core/index.js';
import type { PlanName } from './constants.js';
import { ATTACKS, FREE_REPEATS, type AlertSeverity, type AttackScenario } from './telemetry-attacks.js';
import { aksBackground, apimBackground, sqlBackground, storageBackground, vaultBackground, vmBackground } from './telemetry-background.js';
import { SampleTelemetryContext } from './telemetry-context.js';
import { PLAN_OF_KIND, planState, readTelemetryInventory, type TelemetryInventory, type TelemetryResource, type TelemetryResourceKind } from './telemetry-inventory.js';
import { WINDOW_END, WINDOW_START } from './telemetry-records.js';
import type { DirectoryPrincipal } from './telemetry-profiles.js';

export const TELEMETRY_DIRECTORY = 'telemetry';

export interface SampleAttackLabel {
  id: string;
  alertType: string;
  plan: PlanName;
  subscriptionId: string;
  resourceId: string;
  severity: AlertSeverity;
  expectAlert: boolean;
  /** The plan's tier on the subscription (and its sub-plan when it has one). */
  planTier: 'Free' | 'Standard';
  subPlan?: string;
  description: string;
  /** Paths relative to the telemetry directory. */
  files: string[];
  /** Security events the attack's files hold. */
  events: number;
  startTime: string;
}

export interface SampleTelemetryLabels {
  generator: 'palisade-sample-telemetry';
  formatVersion: 1;
  seed: string;
  /** Every event lies in [start, end). */
  window: { start: string; end: string };
  attacks: SampleAttackLabel[];
  background: { files: string[]; events: number; resources: Record<TelemetryResourceKind, number> };
}

export interface SampleTelemetryOptions {
  /** The sample directory (with the estate files and manifest.json). */
  outDir: string;
  /** Defaults to the manifest's seed. */
  seed?: string;
}

export interface SampleTelemetrySummary {
  directory: string;
  files: number;
  events: number;
  attacks: number;
  expectedAlerts: number;
}

/** How many resources of each kind have background activity (at least; attacked resources always have some). */
const BACKGROUND_RESOURCES: Record<TelemetryResourceKind, number> = { storage: 6, keyVault: 6, sqlDatabase: 4, aks: 3, linuxVm: 8, apim: 3 };
const KINDS: readonly TelemetryResourceKind[] = ['storage', 'keyVault', 'sqlDatabase', 'aks', 'linuxVm', 'apim'];

interface ManifestFacts {
  seed: string;
  tenantId: string;
  principals: DirectoryPrincipal[];
}

async function readManifest(outDir: string): Promise<ManifestFacts> {
  const path = join(outDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PalisadeError('SampleNotFound', `${path}: the sample estate must be generated before its telemetry (${(err as Error).message})`, { kind: 'notFound', target: outDir });
  }
  const manifest = safeJsonParse(text) as { seed?: unknown; tenantId?: unknown; principals?: unknown };
  if (typeof manifest.seed !== 'string' || typeof manifest.tenantId !== 'string' || !Array.isArray(manifest.principals)) {
    throw new PalisadeError('SampleManifestInvalid', `${path}: not a palisade sample manifest`, { kind: 'validation', location: { file: path } });
  }
  return { seed: manifest.seed, tenantId: manifest.tenantId, principals: manifest.principals as DirectoryPrincipal[] };
}

interface PlannedAttack {
  id: string;
  scenario: AttackScenario;
  target: TelemetryResource;
  expectAlert: boolean;
}

/** Picks each attack's target: a resource of its kind on a subscription whose plan is Standard (Free for the repeats). */
function planAttacks(ctx: SampleTelemetryContext, inventory: TelemetryInventory): PlannedAttack[] {
  const planned: PlannedAttack[] = [];
  const used = new Set<string>();
  const pick = (scenario: AttackScenario, tier: 'Free' | 'Standard', label: string): TelemetryResource | undefined => {
    const rng = ctx.rng('attack-target', label);
    const plan = PLAN_OF_KIND[scenario.kind];
    const eligible = inventory.resources[scenario.kind].filter((r) => planState(inventory, r.subscriptionId, plan).tier === tier);
    const p2 = scenario.kind === 'linuxVm' && tier === 'Standard' ? eligible.filter((r) => planState(inventory, r.subscriptionId, plan).subPlan === 'P2') : [];
    const pool = p2.length > 0 ? p2 : eligible;
    const preferred = scenario.prefer ? pool.filter(scenario.prefer) : pool;
    const fresh = (list: TelemetryResource[]): TelemetryResource[] => list.filter((r) => !used.has(r.id));
    for (const list of [fresh(preferred), fresh(pool), preferred, pool]) {
      if (list.length > 0) {
        const chosen = list[rng.int(0, list.length - 1)];
        used.add(chosen.id);
        return chosen;
      }
    }
    return undefined;
  };
  for (const scenario of ATTACKS) {
    const target = pick(scenario, 'Standard', scenario.key);
    if (target) planned.push({ id: scenario.key, scenario, target, expectAlert: true });
  }
  for (const key of FREE_REPEATS) {
    const scenario = ATTACKS.find((a) => a.key === key)!;
    const target = pick(scenario, 'Free', `free-${key}`);
    if (target) planned.push({ id: `free-${key}`, scenario, target, expectAlert: false });
  }
  return planned;
}

export async function writeSampleTelemetry(options: SampleTelemetryOptions): Promise<SampleTelemetrySummary> {
  const facts = await readManifest(options.outDir);
  const seed = options.seed ?? facts.seed;
  const inventory = await readTelemetryInventory(options.outDir);
  const ctx = new SampleTelemetryContext(seed, facts.tenantId, facts.principals);
  const planned = planAttacks(ctx, inventory);

  // Background: the attacked resources plus a few more of each kind.
  const backgroundFiles: string[] = [];
  const backgroundCounts = {} as Record<TelemetryResourceKind, number>;
  for (const kind of KINDS) {
    const chosen = new Map<string, TelemetryResource>();
    for (const a of planned) if (a.target.kind === kind) chosen.set(a.target.id, a.target);
    const rng = ctx.rng('background-pick', kind);
    const all = inventory.resources[kind];
    for (const r of rng.sample(all, Math.min(all.length, BACKGROUND_RESOURCES[kind] * 3))) {
      if (chosen.size >= BACKGROUND_RESOURCES[kind]) break;
      chosen.set(r.id, r);
    }
    const resources = [...chosen.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    backgroundCounts[kind] = resources.length;
    for (const r of resources) {
      switch (kind) {
        case 'storage':
          backgroundFiles.push(storageBackground(ctx, r));
          break;
        case 'keyVault':
          backgroundFiles.push(vaultBackground(ctx, r));
          break;
        case 'sqlDatabase':
          backgroundFiles.push(sqlBackground(ctx, r));
          break;
        case 'aks':
          backgroundFiles.push(aksBackground(ctx, r));
          break;
        case 'linuxVm':
          backgroundFiles.push(...vmBackground(ctx, r));
          break;
        case 'apim':
          backgroundFiles.push(apimBackground(ctx, r));
          break;
      }
    }
  }

  // Attacks, spread over the day: from 06:00 (after six hours of ordinary activity to learn from), 40 minutes apart.
  const labels: SampleAttackLabel[] = [];
  planned.forEach((a, k) => {
    const start = WINDOW_START + 6 * 3_600_000 + k * 40 * 60_000 + ctx.rng('attack-time', a.id).int(0, 10 * 60_000);
    const { files, description } = a.scenario.write(ctx, a.target, start, a.id);
    const state = planState(inventory, a.target.subscriptionId, a.scenario.plan);
    const label: SampleAttackLabel = {
      id: a.id,
      alertType: a.scenario.alertType,
      plan: a.scenario.plan,
      subscriptionId: a.target.subscriptionId,
      resourceId: a.target.id,
      severity: a.scenario.severity,
      expectAlert: a.expectAlert,
      planTier: state.tier,
      ...(state.subPlan === undefined ? {} : { subPlan: state.subPlan }),
      description: a.expectAlert ? description : `${description} The subscription's ${a.scenario.plan} plan is Free, so no alert is expected.`,
      files,
      events: ctx.files.events(files),
      startTime: new Date(start).toISOString(),
    };
    labels.push(label);
  });

  const dir = join(options.outDir, TELEMETRY_DIRECTORY);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await ctx.files.write(dir);
  const index = Object.fromEntries([...ctx.index.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ resources: index }, null, 2) + '\n', 'utf8');
  const background = [...new Set(backgroundFiles)].sort();
  const result: SampleTelemetryLabels = {
    generator: 'palisade-sample-telemetry',
    formatVersion: 1,
    seed,
    window: { start: new Date(WINDOW_START).toISOString(), end: new Date(WINDOW_END).toISOString() },
    attacks: labels,
    background: { files: background, events: ctx.files.events(background), resources: backgroundCounts },
  };
  await writeFile(join(dir, 'labels.json'), JSON.stringify(result, null, 2) + '\n', 'utf8');
  return {
    directory: dir,
    files: ctx.files.paths().length,
    events: result.background.events + labels.reduce((n, l) => n + l.events, 0),
    attacks: labels.length,
    expectedAlerts: labels.filter((l) => l.expectAlert).length,
  };
}
