/**
 * Acceptance (issue #7, continuous export): the real CLI (bin/palisade.js over dist/, built by `npm run build`)
 * delivers to a NATS JetStream server and a webhook; it is SIGKILLed mid-way while NATS is down, a second one is
 * SIGKILLed while both are down; both come back and a third delivers everything: every record is found exactly once
 * by key — in the JetStream stream (deduplicated by Nats-Msg-Id), at the webhook (distinct Idempotency-Key values)
 * and in the workspace tables — none lost.
 *
 * The NATS server is our own (a spare port, JetStream with a store directory), started only when the test says so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { Webhook, freePort, startNatsServer, stopProcess, until } from './export-helpers.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'palisade.js');
const TABLES = ['SecurityRecommendation', 'SecureScores', 'SecureScoreControls', 'SecurityRegulatoryCompliance'];

let dir: string;
let storePath: string;
let natsPort: number;
let webPort: number;
let nats: ChildProcess | undefined;
const hook = new Webhook();
const children: ChildProcess[] = [];

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--store', storePath], { encoding: 'utf8', env: { ...process.env, PALISADE_NATS_URL: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `palisade export deliver --until-empty` as a child process (short lease and backoff, so the test runs in seconds). */
function deliverer(): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(
    process.execPath,
    [BIN, 'export', 'deliver', '--until-empty', '--timeout', '120s', '--lease', '2s', '--retry-base', '200ms', '--retry-max', '1s', '--send-timeout', '3s', '--batch-size', '25', '--store', storePath, '--verbose'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += String(c)));
  child.stderr!.on('data', (c) => (stderr += String(c)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) => child.once('exit', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storePath);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'program', 'export', 'deliverer.js'))) throw new Error('dist/ has no continuous export: run `npm run build` first (npm test does).');
  dir = mkdtempSync(join(tmpdir(), 'palisade-export-acceptance-'));
  storePath = join(dir, 'p.db');
  [natsPort, webPort] = [await freePort(), await freePort()];
  const sample = join(dir, 'sample');
  expect(cli('sample', '--out', sample, '--subscriptions', '3', '--resources', '60', '-o', 'none').code).toBe(0);
  expect(cli('estate', 'import', '--from', sample, '-o', 'none').code).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const c of children) await stopProcess(c, 'SIGKILL');
  await stopProcess(nats);
  await hook.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('continuous export survives sinks going down and the deliverer being killed', () => {
  it('every record is delivered exactly once by key to JetStream, the webhook and the workspace', async () => {
    const sub = cli('account', 'list', '--query', '[0].id', '-o', 'tsv').stdout.trim();
    const workspace = `/subscriptions/${sub}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/la1`;
    const created = cli(
      'security', 'automation', 'create', '-n', 'acceptance', '-g', 'rg-sec', '-l', 'eastus', '--subscription', sub,
      '--scopes', JSON.stringify([{ scopePath: `/subscriptions/${sub}` }]),
      '--sources', JSON.stringify([{ eventSource: 'AssessmentsSnapshot' }, { eventSource: 'SecureScoresSnapshot' }, { eventSource: 'SecureScoreControlsSnapshot' }, { eventSource: 'RegulatoryComplianceAssessmentSnapshot' }]),
      '--actions', JSON.stringify([
        { actionType: 'Workspace', workspaceResourceId: workspace },
        { actionType: 'EventHub', eventHubResourceId: `/subscriptions/${sub}/resourceGroups/rg-sec/providers/Microsoft.EventHub/namespaces/ns/eventhubs/posture`, connectionString: `nats://127.0.0.1:${natsPort}` },
        { actionType: 'LogicApp', uri: `http://127.0.0.1:${webPort}/hook?sig=TOPSECRET` },
      ]),
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);

    // The scan enqueues the snapshot and makes one bounded attempt: the workspace takes its rows; NATS and the
    // webhook are down.
    const scan = cli('scan', '-o', 'json', '--query', 'export');
    expect(scan.code).toBe(0);
    const exported = JSON.parse(scan.stdout);
    const rows = exported.enqueued as number;
    expect(rows % 3).toBe(0);
    const records = rows / 3;
    expect(records).toBeGreaterThan(100);
    expect(exported).toMatchObject({ automations: 1, delivered: records, pending: 2 * records, deadLettered: 0 });
    expect(scan.stderr).not.toContain('TOPSECRET');

    // Deliverer 1: both sinks down, it retries. Then the webhook comes up (slowly); when a third of its records are
    // in, the deliverer is killed — NATS still down, a batch possibly sent but not settled.
    const first = deliverer();
    await until(async () => withStore(async (s) => (await s.listOutbox({ states: ['pending'] })).some((r) => r.attempts >= 3)), 30_000, 'failed attempts');
    hook.respond = () => ({ status: 200, delayMs: 15 });
    await hook.start(webPort);
    await until(() => hook.deliveredKeys().size >= records / 3, 30_000, 'a third of the webhook records');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const midway = hook.deliveredKeys().size;
    expect(midway).toBeLessThan(records);

    // Deliverer 2 runs with both sinks down (the webhook stops too), and is killed as well.
    await hook.stop();
    const second = deliverer();
    const before = await withStore(async (s) => (await s.listOutbox({ states: ['pending'] })).reduce((n, r) => n + r.attempts, 0));
    await until(async () => withStore(async (s) => (await s.listOutbox({ states: ['pending'] })).reduce((n, r) => n + r.attempts, 0) > before + 10), 30_000, 'deliverer 2 attempts');
    second.child.kill('SIGKILL');
    expect((await second.done).signal).toBe('SIGKILL');
    expect(await withStore(async (s) => (await s.outboxStats(new Date())).pending)).toBeGreaterThan(records);

    // Both come back; deliverer 3 drains the outbox.
    nats = await startNatsServer(natsPort, join(dir, 'jetstream'));
    hook.respond = () => ({ status: 200 });
    await hook.start(webPort);
    const third = deliverer();
    const result = await third.done;
    expect(result.stderr).not.toContain('TOPSECRET');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ pending: 0, deadTotal: 0, timedOut: false });

    // The outbox: every row delivered, none dead; one idempotency key per record, shared by its three sinks.
    const outbox = await withStore((s) => s.listOutbox());
    expect(outbox).toHaveLength(rows);
    expect(outbox.every((r) => r.state === 'delivered')).toBe(true);
    const keys = new Set(outbox.map((r) => r.idempotencyKey));
    expect(keys.size).toBe(records);

    // The webhook: every key, and no other; a repeat is possible only for what was in flight when a deliverer died.
    const webhookKeys = hook.deliveredKeys();
    expect(webhookKeys).toEqual(keys);
    const repeats = hook.requests.filter((r) => r.status === 200).length - webhookKeys.size;
    expect(repeats).toBeLessThanOrEqual(25);
    for (const r of hook.requests) expect(r.headers['idempotency-key']).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // JetStream: one message per record in the stream Palisade created, deduplicated by Nats-Msg-Id.
    const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}` });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info('PALISADE_EXPORT');
      expect(info.config.subjects).toEqual(['palisade.export.>']);
      expect(info.state.messages).toBe(records);
      const ids = new Set<string>();
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage('PALISADE_EXPORT', { seq });
        expect(m.subject).toBe('palisade.export.acceptance');
        ids.add(m.header.get('Nats-Msg-Id'));
      }
      expect(ids).toEqual(keys);
    } finally {
      await nc.close();
    }

    // The workspace: one row per record, by _ItemId.
    await withStore(async (s) => {
      let total = 0;
      const items = new Set<string>();
      for (const table of TABLES) {
        const { rows: got } = await s.queryWorkspace(`SELECT _ItemId FROM ${table}`);
        total += got.length;
        for (const g of got) items.add(String(g._ItemId));
      }
      expect(total).toBe(records);
      expect(items).toEqual(keys);
    });
  }, 240_000);
});
