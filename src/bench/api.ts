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
  out.writeThenRead = await writeThenRead(server.url, server.createToken({ role: 'Owner', scope: '/' }), sub, firstBuildMs);
  out.memoryEnd = mem();
  await server.close();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

/**
 * PUT a write, then GET secureScores until it reflects it: the incremental re-evaluation's wall time per kind of
 * write, as a ratio of the first full build of the same estate in the same process.
 */
async function writeThenRead(base: string, token: string, sub: string, fullBuildMs: number): Promise<Record<string, unknown>> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const assignments = (await (await fetch(`${base}/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments?api-version=2025-03-01&$filter=atScope()`, { headers })).json()) as { value: Array<{ id: string }> };
  const exemption = `/subscriptions/${sub}/providers/Microsoft.Authorization/policyExemptions/bench-waiver?api-version=2022-07-01-preview`;
  const assignment = `/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments/bench-assignment?api-version=2025-03-01`;
  const writes: Array<[string, string, string, unknown]> = [
    ['pricing', 'PUT', `/subscriptions/${sub}/providers/Microsoft.Security/pricings/VirtualMachines?api-version=2022-03-01`, { properties: { pricingTier: 'Free' } }],
    ['exemption', 'PUT', exemption, { properties: { policyAssignmentId: assignments.value[0].id, exemptionCategory: 'Waiver' } }],
    ['assignment', 'PUT', assignment, { properties: { policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/34c877ad-507e-4c82-993e-3452a6e0ad3c' } }],
    ['assignmentDelete', 'DELETE', assignment, undefined],
  ];
  const out: Record<string, unknown> = { fullBuildMs };
  for (const [name, method, path, body] of writes) {
    const t = performance.now();
    const w = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (w.status >= 300) throw new Error(`${method} ${path} → ${w.status} ${await w.text()}`);
    await (await fetch(`${base}/subscriptions/${sub}/providers/Microsoft.Security/secureScores?api-version=2020-01-01`, { headers })).json();
    const ms = Math.round(performance.now() - t);
    const how = (await (await fetch(`${base}/palisade/v1/evaluation`, { headers })).json()) as { rebuild: { incremental: boolean } };
    out[name] = { ms, ofFullBuild: Number((ms / fullBuildMs).toFixed(3)), incremental: how.rebuild.incremental };
  }
  return out;
}

run().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
