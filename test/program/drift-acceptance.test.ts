/**
 * Acceptance (issue #7, history and drift), through the real CLI on a real SQLite store: a sample of 6 subscriptions
 * and 1,500 resources with a quarter of history is imported and replayed day by day; the secure score then has one
 * point per day (CLI and `/palisade/v1/score-history`), and drift over the quarter in weekly windows finds every
 * drift the sample injected, each with its Deny candidate (or none, with the reason), and nothing else: every drift
 * reported is caused by the changes of an injected one (attributed through the change log).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/index.js';
import type { HistoryChange, InjectedDrift, SampleHistoryLabels } from '../../src/estate/index.js';
import type { Drift } from '../../src/program/index.js';
import { runCli } from '../cli/helpers.js';

const NOW = '2026-09-01T00:00:00Z';
const DAY = 86_400_000;

let dir: string;
let store: string;
let sample: string;
let labels: SampleHistoryLabels;
let changes: HistoryChange[];
let replayed: any;
let drifts: Drift[];
let manifest: { subscriptions: Array<{ subscriptionId: string; naked: boolean; createdOn: string; managementGroup: string }> };

async function cli(...args: string[]) {
  return runCli([...args, '--store', store], { PALISADE_NOW: NOW });
}

async function json<T = any>(...args: string[]): Promise<T> {
  const r = await cli(...args);
  if (r.code !== 0) throw new Error(`palisade ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const lower = (xs: readonly string[]): string[] => xs.map((x) => x.toLowerCase());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-drift-'));
  store = join(dir, 'p.db');
  sample = join(dir, 'sample');
  expect((await runCli(['sample', '--out', sample, '--subscriptions', '6', '--resources', '1500', '--days', '90', '-o', 'none'])).code).toBe(0);
  labels = JSON.parse(readFileSync(join(sample, 'history', 'labels.json'), 'utf8'));
  changes = readFileSync(join(sample, 'history', 'changes.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  manifest = JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8'));
  expect((await cli('estate', 'import', '--from', sample, '-o', 'none')).code).toBe(0);
  replayed = await json('history', 'replay', '--since', '90d', '--step', '1d');
  drifts = await json('drift', 'history', '--since', '90d', '--window', '7d');
}, 300_000);

describe('history replay of the sample quarter', () => {
  it('takes one snapshot a day from the window start to the base time, and keeps them on a second run', async () => {
    expect(replayed).toMatchObject({ from: '2026-06-03T00:00:00.000Z', to: '2026-09-01T00:00:00.000Z', step: '1d', points: 91, scanned: 91, existing: 0, warnings: [] });
    expect(replayed.snapshots.map((p: { at: string }) => p.at)).toEqual(Array.from({ length: 91 }, (_, i) => new Date(Date.parse('2026-06-03T00:00:00Z') + i * DAY).toISOString()));
    const again = await json('history', 'replay', '--since', '90d');
    expect(again).toMatchObject({ points: 91, scanned: 0, existing: 91 });
    expect(again.snapshots.map((p: { snapshotId: string }) => p.snapshotId)).toEqual(replayed.snapshots.map((p: { snapshotId: string }) => p.snapshotId));
  });

  it('secure-score history: one point a day for the tenant; a naked subscription from its onboarding day on; a management group', async () => {
    const tenant = (await json('security', 'secure-score', 'history', '--since', '90d')).value as Array<{ at: string; percentage: number; scope: string }>;
    expect(tenant).toHaveLength(91);
    expect(tenant.every((p) => p.scope === '/')).toBe(true);
    expect(tenant.map((p) => p.at)).toEqual(replayed.snapshots.map((p: { at: string }) => p.at));
    expect(tenant.map((p) => p.percentage)).toEqual(replayed.snapshots.map((p: { percentage: number }) => p.percentage));
    expect(new Set(tenant.map((p) => p.percentage)).size).toBeGreaterThan(3);
    const naked = manifest.subscriptions.find((s) => s.naked)!;
    const sub = (await json('security', 'secure-score', 'history', '--since', '90d', '--subscription', naked.subscriptionId)).value as Array<{ at: string }>;
    const firstDay = Math.ceil((Date.parse(naked.createdOn) - Date.parse('2026-06-03T00:00:00Z')) / DAY);
    expect(sub).toHaveLength(91 - firstDay);
    expect(Date.parse(sub[0].at)).toBeGreaterThan(Date.parse(naked.createdOn));
    const week = (await json('security', 'secure-score', 'history', '--since', '7d', '-m', manifest.subscriptions[0].managementGroup)).value;
    expect(week).toHaveLength(8);
    expect(week[0].scope).toBe(`/providers/Microsoft.Management/managementGroups/${manifest.subscriptions[0].managementGroup}`);
    expect((await cli('security', 'secure-score', 'history', '--since', 'ninety')).code).toBe(2);
    expect((await cli('security', 'secure-score', 'history', '-m', 'nope')).code).toBe(3);
  });

  it('/palisade/v1/score-history serves the replayed trend', async () => {
    let server: RunningServer | undefined;
    try {
      server = await startServer({ store, port: 0, auth: 'token', env: { PALISADE_NOW: NOW } });
      const token = server.createToken({ role: 'Reader', scope: '/' });
      const res = await fetch(`${server.url}/palisade/v1/score-history`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { value: Array<{ at: string; score: number }> };
      expect(body.value.map((p) => p.at)).toEqual(replayed.snapshots.map((p: { at: string }) => p.at));
    } finally {
      await server?.close();
    }
  });
});

describe('drift over the sample quarter (weekly windows)', () => {
  function matches(d: Drift, l: InjectedDrift): boolean {
    return d.kind === l.kind && d.subject.toLowerCase() === l.subject.toLowerCase() && d.from < l.at && l.at <= d.to && lower(l.resources).every((r) => lower(d.resources).includes(r));
  }

  it('every injected drift is found, with its Deny candidate (or none, and why)', () => {
    expect(labels.drifts.length).toBeGreaterThanOrEqual(10);
    for (const l of labels.drifts) {
      const found = drifts.filter((d) => matches(d, l));
      expect(found, `${l.id} not found`).toHaveLength(1);
      const [d] = found;
      if (l.denyCandidates.length === 0) {
        expect(d.denyCandidate, l.id).toBeNull();
        expect(d.note ?? d.unblockable.length, l.id).toBeTruthy();
      } else {
        const want = l.denyCandidates[0];
        expect(d.denyCandidate, l.id).toMatchObject({ assignmentId: want.assignmentId, policyDefinitionId: want.policyDefinitionId });
        expect(d.denyCandidate!.policyDefinitionReferenceId, l.id).toBe(want.policyDefinitionReferenceId);
        expect(d.denyCandidate!.command, l.id).toContain('"value":"Deny"');
      }
    }
  });

  it('and nothing else: every drift reported comes from the changes of an injected drift', () => {
    const labelOf = new Map(changes.map((c) => [`${c.id.toLowerCase()}|${c.at}`, c.label]));
    const injected = new Set(labels.drifts.map((l) => l.id));
    for (const d of drifts) {
      expect(d.changes.length, `${d.kind} ${d.subject}: no change behind it`).toBeGreaterThan(0);
      for (const c of d.changes) {
        const label = labelOf.get(`${c.id.toLowerCase()}|${c.at}`);
        expect(label !== undefined && injected.has(label), `${d.kind} ${d.subject} comes from ${c.kind} ${c.id}, not an injected drift`).toBe(true);
      }
    }
    // The changes that are not drifts (fixes, exposures closed, tags) were in the quarter and drift saw none of them.
    const benign = changes.filter((c) => c.label === undefined && c.kind !== 'onboarding');
    expect(new Set(benign.map((c) => c.kind))).toEqual(new Set(['remediation', 'exposure-closed', 'configuration']));
    const attributed = new Set(drifts.flatMap((d) => d.changes.map((c) => c.id.toLowerCase())));
    for (const c of benign) expect(attributed.has(c.id.toLowerCase()), c.id).toBe(false);
  });

  it('drift check: one window, az-style output, -o table, --fail-on-drift for CI', async () => {
    const l = labels.drifts.find((x) => x.kind === 'AttackPathOpened')!;
    const end = new Date(Math.ceil(Date.parse(l.at) / DAY) * DAY).toISOString();
    const one = await json<Drift[]>('drift', 'check', '--since', '1d', '--at', end);
    expect(one.some((d) => matches(d, l))).toBe(true);
    expect(one.every((d) => d.from === new Date(Date.parse(end) - DAY).toISOString() && d.to === end)).toBe(true);
    const table = await cli('drift', 'check', '--since', '1d', '--at', end, '-o', 'table');
    expect(table.stdout).toContain('AttackPathOpened');
    expect(table.stdout).toContain('audit-storage-public');
    const failing = await cli('drift', 'check', '--since', '1d', '--at', end, '--fail-on-drift');
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('DriftDetected');
    expect(JSON.parse(failing.stdout)).toEqual(one);
    // A quiet day: no drift, exit 0 even with --fail-on-drift.
    const quiet = Array.from({ length: 89 }, (_, i) => new Date(Date.parse('2026-06-05T00:00:00Z') + i * DAY)).find(
      (t) => !changes.some((c) => Date.parse(c.at) > t.getTime() - DAY && Date.parse(c.at) <= t.getTime() && c.label !== undefined),
    )!;
    const calm = await cli('drift', 'check', '--since', '1d', '--at', quiet.toISOString(), '--fail-on-drift');
    expect(calm.code, calm.stderr).toBe(0);
    expect(JSON.parse(calm.stdout)).toEqual([]);
    // Stable ids: the same window gives the same ids.
    expect((await json<Drift[]>('drift', 'check', '--since', '1d', '--at', end)).map((d) => d.id)).toEqual(one.map((d) => d.id));
    // No baseline before the first snapshot: a warning, no drift.
    const early = await cli('drift', 'check', '--since', '7d', '--at', '2026-06-05T00:00:00Z');
    expect(early.code).toBe(0);
    expect(early.stderr).toContain('no posture snapshot at or before');
    expect((await cli('drift', 'check', '--score-drop', 'lots')).code).toBe(2);
  });
});

