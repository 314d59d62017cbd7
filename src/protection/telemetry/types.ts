/**
 * Options, results and the stable rejection codes of telemetry ingestion. The event model itself lives in
 * `../event.ts` (the contract with the detection engine).
 */
import type { EventOrigin, RejectedRecord, SecurityEvent, TelemetrySource } from '../event.js';

export const TELEMETRY_SOURCES: readonly TelemetrySource[] = [
  'storageBlob',
  'keyVault',
  'sqlAudit',
  'kubernetesAudit',
  'processEvent',
  'sshAuth',
  'apim',
];

export function isTelemetrySource(value: unknown): value is TelemetrySource {
  return typeof value === 'string' && (TELEMETRY_SOURCES as readonly string[]).includes(value);
}

/**
 * Stable codes of rejected records (the code is the contract, the message is for people). A rejected record is
 * counted and reported; it never stops the stream.
 */
export const REJECTION_CODES = {
  /** A JSON line or array element that is not valid JSON, or a truncated JSON document. */
  jsonSyntax: 'TelemetryJsonSyntax',
  /** A record of a known format with a field of the wrong type or a required field missing. */
  invalidRecord: 'TelemetryInvalidRecord',
  /** A record (or line) whose format cannot be told, or that does not match the format asked for. */
  unknownFormat: 'TelemetryUnknownFormat',
  /** A well-formed record of a known log that Palisade does not read (Sysmon event 3, file-service storage logs). */
  unsupportedRecord: 'TelemetryUnsupportedRecord',
  /** No resource id: the record carries none, and neither the file layout nor the options give one. */
  noResourceId: 'TelemetryNoResourceId',
  /** The resource id is not an ARM id inside a subscription. */
  invalidResourceId: 'TelemetryInvalidResourceId',
  /** The event time is missing or cannot be read. */
  invalidTime: 'TelemetryInvalidTime',
  /** A line or record longer than `maxRecordBytes` (skipped without being held in memory). */
  recordTooLarge: 'TelemetryRecordTooLarge',
  /** An auditd event that lacks the records needed to describe a process (an EXECVE without its SYSCALL). */
  incompleteEvent: 'TelemetryIncompleteEvent',
  /** A file of a directory that cannot be read (permissions, vanished); the other files are still read. */
  fileError: 'TelemetryFileError',
} as const;

export type RejectionCode = (typeof REJECTION_CODES)[keyof typeof REJECTION_CODES];

/** Options shared by the push API (`parseRecord`, `TelemetryParser`) and the file readers. */
export interface TelemetryParseOptions {
  /** The source format; detected per record (JSON) or per line (text) when absent. */
  format?: TelemetrySource;
  /**
   * The resource the records are about when they do not say it themselves (auditd, sshd, process JSON, Kubernetes
   * audit, and Log Analytics rows exported without `_ResourceId`). A record's own resource id always wins.
   */
  resourceId?: string;
  /**
   * Year for syslog timestamps that have none (`Jun 10 14:00:01`). Default: the year of `referenceTime`, moved one
   * year back when that puts the line more than a day after `referenceTime`.
   */
  year?: number;
  /** Epoch ms the year of year-less syslog timestamps is inferred from (default: now). */
  referenceTime?: number;
  /** Longest line or JSON record accepted, in characters (default 16 MiB); longer ones are rejected and skipped. */
  maxRecordBytes?: number;
}

/** What one push gives back. */
export interface ParseResult {
  events: SecurityEvent[];
  rejected: RejectedRecord[];
  /** Well-formed input that is not a security event here (non-sshd syslog lines, auditd records other than execve). */
  skipped: number;
}

export interface TelemetryStats {
  files: number;
  /** Records (JSON records, text lines, auditd record groups) seen. */
  records: number;
  events: number;
  skipped: number;
  rejected: number;
  eventsBySource: Partial<Record<TelemetrySource, number>>;
  rejectedByCode: Record<string, number>;
}

export interface TelemetryReadOptions extends TelemetryParseOptions {
  /** Called for every rejected record (they are also counted, and the first `keepRejected` kept). */
  onRejected?: (rejected: RejectedRecord) => void;
  /** How many rejected records `TelemetryStream.rejected` keeps (default 1000); the counts cover all of them. */
  keepRejected?: number;
}

export type { EventOrigin, RejectedRecord, SecurityEvent, TelemetrySource };
