/**
 * bench:policy — the Microsoft cloud security benchmark initiative (MCSB, from the shipped catalog) assigned at the
 * `contoso-root` management group, over the 1,000,000-resource sample (cached in .bench-cache/; BENCH_RESOURCES
 * picks another cached size, e.g. 100000, for quick runs). In one process it measures:
 *
 *  (a) the baseline: reading the estate's JSON Lines files line by line and JSON.parse-ing every line;
 *  (b) loading the estate (loadEstate + the scanner's index and compiled plan, reported on its own) and the full
 *      evaluation of every (assignment, reference, resource) the type index admits: evaluations, evaluations/s,
 *      states by compliance, the summary, and the ratio evaluation / baseline parse;
 *  (c) incremental re-evaluation: BENCH_CHANGES (default 1,000) random resources, each with a property flipped,
 *      median and p95 of `reevaluateResource`;
 *  (d) peak RSS.
 *
 * Goals (issue 3): evaluation ≤ 1× parse, ≥ 1,000,000 evaluations/s on one core, re-evaluation median ≤ 1 ms.
 * The process re-runs itself with a larger heap when started without --max-old-space-size (1M parsed resources do
 * not fit V8's default heap), adding BENCH_NODE_FLAGS. BENCH_SCANS=n repeats the full scan (the machine may be
 * shared); BENCH_LIST=1 also times listing every state in PolicyInsights shape; BENCH_PROFILE=file.cpuprofile
 * writes a CPU profile of the first full scan.
 */
import { statSync } from 'node:fs';
import { baselineParse, ensureSample as ensureCachedSample, estateFiles as cachedEstateFiles, sampleDir } from './sample-cache.js';
import { cpuSeconds, fmt, line, loadPolicyEstate, mcsbScanner, percentile, relaunchWithHeap, startProfile } from './policy-scan.js';
import { loadCatalog } from '../catalog/index.js';
import type { ArmResource } from '../policy/index.js';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 1_000_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 1_000);
/** Full scans to run (the first is reported; with more, the fastest too: the machine may be shared). */
const SCANS = Number(process.env.BENCH_SCANS ?? 1);
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? 16_384);
const CACHE = sampleDir(RESOURCES);
const ensureSample = (): void => void ensureCachedSample(RESOURCES);
const estateFiles = (): string[] => cachedEstateFiles(CACHE);

/** A property flip that policies read (public network access, TLS, HTTPS, blob access), on a copy. */
function flipped(resource: ArmResource, i: number): ArmResource {
  const copy = structuredClone(resource);
  const props = (copy.properties ??= {}) as Record<string, unknown>;
  switch (i % 4) {
    case 0:
      props.publicNetworkAccess = props.publicNetworkAccess === 'Disabled' ? 'Enabled' : 'Disabled';
      break;
    case 1:
      props.minimumTlsVersion = props.minimumTlsVersion === 'TLS1_2' ? 'TLS1_0' : 'TLS1_2';
      break;
    case 2:
      props.supportsHttpsTrafficOnly = props.supportsHttpsTrafficOnly !== true;
      break;
    default:
      props.allowBlobPublicAccess = props.allowBlobPublicAccess !== true;
  }
  return copy;
}

