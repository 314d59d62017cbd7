/**
 * The one event model every telemetry format is normalised into, and the detection engine reads.
 *
 * Field names inside `fields` follow Sigma's taxonomy where Sigma has a log source (process_creation: Image,
 * CommandLine, ParentImage, ParentCommandLine, User, CurrentDirectory, ProcessId, ParentProcessId; Kubernetes audit:
 * the audit event's own dotted paths such as `verb`, `objectRef.resource`, `objectRef.subresource`,
 * `user.username`, `requestObject.spec.containers[].securityContext.privileged` flattened with dots), and the
 * source's own column names otherwise (StorageBlobLogs, AzureDiagnostics AuditEvent, SQL audit, APIM gateway logs).
 */
export type TelemetrySource =
  | 'storageBlob' // StorageBlobLogs (resource-log envelope or Log Analytics rows)
  | 'keyVault' // Key Vault AuditEvent
  | 'sqlAudit' // Azure SQL audit (SQLSecurityAuditEvents)
  | 'kubernetesAudit' // Kubernetes audit events (audit.k8s.io/v1 Event)
  | 'processEvent' // Linux process creation: auditd EXECVE, Sysmon for Linux event 1
  | 'sshAuth' // sshd lines of auth.log / secure
  | 'apim'; // API Management gateway logs (GatewayLogs)

export type EventOutcome = 'success' | 'failure' | 'unknown';

export type EventFieldValue = string | number | boolean | null | readonly string[];

/** Where an event (or a rejected record) came from: file and line for files, JSON path inside a record. */
export interface EventOrigin {
  file?: string;
  line?: number;
  path?: string;
}

export interface SecurityEvent {
  source: TelemetrySource;
  /** event time, epoch milliseconds (UTC) */
  time: number;
  /** ARM id of the protected resource (storage account, vault, SQL server/database, AKS cluster, VM, APIM service) */
  resourceId: string;
  /** lower-case subscription id parsed from resourceId */
  subscriptionId: string;
  /** the operation in the source's vocabulary: GetBlob, SecretGet, BATCH_COMPLETED, create, execve, sshd.failed, GET */
  operation: string;
  outcome: EventOutcome;
  callerIp?: string;
  /** user, app id, SQL login, Kubernetes user, Linux user */
  principal?: string;
  userAgent?: string;
  /** source-specific fields, flat (dotted keys), values as in the record */
  fields: Readonly<Record<string, EventFieldValue>>;
  origin: EventOrigin;
}

/** A record that could not be normalised; counted and reported, never fatal. */
export interface RejectedRecord {
  code: string;
  message: string;
  origin: EventOrigin;
}
