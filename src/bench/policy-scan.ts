/**
 * Shared by bench:policy and bench:graph: the estate of a cached sample loaded for the policy scanner, the MCSB
 * initiative assigned at `contoso-root` and its scanner, plus the process plumbing of the benchmarks (the relaunch
 * with a larger heap, the CPU profile, CPU seconds, formatting).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { loadCatalog } from '../catalog/index.js';
import { fixedClock } from '../core/index.js';
import { loadEstate, type ManagementGroupTree } from '../estate/index.js';
import { PolicyScanner, type ArmResource, type PolicyAssignment, type PolicyExemption } from '../policy/index.js';

export const MCSB = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
export const ROOT_MG = '/providers/Microsoft.Management/managementGroups/contoso-root';
export const ASSIGNMENT_ID = `${ROOT_MG}/providers/Microsoft.Authorization/policyAssignments/mcsb-mg-root`;

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const line = (label: string, value: string) => console.log(`${label.padEnd(40)} ${value}`);

export interface Estate {
  /** Every row of every table (policy objects included: some policies look assignments up). */
  resources: ArmResource[];
  /** Exemptions of the MCSB assignment. */
  exemptions: PolicyExemption[];
  tree: ManagementGroupTree;
  baseTime: string;
  rows: number;
}

/** loadEstate over the sample's files (validated rows), the MCSB exemptions picked out; `sampleDir` holds manifest.json. */
export async function loadPolicyEstate(files: string[], sampleDir: string): Promise<Estate> {
  const loaded = loadEstate(files, { batchSize: 10_000 });
  const resources: ArmResource[] = [];
  const exemptions: PolicyExemption[] = [];
  let rows = 0;
  for await (const batch of loaded.batches()) {
    for (const rec of batch) {
      rows++;
      const t = rec.row.type.toLowerCase();
      if (t === 'microsoft.authorization/policyexemptions') {
        const e = rec.row as unknown as PolicyExemption;
        if (e.properties?.policyAssignmentId?.toLowerCase() === ASSIGNMENT_ID.toLowerCase()) exemptions.push(e);
      }
      // Policy objects stay in the estate (as `palisade policy` scans it): some policies look assignments up.
      resources.push(rec.row as ArmResource);
    }
  }
  const manifest = JSON.parse(readFileSync(join(sampleDir, 'manifest.json'), 'utf8')) as { baseTime: string };
  return { resources, exemptions, tree: loaded.tree, baseTime: manifest.baseTime, rows };
}

export function mcsbAssignment(): PolicyAssignment {
  return {
    id: ASSIGNMENT_ID,
    name: 'mcsb-mg-root',
    type: 'Microsoft.Authorization/policyAssignments',
    properties: { displayName: 'Microsoft cloud security benchmark', policyDefinitionId: MCSB, scope: ROOT_MG, parameters: {}, enforcementMode: 'Default' },
  };
}

/** The scanner of the MCSB assignment over the estate (builds the estate index and compiles the plan). */
export function mcsbScanner(estate: Estate, catalog = loadCatalog()): PolicyScanner {
  return new PolicyScanner({
    resources: estate.resources,
    assignments: [mcsbAssignment()],
    exemptions: estate.exemptions,
    definitions: (id) => catalog.resolve(id),
    aliases: catalog.aliases(),
    hierarchy: estate.tree,
    clock: fixedClock(estate.baseTime),
  });
}

/** User + system CPU seconds of this process since `since` (GC helper threads included). */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Starts a CPU profile; the returned function stops it and writes it to `file`. */
export async function startProfile(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`profile: ${file}`);
  };
}

/** The young generation the benchmarks (and the README's large-estate server) run with. */
export const DEFAULT_NODE_FLAGS = '--max-semi-space-size=128';

/**
 * Re-runs this script with `--max-old-space-size=heapMb` (plus BENCH_NODE_FLAGS) unless it already has one; true
 * when it did (the caller then does nothing more: the exit code is the child's).
 */
export function relaunchWithHeap(heapMb: number): boolean {
  if (process.execArgv.some((a) => a.startsWith('--max-old-space-size')) || process.env.BENCH_CHILD === '1') return false;
  // BENCH_NODE_FLAGS: V8 flags (default: the young generation a large-estate server is documented to run with).
  const extra = (process.env.BENCH_NODE_FLAGS ?? DEFAULT_NODE_FLAGS).split(/\s+/).filter(Boolean);
  console.log(`node flags: --max-old-space-size=${heapMb} ${extra.join(' ')}`.trimEnd());
  const r = spawnSync(process.execPath, [...process.execArgv, `--max-old-space-size=${heapMb}`, ...extra, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_CHILD: '1' },
  });
  process.exitCode = r.status ?? 1;
  return true;
}