async function main(): Promise<void> {
  ensureSample();
  const files = estateFiles();
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  console.log(`input: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB; node ${process.version}`);

  // (a) baseline
  await baselineParse(files); // warm the page cache
  globalThis.gc?.();
  let t = performance.now();
  let cpu = process.cpuUsage();
  const parsedRows = await baselineParse(files);
  const parseSeconds = (performance.now() - t) / 1000;
  const parseCpu = cpuSeconds(cpu);
  line('baseline: readline + JSON.parse', `${parseSeconds.toFixed(2)} s, cpu ${parseCpu.toFixed(2)} s (${fmt(parsedRows)} rows, ${fmt(parsedRows / parseSeconds)} rows/s)`);

  // (b) load, plan, evaluate
  globalThis.gc?.();
  t = performance.now();
  const estate = await loadPolicyEstate(files, CACHE);
  const loadSeconds = (performance.now() - t) / 1000;
  line('load: loadEstate (validated rows)', `${loadSeconds.toFixed(2)} s (${fmt(estate.rows)} rows, ${fmt(estate.resources.length)} resources)`);

  const catalog = loadCatalog();
  t = performance.now();
  const scanner = mcsbScanner(estate, catalog);
  const indexSeconds = (performance.now() - t) / 1000;
  estate.resources.length = 0;
  line('load: scanner (estate index + compile)', `${indexSeconds.toFixed(2)} s (${scanner.compiler.size} compiled variants)`);

  globalThis.gc?.();
  const profile = process.env.BENCH_PROFILE ? await startProfile(process.env.BENCH_PROFILE) : undefined;
  t = performance.now();
  cpu = process.cpuUsage();
  const result = scanner.scan();
  const scanSeconds = (performance.now() - t) / 1000;
  const scanCpu = cpuSeconds(cpu);
  if (profile) await profile();
  const evaluations = result.metrics.evaluations;
  line('evaluate: full scan (with summary)', `${scanSeconds.toFixed(2)} s (evaluating ${(result.metrics.evaluateMillis / 1000).toFixed(2)} s, summary ${((result.metrics.millis - result.metrics.evaluateMillis) / 1000).toFixed(2)} s)`);
  const engine = evaluations - result.metrics.typeDecided;
  line('evaluations', `${fmt(evaluations)} (${(evaluations / scanner.index.size).toFixed(2)} per resource); ${fmt(engine)} by the engine, ${fmt(result.metrics.typeDecided)} decided per type (assessment absent)`);
  line('evaluations/s', `${fmt(evaluations / scanSeconds)} wall, ${fmt(evaluations / scanCpu)} per cpu-second (goal ≥ 1,000,000); engine-evaluated pairs ${fmt(engine / scanSeconds)}/s`);
  line('ratio evaluation / parse', `${(scanSeconds / parseSeconds).toFixed(2)} wall, ${(scanCpu / parseCpu).toFixed(2)} cpu (goal ≤ 1.00)`);
  const counts = result.stateCounts;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  line('states', `${fmt(total)} (${Object.entries(counts).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})`);
  for (let i = 1; i < SCANS; i++) {
    globalThis.gc?.();
    const s = performance.now();
    const c = process.cpuUsage();
    const again = scanner.scan();
    const seconds = (performance.now() - s) / 1000;
    const cs = cpuSeconds(c);
    line(`evaluate: full scan again (${i + 1}/${SCANS})`, `${seconds.toFixed(2)} s (cpu ${cs.toFixed(2)} s), ${fmt(again.metrics.evaluations / seconds)} evaluations/s, ratio ${(seconds / parseSeconds).toFixed(2)}`);
  }
  const summary = result.summary;
  line('summary', `${summary.results.compliancePercentage}% compliant over ${fmt(summary.results.totalResources)} resources; ${summary.results.nonCompliantPolicies} non-compliant policies`);
  line('not evaluated', JSON.stringify(result.notEvaluated));
  if (process.env.BENCH_LIST === '1') {
    t = performance.now();
    const listed = result.states.length;
    line('listing every state (PolicyInsights shape)', `${((performance.now() - t) / 1000).toFixed(2)} s (${fmt(listed)} records)`);
  }

  // (c) incremental
  // Resources some MCSB policy evaluates (a flip on a type no policy reads would flatter the figure).
  const candidates: string[] = [];
  for (const r of scanner.index.indexed()) if (scanner.entriesFor(r.typeKey).length > 0) candidates.push(r.resource.id);
  let x = 0x9e3779b9;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const times: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const id = candidates[next() % candidates.length];
    const changed = flipped(scanner.index.get(id)!, i);
    const s = performance.now();
    scanner.reevaluateResource(id, changed);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  line(`re-evaluate one changed resource (${fmt(CHANGES)} of ${fmt(candidates.length)} evaluated)`, `median ${percentile(times, 0.5).toFixed(3)} ms, p95 ${percentile(times, 0.95).toFixed(3)} ms, max ${times[times.length - 1].toFixed(2)} ms (goal median ≤ 1 ms)`);

  // (d) memory
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  line('peak RSS', `${fmt(peakRssMb)} MB; heap used ${fmt(process.memoryUsage().heapUsed / 1e6)} MB`);
}

if (!relaunchWithHeap(HEAP_MB)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
