/**
 * Workload protection over the API: telemetry posted to `palisade serve` raises alerts, which the real arm-security
 * client lists, reads and changes state on (and `az rest` sets InProgress with 2022-01-01); and a server killed with
 * SIGKILL between two halves of a brute force, then restarted on the same store, still detects it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SecurityCenter } from '@azure/arm-security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/index.js';
import { runCli } from '../cli/helpers.js';
import { NOW, http } from './helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'palisade.js');
const AZ = ['/usr/bin/az', '/usr/local/bin/az'].find((p) => existsSync(p));

interface Attack {
  alertType: string;
  expectAlert: boolean;
  subscriptionId: string;
  resourceId: string;
  severity: string;
  files: string[];
}

let dir: string;
let store: string;
let attacks: Attack[];
let index: Record<string, string>;

function attack(alertType: string): Attack {
  const a = attacks.find((x) => x.alertType === alertType && x.expectAlert);
  if (!a) throw new Error(`the sample has no ${alertType} attack`);
  return a;
}

/** The text of an attack file and the resource its records belong to (the sample's index.json names it). */
function attackFile(a: Attack): { text: string; resourceId: string; format: string } {
  const file = a.files[0];
  const stem = file.split('/').pop()!.replace(/\.(jsonl|json|log)$/, '');
  return { text: readFileSync(join(dir, 'telemetry', file), 'utf8'), resourceId: index[stem] ?? a.resourceId, format: file.split('/')[0] };
}

