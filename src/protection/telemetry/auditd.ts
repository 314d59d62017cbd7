/**
 * auditd raw log → process-creation SecurityEvents (source `processEvent`, operation `execve`).
 *
 * One exec is several records sharing the key of `msg=audit(<epoch>.<ms>:<serial>)`: SYSCALL (pid, ppid, uid, exe,
 * comm, success, key), EXECVE (argc, a0..aN), CWD (cwd), PATH (item, name) and PROCTITLE (the command line, hex with
 * NUL separators). The assembler groups records by serial; a group is complete at its PROCTITLE or EOE record, when
 * eight newer events have started since its last record (auditd writes an event's records together), or at the end
 * of the input. Groups with an EXECVE become events; other groups (logins, other syscalls) are counted as skipped.
 *
 * Values: untrusted strings (`a0..`, `exe`, `comm`, `cwd`, `name`, `proctitle`, `key`) are quoted when printable and
 * hex-encoded otherwise (spaces, quotes, non-ASCII); hex is decoded as UTF-8, PROCTITLE's NULs become spaces. Long
 * arguments split as `a2_len=N a2[0]=.. a2[1]=..` are joined. The ENRICHED log format's names after the 0x1D
 * separator (`UID="www-data"`, `SYSCALL=execve`) are read too. A `node=host` prefix gives `Computer`.
 *
 * Fields, Sigma process_creation names: `Image` (exe, else PATH item 0), `CommandLine` (the EXECVE arguments joined
 * with spaces, else PROCTITLE), `CurrentDirectory`, `ProcessId`, `ParentProcessId`, `User` (the enriched UID name;
 * `root` for uid 0; else the uid as text), `ParentImage` and `ParentCommandLine` when the parent's own exec was seen
 * earlier in the stream. Also the auditd names Sigma's linux/auditd rules use: `type` (EXECVE), `a0..aN`, `argc`, `exe`,
 * `comm`, `key`, `cwd`, `name`, `proctitle`, `syscall`, `success`, `uid`, `auid`, `euid`, `gid`, `tty`, `ses`, `arch`,
 * `SYSCALL`, `UID`, `AUID` (enriched).
 */
import type { EventOrigin, RejectedRecord, SecurityEvent } from '../event.js';
import { buildEvent, type NormaliseContext, type ResourceResolver } from './event-builder.js';
import { REJECTION_CODES, type ParseResult } from './types.js';
import { RecordError, hexToText, isHex, pathOf, setField, type FieldMap } from './values.js';

const LINE_RE = /(?:^|\s)(?:node=(\S+)\s+)?type=([A-Z_0-9]+)\s+msg=audit\((\d+)(?:\.(\d+))?:(\d+)\)\s*:\s?(.*)$/;

export function looksLikeAuditd(line: string): boolean {
  return line.includes('msg=audit(') && /(?:^|\s)type=[A-Z_0-9]+\s/.test(line);
}

interface Token {
  key: string;
  value: string;
  quoted: boolean;
}

/**
 * `key=value key="quoted value" key='x'` → tokens, in one linear pass (no regular expression that could backtrack on
 * a hostile line); the enriched part after 0x1D is tokenised the same way. Words without `=` are skipped.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  const space = (c: number): boolean => c === 32 || c === 9 || c === 0x1d;
  let i = 0;
  while (i < n) {
    while (i < n && space(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !space(text.charCodeAt(i)) && text.charCodeAt(i) !== 61) i++;
    if (i >= n || text.charCodeAt(i) !== 61) continue; // a word without '='
    const key = text.slice(start, i);
    i++;
    const q = text.charCodeAt(i);
    if (q === 34 || q === 39) {
      const end = text.indexOf(q === 34 ? '"' : "'", i + 1);
      const stop = end === -1 ? n : end;
      if (key !== '') tokens.push({ key, value: text.slice(i + 1, stop), quoted: true });
      i = stop + 1;
    } else {
      const valueStart = i;
      while (i < n && !space(text.charCodeAt(i))) i++;
      if (key !== '') tokens.push({ key, value: text.slice(valueStart, i), quoted: false });
    }
  }
  return tokens;
}

const UNTRUSTED = new Set(['exe', 'comm', 'cwd', 'name', 'proctitle', 'key']);

function untrusted(token: Token): string {
  if (token.quoted || token.value === '(null)') return token.value;
  return isHex(token.value) ? hexToText(token.value) : token.value;
}

interface Group {
  serial: string;
  epochMs: number;
  origin: EventOrigin;
  node?: string;
  syscall?: Token[];
  execve?: Token[];
  cwd?: string;
  paths: Array<{ item: number; name: string }>;
  proctitle?: string;
  /** serial counter value when the group last received a record */
  lastSeen: number;
}

