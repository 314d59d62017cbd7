/**
 * Delivery through the outbox with real sinks: a local HTTP webhook, the NATS JetStream server of this machine
 * (127.0.0.1:4222, never stopped here: each test uses its own stream), a nats port nobody listens on, and the
 * workspace tables of a real SQLite store — plus PostgreSQL for concurrent deliverers. A settable clock drives the
 * backoff; the stores see its times.
 */
import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ExportDeliverer,
  alertRecords,
  backoffDelay,
  describeOutboxItem,
  enqueueRecords,
  exportStatus,
  putAutomation,
  type RestAlert,
} from '../../src/program/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PG_URL } from '../store/helpers.js';
import { Webhook, freePort, until } from './export-helpers.js';

const SUB = '0b1f6471-1bf0-4dda-aec3-111111111111';
const WS = `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/la1`;
const HUB = `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.EventHub/namespaces/ns1/eventhubs/hub1`;
const SYSTEM_NATS = process.env.PALISADE_NATS_URL ?? 'nats://127.0.0.1:4222';
const T0 = Date.parse('2026-09-01T00:00:00.000Z');

function alert(n: number): RestAlert {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-1/providers/Microsoft.Security/locations/westeurope/alerts/alert-${n}`,
    name: `alert-${n}`,
    properties: {
      alertType: 'VM_SshBruteForce',
      alertDisplayName: 'SSH brute force attempt',
      severity: 'Medium',
      status: 'Active',
      timeGeneratedUtc: '2026-09-01T01:00:00.000Z',
      resourceIdentifiers: [{ type: 'AzureResource', azureResourceId: `/subscriptions/${SUB}/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm${n}` }],
    },
  };
}

async function automation(store: Store, name: string, actions: unknown[]): Promise<void> {
  await putAutomation(store, SUB, 'rg-sec', name, { location: 'eastus', properties: { scopes: [{ scopePath: `/subscriptions/${SUB}` }], sources: [{ eventSource: 'Alerts' }], actions } });
}

/** A clock the test moves. */
function clock(start = T0) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms), at: () => now };
}

describe('backoff', () => {
  it('doubles from the base up to the cap; jitter takes off up to its share at random', () => {
    const policy = { baseMs: 1000, maxMs: 10_000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, () => 0))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect([1, 2, 3].map((a) => backoffDelay(a, policy, () => 1))).toEqual([500, 1000, 2000]);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(3, policy);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});

describe('delivery to a webhook (LogicApp)', () => {
  let store: Store;
  const hook = new Webhook();
  let port: number;

  beforeAll(async () => {
    port = await hook.start();
  });
  afterAll(async () => {
    await hook.stop();
  });
  beforeEach(async () => {
    store = await openStore(join(mkdtempSync(join(tmpdir(), 'palisade-outbox-')), 'p.db'));
    hook.requests.length = 0;
    hook.respond = () => ({ status: 200 });
  });
  afterEach(async () => {
    await store.close();
  });

  it('retries 5xx with exponential backoff, then delivers; every attempt carries the same Idempotency-Key and the REST body', async () => {
    await automation(store, 'hook', [{ actionType: 'LogicApp', uri: `http://127.0.0.1:${port}/hook?sig=TOPSECRET` }]);
    await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert(1) }]), { now: new Date(T0) });
    hook.respond = (_r, n) => ({ status: n < 2 ? 503 : 200 });
    const c = clock();
    const d = new ExportDeliverer(store, { now: c.now, backoff: { baseMs: 1000, maxMs: 8000, jitter: 0 }, maxAttempts: 5 });
    try {
      expect(await d.deliverOnce()).toEqual({ claimed: 1, delivered: 0, retried: 1, dead: 0 });
      let [row] = await store.listOutbox();
      expect(row).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: new Date(T0 + 1000) });
      expect(row!.lastError).toContain('HTTP 503');
      expect(row!.lastError).not.toContain('TOPSECRET');
      expect(await d.deliverOnce()).toMatchObject({ claimed: 0 }); // not due yet
      c.advance(1000);
      expect(await d.deliverOnce()).toMatchObject({ claimed: 1, retried: 1 });
      [row] = await store.listOutbox();
      expect(row!.nextAttemptAt).toEqual(new Date(c.at() + 2000));
      c.advance(2000);
      expect(await d.deliverOnce()).toMatchObject({ claimed: 1, delivered: 1 });
      [row] = await store.listOutbox();
      expect(row).toMatchObject({ state: 'delivered', attempts: 3, deliveredAt: new Date(c.at()) });
    } finally {
      await d.close();
    }
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    const first = hook.requests[0]!;
    expect(first.body).toEqual(alert(1));
    expect(first.url).toBe('/hook?sig=TOPSECRET');
    expect(first.headers).toMatchObject({ 'content-type': 'application/json', 'x-palisade-event-source': 'Alerts', 'x-palisade-is-snapshot': 'false' });
  });

  it('dead-letters after maxAttempts; the dead row is listed and goes back to pending with retry', async () => {
    await automation(store, 'hook', [{ actionType: 'LogicApp', uri: `http://127.0.0.1:${port}/hook` }]);
    await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert(1) }]), { now: new Date(T0) });
    hook.respond = () => ({ status: 500 });
    const c = clock();
    const d = new ExportDeliverer(store, { now: c.now, backoff: { baseMs: 10, maxMs: 10, jitter: 0 }, maxAttempts: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        await d.deliverOnce();
        c.advance(10);
      }
      const dead = await store.listOutbox({ states: ['dead'] });
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ attempts: 3 });
      expect(dead[0]!.lastError).toMatch(/^gave up after 3 attempts: POST http:\/\/127\.0\.0\.1:\d+\/hook: HTTP 500$/);
      expect(describeOutboxItem(dead[0]!)).toMatchObject({ automation: 'hook', state: 'dead', sink: `LogicApp POST http://127.0.0.1:${port}/hook` });
      expect(await d.deliverOnce()).toMatchObject({ claimed: 0 });
      hook.respond = () => ({ status: 202 });
      expect(await store.retryOutbox({ automationId: dead[0]!.automationId }, new Date(c.at()))).toBe(1);
      expect(await d.deliverOnce()).toMatchObject({ claimed: 1, delivered: 1 });
      expect((await exportStatus(store, new Date(c.at()))).automations[0]).toMatchObject({ name: 'hook', pending: 0, delivered: 1, dead: 0 });
    } finally {
      await d.close();
    }
  });

  it('a 4xx answer is permanent (dead at once); a 429 waits for its Retry-After', async () => {
    await automation(store, 'hook', [{ actionType: 'LogicApp', uri: `http://127.0.0.1:${port}/hook` }]);
    await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert(1) }, { alert: alert(2) }]), { now: new Date(T0) });
    hook.respond = (r) => ((r.body as RestAlert).name === 'alert-1' ? { status: 400 } : { status: 429, headers: { 'retry-after': '30' } });
    const c = clock();
    const d = new ExportDeliverer(store, { now: c.now, backoff: { baseMs: 1000, maxMs: 1000, jitter: 0 } });
    try {
      expect(await d.deliverOnce()).toEqual({ claimed: 2, delivered: 0, retried: 1, dead: 1 });
      const rows = await store.listOutbox();
      expect(rows[0]).toMatchObject({ state: 'dead', attempts: 1 });
      expect(rows[0]!.lastError).toContain('HTTP 400 (not retried)');
      expect(rows[1]).toMatchObject({ state: 'pending', nextAttemptAt: new Date(T0 + 30_000) });
    } finally {
      await d.close();
    }
  });

  it('an unreachable receiver fails fast: one refused connection, the rest of its rows not tried this round', async () => {
    const closed = await freePort();
    await automation(store, 'hook', [{ actionType: 'LogicApp', uri: `http://127.0.0.1:${closed}/hook?sig=TOPSECRET` }]);
    await enqueueRecords(store, 'Alerts', alertRecords([1, 2, 3, 4, 5, 6].map((n) => ({ alert: alert(n) }))), { now: new Date(T0) });
    const d = new ExportDeliverer(store, { now: clock().now });
    try {
      const started = Date.now();
      expect(await d.deliverOnce()).toMatchObject({ claimed: 6, retried: 6 });
      expect(Date.now() - started).toBeLessThan(5000);
      const errors = (await store.listOutbox()).map((r) => r.lastError!);
      expect(errors.some((e) => e.includes('ECONNREFUSED'))).toBe(true);
      expect(errors.some((e) => e.includes('not tried, the receiver is unreachable'))).toBe(true);
      for (const e of errors) expect(e).not.toContain('TOPSECRET');
    } finally {
      await d.close();
    }
  });

  it('start() delivers in the background until stop()', async () => {
    await automation(store, 'hook', [{ actionType: 'LogicApp', uri: `http://127.0.0.1:${port}/hook` }]);
    const d = new ExportDeliverer(store, { pollIntervalMs: 50 });
    d.start();
    try {
      await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert(1) }, { alert: alert(2) }]));
      await until(async () => (await store.outboxStats(new Date())).delivered === 2, 10_000, 'background delivery');
      await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert(3) }]));
      await until(async () => (await store.outboxStats(new Date())).delivered === 3, 10_000, 'background delivery');
    } finally {
      await d.stop();
    }
    expect(hook.deliveredKeys().size).toBe(3);
  });

  it('the background loop keeps one abort listener however many times it has waited', async () => {
    const d = new ExportDeliverer(store, { pollIntervalMs: 10 });
    d.start();
    try {
      const signal = (d as unknown as { stopping: AbortController }).stopping.signal;
      // Forty idle polls: each wait used to leave its listener on the loop's signal.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(1);
    } finally {
      await d.stop();
    }
  });
});

