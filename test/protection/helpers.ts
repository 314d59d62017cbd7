/**
 * Shared fixtures for the protection tests: the shipped detection catalog (compiled once per test file), a real
 * SQLite store in a temporary directory, and builders for SecurityEvents of each log source with the field names the
 * telemetry parsers produce.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR } from '../../src/catalog/index.js';
import {
  DetectionEngine,
  allPlansStandard,
  loadDetectionCatalog,
  resolveConfig,
  type DetectionCatalog,
  type DetectionConfig,
  type EventFieldValue,
  type PlanLookup,
  type SecurityEvent,
  type TelemetrySource,
} from '../../src/protection/index.js';
import { openStore, type Store } from '../../src/store/index.js';

export const SUB = '11111111-1111-1111-1111-111111111111';
export const FREE_SUB = '22222222-2222-2222-2222-222222222222';

export const VM = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-01`;
export const AKS = `/subscriptions/${SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod`;
export const STORAGE = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosodata01`;
export const VAULT = `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/contoso-kv`;
export const VAULT2 = `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/contoso-kv2`;
export const SQL = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/contoso-sql/databases/sales`;
export const APIM = `/subscriptions/${SUB}/resourceGroups/rg-api/providers/Microsoft.ApiManagement/service/contoso-apim`;

/** A Tor exit of the shipped list, and a "suspicious" address of the shipped example list. */
export const TOR_IP = '204.8.96.141';
export const SUSPICIOUS_IP = '198.51.100.66';
export const EICAR_MD5_BASE64 = 'RNiGEv6oqPNt6C4SeKuwLw==';
/** MD5 of the made-up "xmrig" row of the shipped malware hash fixture. */
export const MALWARE_MD5_HEX = 'c97e5b930eb5a08d7e4c7836046694d9';

