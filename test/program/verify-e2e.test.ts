/**
 * The article's enterprise scenario end to end: `palisade verify` on the sample estate reproduces both failures —
 * the naked subscriptions (CSPM enabled by hand, new ones left out) and the empty attack-path blade on the busiest
 * workloads (a deny on snapshot disks in a restricted region blocks the agentless scanner) — each with its diagnosis
 * and fix. Running every fix it prints and re-scanning makes verify pass, attack paths appear in those subscriptions
 * and the score rise.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

const NOW = '2026-09-01T00:00:00Z';
let store: string;
let manifest: { scenario: { nakedSubscriptionIds: string[]; scannerSubscriptionIds: string[]; denyAssignmentName: string; restrictedRegion: string } };

async function cli(args: string[]) {
  return runCli([...args, '--store', store], { PALISADE_NOW: NOW });
}

/** A printed command line split into arguments (single and double quotes, as a shell reads them). */
function argv(command: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|(\S+)/g;
  for (const m of command.matchAll(re)) out.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]));
  return out;
}

async function verify(): Promise<{ code: number; result: any }> {
  const r = await cli(['verify', '-o', 'json']);
  return { code: r.code, result: JSON.parse(r.stdout) };
}

async function pathsBySubscription(): Promise<Map<string, number>> {
  const r = await cli(['security', 'attack-path', 'list', '-o', 'json']);
  const out = new Map<string, number>();
  for (const p of JSON.parse(r.stdout).value as any[]) {
    const sub = String(p.id.split('/')[2]).toLowerCase();
    out.set(sub, (out.get(sub) ?? 0) + 1);
  }
  return out;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-verify-'));
  store = join(dir, 'p.db');
  const sample = join(dir, 'sample');
  expect((await runCli(['sample', '--out', sample, '--subscriptions', '8', '--resources', '2500', '-o', 'none'])).code).toBe(0);
  manifest = JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8'));
  expect((await cli(['estate', 'import', '--from', sample, '-o', 'none'])).code).toBe(0);
  expect((await cli(['scan', '-o', 'none'])).code).toBe(0);
}, 300_000);

describe('palisade verify on the enterprise scenario', () => {
  it('fails with both scenario failures diagnosed, and passes after the printed fixes', { timeout: 600_000 }, async () => {
    const before = await verify();
    expect(before.code).toBe(1);
    const check = (r: any, id: string) => r.checks.find((c: any) => c.id === id);
    // 1. the naked subscriptions, named
    const plans = check(before.result, 'plans');
    expect(plans.status).toBe('fail');
    for (const sub of manifest.scenario.nakedSubscriptionIds) expect(JSON.stringify(plans.evidence.nakedSubscriptions)).toContain(sub);
    expect(plans.fix[0]).toContain('--policy /providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd --scope /providers/Microsoft.Management/managementGroups/contoso-root');
    // 2. the scanner blocked by the deny on snapshot disks, in the restricted region, with the exemption that fixes it
    const paths = check(before.result, 'attackPaths');
    expect(paths.status).toBe('fail');
    expect(paths.evidence.scanningBlocked).toHaveLength(manifest.scenario.scannerSubscriptionIds.length);
    for (const d of paths.evidence.scanningBlocked) {
      expect(d.diagnosis).toContain(`assignment '${manifest.scenario.denyAssignmentName}' denies snapshot disks in region ${manifest.scenario.restrictedRegion} for resource group DefenderForCloud-Scanner`);
    }
    for (const sub of manifest.scenario.scannerSubscriptionIds) {
      expect(paths.fix).toContain(`palisade policy exemption create --name allow-defender-scanner-snapshots --policy-assignment ${manifest.scenario.denyAssignmentName} --exemption-category Mitigated --scope /subscriptions/${sub}/resourceGroups/DefenderForCloud-Scanner`);
    }
    const scoreBefore = before.result.checks.find((c: any) => c.id === 'secureScore').evidence.percentage as number;
    const pathsBefore = await pathsBySubscription();

    // apply every fix verify printed, in order (the commands are run as printed)
    const fixes = [...new Set(before.result.checks.flatMap((c: any) => c.fix) as string[])];
    expect(fixes.length).toBeGreaterThan(3);
    for (const command of fixes) {
      const args = argv(command);
      expect(args[0]).toBe('palisade');
      const r = await cli(args.slice(1).concat(['-o', 'none']));
      expect(r.code, `${command}\n${r.stderr}`).toBe(0);
    }

    // re-scan once every fix is in (the printed list scans after the plan fix, before the scanner exemption)
    expect((await cli(['scan', '-o', 'none'])).code).toBe(0);
    const after = await verify();
    expect(after.result.checks.filter((c: any) => c.status === 'fail').map((c: any) => c.id)).toEqual([]);
    expect(after.code).toBe(0);
    const pathsAfter = await pathsBySubscription();
    for (const sub of manifest.scenario.scannerSubscriptionIds) {
      expect(pathsAfter.get(sub.toLowerCase()) ?? 0, sub).toBeGreaterThan(pathsBefore.get(sub.toLowerCase()) ?? 0);
    }
    const scoreAfter = after.result.checks.find((c: any) => c.id === 'secureScore').evidence.percentage as number;
    expect(scoreAfter).toBeGreaterThan(scoreBefore);
  });
});