describe('delivery to NATS JetStream (EventHub)', () => {
  let store: Store;
  let nc: NatsConnection;
  const streams: string[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: SYSTEM_NATS });
  });
  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
  });
  beforeEach(async () => {
    store = await openStore(join(mkdtempSync(join(tmpdir(), 'palisade-outbox-nats-')), 'p.db'));
  });
  afterEach(async () => {
    await store.close();
  });

  async function messages(stream: string): Promise<Array<{ id: string; source: string; body: unknown }>> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const out = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      out.push({ id: m.header.get('Nats-Msg-Id'), source: m.header.get('Palisade-Event-Source'), body: m.json() });
    }
    return out;
  }

  it('one message per record with Nats-Msg-Id = the idempotency key; a redelivery after a crash is stored once', async () => {
    const tag = randomBytes(4).toString('hex');
    const stream = `PALISADE_TEST_${tag.toUpperCase()}`;
    streams.push(stream);
    await automation(store, 'nats', [{ actionType: 'EventHub', eventHubResourceId: HUB, connectionString: `${SYSTEM_NATS}?subject=palisade.test.${tag}&stream=${stream}` }]);
    await enqueueRecords(store, 'Alerts', alertRecords([1, 2, 3].map((n) => ({ alert: alert(n) }))), { now: new Date(T0) });
    const c = clock();
    const d = new ExportDeliverer(store, { now: c.now, leaseMs: 5000 });
    try {
      expect(await d.deliverOnce()).toMatchObject({ claimed: 3, delivered: 3 });
      let got = await messages(stream);
      const keys = (await store.listOutbox()).map((r) => r.idempotencyKey);
      expect(got.map((m) => m.id)).toEqual(keys);
      expect(got.map((m) => m.source)).toEqual(['Alerts', 'Alerts', 'Alerts']);
      expect(got.map((m) => m.body)).toEqual([alert(1), alert(2), alert(3)]);

      // A deliverer publishes two more records and dies before settling them: the rows stay claimed until the lease
      // ends, then another deliverer publishes them again. JetStream keeps each message once.
      await enqueueRecords(store, 'Alerts', alertRecords([4, 5].map((n) => ({ alert: alert(n) }))), { now: new Date(T0) });
      const dying = new ExportDeliverer(store, { now: c.now, leaseMs: 5000 });
      const claimed = await store.claimOutbox({ owner: dying.owner, limit: 10, leaseMs: 5000, now: c.now() });
      expect(claimed).toHaveLength(2);
      const { NatsSink } = await import('../../src/program/export/sinks/nats.js');
      const sink = new NatsSink();
      const sent = await sink.deliver(claimed, { sendTimeoutMs: 5000, connectTimeoutMs: 2000, natsUrl: SYSTEM_NATS });
      expect([...sent.values()].every((o) => o.ok)).toBe(true);
      await sink.close();
      expect(await d.deliverOnce()).toMatchObject({ claimed: 0 }); // still leased
      c.advance(5000);
      expect(await d.deliverOnce()).toMatchObject({ claimed: 2, delivered: 2 });
      got = await messages(stream);
      expect(got).toHaveLength(5);
      expect(new Set(got.map((m) => m.id)).size).toBe(5);
      expect((await store.outboxStats(c.now())).delivered).toBe(5);
    } finally {
      await d.close();
    }
  });

  it('without a connection string: the deliverer NATS URL, subject palisade.export.<automation>, stream PALISADE_EXPORT', async () => {
    const name = `default-${randomBytes(4).toString('hex')}`;
    const jsm = await nc.jetstreamManager();
    const existed = await jsm.streams.info('PALISADE_EXPORT').then(() => true, () => false);
    await automation(store, name, [{ actionType: 'EventHub', eventHubResourceId: HUB }]);
    await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert(7) }]), { now: new Date(T0) });
    const d = new ExportDeliverer(store, { natsUrl: SYSTEM_NATS });
    try {
      expect(await d.deliverOnce()).toMatchObject({ claimed: 1, delivered: 1 });
      const subject = `palisade.export.${name}`;
      const info = await jsm.streams.info('PALISADE_EXPORT', { subjects_filter: subject });
      expect(info.config.subjects).toContain('palisade.export.>');
      expect(info.state.subjects?.[subject]).toBe(1);
    } finally {
      await d.close();
      if (existed) await jsm.streams.purge('PALISADE_EXPORT', { filter: `palisade.export.${name}` });
      else await jsm.streams.delete('PALISADE_EXPORT');
    }
  });

  it('a NATS server that is down: retried with backoff, the error names the server without the password', async () => {
    const down = await freePort();
    await automation(store, 'nats-down', [{ actionType: 'EventHub', eventHubResourceId: HUB, connectionString: `Endpoint=nats://127.0.0.1:${down}/;SharedAccessKeyName=exporter;SharedAccessKey=TOPSECRET;EntityPath=palisade.test.down` }]);
    await enqueueRecords(store, 'Alerts', alertRecords([{ alert: alert(1) }]), { now: new Date(T0) });
    const d = new ExportDeliverer(store, { now: clock().now, connectTimeoutMs: 1000 });
    try {
      expect(await d.deliverOnce()).toMatchObject({ claimed: 1, retried: 1 });
    } finally {
      await d.close();
    }
    const [row] = await store.listOutbox();
    expect(row!.lastError).toContain(`NATS nats://127.0.0.1:${down} subject palisade.test.down`);
    expect(row!.lastError).not.toContain('TOPSECRET');
    expect(JSON.stringify(await exportStatus(store))).not.toContain('TOPSECRET');
  });
});

