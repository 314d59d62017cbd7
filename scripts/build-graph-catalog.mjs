#!/usr/bin/env node
/**
 * Builds catalog/graph/attack-path-templates.json from the public template list
 * (../shared/data/attack-paths/templates.json: ids, Microsoft display names, categories, default risk levels,
 * internet-exposed entry flag) and our own patterns and descriptions (catalog/graph/template-patterns.json).
 *
 *   node scripts/build-graph-catalog.mjs [path/to/templates.json]
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const candidates = [process.argv[2], process.env.PALISADE_SHARED_DATA && join(process.env.PALISADE_SHARED_DATA, 'attack-paths/templates.json'), join(root, '../shared/data/attack-paths/templates.json'), '/work/shared/data/attack-paths/templates.json'].filter(Boolean);
const source = candidates.find((p) => existsSync(p));
if (!source) {
  console.error(`templates.json not found (tried ${candidates.join(', ')})`);
  process.exit(1);
}
const upstream = JSON.parse(readFileSync(source, 'utf8'));
const patterns = JSON.parse(readFileSync(join(root, 'catalog/graph/template-patterns.json'), 'utf8'));
const recs = patterns.recommendations;
const rec = (name) => {
  if (name === null) return null;
  if (!recs[name]) throw new Error(`unknown recommendation alias ${name}`);
  return recs[name];
};

const templates = [];
for (const t of upstream.templates) {
  const p = patterns.templates[t.id];
  if (!p) throw new Error(`no pattern entry for template ${t.id}`);
  const out = {
    id: t.id,
    name: t.name,
    category: t.category,
    defaultRiskLevel: t.riskLevel,
    internetExposedEntry: t.internetExposedEntry === true,
    legacy: p.legacy === true,
  };
  if (p.notModelled) out.notModelled = p.notModelled;
  else {
    out.description = p.description;
    out.entry = p.entry;
    out.steps = p.steps;
    out.breaks = p.breaks.map(([on, element, alias]) => ({ on, element, recommendation: rec(alias) }));
    out.reduces = p.reduces.map(rec);
  }
  templates.push(out);
}
const extra = Object.keys(patterns.templates).filter((id) => !upstream.templates.some((t) => t.id === id));
if (extra.length) throw new Error(`patterns for unknown templates: ${extra.join(', ')}`);

const doc = {
  format: 'palisade-attack-path-templates/1',
  generatedBy: 'scripts/build-graph-catalog.mjs',
  provenance: 'ids, names, categories, default risk levels: Defender CSPM attack-path reference (see NOTICE); patterns and descriptions: ours',
  templates,
};
writeFileSync(join(root, 'catalog/graph/attack-path-templates.json'), JSON.stringify(doc, null, 1) + '\n');
console.log(`wrote ${templates.length} templates (${templates.filter((t) => !t.notModelled).length} modelled)`);
