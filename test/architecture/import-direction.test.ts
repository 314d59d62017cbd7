import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The module import rules of DESIGN.md: a module may import only the modules listed for it. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  estate: ['core'],
  catalog: ['core'],
  policy: ['core', 'catalog'],
  posture: ['core', 'estate', 'catalog', 'policy'],
  graph: ['core', 'estate', 'catalog', 'posture'],
  findings: ['core'],
  protection: ['core', 'estate', 'catalog'],
  store: ['core'],
  program: ['core', 'estate', 'catalog', 'policy', 'posture', 'graph', 'findings', 'protection', 'store'],
  // Not in DESIGN.md's table: the evaluated estate over the store, shared by the CLI and the API server.
  service: ['core', 'estate', 'catalog', 'policy', 'posture', 'graph', 'findings', 'protection', 'store', 'program'],
  api: ['core', 'estate', 'catalog', 'policy', 'posture', 'graph', 'findings', 'protection', 'store', 'program', 'service'],
  cli: ['core', 'estate', 'catalog', 'policy', 'posture', 'graph', 'findings', 'protection', 'store', 'program', 'service', 'api'],
  bench: ['core', 'estate', 'catalog', 'policy', 'posture', 'graph', 'findings', 'protection', 'store', 'program', 'service', 'api', 'cli'],
};

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

interface Violation {
  file: string;
  spec: string;
  reason: string;
}

function violations(): Violation[] {
  const found: Violation[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    const module = rel.split(sep)[0];
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
    for (const spec of specs) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, join(file, '..', spec));
      if (target.startsWith('..')) {
        found.push({ file: rel, spec, reason: 'imports from outside src/' });
        continue;
      }
      const targetModule = target.split(sep)[0];
      if (targetModule === module) continue;
      if (!(module in ALLOWED)) {
        found.push({ file: rel, spec, reason: `module '${module}' is not in DESIGN.md's table` });
        continue;
      }
      if (!ALLOWED[module].includes(targetModule)) {
        found.push({ file: rel, spec, reason: `'${module}' may not import '${targetModule}'` });
        continue;
      }
      // across modules, only the public API (the module's index.ts) may be imported
      const inner = target.split(sep).slice(1).join('/');
      if (inner !== 'index.js' && inner !== 'index.ts') found.push({ file: rel, spec, reason: `imports '${targetModule}' internals instead of its index` });
    }
  }
  return found;
}

describe('architecture', () => {
  it('every module imports only what DESIGN.md allows, and only through index.ts', () => {
    expect(violations()).toEqual([]);
  });

  it('the rules are themselves acyclic', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (m: string): void => {
      if (done.has(m)) return;
      expect(visiting.has(m), `cycle through ${m}`).toBe(false);
      visiting.add(m);
      for (const dep of ALLOWED[m]) visit(dep);
      visiting.delete(m);
      done.add(m);
    };
    for (const m of Object.keys(ALLOWED)) visit(m);
  });
});