const WINDOW = 8;
const MAX_PROCESSES = 4_096;
/** The kernel caps an audit record near 8,970 bytes; anything much longer is not auditd. */
const MAX_RECORD = 65_536;

export class AuditdAssembler {
  private readonly open = new Map<string, Group>();
  private counter = 0;
  /** pid → the last exec seen for it, to name parents (bounded, oldest dropped first). */
  private readonly processes = new Map<number, { image?: string; commandLine?: string }>();

  constructor(private readonly resolver: ResourceResolver) {}

  /** Feeds one line; returns what completed. `fallbackResourceId` is the resource of the host the log is from. */
  push(line: string, origin: EventOrigin, fallbackResourceId: string | undefined): ParseResult {
    const result: ParseResult = { events: [], rejected: [], skipped: 0 };
    if (line.length > MAX_RECORD) {
      result.rejected.push({ code: REJECTION_CODES.recordTooLarge, message: `auditd record of ${line.length} characters is over the limit of ${MAX_RECORD}`, origin });
      return result;
    }
    const m = LINE_RE.exec(line);
    if (m === null) {
      result.rejected.push({ code: REJECTION_CODES.unknownFormat, message: 'not an auditd record (type=... msg=audit(...): ...)', origin });
      return result;
    }
    const [, node, type, seconds, millis, serial, rest] = m;
    let group = this.open.get(serial);
    const isNew = group === undefined;
    if (group === undefined) {
      if (type === 'EOE') return result; // end marker of a group already flushed
      group = { serial, epochMs: Number(seconds) * 1000 + (millis === undefined ? 0 : Number(millis.padEnd(3, '0').slice(0, 3))), origin, node, paths: [], lastSeen: 0 };
      this.open.set(serial, group);
    }
    if (isNew) this.counter++;
    group.lastSeen = this.counter;
    const tokens = tokenize(rest);
    switch (type) {
      case 'SYSCALL':
        group.syscall = tokens;
        break;
      case 'EXECVE':
        group.execve = tokens;
        break;
      case 'CWD': {
        const cwd = tokens.find((t) => t.key === 'cwd');
        if (cwd) group.cwd = untrusted(cwd);
        break;
      }
      case 'PATH': {
        const item = tokens.find((t) => t.key === 'item');
        const name = tokens.find((t) => t.key === 'name');
        if (name) group.paths.push({ item: item ? Number(item.value) : group.paths.length, name: untrusted(name) });
        break;
      }
      case 'PROCTITLE': {
        const title = tokens.find((t) => t.key === 'proctitle');
        if (title) group.proctitle = title.quoted ? title.value : isHex(title.value) ? hexToText(title.value).replace(/\0+$/, '').replace(/\0/g, ' ') : title.value;
        break;
      }
      default:
        break;
    }
    if (type === 'PROCTITLE' || type === 'EOE') this.complete(group, fallbackResourceId, result);
    // Groups no record has touched for WINDOW newer events are done.
    if (isNew && this.open.size > 1) {
      for (const g of [...this.open.values()]) {
        if (g !== group && this.counter - g.lastSeen >= WINDOW) this.complete(g, fallbackResourceId, result);
      }
    }
    return result;
  }

  /** Completes every open group (end of input). */
  flush(fallbackResourceId: string | undefined): ParseResult {
    const result: ParseResult = { events: [], rejected: [], skipped: 0 };
    for (const g of [...this.open.values()]) this.complete(g, fallbackResourceId, result);
    return result;
  }

  private complete(group: Group, fallbackResourceId: string | undefined, result: ParseResult): void {
    this.open.delete(group.serial);
    if (group.execve === undefined) {
      result.skipped++;
      return;
    }
    try {
      result.events.push(this.toEvent(group, { origin: group.origin, fallbackResourceId, resolver: this.resolver }));
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      const rejected: RejectedRecord = { code: err.code, message: err.message, origin: { ...group.origin, ...(err.path ? { path: pathOf(err.path) } : {}) } };
      result.rejected.push(rejected);
    }
  }

