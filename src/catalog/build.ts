/**
 * Builds the shipped `catalog/` from imported policy data and alias tables: the selected set definitions, the
 * definitions they reference (plus extras), and only the aliases those definitions use. Descriptions are left out
 * (definition, set definition, group and parameter descriptions are Microsoft's prose, not facts); ids, names,
 * display names, modes, versions, categories, parameters, rules, references and groups are kept.
 *
 * Output (every file deterministic: sorted keys, two-space indentation, final newline):
 *
 *   policy/index.json                    provenance, counts, id → file for every definition and set definition
 *   policy/definitions/<category>.json   the definitions of one category, sorted by id
 *   policy/set-definitions/<name>.json   one set definition
 *   aliases/<Namespace>.json             the aliases used, per resource type (the per-namespace alias format)
 *   NOTICE                               where the data comes from and under which licence
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AliasCatalog, AliasEntry } from './aliases.js';
import { importAliasSources, importPolicySources, type CatalogIssue, type PolicyImport } from './policy-import.js';
import { builtInId, type PolicyDefinitionResource, type PolicySetDefinitionResource } from './policy-types.js';
import { stableStringify } from './stable-json.js';

export const CATALOG_FORMAT = 1;

export interface Provenance {
  source?: string;
  commit?: string;
  commitDate?: string;
  license?: string;
  copyright?: string;
}

export interface BuildOptions {
  /** Set definitions to ship (names or ids). Default: every set definition of the input. */
  initiatives?: readonly string[];
  /** Definitions to ship besides the ones the set definitions reference (names or ids). */
  definitions?: readonly string[];
  policyProvenance?: Provenance;
  aliasProvenance?: Provenance;
}

export interface BuildSummary {
  definitions: number;
  setDefinitions: number;
  /** Definitions per `metadata.category`. */
  categories: Record<string, number>;
  /** Distinct alias names the shipped definitions use and the table resolves. */
  aliasNames: number;
  /** (resource type, alias) entries written. */
  aliasEntries: number;
  /** Alias-like names the definitions use that the alias table lacks (data-plane aliases, typically). */
  unresolvedAliases: string[];
  files: number;
  bytes: number;
}

export interface BuiltCatalog {
  /** Relative path (with `/`) → file text. */
  files: Map<string, string>;
  summary: BuildSummary;
  issues: CatalogIssue[];
}

/** The folders (and file) the builder owns inside the catalog directory. */
export const MANAGED_PATHS = ['policy', 'aliases', 'NOTICE'] as const;

function lowerName(idOrName: string): { id?: string; name: string } {
  const trimmed = idOrName.trim();
  if (trimmed.includes('/')) return { id: trimmed.toLowerCase(), name: trimmed.slice(trimmed.lastIndexOf('/') + 1).toLowerCase() };
  return { name: trimmed.toLowerCase() };
}

function pick<T extends { id: string; name: string }>(map: Map<string, T>, wanted: string): T | undefined {
  const w = lowerName(wanted);
  if (w.id) return map.get(w.id);
  const builtin = [...map.values()].find((r) => r.name.toLowerCase() === w.name && r.id.toLowerCase().startsWith('/providers/microsoft.authorization/'));
  return builtin ?? [...map.values()].find((r) => r.name.toLowerCase() === w.name);
}

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'uncategorized'
  );
}

function withoutDescriptions(parameters: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!parameters) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(parameters)) {
    if (def !== null && typeof def === 'object' && !Array.isArray(def)) {
      const copy = { ...(def as Record<string, unknown>) };
      if (copy.metadata !== null && typeof copy.metadata === 'object' && !Array.isArray(copy.metadata)) {
        const { description: _d, ...meta } = copy.metadata as Record<string, unknown>;
        copy.metadata = meta;
      }
      out[name] = copy;
    } else out[name] = def;
  }
  return out;
}

/** The definition as shipped: ARM shape, no descriptions. */
export function shippedDefinition(d: PolicyDefinitionResource): PolicyDefinitionResource {
  const { description: _d, parameters, ...props } = d.properties;
  const p = { ...props, ...(parameters ? { parameters: withoutDescriptions(parameters) } : {}) } as PolicyDefinitionResource['properties'];
  return { id: d.id, name: d.name, type: d.type, properties: p };
}

