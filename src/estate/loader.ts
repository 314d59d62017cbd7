import { open, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { PalisadeError, safeJsonParse, type ErrorDetail, formatLocation } from '../core/index.js';
import { readLines } from './line-reader.js';
import { scanJsonElements } from './json-scanner.js';
import { ManagementGroupTree } from './mg-tree.js';
import { validateRow } from './validate-row.js';
import { ARG_TABLES, CONTAINER_TYPES, defaultTableForType, type ArgRow, type ArgTable, type EstateRecord } from './types.js';

export type EstateFileFormat = 'jsonl' | 'json-array' | 'graph-page';

export interface LoadOptions {
  /** records per yielded batch (default 2,000) */
  batchSize?: number;
  /** stop collecting problems after this many (default 100) */
  maxIssues?: number;
  /** bytes read so far and the total bytes of all input files */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface LoadStats {
  files: Array<{ file: string; format: EstateFileFormat; table?: ArgTable; rows: number }>;
  rows: number;
  byTable: Record<ArgTable, number>;
}

export interface EstateLoad {
  /** Validated records in batches. Throws `EstateInvalid` (after reading everything) when any row is bad. */
  batches(): AsyncGenerator<EstateRecord[]>;
  readonly stats: LoadStats;
  /** The management-group tree, complete once `batches()` finished. */
  readonly tree: ManagementGroupTree;
}

const EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson']);
/** Files a directory may hold that are not ARG rows (the sample generator's description of itself). */
const IGNORED_FILES = new Set(['manifest.json']);
/** Sub-directories of an estate directory that hold other inputs in their native formats (scanner results, telemetry). */
export const SIDE_INPUT_DIRECTORIES: ReadonlySet<string> = new Set(['findings', 'telemetry', 'history']);

/** Lists the input files of `paths` (files as given, directories recursively, sorted). */
export async function listEstateFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new PalisadeError('EstateFileNotFound', `${path}: no such file or directory`, { kind: 'io', location: { file: path } });
    }
    if (info.isDirectory()) {
      const found = await walk(path);
      if (found.length === 0) {
        throw new PalisadeError('EstateNoInput', `${path}: the directory holds no .json, .jsonl or .ndjson files`, {
          kind: 'validation',
          location: { file: path },
        });
      }
      files.push(...found);
    } else files.push(path);
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SIDE_INPUT_DIRECTORIES.has(entry.name.toLowerCase())) out.push(...(await walk(full)));
    }
    else if (EXTENSIONS.has(extname(entry.name).toLowerCase()) && !IGNORED_FILES.has(entry.name.toLowerCase())) out.push(full);
  }
  return out;
}

/** The ARG table a file name announces (`resources.jsonl`, `policyresources-0001.json`), if any. */
export function tableFromFileName(file: string): ArgTable | undefined {
  const stem = basename(file).toLowerCase();
  const byLength = [...ARG_TABLES].sort((a, b) => b.length - a.length);
  return byLength.find((table) => stem === table || stem.startsWith(table + '.') || stem.startsWith(table + '-') || stem.startsWith(table + '_'));
}

/** Decides how to read a file: JSON Lines, one JSON array, or an `az graph query` page. */
export async function detectFormat(file: string): Promise<EstateFileFormat> {
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    const first = head.trimStart()[0];
    if (first === '[') return 'json-array';
    if (first !== '{') return 'jsonl';
    const newline = head.indexOf('\n');
    if (newline === -1) return bytesRead < buffer.length ? 'jsonl' : 'graph-page';
    try {
      JSON.parse(head.slice(0, newline));
      return 'jsonl';
    } catch {
      return 'graph-page';
    }
  } finally {
    await handle.close();
  }
}

interface RawRow {
  value: unknown;
  text?: string;
  line: number;
  path: string;
}

/**
 * Loads Azure Resource Graph rows from files and directories (JSON Lines, JSON arrays, `az graph query` output),
 * validating every row. Problems are collected with file, line and JSON path; when any is found the generator
 * stops yielding and throws one `EstateInvalid` error listing them, so a transactional consumer applies nothing.
 */
