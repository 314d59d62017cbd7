/**
 * bench:ingest — generates the 1,000,000-resource sample once (cached in .bench-cache/), then times, in one process,
 * (a) the baseline: reading its JSON Lines files line by line and JSON.parse-ing every line, and
 * (b) `palisade estate import` of the same files into a fresh SQLite store (validation, tree, duplicate checks, insert).
 * Prints both times, their ratio and the peak RSS. Goal: ratio ≤ 2, peak RSS ≤ 2 GB.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadEstate } from '../estate/index.js';
import { openStore } from '../store/index.js';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 1_000_000);
const ROOT = resolve(import.meta.dirname, '..', '..');
const CACHE = join(ROOT, '.bench-cache', `sample-${RESOURCES}`);

function ensureSample(): void {
  if (existsSync(join(CACHE, 'manifest.json'))) {
    console.log(`sample: cached in ${CACHE}`);
    return;
  }
  console.log(`sample: generating ${RESOURCES} resources into ${CACHE} ...`);
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'palisade.js'), 'sample', '--out', CACHE, '--resources', String(RESOURCES), '-o', 'none'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`sample generation failed with exit code ${result.status}`);
  console.log(`sample: generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function estateFiles(): string[] {
  return readdirSync(CACHE)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(CACHE, name));
}

async function baselineParse(files: string[]): Promise<number> {
  let rows = 0;
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.length === 0) continue;
      JSON.parse(line);
      rows++;
    }
  }
  return rows;
}

async function importIntoSqlite(files: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  const store = await openStore(join(dir, 'palisade.db'));
  try {
    const load = loadEstate(files);
    const result = await store.importEstate(load.batches(), { mode: 'replace', source: CACHE });
    return result.total;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function time<T>(label: string, fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  globalThis.gc?.();
  const started = performance.now();
  const value = await fn();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(34)} ${seconds.toFixed(2).padStart(8)} s`);
  return { seconds, value };
}

async function main(): Promise<void> {
  ensureSample();
  const files = estateFiles();
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  console.log(`input: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB`);

  await baselineParse(files); // warm the page cache so both runs read from memory
  const baseline = await time('baseline: readline + JSON.parse', () => baselineParse(files));
  const imported = await time('palisade estate import (SQLite)', () => importIntoSqlite(files));
  if (imported.value !== baseline.value) throw new Error(`row count mismatch: parsed ${baseline.value}, imported ${imported.value}`);

  const ratio = imported.seconds / baseline.seconds;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`rows: ${imported.value}`);
  console.log(`ratio import / parse: ${ratio.toFixed(2)} (goal ≤ 2.00)`);
  console.log(`peak RSS: ${peakRssMb.toFixed(0)} MB (goal ≤ 2048 MB)`);
  console.log(`throughput: ${Math.round(imported.value / imported.seconds).toLocaleString('en-US')} rows/s import, ${Math.round(baseline.value / baseline.seconds).toLocaleString('en-US')} rows/s parse`);
  if (ratio > 2 || peakRssMb > 2048) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
