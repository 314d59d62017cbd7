/**
 * History: the change log (parsing with located errors, undoing to a time), the estate as of a time over a real SQLite
 * store (every read the sessions use agrees with the rows rebuilt by hand; writes are refused), durations, the
 * replay plan, and — on a sample with a quarter of history, through the real CLI — `scan --at` evaluating the estate
 * as it was: a naked subscription absent before its onboarding, an exemption's resources non-compliant only after it
 * expired, the change log stored by `estate import` and listed by `history show|changes`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalKey, isPalisadeError, type ArgRow } from '../../src/core/index.js';
import {
  ChangeLog,
  EstateCache,
  MAX_REPLAY_POINTS,
  asOfStore,
  parseChangeLog,
  parseDuration,
  parseInstant,
  readHistorySection,
  replayPlan,
  type HistoryChange,
} from '../../src/program/index.js';
import { openStore, type Store, type StoredResource } from '../../src/store/index.js';
import { runCli } from '../cli/helpers.js';

const DAY = 86_400_000;

function row(id: string, type: string, extra: Partial<ArgRow> = {}): ArgRow {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '';
  return { id, name: id.slice(id.lastIndexOf('/') + 1), type, subscriptionId: sub, resourceGroup: 'rg', location: 'eastus', properties: {}, ...extra };
}

function change(at: string, before: ArgRow | null, after: ArgRow | null, kind: HistoryChange['kind'] = 'deployment'): HistoryChange {
  return { at, id: (after ?? before)!.id, table: 'resources', kind, before, after };
}

describe('change log', () => {
  const a1 = row('/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a', 'microsoft.storage/storageaccounts', { properties: { v: 1 } });
  const a2 = { ...a1, properties: { v: 2 } };
  const a3 = { ...a1, properties: { v: 3 } };
  const b = row('/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/b', 'microsoft.storage/storageaccounts');
  const log = new ChangeLog([change('2026-08-10T10:00:00Z', a2, a3), change('2026-08-01T10:00:00Z', a1, a2), change('2026-08-05T00:00:00Z', null, b, 'onboarding')]);

  it('orders by time and undoes the changes after a time, back to the value before the earliest', () => {
    expect(log.changes.map((c) => c.at)).toEqual(['2026-08-01T10:00:00Z', '2026-08-05T00:00:00Z', '2026-08-10T10:00:00Z']);
    expect(log.overridesAt(new Date('2026-09-01T00:00:00Z')).size).toBe(0);
    const mid = log.overridesAt(new Date('2026-08-06T00:00:00Z'));
    expect([...mid.entries()]).toEqual([[canonicalKey(a1.id), { table: 'resources', row: a2 }]]);
    const start = log.overridesAt(new Date('2026-07-01T00:00:00Z'));
    expect(start.get(canonicalKey(a1.id))?.row).toEqual(a1);
    expect(start.get(canonicalKey(b.id))?.row).toBeNull();
    // A change at exactly T has happened at T.
    expect(log.overridesAt(new Date('2026-08-05T00:00:00Z')).has(canonicalKey(b.id))).toBe(false);
    expect(log.between(new Date('2026-08-01T10:00:00Z'), new Date('2026-08-10T10:00:00Z')).map((c) => c.at)).toEqual(['2026-08-05T00:00:00Z', '2026-08-10T10:00:00Z']);
  });

  it('rejects malformed lines with file, line and JSON path', () => {
    const good = JSON.stringify(change('2026-08-01T00:00:00Z', a1, a2));
    const cases: Array<[string, string, string]> = [
      ['{not json', 'not JSON', '$'],
      [JSON.stringify({ ...JSON.parse(good), table: 'nope' }), "'table'", '$.table'],
      [JSON.stringify({ ...JSON.parse(good), at: 'yesterday' }), "'at'", '$.at'],
      [JSON.stringify({ ...JSON.parse(good), before: null, after: null }), 'both be null', '$'],
      [JSON.stringify({ ...JSON.parse(good), after: { ...a2, id: '/subscriptions/s1/other' } }), "is not the change's id", '$.after.id'],
      [JSON.stringify({ ...JSON.parse(good), before: { id: a1.id, name: 'a' } }), "'before.type'", '$.before.type'],
    ];
    for (const [line, message, path] of cases) {
      let error: unknown;
      try {
        parseChangeLog(`${good}\n\n${line}\n`, 'changes.jsonl');
      } catch (e) {
        error = e;
      }
      expect(isPalisadeError(error), line).toBe(true);
      const e = error as { code: string; message: string; location: { file: string; line: number; path: string } };
      expect(e.code).toBe('HistoryChangeInvalid');
      expect(e.message).toContain(message);
      expect(e.location).toEqual({ file: 'changes.jsonl', line: 3, path });
    }
    expect(parseChangeLog(`${good}\n`, 'x').size).toBe(1);
  });
});

describe('the estate as of a time (real SQLite store)', () => {
  let dir: string;
  let store: Store;
  const rows: Array<{ table: string; row: ArgRow }> = [];
  const overrides = new Map<string, { table: 'resources' | 'securityresources'; row: ArgRow | null }>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-asof-'));
    store = await openStore(join(dir, 'p.db'));
    for (let i = 0; i < 40; i++) {
      const sub = i % 2 === 0 ? 's1' : 's2';
      rows.push({ table: 'resources', row: row(`/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st${String(i).padStart(2, '0')}`, 'microsoft.storage/storageaccounts') });
      if (i % 5 === 0) rows.push({ table: 'resources', row: row(`/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv${i}`, 'microsoft.keyvault/vaults') });
    }
    rows.push({ table: 'securityresources', row: row('/subscriptions/s1/providers/Microsoft.Security/pricings/CloudPosture', 'microsoft.security/pricings', { resourceGroup: '' }) });
    await store.importEstate([rows.map((r) => ({ key: canonicalKey(r.row.id), table: r.table, row: r.row as ArgRow & { id: string; type: string } }))], { mode: 'merge' });
    // Changed, absent then (created later), and present then (deleted since).
    overrides.set(canonicalKey(rows[0].row.id), { table: 'resources', row: { ...rows[0].row, properties: { then: true } } });
    overrides.set(canonicalKey(rows[3].row.id), { table: 'resources', row: null });
    const gone = row('/subscriptions/s2/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-gone', 'microsoft.keyvault/vaults');
    overrides.set(canonicalKey(gone.id), { table: 'resources', row: gone });
    overrides.set(canonicalKey('/subscriptions/s1/providers/Microsoft.Security/pricings/CloudPosture'), {
      table: 'securityresources',
      row: row('/subscriptions/s1/providers/Microsoft.Security/pricings/CloudPosture', 'microsoft.security/pricings', { resourceGroup: '', properties: { pricingTier: 'Free' } }),
    });
  });

  afterAll(async () => {
    await store.close();
  });

  /** What the view must hold: the rows with the overrides applied, by key. */
  function expected(): StoredResource[] {
    const byKey = new Map(rows.map((r) => [canonicalKey(r.row.id), r]));
    for (const [key, o] of overrides) {
      if (o.row === null) byKey.delete(key);
      else byKey.set(key, { table: o.table, row: o.row });
    }
    return [...byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, r]) => ({ key, id: r.row.id, table: r.table as StoredResource['table'], type: r.row.type, name: r.row.name, subscriptionId: r.row.subscriptionId || null, resourceGroup: r.row.resourceGroup || null, location: r.row.location ?? null, row: r.row }));
  }

  it('every read agrees with the rows rebuilt by hand, with and without a row cache', async () => {
    const cache = await EstateCache.load(store);
    for (const view of [asOfStore(store, overrides), asOfStore(store, overrides, { cache })]) {
      const all = expected();
      expect((await view.listResources()).map((r) => [r.key, r.row])).toEqual(all.map((r) => [r.key, r.row]));
      const filters = [
        { types: ['microsoft.keyvault/vaults'] },
        { subscriptionId: 'S2' },
        { tables: ['securityresources'] },
        { subscriptionId: 's1', types: ['microsoft.storage/storageaccounts'], limit: 5, offset: 3 },
        { keys: [rows[3].row.id, rows[4].row.id] },
      ];
      for (const f of filters) {
        const want = all.filter((r) => (!f.types || f.types.includes(r.type)) && (!f.subscriptionId || r.subscriptionId === f.subscriptionId.toLowerCase()) && (!f.tables || f.tables.includes(r.table)) && (!f.keys || f.keys.map(canonicalKey).includes(r.key)));
        const page = 'limit' in f ? want.slice(f.offset, f.offset! + f.limit!) : want;
        expect((await view.listResources(f)).map((r) => r.key), JSON.stringify(f)).toEqual(page.map((r) => r.key));
        const iterated: string[] = [];
        for await (const r of view.iterateResources({ ...f, pageSize: 3 })) iterated.push(r.key);
        expect(iterated).toEqual(page.map((r) => r.key));
        expect(await view.countResources(f)).toBe(page.length);
      }
      const byType = new Map<string, number>();
      for (const r of all) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
      expect(await view.countByType()).toEqual([...byType.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, count]) => ({ type, count })));
      expect((await view.getResource(rows[0].row.id))?.row.properties).toEqual({ then: true });
      expect(await view.getResource(rows[3].row.id)).toBeUndefined();
      expect((await view.getResource('/subscriptions/s2/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-gone'))?.subscriptionId).toBe('s2');
      await expect(view.importEstate([], { mode: 'merge' })).rejects.toSatisfy((e: unknown) => isPalisadeError(e) && e.code === 'HistoryReadOnly');
      await expect(view.deleteResources([rows[1].row.id])).rejects.toSatisfy((e: unknown) => isPalisadeError(e) && e.code === 'HistoryReadOnly');
      // Documents and the rest pass through to the store.
      await view.putDocument('t', 'k', { ok: 1 });
      expect(await store.getDocument('t', 'k')).toEqual({ ok: 1 });
    }
    expect(await store.countResources()).toBe(rows.length);
  });
});

