import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AliasCatalog,
  DEFAULT_CATALOG_DIR,
  MANAGED_PATHS,
  PolicyCatalog,
  buildCatalog,
  candidateAliasNames,
  diffCatalog,
  importAliasSources,
  importCatalog,
  importPolicySources,
  loadCatalog,
  stableStringify,
} from '../../src/catalog/index.js';
import { compileDefinition } from '../../src/policy/index.js';
import { POLICY_DATA } from '../shared-data.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHARED = POLICY_DATA;
const HAS_SHARED = existsSync(join(SHARED, 'built-in-policies'));
if (!HAS_SHARED) console.warn(`SKIP: ${SHARED} is absent; the catalog regeneration and full-table tests are skipped`);

const MCSB = '1f3afdf9-d0c9-4c3d-847f-89da613e70a8';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'palisade-catalog-'));
}

function write(dir: string, rel: string, content: unknown): string {
  const full = join(dir, rel);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return full;
}

const rule = { if: { field: 'Microsoft.Storage/storageAccounts/allowBlobPublicAccess', equals: true }, then: { effect: "[parameters('effect')]" } };
const def = (name: string, extra: Record<string, unknown> = {}) => ({
  properties: {
    displayName: `Definition ${name}`,
    policyType: 'BuiltIn',
    mode: 'Indexed',
    description: 'Prose that must not be shipped.',
    metadata: { version: '1.0.0', category: 'Storage' },
    parameters: { effect: { type: 'String', defaultValue: 'Audit', allowedValues: ['Audit', 'Disabled'], metadata: { displayName: 'Effect', description: 'more prose' } } },
    policyRule: rule,
    ...extra,
  },
  id: `/providers/Microsoft.Authorization/policyDefinitions/${name}`,
  name,
});
const set = (name: string, refs: unknown[], extra: Record<string, unknown> = {}) => ({
  properties: {
    displayName: `Set ${name}`,
    policyType: 'BuiltIn',
    description: 'Initiative prose.',
    metadata: { version: '1.0.0', category: 'Security Center' },
    parameters: { eff: { type: 'String', defaultValue: 'Audit', metadata: { displayName: 'Effect', description: 'x' } } },
    policyDefinitionGroups: [{ name: 'G1', description: 'group prose', additionalMetadataId: '/providers/Microsoft.PolicyInsights/policyMetadata/G1' }],
    policyDefinitions: refs,
    ...extra,
  },
  id: `/providers/Microsoft.Authorization/policySetDefinitions/${name}`,
  name,
});
const ref = (name: string, extra: Record<string, unknown> = {}) => ({
  policyDefinitionReferenceId: `ref-${name}`,
  policyDefinitionId: `/providers/Microsoft.Authorization/policyDefinitions/${name}`,
  parameters: { effect: { value: "[parameters('eff')]" } },
  groupNames: ['G1'],
  ...extra,
});
const storageAliases = {
  namespace: 'Microsoft.Storage',
  source: 'test',
  commit: 'abc',
  resourceTypes: { storageAccounts: { 'Microsoft.Storage/storageAccounts/allowBlobPublicAccess': 'properties.allowBlobPublicAccess', 'Microsoft.Storage/storageAccounts/unused': 'properties.unused' } },
};

