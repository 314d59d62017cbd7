/** Compiles every built-in definition under shared/data with the alias dump and reports errors by code; times evaluations. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AliasCatalog } from '../src/catalog/index.js';
import { compileDefinition, evaluate } from '../src/policy/index.js';

const root = process.argv[2] ?? '/work/shared/data/azure-policy';
const aliases = new AliasCatalog();
for (const f of readdirSync(join(root, 'aliases'))) {
  if (f.endsWith('.json')) aliases.merge(AliasCatalog.fromJson(JSON.parse(readFileSync(join(root, 'aliases', f), 'utf8')), f));
}
const defs: string[] = [];
const walk = (d: string) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (e.name.endsWith('.json')) defs.push(join(d, e.name));
  }
};
walk(join(root, 'built-in-policies/policyDefinitions'));
const byCode = new Map<string, number>();
let ok = 0;
const compiled = [];
for (const f of defs) {
  const r = compileDefinition(readFileSync(f, 'utf8'), { aliases, file: f });
  if (r.kind === 'compiled') {
    ok++;
    compiled.push(r);
  } else for (const e of r.errors) {
    byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
    if (process.argv.includes('--verbose')) console.log(`${e.code} ${f.slice(root.length)} ${e.location?.path}: ${e.message}`);
  }
}
console.log(`aliases: ${aliases.size}; definitions: ${defs.length}, compiled ${ok}; errors by code:`, Object.fromEntries(byCode));
const resource = { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st1', type: 'Microsoft.Storage/storageAccounts', name: 'st1', location: 'eastus', tags: {}, properties: { allowBlobPublicAccess: true, minimumTlsVersion: 'TLS1_0', networkAcls: { defaultAction: 'Allow', ipRules: [] } } };
const host = { findRelated: () => [] };
const n = 200000;
const applicable = compiled.filter((c) => !c.types || c.types.has('microsoft.storage/storageaccounts'));
const start = process.hrtime.bigint();
let evals = 0;
for (let i = 0; i < n; i++) {
  const c = applicable[i % applicable.length];
  evaluate(c, resource, { host });
  evals++;
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${applicable.length} definitions apply to storage accounts; ${evals} evaluations in ${secs.toFixed(2)}s = ${Math.round(evals / secs)}/s`);
