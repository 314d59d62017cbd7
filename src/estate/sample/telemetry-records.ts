/**
 * Native log records for the sample telemetry, one builder per format, in the shapes Azure and Linux write them (the
 * estate module may not import `protection`, so these are built by hand to the formats' real field names; tests read
 * them back through the protection parsers):
 *   storage  Storage resource-log records (`{"records":[...]}` as diagnostic settings send them to Event Hubs)
 *   vault    Key Vault AuditEvent resource-log records (one per line, as in the insights-logs-auditevent blobs)
 *   sql      SQLSecurityAuditEvents rows as Log Analytics' AzureDiagnostics table holds them
 *   k8s      audit.k8s.io/v1 Event objects (one per line, the API server's log backend)
 *   auditd   raw auditd records (SYSCALL, EXECVE, CWD, PATH, PROCTITLE) of one exec
 *   sysmon   process-creation records with Sysmon for Linux / Sigma names (one per line)
 *   ssh      syslog lines of auth.log in rsyslog's RFC 3339 format
 *   apim     ApiManagementGatewayLogs rows
 */
import { BASE_MS } from './constants.js';
import type { TelemetryResource } from './telemetry-inventory.js';

const DAY_MS = 86_400_000;
/** Sample telemetry covers the day before the sample's base time: [WINDOW_START, WINDOW_END). */
export const WINDOW_START = BASE_MS - DAY_MS;
export const WINDOW_END = BASE_MS;

/** `2026-08-31T10:00:01.1230000Z`: Azure writes seven fraction digits. */
export function azureTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** `2026-08-31T10:00:01.123000+00:00`: rsyslog's high-precision timestamp. */
export function syslogTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

// ---------------------------------------------------------------------------------------------------------------
// Storage

export interface StorageOp {
  time: number;
  operation: string;
  status: number;
  statusText: string;
  /** `ip:port` */
  caller: string;
  auth: { type: 'OAuth' | 'SAS' | 'AccountKey'; objectId?: string; appId?: string; upn?: string; tenantId?: string };
  userAgent: string;
  container: string;
  blob?: string;
  requestBodySize?: number;
  responseBodySize?: number;
  /** base64 Content-MD5 of an upload */
  requestMd5?: string;
  correlationId: string;
}

const STORAGE_CATEGORY: Record<string, string> = {
  PutBlob: 'StorageWrite',
  PutBlock: 'StorageWrite',
  PutBlockList: 'StorageWrite',
  SetBlobMetadata: 'StorageWrite',
  DeleteBlob: 'StorageDelete',
};