/** The set definition as shipped: ARM shape, no descriptions (of the set, its parameters or its groups). */
export function shippedSetDefinition(s: PolicySetDefinitionResource): PolicySetDefinitionResource {
  const { description: _d, parameters, policyDefinitionGroups, ...props } = s.properties;
  const p = { ...props } as PolicySetDefinitionResource['properties'];
  if (parameters) p.parameters = withoutDescriptions(parameters) as PolicySetDefinitionResource['properties']['parameters'];
  if (policyDefinitionGroups) p.policyDefinitionGroups = policyDefinitionGroups.map(({ description: _g, ...g }) => g);
  return { id: s.id, name: s.name, type: s.type, properties: p };
}

const FIELD_CALL = /\b(?:field|current)\(\s*'((?:[^']|'')*)'\s*\)/gi;

/**
 * Names a rule reads as fields: the values of `field` keys (conditions, `count`, Modify operations, Append details)
 * and the literal arguments of `field('...')` / `current('...')` in template expressions. Those with a `/` are alias
 * names (built-in fields such as `type` or `tags['x']` have none).
 */
export function candidateAliasNames(rule: unknown): Set<string> {
  const out = new Set<string>();
  const scanExpression = (v: string): void => {
    if (!v.startsWith('[') || v.startsWith('[[')) return;
    for (const m of v.matchAll(FIELD_CALL)) out.add(m[1].replace(/''/g, "'"));
  };
  const visit = (v: unknown): void => {
    if (typeof v === 'string') scanExpression(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.toLowerCase() === 'field' && typeof x === 'string' && !x.startsWith('[')) out.add(x);
        visit(x);
      }
    }
  };
  visit(rule);
  return new Set([...out].filter((n) => n.includes('/')));
}

