/** Shared by the benchmarks: the cached sample estate and the plain-parse baseline every ratio is taken against. */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** `.bench-cache/sample-<resources>`, generated with `palisade sample` on first use. */
export function sampleDir(resources: number): string {
  return join(ROOT, '.bench-cache', `sample-${resources}`);
}

/** The parts of the sample's manifest.json the cache looks at. */
interface CachedManifest {
  files?: Record<string, { file: string; rows: number; sha256: string }>;
  findings?: { directory: string; files: number };
}

function readManifest(dir: string): CachedManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as CachedManifest;
  } catch {
    return undefined;
  }
}

/** Why a cached sample cannot be used as it is (undefined: it can). */
function staleReason(dir: string): string | undefined {
  if (!existsSync(join(dir, 'manifest.json'))) return 'not generated yet';
  const manifest = readManifest(dir);
  if (!manifest) return 'its manifest.json is unreadable';
  if (!manifest.findings) return 'its manifest has no `findings`: generated before the sample wrote scanner output (findings/<subscriptionId>/)';
  return undefined;
}

/**
 * The cached sample of `resources` rows, generated (or regenerated, when it predates a part of the sample the
 * benchmarks read, e.g. the scanner output under findings/) with `palisade sample`. Generation writes a sibling
 * directory which then replaces the cached one, so a benchmark still reading the old files keeps valid files.
 */
export function ensureSample(resources: number): string {
  const dir = sampleDir(resources);
  const reason = staleReason(dir);
  if (reason === undefined) {
    console.log(`sample: cached in ${dir}`);
    return dir;
  }
  const previous = existsSync(join(dir, 'manifest.json')) ? readManifest(dir) : undefined;
  if (existsSync(dir) && reason !== 'not generated yet') console.log(`sample: regenerating ${resources} resources in ${dir}: ${reason}`);
  else console.log(`sample: generating ${resources} resources into ${dir} ...`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'palisade.js'), 'sample', '--out', tmp, '--resources', String(resources), '-o', 'none'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`sample generation failed with exit code ${result.status}`);
  }
  const generated = readManifest(tmp);
  if (previous?.files && generated?.files) {
    const changed = Object.keys(generated.files).filter((table) => previous.files![table]?.sha256 !== generated.files![table].sha256);
    console.log(
      changed.length === 0
        ? `sample: estate files byte-identical to the cached ones (sha256 of ${Object.keys(generated.files).length} tables); added findings/ (${generated.findings?.files ?? 0} files)`
        : `sample: WARNING: estate files differ from the cached ones: ${changed.join(', ')}`,
    );
  }
  if (staleReason(dir) === undefined) {
    // Another benchmark regenerated it meanwhile.
    rmSync(tmp, { recursive: true, force: true });
  } else {
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  }
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
