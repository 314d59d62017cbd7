/**
 * The push API: records or lines in, events and rejections out. `TelemetryParser` keeps the little state some
 * formats need (auditd groups an exec's records; it names parent processes from earlier execs), so the HTTP ingestion
 * endpoint keeps one per stream and calls `end()` when the stream ends. `parseRecord` is the one-shot form.
 *
 * A JSON value may be one record, an envelope (`{"records":[...]}`, `{"value":[...]}`, a Kubernetes `EventList`'s
 * `items`) or an array of records: each record inside is read on its own, with its JSON path in the origin.
 * A text line is JSON (then as above), an auditd record, a Sysmon XML event or a syslog line. Blank lines and lines
 * starting with `#` are comments.
 */
import { PalisadeError, safeJsonParse } from '../../core/index.js';
import type { EventOrigin, RejectedRecord, SecurityEvent, TelemetrySource } from '../event.js';
import { normaliseApim } from './apim.js';
import { AuditdAssembler, looksLikeAuditd } from './auditd.js';
import { detectLineSource, detectRecordSource } from './detect.js';
import { ResourceResolver, type NormaliseContext } from './event-builder.js';
import { normaliseKeyVault } from './key-vault.js';
import { normaliseKubernetesAudit } from './kubernetes-audit.js';
import { looksLikeSysmonXml, normaliseProcessJson, sysmonXmlRecord } from './process-json.js';
import { normaliseSqlAudit } from './sql-audit.js';
import { parseSshLine, yearChooser } from './ssh-auth.js';
import { normaliseStorageBlob } from './storage-blob.js';
import { REJECTION_CODES, TELEMETRY_SOURCES, isTelemetrySource, type ParseResult, type TelemetryParseOptions } from './types.js';
import { RecordError, describe, isObject, own, pathOf, type JsonObject } from './values.js';

type Normaliser = (record: JsonObject, ctx: NormaliseContext) => SecurityEvent;

const NORMALISERS: Record<Exclude<TelemetrySource, 'sshAuth'>, Normaliser> = {
  storageBlob: normaliseStorageBlob,
  keyVault: normaliseKeyVault,
  sqlAudit: normaliseSqlAudit,
  kubernetesAudit: normaliseKubernetesAudit,
  processEvent: normaliseProcessJson,
  apim: normaliseApim,
};

export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
const MAX_ENVELOPE_DEPTH = 4;

function emptyResult(): ParseResult {
  return { events: [], rejected: [], skipped: 0 };
}

function merge(into: ParseResult, from: ParseResult): void {
  for (const e of from.events) into.events.push(e);
  for (const r of from.rejected) into.rejected.push(r);
  into.skipped += from.skipped;
}

/** The array of records an envelope object holds, with its key; undefined for a plain record. */
export function envelopeArray(value: JsonObject): { key: string; records: unknown[] } | undefined {
  const records = own(value, 'records');
  if (Array.isArray(records)) return { key: 'records', records };
  const kind = own(value, 'kind');
  const items = own(value, 'items');
  if (Array.isArray(items) && (kind === undefined || (typeof kind === 'string' && kind.endsWith('List')))) return { key: 'items', records: items };
  const list = own(value, 'value');
  if (Array.isArray(list) && own(value, 'verb') === undefined) return { key: 'value', records: list };
  return undefined;
}

export class TelemetryParser {
  private readonly resolver = new ResourceResolver();
  private readonly auditd: AuditdAssembler;
  private readonly year: (month: number, day: number) => number;
  readonly options: TelemetryParseOptions;

  constructor(options: TelemetryParseOptions = {}) {
    if (options.format !== undefined && !isTelemetrySource(options.format)) {
      throw new PalisadeError('InvalidTelemetryFormat', `unknown telemetry format '${String(options.format)}'; expected one of ${TELEMETRY_SOURCES.join(', ')}`, {
        kind: 'argument',
        target: 'format',
      });
    }
    this.options = options;
    this.auditd = new AuditdAssembler(this.resolver);
    this.year = yearChooser(options.year, options.referenceTime ?? Date.now());
  }

  /** A parsed JSON value: a record, an envelope of records or an array of records. */
  pushRecord(value: unknown, origin: EventOrigin = {}): ParseResult {
    const result = emptyResult();
    this.record(value, origin, result, 0);
    return result;
  }