  private toEvent(group: Group, ctx: NormaliseContext): SecurityEvent {
    if (group.syscall === undefined) {
      throw new RecordError(REJECTION_CODES.incompleteEvent, `auditd event ${group.serial}: an EXECVE record without its SYSCALL record`);
    }
    const fields: FieldMap = { type: 'EXECVE' };
    const sys = new Map<string, Token>();
    for (const t of group.syscall) sys.set(t.key, t);
    for (const key of ['arch', 'syscall', 'success', 'exit', 'pid', 'ppid', 'uid', 'auid', 'euid', 'gid', 'egid', 'tty', 'ses']) {
      const t = sys.get(key);
      if (t) setField(fields, key, t.value);
    }
    for (const key of ['exe', 'comm', 'key']) {
      const t = sys.get(key);
      if (t) setField(fields, key, untrusted(t));
    }
    for (const key of ['SYSCALL', 'UID', 'AUID', 'EUID']) {
      const t = sys.get(key);
      if (t) setField(fields, key, t.value);
    }

    // EXECVE arguments, with long ones split into aN[i] chunks.
    const args: string[] = [];
    const chunks = new Map<number, string[]>();
    for (const t of group.execve ?? []) {
      if (t.key === 'argc') {
        setField(fields, 'argc', t.value);
        continue;
      }
      let m = /^a(\d+)$/.exec(t.key);
      if (m) {
        args[Number(m[1])] = untrusted(t);
        continue;
      }
      m = /^a(\d+)\[(\d+)\]$/.exec(t.key);
      if (m) {
        const n = Number(m[1]);
        const list = chunks.get(n) ?? [];
        list[Number(m[2])] = t.value;
        chunks.set(n, list);
      }
    }
    for (const [n, list] of chunks) {
      const joined = list.join('');
      args[n] = isHex(joined) ? hexToText(joined) : joined;
    }
    const argv = Array.from(args, (a) => a ?? '');
    argv.forEach((a, i) => setField(fields, `a${i}`, a));

    const pathName = group.paths.sort((a, b) => a.item - b.item)[0]?.name;
    if (group.cwd !== undefined) setField(fields, 'cwd', group.cwd);
    if (pathName !== undefined) setField(fields, 'name', pathName);
    if (group.proctitle !== undefined) setField(fields, 'proctitle', group.proctitle);
    if (group.node !== undefined) setField(fields, 'Computer', group.node);

    const exe = typeof fields.exe === 'string' && fields.exe !== '(null)' ? fields.exe : pathName;
    const commandLine = argv.length > 0 ? argv.join(' ') : group.proctitle;
    const pid = Number(sys.get('pid')?.value);
    const ppid = Number(sys.get('ppid')?.value);
    const uid = sys.get('uid')?.value;
    const user = sys.get('UID')?.value ?? (uid === '0' ? 'root' : uid);
    setField(fields, 'Image', exe);
    setField(fields, 'CommandLine', commandLine);
    setField(fields, 'CurrentDirectory', group.cwd);
    if (Number.isFinite(pid)) setField(fields, 'ProcessId', pid);
    if (Number.isFinite(ppid)) setField(fields, 'ParentProcessId', ppid);
    setField(fields, 'User', user);
    const parent = Number.isFinite(ppid) ? this.processes.get(ppid) : undefined;
    if (parent) {
      setField(fields, 'ParentImage', parent.image);
      setField(fields, 'ParentCommandLine', parent.commandLine);
    }
    if (Number.isFinite(pid)) {
      this.processes.delete(pid);
      this.processes.set(pid, { image: exe, commandLine });
      if (this.processes.size > MAX_PROCESSES) this.processes.delete(this.processes.keys().next().value as number);
    }
    const success = sys.get('success')?.value;
    return buildEvent(
      'processEvent',
      {
        time: group.epochMs,
        operation: 'execve',
        outcome: success === 'yes' ? 'success' : success === 'no' ? 'failure' : 'unknown',
        principal: user,
        fields,
      },
      ctx,
    );
  }
}
