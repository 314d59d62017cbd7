import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { golden } from './golden.js';
import { runCli } from './helpers.js';
import { cliWorkspace } from './workspace.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'estate-small');
const S1 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000001';
const STORAGE = `/subscriptions/${S1}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stcorpprod01`;

const { store, cli } = cliWorkspace('palisade-cli-');

beforeAll(async () => {
  const result = await cli('estate', 'import', '--from', FIXTURE);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout);
  expect(summary.total).toBe(20);
  expect(summary.rowsByTable).toMatchObject({ resourcecontainers: 9, resources: 5, securityresources: 6 });
});

describe('CLI output golden files: every -o format and --query', () => {
  const cases: Array<[string, string[]]> = [
    ['resource-list.json.txt', ['resource', 'list']],
    ['resource-list.jsonc.txt', ['resource', 'list', '-o', 'jsonc']],
    ['resource-list.yaml.txt', ['resource', 'list', '-o', 'yaml']],
    ['resource-list.yamlc.txt', ['resource', 'list', '-o', 'yamlc']],
    ['resource-list.table.txt', ['resource', 'list', '-o', 'table']],
    ['resource-list.tsv.txt', ['resource', 'list', '-o', 'tsv']],
    ['resource-list.query.table.txt', ['resource', 'list', '--query', '[].{name:name, group:resourceGroup, kind:kind, location:location}', '-o', 'table']],
    ['resource-list.query.tsv.txt', ['resource', 'list', '--query', "[?location=='eastus'].[name, type]", '-o', 'tsv']],
    ['resource-list.storage.json.txt', ['resource', 'list', '--resource-type', 'microsoft.storage/StorageAccounts', '--query', '[].name']],
    ['resource-show.json.txt', ['resource', 'show', '--ids', STORAGE]],
    ['account-list.table.txt', ['account', 'list', '-o', 'table']],
    ['mg-list.tsv.txt', ['account', 'management-group', 'list', '-o', 'tsv']],
    ['mg-show-expand.yaml.txt', ['account', 'management-group', 'show', '-n', 'contoso-root', '--expand', '--recurse', '-o', 'yaml']],
    ['estate-show.json.txt', ['estate', 'show']],
  ];
  for (const [name, args] of cases) {
    it(`${args.join(' ')}`, async () => {
      const result = await cli(...args);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      golden(name, result.stdout);
    });
  }

  it('-o none prints nothing', async () => {
    const result = await cli('resource', 'list', '-o', 'none');
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('filters by --subscription (name or id) and -g, case-insensitively', async () => {
    const byName = await cli('resource', 'list', '--subscription', 'platform-mgmt', '--query', '[].name');
    expect(JSON.parse(byName.stdout)).toEqual(['kv-ops-01', 'stopslogs']);
    const byGroup = await cli('resource', 'list', '-g', 'RG-APP', '--query', 'length(@)');
    expect(byGroup.stdout).toBe('3\n');
    const byTag = await cli('resource', 'list', '--tag', 'owner=ops@contoso.com', '--query', '[].name', '-o', 'tsv');
    expect(byTag.stdout).toBe('kv-ops-01\nstopslogs\n');
  });
});

describe('CLI errors and exit codes, as az', () => {
  it('a missing resource → exit 3 with ERROR: (ResourceNotFound)', async () => {
    const result = await cli('resource', 'show', '--ids', STORAGE + 'x');
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERROR: \(ResourceNotFound\) The resource '.*stcorpprod01x' was not found\.\n/);
  });

  it('an unknown subscription → exit 3', async () => {
    const result = await cli('resource', 'list', '--subscription', 'nope');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ERROR: \(SubscriptionNotFound\)/);
  });

  it('an invalid --query fails while parsing arguments (exit 2), before any work', async () => {
    const missingStore = join(tmpdir(), `never-created-${process.pid}`, 'p.db');
    const result = await runCli(['resource', 'list', '--query', '[?name==', '--store', missingStore]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ERROR: .*--query/);
    expect(existsSync(missingStore)).toBe(false);
  });

  it('an unknown output format → exit 2 listing the choices', async () => {
    const result = await cli('resource', 'list', '-o', 'xml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'json', 'jsonc', 'none', 'table', 'tsv', 'yaml', 'yamlc'");
  });

  it('an unknown command or option → exit 2', async () => {
    expect((await runCli(['resource', 'lst'])).code).toBe(2);
    const unknownOption = await runCli(['resource', 'list', '--bogus']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toMatch(/^ERROR: unknown option '--bogus'/);
  });

  it('help goes to stdout with exit 0', async () => {
    const result = await runCli(['resource', 'list', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--resource-type');
    expect(result.stdout).toContain('--query');
  });

  it('--verbose logs INFO lines to stderr only', async () => {
    const result = await cli('account', 'list', '--verbose', '--query', 'length(@)');
    expect(result.stdout).toBe('2\n');
    expect(result.stderr).toMatch(/^INFO: Command ran in \d+\.\d+ seconds\n$/);
  });

  it('an import with one bad row at the end leaves the store unchanged (exit 1)', async () => {
    const before = await cli('resource', 'list');
    const dir = mkdtempSync(join(tmpdir(), 'palisade-bad-'));
    const good = readFileSync(join(FIXTURE, 'resources.jsonl'), 'utf8').replace(/stcorpprod01/g, 'stnew');
    const bad = join(dir, 'resources.jsonl');
    writeFileSync(bad, good + '{"id": "/subscriptions/x/resourceGroups/r/providers/A.B/c/d", "name": "d"}\n');
    const result = await cli('estate', 'import', '--from', bad, '--mode', 'replace');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`ERROR: (EstateInvalid) 1 problem in the estate input; nothing was imported:\n  ${bad}:6: $.type: required property 'type' is missing [EstateMissingField]`);
    const after = await cli('resource', 'list');
    expect(after.stdout).toBe(before.stdout);
  });
});

describe('the installed bin', () => {
  it('runs as a real process with az exit codes', () => {
    const bin = join(ROOT, 'bin', 'palisade.js');
    const ok = execFileSync(process.execPath, [bin, 'account', 'list', '--store', store, '--query', '[].name', '-o', 'tsv'], { encoding: 'utf8' });
    expect(ok).toBe('corp-prod\nplatform-mgmt\n');
    const missing = spawnSync(process.execPath, [bin, 'account', 'management-group', 'show', '-n', 'nope', '--store', store], { encoding: 'utf8' });
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/^ERROR: \(ManagementGroupNotFound\)/);
  });
});