export function storageRecord(account: TelemetryResource, op: StorageOp): Record<string, unknown> {
  const path = op.blob === undefined ? op.container : `${op.container}/${op.blob}`;
  const listing = op.operation === 'ListBlobs';
  const identity: Record<string, unknown> = { type: op.auth.type };
  if (op.auth.type === 'OAuth') {
    identity.tokenHash = '';
    identity.requester = {
      appId: op.auth.appId,
      audience: 'https://storage.azure.com/',
      objectId: op.auth.objectId,
      tenantId: op.auth.tenantId,
      tokenIssuer: `https://sts.windows.net/${op.auth.tenantId}/`,
      ...(op.auth.upn === undefined ? {} : { upn: op.auth.upn }),
    };
  } else identity.tokenHash = op.auth.type === 'SAS' ? 'key1(SAS-SIGNATURE-HASH)' : 'key1(ACCOUNT-KEY-HASH)';
  const properties: Record<string, unknown> = {
    accountName: account.name,
    userAgentHeader: op.userAgent,
    serviceType: 'blob',
    objectKey: `/${account.name}/${path}`,
    metricResponseType: op.status < 400 ? 'Success' : 'ClientOtherError',
    serverLatencyMs: 4,
    requestHeaderSize: 512,
    responseHeaderSize: 260,
    tlsVersion: 'TLS 1.2',
  };
  if (op.requestBodySize !== undefined) {
    properties.requestBodySize = op.requestBodySize;
    properties.contentLengthHeader = op.requestBodySize;
  }
  if (op.responseBodySize !== undefined) properties.responseBodySize = op.responseBodySize;
  if (op.requestMd5 !== undefined) properties.requestMd5 = op.requestMd5;
  return {
    time: azureTime(op.time),
    resourceId: `${account.id}/blobServices/default`,
    category: STORAGE_CATEGORY[op.operation] ?? 'StorageRead',
    operationName: op.operation,
    operationVersion: '2023-11-03',
    schemaVersion: '1.0',
    statusCode: op.status,
    statusText: op.statusText,
    durationMs: 6,
    callerIpAddress: op.caller,
    correlationId: op.correlationId,
    identity,
    location: account.location,
    properties,
    uri: `https://${account.name}.blob.core.windows.net:443/${path}${listing ? '?restype=container&comp=list' : ''}`,
    protocol: 'HTTPS',
    resourceType: 'Microsoft.Storage/storageAccounts/blobServices',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Key Vault

export interface VaultOp {
  time: number;
  operation: string;
  ip: string;
  identity: { oid: string; appid: string; upn?: string };
  clientInfo: string;
  /** `secrets/db-password` or undefined for vault-level operations */
  object?: string;
  status: number;
  correlationId: string;
  /** for secret/key reads: the version id */
  version?: string;
}

export function vaultRecord(vault: TelemetryResource, op: VaultOp): Record<string, unknown> {
  const host = `https://${vault.name}.vault.azure.net`;
  const claim: Record<string, string> = {
    'http://schemas.microsoft.com/identity/claims/objectidentifier': op.identity.oid,
    appid: op.identity.appid,
  };
  if (op.identity.upn !== undefined) claim['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'] = op.identity.upn;
  const properties: Record<string, unknown> = {
    clientInfo: op.clientInfo,
    requestUri: op.object === undefined ? `${host}/?api-version=7.4` : `${host}/${op.object}/?api-version=7.4`,
    httpStatusCode: op.status,
    isAccessPolicyMatch: false,
    isRbacAuthorized: op.status < 400,
    tlsVersion: 'TLS1_2',
  };
  if (op.object !== undefined && op.version !== undefined) properties.id = `${host}/${op.object}/${op.version}`;
  return {
    time: azureTime(op.time),
    resourceId: vault.id.toUpperCase(),
    operationName: op.operation,
    operationVersion: '7.4',
    category: 'AuditEvent',
    resultType: 'Success',
    resultSignature: op.status < 400 ? 'OK' : op.status === 403 ? 'Forbidden' : 'Unauthorized',
    resultDescription: '',
    durationMs: '9',
    callerIpAddress: op.ip,
    correlationId: op.correlationId,
    identity: { claim },
    properties,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SQL audit (AzureDiagnostics rows)

export interface SqlOp {
  time: number;
  actionId: 'DBAS' | 'DBAF' | 'BCM' | 'RCM' | 'LGIS' | 'LGIF';
  succeeded: boolean;
  principal: string;
  clientIp: string;
  application: string;
  host: string;
  statement: string;
  /** `<error_code>N</error_code>` is added when set */
  errorCode?: number;
  affectedRows: number;
  responseRows: number;
  sessionId: number;
  sequence: number;
}

const SQL_ACTION_NAMES: Record<SqlOp['actionId'], string> = {
  DBAS: 'DATABASE AUTHENTICATION SUCCEEDED',
  DBAF: 'DATABASE AUTHENTICATION FAILED',
  BCM: 'BATCH COMPLETED',
  RCM: 'RPC COMPLETED',
  LGIS: 'LOGIN SUCCEEDED',
  LGIF: 'LOGIN FAILED',
};

export function sqlRow(db: TelemetryResource, tenantId: string, op: SqlOp): Record<string, unknown> {
  const login = op.actionId === 'DBAS' || op.actionId === 'DBAF' || op.actionId === 'LGIS' || op.actionId === 'LGIF';
  let additional = '';
  if (op.errorCode !== undefined) {
    additional = login
      ? `<login_information><error_code>${op.errorCode}</error_code><error_state>8</error_state></login_information>`
      : `<batch_information><error_code>${op.errorCode}</error_code><error_state>1</error_state></batch_information>`;
  }
  return {
    TenantId: tenantId,
    TimeGenerated: azureTime(op.time + 1500),
    ResourceId: db.id.toUpperCase(),
    Category: 'SQLSecurityAuditEvents',
    ResourceGroup: db.resourceGroup.toUpperCase(),
    SubscriptionId: db.subscriptionId,
    ResourceProvider: 'MICROSOFT.SQL',
    Resource: db.name.toUpperCase(),
    ResourceType: 'SERVERS/DATABASES',
    OperationName: 'AuditEvent',
    LogicalServerName_s: db.server,
    database_name_s: db.name,
    event_time_t: azureTime(op.time),
    action_id_s: op.actionId,
    action_name_s: SQL_ACTION_NAMES[op.actionId],
    succeeded_s: op.succeeded ? 'true' : 'false',
    session_id_d: op.sessionId,
    sequence_number_d: op.sequence,
    server_principal_name_s: op.principal,
    database_principal_name_s: op.principal === 'sa' ? 'dbo' : op.principal,
    client_ip_s: op.clientIp,
    application_name_s: op.application,
    host_name_s: op.host,
    statement_s: op.statement,
    additional_information_s: additional,
    affected_rows_d: op.affectedRows,
    response_rows_d: op.responseRows,
    class_type_s: login ? 'DB' : 'DB',
    is_server_level_audit_s: 'false',
    audit_schema_version_d: 1,
    Type: 'AzureDiagnostics',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes audit

export interface K8sOp {
  time: number;
  auditId: string;
  verb: string;
  user: { username: string; groups: string[] };
  sourceIp: string;
  userAgent: string;
  objectRef: { resource: string; namespace?: string; name?: string; apiGroup?: string; apiVersion: string; subresource?: string };
  code: number;
  requestURI: string;
  requestObject?: Record<string, unknown>;
  level?: 'Metadata' | 'Request' | 'RequestResponse';
}

export function k8sEvent(op: K8sOp): Record<string, unknown> {
  const stamp = new Date(op.time).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const done = new Date(op.time + 7).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: op.level ?? (op.requestObject === undefined ? 'Metadata' : 'Request'),
    auditID: op.auditId,
    stage: 'ResponseComplete',
    requestURI: op.requestURI,
    verb: op.verb,
    user: op.user,
    sourceIPs: [op.sourceIp],
    userAgent: op.userAgent,
    objectRef: op.objectRef,
    responseStatus: { metadata: {}, code: op.code },
  };
  if (op.requestObject !== undefined) event.requestObject = op.requestObject;
  event.requestReceivedTimestamp = stamp;
  event.stageTimestamp = done;
  event.annotations = { 'authorization.k8s.io/decision': op.code === 403 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': '' };
  return event;
}

// ---------------------------------------------------------------------------------------------------------------
// Linux process events

export interface ExecOp {
  time: number;
  serial: number;
  pid: number;
  ppid: number;
  uid: number;
  exe: string;
  argv: string[];
  cwd: string;
  /** Linux user name (Sysmon's User) */
  user: string;
  parentImage: string;
  parentCommandLine: string;
  host: string;
}

/** auditd writes a value quoted when it is plain printable ASCII without quotes or spaces, else as upper-case hex. */
function auditValue(value: string): string {
  return /^[\x21-\x7e]*$/.test(value) && !value.includes('"') ? `"${value}"` : Buffer.from(value, 'utf8').toString('hex').toUpperCase();
}

/** The five records of one execve, in auditd's raw format. */
export function auditdLines(op: ExecOp): string {
  const stamp = `${Math.floor(op.time / 1000)}.${String(op.time % 1000).padStart(3, '0')}:${op.serial}`;
  const comm = op.exe.slice(op.exe.lastIndexOf('/') + 1).slice(0, 15);
  const args = op.argv.map((a, i) => `a${i}=${auditValue(a)}`).join(' ');
  const title = Buffer.from(op.argv.join('\0'), 'utf8').toString('hex').toUpperCase();
  return [
    `type=SYSCALL msg=audit(${stamp}): arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1f0a2e0 a1=55d0c1f0a340 a2=55d0c1f0a360 a3=0 items=2 ppid=${op.ppid} pid=${op.pid} auid=${op.uid === 0 ? 4294967295 : op.uid} uid=${op.uid} gid=${op.uid} euid=${op.uid} suid=${op.uid} fsuid=${op.uid} egid=${op.uid} sgid=${op.uid} fsgid=${op.uid} tty=(none) ses=4294967295 comm=${auditValue(comm)} exe=${auditValue(op.exe)} key="exec"`,
    `type=EXECVE msg=audit(${stamp}): argc=${op.argv.length} ${args}`,
    `type=CWD msg=audit(${stamp}): cwd=${auditValue(op.cwd)}`,
    `type=PATH msg=audit(${stamp}): item=0 name=${auditValue(op.exe)} inode=1048602 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`,
    `type=PROCTITLE msg=audit(${stamp}): proctitle=${title}`,
  ].join('\n');
}

export function sysmonRecord(op: ExecOp, guid: string, parentGuid: string): Record<string, unknown> {
  return {
    EventID: 1,
    UtcTime: new Date(op.time).toISOString().replace('T', ' ').replace('Z', ''),
    Computer: op.host,
    ProcessGuid: `{${guid}}`,
    ProcessId: op.pid,
    Image: op.exe,
    CommandLine: op.argv.join(' '),
    CurrentDirectory: op.cwd,
    User: op.user,
    LogonId: op.uid,
    ParentProcessGuid: `{${parentGuid}}`,
    ParentProcessId: op.ppid,
    ParentImage: op.parentImage,
    ParentCommandLine: op.parentCommandLine,
    ParentUser: op.user,
  };
}

export function syslogLine(time: number, host: string, program: string, pid: number, message: string): string {
  return `${syslogTime(time)} ${host} ${program}[${pid}]: ${message}`;
}

// ---------------------------------------------------------------------------------------------------------------
// API Management

export interface ApimOp {
  time: number;
  ip: string;
  method: string;
  /** path and query after the host */
  path: string;
  apiId: string;
  operationId: string;
  status: number;
  requestSize: number;
  responseSize: number;
  totalTime: number;
  userAgent: string;
  productId: string;
  subscriptionName: string;
  correlationId: string;
}

export function apimRow(service: TelemetryResource, tenantId: string, op: ApimOp): Record<string, unknown> {
  const backend = Math.max(1, op.totalTime - 4);
  return {
    TenantId: tenantId,
    TimeGenerated: azureTime(op.time),
    OperationName: 'Microsoft.ApiManagement/GatewayLogs',
    CorrelationId: op.correlationId,
    Region: service.location,
    IsRequestSuccess: op.status < 400,
    Category: 'GatewayLogs',
    TotalTime: op.totalTime,
    CallerIpAddress: op.ip,
    Method: op.method,
    Url: `https://${service.name}.azure-api.net${op.path}`,
    ClientProtocol: 'HTTP/1.1',
    ResponseCode: op.status,
    BackendMethod: op.method,
    BackendUrl: `https://backend-${op.apiId}.internal.contoso.com${op.path}`,
    BackendResponseCode: op.status,
    BackendProtocol: 'HTTP/1.1',
    RequestSize: op.requestSize,
    ResponseSize: op.responseSize,
    Cache: 'none',
    BackendTime: backend,
    ClientTime: 1,
    ApiId: op.apiId,
    OperationId: op.operationId,
    ProductId: op.productId,
    ApimSubscriptionId: op.subscriptionName,
    BackendId: `${op.apiId}-backend`,
    ApiRevision: '1',
    ClientTlsVersion: '1.2',
    RequestHeaders: { 'User-Agent': op.userAgent },
    _ResourceId: service.id.toLowerCase(),
    Type: 'ApiManagementGatewayLogs',
  };
}
