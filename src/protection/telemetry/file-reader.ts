/**
 * One telemetry file → a stream of parse results, in file order. The file's shape is told from its start:
 *  - text lines (auditd, syslog, Sysmon XML) and JSON Lines (one record, or one envelope, per line) are read line by
 *    line: a bad line is rejected and the next one read;
 *  - a JSON document (a top-level array, an envelope `{"records":[...]}` spread over lines, a pretty-printed record)
 *    is streamed record by record (json-records.ts), so envelopes of any size are read in bounded memory.
 * A file starting with `[` is a document. One starting with `{` is JSON Lines when its first line is a complete JSON
 * value, or is balanced but invalid (a JSON Lines file whose first line is bad); it is a document when its first line
 * leaves brackets open (`{"records":[`, a pretty-printed `{`) or is too long to hold.
 */
import { safeJsonParse } from '../../core/index.js';
import type { EventOrigin } from '../event.js';
import { scanJsonRecords } from './json-records.js';
import { readTextLines } from './lines.js';
import { TelemetryParser, tooLarge } from './parser.js';
import { REJECTION_CODES, type ParseResult } from './types.js';

export type FileShape = 'lines' | 'document';

export async function detectFileShape(file: string, maxLength: number): Promise<FileShape> {
  for await (const line of readTextLines(file, maxLength, 1 << 16)) {
    if (line.tooLong) return 'document';
    const text = line.text.trim();
    if (text === '') continue;
    if (text.startsWith('[')) return 'document';
    if (!text.startsWith('{')) return 'lines';
    if (parses(text)) return 'lines';
    return openDepth(text) > 0 ? 'document' : 'lines';
  }
  return 'lines';
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Brackets left open at the end of `text` (outside strings). */
function openDepth(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  return depth;
}

export interface FileReadOptions {
  maxRecordBytes: number;
  highWaterMark?: number;
}

/** Parse results of one file in order; counts one record per line or JSON record read. */
export async function* readTelemetryFile(
  file: string,
  parser: TelemetryParser,
  options: FileReadOptions,
  onRecord: () => void,
): AsyncGenerator<ParseResult> {
  const shape = await detectFileShape(file, options.maxRecordBytes);
  if (shape === 'lines') {
    for await (const line of readTextLines(file, options.maxRecordBytes, options.highWaterMark)) {
      const origin: EventOrigin = { file, line: line.number };
      if (line.tooLong) {
        onRecord();
        yield { events: [], rejected: [tooLarge(origin, line.length ?? 0, options.maxRecordBytes)], skipped: 0 };
        continue;
      }
      const trimmed = line.text.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      onRecord();
      yield parser.pushLine(line.text, origin);
    }
  } else {
    for await (const item of scanJsonRecords(file, options.maxRecordBytes, options.highWaterMark)) {
      if (item.kind === 'syntax') {
        onRecord();
        yield { events: [], rejected: [{ code: REJECTION_CODES.jsonSyntax, message: item.message, origin: { file, line: item.line } }], skipped: 0 };
        break;
      }
      onRecord();
      const origin: EventOrigin = { file, line: item.line, path: item.path };
      if (item.kind === 'tooLarge') {
        yield { events: [], rejected: [tooLarge(origin, item.length, options.maxRecordBytes)], skipped: 0 };
        continue;
      }
      let value: unknown;
      try {
        value = safeJsonParse(item.text);
      } catch (err) {
        yield { events: [], rejected: [{ code: REJECTION_CODES.jsonSyntax, message: `invalid JSON: ${(err as Error).message}`, origin }], skipped: 0 };
        continue;
      }
      yield parser.pushRecord(value, origin);
    }
  }
  yield parser.end();
}
