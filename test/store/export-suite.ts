/**
 * The store's continuous-export methods — outbox, export state, workspace tables and the read-only workspace query —
 * run against each backend with a real database (export.test.ts runs this suite on SQLite and PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACE_TABLES, type OutboxInsert, type Store } from '../../src/store/index.js';

export interface ExportSuiteOptions {
  open: () => Promise<Store>;
  cleanup?: () => Promise<void>;
  /** The documented columns of a table as the database reports them, in table order. */
  columns: (store: Store, table: string) => Promise<string[]>;
  /** Whether the backend can stop a runaway query (the in-memory SQLite store cannot). */
  timeouts: boolean;
}

const T0 = new Date('2026-09-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const WS = '/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/la1';

function item(n: number, automation = 'auto-a'): OutboxInsert {
  return {
    id: `key-${n}:0`,
    idempotencyKey: `key-${n}`,
    automationId: `/subscriptions/s/resourcegroups/rg/providers/microsoft.security/automations/${automation}`,
    eventSource: 'Assessments',
    entityId: `/subscriptions/s/providers/Microsoft.Security/assessments/${n}`,
    sinkType: 'LogicApp',
    sink: { actionType: 'LogicApp', uri: 'https://example.test/hook?sig=secret' },
    payload: { n, nested: { list: [1, 2, n] } },
  };
}

export function runExportSuite(name: string, options: ExportSuiteOptions): void {
  describe(`store export methods: ${name}`, () => {
    let store: Store;

    beforeAll(async () => {
      store = await options.open();
    });

    afterAll(async () => {
      await store?.close();
      await options.cleanup?.();
    });

    it('migration 2 created the workspace tables with the documented Log Analytics columns, plus _ItemId and _WorkspaceResourceId', async () => {
      expect((await store.migrations()).map((m) => m.version)).toContain(2);
      for (const table of WORKSPACE_TABLES) {
        const actual = await options.columns(store, table.name);
        expect(actual).toEqual([...table.columns.map((c) => c.name), '_ItemId', '_WorkspaceResourceId'].map((c) => (actual[0] === actual[0]!.toLowerCase() ? c.toLowerCase() : c)));
      }
    });

    it('writeExport inserts rows once by id and applies state changes in the same transaction', async () => {
      const first = await store.writeExport({ outbox: [item(1), item(2)], state: [{ scope: 'stream:x', key: 'a', value: { s: 'Healthy' } }, { scope: 'stream:x', key: 'b', value: { s: 'Unhealthy' } }], now: T0 });
      expect(first).toEqual({ enqueued: 2, duplicates: 0 });
      const again = await store.writeExport({ outbox: [item(1), item(3)], state: [{ scope: 'stream:x', key: 'b', value: null }], now: at(1000) });
      expect(again).toEqual({ enqueued: 1, duplicates: 1 });
      expect(Object.fromEntries(await store.readExportState('stream:x'))).toEqual({ a: { s: 'Healthy' } });
      const rows = await store.listOutbox();
      expect(rows.map((r) => r.id)).toEqual(['key-1:0', 'key-2:0', 'key-3:0']);
      expect(rows[0]).toMatchObject({ state: 'pending', attempts: 0, payload: { n: 1, nested: { list: [1, 2, 1] } }, sink: { actionType: 'LogicApp' }, createdAt: T0, nextAttemptAt: T0, deliveredAt: null, leaseOwner: null });
      expect(rows[2]!.createdAt).toEqual(at(1000));
    });

    it('lists state scopes by prefix and clears one', async () => {
      await store.writeExport({ outbox: [], state: [{ scope: 'stream:y', key: 'k', value: 1 }, { scope: 'snapshot:z', key: 'k', value: 2 }], now: T0 });
      expect(await store.listExportScopes()).toEqual(['snapshot:z', 'stream:x', 'stream:y']);
      expect(await store.listExportScopes('stream:')).toEqual(['stream:x', 'stream:y']);
      expect(await store.clearExportState('stream:y')).toBe(1);
      expect(await store.clearExportState('snapshot:z')).toBe(1);
      expect(await store.listExportScopes()).toEqual(['stream:x']);
    });

    it('a bad row rolls the whole write back (outbox and state)', async () => {
      const bad = { ...item(9), idempotencyKey: '' };
      await expect(store.writeExport({ outbox: [item(8), bad], state: [{ scope: 'stream:x', key: 'c', value: 1 }], now: T0 })).rejects.toMatchObject({ code: 'StoreInvalidArgument' });
      expect((await store.listOutbox()).map((r) => r.id)).not.toContain('key-8:0');
      expect((await store.readExportState('stream:x')).has('c')).toBe(false);
    });

    it('claims due rows oldest first, counts the attempt and holds them for the lease', async () => {
      const claimed = await store.claimOutbox({ owner: 'w1', limit: 2, leaseMs: 30_000, now: at(2000) });
      expect(claimed.map((c) => c.id)).toEqual(['key-1:0', 'key-2:0']);
      expect(claimed[0]).toMatchObject({ attempts: 1, leaseOwner: 'w1', leaseUntil: at(32_000) });
      const other = await store.claimOutbox({ owner: 'w2', limit: 10, leaseMs: 30_000, now: at(3000) });
      expect(other.map((c) => c.id)).toEqual(['key-3:0']);
      expect(await store.claimOutbox({ owner: 'w2', limit: 10, leaseMs: 30_000, now: at(4000) })).toEqual([]);
      const stats = await store.outboxStats(at(4000));
      expect(stats).toMatchObject({ pending: 3, delivered: 0, dead: 0, leased: 3, due: 0 });
    });

    it('settles: delivered from anyone, retry and dead only from the owner that holds the row', async () => {
      const changed = await store.settleOutbox(
        'w2',
        [
          { id: 'key-1:0', outcome: 'retry', error: 'not yours', nextAttemptAt: at(5000) },
          { id: 'key-3:0', outcome: 'retry', error: 'HTTP 503', nextAttemptAt: at(60_000) },
        ],
        at(4000),
      );
      expect(changed).toBe(1);
      expect(await store.settleOutbox('w1', [{ id: 'key-1:0', outcome: 'delivered' }, { id: 'key-2:0', outcome: 'dead', error: 'HTTP 400 (not retried)' }], at(4500))).toBe(2);
      const rows = Object.fromEntries((await store.listOutbox()).map((r) => [r.id, r]));
      expect(rows['key-1:0']).toMatchObject({ state: 'delivered', deliveredAt: at(4500), leaseOwner: null, lastError: null });
      expect(rows['key-2:0']).toMatchObject({ state: 'dead', lastError: 'HTTP 400 (not retried)', leaseOwner: null });
      expect(rows['key-3:0']).toMatchObject({ state: 'pending', nextAttemptAt: at(60_000), lastError: 'HTTP 503', leaseOwner: null, attempts: 1 });
      // Not due before its next attempt; due after it.
      expect(await store.claimOutbox({ owner: 'w1', limit: 10, leaseMs: 1000, now: at(59_999) })).toEqual([]);
      expect((await store.claimOutbox({ owner: 'w1', limit: 10, leaseMs: 1000, now: at(60_000) })).map((c) => [c.id, c.attempts])).toEqual([['key-3:0', 2]]);
    });

    it('a lease that ran out (its deliverer died) makes the row claimable again', async () => {
      expect(await store.claimOutbox({ owner: 'w3', limit: 10, leaseMs: 1000, now: at(60_500) })).toEqual([]);
      const again = await store.claimOutbox({ owner: 'w3', limit: 10, leaseMs: 1000, now: at(61_000) });
      expect(again.map((c) => [c.id, c.attempts, c.leaseOwner])).toEqual([['key-3:0', 3, 'w3']]);
    });

    it('lists by state and automation, counts per automation, retries dead rows, deletes and purges', async () => {
      await store.writeExport({ outbox: [item(20, 'auto-b'), item(21, 'auto-b')], now: at(70_000) });
      expect((await store.listOutbox({ states: ['dead'] })).map((r) => r.id)).toEqual(['key-2:0']);
      expect((await store.listOutbox({ automationId: '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Security/automations/AUTO-B' })).map((r) => r.id)).toEqual(['key-20:0', 'key-21:0']);
      expect((await store.listOutbox({ limit: 2, offset: 1 })).map((r) => r.id)).toEqual(['key-2:0', 'key-3:0']);
      const stats = await store.outboxStats(at(70_000));
      expect(stats).toMatchObject({ pending: 3, delivered: 1, dead: 1, due: 3, oldestPendingAt: at(1000), nextAttemptAt: at(60_000) });
      expect(stats.byAutomation.map((b) => [b.automationId.split('/').pop(), b.sinkType, b.pending, b.delivered, b.dead])).toEqual([
        ['auto-a', 'LogicApp', 1, 1, 1],
        ['auto-b', 'LogicApp', 2, 0, 0],
      ]);
      expect(await store.retryOutbox({ ids: ['key-2:0'] }, at(80_000))).toBe(1);
      expect((await store.listOutbox({ ids: ['key-2:0'] }))[0]).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: at(80_000) });
      expect(await store.deleteOutbox({ automationId: '/subscriptions/s/resourcegroups/rg/providers/microsoft.security/automations/auto-b', states: ['pending', 'dead'] })).toBe(2);
      expect(await store.purgeOutbox(at(4500))).toBe(0);
      expect(await store.purgeOutbox(at(4501))).toBe(1);
      expect((await store.listOutbox()).map((r) => r.id)).toEqual(['key-2:0', 'key-3:0']);
    });

    it('concurrent claims from two connections never hand out the same row', async () => {
      const other = await options.open();
      try {
        const ids = Array.from({ length: 40 }, (_, i) => 100 + i);
        await store.writeExport({ outbox: ids.map((n) => item(n, 'auto-c')), now: at(90_000) });
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : other).claimOutbox({ owner: `c${i}`, limit: 7, leaseMs: 60_000, now: at(90_000) })),
        );
        const got = claims.flat().map((c) => c.id);
        expect(new Set(got).size).toBe(got.length);
        expect(got.length).toBeGreaterThanOrEqual(40);
      } finally {
        await other.close();
      }
    });

    it('rejects bad arguments with coded errors', async () => {
      await expect(store.claimOutbox({ owner: '', limit: 1, leaseMs: 1, now: T0 })).rejects.toMatchObject({ code: 'StoreInvalidArgument' });
      await expect(store.claimOutbox({ owner: 'x', limit: 0, leaseMs: 1, now: T0 })).rejects.toMatchObject({ code: 'StoreInvalidArgument' });
      await expect(store.listOutbox({ states: ['lost' as 'dead'] })).rejects.toMatchObject({ code: 'StoreInvalidArgument' });
      await expect(store.settleOutbox('x', [{ id: 'a', outcome: 'maybe' } as never], T0)).rejects.toMatchObject({ code: 'StoreInvalidArgument' });
    });

    it('workspace rows: typed, idempotent by (_WorkspaceResourceId, _ItemId), unknown columns rejected', async () => {
      const row = (id: string, score: number) => ({
        _ItemId: id,
        _WorkspaceResourceId: WS,
        TimeGenerated: '2026-09-01T00:00:00Z',
        Type: 'SecureScores',
        IsSnapshot: true,
        CurrentScore: score,
        MaxScore: 27,
        PercentageScore: score / 27,
        Weight: 17,
        Properties: { displayName: 'ASC score', score: { current: score }, __proto__note: 'kept' },
        SecureScoresSubscriptionId: '0b1f6471-1bf0-4dda-aec3-111111111111',
      });
      expect(await store.insertWorkspaceRows('SecureScores', [row('i1', 11.05), row('i2', 12)])).toEqual({ inserted: 2, duplicates: 0 });
      expect(await store.insertWorkspaceRows('securescores', [row('i1', 99), row('i3', 13)])).toEqual({ inserted: 1, duplicates: 1 });
      expect(await store.insertWorkspaceRows('SecureScores', [{ ...row('i1', 1), _WorkspaceResourceId: `${WS}2` }])).toEqual({ inserted: 1, duplicates: 0 });
      await expect(store.insertWorkspaceRows('SecureScores', [{ ...row('i9', 1), Bogus: 1 }])).rejects.toMatchObject({ code: 'WorkspaceRowInvalid' });
      await expect(store.insertWorkspaceRows('SecureScores', [{ ...row('i9', 1), MaxScore: 'lots' }])).rejects.toMatchObject({ code: 'WorkspaceRowInvalid' });
      await expect(store.insertWorkspaceRows('SecureScores', [{ ...row('', 1) }])).rejects.toMatchObject({ code: 'WorkspaceRowInvalid' });
      await expect(store.insertWorkspaceRows('Heartbeat', [row('i9', 1)])).rejects.toMatchObject({ code: 'WorkspaceTableUnknown' });
    });

    it('workspace query: documented column names, typed values (bool, dynamic, datetime, numbers)', async () => {
      const r = await store.queryWorkspace(
        "SELECT _ItemId, CurrentScore, MaxScore, IsSnapshot, Properties, TimeGenerated, Weight FROM SecureScores WHERE _WorkspaceResourceId = '" + WS + "' ORDER BY _ItemId",
      );
      expect(r.columns).toEqual(['_ItemId', 'CurrentScore', 'MaxScore', 'IsSnapshot', 'Properties', 'TimeGenerated', 'Weight']);
      expect(r.truncated).toBe(false);
      expect(r.rows).toEqual([
        { _ItemId: 'i1', CurrentScore: 11.05, MaxScore: 27, IsSnapshot: true, Properties: { displayName: 'ASC score', score: { current: 11.05 }, __proto__note: 'kept' }, TimeGenerated: '2026-09-01T00:00:00.000Z', Weight: 17 },
        { _ItemId: 'i2', CurrentScore: 12, MaxScore: 27, IsSnapshot: true, Properties: { displayName: 'ASC score', score: { current: 12 }, __proto__note: 'kept' }, TimeGenerated: '2026-09-01T00:00:00.000Z', Weight: 17 },
        { _ItemId: 'i3', CurrentScore: 13, MaxScore: 27, IsSnapshot: true, Properties: { displayName: 'ASC score', score: { current: 13 }, __proto__note: 'kept' }, TimeGenerated: '2026-09-01T00:00:00.000Z', Weight: 17 },
      ]);
      const agg = await store.queryWorkspace('WITH s AS (SELECT * FROM SecureScores) SELECT count(*) AS n, sum(Weight) AS w FROM s');
      expect(agg.rows).toEqual([{ n: 4, w: 68 }]);
      const limited = await store.queryWorkspace('select _itemid from securescores order by 1', { maxRows: 2 });
      expect(limited.rows).toHaveLength(2);
      expect(limited.truncated).toBe(true);
    });

    it('workspace query: only reads of the workspace tables, enforced by the database', async () => {
      const fails = async (sql: string) => store.queryWorkspace(sql).then(() => undefined, (e: { code: string; message: string }) => e);
      expect(await fails('DELETE FROM SecureScores')).toMatchObject({ code: 'WorkspaceQueryNotReadOnly' });
      expect(await fails('  -- comment\n  UPDATE SecureScores SET Weight = 0')).toMatchObject({ code: 'WorkspaceQueryNotReadOnly' });
      // Passes the first-keyword check; the database refuses to write.
      const cte = await fails('WITH gone AS (DELETE FROM SecureScores RETURNING 1) SELECT * FROM gone');
      expect(cte).toBeDefined();
      expect(['WorkspaceQueryNotReadOnly', 'WorkspaceQueryInvalid']).toContain(cte!.code);
      expect((await store.queryWorkspace('SELECT count(*) AS n FROM SecureScores')).rows).toEqual([{ n: 4 }]);
      const estate = await fails('SELECT * FROM estate');
      expect(estate).toMatchObject({ code: 'WorkspaceTableNotAllowed' });
      expect(estate!.message).toContain('"estate"');
      expect(await fails('SELECT s.* FROM SecureScores s JOIN export_outbox o ON o.id = s._ItemId')).toMatchObject({ code: 'WorkspaceTableNotAllowed' });
      expect(await fails('SELECT (SELECT max(body) FROM documents) AS x FROM SecureScores')).toMatchObject({ code: 'WorkspaceTableNotAllowed' });
      const bad = await fails('SELECT nosuchcolumn FROM SecureScores');
      expect(bad).toMatchObject({ code: 'WorkspaceQueryInvalid' });
      expect(bad!.message.toLowerCase()).toContain('nosuchcolumn');
      expect(await fails('SELECT 1; DROP TABLE SecureScores')).toMatchObject({ code: 'WorkspaceQueryInvalid' });
      expect(await fails('')).toMatchObject({ code: 'WorkspaceQueryInvalid' });
      expect((await store.queryWorkspace('SELECT count(*) AS n FROM SecureScores')).rows).toEqual([{ n: 4 }]);
    });

    it.runIf(options.timeouts)('workspace query: a runaway query is stopped at the timeout', async () => {
      const started = Date.now();
      const error = await store.queryWorkspace('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r', { timeoutMs: 800 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'WorkspaceQueryTimeout' });
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
}