export const T0 = Date.parse('2026-03-02T08:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const catalogs = new Map<string, DetectionCatalog>();

/** The shipped catalog with an optional config (cached by config). */
export function catalog(config?: DetectionConfig): DetectionCatalog {
  const key = JSON.stringify(config ?? {});
  let c = catalogs.get(key);
  if (!c) {
    c = loadDetectionCatalog(DEFAULT_CATALOG_DIR, { config: resolveConfig(config ?? {}), strict: true });
    catalogs.set(key, c);
  }
  return c;
}

export interface TempStore {
  store: Store;
  path: string;
  reopen(): Promise<Store>;
  dispose(): Promise<void>;
}

/** A real SQLite store in a fresh temporary directory. */
export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-protection-'));
  const path = join(dir, 'store.db');
  const handle: TempStore = {
    store: await openStore(`sqlite:${path}`),
    path,
    async reopen() {
      await handle.store.close();
      handle.store = await openStore(`sqlite:${path}`);
      return handle.store;
    },
    async dispose() {
      await handle.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Standard everywhere except FREE_SUB. */
export const plans: PlanLookup = (sub, plan) => (sub.toLowerCase() === FREE_SUB ? { tier: 'Free' } : allPlansStandard(sub, plan));

export async function openEngine(store: Store, options: { config?: DetectionConfig; plans?: PlanLookup; checkpointEvery?: number } = {}): Promise<DetectionEngine> {
  return DetectionEngine.open({ catalog: catalog(options.config), store, plans: options.plans ?? plans, checkpointEvery: options.checkpointEvery });
}

let line = 0;
export function event(source: TelemetrySource, resourceId: string, time: number, operation: string, rest: Partial<SecurityEvent> & { fields?: Record<string, EventFieldValue> } = {}): SecurityEvent {
  const subscriptionId = /\/subscriptions\/([^/]+)/i.exec(resourceId)![1].toLowerCase();
  return { source, resourceId, subscriptionId, time, operation, outcome: 'success', ...rest, fields: { ...(rest.fields ?? {}) }, origin: { file: 'test', line: ++line } };
}

/** A process creation event (Sysmon names). */
export function proc(resourceId: string, time: number, commandLine: string, image = commandLine.split(' ')[0], extra: Record<string, EventFieldValue> = {}): SecurityEvent {
  return event('processEvent', resourceId, time, 'execve', { principal: 'www-data', fields: { Image: image, CommandLine: commandLine, User: 'www-data', Computer: 'web-01', ParentImage: '/usr/bin/bash', ...extra } });
}

export function sshFailed(resourceId: string, time: number, ip: string, user = 'root'): SecurityEvent {
  return event('sshAuth', resourceId, time, 'sshd.failed', { outcome: 'failure', callerIp: ip, principal: user, fields: { Host: 'web-01', Method: 'password', User: user, SourceIp: ip } });
}

export function sshAccepted(resourceId: string, time: number, ip: string, user = 'root'): SecurityEvent {
  return event('sshAuth', resourceId, time, 'sshd.accepted', { outcome: 'success', callerIp: ip, principal: user, fields: { Host: 'web-01', Method: 'password', User: user, SourceIp: ip } });
}

export function kv(resourceId: string, time: number, operation: string, o: { ip?: string; upn?: string; app?: string; status?: number; object?: string } = {}): SecurityEvent {
  const status = o.status ?? 200;
  const upn = o.upn ?? 'app-reader@contoso.example';
  const app = o.app ?? '0a0a0a0a-1111-2222-3333-444444444444';
  return event('keyVault', resourceId, time, operation, {
    outcome: status < 400 ? 'success' : 'failure',
    callerIp: o.ip ?? '10.1.0.4',
    principal: upn || app,
    userAgent: 'azsdk-net-Security.KeyVault.Secrets/4.6.0',
    fields: {
      OperationName: operation,
      HttpStatusCode: status,
      ...(upn ? { IdentityUpn: upn } : {}),
      IdentityAppId: app,
      ...(o.object ? { ObjectType: 'secrets', ObjectName: o.object } : {}),
    },
  });
}

export function blob(resourceId: string, time: number, operation: string, o: { ip?: string; auth?: string; status?: number; key?: string; md5?: string; ua?: string; bytes?: number } = {}): SecurityEvent {
  const status = o.status ?? 200;
  const key = o.key ?? '/contosodata01/reports/q1.csv';
  const parts = key.split('/');
  return event('storageBlob', resourceId, time, operation, {
    outcome: status < 400 ? 'success' : 'failure',
    callerIp: o.ip ?? '10.2.0.5',
    userAgent: o.ua ?? 'azsdk-python-storage-blob/12.19.0 Python/3.11.4',
    fields: {
      OperationName: operation,
      StatusCode: status,
      AuthenticationType: o.auth ?? 'OAuth',
      ObjectKey: key,
      ...(parts[2] ? { ContainerName: parts[2] } : {}),
      ...(parts.length > 3 ? { BlobName: parts.slice(3).join('/') } : {}),
      ...(o.md5 ? { RequestMd5: o.md5 } : {}),
      ...(o.bytes !== undefined ? { ResponseBodySize: o.bytes } : {}),
    },
  });
}

export function sql(resourceId: string, time: number, operation: string, o: { ip?: string; principal?: string; app?: string; statement?: string; error?: number; info?: string; host?: string } = {}): SecurityEvent {
  const failed = operation.includes('FAILED') || o.error !== undefined;
  return event('sqlAudit', resourceId, time, operation, {
    outcome: failed ? 'failure' : 'success',
    callerIp: o.ip ?? '10.3.0.7',
    principal: o.principal ?? 'webapp',
    userAgent: o.app ?? 'Core Microsoft SqlClient Data Provider',
    fields: {
      action_name: operation,
      server_principal_name: o.principal ?? 'webapp',
      client_ip: o.ip ?? '10.3.0.7',
      application_name: o.app ?? 'Core Microsoft SqlClient Data Provider',
      host_name: o.host ?? 'web-01.corp.contoso.example',
      statement: o.statement ?? '',
      additional_information: o.info ?? '',
      ...(o.error !== undefined ? { error_code: o.error } : {}),
    },
  });
}

export function api(resourceId: string, time: number, url: string, o: { ip?: string; ua?: string; code?: number; api?: string; op?: string; responseSize?: number; requestSize?: number } = {}): SecurityEvent {
  const u = new URL(url);
  const names = [...new Set([...u.searchParams.keys()])];
  return event('apim', resourceId, time, 'GET', {
    outcome: (o.code ?? 200) < 400 ? 'success' : 'failure',
    callerIp: o.ip ?? '203.0.113.20',
    userAgent: o.ua ?? 'Mozilla/5.0',
    principal: 'sub-123',
    fields: {
      Method: 'GET',
      Url: url,
      UrlPath: u.pathname,
      ...(u.search ? { UrlQuery: u.search.slice(1) } : {}),
      ...(names.length > 0 ? { QueryParameters: names } : {}),
      ApiId: o.api ?? 'orders-api',
      OperationId: o.op ?? 'get-order',
      ResponseCode: o.code ?? 200,
      ResponseSize: o.responseSize ?? 512,
      RequestSize: o.requestSize ?? 420,
    },
  });
}

/** Processes events and returns the alert types raised (created and still present), sorted. */
export function alertTypesOf(engine: DetectionEngine, events: Iterable<unknown>): string[] {
  const created = new Map<string, string>();
  for (const e of events) {
    for (const c of engine.process(e)) {
      if (c.kind === 'superseded') created.delete(c.alert.name);
      else created.set(c.alert.name, c.alert.properties.alertType);
    }
  }
  return [...created.values()].sort();
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
