/**
 * Benign background activity for the sample telemetry: a day of ordinary use of a few resources of each kind, in the
 * native formats. Nothing here may look like an attack — no Tor or documentation-range addresses, no known malware
 * hashes, no anonymous storage access, no secret listing, no bursts of failed logins (at most one mistyped password
 * per database or VM, followed by a success), no privileged or host-path pods, no cluster-admin bindings, no exec into
 * pods, no LoadBalancer services, no deleted events, no shells, downloads, miners or /tmp executables, and no user
 * agent other than ordinary SDKs, browsers and apps.
 */
import { auditdLines, apimRow, k8sEvent, sqlRow, storageRecord, syslogLine, sysmonRecord, vaultRecord, WINDOW_END, WINDOW_START, type ExecOp, type K8sOp, type SqlOp } from './telemetry-records.js';
import type { SampleTelemetryContext } from './telemetry-context.js';
import type { TelemetryResource } from './telemetry-inventory.js';
import type { Rng } from './prng.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

function anyTime(rng: Rng): number {
  return WINDOW_START + Math.floor(rng.next() * (WINDOW_END - WINDOW_START - MINUTE));
}

/** Times every `every` ms (± a third) across the window. */
function periodic(rng: Rng, every: number): number[] {
  const out: number[] = [];
  for (let t = WINDOW_START + rng.int(0, every); t < WINDOW_END - MINUTE; t += every) out.push(t + rng.int(0, Math.floor(every / 3)));
  return out.filter((t) => t < WINDOW_END - MINUTE);
}

function base64Md5(rng: Rng): string {
  return Buffer.from(rng.hex(32), 'hex').toString('base64');
}

// ---------------------------------------------------------------------------------------------------------------

export function storageBackground(ctx: SampleTelemetryContext, account: TelemetryResource): string {
  const rng = ctx.rng('background', account.id);
  const p = ctx.profile(account);
  const path = `storageBlob/${ctx.stem(account)}.json`;
  const n = rng.int(250, 350);
  for (let i = 0; i < n; i++) {
    const time = anyTime(rng);
    const operation = rng.weighted([
      [50, 'GetBlob'],
      [20, 'PutBlob'],
      [15, 'ListBlobs'],
      [10, 'GetBlobProperties'],
      [5, 'DeleteBlob'],
    ] as const);
    const who = rng.weighted([
      [60, 'app'],
      [25, 'sas'],
      [15, 'user'],
    ] as const);
    const container = rng.pick(p.objects);
    const blob = operation === 'ListBlobs' ? undefined : `2026/08/${rng.int(1, 31).toString().padStart(2, '0')}/${rng.alnum(10)}.${rng.pick(['json', 'csv', 'pdf', 'parquet'])}`;
    const notFound = (operation === 'GetBlob' || operation === 'GetBlobProperties') && rng.chance(0.01);
    const status = notFound ? 404 : operation === 'PutBlob' ? 201 : operation === 'DeleteBlob' ? 202 : 200;
    const identity = who === 'user' ? p.user : p.app;
    ctx.files.add(
      path,
      'envelope',
      time,
      storageRecord(account, {
        time,
        operation,
        status,
        statusText: notFound ? 'BlobNotFound' : 'Success',
        caller: `${who === 'sas' ? rng.pick(p.internetIps) : rng.pick(p.internalIps)}:${rng.int(30000, 65000)}`,
        auth: who === 'sas' ? { type: 'SAS' } : { type: 'OAuth', objectId: identity.oid, appId: identity.appid, tenantId: ctx.tenantId, ...(identity.upn ? { upn: identity.upn } : {}) },
        userAgent: who === 'sas' ? 'AzCopy/10.25.1 azsdk-go-azblob/v1.3.2 (go1.22.3; linux)' : p.userAgent,
        container,
        blob,
        requestBodySize: operation === 'PutBlob' ? rng.int(2_000, 4_000_000) : undefined,
        responseBodySize: operation === 'GetBlob' && !notFound ? rng.int(2_000, 4_000_000) : operation === 'ListBlobs' ? rng.int(800, 20_000) : undefined,
        requestMd5: operation === 'PutBlob' ? base64Md5(rng) : undefined,
        correlationId: rng.guid(),
      }),
    );
  }
  return path;
}

