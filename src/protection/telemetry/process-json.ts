/**
 * Linux process creation as JSON or Sysmon XML → SecurityEvent (source `processEvent`, operation `execve`).
 *
 * Read from:
 *  - JSON records with Sysmon / Sigma field names (Sysmon for Linux event 1 as forwarders write it, or already
 *    normalised): `EventID` (1, or absent), `UtcTime`, `Computer`, `ProcessId`, `Image`, `CommandLine`,
 *    `CurrentDirectory`, `User`, `ParentProcessId`, `ParentImage`, `ParentCommandLine`, `ParentUser`, `LogonId`,
 *    `ProcessGuid`, `Hashes`, ... — kept as they are;
 *  - Defender for Endpoint `DeviceProcessEvents` rows (`Timestamp`, `DeviceName`, `FolderPath`,
 *    `ProcessCommandLine`, `AccountName`, `InitiatingProcessFolderPath`, ...), renamed to the Sysmon names;
 *  - Sysmon for Linux's XML lines in syslog (`... sysmon: <Event><System>...<EventID>1</EventID>...<EventData>
 *    <Data Name="Image">...</Data>...</EventData></Event>`): the `Data` elements become fields.
 * Other Sysmon event ids (network, file) are rejected as TelemetryUnsupportedRecord.
 * Event: outcome success; principal = User; time = UtcTime (UTC), else TimeCreated / Timestamp / TimeGenerated / time.
 */
import type { SecurityEvent } from '../event.js';
import { buildEvent, type NormaliseContext } from './event-builder.js';
import { REJECTION_CODES } from './types.js';
import { RecordError, fieldValue, invalid, own, recordTime, setField, type FieldMap, type JsonObject } from './values.js';

const TIME_KEYS = ['UtcTime', 'TimeCreated', 'Timestamp', 'TimeGenerated', 'time', '@timestamp'];
const NUMERIC = ['ProcessId', 'ParentProcessId', 'EventID', 'TerminalSessionId'];

/** Defender for Endpoint DeviceProcessEvents → Sysmon names. */
const MDE_NAMES: Record<string, string> = {
  DeviceName: 'Computer',
  FolderPath: 'Image',
  ProcessCommandLine: 'CommandLine',
  AccountName: 'User',
  InitiatingProcessFolderPath: 'ParentImage',
  InitiatingProcessCommandLine: 'ParentCommandLine',
  InitiatingProcessId: 'ParentProcessId',
  InitiatingProcessAccountName: 'ParentUser',
  ProcessCurrentWorkingDirectory: 'CurrentDirectory',
};

export function looksLikeProcessJson(record: JsonObject): boolean {
  if (typeof own(record, 'Image') === 'string' || typeof own(record, 'CommandLine') === 'string') return true;
  return own(record, 'ActionType') === 'ProcessCreated' && own(record, 'ProcessCommandLine') !== undefined;
}

export function normaliseProcessJson(record: JsonObject, ctx: NormaliseContext): SecurityEvent {
  const fields: FieldMap = {};
  const mde = own(record, 'ActionType') !== undefined && own(record, 'ProcessCommandLine') !== undefined;
  for (const key of Object.keys(record)) {
    const name = mde ? MDE_NAMES[key] ?? key : key;
    if (name === 'resourceId' || name === '_ResourceId') continue;
    setField(fields, name, fieldValue(record[key]));
  }
  for (const key of NUMERIC) {
    const v = fields[key];
    if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) fields[key] = Number(v);
  }
  const eventId = fields.EventID;
  if (eventId !== undefined && eventId !== null && eventId !== 1) {
    throw new RecordError(REJECTION_CODES.unsupportedRecord, `Sysmon event ${String(eventId)} is not read (process creation, event 1, only)`, ['EventID']);
  }
  if (typeof fields.Image !== 'string' && typeof fields.CommandLine !== 'string') throw invalid(['Image'], "'Image' or 'CommandLine' is required (a string)");
  const time = recordTime(record, TIME_KEYS);
  const user = typeof fields.User === 'string' && fields.User !== '' ? fields.User : undefined;
  const own_ = own(record, 'resourceId') ?? own(record, '_ResourceId');
  if (own_ !== undefined && typeof own_ !== 'string') throw invalid(['resourceId'], 'expected a string');
  return buildEvent(
    'processEvent',
    { time, operation: 'execve', outcome: 'success', principal: user, fields, resourceId: own_ as string | undefined, resourcePath: ['resourceId'] },
    ctx,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Sysmon for Linux XML (one <Event> per syslog line)

export function looksLikeSysmonXml(line: string): boolean {
  return line.includes('<Event') && line.includes('<EventData>');
}

const DATA_RE = /<Data Name="([^"]+)">([^<]*)<\/Data>|<Data Name="([^"]+)"\s*\/>/g;

/** The fields of a Sysmon XML event as a JSON-like record (for normaliseProcessJson). */
export function sysmonXmlRecord(line: string): JsonObject {
  const record: JsonObject = {};
  const eventId = /<EventID>\s*(\d+)\s*<\/EventID>/.exec(line);
  if (eventId === null) throw invalid([], 'a Sysmon XML event without <EventID>');
  record.EventID = Number(eventId[1]);
  const computer = /<Computer>([^<]*)<\/Computer>/.exec(line);
  if (computer) record.Computer = decodeXml(computer[1]);
  const created = /<TimeCreated\s+SystemTime="([^"]+)"/.exec(line);
  if (created) record.TimeCreated = created[1];
  for (const m of line.matchAll(DATA_RE)) {
    const name = m[1] ?? m[3];
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
    record[name] = m[2] === undefined ? '' : decodeXml(m[2]);
  }
  return record;
}

function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g, (_, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (dec !== undefined) return safeCodePoint(Number(dec));
    if (hex !== undefined) return safeCodePoint(parseInt(hex, 16));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[name as 'lt'];
  });
}

function safeCodePoint(n: number): string {
  return Number.isInteger(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '\ufffd';
}
