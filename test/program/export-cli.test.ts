/**
 * The CLI around continuous export, in-process on a small generated sample in a real SQLite store: `palisade scan`
 * enqueueing and delivering, `palisade workspace query|tables`, `palisade export deliver|status|list|retry`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { freePort } from './export-helpers.js';

let store: string;
let sub: string;
const cli = (...args: string[]) => runCli([...args, '--store', store], { PALISADE_NOW: '2026-09-01T00:00:00Z' });

async function json<T = any>(...args: string[]): Promise<T> {
  const r = await cli(...args);
  if (r.code !== 0) throw new Error(`palisade ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-export-cli-'));
  store = join(dir, 'p.db');
  expect((await runCli(['sample', '--out', join(dir, 'sample'), '--subscriptions', '3', '--resources', '60', '-o', 'none'])).code).toBe(0);
  expect((await cli('estate', 'import', '--from', join(dir, 'sample'), '-o', 'none')).code).toBe(0);
  sub = (await cli('account', 'list', '--query', '[0].id', '-o', 'tsv')).stdout.trim();
}, 120_000);

describe('palisade scan with continuous export', () => {
  it('without automations the scan has no export section', async () => {
    const r = await cli('scan', '-o', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).export).toBeUndefined();
  });

  it('with a Workspace automation the scan enqueues its records, delivers them and says so', async () => {
    const ws = `/subscriptions/${sub}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/la1`;
    await json('security', 'automation', 'create', '-n', 'to-workspace', '-g', 'rg-sec', '-l', 'eastus', '--subscription', sub,
      '--scopes', JSON.stringify([{ scopePath: `/subscriptions/${sub}` }]),
      '--sources', JSON.stringify([{ eventSource: 'SecureScoresSnapshot' }, { eventSource: 'SecureScoreControlsSnapshot' }, { eventSource: 'AssessmentsSnapshot' }]),
      '--actions', JSON.stringify([{ actionType: 'Workspace', workspaceResourceId: ws }]));
    const text = await cli('scan');
    expect(text.code).toBe(0);
    const line = text.stdout.split('\n').find((l) => l.startsWith('Continuous export:'));
    expect(line).toMatch(/^Continuous export: \d+ records enqueued for 1 automation; (\d+) delivered, 0 pending\.$/);
    const [, enqueued, delivered] = /(\d+) records enqueued.* (\d+) delivered/.exec(line!)!;
    expect(delivered).toBe(enqueued);
    // Within the snapshot interval a second scan exports nothing new.
    const again = await json('scan', '-o', 'json', '--query', 'export');
    expect(again).toMatchObject({ automations: 1, enqueued: 0, pending: 0 });
  });
});

describe('palisade workspace', () => {
  it('query prints the rows with the documented column names (json, table)', async () => {
    const rows = await json<any[]>('workspace', 'query', 'SELECT SecureScoresSubscriptionId, CurrentScore, MaxScore, PercentageScore, IsSnapshot, Type FROM SecureScores');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ SecureScoresSubscriptionId: sub, IsSnapshot: true, Type: 'SecureScores' });
    const score = await json('security', 'secure-score', 'show', '--subscription', sub, '--query', 'properties.score');
    expect(rows[0]).toMatchObject({ CurrentScore: score.current, MaxScore: score.max, PercentageScore: score.percentage });
    const table = await cli('workspace', 'query', 'SELECT ControlName, CurrentScore FROM SecureScoreControls ORDER BY ControlName', '-o', 'table');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ControlName\s+CurrentScore$/);
  });

  it('--max-rows cuts the output and warns', async () => {
    const r = await cli('workspace', 'query', 'SELECT RecommendationName FROM SecurityRecommendation', '--max-rows', '2');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(2);
    expect(r.stderr).toMatch(/^WARNING: the query returned more than 2 rows/);
  });

  it('writes, other tables and bad SQL are coded errors with the database message', async () => {
    const write = await cli('workspace', 'query', 'DELETE FROM SecureScores');
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/^ERROR: \(WorkspaceQueryNotReadOnly\)/);
    const estate = await cli('workspace', 'query', 'SELECT id FROM estate');
    expect(estate.code).toBe(1);
    expect(estate.stderr).toMatch(/^ERROR: \(WorkspaceTableNotAllowed\) The query reads "estate"/);
    const bad = await cli('workspace', 'query', 'SELECT nope FROM SecureScores');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ERROR: \(WorkspaceQueryInvalid\) The workspace query failed: no such column: nope/);
    expect((await json('workspace', 'query', 'SELECT count(*) AS n FROM SecureScores'))[0].n).toBe(1);
  });

  it('tables lists the columns', async () => {
    const [t] = await json<any[]>('workspace', 'tables', '--name', 'securescores');
    expect(t.name).toBe('SecureScores');
    expect(t.columns.slice(0, 3)).toEqual([{ name: 'AssessedResourceId', type: 'string' }, { name: '_BilledSize', type: 'real' }, { name: 'CurrentScore', type: 'real' }]);
    expect((await cli('workspace', 'tables', '--name', 'Heartbeat')).code).toBe(3);
  });
});

describe('palisade export', () => {
  it('status, list and deliver with nothing pending', async () => {
    const status = await json('export', 'status');
    expect(status.outbox).toMatchObject({ pending: 0, dead: 0 });
    expect(status.outbox.delivered).toBeGreaterThan(0);
    expect(status.automations).toEqual([expect.objectContaining({ name: 'to-workspace', isEnabled: true, pending: 0, dead: 0, actions: [expect.stringMatching(/^Workspace \/subscriptions\//)] })]);
    const listed = await json<any[]>('export', 'list', '--state', 'delivered', '--top', '2');
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ automation: 'to-workspace', state: 'delivered', eventSource: expect.stringMatching(/Snapshot$/) });
    expect(await json('export', 'deliver')).toMatchObject({ claimed: 0, pending: 0, timedOut: false });
    expect((await cli('export', 'list', '--state', 'lost')).code).toBe(2);
  });

  it('an unreachable webhook: deliver --until-empty times out with ExportDeliveryIncomplete; list shows why without the secret; retry', async () => {
    const port = await freePort();
    await json('security', 'automation', 'create', '-n', 'to-hook', '-g', 'rg-sec', '-l', 'eastus', '--subscription', sub,
      '--scopes', JSON.stringify([{ scopePath: `/subscriptions/${sub}` }]),
      '--sources', JSON.stringify([{ eventSource: 'SecureScoresSnapshot' }]),
      '--actions', JSON.stringify([{ actionType: 'LogicApp', uri: `http://127.0.0.1:${port}/hook?sig=TOPSECRET` }]));
    const scan = await json('scan', '--at', '2026-09-09T00:00:00Z', '-o', 'json', '--query', 'export');
    expect(scan).toMatchObject({ automations: 2, pending: 1 });
    const r = await cli('export', 'deliver', '--until-empty', '--timeout', '1s', '--retry-base', '100ms');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR: \(ExportDeliveryIncomplete\) 1 outbox row is still pending/);
    expect(JSON.parse(r.stdout)).toMatchObject({ pending: 1, timedOut: true });
    const pending = await json<any[]>('export', 'list', '--state', 'pending', '--automation', 'to-hook');
    expect(pending).toHaveLength(1);
    expect(pending[0].sink).toBe(`LogicApp POST http://127.0.0.1:${port}/hook?***`);
    expect(pending[0].lastError).toContain('ECONNREFUSED');
    expect(JSON.stringify(pending)).not.toContain('TOPSECRET');
    expect(await json('export', 'retry', '--automation', 'to-hook')).toEqual({ retried: 0 }); // pending, not dead
    expect((await cli('export', 'list', '--automation', 'nobody')).code).toBe(3);
    // Deleting the automation drops its undelivered rows.
    expect((await cli('security', 'automation', 'delete', '-n', 'to-hook', '-g', 'rg-sec', '--subscription', sub)).code).toBe(0);
    expect((await json('export', 'status')).outbox.pending).toBe(0);
  });
});
