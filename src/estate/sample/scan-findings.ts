/**
 * Which of a subscription's VMs and images the agentless scanner reports on, and what it finds. Scanning runs only
 * where Defender CSPM (or Defender for Servers Plan 2) is on and the scanner is not blocked — the scenario's scanner
 * subscriptions, whose snapshot disks the restricted-region deny policy stops, show no findings until that is fixed. VMs on legacy
 * images carry the critical, remotely exploitable CVEs; a quarter of the others are scanned with low and medium
 * findings (a tenth of those high); a few hold plaintext secrets that open a storage account, a SQL server or another VM.
 * Uses its own PRNG stream, so the estate rows are the same with or without findings.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SubContext } from './context.js';
import { sampleFindingFiles, sampleImageResourceId, type SampleFindingTarget } from './findings.js';
import { Rng } from './prng.js';

export interface SubscriptionFindings {
  scanned: boolean;
  /** Why not, when not scanned. */
  reason?: 'scannerBlocked' | 'planOff';
  targets: number;
  files: number;
}

export function scanningActive(ctx: SubContext): SubscriptionFindings['reason'] | undefined {
  if (ctx.sub.scanner) return 'scannerBlocked';
  const p2 = ctx.plans.get('VirtualMachines');
  const cspm = ctx.plans.get('CloudPosture');
  if (cspm?.tier === 'Standard' || (p2?.tier === 'Standard' && p2.subPlan === 'P2')) return undefined;
  return 'planOff';
}

/**
 * Writes what the scanner finds on the subscription's disks and images under `findings/<subscriptionId>/` — for every
 * subscription, scanned or not: where scanning is off or blocked the files stand for what it would report once it
 * runs (Palisade shows agentless findings only where scanning is provisioned; see `findings/agentless.json`).
 */
export async function writeSubscriptionFindings(ctx: SubContext, outDir: string, seed: string, baseTime: string): Promise<SubscriptionFindings> {
  const reason = scanningActive(ctx);
  const rng = new Rng(seed, 'scanner', ctx.subscriptionId);
  const targets: SampleFindingTarget[] = [];
  const scannedVms: Array<{ id: string; name: string }> = [];
  for (const vm of ctx.scanTargets) {
    const include = vm.legacy || rng.chance(0.25);
    if (!include) continue;
    const target: SampleFindingTarget = { resourceId: vm.id, kind: 'vm', name: vm.name, highSeverity: vm.legacy || rng.chance(0.1) };
    const secrets: NonNullable<SampleFindingTarget['secrets']> = [];
    const storage = ctx.storage.items.length > 0 ? ctx.storage.items[rng.int(0, ctx.storage.items.length - 1)] : undefined;
    if (storage && rng.chance(0.05)) secrets.push({ type: 'storageConnectionString', targetResourceId: storage.id, targetName: storage.name });
    const sql = ctx.sqlServers.length > 0 ? ctx.sqlServers[rng.int(0, ctx.sqlServers.length - 1)] : undefined;
    if (sql && rng.chance(0.03)) secrets.push({ type: 'sqlConnectionString', targetResourceId: sql.id, targetName: sql.name });
    const peer = scannedVms.length > 0 ? scannedVms[rng.int(0, scannedVms.length - 1)] : undefined;
    if (peer && rng.chance(0.03)) secrets.push({ type: 'sshPrivateKey', targetResourceId: peer.id, targetName: peer.name });
    if (secrets.length > 0) target.secrets = secrets;
    targets.push(target);
    scannedVms.push({ id: vm.id, name: vm.name });
  }
  for (const registry of ctx.scannedRegistries) {
    const images = rng.int(1, 3);
    for (let i = 0; i < images; i++) {
      const image = `${registry.loginServer}/${ctx.sub.app}-${rng.pick(['api', 'web', 'worker', 'jobs'])}:1.${rng.int(0, 9)}.${rng.int(0, 30)}`;
      targets.push({ resourceId: sampleImageResourceId(registry.id, image), kind: 'image', image, name: image.slice(image.indexOf('/') + 1), highSeverity: rng.chance(0.3) });
    }
  }
  const files = sampleFindingFiles(targets, baseTime, `${seed}|${ctx.subscriptionId}`);
  // One directory per subscription: VM names repeat across subscriptions.
  const dir = join(outDir, 'findings', ctx.subscriptionId);
  if (files.length > 0) await mkdir(dir, { recursive: true });
  for (const f of files) await writeFile(join(dir, basename(f.file)), f.text, 'utf8');
  return { scanned: reason === undefined, ...(reason ? { reason } : {}), targets: targets.length, files: files.length };
}

/** `findings/agentless.json`: marks the directory as the agentless scanner's, so importers gate it by provisioning. */
export async function writeAgentlessMarker(outDir: string, findings: { scannedSubscriptionIds: string[]; blockedSubscriptionIds: string[] }): Promise<void> {
  const marker = {
    source: 'agentless',
    description: "Defender's agentless scanner output, one directory per subscription. Palisade adds a subscription's findings to the security graph only while scanning is provisioned there (Defender CSPM or Servers Plan 2 on, and no policy denying the scanner's snapshot disks).",
    scannedAtGeneration: findings.scannedSubscriptionIds,
    blockedAtGeneration: findings.blockedSubscriptionIds,
  };
  await mkdir(join(outDir, 'findings'), { recursive: true });
  await writeFile(join(outDir, 'findings', 'agentless.json'), `${JSON.stringify(marker, null, 2)}\n`, 'utf8');
}
