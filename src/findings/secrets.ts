/**
 * Secrets in Defender for Cloud's vocabulary: which kind of credential a scanner rule found, and what it
 * authenticates to. Scanners redact the secret itself (Trivy prints `AccountKey=*****`), but the rest of a
 * connection string survives, and that is enough to name the target: `AccountName=stpayments` is the storage
 * account, `Server=tcp:sql-pay.database.windows.net` the SQL server.
 */
import type { SecretType } from './types.js';

export const SECRET_TYPES: readonly SecretType[] = [
  'sshPrivateKey',
  'storageAccountKey',
  'storageConnectionString',
  'sasToken',
  'sqlConnectionString',
  'postgresConnectionString',
  'mysqlConnectionString',
  'cosmosConnectionString',
  'other',
];

export function isSecretType(value: string): value is SecretType {
  return (SECRET_TYPES as readonly string[]).includes(value);
}

/** Classification from what the matched text looks like (decisive when it is recognisable). */
export function secretTypeFromText(text: string | undefined): SecretType | undefined {
  if (text === undefined || text === '') return undefined;
  if (/-----\s*BEGIN\s+(?:OPENSSH\s+|RSA\s+|DSA\s+|EC\s+|ENCRYPTED\s+)?PRIVATE\s+KEY/i.test(text)) return 'sshPrivateKey';
  if (/AccountEndpoint\s*=\s*https:\/\/[^;]+\.documents\.azure\.(?:com|cn|us)/i.test(text)) return 'cosmosConnectionString';
  if (/DefaultEndpointsProtocol\s*=|AccountName\s*=[^;]*;\s*AccountKey\s*=|(?:Blob|Queue|Table|File)Endpoint\s*=/i.test(text)) return 'storageConnectionString';
  if (/[?&]sig=|SharedAccessSignature\s*=/i.test(text) && /[?&;]?sv=\d{4}-\d{2}-\d{2}/i.test(text)) return 'sasToken';
  if (/\.postgres\.database\.azure\.com|\bpostgres(?:ql)?:\/\//i.test(text)) return 'postgresConnectionString';
  if (/\.mysql\.database\.azure\.com|\bmysql:\/\//i.test(text)) return 'mysqlConnectionString';
  if (/(?:Server|Data Source)\s*=\s*(?:tcp:)?[^;,]+\.database\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)/i.test(text)) return 'sqlConnectionString';
  return undefined;
}

/**
 * Classification from a rule id (Trivy `RuleID`, SARIF `ruleId`) and the rule's category / title:
 * `private-key` → sshPrivateKey, `azure-storage-account-key` → storageAccountKey, `AzureStorageConnectionString`
 * → storageConnectionString, `azure-sql-connection-string` → sqlConnectionString, ...
 */
export function secretTypeFromRule(...names: Array<string | undefined>): SecretType {
  const words = names
    .filter((n): n is string => typeof n === 'string')
    .map((n) => n.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().replace(/[^a-z0-9]+/g, ' '))
    .join(' | ');
  const has = (re: RegExp): boolean => re.test(words);
  if (has(/\bcosmos|\bdocument ?db\b/)) return 'cosmosConnectionString';
  if (has(/\bpostgres(?:ql)?\b|\bpsql\b/)) return 'postgresConnectionString';
  if (has(/\bmy ?sql\b|\bmariadb\b/)) return 'mysqlConnectionString';
  if (has(/\bsas\b|\bsas ?token|shared access signature/)) return 'sasToken';
  if (has(/\bstorage\b/)) return has(/\bconn(?:ection)?\b|\bconnstr/) ? 'storageConnectionString' : 'storageAccountKey';
  if (has(/\b(?:ms|azure ?)?sql\b|\bsql ?server\b/)) return 'sqlConnectionString';
  if (has(/\bssh\b|\bprivate ?key\b|\bid (?:rsa|ed25519|ecdsa|dsa)\b|\basymmetric private key\b|\bpem\b/)) return 'sshPrivateKey';
  return 'other';
}

/** The text's recognisable shape wins over the rule's name (a "storage key" rule that matched a whole connection string found a connection string). */
export function classifySecret(ruleNames: Array<string | undefined>, matchText: string | undefined): SecretType {
  return secretTypeFromText(matchText) ?? secretTypeFromRule(...ruleNames);
}

/**
 * What a (redacted) secret authenticates to, from its text: a storage account name (`AccountName=x`, or
 * `https://x.blob.core.windows.net/...?sv=...`), a SQL / PostgreSQL / MySQL / Cosmos DB host.
 */
export function secretTargetFromText(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  let m = /AccountName\s*=\s*([A-Za-z0-9-]+)/i.exec(text);
  if (m) return m[1];
  m = /AccountEndpoint\s*=\s*https:\/\/([A-Za-z0-9.-]+)/i.exec(text);
  if (m) return m[1].toLowerCase();
  m = /(?:Server|Data Source|Host)\s*=\s*(?:tcp:)?([A-Za-z0-9.-]+\.(?:database\.windows\.net|database\.chinacloudapi\.cn|database\.usgovcloudapi\.net|postgres\.database\.azure\.com|mysql\.database\.azure\.com))/i.exec(text);
  if (m) return m[1].toLowerCase();
  m = /\b(?:postgres(?:ql)?|mysql):\/\/(?:[^@/\s]*@)?([A-Za-z0-9.-]+)/i.exec(text);
  if (m) return m[1].toLowerCase();
  m = /https?:\/\/([a-z0-9]{3,24})\.(?:blob|queue|table|file|dfs)\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)/i.exec(text);
  if (m) return m[1].toLowerCase();
  return undefined;
}