/** Selects, strips and serialises the catalog. Never throws on data problems: they come back as issues. */
export function buildCatalog(policies: PolicyImport, aliases: AliasCatalog, options: BuildOptions = {}): BuiltCatalog {
  const issues: CatalogIssue[] = [];
  const sets = new Map<string, PolicySetDefinitionResource>();
  const defs = new Map<string, PolicyDefinitionResource>();

  const wantSets = options.initiatives ?? (options.definitions ? [] : [...policies.setDefinitions.values()].map((s) => s.id));
  for (const wanted of wantSets) {
    const s = pick(policies.setDefinitions, wanted);
    if (!s) issues.push({ code: 'CatalogNotSelected', message: `no set definition '${wanted}' in the input`, target: wanted });
    else sets.set(s.id.toLowerCase(), s);
  }
  for (const s of sets.values()) {
    const source = policies.sources.get(s.id.toLowerCase());
    s.properties.policyDefinitions.forEach((ref, i) => {
      const d = policies.definitions.get(ref.policyDefinitionId.toLowerCase());
      if (!d) {
        issues.push({
          code: 'CatalogUnresolvedReference',
          message: `'${ref.policyDefinitionId}' is not in the input`,
          location: { file: source?.file, path: `${source?.path === '$' ? '$' : (source?.path ?? '$')}.properties.policyDefinitions[${i}].policyDefinitionId` },
        });
      } else defs.set(d.id.toLowerCase(), d);
    });
  }
  const wantDefs = options.definitions ?? (options.initiatives ? [] : [...policies.definitions.values()].map((d) => d.id));
  for (const wanted of wantDefs) {
    const d = pick(policies.definitions, wanted);
    if (!d) issues.push({ code: 'CatalogNotSelected', message: `no policy definition '${wanted}' in the input`, target: wanted });
    else defs.set(d.id.toLowerCase(), d);
  }

  const files = new Map<string, string>();
  const byCategory = new Map<string, PolicyDefinitionResource[]>();
  const categoryNames = new Map<string, string>();
  for (const d of defs.values()) {
    const category = typeof d.properties.metadata?.category === 'string' ? d.properties.metadata.category : 'Uncategorized';
    const key = slug(category);
    if (!categoryNames.has(key)) categoryNames.set(key, category);
    const list = byCategory.get(key) ?? [];
    list.push(shippedDefinition(d));
    byCategory.set(key, list);
  }
  const definitionIndex: Record<string, string> = {};
  const categories: Record<string, number> = {};
  for (const [key, list] of [...byCategory].sort(([a], [b]) => (a < b ? -1 : 1))) {
    list.sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
    const file = `policy/definitions/${key}.json`;
    files.set(file, stableStringify(list));
    categories[categoryNames.get(key)!] = list.length;
    for (const d of list) definitionIndex[d.id] = file;
  }
  const setIndex: Record<string, { file: string; displayName?: string; references: number }> = {};
  for (const s of sets.values()) {
    const file = `policy/set-definitions/${slug(s.name)}.json`;
    files.set(file, stableStringify(shippedSetDefinition(s)));
    setIndex[s.id] = { file, displayName: s.properties.displayName, references: s.properties.policyDefinitions.length };
  }

  // Aliases the shipped definitions use.
  const used = new Map<string, AliasEntry[]>();
  const unresolved = new Set<string>();
  const entriesByNs = new Map<string, Map<string, Map<string, AliasEntry>>>();
  let aliasEntries = 0;
  for (const d of defs.values()) {
    for (const name of candidateAliasNames(d.properties.policyRule)) {
      const bindings = aliases.lookup(name);
      if (!bindings || bindings.length === 0) {
        unresolved.add(name);
        continue;
      }
      if (used.has(name.toLowerCase())) continue;
      used.set(name.toLowerCase(), bindings.map((b) => b.entry));
      for (const b of bindings) {
        const declared = b.declaredType ?? b.type;
        const slash = declared.indexOf('/');
        const ns = declared.slice(0, slash);
        const type = declared.slice(slash + 1);
        const nsMap = entriesByNs.get(ns) ?? new Map<string, Map<string, AliasEntry>>();
        entriesByNs.set(ns, nsMap);
        const typeMap = nsMap.get(type) ?? new Map<string, AliasEntry>();
        nsMap.set(type, typeMap);
        if (!typeMap.has(b.entry.name)) aliasEntries++;
        typeMap.set(b.entry.name, b.entry);
      }
    }
  }
  const capabilities = new Map<string, Map<string, string>>();
  for (const [type, caps] of aliases.capabilityEntries()) {
    const slash = type.indexOf('/');
    const ns = type.slice(0, slash);
    if (!entriesByNs.get(ns)?.has(type.slice(slash + 1))) continue;
    const m = capabilities.get(ns) ?? new Map<string, string>();
    capabilities.set(ns, m);
    m.set(type.slice(slash + 1), [caps.supportsTags ? 'SupportsTags' : '', caps.supportsLocation ? 'SupportsLocation' : ''].filter(Boolean).join(', ') || 'None');
  }
  // Namespaces differing only in case share one file.
  const nsFiles = new Map<string, string>();
  for (const ns of [...entriesByNs.keys()].sort()) {
    const key = ns.toLowerCase();
    if (nsFiles.has(key)) {
      issues.push({ code: 'CatalogFieldMismatch', message: `alias namespace '${ns}' differs from '${nsFiles.get(key)}' only in case; merged`, target: ns });
      continue;
    }
    nsFiles.set(key, ns);
  }
  for (const [key, ns] of nsFiles) {
    const resourceTypes: Record<string, Record<string, unknown>> = {};
    for (const [n, types] of entriesByNs) {
      if (n.toLowerCase() !== key) continue;
      for (const [type, entries] of types) {
        const out = resourceTypes[type] ?? {};
        for (const [name, e] of entries) {
          out[name] = e.paths.length > 0 || e.modifiable !== undefined ? { defaultPath: e.defaultPath, ...(e.paths.length > 0 ? { paths: e.paths } : {}), ...(e.modifiable !== undefined ? { modifiable: e.modifiable } : {}) } : e.defaultPath;
        }
        resourceTypes[type] = out;
      }
    }
    const caps = capabilities.get(ns);
    const body = {
      namespace: ns,
      ...provenanceFields(options.aliasProvenance),
      format: 'resourceTypes[<resource type without namespace>][<alias name>] = <defaultPath> | {defaultPath, paths, modifiable}',
      resourceTypes,
      ...(caps && caps.size > 0 ? { capabilities: Object.fromEntries(caps) } : {}),
    };
    files.set(`aliases/${ns}.json`, stableStringify(body));
  }

  const summary: BuildSummary = {
    definitions: defs.size,
    setDefinitions: sets.size,
    categories,
    aliasNames: used.size,
    aliasEntries,
    unresolvedAliases: [...unresolved].sort(),
    files: 0,
    bytes: 0,
  };
  files.set(
    'policy/index.json',
    stableStringify({
      format: CATALOG_FORMAT,
      generatedBy: 'palisade catalog import',
      policySource: provenanceFields(options.policyProvenance),
      aliasSource: provenanceFields(options.aliasProvenance),
      counts: { definitions: defs.size, setDefinitions: sets.size, aliasNames: used.size, aliasEntries },
      selection: { initiatives: options.initiatives ?? null, definitions: options.definitions ?? null },
      unresolvedAliases: summary.unresolvedAliases,
      definitions: definitionIndex,
      setDefinitions: setIndex,
    }),
  );
  files.set('NOTICE', noticeText(options.policyProvenance, options.aliasProvenance));
  summary.files = files.size;
  summary.bytes = [...files.values()].reduce((n, t) => n + Buffer.byteLength(t), 0);
  return { files, summary, issues };
}

