import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { golden } from './golden.js';
import { runCli } from './helpers.js';
import { cliWorkspace } from './workspace.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'estate-small');
const S1 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000001'; // corp → landing-zones → contoso-root
const S2 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000002'; // platform → contoso-root
const STORAGE_PUBLIC = '4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';
const MCSB = '1f3afdf9-d0c9-4c3d-847f-89da613e70a8';

const { dir, cli } = cliWorkspace('palisade-policy-cli-');

beforeAll(async () => {
  const result = await cli('estate', 'import', '--from', FIXTURE, '-o', 'none');
  expect(result.code).toBe(0);
});

describe('policy set-definition list|show (built-ins from the catalog)', () => {
  it("the seed's command runs; like az it prints only the Name column (knack drops 'id' keys in tables)", async () => {
    const seed = await cli('policy', 'set-definition', 'list', '--query', "[?contains(displayName, 'CIS Microsoft Azure Foundations')].{name:displayName, id:name}", '-o', 'table');
    expect(seed.stderr).toBe('');
    expect(seed.code).toBe(0);
    // Azure titles the v3.0.0 initiative "CIS Azure Foundations v3.0.0": the seed's filter matches no shipped initiative.
    expect(seed.stdout).toBe('\n'); // an empty table, as az prints it
    const cis = await cli('policy', 'set-definition', 'list', '--query', "[?contains(displayName, 'CIS')].{name:displayName, id:name}", '-o', 'json');
    expect(JSON.parse(cis.stdout)).toEqual([{ name: 'CIS Azure Foundations v3.0.0', id: '470a962c-86a0-433b-803a-3c176b5ce79c' }]);
  });

  it('golden: the initiatives as a table', async () => {
    const r = await cli('policy', 'set-definition', 'list', '--query', '[].{name:name, displayName:displayName, version:version, policyType:policyType, references:length(policyDefinitions), groups:length(policyDefinitionGroups)}', '-o', 'table');
    expect(r.stderr).toBe('');
    golden('policy-set-definition-list.table.txt', r.stdout);
  });

  it('show by name or id returns the flattened ARM resource', async () => {
    const byName = await cli('policy', 'set-definition', 'show', '-n', MCSB);
    const byId = await cli('policy', 'set-definition', 'show', '--name', `/providers/Microsoft.Authorization/policySetDefinitions/${MCSB.toUpperCase()}`);
    expect(byName.code).toBe(0);
    expect(byId.stdout).toBe(byName.stdout);
    const s = JSON.parse(byName.stdout);
    expect(Object.keys(s).sort()).toEqual(['displayName', 'id', 'metadata', 'name', 'parameters', 'policyDefinitionGroups', 'policyDefinitions', 'policyType', 'type', 'version', 'versions']);
    expect(s.type).toBe('Microsoft.Authorization/policySetDefinitions');
    expect(s.policyDefinitions).toHaveLength(223);
    expect(s.policyDefinitions[0]).toHaveProperty('policyDefinitionReferenceId');
  });

  it('a missing set definition exits 3', async () => {
    const r = await cli('policy', 'set-definition', 'show', '-n', 'nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("ERROR: (PolicySetDefinitionNotFound) The policy set definition 'nope' could not be found.");
  });
});

describe('policy definition list|show', () => {
  it('lists the 846 built-ins, shaped like az (properties flattened, no descriptions)', async () => {
    const r = await cli('policy', 'definition', 'list', '--query', "[?policyType=='BuiltIn'] | length(@)");
    expect(r.stdout.trim()).toBe('846');
    const one = await cli('policy', 'definition', 'list', '--query', `[?name=='${STORAGE_PUBLIC}'] | [0]`);
    const d = JSON.parse(one.stdout);
    expect(Object.keys(d).sort()).toEqual(['displayName', 'id', 'metadata', 'mode', 'name', 'parameters', 'policyRule', 'policyType', 'type', 'version', 'versions']);
    expect(d).toMatchObject({ type: 'Microsoft.Authorization/policyDefinitions', policyType: 'BuiltIn', mode: 'Indexed', metadata: { category: 'Storage' } });
  });

  it('golden: show a built-in definition', async () => {
    const r = await cli('policy', 'definition', 'show', '--name', STORAGE_PUBLIC);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    golden('policy-definition-show.json.txt', r.stdout);
    const byId = await cli('policy', 'definition', 'show', '--name', `/providers/Microsoft.Authorization/policyDefinitions/${STORAGE_PUBLIC}`);
    expect(byId.stdout).toBe(r.stdout);
  });

  it('--filter category and a bad filter', async () => {
    const r = await cli('policy', 'definition', 'list', '--filter', "category eq 'Storage'", '--query', 'length(@)');
    expect(Number(r.stdout)).toBe(20);
    const bad = await cli('policy', 'definition', 'list', '--filter', 'displayName eq x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('(InvalidFilter)');
  });

  it('a missing definition exits 3', async () => {
    const r = await cli('policy', 'definition', 'show', '-n', 'does-not-exist');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("ERROR: (PolicyDefinitionNotFound) The policy definition 'does-not-exist' could not be found.");
  });
});

describe('policy definition create (custom definitions persist as estate policyresources rows)', () => {
  it("creates az's documented example at a management group, with single-quoted JSON", async () => {
    const r = await cli('policy', 'definition', 'create', '--name', 'readOnlyStorage', '--management-group', 'corp', '--rules', "{ 'if': { 'field': 'type', 'equals': 'Microsoft.Storage/storageAccounts/write' }, 'then': { 'effect': 'deny' } }");
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({
      id: '/providers/Microsoft.Management/managementGroups/corp/providers/Microsoft.Authorization/policyDefinitions/readOnlyStorage',
      name: 'readOnlyStorage',
      type: 'Microsoft.Authorization/policyDefinitions',
      policyType: 'Custom',
      mode: 'Indexed',
      policyRule: { if: { field: 'type', equals: 'Microsoft.Storage/storageAccounts/write' }, then: { effect: 'deny' } },
    });
    // visible from corp and below, not from a sibling branch
    const s1 = await cli('policy', 'definition', 'list', '--subscription', S1, '--filter', "policyType eq 'Custom'", '--query', '[].name');
    expect(JSON.parse(s1.stdout)).toEqual(['readOnlyStorage']);
    const s2 = await cli('policy', 'definition', 'list', '--subscription', S2, '--filter', "policyType eq 'Custom'", '--query', '[].name');
    expect(JSON.parse(s2.stdout)).toEqual([]);
    const shown = await cli('policy', 'definition', 'show', '-n', 'readonlystorage', '--management-group', 'corp', '--query', 'id', '-o', 'tsv');
    expect(shown.stdout.trim()).toBe(d.id);
    // the estate holds it as a policyresources row
    const all = await cli('policy', 'definition', 'list', '--filter', "policyType eq 'Custom'", '--query', '[].id');
    expect(JSON.parse(all.stdout)).toContain(d.id);
  });

  it('reads --rules and --params from files, with --subscription, --mode, --display-name, --metadata', async () => {
    const rules = join(dir, 'rule.json');
    writeFileSync(rules, JSON.stringify({ if: { allOf: [{ field: 'type', equals: 'Microsoft.Storage/storageAccounts' }, { field: 'location', notIn: "[parameters('allowed')]" }] }, then: { effect: 'audit' } }));
    const params = join(dir, 'params.json');
    writeFileSync(params, JSON.stringify({ allowed: { type: 'Array', metadata: { displayName: 'Allowed locations', strongType: 'location' } } }));
    const r = await cli('policy', 'definition', 'create', '-n', 'allowed-locations', '--subscription', S1, '--rules', rules, '--params', `@${params}`, '--mode', 'all', '--display-name', 'Allowed locations', '--metadata', 'category=General', 'owner=platform');
    expect(r.stderr).toBe('');
    const d = JSON.parse(r.stdout);
    expect(d.id).toBe(`/subscriptions/${S1}/providers/Microsoft.Authorization/policyDefinitions/allowed-locations`);
    expect(d).toMatchObject({ mode: 'All', displayName: 'Allowed locations', metadata: { category: 'General', owner: 'platform' }, parameters: { allowed: { type: 'Array' } } });
  });

  it('a bad rule exits 1 with the coded error and its JSON path; nothing is stored', async () => {
    const r = await cli('policy', 'definition', 'create', '-n', 'bad', '--management-group', 'corp', '--rules', JSON.stringify({ if: { allOf: [{ field: 'type', equals: 'x' }, { field: 'name', equalz: 'y' }] }, then: { effect: 'deny' } }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ERROR: (UnknownOperator) --rules: $.if.allOf[1].equalz: 'equalz' is not a condition operator\n");
    const alias = await cli('policy', 'definition', 'create', '-n', 'bad', '--management-group', 'corp', '--rules', JSON.stringify({ if: { field: 'Microsoft.Storage/storageAccounts/notAnAlias', equals: true }, then: { effect: 'audit' } }));
    expect(alias.code).toBe(1);
    expect(alias.stderr).toContain("ERROR: (UnknownAlias) --rules: $.if.field: 'Microsoft.Storage/storageAccounts/notAnAlias' is not a known alias");
    const effect = await cli('policy', 'definition', 'create', '-n', 'bad', '--management-group', 'corp', '--rules', '{"if": {"field": "type", "equals": "x"}, "then": {"effect": "explode"}}');
    expect(effect.code).toBe(1);
    expect(effect.stderr).toContain('(InvalidEffect) --rules: $.then.effect:');
    const json = await cli('policy', 'definition', 'create', '-n', 'bad', '--management-group', 'corp', '--rules', '{"if": {"field": "type",\n "equals": }');
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/^ERROR: \(PolicyParseError\) --rules:2: not valid JSON at line 2, column 12/);
    const list = await cli('policy', 'definition', 'list', '--query', "[?name=='bad'] | length(@)");
    expect(list.stdout.trim()).toBe('0');
  });

  it('argument errors exit 2: no scope, a bad name, a bad mode', async () => {
    const rule = '{"if": {"field": "type", "equals": "x"}, "then": {"effect": "audit"}}';
    const noScope = await cli('policy', 'definition', 'create', '-n', 'x', '--rules', rule);
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toContain('(ArgumentUsageError)');
    expect((await cli('policy', 'definition', 'create', '-n', 'a/b', '--management-group', 'corp', '--rules', rule)).code).toBe(2);
    expect((await cli('policy', 'definition', 'create', '-n', 'x', '--management-group', 'corp', '--mode', 'Sometimes', '--rules', rule)).code).toBe(2);
    expect((await cli('policy', 'definition', 'create', '-n', 'x', '--management-group', 'nope', '--rules', rule)).code).toBe(3);
  });
});

describe('policy set-definition create', () => {
  it('creates an initiative over a built-in and a custom definition, with groups and parameters', async () => {
    const defs = JSON.stringify([
      { policyDefinitionId: `/providers/Microsoft.Authorization/policyDefinitions/${STORAGE_PUBLIC}`, parameters: { effect: { value: "[parameters('storageEffect')]" } }, groupNames: ['storage'] },
      { policyDefinitionId: '/providers/Microsoft.Management/managementGroups/corp/providers/Microsoft.Authorization/policyDefinitions/readOnlyStorage', policyDefinitionReferenceId: 'readOnly' },
    ]);
    const r = await cli(
      'policy', 'set-definition', 'create', '-n', 'corp-baseline', '--management-group', 'corp', '--display-name', 'Corp baseline',
      '--definitions', defs, '--definition-groups', '[{"name": "storage", "category": "Storage"}]', '--params', '{"storageEffect": {"type": "String", "defaultValue": "Audit"}}',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ type: 'Microsoft.Authorization/policySetDefinitions', policyType: 'Custom', displayName: 'Corp baseline' });
    expect(s.policyDefinitions.map((x: { policyDefinitionReferenceId: string }) => x.policyDefinitionReferenceId)).toEqual([STORAGE_PUBLIC, 'readOnly']);
    const listed = await cli('policy', 'set-definition', 'list', '--management-group', 'corp', '--query', "[?policyType=='Custom'].name");
    expect(JSON.parse(listed.stdout)).toEqual(['corp-baseline']);
  });

  it('reports unknown definitions, groups, reference parameters with JSON paths (exit 1)', async () => {
    const defs = JSON.stringify([{ policyDefinitionId: 'nope' }, { policyDefinitionId: STORAGE_PUBLIC, groupNames: ['zz'], parameters: { effect: { value: "[parameters('x')]" }, bogus: { value: 1 } } }]);
    const r = await cli('policy', 'set-definition', 'create', '-n', 'broken', '--management-group', 'corp', '--definitions', defs);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(PolicyDefinitionNotFound) 4 problems in the policy set definition:');
    expect(r.stderr).toContain("--definitions: $[0].policyDefinitionId: The policy definition 'nope' could not be found. [PolicyDefinitionNotFound]");
    expect(r.stderr).toContain('--definitions: $[1].parameters.bogus:');
    expect(r.stderr).toContain("--definitions: $[1].groupNames[0]: group 'zz' is not declared in policyDefinitionGroups [CatalogUnknownGroup]");
    expect(r.stderr).toContain("--definitions: $[1].parameters.effect.value: parameters('x') is not declared by the set definition [CatalogUnknownParameter]");
  });
});

describe('catalog import|show through the CLI', () => {
  it('reports located problems and writes nothing', async () => {
    const input = mkdtempSync(join(tmpdir(), 'palisade-catalog-in-'));
    writeFileSync(join(input, 'a.json'), '{"properties": {"mode": "All"}, "name": "a"}');
    writeFileSync(join(input, 'b.json'), '[1,');
    const out = join(input, 'out');
    const r = await runCli(['catalog', 'import', '--policies', input, '--aliases', input, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR: \(CatalogInvalid\) \d+ problems in the catalog input; nothing was written:/);
    expect(r.stderr).toContain("a.json: $.properties.policyRule: required property 'policyRule' is missing [CatalogMissingField]");
    expect(r.stderr).toContain('b.json:1: not valid JSON (line 1, column 4)');
    expect(existsSync(out)).toBe(false);
  });

  it('catalog show summarises the shipped catalog', async () => {
    const r = await runCli(['catalog', 'show', '--query', '{counts: counts, sets: setDefinitions[].displayName}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ counts: { definitions: 846, setDefinitions: 4 } });
  });
});
