/**
 * `npm run bench:api`: the API server on loopback under autocannon — GET secureScores (cached evaluation) and a paged
 * assessments list — with req/s, p99 latency and memory (RSS, heap) at start and end, and the heap sampled every 5 s
 * through the secure-score run (BENCH_SECONDS=300 for the 5-minute memory check). Uses the cached sample estate
 * (`BENCH_RESOURCES`, default 20,000 resources) imported into a temporary SQLite store.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../cli/index.js';
import { startServer } from '../api/index.js';
import { ensureSample } from './sample-cache.js';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function mem(): { rssMb: number; heapMb: number } {
  const m = process.memoryUsage();
  return { rssMb: Math.round(m.rss / 1048576), heapMb: Math.round(m.heapUsed / 1048576) };
}

async function cli(args: string[]): Promise<void> {
  const io: CliIO = { stdout: () => undefined, stderr: (t) => process.stderr.write(t), stdoutIsTTY: false, env: process.env };
  const code = await main(['node', 'palisade', ...args], io);
  if (code !== 0) throw new Error(`palisade ${args.join(' ')} exited ${code}`);
}

async function run(): Promise<void> {
  const resources = Number(process.env.BENCH_RESOURCES ?? 20000);
  const duration = Number(process.env.BENCH_SECONDS ?? 10);
  const dir = ensureSample(resources);
  const store = join(mkdtempSync(join(tmpdir(), 'palisade-bench-api-')), 'p.db');
  await cli(['estate', 'import', '--from', dir, '--store', store, '-o', 'none']);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { scenario: { busiestSubscriptionIds: string[] } };
  const sub = manifest.scenario.busiestSubscriptionIds[0];
  const server = await startServer({ store, port: 0, auth: 'token', rateLimit: { max: 1e9, windowMs: 60_000 } });
  const token = server.createToken({ role: 'Reader', scope: '/' });
  const headers = { authorization: `Bearer ${token}` };
  const start = mem();
  const warm = performance.now();
  await fetch(`${server.url}/subscriptions/${sub}/providers/Microsoft.Security/secureScores?api-version=2020-01-01`, { headers });
  const firstBuildMs = Math.round(performance.now() - warm);
  globalThis.gc?.();
  const afterBuild = mem();
  const out: Record<string, unknown> = { resources, firstBuildMs, memoryStart: start, memoryAfterFirstBuild: afterBuild };
  // Memory while the secure-score run lasts: sampled every 5 s; after a GC at the end, compared with after the build.
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(mem().heapMb), 5000);
  for (const [name, path] of [
    ['secureScores', `/subscriptions/${sub}/providers/Microsoft.Security/secureScores?api-version=2020-01-01`],
    ['assessmentsPage', `/subscriptions/${sub}/providers/Microsoft.Security/assessments?api-version=2021-06-01&$skipToken=100`],
  ] as const) {
    const r = await autocannon({ url: `${server.url}${path}`, headers, connections: 10, duration });
    out[name] = { reqPerSec: Math.round(r.requests.average), p99Ms: r.latency.p99, avgMs: r.latency.average, non2xx: r.non2xx, errors: r.errors };
    if (name === 'secureScores') {
      clearInterval(sampler);
      globalThis.gc?.();
      out.secureScoresHeapMb = { samples: samples.length, min: Math.min(...samples), max: Math.max(...samples), afterGc: mem().heapMb, afterFirstBuild: afterBuild.heapMb };
    }
  }
  out.memoryEnd = mem();
  await server.close();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

run().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