describe('importer: the built-in-policies layout, az list output, alias formats', () => {
  it('reads the repository layout and az list output alike', () => {
    const dir = tmp();
    write(dir, 'built-in-policies/policyDefinitions/Storage/a.json', def('a'));
    write(dir, 'built-in-policies/policySetDefinitions/Security Center/s.json', set('s', [ref('a'), ref('b')]));
    // az policy definition list: flattened, with type
    const b = def('b');
    write(dir, 'az-list.json', [{ ...b.properties, id: b.id, name: b.name, type: 'Microsoft.Authorization/policyDefinitions' }]);
    const repo = importPolicySources([join(dir, 'built-in-policies')]);
    expect(repo.issues).toEqual([]);
    expect(repo.definitions.size).toBe(1);
    expect(repo.setDefinitions.size).toBe(1);
    const az = importPolicySources([join(dir, 'az-list.json')]);
    expect(az.issues).toEqual([]);
    const imported = az.definitions.get('/providers/microsoft.authorization/policydefinitions/b')!;
    expect(imported.properties.policyRule).toEqual(rule);
    expect(imported.type).toBe('Microsoft.Authorization/policyDefinitions');
  });

  it('reports malformed JSON, missing policyRule, duplicate ids, bad references with file and JSON path, without throwing', () => {
    const dir = tmp();
    write(dir, 'p/bad.json', '{\n  "properties": {\n    "policyRule": \n}');
    write(dir, 'p/norule.json', { properties: { displayName: 'x', mode: 'All' }, id: '/providers/Microsoft.Authorization/policyDefinitions/n', name: 'n' });
    write(dir, 'p/one.json', def('dup'));
    write(dir, 'p/two.json', def('DUP'));
    write(dir, 'p/list.json', [def('ok'), 42, { ...def('mismatch'), name: 'other' }]);
    write(dir, 'p/set.json', set('s', [ref('ok'), ref('ok', { groupNames: ['Nope'] }), ref('dup', { parameters: { effect: { value: "[parameters('undeclared')]" } } })]));
    const r = importPolicySources([join(dir, 'p')], { display: (p) => p.slice(dir.length + 1) });
    const got = r.issues.map((i) => `${i.code} ${i.location?.file}${i.location?.line ? `:${i.location.line}` : ''} ${i.location?.path ?? ''}`);
    expect(got).toEqual([
      'CatalogJsonSyntax p/bad.json:4 ',
      'CatalogFormatUnrecognized p/list.json $[1]',
      'CatalogFieldMismatch p/list.json $[2].name',
      'CatalogMissingField p/norule.json $.properties.policyRule',
      'CatalogDuplicateReferenceId p/set.json $.properties.policyDefinitions[1].policyDefinitionReferenceId',
      'CatalogUnknownGroup p/set.json $.properties.policyDefinitions[1].groupNames[0]',
      'CatalogUnknownParameter p/set.json $.properties.policyDefinitions[2].parameters.effect.value',
      'CatalogDuplicateId p/two.json $',
    ]);
    expect(r.issues.find((i) => i.code === 'CatalogDuplicateId')!.message).toContain('first seen at p/one.json');
  });

  it('reads both alias formats; a bad alias file is an issue', () => {
    const dir = tmp();
    write(dir, 'a/Microsoft.Storage.json', storageAliases);
    write(dir, 'a/arm.json', [
      {
        namespace: 'Microsoft.Test',
        resourceTypes: [{ resourceType: 'things', capabilities: 'SupportsTags, SupportsLocation', aliases: [{ name: 'Microsoft.Test/things/x', defaultPath: 'properties.x', paths: [{ path: 'properties.y', apiVersions: ['2020-01-01'] }] }] }],
      },
    ]);
    write(dir, 'bad/x.json', { hello: 1 });
    const ok = importAliasSources([join(dir, 'a')]);
    expect(ok.issues).toEqual([]);
    expect(ok.aliases.size).toBe(3);
    expect(ok.aliases.lookup('microsoft.test/things/X')![0].entry.paths).toHaveLength(1);
    expect(ok.aliases.capabilitiesOf('Microsoft.Test/things')).toEqual({ supportsTags: true, supportsLocation: true });
    const bad = importAliasSources([join(dir, 'bad'), join(dir, 'missing')]);
    expect(bad.issues.map((i) => i.code)).toEqual(['InvalidAliasCatalog', 'CatalogFileNotFound']);
  });

  it.skipIf(!HAS_SHARED)("reads regorus' ARM-format alias table", () => {
    const r = importAliasSources([join(SHARED, 'test-corpora/microsoft-regorus/tests/azure_policy/aliases/test_aliases.json')]);
    expect(r.issues).toEqual([]);
    expect(r.aliases.size).toBeGreaterThan(100);
  });
});

