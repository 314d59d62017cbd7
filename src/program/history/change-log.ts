/**
 * An estate's change log: how rows changed over time, one `HistoryChange` (`{at, id, table, kind, before, after}`) a
 * line in `history/changes.jsonl`. The current rows plus the log give the estate at any earlier time T: undo the
 * changes after T in reverse order (each undo puts `before` back; a null `before` means the row did not exist yet).
 *
 *   const log = parseChangeLog(text, 'history/changes.jsonl');
 *   log.overridesAt(new Date('2026-07-01T00:00:00Z'));   // key → the row at that time (null: absent)
 *   log.between(weekAgo, now);                           // what changed in (weekAgo, now]
 */
import { ARG_TABLES, PalisadeError, canonicalKey, safeJsonParse, type ArgRow, type ArgTable } from '../../core/index.js';
import type { HistoryChange } from '../../estate/index.js';

export type { HistoryChange, HistoryChangeKind } from '../../estate/index.js';

/** A change whose row value did not change (an exemption passing its expiry: the clock did it). */
function rowUnchanged(c: HistoryChange): boolean {
  return c.kind === 'exemption-expiry';
}

export interface RowOverride {
  table: ArgTable;
  /** The row at the time; null when it did not exist. */
  row: ArgRow | null;
}

export class ChangeLog {
  /** By time; changes at the same time keep their order in the log. */
  readonly changes: readonly HistoryChange[];
  private readonly times: readonly number[];

  constructor(changes: readonly HistoryChange[]) {
    const indexed = changes.map((c, i) => ({ c, i, t: Date.parse(c.at) }));
    indexed.sort((a, b) => a.t - b.t || a.i - b.i);
    this.changes = indexed.map((x) => x.c);
    this.times = indexed.map((x) => x.t);
  }

  get size(): number {
    return this.changes.length;
  }

  /** Time of the first change (undefined for an empty log). */
  get first(): Date | undefined {
    return this.times.length === 0 ? undefined : new Date(this.times[0]);
  }

  get last(): Date | undefined {
    return this.times.length === 0 ? undefined : new Date(this.times[this.times.length - 1]);
  }

  /** Index of the first change after `t`. */
  private after(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The rows that differ at `time` from the current estate: every row a change after `time` touched, with its value
   * before the earliest such change. Apply them over the current rows to get the estate at `time`.
   */
  overridesAt(time: Date): Map<string, RowOverride> {
    const out = new Map<string, RowOverride>();
    for (let i = this.changes.length - 1; i >= this.after(time.getTime()); i--) {
      const c = this.changes[i];
      if (rowUnchanged(c)) continue;
      out.set(canonicalKey(c.id), { table: c.table, row: c.before });
    }
    return out;
  }

  /** The changes in (from, to]. */
  between(from: Date, to: Date): HistoryChange[] {
    return this.changes.slice(this.after(from.getTime()), this.after(to.getTime()));
  }

  /** Changes as stored per day (`YYYY-MM-DD` of `at`, UTC). */
  byDay(): Map<string, HistoryChange[]> {
    const out = new Map<string, HistoryChange[]>();
    for (const c of this.changes) {
      const day = new Date(Date.parse(c.at)).toISOString().slice(0, 10);
      let list = out.get(day);
      if (!list) out.set(day, (list = []));
      list.push(c);
    }
    return out;
  }
}

function invalid(message: string, file: string, line: number, path: string): PalisadeError {
  return new PalisadeError('HistoryChangeInvalid', `${file}:${line}: ${message}`, { kind: 'validation', target: file, location: { file, line, path } });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkRow(value: unknown, id: string, file: string, line: number, path: string): ArgRow | null {
  if (value === null) return null;
  if (!isRecord(value)) throw invalid(`'${path.slice(2)}' must be an object (an ARG row) or null`, file, line, path);
  for (const field of ['id', 'type', 'name'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw invalid(`'${path.slice(2)}.${field}' must be a non-empty string`, file, line, `${path}.${field}`);
  }
  if (canonicalKey(value.id as string) !== canonicalKey(id)) throw invalid(`'${path.slice(2)}.id' is not the change's id '${id}'`, file, line, `${path}.id`);
  return value as ArgRow;
}

/** One change from its parsed JSON; `HistoryChangeInvalid` (with file, line, JSON path) when it is malformed. */
export function checkChange(value: unknown, file: string, line: number): HistoryChange {
  if (!isRecord(value)) throw invalid('a change must be a JSON object', file, line, '$');
  if (typeof value.at !== 'string' || Number.isNaN(Date.parse(value.at))) throw invalid(`'at' must be an ISO 8601 date-time`, file, line, '$.at');
  if (typeof value.id !== 'string' || value.id === '') throw invalid(`'id' must be a non-empty string`, file, line, '$.id');
  if (typeof value.table !== 'string' || !(ARG_TABLES as readonly string[]).includes(value.table)) {
    throw invalid(`'table' must be one of ${ARG_TABLES.join(', ')}`, file, line, '$.table');
  }
  if (typeof value.kind !== 'string' || value.kind === '') throw invalid(`'kind' must be a non-empty string`, file, line, '$.kind');
  if (!('before' in value) || !('after' in value)) throw invalid(`'before' and 'after' are required (null when the row is absent)`, file, line, '$');
  const before = checkRow(value.before, value.id, file, line, '$.before');
  const after = checkRow(value.after, value.id, file, line, '$.after');
  if (before === null && after === null) throw invalid(`'before' and 'after' cannot both be null`, file, line, '$');
  const change: HistoryChange = { at: new Date(Date.parse(value.at)).toISOString(), id: value.id, table: value.table as ArgTable, kind: value.kind as HistoryChange['kind'], before, after };
  if (typeof value.label === 'string') change.label = value.label;
  return change;
}

/** A change log from JSON Lines text (blank lines ignored). All-or-nothing: the first bad line throws. */
export function parseChangeLog(text: string, file: string): ChangeLog {
  const changes: HistoryChange[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = safeJsonParse(line);
    } catch (error) {
      throw invalid(`not JSON (${(error as Error).message})`, file, i + 1, '$');
    }
    changes.push(checkChange(value, file, i + 1));
  }
  return new ChangeLog(changes);
}