  /** One text line (JSON, auditd, Sysmon XML or syslog). */
  pushLine(line: string, origin: EventOrigin = {}): ParseResult {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return emptyResult();
    const max = this.options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (text.length > max) return { events: [], rejected: [tooLarge(origin, text.length, max)], skipped: 0 };
    const format = this.options.format;
    if (text[0] === '{' || text[0] === '[') {
      let value: unknown;
      try {
        value = safeJsonParse(text);
      } catch (err) {
        return { events: [], rejected: [{ code: REJECTION_CODES.jsonSyntax, message: `invalid JSON: ${(err as Error).message}`, origin: { ...origin, path: origin.path ?? '$' } }], skipped: 0 };
      }
      return this.pushRecord(value, { ...origin, path: origin.path ?? '$' });
    }
    const source = format ?? detectLineSource(text);
    if (source === 'processEvent') {
      if (looksLikeAuditd(text)) return this.auditd.push(text, origin, this.options.resourceId);
      if (looksLikeSysmonXml(text)) {
        const result = emptyResult();
        try {
          result.events.push(normaliseProcessJson(sysmonXmlRecord(text), this.context(origin)));
        } catch (err) {
          result.rejected.push(rejection(err, origin));
        }
        return result;
      }
    }
    if (source === 'sshAuth') return parseSshLine(text, origin, this.context(origin), this.year);
    const expected = format === undefined ? 'a JSON record, an auditd record, a Sysmon XML event or a syslog line' : `a ${format} record`;
    return { events: [], rejected: [{ code: REJECTION_CODES.unknownFormat, message: `cannot read this line: expected ${expected}`, origin }], skipped: 0 };
  }

  /** Completes what is pending (auditd groups); call at the end of each stream. */
  end(): ParseResult {
    return this.auditd.flush(this.options.resourceId);
  }

  private context(origin: EventOrigin): NormaliseContext {
    return { origin, fallbackResourceId: this.options.resourceId, resolver: this.resolver };
  }

  private record(value: unknown, origin: EventOrigin, result: ParseResult, depth: number): void {
    const base = origin.path ?? '$';
    if (Array.isArray(value)) {
      if (depth >= MAX_ENVELOPE_DEPTH) {
        result.rejected.push({ code: REJECTION_CODES.invalidRecord, message: 'records nested too deeply', origin });
        return;
      }
      value.forEach((item, i) => this.record(item, { ...origin, path: `${base}[${i}]` }, result, depth + 1));
      return;
    }
    if (!isObject(value)) {
      result.rejected.push({ code: REJECTION_CODES.invalidRecord, message: `expected a JSON object, found ${describe(value)}`, origin: { ...origin, path: base } });
      return;
    }
    const envelope = envelopeArray(value);
    if (envelope !== undefined && depth < MAX_ENVELOPE_DEPTH) {
      envelope.records.forEach((item, i) => this.record(item, { ...origin, path: `${base}.${envelope.key}[${i}]` }, result, depth + 1));
      return;
    }
    const at: EventOrigin = { ...origin, path: base };
    const detected = detectRecordSource(value);
    const source = this.options.format ?? detected;
    if (detected !== undefined && source !== detected) {
      result.rejected.push({ code: REJECTION_CODES.unknownFormat, message: `this is a ${detected} record, not ${source}`, origin: at });
      return;
    }
    if (source === undefined) {
      result.rejected.push({ code: REJECTION_CODES.unknownFormat, message: 'cannot tell which log this record is from (no known category, type or field set)', origin: at });
      return;
    }
    if (source === 'sshAuth') {
      result.rejected.push({ code: REJECTION_CODES.unknownFormat, message: 'sshAuth reads syslog text lines, not JSON records', origin: at });
      return;
    }
    try {
      result.events.push(NORMALISERS[source](value, this.context(at)));
    } catch (err) {
      result.rejected.push(rejection(err, at));
    }
  }
}

function rejection(err: unknown, origin: EventOrigin): RejectedRecord {
  if (err instanceof RecordError) {
    return { code: err.code, message: err.message, origin: err.path === undefined ? origin : { ...origin, path: pathOf(err.path, origin.path ?? '$') } };
  }
  throw err;
}

export function tooLarge(origin: EventOrigin, length: number, max: number): RejectedRecord {
  return { code: REJECTION_CODES.recordTooLarge, message: `record of ${length} characters is over the limit of ${max}`, origin };
}

/**
 * One-shot push: a record (object), an envelope or array of records, or text (one line, or several lines such as the
 * records of one auditd event). `source` forces the format; undefined detects it.
 */
export function parseRecord(
  source: TelemetrySource | undefined,
  input: unknown,
  origin: EventOrigin = {},
  options: Omit<TelemetryParseOptions, 'format'> = {},
): ParseResult {
  const parser = new TelemetryParser({ ...options, format: source });
  const result = emptyResult();
  if (typeof input === 'string') {
    const lines = input.split(/\r?\n/);
    lines.forEach((line, i) => merge(result, parser.pushLine(line, lines.length > 1 ? { ...origin, line: (origin.line ?? 1) + i } : origin)));
  } else {
    merge(result, parser.pushRecord(input, origin));
  }
  merge(result, parser.end());
  return result;
}

export { merge as mergeResults };