function provenanceFields(p: Provenance | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!p) return out;
  for (const k of ['source', 'commit', 'commitDate', 'license', 'copyright'] as const) if (p[k]) out[k] = p[k]!;
  return out;
}

function noticeText(policies: Provenance | undefined, aliases: Provenance | undefined): string {
  const line = (p: Provenance | undefined, what: string) =>
    [
      `${what}`,
      `  Source:    ${p?.source ?? '(not recorded)'}`,
      `  Commit:    ${p?.commit ?? '(not recorded)'}${p?.commitDate ? ` (${p.commitDate})` : ''}`,
      ...(p?.license ? [`  Licence:   ${p.license}`] : []),
      ...(p?.copyright ? [`  Copyright: ${p.copyright}`] : []),
    ].join('\n');
  return [
    'Palisade catalog — third-party data',
    '',
    'The files under policy/ and aliases/ are generated by `palisade catalog import` (scripts/refresh-catalog.sh)',
    'from public data. They carry facts only: ids, names, display names, modes, versions, categories, parameters,',
    'policy rules, initiative references and groups, alias names and paths. Descriptions are left out.',
    '',
    line(policies, 'Azure Policy built-in definitions and initiatives (policy/):'),
    '',
    line(aliases, 'Azure Policy aliases (aliases/), as reported by Azure Resource Manager (Get-AzPolicyAlias):'),
    '',
    ...(policies?.license?.startsWith('MIT')
      ? [
          'MIT License',
          '',
          `${policies.copyright ?? 'Copyright (c) Microsoft Corporation.'}`,
          '',
          'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated',
          'documentation files (the "Software"), to deal in the Software without restriction, including without limitation',
          'the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to',
          'permit persons to whom the Software is furnished to do so, subject to the following conditions:',
          '',
          'The above copyright notice and this permission notice shall be included in all copies or substantial portions of',
          'the Software.',
          '',
          'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO',
          'THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE',
          'AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF',
          'CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS',
          'IN THE SOFTWARE.',
          '',
        ]
      : []),
  ].join('\n');
}

export interface WriteResult {
  written: string[];
  unchanged: number;
  removed: string[];
}

/** Managed files under `outDir` that the build did not produce (stale). */
function existingManagedFiles(outDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else out.push(r);
    }
  };
  for (const p of MANAGED_PATHS) {
    const full = join(outDir, p);
    if (!existsSync(full)) continue;
    if (statSync(full).isDirectory()) walk(full, p);
    else out.push(p);
  }
  return out.sort();
}