// ---------------------------------------------------------------------------------------------------------------

/** Azure Resource Graph's first-party application id (it reads vault metadata). */
const RESOURCE_GRAPH_APP_ID = '509e4652-da8d-478d-a730-e9d4a1996ca4';

export function vaultBackground(ctx: SampleTelemetryContext, vault: TelemetryResource): string {
  const rng = ctx.rng('background', vault.id);
  const p = ctx.profile(vault);
  const path = `keyVault/${ctx.stem(vault)}.jsonl`;
  // The application reads its secrets on a schedule (cache refresh).
  for (const time of periodic(rng, 15 * MINUTE)) {
    const secret = rng.pick(p.objects);
    ctx.files.add(path, 'jsonl', time, vaultRecord(vault, { time, operation: 'SecretGet', ip: rng.pick(p.internalIps), identity: p.app, clientInfo: p.userAgent, object: `secrets/${secret}`, version: rng.hex(32), status: 200, correlationId: rng.guid() }));
  }
  // Resource Graph reads the vault's metadata a few times a day.
  const arg = { oid: ctx.rng('arg', ctx.tenantId).guid(), appid: RESOURCE_GRAPH_APP_ID };
  for (let i = rng.int(2, 4); i > 0; i--) {
    const time = anyTime(rng);
    ctx.files.add(path, 'jsonl', time, vaultRecord(vault, { time, operation: 'VaultGet', ip: rng.pick(p.internetIps), identity: arg, clientInfo: 'Azure Resource Graph', status: 200, correlationId: rng.guid() }));
  }
  // An operator rotates a secret: reads it, then sets a new version (business hours).
  const rotation = WINDOW_START + 9 * HOUR + rng.int(0, 8 * HOUR);
  const secret = rng.pick(p.objects);
  const ip = rng.pick(p.internalIps);
  ctx.files.add(path, 'jsonl', rotation, vaultRecord(vault, { time: rotation, operation: 'SecretGet', ip, identity: p.user, clientInfo: 'azsdk-python-keyvault-secrets/4.8.0 Python/3.11.9', object: `secrets/${secret}`, version: rng.hex(32), status: 200, correlationId: rng.guid() }));
  const set = rotation + rng.int(20_000, 90_000);
  ctx.files.add(path, 'jsonl', set, vaultRecord(vault, { time: set, operation: 'SecretSet', ip, identity: p.user, clientInfo: 'azsdk-python-keyvault-secrets/4.8.0 Python/3.11.9', object: `secrets/${secret}`, version: rng.hex(32), status: 200, correlationId: rng.guid() }));
  return path;
}

// ---------------------------------------------------------------------------------------------------------------

function sqlStatement(rng: Rng, table: string): { statement: string; affected: number; response: number; action: 'BCM' | 'RCM' } {
  switch (rng.int(0, 3)) {
    case 0:
      return { statement: `(@p0 int)SELECT TOP (50) [t].[Id], [t].[Status], [t].[UpdatedAt] FROM [dbo].[${table}] AS [t] WHERE [t].[CustomerId] = @p0 ORDER BY [t].[UpdatedAt] DESC`, affected: 0, response: rng.int(0, 50), action: 'RCM' };
    case 1:
      return { statement: `(@p0 nvarchar(32),@p1 int)UPDATE [dbo].[${table}] SET [Status] = @p0, [UpdatedAt] = SYSUTCDATETIME() WHERE [Id] = @p1`, affected: 1, response: 0, action: 'RCM' };
    case 2:
      return { statement: `(@p0 int,@p1 nvarchar(32))INSERT INTO [dbo].[${table}] ([CustomerId], [Status]) VALUES (@p0, @p1)`, affected: 1, response: 0, action: 'RCM' };
    default:
      return { statement: `SELECT COUNT_BIG(*) FROM [dbo].[${table}] WITH (NOLOCK)`, affected: 0, response: 1, action: 'BCM' };
  }
}

