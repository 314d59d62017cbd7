/**
 * Which source a record or a text line is, from its distinctive keys or its shape. Used when no `format` is given;
 * detection is per record, so one file may mix sources (an Event Hub capture of several diagnostic settings).
 */
import type { TelemetrySource } from '../event.js';
import { looksLikeApimLog } from './apim.js';
import { looksLikeAuditd } from './auditd.js';
import { looksLikeKeyVaultLog } from './key-vault.js';
import { looksLikeKubernetesAudit } from './kubernetes-audit.js';
import { looksLikeProcessJson, looksLikeSysmonXml } from './process-json.js';
import { looksLikeSqlAudit } from './sql-audit.js';
import { looksLikeSyslog } from './ssh-auth.js';
import { looksLikeStorageLog } from './storage-blob.js';
import type { JsonObject } from './values.js';

export function detectRecordSource(record: JsonObject): TelemetrySource | undefined {
  if (looksLikeKubernetesAudit(record)) return 'kubernetesAudit';
  if (looksLikeStorageLog(record)) return 'storageBlob';
  if (looksLikeKeyVaultLog(record)) return 'keyVault';
  if (looksLikeSqlAudit(record)) return 'sqlAudit';
  if (looksLikeApimLog(record)) return 'apim';
  if (looksLikeProcessJson(record)) return 'processEvent';
  return undefined;
}

/** For a non-JSON text line: auditd and Sysmon XML are process events, other syslog lines are the auth log. */
export function detectLineSource(line: string): TelemetrySource | undefined {
  if (looksLikeAuditd(line)) return 'processEvent';
  if (looksLikeSysmonXml(line)) return 'processEvent';
  if (looksLikeSyslog(line)) return 'sshAuth';
  return undefined;
}
