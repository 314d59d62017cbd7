/** Shared by the benchmarks: the cached sample estate and the plain-parse baseline every ratio is taken against. */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** `.bench-cache/sample-<resources>`, generated with `palisade sample` on first use. */
export function sampleDir(resources: number): string {
  return join(ROOT, '.bench-cache', `sample-${resources}`);
}

export function ensureSample(resources: number): string {
  const dir = sampleDir(resources);
  if (existsSync(join(dir, 'manifest.json'))) {
    console.log(`sample: cached in ${dir}`);
    return dir;
  }
  console.log(`sample: generating ${resources} resources into ${dir} ...`);
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'palisade.js'), 'sample', '--out', dir, '--resources', String(resources), '-o', 'none'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`sample generation failed with exit code ${result.status}`);
  console.log(`sample: generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

export function estateFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(dir, name));
}

/** The baseline: read each file line by line (readline) and JSON.parse every line. Returns the rows parsed. */
export async function baselineParse(files: string[]): Promise<number> {
  let rows = 0;
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const text of lines) {
      if (text.length === 0) continue;
      JSON.parse(text);
      rows++;
    }
  }
  return rows;
}
