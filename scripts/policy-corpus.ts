/** Runs the regorus Azure Policy corpus (or given paths): `npx tsx scripts/policy-corpus.ts [paths...]` or via vite-node. */
import { readFileSync } from 'node:fs';
import { runPolicyTests, type CorpusSkip } from '../src/policy/index.js';

const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const filter = process.argv.find((a) => a.startsWith('--filter='))?.slice(9);
const skips = JSON.parse(readFileSync(new URL('../test/policy/corpus-skips.json', import.meta.url), 'utf8')) as { skips: CorpusSkip[] };
const report = runPolicyTests(paths.length > 0 ? paths : ['/work/shared/data/azure-policy/test-corpora/microsoft-regorus/tests'], {
  skips: skips.skips,
  filter,
  now: new Date('2025-01-15T12:00:00Z'),
});
console.log(report.text);
for (const f of report.ignoredFiles) console.log(`ignored ${f.file}: ${f.reason}`);