describe('delivery to the workspace', () => {
  it('inserts once by key even when delivered twice; a row the table rejects dead-letters alone', async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'palisade-outbox-ws-')), 'p.db'));
    try {
      await automation(store, 'ws', [{ actionType: 'Workspace', workspaceResourceId: WS }]);
      await enqueueRecords(store, 'Alerts', alertRecords([1, 2].map((n) => ({ alert: alert(n) }))), { now: new Date(T0) });
      const good = (await store.listOutbox())[0]!;
      await store.writeExport({
        now: new Date(T0),
        outbox: [{ ...good, id: 'bad:0', idempotencyKey: 'bad', payload: { table: 'SecurityAlert', row: { AlertName: 'x', NotAColumn: 1 } } }],
      });
      const c = clock();
      const d = new ExportDeliverer(store, { now: c.now, leaseMs: 1000 });
      try {
        // A deliverer that died after inserting: the rows are inserted but not settled.
        const claimed = await store.claimOutbox({ owner: 'died', limit: 2, leaseMs: 1000, now: c.now() });
        const { WorkspaceSink } = await import('../../src/program/export/sinks/workspace.js');
        await new WorkspaceSink(store).deliver(claimed);
        c.advance(1000);
        expect(await d.deliverOnce()).toEqual({ claimed: 3, delivered: 2, retried: 0, dead: 1 });
      } finally {
        await d.close();
      }
      expect((await store.queryWorkspace('SELECT count(*) AS n FROM SecurityAlert')).rows).toEqual([{ n: 2 }]);
      const dead = await store.listOutbox({ states: ['dead'] });
      expect(dead.map((r) => r.id)).toEqual(['bad:0']);
      expect(dead[0]!.lastError).toContain('has no column "NotAColumn"');
    } finally {
      await store.close();
    }
  });
});

