/**
 * Threat-intelligence lists: IP addresses and ranges (Tor exit relays, suspicious addresses), file hashes (MD5, SHA-1,
 * SHA-256 in hex; Storage's base64 Content-MD5 is converted), container images, and text lists matched exactly or as
 * substrings (attack-tool user agents and application names).
 *
 * Lists are described by a manifest (`catalog/protection/threat-intel/lists.json`): `{format: 1, lists: [{name, kind,
 * file, format: lines|csv, columns?, description, source}]}`. They are refreshable: `reload()` re-reads every file,
 * `refreshIfChanged()` only those whose modification time changed, `setList()` replaces one from code (a live feed).
 * Rules hold a `ListRef` (a holder), so a reload is seen by every compiled rule at once without recompiling.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { PalisadeError, jsonPath, safeJsonParse } from '../core/index.js';
import { IpSet, parseIp } from './ip.js';

export type ThreatListKind = 'ip' | 'hash' | 'exact' | 'contains' | 'image';
export const THREAT_LIST_KINDS: readonly ThreatListKind[] = ['ip', 'hash', 'exact', 'contains', 'image'];

export interface ThreatListSpec {
  name: string;
  kind: ThreatListKind;
  /** relative to the manifest */
  file: string;
  /**
   * `lines`: one entry per line, `#` comments (Tor's torbulkexitlist); `csv`: a header row, entries from `columns`;
   * `tordnsel`: Tor's exit-addresses format (`ExitAddress <ip> <time>` lines)
   */
  format: 'lines' | 'csv' | 'tordnsel';
  columns?: string[];
  description?: string;
  source?: string;
}

export interface ThreatListInfo {
  name: string;
  kind: ThreatListKind;
  entries: number;
  file?: string;
  loadedAt: string;
  source?: string;
  /** lines that were not a valid entry of the list's kind */
  rejected: number;
}

/** A compiled list: one membership test. */
interface ThreatList {
  info: ThreatListInfo;
  has(value: string): boolean;
}

/** What a rule holds: the current list, swapped in place on reload. */
export interface ListRef {
  readonly name: string;
  readonly kind: ThreatListKind;
  current: ThreatList;
}

const HEX = /^[0-9a-f]+$/;

/** Hex of a hash given as hex (any case) or base64 (Storage's Content-MD5); undefined when neither. */
export function normaliseHash(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const lower = v.toLowerCase();
  if (HEX.test(lower) && [32, 40, 64, 128].includes(lower.length)) return lower;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0 && v.length >= 24) {
    const hex = Buffer.from(v, 'base64').toString('hex');
    if ([32, 40, 64].includes(hex.length)) return hex;
  }
  return undefined;
}

/** `registry.example/xmrig/xmrig:6.21@sha256:...` → `xmrig/xmrig`; `nginx` → `library/nginx`. */
export function imageRepository(image: string): string {
  let s = image.trim().toLowerCase();
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) s = s.slice(0, colon);
  const parts = s.split('/');
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) parts.shift();
  if (parts.length === 1) parts.unshift('library');
  return parts.join('/');
}

function buildList(kind: ThreatListKind, entries: Iterable<string>, info: Omit<ThreatListInfo, 'entries' | 'rejected'>): ThreatList {
  let rejected = 0;
  let count = 0;
  switch (kind) {
    case 'ip': {
      const set = new IpSet();
      for (const e of entries) {
        if (set.add(e)) count++;
        else rejected++;
      }
      return { info: { ...info, entries: count, rejected }, has: (v) => set.has(v) };
    }
    case 'hash': {
      const set = new Set<string>();
      for (const e of entries) {
        const h = normaliseHash(e);
        if (h) set.add(h);
        else rejected++;
      }
      return { info: { ...info, entries: set.size, rejected }, has: (v) => set.has(normaliseHash(v) ?? '') };
    }
    case 'exact': {
      const set = new Set<string>();
      for (const e of entries) set.add(e.trim().toLowerCase());
      return { info: { ...info, entries: set.size, rejected }, has: (v) => set.has(v.trim().toLowerCase()) };
    }
    case 'contains': {
      const list = [...new Set([...entries].map((e) => e.trim().toLowerCase()).filter((e) => e !== ''))];
      return {
        info: { ...info, entries: list.length, rejected },
        has: (v) => {
          const lower = v.toLowerCase();
          for (const e of list) if (lower.includes(e)) return true;
          return false;
        },
      };
    }
    case 'image': {
      const set = new Set<string>();
      for (const e of entries) set.add(imageRepository(e));
      return { info: { ...info, entries: set.size, rejected }, has: (v) => set.has(imageRepository(v)) };
    }
  }
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** The entries of a list file: lines (comments and blanks skipped) or the named CSV columns. */
export function readListEntries(text: string, format: 'lines' | 'csv' | 'tordnsel', columns: readonly string[] = []): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (format === 'lines') return lines.map((l) => l.trim());
  if (format === 'tordnsel') return lines.filter((l) => l.startsWith('ExitAddress ')).map((l) => l.split(/\s+/)[1]);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const wanted = (columns.length > 0 ? columns : [header[0]]).map((c) => header.indexOf(c.toLowerCase())).filter((i) => i >= 0);
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    const cells = splitCsvLine(line);
    for (const i of wanted) if (cells[i]) out.push(cells[i]);
  }
  return out;
}