async function post(base: string, token: string, a: { text: string; resourceId: string; format: string }) {
  const url = `${base}/palisade/v1/telemetry?format=${a.format}&resourceId=${encodeURIComponent(a.resourceId)}`;
  return http(url, { method: 'POST', token, rawBody: a.text, headers: { 'content-type': 'text/plain' } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-api-protection-'));
  store = join(dir, 'p.db');
  const sample = join(dir, 'sample');
  expect((await runCli(['sample', '--out', sample, '--subscriptions', '6', '--resources', '1500', '--telemetry', '-o', 'none'])).code).toBe(0);
  expect((await runCli(['estate', 'import', '--from', sample, '--store', store, '-o', 'none'])).code).toBe(0);
  dir = sample;
  attacks = JSON.parse(readFileSync(join(sample, 'telemetry', 'labels.json'), 'utf8')).attacks;
  index = JSON.parse(readFileSync(join(sample, 'telemetry', 'index.json'), 'utf8')).resources;
}, 180_000);

describe('alerts over the API', () => {
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer({ store, port: 0, auth: 'token', env: { PALISADE_NOW: NOW } });
    token = server.createToken({ role: 'Owner', scope: '/' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('POSTed telemetry raises the alert; a subscription token may not ingest; a bad format is a 400', async () => {
    const kv = attack('KV_TORAccess');
    const r = await post(server.url, token, attackFile(kv));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.events).toBeGreaterThan(0);
    expect(r.body.alerts.created).toHaveLength(1);
    const subToken = server.createToken({ role: 'Owner', scope: `/subscriptions/${kv.subscriptionId}` });
    expect((await post(server.url, subToken, attackFile(kv))).status).toBe(403);
    const bad = await http(`${server.url}/palisade/v1/telemetry?format=nope`, { method: 'POST', token, rawBody: 'x', headers: { 'content-type': 'text/plain' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('InvalidTelemetryFormat');
    const garbage = await http(`${server.url}/palisade/v1/telemetry?format=keyVault`, { method: 'POST', token, rawBody: '{"not": "a record"\nnot json at all', headers: { 'content-type': 'text/plain' } });
    expect(garbage.status).toBe(200);
    expect(garbage.body).toMatchObject({ events: 0, rejected: 2 });
    expect(garbage.body.rejectedRecords[0]).toMatchObject({ file: 'request body', line: 1 });
  });

  it('arm-security 5.0.0: locations.list, alerts.list, getSubscriptionLevel, dismiss / resolve / activate (204)', async () => {
    const kv = attack('KV_TORAccess');
    const client = new SecurityCenter({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600e3 }) } as any, kv.subscriptionId, { endpoint: server.url, allowInsecureConnection: true } as any);
    client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    client.pipeline.addPolicy({ name: 'palisadeToken', sendRequest: (req: any, next: any) => (req.headers.set('authorization', `Bearer ${token}`), next(req)) });
    const alerts: any[] = [];
    for await (const a of client.alerts.list()) alerts.push(a);
    const alert = alerts.find((a) => a.alertType === 'KV_TORAccess');
    expect(alert).toMatchObject({ severity: kv.severity, status: 'Active', compromisedEntity: expect.any(String) });
    expect(String(alert.resourceIdentifiers?.[0]?.azureResourceId).toLowerCase(), JSON.stringify(alert.resourceIdentifiers)).toBe(attackFile(kv).resourceId.toLowerCase());
    const locations: any[] = [];
    for await (const l of client.locations.list()) locations.push(l);
    const loc = alert.id.split('/locations/')[1].split('/')[0];
    expect(locations.map((l) => l.name)).toContain(loc);
    expect((await client.alerts.getSubscriptionLevel(loc, alert.name)).alertType).toBe('KV_TORAccess');
    await client.alerts.updateSubscriptionLevelStateToDismiss(loc, alert.name);
    expect((await client.alerts.getSubscriptionLevel(loc, alert.name)).status).toBe('Dismissed');
    await client.alerts.updateSubscriptionLevelStateToResolve(loc, alert.name);
    await client.alerts.updateSubscriptionLevelStateToActivate(loc, alert.name);
    const cli = await runCli(['security', 'alert', 'show', '-n', alert.name, '--store', store, '-o', 'json']);
    expect(JSON.parse(cli.stdout).properties.status).toBe('Active');
    await expect(client.alerts.getSubscriptionLevel(loc, 'no-such-alert')).rejects.toMatchObject({ statusCode: 404, code: 'AlertNotFound' });
  });

  it.skipIf(!AZ)('az rest: the 2022-01-01 inProgress action and the article-style alert query', async () => {
    const kv = attack('KV_TORAccess');
    const config = mkdtempSync(join(tmpdir(), 'palisade-az-'));
    const az = async (args: string[]) =>
      (await promisify(execFile)(AZ!, [...args, '--skip-authorization-header', '--headers', `Authorization=Bearer ${token}`], { env: { ...process.env, AZURE_CONFIG_DIR: config, AZURE_CORE_COLLECT_TELEMETRY: 'false' } })).stdout;
    const list = JSON.parse(await az(['rest', '--method', 'get', '--url', `${server.url}/subscriptions/${kv.subscriptionId}/providers/Microsoft.Security/alerts?api-version=2022-01-01`, '--query', "value[?properties.alertType=='KV_TORAccess']"]));
    expect(list).toHaveLength(1);
    const id = list[0].id as string;
    await az(['rest', '--method', 'post', '--url', `${server.url}${id}/inProgress?api-version=2022-01-01`]);
    const status = (await az(['rest', '--method', 'get', '--url', `${server.url}${id}?api-version=2022-01-01`, '--query', 'properties.status', '-o', 'tsv'])).trim();
    expect(status).toBe('InProgress');
  }, 120_000);
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function serve(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--store', store, '--web', join(dir, 'no-web')], { env: { ...process.env, PALISADE_NOW: NOW }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(`127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

describe('streaming detection survives a killed server', () => {
  it('an SSH brute force split across a SIGKILL and a restart is still detected', { timeout: 240_000 }, async () => {
    const ssh = attackFile(attack('VM_SshBruteForceSuccess'));
    const lines = ssh.text.trimEnd().split('\n');
    const accepted = lines.findIndex((l) => l.includes('Accepted'));
    expect(accepted).toBeGreaterThan(20);
    const token = (await runCli(['token', 'create', '--role', 'Owner', '--scope', '/', '--store', store, '--query', 'accessToken', '-o', 'tsv'])).stdout.trim();
    const port = await freePort();
    let child = await serve(port);
    const base = `http://127.0.0.1:${port}`;
    const first = await post(base, token, { ...ssh, text: lines.slice(0, accepted).join('\n') });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.events).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    child = await serve(port);
    try {
      const rest = await post(base, token, { ...ssh, text: lines.slice(accepted).join('\n') });
      expect(rest.status, JSON.stringify(rest.body)).toBe(200);
      const alerts = await http(`${base}/subscriptions/${attack('VM_SshBruteForceSuccess').subscriptionId}/providers/Microsoft.Security/alerts?api-version=2022-01-01`, { token });
      expect(alerts.body.value.map((a: any) => a.properties.alertType)).toContain('VM_SshBruteForceSuccess');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
