/**
 * `palisade sample --days N`: the change log and its answer key. The same seed gives the same bytes; the estate files
 * are byte-identical with or without a history; every change's `after` is the row the estate holds (or absent), so the
 * log undoes to earlier states; every row changes once; the labels name rows that exist and changes that carry them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_KINDS, HISTORY_CHANGE_KINDS, writeSampleHistory, type HistoryChange, type SampleHistoryLabels } from '../../src/estate/index.js';
import { isPalisadeError } from '../../src/core/index.js';
import { runCli } from '../cli/helpers.js';

const ARGS = ['--subscriptions', '6', '--resources', '1500'];
const BASE = Date.parse('2026-09-01T00:00:00.000Z');
const DAY = 86_400_000;

let root: string;
let plain: string;
let withHistory: string;
let again: string;

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(relative(dir, full), createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function changes(dir: string): HistoryChange[] {
  return readFileSync(join(dir, 'history', 'changes.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as HistoryChange);
}

function labels(dir: string): SampleHistoryLabels {
  return JSON.parse(readFileSync(join(dir, 'history', 'labels.json'), 'utf8')) as SampleHistoryLabels;
}

function estateRows(dir: string): Map<string, Record<string, unknown>> {
  const rows = new Map<string, Record<string, unknown>>();
  for (const table of ['resources', 'resourcecontainers', 'authorizationresources', 'securityresources', 'policyresources']) {
    for (const line of readFileSync(join(dir, `${table}.jsonl`), 'utf8').split('\n')) {
      if (line === '') continue;
      const row = JSON.parse(line) as { id: string };
      rows.set(row.id.toLowerCase(), row);
    }
  }
  return rows;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'palisade-sample-history-'));
  plain = join(root, 'plain');
  withHistory = join(root, 'history');
  again = join(root, 'again');
  for (const [dir, extra] of [
    [plain, []],
    [withHistory, ['--days', '90']],
    [again, ['--days', '90']],
  ] as const) {
    const r = await runCli(['sample', '--out', dir, ...ARGS, ...extra, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    if (extra.length > 0) expect(JSON.parse(r.stdout).history).toMatchObject({ days: 90, since: '2026-06-03T00:00:00.000Z' });
  }
}, 120_000);

describe('palisade sample --days', () => {
  it('same seed, same bytes; the estate files do not change with a history', () => {
    const a = files(withHistory);
    const b = files(again);
    expect([...a.entries()]).toEqual([...b.entries()]);
    const p = files(plain);
    const estate = [...a.entries()].filter(([f]) => !f.startsWith('history'));
    expect(estate).toEqual([...p.entries()]);
    expect(a.has(join('history', 'changes.jsonl'))).toBe(true);
    expect(a.has(join('history', 'labels.json'))).toBe(true);
  });

  it('every change is well formed, in the window, by time, one per row, and its after is the estate row', () => {
    const log = changes(withHistory);
    const rows = estateRows(withHistory);
    expect(log.length).toBeGreaterThan(50);
    const seen = new Set<string>();
    let last = '';
    for (const c of log) {
      expect(HISTORY_CHANGE_KINDS).toContain(c.kind);
      expect(c.at >= last).toBe(true);
      last = c.at;
      const t = Date.parse(c.at);
      expect(t).toBeGreaterThanOrEqual(BASE - 90 * DAY);
      expect(t).toBeLessThan(BASE);
      expect(seen.has(c.id.toLowerCase()), `${c.id} changes twice`).toBe(false);
      seen.add(c.id.toLowerCase());
      expect(c.after, c.id).toEqual(rows.get(c.id.toLowerCase()) ?? null);
      if (c.kind === 'onboarding') expect(c.before).toBeNull();
      else if (c.kind === 'exemption-expiry') expect(c.before).toEqual(c.after);
      else {
        expect(c.before).not.toBeNull();
        expect(c.before).not.toEqual(c.after);
        expect(c.before!.id).toBe(c.id);
      }
    }
  });

  it('a naked subscription is onboarded at its creation with everything it holds, its plans Free', () => {
    const manifest = JSON.parse(readFileSync(join(withHistory, 'manifest.json'), 'utf8')) as { subscriptions: Array<{ subscriptionId: string; naked: boolean; createdOn: string; resourceRows: number }> };
    const naked = manifest.subscriptions.filter((s) => s.naked);
    expect(naked.length).toBeGreaterThan(0);
    const log = changes(withHistory);
    for (const sub of naked) {
      const mine = log.filter((c) => c.kind === 'onboarding' && c.id.toLowerCase().startsWith(`/subscriptions/${sub.subscriptionId}`));
      expect(mine.every((c) => c.at === sub.createdOn)).toBe(true);
      expect(mine[0].id).toBe(`/subscriptions/${sub.subscriptionId}`);
      expect(mine.filter((c) => c.table === 'resources')).toHaveLength(sub.resourceRows);
      const pricings = mine.filter((c) => c.table === 'securityresources');
      expect(pricings.length).toBe(12);
      expect(pricings.every((c) => (c.after!.properties as { pricingTier: string }).pricingTier === 'Free')).toBe(true);
    }
  });

  it('labels name existing rows, the changes that carry them, and a kind drift check reports', () => {
    const l = labels(withHistory);
    const rows = estateRows(withHistory);
    const log = changes(withHistory);
    expect(l).toMatchObject({ generator: 'palisade-sample-history', formatVersion: 1, seed: 'contoso', days: 90, changes: log.length });
    const kinds = new Set(l.drifts.map((d) => d.kind));
    for (const kind of DRIFT_KINDS) expect(kinds, kind).toContain(kind);
    expect(new Set(l.drifts.map((d) => d.id)).size).toBe(l.drifts.length);
    for (const d of l.drifts) {
      for (const r of d.resources) expect(rows.has(r.toLowerCase()), r).toBe(true);
      // Carried by its changes, or the same change seen as a second drift (same time and resources as a carried one).
      const carried = log.some((c) => c.label === d.id);
      const twin = l.drifts.some((o) => o.id !== d.id && o.at === d.at && log.some((c) => c.label === o.id) && d.resources.every((r) => o.resources.includes(r)));
      expect(carried || twin, d.id).toBe(true);
      if (d.denyCandidates.length === 0) expect(d.note, d.id).toBeTruthy();
    }
    // The changes' labels point at labelled drifts.
    const ids = new Set(l.drifts.map((d) => d.id));
    for (const c of log) if (c.label !== undefined) expect(ids.has(c.label), c.label).toBe(true);
  });

  it('a shorter window holds only its own changes; another seed another history', async () => {
    const week = join(root, 'week');
    expect((await runCli(['sample', '--out', week, ...ARGS, '--days', '7', '-o', 'none'])).code).toBe(0);
    const log = changes(week);
    expect(log.every((c) => Date.parse(c.at) >= BASE - 7 * DAY)).toBe(true);
    expect(labels(week).since).toBe('2026-08-25T00:00:00.000Z');
    const other = join(root, 'other');
    expect((await runCli(['sample', '--out', other, ...ARGS, '--seed', 'fabrikam', '--days', '90', '-o', 'none'])).code).toBe(0);
    expect(readFileSync(join(other, 'history', 'changes.jsonl'), 'utf8')).not.toBe(readFileSync(join(withHistory, 'history', 'changes.jsonl'), 'utf8'));
  });

  it('bad input: --days 0 is an argument error; too many days and a directory without a sample are coded errors', async () => {
    const r = await runCli(['sample', '--out', join(root, 'bad'), ...ARGS, '--days', '0']);
    expect(r.code).toBe(2);
    expect(existsSync(join(root, 'bad'))).toBe(false);
    await expect(writeSampleHistory({ outDir: withHistory, days: 5000 })).rejects.toSatisfy((e: unknown) => isPalisadeError(e) && e.code === 'InvalidSampleOptions');
    await expect(writeSampleHistory({ outDir: root, days: 30 })).rejects.toSatisfy((e: unknown) => isPalisadeError(e) && e.code === 'SampleManifestMissing');
  });
});