export function sqlBackground(ctx: SampleTelemetryContext, db: TelemetryResource): string {
  const rng = ctx.rng('background', db.id);
  const p = ctx.profile(db);
  const path = `sqlAudit/${ctx.stem(db)}.jsonl`;
  let sequence = 1;
  const add = (op: Omit<SqlOp, 'sequence'>): void => ctx.files.add(path, 'jsonl', op.time, sqlRow(db, ctx.tenantId, { ...op, sequence: sequence++ }));
  // The application opens a pooled connection every 20 minutes and runs a few statements.
  for (const time of periodic(rng, 20 * MINUTE)) {
    const sessionId = rng.int(51, 180);
    const clientIp = rng.pick(p.internalIps);
    add({ time, actionId: 'DBAS', succeeded: true, principal: p.serviceAccount, clientIp, application: p.userAgent, host: p.host, statement: '', affectedRows: 0, responseRows: 0, sessionId });
    let t = time;
    for (let k = rng.int(1, 4); k > 0; k--) {
      t += rng.int(50, 4_000);
      const s = sqlStatement(rng, rng.pick(p.objects));
      add({ time: t, actionId: s.action, succeeded: true, principal: p.serviceAccount, clientIp, application: p.userAgent, host: p.host, statement: s.statement, affectedRows: s.affected, responseRows: s.response, sessionId });
    }
  }
  // A DBA checks the database once, mistyping the password once first.
  const dba = `dba_${(p.user.upn ?? 'ops').split('@')[0].split('.')[0]}`;
  const time = WINDOW_START + 10 * HOUR + rng.int(0, 6 * HOUR);
  const ip = rng.pick(p.internalIps);
  const sessionId = rng.int(51, 180);
  const tool = 'Microsoft SQL Server Management Studio - Query';
  add({ time, actionId: 'DBAF', succeeded: false, principal: dba, clientIp: ip, application: tool, host: 'ws-dba-07', statement: '', errorCode: 18456, affectedRows: 0, responseRows: 0, sessionId });
  add({ time: time + rng.int(8_000, 30_000), actionId: 'DBAS', succeeded: true, principal: dba, clientIp: ip, application: tool, host: 'ws-dba-07', statement: '', affectedRows: 0, responseRows: 0, sessionId });
  add({ time: time + rng.int(40_000, 120_000), actionId: 'BCM', succeeded: true, principal: dba, clientIp: ip, application: tool, host: 'ws-dba-07', statement: `SELECT TOP (100) * FROM [dbo].[${p.objects[0]}] ORDER BY [UpdatedAt] DESC`, affectedRows: 0, responseRows: 100, sessionId });
  return path;
}

// ---------------------------------------------------------------------------------------------------------------

const SYSTEM_GROUPS = ['system:authenticated'];

function podSpec(name: string, namespace: string, image: string): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { generateName: `${name}-`, namespace, labels: { app: name } },
    spec: {
      containers: [
        {
          name,
          image,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
          volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
      serviceAccountName: name,
      restartPolicy: 'Always',
    },
  };
}