export class ThreatIntel {
  private readonly refs = new Map<string, ListRef>();
  private readonly specs = new Map<string, { spec: ThreatListSpec; path: string; mtimeMs: number }>();

  /** Loads the lists of a manifest (`lists.json`). Errors name the manifest and the JSON path. */
  static fromManifest(manifestFile: string): ThreatIntel {
    const ti = new ThreatIntel();
    ti.loadManifest(manifestFile);
    return ti;
  }

  loadManifest(manifestFile: string): void {
    let data: unknown;
    try {
      data = safeJsonParse(readFileSync(manifestFile, 'utf8'));
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new PalisadeError(missing ? 'ThreatIntelNotFound' : 'ThreatIntelInvalid', `cannot read '${manifestFile}': ${(e as Error).message}`, {
        kind: missing ? 'io' : 'validation',
        location: { file: manifestFile },
      });
    }
    const bad = (path: Array<string | number>, message: string) =>
      new PalisadeError('ThreatIntelInvalid', `${manifestFile}: ${jsonPath(path)}: ${message}`, { location: { file: manifestFile, path: jsonPath(path) } });
    const root = data as { format?: unknown; lists?: unknown };
    if (!root || typeof root !== 'object' || root.format !== 1) throw bad(['format'], 'expected format 1');
    if (!Array.isArray(root.lists)) throw bad(['lists'], 'must be an array');
    root.lists.forEach((raw: unknown, i: number) => {
      const s = raw as Partial<ThreatListSpec>;
      if (!s || typeof s !== 'object') throw bad(['lists', i], 'not an object');
      if (typeof s.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(s.name)) throw bad(['lists', i, 'name'], 'lower-case words joined by hyphens');
      if (!THREAT_LIST_KINDS.includes(s.kind as ThreatListKind)) throw bad(['lists', i, 'kind'], `one of ${THREAT_LIST_KINDS.join(', ')}`);
      if (typeof s.file !== 'string' || s.file === '' || s.file.includes('..')) throw bad(['lists', i, 'file'], 'a file name beside the manifest');
      const format = s.format ?? 'lines';
      if (format !== 'lines' && format !== 'csv' && format !== 'tordnsel') throw bad(['lists', i, 'format'], 'lines, csv or tordnsel');
      const spec: ThreatListSpec = { name: s.name, kind: s.kind as ThreatListKind, file: s.file, format, columns: s.columns, description: s.description, source: s.source };
      const path = isAbsolute(spec.file) ? spec.file : join(dirname(manifestFile), spec.file);
      this.specs.set(spec.name, { spec, path, mtimeMs: 0 });
      this.loadFile(spec.name);
    });
  }

  private loadFile(name: string): void {
    const entry = this.specs.get(name)!;
    let text: string;
    try {
      text = readFileSync(entry.path, 'utf8');
      entry.mtimeMs = statSync(entry.path).mtimeMs;
    } catch (e) {
      throw new PalisadeError('ThreatIntelNotFound', `threat-intel list '${name}': cannot read '${entry.path}': ${(e as Error).message}`, {
        kind: 'io',
        location: { file: entry.path },
      });
    }
    const entries = readListEntries(text, entry.spec.format, entry.spec.columns);
    this.install(
      buildList(entry.spec.kind, entries, { name, kind: entry.spec.kind, file: entry.path, loadedAt: new Date().toISOString(), source: entry.spec.source }),
    );
  }

  private install(list: ThreatList): void {
    const ref = this.refs.get(list.info.name);
    if (ref) {
      if (ref.kind !== list.info.kind) throw new PalisadeError('ThreatIntelInvalid', `threat-intel list '${list.info.name}' changed kind from ${ref.kind} to ${list.info.kind}`);
      ref.current = list;
    } else this.refs.set(list.info.name, { name: list.info.name, kind: list.info.kind, current: list });
  }

  /** Replaces (or creates) a list from entries in memory. */
  setList(name: string, kind: ThreatListKind, entries: Iterable<string>, source?: string): ThreatListInfo {
    const list = buildList(kind, entries, { name, kind, loadedAt: new Date().toISOString(), source });
    this.install(list);
    return list.info;
  }

  /** Re-reads every list file. */
  reload(): ThreatListInfo[] {
    for (const name of this.specs.keys()) this.loadFile(name);
    return this.lists();
  }

  /** Re-reads the files whose modification time changed; returns the names reloaded. */
  refreshIfChanged(): string[] {
    const changed: string[] = [];
    for (const [name, entry] of this.specs) {
      let mtime: number;
      try {
        mtime = statSync(entry.path).mtimeMs;
      } catch {
        continue; // a feed being rewritten: keep the current list
      }
      if (mtime !== entry.mtimeMs) {
        this.loadFile(name);
        changed.push(name);
      }
    }
    return changed;
  }

  ref(name: string): ListRef | undefined {
    return this.refs.get(name);
  }

  has(name: string, value: string): boolean {
    return this.refs.get(name)?.current.has(value) ?? false;
  }

  lists(): ThreatListInfo[] {
    return [...this.refs.values()].map((r) => r.current.info).sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

/** true when the address parses as an IP (TI look-ups skip values that are not). */
export function isIpAddress(value: string): boolean {
  return parseIp(value) !== undefined;
}