export function loadEstate(paths: string[], options: LoadOptions = {}): EstateLoad {
  const batchSize = options.batchSize ?? 2000;
  const maxIssues = options.maxIssues ?? 100;
  const tree = new ManagementGroupTree();
  const stats: LoadStats = { files: [], rows: 0, byTable: Object.fromEntries(ARG_TABLES.map((t) => [t, 0])) as Record<ArgTable, number> };

  async function* batches(): AsyncGenerator<EstateRecord[]> {
    const files = await listEstateFiles(paths);
    let totalBytes = 0;
    for (const file of files) totalBytes += (await stat(file)).size;
    let bytesRead = 0;
    const onBytes = options.onProgress ? (n: number) => options.onProgress!((bytesRead += n), totalBytes) : undefined;

    const issues: ErrorDetail[] = [];
    const seen = new Map<string, number>();
    const containerLocations = new Map<string, { file: string; line: number }>();
    let batch: EstateRecord[] = [];

    const report = (code: string, message: string, file: string, line: number | undefined, path?: string): void => {
      if (issues.length < maxIssues) issues.push({ code, message, location: { file, line, path } });
    };

    for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
      const file = files[fileIndex];
      const format = await detectFormat(file);
      const fileTable = tableFromFileName(file);
      const fileStats = { file, format, table: fileTable, rows: 0 };
      stats.files.push(fileStats);

      for await (const raw of rawRows(file, format, onBytes, report)) {
        if (issues.length >= maxIssues) break;
        const { issues: rowIssues, id } = validateRow(raw.value);
        if (rowIssues.length > 0 || id === undefined) {
          for (const issue of rowIssues) report(issue.code, issue.message, file, raw.line, joinPath(raw.path, issue.path));
          continue;
        }
        const row = raw.value as ArgRow;
        const key = id.key;
        const previous = seen.get(key);
        if (previous !== undefined) {
          const prevFile = files[Math.floor(previous / 1e9)];
          const prevLine = previous % 1e9;
          report('EstateDuplicateId', `duplicate id '${row.id}' (first seen at ${prevFile}:${prevLine})`, file, raw.line, joinPath(raw.path, '$.id'));
          continue;
        }
        seen.set(key, fileIndex * 1e9 + raw.line);
        const table = fileTable ?? defaultTableForType(row.type);
        if (tree.add(row)) containerLocations.set(key, { file, line: raw.line });
        fileStats.rows++;
        if (issues.length > 0) continue; // keep validating, stop yielding
        stats.rows++;
        stats.byTable[table]++;
        batch.push({ key, table, row, json: raw.text });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }

    if (issues.length === 0) checkHierarchy(tree, containerLocations, report);
    if (issues.length > 0) throw invalid(issues, maxIssues);
    if (batch.length > 0) yield batch;
  }

  return { batches, stats, tree };
}

function joinPath(base: string, inner: string): string {
  return base === '$' ? inner : base + inner.slice(1);
}

async function* rawRows(
  file: string,
  format: EstateFileFormat,
  onBytes: ((n: number) => void) | undefined,
  report: (code: string, message: string, file: string, line: number | undefined, path?: string) => void,
): AsyncGenerator<RawRow> {
  if (format === 'jsonl') {
    for await (const { text, number } of readLines(file, onBytes)) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = safeJsonParse(text);
      } catch (error) {
        report('EstateJsonSyntax', `invalid JSON: ${(error as Error).message}`, file, number);
        continue;
      }
      if (isGraphPage(value)) {
        const data = (value as { data: unknown[] }).data;
        for (let i = 0; i < data.length; i++) yield { value: data[i], line: number, path: `$.data[${i}]` };
        continue;
      }
      yield { value, text, line: number, path: '$' };
    }
    return;
  }
  try {
    for await (const element of scanJsonElements(file, onBytes)) {
      let value: unknown;
      const path = `${element.arrayPath}[${element.index}]`;
      try {
        value = safeJsonParse(element.text);
      } catch (error) {
        report('EstateJsonSyntax', `invalid JSON: ${(error as Error).message}`, file, element.line, path);
        continue;
      }
      yield { value, text: element.text, line: element.line, path };
    }
  } catch (error) {
    if (error instanceof PalisadeError && error.location) {
      report(error.code, error.message.replace(/^.*?:\d+: /, ''), file, error.location.line, error.location.path);
      return;
    }
    throw error;
  }
}

function isGraphPage(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return Array.isArray(record.data) && record.id === undefined && record.type === undefined;
}

/** Cross-row checks: every management-group parent and every subscription ancestor must be in the estate. */
function checkHierarchy(
  tree: ManagementGroupTree,
  locations: Map<string, { file: string; line: number }>,
  report: (code: string, message: string, file: string, line: number | undefined, path?: string) => void,
): void {
  const groups = tree.managementGroups();
  if (groups.length === 0) return; // an estate without management groups (a subscription-only export) is fine
  for (const group of groups) {
    if (group.parentName === undefined) continue;
    const isTenantRoot = group.tenantId !== undefined && group.parentName.toLowerCase() === group.tenantId.toLowerCase();
    if (tree.managementGroup(group.parentName) === undefined && !isTenantRoot) {
      const at = locations.get(group.id.toLowerCase().replace(/\/{2,}/g, '/'));
      report(
        'EstateUnknownParent',
        `management group '${group.name}' names parent '${group.parentName}', which is not in the estate`,
        at?.file ?? '',
        at?.line,
        '$.properties.details.parent',
      );
    }
  }
  const tenantIds = new Set(groups.map((g) => g.tenantId?.toLowerCase()).filter(Boolean));
  for (const sub of tree.subscriptions()) {
    sub.chain.forEach((name, index) => {
      if (tree.managementGroup(name) === undefined && !tenantIds.has(name.toLowerCase())) {
        const at = locations.get(sub.id.toLowerCase());
        report(
          'EstateUnknownManagementGroup',
          `subscription '${sub.subscriptionId}' lists management group '${name}', which is not in the estate`,
          at?.file ?? '',
          at?.line,
          `$.properties.managementGroupAncestorsChain[${index}].name`,
        );
      }
    });
  }
}

function invalid(issues: ErrorDetail[], maxIssues: number): PalisadeError {
  const count = issues.length >= maxIssues ? `${maxIssues}+ problems` : issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.map((issue) => `  ${formatLocation(issue.location)}${issue.message} [${issue.code}]`);
  return new PalisadeError('EstateInvalid', `${count} in the estate input; nothing was imported:\n${lines.join('\n')}`, {
    kind: 'validation',
    details: issues,
    location: issues[0]?.location,
  });
}

export { CONTAINER_TYPES };