describe('durations, instants, the replay plan', () => {
  it('parses the short and ISO forms and refuses the rest as argument errors', () => {
    expect(parseDuration('90d', 'since')).toBe(90 * DAY);
    expect(parseDuration('2w', 'since')).toBe(14 * DAY);
    expect(parseDuration('12h', 'step')).toBe(12 * 3_600_000);
    expect(parseDuration('P1DT6H', 'step')).toBe(DAY + 6 * 3_600_000);
    for (const bad of ['0d', '-1d', '1y', 'P', 'PT', '7', 'abc']) {
      expect(() => parseDuration(bad, 'since'), bad).toThrow(/is not a duration/);
    }
    expect(parseInstant('2026-08-01', 'at').toISOString()).toBe('2026-08-01T00:00:00.000Z');
    expect(parseInstant('2026-08-01T06:00:00', 'at').toISOString()).toBe('2026-08-01T06:00:00.000Z');
    expect(() => parseInstant('last week', 'at')).toThrow(/ISO 8601/);
  });

  it('plans end, end − step, ... back to end − since, oldest first; refuses a plan too large', () => {
    const end = new Date('2026-09-01T00:00:00Z');
    const plan = replayPlan({ end, sinceMs: 90 * DAY, stepMs: DAY });
    expect(plan).toHaveLength(91);
    expect(plan[0].toISOString()).toBe('2026-06-03T00:00:00.000Z');
    expect(plan[90]).toEqual(end);
    expect(replayPlan({ end, sinceMs: 10 * DAY, stepMs: 7 * DAY }).map((d) => d.toISOString())).toEqual(['2026-08-25T00:00:00.000Z', '2026-09-01T00:00:00.000Z']);
    expect(() => replayPlan({ end, sinceMs: MAX_REPLAY_POINTS * DAY, stepMs: DAY })).toThrow(/at most/);
  });
});