/** Compares the built files with `outDir`: which would be written, which removed. */
export function diffCatalog(outDir: string, files: Map<string, string>): { changed: string[]; removed: string[] } {
  const changed: string[] = [];
  for (const [rel, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const full = join(outDir, rel);
    if (!existsSync(full) || readFileSync(full, 'utf8') !== text) changed.push(rel);
  }
  const removed = existingManagedFiles(outDir).filter((rel) => !files.has(rel));
  return { changed, removed };
}

/** Writes the built files (only the changed ones) and removes stale managed files. */
export function writeCatalog(outDir: string, files: Map<string, string>): WriteResult {
  const { changed, removed } = diffCatalog(outDir, files);
  for (const rel of changed) {
    const full = join(outDir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, files.get(rel)!);
  }
  for (const rel of removed) rmSync(join(outDir, rel));
  return { written: changed, unchanged: files.size - changed.length, removed };
}

/** `manifest.json` with `{source, commit}` at or above a policies input (the layout of shared/data/azure-policy). */
export function findProvenance(paths: readonly string[]): Provenance | undefined {
  for (const p of paths) {
    let dir = existsSync(p) && statSync(p).isDirectory() ? p : dirname(p);
    for (let i = 0; i < 3; i++) {
      const manifest = join(dir, 'manifest.json');
      if (existsSync(manifest)) {
        try {
          const m = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
          if (typeof m.source === 'string' || typeof m.commit === 'string') {
            return { source: typeof m.source === 'string' ? m.source : undefined, commit: typeof m.commit === 'string' ? m.commit : undefined, commitDate: typeof m.commitDate === 'string' ? m.commitDate : undefined };
          }
        } catch {
          // not a provenance manifest
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

export { builtInId };

/** Licence facts for the sources we know; anything else is recorded as given. */
export function withKnownLicence(p: Provenance | undefined): Provenance | undefined {
  if (!p) return p;
  if (p.source && /github\.com\/Azure\/azure-policy\b/i.test(p.source) && !/azure-policy-aliases/i.test(p.source)) {
    return { license: 'MIT License', copyright: 'Copyright (c) Microsoft Corporation.', ...p };
  }
  return p;
}

export interface ImportCatalogOptions {
  policies: readonly string[];
  aliases: readonly string[];
  initiatives?: readonly string[];
  definitions?: readonly string[];
  /** Overrides the `source` / `commit` found in a manifest.json next to the policies. */
  source?: string;
  commit?: string;
  display?: (path: string) => string;
}

export interface ImportedCatalog extends BuiltCatalog {
  read: { policyFiles: number; definitions: number; setDefinitions: number; aliasFiles: number; aliases: number };
}

/**
 * Reads policies and aliases, then builds the catalog files. Read problems come back as issues and nothing is
 * built (`files` is empty); `palisade catalog import` and the regeneration test both go through here.
 */
export function importCatalog(options: ImportCatalogOptions): ImportedCatalog {
  const policies = importPolicySources(options.policies, { display: options.display });
  const aliases = importAliasSources(options.aliases, { display: options.display });
  const read = {
    policyFiles: policies.files,
    definitions: policies.definitions.size,
    setDefinitions: policies.setDefinitions.size,
    aliasFiles: aliases.files,
    aliases: aliases.aliases.size,
  };
  const readIssues = [...policies.issues, ...aliases.issues];
  if (readIssues.length > 0) {
    return { files: new Map(), issues: readIssues, read, summary: { definitions: 0, setDefinitions: 0, categories: {}, aliasNames: 0, aliasEntries: 0, unresolvedAliases: [], files: 0, bytes: 0 } };
  }
  const found = findProvenance(options.policies);
  const policyProvenance = withKnownLicence({ ...found, ...(options.source ? { source: options.source } : {}), ...(options.commit ? { commit: options.commit } : {}) });
  const a = aliases.provenance[0];
  const aliasProvenance = a ? { source: a.source?.replace(/\s*\(.*$/, ''), commit: a.commit, commitDate: a.commitDate } : undefined;
  const built = buildCatalog(policies, aliases.aliases, { initiatives: options.initiatives, definitions: options.definitions, policyProvenance, aliasProvenance });
  return { ...built, read };
}
