#!/usr/bin/env node
/**
 * Regenerates catalog/posture/{recommendations.json,controls.json,NOTICE} from
 *   - the MCSB initiative and its definitions in the shipped policy catalog (catalog/policy),
 *   - secure-score-controls.json (default ../shared/data/secure-score/secure-score-controls.json),
 *   - catalog/posture/recommendation-mapping.json (Palisade's hand-curated mapping).
 *
 *   npm run build && node scripts/build-posture-catalog.mjs [SECURE_SCORE_JSON] [--check]
 *
 * --check exits 1 when a committed file differs from the regenerated one (nothing is written).
 * Needs the compiled dist/ (set PALISADE_DIST to use another build output directory).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.env.PALISADE_DIST ?? join(root, 'dist'));
const { buildPostureCatalog, loadCatalog, MCSB_INITIATIVE_ID } = await import(pathToFileURL(join(dist, 'catalog', 'index.js')).href);

const args = process.argv.slice(2);
const check = args.includes('--check');
const source = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, '..', 'shared', 'data', 'secure-score', 'secure-score-controls.json'));
const catalogDir = join(root, 'catalog');
const policy = loadCatalog(catalogDir);
const mcsb = policy.getSetDefinition(MCSB_INITIATIVE_ID);
if (!mcsb) throw new Error(`the MCSB initiative is not in ${catalogDir}/policy`);
const result = buildPostureCatalog({
  mcsb,
  definition: (id) => policy.getDefinition(id),
  secureScore: JSON.parse(readFileSync(source, 'utf8')),
  mapping: JSON.parse(readFileSync(join(catalogDir, 'posture', 'recommendation-mapping.json'), 'utf8')),
  policyProvenance: policy.info.policySource,
});
const different = [];
for (const [rel, text] of result.files) {
  const path = join(catalogDir, rel);
  const old = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (old === text) continue;
  different.push(rel);
  if (!check) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}
console.log(JSON.stringify({ ...result.counts, [check ? 'different' : 'written']: different }, null, 2));
if (check && different.length > 0) process.exit(1);
