/**
 * The monthly review over the sample quarter: its numbers equal what the CLI reports for the same store (secure score
 * history, drift's Deny candidates, overdue governance assignments by owner), the HTML is self-contained, and the PDF
 * renders (its first page turned into a PNG with pdftoppm).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

const BASE = '2026-09-01T00:00:00Z';
const LATER = '2026-09-20T00:00:00Z';
const CHROMIUM = existsSync('/usr/bin/chromium');
const PDFTOPPM = ['/usr/bin/pdftoppm'].find((p) => existsSync(p));
let dir: string;
let store: string;

async function json(now: string, ...args: string[]): Promise<any> {
  const r = await runCli([...args, '--store', store, '-o', 'json'], { PALISADE_NOW: now });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-review-'));
  store = join(dir, 'p.db');
  const sample = join(dir, 'sample');
  expect((await runCli(['sample', '--out', sample, '--subscriptions', '6', '--resources', '1500', '--days', '62', '-o', 'none'])).code).toBe(0);
  expect((await runCli(['estate', 'import', '--from', sample, '--store', store, '-o', 'none'])).code).toBe(0);
  expect((await runCli(['history', 'replay', '--since', '62d', '--step', '2d', '--store', store, '-o', 'none'], { PALISADE_NOW: BASE })).code).toBe(0);
  // a governance rule with a 7-day timeframe, assigned by a live scan at the base time: overdue by the 20th
  const rule = await runCli(['security', 'governance-rule', 'create', '--name', 'high-7d', '--display-name', 'High in 7 days', '--management-group', 'contoso-root', '--remediation-timeframe', '7.00:00:00', '--rule-priority', '10', '--owner-source-type', 'ByTag', '--owner-source-value', 'owner', '--condition-sets', '[{"conditions":[{"property":"$.Severity","value":"[\\"High\\"]","operator":"In"}]}]', '--store', store, '-o', 'none'], { PALISADE_NOW: BASE });
  expect(rule.code, rule.stderr).toBe(0);
  expect((await runCli(['scan', '--store', store, '-o', 'none'], { PALISADE_NOW: BASE })).code).toBe(0);
}, 600_000);

describe('palisade review', () => {
  it('August: score delta, paths, Deny candidates and regressions equal the CLI', { timeout: 300_000 }, async () => {
    const facts = await json(LATER, 'review', '--month', '2026-08', '--format', 'json');
    const history = (await json(LATER, 'security', 'secure-score', 'history', '--since', '62d', '--at', BASE)) as any;
    const points: Array<{ at: string; percentage: number }> = history.value ?? history;
    const lastIn = (from: string, to: string) => points.filter((p) => p.at >= from && p.at < to).pop()!.percentage;
    expect(facts.score.current).toBe(lastIn('2026-08-01', '2026-09-01'));
    expect(facts.score.previous).toBe(lastIn('2026-07-01', '2026-08-01'));
    expect(facts.score.series.length).toBe(points.filter((p) => p.at >= '2026-07-01' && p.at < '2026-09-01').length);
    const drift = (await json(LATER, 'drift', 'check', '--since', '31d', '--at', '2026-08-31T23:59:59.999Z')) as any[];
    const audit = drift.filter((d) => d.kind === 'AuditModeNonCompliance' && d.denyCandidate);
    expect(facts.denyCandidates.map((c: any) => c.policyAssignmentId).sort()).toEqual([...new Set(audit.map((d) => d.denyCandidate.assignmentId))].sort());
    expect(facts.denyCandidates.reduce((n: number, c: any) => n + c.resources, 0)).toBe(audit.reduce((n, d) => n + d.resources.length, 0));
    for (const c of facts.denyCandidates) expect(c.proposedExemptions.reduce((n: number, e: any) => n + e.resources, 0)).toBe(c.resources);
    expect(facts.attackPaths.openAtEnd).toBeGreaterThan(0);
  });

  it('September: governance SLA breaches by owner equal governance-assignment list --overdue', { timeout: 300_000 }, async () => {
    const facts = await json(LATER, 'review', '--month', '2026-09', '--format', 'json');
    const overdue = (await json(LATER, 'security', 'governance-assignment', 'list', '--overdue')).value as any[];
    expect(overdue.length).toBeGreaterThan(0);
    expect(facts.governance.overdueTotal).toBe(overdue.length);
    const byOwner = new Map<string, number>();
    for (const a of overdue) byOwner.set(a.properties.owner ?? '(unassigned)', (byOwner.get(a.properties.owner ?? '(unassigned)') ?? 0) + 1);
    expect(Object.fromEntries(facts.governance.breaches.map((b: any) => [b.owner, b.overdue]))).toEqual(Object.fromEntries(byOwner));
  });

  it('writes Markdown and self-contained HTML; the PDF renders to a PNG page', { timeout: 300_000 }, async () => {
    const md = await runCli(['review', '--month', '2026-08', '--store', store], { PALISADE_NOW: LATER });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# Posture review 2026-08/);
    const htmlFile = join(dir, 'review.html');
    expect((await runCli(['review', '--month', '2026-08', '--format', 'html', '--out', htmlFile, '--store', store, '-o', 'none'], { PALISADE_NOW: LATER })).code).toBe(0);
    const html = readFileSync(htmlFile, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link /);
    if (!CHROMIUM || !PDFTOPPM) throw new Error('this test needs Debian chromium and poppler-utils (pdftoppm); .ci/run installs them');
    const pdf = join(dir, 'review.pdf');
    const r = await runCli(['review', '--month', '2026-08', '--format', 'pdf', '--out', pdf, '--store', store, '-o', 'none'], { PALISADE_NOW: LATER });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    execFileSync(PDFTOPPM, ['-png', '-r', '60', '-f', '1', '-l', '1', pdf, join(dir, 'page')]);
    const png = ['page-1.png', 'page-01.png'].map((f) => join(dir, f)).find((f) => existsSync(f))!;
    expect(statSync(png).size).toBeGreaterThan(5000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