describe('scan --at on a sample with a quarter of history (real CLI, SQLite)', () => {
  let dir: string;
  let store: string;
  let sample: string;
  let manifest: { subscriptions: Array<{ subscriptionId: string; naked: boolean; createdOn: string }>; scenario: { exemptions: Array<{ name: string; scope: string; expiresOn?: string }>; auditStoragePublicAssignmentId: string } };

  async function cli(...args: string[]) {
    return runCli([...args, '--store', store], { PALISADE_NOW: '2026-09-01T00:00:00Z' });
  }

  async function scanAt(at: string): Promise<{ summary: any; body: Record<string, unknown> }> {
    const r = await cli('scan', '--at', at, '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const s = await openStore(store);
    try {
      const snap = await s.getSnapshot(out.snapshotId);
      return { summary: out, body: snap!.body };
    } finally {
      await s.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-history-cli-'));
    store = join(dir, 'p.db');
    sample = join(dir, 'sample');
    expect((await runCli(['sample', '--out', sample, '--subscriptions', '6', '--resources', '1500', '--days', '90', '-o', 'none'])).code).toBe(0);
    manifest = JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8'));
    const imported = await cli('estate', 'import', '--from', sample, '-o', 'json');
    expect(imported.code, imported.stderr).toBe(0);
    const out = JSON.parse(imported.stdout);
    expect(out.history).toMatchObject({ baseTime: '2026-09-01T00:00:00.000Z', source: join(sample, 'history', 'changes.jsonl') });
    expect(out.files.some((f: { file: string }) => f.file.endsWith('changes.jsonl') || f.file.endsWith('labels.json'))).toBe(false);
    expect(out.files.length).toBe(5);
  }, 120_000);

  it('history show and history changes describe the stored log', async () => {
    const show = await cli('history', 'show');
    expect(show.code, show.stderr).toBe(0);
    const info = JSON.parse(show.stdout);
    const lines = readFileSync(join(sample, 'history', 'changes.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
    expect(info.changes).toBe(lines.length);
    expect(info.changesByKind.onboarding).toBeGreaterThan(0);
    expect(info.warnings).toEqual([]);
    const naked = manifest.subscriptions.find((s) => s.naked)!;
    const onboarding = await cli('history', 'changes', '--since', '90d', '--kind', 'onboarding', '--resource-id', `/subscriptions/${naked.subscriptionId}`);
    expect(JSON.parse(onboarding.stdout)).toEqual([{ at: naked.createdOn, kind: 'onboarding', table: 'resourcecontainers', id: `/subscriptions/${naked.subscriptionId}`, change: 'created' }]);
  });

  it('a naked subscription is absent before its onboarding and present after', async () => {
    const naked = manifest.subscriptions.find((s) => s.naked)!;
    const created = Date.parse(naked.createdOn);
    const before = await scanAt(new Date(created - DAY).toISOString());
    const after = await scanAt(new Date(created + DAY).toISOString());
    const ids = (b: Record<string, unknown>) => readHistorySection(b)!.subscriptions.map((s) => s.subscriptionId);
    expect(ids(before.body)).not.toContain(naked.subscriptionId);
    expect(ids(after.body)).toContain(naked.subscriptionId);
    expect(before.summary.secureScore.subscriptions).toBe(after.summary.secureScore.subscriptions - 1);
    expect(before.summary.changesUndone).toBeGreaterThan(after.summary.changesUndone ?? 0);
    expect(before.summary.evaluatedAt).toBe(new Date(created - DAY).toISOString());
  });

  it('an exempted resource turns non-compliant under the audit assignment only once the exemption expired (the clock did it)', async () => {
    const exemption = manifest.scenario.exemptions.find((e) => e.name === 'legacy-partner-feed-public-blob')!;
    const expires = Date.parse(exemption.expiresOn!);
    const auditOf = (body: Record<string, unknown>): string[] => {
      const h = readHistorySection(body)!;
      const a = h.nonCompliance.assignments.findIndex((x) => x.id.toLowerCase() === manifest.scenario.auditStoragePublicAssignmentId.toLowerCase());
      return h.nonCompliance.groups.filter((g) => g.assignment === a).flatMap((g) => g.resources.map((r) => r.toLowerCase()));
    };
    const before = auditOf((await scanAt(new Date(expires).toISOString())).body);
    const after = auditOf((await scanAt(new Date(expires + DAY).toISOString())).body);
    expect(before).not.toContain(exemption.scope.toLowerCase());
    expect(after).toContain(exemption.scope.toLowerCase());
  });

  it('at the base time the estate is the current one; a bad --at is an argument error; a bad change log stops the import before anything changes', async () => {
    const now = await scanAt('2026-09-01T00:00:00Z');
    expect(now.summary.changesUndone).toBeUndefined();
    expect((await cli('scan', '--at', 'yesterday')).code).toBe(2);
    const broken = join(dir, 'broken');
    expect((await runCli(['sample', '--out', broken, '--subscriptions', '2', '--resources', '50', '--days', '5', '-o', 'none'])).code).toBe(0);
    writeFileSync(join(broken, 'history', 'changes.jsonl'), '{"at": "2026-08-30T00:00:00Z"}\n');
    const other = join(dir, 'other.db');
    const r = await runCli(['estate', 'import', '--from', broken, '--store', other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HistoryChangeInvalid');
    const s = await openStore(other);
    try {
      expect(await s.countResources()).toBe(0);
    } finally {
      await s.close();
    }
  });
});
