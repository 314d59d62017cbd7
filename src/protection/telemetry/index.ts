/**
 * Telemetry ingestion: the real log formats of the six workload plans, normalised into `SecurityEvent`s
 * (`../event.ts`) for the detection engine. See docs/telemetry.md.
 *
 *   for await (const event of readTelemetry('sample/telemetry')) ...        // a file or a directory (merged by time)
 *   const parser = new TelemetryParser({ resourceId });                     // push API (HTTP ingestion)
 *   parser.pushLine(line, { line: n }); parser.pushRecord(json); parser.end();
 *   parseRecord('keyVault', record)                                          // one-shot
 */
export { readTelemetry, TelemetryStream, mergeByTime } from './read.js';
export { TelemetryParser, parseRecord, envelopeArray, DEFAULT_MAX_RECORD_BYTES } from './parser.js';
export { detectRecordSource, detectLineSource } from './detect.js';
export { detectFileShape } from './file-reader.js';
export type { FileShape } from './file-reader.js';
export {
  listTelemetryFiles,
  readTelemetryIndex,
  describeFile,
  isTelemetryFileName,
  stripExtensions,
  resourceIdFromName,
  fileNameForResourceId,
  INDEX_FILE,
  LABELS_FILE,
} from './layout.js';
export type { TelemetryFile } from './layout.js';
export { TELEMETRY_SOURCES, REJECTION_CODES, isTelemetrySource } from './types.js';
export type { RejectionCode, TelemetryParseOptions, TelemetryReadOptions, ParseResult, TelemetryStats } from './types.js';
export { parseTimestamp, base64ToHex, hexToText, stripPort } from './values.js';
export { formatRejected } from './format.js';