describe('concurrent deliverers on PostgreSQL', () => {
  const schema = `palisade_deliver_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const hook = new Webhook();

  afterAll(async () => {
    await hook.stop();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('three deliverers on two connections deliver each of 300 records exactly once', async () => {
    const port = await hook.start();
    const a = await openStore(url);
    const b = await openStore(url);
    try {
      await automation(a, 'hook', [{ actionType: 'LogicApp', uri: `http://127.0.0.1:${port}/hook` }]);
      await enqueueRecords(a, 'Alerts', alertRecords(Array.from({ length: 300 }, (_, n) => ({ alert: alert(n) }))));
      const deliverers = [new ExportDeliverer(a, { batchSize: 25 }), new ExportDeliverer(b, { batchSize: 25 }), new ExportDeliverer(b, { batchSize: 40 })];
      const results = await Promise.all(deliverers.map((d) => d.drain({ untilEmpty: true, timeoutMs: 30_000 })));
      await Promise.all(deliverers.map((d) => d.close()));
      expect(results.reduce((n, r) => n + r.delivered, 0)).toBe(300);
      expect(results.every((r) => r.delivered > 0)).toBe(true);
      expect(hook.requests).toHaveLength(300);
      expect(hook.deliveredKeys().size).toBe(300);
      expect(await a.outboxStats(new Date())).toMatchObject({ pending: 0, delivered: 300, dead: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
