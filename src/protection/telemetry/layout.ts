/**
 * The telemetry directory convention (docs/telemetry.md):
 *
 *   telemetry/
 *     index.json                       optional: {"resources": {"<key>": "<resource id>", ...}}
 *     <source>/<name>.<ext>            source = storageBlob | keyVault | sqlAudit | kubernetesAudit | processEvent | sshAuth | apim
 *     <anything else>/<name>.<ext>     format detected per record / line
 *
 * A file's source is its first folder under the root when that folder is a source name (any case); otherwise it is
 * detected. The resource of records that do not name one (host logs, Kubernetes audit) is, in order: the index entry
 * for the file's path relative to the root without its extensions (`sshAuth/vm-web-01`), the index entry for its name
 * without extensions (`vm-web-01`), the name itself when it is a URL-encoded resource id
 * (`%2Fsubscriptions%2F...%2FvirtualMachines%2Fvm-web-01.log`), else the caller's `resourceId` option.
 * Extension stripped: one of `.log .jsonl .ndjson .json .txt .xml`, with a rotation suffix (`auth.log.1`).
 * Files read: names ending in `.log .json .jsonl .ndjson .xml` (with a rotation suffix too: `auth.log.1`), and names
 * without an extension (`secure`, `messages`) except README / LICENSE / NOTICE / COPYING. Not read: `index.json` and
 * `labels.json` at the root, hidden files, anything else (`.md`, `.txt`, `.gz`, ...).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { PalisadeError, safeJsonParse } from '../../core/index.js';
import type { TelemetrySource } from '../event.js';
import { TELEMETRY_SOURCES } from './types.js';
import { isObject, own } from './values.js';

export const INDEX_FILE = 'index.json';
export const LABELS_FILE = 'labels.json';

export interface TelemetryFile {
  /** Absolute or caller-relative path as given under the root. */
  file: string;
  /** Path relative to the telemetry root, `/`-separated. */
  relative: string;
  /** From the folder name; undefined means detected per record. */
  source?: TelemetrySource;
  /** From index.json or the file name; undefined when neither says. */
  resourceId?: string;
}

const SOURCE_BY_LOWER = new Map(TELEMETRY_SOURCES.map((s) => [s.toLowerCase(), s]));
const EXTENSION = /\.(?:log|jsonl|ndjson|json|txt|xml)(?:\.\d+)?$/i;

/** `auth.log.1` → `auth`, `vm-web-01.jsonl` → `vm-web-01`, `10.0.0.4.log` → `10.0.0.4`. */
export function stripExtensions(name: string): string {
  const stem = name.replace(EXTENSION, '');
  return stem === '' ? name : stem;
}

/** The resource id a URL-encoded file name spells, if it does. */
export function resourceIdFromName(stem: string): string | undefined {
  if (!/^%2Fsubscriptions%2F/i.test(stem)) return undefined;
  try {
    return decodeURIComponent(stem);
  } catch {
    return undefined;
  }
}

/** A file name for a resource id under this convention (the sample writer's inverse of resourceIdFromName). */
export function fileNameForResourceId(resourceId: string, extension: string): string {
  return `${encodeURIComponent(resourceId)}${extension}`;
}

export async function readTelemetryIndex(root: string): Promise<Map<string, string>> {
  const path = join(root, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new PalisadeError('TelemetryIndexInvalid', `${path}: cannot read: ${(err as Error).message}`, { kind: 'io', location: { file: path } });
  }
  let value: unknown;
  try {
    value = safeJsonParse(text);
  } catch (err) {
    throw new PalisadeError('TelemetryIndexInvalid', `${path}: invalid JSON: ${(err as Error).message}`, { kind: 'validation', location: { file: path, path: '$' } });
  }
  const resources = isObject(value) ? own(value, 'resources') : undefined;
  if (!isObject(resources)) {
    throw new PalisadeError('TelemetryIndexInvalid', `${path}: expected {"resources": {"<file key>": "<resource id>"}}`, {
      kind: 'validation',
      location: { file: path, path: '$.resources' },
    });
  }
  const map = new Map<string, string>();
  for (const key of Object.keys(resources)) {
    const id = resources[key];
    if (typeof id !== 'string' || !id.startsWith('/')) {
      throw new PalisadeError('TelemetryIndexInvalid', `${path}: $.resources[${JSON.stringify(key)}]: expected a resource id`, {
        kind: 'validation',
        location: { file: path, path: `$.resources[${JSON.stringify(key)}]` },
      });
    }
    map.set(key.toLowerCase(), id);
  }
  return map;
}

/** Every telemetry file under `root`, sorted by relative path, with its source and resource when known. */
export async function listTelemetryFiles(root: string): Promise<TelemetryFile[]> {
  const index = await readTelemetryIndex(root);
  const out: TelemetryFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const rel = relative(root, full).split(sep).join('/');
      if (rel === INDEX_FILE || rel === LABELS_FILE || !isTelemetryFileName(entry.name)) continue;
      out.push(describeFile(full, rel, index));
    }
  };
  await walk(root);
  out.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  return out;
}

const TELEMETRY_NAME = /\.(?:log|json|jsonl|ndjson|xml)(?:\.\d+)?$/i;
const NOT_TELEMETRY = /^(?:readme|licen[cs]e|notice|copying|authors|changelog)(?:[-_.].*)?$/i;

/** Whether a directory listing reads this file (see the header). */
export function isTelemetryFileName(name: string): boolean {
  if (NOT_TELEMETRY.test(name)) return false;
  if (TELEMETRY_NAME.test(name)) return true;
  return !name.includes('.');
}

export function describeFile(file: string, rel: string, index: ReadonlyMap<string, string>): TelemetryFile {
  const parts = rel.split('/');
  const source = parts.length > 1 ? SOURCE_BY_LOWER.get(parts[0].toLowerCase()) : undefined;
  const name = basename(rel);
  const stem = stripExtensions(name);
  const relStem = parts.length > 1 ? `${parts.slice(0, -1).join('/')}/${stem}` : stem;
  const resourceId = index.get(relStem.toLowerCase()) ?? index.get(stem.toLowerCase()) ?? resourceIdFromName(stem);
  const described: TelemetryFile = { file, relative: rel };
  if (source !== undefined) described.source = source;
  if (resourceId !== undefined) described.resourceId = resourceId;
  return described;
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PalisadeError('TelemetryPathNotFound', `${path}: no such file or directory`, { kind: 'notFound', target: path });
    }
    throw new PalisadeError('TelemetryPathNotFound', `${path}: ${(err as Error).message}`, { kind: 'io', target: path });
  }
}
