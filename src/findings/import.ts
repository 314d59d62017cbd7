/** The module's entry points: parse a scanner file's text (or read it) into a FindingsReport. */
import { readFileSync } from 'node:fs';
import { PalisadeError } from '../core/index.js';
import { parseCycloneDx } from './cyclonedx.js';
import { detectFormat } from './detect.js';
import type { Draft } from './draft.js';
import { parseGrype } from './grype.js';
import { decodeFileText, parseJsonText } from './json-text.js';
import { checkExplicitResourceId } from './mapping.js';
import { formatName, Reader } from './reader.js';
import { assembleReport } from './report.js';
import { parseSarif } from './sarif.js';
import { parseTrivy } from './trivy.js';
import { FINDINGS_FORMATS, type FindingsFormat, type FindingsReport, type ImportOptions } from './types.js';

const ADAPTERS: Record<FindingsFormat, (root: unknown, reader: Reader) => Draft[]> = {
  trivy: parseTrivy,
  grype: parseGrype,
  sarif: parseSarif,
  cyclonedx: parseCycloneDx,
};

/**
 * Parses one scanner output file. All or nothing: a syntax error, an unsupported version or an invalid record throws
 * a coded PalisadeError (kind 'validation'); records that map to no Azure resource are counted in the report.
 */
export function parseFindings(text: string, file: string, options: ImportOptions = {}): FindingsReport {
  if (options.format !== undefined && !FINDINGS_FORMATS.includes(options.format)) {
    throw new PalisadeError('FindingsFormatUnrecognized', `unknown findings format '${String(options.format)}' (expected ${FINDINGS_FORMATS.join(', ')})`, {
      kind: 'argument',
      target: String(options.format),
    });
  }
  if (options.resourceId !== undefined) checkExplicitResourceId(options.resourceId);
  const { value, text: body } = parseJsonText(text, file);
  const detected = detectFormat(value);
  let format = options.format;
  if (format === undefined) {
    if (detected === undefined) {
      throw new PalisadeError(
        'FindingsFormatUnrecognized',
        `${file}: not a recognised scanner output (expected Trivy JSON, Grype JSON, SARIF 2.1.0 or CycloneDX JSON)`,
        { kind: 'validation', target: file, location: { file, path: '$' } },
      );
    }
    format = detected;
  } else if (detected !== undefined && detected !== format) {
    throw new PalisadeError('FindingsFormatMismatch', `${file}: given as ${formatName(format)}, but the file is ${formatName(detected)}`, {
      kind: 'validation',
      target: file,
      location: { file, path: '$' },
    });
  }
  const reader = new Reader(file, body, format);
  const drafts = ADAPTERS[format](value, reader);
  return assembleReport(drafts, format, file, options);
}

/** Reads a scanner output file (UTF-8, or UTF-16 with a BOM) and parses it; `file` in the report is `path` as given. */
export function readFindingsFile(path: string, options: ImportOptions = {}): FindingsReport {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PalisadeError('FindingsFileNotFound', `${path}: no such file`, { kind: 'notFound', target: path, location: { file: path }, cause });
    throw new PalisadeError('FindingsFileUnreadable', `${path}: cannot read the file (${code ?? String(cause)})`, { kind: 'io', target: path, location: { file: path }, cause });
  }
  let text: string;
  try {
    text = decodeFileText(bytes);
  } catch (cause) {
    throw new PalisadeError('FindingsFileUnreadable', `${path}: cannot decode the file as text (${String(cause)})`, { kind: 'io', target: path, location: { file: path }, cause });
  }
  return parseFindings(text, path, options);
}
