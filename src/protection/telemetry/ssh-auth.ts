/**
 * sshd lines of auth.log / secure → SecurityEvent (source `sshAuth`).
 *
 * Syslog lines in the traditional format (`Jun 10 14:00:01 web-01 sshd[1234]: ...`, no year: see `year` /
 * `referenceTime`) or with an RFC 3339 timestamp (`2026-08-31T14:00:01.123456+00:00 web-01 sshd[1234]: ...`). The
 * program is `sshd`, `sshd-session` or `sshd-auth` (OpenSSH 9.8 split the daemon). Messages read:
 *   Failed <method> for [invalid user ]<user> from <ip> port <port> ssh2[: <key type> <fingerprint>] → `sshd.failed`
 *   Accepted <method> for <user> from <ip> port <port> ssh2[: <key type> <fingerprint>]            → `sshd.accepted`
 *   Invalid user <user> from <ip>[ port <port>]                                                    → `sshd.invalidUser`
 * and rsyslog's `message repeated N times: [ <one of those> ]`, which gives N events. Every other line (other
 * programs, other sshd messages) is skipped, not rejected: an auth log is mostly other things.
 * Fields: `Host`, `Program`, `Pid`, `Method` (password, publickey, keyboard-interactive/pam, ...), `User`,
 * `InvalidUser` (boolean), `SourceIp`, `SourcePort`, `KeyType`, `KeyFingerprint`, `Message`.
 * Event: outcome failure for failed and invalid-user lines, success for accepted; callerIp = SourceIp; principal = User.
 */