describe('build: selection, descriptions left out, only the aliases used, deterministic files', () => {
  it('ships the selected initiative, its definitions and the aliases they use', () => {
    const dir = tmp();
    write(dir, 'p/a.json', def('a'));
    write(dir, 'p/b.json', def('b'));
    write(dir, 'p/c.json', def('c'));
    write(dir, 'p/s.json', set('s', [ref('a'), ref('b')]));
    write(dir, 'al/Microsoft.Storage.json', storageAliases);
    const built = importCatalog({ policies: [join(dir, 'p')], aliases: [join(dir, 'al')], initiatives: ['S'], definitions: ['/providers/Microsoft.Authorization/policyDefinitions/C'] });
    expect(built.issues).toEqual([]);
    expect([...built.files.keys()].sort()).toEqual(['NOTICE', 'aliases/Microsoft.Storage.json', 'policy/definitions/storage.json', 'policy/index.json', 'policy/set-definitions/s.json']);
    const text = [...built.files.values()].join('\n');
    expect(text).not.toContain('prose');
    const aliases = JSON.parse(built.files.get('aliases/Microsoft.Storage.json')!);
    expect(Object.keys(aliases.resourceTypes.storageAccounts)).toEqual(['Microsoft.Storage/storageAccounts/allowBlobPublicAccess']);
    const s = JSON.parse(built.files.get('policy/set-definitions/s.json')!);
    expect(s.properties.policyDefinitionGroups).toEqual([{ additionalMetadataId: '/providers/Microsoft.PolicyInsights/policyMetadata/G1', name: 'G1' }]);
    expect(built.summary).toMatchObject({ definitions: 3, setDefinitions: 1, aliasNames: 1 });
    // the same input gives the same bytes
    const again = importCatalog({ policies: [join(dir, 'p')], aliases: [join(dir, 'al')], initiatives: ['S'], definitions: ['c'] });
    expect(again.files.get('policy/definitions/storage.json')).toBe(built.files.get('policy/definitions/storage.json'));
  });

  it('reports an initiative that references a definition not in the input', () => {
    const dir = tmp();
    write(dir, 'p/s.json', set('s', [ref('missing')]));
    const policies = importPolicySources([join(dir, 'p')]);
    const built = buildCatalog(policies, new AliasCatalog());
    expect(built.issues.map((i) => [i.code, i.location?.path])).toEqual([['CatalogUnresolvedReference', '$.properties.policyDefinitions[0].policyDefinitionId']]);
  });

  it('finds the alias names a rule reads: field keys, count, operations, field()/current() calls', () => {
    const names = candidateAliasNames({
      if: { allOf: [{ field: 'type', equals: 'x' }, { count: { field: 'A.B/c/d[*]', where: { field: 'A.B/c/d[*].e', equals: "[field('A.B/c/f')]" } }, greater: 0 }] },
      then: { effect: 'modify', details: { operations: [{ operation: 'addOrReplace', field: 'A.B/c/g', value: "[current('A.B/c/d[*].h')]" }] } },
    });
    expect([...names].sort()).toEqual(['A.B/c/d[*]', 'A.B/c/d[*].e', 'A.B/c/d[*].h', 'A.B/c/f', 'A.B/c/g']);
  });

  it('stableStringify sorts keys and keeps arrays in order', () => {
    expect(stableStringify({ b: 1, a: [3, { d: 1, c: 2 }] })).toBe('{\n  "a": [\n    3,\n    {\n      "c": 2,\n      "d": 1\n    }\n  ],\n  "b": 1\n}\n');
  });
});