export function aksBackground(ctx: SampleTelemetryContext, cluster: TelemetryResource): string {
  const rng = ctx.rng('background', cluster.id);
  const p = ctx.profile(cluster);
  const stem = ctx.stem(cluster);
  const path = ctx.hostFile('kubernetesAudit', stem, '.jsonl', cluster);
  const nodeIp = `10.224.0.${rng.int(4, 60)}`;
  const add = (op: Omit<K8sOp, 'auditId'>): void => ctx.files.add(path, 'jsonl', op.time, k8sEvent({ ...op, auditId: rng.guid() }));
  // Controllers renew their leases.
  for (const time of periodic(rng, 10 * MINUTE)) {
    for (const component of ['kube-controller-manager', 'kube-scheduler']) {
      add({ time: time + rng.int(0, 2_000), verb: 'update', user: { username: `system:${component}`, groups: SYSTEM_GROUPS }, sourceIp: nodeIp, userAgent: `${component}/v1.30.2 (linux/amd64) kubernetes/3968350/leader-election`, objectRef: { resource: 'leases', namespace: 'kube-system', name: component, apiGroup: 'coordination.k8s.io', apiVersion: 'v1' }, code: 200, requestURI: `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${component}` });
    }
  }
  // The CI pipeline rolls out a new version a few times: patch the deployment, the ReplicaSet controller creates pods.
  for (let d = rng.int(2, 4); d > 0; d--) {
    const time = WINDOW_START + 8 * HOUR + rng.int(0, 10 * HOUR);
    const namespace = rng.pick(p.objects);
    const app = `${namespace}-api`;
    const image = `contosoacr.azurecr.io/${app}:1.${rng.int(4, 9)}.${rng.int(0, 30)}`;
    add({ time, verb: 'patch', user: { username: p.serviceAccount, groups: ['ci', 'system:authenticated'] }, sourceIp: rng.pick(p.internalIps), userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350', objectRef: { resource: 'deployments', namespace, name: app, apiGroup: 'apps', apiVersion: 'v1' }, code: 200, requestURI: `/apis/apps/v1/namespaces/${namespace}/deployments/${app}?fieldManager=kubectl-set` });
    for (let k = 0; k < 3; k++) {
      add({ time: time + 2_000 + k * 700, verb: 'create', user: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] }, sourceIp: nodeIp, userAgent: 'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/system:serviceaccount:kube-system:replicaset-controller', objectRef: { resource: 'pods', namespace, apiVersion: 'v1' }, code: 201, requestURI: `/api/v1/namespaces/${namespace}/pods`, requestObject: podSpec(app, namespace, image) });
    }
  }
  // An engineer looks at pods and logs.
  const engineer = p.user.upn ?? 'sre@contoso.com';
  for (let i = rng.int(15, 30); i > 0; i--) {
    const time = WINDOW_START + 7 * HOUR + rng.int(0, 12 * HOUR);
    const namespace = rng.pick(p.objects);
    const verb = rng.pick(['list', 'get', 'list']);
    add({ time, verb, user: { username: engineer, groups: ['sg-platform-engineers', 'system:authenticated'] }, sourceIp: rng.pick(p.internalIps), userAgent: p.userAgent, objectRef: { resource: verb === 'list' ? 'pods' : 'deployments', namespace, apiGroup: verb === 'list' ? undefined : 'apps', apiVersion: 'v1' }, code: 200, requestURI: verb === 'list' ? `/api/v1/namespaces/${namespace}/pods?limit=500` : `/apis/apps/v1/namespaces/${namespace}/deployments/${namespace}-api` });
  }
  // The application writes its config maps.
  for (let i = rng.int(1, 3); i > 0; i--) {
    const time = anyTime(rng);
    const namespace = rng.pick(p.objects);
    add({ time, verb: 'update', user: { username: p.serviceAccount, groups: ['ci', 'system:authenticated'] }, sourceIp: rng.pick(p.internalIps), userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350', objectRef: { resource: 'configmaps', namespace, name: `${namespace}-api-config`, apiVersion: 'v1' }, code: 200, requestURI: `/api/v1/namespaces/${namespace}/configmaps/${namespace}-api-config` });
  }
  return path;
}

// ---------------------------------------------------------------------------------------------------------------

interface Command {
  exe: string;
  argv: string[];
  cwd: string;
  parentImage: string;
  parentCommandLine: string;
  uid: number;
}

/** Benign commands of a web/app server: scheduled jobs and an operator's checks. */
function scheduled(service: string): Command[] {
  return [
    { exe: '/usr/bin/python3', argv: ['/usr/bin/python3', '/opt/app/healthcheck.py', '--quiet'], cwd: '/opt/app', parentImage: '/usr/sbin/cron', parentCommandLine: '/usr/sbin/CRON -f', uid: 0 },
    { exe: '/usr/bin/php8.2', argv: ['php', '/var/www/html/artisan', 'schedule:run'], cwd: '/var/www/html', parentImage: '/usr/sbin/cron', parentCommandLine: '/usr/sbin/CRON -f', uid: service === 'www-data' ? 33 : 1001 },
  ];
}

function operatorCommands(): Command[] {
  const shell = { parentImage: '/usr/bin/bash', parentCommandLine: '-bash', uid: 1000 };
  return [
    { exe: '/usr/bin/systemctl', argv: ['systemctl', 'status', 'nginx', '--no-pager'], cwd: '/home/ops', ...shell },
    { exe: '/usr/bin/journalctl', argv: ['journalctl', '-u', 'nginx', '--since', 'today', '--no-pager'], cwd: '/home/ops', ...shell },
    { exe: '/usr/bin/df', argv: ['df', '-h'], cwd: '/home/ops', ...shell },
    { exe: '/usr/bin/free', argv: ['free', '-m'], cwd: '/home/ops', ...shell },
    { exe: '/usr/bin/tail', argv: ['tail', '-n', '100', '/var/log/nginx/error.log'], cwd: '/home/ops', ...shell },
    { exe: '/usr/bin/ls', argv: ['ls', '-la', '/var/www/html'], cwd: '/home/ops', ...shell },
    { exe: '/usr/bin/git', argv: ['git', '-C', '/srv/app', 'pull', '--ff-only'], cwd: '/srv/app', ...shell },
  ];
}

/** The VM's process log (auditd or Sysmon JSON, chosen per VM) and its auth log. */
export function vmBackground(ctx: SampleTelemetryContext, vm: TelemetryResource): string[] {
  const rng = ctx.rng('background', vm.id);
  const p = ctx.profile(vm);
  const admin = vm.adminUser ?? 'azureuser';
  const auditd = rng.chance(0.5);
  const processPath = auditd ? ctx.hostFile('processEvent', ctx.stem(vm, '-auditd'), '.log', vm) : ctx.hostFile('processEvent', ctx.stem(vm, '-sysmon'), '.jsonl', vm);
  const authPath = ctx.hostFile('sshAuth', ctx.stem(vm), '.log', vm);
  let pid = rng.int(20_000, 30_000);
  const exec = (time: number, c: Command): void => {
    pid += rng.int(1, 40);
    const op: ExecOp = { time, serial: ctx.nextSerial(), pid, ppid: pid - rng.int(1, 5), uid: c.uid, exe: c.exe, argv: c.argv, cwd: c.cwd, user: c.uid === 0 ? 'root' : c.uid === 33 ? 'www-data' : c.uid === 1000 ? admin : p.serviceAccount, parentImage: c.parentImage, parentCommandLine: c.parentCommandLine, host: vm.name };
    if (auditd) ctx.files.add(processPath, 'lines', time, auditdLines(op));
    else ctx.files.add(processPath, 'jsonl', time, sysmonRecord(op, rng.guid(), rng.guid()));
  };
  const [health, artisan] = scheduled(p.serviceAccount);
  for (const time of periodic(rng, 30 * MINUTE)) exec(time, health);
  for (const time of periodic(rng, HOUR)) exec(time + 1_000, artisan);

  // Operator sessions over SSH from the bastion, with a few commands each; cron's own lines are noise.
  const bastion = p.internalIps[0];
  const sessions = rng.int(2, 4);
  let sshPid = rng.int(3_000, 9_000);
  for (let s = 0; s < sessions; s++) {
    const start = WINDOW_START + 7 * HOUR + Math.floor(((s + rng.next()) * 11 * HOUR) / sessions);
    const port = rng.int(40_000, 60_000);
    sshPid += rng.int(10, 300);
    if (s === 0 && vm.passwordAuth && rng.chance(0.5)) {
      ctx.files.add(authPath, 'lines', start - 9_000, syslogLine(start - 9_000, vm.name, 'sshd', sshPid, `Failed password for ${admin} from ${bastion} port ${port - 1} ssh2`));
      ctx.files.add(authPath, 'lines', start, syslogLine(start, vm.name, 'sshd', sshPid, `Accepted password for ${admin} from ${bastion} port ${port} ssh2`));
    } else {
      ctx.files.add(authPath, 'lines', start, syslogLine(start, vm.name, 'sshd', sshPid, `Accepted publickey for ${admin} from ${bastion} port ${port} ssh2: RSA SHA256:${Buffer.from(rng.hex(64), 'hex').toString('base64').replace(/=+$/, '')}`));
    }
    ctx.files.add(authPath, 'lines', start + 5, syslogLine(start + 5, vm.name, 'sshd', sshPid, `pam_unix(sshd:session): session opened for user ${admin}(uid=1000) by (uid=0)`), 0);
    ctx.files.add(authPath, 'lines', start + 20, syslogLine(start + 20, vm.name, 'systemd-logind', 812, `New session ${100 + s} of user ${admin}.`), 0);
    let t = start + 5_000;
    for (const c of rng.sample(operatorCommands(), rng.int(2, 5))) {
      t += rng.int(5_000, 90_000);
      exec(t, c);
    }
    const end = t + rng.int(10_000, 300_000);
    ctx.files.add(authPath, 'lines', end, syslogLine(end, vm.name, 'sshd', sshPid, `Received disconnect from ${bastion} port ${port}:11: disconnected by user`), 0);
    ctx.files.add(authPath, 'lines', end + 3, syslogLine(end + 3, vm.name, 'sshd', sshPid, `pam_unix(sshd:session): session closed for user ${admin}`), 0);
  }
  for (const time of periodic(rng, HOUR)) {
    ctx.files.add(authPath, 'lines', time, syslogLine(time, vm.name, 'CRON', rng.int(10_000, 60_000), 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)'), 0);
  }
  return [processPath, authPath];
}

// ---------------------------------------------------------------------------------------------------------------

const CLIENT_AGENTS = [
  'ContosoShop/5.2.1 (iPhone; iOS 17.6; Scale/3.00)',
  'ContosoShop/5.2.0 (Android 14; Pixel 8)',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'okhttp/4.12.0',
];

export function apimBackground(ctx: SampleTelemetryContext, service: TelemetryResource): string {
  const rng = ctx.rng('background', service.id);
  const p = ctx.profile(service);
  const path = `apim/${ctx.stem(service)}.jsonl`;
  const products = Array.from({ length: 40 }, () => `SKU-${rng.int(10_000, 99_999)}`);
  for (const ip of p.internetIps) {
    const agent = rng.pick(CLIENT_AGENTS);
    const orders = Array.from({ length: rng.int(1, 3) }, () => rng.int(100_000, 999_999));
    const subscription = `app-${rng.alnum(6)}`;
    for (let session = rng.int(2, 5); session > 0; session--) {
      let t = anyTime(rng);
      const request = (method: string, path_: string, apiId: string, operationId: string, status: number, responseSize: number): void => {
        t += rng.int(400, 20_000);
        if (t >= WINDOW_END - MINUTE) return;
        ctx.files.add(path, 'jsonl', t, apimRow(service, ctx.tenantId, { time: t, ip, method, path: path_, apiId, operationId, status, requestSize: method === 'POST' ? rng.int(600, 2_000) : rng.int(300, 700), responseSize, totalTime: rng.int(12, 180), userAgent: agent, productId: 'mobile', subscriptionName: subscription, correlationId: rng.guid() }));
      };
      for (let page = 1, pages = rng.int(1, 3); page <= pages; page++) request('GET', `/catalog/v1/products?page=${page}&size=20`, 'catalog-api', 'list-products', 200, rng.int(8_000, 30_000));
      for (let k = rng.int(1, 4); k > 0; k--) {
        const missing = rng.chance(0.03);
        request('GET', `/catalog/v1/products/${rng.pick(products)}`, 'catalog-api', 'get-product', missing ? 404 : 200, missing ? 180 : rng.int(1_500, 6_000));
      }
      request('GET', `/orders/v1/orders/${rng.pick(orders)}`, 'orders-api', 'get-order', 200, rng.int(900, 3_000));
      if (rng.chance(0.3)) request('POST', '/orders/v1/orders', 'orders-api', 'create-order', 201, rng.int(400, 900));
    }
  }
  return path;
}

