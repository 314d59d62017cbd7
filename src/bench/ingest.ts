/**
 * bench:ingest — generates the 1,000,000-resource sample once (cached in .bench-cache/), then times, in one process,
 * (a) the baseline: reading its JSON Lines files line by line and JSON.parse-ing every line, and
 * (b) `palisade estate import` of the same files into a fresh SQLite store (validation, tree, duplicate checks, insert).
 * Prints both times, their ratio and the peak RSS. Goal: ratio ≤ 2, peak RSS ≤ 2 GB.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineParse, ensureSample as ensureCachedSample, estateFiles as cachedEstateFiles, sampleDir } from './sample-cache.js';
import { loadEstate } from '../estate/index.js';
import { openStore } from '../store/index.js';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 1_000_000);
const CACHE = sampleDir(RESOURCES);
const ensureSample = (): void => void ensureCachedSample(RESOURCES);
const estateFiles = (): string[] => cachedEstateFiles(CACHE);

async function importIntoSqlite(files: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  const store = await openStore(join(dir, 'palisade.db'));
  try {
    const load = loadEstate(files);
    const result = await store.importEstate(load.batches(), { mode: 'replace', source: CACHE, bulk: true });
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