describe('the shipped catalog', () => {
  it.skipIf(!HAS_SHARED)('regenerating from ../shared/data gives byte-identical files (scripts/refresh-catalog.sh)', () => {
    const index = JSON.parse(readFileSync(join(DEFAULT_CATALOG_DIR, 'policy', 'index.json'), 'utf8'));
    const built = importCatalog({
      policies: [join(SHARED, 'built-in-policies')],
      aliases: [join(SHARED, 'aliases')],
      initiatives: index.selection.initiatives ?? undefined,
      definitions: index.selection.definitions ?? undefined,
    });
    expect(built.issues).toEqual([]);
    const diff = diffCatalog(DEFAULT_CATALOG_DIR, built.files);
    expect(diff).toEqual({ changed: [], removed: [] });
    expect(MANAGED_PATHS).toContain('policy');
  });

  it('holds the four initiatives, every definition they reference and the two extras', () => {
    const c = loadCatalog();
    expect(c.info.counts).toMatchObject({ definitions: 846, setDefinitions: 4 });
    const sets = c.listSetDefinitions();
    expect(sets.map((s) => s.properties.displayName)).toEqual(['NIST SP 800-53 Rev. 5', 'Microsoft cloud security benchmark', 'CIS Azure Foundations v3.0.0', 'PCI DSS v4.0.1']);
    const mcsb = c.getSetDefinition(`/providers/Microsoft.Authorization/policySetDefinitions/${MCSB.toUpperCase()}`)!;
    expect(mcsb.properties.policyDefinitions).toHaveLength(223);
    expect(mcsb.properties.policyDefinitionGroups!.length).toBe(85);
    for (const s of sets) for (const r of s.properties.policyDefinitions) expect(c.getDefinition(r.policyDefinitionId), r.policyDefinitionId).toBeDefined();
    expect(c.getDefinition('4FA4B6C0-31CA-4C0D-B10D-24B96F62A751')!.properties.displayName).toBe('Storage account public access should be disallowed');
    expect(c.getDefinition('/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd')).toBeDefined();
    expect(c.getDefinition('/subscriptions/x/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd')).toBeUndefined();
    expect(c.getDefinition('nope')).toBeUndefined();
    expect(c.listDefinitions()).toHaveLength(846);
    expect(c.aliases().lookup('microsoft.storage/storageaccounts/allowblobpublicaccess')).toBeDefined();
    // no description anywhere
    for (const d of c.listDefinitions()) {
      expect(d.properties.description).toBeUndefined();
      for (const p of Object.values(d.properties.parameters ?? {})) expect(p.metadata?.description).toBeUndefined();
    }
  });

  it('loads lazily: one lookup reads the index and one category file', () => {
    const c = new PolicyCatalog(DEFAULT_CATALOG_DIR);
    const started = performance.now();
    expect(c.getDefinition('4fa4b6c0-31ca-4c0d-b10d-24b96f62a751')).toBeDefined();
    const cache = (c as unknown as { fileCache: Map<string, unknown> }).fileCache;
    expect([...cache.keys()].map((k) => k.slice(DEFAULT_CATALOG_DIR.length).replace(/\\/g, '/'))).toEqual(['policy/index.json', 'policy/definitions/storage.json']);
    expect(performance.now() - started).toBeLessThan(500);
    expect(loadCatalog()).toBe(loadCatalog());
  });

  it.skipIf(!HAS_SHARED)('the alias subset compiles every shipped definition exactly as the full alias table does', () => {
    const full = importAliasSources([join(SHARED, 'aliases')]).aliases;
    const c = loadCatalog();
    const subset = c.aliases();
    let compiled = 0;
    for (const d of c.listDefinitions()) {
      const a = compileDefinition(d, { aliases: full });
      const b = compileDefinition(d, { aliases: subset });
      expect(b.kind, d.id).toBe(a.kind);
      if (a.kind === 'errors' && b.kind === 'errors') expect(b.errors.map((e) => e.code)).toEqual(a.errors.map((e) => e.code));
      if (b.kind === 'compiled') compiled++;
    }
    expect(compiled).toBeGreaterThan(700);
  });
});

describe('jsonErrorPosition', () => {
  it('finds the first syntax error, and nothing in valid JSON', async () => {
    const { jsonErrorPosition } = await import('../../src/catalog/index.js');
    for (const ok of ['{}', '[]', '{"a": [1, -2.5e3, true, null, "x\\n"]}', ' "s" ']) expect(jsonErrorPosition(ok), ok).toBeUndefined();
    expect(jsonErrorPosition('{\n  "a": 1,\n  "b": \n}')).toEqual({ offset: 20, line: 4, column: 1 });
    expect(jsonErrorPosition('[1, 2')).toMatchObject({ line: 1, column: 6 });
    expect(jsonErrorPosition('{"a": 1} x')).toMatchObject({ offset: 9 });
    expect(jsonErrorPosition('[' .repeat(100000))).toBeDefined();
  });
});

describe('PolicyCatalog.resolve (a DefinitionSource for the engine)', () => {
  it('resolves definitions and set definitions by id or name', () => {
    const c = loadCatalog();
    expect(c.resolve(`/providers/Microsoft.Authorization/policySetDefinitions/${MCSB}`)?.type).toBe('Microsoft.Authorization/policySetDefinitions');
    expect(c.resolve('/providers/microsoft.authorization/policydefinitions/4FA4B6C0-31CA-4C0D-B10D-24B96F62A751')?.name).toBe('4fa4b6c0-31ca-4c0d-b10d-24b96f62a751');
    expect(c.resolve(MCSB)?.name).toBe(MCSB);
    expect(c.resolve('/providers/Microsoft.Authorization/policySetDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751')).toBeUndefined();
  });
});
