/**
 * Acceptance on a generated sample estate: `palisade scan` gives the same secure score (and the same summary) from
 * SQLite and PostgreSQL, across runs, and from a full scan and after an incremental change (the scanner re-evaluating
 * one changed resource gives what a full scan of the changed estate gives); the scan saves a posture snapshot.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandContext } from '../../src/cli/context.js';
import { PostureSession } from '../../src/service/index.js';
import { canonicalKey, type ArgRow } from '../../src/core/index.js';
import { postureSummary, runPosture } from '../../src/posture/index.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../cli/helpers.js';

const NOW = '2026-09-01T00:00:00Z';
const PG_URL = process.env.PALISADE_PG_URL ?? process.env.PALISADE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `palisade_posture_${process.pid}_${randomBytes(4).toString('hex')}`;
const pgStore = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;

let dir: string;
let sqlite: string;
let sample: string;

async function scan(store: string): Promise<Record<string, any>> {
  const r = await runCli(['scan', '-o', 'json', '--store', store], { PALISADE_NOW: NOW });
  if (r.code !== 0) throw new Error(`scan exited ${r.code}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  delete out.snapshotId;
  delete out.durationsMs;
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-posture-pipeline-'));
  sqlite = join(dir, 'p.db');
  sample = join(dir, 'sample');
  expect((await runCli(['sample', '--out', sample, '--subscriptions', '12', '--resources', '2500', '-o', 'none'])).code).toBe(0);
  expect((await runCli(['estate', 'import', '--from', sample, '--store', sqlite, '-o', 'none'])).code).toBe(0);
  const r = await runCli(['estate', 'import', '--from', sample, '--store', pgStore, '-o', 'none']);
  if (r.code !== 0) throw new Error(`PostgreSQL is required for this test (PALISADE_PG_URL, default ${PG_URL}): ${r.stderr}`);
}, 120_000);

afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
});

describe('palisade scan on the sample estate', () => {
  it('the same secure score from SQLite and PostgreSQL, and across runs', async () => {
    const a = await scan(sqlite);
    const b = await scan(pgStore);
    const c = await scan(sqlite);
    expect(a.secureScore.percentage).toBeGreaterThan(0);
    expect(a.secureScore.subscriptions).toBe(12);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.compliance.map((s: any) => s.standard)).toEqual(['Microsoft-cloud-security-benchmark']);
    expect(a.topControls).toHaveLength(5);
    for (let i = 1; i < 5; i++) expect(a.topControls[i - 1].pointsAtRisk).toBeGreaterThanOrEqual(a.topControls[i].pointsAtRisk);
  }, 120_000);

  it('saves a posture snapshot whose summary holds the scores; the text output shows the four sections', async () => {
    const r = await runCli(['scan', '--store', sqlite, '--at', '2026-09-02T00:00:00Z'], {});
    expect(r.code).toBe(0);
    for (const heading of ['Secure score', 'Controls with the most points at risk', 'Recommendations by severity', 'Regulatory compliance']) expect(r.stdout).toContain(heading);
    expect(r.stdout).toContain('Posture scan, evaluated at 2026-09-02T00:00:00.000Z');
    const store = await openStore(sqlite);
    try {
      const snaps = await store.listSnapshots({ kind: 'posture' });
      expect(snaps.length).toBeGreaterThanOrEqual(3);
      expect(snaps[0].takenAt.toISOString()).toBe('2026-09-02T00:00:00.000Z');
      expect(snaps[0].summary).toMatchObject({ kind: 'posture', secureScore: { subscriptions: 12 } });
      const full = await store.getSnapshot(snaps[0].id);
      expect((full!.body.subscriptions as unknown[]).length).toBe(12);
    } finally {
      await store.close();
    }
    const q = await runCli(['scan', '--store', sqlite, '--query', 'secureScore.percentage'], { PALISADE_NOW: NOW });
    expect(Number(q.stdout)).toBe((await scan(sqlite)).secureScore.percentage);
  }, 120_000);

  it('an incremental re-evaluation of one changed resource gives the full scan of the changed estate', async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, stdoutIsTTY: false, env: { PALISADE_NOW: NOW } };
    const ctx = new CommandContext({ output: 'json', store: sqlite, onlyShowErrors: true }, io);
    let changed: ArgRow;
    let incremental: Record<string, any>;
    try {
      const session = await PostureSession.open(ctx);
      const before = postureSummary(session.run);
      const { scanner } = await session.policy.scan();
      // A storage account that enforces HTTPS stops doing so.
      const store = await ctx.store();
      const accounts = await store.listResources({ types: ['microsoft.storage/storageaccounts'] });
      const target = accounts.find((a) => (a.row.properties as Record<string, unknown>)?.supportsHttpsTrafficOnly === true)!;
      expect(target).toBeDefined();
      changed = { ...target.row, properties: { ...(target.row.properties as object), supportsHttpsTrafficOnly: false } } as ArgRow;
      scanner.reevaluateResource(changed.id, changed as never);
      incremental = postureSummary(runPosture({ ...session.run.input, states: scanner.states() }));
      expect(incremental.assessments.unhealthy).toBeGreaterThan(before.assessments.unhealthy);
      expect(incremental.secureScore.percentage).toBeLessThanOrEqual(before.secureScore.percentage);
      await store.importEstate([[{ key: canonicalKey(changed.id), table: target.table, row: changed as never }]], { mode: 'merge', source: 'test' });
    } finally {
      await ctx.close();
    }
    const full = await scan(sqlite);
    expect(full).toEqual(incremental!);
    expect(readFileSync(join(sample, 'manifest.json'), 'utf8')).toContain('nakedSubscriptionIds');
  }, 120_000);
});