import type { EventOrigin, SecurityEvent } from '../event.js';
import { buildEvent, type NormaliseContext } from './event-builder.js';
import { REJECTION_CODES, type ParseResult } from './types.js';
import { RecordError, parseTimestamp, setField, type FieldMap } from './values.js';

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const BSD_RE = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s+(\S+)\s+([^\s:[]+)(?:\[(\d+)\])?:\s?(.*)$/;
const ISO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s+(\S+)\s+([^\s:[]+)(?:\[(\d+)\])?:\s?(.*)$/;

const FAILED_RE = /^Failed (\S+) for (invalid user )?(.*?) from (\S+) port (\d+)(?: (\S+))?(?:: (\S+) (\S+))?\s*$/;
const ACCEPTED_RE = /^Accepted (\S+) for (.*?) from (\S+) port (\d+)(?: (\S+))?(?:: (\S+) (\S+))?\s*$/;
const INVALID_RE = /^Invalid user (.*?) from (\S+)(?: port (\d+))?\s*$/;
const REPEATED_RE = /^message repeated (\d+) times: \[\s*(.*?)\s*\]$/;

const SSHD_PROGRAMS = new Set(['sshd', 'sshd-session', 'sshd-auth']);
const MAX_REPEAT = 10_000;
/** sshd messages are short; longer ones are not read (and the message patterns never see huge input). */
const MAX_MESSAGE = 8_192;

export interface SyslogLine {
  time: number;
  host: string;
  program: string;
  pid?: number;
  message: string;
}

/** A syslog line's header, or undefined when the line is not syslog. */
export function parseSyslogLine(line: string, year: (month: number, day: number) => number): SyslogLine | undefined {
  let m = ISO_RE.exec(line);
  if (m) {
    const time = parseTimestamp(m[1]);
    if (time === undefined) return undefined;
    return { time, host: m[2], program: m[3], pid: m[4] === undefined ? undefined : Number(m[4]), message: m[5] };
  }
  m = BSD_RE.exec(line);
  if (m) {
    const month = MONTHS[m[1]];
    const day = Number(m[2]);
    const frac = m[6] === undefined ? 0 : Math.floor(Number(`0.${m[6]}`) * 1000);
    const time = Date.UTC(year(month, day), month, day, Number(m[3]), Number(m[4]), Number(m[5])) + frac;
    return { time, host: m[7], program: m[8], pid: m[9] === undefined ? undefined : Number(m[9]), message: m[10] };
  }
  return undefined;
}

export function looksLikeSyslog(line: string): boolean {
  return ISO_RE.test(line) || BSD_RE.test(line);
}

/** Year chooser for year-less timestamps: `year` when given, else the reference time's year (or the one before). */
export function yearChooser(year: number | undefined, referenceTime: number): (month: number, day: number) => number {
  if (year !== undefined) return () => year;
  const ref = new Date(referenceTime);
  const refYear = ref.getUTCFullYear();
  return (month, day) => (Date.UTC(refYear, month, day) > referenceTime + 86_400_000 ? refYear - 1 : refYear);
}

export function parseSshLine(line: string, origin: EventOrigin, ctx: NormaliseContext, year: (month: number, day: number) => number): ParseResult {
  const result: ParseResult = { events: [], rejected: [], skipped: 0 };
  const header = parseSyslogLine(line, year);
  if (header === undefined) {
    result.rejected.push({ code: REJECTION_CODES.unknownFormat, message: 'not a syslog line (timestamp host program[pid]: message)', origin });
    return result;
  }
  if (!SSHD_PROGRAMS.has(header.program)) {
    result.skipped++;
    return result;
  }
  let message = header.message;
  if (message.length > MAX_MESSAGE) {
    result.skipped++;
    return result;
  }
  let times = 1;
  const repeated = REPEATED_RE.exec(message);
  if (repeated) {
    times = Math.min(Number(repeated[1]), MAX_REPEAT);
    message = repeated[2];
  }
  const draft = readMessage(message);
  if (draft === undefined) {
    result.skipped++;
    return result;
  }
  const fields: FieldMap = { Host: header.host, Program: header.program };
  if (header.pid !== undefined) fields.Pid = header.pid;
  for (const [k, v] of Object.entries(draft.fields)) setField(fields, k, v);
  fields.Message = message;
  try {
    const event: SecurityEvent = buildEvent(
      'sshAuth',
      { time: header.time, operation: draft.operation, outcome: draft.outcome, callerIp: draft.ip, principal: draft.user, fields },
      ctx,
    );
    for (let i = 0; i < times; i++) result.events.push(i === 0 ? event : { ...event });
  } catch (err) {
    if (!(err instanceof RecordError)) throw err;
    result.rejected.push({ code: err.code, message: err.message, origin });
  }
  return result;
}

interface SshDraft {
  operation: 'sshd.failed' | 'sshd.accepted' | 'sshd.invalidUser';
  outcome: 'success' | 'failure';
  user: string;
  ip: string;
  fields: FieldMap;
}

function readMessage(message: string): SshDraft | undefined {
  let m = FAILED_RE.exec(message);
  if (m) {
    const fields: FieldMap = { Method: m[1], User: m[3], InvalidUser: m[2] !== undefined, SourceIp: m[4], SourcePort: Number(m[5]) };
    if (m[7] !== undefined) fields.KeyType = m[7];
    if (m[8] !== undefined) fields.KeyFingerprint = m[8];
    return { operation: 'sshd.failed', outcome: 'failure', user: m[3], ip: m[4], fields };
  }
  m = ACCEPTED_RE.exec(message);
  if (m) {
    const fields: FieldMap = { Method: m[1], User: m[2], InvalidUser: false, SourceIp: m[3], SourcePort: Number(m[4]) };
    if (m[6] !== undefined) fields.KeyType = m[6];
    if (m[7] !== undefined) fields.KeyFingerprint = m[7];
    return { operation: 'sshd.accepted', outcome: 'success', user: m[2], ip: m[3], fields };
  }
  m = INVALID_RE.exec(message);
  if (m) {
    const fields: FieldMap = { User: m[1], InvalidUser: true, SourceIp: m[2] };
    if (m[3] !== undefined) fields.SourcePort = Number(m[3]);
    return { operation: 'sshd.invalidUser', outcome: 'failure', user: m[1], ip: m[2], fields };
  }
  return undefined;
}
